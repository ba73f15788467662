"""Logging in and out, invitation and password-reset links."""

from __future__ import annotations

from flask import (
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from ..errors import DmatError
from ..extensions import db, limiter, submitted_email
from ..lookups import user_with_email
from ..models import Role, TokenPurpose, User
from ..web import safe_next
from . import bp, operations
from .forms import AcceptInvitationForm, ForgotPasswordForm, LoginForm, ResetPasswordForm
from .mail import mail_configured, send_mail
from .tokens import issue_token, link_for, valid_token

# Generous per address (a city hall's staff may share one), strict per account: guessing one
# person's password is what these limits stop.
LOGIN_PER_ADDRESS = "30 per minute; 300 per hour"
LOGIN_PER_ACCOUNT = "5 per minute; 30 per hour"
LINK_REQUESTS = "5 per minute; 30 per hour"
LINK_USES = "10 per minute; 60 per hour"


@bp.after_request
def no_referrer(response):
    # link pages carry a token in their address: never pass it on to another site
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    return response


def start_session(user: User, remember: bool = False) -> None:
    language = session.get("language")
    session.clear()  # a fresh session after login: nothing carries over from before
    if language:
        session["language"] = language
        if not user.language:
            user.language = language
    login_user(user, remember=remember)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(LOGIN_PER_ADDRESS, methods=["POST"])
@limiter.limit(LOGIN_PER_ACCOUNT, methods=["POST"], key_func=submitted_email)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = user_with_email(form.email.data)
        if user is None or not user.check_password(form.password.data) or not user.active:
            flash(_("Wrong e-mail or password."), "error")
        else:
            start_session(user, remember=form.remember.data)
            db.session.commit()
            return redirect(safe_next(request.args.get("next")))
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    logout_user()
    flash(_("You are logged out."), "info")
    return redirect(url_for("main.index"))


def invalid_link():
    return render_template("auth/link_invalid.html"), 410


@bp.route("/invitation/<token>", methods=["GET", "POST"])
@limiter.limit(LINK_USES, methods=["POST"])
def accept_invitation(token: str):
    found = valid_token(token, TokenPurpose.INVITATION)
    if found is None:
        return invalid_link()
    form = AcceptInvitationForm()
    if request.method == "GET" and found.user.name:
        form.name.data = found.user.name
    if form.validate_on_submit():
        try:
            user = operations.accept_invitation(found, form.name.data, form.password.data)
        except DmatError as error:
            flash(error.message, "error")
        else:
            start_session(user)
            db.session.commit()
            flash(_("Welcome! Your password is set."), "success")
            city_member = user.role in (Role.RESPONDENT, Role.LEADER)
            return redirect(url_for("survey.index" if city_member else "main.index"))
    return render_template("auth/accept_invitation.html", form=form, user=found.user)


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(LINK_REQUESTS, methods=["POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if mail_configured() and form.validate_on_submit():
        user = user_with_email(form.email.data)
        if user is not None and user.active and user.password_hash is not None:
            link = link_for(
                TokenPurpose.PASSWORD_RESET, issue_token(user, TokenPurpose.PASSWORD_RESET)
            )
            db.session.commit()
            send_mail(
                user.email,
                _("Reset your dmat password"),
                _(
                    "Someone (probably you) asked to reset your dmat password. Follow this link "
                    "to choose a new one; it works once, within %(hours)d hours:\n\n%(link)s\n\n"
                    "If you did not ask for this, ignore this message.",
                    hours=int(current_app.config.get("PASSWORD_RESET_HOURS", 24)),
                    link=link,
                ),
            )
        # the same answer whether or not the address is known: no way to probe for accounts
        flash(_("If an account with that e-mail exists, a link is on its way."), "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot_password.html", form=form, mail=mail_configured())


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@limiter.limit(LINK_USES, methods=["POST"])
def reset(token: str):
    found = valid_token(token, TokenPurpose.PASSWORD_RESET)
    if found is None:
        return invalid_link()
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            user = operations.reset_password(found, form.password.data)
        except DmatError as error:
            flash(error.message, "error")
        else:
            start_session(user)
            db.session.commit()
            flash(_("Your new password is set."), "success")
            return redirect(url_for("main.index"))
    return render_template("auth/reset_password.html", form=form, user=found.user)


