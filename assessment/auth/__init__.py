"""Logging in and out; accounts."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

from . import team, views  # noqa: E402, F401  (the routes register on bp)
