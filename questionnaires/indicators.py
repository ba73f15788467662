"""The ``indicators:`` section of a questionnaire: success indicators, checked like the rest.

Called by the loader with its validator, so that every problem is reported as
``file:line: message`` together with the problems of the other sections.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from .definitions import INDICATOR_DIRECTIONS, INDICATOR_UNITS, IndicatorDefinition

if TYPE_CHECKING:  # the loader imports this module; only its validator's type is needed here
    from .loader import Validator

INDICATOR_KEYS = {"key", "area", "title", "help", "unit", "direction"}
ITEM_KEY = re.compile(r"^[a-z0-9_]+$")
MAX_INDICATORS = 100


def area_keys(areas_node: Node | None) -> set[str]:
    """Every area key written in the file, also of areas with other problems: a mistake in an
    area is reported there, not again as an indicator naming an "unknown" area."""
    if not isinstance(areas_node, SequenceNode):
        return set()
    keys = set()
    for item in areas_node.value:
        if isinstance(item, MappingNode):
            for key_node, value_node in item.value:
                if key_node.value == "key" and isinstance(value_node, ScalarNode):
                    keys.add(value_node.value)
    return keys


def validate_indicators(
    validator: Validator, node: Node, areas_node: Node | None
) -> tuple[IndicatorDefinition, ...]:
    """The indicators of a questionnaire, every problem recorded on ``validator``."""
    known_areas = area_keys(areas_node)
    items = validator.sequence(node, "indicators")
    if len(items) > MAX_INDICATORS:
        validator.error(node, f"indicators: {len(items)} listed; at most {MAX_INDICATORS}")
        return ()
    indicators: list[IndicatorDefinition] = []
    lines: dict[str, int] = {}
    for index, item in enumerate(items, 1):
        indicator = _indicator(validator, item, index, known_areas)
        if indicator is None:
            continue
        if indicator.key in lines:
            validator.error(
                item,
                f"indicator key '{indicator.key}' is used twice (first on line "
                f"{lines[indicator.key]})",
            )
            continue
        lines[indicator.key] = item.start_mark.line + 1
        indicators.append(indicator)
    if isinstance(node, SequenceNode) and not items:
        validator.error(node, "indicators: list at least one indicator, or leave the section out")
    return tuple(indicators)


def _indicator(
    validator: Validator, node: Node, index: int, area_keys: set[str]
) -> IndicatorDefinition | None:
    position = f"indicator {index}"
    entries = validator.mapping(
        node, position, INDICATOR_KEYS, {"key", "title", "unit", "direction"}
    )
    if entries is None:
        return None
    key = (
        validator.key(entries["key"][1], f"{position} key", ITEM_KEY, "[a-z0-9_]+")
        if "key" in entries
        else None
    )
    what = f"indicator '{key}'" if key else position
    if key is not None and key in area_keys:
        validator.error(
            entries["key"][1],
            f"{what}: the key is also an area key; an indicator needs a key of its own",
        )
        key = None
    area = None
    if "area" in entries:
        area = validator.string(entries["area"][1], f"{what} area")
        if area is not None and area not in area_keys:
            known = ", ".join(sorted(area_keys)) or "none"
            validator.error(entries["area"][1], f"{what}: unknown area '{area}' (areas: {known})")
            area = None
            key = None
    title = validator.text(entries["title"][1], f"{what} title") if "title" in entries else None
    help_text = validator.text(entries["help"][1], f"{what} help") if "help" in entries else None
    unit = _choice(validator, entries, "unit", what, INDICATOR_UNITS)
    direction = _choice(validator, entries, "direction", what, INDICATOR_DIRECTIONS)
    if key is None or title is None or unit is None or direction is None:
        return None
    if "help" in entries and help_text is None:
        return None
    return IndicatorDefinition(key, area, title, help_text, unit, direction)


def _choice(validator: Validator, entries, name: str, what: str, allowed: tuple[str, ...]):
    if name not in entries:
        return None
    node = entries[name][1]
    value = validator.string(node, f"{what} {name}")
    if value is not None and value not in allowed:
        validator.error(node, f"{what}: unknown {name} '{value}' (allowed: {', '.join(allowed)})")
        return None
    return value
