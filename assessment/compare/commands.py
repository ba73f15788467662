"""``dmat export``: a round's answers and scores to a file."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import click

from ..audit.operations import record
from ..errors import DmatError
from ..extensions import db
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
def export_command(round_name: str, fmt: str, output: str) -> None:
    """Write all answers and scores of a round; the answers re-import with dmat responses."""
    round_ = round_named(round_name)
    data = export_bytes(round_, fmt)
    write_atomically(Path(output), data)
    record("data_exported", f"Round '{round_.name}' exported as {fmt} to {output}", round_=round_)
    db.session.commit()
    click.echo(f"Exported '{round_.name}' as {fmt} to {output} ({len(data)} bytes).")


def write_atomically(path: Path, data: bytes) -> None:
    """Write to a temporary file beside ``path``, then rename: never a half-written file."""
    if path.is_dir():
        raise DmatError(f"{path}: is a directory; give a file name")
    if not path.parent.is_dir():
        raise DmatError(f"{path.parent}: no such directory")
    temporary = None
    try:
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.replace(temporary, path)
    except OSError as error:
        if temporary is not None:
            Path(temporary).unlink(missing_ok=True)
        raise DmatError(f"{path}: cannot be written ({error.strerror})") from None
