"""A round's answers and scores as CSV (a ZIP of two CSV files), XLSX or JSON.

The answers are written exactly in the import format (``city,respondent,question,answer,
comment``), so an exported file can be imported again with ``dmat responses import``; the scores
are the figures of ``dmat scores``, unrounded. Every text cell of the CSV and XLSX files goes
through ``files.spreadsheet_cell``, so that no spreadsheet program runs a name or a comment as a
formula; the importer undoes it.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import select

from ..extensions import db
from ..files import spreadsheet_cell
from ..models import Answer, AnswerKind, Area, Assessment, City, Question, Response, Round, User
from ..results import city_scores_json, cohort_json, round_scores

ANSWER_COLUMNS = ("city", "respondent", "question", "answer", "comment")
SCORE_COLUMNS = (
    "city",
    "round",
    "respondents",
    "area",
    "score",
    "stage",
    "completeness",
    "agreement",
)


@dataclass(frozen=True)
class Format:
    extension: str
    mimetype: str


FORMATS = {
    "csv": Format("zip", "application/zip"),
    "xlsx": Format("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "json": Format("json", "application/json"),
}


def file_name(round_: Round, fmt: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9]+", "-", round_.name).strip("-").lower() or "round"
    suffix = "-csv.zip" if fmt == "csv" else f".{FORMATS[fmt].extension}"
    return f"dmat-{slug}{suffix}"


def answer_rows(round_: Round) -> Iterator[tuple[str, str, str, str, str]]:
    """Every answer of the round in import format, by city, respondent and questionnaire order.

    An export necessarily reads every answer; it streams them in one query rather than loading
    objects.
    """
    query = (
        select(City.name, User.email, Question.key, Answer.kind, Answer.level, Answer.comment)
        .select_from(Answer)
        .join(Response, Answer.response_id == Response.id)
        .join(Assessment, Response.assessment_id == Assessment.id)
        .join(City, Assessment.city_id == City.id)
        .join(User, Response.respondent_id == User.id)
        .join(Question, Answer.question_id == Question.id)
        .join(Area, Question.area_id == Area.id)
        .where(Assessment.round_id == round_.id)
        .order_by(City.name, User.email, Area.position, Question.position)
    )
    for city, email, question, kind, level, comment in db.session.execute(query):
        answer = str(level) if kind == AnswerKind.LEVEL else AnswerKind(kind).value
        yield city, email, question, answer, comment or ""


def scores_json(round_: Round) -> list[dict]:
    return [city_scores_json(s, round_.name) for s in round_scores(round_)]


def _scored(round_: Round) -> tuple[list[dict], dict]:
    scored = round_scores(round_)
    keys = [area.key for area in round_.questionnaire.areas]
    return (
        [city_scores_json(s, round_.name) for s in scored],
        # the cohort is the round's submitted cities (DESIGN.md); each figure carries its n
        cohort_json((s.result for s in scored if s.assessment.is_submitted), keys),
    )


def score_rows(scores: list[dict]) -> Iterator[list]:
    """The rows of ``dmat scores --format csv``: one per city and area, then ``overall``."""
    for row in scores:
        base = [row["city"], row["round"], row["respondents"]]
        for key, area in row["areas"].items():
            yield [
                *base,
                key,
                *(area[f] for f in ("score", "stage", "completeness", "agreement")),
            ]
        yield [*base, "overall", row["overall"], row["stage"], None, None]


def csv_text(header: tuple[str, ...], rows) -> str:
    """A CSV file of ``rows`` under ``header``: None as an empty cell, text made inert."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if value is None else spreadsheet_cell(value) for value in row])
    return out.getvalue()


def export_bytes(round_: Round, fmt: str) -> bytes:
    scores, cohort = _scored(round_)
    if fmt == "csv":
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("answers.csv", csv_text(ANSWER_COLUMNS, answer_rows(round_)))
            archive.writestr("scores.csv", csv_text(SCORE_COLUMNS, score_rows(scores)))
        return out.getvalue()
    if fmt == "xlsx":
        return _xlsx(round_, scores)
    if fmt == "json":
        return _json(round_, scores, cohort).encode()
    raise ValueError(f"unknown export format {fmt}")


def _xlsx(round_: Round, scores: list[dict]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    def cells(sheet, row):
        """Text as explicit string cells, never formulas; numbers stay numbers."""
        out = []
        for value in row:
            if isinstance(value, str):
                cell = WriteOnlyCell(sheet, value=spreadsheet_cell(value))
                cell.data_type = "s"  # openpyxl would take text starting with "=" as a formula
                out.append(cell)
            else:
                out.append(value)
        return out

    workbook = Workbook(write_only=True)
    answers = workbook.create_sheet("answers")  # first: what dmat responses import reads
    answers.append(cells(answers, ANSWER_COLUMNS))
    for row in answer_rows(round_):
        answers.append(cells(answers, [value if value != "" else None for value in row]))
    sheet = workbook.create_sheet("scores")
    sheet.append(cells(sheet, SCORE_COLUMNS))
    for row in score_rows(scores):
        sheet.append(cells(sheet, row))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _json(round_: Round, scores: list[dict], cohort: dict) -> str:
    document = {
        "round": round_.name,
        "questionnaire": round_.questionnaire.label,
        "scores": scores,
        "cohort": cohort,
        "answers": [
            dict(zip(ANSWER_COLUMNS, (*row[:4], row[4] or None), strict=True))
            for row in answer_rows(round_)
        ],
    }
    return json.dumps(document, ensure_ascii=False, indent=1)
