"""Success indicators: the coordinator's indicators view for 1,000 cities × 12 indicators, and
the city PDF with its indicators table against the same report without it.

Builds, in a temporary SQLite file, a round of a questionnaire with 12 indicators (the bundled
version 2 and one more) with a value of every indicator for every city (bulk inserts), then
prints the indicators view's server time (median of several requests through the test client,
logged in as a coordinator) and its SQL statement count for 100 and for 1,000 cities (it must
not grow with the cities). Then loads the demo and renders Sofia's 2022 PDF, uncached, with the
indicators table and with the table left out (the same report otherwise), and prints both and
their ratio.

    .venv/bin/python bench/indicators.py [--cities 1000] [--requests 7] [--runs 7]

Targets: the view under 0.3 s with a constant statement count. The PDF target ("the city PDF
with the indicators table still within 1.1× its bare render") is the one of `bench/reports.py`,
which compares the city report, whose demo HTML now holds the indicators table and the roadmap,
with a bare WeasyPrint render of that same HTML; this script shows what the table itself costs
(the report with it against the same report without it: it adds a page).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event, insert

from assessment import create_app
from assessment.admin.operations import import_questionnaire
from assessment.extensions import db
from assessment.heap import settle_after_startup
from assessment.models import (
    Assessment,
    AssessmentStatus,
    City,
    Indicator,
    IndicatorValue,
    Role,
    Round,
    User,
    utcnow,
)
from assessment.names import name_key
from config import TestConfig
from questionnaires import BUNDLED_WITH_INDICATORS, load_questionnaire_text

PASSWORD = "benchmark password"
TARGET_VIEW_SECONDS = 0.3
TWELFTH = """
  - key: bench_requests_online
    area: user_centric
    title: {en: "Requests filed online", bg: "Заявления, подадени онлайн"}
    unit: percent
    direction: higher
"""


def twelve_indicators():
    source = BUNDLED_WITH_INDICATORS.read_text(encoding="utf-8")
    source = source.replace("version: 2\n", "version: 3\n", 1).rstrip("\n") + "\n" + TWELFTH
    return load_questionnaire_text(source, "bench.yaml")


def build(cities: int, seed: int = 1) -> int:
    rng = random.Random(seed)
    questionnaire, _ = import_questionnaire(twelve_indicators())
    coordinator = User(email="coordinator@bench.example", role=Role.COORDINATOR)
    coordinator.set_password(PASSWORD)
    db.session.add(coordinator)
    round_ = Round(name="benchmark", questionnaire=questionnaire)
    db.session.add(round_)
    db.session.flush()
    indicators = list(
        db.session.scalars(db.select(Indicator).filter_by(questionnaire_id=questionnaire.id))
    )
    assert len(indicators) == 12
    now = utcnow()
    db.session.execute(
        insert(City),
        [
            {"id": n, "name": f"City {n:04d}", "name_key": name_key(f"City {n:04d}"),
             "country": "BG", "active": True}
            for n in range(1, cities + 1)
        ],
    )  # fmt: skip
    db.session.execute(
        insert(Assessment),
        [
            {"id": n, "round_id": round_.id, "city_id": n,
             "status": AssessmentStatus.SUBMITTED if n % 5 else AssessmentStatus.IN_PROGRESS,
             "submitted_at": now if n % 5 else None}
            for n in range(1, cities + 1)
        ],
    )  # fmt: skip
    db.session.execute(
        insert(IndicatorValue),
        [
            {"assessment_id": n, "indicator_id": i.id, "value": round(rng.uniform(1, 5), 1),
             "source": f"register {n}", "updated_at": now}
            for n in range(1, cities + 1)
            for i in indicators
        ],
    )  # fmt: skip
    db.session.commit()
    return round_.id


def median_seconds(function, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def timed(function) -> tuple[float, float]:
    """Wall and CPU seconds of one call (CPU time is less moved by other work)."""
    wall, cpu = time.perf_counter(), time.process_time()
    function()
    return time.perf_counter() - wall, time.process_time() - cpu


def view(cities: int, requests: int) -> tuple[float, int]:
    """(median seconds, SQL statements) of the indicators view for ``cities`` cities."""
    with tempfile.TemporaryDirectory() as directory:
        url = f"sqlite:///{os.path.join(directory, 'bench.sqlite')}"
        config = type("BenchConfig", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": url})
        app = create_app(config)
        with app.app_context():
            db.create_all()
            round_id = build(cities)
            db.session.remove()
        client = app.test_client()
        page = client.get("/login").get_data(as_text=True)
        token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
        client.post(
            "/login",
            data={"email": "coordinator@bench.example", "password": PASSWORD, "csrf_token": token},
        )
        path = f"/compare/rounds/{round_id}/indicators"
        settle_after_startup()

        def request() -> None:
            response = client.get(path)
            assert response.status_code == 200, response.status_code

        request()  # warm: templates compiled, connection pool filled
        with app.app_context():
            statements = []
            listener = lambda *_args: statements.append(1)  # noqa: E731
            event.listen(db.engine, "before_cursor_execute", listener)
            request()
            event.remove(db.engine, "before_cursor_execute", listener)
            seconds = median_seconds(request, requests)
            db.engine.dispose()
    return seconds, len(statements)


def pdf(runs: int) -> tuple[float, float, float, float]:
    """Median wall and CPU seconds of Sofia's 2022 city PDF: (wall with the indicators table,
    wall without it, CPU with, CPU without)."""
    import reports.context
    from assessment.demo import load_demo
    from assessment.lookups import city_named, round_named
    from reports.render import city_report

    with tempfile.TemporaryDirectory() as directory:
        url = f"sqlite:///{os.path.join(directory, 'demo.sqlite')}"
        config = type("BenchConfig", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": url})
        app = create_app(config)
        with app.app_context():
            db.create_all()
            load_demo()
            db.session.commit()
            round_, city = round_named("2022 follow-up"), city_named("Sofia")
            with_table = reports.context.indicator_table

            def full() -> None:
                city_report(round_, city, "en", use_cache=False)

            def without() -> None:
                reports.context.indicator_table = lambda *_args: []
                try:
                    city_report(round_, city, "en", use_cache=False)
                finally:
                    reports.context.indicator_table = with_table

            full()
            without()  # warm: fonts, templates
            times: dict[str, list[tuple[float, float]]] = {"with": [], "without": []}
            for run in range(runs):  # alternating which goes first: neither gets the warm slot
                order = [("with", full), ("without", without)]
                for name, function in order if run % 2 == 0 else order[::-1]:
                    times[name].append(timed(function))
            db.engine.dispose()
    full_times = [wall for wall, _ in times["with"]]
    bare_times = [wall for wall, _ in times["without"]]
    full_cpu = [cpu for _, cpu in times["with"]]
    bare_cpu = [cpu for _, cpu in times["without"]]
    return tuple(statistics.median(t) for t in (full_times, bare_times, full_cpu, bare_cpu))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cities", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=7)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"machine: {os.cpu_count()} cores, load average {load:.2f} (other work slows the figures)"
    )
    small_time, small_statements = view(max(1, args.cities // 10), args.requests)
    big_time, big_statements = view(args.cities, args.requests)
    print(
        f"indicators view, {args.cities // 10} cities × 12 indicators: {small_time * 1000:.0f} ms,"
        f" {small_statements} SQL statements"
    )
    print(
        f"indicators view, {args.cities} cities × 12 indicators (median of {args.requests}):"
        f" {big_time * 1000:.0f} ms, {big_statements} SQL statements"
        f"  [target < {TARGET_VIEW_SECONDS * 1000:.0f} ms, statements constant:"
        f" {'yes' if small_statements == big_statements else 'NO'}]"
    )
    with_table, without, with_cpu, without_cpu = pdf(args.runs)
    print(
        f"city PDF (Sofia, 2022 follow-up, en, uncached), median of {args.runs}:"
        f" {with_table:.3f} s wall with the indicators table, {without:.3f} s without,"
        f" ratio {with_table / without:.2f}×; CPU {with_cpu:.3f} s / {without_cpu:.3f} s,"
        f" ratio {with_cpu / without_cpu:.2f}×  (the table's own cost; the 1.1× target against"
        f" a bare render: bench/reports.py)"
    )


if __name__ == "__main__":
    main()
