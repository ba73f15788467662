"""Users and roles (admins: everyone; coordinators: city teams), their links, and API tokens."""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import format_number
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..access import PROGRAMME_ROLES, roles_required
from ..api import operations as token_operations
from ..auth import operations as auth_operations
from ..auth.mail import send_mail
from ..auth.tokens import RESET_HOURS, link_for
from ..columns import parse_id
from ..errors import DmatError
from ..extensions import db
from ..models import ApiToken, City, Role, TokenPurpose, User
from ..names import name_key
from ..web import fail
from . import bp, operations
from .forms import (
    ButtonForm,
    TokenForm,
    UserCreateForm,
    UserEditForm,
    role_choices,
    select_choices,
)


def _manageable_roles() -> list[Role]:
    if current_user.role == Role.ADMIN:
        return list(Role)
    return [Role.RESPONDENT, Role.LEADER]


def _may_manage(user: User) -> bool:
    return current_user.role == Role.ADMIN or user.role.is_city_role


def _prepare(form: UserEditForm, user: User | None = None) -> None:
    form.role.choices = select_choices(role_choices(_manageable_roles()))
    cities = db.session.scalars(select(City).order_by(City.name)).all()
    form.city.choices = select_choices(
        [(0, _("— none —"))]
        + [
            (c.id, c.name if c.active else _("%(name)s (deactivated)", name=c.name))
            for c in cities
            if c.active or (user is not None and user.city_id == c.id)
        ]
    )


USERS_PER_PAGE = 50


@dataclass(frozen=True)
class UserPage:
    users: list[User]
    found: int  # users matching the search and filters, over all pages
    page: int
    pages: int


def find_users(search: str = "", role: str = "", city_id: int | None = None, page: int = 1):
    """The users matching ``search`` (a part of the name or e-mail, compared by
    ``names.name_key``: case-insensitive in every script) and the role and city filters, by
    city and e-mail, one page of them. The role and city are filtered in SQL; the text in
    Python, since SQL's ``lower()`` folds ASCII only."""
    query = select(User).outerjoin(City, User.city_id == City.id).order_by(City.name, User.email)
    if role:
        query = query.where(User.role == role)
    if city_id is not None:
        query = query.where(User.city_id == city_id)
    found = list(db.session.scalars(query))
    wanted = name_key(search)
    if wanted:
        found = [u for u in found if wanted in name_key(u.name) or wanted in name_key(u.email)]
    pages = max(1, -(-len(found) // USERS_PER_PAGE))
    page = min(max(page, 1), pages)
    shown = found[(page - 1) * USERS_PER_PAGE : page * USERS_PER_PAGE]
    return UserPage(shown, len(found), page, pages)


@bp.get("/users")
@roles_required(*PROGRAMME_ROLES)
def users():
    search = request.args.get("q", "").strip()[:200]
    role = request.args.get("role", "")
    if role not in {r.value for r in Role}:
        role = ""
    cities = db.session.scalars(select(City).order_by(City.name)).all()
    city_id = parse_id(request.args.get("city", ""))
    if city_id not in {c.id for c in cities}:
        city_id = None
    result = find_users(search, role, city_id, parse_id(request.args.get("page", "")) or 1)
    filters = {"q": search or None, "role": role or None, "city": city_id}
    return render_template(
        "admin/users.html",
        result=result,
        found_text=format_number(result.found),  # "1,200" / "1 200"
        users=result.users,
        search=search,
        role=role,
        roles=role_choices(Role),
        cities=cities,
        city_id=city_id,
        filters=filters,
        may_manage=_may_manage,
    )


@bp.route("/users/new", methods=["GET", "POST"])
@roles_required(*PROGRAMME_ROLES)
def new_user():
    form = UserCreateForm(active=True)
    _prepare(form)
    if form.validate_on_submit():
        city = db.session.get(City, form.city.data) if form.city.data else None
        try:
            user = operations.create_user(
                form.email.data,
                form.role.data,
                city if Role(form.role.data).is_city_role else None,
                password=form.password.data,
                name=form.name.data or "",
            )
            if not form.active.data:  # created deactivated: as if by whoever created it
                user.active, user.deactivated_by_id = False, current_user.id
        except DmatError as error:
            fail(error)
        else:
            db.session.commit()
            flash(_("User %(email)s added.", email=user.email), "success")
            return redirect(url_for("admin.users"))
    return render_template("admin/user.html", form=form, user=None)


@bp.route("/users/<int(max=2147483647):user_id>", methods=["GET", "POST"])
@roles_required(*PROGRAMME_ROLES)
def edit_user(user_id: int):
    user = db.get_or_404(User, user_id)
    if not _may_manage(user):
        abort(403)
    form = UserEditForm(obj=user) if request.method == "GET" else UserEditForm()
    if request.method == "GET":
        form.city.data = user.city_id or 0
    _prepare(form, user)
    if form.validate_on_submit():
        city = db.session.get(City, form.city.data) if form.city.data else None
        try:
            operations.update_user(current_user, user, form.role.data, city, form.active.data)
        except DmatError as error:
            fail(error)
        else:
            db.session.commit()
            flash(_("User %(email)s saved.", email=user.email), "success")
            return redirect(url_for("admin.users"))
    return render_template("admin/user.html", form=form, user=user)


@bp.post("/users/<int(max=2147483647):user_id>/link")
@roles_required(*PROGRAMME_ROLES)
def user_link(user_id: int):
    """A new invitation or password link for the user, shown once (and mailed when SMTP is
    configured); like the team page's, built from BASE_URL."""
    user = db.get_or_404(User, user_id)
    if not _may_manage(user):
        abort(403)
    if not ButtonForm().validate_on_submit():
        abort(400)
    try:
        purpose, token = auth_operations.account_link_for(current_user, user)
    except DmatError as error:
        fail(error)
        return redirect(url_for("admin.edit_user", user_id=user.id))
    db.session.commit()
    link = link_for(purpose, token)
    invitation = purpose == TokenPurpose.INVITATION
    sent = send_mail(
        user.email,
        _("You are invited to the digital maturity self-assessment")
        if invitation
        else _("Reset your dmat password"),
        _("Follow this link to set your dmat password; it works once:\n\n%(link)s", link=link)
        if invitation
        else _(
            "Follow this link to choose a new dmat password; it works once:\n\n%(link)s",
            link=link,
        ),
    )
    form = UserEditForm(obj=user)
    form.city.data = user.city_id or 0
    _prepare(form, user)
    return render_template(
        "admin/user.html",
        form=form,
        user=user,
        link={"kind": "invitation" if invitation else "reset", "url": link, "sent": sent},
        reset_hours=RESET_HOURS,
    )


@bp.route("/tokens", methods=["GET", "POST"])
@roles_required(*PROGRAMME_ROLES)
def tokens():
    form = TokenForm()
    created = None
    if form.validate_on_submit():
        try:
            _token, created = token_operations.create_token(current_user, form.name.data)
        except DmatError as error:
            fail(error)
        else:
            db.session.commit()
            form = TokenForm(formdata=None)
    rows = db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == current_user.id).order_by(ApiToken.created_at)
    ).all()
    return render_template(
        "admin/tokens.html", form=form, tokens=rows, created=created, button=ButtonForm()
    )


@bp.post("/tokens/<int(max=2147483647):token_id>/revoke")
@roles_required(*PROGRAMME_ROLES)
def revoke_token(token_id: int):
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != current_user.id:
        abort(404)
    if not ButtonForm().validate_on_submit():
        abort(400)
    token_operations.revoke_token(token)
    db.session.commit()
    flash(
        _("Token %(name)s revoked; scripts using it get 401 from now on.", name=token.name),
        "success",
    )
    return redirect(url_for("admin.tokens"))
