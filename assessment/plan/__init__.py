"""The city plan: targets set on a round's results (rule 10) and the actions of the roadmap."""

from flask import Blueprint

bp = Blueprint("plan", __name__, url_prefix="/plan")

from . import views  # noqa: E402, F401  (the routes register on bp)
