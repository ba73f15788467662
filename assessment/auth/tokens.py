"""Single-use, expiring account links (invitations, password resets), stored as hashes.

The raw token exists only in the link given to the person; the database keeps its SHA-256, so a
copy of the database cannot be used to take over accounts.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from urllib.parse import urlsplit

from flask import current_app
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


def consume_token(token: AccountToken) -> bool:
    """Use the link up, once: one conditional UPDATE, so that of two requests that both found it
    valid only one changes the row (the other waits for it on PostgreSQL, or for SQLite's write
    lock, then matches nothing). False: it was used, revoked or expired meanwhile."""
    now = utcnow()
    result = db.session.execute(
        update(AccountToken)
        .where(
            AccountToken.id == token.id,
            AccountToken.used_at.is_(None),
            AccountToken.expires_at > now,
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return False
    db.session.expire(token, ["used_at"])
    return True


def link_for(purpose: TokenPurpose, token: str) -> str:
    """The full link, always from ``BASE_URL`` (never from the request's Host header, which the
    sender of a request chooses): in mails, on the team page and printed by the CLI."""
    endpoint = "auth.accept_invitation" if purpose == TokenPurpose.INVITATION else "auth.reset"
    base = urlsplit(current_app.config["BASE_URL"])
    adapter = current_app.url_map.bind(
        base.netloc, script_name=base.path or "/", url_scheme=base.scheme
    )
    return adapter.build(endpoint, {"token": token}, force_external=True)
