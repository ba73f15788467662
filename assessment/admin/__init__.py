"""Programme management: cities, rounds, questionnaires, users, imports."""
