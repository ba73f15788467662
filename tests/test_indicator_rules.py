"""Rule 11 (indicator progress, trend, cohort) and the one check of an indicator value."""

from __future__ import annotations

import math
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assessment import scoring
from assessment.indicators.values import (
    UNIT_RANGES,
    IndicatorValueError,
    check_as_of,
    check_indicator_entry,
    check_source,
    check_value,
)
from assessment.scoring import IndicatorPoint as Point

finite = st.floats(min_value=-1e9, max_value=1e9, allow_nan=False)


@given(finite, finite)
def test_the_trend_follows_the_direction(before, after):
    change, trend = scoring.indicator_progress(before, after, "higher")
    assert change == after - before
    lower_change, lower_trend = scoring.indicator_progress(before, after, "lower")
    assert lower_change == change
    if change == 0:
        assert trend == lower_trend == "unchanged"
    else:
        assert {trend, lower_trend} == {"improved", "worsened"}
        assert (trend == "improved") == (after > before)


@given(st.none() | finite, st.none() | finite)
def test_without_both_values_there_is_no_change(before, after):
    change, trend = scoring.indicator_progress(before, after, "lower")
    assert (change is None) == (before is None or after is None)
    assert (trend is None) == (change is None)


def test_lower_is_better_for_permit_days():
    assert scoring.indicator_progress(90.0, 60.0, "lower") == (-30.0, "improved")
    assert scoring.indicator_progress(60.0, 75.5, "lower") == (15.5, "worsened")
    assert scoring.indicator_progress(60.0, 60.0, "lower") == (0.0, "unchanged")


def test_the_summary_takes_the_latest_value_and_the_one_before_it():
    history = [
        Point("2020 baseline", 30.0, "каталог"),
        Point("2021 check", None),
        Point("2022 follow-up", 45.0, '=HYPERLINK("http://x")'),
        Point("2023 spring", None),
    ]
    assert scoring.indicator_summary("services_online", "higher", history) == {
        "key": "services_online",
        "round": "2022 follow-up",
        "value": 45.0,
        "previous": {"round": "2020 baseline", "value": 30.0},
        "change": 15.0,
        "trend": "improved",
        "source": '=HYPERLINK("http://x")',
    }


def test_a_value_only_in_the_new_round_has_no_previous_nor_trend():
    summary = scoring.indicator_summary(
        "permit_days", "lower", [Point("2020 baseline", None), Point("2022 follow-up", 80.0)]
    )
    assert summary["value"] == 80.0 and summary["round"] == "2022 follow-up"
    assert summary["previous"] is None and summary["change"] is None and summary["trend"] is None


def test_a_missing_new_value_reports_the_older_one_as_latest():
    summary = scoring.indicator_summary(
        "permit_days", "lower", [Point("2020 baseline", 95.0), Point("2022 follow-up", None)]
    )
    assert (summary["round"], summary["value"], summary["previous"]) == (
        "2020 baseline",
        95.0,
        None,
    )
    assert scoring.indicator_summary("x", "higher", [Point("2020", None)]) is None
    assert scoring.indicator_summary("x", "higher", []) is None


@given(st.lists(st.none() | finite, max_size=30))
def test_the_summary_matches_the_values_that_exist(values):
    history = [Point(f"round {i}", v) for i, v in enumerate(values)]
    summary = scoring.indicator_summary("k", "higher", history)
    present = [(p.round, p.value) for p in history if p.value is not None]
    if not present:
        assert summary is None
        return
    assert (summary["round"], summary["value"]) == present[-1]
    if len(present) == 1:
        assert summary["previous"] is None
    else:
        assert summary["previous"] == {"round": present[-2][0], "value": present[-2][1]}
        assert summary["change"] == present[-1][1] - present[-2][1]


def test_a_cohort_of_two_stays_hidden_from_cities():
    hidden = scoring.indicator_cohort([40.0, None, 55.0], minimum=3)
    assert hidden == {"n": 2, "min": None, "q1": None, "median": None, "q3": None, "max": None}
    # the coordinator's view (minimum 1) sees the same cities' figures
    assert scoring.indicator_cohort([40.0, None, 55.0], minimum=1) == {
        "n": 2, "min": 40.0, "q1": 43.75, "median": 47.5, "q3": 51.25, "max": 55.0
    }  # fmt: skip
    shown = scoring.indicator_cohort([40.0, 55.0, 70.0], minimum=3)
    assert shown == scoring.cohort_statistics([40.0, 55.0, 70.0]) and shown["median"] == 55.0


@given(st.lists(st.none() | finite, max_size=40), st.integers(1, 5))
def test_the_cohort_is_rule_7_over_the_cities_with_a_value(values, minimum):
    stats = scoring.indicator_cohort(values, minimum)
    present = [v for v in values if v is not None]
    assert stats["n"] == len(present)
    if len(present) >= minimum:
        assert stats == scoring.cohort_statistics(present)
    else:
        assert all(stats[k] is None for k in ("min", "q1", "median", "q3", "max"))


# -- the unit check --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("unit", "raw", "expected"),
    [
        ("percent", "0", 0.0),
        ("percent", "100", 100.0),
        ("percent", "45,5", 45.5),
        ("percent", " 12.25 ", 12.25),
        ("count", "37", 37.0),
        ("count", "12.0", 12.0),
        ("count", 12.0, 12.0),
        ("rating", "1", 1.0),
        ("rating", "4.2", 4.2),
        ("days", "0", 0.0),
        ("number", "-3.5", -3.5),
        ("eur", "1250000", 1250000.0),
        ("percent", "-0", 0.0),
    ],
)
def test_values_in_range_are_accepted(unit, raw, expected):
    value = check_value(raw, unit)
    assert value == expected and math.copysign(1, value) == math.copysign(1, expected)


@pytest.mark.parametrize(
    ("unit", "raw", "words"),
    [
        ("percent", "100.5", "outside the range 0 to 100"),
        ("percent", "-1", "outside the range 0 to 100"),
        ("count", "3.5", "not a whole number"),
        ("count", "-2", "outside the range"),
        ("rating", "0", "outside the range 1 to 5"),
        ("rating", "6", "outside the range 1 to 5"),
        ("days", "-1", "outside the range 0 to 100 000"),
        ("number", "nan", "is not a number"),
        ("number", "inf", "is not a number"),
        ("eur", "1e5", "is not a number"),
        ("eur", "12345678901234567890", "at most 15 digits"),
        ("eur", "1000000000001", "outside the range"),
        ("number", float("nan"), "not a finite number"),
        ("number", float("inf"), "not a finite number"),
        ("count", True, "is not a number"),
        ("percent", "=1+1", "is not a number"),
        ("percent", "<b>5</b>", "is not a number"),
        ("percent", "", "a value is needed"),
        ("count", "1,000", "is ambiguous: write 1000 for a whole number or 1.000 for a decimal"),
        ("percent", "٣", "is not a number"),
    ],
)
def test_values_outside_their_unit_are_refused_with_the_reason(unit, raw, words):
    with pytest.raises(IndicatorValueError) as refused:
        check_value(raw, unit)
    assert refused.value.field == "value"
    assert words in refused.value.message


@given(st.sampled_from(sorted(UNIT_RANGES)), st.floats(allow_nan=True, allow_infinity=True))
def test_a_value_is_accepted_exactly_when_it_is_in_its_units_range(unit, raw):
    low, high, whole = UNIT_RANGES[unit]
    ok = math.isfinite(raw) and low <= raw <= high and (not whole or raw.is_integer())
    try:
        assert check_value(raw, unit) == raw
        assert ok
    except IndicatorValueError:
        assert not ok


def test_sources_and_dates():
    assert check_source("  Portal   <script>x</script>\n =1+1 ") == "Portal <script>x</script> =1+1"
    assert check_source("   ") is None and check_source(None) is None
    with pytest.raises(IndicatorValueError, match="at most 500"):
        check_source("x" * 501)
    with pytest.raises(IndicatorValueError, match="control characters") as refused:
        check_source("a\x00b")
    assert refused.value.field == "source"
    assert check_as_of("2022-06-30") == date(2022, 6, 30)
    assert check_as_of("2022-06-30 00:00:00") == date(2022, 6, 30)  # an XLSX date cell
    assert check_as_of("") is None and check_as_of(None) is None
    for bad in ("2022-02-30", "30.06.2022", "2022-6-30", "1989-12-31", "99999-01-01"):
        with pytest.raises(IndicatorValueError) as refused:
            check_as_of(bad)
        assert refused.value.field == "as_of"
    tomorrow = date.today() + timedelta(days=1)
    with pytest.raises(IndicatorValueError, match="to today"):
        check_as_of(tomorrow.isoformat())


def test_the_entry_check_names_the_first_wrong_field():
    entry = check_indicator_entry("days", "42", "Регистър на разрешенията", "2022-05-01")
    assert (entry.value, entry.source, entry.as_of) == (
        42.0,
        "Регистър на разрешенията",
        date(2022, 5, 1),
    )
    with pytest.raises(IndicatorValueError) as refused:
        check_indicator_entry("days", "42", "ok", "yesterday")
    assert refused.value.field == "as_of"
