"""A round's answers, agreed answers and scores as CSV (a ZIP of three CSV files), XLSX or JSON.

The answers are written exactly in the import format (``city,respondent,question,answer,
comment,evidence,note``), so an exported file can be imported again with ``dmat responses
import``, and the agreed answers in that of ``dmat agreed import`` (``city,question,answer,
rationale,evidence,note``); evidence links are plain text, one per line. The scores are the
figures of ``dmat scores``, unrounded. Every text cell of the CSV and XLSX files goes through
``files.spreadsheet_cell``, so that no spreadsheet program runs a name or a comment as a
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

from questionnaires import localized

from ..extensions import db
from ..files import spreadsheet_cell
from ..indicators.exports import EXPORT_COLUMNS, has_indicators, indicator_rows, indicators_json
from ..models import (
    AgreedAnswer,
    Answer,
    AnswerKind,
    Area,
    Assessment,
    City,
    Question,
    Response,
    Round,
    User,
)
from ..results import city_scores_json, cohort_json, round_scores
from ..survey.evidence import links_of

ANSWER_COLUMNS = ("city", "respondent", "question", "answer", "comment", "evidence", "note")
# the format of dmat agreed import; evidence: the links, one per line
AGREED_COLUMNS = ("city", "question", "answer", "rationale", "evidence", "note")
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


def answer_rows(round_: Round) -> Iterator[tuple[str, ...]]:
    """Every answer of the round in import format, by city, respondent and questionnaire order.

    An export necessarily reads every answer; it streams them in one query rather than loading
    objects.
    """
    query = (
        select(
            City.name,
            User.email,
            Question.key,
            Answer.kind,
            Answer.level,
            Answer.comment,
            Answer.evidence,
            Answer.evidence_note,
        )
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
    for city, email, question, kind, level, *texts in db.session.execute(query):
        yield city, email, question, _answer_text(kind, level), *(text or "" for text in texts)


def _answer_text(kind, level) -> str:
    return str(level) if kind == AnswerKind.LEVEL else AnswerKind(kind).value


def agreed_rows(round_: Round) -> Iterator[tuple[str, ...]]:
    """Every agreed answer of the round in the format of ``dmat agreed import``, by city and
    questionnaire order (one query)."""
    query = (
        select(
            City.name,
            Question.key,
            AgreedAnswer.kind,
            AgreedAnswer.level,
            AgreedAnswer.rationale,
            AgreedAnswer.evidence,
            AgreedAnswer.evidence_note,
        )
        .select_from(AgreedAnswer)
        .join(Assessment, AgreedAnswer.assessment_id == Assessment.id)
        .join(City, Assessment.city_id == City.id)
        .join(Question, AgreedAnswer.question_id == Question.id)
        .join(Area, Question.area_id == Area.id)
        .where(Assessment.round_id == round_.id)
        .order_by(City.name, Area.position, Question.position)
    )
    for city, question, kind, level, *texts in db.session.execute(query):
        yield city, question, _answer_text(kind, level), *(text or "" for text in texts)


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


def export_bytes(round_: Round, fmt: str, language: str | None = None) -> bytes:
    """The export of ``round_`` in ``fmt``; the XLSX file's titles are in ``language`` (the
    questionnaire's first language when None)."""
    if fmt == "xlsx":
        return _xlsx(round_, language or round_.questionnaire.languages[0])
    from ..plan.overview import PLAN_EXPORT_COLUMNS, plan_export_rows  # the plan's own rows

    scores, cohort = _scored(round_)
    if fmt == "csv":
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("answers.csv", csv_text(ANSWER_COLUMNS, answer_rows(round_)))
            archive.writestr("scores.csv", csv_text(SCORE_COLUMNS, score_rows(scores)))
            archive.writestr("agreed.csv", csv_text(AGREED_COLUMNS, agreed_rows(round_)))
            if has_indicators(round_):
                archive.writestr("indicators.csv", csv_text(EXPORT_COLUMNS, indicator_rows(round_)))
            archive.writestr("plans.csv", csv_text(PLAN_EXPORT_COLUMNS, plan_export_rows(round_)))
        return out.getvalue()
    if fmt == "json":
        return _json(round_, scores, cohort).encode()
    raise ValueError(f"unknown export format {fmt}")


# The XLSX file's scores sheet: the figures of ``dmat scores`` with the city's country and
# status and each area's title beside its key; the questions sheet names every question key.
XLSX_SCORE_COLUMNS = (
    "city",
    "country",
    "status",
    "round",
    "respondents",
    "area",
    "area_title",
    "score",
    "stage",
    "completeness",
    "agreement",
)
XLSX_QUESTION_COLUMNS = ("question", "question_title", "area", "area_title", "levels", "allow_na")
ONE_DECIMAL = "0.0"  # shown with one decimal; the cell keeps the full value
PERCENT = "0.0%"
WIDTHS = {  # characters, per column name
    "city": 22,
    "respondent": 30,
    "question": 24,
    "answer": 10,
    "comment": 40,
    "evidence": 40,
    "note": 30,
    "rationale": 40,
    "country": 9,
    "status": 12,
    "round": 18,
    "respondents": 12,
    "area": 14,
    "area_title": 30,
    "score": 9,
    "stage": 7,
    "completeness": 13,
    "agreement": 11,
    "question_title": 60,
    "levels": 8,
    "allow_na": 9,
    "indicator": 26,
    "value": 12,
    "source": 40,
    "as_of": 11,
}
FORMATS_BY_COLUMN = {"score": ONE_DECIMAL, "agreement": ONE_DECIMAL, "completeness": PERCENT}


def xlsx_score_rows(round_: Round, language: str) -> Iterator[list]:
    """One row per city and area, then ``overall``, in ``XLSX_SCORE_COLUMNS`` order."""
    titles = {area.key: localized(area.title, language) for area in round_.questionnaire.areas}
    for s in round_scores(round_):
        row = city_scores_json(s, round_.name)
        base = [row["city"], s.city.country, s.assessment.status.value, row["round"]]
        base.append(row["respondents"])
        for key, area in row["areas"].items():
            figures = [area[f] for f in ("score", "stage", "completeness", "agreement")]
            yield [*base, key, titles[key], *figures]
        yield [*base, "overall", "", row["overall"], row["stage"], None, None]


def xlsx_question_rows(round_: Round, language: str) -> Iterator[list]:
    for area in round_.questionnaire.areas:
        for q in area.questions:
            title = localized(area.title, language)
            text = localized(q.text, language)
            yield [q.key, text, area.key, title, q.level_count, "yes" if q.allow_na else "no"]


def _xlsx(round_: Round, language: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    from ..plan.overview import PLAN_EXPORT_COLUMNS, plan_export_rows  # the plan's own rows

    bold = Font(bold=True)

    def sheet_of(title: str, header: tuple[str, ...]):
        """A sheet with its column widths, its header frozen above the rows, in bold."""
        sheet = workbook.create_sheet(title)
        for index, name in enumerate(header, 1):
            sheet.column_dimensions[get_column_letter(index)].width = WIDTHS.get(name, 12)
        sheet.freeze_panes = "A2"
        row = []
        for name in header:
            cell = WriteOnlyCell(sheet, value=name)
            cell.font = bold
            row.append(cell)
        sheet.append(row)
        return sheet

    def cells(sheet, header, row):
        """Text as explicit string cells, never formulas; numbers stay numbers (full precision,
        shown with one decimal where the column says so)."""
        out = []
        for name, value in zip(header, row, strict=True):
            if isinstance(value, str):
                cell = WriteOnlyCell(sheet, value=spreadsheet_cell(value))
                cell.data_type = "s"  # openpyxl would take text starting with "=" as a formula
                out.append(cell)
            elif isinstance(value, float) and name in FORMATS_BY_COLUMN:
                cell = WriteOnlyCell(sheet, value=value)
                cell.number_format = FORMATS_BY_COLUMN[name]
                out.append(cell)
            else:
                out.append(value)
        return out

    workbook = Workbook(write_only=True)
    answers = sheet_of("answers", ANSWER_COLUMNS)  # first: what dmat responses import reads
    for row in answer_rows(round_):
        values = [value if value != "" else None for value in row]
        answers.append(cells(answers, ANSWER_COLUMNS, values))
    scores = sheet_of("scores", XLSX_SCORE_COLUMNS)
    for row in xlsx_score_rows(round_, language):
        scores.append(cells(scores, XLSX_SCORE_COLUMNS, row))
    agreed = sheet_of("agreed", AGREED_COLUMNS)  # what dmat agreed import reads
    for row in agreed_rows(round_):
        agreed.append(cells(agreed, AGREED_COLUMNS, [value or None for value in row]))
    questions = sheet_of("questions", XLSX_QUESTION_COLUMNS)
    for row in xlsx_question_rows(round_, language):
        questions.append(cells(questions, XLSX_QUESTION_COLUMNS, row))
    if has_indicators(round_):
        indicators = sheet_of("indicators", EXPORT_COLUMNS)
        for row in indicator_rows(round_):
            indicators.append(cells(indicators, EXPORT_COLUMNS, row))
    plans = sheet_of("plans", PLAN_EXPORT_COLUMNS)  # the cities' plans (assessment/plan)
    for row in plan_export_rows(round_):
        plans.append(cells(plans, PLAN_EXPORT_COLUMNS, row))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _json(round_: Round, scores: list[dict], cohort: dict) -> str:
    from ..plan.overview import plans_overview  # the plan's own rows

    document = {
        "round": round_.name,
        "questionnaire": round_.questionnaire.label,
        "scores": scores,
        "cohort": cohort,
        "answers": [_json_row(ANSWER_COLUMNS, row) for row in answer_rows(round_)],
        "agreed": [_json_row(AGREED_COLUMNS, row) for row in agreed_rows(round_)],
        "plans": [row.as_json() for row in plans_overview(round_)],
    }
    if has_indicators(round_):
        document["indicators"] = indicators_json(round_)
    return json.dumps(document, ensure_ascii=False, indent=1)


def _json_row(columns: tuple[str, ...], row: tuple[str, ...]) -> dict:
    """An answer or agreed answer as JSON: empty texts as null, the evidence as a list."""
    document = {name: value or None for name, value in zip(columns, row, strict=True)}
    document["answer"] = row[columns.index("answer")]
    document["evidence"] = list(links_of(document["evidence"]))
    return document
