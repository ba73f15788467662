"""Writing output files so that no reader ever sees half a file."""

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
