"""The audit trail: who submitted, reopened, imported, exported or changed roles, and when."""

from flask import Blueprint

bp = Blueprint("audit", __name__)

from . import views  # noqa: E402, F401  (the routes register on bp)
