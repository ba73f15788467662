"""Servers for benchmarks: a throw-away PostgreSQL and gunicorn on a loopback port.

Everything listens on 127.0.0.1 only, and is stopped when the ``with`` block ends.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = ROOT / ".venv" / "bin"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def postgres() -> Iterator[str]:
    """A fresh PostgreSQL server; yields its database URL."""
    folder = tempfile.mkdtemp(prefix="dmat-bench-pg-")
    try:
        url = subprocess.run(
            [str(ROOT / "scripts" / "postgres"), "start", folder],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        yield url
    finally:
        subprocess.run([str(ROOT / "scripts" / "postgres"), "stop", folder], check=False)
        shutil.rmtree(folder, ignore_errors=True)


def wait_until_up(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            if time.monotonic() > deadline:
                raise RuntimeError(f"the server did not answer at {url}") from None
            time.sleep(0.2)


@contextmanager
def gunicorn(app: str, env: dict[str, str], workers: int, ready_path: str) -> Iterator[str]:
    """gunicorn serving ``app`` with the project's gunicorn.conf.py; yields the base URL."""
    port = free_port()
    environment = {
        **os.environ,
        **env,
        "DMAT_BIND": f"127.0.0.1:{port}",
        "DMAT_WORKERS": str(workers),
    }
    process = subprocess.Popen(
        [str(VENV_BIN / "gunicorn"), "-c", str(ROOT / "gunicorn.conf.py"), app],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base + ready_path)
        yield base
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
