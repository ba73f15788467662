"""``/api/v1``: rounds, cities, scores, cohort statistics and progress as JSON, read-only.

Scripts send ``Authorization: Bearer TOKEN``; a browser uses its login session. Only
coordinators and admins get data. Every error, including unknown paths, is a JSON object
``{"error": {"status": ..., "message": ...}}``, never an HTML page.
"""

from __future__ import annotations

from flask import abort, g, jsonify, request
from flask_login import current_user
from sqlalchemy import func, select
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from ..access import PROGRAMME_ROLES
from ..columns import parse_id
from ..compare.queries import STATUS_FILTERS, cohort_of, round_scores, status_matches
from ..extensions import csrf, db
from ..indicators.exports import indicators_json
from ..indicators.queries import plan_indicators
from ..models import Assessment, AssessmentStatus, City, Round
from ..results import city_scores_json, progress_json, question_cohort, questionnaire_spec
from ..rounds import rounds_in_order
from . import bp
from .openapi import openapi_document
from .operations import user_for_token

csrf.exempt(bp)  # read-only: no request here changes anything, so no form token is needed
ID = "int(min=1, max=2147483647)"  # ids beyond a 32-bit integer cannot exist: 404, not 500


def error(status: int, message: str):
    response = jsonify({"error": {"status": status, "message": message}})
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="dmat"'
    return response


def http_error(exc: HTTPException):
    return error(exc.code or 500, exc.description or exc.name)


# by status code, as the application's HTML error pages are: those would win otherwise
for _code in (400, 401, 403, 404, 405, 413, 500):
    bp.register_error_handler(_code, http_error)
bp.register_error_handler(HTTPException, http_error)


@bp.before_app_request
def routing_error():
    """Unknown paths and other methods than GET under /api/v1 answer in JSON too.

    Such requests match no API route, so the blueprint's own handlers never see them; this
    runs for every request (cheaply) and answers only for the API's prefix.
    """
    exc = request.routing_exception
    if exc is None or not request.path.startswith(bp.url_prefix + "/"):
        return None
    if isinstance(exc, MethodNotAllowed):
        response = error(405, "the API is read-only: use GET")
        response.headers["Allow"] = ", ".join(sorted(exc.valid_methods or ["GET"]))
        return response
    if isinstance(exc, HTTPException) and exc.code == 404:
        return error(
            404, f"no such API resource: {request.path} (see {bp.url_prefix}/openapi.json)"
        )
    return None


@bp.before_request
def authenticate():
    if request.endpoint == "api.openapi":
        return None  # the description of the API is public; the data is not
    header = request.headers.get("Authorization")
    if header is not None:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return error(401, "send the token as 'Authorization: Bearer TOKEN'")
        user = user_for_token(token.strip())
        if user is None:
            return error(401, "the token is unknown, revoked, or its user is deactivated")
        db.session.commit()  # last_used_at
    elif current_user.is_authenticated:
        user = current_user
    else:
        return error(401, "log in, or send 'Authorization: Bearer TOKEN'")
    if user.role not in PROGRAMME_ROLES:
        return error(403, "the API is for coordinators and admins")
    g.api_user = user
    return None


@bp.get("/openapi.json")
def openapi():
    return jsonify(openapi_document())


def _status() -> str:
    status = request.args.get("status", "all")
    if status not in STATUS_FILTERS:
        abort(400, f"status must be one of {', '.join(STATUS_FILTERS)}, not '{status}'")
    return status


def _cohort_status() -> None:
    """The cohort is always the submitted cities (DESIGN.md): ``status`` may only say so."""
    status = request.args.get("status", "submitted")
    if status != "submitted":
        abort(
            400,
            f"the cohort is the round's submitted cities; status can only be 'submitted', "
            f"not '{status}'",
        )


def round_json(round_: Round, counts: dict[tuple[int, str], int]) -> dict:
    submitted = counts.get((round_.id, AssessmentStatus.SUBMITTED.value), 0)
    in_progress = counts.get((round_.id, AssessmentStatus.IN_PROGRESS.value), 0)
    return {
        "id": round_.id,
        "name": round_.name,
        "status": round_.phase.value,
        "opens_on": round_.opens_on.isoformat() if round_.opens_on else None,
        "closes_on": round_.closes_on.isoformat() if round_.closes_on else None,
        "questionnaire": {"key": round_.questionnaire.key, "version": round_.questionnaire.version},
        "created_at": round_.created_at.isoformat(),
        "assessments": submitted + in_progress,
        "submitted": submitted,
    }


def _assessment_counts(round_ids: list[int]) -> dict[tuple[int, str], int]:
    rows = db.session.execute(
        select(Assessment.round_id, Assessment.status, func.count())
        .where(Assessment.round_id.in_(round_ids))
        .group_by(Assessment.round_id, Assessment.status)
    )
    return {(round_id, AssessmentStatus(status).value): n for round_id, status, n in rows}


def city_json(city: City) -> dict:
    return {"id": city.id, "name": city.name, "country": city.country, "active": city.active}


@bp.get("/rounds")
def rounds():
    found = rounds_in_order(db.session.scalars(select(Round)))
    counts = _assessment_counts([r.id for r in found])
    return jsonify([round_json(r, counts) for r in found])


@bp.get(f"/rounds/<{ID}:round_id>")
def round_detail(round_id: int):
    round_ = db.get_or_404(Round, round_id, description=f"no round with id {round_id}")
    return jsonify(round_json(round_, _assessment_counts([round_.id])))


@bp.get(f"/rounds/<{ID}:round_id>/scores")
def scores(round_id: int):
    round_ = db.get_or_404(Round, round_id, description=f"no round with id {round_id}")
    status = _status()  # which cities are listed
    shown = [s for s in round_scores(round_) if status_matches(s, status)]
    return jsonify([city_scores_json(s, round_.name) for s in shown])


@bp.get(f"/rounds/<{ID}:round_id>/cohort")
def cohort(round_id: int):
    round_ = db.get_or_404(Round, round_id, description=f"no round with id {round_id}")
    _cohort_status()
    _, statistics = cohort_of(round_)
    return jsonify({"round": round_.name, "status": "submitted", "statistics": statistics})


@bp.get(f"/rounds/<{ID}:round_id>/questions")
def questions(round_id: int):
    round_ = db.get_or_404(Round, round_id, description=f"no round with id {round_id}")
    _cohort_status()
    shown, _ = cohort_of(round_)
    spec = questionnaire_spec(round_.questionnaire)
    return jsonify(
        [
            {"question": q.key, "area": q.area_key, "statistics": q.statistics}
            for q in question_cohort(spec, (s.result for s in shown))
        ]
    )


@bp.get(f"/rounds/<{ID}:round_id>/plans")
def plans(round_id: int):
    from ..plan.overview import plans_overview  # the plan's own rows

    round_ = db.get_or_404(Round, round_id, description=f"no round with id {round_id}")
    return jsonify([row.as_json() for row in plans_overview(round_)])


@bp.get("/progress")
def progress():
    ids = []
    for name in ("from", "to"):
        round_id = parse_id(request.args.get(name, ""))
        if round_id is None:
            abort(400, f"'{name}' must be a round id")
        ids.append(round_id)
    before, after = (db.session.get(Round, i) for i in ids)
    if before is None or after is None:
        abort(404, "no round with that id")
    if before.questionnaire.key != after.questionnaire.key:
        abort(400, "the rounds use different questionnaires; progress needs the same one")
    return jsonify(progress_json(before, after))


@bp.get("/cities")
def cities():
    found = db.session.scalars(select(City).order_by(City.name)).all()
    return jsonify([city_json(c) for c in found])


@bp.get(f"/cities/<{ID}:city_id>")
def city_detail(city_id: int):
    return jsonify(
        city_json(db.get_or_404(City, city_id, description=f"no city with id {city_id}"))
    )


@bp.get(f"/rounds/<{ID}:round_id>/indicators")
def round_indicators(round_id: int):
    round_ = db.get_or_404(Round, round_id, description=f"no round with id {round_id}")
    return jsonify({"round": round_.name, **indicators_json(round_)})


@bp.get(f"/cities/<{ID}:city_id>/indicators")
def city_indicators(city_id: int):
    city = db.get_or_404(City, city_id, description=f"no city with id {city_id}")
    return jsonify(plan_indicators(city))
