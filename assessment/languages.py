"""Which languages a user may choose: the interface's catalogues and the questionnaires' texts.

The interface is translated into ``LANGUAGES`` (English and Bulgarian); a questionnaire may hold
more languages (``dmat questionnaire translations import``). A respondent may choose any
language of a stored questionnaire: its texts are then shown in that language, and the
interface, which has no catalogue for it, falls back to English (Flask-Babel's behaviour for a
locale without a catalogue), while dates and numbers follow the language's conventions.
"""

from __future__ import annotations

from babel import Locale, UnknownLocaleError
from flask import current_app, g
from sqlalchemy import select

from questionnaires.loader import LANGUAGE_CODE

from .extensions import db
from .models import Questionnaire

NAMES = {"en": "English", "bg": "Български"}


def interface_languages() -> tuple[str, ...]:
    return tuple(current_app.config["LANGUAGES"])


def known_locale(code: str) -> bool:
    """Whether Babel can format for ``code`` (a code it does not know would fail every page)."""
    if not isinstance(code, str) or not LANGUAGE_CODE.match(code):
        return False
    try:
        Locale.parse(code.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return False
    return True


def usable(code: str | None) -> bool:
    """A saved choice that the pages can use: an interface language or a known locale (a choice
    is only ever saved after ``offered`` accepted it, so no query is needed here)."""
    return bool(code) and (code in interface_languages() or known_locale(code))


def offered(code: str) -> bool:
    """Whether a user may choose ``code``: an interface language or a stored questionnaire's."""
    if code in interface_languages():
        return True
    if not known_locale(code):
        return False
    return any(
        code in languages for languages in db.session.scalars(select(Questionnaire.languages))
    )


def language_name(code: str) -> str:
    """A language's name in itself: Ελληνικά for el."""
    if code in NAMES:
        return NAMES[code]
    try:
        name = Locale.parse(code.replace("-", "_")).get_display_name(code.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return code
    return name[:1].upper() + name[1:] if name else code


def switch_languages(current: str) -> dict[str, str]:
    """The language switch's choices: the interface's, the current page's questionnaire's (set
    by the page in ``g.questionnaire_languages``) and the current one."""
    codes = [*interface_languages()]
    for code in [*g.get("questionnaire_languages", ()), current]:
        if code not in codes and known_locale(code):
            codes.append(code)
    return {code: language_name(code) for code in codes}
