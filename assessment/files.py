"""Files dmat writes and reads: written so that no reader ever sees half a file, with text
cells that no spreadsheet program runs as a formula."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from .errors import DmatError


def write_atomically(path: Path, data: bytes) -> None:
    """Write to a temporary file beside ``path``, then rename it into place.

    A failure leaves no temporary file behind and raises DmatError naming the path.
    """
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
            with contextlib.suppress(OSError):
                os.unlink(temporary)
        raise DmatError(f"{path}: cannot be written ({error.strerror})") from None


# Spreadsheet formula injection (OWASP "CSV Injection"): a spreadsheet program runs a text cell
# that starts with one of these as a formula, so exported text that starts with one gets a
# leading apostrophe. Text that already starts with apostrophes followed by one gets one more,
# so that reading a file back (``spreadsheet_text``) removes exactly one and gives the original.
FORMULA_TRIGGERS = frozenset("=+-@\t\r")


def _quoted_trigger(text: str) -> bool:
    """Whether ``text`` is apostrophes (none or more) followed by a formula trigger."""
    return text.lstrip("'")[:1] in FORMULA_TRIGGERS


def spreadsheet_cell(value: object) -> object:
    """A value for a CSV or XLSX cell: text that a spreadsheet would run is prefixed with ``'``.

    Numbers (and None) are returned as they are, so a negative number stays a number.
    """
    if isinstance(value, str) and _quoted_trigger(value):
        return "'" + value
    return value


def spreadsheet_text(text: str) -> str:
    """The text a cell written by ``spreadsheet_cell`` held: the inverse of its prefix.

    Removes exactly one leading ``'`` when the rest is ``'``* and a formula trigger; any other
    text (a quote before ordinary text included) is left alone.
    """
    if text.startswith("'") and _quoted_trigger(text[1:]):
        return text[1:]
    return text
