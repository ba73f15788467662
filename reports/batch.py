"""Every city's report of a round into a folder, on all cores.

Worker processes render whole reports; WeasyPrint is CPU-bound, so processes, not threads, keep
both cores busy. Where processes are forked, this process first does what a first report costs
once (WeasyPrint's import, stylesheets, fonts, templates, translations) and the workers start
with it, using this process's app; a spawned worker builds its own app from the caller's
configuration. An in-memory SQLite database cannot be shared between processes, so that case
renders in this process.
"""

from __future__ import annotations

import contextlib
import gc
import os
import pickle
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from multiprocessing import get_all_start_methods, get_context
from pathlib import Path

from flask import Flask, current_app

from assessment.extensions import db
from assessment.files import write_atomically
from assessment.heap import settle_after_startup
from assessment.models import City, Round
from assessment.pool import forget_inherited_connections


@dataclass(frozen=True)
class Job:
    round_id: int
    city_id: int
    city_name: str
    language: str
    folder: str
    use_cache: bool


@dataclass(frozen=True)
class Outcome:
    job: Job
    path: str | None
    seconds: float
    cached: bool
    error: str | None = None


def render_job(job: Job) -> Outcome:
    """One report into ``job.folder``; errors are returned, not raised, so the batch goes on."""
    from .render import city_report

    started = time.perf_counter()
    try:
        round_ = db.session.get(Round, job.round_id)
        city = db.session.get(City, job.city_id)
        report = city_report(round_, city, job.language, use_cache=job.use_cache)
        path = Path(job.folder) / report.filename
        write_atomically(path, report.pdf)
        return Outcome(job, str(path), time.perf_counter() - started, report.cached)
    except Exception as error:  # one failing city must not stop the others
        return Outcome(job, None, time.perf_counter() - started, False, f"{error}")
    finally:
        db.session.remove()


def warm_up(job: Job | None = None) -> None:
    """Everything a first report costs once per process, done here before the workers fork so
    that each starts with it: WeasyPrint imported, the stylesheets parsed, the fonts loaded (the
    faces the reports use), and, with a job, the report templates compiled, the translations
    and the font metrics of the chart loaded and the report queries compiled."""
    from .render import html_to_pdf

    if job is not None:
        from flask_babel import force_locale

        from .context import city_report_context
        from .render import render_report_html

        round_ = db.session.get(Round, job.round_id)
        city = db.session.get(City, job.city_id)
        # best effort: a city that cannot be rendered is reported by its own job
        with contextlib.suppress(Exception), force_locale(job.language):
            context = city_report_context(round_, city, job.language)
            render_report_html("reports/city.html", context, job.language)
    html_to_pdf(
        '<html lang="en"><title>-</title><table><tr><th scope="row">-</th><td>-</td></tr></table>'
        "<p>- <strong>-</strong></p></html>"
    )


def in_memory_database(app: Flask) -> bool:
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    return uri in ("sqlite://", "sqlite:///:memory:") or "mode=memory" in uri


def picklable_config(app: Flask) -> dict:
    """The app's settings that can be sent to a worker process."""
    settings = {}
    for key, value in app.config.items():
        if key.isupper():
            try:
                pickle.dumps(value)
            except Exception:  # e.g. objects bound to this process; the worker's defaults apply
                continue
            settings[key] = value
    return settings


_worker_context = None
_forked_app: Flask | None = None  # the caller's app, set just before the pool forks its workers


def _start_worker(settings: dict) -> None:
    """In each worker: the caller's app when forked (its templates compiled, its caches filled),
    else a fresh app with the caller's settings; its context kept open."""
    global _worker_context
    from assessment import create_app
    from config import Config

    app = _forked_app
    if app is None:
        app = create_app(type("BatchConfig", (Config,), settings))
    else:
        forget_inherited_connections(app)  # the worker opens connections of its own
    _worker_context = app.app_context()
    _worker_context.push()
    settle_after_startup()


def effective_workers(jobs: list[Job], workers: int) -> int:
    """How many processes will render: 1 means this process, without a pool."""
    if in_memory_database(current_app):
        return 1
    return max(1, min(workers, len(jobs)))


def run_jobs(jobs: list[Job], workers: int) -> Iterator[Outcome]:
    """Outcomes as they finish, from ``effective_workers`` processes."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    workers = effective_workers(jobs, workers)
    if workers == 1:
        for job in jobs:
            yield render_job(job)
        return
    global _forked_app
    method = "fork" if "fork" in get_all_start_methods() else "spawn"
    if method == "fork":
        warm_up(jobs[0])
        _forked_app = app
        # objects that exist now live as long as the workers: frozen, the workers' first garbage
        # collection neither walks them nor copies their memory pages
        gc.collect()
        gc.freeze()
    try:
        with ProcessPoolExecutor(
            max_workers=workers,
            mp_context=get_context(method),
            initializer=_start_worker,
            initargs=(picklable_config(app),),
        ) as pool:
            futures = [pool.submit(render_job, job) for job in jobs]  # forks the workers
            _forked_app = None
            gc.unfreeze()
            for future in as_completed(futures):
                yield future.result()
    finally:
        _forked_app = None
        gc.unfreeze()


def city_jobs(
    round_: Round, languages: list[str], folder: Path, use_cache: bool = True
) -> list[Job]:
    """One job per city with an assessment in the round and per language, by city name."""
    cities = sorted((a.city for a in round_.assessments), key=lambda c: c.name.lower())
    return [
        Job(round_.id, city.id, city.name, language, str(folder), use_cache)
        for city in cities
        for language in languages
    ]


def default_workers() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1)
