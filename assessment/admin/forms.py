"""Programme management forms. Format problems are caught here, field by field; rules that
need the database (unique names) are checked here too so that the message sits on its field."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from sqlalchemy import select
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError

from ..extensions import db
from ..lookups import user_with_email
from ..models import City, Role
from ..names import name_key
from .operations import EMAIL, MAX_NAME_CHARS, MIN_PASSWORD_CHARS

# WTForms' Email() needs the optional email_validator package; the pattern the CLI and the
# operations check is the one rule for what an address looks like, on every form.
email_address = Regexp(
    EMAIL, message=_l("Please give an e-mail address such as name@city.example.")
)

try:  # WTForms 3.3 wants SelectChoice objects; older versions take (value, label) tuples
    from wtforms.fields.choices import SelectChoice
except ImportError:  # pragma: no cover
    SelectChoice = None  # type: ignore[assignment, misc]


def select_choices(pairs) -> list:
    """Choices of a select field from (value, label) pairs, in the form this WTForms wants."""
    if SelectChoice is None:  # pragma: no cover
        return list(pairs)
    return [SelectChoice(value, label) for value, label in pairs]


ROLE_LABELS = {
    Role.RESPONDENT: _l("respondent"),
    Role.LEADER: _l("leader"),
    Role.COORDINATOR: _l("coordinator"),
    Role.ADMIN: _l("admin"),
}


class ButtonForm(FlaskForm):
    """A POST button (open/close, activate, revoke): nothing but the CSRF token."""


class CityForm(FlaskForm):
    name = StringField(
        _l("Name"),
        validators=[
            DataRequired(_l("Give the city's name.")),
            Length(max=MAX_NAME_CHARS, message=_l("At most %(max)d characters.")),
        ],
    )
    country = StringField(
        _l("Country code"),
        description=_l("Two letters (ISO 3166), e.g. BG"),
        validators=[
            DataRequired(_l("Give the country's two-letter code.")),
            Regexp(r"^\s*[A-Za-z]{2}\s*$", message=_l("Two letters, such as BG or NL.")),
        ],
    )
    submit = SubmitField(_l("Save"))

    def __init__(self, *args, city: City | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.city = city

    def validate_name(self, field) -> None:
        name = " ".join(field.data.split())
        query = select(City.id).where(City.name_key == name_key(name))
        if self.city is not None:
            query = query.where(City.id != self.city.id)
        if db.session.scalar(query) is not None:
            raise ValidationError(_l("A city named %(name)s already exists.", name=name))


class QuestionnaireUploadForm(FlaskForm):
    file = FileField(
        _l("Questionnaire file (YAML)"),
        validators=[
            FileRequired(_l("Choose a YAML file.")),
            FileAllowed(["yaml", "yml"], _l("The file must end in .yaml or .yml.")),
        ],
    )
    check = SubmitField(_l("Check and preview"))
    store = SubmitField(_l("Import"))


class ResponseImportForm(FlaskForm):
    file = FileField(
        _l("Responses file (CSV or XLSX)"),
        description=_l("Header: city,respondent,question,answer[,comment[,evidence[,note]]]"),
        validators=[
            FileRequired(_l("Choose a CSV or XLSX file.")),
            FileAllowed(["csv", "xlsx"], _l("The file must end in .csv or .xlsx.")),
        ],
    )
    submit = SubmitField(_l("Import responses"))


def role_choices(roles) -> list[tuple[str, str]]:
    return [(role.value, ROLE_LABELS[role]) for role in roles]


class UserEditForm(FlaskForm):
    role = SelectField(_l("Role"), choices=[])
    city = SelectField(
        _l("City"),
        coerce=int,
        choices=[],
        description=_l("Respondents and leaders belong to a city; coordinators and admins do not."),
    )
    active = BooleanField(_l("Active (may log in)"))
    submit = SubmitField(_l("Save"))

    def validate_city(self, field) -> None:
        if self.role.data in (Role.RESPONDENT, Role.LEADER) and not field.data:
            raise ValidationError(_l("A respondent or leader belongs to a city: choose one."))


class UserCreateForm(UserEditForm):
    email = EmailField(
        _l("E-mail"),
        validators=[
            DataRequired(_l("Give an e-mail address.")),
            email_address,
            Length(max=254),
        ],
    )
    name = StringField(_l("Name"), validators=[Optional(), Length(max=MAX_NAME_CHARS)])
    password = PasswordField(
        _l("Password"),
        description=_l("At least %(count)d characters.", count=MIN_PASSWORD_CHARS),
        validators=[
            DataRequired(_l("Give a password.")),
            Length(
                min=MIN_PASSWORD_CHARS,
                max=1024,
                message=_l("At least %(min)d characters."),
            ),
        ],
    )
    submit = SubmitField(_l("Add user"))

    def validate_email(self, field) -> None:
        if user_with_email(field.data) is not None:
            raise ValidationError(_l("A user with this e-mail already exists."))


class TokenForm(FlaskForm):
    name = StringField(
        _l("What the token is for"),
        description=_l("e.g. monthly export script"),
        validators=[
            DataRequired(_l("Say what the token is for.")),
            Length(max=MAX_NAME_CHARS, message=_l("At most %(max)d characters.")),
        ],
    )
    submit = SubmitField(_l("Create token"))


class IndicatorImportForm(FlaskForm):
    """The indicator values upload of the round's import page (``admin/indicator_views.py``);
    its fields are prefixed so that it sits beside the responses form."""

    file = FileField(
        _l("Indicator values file (CSV or XLSX)"),
        validators=[
            FileRequired(_l("Choose a CSV or XLSX file.")),
            FileAllowed(["csv", "xlsx"], _l("The file must end in .csv or .xlsx.")),
        ],
    )
