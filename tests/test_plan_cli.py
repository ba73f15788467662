"""``dmat targets import`` and ``dmat plan`` through the installed console script: rule 10 on
targets met, missed past their due date, open, and without a later round, and the plan of a city
without any."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import create_engine, select

from assessment.models import Action, City

from .conftest import bundled_definition
from .test_console_script import Console, database  # noqa: F401  (the fixture, used below)

BASELINE = "Базова 2020"
FOLLOW_UP = "Последваща 2022"
LEVELS = {  # city -> its one respondent's level in each round (5 levels: 1 = 0, 3 = 50, 4 = 75)
    BASELINE: {"София": 3, "Θεσσαλονίκη": 2, "Пловдив": 3},
    FOLLOW_UP: {"София": 4, "Θεσσαλονίκη": 2},
}
HOSTILE = '<script>alert("x")</script> =1+1'


def answers(levels: dict[str, int]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["city", "respondent", "question", "answer"])
    for city, level in levels.items():
        for question in bundled_definition().questions:
            writer.writerow([city, f"lead@{len(city)}.example", question.key, level])
    return out.getvalue()


@pytest.fixture(scope="module")
def console(database, tmp_path_factory) -> Console:  # noqa: F811
    console = Console(database, tmp_path_factory.mktemp("plan-console"))
    console.ok("init")
    for name, country in (("София", "BG"), ("Θεσσαλονίκη", "GR"), ("Пловдив", "BG"),
                          ("Αθήνα", "GR")):  # fmt: skip
        console.ok("city", "add", name, "--country", country)
    for round_name in (BASELINE, FOLLOW_UP):
        console.ok(
            "round", "create", "--name", round_name, "--questionnaire", "city-digital-maturity:1"
        )
        file = console.file(f"{len(round_name)}.csv", answers(LEVELS[round_name]))
        console.ok("responses", "import", "--round", round_name, file)
    return console


def plans(console: Console, *args: str) -> list[dict]:
    return json.loads(console.ok("plan", "--format", "json", *args))


def test_a_bad_file_is_refused_line_by_line_and_nothing_is_stored(console):
    bad = console.file(
        "bad-targets.csv",
        "city,key,target,due\n"
        "Загора,vision,60,2024-06-30\n"
        "софия,vision_strategy,60,2024-06-30\n"
        "софия,data,=1+1,2024-06-30\n"
        "софия,data,123456789012345678901,2024-06-30\n"
        "софия,systems,101,2024-06-30\n"
        "софия,governance,60,2024-02-30\n"
        "софия,governance,60,30.06.2024\n"
        "αθήνα,vision,60,2024-06-30\n"
        "софия,vision,60,2024-06-30\n"
        "СОФИЯ,vision,70,2024-06-30\n",
    )
    done = console.run("targets", "import", "--round", BASELINE, bad)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    question = bundled_definition().questions[0].key
    assert question == "vision_strategy"
    assert done.stderr.splitlines() == [
        f"{bad}:2: unknown city 'Загора' (add it with dmat city add)",
        f"{bad}:3: 'vision_strategy' is not an area or indicator key of city-digital-maturity:1"
        " (a question: set question targets on the results page)",
        f"{bad}:4: the target '=1+1' is not a number",
        f"{bad}:5: the target '123456789012345678901' is not a number",
        f"{bad}:6: the target 101 is not a score from 0 to 100",
        f"{bad}:7: the due date '2024-02-30' is not a day of the calendar",
        f"{bad}:8: the due date '30.06.2024' is not a date written YYYY-MM-DD",
        f"{bad}:9: Αθήνα has no assessment in '{BASELINE}', so it cannot be the baseline of"
        " its targets",
        f"{bad}:11: a second target of София for vision (first on line 10)",
        f"Error: {bad}: 9 problems; nothing was imported",
    ]
    assert all(plan["targets"] == [] for plan in plans(console))


def test_plan_follows_rule_10(console):
    good = console.file(
        "targets.csv",
        "city,key,target,due\n"
        "софия,vision,70,2099-12-31\n"  # 50 -> 75: met
        "θεσσαλονίκη,data,40,2021-06-30\n"  # 25 -> 25, due passed: missed
        "ΘΕΣΣΑΛΟΝΊΚΗ,vision,\"40,5\",2099-01-01\n"  # 25 -> 25: open (a decimal comma)
        "пловдив,systems,60,2099-01-01\n",  # 50, no later round: open, gap from the baseline
    )
    assert console.ok("targets", "import", "--round", BASELINE, good) == (
        f"Imported 4 targets for 3 cities on '{BASELINE}': 4 new, 0 replaced.\n"
    )
    found = {plan["city"]: plan for plan in plans(console)}
    assert list(found) == sorted(found)  # by city name
    assert found["Αθήνα"] == {"city": "Αθήνα", "targets": [], "actions": [], "indicators": []}
    (sofia,) = found["София"]["targets"]
    assert sofia == {
        "key": "vision", "kind": "area", "target": 70.0, "due": "2099-12-31",
        "baseline": {"round": BASELINE, "value": 50.0},
        "latest": {"round": FOLLOW_UP, "value": 75.0}, "gap": -5.0, "status": "met",
    }  # fmt: skip
    data, vision = found["Θεσσαλονίκη"]["targets"]
    assert (data["key"], data["latest"], data["gap"], data["status"]) == (
        "data", {"round": FOLLOW_UP, "value": 25.0}, 15.0, "missed"
    )
    assert (vision["target"], vision["gap"], vision["status"]) == (40.5, 15.5, "open")
    (plovdiv,) = found["Пловдив"]["targets"]
    assert plovdiv["baseline"] == {"round": BASELINE, "value": 50.0}
    assert (plovdiv["latest"], plovdiv["gap"], plovdiv["status"]) == (None, 10.0, "open")
    # importing again replaces the targets rather than adding to them
    assert console.ok("targets", "import", "--round", BASELINE, good).endswith(
        ": 0 new, 4 replaced.\n"
    )
    (only,) = plans(console, "--city", "софия")
    assert only["city"] == "София" and len(only["targets"]) == 1


def test_actions_are_listed_with_their_owner_and_overdue_and_hostile_text_stays_text(console):
    engine = create_engine(console.url)
    with engine.begin() as connection:
        city_id = connection.execute(select(City.id).where(City.name == "Пловдив")).scalar_one()
        now = datetime.now(UTC)
        for title, status, due, owner in (
            (HOSTILE, "in_progress", date(2020, 1, 31), HOSTILE),
            ("Отворени данни", "done", date(2020, 1, 31), "Ελένη Παπαδοπούλου"),
            ("Портал за услуги", "planned", date(2099, 3, 31), None),
        ):
            connection.execute(
                Action.__table__.insert().values(
                    city_id=city_id, title=title, status=status, due_on=due, owner_name=owner,
                    areas=["data"], questions=["data_governance"], created_at=now,
                    updated_at=now,
                )
            )  # fmt: skip
    engine.dispose()
    (plovdiv,) = plans(console, "--city", "ПЛОВДИВ")
    assert [(a["title"], a["status"], a["overdue"], a["owner"]) for a in plovdiv["actions"]] == [
        (HOSTILE, "in_progress", True, HOSTILE),  # same due date: by title
        ("Отворени данни", "done", False, "Ελένη Παπαδοπούλου"),
        ("Портал за услуги", "planned", False, None),
    ]
    assert plovdiv["actions"][0]["due"] == "2020-01-31"
    assert plovdiv["actions"][0]["areas"] == ["data"]
    assert plovdiv["actions"][0]["questions"] == ["data_governance"]
    text = console.ok("plan", "--city", "Пловдив", "--format", "csv")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:4] == ["city", "record", "kind", "key"]
    hostile = next(row for row in rows if row[4].startswith("<"))
    assert hostile[4] == HOSTILE and hostile[13] == "yes" and hostile[14] == HOSTILE
    target = next(row for row in rows if row[1] == "target")
    assert target[3] == "systems" and target[12] == "open" and float(target[11]) == 10.0


def test_bad_names_are_refused(console):
    assert console.refused("plan", "--city", "Загора") == "no city named 'Загора'"
    assert console.refused("targets", "import", "--round", "Няма", "x.csv").startswith(
        "no round named 'Няма'"
    )
    empty = console.file("empty.csv", "city,key,target,due\n")
    assert console.refused("targets", "import", "--round", BASELINE, empty) == (
        f"{empty}: no targets to import"
    )


def test_rounds_follow_their_opening_dates_not_their_creation(console):
    """Rule 10: rounds are ordered by their opening date. "Късна" is created first but opens
    last, so it is the later round of a target set on "Ранна", and nothing is later than it."""
    late, early = "Късна", "Ранна"
    for name, opens in ((late, "2031-03-01"), (early, "2030-03-01")):
        console.ok(
            "round", "create", "--name", name, "--questionnaire", "city-digital-maturity:1",
            "--opens", opens,
        )  # fmt: skip
    levels = {late: 4, early: 2}  # 75 in the later round, 25 in the earlier one
    for name, level in levels.items():
        athens = answers({"Αθήνα": level}).replace("lead@5.example", "ομάδα@athens.example")
        file = console.file(f"athens-{level}.csv", athens)
        console.ok("responses", "import", "--round", name, file)
    for name in (early, late):
        targets = console.file(f"targets-{len(name)}-{name[0]}.csv", "city,key,target,due\n"
                               "αθήνα,vision,60,2099-12-31\n")  # fmt: skip
        console.ok("targets", "import", "--round", name, targets)
    (athens,) = plans(console, "--city", "Αθήνα")
    by_baseline = {target["baseline"]["round"]: target for target in athens["targets"]}
    assert by_baseline[early]["latest"] == {"round": late, "value": 75.0}
    assert by_baseline[early]["status"] == "met"
    assert by_baseline[late]["latest"] is None  # "Ранна" was created later but opened earlier
    assert by_baseline[late]["status"] == "open" and by_baseline[late]["gap"] == -15.0
