"""How reports are rendered quickly without changing what they show.

The print stylesheet is parsed once per process and shared by renders in every language; the
user-agent stylesheet drops only rules that cannot apply to a report; whitespace that never
shows is left out of the HTML; no-break spaces keep figures on one line.
"""

from __future__ import annotations

import io
import re

import pytest
import weasyprint
import weasyprint.html
from pypdf import PdfReader

from reports import stylesheets
from reports.render import cache_key, html_to_pdf, svg_image, unbroken, without_block_spaces
from tests.test_reports import flat, pdf_text


def document(body: str, language: str = "en") -> str:
    return (
        f'<!doctype html><html lang="{language}"><head><meta charset="utf-8"><title>t</title>'
        f"</head><body>{body}</body></html>"
    )


def test_block_spaces_go_inline_spaces_stay():
    html = (
        "<table>\n  <tr>\n    <th scope='row'>  Question  </th>\n    <td>1.0</td>\n  </tr>\n"
        "</table>\n<p>\n  <strong>Score:</strong> 50.8 · <span class='flag'>low</span> <b>x</b>"
        "\n</p>\n<svg><text x='1'>a b</text> <line/></svg>\n<polygon points='1 2'/>"
    )
    assert without_block_spaces(html) == (
        "<table><tr><th scope='row'>Question</th><td>1.0</td></tr></table>"
        "<p><strong>Score:</strong> 50.8 · <span class='flag'>low</span> <b>x</b></p>"
        "<svg><text x='1'>a b</text> <line/></svg>\n<polygon points='1 2'/>"
    )


def test_unbroken_escapes_and_keeps_words_together():
    assert unbroken("<b> 6 of 6") == "&lt;b&gt;\u00a06\u00a0of\u00a06"


def test_the_stylesheet_is_parsed_once_and_shared_by_languages(app):
    with app.test_request_context():
        first = html_to_pdf(document("<p>Sofia</p>"))
        sheet = stylesheets._parsed.cache_info()
        second = html_to_pdf(document("<p>София</p>", "bg"))
        after = stylesheets._parsed.cache_info()
    assert after.hits > sheet.hits and after.misses == sheet.misses
    assert "Sofia" in pdf_text(first)[0] and "София" in pdf_text(second)[0]


def test_a_changed_stylesheet_is_parsed_again_and_changes_the_cache_key(app, monkeypatch):
    with app.test_request_context():
        key = cache_key("<p>x</p>")
        html_to_pdf(document("<p>x</p>"))
        original = stylesheets.stylesheet_text()
        monkeypatch.setattr(stylesheets, "stylesheet_text", lambda: original + "\np { color: red }")
        misses = stylesheets._parsed.cache_info().misses
        html_to_pdf(document("<p>x</p>"))
        assert stylesheets._parsed.cache_info().misses == misses + 1
        assert cache_key("<p>x</p>") != key


def test_user_agent_stylesheet_differs_only_in_the_pseudo_element_rules():
    narrowed = stylesheets.report_user_agent_text()
    removed = set(weasyprint.html.UA.splitlines()) - set(narrowed.splitlines())
    assert removed and all(re.match(r"::(marker|footnote-|note-)", line) for line in removed)
    assert "li::marker {" in narrowed
    # WeasyPrint still asks the document for its user-agent stylesheets this way
    assert callable(weasyprint.HTML._ua_stylesheets)


def test_lists_keep_their_markers_and_tables_their_layout(app):
    body = (
        "<ul><li>first</li><li>second</li></ul><ol><li>one</li></ol>"
        "<table><thead><tr><th>Question</th><th>Score</th></tr></thead>"
        "<tbody><tr><th>Is there a strategy?</th><td>56.2</td></tr></tbody></table>"
    )
    with app.test_request_context():
        ours = html_to_pdf(document(body))
    plain = weasyprint.HTML(string=document(body)).write_pdf(
        stylesheets=[weasyprint.CSS(string=stylesheets.stylesheet_text())], pdf_variant="pdf/ua-1"
    )
    text = flat(pdf_text(ours)[0])
    assert text.count("•") == 2 and "1." in text and "second" in text  # markers are drawn
    assert text == flat(pdf_text(plain)[0])
    assert (
        PdfReader(io.BytesIO(ours)).pages[0].get_contents().get_data()
        == PdfReader(io.BytesIO(plain)).pages[0].get_contents().get_data()
    )


@pytest.mark.parametrize("language", ["en", "bg"])
def test_running_header_and_page_counter_in_each_language(demo, language):
    from assessment.lookups import city_named, round_named
    from reports.render import city_report

    report = city_report(round_named("2022 follow-up"), city_named("Sofia"), language, False)
    pages = [page.extract_text() for page in PdfReader(io.BytesIO(report.pdf)).pages]
    header, counter = {
        "en": ("Digital maturity report · Sofia", "Page {} of {}"),
        "bg": ("Доклад за цифровата зрялост · Sofia", "Страница {} от {}"),
    }[language]
    assert header not in flat(pages[0])  # no running header on the cover
    for number, text in enumerate(pages, start=1):
        assert counter.format(number, len(pages)) in flat(text)
        if number > 1:
            assert header in flat(text)


def figure_alt_texts(pdf: bytes) -> list[str]:
    """The alternative texts of the Figure elements of a tagged PDF's structure tree."""
    found = []

    def walk(node) -> None:
        node = node.get_object()
        if node.get("/S") == "/Figure":
            found.append(str(node.get("/Alt", "")))
        kids = node.get("/K")
        for kid in kids if isinstance(kids, list) else [kids]:
            kid = kid.get_object() if hasattr(kid, "get_object") else kid
            if isinstance(kid, dict) and "/S" in kid:
                walk(kid)

    walk(PdfReader(io.BytesIO(pdf)).trailer["/Root"]["/StructTreeRoot"])
    return found


@pytest.mark.parametrize("language", ["en", "bg"])
def test_the_radar_is_a_figure_with_its_alternative_text(demo, language):
    from assessment.lookups import city_named, round_named
    from reports.render import city_report, cohort_report

    round_ = round_named("2022 follow-up")
    city = city_report(round_, city_named("Sofia"), language, False).pdf
    cohort = cohort_report(round_, language, False).pdf
    expected = {"en": "Radar chart of the", "bg": "Радарна диаграма на"}[language]
    for pdf in (city, cohort):
        alts = figure_alt_texts(pdf)  # the city's: its radar, and the roadmap's with its targets
        assert len(alts) == (2 if pdf is city else 1), alts
        assert all(alt.startswith(expected) and alt.endswith(".") for alt in alts), alts


def test_svg_image_keeps_the_chart_and_escapes_its_label():
    from base64 import b64decode

    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" class="radar" role="img" '
        'aria-label="Scores of &lt;b&gt; &amp; &quot;co&quot;"><text>&lt;img&gt;</text></svg>'
    )
    image = str(svg_image(svg))
    assert image.startswith('<img class="radar" alt="Scores of &lt;b&gt; &amp; &#34;co&#34;" ')
    data = re.search(r'src="data:image/svg\+xml;base64,([^"]+)"', image).group(1)
    assert b64decode(data).decode() == svg
