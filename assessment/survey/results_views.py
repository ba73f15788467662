"""A city's results in a round, and the coordinators' "reopen" of a submitted assessment.

The figures come from ``results.round_scores``, the same function ``dmat scores`` prints, so the
page and the command always agree. Cities see their results once submitted; coordinators and
admins see any city's, submitted or not.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from reports.context import city_radar_chart, previous_result

from ..access import PROGRAMME_ROLES, require_city, roles_required
from ..errors import DmatError
from ..extensions import db
from ..indicators.queries import indicator_table
from ..insights import next_steps, weakest_questions
from ..models import City, Role
from ..presentation import stage_text
from ..results import COHORT_MINIMUM, answer_counts, city_cohort, round_scores
from ..scoring import STAGE_EDGES
from ..web import round_or_404
from . import agreed, bp, operations


def stage_bands() -> list[dict]:
    """The stages (rule 5) as the radar's rings: each band's lower edge and its name, for the
    web radar to draw the rings the printed one draws (reports.svg_radar.RINGS)."""
    edges = (0.0, *STAGE_EDGES)
    return [{"from": low, "label": stage_text(n)} for n, low in enumerate(edges, start=1)]


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
    can_plan = current_user.role == Role.LEADER
    if not scores.assessment.is_submitted and not programme:
        return render_template("survey/results_pending.html", round=round_, city=city)
    questionnaire = round_.questionnaire
    language = str(get_locale())
    fallback = questionnaire.languages[0]
    areas = questionnaire.areas
    cohort = city_cohort(round_)  # the same figures as the city's PDF report
    before, before_result = previous = previous_result(round_, city)
    from ..plan.results_targets import default_due, results_targets  # plan imports survey

    plan_targets = results_targets(round_, city, scores.result)
    chart = city_radar_chart(
        round_, city, scores.result, previous, cohort, language, plan_targets["series"]
    )
    return render_template(
        "survey/results.html",
        round=round_,
        city=city,
        scores=scores,
        result=scores.result,
        areas=areas,
        chart=chart.as_dict() | {"stages": stage_bands()},
        previous_round=before,
        previous_result=before_result,
        cohort=cohort,
        cohort_minimum=COHORT_MINIMUM,
        weakest=weakest_questions(questionnaire, scores.result, count=5),
        steps=next_steps(questionnaire, scores.result),
        agreed=agreed.agreed_list(scores.assessment),
        counts=answer_counts(scores.assessment),
        fallback=fallback,
        programme=programme,
        indicators=indicator_table(round_, city.id),
        plan_targets=plan_targets,
        can_set_targets=can_plan and scores.assessment.is_submitted,
        can_plan=can_plan,
        default_due=default_due(),
    )


@bp.post("/results/<int:round_id>/<int:city_id>/reopen")
@roles_required(*PROGRAMME_ROLES)
def reopen(round_id: int, city_id: int):
    round_ = round_or_404(round_id)
    assessment = operations.city_assessment(round_, city_id)
    if assessment is None:
        abort(404)
    if request.form.get("confirm") != "1":  # only the confirmation page's form says so
        flash(_("The assessment was not reopened: confirm it on the page that asks."), "error")
        return redirect(url_for("compare.reopen_confirm", round_id=round_id, city_id=city_id))
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
