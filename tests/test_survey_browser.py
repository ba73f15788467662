"""autosave.js in a real browser (headless Chromium through chromedriver's WebDriver API).

Choosing a level saves it and says "Saved"; with the server down the page says it is retrying,
and once the server is back the answer is saved without anyone touching the page again.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
import urllib.request

import pytest

from tests.test_survey_server import MEMBERS, PASSWORD, free_port, server, stored  # noqa: F401

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not (shutil.which("chromedriver") and shutil.which("chromium")),
        reason="needs chromium and chromedriver (scripts/install installs them)",
    ),
]
ELEMENT = "element-6066-11e4-a52e-4f735466cecf"


class WebDriver:
    """Just enough of the W3C WebDriver protocol, over urllib."""

    def __init__(self, port: int) -> None:
        self.base = f"http://127.0.0.1:{port}"
        options = {
            "binary": shutil.which("chromium"),
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1200,1400"],
        }
        capabilities = {"capabilities": {"alwaysMatch": {"goog:chromeOptions": options}}}
        self.session = self.call("POST", "/session", capabilities)["sessionId"]

    def call(self, method: str, path: str, body: dict | None = None):
        request = urllib.request.Request(
            self.base + path,
            method=method,
            headers={"Content-Type": "application/json"},
            data=None if body is None else json.dumps(body).encode(),
        )
        with urllib.request.urlopen(request, timeout=60) as reply:
            return json.loads(reply.read())["value"]

    def do(self, method: str, path: str, body: dict | None = None):
        return self.call(method, f"/session/{self.session}{path}", body)

    def open(self, url: str) -> None:
        self.do("POST", "/url", {"url": url})

    def element(self, css: str) -> str:
        return self.do("POST", "/element", {"using": "css selector", "value": css})[ELEMENT]

    def click(self, css: str) -> None:
        self.do("POST", f"/element/{self.element(css)}/click", {})

    def type(self, css: str, text: str) -> None:
        self.do("POST", f"/element/{self.element(css)}/value", {"text": text})

    def script(self, source: str, *args):
        return self.do("POST", "/execute/sync", {"script": source, "args": list(args)})

    def wait_for(self, source: str, expected: str, seconds: float = 30):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            value = self.script(source)
            if expected in (value or ""):
                return value
            time.sleep(0.1)
        raise AssertionError(f"waited for {expected!r}, got {value!r}")

    def quit(self) -> None:
        self.call("DELETE", f"/session/{self.session}")


@pytest.fixture
def browser():
    port = free_port()
    driver = subprocess.Popen(
        ["chromedriver", f"--port={port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.1)
    web = WebDriver(port)
    yield web
    web.quit()
    driver.terminate()
    driver.wait(timeout=10)


def status(n: int) -> str:
    """The script that reads the save status of the n-th question."""
    statuses = "document.querySelectorAll('fieldset[data-question] [data-status]')"
    return f"return {statuses}[{n}].textContent"


def test_autosave_in_a_browser_survives_a_server_restart(server, browser):  # noqa: F811
    running, database = server
    browser.open(running.base + "/login")
    browser.type("#email", MEMBERS[0])
    browser.type("#password", PASSWORD)
    browser.click("main form input[type=submit]")
    logged_in = (
        "return location.pathname.startsWith('/survey/') && document.readyState === 'complete'"
        " ? 'in' : ''"
    )
    browser.wait_for(logged_in, "in")  # the login has gone through before we go on
    browser.open(running.base + "/survey/1/areas/vision")
    browser.wait_for("return location.pathname", "/survey/1/areas/vision")
    assert browser.script("return document.querySelector('[data-autosave-note]').hidden") is False

    browser.click("fieldset[data-question]:nth-of-type(1) .levels label:nth-of-type(4)")
    browser.wait_for(status(0), "Saved")
    assert "1 of 6 answered" in browser.script(
        "return document.querySelector('[data-progress=area] [data-progress-text]').textContent"
    )
    browser.type("fieldset[data-question]:nth-of-type(1) textarea", "from the browser")
    browser.wait_for(status(0), "Saved")
    assert stored(database)[(MEMBERS[0], 1)] == "4"

    running.kill()  # the server goes away while the member keeps answering
    browser.click("fieldset[data-question]:nth-of-type(2) .levels label:nth-of-type(2)")
    browser.wait_for(status(1), "retrying")
    running.start(running.port)  # back on the same address: the page saves on its own
    browser.wait_for(status(1), "Saved", seconds=60)
    on_disk = stored(database)
    assert on_disk[(MEMBERS[0], 1)] == "4" and on_disk[(MEMBERS[0], 2)] == "2"

    # clearing: the answer is removed, the page says so
    browser.click("fieldset[data-question]:nth-of-type(2) [data-clear]")
    browser.wait_for(status(1), "Answer cleared")
    assert (MEMBERS[0], 2) not in stored(database)
