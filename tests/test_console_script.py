"""The ``dmat`` command as a user types it: the installed console script, in a subprocess.

Every command of the README's table runs through ``.venv/bin/dmat`` on a database of its own for
this module (a SQLite file, or the suite's PostgreSQL database, emptied first and given back to
the suite as it found it), with no app context but the one the command makes for itself. A
command succeeds with exit status 0, says what it did and prints nothing on stderr; bad input is
one line ``Error: ...`` on stderr (or one line per problem of a file), a non-zero exit status and
never a traceback.

Each run costs about a second of start-up, so the checks are grouped: the module runs about 45
commands.
"""

from __future__ import annotations

import csv
import io
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import click
import pytest
from flask_migrate import upgrade
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select

from assessment.cli import cli
from assessment.extensions import db
from assessment.models import User
from questionnaires import BUNDLED_QUESTIONNAIRE

from .conftest import CONFORMANCE, bundled_definition, drop_everything
from .test_samm import write_samm

DMAT = Path(sys.executable).with_name("dmat")
ROUND = "Кръг 2026"
AREAS = ("vision", "governance", "systems", "user_centric", "data")
#: Who answers what, as the import names them: the cities typed in another case than stored.
RESPONDENTS = (
    ("софия", "мария@sofia.example", 3),  # level 3 of 5: 50 points
    ("софия", "георги@sofia.example", 5),  # 100 points
    ("ΘΕΣΣΑΛΟΝΊΚΗ", "ελένη@thessaloniki.example", 1),  # 0 points
    ("ΘΕΣΣΑΛΟΝΊΚΗ", "νίκος@thessaloniki.example", 2),  # 25 points
)

#: The commands of this project in the ``dmat`` group (Flask's and the extensions' are theirs),
#: each checked below. A new command fails ``test_every_command_is_run_here`` until it is.
COMMANDS = {
    "agreed import",
    "backup",
    "city add",
    "demo",
    "export",
    "indicators import",
    "init",
    "questionnaire from-samm",
    "plan",
    "questionnaire import",
    "questionnaire translations export",
    "questionnaire translations import",
    "questionnaire validate",
    "report",
    "reports",
    "responses import",
    "restore",
    "round create",
    "scores",
    "targets import",
    "token create",
    "user create",
}


@dataclass
class Console:
    """Runs ``dmat`` in a subprocess against one database, in a folder of its own."""

    url: str
    folder: Path

    def env(self, **settings: str) -> dict[str, str]:
        inherited = {k: v for k, v in os.environ.items() if k != "DMAT_SECRET_KEY"}
        return {
            **inherited,
            "DMAT_ENV": "development",
            "DMAT_DATABASE_URL": self.url,
            "DMAT_REPORT_CACHE_DIR": str(self.folder / "report-cache"),
            **settings,
        }

    def run(self, *args: str, input: str | None = None, **settings: str):
        if not DMAT.exists():
            pytest.fail(f"{DMAT}: the console script is not installed (run scripts/install)")
        return subprocess.run(
            [str(DMAT), *args],
            input=input,
            capture_output=True,
            encoding="utf-8",
            env=self.env(**settings),
            cwd=self.folder,
            timeout=300,
            check=False,
        )

    def ok(self, *args: str, input: str | None = None) -> str:
        """The output of a command that must succeed, cleanly."""
        done = self.run(*args, input=input)
        assert done.returncode == 0, f"dmat {' '.join(args)}: {done.stderr}{done.stdout}"
        assert done.stderr == "", f"dmat {' '.join(args)} wrote on stderr: {done.stderr}"
        return done.stdout

    def refused(self, *args: str, input: str | None = None, **settings: str) -> str:
        """The one error line of a command that must fail, without a traceback."""
        done = self.run(*args, input=input, **settings)
        return refusal(done, args)

    def file(self, name: str, text: str) -> str:
        path = self.folder / name
        path.write_text(text, encoding="utf-8")
        return str(path)


def refusal(done: subprocess.CompletedProcess, args) -> str:
    command = f"dmat {' '.join(args)}"
    assert done.returncode != 0, f"{command} succeeded: {done.stdout}"
    assert "Traceback" not in done.stderr + done.stdout, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, f"{command}: not one line: {done.stderr}"
    assert lines[0].startswith("Error: "), lines[0]
    return lines[0].removeprefix("Error: ")


@pytest.fixture(scope="module")
def database(request, tmp_path_factory) -> Iterator[str]:
    """A database nobody has used: a new SQLite file, or the suite's PostgreSQL emptied."""
    shared = os.environ.get("DMAT_TEST_DATABASE_URL")
    if not shared:
        yield f"sqlite:///{tmp_path_factory.mktemp('console-db') / 'dmat.sqlite'}"
        return
    suite_app = request.getfixturevalue("_app")
    with suite_app.app_context():
        drop_everything()  # no tables at all: dmat init builds them as it would for a user
    yield shared
    with suite_app.app_context():  # the empty schema at head, as the rest of the suite expects
        db.session.remove()
        drop_everything()
        upgrade(directory=suite_app.extensions["migrate"].directory)


@pytest.fixture(scope="module")
def console(database, tmp_path_factory) -> Console:
    """The programme the commands below work on, built with the commands themselves."""
    console = Console(database, tmp_path_factory.mktemp("console"))
    assert console.ok("init") == (
        "Database ready; questionnaires city-digital-maturity:1 imported,"
        " city-digital-maturity:2 imported.\n"
    )
    demo = console.ok("demo", "--cities", "3", "--respondents", "2")
    assert demo.startswith("Demo data ready.\nLog in with any of these")
    assert "coordinator@dmat.example" in demo and "admin@dmat.example" in demo
    assert console.ok("city", "add", "София", "--country", "bg") == "City София (BG) added.\n"
    assert console.ok("city", "add", "Θεσσαλονίκη", "--country", "GR") == (
        "City Θεσσαλονίκη (GR) added.\n"
    )
    created = console.ok(
        "round", "create", "--name", ROUND, "--questionnaire", "city-digital-maturity:1"
    )
    assert created == f"Round '{ROUND}' created with city-digital-maturity:1; it is open.\n"
    answers = console.file("answers.csv", answers_csv())
    imported = console.ok("responses", "import", "--round", ROUND, answers)
    assert imported == (
        f"Imported 120 answers for 2 cities into '{ROUND}': 120 new, 0 replaced;"
        " 4 new respondents.\n"
    )
    return console


def answers_csv() -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["city", "respondent", "question", "answer", "comment"])
    for city, email, level in RESPONDENTS:
        for question in bundled_definition().questions:
            writer.writerow([city, email, question.key, level, f"ниво {level}, λόγος"])
    return out.getvalue()


def scores_of(console: Console, *args: str) -> list[dict]:
    return json.loads(console.ok("scores", "--round", ROUND, *args))


def test_every_command_is_run_here():
    def leaves(group: click.Group, prefix: str = "") -> Iterator[tuple[str, click.Command]]:
        for name, command in group.commands.items():
            if isinstance(command, click.Group):
                yield from leaves(command, f"{prefix}{name} ")
            else:
                yield f"{prefix}{name}", command

    ours = {
        path
        for path, command in leaves(cli)
        if command.callback.__module__.startswith(("assessment.", "reports.", "questionnaires."))
    }
    assert ours == COMMANDS


def test_questionnaire_from_samm(console):
    model = write_samm(console.folder / "samm-model")
    output = console.folder / "samm.yaml"
    written = console.ok("questionnaire", "from-samm", str(model), "-o", str(output))
    assert written == (
        f"Wrote {output}: questionnaire owasp-samm:1, 2 areas, 4 questions, 3 answer sets.\n"
    )
    assert console.ok("questionnaire", "import", str(output)) == (
        "Questionnaire owasp-samm:1 imported.\n"
    )
    broken = console.run("questionnaire", "from-samm", str(console.folder), "-o", str(output))
    assert broken.returncode == 1 and "Traceback" not in broken.stderr
    assert f"{console.folder}/answer_sets: missing folder of the SAMM model" in broken.stderr


def test_questionnaire_translations_export_and_import(console):
    from openpyxl import load_workbook

    sheet = console.folder / "el.xlsx"
    written = console.ok(
        "questionnaire",
        "translations",
        "export",
        "city-digital-maturity:1",
        "--lang",
        "el",
        "-o",
        str(sheet),
    )
    assert written.startswith(f"Wrote {sheet}: ") and written.endswith(" to translate into el.\n")
    workbook = load_workbook(sheet)
    rows = list(workbook["texts"].iter_rows(min_row=2))
    for number, (_key, _english, greek) in enumerate(rows, 1):
        greek.value = f"Κείμενο {number}"
    workbook.save(sheet)
    done = console.ok("questionnaire", "translations", "import", str(sheet))
    assert done.startswith(f"Questionnaire city-digital-maturity:1: {len(rows)} texts in el;")
    missing = console.run("questionnaire", "translations", "import", str(console.folder))
    assert missing.returncode == 1 and "Traceback" not in missing.stderr
    assert "is a directory" in missing.stderr


def test_init_and_demo_again_change_nothing(console):
    assert console.ok("init") == (
        "Database ready; questionnaires city-digital-maturity:1 already present,"
        " city-digital-maturity:2 already present.\n"
    )
    again = console.ok("demo", "--cities", "3", "--respondents", "2")
    assert again.startswith("The demo data is already loaded; nothing was changed.")


def test_init_stores_the_scores_of_assessments_submitted_without_them(console):
    """A database from before scores were stored with a submitted assessment: dmat init stores
    them, once."""
    from sqlalchemy import create_engine, text

    engine = create_engine(console.url)
    try:
        with engine.begin() as connection:
            kept = connection.execute(
                text("SELECT id, stored_scores FROM assessment WHERE stored_scores IS NOT NULL")
            ).all()
            assert kept
            connection.execute(text("UPDATE assessment SET stored_scores = NULL"))
        assert console.ok("init").endswith(
            f"\nStored the scores of {len(kept)} submitted assessments.\n"
        )
        assert "Stored" not in console.ok("init")
        with engine.connect() as connection:
            again = connection.execute(
                text("SELECT id, stored_scores FROM assessment WHERE stored_scores IS NOT NULL")
            ).all()
        assert sorted(map(tuple, again)) == sorted(map(tuple, kept))
    finally:
        engine.dispose()


def test_questionnaire_validate_and_import(console):
    valid = console.ok("questionnaire", "validate", str(BUNDLED_QUESTIONNAIRE))
    assert valid == (
        f"{BUNDLED_QUESTIONNAIRE}: valid questionnaire city-digital-maturity:1, 5 areas,"
        " 30 questions, languages en, bg\n"
    )
    broken = console.file(
        "broken.yaml", "key: Bad Key\nversion: 0\nlanguages: [en]\ntitle: {en: T}\nareas: []\n"
    )
    done = console.run("questionnaire", "validate", broken)
    assert done.returncode == 1 and done.stdout == ""
    assert "Traceback" not in done.stderr
    problems = [line for line in done.stderr.splitlines() if line.startswith(f"{broken}:")]
    assert [line.split(":")[1] for line in problems] == ["1", "2", "5"], done.stderr
    conformance = str(CONFORMANCE / "questionnaire.yaml")
    assert console.ok("questionnaire", "import", conformance) == (
        "Questionnaire conformance-example:1 imported.\n"
    )
    assert console.ok("questionnaire", "import", conformance) == (
        "Questionnaire conformance-example:1 already stored, unchanged.\n"
    )


def test_city_names_are_the_same_in_any_case(console):
    assert console.refused("city", "add", "софия", "--country", "BG") == (
        "a city named 'София' already exists"
    )
    assert console.refused("city", "add", "ΘΕΣΣΑΛΟΝΊΚΗ", "--country", "GR") == (
        "a city named 'Θεσσαλονίκη' already exists"
    )
    (thessaloniki,) = scores_of(console, "--city", "ΘΕΣΣΑΛΟΝΊΚΗ")
    assert thessaloniki["city"] == "Θεσσαλονίκη" and thessaloniki["respondents"] == 2
    assert thessaloniki["overall"] == 12.5 and thessaloniki["stage"] == 1


def test_scores_as_json_and_csv(console):
    rows = scores_of(console)
    assert [row["city"] for row in rows] == ["Θεσσαλονίκη", "София"]
    sofia = rows[1]
    assert (sofia["round"], sofia["respondents"], sofia["overall"], sofia["stage"]) == (
        ROUND,
        2,
        75.0,
        4,
    )
    data = sofia["areas"]["data"]
    assert [data[k] for k in ("score", "stage", "completeness", "agreement")] == [75.0, 4, 1, 25]
    lines = console.ok("scores", "--round", ROUND, "--city", "СОФИЯ", "--format", "csv")
    lines = lines.splitlines()
    assert lines[0] == "city,round,respondents,area,score,stage,completeness,agreement"
    assert lines[1:] == [f"София,{ROUND},2,{area},75.0,4,1.0,25.0" for area in AREAS] + [
        f"София,{ROUND},2,overall,75.0,4,,"
    ]
    assert console.refused("scores", "--round", "2021") == (
        f"no round named '2021' (known rounds: 2020 baseline, 2022 follow-up, {ROUND})"
    )


def pdf(path: Path) -> tuple[PdfReader, str]:
    reader = PdfReader(path)
    return reader, " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def test_report_in_english_and_bulgarian(console):
    english, bulgarian = console.folder / "sofia-en.pdf", console.folder / "sofia-bg.pdf"
    out = console.ok("report", "--round", ROUND, "--city", "софия", "-o", str(english))
    assert out.startswith(f"Wrote {english} (") and out.endswith(" s).\n")
    console.ok("report", "--round", ROUND, "--city", "СОФИЯ", "--lang", "bg", "-o", str(bulgarian))
    reader, text = pdf(english)
    assert reader.metadata.title == f"Digital maturity report: София, {ROUND}"
    assert reader.trailer["/Root"]["/Lang"] == "en"
    assert "75.0" in text and "4 · Managed" in text
    reader, text = pdf(bulgarian)
    assert reader.metadata.title == f"Доклад за цифровата зрялост: София, {ROUND}"
    assert reader.trailer["/Root"]["/Lang"] == "bg"
    assert "75,0" in text and "4 · Управляван" in text
    assert console.refused(
        "report", "--round", ROUND, "--city", "Атлантида", "-o", str(english)
    ) == ("no city named 'Атлантида'")
    assert console.refused("report", "--round", ROUND, "-o", str(english)) == (
        "give either --city NAME or --cohort"
    )


def test_reports_of_every_city(console):
    folder = console.folder / "reports"
    out = console.ok("reports", "--round", ROUND, "-o", str(folder), "--lang", "bg")
    assert f"2 of 2 reports written to {folder} in " in out
    titles = sorted(PdfReader(file).metadata.title for file in folder.glob("*.pdf"))
    assert titles == [
        f"Доклад за цифровата зрялост: {city}, {ROUND}" for city in ("Θεσσαλονίκη", "София")
    ]
    not_a_folder = str(console.folder / "answers.csv")
    assert console.refused("reports", "--round", ROUND, "-o", not_a_folder) == (
        f"{not_a_folder}: is a file, not a folder"
    )


def test_export_in_every_format_and_its_answers_import_again(console):
    folder = console.folder
    out = console.ok("export", "--round", ROUND, "--format", "csv", "-o", str(folder / "r.zip"))
    assert out.startswith(f"Exported '{ROUND}' as csv to {folder / 'r.zip'} (")
    with zipfile.ZipFile(folder / "r.zip") as archive:
        assert sorted(archive.namelist()) == [
            "agreed.csv",
            "answers.csv",
            "plans.csv",
            "scores.csv",
        ]
        answers = archive.read("answers.csv").decode("utf-8")
        scores = list(csv.DictReader(io.StringIO(archive.read("scores.csv").decode("utf-8"))))
    assert len(answers.splitlines()) == 121 and "мария@sofia.example" in answers
    overall = {row["city"]: row["score"] for row in scores if row["area"] == "overall"}
    assert overall == {"Θεσσαλονίκη": "12.5", "София": "75.0"}
    console.ok("export", "--round", ROUND, "--format", "xlsx", "-o", str(folder / "r.xlsx"))
    workbook = load_workbook(folder / "r.xlsx")
    assert workbook.sheetnames == ["answers", "scores", "agreed", "questions", "plans"]
    assert workbook["answers"].max_row == 121
    console.ok("export", "--round", ROUND, "--format", "json", "-o", str(folder / "r.json"))
    exported = json.loads((folder / "r.json").read_text(encoding="utf-8"))
    assert exported["round"] == ROUND and len(exported["answers"]) == 120
    assert [row["city"] for row in exported["scores"]] == ["Θεσσαλονίκη", "София"]
    (folder / "answers-again.csv").write_text(answers, encoding="utf-8")
    again = console.ok("responses", "import", "--round", ROUND, str(folder / "answers-again.csv"))
    assert "120 answers for 2 cities" in again and "0 new, 120 replaced; 0 new respondents" in again
    assert console.refused("export", "--round", "2021", "--format", "json", "-o", "x.json") == (
        f"no round named '2021' (known rounds: 2020 baseline, 2022 follow-up, {ROUND})"
    )
    assert not (folder / "x.json").exists()


def test_bad_responses_file_is_one_line_per_problem_and_stores_nothing(console):
    file = console.file(
        "bad.csv",
        "city,respondent,question,answer\n"
        "софия,мария@sofia.example,vision_strategy,1\n"
        "Атлантида,x@atlantis.example,vision_strategy,3\n"
        "ΘΕΣΣΑΛΟΝΊΚΗ,ελένη@thessaloniki.example,vision_strategy,9\n",
    )
    done = console.run("responses", "import", "--round", ROUND, file)
    assert done.returncode == 1 and done.stdout == "" and "Traceback" not in done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 3, done.stderr
    assert lines[0].startswith(f"{file}:3: unknown city 'Атлантида'")
    assert lines[1].startswith(f"{file}:4: answer '9' to vision_strategy must be a level 1..5")
    assert lines[2] == f"Error: {file}: 2 problems; nothing was imported"
    assert scores_of(console, "--city", "софия")[0]["overall"] == 75.0  # line 2 not stored


def test_user_create_with_an_invitation_and_with_a_piped_password(console, other_app):
    out = console.ok(
        "user", "create", "--email", "Лидер@Sofia.example", "--role", "leader", "--city", "СОФИЯ",
        "--invite",
    )  # fmt: skip
    created, days, link = out.splitlines()
    assert created == "User лидер@sofia.example (leader of София) created."
    assert days == "Invitation link (works once, for 14 days):"
    assert link.startswith("http://127.0.0.1:5000/invitation/")
    out = console.ok(
        "user", "create", "--email", "δήμητρα@thessaloniki.example", "--role", "respondent",
        "--city", "θεσσαλονίκη", input="a long Greek password\n",
    )  # fmt: skip
    assert out == "User δήμητρα@thessaloniki.example (respondent of Θεσσαλονίκη) created.\n"
    app, _ = other_app(console.url)
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "δήμητρα@thessaloniki.example"))
        assert user.check_password("a long Greek password")
        assert user.city.name == "Θεσσαλονίκη"
        db.session.remove()
    assert console.refused(
        "user", "create", "--email", "x@atlantis.example", "--role", "leader",
        "--city", "Атлантида", "--invite",
    ) == "no city named 'Атлантида'"  # fmt: skip
    assert console.refused(
        "user", "create", "--email", "z@sofia.example", "--role", "respondent", "--city", "софия",
        input="",
    ) == "no password given: type it at a terminal, pipe it in, or give --invite"  # fmt: skip


def test_token_create_gives_a_working_api_token(console, other_app):
    token = console.ok("token", "create", "--email", "coordinator@dmat.example", "--name", "cron")
    token = token.strip()
    app, _ = other_app(console.url)
    with app.app_context():
        reply = app.test_client().get(
            "/api/v1/rounds", headers={"Authorization": f"Bearer {token}"}
        )
        db.session.remove()
    assert reply.status_code == 200, reply.get_data(as_text=True)
    assert ROUND in [round_["name"] for round_ in reply.get_json()]
    assert console.refused("token", "create", "--email", "nobody@x.example", "--name", "x") == (
        "no user with e-mail nobody@x.example"
    )


def test_backup_and_restore_into_an_empty_database(console, empty_database_url):
    archive = console.folder / "dmat-backup.zip"
    out = console.ok("backup", str(archive))
    assert out.startswith(f"Backup written to {archive}: ") and out.endswith(" tables.\n")
    assert console.refused("restore", str(archive)).startswith("the database is not empty")
    restored = Console(empty_database_url, console.folder)
    out = restored.ok("restore", str(archive))
    assert out.startswith("Restored ") and out.endswith(f" tables from {archive}.\n")
    assert scores_of(restored) == scores_of(console)
    assert restored.refused("restore", str(console.folder / "answers.csv")) == (
        f"{console.folder / 'answers.csv'}: not a dmat backup (not a zip archive)"
    )


def test_bad_configuration_is_one_line(console, tmp_path):
    assert console.refused("scores", "--round", ROUND, DMAT_ENV="production") == (
        "DMAT_SECRET_KEY must be set when DMAT_ENV=production"
    )
    assert console.refused("scores", "--round", ROUND, DMAT_DATABASE_URL="nonsense://x").startswith(
        "DMAT_DATABASE_URL is not a database URL dmat can use"
    )
    empty = f"sqlite:///{tmp_path / 'empty.sqlite'}"
    assert console.refused("token", "create", "--email", "a@b.example", "--name", "x",
                           DMAT_DATABASE_URL=empty).endswith("run 'dmat init' first")  # fmt: skip


def test_run_serves_the_app(console):
    with socket.socket() as probe:  # a free port, for the development server
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [str(DMAT), "run", "--port", str(port)],
        env=console.env(),
        cwd=console.folder,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        encoding="utf-8",
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=5) as reply:
                    assert reply.status == 200
                    break
            except OSError:
                assert server.poll() is None, server.stderr.read()
                assert time.monotonic() < deadline, "dmat run did not answer within 60 s"
                time.sleep(0.2)
    finally:
        server.terminate()
        _, errors = server.communicate(timeout=30)
    assert "Traceback" not in errors


def test_agreed_import_names_cities_in_any_case(console):
    area = bundled_definition().areas[0]
    question = area.questions[0]
    bad = console.file(
        "agreed-bad.csv",
        f"city,question,answer,rationale\nθεσσαλονίκη,{question.key},9,πολύ\n",
    )
    done = console.run("agreed", "import", "--round", ROUND, bad)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr.splitlines() == [
        f"{bad}:2: “9” is not a level of question {question.key}: choose a level from 1 to 5,"
        " “don't know”.",
        f"Error: {bad}: 1 problem; nothing was imported",
    ]
    (before,) = scores_of(console, "--city", "Θεσσαλονίκη")
    assert all(area["agreed"] == 0 for area in before["areas"].values())
    good = console.file(
        "agreed.csv",
        f"city,question,answer,rationale\nθεσσαλονίκη,{question.key},3,«συμφωνήσαμε»\n",
    )
    assert console.ok("agreed", "import", "--round", ROUND, good) == (
        f"Imported 1 agreed answer for 1 city into '{ROUND}': 1 new, 0 replaced.\n"
    )
    (after,) = scores_of(console, "--city", "ΘΕΣΣΑΛΟΝΊΚΗ")
    agreed = {key: area["agreed"] for key, area in after["areas"].items()}
    assert sum(agreed.values()) == 1 and agreed[area.key] == 1


def test_indicators_import_checks_every_line_first(console):
    follow = "Кръг 2027"
    assert (
        console.ok(
            "round", "create", "--name", follow, "--questionnaire", "city-digital-maturity:2"
        )
        == f"Round '{follow}' created with city-digital-maturity:2; it is open.\n"
    )
    answers = console.file("answers-2027.csv", answers_csv())
    console.ok("responses", "import", "--round", follow, answers)
    bad = console.file(
        "indicators-bad.csv",
        "city,indicator,value,source,as_of\n"
        "софия,services_online,45,Каталог,2026-06-30\n"
        "софия,services_online_x,45,,\n"
        "θεσσαλονίκη,open_datasets,3.5,,\n"
        "θεσσαλονίκη,building_permit_days,40,,2026-02-31\n",
    )
    done = console.run("indicators", "import", "--round", follow, bad)
    assert done.returncode == 1 and done.stdout == "" and "Traceback" not in done.stderr
    problems = done.stderr.splitlines()
    assert [line.split(": ")[0] for line in problems[:-1]] == [f"{bad}:3", f"{bad}:4", f"{bad}:5"]
    assert problems[-1] == f"Error: {bad}: 3 problems; nothing was imported"
    good = console.file(
        "indicators.csv",
        "city,indicator,value,source\nсофия,services_online,45,=1+1\nθεσσαλονίκη,open_datasets,12,\n",
    )
    assert console.ok("indicators", "import", "--round", follow, good) == (
        f"Imported 2 indicator values for 2 cities into '{follow}': 2 new, 0 replaced.\n"
    )


def test_round_create_with_dates_and_cities(console):
    """Kept last: it adds rounds, which other tests' round lists do not expect."""
    name = "Кръг 2099"
    args = ("round", "create", "--name", name, "--questionnaire", "city-digital-maturity:1")
    assert console.refused(*args, "--opens", "2099-02-30") == (
        "--opens '2099-02-30' is not a date written YYYY-MM-DD"
    )
    assert console.refused(*args, "--closes", "=1+1") == (
        "--closes '=1+1' is not a date written YYYY-MM-DD"
    )
    assert console.refused(*args, "--opens", "2099-06-01", "--closes", "2099-05-31") == (
        "closing date 2099-05-31 is before the opening date 2099-06-01"
    )
    assert console.refused(*args, "--city", "софия", "--city", "Атлантида") == (
        "no city named 'Атлантида'"
    )
    assert console.refused("scores", "--round", name).startswith(f"no round named '{name}'")
    created = console.ok(
        *args,
        "--opens",
        "2099-03-01",
        "--closes",
        "2099-06-30",
        "--city",
        "софия",
        "--city",
        "ΘΕΣΣΑΛΟΝΊΚΗ",
        "--city",
        "София",
    )
    assert created == (
        f"Round '{name}' created with city-digital-maturity:1; it opens on 2099-03-01;"
        " 2 cities take part.\n"
    )
    past = console.ok(
        "round",
        "create",
        "--name",
        "Παλιός",
        "--questionnaire",
        "city-digital-maturity:1",
        "--opens",
        "2001-01-01",
        "--closes",
        "2001-12-31",
    )
    assert past.endswith("; it is closed (it closed on 2001-12-31).\n")
