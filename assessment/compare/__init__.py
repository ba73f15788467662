"""Coordinators' views across cities: round dashboard, city comparison, progress, exports."""

from flask import Blueprint

bp = Blueprint("compare", __name__, url_prefix="/compare")

from . import indicators_views, views  # noqa: E402, F401  (the routes register on bp)
