"""Real-browser testing: the app served on a loopback port, for Debian's Chromium.

``live_server`` serves the suite's app (same database) from a thread; the browser is driven by
Playwright (tests/playwright_support.py) with the flags below. Pages are looked at as a person
would: rendered, scripts running, the Content-Security-Policy enforced.
"""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Iterator

import pytest
from flask import Flask
from werkzeug.serving import make_server

# headless Chromium on a machine with a closed network: no background connections, no sandbox
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


class LiveServer:
    def __init__(self, app: Flask) -> None:
        # requests must not run inside the test's app context: a fresh context for the thread
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.app = app
        self.thread = threading.Thread(
            target=contextvars.Context().run, args=(self.server.serve_forever,), daemon=True
        )

    def __enter__(self) -> LiveServer:
        # the links the app makes (invitations, resets) name the site's address: this server's,
        # while it serves (the app is the suite's, so the address is put back afterwards)
        self.base_url = self.app.config["BASE_URL"]
        self.app.config["BASE_URL"] = self.url
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.app.config["BASE_URL"] = self.base_url
        self.server.shutdown()
        self.thread.join(timeout=10)
        self.server.server_close()


@pytest.fixture
def live_server(app: Flask) -> Iterator[LiveServer]:
    with LiveServer(app) as server:
        yield server
