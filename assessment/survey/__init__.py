"""The survey: city team members answer a round's questionnaire; leaders submit it."""

from flask import Blueprint

bp = Blueprint("survey", __name__)

from . import agreed_views, indicators_views, results_views, views  # noqa: E402, F401  (the routes register on bp)
