"""Backup and restore: everything identical after a round trip, across database kinds."""

from __future__ import annotations

import json
import zipfile

import pytest
from sqlalchemy import select

from assessment.extensions import db


def snapshot() -> dict:
    """Every row of every table, in id order (leaving out the audit of restores themselves)."""
    tables = {}
    for table in db.metadata.sorted_tables:
        order = list(table.primary_key.columns)
        rows = db.session.execute(select(table).order_by(*order)).mappings()
        tables[table.name] = [dict(row) for row in rows if row.get("action") != "backup_restored"]
    return tables


@pytest.fixture
def demo_backup(demo, dmat, tmp_path):
    path = tmp_path / "backup.zip"
    result = dmat("backup", str(path))
    assert result.exit_code == 0, result.output
    scores = {
        name: json.loads(dmat("scores", "--round", name).output)
        for name in ("2020 baseline", "2022 follow-up")
    }
    return path, snapshot(), scores


def restore_and_compare(other_app, url: str, path, before: dict, scores_before: dict) -> None:
    app, run = other_app(url)
    result = run("restore", str(path))
    assert result.exit_code == 0, result.output
    with app.app_context():
        after = snapshot()
        assert after == before
        assert sum(len(rows) for rows in after.values()) > 5_000
        scores_after = {
            name: json.loads(run("scores", "--round", name).output) for name in scores_before
        }
        assert scores_after == scores_before
        # new rows get fresh ids after a restore (sequences moved past the restored ids)
        second = run("city", "add", "Oslo", "--country", "NO")
        assert second.exit_code == 0, second.output
        db.session.remove()


def test_round_trip_from_the_suite_database(demo_backup, tmp_path, other_app, empty_database_url):
    """PostgreSQL -> SQLite in the PostgreSQL pass, SQLite -> SQLite in the SQLite pass."""
    path, before, scores_before = demo_backup
    url = empty_database_url
    if db.engine.dialect.name == "postgresql":
        url = f"sqlite:///{tmp_path / 'restored.sqlite'}"
    restore_and_compare(other_app, url, path, before, scores_before)


def test_round_trip_from_sqlite_into_a_fresh_database(tmp_path, other_app, empty_database_url):
    """SQLite -> PostgreSQL in the PostgreSQL pass (SQLite -> SQLite in the SQLite pass)."""
    source, run = other_app(f"sqlite:///{tmp_path / 'source.sqlite'}")
    for args in (("init",), ("demo",), ("backup", str(tmp_path / "source.zip"))):
        result = run(*args)
        assert result.exit_code == 0, result.output
    with source.app_context():
        before = snapshot()
        scores_before = {
            name: json.loads(run("scores", "--round", name).output)
            for name in ("2020 baseline", "2022 follow-up")
        }
        db.session.remove()
    restore_and_compare(
        other_app, empty_database_url, tmp_path / "source.zip", before, scores_before
    )


def test_restore_refuses_a_database_with_data_unless_replace(demo_backup, dmat):
    path, before, _ = demo_backup
    result = dmat("restore", str(path))
    assert result.exit_code == 1 and "not empty" in result.output
    dmat("city", "add", "Oslo", "--country", "NO")
    result = dmat("restore", str(path), "--replace")
    assert result.exit_code == 0, result.output
    assert snapshot() == before


@pytest.mark.parametrize("damage", ["not a zip", "no manifest", "bad count", "bad json"])
def test_damaged_archives_change_nothing(demo_backup, dmat, tmp_path, damage):
    path, before, _ = demo_backup
    broken = tmp_path / "broken.zip"
    if damage == "not a zip":
        broken.write_bytes(b"hello")
    else:
        with zipfile.ZipFile(path) as source, zipfile.ZipFile(broken, "w") as target:
            for item in source.namelist():
                data = source.read(item)
                if item == "manifest.json" and damage == "no manifest":
                    continue
                if item == "manifest.json" and damage == "bad count":
                    manifest = json.loads(data)
                    manifest["tables"]["answer"] += 1
                    data = json.dumps(manifest).encode()
                if item == "tables/city.jsonl" and damage == "bad json":
                    data = data + b"{not json\n"
                target.writestr(item, data)
    result = dmat("restore", str(broken), "--replace")
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert snapshot() == before
