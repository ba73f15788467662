"""Exports carry the agreed answers (rationale, evidence and note) in their own file, sheet or
list, and the answers' evidence in the answers file: each imports again unchanged."""

from __future__ import annotations

import csv
import io
import json
import zipfile

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from assessment.extensions import db
from assessment.models import AgreedAnswer, Answer, Assessment, City, Question, Response, Round
from assessment.survey.agreed import record_agreed

from . import test_agreed

team = test_agreed.team  # the fixtures: Пловдив's team of three, and Αθήνα
english = test_agreed.english

HOSTILE_NOTE = '=HYPERLINK("https://evil.example")'


@pytest.fixture
def agreed_team(team):
    record_agreed(
        team["assessment"],
        team["q"]["vision_strategy"],
        "4",
        "=1+1 решено на семинара",
        None,
        "https://plovdiv.bg/r12\nhttps://data.plovdiv.bg/Стратегия?x=1&y=2",
        HOSTILE_NOTE,
    )
    record_agreed(team["assessment"], team["q"]["governance_procurement"], "not_applicable")
    answer = db.session.scalars(select(Answer).order_by(Answer.id)).first()
    answer.evidence = "https://a.example/1\nhttps://b.example/2"
    answer.evidence_note = "-Отчет"
    db.session.commit()
    return team


def agreed_of(round_name: str) -> list[tuple]:
    db.session.expire_all()
    return sorted(
        db.session.execute(
            select(
                City.name,
                Question.key,
                AgreedAnswer.kind,
                AgreedAnswer.level,
                AgreedAnswer.rationale,
                AgreedAnswer.evidence,
                AgreedAnswer.evidence_note,
            )
            .join(Assessment, AgreedAnswer.assessment_id == Assessment.id)
            .join(City, Assessment.city_id == City.id)
            .join(Round, Assessment.round_id == Round.id)
            .join(Question, AgreedAnswer.question_id == Question.id)
            .where(Round.name == round_name)
        ).all()
    )


def evidence_of(round_name: str) -> list[tuple]:
    db.session.expire_all()
    return sorted(
        db.session.execute(
            select(City.name, Question.key, Answer.evidence, Answer.evidence_note)
            .join(Response, Answer.response_id == Response.id)
            .join(Assessment, Response.assessment_id == Assessment.id)
            .join(City, Assessment.city_id == City.id)
            .join(Round, Assessment.round_id == Round.id)
            .join(Question, Answer.question_id == Question.id)
            .where(Round.name == round_name, Answer.evidence.is_not(None))
        ).all()
    )


def export(dmat, tmp_path, fmt: str):
    target = tmp_path / f"export.{fmt}"
    result = dmat("export", "--round", "2022 follow-up", "--format", fmt, "-o", str(target))
    assert result.exit_code == 0, result.output
    return target


def test_the_csv_export_has_an_agreed_file_that_imports_unchanged(
    agreed_team, dmat, make_round, tmp_path
):
    with zipfile.ZipFile(export(dmat, tmp_path, "csv")) as archive:
        agreed_csv = archive.read("agreed.csv")
        answers_csv = archive.read("answers.csv")
    rows = list(csv.reader(io.StringIO(agreed_csv.decode())))
    assert rows[0] == ["city", "question", "answer", "rationale", "evidence", "note"]
    assert rows[1] == [
        "Пловдив",
        "vision_strategy",
        "4",
        "'=1+1 решено на семинара",  # inert in a spreadsheet
        "https://plovdiv.bg/r12\nhttps://data.plovdiv.bg/Стратегия?x=1&y=2",
        "'" + HOSTILE_NOTE,
    ]
    assert rows[2] == ["Пловдив", "governance_procurement", "not_applicable", "", "", ""]
    answers = list(csv.DictReader(io.StringIO(answers_csv.decode())))
    assert {(a["evidence"], a["note"]) for a in answers} >= {
        ("https://a.example/1\nhttps://b.example/2", "'-Отчет")
    }

    make_round("copy")
    (tmp_path / "answers.csv").write_bytes(answers_csv)
    (tmp_path / "agreed.csv").write_bytes(agreed_csv)
    imported = dmat("responses", "import", "--round", "copy", str(tmp_path / "answers.csv"))
    assert imported.exit_code == 0, imported.output
    imported = dmat("agreed", "import", "--round", "copy", str(tmp_path / "agreed.csv"))
    assert imported.exit_code == 0, imported.output
    assert "Imported 2 agreed answers" in imported.output
    assert agreed_of("copy") == agreed_of("2022 follow-up")
    assert evidence_of("copy") == evidence_of("2022 follow-up") != []


def test_the_xlsx_export_has_an_agreed_sheet_that_imports_unchanged(
    agreed_team, dmat, make_round, tmp_path
):
    target = export(dmat, tmp_path, "xlsx")
    workbook = load_workbook(target)
    sheet = workbook["agreed"]
    assert [c.value for c in sheet[1]] == [
        "city",
        "question",
        "answer",
        "rationale",
        "evidence",
        "note",
    ]
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    workbook.close()
    make_round("copy")
    # the workbook as exported: responses import reads its first sheet, agreed import its
    # agreed sheet
    assert dmat("responses", "import", "--round", "copy", str(target)).exit_code == 0
    imported = dmat("agreed", "import", "--round", "copy", str(target))
    assert imported.exit_code == 0, imported.output
    assert agreed_of("copy") == agreed_of("2022 follow-up")
    assert evidence_of("copy") == evidence_of("2022 follow-up")


def test_the_json_export_lists_the_agreed_answers_with_evidence_as_lists(
    agreed_team, dmat, tmp_path
):
    document = json.loads(export(dmat, tmp_path, "json").read_text())
    assert document["agreed"] == [
        {
            "city": "Пловдив",
            "question": "vision_strategy",
            "answer": "4",
            "rationale": "=1+1 решено на семинара",
            "evidence": ["https://plovdiv.bg/r12", "https://data.plovdiv.bg/Стратегия?x=1&y=2"],
            "note": HOSTILE_NOTE,
        },
        {
            "city": "Пловдив",
            "question": "governance_procurement",
            "answer": "not_applicable",
            "rationale": None,
            "evidence": [],
            "note": None,
        },
    ]
    with_evidence = [a for a in document["answers"] if a["evidence"]]
    assert [(a["evidence"], a["note"]) for a in with_evidence] == [
        (["https://a.example/1", "https://b.example/2"], "-Отчет")
    ]
