"""Rendered PDFs on disk, one file per report slot, named by the hash of what the report shows.

A slot is one report (kind, round, city, language). Storing a new render for a slot removes the
older files of that slot, so the folder holds at most one PDF per report. Files are written to a
temporary name and renamed, so a reader never sees half a PDF, even with several workers.
"""

from __future__ import annotations

import contextlib
import re
from pathlib import Path

from assessment.errors import DmatError
from assessment.files import write_atomically

SLOT = re.compile(r"^[a-z]+(-[0-9]+)+-[a-z]{2}$")
KEY = re.compile(r"^[0-9a-f]{64}$")


class ReportCache:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def path(self, slot: str, key: str) -> Path:
        if not SLOT.match(slot) or not KEY.match(key):
            raise ValueError(f"bad report cache entry {slot}/{key}")
        return self.folder / f"{slot}.{key}.pdf"

    def get(self, slot: str, key: str) -> bytes | None:
        try:
            return self.path(slot, key).read_bytes()
        except FileNotFoundError:
            return None

    def put(self, slot: str, key: str, pdf: bytes) -> None:
        """Store ``pdf``; a cache that cannot be written is skipped, never an error for the user."""
        target = self.path(slot, key)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            write_atomically(target, pdf)
        except (OSError, DmatError):
            return
        for old in self.folder.glob(f"{slot}.*.pdf"):
            if old != target:
                with contextlib.suppress(OSError):
                    old.unlink()
