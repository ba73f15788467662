"""Who is signed in: checking a password, the user loader, the trusted client address.

A session or "remember me" cookie carries ``User.get_id()``, the user's id and session
generation (``"7:2"``): Flask-Login's alternative token. Raising the generation ends every
session and remember cookie of that user (auth/operations.end_sessions).
"""

from __future__ import annotations

import functools
import re
import secrets

from flask_login import login_user, user_loaded_from_cookie
from sqlalchemy import bindparam, select
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db, login_manager
from ..lookups import user_with_email
from ..models import PASSWORD_METHOD, User

# Built once: building the statement costs more than running it, on every signed-in request.
_USER_BY_ID = select(User).where(User.id == bindparam("user_id"))
# ASCII digits only (str.isdigit also takes "²" and other scripts' digits), nothing around them
_SESSION_ID = re.compile(r"([0-9]{1,19}):([0-9]{1,19})")
_MAX_64_BIT = 2**63 - 1


@functools.cache
def _dummy_hash() -> str:
    """A hash of a random password, made once per process with the method real ones use."""
    return generate_password_hash(secrets.token_urlsafe(32), method=PASSWORD_METHOD)


def authenticate(email: str, password: str) -> User | None:
    """The active account with this e-mail and password, or None.

    The same work either way: an unknown address, an account without a password (invited, not
    accepted yet) or an inactive one has the password checked against a dummy hash, so the time
    a login takes does not tell whether an account exists.
    """
    user = user_with_email(email)
    stored = user.password_hash if user is not None else None
    matches = check_password_hash(stored or _dummy_hash(), password)
    if user is None or stored is None or not matches or not user.active:
        return None
    return user


def parse_session_id(value: object) -> tuple[int, int] | None:
    """``"id:generation"`` as two integers, or None for anything else."""
    match = _SESSION_ID.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        return None
    user_id, generation = int(match[1]), int(match[2])
    if user_id > _MAX_64_BIT or generation > _MAX_64_BIT:
        return None
    return user_id, generation


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    """The user of a session or remember cookie, while it is active and the cookie's generation
    is the current one: logging out, a new password or a deactivation raised it, and a removed
    member's open sessions end with their next request."""
    parsed = parse_session_id(session_id)
    if parsed is None:
        return None
    user_id, generation = parsed
    user = db.session.execute(_USER_BY_ID, {"user_id": user_id}).scalar()
    if user is None or not user.active or user.session_generation != generation:
        return None
    return user


@user_loaded_from_cookie.connect
def bind_remembered_session(_app, user: User, **_extra) -> None:
    """A session started from the "remember me" cookie is bound to this browser, as a login's
    is: Flask-Login leaves it without the identifier strong session protection compares, so the
    next request would end it (and delete the remember cookie)."""
    login_user(user, fresh=False)


class ClientAddressForwarded:
    """WSGI middleware: ``X-Forwarded-For``, when sent, becomes the trusted client address.

    Flask-Login's session identifier (strong session protection) hashes the raw header when a
    request has one, so a stolen cookie sent with the victim's User-Agent and their address in
    a made-up header would pass. Here the header says only ``REMOTE_ADDR``: the peer's address,
    or the one ProxyFix took from the trusted proxies when ``PROXY_COUNT`` > 0 (it runs first,
    and keeps the original header in ``werkzeug.proxy_fix.orig``).
    """

    def __init__(self, app) -> None:
        self.app = app

    def __call__(self, environ, start_response):
        if "HTTP_X_FORWARDED_FOR" in environ:
            address = environ.get("REMOTE_ADDR")
            if address:
                environ["HTTP_X_FORWARDED_FOR"] = address
            else:
                del environ["HTTP_X_FORWARDED_FOR"]
        return self.app(environ, start_response)
