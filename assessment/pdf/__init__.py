"""Downloads of the PDF reports: a city's report and the cohort report, in the user's language."""
