"""Answer sets: level texts (and values) that several questions share, as published models do.

A questionnaire may define ``answer_sets:``, each a ``key``, its ``levels`` and optional
``values``; a question then says ``answers: KEY`` instead of giving its own levels. The loader
resolves every question to its levels and values, so a stored questionnaire (and everything that
scores it) never sees a set. An unknown set, a set no question uses, and a question that gives
both ``answers`` and ``levels`` (or ``values``) are reported as ``file:line: message``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from yaml.nodes import Node, SequenceNode

from .definitions import Text

if TYPE_CHECKING:
    from .loader import Validator

SET_KEY = re.compile(r"^[a-z0-9_]+$")
SET_KEYS = {"key", "levels", "values"}


@dataclass(frozen=True)
class AnswerSet:
    key: str
    levels: tuple[Text, ...]
    values: tuple[float, ...] | None
    line: int


class AnswerSets:
    """The answer sets of one questionnaire being loaded, and which of them questions use."""

    def __init__(self, validator: Validator) -> None:
        self.validator = validator
        self.sets: dict[str, AnswerSet] = {}
        self.nodes: dict[str, Node] = {}
        self.used: set[str] = set()

    def read(self, node: Node) -> None:
        v = self.validator
        items = v.sequence(node, "answer_sets")
        if isinstance(node, SequenceNode) and not items:
            v.error(node, "answer_sets: list at least one answer set (or leave answer_sets out)")
        for index, item in enumerate(items, 1):
            entries = v.mapping(item, f"answer set {index}", SET_KEYS, {"key", "levels"})
            if entries is None:
                continue
            key = (
                v.key(entries["key"][1], f"answer set {index} key", SET_KEY, "[a-z0-9_]+")
                if "key" in entries
                else None
            )
            what = f"answer set '{key}'" if key else f"answer set {index}"
            levels = v.levels(entries["levels"][1], what) if "levels" in entries else None
            values = None
            if "values" in entries:
                values = v.values(entries["values"][1], what, levels)
                if values is None:
                    continue
            if key is None or levels is None:
                continue
            if key in self.sets:
                v.error(
                    item,
                    f"answer set '{key}' is defined twice (first on line {self.sets[key].line})",
                )
                continue
            self.sets[key] = AnswerSet(key, levels, values, item.start_mark.line + 1)
            self.nodes[key] = item

    def resolve(self, entries, what: str):
        """A question's ``(levels, values)`` from its ``answers: KEY``; None when it is wrong."""
        v = self.validator
        node = entries["answers"][1]
        for own in ("levels", "values"):
            if own in entries:
                v.error(
                    entries[own][0],
                    f"{what} gives both 'answers' and '{own}'; a question takes its levels and "
                    "values from its answer set or gives its own, not both",
                )
                return None
        key = v.string(node, f"{what} answers")
        if key is None:
            return None
        if key not in self.sets:
            known = ", ".join(sorted(self.sets)) or "none is defined"
            v.error(node, f"{what}: unknown answer set '{key}' (answer sets: {known})")
            return None
        self.used.add(key)
        answer_set = self.sets[key]
        return answer_set.levels, answer_set.values

    def check_used(self) -> None:
        for key, node in self.nodes.items():
            if key not in self.used:
                self.validator.error(
                    node, f"answer set '{key}' is not used by any question; remove it or use it"
                )
