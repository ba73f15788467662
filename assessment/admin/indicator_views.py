"""The coordinator's upload of indicator values, on the round's import page (rule 11).

The file is checked like ``dmat indicators import`` checks it (the same operation): every line
first, nothing stored if one is wrong, each problem naming its line.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from ..access import PROGRAMME_ROLES, roles_required
from ..errors import DmatError, listed_problems
from ..extensions import db
from ..indicators.operations import import_values, read_indicator_file, round_indicators
from ..models import Round
from . import bp
from .forms import IndicatorImportForm, ResponseImportForm


@bp.post("/rounds/<int(max=2147483647):round_id>/import/indicators")
@roles_required(*PROGRAMME_ROLES)
def import_indicators(round_id: int):
    round_ = db.get_or_404(Round, round_id)
    if not round_indicators(round_):
        abort(404)
    form = IndicatorImportForm(prefix="indicators")
    message, problems, more = None, [], 0
    if form.validate_on_submit():
        upload = form.file.data
        name = upload.filename or "upload"
        try:
            summary = import_values(round_, read_indicator_file(upload.read(), name), name)
        except DmatError as error:
            db.session.rollback()
            message = error.message
            problems, more = listed_problems(error.problems)
        else:
            db.session.commit()
            flash(
                _(
                    "Imported %(rows)d indicator values for %(cities)d cities: %(new)d new,"
                    " %(replaced)d replaced.",
                    rows=summary.rows,
                    cities=summary.cities,
                    new=summary.created,
                    replaced=summary.changed,
                ),
                "success",
            )
            return redirect(url_for("admin.import_responses", round_id=round_.id), 303)
    else:
        message = " ".join(str(error) for errors in form.errors.values() for error in errors)
    return render_template(
        "admin/import.html",
        form=ResponseImportForm(),
        round=round_,
        message=None,
        problems=[],
        more=0,
        indicator_message=message,
        indicator_problems=problems,
        indicator_more=more,
    ), 400
