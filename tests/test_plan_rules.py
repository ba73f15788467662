"""Rule 10 (targets) as a pure function: worked cases and properties over any figures."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assessment.scoring import suggested_area_target, target_progress

TODAY = date(2023, 6, 1)
figures = st.floats(min_value=-1e9, max_value=1e9, allow_nan=False)
maybe = st.none() | figures
days = st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1))
directions = st.sampled_from(["higher", "lower"])


def test_met_when_the_later_round_reaches_the_target():
    assert target_progress(60.0, 49.2, 61.5, date(2024, 6, 30), TODAY) == (-1.5, "met")
    assert target_progress(60.0, 49.2, 60.0, date(2020, 1, 1), TODAY) == (0.0, "met")


def test_missed_once_the_due_date_has_passed():
    assert target_progress(60.0, 49.2, 55.5, date(2023, 5, 31), TODAY) == (4.5, "missed")


def test_open_until_and_on_the_due_date():
    assert target_progress(60.0, 49.2, 55.5, TODAY, TODAY) == (4.5, "open")


def test_without_a_later_round_the_gap_is_from_the_baseline():
    assert target_progress(60.0, 49.0, None, date(2024, 1, 1), TODAY) == (11.0, "open")
    assert target_progress(60.0, 49.0, None, date(2022, 1, 1), TODAY) == (11.0, "missed")
    # a baseline that already reaches the target does not meet it: only a later round can
    assert target_progress(40.0, 49.0, None, date(2024, 1, 1), TODAY) == (-9.0, "open")
    assert target_progress(60.0, None, None, date(2024, 1, 1), TODAY) == (None, "open")


def test_an_indicator_whose_direction_is_lower():
    # days to issue a permit: from 30 down to 10; 12 in the later round
    assert target_progress(10.0, 30.0, 12.0, date(2024, 1, 1), TODAY, "lower") == (2.0, "open")
    assert target_progress(10.0, 30.0, 9.0, date(2020, 1, 1), TODAY, "lower") == (-1.0, "met")
    assert target_progress(10.0, 30.0, None, date(2020, 1, 1), TODAY, "lower") == (
        20.0,
        "missed",
    )


def test_an_unknown_direction_is_refused():
    with pytest.raises(ValueError, match="sideways"):
        target_progress(1.0, None, None, TODAY, TODAY, "sideways")  # type: ignore[arg-type]


@given(figures, maybe, maybe, days, days, directions)
def test_the_status_follows_the_rule(target, baseline, latest, due, today, direction):
    gap, status = target_progress(target, baseline, latest, due, today, direction)
    reached = latest is not None and (
        latest >= target if direction == "higher" else latest <= target
    )
    if reached:
        assert status == "met"
    elif due < today:
        assert status == "missed"
    else:
        assert status == "open"
    current = latest if latest is not None else baseline
    if current is None:
        assert gap is None
    else:
        sign = 1 if direction == "higher" else -1
        assert gap == pytest.approx(sign * (target - current))
        if latest is not None:  # met exactly when nothing is left to go
            assert (status == "met") == (gap <= 0)


@given(figures, maybe, figures, days, directions)
def test_a_later_due_date_never_turns_open_into_missed(target, baseline, latest, due, direction):
    early = target_progress(target, baseline, latest, due, due, direction).status
    later = target_progress(target, baseline, latest, due + timedelta(days=1), due, direction)
    assert early != "missed" and later.status == early


@pytest.mark.parametrize(
    ("score", "suggested"),
    [(None, None), (0.0, 20.0), (19.99, 20.0), (20.0, 40.0), (55.3, 60.0), (79.9, 80.0),
     (80.0, 100.0), (100.0, 100.0)],
)  # fmt: skip
def test_the_suggested_area_target_is_the_next_stage_boundary(score, suggested):
    assert suggested_area_target(score) == suggested


@given(st.floats(min_value=0, max_value=100))
def test_the_suggested_target_is_above_the_score_and_a_stage_boundary(score):
    suggested = suggested_area_target(score)
    assert suggested in (20.0, 40.0, 60.0, 80.0, 100.0)
    assert suggested > score or suggested == 100.0


@pytest.mark.parametrize(
    "raw",
    ["=1+1", "1e308", "NaN", "inf", "12345678901234567890", "60\x00", "<b>60</b>", "", "6O", "-1",
     "100.5"],
)  # fmt: skip
def test_an_area_target_is_a_plain_score_or_refused(raw):
    from assessment.models import TargetKind
    from assessment.plan.targets import parse_target_value

    with pytest.raises(ValueError):
        parse_target_value(raw, TargetKind.AREA)


@pytest.mark.parametrize(("raw", "value"), [("60", 60.0), (" 72.5 ", 72.5), ("72,5", 72.5),
                                            ("0", 0.0), ("100", 100.0)])  # fmt: skip
def test_an_area_target_as_typed(raw, value):
    from assessment.models import TargetKind
    from assessment.plan.targets import parse_target_value

    assert parse_target_value(raw, TargetKind.AREA) == value


@pytest.mark.parametrize("raw", ["2024-02-30", "30.06.2024", "20240630", "2024-6-30", "=TODAY()",
                                 "2024-06-30T00:00", "２０２４-06-30"])  # fmt: skip
def test_a_due_date_is_yyyy_mm_dd_or_refused(raw):
    from assessment.plan.targets import parse_due

    with pytest.raises(ValueError):
        parse_due(raw)


def test_a_question_target_is_a_level_of_the_question():
    from assessment.models import TargetKind
    from assessment.plan.targets import parse_target_value

    assert parse_target_value("4", TargetKind.QUESTION, 5) == 4.0
    for raw in ("0", "6", "2.5"):
        with pytest.raises(ValueError):
            parse_target_value(raw, TargetKind.QUESTION, 5)
