"""The checks every import row shares: its city, its city's assessment, its question, and that
it does not repeat an earlier row. Each problem is one line naming the file and line; the
import stores nothing while there is any (``raise_problems``)."""

from __future__ import annotations

from sqlalchemy import select

from ..errors import FileRefused
from ..extensions import db
from ..models import Assessment, City, Question, Round
from ..names import name_key
from ..survey import evidence as evidence_rule
from ..survey.answers import UNCHANGED


class RowChecks:
    """The round's questions, the cities and the round's assessments, read once per file."""

    def __init__(self, round_: Round, filename: str) -> None:
        self.round = round_
        self.filename = filename
        self.questions = {q.key: q for area in round_.questionnaire.areas for q in area.questions}
        self.cities = {c.name_key: c for c in db.session.scalars(select(City))}
        self.assessments = {
            a.city_id: a
            for a in db.session.scalars(select(Assessment).where(Assessment.round_id == round_.id))
        }
        self.problems: list[str] = []
        self._first: dict[tuple, int] = {}

    def refuse(self, line: int, message: str) -> None:
        self.problems.append(f"{self.filename}:{line}: {message}")

    def city(self, line: int, name: str, add_city: str) -> City | None:
        """The row's city; an unknown city, one whose assessment is submitted, or one that does
        not take part in the round is a problem (the city is still returned when only its
        assessment or taking part is the problem)."""
        city = self.cities.get(name_key(name))
        if city is None:
            self.refuse(line, f"unknown city '{name}' ({add_city})")
        elif self.submitted(city):
            self.refuse(
                line,
                f"the assessment of {city.name} in '{self.round.name}' is submitted; "
                "reopen it before importing",
            )
        elif city.id not in self.assessments and not self.round.takes_part(city.id):
            self.refuse(
                line,
                f"{city.name} does not take part in '{self.round.name}'; "
                "add it to the round's cities first",
            )
        return city

    def submitted(self, city: City) -> bool:
        assessment = self.assessments.get(city.id)
        return assessment is not None and assessment.is_submitted

    def question(self, line: int, key: str) -> Question | None:
        question = self.questions.get(key)
        if question is None:
            self.refuse(line, f"question '{key}' is not in {self.round.questionnaire.label}")
        return question

    def once(self, line: int, key: tuple, second: str) -> bool:
        """False (and a problem naming the first line) when ``key`` was on an earlier row."""
        first = self._first.setdefault(key, line)
        if first != line:
            self.refuse(line, f"{second} (first on line {first})")
        return first == line

    def evidence(self, line: int, links: str | None, note: str | None) -> tuple[object, object]:
        """The evidence column value and note of a row, UNCHANGED for a column the file lacks
        (None); a refused link or note is a problem (and UNCHANGED)."""
        try:
            return evidence_rule.parse_evidence(
                UNCHANGED if links is None else links, UNCHANGED if note is None else note
            )
        except evidence_rule.EvidenceRefused as refused:
            self.refuse(line, refused.message)
            return UNCHANGED, UNCHANGED

    def raise_problems(self) -> None:
        if self.problems:
            raise FileRefused(self.filename, self.problems)
