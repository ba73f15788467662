"""Scores as stored answers give them: SQL aggregates fed to the pure rules of ``scoring``.

The answers are never loaded row by row: one GROUP BY per (city, question) gives the tallies for
rules 2-3, one per (response, area) gives each respondent's own area sums for rule 6. Every page,
the API, the exports, the PDF reports and ``dmat scores`` read their figures from here.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass

from sqlalchemy import Float, case, cast, func, literal_column, select, union_all

from . import scoring
from .extensions import db
from .models import (
    AgreedAnswer,
    Answer,
    AnswerKind,
    Assessment,
    AssessmentStatus,
    City,
    Question,
    Questionnaire,
    Response,
    Round,
)


@dataclass(frozen=True)
class CityScores:
    """One city's results in one round."""

    city: City
    assessment: Assessment
    result: scoring.CityResult


def questionnaire_spec(questionnaire: Questionnaire) -> scoring.QuestionnaireSpec:
    return scoring.QuestionnaireSpec(
        tuple(
            scoring.AreaSpec(
                area.key,
                tuple(
                    scoring.QuestionSpec(
                        q.key, q.level_count, q.weight, q.allow_na, question_values(q)
                    )
                    for q in area.questions
                ),
                area.weight,
            )
            for area in questionnaire.areas
        )
    )


def question_values(question: Question) -> tuple[float, ...] | None:
    """A stored question's values as rule 1 uses them (None: evenly spaced)."""
    return scoring.own_values(question.level_count, question.level_values)


def _value_points(questionnaire: Questionnaire, otherwise):
    """SQL for the points of one level answer (``QuestionTally.level_sum``'s terms): the value
    of its level for the questions with their own values, ``otherwise`` for the rest.

    A CASE built from the stored values, on the question id and then the level: no join, and
    None when no question has values, so a plain questionnaire's queries stay as they were.
    """
    by_question = {
        q.id: case(dict(enumerate(values, 1)), value=Answer.level)
        for area in questionnaire.areas
        for q in area.questions
        if (values := question_values(q)) is not None
    }
    if not by_question:
        return None
    return case(by_question, value=Answer.question_id, else_=otherwise)


def round_scores(
    round_: Round,
    city_ids: Collection[int] | None = None,
    submitted_only: bool = False,
    agreement: bool = True,
) -> list[CityScores]:
    """The results of every city with an assessment in the round, sorted by city name.

    ``agreement=False`` skips rule 6 (each area's ``agreement`` is then None): it needs a
    per-respondent aggregate that costs more than everything else together, and pages that do
    not show agreement (the dashboard of 1,000 cities) need not pay for it.
    """
    spec = questionnaire_spec(round_.questionnaire)
    assessments_query = (
        select(Assessment, City)
        .join(City, Assessment.city_id == City.id)
        .where(Assessment.round_id == round_.id)
        .order_by(City.name)
    )
    if city_ids is not None:
        assessments_query = assessments_query.where(Assessment.city_id.in_(city_ids))
    if submitted_only:
        assessments_query = assessments_query.where(Assessment.status == AssessmentStatus.SUBMITTED)
    rows = db.session.execute(assessments_query).all()
    assessment_ids = [assessment.id for assessment, _ in rows]
    tallies = _question_tallies(round_.questionnaire, assessment_ids)
    agreed = agreed_answers(assessment_ids)
    if agreement:
        own_scores, respondents = _own_area_scores(round_.questionnaire, spec, assessment_ids)
    else:
        own_scores, respondents = {}, _respondent_counts(assessment_ids)
    return [
        CityScores(
            city,
            assessment,
            scoring.score_city_from_tallies(
                spec,
                tallies.get(assessment.id, {}),
                own_scores.get(assessment.id, {}),
                respondents.get(assessment.id, 0),
                agreed.get(assessment.id),
            ),
        )
        for assessment, city in rows
    ]


def _answers_of(assessment_ids: Collection[int]):
    return (
        select()
        .select_from(Answer)
        .join(Response, Answer.response_id == Response.id)
        .join(Question, Answer.question_id == Question.id)
        .where(Response.assessment_id.in_(assessment_ids))
    )


def _question_tallies(questionnaire: Questionnaire, assessment_ids: Collection[int]):
    """Rule 2-3 tallies per (assessment, question), grouped by question id (no join needed).

    ``level`` is NULL for don't-know and not-applicable answers, so ``sum(level) - count(level)``
    is the sum of 0-based levels, and ``count(nullif(kind, 'not_applicable'))`` the answers that
    are not "not applicable": plain aggregates, cheaper than CASE expressions on every row.
    """
    keys = {q.id: q.key for area in questionnaire.areas for q in area.questions}
    columns = [
        Response.assessment_id,
        Answer.question_id,
        func.coalesce(func.sum(Answer.level), 0),
        func.count(Answer.level),
        func.count(func.nullif(Answer.kind, AnswerKind.NOT_APPLICABLE)),
        func.count(),
    ]
    points = _value_points(questionnaire, None)
    if points is not None:  # the sum of the values, for the questions that have them
        columns.append(func.sum(points))
    query = (
        select(*columns)
        .select_from(Answer)
        .join(Response, Answer.response_id == Response.id)
        .where(Response.assessment_id.in_(assessment_ids))
        .group_by(Response.assessment_id, Answer.question_id)
    )
    tallies: dict[int, dict[str, scoring.QuestionTally]] = defaultdict(dict)
    tally = scoring.QuestionTally
    rows = db.session.connection().execute(query).all()  # plain rows: no ORM per-row work
    if points is None:
        for assessment_id, question_id, level_sum, scored, applicable, answered in rows:
            tallies[assessment_id][keys[question_id]] = tally(
                int(level_sum) - scored, scored, answered - applicable, answered
            )
        return tallies
    valued = {q.id for area in questionnaire.areas for q in area.questions if question_values(q)}
    for assessment_id, question_id, level_sum, scored, applicable, answered, value_sum in rows:
        summed = float(value_sum or 0) if question_id in valued else int(level_sum) - scored
        tallies[assessment_id][keys[question_id]] = tally(
            summed, scored, answered - applicable, answered
        )
    return tallies


def agreed_answers(
    assessment_ids: Collection[int],
) -> dict[int, dict[str, scoring.AnswerValue]]:
    """Rule 9's agreed answers per assessment: question key -> level index (0 = lowest),
    ``dont_know`` or ``not_applicable``. One indexed read, as small as the answers agreed."""
    query = (
        select(AgreedAnswer.assessment_id, Question.key, AgreedAnswer.kind, AgreedAnswer.level)
        .join(Question, AgreedAnswer.question_id == Question.id)
        .where(AgreedAnswer.assessment_id.in_(assessment_ids))
    )
    agreed: dict[int, dict[str, scoring.AnswerValue]] = defaultdict(dict)
    for assessment_id, key, kind, level in db.session.connection().execute(query):
        kind = AnswerKind(kind)
        agreed[assessment_id][key] = level - 1 if kind == AnswerKind.LEVEL else kind.value
    return agreed


def _respondent_counts(assessment_ids: Collection[int]) -> dict[int, int]:
    """Respondents with at least one answer, per assessment (an index lookup per response)."""
    has_answer = select(Answer.id).where(Answer.response_id == Response.id).exists()
    query = (
        select(Response.assessment_id, func.count())
        .where(Response.assessment_id.in_(assessment_ids), has_answer)
        .group_by(Response.assessment_id)
    )
    return {assessment_id: n for assessment_id, n in db.session.execute(query)}


def _own_area_scores(
    questionnaire: Questionnaire, spec: scoring.QuestionnaireSpec, assessment_ids: Collection[int]
):
    """Rule 6's own area scores, from per-(response, area) sums, and respondents per city."""
    is_level = Answer.kind == AnswerKind.LEVEL
    evenly = cast(Answer.level - 1, Float) * 100 / (Question.level_count - 1)
    question_score = _value_points(questionnaire, evenly)
    if question_score is None:
        question_score = evenly
    query = (
        _answers_of(assessment_ids)
        .add_columns(
            Response.assessment_id,
            Response.id,
            Question.area_id,
            func.sum(case((is_level, question_score * Question.weight))),
            func.sum(case((is_level, Question.weight))),
            func.count(Answer.level),
            func.sum(case((Answer.kind == AnswerKind.NOT_APPLICABLE, 1), else_=0)),
        )
        .group_by(Response.assessment_id, Response.id, Question.area_id)
    )
    area_by_id = {area.id: area for area in questionnaire.areas}
    question_count = {area.key: len(area.questions) for area in spec.areas}
    own: dict[int, dict[str, list[float | None]]] = defaultdict(lambda: defaultdict(list))
    responses: dict[int, set[int]] = defaultdict(set)
    for assessment_id, response_id, area_id, wsum, wtotal, scored, na in db.session.execute(query):
        key = area_by_id[area_id].key
        score, _ = scoring.area_score(
            wsum or 0.0, wtotal or 0.0, int(scored), question_count[key] - int(na)
        )
        own[assessment_id][key].append(score)
        responses[assessment_id].add(response_id)
    return own, {assessment_id: len(ids) for assessment_id, ids in responses.items()}


def city_scores_json(scores: CityScores, round_name: str) -> dict:
    """The JSON object of DESIGN.md for one city (numbers unrounded, null where none)."""
    result = scores.result
    return {
        "city": scores.city.name,
        "round": round_name,
        "respondents": result.respondents,
        "overall": result.overall,
        "stage": result.stage,
        "areas": {
            key: {
                "score": area.score,
                "stage": area.stage,
                "completeness": area.completeness,
                "agreement": area.agreement,
                "agreed": area.agreed,
            }
            for key, area in result.areas.items()
        },
    }


def cohort_json(results: Iterable[scoring.CityResult], area_keys: Iterable[str]) -> dict:
    """Rule 7 per area and overall, over the cities whose figure exists."""
    results = list(results)
    statistics = {
        key: scoring.cohort_statistics(r.areas[key].score for r in results) for key in area_keys
    }
    statistics["overall"] = scoring.cohort_statistics(r.overall for r in results)
    return statistics


def progress_json(before: Round, after: Round) -> list[dict]:
    """Rule 8 for every city assessed in both rounds, sorted by city name."""
    return [
        {
            "city": later.city.name,
            "from": before.name,
            "to": after.name,
            "overall": change["overall"],
            "areas": change["areas"],
            "questions": change["questions"],
        }
        for _, later, change in progress_pairs(before, after)
    ]


@dataclass(frozen=True)
class QuestionSpread:
    """How a team's level answers to one question spread: lowest and highest question score."""

    lowest: float
    highest: float
    scored: int

    @property
    def range(self) -> float:
        return self.highest - self.lowest


def question_spreads(assessment: Assessment) -> dict[str, QuestionSpread]:
    """Per question key, the spread of the team's level answers (one GROUP BY)."""
    query = (
        _answers_of([assessment.id])
        .add_columns(
            Question.key,
            Question.level_count,
            func.min(Answer.level),
            func.max(Answer.level),
            func.count(Answer.level),
        )
        .where(Answer.kind == AnswerKind.LEVEL)
        .group_by(Question.key, Question.level_count)
    )
    spec = questionnaire_spec(assessment.round.questionnaire)
    spreads = {}
    for key, levels, low, high, n in db.session.execute(query):
        values = spec.question(key).values
        spreads[key] = QuestionSpread(
            scoring.question_score(low - 1, levels, values),
            scoring.question_score(high - 1, levels, values),
            n,
        )
    return spreads


def progress_pairs(before: Round, after: Round) -> list[tuple[CityScores, CityScores, dict]]:
    """Rule 8 with both rounds' results: (earlier, later, change) per city assessed in both."""
    earlier = {s.city.id: s for s in round_scores(before)}
    return [
        (
            earlier[later.city.id],
            later,
            scoring.progress(earlier[later.city.id].result, later.result),
        )
        for later in round_scores(after, city_ids=list(earlier))
    ]


@dataclass(frozen=True)
class QuestionCohort:
    """One question across the cohort: rule 7 over the cities' question scores (rule 2)."""

    key: str
    area_key: str
    statistics: dict[str, float | int | None]


def question_cohort(
    spec: scoring.QuestionnaireSpec, results: Iterable[scoring.CityResult]
) -> list[QuestionCohort]:
    """Per question, the cohort statistics of the city question scores, in questionnaire order.

    Works on the per-city results that ``round_scores`` already aggregated in SQL, so it costs
    one pass over cities × questions, never over answers.
    """
    results = list(results)
    return [
        QuestionCohort(
            question.key,
            area.key,
            scoring.cohort_statistics(
                r.areas[area.key].question_scores.get(question.key) for r in results
            ),
        )
        for area in spec.areas
        for question in area.questions
    ]


COHORT_MINIMUM = 3  # a cohort figure reaches cities only when its own n is at least this


@dataclass(frozen=True)
class CityCohort:
    """The cohort figures a city may see, the same on its results page and in its PDF report.

    The cohort is the round's cities whose assessment is submitted (``cities`` of them). Each
    figure (an area's, or ``overall``) is rule 7 over the cohort's cities that have a value
    there; where that n is below ``COHORT_MINIMUM`` every statistic of the figure is None, so
    no page or report can show it (its n stays, to say why).
    """

    cities: int
    figures: dict[str, dict[str, float | int | None]]

    def n(self, key: str) -> int:
        return int(self.figures[key]["n"])

    def shown(self, key: str) -> bool:
        return self.n(key) >= COHORT_MINIMUM

    def median(self, key: str) -> float | None:
        return self.figures[key]["median"]

    @property
    def any_shown(self) -> bool:
        return any(self.shown(key) for key in self.figures)

    def medians(self, keys: Iterable[str]) -> dict[str, float | None]:
        return {key: self.median(key) for key in keys}


def city_cohort(round_: Round) -> CityCohort:
    """The cohort figures of ``round_`` as shown to cities: the one place they are computed."""
    submitted = round_scores(round_, submitted_only=True, agreement=False)
    keys = [area.key for area in round_.questionnaire.areas]
    statistics = cohort_json((s.result for s in submitted), keys)
    return CityCohort(
        len(submitted),
        {
            key: figure
            if figure["n"] >= COHORT_MINIMUM
            else {name: figure["n"] if name == "n" else None for name in figure}
            for key, figure in statistics.items()
        },
    )


@dataclass(frozen=True)
class AnswerCounts:
    """How many of a city's team members answered each area and question of a round.

    ``respondents`` is DESIGN.md's count (members with at least one answer in the round); an
    area's count is the members with at least one answer (of any kind) in the area, a
    question's the members who answered it. Completeness (rule 3) says whether *someone*
    answered each question; these say how many did.
    """

    respondents: int
    areas: dict[str, int]
    questions: dict[str, int]

    def area(self, key: str) -> int:
        return self.areas.get(key, 0)

    def question(self, key: str) -> int:
        return self.questions.get(key, 0)


def answer_counts(assessment: Assessment) -> AnswerCounts:
    """The team's answer counts of ``assessment``: one query (three GROUP BYs in a UNION ALL),
    whatever the number of questions. Agreed answers (rule 9) are not members' answers and do
    not count."""
    answers = _answers_of([assessment.id])
    members = func.count(func.distinct(Answer.response_id))
    # the kind of each row as a constant column: 0 the round, 1 an area, 2 a question
    per_round = answers.add_columns(literal_column("0"), literal_column("NULL"), members)
    per_area = answers.add_columns(literal_column("1"), Question.area_id, members).group_by(
        Question.area_id
    )
    per_question = answers.add_columns(
        literal_column("2"), Answer.question_id, func.count()
    ).group_by(Answer.question_id)
    rows = db.session.execute(union_all(per_round, per_area, per_question)).all()
    area_keys = {area.id: area.key for area in assessment.round.questionnaire.areas}
    question_keys = {
        q.id: q.key for area in assessment.round.questionnaire.areas for q in area.questions
    }
    respondents, areas, questions = 0, {}, {}
    for kind, item_id, count in rows:
        if kind == 0:
            respondents = int(count)
        elif kind == 1:
            areas[area_keys[item_id]] = int(count)
        else:
            questions[question_keys[item_id]] = int(count)
    return AnswerCounts(respondents, areas, questions)
