"""Questionnaire definitions as YAML data, and the loader that validates them."""

from __future__ import annotations

from pathlib import Path

from .definitions import (
    AreaDefinition,
    IndicatorDefinition,
    QuestionDefinition,
    QuestionnaireDefinition,
    QuestionnaireError,
)
from .loader import (
    load_questionnaire_bytes,
    load_questionnaire_file,
    load_questionnaire_text,
)

BUNDLED_DIR = Path(__file__).resolve().parent
BUNDLED_QUESTIONNAIRE = BUNDLED_DIR / "city-digital-maturity-1.yaml"
# version 2: the questions of version 1 and the success indicators
BUNDLED_WITH_INDICATORS = BUNDLED_DIR / "city-digital-maturity-2.yaml"
BUNDLED_QUESTIONNAIRES = (BUNDLED_QUESTIONNAIRE, BUNDLED_WITH_INDICATORS)


def localized(text: dict[str, str] | None, language: str, fallback: str = "en") -> str:
    """One language of a stored text, falling back to the questionnaire's default language."""
    if not text:
        return ""
    return text.get(language) or text.get(fallback) or next(iter(text.values()))


__all__ = [
    "BUNDLED_QUESTIONNAIRE",
    "BUNDLED_QUESTIONNAIRES",
    "BUNDLED_WITH_INDICATORS",
    "AreaDefinition",
    "IndicatorDefinition",
    "QuestionDefinition",
    "QuestionnaireDefinition",
    "QuestionnaireError",
    "load_questionnaire_bytes",
    "load_questionnaire_file",
    "load_questionnaire_text",
    "localized",
]
