"""The survey: city team members answer a round's questionnaire; leaders submit it."""

from flask import Blueprint

bp = Blueprint("survey", __name__)

from . import agreed_views, evidence, indicators_views, results_views, views  # noqa: E402, F401  (the routes register on bp)

# ``value|evidence_links``: the links of a stored evidence column, on pages and in PDFs
bp.add_app_template_filter(evidence.links_of, "evidence_links")
