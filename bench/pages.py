"""What a browser finds in a dmat page, for the load benchmark's simulated users.

The page's HTML is parsed (not matched by patterns), and read the way the page's own scripts and
a person read it: the CSRF token from ``<meta name="csrf-token">`` (as autosave.js does) or a
form's hidden ``csrf_token`` field, the survey form's ``data-autosave-url``, links with their
classes and text, each question's fieldset (``data-question``) with the values of its radio
buttons, and the text of its comment box (which autosave.js sends with every answer).
"""

from __future__ import annotations

from html.parser import HTMLParser


class Link:
    __slots__ = ("classes", "href", "text")

    def __init__(self, href: str, classes: set[str]) -> None:
        self.href = href
        self.classes = classes
        self.text = ""


class Page(HTMLParser):
    """Parse ``html`` (a str) at once; read ``csrf_meta``, ``csrf_field``, ``autosave_url``,
    ``links``, ``questions`` (question id -> its answer values, in page order) and ``comments``
    (question id -> the text in its comment box)."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.csrf_meta: str | None = None
        self.csrf_field: str | None = None
        self.autosave_url: str | None = None
        self.links: list[Link] = []
        self.questions: dict[int, list[str]] = {}
        self.comments: dict[int, str] = {}
        self._link: Link | None = None
        self._question: int | None = None
        self._comment: int | None = None
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = {name: value or "" for name, value in attrs}
        if tag == "meta" and attr.get("name") == "csrf-token":
            self.csrf_meta = attr.get("content")
        elif tag == "input" and attr.get("name") == "csrf_token" and self.csrf_field is None:
            self.csrf_field = attr.get("value")
        elif tag == "form" and attr.get("data-autosave-url"):
            self.autosave_url = attr["data-autosave-url"]
        elif tag == "a" and "href" in attr:
            self._link = Link(attr["href"], set(attr.get("class", "").split()))
            self.links.append(self._link)
        elif tag == "fieldset" and attr.get("data-question", "").isdigit():
            self._question = int(attr["data-question"])
            self.questions[self._question] = []
        elif (
            tag == "input"
            and attr.get("type") == "radio"
            and self._question is not None
            and attr.get("name") == f"answer-{self._question}"
            and "disabled" not in attr
        ):
            self.questions[self._question].append(attr.get("value", ""))
        elif (
            tag == "textarea"
            and self._question is not None
            and attr.get("name") == f"comment-{self._question}"
        ):
            self._comment = self._question
            self.comments[self._comment] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "a":
            self._link = None
        elif tag == "fieldset":
            self._question = None
        elif tag == "textarea":
            self._comment = None

    def handle_data(self, data: str) -> None:
        if self._link is not None:
            self._link.text += data
        if self._comment is not None:
            self.comments[self._comment] += data

    def hrefs(self, prefix: str, css_class: str | None = None) -> list[str]:
        """The distinct links starting with ``prefix`` (with ``css_class``), in page order."""
        found: list[str] = []
        for link in self.links:
            wanted = css_class is None or css_class in link.classes
            if link.href.startswith(prefix) and wanted and link.href not in found:
                found.append(link.href)
        return found

    def href_named(self, prefix: str, text: str) -> str | None:
        """The first link starting with ``prefix`` whose text is ``text``."""
        for link in self.links:
            if link.href.startswith(prefix) and link.text.strip() == text:
                return link.href
        return None
