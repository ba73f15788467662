"""The worked examples of ../shared/conformance, through the real import and the real command."""

from __future__ import annotations

import json
import math

import pytest

from assessment.lookups import round_named
from assessment.results import cohort_json, progress_json, round_scores

from .conftest import CONFORMANCE

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
    expected = json.loads((CONFORMANCE / "expected-scores.json").read_text())
    assert_same(json.loads(result.output), expected)


def test_single_city_scores(conformance_rounds, dmat):
    result = dmat("scores", "--round", "example-1", "--city", "cork")
    expected = [
        c
        for c in json.loads((CONFORMANCE / "expected-scores.json").read_text())
        if c["city"] == "Cork"
    ]
    assert_same(json.loads(result.output), expected)


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
