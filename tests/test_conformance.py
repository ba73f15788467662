"""The worked examples of ../shared/conformance, through the real import and the real command."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

from assessment.lookups import round_named
from assessment.results import cohort_json, progress_json, round_scores

from .conftest import CONFORMANCE

AGREED = CONFORMANCE / "agreed.csv"
DMAT = Path(sys.executable).parent / "dmat"

CITIES = {
    "Aarhus": "DK",
    "Bergen": "NO",
    "Cork": "IE",
    "Dresden": "DE",
    "Espoo": "FI",
    "Faro": "PT",
    "Graz": "AT",
    "Hamar": "NO",
}


def assert_same(got, expected, path="$"):
    """Scores to within 1e-9; stages, counts, keys and nulls exactly."""
    if isinstance(expected, dict):
        assert isinstance(got, dict) and set(got) == set(expected), path
        for key in expected:
            assert_same(got[key], expected[key], f"{path}.{key}")
    elif isinstance(expected, list):
        assert isinstance(got, list) and len(got) == len(expected), path
        for index, (g, e) in enumerate(zip(got, expected, strict=True)):
            assert_same(g, e, f"{path}[{index}]")
    elif isinstance(expected, float):
        assert isinstance(got, float) and math.isclose(got, expected, rel_tol=0, abs_tol=1e-9), (
            f"{path}: {got!r} != {expected!r}"
        )
    else:
        assert type(got) is type(expected) and got == expected, f"{path}: {got!r} != {expected!r}"


def expected_scores(name: str = "expected-scores.json") -> list[dict]:
    """A worked example of ``dmat scores``; one without agreed answers (rule 9) gets
    ``"agreed": 0`` in every area, which the command must then print."""
    expected = json.loads((CONFORMANCE / name).read_text())
    for city in expected:
        for area in city["areas"].values():
            area.setdefault("agreed", 0)
    return expected


@pytest.fixture
def conformance_rounds(dmat):
    assert dmat("questionnaire", "import", str(CONFORMANCE / "questionnaire.yaml")).exit_code == 0
    for city, country in CITIES.items():
        assert dmat("city", "add", city, "--country", country).exit_code == 0
    for name, file in (("example-1", "answers.csv"), ("example-2", "answers-round2.csv")):
        assert (
            dmat(
                "round", "create", "--name", name, "--questionnaire", "conformance-example:1"
            ).exit_code
            == 0
        )
        result = dmat("responses", "import", "--round", name, str(CONFORMANCE / file))
        assert result.exit_code == 0, result.output


def test_scores_command_matches_expected_scores(conformance_rounds, dmat):
    result = dmat("scores", "--round", "example-1", "--format", "json")
    assert result.exit_code == 0, result.output
    assert_same(json.loads(result.output), expected_scores())


def test_single_city_scores(conformance_rounds, dmat):
    result = dmat("scores", "--round", "example-1", "--city", "cork")
    expected = [c for c in expected_scores() if c["city"] == "Cork"]
    assert_same(json.loads(result.output), expected)


def test_scores_with_agreed_answers_match_expected(conformance_rounds):
    """``dmat agreed import`` through the installed console script, then ``dmat scores``."""
    imported = installed_dmat("agreed", "import", "--round", "example-1", str(AGREED))
    assert imported.returncode == 0, imported.stderr
    assert "Imported 10 agreed answers for 5 cities" in imported.stdout
    scored = installed_dmat("scores", "--round", "example-1", "--format", "json")
    assert scored.returncode == 0, scored.stderr
    expected = json.loads((CONFORMANCE / "expected-scores-agreed.json").read_text())
    assert_same(json.loads(scored.stdout), expected)


def test_agreed_answers_change_progress_and_cohort_too(conformance_rounds, dmat):
    before = {row["city"]: row for row in progress_json(*rounds())}
    assert dmat("agreed", "import", "--round", "example-1", str(AGREED)).exit_code == 0
    after = {row["city"]: row for row in progress_json(*rounds())}
    agreed = {
        c["city"]: c for c in json.loads((CONFORMANCE / "expected-scores-agreed.json").read_text())
    }
    second = {s.city.name: s.result for s in round_scores(round_named("example-2"))}
    for city in ("Bergen", "Dresden"):
        for key, change in after[city]["areas"].items():
            first = agreed[city]["areas"][key]["score"]
            later = second[city].areas[key].score
            want = None if first is None or later is None else later - first
            assert (change is None) == (want is None) and (
                want is None or math.isclose(change, want, abs_tol=1e-9)
            ), (city, key)
    assert before["Dresden"]["overall"] is None and after["Dresden"]["overall"] is not None
    cohort = cohort_json([s.result for s in round_scores(round_named("example-1"))], ["alpha"])
    alphas = [c["areas"]["alpha"]["score"] for c in agreed.values()]
    assert cohort["alpha"]["n"] == sum(a is not None for a in alphas)
    assert cohort["alpha"]["max"] == max(a for a in alphas if a is not None)


def test_cohort_statistics_match_expected(conformance_rounds):
    round_ = round_named("example-1")
    results = [s.result for s in round_scores(round_)]
    got = cohort_json(results, ["alpha", "beta", "gamma"])
    assert_same(got, json.loads((CONFORMANCE / "expected-cohort.json").read_text()))


def test_progress_matches_expected(conformance_rounds):
    rows = progress_json(round_named("example-1"), round_named("example-2"))
    for row in rows:
        row.pop("questions")  # the worked example covers overall and areas
    assert_same(rows, json.loads((CONFORMANCE / "expected-progress.json").read_text()))


def test_comment_with_comma_quotes_and_line_break_is_stored_intact(conformance_rounds):
    from sqlalchemy import select

    from assessment.extensions import db
    from assessment.models import Answer

    comments = db.session.scalars(select(Answer.comment).where(Answer.comment.is_not(None)))
    assert 'Plan "2030" exists, but\nnot adopted yet' in list(comments)


def rounds():
    return round_named("example-1"), round_named("example-2")


def installed_dmat(*args: str) -> subprocess.CompletedProcess:
    """The installed ``dmat`` console script on the suite's database, as a user runs it."""
    from flask import current_app

    env = {
        **os.environ,
        "DMAT_DATABASE_URL": current_app.config["SQLALCHEMY_DATABASE_URI"],
        "DMAT_SECRET_KEY": "conformance-test-secret",
        "DMAT_LOG_LEVEL": "WARNING",
    }
    return subprocess.run(
        [str(DMAT), *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )
