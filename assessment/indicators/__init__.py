"""Success indicators (rule 11): the questionnaire's indicator definitions, the cities' values,
their checks, imports and queries. The pages live in the blueprints that show them (the survey,
the coordinator's views); this package holds what they share."""
