"""Benchmark of the PDF reports on the demo data (a throw-away SQLite database).

Prints the median time of one city report (warm: the process has rendered one before), of
``dmat reports`` for every demo city of a round, and the ratio of a city report (context, HTML,
PDF) to a bare WeasyPrint render of the same finished HTML with the same print stylesheet (both
parsed afresh, WeasyPrint's defaults otherwise). City reports and bare renders are
measured in turns, so that a machine busy with other work slows both alike; CPU time is shown
beside wall time for the same reason.

    .venv/bin/python bench/reports.py [--runs 9] [--batch-runs 3] [--city Sofia]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET_CITY_SECONDS = 0.8
TARGET_OVERHEAD = 0.25
TARGET_BATCH_SECONDS = 10.0


def timed(function) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    function()
    return time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--batch-runs", type=int, default=3)
    parser.add_argument("--city", default="Sofia")
    parser.add_argument("--round", dest="round_name", default="2022 follow-up")
    parser.add_argument("--lang", default="en")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="dmat-bench-"))
    database = f"sqlite:///{folder / 'bench.sqlite'}"
    os.environ["DMAT_DATABASE_URL"] = database
    os.environ["DMAT_REPORT_CACHE_DIR"] = str(folder / "cache")

    import weasyprint
    from flask_babel import force_locale

    from assessment import create_app
    from assessment.demo import load_demo
    from assessment.extensions import db
    from assessment.heap import settle_after_startup
    from assessment.lookups import city_named, round_named
    from config import Config
    from reports.context import city_report_context
    from reports.render import PDF_VARIANT, city_report, render_report_html
    from reports.stylesheets import stylesheet_text

    class BenchConfig(Config):
        SQLALCHEMY_DATABASE_URI = database
        REPORT_CACHE_DIR = str(folder / "cache")

    app = create_app(BenchConfig)
    with app.app_context():
        db.create_all()
        load_demo()
        db.session.commit()
        settle_after_startup()  # as a gunicorn worker and each `dmat reports` worker do
        round_ = round_named(args.round_name)
        city = city_named(args.city)
        cities = len(round_.assessments)

        with force_locale(args.lang):
            context = city_report_context(round_, city, args.lang)
        html = render_report_html("reports/city.html", context, args.lang)

        def full() -> None:
            city_report(round_, city, args.lang, use_cache=False)

        css = stylesheet_text()

        def bare() -> None:
            sheets = [weasyprint.CSS(string=css)]
            weasyprint.HTML(string=html).write_pdf(stylesheets=sheets, pdf_variant=PDF_VARIANT)

        full()  # warm-up: fonts, templates, imports
        bare()
        full_times, bare_times = [], []
        for _ in range(args.runs):
            full_times.append(timed(full))
            bare_times.append(timed(bare))
        city_report(round_, city, args.lang)  # fills the cache
        cached_times = [timed(lambda: city_report(round_, city, args.lang)) for _ in range(5)]

    def children_cpu() -> float:
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)  # the command and its workers
        return usage.ru_utime + usage.ru_stime

    batch_times, batch_cpu = [], []
    for _ in range(args.batch_runs):
        started, cpu = time.perf_counter(), children_cpu()
        subprocess.run(
            [
                str(Path(sys.executable).parent / "dmat"),
                "reports",
                "--round",
                args.round_name,
                "-o",
                str(folder / "out"),
                "--no-cache",
            ],
            check=True,
            capture_output=True,
            env=os.environ,
        )
        batch_times.append(time.perf_counter() - started)
        batch_cpu.append(children_cpu() - cpu)

    def median(pairs, index):
        return statistics.median(p[index] for p in pairs)

    city_wall, city_cpu = median(full_times, 0), median(full_times, 1)
    bare_wall, bare_cpu = median(bare_times, 0), median(bare_times, 1)
    ratio_wall, ratio_cpu = city_wall / bare_wall, city_cpu / bare_cpu
    batch = statistics.median(batch_times)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"machine: {os.cpu_count()} cores, load average {load:.2f} (other work slows the figures)"
    )
    print(
        f"city report ({args.city}, {args.lang}, warm, uncached), median of {args.runs}: "
        f"{city_wall:.3f} s wall, {city_cpu:.3f} s CPU  [target < {TARGET_CITY_SECONDS} s]"
    )
    print(f"bare WeasyPrint render of the same HTML: {bare_wall:.3f} s wall, {bare_cpu:.3f} s CPU")
    print(
        f"ratio city report / bare render: {ratio_wall:.2f} wall, {ratio_cpu:.2f} CPU "
        f"(overhead {100 * (ratio_wall - 1):+.0f} % / {100 * (ratio_cpu - 1):+.0f} %)  "
        f"[target overhead < {100 * TARGET_OVERHEAD:.0f} %]"
    )
    print(f"city report served from the cache: {median(cached_times, 0):.3f} s wall")
    print(
        f"dmat reports ({cities} cities, uncached), median of {args.batch_runs}: {batch:.2f} s "
        f"[target < {TARGET_BATCH_SECONDS} s]  runs: {', '.join(f'{t:.2f}' for t in batch_times)}"
    )
    print(
        f"dmat reports CPU time of all its processes, median: {statistics.median(batch_cpu):.2f} s "
        f"(on {os.cpu_count()} cores)"
    )


if __name__ == "__main__":
    main()
