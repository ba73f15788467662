"""What a city's results say, in words a team can act on: strengths, gaps, next steps.

Shared by the results page and the PDF report so both say the same thing. Pure functions over a
``CityResult`` and the stored questionnaire.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import scoring
from .models import Question, Questionnaire
from .scoring import CityResult


@dataclass(frozen=True)
class QuestionFinding:
    question: Question
    area_key: str
    score: float
    current_level: int  # 1-based rubric level the score reaches
    next_level: int | None  # 1-based level to aim for, None at the top

    def next_level_text(self, language: str) -> str | None:
        if self.next_level is None:
            return None
        texts = self.question.levels[self.next_level - 1]
        return texts.get(language) or next(iter(texts.values()))


def reached_level(score: float, level_count: int, values: list[float] | None = None) -> int:
    """The highest rubric level (1-based) a question score reaches (its value, or
    100 * i / (n - 1), at most the score)."""
    return scoring.reached_level(score, level_count, scoring.own_values(level_count, values))


def finding(question: Question, area_key: str, score: float) -> QuestionFinding:
    level = reached_level(score, question.level_count, question.level_values)
    next_level = level + 1 if level < question.level_count else None
    return QuestionFinding(question, area_key, score, level, next_level)


def scored_findings(questionnaire: Questionnaire, result: CityResult) -> list[QuestionFinding]:
    found = []
    for area in questionnaire.areas:
        scores = result.areas[area.key].question_scores
        for question in area.questions:
            score = scores.get(question.key)
            if score is not None:
                found.append(finding(question, area.key, score))
    return found


def weakest_questions(
    questionnaire: Questionnaire, result: CityResult, count: int = 5, area_key: str | None = None
) -> list[QuestionFinding]:
    """The lowest-scoring questions (ties in questionnaire order), optionally of one area."""
    found = [
        f
        for f in scored_findings(questionnaire, result)
        if area_key is None or f.area_key == area_key
    ]
    return sorted(found, key=lambda f: f.score)[:count]


def strongest_questions(
    questionnaire: Questionnaire, result: CityResult, count: int = 5
) -> list[QuestionFinding]:
    found = scored_findings(questionnaire, result)
    return sorted(found, key=lambda f: -f.score)[:count]


def areas_by_score(result: CityResult) -> list[str]:
    """Area keys from strongest to weakest; areas without a score last."""
    keys = list(result.areas)
    return sorted(
        keys,
        key=lambda k: (result.areas[k].score is None, -(result.areas[k].score or 0), keys.index(k)),
    )


def next_steps(
    questionnaire: Questionnaire, result: CityResult, per_area: int = 2
) -> dict[str, list[QuestionFinding]]:
    """Per area, the weakest questions that have a next rubric level to reach."""
    return {
        area.key: [
            f
            for f in weakest_questions(
                questionnaire, result, count=len(area.questions), area_key=area.key
            )
            if f.next_level is not None
        ][:per_area]
        for area in questionnaire.areas
    }
