"""The city plan: targets set on a round's results (rule 10) and the actions of the roadmap."""
