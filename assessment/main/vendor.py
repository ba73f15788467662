"""plotly.js as the app serves it: the installed package's file, compressed once.

The file is 4.8 MB and every page with a chart needs it. Compressed with gzip it is about
1.5 MB; the compressed copy is made once per installed version (about 0.6 s) and kept in the
instance folder, where every worker and server process finds it.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import tempfile
from functools import cache
from pathlib import Path

import plotly
from flask import Request, Response, current_app
from plotly.offline import get_plotlyjs_version

PLOTLY_FILE = Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js"
PLOTLY_VERSION = get_plotlyjs_version()
YEAR = 365 * 24 * 3600


@cache
def _plain() -> bytes:
    return PLOTLY_FILE.read_bytes()


@cache
def _compressed(folder: str) -> bytes:
    """The gzip copy from ``folder``, made and stored there (atomically) when missing."""
    path = Path(folder) / f"plotly-{PLOTLY_VERSION}.min.js.gz"
    try:
        return path.read_bytes()
    except FileNotFoundError:
        pass
    data = gzip.compress(_plain(), compresslevel=6, mtime=0)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".plotly-")
    with os.fdopen(handle, "wb") as out:
        out.write(data)
    os.replace(temporary, path)
    return data


def plotly_response(request: Request) -> Response:
    compressed = "gzip" in request.accept_encodings
    data = _compressed(str(Path(current_app.instance_path) / "vendor")) if compressed else _plain()
    response = Response(data, mimetype="text/javascript")
    if compressed:
        response.headers["Content-Encoding"] = "gzip"
    response.headers["Vary"] = "Accept-Encoding"
    response.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable"
    response.set_etag(hashlib.sha256(data).hexdigest()[:32])
    return response.make_conditional(request)
