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
from typing import NamedTuple

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = ROOT / ".venv" / "bin"


def cpu_seconds(pid: int) -> float:
    """CPU time (user and system) used so far by a process and its children (Linux), including
    children that have ended, such as recycled gunicorn workers (counted by whoever reaped them)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        total += sum(int(value) for value in fields[11:15]) / tick
        pending.extend(int(child) for child in children)
    return total


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server(NamedTuple):
    url: str
    pid: int  # the main process: its CPU time and its children's is the server's cost


@contextmanager
def postgres() -> Iterator[Server]:
    """A fresh PostgreSQL server (fsync off, as in the tests); yields its database URL."""
    folder = tempfile.mkdtemp(prefix="dmat-bench-pg-")
    try:
        url = subprocess.run(
            [str(ROOT / "scripts" / "postgres"), "start", folder],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        pid = int((Path(folder) / "data" / "postmaster.pid").read_text().split()[0])
        yield Server(url, pid)
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
def gunicorn(app: str, env: dict[str, str], workers: int, ready_path: str) -> Iterator[Server]:
    """gunicorn serving ``app`` with the project's gunicorn.conf.py; yields its base URL."""
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
        yield Server(base, process.pid)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
