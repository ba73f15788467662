"""Real-browser testing: the app served on a loopback port, driven by Debian's Chromium.

``live_server`` serves the suite's app (same database) from a thread; ``browser`` is a headless
Chromium through Debian's chromedriver (same version as the browser). Pages are looked at as a
person would: rendered, scripts running, the Content-Security-Policy enforced.
"""

from __future__ import annotations

import contextvars
import shutil
import threading
from collections.abc import Iterator

import pytest
from flask import Flask
from werkzeug.serving import make_server

CHROMIUM = shutil.which("chromium")
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
CHROMEDRIVER = shutil.which("chromedriver")

needs_browser = pytest.mark.skipif(
    not (CHROMIUM and CHROMEDRIVER),
    reason="Debian's chromium and chromium-driver are not installed (scripts/install adds them)",
)


class LiveServer:
    def __init__(self, app: Flask) -> None:
        # requests must not run inside the test's app context: a fresh context for the thread
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(
            target=contextvars.Context().run, args=(self.server.serve_forever,), daemon=True
        )

    def __enter__(self) -> LiveServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.thread.join(timeout=10)
        self.server.server_close()


@pytest.fixture
def live_server(app: Flask) -> Iterator[LiveServer]:
    with LiveServer(app) as server:
        yield server


@pytest.fixture
def browser(tmp_path) -> Iterator:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless=new",
        *CHROMIUM_ARGS,
        "--window-size=1280,900",
        f"--user-data-dir={tmp_path / 'chromium-profile'}",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.implicitly_wait(0)
    try:
        yield driver
    finally:
        driver.quit()


def console_errors(driver) -> list[str]:
    """Errors the page's scripts or the CSP reported in the browser console."""
    return [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]
