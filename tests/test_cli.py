"""The dmat command: happy paths, and bad input that must give a clear error and change nothing."""

from __future__ import annotations

import csv
import json
import textwrap

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from assessment.extensions import db
from assessment.models import Answer, City, Questionnaire, Round, User

from .conftest import CONFORMANCE


def counts() -> tuple[int, ...]:
    return tuple(
        db.session.scalar(select(func.count()).select_from(model))
        for model in (City, User, Questionnaire, Round, Answer)
    )


@pytest.fixture
def programme(dmat):
    """The conformance questionnaire, two cities and an open round."""
    assert dmat("questionnaire", "import", str(CONFORMANCE / "questionnaire.yaml")).exit_code == 0
    assert dmat("city", "add", "Aarhus", "--country", "dk").exit_code == 0
    assert dmat("city", "add", "Bergen", "--country", "NO").exit_code == 0
    result = dmat("round", "create", "--name", "R1", "--questionnaire", "conformance-example:1")
    assert result.exit_code == 0, result.output


def write(tmp_path, name: str, text: str, encoding: str = "utf-8"):
    path = tmp_path / name
    path.write_bytes(textwrap.dedent(text).encode(encoding))
    return str(path)


def assert_clean_error(result, *fragments: str) -> None:
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    for fragment in fragments:
        assert fragment in result.output, result.output


def test_city_add_normalises_country(programme):
    assert db.session.scalar(select(City.country).where(City.name == "Aarhus")) == "DK"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("city", "add", "Aarhus", "--country", "DK"), "already exists"),
        (("city", "add", "Oslo", "--country", "Norway"), "two-letter"),
        (("city", "add", "   ", "--country", "NO"), "must not be empty"),
        (
            ("round", "create", "--name", "R1", "--questionnaire", "conformance-example:1"),
            "already exists",
        ),
        (("round", "create", "--name", "R2", "--questionnaire", "nope:1"), "no questionnaire"),
        (("round", "create", "--name", "R2", "--questionnaire", "bad label"), "KEY:VERSION"),
        (("scores", "--round", "R9"), "no round named 'R9' (known rounds: R1)"),
        (("scores", "--round", "R1", "--city", "Atlantis"), "no city named 'Atlantis'"),
        (("scores", "--round", "R1", "--city", "Aarhus"), "has no assessment"),
        (("responses", "import", "--round", "R1", "/nonexistent.csv"), "no such file"),
        (("responses", "import", "--round", "R9", "/nonexistent.csv"), "no round named"),
        (("questionnaire", "validate", "/nonexistent.yaml"), "no such file"),
        (
            (
                "user",
                "create",
                "--email",
                "x@y.example",
                "--role",
                "leader",
                "--password",
                "p" * 12,
            ),
            "give --city",
        ),
        (
            (
                "user",
                "create",
                "--email",
                "x@y.example",
                "--role",
                "admin",
                "--city",
                "Aarhus",
                "--password",
                "p" * 12,
            ),
            "do not give a city",
        ),
        (
            (
                "user",
                "create",
                "--email",
                "not-an-email",
                "--role",
                "admin",
                "--password",
                "p" * 12,
            ),
            "not an e-mail address",
        ),
        (
            ("user", "create", "--email", "x@y.example", "--role", "admin", "--password", "short"),
            "at least 10 characters",
        ),
    ],
)
def test_bad_input_is_one_clear_line_and_changes_nothing(programme, dmat, args, message):
    before = counts()
    result = dmat(*args)
    assert_clean_error(result, message)
    assert result.output.strip().count("\n") == 0, result.output
    assert counts() == before


def test_responses_import_reports_every_bad_row_and_stores_nothing(programme, dmat, tmp_path):
    file = write(
        tmp_path,
        "bad.csv",
        """\
        city,respondent,question,answer,comment
        Aarhus,a@aarhus.example,a_plan,3,fine
        Atlantis,b@x.example,a_plan,3,
        Aarhus,a@aarhus.example,a_nope,3,
        Aarhus,a@aarhus.example,a_budget,6,
        Aarhus,a@aarhus.example,a_review,not_applicable,
        Aarhus,not-an-email,a_plan,1,
        Aarhus,a@aarhus.example,a_plan,2,
        Bergen,a@aarhus.example,b_skills,2,
        """,
    )
    before = counts()
    result = dmat("responses", "import", "--round", "R1", file)
    assert_clean_error(
        result,
        "bad.csv:3: unknown city 'Atlantis'",
        "bad.csv:4: question 'a_nope' is not in conformance-example:1",
        "bad.csv:5: answer '6' to a_budget must be a level 1..5, dont_know",
        "bad.csv:6: question a_review does not allow not_applicable",
        "bad.csv:7: respondent 'not-an-email' is not an e-mail address",
        "bad.csv:8: a second answer of a@aarhus.example to a_plan (first on line 2)",
        "bad.csv:9: a@aarhus.example belongs to another city than Bergen",
        "7 problems; nothing was imported",
    )
    assert counts() == before


@pytest.mark.parametrize(
    ("content", "encoding", "message"),
    [
        (
            "city,respondent,question,answer\nCórdoba,a@b.example,a_plan,1\n",
            "latin-1",
            "bad.csv:2: not UTF-8",
        ),
        ("town,who,what\n", "utf-8", "bad.csv:1: the header must be"),
        (
            "city,respondent,question,answer\nAarhus,a@b.example\n",
            "utf-8",
            "bad.csv:2: expected 4 fields",
        ),
        (
            'city,respondent,question,answer\nAarhus,"a@b.example,a_plan,1\n',
            "utf-8",
            "malformed CSV",
        ),
        ("", "utf-8", "the file is empty"),
        ("city,respondent,question,answer\n", "utf-8", "no answers to import"),
        ("city,respondent,question,answer\nAarhus,a@b.example,a_plan,1\x00\n", "utf-8", "NUL"),
    ],
)
def test_broken_csv_files(programme, dmat, tmp_path, content, encoding, message):
    path = tmp_path / "bad.csv"
    path.write_bytes(content.encode(encoding))
    before = counts()
    assert_clean_error(dmat("responses", "import", "--round", "R1", str(path)), message)
    assert counts() == before


def test_import_creates_respondents_then_replaces_answers(programme, dmat, tmp_path):
    first = write(
        tmp_path,
        "one.csv",
        """\
        city,respondent,question,answer
        Aarhus,Ann@Aarhus.example,a_plan,1
        Aarhus,ann@aarhus.example,b_hiring,not_applicable
        """,
    )
    result = dmat("responses", "import", "--round", "R1", first)
    assert result.exit_code == 0, result.output
    assert "2 new, 0 replaced; 1 new respondent." in result.output
    second = write(
        tmp_path, "two.csv", "city,respondent,question,answer\naarhus,ann@aarhus.example,a_plan,5\n"
    )
    result = dmat("responses", "import", "--round", "R1", second)
    assert "0 new, 1 replaced; 0 new respondents." in result.output
    ann = db.session.scalar(select(User).where(User.email == "ann@aarhus.example"))
    assert ann.role == "respondent" and ann.city.name == "Aarhus" and ann.password_hash is None
    scores = json.loads(dmat("scores", "--round", "R1").output)
    assert scores[0]["city"] == "Aarhus" and scores[0]["respondents"] == 1


def test_xlsx_import_matches_csv_import(programme, dmat, tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["city", "respondent", "question", "answer", "comment"])
    sheet.append(["Aarhus", "ann@aarhus.example", "a_plan", 4, "from a spreadsheet"])
    sheet.append(["Aarhus", "ann@aarhus.example", "a_budget", 2.0, None])
    sheet.append(["Aarhus", "bo@aarhus.example", "a_plan", "dont_know", None])
    path = tmp_path / "answers.xlsx"
    workbook.save(path)
    result = dmat("responses", "import", "--round", "R1", str(path))
    assert result.exit_code == 0, result.output
    (aarhus,) = json.loads(dmat("scores", "--round", "R1", "--city", "Aarhus").output)
    assert aarhus["respondents"] == 2
    stored = db.session.scalars(select(Answer.level).order_by(Answer.id)).all()
    assert stored == [4, 2, None]


def test_malformed_xlsx(programme, dmat, tmp_path):
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    assert_clean_error(
        dmat("responses", "import", "--round", "R1", str(path)), "not a readable XLSX workbook"
    )


def test_questionnaire_validate_lists_every_problem(dmat, tmp_path):
    file = write(
        tmp_path,
        "q.yaml",
        """\
        key: Bad Key
        version: 0
        languages: [en]
        title: {en: T}
        areas: []
        """,
    )
    result = dmat("questionnaire", "validate", file)
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.startswith(file)]
    assert len(lines) == 3, result.output
    assert "Traceback" not in result.output


def test_questionnaire_import_is_idempotent_and_versions_are_immutable(dmat, tmp_path):
    source = (CONFORMANCE / "questionnaire.yaml").read_text(encoding="utf-8")
    assert dmat("questionnaire", "import", str(CONFORMANCE / "questionnaire.yaml")).exit_code == 0
    again = dmat("questionnaire", "import", str(CONFORMANCE / "questionnaire.yaml"))
    assert again.exit_code == 0 and "unchanged" in again.output
    changed = write(tmp_path, "changed.yaml", source.replace("Is there a plan?", "A plan?"))
    assert_clean_error(dmat("questionnaire", "import", changed), "needs a new version number")


def test_other_questionnaire_imports_and_scores(dmat, tmp_path):
    """Other area keys, level counts, weights and allow_na than the bundled questionnaire."""
    file = write(
        tmp_path,
        "other.yaml",
        """\
        key: smart-port
        version: 3
        languages: [en]
        title: Smart port
        areas:
          - key: berths
            title: Berths
            weight: 2
            questions:
              - {key: sensors, text: "Sensors?", allow_na: true, levels: [none, some, all]}
              - {key: booking, text: "Booking?", weight: 3, levels: [paper, email, web, api]}
          - key: cargo
            title: Cargo
            questions:
              - {key: tracking, text: "Tracking?", levels: [no, yes]}
        """,
    )
    assert dmat("questionnaire", "validate", file).exit_code == 0
    assert dmat("questionnaire", "import", file).exit_code == 0
    assert dmat("city", "add", "Rotterdam", "--country", "NL").exit_code == 0
    assert dmat("round", "create", "--name", "P1", "--questionnaire", "smart-port:3").exit_code == 0
    answers = write(
        tmp_path,
        "a.csv",
        """\
        city,respondent,question,answer
        Rotterdam,a@r.example,sensors,not_applicable
        Rotterdam,a@r.example,booking,3
        Rotterdam,a@r.example,tracking,2
        Rotterdam,b@r.example,sensors,not_applicable
        Rotterdam,b@r.example,booking,4
        Rotterdam,b@r.example,tracking,1
        """,
    )
    assert dmat("responses", "import", "--round", "P1", answers).exit_code == 0
    (rotterdam,) = json.loads(dmat("scores", "--round", "P1").output)
    berths = rotterdam["areas"]["berths"]
    assert berths["score"] == pytest.approx((200 / 3 + 100) / 2)  # sensors not applicable
    assert berths["completeness"] == 1.0
    assert rotterdam["areas"]["cargo"]["score"] == 50.0
    assert rotterdam["overall"] == pytest.approx((berths["score"] * 2 + 50.0) / 3)
    assert berths["agreement"] == pytest.approx(100 / 6)


def test_scores_csv_format(programme, dmat, tmp_path):
    with open(CONFORMANCE / "answers.csv", newline="", encoding="utf-8") as source:
        rows = [r for r in csv.reader(source) if r[0] in ("city", "Aarhus", "Bergen")]
    subset = tmp_path / "subset.csv"
    with open(subset, "w", newline="", encoding="utf-8") as target:
        csv.writer(target).writerows(rows)
    assert dmat("responses", "import", "--round", "R1", str(subset)).exit_code == 0
    lines = dmat("scores", "--round", "R1", "--format", "csv").output.splitlines()
    assert lines[0] == "city,round,respondents,area,score,stage,completeness,agreement"
    assert lines[1].startswith("Aarhus,R1,1,alpha,100.0,5,1.0,")
    assert any(line.startswith("Bergen,R1,2,overall,57.33333333333333") for line in lines)


def test_user_create_with_password_prompt(programme, dmat):
    result = dmat(
        "user",
        "create",
        "--email",
        "Lead@Aarhus.example",
        "--role",
        "leader",
        "--city",
        "aarhus",
        input="a long password\na long password\n",
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "lead@aarhus.example"))
    assert user.check_password("a long password") and user.city.name == "Aarhus"


def test_commands_on_an_uninitialised_database_say_so(tmp_path, other_app):
    _, run = other_app(f"sqlite:///{tmp_path / 'empty.sqlite'}")
    assert_clean_error(run("scores", "--round", "R1"), "run 'dmat init' first")


@pytest.mark.parametrize("version", ["99999999999999999999", "2147483648", "9999999999"])
def test_a_questionnaire_version_no_integer_can_hold_is_not_found(dmat, version):
    result = dmat(
        "round", "create", "--name", "R", "--questionnaire", f"city-digital-maturity:{version}"
    )
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "no questionnaire" in result.output or "KEY:VERSION" in result.output
