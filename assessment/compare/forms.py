"""Query forms of the comparison pages (GET, so no CSRF token: they change nothing)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectField, SelectMultipleField
from wtforms.validators import ValidationError

from ..admin.forms import select_choices
from .queries import MAX_COMPARED, STATUS_FILTERS


class QueryForm(FlaskForm):
    class Meta:
        csrf = False

    def __init__(self, formdata, **kwargs) -> None:
        super().__init__(formdata=formdata, **kwargs)


def _status_choices():
    return select_choices(STATUS_FILTERS.items())


class DashboardForm(QueryForm):
    country = SelectField(_l("Country"), choices=[], validate_choice=True)
    # which cities the table lists; the cohort figures are over the submitted ones whatever it says
    status = SelectField(_l("Submission status"), choices=_status_choices(), default="all")
    sort = SelectField(_l("Sort by"), choices=[], default="city")
    descending = BooleanField(_l("Highest first"))
    page = IntegerField(_l("Page"), default=1)


class CompareForm(QueryForm):
    city = SelectMultipleField(_l("Cities"), coerce=int, choices=[])

    def validate_city(self, field) -> None:
        if len(field.data or []) > MAX_COMPARED:
            raise ValidationError(_l("Pick at most %(count)d cities.", count=MAX_COMPARED))


class ProgressForm(QueryForm):
    before = SelectField(_l("From round"), coerce=int, choices=[])
    after = SelectField(_l("To round"), coerce=int, choices=[])

    def validate_after(self, field) -> None:
        if field.data == self.before.data:
            raise ValidationError(_l("Pick two different rounds."))
