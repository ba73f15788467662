"""A city's results in a round, and the coordinators' "reopen" of a submitted assessment.

The figures come from ``results.round_scores``, the same function ``dmat scores`` prints, so the
page and the command always agree. Cities see their results once submitted; coordinators and
admins see any city's, submitted or not.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from questionnaires import localized

from ..access import PROGRAMME_ROLES, require_city, roles_required
from ..charts import radar_chart
from ..errors import DmatError
from ..extensions import db
from ..insights import next_steps, weakest_questions
from ..models import City
from ..results import COHORT_MINIMUM, answer_counts, city_cohort, round_scores
from ..web import round_or_404
from . import agreed, bp, operations


@bp.get("/results/<int:round_id>/<int:city_id>")
@login_required
def results(round_id: int, city_id: int):
    round_ = round_or_404(round_id)
    require_city(city_id)
    city = db.session.get(City, city_id)
    found = round_scores(round_, city_ids=[city_id]) if city is not None else []
    if not found:
        abort(404)
    (scores,) = found
    programme = current_user.role in PROGRAMME_ROLES
    if not scores.assessment.is_submitted and not programme:
        return render_template("survey/results_pending.html", round=round_, city=city)
    questionnaire = round_.questionnaire
    language = str(get_locale())
    fallback = questionnaire.languages[0]
    areas = questionnaire.areas
    area_keys = [area.key for area in areas]
    cohort = city_cohort(round_)  # the same figures as the city's PDF report
    chart = radar_chart(
        [(area.key, localized(area.title, language, fallback)) for area in areas],
        [(city.name, {key: a.score for key, a in scores.result.areas.items()})],
        cohort=(
            (_("Median of %(n)d cities", n=cohort.cities), cohort.medians(area_keys))
            if cohort.any_shown
            else None
        ),
    )
    return render_template(
        "survey/results.html",
        round=round_,
        city=city,
        scores=scores,
        result=scores.result,
        areas=areas,
        chart=chart.as_dict(),
        cohort=cohort,
        cohort_minimum=COHORT_MINIMUM,
        weakest=weakest_questions(questionnaire, scores.result, count=5),
        steps=next_steps(questionnaire, scores.result),
        agreed=agreed.agreed_list(scores.assessment),
        counts=answer_counts(scores.assessment),
        fallback=fallback,
        programme=programme,
    )


@bp.post("/results/<int:round_id>/<int:city_id>/reopen")
@roles_required(*PROGRAMME_ROLES)
def reopen(round_id: int, city_id: int):
    round_ = round_or_404(round_id)
    assessment = operations.city_assessment(round_, city_id)
    if assessment is None:
        abort(404)
    try:
        operations.reopen_assessment(assessment)
    except DmatError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(
            _("The assessment of %(city)s is open again for its team.", city=assessment.city.name),
            "success",
        )
    return redirect(url_for("survey.results", round_id=round_id, city_id=city_id))
