"""Agreed-answer files (``dmat agreed import``): ``city,question,answer[,rationale[,evidence
[,note]]]``, CSV or XLSX, read as response files are and checked row by row with the checks
every import shares (``admin.row_checks``); nothing is stored while any row is wrong.

The ``agreed.csv`` of an export (``compare.exports``) is such a file, so it imports unchanged.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select

from ..admin.response_files import read_rows
from ..admin.row_checks import RowChecks
from ..audit.operations import record
from ..errors import DmatError
from ..extensions import db
from ..models import AgreedAnswer, Round
from .agreed import AgreedRefused, _store, parse_agreed, parse_rationale

AGREED_COLUMNS = ("city", "question", "answer")
AGREED_OPTIONAL_COLUMNS = ("rationale", "evidence", "note")
NO_ASSESSMENT = "nobody has answered yet"


@dataclass(frozen=True)
class AgreedRow:
    """One line of an agreed-answers file."""

    line: int
    city: str
    question: str
    answer: str
    rationale: str | None
    evidence: str | None = None  # None: the file has no such column (keep what is stored)
    note: str | None = None


def read_agreed_file(data: bytes, filename: str) -> list[AgreedRow]:
    """The rows of a CSV or XLSX agreed-answers file (of an exported workbook, its ``agreed``
    sheet); raises DmatError listing every malformed line."""
    return read_rows(
        data, filename, AgreedRow, AGREED_COLUMNS, AGREED_OPTIONAL_COLUMNS, sheet="agreed"
    )


@dataclass(frozen=True)
class AgreedImportSummary:
    rows: int
    created: int
    changed: int
    cities: int


def import_agreed(round_: Round, rows: Sequence[AgreedRow], filename: str) -> AgreedImportSummary:
    """Store the agreed answers of a file; every row is checked before anything is written.

    A city needs an assessment in the round (its team has answered, or answers were imported)
    that is not submitted; an agreed answer already recorded for the question is replaced, and
    its evidence too where the file has the evidence columns. The import is one audit event.
    """
    if not rows:
        raise DmatError(f"{filename}: no agreed answers to import")
    if not round_.is_open:
        raise DmatError(f"{filename}: the round '{round_.name}' is closed; nothing was imported")
    checks = RowChecks(round_, filename)
    parsed = []
    for row in rows:
        city = checks.city(row.line, row.city, "add it with dmat city add")
        assessment = checks.assessments.get(city.id) if city is not None else None
        if city is not None and assessment is None:
            checks.refuse(
                row.line, f"{city.name} has no assessment in '{round_.name}' ({NO_ASSESSMENT})"
            )
        question = checks.question(row.line, row.question)
        if question is None:
            continue
        try:
            choice = parse_agreed(question, row.answer)
            rationale = parse_rationale(row.rationale)
        except AgreedRefused as error:
            checks.refuse(row.line, error.message)
            continue
        links, note = checks.evidence(row.line, row.evidence, row.note)
        if choice is None:
            checks.refuse(row.line, f"no answer to {question.key}")
            continue
        if assessment is None or not checks.once(
            row.line,
            (city.id, question.key),
            f"a second agreed answer of {city.name} to {question.key}",
        ):
            continue
        parsed.append((assessment, question, choice, rationale, links, note))
    checks.raise_problems()
    existing = {
        (a.assessment_id, a.question_id): a
        for a in db.session.scalars(
            select(AgreedAnswer).where(AgreedAnswer.assessment_id.in_({a.id for a, *_ in parsed}))
        )
    }
    created = 0
    for assessment, question, choice, rationale, links, note in parsed:
        found = existing.get((assessment.id, question.id))
        created += found is None
        _store(found, assessment.id, question, choice, rationale, None, links, note)
    summary = AgreedImportSummary(
        rows=len(parsed),
        created=created,
        changed=len(parsed) - created,
        cities=len({assessment.city_id for assessment, *_ in parsed}),
    )
    record(
        "agreed_answers_imported",
        f"{summary.rows} agreed answers for {summary.cities} cities imported from {filename}",
        round_=round_,
        details={
            "file": filename,
            **summary.__dict__,
            "questions": sorted({question.key for _a, question, *_ in parsed}),
        },
    )
    return summary
