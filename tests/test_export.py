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
        assert sorted(archive.namelist()) == ["answers.csv", "scores.csv"]
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
    assert answers[0] == ["city", "respondent", "question", "answer", "comment"]
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
    assert workbook.sheetnames == ["answers", "scores"]
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
    assert document["questionnaire"] == "city-digital-maturity:1"
    assert document["scores"] == scores(dmat)
    assert set(document["cohort"]) == {
        "vision",
        "governance",
        "systems",
        "user_centric",
        "data",
        "overall",
    }
    assert set(document["answers"][0]) == {"city", "respondent", "question", "answer", "comment"}


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
    result = dmat("round", "create", "--name", "copy", "--questionnaire", "city-digital-maturity:1")
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
