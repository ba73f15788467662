"""``dmat targets import`` and ``dmat plan``: the city plans from the command line."""

from __future__ import annotations

import json

import click
from flask.cli import with_appcontext
from flask_babel import force_locale

from ..extensions import db
from ..lookups import city_named, round_named


@click.group("targets")
def targets_group() -> None:
    """Import the targets cities set on a round (DESIGN.md rule 10)."""


@targets_group.command("import")
@click.option("--round", "round_name", required=True, help="The baseline round's name.")
@click.argument("file")
@with_appcontext
def targets_import(round_name: str, file: str) -> None:
    """Import FILE (CSV or XLSX: city,key,target,due); all rows checked first."""
    from ..cli import counted, read_input_file
    from .targets import import_targets, read_targets_file

    round_ = round_named(round_name)
    rows = read_targets_file(read_input_file(file), file)
    with force_locale("en"):  # the command line speaks English, outside any request
        summary = import_targets(round_, rows, file)
    db.session.commit()
    click.echo(
        f"Imported {counted(summary.rows, 'target')} for "
        f"{counted(summary.cities, 'city', 'cities')} on '{round_.name}': "
        f"{summary.created} new, {summary.changed} replaced."
    )


PLAN_COLUMNS = (
    "city", "record", "kind", "key", "title", "target", "due", "baseline_round", "baseline",
    "latest_round", "latest", "gap", "status", "overdue", "owner", "areas", "questions",
    "change", "trend", "source",
)  # fmt: skip


@click.command("plan")
@click.option("--city", "city_name", help="Only this city.")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["json", "csv"]),
    default="json",
    show_default=True,
)
@with_appcontext
def plan_command(city_name: str | None, output_format: str) -> None:
    """Print each city's targets (rule 10), actions and indicators."""
    from .queries import plan_json

    city_ids = None
    if city_name is not None:
        city_ids = [city_named(city_name).id]
    plans = plan_json(city_ids)
    if output_format == "json":
        click.echo(json.dumps(plans, ensure_ascii=False, indent=1))
    else:
        click.echo(plan_csv(plans), nl=False)


def plan_rows(plans: list[dict]) -> list[tuple]:
    """One line per target, per action and per indicator, unrounded like the JSON. An
    indicator's line has its previous value as ``baseline`` and its latest as ``latest``."""
    rows: list[tuple] = []
    for plan in plans:
        for t in plan["targets"]:
            latest = t["latest"] or {}
            rows.append((
                plan["city"], "target", t["kind"], t["key"], "", t["target"], t["due"],
                t["baseline"]["round"], t["baseline"]["value"], latest.get("round"),
                latest.get("value"), t["gap"], t["status"], "", "", "", "", "", "", "",
            ))  # fmt: skip
        for a in plan["actions"]:
            rows.append((
                plan["city"], "action", "", "", a["title"], "", a["due"], "", "", "", "", "",
                a["status"], "yes" if a["overdue"] else "no", a["owner"],
                " ".join(a["areas"]), " ".join(a["questions"]), "", "", "",
            ))  # fmt: skip
        for i in plan["indicators"]:
            previous = i["previous"] or {}
            rows.append((
                plan["city"], "indicator", "indicator", i["key"], "", "", "",
                previous.get("round"), previous.get("value"), i["round"], i["value"], "", "",
                "", "", "", "", i["change"], i["trend"], i["source"],
            ))  # fmt: skip
    return rows


def plan_csv(plans: list[dict]) -> str:
    """The CSV of ``dmat plan``: text cells made inert for spreadsheets."""
    from ..compare.exports import csv_text

    return csv_text(PLAN_COLUMNS, plan_rows(plans))
