"""What a loaded questionnaire is: plain, immutable data, checked by the loader."""

from __future__ import annotations

from dataclasses import dataclass

Text = dict[str, str]
"""A text in every language of its questionnaire: language code -> string."""


@dataclass(frozen=True)
class QuestionDefinition:
    key: str
    text: Text
    help: Text | None
    weight: float
    allow_na: bool
    levels: tuple[Text, ...]
    values: tuple[float, ...] | None = None  # rule 1's own score per level, lowest first


@dataclass(frozen=True)
class AreaDefinition:
    key: str
    title: Text
    description: Text | None
    weight: float
    questions: tuple[QuestionDefinition, ...]


INDICATOR_UNITS = ("percent", "count", "number", "eur", "days", "rating")
INDICATOR_DIRECTIONS = ("higher", "lower")


@dataclass(frozen=True)
class IndicatorDefinition:
    """A success indicator: a measurable result a city reports beside its answers."""

    key: str
    area: str | None
    title: Text
    help: Text | None
    unit: str  # one of INDICATOR_UNITS
    direction: str  # one of INDICATOR_DIRECTIONS: which way is better


@dataclass(frozen=True)
class QuestionnaireDefinition:
    key: str
    version: int
    languages: tuple[str, ...]
    title: Text
    description: Text | None
    areas: tuple[AreaDefinition, ...]
    source: str
    indicators: tuple[IndicatorDefinition, ...] = ()

    @property
    def label(self) -> str:
        return f"{self.key}:{self.version}"

    @property
    def questions(self) -> list[QuestionDefinition]:
        return [q for area in self.areas for q in area.questions]


class QuestionnaireError(Exception):
    """A questionnaire that cannot be used; ``problems`` holds every ``file:line: message``."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems
