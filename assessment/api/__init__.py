"""The read-only JSON API (``/api/v1``) for scripts and dashboards elsewhere."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from . import views  # noqa: E402, F401  (the routes register on bp)
