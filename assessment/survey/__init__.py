"""The survey: city team members answer a round's questionnaire; leaders submit it."""
