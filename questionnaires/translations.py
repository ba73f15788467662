"""A questionnaire's texts, one by one, for translating it without a new version.

``texts`` is the one place that enumerates the texts of a questionnaire (a loaded definition or
a stored one: both have the same attributes), each under a stable key such as
``question.vision_strategy.level.3``. Exporting a translation sheet, checking a filled-in one
and storing it all walk this list, so a new kind of text is added here once (indicators were).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from .loader import LANGUAGE_CODE, MAX_TEXT_CHARS

PLACEHOLDER = re.compile(r"\{[^{}\s]*\}|%\([A-Za-z_]\w*\)[sd]|%[sd]|https?://\S+")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class TextSlot:
    """One text of a questionnaire: where it lives (``owner.attribute[index]``) and its key."""

    key: str
    owner: Any
    attribute: str
    index: int | None = None

    @property
    def text(self) -> dict[str, str] | None:
        value = getattr(self.owner, self.attribute)
        return value if self.index is None else value[self.index]

    def translated(self, language: str, translation: str) -> None:
        """Store ``translation`` as this text's ``language`` (a new mapping, so that a JSON
        column sees the change)."""
        if self.index is None:
            setattr(self.owner, self.attribute, {**(self.text or {}), language: translation})
            return
        items = list(getattr(self.owner, self.attribute))
        items[self.index] = {**items[self.index], language: translation}
        setattr(self.owner, self.attribute, items)


def texts(questionnaire) -> Iterator[TextSlot]:
    """Every text of ``questionnaire``, in questionnaire order; optional texts only if given."""
    yield TextSlot("title", questionnaire, "title")
    if questionnaire.description:
        yield TextSlot("description", questionnaire, "description")
    for area in questionnaire.areas:
        yield TextSlot(f"area.{area.key}.title", area, "title")
        if area.description:
            yield TextSlot(f"area.{area.key}.description", area, "description")
        for question in area.questions:
            yield TextSlot(f"question.{question.key}.text", question, "text")
            if question.help:
                yield TextSlot(f"question.{question.key}.help", question, "help")
            for index in range(len(question.levels)):
                yield TextSlot(
                    f"question.{question.key}.level.{index + 1}", question, "levels", index
                )
    for indicator in getattr(questionnaire, "indicators", ()):
        yield TextSlot(f"indicator.{indicator.key}.title", indicator, "title")
        if indicator.help:
            yield TextSlot(f"indicator.{indicator.key}.help", indicator, "help")


def source_language(languages) -> str:
    """The language translations are made from: English where the questionnaire has it."""
    return "en" if "en" in languages else languages[0]


def placeholders(text: str) -> Counter[str]:
    """What a translation must keep as it is: ``{name}``, ``%(name)s``, ``%s`` and addresses."""
    return Counter(PLACEHOLDER.findall(text))


def language_problem(language: str, languages) -> str | None:
    if not LANGUAGE_CODE.match(language):
        return f"language '{language}' is not a language code such as el or de"
    if language == source_language(languages):
        return f"language '{language}' is the questionnaire's source language"
    return None


def check_translation(
    questionnaire, language: str, rows: list[tuple[str, str, str, str]]
) -> tuple[dict[str, str], list[str]]:
    """Check a filled-in sheet: ``rows`` are ``(where, key, source text, translation)``.

    Returns the translations by key and every problem (``where: message``): an unknown or
    repeated key, a source text that is not the stored one (the sheet is of another version),
    an empty translation, control characters, changed placeholders, and every text missing.
    """
    source = source_language(questionnaire.languages)
    slots = {slot.key: slot for slot in texts(questionnaire)}
    found: dict[str, str] = {}
    lines: dict[str, str] = {}
    problems: list[str] = []
    for where, key, original, translation in rows:
        translation = translation.strip()
        if key not in slots:
            problems.append(f"{where}: '{key[:80]}' is not a text of {questionnaire.label}")
            continue
        if key in found or key in lines:
            problems.append(f"{where}: '{key}' is given twice (first {lines[key]})")
            continue
        lines[key] = where
        stored = (slots[key].text or {}).get(source, "")
        if original.strip() != stored.strip():
            problems.append(
                f"{where}: the {source} text of '{key}' is not the stored one; export the "
                "sheet again"
            )
            continue
        if not translation:
            problems.append(f"{where}: '{key}' has no translation")
            continue
        if len(translation) > MAX_TEXT_CHARS:
            problems.append(
                f"{where}: the translation of '{key}' is {len(translation)} characters long; "
                f"at most {MAX_TEXT_CHARS}"
            )
            continue
        if CONTROL.search(translation):
            problems.append(f"{where}: the translation of '{key}' contains control characters")
            continue
        if placeholders(translation) != placeholders(stored):
            wanted = ", ".join(sorted(placeholders(stored))) or "none"
            problems.append(
                f"{where}: the translation of '{key}' must keep the placeholders of the "
                f"original as they are ({wanted})"
            )
            continue
        found[key] = translation
    missing = [key for key in slots if key not in lines]
    if missing:
        shown = ", ".join(missing[:5]) + (
            f" and {len(missing) - 5} more" if len(missing) > 5 else ""
        )
        problems.append(f"{len(missing)} text(s) have no row: {shown}")
    return found, problems
