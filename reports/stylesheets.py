"""The stylesheets of a report render, parsed once per process and shared by every render.

Parsing a stylesheet and building its selector matcher costs WeasyPrint a few per cent of a
render, so the reports' print stylesheet is a ``weasyprint.CSS`` object made once per process
(again only when the file changes). Only the running header's and page counter's text, which
depend on the language, stay in the HTML. A ``CSS`` object is only read while rendering: the
cascade matches its selectors and reads its declarations, nothing is written back, so renders
in any language can share it.

WeasyPrint's user-agent stylesheet gives every element of the document six pseudo-elements
(``::marker``, two for footnotes and three for notes), each with a computed style, although
only list items have markers and the reports have no footnotes or notes. ``ReportHTML`` renders
with the same user-agent stylesheet, those rules narrowed to the elements they can apply to:
the same PDF, without some 3,500 useless styles per city report.
"""

from __future__ import annotations

import functools
import hashlib
import re
from pathlib import Path

import weasyprint
import weasyprint.html
from weasyprint.text.fonts import FontConfiguration

from .fetcher import RestrictedURLFetcher

STYLESHEET = Path(__file__).resolve().parent.parent / "templates" / "reports" / "report.css"

# "::marker {...}" applies to list items only; footnote and note pseudo-elements exist only for
# elements floated into footnotes or notes, which reports never do.
_UNIVERSAL_MARKER = re.compile(r"^::marker\b", re.MULTILINE)
_UNIVERSAL_NOTES = re.compile(r"^::(?:footnote|note)-[a-z]+ \{[^}]*\}\n", re.MULTILINE)


@functools.cache
def font_configuration() -> FontConfiguration:
    """One per process: building it for every render costs a tenth of a second."""
    return FontConfiguration()


def stylesheet_text() -> str:
    return STYLESHEET.read_text(encoding="utf-8")


def stylesheet_digest() -> str:
    """Part of the report cache key: the stylesheet is no longer inside the HTML."""
    return hashlib.sha256(stylesheet_text().encode()).hexdigest()


def report_stylesheet(fetcher: RestrictedURLFetcher) -> weasyprint.CSS:
    """The parsed print stylesheet (any ``url()`` in it loads only through ``fetcher``)."""
    return _parsed(stylesheet_text(), fetcher.allowed_dirs)


@functools.lru_cache(maxsize=4)
def _parsed(text: str, allowed_dirs: tuple[Path, ...]) -> weasyprint.CSS:
    return weasyprint.CSS(
        string=text,
        base_url=str(STYLESHEET.parent) + "/",
        url_fetcher=RestrictedURLFetcher(allowed_dirs, timeout=2),
        font_config=font_configuration(),
    )


def report_user_agent_text() -> str:
    """WeasyPrint's own user-agent stylesheet, its universal pseudo-element rules narrowed."""
    text = _UNIVERSAL_MARKER.sub("li::marker", weasyprint.html.UA)
    return _UNIVERSAL_NOTES.sub("", text)


@functools.cache
def _user_agent_stylesheet() -> weasyprint.CSS:
    return weasyprint.CSS(
        string=report_user_agent_text(), counter_style=weasyprint.html.UA_COUNTER_STYLE
    )


class ReportHTML(weasyprint.HTML):
    """A report document: rendered with the narrowed user-agent stylesheet.

    Reports have no forms; should a form control ever slip into one, WeasyPrint's own
    stylesheets are used, exactly as without this class.
    """

    def _ua_stylesheets(self, forms: bool = False) -> list[weasyprint.CSS]:
        if forms:
            return super()._ua_stylesheets(forms)
        return [_user_agent_stylesheet()]
