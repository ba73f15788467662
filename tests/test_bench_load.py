"""The workshop load benchmark (bench/load.py with locust): what it reads in the pages, how it
checks the stored answers and its percentiles, and a short run of the whole scenario."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from bench.load import check_saves, percentile
from bench.pages import Page
from tests.conftest import login
from tests.survey_support import autosave, stored_answers

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def team(make_city, make_user, make_round):
    city = make_city("София", "BG")
    round_ = make_round("2024 работилница")
    member = make_user("мария@sofia.example", "respondent", city)
    return {"city": city, "round": round_, "member": member}


def test_the_benchmark_reads_the_pages_as_the_browser_does(client, team):
    """The login form's token, the way from the survey index to an area page, and what
    autosave.js takes from that page: the token, the address, the questions, their choices and
    comments. An autosave with what was read is stored."""
    round_ = team["round"]
    login_page = Page(client.get("/login").get_data(as_text=True))
    assert login_page.csrf_field
    assert login(client, "мария@sofia.example").status_code == 302

    index = Page(client.get("/survey/").get_data(as_text=True))
    assert index.hrefs("/survey/", "primary") == [f"/survey/{round_.id}/"]
    overview = Page(client.get(f"/survey/{round_.id}/").get_data(as_text=True))
    areas = [area.key for area in round_.questionnaire.areas]
    prefix = f"/survey/{round_.id}/areas/"
    assert overview.hrefs(prefix) == [prefix + key for key in areas]
    assert overview.hrefs(prefix, "primary") == [prefix + areas[0]]

    area = round_.questionnaire.areas[1]
    page = Page(client.get(prefix + area.key).get_data(as_text=True))
    assert page.csrf_meta
    assert page.autosave_url == f"/survey/{round_.id}/answer"
    assert list(page.questions) == [question.id for question in area.questions]
    for question in area.questions:
        expected = [str(n) for n in range(1, len(question.levels) + 1)] + ["dont_know"]
        if question.allow_na:
            expected.append("not_applicable")
        assert page.questions[question.id] == expected
    first = area.questions[0]
    reply = autosave(client, round_.id, page.csrf_meta, first.id, "2", "Σχόλιο <δοκιμή> & 1")
    assert reply.json["ok"]
    again = Page(client.get(prefix + area.key).get_data(as_text=True))
    assert again.comments[first.id] == "Σχόλιο <δοκιμή> & 1"  # the box's text, unescaped
    assert again.comments[area.questions[1].id] == ""
    assert stored_answers(team["member"], round_)[first.key] == ("level", 2, "Σχόλιο <δοκιμή> & 1")


def test_every_acknowledged_answer_must_be_the_stored_one():
    stored = {
        ("мария@sofia.example", 1): 3,
        ("мария@sofia.example", 2): "dont_know",
        ("γιώργος@athens.example", 1): 5,
        ("γιώργος@athens.example", 2): 1,
    }
    saves = [
        ["мария@sofia.example", 1, 3, []],  # stored as acknowledged
        ["мария@sofia.example", 2, "dont_know", []],
        ["γιώργος@athens.example", 1, 4, [5]],  # a later save got no reply: it may have landed
        ["γιώργος@athens.example", 2, 2, []],  # acknowledged 2, stored 1: lost
        ["γιώργος@athens.example", 3, 1, []],  # acknowledged, not stored at all: lost
        ["мария@sofia.example", 3, None, [4]],  # never acknowledged: not checked
    ]
    check = check_saves(saves, stored)
    assert check.acknowledged == 5
    assert check.unknown == 2
    assert check.lost == [
        ("γιώργος@athens.example", 2, 2, 1),
        ("γιώργος@athens.example", 3, 1, None),
    ]
    assert check_saves(saves[:3], stored).lost == []


def test_percentiles_follow_locusts_definition():
    """bench/load.py computes percentiles from locust's histogram as locust does (it cannot
    import locust, which patches the standard library for gevent): compared with locust's own
    function, in a process of its own, on random histograms."""
    rng = random.Random(7)
    cases = []
    for _ in range(30):
        times = {rng.choice(range(1, 400)): rng.randint(1, 9) for _ in range(rng.randint(1, 40))}
        cases.append((times, sum(times.values()), rng.choice((0.5, 0.95, 0.99))))
    code = (
        "import json, sys\n"
        "from locust.stats import calculate_response_time_percentile as p\n"
        "cases = json.load(sys.stdin)\n"
        "print(json.dumps([p({int(k): v for k, v in t.items()}, n, s) for t, n, s in cases]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        input=json.dumps(cases),
        capture_output=True,
        text=True,
        check=True,
    )
    theirs = json.loads(done.stdout)
    ours = [percentile({float(k): v for k, v in t.items()}, n, s) for t, n, s in cases]
    assert ours == theirs
    assert percentile({}, 0, 0.95) is None


@pytest.mark.slow
@pytest.mark.skipif(
    not os.environ.get("DMAT_TEST_DATABASE_URL", "").startswith("postgresql"),
    reason="the workshop scenario runs on PostgreSQL: in the PostgreSQL pass only",
)
def test_a_short_workshop_run_passes(tmp_path):
    """The whole scenario, shortened: 4 respondents and 2 coordinators, 6 s measured, on a
    throw-away PostgreSQL server and gunicorn; the latency target is loose, since this checks
    the scenario, not the machine."""
    done = subprocess.run(
        [
            sys.executable, "-m", "bench.load",
            "--respondents", "4", "--coordinators", "2", "--ramp", "2", "--seconds", "6",
            "--think", "0.3,1", "--dashboard-every", "1,3", "--cities", "2", "--team", "3",
            "--p95-target", "5000", "--output", str(tmp_path),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    lines = done.stdout.splitlines()
    verdicts = [line for line in lines if line.startswith(("PASS", "FAIL"))]
    assert len(verdicts) == 4 and all(line.startswith("PASS") for line in verdicts), verdicts
    record = json.loads((tmp_path / "saves.json").read_text())
    acknowledged = [save for save in record["saves"] if save[2] is not None]
    assert len(acknowledged) >= 4
    assert {save[0] for save in record["saves"]} <= {
        f"member{n}@{city}.example" for n in (1, 2) for city in ("amsterdam", "athens")
    }
    stats = json.loads((tmp_path / "locust.json").read_text())
    names = {entry["name"] for entry in stats}
    assert {"login (ramp-up)", "autosave", "dashboard"} <= names
