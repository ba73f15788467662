"""Account writes: invitations, accepting them, password resets, logging out, team members.

Each function checks its input, raises DmatError (a message for the person) before changing
anything when it is wrong, and flushes; the request or command commits once.
"""

from __future__ import annotations

from flask_babel import gettext as _

from ..admin.operations import (
    EMAIL,
    MAX_NAME_CHARS,
    MIN_PASSWORD_CHARS,
    deactivate_user,
    end_sessions,
    restore_user,
)
from ..audit.operations import record
from ..errors import DmatError
from ..extensions import db
from ..lookups import normalize_email, user_with_email
from ..models import AccountToken, Role, TokenPurpose, User
from .tokens import consume_token, issue_token, revoke_tokens


class LinkUsed(DmatError):
    """The link was used (or expired) after it was found valid: another request used it first."""


def invite_member(leader: User, email: str, name: str = "") -> tuple[User, str] | None:
    """A new respondent of the leader's city and an invitation token for them.

    Inviting someone already invited who has not accepted yet gives them a fresh link (the old
    one stops working); an address that is already on the team is refused. An address with an
    account elsewhere (another city, the programme team) gives None and changes nothing: the
    leader's answer must not tell that, or where, such an account exists.
    """
    email = normalize_email(email)
    if not EMAIL.match(email) or len(email) > 254:
        raise DmatError(_("“%(email)s” is not an e-mail address.", email=email))
    name = clean_name(name)
    user = user_with_email(email)
    if user is not None:
        if user.city_id != leader.city_id:
            return None
        pending_here = user.role == Role.RESPONDENT and user.password_hash is None and user.active
        if not pending_here:
            raise DmatError(_("%(email)s already has an account.", email=email))
        if name:
            user.name = name
    else:
        user = User(email=email, name=name, role=Role.RESPONDENT, city_id=leader.city_id)
        db.session.add(user)
        db.session.flush()
        record("user_created", f"{email} invited as respondent", actor=leader, city=leader.city)
    return user, issue_token(user, TokenPurpose.INVITATION, created_by=leader)


def _use_link(token: AccountToken, password: str) -> User:
    """Set the password with the link, once; every other open link of the user stops working
    and every session of theirs ends. LinkUsed when another request used it first."""
    if not consume_token(token):
        raise LinkUsed(_("This link is no longer valid."))
    user = token.user
    user.set_password(password)
    revoke_tokens(user)  # any other open link (an invitation too) is now pointless
    end_sessions(user)
    return user


def accept_invitation(token: AccountToken, name: str, password: str) -> User:
    """The invitee sets their name and password; the link is used up."""
    check_password(password)
    name = clean_name(name)
    if not name:
        raise DmatError(_("Please give your name."))
    user = _use_link(token, password)
    user.name = name
    db.session.flush()
    return user


def reset_password(token: AccountToken, password: str) -> User:
    """A new password with a reset link (asked for, or made by a leader or an admin): the
    user's other sessions and remember cookies end."""
    check_password(password)
    user = _use_link(token, password)
    db.session.flush()
    return user


def log_out(user: User) -> None:
    """Logging out ends every session of the user, not only this browser's: a cookie copied
    before (or kept by another device) no longer signs in."""
    end_sessions(user)


def reset_token_for(user: User, created_by: User | None = None) -> str:
    """A password-reset link token: for an active member who has set a password before.

    A leader makes them for the respondents of their city only, never for another leader.
    """
    if created_by is not None and created_by.role == Role.LEADER and user.role != Role.RESPONDENT:
        raise DmatError(_("Only the programme coordinators can change a leader's account."))
    if not user.active:
        raise DmatError(_("%(email)s has been removed from the team.", email=user.email))
    if user.password_hash is None:
        raise DmatError(
            _("%(email)s has not accepted the invitation yet; invite them again.", email=user.email)
        )
    return issue_token(user, TokenPurpose.PASSWORD_RESET, created_by=created_by)


def account_link_for(actor: User, user: User) -> tuple[TokenPurpose, str]:
    """A link an admin or coordinator makes for a user they manage: a new invitation for an
    account that has no password yet, otherwise a password-reset link."""
    if not user.active:
        raise DmatError(_("%(email)s has been removed from the team.", email=user.email))
    if user.password_hash is None:
        return TokenPurpose.INVITATION, issue_token(user, TokenPurpose.INVITATION, created_by=actor)
    return TokenPurpose.PASSWORD_RESET, reset_token_for(user, created_by=actor)


def remove_member(leader: User, member: User) -> None:
    """Deactivate a team member: they can no longer log in and their sessions end; their saved
    answers are kept."""
    if member.id == leader.id:
        raise DmatError(_("You cannot remove yourself from the team."))
    if member.role != Role.RESPONDENT:
        raise DmatError(_("Only the programme coordinators can remove a leader."))
    deactivate_user(leader, member, f"{member.email} removed from the team")


def restore_member(leader: User, member: User) -> None:
    """Restore a removed member, if the leader may (admin/operations.check_may_restore)."""
    if member.role != Role.RESPONDENT:
        raise DmatError(_("Only the programme coordinators can change a leader's account."))
    restore_user(leader, member, f"{member.email} restored to the team")


def clean_name(name: str | None) -> str:
    name = " ".join((name or "").split())
    if len(name) > MAX_NAME_CHARS:
        raise DmatError(_("The name is longer than %(n)d characters.", n=MAX_NAME_CHARS))
    return name


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_CHARS:
        raise DmatError(
            _("The password must have at least %(n)d characters.", n=MIN_PASSWORD_CHARS)
        )
    if len(password) > 1024:
        raise DmatError(_("The password is longer than 1024 characters."))
