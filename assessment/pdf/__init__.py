"""Downloads of the PDF reports: a city's report and the cohort report, in the user's language."""

from flask import Blueprint

bp = Blueprint("pdf", __name__, url_prefix="/reports")

from . import views  # noqa: E402, F401  (the routes register on bp)
