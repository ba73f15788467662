"""Who may see what: role checks for views, and the rule that a city sees only itself.

A city-bound user (respondent, leader) asking for anything of another city gets 404, not 403,
so that ids of other cities' objects reveal nothing.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from flask import abort
from flask_login import current_user, login_required

from .models import City, Role

PROGRAMME_ROLES = (Role.COORDINATOR, Role.ADMIN)
CITY_ROLES = (Role.RESPONDENT, Role.LEADER)


def roles_required(*roles: Role) -> Callable:
    """Log in first; then only the given roles, others get 403."""

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def can_see_city(city: City | int) -> bool:
    city_id = city if isinstance(city, int) else city.id
    if not current_user.is_authenticated:
        return False
    if current_user.role in PROGRAMME_ROLES:
        return True
    return current_user.city_id == city_id


def require_city(city: City | int | None) -> None:
    """404 unless the current user may see this city (missing objects are 404 too)."""
    if city is None or not can_see_city(city):
        abort(404)
