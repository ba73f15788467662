"""Playwright for Python on Debian's Chromium, and axe-core accessibility checks.

``page`` is a Playwright page in a headless ``/usr/bin/chromium`` (Playwright never downloads a
browser here). It notes in ``page.problems`` every console error, uncaught exception, refusal by
the Content-Security-Policy and request to another host than the test's server (plotly.js and
everything else must come from the app). ``step(page, label)`` takes a screenshot of each step of
a test into a folder and fails the test on the problems noted since the previous step; the folder
is kept and its path printed only when the test fails. Problems noted after the last step fail
the test when the page is closed. ``axe_violations`` runs axe-core
(the copy bundled in the axe-playwright-python wheel) on the page and returns the violations of
the given impacts; ``record`` notes one line per checked page, printed at the end of the run.

The app is served by ``live_server`` from tests/browser.py, with its Content-Security-Policy.
axe is evaluated through the DevTools protocol, which the page's CSP does not govern, so the
pages are checked as served (no ``bypass_csp``).
"""

from __future__ import annotations

import os
import shutil
from collections import Counter
from collections.abc import Iterator
from importlib.resources import files
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.browser import CHROMIUM_ARGS

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = pytest.StashKey[Path]()
REPORTS = pytest.StashKey[dict]()
SUMMARY: list[str] = []  # one line per page checked by axe, printed at the end of the run

needs_chromium = pytest.mark.skipif(
    not os.access(CHROMIUM, os.X_OK),
    reason="Debian's chromium is not installed (scripts/install adds it)",
)


@pytest.fixture(scope="module")
def chromium() -> Iterator:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


# The browser reports a refusal by the Content-Security-Policy as a DOM event; this makes it a
# console error too, whatever the browser logs itself. Init scripts are not subject to the CSP.
REPORT_CSP_VIOLATIONS = """document.addEventListener('securitypolicyviolation', event =>
    console.error('Content-Security-Policy violation: ' + event.violatedDirective + ' refused '
        + (event.blockedURI || 'inline code') + ' in ' + event.sourceFile));
"""
LOCAL = ("127.0.0.1",)


def watch(page) -> None:
    """Note the page's console errors, uncaught exceptions, CSP refusals and foreign requests."""
    page.problems = []

    def console(message) -> None:
        if message.type == "error":
            where = message.location.get("url", "")
            page.problems.append(f"console error: {message.text} ({where})")

    def foreign(request) -> None:
        address = urlsplit(request.url)
        if address.scheme in ("http", "https", "ws", "wss") and address.hostname not in LOCAL:
            page.problems.append(f"request to another host: {request.url}")

    page.on("console", console)
    page.on("pageerror", lambda error: page.problems.append(f"uncaught exception: {error}"))
    page.on("request", foreign)


def quiet(page) -> None:
    """Fail on the problems noted since the last call (and forget them)."""
    problems, page.problems[:] = list(page.problems), []
    assert not problems, f"{page.url}:\n" + "\n".join(problems)


@pytest.fixture
def page(chromium, request, tmp_path) -> Iterator:
    folder = tmp_path / "screenshots"
    folder.mkdir()
    request.node.stash[SCREENSHOTS] = folder
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    context.add_init_script(REPORT_CSP_VIOLATIONS)
    page = context.new_page()
    watch(page)
    page.screenshots = folder  # where step() writes
    page.steps = 0
    try:
        yield page
    finally:
        reports = request.node.stash.get(REPORTS, {})
        failed = any(report.failed for report in reports.values())
        if failed:
            step(page, "failure", check=False)
            print(f"screenshots of each step: {folder}")
        problems = list(page.problems)
        context.close()
        if not failed:
            shutil.rmtree(folder, ignore_errors=True)
            if problems:
                pytest.fail("after the last step:\n" + "\n".join(problems))


def step(page, label: str, check: bool = True) -> Path:
    """A full-page screenshot named after the step (kept only if the test fails); then, unless
    ``check`` is false, the console errors, uncaught exceptions, CSP refusals and foreign requests
    since the previous step fail the test."""
    page.steps += 1
    name = "".join(c if c.isalnum() else "-" for c in label).strip("-")
    path = page.screenshots / f"{page.steps:02d}-{name}.png"
    try:
        page.screenshot(path=str(path), full_page=True)
    except Exception as error:  # a screenshot must never hide the real failure
        print(f"no screenshot for {label}: {error}")
    if check:
        quiet(page)
    return path


AXE_SOURCE = files("axe_playwright_python").joinpath("axe.min.js").read_text(encoding="utf-8")


def axe_results(page) -> dict:
    """axe-core's violations and incomplete checks (needing a person's review) on the page."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(AXE_SOURCE)
    return page.evaluate(
        """() => axe.run(document, {resultTypes: ['violations', 'incomplete']}).then(r => {
            const brief = v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => n.target.join(' ') + ' — ' + (n.failureSummary || ''))});
            return {violations: r.violations.map(brief), incomplete: r.incomplete.map(brief)};
        })"""
    )


def axe_violations(page, impacts=("serious", "critical")) -> list[dict]:
    """axe-core's violations on the page as it is now, limited to the given impacts."""
    return [v for v in axe_results(page)["violations"] if v["impact"] in impacts]


def record(label: str, language: str, page) -> list[dict]:
    """Run axe on the page, note a summary line and return the serious and critical violations.

    The line counts the rules violated by impact, and the rules axe could not decide (to review).
    """
    results = axe_results(page)
    counts = Counter(v["impact"] for v in results["violations"])
    found = ", ".join(f"{counts[i]} {i}" for i in ("critical", "serious", "moderate", "minor"))
    review = ", ".join(sorted(v["id"] for v in results["incomplete"])) or "none"
    SUMMARY.append(f"{label} [{language}] {page.url}: {found}; to review: {review}")
    return [v for v in results["violations"] if v["impact"] in ("serious", "critical")]


def describe(violations: list[dict]) -> str:
    return "\n".join(
        f"{v['impact']} {v['id']}: {v['help']}\n    " + "\n    ".join(v["nodes"][:5])
        for v in violations
    )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    item.stash.setdefault(REPORTS, {})[report.when] = report
    return report


def pytest_terminal_summary(terminalreporter):
    if SUMMARY:
        terminalreporter.section("axe-core accessibility check (violations by impact)")
        for line in SUMMARY:
            terminalreporter.write_line(line)
