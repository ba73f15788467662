"""The city report's roadmap and the cohort report's plan shares, read back from the PDFs."""

from __future__ import annotations

from datetime import date

import pytest

from assessment.extensions import db
from assessment.lookups import city_named, round_named
from assessment.models import Action, ActionStatus, Target, TargetKind
from reports.render import city_report, cohort_report

from .test_reports import flat, pdf_text

HOSTILE = '<b>Ωμέγα</b> & «порта» =HYPERLINK("x")'


@pytest.fixture(autouse=True)
def report_cache(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "REPORT_CACHE_DIR", str(tmp_path / "cache"))


def plan_for(city_name: str) -> None:
    city, baseline = city_named(city_name), round_named("2020 baseline")
    db.session.add_all([
        Target(city_id=city.id, baseline_round_id=baseline.id, kind=TargetKind.AREA,
               key="vision", value=1.0, due_on=date(2099, 1, 1)),  # reached by 2022: met
        Target(city_id=city.id, baseline_round_id=baseline.id, kind=TargetKind.AREA,
               key="data", value=100.0, due_on=date(2021, 1, 1)),  # missed
        Action(city_id=city.id, title=HOSTILE, areas=["data"], questions=[],
               owner_name="Ελένη Π.", due_on=date(2021, 3, 31),
               status=ActionStatus.IN_PROGRESS),
        Action(city_id=city.id, title="Каталог на данните", areas=["data"], questions=[],
               due_on=date(2099, 3, 31), status=ActionStatus.DONE),
    ])  # fmt: skip
    db.session.commit()


def test_the_city_report_has_the_roadmap(no_plans):
    plan_for("Helsinki")
    report = city_report(round_named("2022 follow-up"), city_named("Helsinki"), "en")
    words = flat(pdf_text(report.pdf)[0])
    roadmap = words[words.index("Roadmap") :]
    assert "Each target with its baseline, latest figure, gap and status" in roadmap
    assert "met" in roadmap and "missed" in roadmap
    assert flat(HOSTILE) in roadmap and "Ελένη Π." in roadmap
    assert "overdue" in roadmap and "Каталог на данните" in roadmap
    assert "In progress" in roadmap or "in progress" in roadmap


def test_the_bulgarian_report_says_it_in_bulgarian(no_plans):
    plan_for("Sofia")
    report = city_report(round_named("2022 follow-up"), city_named("Sofia"), "bg")
    words = flat(pdf_text(report.pdf)[0])
    roadmap = words[words.index("Пътна карта") :]
    assert "постигната" in roadmap and "пропусната" in roadmap and "просрочено" in roadmap


def test_a_city_without_a_plan_says_so(no_plans):
    report = city_report(round_named("2022 follow-up"), city_named("Helsinki"), "en")
    assert "no targets and no actions" in flat(pdf_text(report.pdf)[0])


def test_the_cohort_report_gives_the_shares(no_plans):
    plan_for("Helsinki")
    words = flat(pdf_text(cohort_report(round_named("2022 follow-up"), "en").pdf)[0])
    assert "argets met 1 of 2 50 %" in words  # the extracted text may split "T argets"
    assert "Actions done 1 of 2 50 %" in words
