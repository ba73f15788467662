"""The public pages in a real browser: they render, log in works, no console or CSP errors.

Console errors, uncaught exceptions and refusals by the Content-Security-Policy fail each step
(see tests/playwright_support.py).
"""

from __future__ import annotations

from assessment.models import Role

from .conftest import PASSWORD
from .playwright_support import needs_chromium, step

pytestmark = needs_chromium


def test_landing_login_language_and_logout(page, live_server, make_user):
    make_user("coordinator@dmat.example", Role.COORDINATOR)
    page.goto(live_server.url + "/")
    assert "How digitally mature is your city?" in page.inner_text("h1")
    step(page, "landing")

    page.click("text=Log in")
    page.fill("#email", "coordinator@dmat.example")
    page.fill("#password", PASSWORD)
    page.click("#submit")
    page.wait_for_selector(".user")
    step(page, "logged in")

    page.select_option("#language", "bg")
    page.click("#language ~ button")
    page.wait_for_function("() => document.documentElement.lang === 'bg'")
    assert page.get_attribute("html", "lang") == "bg"
    page.click("form button.link-button")
    page.wait_for_selector("a:text-is('Вход')")
    step(page, "logged out")


def test_plotly_runs_under_the_content_security_policy(page, live_server):
    """plotly.js, served by the app, draws a chart on a page with the app's CSP."""
    response = page.goto(live_server.url + "/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.evaluate(
        """() => new Promise((resolve, reject) => {
            const script = document.createElement('script');
            script.src = '/vendor/plotly.min.js';
            script.onerror = reject;
            script.onload = () => {
                const chart = document.createElement('div');
                chart.id = 'chart';
                document.body.append(chart);
                Plotly.newPlot(chart, [{type: 'scatterpolar', r: [1, 2, 3],
                    theta: ['a', 'b', 'c'], fill: 'toself'}]).then(() => resolve());
            };
            document.head.append(script);
        })"""
    )
    assert page.locator("#chart svg.main-svg").count() > 0
    step(page, "chart drawn")
