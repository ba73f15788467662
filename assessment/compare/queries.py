"""What the comparison pages show, assembled from ``results`` (SQL aggregates) and ``charts``.

Everything here works on per-city results, never on answers, so a page costs the same few
queries whether the round has 20 cities or 1,000.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from flask_babel import format_decimal, get_locale
from flask_babel import lazy_gettext as _l

from questionnaires import localized

from .. import charts, scoring
from ..models import AssessmentStatus, Question, Round
from ..presentation import INSUFFICIENT_DATA
from ..results import (
    CityScores,
    QuestionCohort,
    cohort_json,
    progress_pairs,
    question_cohort,
    questionnaire_spec,
    round_scores,
)

STATUS_FILTERS = {
    "all": _l("All assessments"),
    "submitted": _l("Submitted only"),
    "in_progress": _l("In progress only"),
}
MAX_COMPARED = 6
PAGE_SIZE = 100  # table rows per page; the cohort rows and the distribution cover every page
COHORT_ROWS = (("q1", _l("Lower quartile")), ("median", _l("Median")), ("q3", _l("Upper quartile")))


def language() -> str:
    return str(get_locale())


def area_columns(round_: Round) -> list[tuple[str, str]]:
    """(key, title) of each area in questionnaire order, in the page's language."""
    return [(a.key, localized(a.title, language())) for a in round_.questionnaire.areas]


def scores_by_key(scores: CityScores) -> dict[str, float | None]:
    """Area scores and ``overall`` of a city: the figures each column shows."""
    row = {key: area.score for key, area in scores.result.areas.items()}
    row["overall"] = scores.result.overall
    return row


def status_matches(scores: CityScores, status: str) -> bool:
    """Whether a city is listed under a status filter (the cohort never depends on it)."""
    if status == "submitted":
        return scores.assessment.status == AssessmentStatus.SUBMITTED
    if status == "in_progress":
        return scores.assessment.status == AssessmentStatus.IN_PROGRESS
    return True


def cohort_cities(everything: Sequence[CityScores], country: str = "") -> list[CityScores]:
    """The cohort (DESIGN.md): the cities whose assessment is submitted, of ``country`` if given."""
    return [
        s
        for s in everything
        if s.assessment.is_submitted and (not country or s.city.country == country)
    ]


def cohort_of(
    round_: Round, everything: Sequence[CityScores] | None = None, country: str = ""
) -> tuple[list[CityScores], dict]:
    """The round's cohort (its submitted cities, of ``country`` if given) and rule 7 over them:
    every figure is over the cohort's cities that have it, and carries that n."""
    if everything is None:
        everything = round_scores(round_)
    cohort = cohort_cities(everything, country)
    keys = [a.key for a in round_.questionnaire.areas]
    return cohort, cohort_json((s.result for s in cohort), keys)


@dataclass(frozen=True)
class DashboardRow:
    scores: CityScores
    cells: list[tuple[str, str, int | None]]  # (CSS class, text, stage) per area, then overall
    completeness: str

    @property
    def in_cohort(self) -> bool:
        return self.scores.assessment.is_submitted


@dataclass(frozen=True)
class Dashboard:
    columns: list[tuple[str, str]]  # areas, then overall
    rows: list[DashboardRow]
    cohort: dict  # rule 7 over the cohort (submitted cities, of the country filter if any)
    cohort_size: int  # the cohort's cities, with a score or not
    countries: list[str]
    country: str  # the country filter in force ("" when none, or when the asked one is unknown)
    heatmap: dict
    distribution: dict
    shown: int  # cities matching the filters, over all pages
    page: int
    pages: int


def cell_formatter():
    """(class, text, stage) of a score cell, the text as the ``score`` filter writes it but
    without a Babel call per cell: a 1,000-city table has 6,000 of them."""
    decimal = format_decimal(1.5, format="0.0")[1]  # the locale's decimal sign
    insufficient = ("insufficient", str(INSUFFICIENT_DATA), None)

    def cell(value: float | None) -> tuple[str, str, int | None]:
        if value is None:
            return insufficient
        stage = scoring.stage(value)
        return f"cell-stage-{stage}", f"{round(value, 1):.1f}".replace(".", decimal), stage

    return cell


def completeness(scores: CityScores) -> float:
    """Scored questions over applicable questions, across all areas (rule 3, whole city)."""
    areas = scores.result.areas.values()
    applicable = sum(a.applicable for a in areas)
    return sum(a.scored for a in areas) / applicable if applicable else 0.0


def _sort_key(column: str):
    if column == "city":
        return lambda s: (0, s.city.name.lower())
    if column == "country":
        return lambda s: (0, s.city.country, s.city.name.lower())
    if column == "respondents":
        return lambda s: (0, s.result.respondents)
    if column == "status":
        return lambda s: (0, s.assessment.status.value)

    def figure(s: CityScores):
        value = s.result.overall if column == "overall" else s.result.areas[column].score
        return (1, 0.0) if value is None else (0, value)  # no score: always last

    return figure


def sort_columns(round_: Round) -> list[str]:
    return [
        "city",
        "country",
        "respondents",
        "status",
        *(a.key for a in round_.questionnaire.areas),
        "overall",
    ]


def dashboard(
    round_: Round,
    country: str = "",
    status: str = "all",
    sort: str = "city",
    descending: bool = False,
    page: int = 1,
) -> Dashboard:
    everything = round_scores(round_, agreement=False)  # the dashboard shows no agreement
    countries = sorted({s.city.country for s in everything})
    if country not in countries:
        country = ""
    rows = [
        s
        for s in everything
        if status_matches(s, status) and (not country or s.city.country == country)
    ]
    columns = [*area_columns(round_), ("overall", str(_l("Overall")))]
    members, cohort = cohort_of(round_, everything, country)
    key = _sort_key(sort)
    if sort in ("city", "country", "respondents", "status"):
        rows.sort(key=key, reverse=descending)
    else:  # cities without a score stay last in both directions
        scored = sorted((s for s in rows if key(s)[0] == 0), key=key, reverse=descending)
        rows = scored + [s for s in rows if key(s)[0] == 1]
    named = [(s.city.name, scores_by_key(s)) for s in rows]
    distribution = charts.distribution_chart(
        columns, [(s.city.name, scores_by_key(s)) for s in members], cohort
    ).as_dict()
    pages = max(1, -(-len(rows) // PAGE_SIZE))
    page = min(max(page, 1), pages)
    window = slice((page - 1) * PAGE_SIZE, page * PAGE_SIZE)
    cell = cell_formatter()
    heatmap = charts.heatmap_chart(columns, named[window], text=lambda v: cell(v)[1]).as_dict()
    table = [
        DashboardRow(
            s, [cell(figures[key]) for key, _ in columns], f"{round(100 * completeness(s))} %"
        )
        for s, (_, figures) in zip(rows[window], named[window], strict=True)
    ]
    return Dashboard(
        columns,
        table,
        cohort,
        len(members),
        countries,
        country,
        heatmap,
        distribution,
        len(rows),
        page,
        pages,
    )


@dataclass(frozen=True)
class Comparison:
    columns: list[tuple[str, str]]
    cities: list[CityScores]
    cohort: dict  # rule 7 over the submitted cities: each figure with its n
    cohort_size: int  # the submitted cities
    radar: dict
    # per area: key, title, and per question: the cities' scores and the cohort's (median, n)
    questions: list[
        tuple[str, str, list[tuple[Question, list[float | None], tuple[float | None, int]]]]
    ]


def comparison(
    round_: Round,
    city_ids: Sequence[int],
    everything: Sequence[CityScores] | None = None,
) -> Comparison:
    """Up to six cities side by side with the cohort median (over the submitted cities)."""
    if everything is None:
        everything = round_scores(round_)
    cohort_rows, cohort = cohort_of(round_, everything)
    picked = {s.city.id: s for s in everything}
    cities = [picked[i] for i in city_ids if i in picked]
    columns = area_columns(round_)
    medians = {key: cohort[key]["median"] for key, _ in columns}
    radar = charts.radar_chart(
        columns,
        [(s.city.name, scores_by_key(s)) for s in cities],
        cohort=(str(_l("Cohort median")), medians),
        band=(
            {key: cohort[key]["q1"] for key, _ in columns},
            {key: cohort[key]["q3"] for key, _ in columns},
        ),
    ).as_dict()
    spec = questionnaire_spec(round_.questionnaire)
    question_medians = {
        q.key: (q.statistics["median"], q.statistics["n"])
        for q in question_cohort(spec, (s.result for s in cohort_rows))
    }
    questions = []
    for area in round_.questionnaire.areas:
        questions.append(
            (
                area.key,
                localized(area.title, language()),
                [
                    (
                        question,
                        [
                            s.result.areas[area.key].question_scores.get(question.key)
                            for s in cities
                        ],
                        question_medians.get(question.key, (None, 0)),
                    )
                    for question in area.questions
                ],
            )
        )
    return Comparison(columns, cities, cohort, len(cohort_rows), radar, questions)


def weakest_questions(
    round_: Round,
) -> tuple[list[CityScores], list[tuple[Question, QuestionCohort]]]:
    """The cohort (the submitted cities), and every question with its statistics over it,
    lowest median first (no median: last)."""
    rows, _ = cohort_of(round_)
    spec = questionnaire_spec(round_.questionnaire)
    by_key = {q.key: q for area in round_.questionnaire.areas for q in area.questions}
    found = [(by_key[c.key], c) for c in question_cohort(spec, (s.result for s in rows))]
    return rows, sorted(
        found,
        key=lambda pair: (pair[1].statistics["median"] is None, pair[1].statistics["median"] or 0),
    )


@dataclass(frozen=True)
class ProgressRow:
    earlier: CityScores
    later: CityScores
    change: dict


@dataclass(frozen=True)
class Progress:
    columns: list[tuple[str, str]]
    rows: list[ProgressRow]
    improved: list[ProgressRow]
    fell_back: list[ProgressRow]
    chart: dict


def progress(before: Round, after: Round, top: int = 5) -> Progress:
    columns = area_columns(after)
    rows = [ProgressRow(e, la, c) for e, la, c in progress_pairs(before, after)]
    with_change = [r for r in rows if r.change["overall"] is not None]
    ranked = sorted(with_change, key=lambda r: r.change["overall"], reverse=True)
    # a change that shows as ±0.0 is neither; a city whose later assessment is still in
    # progress is listed too, marked as such by the page
    improved = [r for r in ranked if round(r.change["overall"], 1) > 0][:top]
    fell_back = [r for r in reversed(ranked) if round(r.change["overall"], 1) < 0][:top]
    axes = [("overall", str(_l("Overall"))), *columns]
    chart = charts.progress_chart(
        axes,
        [
            (
                r.later.city.name,
                scores_by_key(r.earlier),
                {"overall": r.change["overall"], **r.change["areas"]},
            )
            for r in rows
        ],
    ).as_dict()
    return Progress(columns, rows, improved, fell_back, chart)


def comparable_rounds(round_: Round, rounds: Sequence[Round]) -> list[Round]:
    """Rounds whose questionnaire has the same key (so questions and areas match by key)."""
    return [
        r for r in rounds if r.id != round_.id and r.questionnaire.key == round_.questionnaire.key
    ]
