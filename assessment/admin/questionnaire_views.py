"""Questionnaire pages: upload a YAML file (every problem shown), preview in each language."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from questionnaires import QuestionnaireError, load_questionnaire_bytes

from ..access import PROGRAMME_ROLES, roles_required
from ..errors import DmatError
from ..extensions import db
from ..models import Questionnaire
from . import bp, operations
from .forms import QuestionnaireUploadForm


@bp.route("/questionnaires", methods=["GET", "POST"])
@roles_required(*PROGRAMME_ROLES)
def questionnaires():
    form = QuestionnaireUploadForm()
    problems: list[str] = []
    preview = None
    if form.validate_on_submit():
        upload = form.file.data
        name = upload.filename or "upload.yaml"
        try:
            definition = load_questionnaire_bytes(upload.read(), name)
            if not form.store.data:
                preview = definition
            else:
                stored, created = operations.import_questionnaire(definition)
                db.session.commit()
                if created:
                    flash(_("Questionnaire %(label)s imported.", label=stored.label), "success")
                else:
                    flash(
                        _(
                            "Questionnaire %(label)s was already stored; unchanged.",
                            label=stored.label,
                        ),
                        "info",
                    )
                return redirect(url_for("admin.questionnaire", questionnaire_id=stored.id))
        except QuestionnaireError as error:
            problems = error.problems
        except DmatError as error:
            db.session.rollback()
            problems = error.problems or [error.message]
    stored = db.session.scalars(
        select(Questionnaire).order_by(Questionnaire.key, Questionnaire.version.desc())
    ).all()
    return render_template(
        "admin/questionnaires.html",
        form=form,
        problems=problems,
        preview=preview,
        questionnaires=stored,
    )


@bp.get("/questionnaires/<int(max=2147483647):questionnaire_id>")
@roles_required(*PROGRAMME_ROLES)
def questionnaire(questionnaire_id: int):
    stored = db.get_or_404(Questionnaire, questionnaire_id)
    return render_template("admin/questionnaire.html", questionnaire=stored)
