"""``dmat report`` and ``dmat reports``: PDF reports from the command line.

Registered on the ``dmat`` group in ``assessment/cli.py``. Bad input is a ``DmatError`` (one
line, exit status 1); a PDF is written to a temporary file and renamed, never left half-written.
"""

from __future__ import annotations

import time
from pathlib import Path

import click
from flask.cli import with_appcontext

from assessment.errors import DmatError
from assessment.files import write_atomically
from assessment.lookups import city_named, round_named

from .batch import city_jobs, default_workers, effective_workers, run_jobs

LANGUAGES = ("en", "bg")


def report_language(round_, language: str) -> str:
    """A report's language: the interface's (en, bg) or one of the questionnaire's languages,
    whose texts the report then shows (its own words in English where no catalogue has them)."""
    if language in LANGUAGES or language in round_.questionnaire.languages:
        return language
    offered = ", ".join(dict.fromkeys([*LANGUAGES, *round_.questionnaire.languages]))
    raise DmatError(f"--lang {language!r}: the report can be in {offered}")


def output_file(path: str) -> Path:
    file = Path(path)
    if file.is_dir():
        raise DmatError(f"{path}: is a directory; give a file name such as report.pdf")
    if not file.parent.exists():
        raise DmatError(f"{path}: the folder {file.parent} does not exist")
    return file


def output_folder(path: str) -> Path:
    folder = Path(path)
    if folder.exists() and not folder.is_dir():
        raise DmatError(f"{path}: is a file, not a folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise DmatError(f"{path}: cannot create the folder ({error.strerror})") from None
    return folder


@click.command("report")
@click.option("--round", "round_name", required=True, help="The round's name.")
@click.option("--city", "city_name", help="The city (required unless --cohort).")
@click.option("--cohort", is_flag=True, help="The cohort report of the round instead.")
@click.option(
    "--lang",
    "language",
    default="en",
    show_default=True,
    help="en, bg or another language of the round's questionnaire.",
)
@click.option("-o", "--output", required=True, help="The PDF file to write.")
@click.option("--no-cache", is_flag=True, help="Render afresh, ignoring cached PDFs.")
@with_appcontext
def report_command(
    round_name: str,
    city_name: str | None,
    cohort: bool,
    language: str,
    output: str,
    no_cache: bool,
) -> None:
    """Write one city's PDF report (or the cohort report) of a round."""
    from .render import city_report, cohort_report

    if cohort == (city_name is not None):
        raise DmatError("give either --city NAME or --cohort")
    round_ = round_named(round_name)
    report_language(round_, language)
    file = output_file(output)
    started = time.perf_counter()
    if cohort:
        report = cohort_report(round_, language, use_cache=not no_cache)
    else:
        city = city_named(city_name or "")
        try:
            report = city_report(round_, city, language, use_cache=not no_cache)
        except LookupError:
            raise DmatError(f"{city.name} has no assessment in '{round_.name}'") from None
    write_atomically(file, report.pdf)
    source = "from the cache" if report.cached else f"in {time.perf_counter() - started:.2f} s"
    click.echo(f"Wrote {file} ({len(report.pdf) // 1024} KB, {source}).")


@click.command("reports")
@click.option("--round", "round_name", required=True, help="The round's name.")
@click.option("-o", "--output", required=True, help="The folder to write the PDFs into.")
@click.option(
    "--lang",
    "languages",
    multiple=True,
    help="Language of the reports (en, bg or the questionnaire's); repeat for several "
    "(default: en).",
)
@click.option("--jobs", type=click.IntRange(1, 64), help="Worker processes (default: all cores).")
@click.option("--no-cache", is_flag=True, help="Render afresh, ignoring cached PDFs.")
@with_appcontext
def reports_command(
    round_name: str, output: str, languages: tuple[str, ...], jobs: int | None, no_cache: bool
) -> None:
    """Write the report of every city with an assessment in a round into a folder."""
    round_ = round_named(round_name)
    for language in languages:
        report_language(round_, language)
    folder = output_folder(output)
    todo = city_jobs(round_, list(dict.fromkeys(languages or ("en",))), folder, not no_cache)
    if not todo:
        raise DmatError(f"no city has an assessment in '{round_.name}'")
    workers = effective_workers(todo, jobs or default_workers())
    started = time.perf_counter()
    failures, cached = [], 0
    with click.progressbar(length=len(todo), label="Rendering reports", show_pos=True) as bar:
        for outcome in run_jobs(todo, workers):
            if outcome.error is not None:
                failures.append(outcome)
            cached += outcome.cached
            bar.update(1)
    elapsed = time.perf_counter() - started
    written = len(todo) - len(failures)
    click.echo(
        f"{written} of {len(todo)} reports written to {folder} in {elapsed:.1f} s "
        f"({workers} {'worker' if workers == 1 else 'workers'}, {cached} from the cache)."
    )
    if failures:
        for outcome in failures:
            job = outcome.job
            click.echo(f"{job.city_name} ({job.language}): {outcome.error}", err=True)
        raise DmatError(f"{len(failures)} reports could not be rendered")
