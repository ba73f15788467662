"""``dmat indicators import``: the cities' indicator values of a round, from a file."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from flask_babel import force_locale

from ..extensions import db
from ..lookups import round_named
from .operations import import_values, read_indicator_file


@click.group("indicators")
def indicators_group() -> None:
    """Success indicators: the cities' measurable results (DESIGN.md rule 11)."""


@indicators_group.command("import")
@click.option("--round", "round_name", required=True, help="The round's name.")
@click.argument("file")
@with_appcontext
def indicators_import(round_name: str, file: str) -> None:
    """Import FILE (CSV or XLSX: city,indicator,value[,source][,as_of]); all rows checked
    first, nothing stored if any is wrong."""
    # the command group's file reader, imported here because cli registers this command
    from ..cli import read_input_file

    data = read_input_file(file)
    round_ = round_named(round_name)
    rows = read_indicator_file(data, file)
    with force_locale("en"):  # the command line speaks English, outside any request
        summary = import_values(round_, rows, file)
    db.session.commit()
    values = "value" if summary.rows == 1 else "values"
    cities = "city" if summary.cities == 1 else "cities"
    click.echo(
        f"Imported {summary.rows} indicator {values} for {summary.cities} {cities} into"
        f" '{round_.name}': {summary.created} new, {summary.changed} replaced."
    )
