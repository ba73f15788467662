"""HTML -> PDF with WeasyPrint, always through the restricted URL fetcher, with a disk cache.

A report is rendered from its finished HTML; the cache key is a hash of that HTML (every figure,
name and text the report shows, in its language) plus the answers' count and latest change, the
template version and the WeasyPrint version. Anything a reader could see change gives a new key,
so a cached PDF is served only while it is still exactly what a fresh render would produce.
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

import weasyprint
from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from markupsafe import Markup, escape

from assessment.models import City, Round

from .cache import ReportCache
from .fetcher import RestrictedURLFetcher
from .stylesheets import ReportHTML, font_configuration, report_stylesheet, stylesheet_digest

TEMPLATE_VERSION = "1"  # raise when the templates or the rendering options change meaning
TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates" / "reports"
PDF_VARIANT = "pdf/ua-1"
# Whitespace next to these tags never shows (CSS drops it at the start and end of a line and
# between blocks), but WeasyPrint still makes a text box of every run of it and discards it later.
_BLOCK_TAGS = (
    "html|head|title|meta|style|body|section|div|figure|figcaption|h[1-6]|p|ul|ol|li|"
    "table|caption|colgroup|col|thead|tbody|tr|th|td"
)
_SPACE_AFTER_BLOCK_TAG = re.compile(rf"(<(?:{_BLOCK_TAGS})\b[^>]*>|</(?:{_BLOCK_TAGS})>)\s+")
_SPACE_BEFORE_BLOCK_TAG = re.compile(rf"\s+(?=</?(?:{_BLOCK_TAGS})\b)")


@dataclass(frozen=True)
class RenderedReport:
    pdf: bytes
    filename: str
    cached: bool


def css_string(text: str) -> Markup:
    """A quoted CSS string; anything but letters, digits and spaces is escaped as a code point."""
    escaped = "".join(
        char if char.isalnum() or char == " " else f"\\{ord(char):x} " for char in text
    )
    return Markup(f'"{escaped}"')


def unbroken(text: object) -> Markup:
    """``text`` (escaped) with no-break spaces: kept on one line without a nowrap element, each
    of which costs WeasyPrint an inline box to lay out and draw."""
    return Markup(str(escape(text)).replace(" ", "\u00a0"))


def svg_image(svg: str) -> Markup:
    """A chart drawn as SVG (``svg_radar``) as an ``<img>`` of a ``data:`` URI, its aria-label
    as the alternative text. WeasyPrint then reads the SVG with the XML parser rather than its
    much slower HTML parser, draws it the same, and tags the PDF's Figure with that text, which
    PDF/UA asks of every figure and which an inline ``<svg>`` does not get."""
    root = ElementTree.fromstring(str(svg))
    data = base64.b64encode(str(svg).encode()).decode("ascii")
    return Markup('<img class="{}" alt="{}" src="data:image/svg+xml;base64,{}">').format(
        root.get("class", ""), root.get("aria-label", ""), data
    )


def page_counter() -> Markup:
    """'page X of Y' as CSS ``content``, from the translated sentence."""
    marker = "\x00"
    label = _(
        "Page %(page)s of %(pages)s", page=f"{marker}page{marker}", pages=f"{marker}pages{marker}"
    )
    parts = []
    for piece in re.split(f"({marker}pages?{marker})", label):
        if piece.startswith(marker):
            parts.append(f"counter({piece.strip(marker)})")
        elif piece:
            parts.append(str(css_string(piece)))
    return Markup(" ".join(parts))


def fetcher() -> RestrictedURLFetcher:
    return RestrictedURLFetcher([current_app.static_folder, TEMPLATES_DIR], timeout=2)


def html_to_pdf(html: str) -> bytes:
    """The PDF of finished report HTML with the reports' print stylesheet: tagged PDF/UA-1,
    resources only via the fetcher."""
    url_fetcher = fetcher()
    document = ReportHTML(
        string=html,
        base_url=str(Path(current_app.static_folder).resolve()) + "/",
        url_fetcher=url_fetcher,
    )
    return document.write_pdf(
        stylesheets=[report_stylesheet(url_fetcher)],
        pdf_variant=PDF_VARIANT,
        font_config=font_configuration(),
    )


def without_block_spaces(html: str) -> str:
    """``html`` without the whitespace around block and table tags, which renders the same."""
    return _SPACE_BEFORE_BLOCK_TAG.sub("", _SPACE_AFTER_BLOCK_TAG.sub(r"\1", html))


def render_report_html(template: str, context: dict, language: str) -> str:
    with force_locale(language):
        html = render_template(
            template,
            **context,
            css_page_counter=page_counter(),
            css_header=css_string(_("Digital maturity report")),
            unbroken=unbroken,
            svg_image=svg_image,
        )
    return without_block_spaces(html)


def cache_key(html: str, extra: str = "") -> str:
    digest = hashlib.sha256()
    parts = (
        TEMPLATE_VERSION,
        weasyprint.__version__,
        PDF_VARIANT,
        stylesheet_digest(),
        extra,
        html,
    )
    for part in parts:
        digest.update(part.encode())
        digest.update(b"\x00")
    return digest.hexdigest()


def report_cache() -> ReportCache | None:
    folder = current_app.config.get("REPORT_CACHE_DIR")
    return ReportCache(Path(folder)) if folder else None


def render_cached(slot: str, html: str, extra: str, use_cache: bool) -> tuple[bytes, bool]:
    """The PDF for ``html``: from the cache when this exact report was rendered before."""
    cache = report_cache() if use_cache else None
    key = cache_key(html, extra)
    if cache is not None:
        found = cache.get(slot, key)
        if found is not None:
            return found, True
    pdf = html_to_pdf(html)
    if cache is not None:
        cache.put(slot, key, pdf)
    return pdf, False


def slug(text: str) -> str:
    """A file-name-safe form of a name (letters of any script kept, the rest dashes)."""
    cleaned = re.sub(r"[^\w]+", "-", text.strip().lower(), flags=re.UNICODE).strip("-_")
    return cleaned[:60] or "report"


def city_report(round_: Round, city: City, language: str, use_cache: bool = True) -> RenderedReport:
    """The city report of ``city`` in ``round_``; LookupError when the city has no assessment."""
    from .context import city_report_context

    with force_locale(language):
        context = city_report_context(round_, city, language)
    html = render_report_html("reports/city.html", context, language)
    state = context["data_state"]
    extra = f"city:{round_.id}:{city.id}:{language}:{state.answers}:{state.latest}"
    pdf, cached = render_cached(f"city-{round_.id}-{city.id}-{language}", html, extra, use_cache)
    return RenderedReport(pdf, f"dmat-{slug(city.name)}-{slug(round_.name)}-{language}.pdf", cached)


def cohort_report(round_: Round, language: str, use_cache: bool = True) -> RenderedReport:
    """The cohort report of ``round_`` (every city; for the programme team only)."""
    from .cohort import cohort_report_context

    with force_locale(language):
        context = cohort_report_context(round_, language)
    html = render_report_html("reports/cohort.html", context, language)
    state = context["data_state"]
    extra = f"cohort:{round_.id}:{language}:{state.answers}:{state.latest}"
    pdf, cached = render_cached(f"cohort-{round_.id}-{language}", html, extra, use_cache)
    return RenderedReport(pdf, f"dmat-cohort-{slug(round_.name)}-{language}.pdf", cached)
