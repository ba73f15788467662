"""A submitted assessment's area and question scores, kept with it from its submission on.

Once an assessment is submitted its answers and agreed answers cannot change until a
coordinator reopens it (``survey.answers``, ``survey.agreed`` and the response import refuse),
so its scores are fixed. Keeping them saves scoring its answers again where only the figures
are needed: rule 10's statuses of every target on the plans overview of 1,000 cities.

``Assessment.stored_scores`` holds ``{"rules": RULES, "areas": {key: score}, "questions":
{key: score}}`` (scores unrounded, null where none). Submitting stores it, reopening clears it,
``dmat init`` fills it for submitted assessments that have none. A set stored under other rules
(an older ``RULES``) counts as none: its answers are scored again.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import and_, func, select

from . import scoring
from .extensions import db
from .models import Assessment, AssessmentStatus, Round
from .results import round_scores

RULES = 1
"""Raise this when a change to rules 1-4 or 9 changes what a stored score would be."""


def scores_json(result: scoring.CityResult) -> dict:
    """What is stored for a city's result: its area and question scores under ``RULES``."""
    return {
        "rules": RULES,
        "areas": {key: area.score for key, area in result.areas.items()},
        "questions": result.question_scores,
    }


PARTS = ("areas", "questions")
# a submitted assessment whose stored scores may be read: stored, and under these rules
USABLE = (
    Assessment.status == AssessmentStatus.SUBMITTED,
    Assessment.stored_scores.is_not(None),
    # a set without "rules" (or not an object) reads as rules 0: not usable
    func.coalesce(Assessment.stored_scores["rules"].as_integer(), 0) == RULES,
)


def submitted_scores(
    round_: Round, city_ids: Collection[int], parts: Collection[str] = PARTS
) -> dict[int, dict]:
    """city id -> the stored scores (of ``parts``: areas, questions) of its submitted
    assessment in the round, for the cities that have usable ones: one query, which reads only
    the parts asked for out of the stored JSON."""
    if not city_ids:
        return {}
    wanted = [part for part in PARTS if part in parts]
    rows = db.session.connection().execute(
        select(Assessment.city_id, *(Assessment.stored_scores[part] for part in wanted)).where(
            Assessment.round_id == round_.id, Assessment.city_id.in_(list(city_ids)), *USABLE
        )
    )
    return {city_id: dict(zip(wanted, found, strict=True)) for city_id, *found in rows}


def missing_scores() -> dict[int, list[int]]:
    """round id -> the cities whose submitted assessment has no usable stored scores."""
    missing: dict[int, list[int]] = {}
    for round_id, city_id in db.session.execute(
        select(Assessment.round_id, Assessment.city_id).where(
            Assessment.status == AssessmentStatus.SUBMITTED, ~and_(*USABLE)
        )
    ):
        missing.setdefault(round_id, []).append(city_id)
    return missing


def scores_to_store(round_: Round, city_ids: Collection[int] | None = None) -> dict[int, dict]:
    """assessment id -> the scores to store, for the round's submitted assessments (of
    ``city_ids`` when given), scored from their answers."""
    return {
        scores.assessment.id: scores_json(scores.result)
        for scores in round_scores(round_, city_ids, submitted_only=True, agreement=False)
    }
