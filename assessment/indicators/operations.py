"""Indicator writes: definitions stored with their questionnaire, values entered or imported.

Each function checks its input completely, raises DmatError before changing anything when the
input is wrong, and flushes; the caller (a request or a command) commits once.
"""

from __future__ import annotations

from questionnaires import QuestionnaireDefinition

from ..models import Indicator, Questionnaire


def store_indicators(questionnaire: Questionnaire, definition: QuestionnaireDefinition) -> None:
    """Add a newly imported questionnaire's indicators (the caller adds and flushes it)."""
    for position, item in enumerate(definition.indicators):
        questionnaire.indicators.append(
            Indicator(
                key=item.key,
                position=position,
                area_key=item.area,
                unit=item.unit,
                direction=item.direction,
                title=item.title,
                help=item.help,
            )
        )
