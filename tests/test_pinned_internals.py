"""The library internals dmat relies on, with the library pinned to its exact minor version in
pyproject.toml: each test fails when the internal moves, so that an upgrade is a decision.

Only WeasyPrint is used this way (reports/stylesheets.py: its user-agent stylesheet, narrowed,
saves some 1,000 computed styles per city report). Sessions, CSRF tokens, logins and the
database go through their libraries' public API only.
"""

from __future__ import annotations

import inspect
import tomllib
from pathlib import Path

import weasyprint
import weasyprint.html
from weasyprint.css.counters import CounterStyle

from reports import stylesheets

PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"
DOCUMENT = (
    '<!doctype html><html lang="bg"><head><meta charset="utf-8"><title>Доклад</title></head>'
    "<body><h1>София</h1><ul><li>Αθήνα</li></ul></body></html>"
)


def test_weasyprint_is_pinned_to_the_minor_version_whose_internals_are_used():
    dependencies = tomllib.loads(PYPROJECT.read_text())["project"]["dependencies"]
    (pin,) = [d for d in dependencies if d.startswith("weasyprint")]
    assert pin == "weasyprint>=70,<71"
    assert weasyprint.__version__.split(".")[0] == "70"


def test_the_user_agent_stylesheet_text_has_the_rules_that_are_narrowed():
    ua = weasyprint.html.UA
    assert isinstance(ua, str)
    assert stylesheets._UNIVERSAL_MARKER.search(ua), "no universal ::marker rule to narrow"
    assert stylesheets._UNIVERSAL_NOTES.search(ua), "no footnote or note rules to drop"
    assert isinstance(weasyprint.html.UA_COUNTER_STYLE, CounterStyle)


def test_weasyprint_asks_the_document_for_its_user_agent_stylesheets():
    """ReportHTML overrides HTML._ua_stylesheets(forms): WeasyPrint must still call it, with
    that signature, and use what it returns."""
    parameters = inspect.signature(weasyprint.HTML._ua_stylesheets).parameters
    assert list(parameters) == ["self", "forms"] and parameters["forms"].default is False
    asked = []

    class Watched(stylesheets.ReportHTML):
        def _ua_stylesheets(self, forms=False):
            sheets = super()._ua_stylesheets(forms)
            asked.append((forms, sheets))
            return sheets

    Watched(string=DOCUMENT).render()
    ((forms, sheets),) = asked
    assert not forms and sheets == [stylesheets._user_agent_stylesheet()]
    asked.clear()
    Watched(string=DOCUMENT).render(pdf_forms=True)  # forms: WeasyPrint's own stylesheets
    assert asked == [(True, weasyprint.HTML(string=DOCUMENT)._ua_stylesheets(True))]
