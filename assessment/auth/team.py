"""A leader's team: invite members, give them a new password link, remove or restore them.

Links are shown to the leader to pass on (and sent by mail when SMTP is configured). Members of
another city are 404, like every object of another city.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..access import roles_required
from ..admin.operations import may_restore
from ..errors import DmatError
from ..extensions import db
from ..lookups import normalize_email
from ..models import Role, TokenPurpose, User, utcnow
from ..survey.agreed import diverging_without_agreed
from ..survey.progress import team_round
from . import bp, operations
from .forms import InviteForm
from .mail import mail_configured, send_mail
from .tokens import RESET_HOURS, link_for, pending_invitation


def team_members() -> list[User]:
    members = db.session.scalars(select(User).where(User.city_id == current_user.city_id)).all()
    return sorted(members, key=lambda u: (u.role != Role.LEADER, not u.active, u.email))


def member_of_my_city(user_id: int) -> User:
    member = db.session.get(User, user_id)
    if member is None or member.city_id != current_user.city_id:
        abort(404)
    return member


def render_team(form: InviteForm | None = None, link: dict | None = None, status: int = 200):
    members = team_members()
    now = utcnow()
    pending = {
        m.id: (invitation := pending_invitation(m)) is not None and invitation.expires_at > now
        for m in members
        if m.password_hash is None
    }
    round_id = request.args.get("round", type=int)
    progress = team_round(current_user.city_id, round_id)
    if round_id is not None and progress is None:
        abort(404)
    assessment = progress.assessment if progress is not None else None
    return render_template(
        "auth/team.html",
        progress=progress,
        diverging=diverging_without_agreed(assessment) if assessment is not None else 0,
        members=members,
        pending=pending,
        restorable={m.id for m in members if not m.active and may_restore(current_user, m)},
        form=form or InviteForm(),
        link=link,
        mail=mail_configured(),
        reset_hours=RESET_HOURS,
    ), status


@bp.get("/team")
@roles_required(Role.LEADER)
def team():
    return render_team()


@bp.post("/team/invite")
@roles_required(Role.LEADER)
def invite():
    form = InviteForm()
    if not form.validate_on_submit():
        return render_team(form, status=400)
    try:
        invited = operations.invite_member(current_user, form.email.data, form.name.data)
    except DmatError as error:
        form.email.errors = [*form.email.errors, error.message]
        return render_team(form, status=400)
    email = normalize_email(form.email.data)
    mail = mail_configured()
    if invited is None:
        # an account elsewhere: nothing is done, and the answer is the one a new invitation
        # gets, so a leader cannot probe for other cities' accounts (docs/decisions.md)
        return render_team(link={"kind": "invitation", "email": email, "url": None, "sent": mail})
    user, token = invited
    db.session.commit()
    link = link_for(TokenPurpose.INVITATION, token)
    sent = mail and send_mail(
        user.email,
        _("You are invited to the digital maturity self-assessment"),
        _(
            "%(leader)s invites you to answer the digital maturity questionnaire for "
            "%(city)s. Follow this link to set your password; it works once:\n\n%(link)s",
            leader=current_user.name or current_user.email,
            city=current_user.city.name,
            link=link,
        ),
    )
    # mailed: the link went to the invitee only, and is not shown (the answer is the same as
    # for an address that cannot be invited here); not mailed: the leader passes it on
    shown = None if sent else link
    return render_team(link={"kind": "invitation", "email": email, "url": shown, "sent": sent})


@bp.post("/team/<int:user_id>/reset-link")
@roles_required(Role.LEADER)
def reset_link(user_id: int):
    member = member_of_my_city(user_id)
    try:
        token = operations.reset_token_for(member, created_by=current_user)
    except DmatError as error:
        flash(error.message, "error")
        return redirect(url_for("auth.team"))
    db.session.commit()
    link = link_for(TokenPurpose.PASSWORD_RESET, token)
    sent = send_mail(
        member.email,
        _("Reset your dmat password"),
        _("Follow this link to choose a new dmat password; it works once:\n\n%(link)s", link=link),
    )
    return render_team(link={"kind": "reset", "email": member.email, "url": link, "sent": sent})


@bp.post("/team/<int:user_id>/remove")
@roles_required(Role.LEADER)
def remove(user_id: int):
    member = member_of_my_city(user_id)
    try:
        operations.remove_member(current_user, member)
    except DmatError as error:
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(_("%(email)s can no longer log in.", email=member.email), "success")
    return redirect(url_for("auth.team"))


@bp.post("/team/<int:user_id>/restore")
@roles_required(Role.LEADER)
def restore(user_id: int):
    member = member_of_my_city(user_id)
    try:
        operations.restore_member(current_user, member)
    except DmatError as error:
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(_("%(email)s can log in again.", email=member.email), "success")
    return redirect(url_for("auth.team"))
