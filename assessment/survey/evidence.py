"""Evidence behind an answer or an agreed answer: up to five links and a note.

The one rule for reading an evidence link, used by the survey page, the autosave, the agreed
form and the imports. A link is an absolute ``http``/``https`` address of at most 2,000
characters, with a host and without credentials, spaces or control characters; anything else
(``javascript:``, ``data:``, ``file:``, ``//host``, ``user:pw@host``) is refused. The links are
stored as given, one per line (a link holds no whitespace, so the separator is unambiguous).
The server never fetches them: pages show them as links with ``rel="noopener noreferrer
nofollow"``, PDFs and exports as plain text.
"""

from __future__ import annotations

import unicodedata
from urllib.parse import urlsplit

from flask_babel import gettext as _

from .answers import UNCHANGED, AnswerRefused, TextField, parse_text

MAX_LINKS = 5
MAX_LINK_CHARS = 2000
MAX_NOTE_CHARS = 1000
# the stored column: five links of 2,000 characters and the four line breaks between them
MAX_STORED_CHARS = MAX_LINKS * MAX_LINK_CHARS + MAX_LINKS - 1
SCHEMES = ("http", "https")

NOTE = TextField(
    "evidence_note",
    MAX_NOTE_CHARS,
    lambda: _("The evidence note must be text."),
    lambda n, most: _("The evidence note has %(n)d characters; at most %(max)d.", n=n, max=most),
)


class EvidenceRefused(AnswerRefused):
    """An evidence link or note that cannot be stored."""


def _shown(link: str) -> str:
    """The start of a refused link, safe to repeat in a message."""
    visible = "".join(c if c.isprintable() and not c.isspace() else "?" for c in link[:60])
    return visible + ("…" if len(link) > 60 else "")


def parse_link(raw: str) -> str:
    """One evidence link, checked; raises EvidenceRefused naming what is wrong."""
    if len(raw) > MAX_LINK_CHARS:
        raise EvidenceRefused(
            "link_too_long",
            _(
                "The evidence link “%(link)s” has %(n)d characters; at most %(max)d.",
                link=_shown(raw),
                n=len(raw),
                max=MAX_LINK_CHARS,
            ),
        )
    if any(
        c.isspace() or unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") or c == "\\" for c in raw
    ):
        raise EvidenceRefused(
            "link_characters",
            _(
                "The evidence link “%(link)s” contains a space, a control character or a "
                "backslash.",
                link=_shown(raw),
            ),
        )
    try:
        parts = urlsplit(raw)
    except ValueError:  # e.g. an unclosed [ of an IPv6 address
        parts = None
    if (
        parts is None
        or parts.scheme.lower() not in SCHEMES
        or not raw.lower().startswith(tuple(f"{scheme}://" for scheme in SCHEMES))
    ):
        raise EvidenceRefused(
            "link_scheme",
            _(
                "The evidence link “%(link)s” must be a web address starting with http:// or "
                "https://.",
                link=_shown(raw),
            ),
        )
    if "@" in parts.netloc:
        raise EvidenceRefused(
            "link_credentials",
            _(
                "The evidence link “%(link)s” contains a user name or password; give the "
                "address without them.",
                link=_shown(raw),
            ),
        )
    try:
        parts.port  # noqa: B018  (raises ValueError for a port that is not a number 0-65535)
    except ValueError:
        raise EvidenceRefused(
            "link_port",
            _(
                "The evidence link “%(link)s” has a port that is not a number from 0 to 65535.",
                link=_shown(raw),
            ),
        ) from None
    if not parts.hostname:
        raise EvidenceRefused(
            "link_host",
            _("The evidence link “%(link)s” has no host name.", link=_shown(raw)),
        )
    return raw


def parse_links(raw: object) -> object:
    """The links to store: a tuple (empty for none) or UNCHANGED (nothing sent).

    ``raw`` is text with one link per line (or separated by spaces), or a list of links (JSON).
    More than five links, or any refused link, raises EvidenceRefused.
    """
    if raw is UNCHANGED:
        return UNCHANGED
    if raw is None:
        return ()
    if isinstance(raw, str):
        if len(raw) > MAX_STORED_CHARS + 1000:  # never split 10 MB of text
            raise EvidenceRefused(
                "too_many_links",
                _(
                    "At most %(max)d evidence links, of at most %(chars)d characters each.",
                    max=MAX_LINKS,
                    chars=MAX_LINK_CHARS,
                ),
            )
        items = raw.split()
    elif isinstance(raw, list | tuple) and all(isinstance(item, str) for item in raw):
        items = [item.strip() for item in raw if item.strip()]
    else:
        raise EvidenceRefused("bad_evidence", _("The evidence links must be text."))
    if len(items) > MAX_LINKS:
        raise EvidenceRefused(
            "too_many_links",
            _(
                "%(n)d evidence links were given; at most %(max)d.",
                n=len(items),
                max=MAX_LINKS,
            ),
        )
    links: list[str] = []
    for item in items:
        link = parse_link(item)
        if link not in links:
            links.append(link)
    return tuple(links)


def parse_note(raw: object) -> object:
    """The evidence note to store: text, None (no note) or UNCHANGED."""
    return parse_text(raw, NOTE, EvidenceRefused)


def parse_evidence(raw_links: object, raw_note: object) -> tuple[object, object]:
    """The evidence column value (``stored``) and the note to write, each UNCHANGED where
    nothing was sent; raises EvidenceRefused."""
    links = parse_links(raw_links)
    return (links if links is UNCHANGED else stored(links)), parse_note(raw_note)


def stored(links: tuple[str, ...]) -> str | None:
    """The column value of ``links``: one per line, None for none."""
    return "\n".join(links) or None


def links_of(value: str | None) -> tuple[str, ...]:
    """The links stored in a column value."""
    return tuple(value.split("\n")) if value else ()
