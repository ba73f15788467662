"""Logging in and out, invitation and password-reset links."""

from __future__ import annotations

import functools
import logging

from flask import (
    Flask,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from ..errors import DmatError
from ..extensions import db, limiter, submitted_email
from ..lookups import user_with_email
from ..models import Role, TokenPurpose, User
from ..web import safe_next
from . import bp, operations
from .forms import AcceptInvitationForm, ForgotPasswordForm, LoginForm, ResetPasswordForm
from .identity import authenticate
from .mail import mail_configured, send_mail
from .tokens import issue_token, link_for, valid_token

log = logging.getLogger("dmat.auth")

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
        user = authenticate(form.email.data, form.password.data)
        if user is None:
            flash(_("Wrong e-mail or password."), "error")
        else:
            target = safe_next(request.args.get("next"))  # judged before anything is stored
            start_session(user, remember=form.remember.data)
            db.session.commit()
            return redirect(target)
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    operations.log_out(current_user)
    logout_user()
    db.session.commit()
    flash(_("You are logged out."), "info")
    return redirect(url_for("main.index"))


def invalid_link():
    db.session.rollback()
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
        except operations.LinkUsed:
            return invalid_link()
        except DmatError as error:
            flash(error.message, "error")
        else:
            start_session(user)
            db.session.commit()
            flash(_("Welcome! Your password is set."), "success")
            city_member = user.role in (Role.RESPONDENT, Role.LEADER)
            return redirect(url_for("survey.index" if city_member else "main.index"))
    return render_template("auth/accept_invitation.html", form=form, user=found.user)


def mail_reset_link(app: Flask, email: str, language: str) -> None:
    """After the response to "forgot your password": make and mail a link if the address has an
    account that may have one. Done once the reply has left, so that how long the reply takes
    says nothing about whether the account exists."""
    with app.app_context(), force_locale(language):
        try:
            user = user_with_email(email)
            if user is None or not user.active or user.password_hash is None:
                return
            link = link_for(
                TokenPurpose.PASSWORD_RESET, issue_token(user, TokenPurpose.PASSWORD_RESET)
            )
            db.session.commit()
            with force_locale(user.language or language):
                send_mail(
                    user.email,
                    _("Reset your dmat password"),
                    _(
                        "Someone (probably you) asked to reset your dmat password. Follow this "
                        "link to choose a new one; it works once, within %(hours)d hours:\n\n"
                        "%(link)s\n\nIf you did not ask for this, ignore this message.",
                        hours=int(app.config.get("PASSWORD_RESET_HOURS", 24)),
                        link=link,
                    ),
                )
        except Exception:  # after the response nobody sees it: log it, never lose it silently
            db.session.rollback()
            log.exception("could not make a password-reset link")


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(LINK_REQUESTS, methods=["POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if mail_configured() and form.validate_on_submit():
        # the same answer, after the same work, whether or not the address is known: no way to
        # probe for accounts; the link is made and mailed after the response
        flash(_("If an account with that e-mail exists, a link is on its way."), "info")
        response = redirect(url_for("auth.login"))
        response.call_on_close(
            functools.partial(
                mail_reset_link,
                current_app._get_current_object(),
                form.email.data,
                str(get_locale()),
            )
        )
        return response
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
        except operations.LinkUsed:
            return invalid_link()
        except DmatError as error:
            flash(error.message, "error")
        else:
            start_session(user)
            db.session.commit()
            flash(_("Your new password is set."), "success")
            return redirect(url_for("main.index"))
    return render_template("auth/reset_password.html", form=form, user=found.user)
