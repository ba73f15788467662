"""Logging in, accepting invitations, resetting passwords, inviting team members."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length

from ..admin.forms import email_address
from ..admin.operations import MAX_NAME_CHARS, MIN_PASSWORD_CHARS


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


class LoginForm(FlaskForm):
    email = EmailField(
        _l("E-mail"), validators=[DataRequired(), email_address, Length(max=254)], filters=[_strip]
    )
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1024)])
    remember = BooleanField(_l("Keep me logged in on this device"))
    submit = SubmitField(_l("Log in"))


def _new_password_fields():
    password = PasswordField(
        _l("New password"),
        validators=[
            DataRequired(),
            Length(
                min=MIN_PASSWORD_CHARS,
                max=1024,
                message=_l(
                    "The password must have at least %(n)d characters.", n=MIN_PASSWORD_CHARS
                ),
            ),
        ],
        description=_l("At least %(n)d characters.", n=MIN_PASSWORD_CHARS),
    )
    confirm = PasswordField(
        _l("New password again"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
    )
    return password, confirm


class AcceptInvitationForm(FlaskForm):
    name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=MAX_NAME_CHARS)])
    password, confirm = _new_password_fields()
    submit = SubmitField(_l("Set my password"))


class ResetPasswordForm(FlaskForm):
    password, confirm = _new_password_fields()
    submit = SubmitField(_l("Set my password"))


class ForgotPasswordForm(FlaskForm):
    email = EmailField(
        _l("E-mail"), validators=[DataRequired(), email_address, Length(max=254)], filters=[_strip]
    )
    submit = SubmitField(_l("Send me a link"))


class InviteForm(FlaskForm):
    email = EmailField(
        _l("E-mail of the new member"),
        validators=[DataRequired(), email_address, Length(max=254)],
        filters=[_strip],
    )
    name = StringField(_l("Name (optional)"), validators=[Length(max=MAX_NAME_CHARS)])
    submit = SubmitField(_l("Invite"))
