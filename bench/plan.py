"""Benchmark of the city plan on throw-away SQLite databases.

Prints: the server time of a city's plan page with 60 actions (median, test client, logged in
as the leader); the plans overview of a round for 1,000 cities x 20 actions x 5 targets, against
plain SQL GROUP BYs over the same rows (the actions, and the targets with their cities and the
later round's assessments, whose stored scores the statuses are read from; the ratio to the
action and target rows alone is shown too), with the number of queries for 100 and for 1,000
cities; the city PDF with its roadmap against a bare WeasyPrint render of its HTML.
The machine may be busy with other work: CPU time is shown beside wall time.

    .venv/bin/python bench/plan.py [--runs 9] [--cities 1000]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET_PAGE_SECONDS = 0.050
TARGET_OVERVIEW_SECONDS = 0.5
TARGET_OVERVIEW_RATIO = 3.0
TARGET_PDF_RATIO = 1.1


def timed(function) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    function()
    return time.perf_counter() - wall, time.process_time() - cpu


def median(pairs, index: int) -> float:
    return statistics.median(p[index] for p in pairs)


def app_on(folder: Path, name: str):
    from assessment import create_app
    from config import Config

    class BenchConfig(Config):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{folder / name}"
        REPORT_CACHE_DIR = None
        WTF_CSRF_ENABLED = True
        RATELIMIT_ENABLED = False

    return create_app(BenchConfig)


def fill_plans(city_ids, baseline_id: int, actions: int, targets: int, rng) -> None:
    """Exactly ``actions`` actions and ``targets`` area targets per city, replacing the demo's."""
    from sqlalchemy import delete, insert

    from assessment.extensions import db
    from assessment.models import Action, ActionStatus, ActionUpdate, Target

    for model in (ActionUpdate, Action, Target):
        db.session.execute(delete(model))
    now = datetime.now(UTC)
    statuses = list(ActionStatus)
    areas = ("vision", "governance", "systems", "user_centric", "data")
    action_rows, target_rows = [], []
    for city_id in city_ids:
        for n in range(actions):
            action_rows.append({
                "city_id": city_id, "title": f"Action {n}", "areas": [areas[n % 5]],
                "questions": [], "status": rng.choice(statuses),
                "due_on": date(2024, 1, 1) + timedelta(days=rng.randint(0, 2000)),
                "created_at": now, "updated_at": now,
            })  # fmt: skip
        for key in areas[:targets]:
            target_rows.append({
                "city_id": city_id, "baseline_round_id": baseline_id, "kind": "area", "key": key,
                "value": rng.uniform(20, 90), "due_on": date(2025, 6, 30),
                "created_at": now, "updated_at": now,
            })  # fmt: skip
    db.session.execute(insert(Action), action_rows)
    if target_rows:
        db.session.execute(insert(Target), target_rows)
    db.session.commit()


def count_queries(function) -> int:
    from sqlalchemy import event

    from assessment.extensions import db

    found = []

    def listener(*args):
        found.append(1)

    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        function()
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    return len(found)


def plan_page(folder: Path, runs: int) -> tuple[float, float]:
    import re

    from assessment.demo import DEMO_PASSWORD, load_demo
    from assessment.extensions import db
    from assessment.lookups import city_named, round_named

    app = app_on(folder, "page.sqlite")
    with app.app_context():
        db.create_all()
        load_demo()
        db.session.commit()
        city = city_named("Sofia")
        fill_plans([city.id], round_named("2020 baseline").id, 60, 5, random.Random(1))
        client = app.test_client()
        page = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        client.post("/login", data={"email": "leader@sofia.example",
                                    "password": DEMO_PASSWORD, "csrf_token": token})  # fmt: skip
        path = f"/plan/{city.id}"
        assert client.get(path).status_code == 200
        assert client.get(path).get_data(as_text=True).count("/actions/") >= 60
        times = [timed(lambda: client.get(path).get_data()) for _ in range(runs)]
    return median(times, 0), median(times, 1)


def overview(folder: Path, cities: int, runs: int):
    from sqlalchemy import func, select

    from assessment.demo import load_demo
    from assessment.extensions import db
    from assessment.lookups import round_named
    from assessment.models import Action, Assessment, City, Target
    from assessment.plan.overview import plans_overview

    app = app_on(folder, "overview.sqlite")
    with app.app_context():
        db.create_all()
        started = time.perf_counter()
        load_demo(cities=cities, respondents=2)
        db.session.commit()
        built = time.perf_counter() - started
        baseline = round_named("2020 baseline")
        ids = list(db.session.scalars(select(City.id).order_by(City.id)))
        rng = random.Random(7)

        follow_up = round_named("2022 follow-up")

        def actions_group_by() -> None:
            db.session.execute(
                select(
                    Action.city_id, Action.status, func.count(), func.max(Action.updated_at)
                ).group_by(Action.city_id, Action.status)
            ).all()

        def group_by() -> None:
            actions_group_by()
            db.session.execute(
                select(Target.city_id, func.count(), func.max(Target.updated_at))
                .where(Target.baseline_round_id == baseline.id)
                .group_by(Target.city_id)
            ).all()

        def same_rows() -> None:
            """The rows the overview reads, each in one plain GROUP BY: the actions, and the
            targets with the city and its later-round assessment, whose stored scores a
            status is read from (rule 10: the latest scores)."""
            actions_group_by()
            db.session.execute(
                select(
                    City.id, City.name, func.count(), func.max(Target.updated_at),
                    func.sum(func.length(Assessment.stored_scores)),
                )
                .join(Target, Target.city_id == City.id)
                .join(
                    Assessment,
                    (Assessment.city_id == City.id) & (Assessment.round_id == follow_up.id),
                )
                .where(Target.baseline_round_id == baseline.id)
                .group_by(City.id, City.name)
            ).all()  # fmt: skip

        fill_plans(ids[:100], baseline.id, 20, 5, rng)
        db.session.expire_all()
        queries_100 = count_queries(lambda: plans_overview(baseline))
        fill_plans(ids, baseline.id, 20, 5, rng)
        db.session.expire_all()
        queries_all = count_queries(lambda: plans_overview(baseline))
        rows = plans_overview(baseline)
        assert len(rows) == cities and all(r.actions["total"] == 20 for r in rows)
        assert all(sum(r.targets.values()) == 5 for r in rows)
        ours, plain, plain_answers = [], [], []
        for _ in range(runs):
            db.session.expire_all()
            ours.append(timed(lambda: plans_overview(baseline)))
            plain.append(timed(group_by))
            plain_answers.append(timed(same_rows))
    return (
        built, median(ours, 0), median(ours, 1), median(plain, 0), median(plain_answers, 0),
        queries_100, queries_all,
    )  # fmt: skip


def pdf(folder: Path, runs: int):
    import weasyprint
    from flask_babel import force_locale

    from assessment.demo import load_demo
    from assessment.extensions import db
    from assessment.lookups import city_named, round_named
    from reports.context import city_report_context
    from reports.render import PDF_VARIANT, city_report, render_report_html
    from reports.stylesheets import stylesheet_text

    app = app_on(folder, "pdf.sqlite")
    with app.app_context():
        db.create_all()
        load_demo()  # every city has its plan: targets on 2020, 4-10 actions
        db.session.commit()
        round_, city = round_named("2022 follow-up"), city_named("Sofia")
        with force_locale("en"):
            context = city_report_context(round_, city, "en")
        assert context["plan_targets"] and context["plan_groups"]
        html = render_report_html("reports/city.html", context, "en")
        css = stylesheet_text()

        def full() -> None:
            city_report(round_, city, "en", use_cache=False)

        def bare() -> None:
            sheets = [weasyprint.CSS(string=css)]
            weasyprint.HTML(string=html).write_pdf(stylesheets=sheets, pdf_variant=PDF_VARIANT)

        full()
        bare()
        full_times, bare_times = [], []
        for _ in range(runs):
            full_times.append(timed(full))
            bare_times.append(timed(bare))
    return (
        median(full_times, 0),
        median(full_times, 1),
        median(bare_times, 0),
        median(bare_times, 1),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--cities", type=int, default=1000)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="dmat-bench-plan-"))
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"machine: {os.cpu_count()} cores, load average {load:.2f} (other work slows figures)")

    wall, cpu = plan_page(folder, args.runs)
    print(
        f"plan page, 60 actions, median of {args.runs}: {1000 * wall:.1f} ms wall, "
        f"{1000 * cpu:.1f} ms CPU  [target < {1000 * TARGET_PAGE_SECONDS:.0f} ms]"
    )
    built, ours, ours_cpu, plain, plain_answers, q100, q_all = overview(
        folder, args.cities, args.runs
    )
    print(f"({args.cities} demo cities with 2 respondents built in {built:.1f} s)")
    print(
        f"plans overview, {args.cities} cities x 20 actions x 5 targets, median of {args.runs}: "
        f"{ours:.3f} s wall, {ours_cpu:.3f} s CPU  [target < {TARGET_OVERVIEW_SECONDS} s]"
    )
    print(
        f"plain SQL GROUP BY over the action and target rows alone: {plain:.3f} s; "
        f"ratio {ours / plain:.1f}"
    )
    print(
        f"plain SQL GROUP BY over the same rows (those, with the cities and the later round's "
        f"assessments whose stored scores the statuses are read from): {plain_answers:.3f} s; "
        f"ratio {ours / plain_answers:.1f}  "
        f"[target < {TARGET_OVERVIEW_RATIO:.0f}]"
    )
    print(f"queries: {q100} for 100 cities with plans, {q_all} for {args.cities}")
    full_wall, full_cpu, bare_wall, bare_cpu = pdf(folder, max(3, args.runs // 3))
    print(
        f"city PDF with roadmap (Sofia, en, uncached): {full_wall:.3f} s wall, {full_cpu:.3f} s "
        f"CPU; bare WeasyPrint render of its HTML: {bare_wall:.3f} s wall, {bare_cpu:.3f} s CPU"
    )
    print(
        f"ratio {full_wall / bare_wall:.2f} wall, {full_cpu / bare_cpu:.2f} CPU  "
        f"[target < {TARGET_PDF_RATIO}]"
    )


if __name__ == "__main__":
    main()
