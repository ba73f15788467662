"""The public pages in a real browser: they render, log in works, no console or CSP errors."""

from __future__ import annotations

from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from assessment.models import Role

from .browser import console_errors, needs_browser
from .conftest import PASSWORD

pytestmark = needs_browser


def test_landing_login_language_and_logout(browser, live_server, make_user, tmp_path):
    make_user("coordinator@dmat.example", Role.COORDINATOR)
    browser.get(live_server.url + "/")
    assert "How digitally mature is your city?" in browser.find_element(By.TAG_NAME, "h1").text
    browser.save_screenshot(str(tmp_path / "landing.png"))

    browser.find_element(By.LINK_TEXT, "Log in").click()
    browser.find_element(By.ID, "email").send_keys("coordinator@dmat.example")
    browser.find_element(By.ID, "password").send_keys(PASSWORD)
    browser.find_element(By.ID, "submit").click()
    WebDriverWait(browser, 10).until(EC.presence_of_element_located((By.CLASS_NAME, "user")))

    language = browser.find_element(By.ID, "language")
    language.find_element(By.CSS_SELECTOR, "option[value=bg]").click()
    language.find_element(By.XPATH, "./following-sibling::button").click()
    WebDriverWait(browser, 10).until(
        EC.text_to_be_present_in_element((By.TAG_NAME, "h1"), "община")
    )
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "bg"
    browser.find_element(By.CSS_SELECTOR, "form button.link-button").click()
    WebDriverWait(browser, 10).until(EC.presence_of_element_located((By.LINK_TEXT, "Вход")))
    assert console_errors(browser) == []


def test_plotly_runs_under_the_content_security_policy(browser, live_server):
    """plotly.js, served by the app, draws a chart on a page with the app's CSP."""
    browser.get(live_server.url + "/")
    browser.execute_script(
        "const s = document.createElement('script'); s.src = '/vendor/plotly.min.js';"
        "s.onload = () => { const d = document.createElement('div'); d.id = 'chart';"
        "document.body.appendChild(d); Plotly.newPlot(d, [{type: 'scatterpolar', r: [1, 2, 3],"
        "theta: ['a', 'b', 'c'], fill: 'toself'}]).then(() => { window.drawn = true; }); };"
        "document.head.appendChild(s);"
    )
    WebDriverWait(browser, 20).until(lambda b: b.execute_script("return window.drawn === true"))
    assert browser.find_elements(By.CSS_SELECTOR, "#chart svg.main-svg")
    assert console_errors(browser) == []
