"""Forms of the plan pages: an action (the leader's), its progress (the owner's), filters."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as pgettext  # lazy, and extracted as pgettext
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields import DateField
from wtforms.validators import InputRequired, Length, Optional

from ..admin.forms import select_choices
from ..models import ActionStatus
from .operations import MAX_OWNER_CHARS, MAX_TEXT_CHARS, MAX_TITLE_CHARS

STATUS_LABELS = {
    ActionStatus.PLANNED: _l("planned"),
    ActionStatus.IN_PROGRESS: pgettext("action status", "in progress"),
    ActionStatus.DONE: _l("done"),
    ActionStatus.DROPPED: _l("dropped"),
}
OUTSIDE = "outside"


def status_pairs() -> list[tuple[str, object]]:
    return [(status.value, label) for status, label in STATUS_LABELS.items()]


def status_choices():
    return select_choices(status_pairs())


class ProgressForm(FlaskForm):
    status = SelectField(_l("Status"), choices=status_choices(), default=ActionStatus.PLANNED.value)
    progress_note = TextAreaField(
        _l("Progress note"), validators=[Optional(), Length(max=MAX_TEXT_CHARS)]
    )


class ActionForm(ProgressForm):
    title = StringField(_l("Title"), validators=[InputRequired(), Length(max=MAX_TITLE_CHARS)])
    description = TextAreaField(
        _l("Description"), validators=[Optional(), Length(max=MAX_TEXT_CHARS)]
    )
    areas = SelectMultipleField(_l("Areas it serves"), choices=[])
    questions = SelectMultipleField(_l("Questions it serves"), choices=[])
    owner = SelectField(_l("Owner"), choices=[], default="")
    owner_name = StringField(
        _l("Name of the owner outside the team"),
        validators=[Optional(), Length(max=MAX_OWNER_CHARS)],
    )
    starts_on = DateField(_l("Start date"), validators=[Optional()])
    due_on = DateField(_l("Due date"), validators=[Optional()])


class FilterForm(FlaskForm):
    class Meta:
        csrf = False

    status = SelectField(
        _l("Status"),
        choices=select_choices([("", _l("any")), *status_pairs()]),
        default="",
    )
    show = SelectField(
        _l("Show"),
        choices=select_choices(
            [("all", _l("all actions")), ("overdue", _l("overdue only")), ("mine", _l("mine"))]
        ),
        default="all",
    )


OVERVIEW_SORTS = {
    "city": _l("City"),
    "targets_met": _l("Targets met"),
    "targets_open": _l("Targets open"),
    "targets_missed": _l("Targets missed"),
    "actions_total": _l("Actions"),
    "actions_done": _l("Actions done"),
    "actions_in_progress": _l("Actions in progress"),
    "actions_overdue": _l("Actions overdue"),
    "last_update": _l("Last update"),
}


class OverviewForm(FlaskForm):
    class Meta:
        csrf = False

    country = SelectField(_l("Country"), choices=[], validate_choice=False, default="")
    sort = SelectField(
        _l("Sort by"), choices=select_choices(OVERVIEW_SORTS.items()), default="city"
    )
    descending = BooleanField(_l("Highest first"))
