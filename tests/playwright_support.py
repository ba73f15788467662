"""Playwright for Python on Debian's Chromium, and axe-core accessibility checks.

``page`` is a Playwright page in a headless ``/usr/bin/chromium`` (Playwright never downloads a
browser here). It notes in ``page.problems`` every console error, uncaught exception, refusal by
the Content-Security-Policy and request to another host than the test's server (plotly.js and
everything else must come from the app). ``step(page, label)`` takes a screenshot of each step of
a test into a folder and fails the test on the problems noted since the previous step; the folder
is kept and its path printed only when the test fails. Problems noted after the last step fail
the test when the page is closed. ``axe_violations`` runs axe-core
(the copy bundled in the axe-playwright-python wheel) on the page and returns the violations of
the given impacts; ``audit`` checks a page (axe, then every Tab stop's focus indicator) and notes
one line per checked page, printed at the end of the run.

The app is served by ``live_server`` from tests/browser.py, with its Content-Security-Policy.
axe is evaluated through the DevTools protocol, which the page's CSP does not govern, so the
pages are checked as served (no ``bypass_csp``).
"""

from __future__ import annotations

import io
import math
import os
import re
import shutil
from collections import Counter
from collections.abc import Iterator
from importlib.resources import files
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from PIL import Image

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
        """() => axe.run(document, {resultTypes: ['violations', 'incomplete'], elementRef: true})
        .then(r => {
            const brief = v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => n.target.join(' ') + ' — ' + (n.failureSummary || '')),
                inCharts: v.nodes.filter(n => n.element?.closest('.js-plotly-plot')).length});
            return {violations: r.violations.map(brief), incomplete: r.incomplete.map(brief)};
        })"""
    )


def axe_violations(page, impacts=("serious", "critical")) -> list[dict]:
    """axe-core's violations on the page as it is now, limited to the given impacts."""
    return [v for v in axe_results(page)["violations"] if v["impact"] in impacts]


def audit(page, label: str, language: str) -> list[str]:
    """Check the page as it is now and note a summary line for the end of the run; returns a
    description of each problem found.

    axe-core: no serious or critical violation, and nothing left undecided except the colour
    contrast of chart texts, which axe cannot work out (text over an SVG drawing or the heatmap's
    image) and ``chart_contrast`` measures instead. Charts: every chart is drawn, and each of its
    texts has enough contrast with what is drawn behind it. Keyboard: from the top of the page,
    Tab reaches the skip link first and every focused element shows a visible focus indicator.
    """
    page.mouse.move(0, 0)  # no hover label over a chart
    page.wait_for_function(CHARTS_DRAWN)
    results = axe_results(page)
    counts = Counter(v["impact"] for v in results["violations"])
    found = ", ".join(f"{counts[i]} {i}" for i in ("critical", "serious", "moderate", "minor"))
    serious = [v for v in results["violations"] if v["impact"] in ("serious", "critical")]
    problems = [describe(serious)] if serious else []
    review = []
    for result in sorted(results["incomplete"], key=lambda result: result["id"]):
        in_charts = result["inCharts"] if result["id"] == "color-contrast" else 0
        if in_charts == len(result["nodes"]):
            review.append(f"{result['id']} ({in_charts} nodes, all in charts)")
        else:
            review.append(result["id"])
            problems.append(f"axe could not decide: {describe([result])}")

    texts, lowest, faint = chart_contrast(page)
    problems += faint
    charts = f"{texts} chart texts measured, lowest {lowest:.1f}:1" if texts else "no charts"

    stops, unfocused = focus_walk(page)
    problems += unfocused
    focus = f"{len(unfocused)} problems" if unfocused else "skip link first, focus visible on all"
    address = urlsplit(page.url)
    where = address.path + (f"?{address.query}" if address.query else "")
    SUMMARY.append(
        f"{label} [{language}] {where}: axe {found}; undecided by axe: "
        f"{', '.join(review) or 'none'}; {charts}; {stops} Tab stops, {focus}"
    )
    return problems


# Every chart of the page is drawn (has texts), unless its data is empty.
CHARTS_DRAWN = """() => [...document.querySelectorAll('[data-chart], #radar')].every(element => {
    const source = document.getElementById(element.dataset.source || 'radar-data');
    return !source || JSON.parse(source.textContent) === null
        || !!element.querySelector('svg.main-svg text');
})"""

# The visible texts of a Plotly chart, with their colour, size and box in the chart; then every
# text of the chart is hidden, so that a screenshot shows what is drawn behind them.
HIDE_CHART_TEXTS = """chart => {
    const box = chart.getBoundingClientRect();
    const texts = [];
    for (const text of chart.querySelectorAll('svg text')) {
        const style = getComputedStyle(text);
        const rect = text.getBoundingClientRect();
        if (text.textContent.trim() && style.visibility !== 'hidden' && style.display !== 'none'
                && rect.width > 0 && rect.height > 0) {
            let opacity = parseFloat(style.fillOpacity);
            for (let e = text; e && e !== chart; e = e.parentElement) {
                opacity *= parseFloat(getComputedStyle(e).opacity);
            }
            texts.push({content: text.textContent.trim().slice(0, 40), fill: style.fill, opacity,
                size: parseFloat(style.fontSize), weight: parseInt(style.fontWeight, 10),
                x: rect.left - box.left, y: rect.top - box.top, width: rect.width,
                height: rect.height, chartWidth: box.width, chartHeight: box.height});
        }
        text.dataset.visibility = text.style.visibility;
        text.style.visibility = 'hidden';
    }
    return texts;
}"""
SHOW_CHART_TEXTS = """chart => chart.querySelectorAll('svg text').forEach(text => {
    text.style.visibility = text.dataset.visibility;
    delete text.dataset.visibility;
})"""


def chart_contrast(page) -> tuple[int, float, list[str]]:
    """Measure the contrast of every text of the page's Plotly charts with what is drawn behind it.

    The background is read from a screenshot of the chart with its texts hidden: every colour
    covering 15% or more of the text's box counts. The text must reach 4.5:1 against each (3:1
    from 24 px, or from 18.66 px in bold), as WCAG 2.1 1.4.3 asks, and lie inside the chart (a
    text reaching out of it is cut off). Returns the number of texts, the lowest ratio and a
    description of each failure.
    """
    charts = page.locator(".js-plotly-plot")
    measured, lowest, problems = 0, 21.0, []
    for index in range(charts.count()):
        chart = charts.nth(index)
        chart.scroll_into_view_if_needed()
        texts = chart.evaluate(HIDE_CHART_TEXTS)
        try:
            image = Image.open(io.BytesIO(chart.screenshot(animations="disabled"))).convert("RGB")
        finally:
            chart.evaluate(SHOW_CHART_TEXTS)
        name = chart.get_attribute("id") or f"chart {index + 1}"
        for text in texts:
            measured += 1
            left, top = math.floor(text["x"]), math.floor(text["y"])
            right = math.ceil(text["x"] + text["width"])
            bottom = math.ceil(text["y"] + text["height"])
            inside = right <= text["chartWidth"] + 2 and bottom <= text["chartHeight"] + 2
            if min(left, top) < -2 or not inside:
                problems.append(f"{name}: “{text['content']}” is cut off at the chart's edge")
            box = (max(0, left), max(0, top), min(image.width, right), min(image.height, bottom))
            if box[2] <= box[0] or box[3] <= box[1]:
                continue
            data = image.crop(box).tobytes()  # red, green, blue, red, ...
            pixels = Counter(zip(data[0::3], data[1::3], data[2::3], strict=True))
            total = sum(pixels.values())
            backgrounds = [c for c, n in pixels.items() if n >= 0.15 * total] or [
                pixels.most_common(1)[0][0]
            ]
            ink = rgba(text["fill"])
            ink = (*ink[:3], ink[3] * text["opacity"])
            ratio = min(contrast(over(ink, (*b, 1.0)), (*b, 1.0)) for b in backgrounds)
            lowest = min(lowest, ratio)
            large = text["size"] >= 24 or (text["size"] >= 18.66 and text["weight"] >= 700)
            if ratio < (3 if large else 4.5):
                problems.append(
                    f"{name}: “{text['content']}” ({text['fill']}, {text['size']:g}px) has "
                    f"{ratio:.2f}:1 contrast with rgb{backgrounds}"
                )
    return measured, lowest, problems


def rgba(colour: str) -> tuple[float, float, float, float]:
    """A computed CSS colour, ``rgb(r, g, b)`` or ``rgba(r, g, b, a)``, as numbers."""
    match = re.fullmatch(r"rgba?\(([\d.]+),\s*([\d.]+),\s*([\d.]+)(?:,\s*([\d.]+))?\)", colour)
    assert match, f"not an rgb() colour: {colour}"
    red, green, blue, alpha = match.groups()
    return float(red), float(green), float(blue), 1.0 if alpha is None else float(alpha)


def over(colour: tuple, backdrop: tuple) -> tuple[float, float, float, float]:
    """A translucent colour as it shows over an opaque backdrop."""
    alpha = colour[3]
    mixed = (alpha * c + (1 - alpha) * b for c, b in zip(colour[:3], backdrop[:3], strict=True))
    return (*mixed, 1.0)


def luminance(colour: tuple) -> float:
    """WCAG 2.1 relative luminance of an sRGB colour."""

    def linear(channel: float) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    red, green, blue = (linear(c) for c in colour[:3])
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast(first: tuple, second: tuple) -> float:
    """WCAG 2.1 contrast ratio, from 1 to 21."""
    light, dark = sorted((luminance(first), luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


# Where the focus is after a Tab press, how it is shown and what is drawn around it. A radio or a
# checkbox may show its focus on its label. The backdrops are what lies just outside the
# indicator on each side (the stack of elements under a point there, their background colours).
FOCUS_STOP = """again => {
    document.getElementById('focus-walk-start')?.remove();
    const element = document.activeElement;
    if (!again) {
        if (!element || element === document.body || window.focusWalk.has(element)) return null;
        window.focusWalk.add(element);
    }
    const text = (element.innerText || element.value || element.getAttribute('aria-label') || '');
    const name = element.tagName.toLowerCase() + (element.id ? '#' + element.id : '')
        + (element.getAttribute('class') ? '.' + element.getAttribute('class').trim()
            .split(/\\s+/).join('.') : '')
        + (element.name ? '[name=' + element.name + ']' : '')
        + ' "' + text.trim().replace(/\\s+/g, ' ').slice(0, 40) + '"';
    const bearers = [element];
    const label = element.closest('label');
    if (label && element.matches('input[type=radio], input[type=checkbox]')) bearers.push(label);
    const rings = [];
    for (const bearer of bearers) {
        const style = getComputedStyle(bearer);
        const width = parseFloat(style.outlineWidth);
        if (style.outlineStyle !== 'none' && width > 0) {
            rings.push({kind: 'outline', style: style.outlineStyle, colour: style.outlineColor,
                extent: width + Math.max(0, parseFloat(style.outlineOffset) || 0)});
        }
        const shadows = style.boxShadow === 'none' ? [] : style.boxShadow.split(/,(?![^(]*\\))/);
        for (const shadow of shadows) {
            const colour = shadow.match(/rgba?\\([^)]*\\)/)[0];
            const lengths = shadow.replace(colour, '').match(/-?[\\d.]+px/g).map(parseFloat);
            const [x, y, blur = 0, spread = 0] = lengths;
            if (!/inset/.test(shadow) && (blur > 0 || spread > 0)) {
                rings.push({kind: 'box-shadow', colour: colour,
                    extent: spread + blur + Math.max(Math.abs(x), Math.abs(y))});
            }
        }
    }
    const rect = element.getBoundingClientRect();
    let opacity = 1;
    for (let e = element; e; e = e.parentElement) {
        opacity *= parseFloat(getComputedStyle(e).opacity);
    }
    const onScreen = rect.width > 0 && rect.height > 0 && rect.bottom > 0 && rect.right > 0
        && rect.top < innerHeight && rect.left < innerWidth && opacity > 0.9
        && getComputedStyle(element).visibility === 'visible';
    const box = bearers[bearers.length - 1].getBoundingClientRect();
    const gap = Math.max(0, ...rings.map(ring => ring.extent)) + 2;
    const points = [[box.left - gap, (box.top + box.bottom) / 2],
        [box.right + gap, (box.top + box.bottom) / 2], [(box.left + box.right) / 2, box.top - gap],
        [(box.left + box.right) / 2, box.bottom + gap]];
    const backdrops = points.filter(([x, y]) => x >= 0 && y >= 0 && x < innerWidth
        && y < innerHeight).map(([x, y]) => {
        const layers = [];
        for (const under of document.elementsFromPoint(x, y)) {
            if (bearers.some(bearer => bearer.contains(under))) continue;
            const background = getComputedStyle(under).backgroundColor;
            if (!/^rgba\\(.*,\\s*0\\)$/.test(background)) layers.push(background);
            if (/^rgb\\(/.test(background)) break;
        }
        return layers;
    });
    return {name, onScreen, rings, backdrops, skipLink: element.matches('.skip-link')
        && !!document.querySelector(element.getAttribute('href'))};
}"""


def focus_walk(page, limit: int = 150) -> tuple[int, list[str]]:
    """Press Tab from the top of the page until the focus comes back round (or ``limit`` stops),
    and check every stop: the first is the skip link and its target exists; each focused element
    is on screen and opaque, and shows a focus indicator (an outline, or a box-shadow ring) of
    which one colour has at least 3:1 contrast with what is around it (WCAG 2.1 1.4.11, 2.4.7).
    Returns the number of stops and a description of each failure."""
    page.evaluate(
        """() => {
            window.focusWalk = new Set();
            const start = document.createElement('span');
            start.id = 'focus-walk-start';
            start.tabIndex = -1;
            document.body.prepend(start);
            start.focus();
        }"""
    )
    problems: list[str] = []
    stops = 0
    for _ in range(limit):
        page.keyboard.press("Tab")
        stop = page.evaluate(FOCUS_STOP, False)
        if stop is None:
            break
        if not stop["onScreen"]:  # it may be on its way in (a transition)
            page.wait_for_timeout(500)
            stop = page.evaluate(FOCUS_STOP, True)
        stops += 1
        if stops == 1 and not stop["skipLink"]:
            problems.append(f"the first Tab stop is {stop['name']}, not a working skip link")
        if not stop["onScreen"]:
            problems.append(f"{stop['name']}: focused but not on screen, or transparent")
        if any(ring["style"] == "auto" for ring in stop["rings"] if ring["kind"] == "outline"):
            continue  # the browser's own two-colour focus ring
        if not stop["rings"]:
            problems.append(f"{stop['name']}: no focus indicator (no outline, no box-shadow)")
            continue
        # on each side, one of the indicator's colours must stand out from what is around it
        for layers in stop["backdrops"]:
            backdrop = (255.0, 255.0, 255.0, 1.0)  # the canvas
            for layer in reversed(layers):
                backdrop = over(rgba(layer), backdrop)
            colours = [over(rgba(ring["colour"]), backdrop) for ring in stop["rings"]]
            best = max(contrast(colour, backdrop) for colour in colours)
            if best < 3:
                problems.append(
                    f"{stop['name']}: focus indicator {[r['colour'] for r in stop['rings']]} has "
                    f"{best:.2f}:1 contrast with rgb{tuple(round(c) for c in backdrop[:3])}"
                )
                break
    return stops, problems


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
        terminalreporter.section("accessibility checks: axe-core violations by impact, Tab stops")
        for line in SUMMARY:
            terminalreporter.write_line(line)
