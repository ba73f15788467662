"""The round form: name, questionnaire, opening and closing dates, taking-part cities."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from markupsafe import Markup
from sqlalchemy import select
from wtforms import Field, RadioField, SelectField, SelectMultipleField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget, html_params

from ..columns import parse_day
from ..extensions import db
from ..models import Assessment, City, Round
from ..presentation import date_text
from .forms import select_choices
from .operations import MAX_NAME_CHARS


class DayField(Field):
    """An ``<input type=date>``: empty (no date) or a real YYYY-MM-DD day, else ``invalid``."""

    def __init__(self, label=None, validators=None, *, invalid: str, **kwargs) -> None:
        super().__init__(label, validators, **kwargs)
        self.invalid = invalid
        self.raw = ""

    def __call__(self, **kwargs):
        kwargs.setdefault("type", "date")
        kwargs.setdefault("value", self.raw if self.raw else self._value())
        return Markup(f"<input {html_params(id=self.id, name=self.name, **kwargs)}>")

    def _value(self) -> str:
        return self.data.isoformat() if self.data else ""

    def process_formdata(self, valuelist) -> None:
        self.raw = (valuelist[0] if valuelist else "")[:40]
        if not self.raw.strip():
            self.data = None
            return
        self.data = parse_day(self.raw)
        if self.data is None:
            raise ValueError(str(self.invalid))


class CityChoices(SelectMultipleField):
    """Checkboxes, one per city; a value that is no city is named in the error."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form) -> None:
        known = {choice.value for choice in self.iter_choices()}
        for value in self.data or []:
            if value not in known:
                raise ValidationError(_l("There is no city %(value)s.", value=str(value)[:20]))

    def process_formdata(self, valuelist) -> None:
        try:
            self.data = [int(value) for value in valuelist]
        except ValueError:
            bad = next(v for v in valuelist if not v.strip().isascii() or not v.strip().isdigit())
            self.data = []
            raise ValueError(str(_l("There is no city %(value)s.", value=bad[:20]))) from None


class RoundForm(FlaskForm):
    name = StringField(
        _l("Name"),
        description=_l("e.g. 2024 follow-up"),
        validators=[
            DataRequired(_l("Give the round a name.")),
            Length(max=MAX_NAME_CHARS, message=_l("At most %(max)d characters.")),
        ],
    )
    questionnaire = SelectField(_l("Questionnaire"), choices=[])
    opens_on = DayField(
        _l("Opening date"),
        description=_l("Empty: open from now on. Days are in UTC."),
        invalid=_l("The opening date must be a date, such as 2027-03-01."),
    )
    closes_on = DayField(
        _l("Closing date"),
        description=_l("Its last day for answers. Empty: open until closed by hand."),
        invalid=_l("The closing date must be a date, such as 2027-06-30."),
    )
    # not sent (a script): every city
    taking_part = RadioField(
        _l("Taking-part cities"),
        choices=select_choices(
            [
                ("all", _l("Every city, cities added later too")),
                ("chosen", _l("Only the cities chosen below")),
            ]
        ),
        default="all",
    )
    cities = CityChoices(_l("Cities"), choices=[], coerce=int)
    submit = SubmitField(_l("Create round"))

    def __init__(self, *args, round_: Round | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.round = round_
        cities = db.session.scalars(select(City).order_by(City.active.desc(), City.name)).all()
        self.cities.choices = select_choices((city.id, city.name) for city in cities)
        self.city_rows = {city.id: city for city in cities}

    def validate_name(self, field) -> None:
        name = " ".join(field.data.split())
        query = select(Round.id).where(Round.name == name)
        if self.round is not None:
            query = query.where(Round.id != self.round.id)
        if db.session.scalar(query) is not None:
            raise ValidationError(_l("A round named %(name)s already exists.", name=name))

    def validate_closes_on(self, field) -> None:
        opens = self.opens_on.data
        if field.data is not None and opens is not None and field.data < opens:
            raise ValidationError(
                _l(
                    "The closing date (%(closes)s) is before the opening date (%(opens)s).",
                    closes=date_text(field.data),
                    opens=date_text(opens),
                )
            )

    def validate_cities(self, field) -> None:
        if self.taking_part.data != "chosen":
            return
        if not field.data:
            raise ValidationError(_l("Choose the cities taking part, or choose “Every city”."))
        if self.round is not None:
            answered = db.session.scalars(
                select(City.name)
                .join(Assessment, Assessment.city_id == City.id)
                .where(Assessment.round_id == self.round.id, City.id.not_in(field.data))
                .order_by(City.name)
            ).all()
            if answered:
                raise ValidationError(
                    _l(
                        "%(cities)s already answered in this round and keep taking part.",
                        cities=", ".join(answered),
                    )
                )

    def chosen_cities(self) -> list[City] | None:
        """The taking-part cities, None for every city."""
        if self.taking_part.data != "chosen":
            return None
        return [self.city_rows[i] for i in dict.fromkeys(self.cities.data)]
