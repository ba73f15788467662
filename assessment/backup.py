"""Backup and restore: a portable archive of the whole database, SQLite <-> PostgreSQL.

The archive is a zip file with ``manifest.json`` (format, schema revision, tables and row counts)
and one JSON Lines file per table. Values are plain JSON (dates in ISO 8601 with their zone), so
an archive written from SQLite restores into PostgreSQL and back. A restore checks the whole
archive first and writes in one transaction: it either replaces everything or changes nothing.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

from alembic.migration import MigrationContext
from sqlalchemy import Date, DateTime, Table, func, insert, select, text

from .errors import DmatError
from .extensions import db

FORMAT = "dmat-backup"
FORMAT_VERSION = 1
BATCH = 2_000


def _tables() -> list[Table]:
    return list(db.metadata.sorted_tables)


def schema_revision() -> str | None:
    with db.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def _json_value(value: object) -> object:
    if isinstance(value, date | datetime):  # a datetime is a date too
        return value.isoformat()
    return value


def write_backup(path: str | Path) -> dict[str, int]:
    """Write every table to ``path`` (written to a temporary name, then renamed)."""
    path = Path(path)
    if path.is_dir():
        raise DmatError(f"{path}: is a directory; give a file name such as dmat-backup.zip")
    partial = path.with_name(path.name + ".partial")
    counts: dict[str, int] = {}
    try:
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for table in _tables():
                with archive.open(f"tables/{table.name}.jsonl", "w") as member:
                    counts[table.name] = _write_table(table, member)
            manifest = {
                "format": FORMAT,
                "format_version": FORMAT_VERSION,
                "revision": schema_revision(),
                "created_at": datetime.now(UTC).isoformat(),
                "database": db.engine.dialect.name,
                "tables": counts,
            }
            archive.writestr("manifest.json", json.dumps(manifest, indent=1))
        partial.replace(path)
    except OSError as error:
        partial.unlink(missing_ok=True)
        raise DmatError(f"{path}: cannot be written ({error.strerror})") from None
    return counts


def _write_table(table: Table, member) -> int:
    writer = io.TextIOWrapper(member, encoding="utf-8")
    count = 0
    order = list(table.primary_key.columns) or list(table.columns)
    result = db.session.execute(select(table).order_by(*order).execution_options(yield_per=BATCH))
    for row in result.mappings():
        writer.write(json.dumps({k: _json_value(v) for k, v in row.items()}, ensure_ascii=False))
        writer.write("\n")
        count += 1
    writer.flush()
    writer.detach()
    return count


def read_manifest(archive: zipfile.ZipFile, name: str) -> dict:
    try:
        manifest = json.loads(archive.read("manifest.json"))
    except (KeyError, ValueError):
        raise DmatError(f"{name}: not a dmat backup (no readable manifest.json)") from None
    if manifest.get("format") != FORMAT or manifest.get("format_version") != FORMAT_VERSION:
        raise DmatError(f"{name}: not a dmat backup of format version {FORMAT_VERSION}")
    return manifest


def restore_backup(path: str | Path, replace: bool = False) -> dict[str, int]:
    """Load an archive into the (migrated) database; refuses a non-empty one unless ``replace``."""
    path = Path(path)
    if not path.is_file():
        raise DmatError(f"{path}: no such file")
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise DmatError(f"{path}: not a dmat backup (not a zip archive)") from None
    with archive:
        manifest = read_manifest(archive, str(path))
        current = schema_revision()
        if manifest["revision"] != current:
            raise DmatError(
                f"{path}: the backup has schema revision {manifest['revision']}, this database "
                f"{current}; restore with the dmat version that wrote it, or run 'dmat init' "
                "on an empty database of the same version"
            )
        tables = {table.name: table for table in _tables()}
        unknown = set(manifest["tables"]) - tables.keys()
        if unknown:
            raise DmatError(f"{path}: unknown tables {', '.join(sorted(unknown))}")
        if not replace and any(_row_count(t) for t in tables.values()):
            raise DmatError(
                "the database is not empty; restore into an empty database, or give --replace "
                "to replace everything in it"
            )
        for table in reversed(list(tables.values())):
            db.session.execute(table.delete())
        counts = {}
        for table in tables.values():
            counts[table.name] = _load_table(archive, table, str(path))
            expected = manifest["tables"].get(table.name, 0)
            if counts[table.name] != expected:
                raise DmatError(
                    f"{path}: table {table.name} has {counts[table.name]} rows, the manifest "
                    f"says {expected}; the archive is damaged"
                )
        _reset_sequences(tables.values())
    return counts


def _row_count(table: Table) -> int:
    return db.session.scalar(select(func.count()).select_from(table)) or 0


def _rows(archive: zipfile.ZipFile, table: Table, name: str) -> Iterator[dict]:
    member = f"tables/{table.name}.jsonl"
    if member not in archive.namelist():
        return
    dates = {
        c.name
        for c in table.columns
        if isinstance(c.type, DateTime) or isinstance(getattr(c.type, "impl", None), DateTime)
    }
    days = {c.name for c in table.columns if isinstance(c.type, Date)}
    columns = {c.name for c in table.columns}
    with archive.open(member) as raw:
        for number, line in enumerate(io.TextIOWrapper(raw, encoding="utf-8"), 1):
            try:
                row = json.loads(line)
            except ValueError:
                raise DmatError(f"{name}: {member}:{number}: not valid JSON") from None
            if set(row) - columns:
                raise DmatError(
                    f"{name}: {member}:{number}: unknown columns "
                    f"{', '.join(sorted(set(row) - columns))}"
                )
            for key in dates & row.keys():
                if row[key] is not None:
                    row[key] = datetime.fromisoformat(row[key])
            for key in days & row.keys():  # a plan's due dates (Date columns)
                if row[key] is not None:
                    row[key] = date.fromisoformat(row[key])
            yield row


def _load_table(archive: zipfile.ZipFile, table: Table, name: str) -> int:
    count = 0
    batch: list[dict] = []
    for row in _rows(archive, table, name):
        batch.append(row)
        if len(batch) >= BATCH:
            db.session.execute(insert(table), batch)
            count += len(batch)
            batch = []
    if batch:
        db.session.execute(insert(table), batch)
        count += len(batch)
    return count


def _reset_sequences(tables) -> None:
    """PostgreSQL: ids were inserted explicitly, so move each id sequence past the largest."""
    if db.engine.dialect.name != "postgresql":
        return
    for table in tables:
        if "id" in table.columns and table.c.id.autoincrement:
            db.session.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                    f'COALESCE((SELECT MAX(id) FROM "{table.name}"), 0) + 1, false)'
                )
            )
