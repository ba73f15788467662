"""Small helpers shared by the blueprints' views."""

from __future__ import annotations

from flask import url_for


def safe_next(target: str | None) -> str:
    """Only a path on this site: an open redirect would let a link send people elsewhere."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("main.index")
