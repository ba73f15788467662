"""Programme management: cities, rounds, questionnaires, users, imports."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from . import indicator_views, questionnaire_views, user_views, views  # noqa: E402, F401  (the routes register on bp)
