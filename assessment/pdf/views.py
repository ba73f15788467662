"""The Reports page and the PDF downloads. Rendering itself lives in ``reports/``."""

from __future__ import annotations

from io import BytesIO

from flask import abort, render_template, request, send_file
from flask_babel import get_locale
from flask_login import current_user
from sqlalchemy import select

from ..access import PROGRAMME_ROLES, require_city, roles_required
from ..extensions import db
from ..languages import offered
from ..models import Assessment, City, Role, Round
from ..rounds import rounds_in_order
from . import bp

REPORT_ROLES = (Role.LEADER, *PROGRAMME_ROLES)


def report_language() -> str:
    """``?lang=`` when given (it must be a supported language), else the page's language."""
    language = request.args.get("lang") or str(get_locale())
    if not offered(language):
        abort(400)
    return language


def send_pdf(report):
    response = send_file(
        BytesIO(report.pdf),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=report.filename,
        max_age=0,
    )
    response.headers["Cache-Control"] = "private, no-store"  # a city's figures are not public
    return response


@bp.get("/")
@roles_required(*REPORT_ROLES)
def index():
    """What the user may download: leaders their city's rounds, the programme team everything."""
    query = (
        select(Round, Assessment, City)
        .join(Assessment, Assessment.round_id == Round.id)
        .join(City, Assessment.city_id == City.id)
        .order_by(City.name)
    )
    programme = current_user.role in PROGRAMME_ROLES
    if not programme:
        query = query.where(City.id == current_user.city_id)
    rounds: dict[Round, list[tuple[Assessment, City]]] = {}
    for round_, assessment, city in db.session.execute(query):
        rounds.setdefault(round_, []).append((assessment, city))
    rounds = {r: rounds[r] for r in rounds_in_order(rounds, newest_first=True)}
    return render_template(
        "pdf/index.html", rounds=rounds, programme=programme, language=str(get_locale())
    )


@bp.get("/<int:round_id>/cities/<int:city_id>.pdf")
@roles_required(*REPORT_ROLES)
def city_pdf(round_id: int, city_id: int):
    from reports.render import city_report

    city = db.session.get(City, city_id)
    require_city(city)
    round_ = db.get_or_404(Round, round_id)
    language = report_language()
    try:
        report = city_report(round_, city, language)
    except LookupError:  # the city has no assessment in this round
        abort(404)
    return send_pdf(report)


@bp.get("/<int:round_id>/cohort.pdf")
@roles_required(*PROGRAMME_ROLES)
def cohort_pdf(round_id: int):
    from reports.render import cohort_report

    round_ = db.get_or_404(Round, round_id)
    return send_pdf(cohort_report(round_, report_language()))
