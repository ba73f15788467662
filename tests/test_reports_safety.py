"""User text in a report neither reads a local file nor opens a connection; it shows literally."""

from __future__ import annotations

import io
import socket
import sys
from pathlib import Path

import pytest
from pypdf import PdfReader

from assessment.extensions import db
from assessment.models import Answer
from reports.fetcher import ForbiddenURL, RestrictedURLFetcher
from reports.render import city_report, cohort_report, html_to_pdf
from tests.test_reports import assess, flat, pdf_text

IMG = '<img src="file:///etc/passwd">'
LINK = '<link rel="attachment" href="file:///etc/passwd">'

_watch: dict[str, list] = {"opens": [], "connects": [], "active": []}


def _audit(event: str, args: tuple) -> None:
    """Records file opens of /etc/passwd and every socket connection while a test watches."""
    if not _watch["active"]:
        return
    if event == "open" and args and "passwd" in str(args[0]):
        _watch["opens"].append(args[0])
    elif event == "socket.connect":
        _watch["connects"].append(args[1])


sys.addaudithook(_audit)  # audit hooks cannot be removed; this one is idle outside `watching`


@pytest.fixture(autouse=True)
def report_cache(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "REPORT_CACHE_DIR", str(tmp_path / "cache"))


@pytest.fixture
def listener():
    """A real listening socket on 127.0.0.1; the test checks nobody connected to it."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(5)
    server.setblocking(False)
    yield server
    server.close()


def no_connection_arrived(server: socket.socket) -> bool:
    try:
        connection, _ = server.accept()
    except BlockingIOError:
        return True
    connection.close()
    return False


@pytest.fixture
def watching():
    _watch["opens"].clear()
    _watch["connects"].clear()
    _watch["active"].append(True)
    yield _watch
    _watch["active"].clear()


def test_markup_in_city_name_and_comment(app, make_city, make_round, listener, watching):
    port = listener.getsockname()[1]
    url = f"http://127.0.0.1:{port}/"
    name = f"X{IMG}{LINK}{url}"
    assert len(name) <= 120
    round_ = make_round("Spring")
    city = make_city(name, "BG")
    comment = f'{IMG} {LINK} <img src="{url}x.png"> <style>@import "{url}";</style> {url}'
    assess(round_, city, comment=comment)
    assert db.session.query(Answer).filter(Answer.comment == comment).count() == 1

    report = city_report(round_, city, "en", use_cache=False)
    cohort = cohort_report(round_, "en", use_cache=False)

    assert watching["opens"] == []
    assert watching["connects"] == []
    assert no_connection_arrived(listener)
    words = flat(pdf_text(report.pdf)[0])
    assert IMG in words and LINK in words and url in words  # the text, shown literally
    assert f'<style>@import "{url}";</style>' in words
    assert "root:" not in words  # nothing of /etc/passwd
    # a narrow table cell breaks the name across lines: compare without white space
    assert name.replace(" ", "") in "".join(pdf_text(cohort.pdf)[0].split())
    for pdf in (report.pdf, cohort.pdf):
        assert PdfReader(io.BytesIO(pdf)).attachments == {}


def test_raw_markup_is_still_refused_by_the_fetcher(app, listener, watching):
    """Even unescaped HTML (if it ever got through) loads nothing outside the allowed folders."""
    port = listener.getsockname()[1]
    html = (
        f'<!doctype html><html lang="en"><head><title>t</title>{LINK}'
        f'<link rel="stylesheet" href="http://127.0.0.1:{port}/a.css"></head><body>'
        f'<p>text</p>{IMG}<img src="http://127.0.0.1:{port}/b.png">'
        f'<img src="ftp://127.0.0.1:{port}/c.png"><img src="../../../../etc/passwd">'
        f'<a rel="attachment" href="file:///etc/passwd">a</a>'
        f'<svg xmlns="http://www.w3.org/2000/svg"><image href="file:///etc/passwd"/></svg>'
        "</body></html>"
    )
    pdf = html_to_pdf(html)
    assert watching["opens"] == []
    assert watching["connects"] == []
    assert no_connection_arrived(listener)
    assert PdfReader(io.BytesIO(pdf)).attachments == {}


def test_fetcher_rules(app, tmp_path):
    static = Path(app.static_folder)
    fetcher = RestrictedURLFetcher([static])
    css = fetcher.fetch((static / "css" / "dmat.css").as_uri())
    assert css.read()
    assert css.content_type == "text/css"
    data = fetcher.fetch("data:text/plain;base64,aGVsbG8=")
    assert data.read() == b"hello"
    for url in (
        "file:///etc/passwd",
        f"{static.as_uri()}/../../config.py",
        f"{static.as_uri()}/%2e%2e/%2e%2e/config.py",
        "file://otherhost/etc/passwd",
        "http://127.0.0.1:9/",
        "https://example.org/x.png",
        "ftp://example.org/x",
        "relative/path.png",
        f"{static.as_uri()}/css/no-such-file.css",
    ):
        with pytest.raises(ForbiddenURL):
            fetcher.fetch(url)


def test_fetcher_follows_no_link_out_of_the_folder(tmp_path):
    allowed = tmp_path / "static"
    allowed.mkdir()
    (allowed / "ok.txt").write_text("fine")
    (allowed / "escape.txt").symlink_to("/etc/passwd")
    fetcher = RestrictedURLFetcher([allowed])
    assert fetcher.fetch((allowed / "ok.txt").as_uri()).read() == b"fine"
    with pytest.raises(ForbiddenURL):
        fetcher.fetch((allowed / "escape.txt").as_uri())
