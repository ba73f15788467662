"""Targets for success indicators through the installed console script: ``dmat targets import``
checks an indicator's target in its unit, and ``dmat plan`` gives indicator targets their gap and
status in the indicator's direction (rule 10) and lists the indicator values (rule 11)."""

from __future__ import annotations

import csv
import io
import json

import pytest

from .conftest import bundled_definition
from .test_console_script import Console, database  # noqa: F401  (the fixture, used below)

BASELINE = "Базова 2020"
FOLLOW_UP = "Последваща 2022"
CITIES = (("София", "BG"), ("Θεσσαλονίκη", "GR"), ("Пловдив", "BG"), ("Варна", "BG"))
VALUES = {  # round -> the indicator values imported for it
    BASELINE: (
        "софия,building_permit_days,40,Регистър на разрешенията\n"
        "софия,services_online,30,\n"
        "θεσσαλονίκη,building_permit_days,60,\n"
        "пловдив,services_online,20,\n"
    ),
    FOLLOW_UP: (
        "софия,building_permit_days,25,Регистър на разрешенията\n"
        "θεσσαλονίκη,building_permit_days,55,\n"
        "варна,open_datasets,12,Портал за отворени данни\n"
    ),
}


def answers() -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["city", "respondent", "question", "answer"])
    for number, (city, _country) in enumerate(CITIES):
        for question in bundled_definition().questions:
            writer.writerow([city, f"lead{number}@city.example", question.key, 3])
    return out.getvalue()


@pytest.fixture(scope="module")
def console(database, tmp_path_factory) -> Console:  # noqa: F811
    console = Console(database, tmp_path_factory.mktemp("indicator-targets"))
    console.ok("init")
    for name, country in CITIES:
        console.ok("city", "add", name, "--country", country)
    for number, round_name in enumerate((BASELINE, FOLLOW_UP)):
        console.ok(
            "round", "create", "--name", round_name, "--questionnaire", "city-digital-maturity:2"
        )
        console.ok("responses", "import", "--round", round_name, console.file(
            f"answers-{number}.csv", answers()
        ))  # fmt: skip
        values = console.file(
            f"values-{number}.csv", "city,indicator,value,source\n" + VALUES[round_name]
        )
        console.ok("indicators", "import", "--round", round_name, values)
    return console


def plans(console: Console, *args: str) -> dict[str, dict]:
    return {
        plan["city"]: plan
        for plan in json.loads(console.ok("plan", "--format", "json", *args))
    }


def test_a_target_outside_the_indicators_unit_is_refused_with_its_line(console):
    bad = console.file(
        "bad-indicator-targets.csv",
        "city,key,target,due\n"
        "софия,services_online,101,2099-12-31\n"  # percent: 0-100
        "софия,online_satisfaction,6,2099-12-31\n"  # rating: 1-5
        "софия,open_datasets,3.5,2099-12-31\n"  # count: whole
        "софия,open_datasets,-1,2099-12-31\n"
        "софия,building_permit_days,=1+1,2099-12-31\n"
        "софия,outage_hours,123456789012345678901,2099-12-31\n"
        "софия,digital_budget_share,NaN,2099-12-31\n"
        "софия,services_online_x,50,2099-12-31\n"
        "софия,eid_services,50,2099-12-31\n",  # a good line: not stored either
    )
    done = console.run("targets", "import", "--round", BASELINE, bad)
    assert done.returncode == 1 and done.stdout == "" and "Traceback" not in done.stderr
    lines = done.stderr.splitlines()
    assert lines[:4] == [
        f"{bad}:2: the target: 101 is outside the range 0 to 100",
        f"{bad}:3: the target: 6 is outside the range 1 to 5",
        f"{bad}:4: the target: '3.5' is not a whole number",
        f"{bad}:5: the target: -1 is outside the range 0 to 1 000 000 000",
    ]
    assert lines[4].startswith(f"{bad}:6: the target: '=1+1' is not a number")
    assert lines[5].startswith(f"{bad}:7: the target: '123456789012345678901' is not a number")
    assert lines[6].startswith(f"{bad}:8: the target: 'NaN' is not a number")
    assert lines[7] == (
        f"{bad}:9: 'services_online_x' is not an area or indicator key of"
        " city-digital-maturity:2"
    )
    assert lines[8] == f"Error: {bad}: 8 problems; nothing was imported"
    assert all(plan["targets"] == [] for plan in plans(console).values())


def test_indicator_targets_follow_rule_10_in_their_direction(console):
    good = console.file(
        "indicator-targets.csv",
        "city,key,target,due\n"
        "софия,building_permit_days,30,2099-12-31\n"  # lower: 40 -> 25 <= 30, met
        "софия,services_online,\"50,5\",2099-12-31\n"  # no later value: open, gap from 30
        "софия,vision,70,2099-12-31\n"  # an area target beside them
        "θεσσαλονίκη,building_permit_days,50,2021-06-30\n"  # lower: 60 -> 55, due passed
        "пловдив,services_online,40,2099-01-01\n"  # no later value: open
        "варна,open_datasets,20,2099-01-01\n",  # only a later value: open, gap from it
    )
    assert console.ok("targets", "import", "--round", BASELINE, good) == (
        f"Imported 6 targets for 4 cities on '{BASELINE}': 6 new, 0 replaced.\n"
    )
    found = plans(console)
    sofia = found["София"]["targets"]
    assert [(t["kind"], t["key"]) for t in sofia] == [
        ("area", "vision"), ("indicator", "building_permit_days"),
        ("indicator", "services_online"),
    ]  # fmt: skip
    assert sofia[1] == {
        "key": "building_permit_days", "kind": "indicator", "target": 30.0,
        "due": "2099-12-31", "baseline": {"round": BASELINE, "value": 40.0},
        "latest": {"round": FOLLOW_UP, "value": 25.0}, "gap": -5.0, "status": "met",
    }  # fmt: skip
    assert (sofia[2]["baseline"], sofia[2]["latest"], sofia[2]["gap"], sofia[2]["status"]) == (
        {"round": BASELINE, "value": 30.0}, None, 20.5, "open"
    )
    (thessaloniki,) = found["Θεσσαλονίκη"]["targets"]
    assert (thessaloniki["latest"], thessaloniki["gap"], thessaloniki["status"]) == (
        {"round": FOLLOW_UP, "value": 55.0}, 5.0, "missed"
    )
    (plovdiv,) = found["Пловдив"]["targets"]
    assert (plovdiv["latest"], plovdiv["gap"], plovdiv["status"]) == (None, 20.0, "open")
    (varna,) = found["Варна"]["targets"]
    assert varna["baseline"] == {"round": BASELINE, "value": None}
    assert (varna["latest"], varna["gap"], varna["status"]) == (
        {"round": FOLLOW_UP, "value": 12.0}, 8.0, "open"
    )


def test_plan_lists_each_citys_indicator_values_with_their_trend(console):
    found = plans(console)
    assert found["София"]["indicators"] == [
        {"key": "services_online", "round": BASELINE, "value": 30.0, "previous": None,
         "change": None, "trend": None, "source": None},
        {"key": "building_permit_days", "round": FOLLOW_UP, "value": 25.0,
         "previous": {"round": BASELINE, "value": 40.0}, "change": -15.0, "trend": "improved",
         "source": "Регистър на разрешенията"},
    ]  # fmt: skip
    (thessaloniki,) = found["Θεσσαλονίκη"]["indicators"]
    assert (thessaloniki["change"], thessaloniki["trend"]) == (-5.0, "improved")
    (varna,) = found["Варна"]["indicators"]
    assert (varna["round"], varna["previous"], varna["trend"]) == (FOLLOW_UP, None, None)
    rows = list(csv.reader(io.StringIO(console.ok("plan", "--city", "софия", "--format", "csv"))))
    header = rows[0]
    assert header[-3:] == ["change", "trend", "source"]
    by_record = {(row[1], row[3]): dict(zip(header, row, strict=True)) for row in rows[1:]}
    target = by_record[("target", "building_permit_days")]
    assert (target["kind"], target["gap"], target["status"]) == ("indicator", "-5.0", "met")
    line = by_record[("indicator", "building_permit_days")]
    assert (line["baseline_round"], line["baseline"], line["latest"], line["trend"]) == (
        BASELINE, "40.0", "25.0", "improved"
    )
    assert line["source"] == "Регистър на разрешенията"
