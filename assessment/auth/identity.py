"""Who is signed in: the user loader."""

from __future__ import annotations

from sqlalchemy import bindparam, select

from ..extensions import db, login_manager
from ..models import User

# Built once: building the statement costs more than running it, on every signed-in request.
_USER_BY_ID = select(User).where(User.id == bindparam("user_id"))


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """A removed (deactivated) member's open sessions end with their next request."""
    user = (
        db.session.execute(_USER_BY_ID, {"user_id": int(user_id)}).scalar()
        if user_id.isdigit()
        else None
    )
    return user if user is not None and user.active else None
