"""``dmat export``: a round's answers and scores to a file."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from ..audit.operations import record
from ..extensions import db
from ..files import write_atomically
from ..lookups import round_named
from .exports import FORMATS, export_bytes


@click.command("export")
@click.option("--round", "round_name", required=True, help="The round's name.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(sorted(FORMATS)),
    required=True,
    help="csv (a ZIP of answers.csv and scores.csv), xlsx or json.",
)
@click.option("-o", "--output", required=True, help="The file to write.")
@with_appcontext
def export_command(round_name: str, fmt: str, output: str) -> None:
    """Write all answers and scores of a round; the answers re-import with dmat responses."""
    round_ = round_named(round_name)
    data = export_bytes(round_, fmt)
    write_atomically(Path(output), data)
    record("data_exported", f"Round '{round_.name}' exported as {fmt} to {output}", round_=round_)
    db.session.commit()
    click.echo(f"Exported '{round_.name}' as {fmt} to {output} ({len(data)} bytes).")
