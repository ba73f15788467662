"""API tokens: created for a coordinator or admin, shown once, stored only as a hash."""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select

from ..access import PROGRAMME_ROLES
from ..admin.operations import check_name
from ..errors import DmatError
from ..extensions import db
from ..models import ApiToken, User, utcnow

PREFIX = "dmat_"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(user: User, name: str) -> tuple[ApiToken, str]:
    """A new token for ``user``; returns the stored row and the token itself (shown once)."""
    if user.role not in PROGRAMME_ROLES:
        raise DmatError(
            f"{user.email} is a {user.role}; API tokens are for coordinators and admins"
        )
    if not user.active:
        raise DmatError(f"{user.email} is deactivated")
    plain = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user=user, name=check_name(name, "token name"), token_hash=token_hash(plain))
    db.session.add(token)
    db.session.flush()
    return token, plain


def revoke_token(token: ApiToken) -> None:
    db.session.delete(token)
    db.session.flush()


def user_for_token(plain: str) -> User | None:
    """The active user a token belongs to, or None; notes when the token was last used."""
    if not plain.startswith(PREFIX) or len(plain) > 200:
        return None
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == token_hash(plain)))
    if token is None or not token.user.active:
        return None
    token.last_used_at = utcnow()
    db.session.flush()
    return token.user
