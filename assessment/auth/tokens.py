"""Single-use, expiring account links (invitations, password resets), stored as hashes.

The raw token exists only in the link given to the person; the database keeps its SHA-256, so a
copy of the database cannot be used to take over accounts.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import current_app, has_request_context, url_for
from sqlalchemy import select, update

from ..extensions import db
from ..models import AccountToken, TokenPurpose, User, utcnow

RESET_HOURS = 24  # a reset link is for now, not for later: a day is plenty


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def lifetime(purpose: TokenPurpose) -> timedelta:
    if purpose == TokenPurpose.INVITATION:
        return timedelta(days=current_app.config["INVITATION_DAYS"])
    return timedelta(hours=current_app.config.get("PASSWORD_RESET_HOURS", RESET_HOURS))


def issue_token(user: User, purpose: TokenPurpose, created_by: User | None = None) -> str:
    """A new link token for ``user``; earlier unused links of the same purpose stop working."""
    revoke_tokens(user, purpose)
    token = secrets.token_urlsafe(32)
    now = utcnow()
    db.session.add(
        AccountToken(
            user_id=user.id,
            purpose=purpose,
            token_hash=token_hash(token),
            created_at=now,
            expires_at=now + lifetime(purpose),
            created_by_id=created_by.id if created_by is not None else None,
        )
    )
    db.session.flush()
    return token


def revoke_tokens(user: User, purpose: TokenPurpose | None = None) -> None:
    query = update(AccountToken).where(
        AccountToken.user_id == user.id, AccountToken.used_at.is_(None)
    )
    if purpose is not None:
        query = query.where(AccountToken.purpose == purpose)
    db.session.execute(query.values(used_at=utcnow()))


def valid_token(token: str, purpose: TokenPurpose) -> AccountToken | None:
    """The stored token if it is unused, unexpired, of this purpose, for an active account."""
    if not token or len(token) > 200:
        return None
    found = db.session.scalar(
        select(AccountToken).where(
            AccountToken.token_hash == token_hash(token), AccountToken.purpose == purpose
        )
    )
    if found is None or found.used_at is not None or found.expires_at <= utcnow():
        return None
    if not found.user.active:
        return None
    return found


def pending_invitation(user: User) -> AccountToken | None:
    """The newest unused invitation of a user who has not set a password yet."""
    if user.password_hash is not None:
        return None
    return db.session.scalar(
        select(AccountToken)
        .where(
            AccountToken.user_id == user.id,
            AccountToken.purpose == TokenPurpose.INVITATION,
            AccountToken.used_at.is_(None),
        )
        .order_by(AccountToken.created_at.desc())
        .limit(1)
    )


def link_for(purpose: TokenPurpose, token: str) -> str:
    """The full link: from the request's host in a request, else from ``BASE_URL`` (the CLI)."""
    endpoint = "auth.accept_invitation" if purpose == TokenPurpose.INVITATION else "auth.reset"
    if has_request_context():
        return url_for(endpoint, token=token, _external=True)
    base = (current_app.config.get("BASE_URL") or "http://127.0.0.1:5000").rstrip("/")
    with current_app.test_request_context(base_url=base):
        return url_for(endpoint, token=token, _external=True)
