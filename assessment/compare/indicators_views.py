"""The coordinator's indicators view of a round: every city's values, the distribution per
indicator and the cohort statistics (rule 11), with the anonymity threshold cities get."""

from __future__ import annotations

from flask import abort, render_template, request

from ..access import PROGRAMME_ROLES, roles_required
from ..charts import indicator_chart
from ..extensions import db
from ..indicators.cohort import CITY_MINIMUM, round_indicator_values
from ..models import Round
from . import bp
from .queries import language

PAGE_SIZE = 100  # cities per page of the table; the chart and the statistics cover them all


@bp.get("/rounds/<int(max=2147483647):round_id>/indicators")
@roles_required(*PROGRAMME_ROLES)
def indicators(round_id: int):
    round_ = db.get_or_404(Round, round_id)
    found = round_indicator_values(round_)
    if not found.indicators:
        abort(404)
    pages = max(1, -(-len(found.cities) // PAGE_SIZE))
    page = request.args.get("page", 1, type=int) or 1
    page = min(max(page, 1), pages)
    lang = language()
    fallback = round_.questionnaire.languages[0]

    def title(indicator) -> str:
        return indicator.title.get(lang) or indicator.title.get(fallback) or indicator.key

    chart = indicator_chart(
        [(i.key, title(i), i.unit, i.direction) for i in found.indicators],
        found.cohort_values,
        found.statistics,
    )
    return render_template(
        "compare/indicators.html",
        round=round_,
        found=found,
        chart=chart.as_dict(),
        cities=found.cities[(page - 1) * PAGE_SIZE : page * PAGE_SIZE],
        page=page,
        pages=pages,
        cohort_size=sum(c.submitted for c in found.cities),
        city_minimum=CITY_MINIMUM,
        fallback=fallback,
    )
