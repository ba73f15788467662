"""Load and validate questionnaire YAML files, reporting every problem as ``file:line: message``.

The YAML is composed into nodes (never constructed into Python objects), so line numbers are
known for every value, duplicate keys are caught, and no tag can run code. Anchors and aliases
are refused: a questionnaire has no use for them and they are how "billion laughs" files blow up.
Nesting is limited before anything is composed (the parser's work and the composer's recursion
grow with the depth), and numbers are limited in length before they are converted.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from .answer_sets import AnswerSets
from .definitions import (
    AreaDefinition,
    QuestionDefinition,
    QuestionnaireDefinition,
    QuestionnaireError,
    Text,
)
from .indicators import validate_indicators

MAX_FILE_BYTES = 1_000_000
MAX_TEXT_CHARS = 4_000
MIN_LEVELS, MAX_LEVELS = 2, 10
MAX_DEPTH = 64  # lists and mappings inside each other; a questionnaire needs 7
MAX_VERSION = 2**31 - 1  # versions are stored in an INTEGER column
MAX_NUMBER_CHARS = 20  # a version or a weight, as written
MAX_WEIGHT, MAX_WEIGHT_DIGITS = 1000, 15  # 15 digits: what a float holds exactly
QUESTIONNAIRE_KEY = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
ITEM_KEY = re.compile(r"^[a-z0-9_]+$")
LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})?$")

TOP_KEYS = {
    "key", "version", "languages", "title", "description", "areas", "answer_sets", "indicators"
}
AREA_KEYS = {"key", "title", "description", "weight", "questions"}
QUESTION_KEYS = {"key", "text", "help", "weight", "allow_na", "levels", "values", "answers"}

_TAG = "tag:yaml.org,2002:"
STR, INT, FLOAT, BOOL, NULL = (_TAG + t for t in ("str", "int", "float", "bool", "null"))
STANDARD_TAGS = {"str", "int", "float", "bool", "null", "seq", "map"}


def load_questionnaire_file(path: str | Path) -> QuestionnaireDefinition:
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise QuestionnaireError(
                [f"{path}: the file has {size} bytes; a questionnaire may have {MAX_FILE_BYTES}"]
            )
        data = path.read_bytes()
    except FileNotFoundError:
        raise QuestionnaireError([f"{path}: no such file"]) from None
    except IsADirectoryError:
        raise QuestionnaireError([f"{path}: is a directory, not a file"]) from None
    except OSError as error:
        raise QuestionnaireError([f"{path}: cannot be read ({error.strerror})"]) from None
    return load_questionnaire_bytes(data, str(path))


def load_questionnaire_bytes(data: bytes, filename: str) -> QuestionnaireDefinition:
    if len(data) > MAX_FILE_BYTES:
        raise QuestionnaireError(
            [
                f"{filename}: the file has {len(data)} bytes; a questionnaire may have "
                f"{MAX_FILE_BYTES}"
            ]
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise QuestionnaireError(
            [
                f"{filename}:{line}: not UTF-8 text (byte 0x{data[error.start]:02x}); "
                "save the file as UTF-8"
            ]
        ) from None
    return load_questionnaire_text(text, filename)


def load_questionnaire_text(
    text: str, filename: str = "<questionnaire>"
) -> QuestionnaireDefinition:
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise QuestionnaireError([f"{filename}:{line}: the file contains a NUL character"])
    try:
        root = _compose(text, filename)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        problem = getattr(error, "problem", None) or str(error)
        raise QuestionnaireError([f"{filename}:{line}: not valid YAML: {problem}"]) from None
    return Validator(filename, text).questionnaire(root)


def _compose(text: str, filename: str) -> Node | None:
    depth = 0
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
            depth += 1
            if depth > MAX_DEPTH:
                raise QuestionnaireError(
                    [
                        f"{filename}:{event.start_mark.line + 1}: nesting deeper than "
                        f"{MAX_DEPTH} levels"
                    ]
                )
        elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
            depth -= 1
        anchor = getattr(event, "anchor", None)
        if isinstance(event, yaml.AliasEvent) or anchor is not None:
            raise QuestionnaireError(
                [
                    f"{filename}:{event.start_mark.line + 1}: YAML anchors and aliases "
                    f"(&{anchor} / *{anchor}) are not allowed in a questionnaire"
                ]
            )
    return yaml.compose(text, Loader=yaml.SafeLoader)


class Validator:
    """Reads one questionnaire file, collecting every problem as ``file:line: message``; the
    answer-set and indicator checks (``answer_sets.py``, ``indicators.py``) report through it."""

    def __init__(self, filename: str, source: str) -> None:
        self.filename = filename
        self.source = source
        self.problems: list[str] = []
        self.languages: tuple[str, ...] = ("en",)
        self.answer_sets = AnswerSets(self)

    def error(self, node: Node, message: str) -> None:
        self.problems.append(f"{self.filename}:{node.start_mark.line + 1}: {message}")

    # -- structure ---------------------------------------------------------------------------

    def mapping(self, node: Node, what: str, allowed: set[str], required: set[str]):
        """The entries of a mapping node as key -> (key node, value node), checking keys."""
        if not isinstance(node, MappingNode):
            self.error(node, f"{what} must be a mapping (key: value lines)")
            return None
        entries: dict[str, tuple[Node, Node]] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode) or key_node.tag != STR:
                self.error(key_node, f"{what}: keys must be plain words")
                continue
            key = key_node.value
            if key in entries:
                first = entries[key][0].start_mark.line + 1
                self.error(key_node, f"{what}: duplicate key '{key}' (first on line {first})")
                continue
            if key not in allowed:
                self.error(
                    key_node,
                    f"{what}: unknown key '{key}' (allowed: {', '.join(sorted(allowed))})",
                )
                continue
            entries[key] = (key_node, value_node)
        for key in sorted(required - entries.keys()):
            self.error(node, f"{what}: missing '{key}'")
        return entries

    def scalar(self, node: Node, what: str, tags: tuple[str, ...], expected: str):
        if isinstance(node, ScalarNode) and node.tag in tags:
            return node.value
        self.error(node, f"{what} must be {expected}, not {_describe(node)}")
        return None

    def string(self, node: Node, what: str) -> str | None:
        # a plain No, 7 or 1.0 is text here: YAML 1.1 would otherwise turn a level "No" into false
        value = self.scalar(node, what, (STR, INT, FLOAT, BOOL), "text")
        if value is None:
            return None
        if not value.strip():
            self.error(node, f"{what} is empty")
            return None
        if len(value) > MAX_TEXT_CHARS:
            self.error(node, f"{what} is {len(value)} characters long; at most {MAX_TEXT_CHARS}")
            return None
        return value

    def key(self, node: Node, what: str, pattern: re.Pattern[str], rule: str) -> str | None:
        value = self.string(node, what)
        if value is not None and not pattern.match(value):
            self.error(node, f"{what} '{value}' must match {rule}")
            return None
        return value

    def weight(self, entries, what: str) -> float:
        if "weight" not in entries:
            return 1.0
        node = entries["weight"][1]
        raw = self.scalar(node, f"{what} weight", (INT, FLOAT), "a number")
        if raw is None:
            return 1.0
        digits = sum(character.isdigit() for character in raw)
        if len(raw) > MAX_NUMBER_CHARS or digits > MAX_WEIGHT_DIGITS:
            self.error(
                node,
                f"{what} weight has {digits} digits ({len(raw)} characters); "
                f"at most {MAX_WEIGHT_DIGITS}",
            )
            return 1.0
        value = float(yaml.safe_load(raw))
        if not math.isfinite(value) or not 0 < value <= MAX_WEIGHT:
            self.error(
                node,
                f"{what} weight must be a number greater than 0 and at most {MAX_WEIGHT}, "
                f"not {raw}",
            )
            return 1.0
        return value

    def boolean(self, entries, name: str, what: str) -> bool:
        if name not in entries:
            return False
        node = entries[name][1]
        raw = self.scalar(node, f"{what} {name}", (BOOL,), "true or false")
        return raw is not None and raw.lower() in {"true", "yes", "on"}

    def text(self, node: Node, what: str) -> Text | None:
        """A text: one string for every language, or a mapping language -> string."""
        if isinstance(node, ScalarNode):
            value = self.string(node, what)
            return None if value is None else dict.fromkeys(self.languages, value)
        entries = self.mapping(node, what, set(self.languages), set())
        if entries is None:
            return None
        texts = {
            lang: value
            for lang, (_, value_node) in entries.items()
            if (value := self.string(value_node, f"{what} ({lang})")) is not None
        }
        missing = [lang for lang in self.languages if lang not in entries]
        if missing:
            self.error(node, f"{what}: no text for declared language(s) {', '.join(missing)}")
        return texts if len(texts) == len(self.languages) else None

    def sequence(self, node: Node, what: str) -> list[Node]:
        if not isinstance(node, SequenceNode):
            self.error(node, f"{what} must be a list, not {_describe(node)}")
            return []
        return node.value

    # -- the questionnaire -------------------------------------------------------------------

    def questionnaire(self, root: Node | None) -> QuestionnaireDefinition:
        if root is None:
            raise QuestionnaireError([f"{self.filename}:1: the file is empty"])
        self.refuse_tags(root)
        if self.problems:
            raise QuestionnaireError(self.problems)
        entries = self.mapping(
            root, "questionnaire", TOP_KEYS, {"key", "version", "languages", "title", "areas"}
        )
        if entries is None:
            raise QuestionnaireError(self.problems)
        if "languages" in entries:
            self.languages = self.language_list(entries["languages"][1]) or self.languages
        key = version = None
        if "key" in entries:
            key = self.key(entries["key"][1], "key", QUESTIONNAIRE_KEY, "[a-z0-9-]+")
        if "version" in entries:
            version = self.version(entries["version"][1])
        title = self.text(entries["title"][1], "title") if "title" in entries else None
        description = (
            self.text(entries["description"][1], "description")
            if "description" in entries
            else None
        )
        if "answer_sets" in entries:
            self.answer_sets.read(entries["answer_sets"][1])
        areas = self.areas(entries["areas"][1]) if "areas" in entries else ()
        if "answer_sets" in entries and "areas" in entries:
            self.answer_sets.check_used()
        indicators = (
            validate_indicators(self, entries["indicators"][1], entries.get("areas", (None,))[-1])
            if "indicators" in entries
            else ()
        )
        if self.problems:
            raise QuestionnaireError(self.problems)
        assert key is not None and version is not None and title is not None
        return QuestionnaireDefinition(
            key, version, self.languages, title, description, areas, self.source, indicators
        )

    def refuse_tags(self, node: Node) -> None:
        """Explicit tags such as !!python/object have no place in a questionnaire."""
        if not node.tag.startswith(_TAG) or node.tag[len(_TAG) :] not in STANDARD_TAGS:
            self.error(node, f"the tag {node.tag} is not allowed in a questionnaire")
            return
        if isinstance(node, SequenceNode):
            for item in node.value:
                self.refuse_tags(item)
        elif isinstance(node, MappingNode):
            for key, value in node.value:
                self.refuse_tags(key)
                self.refuse_tags(value)

    def language_list(self, node: Node) -> tuple[str, ...] | None:
        items = self.sequence(node, "languages")
        codes: list[str] = []
        for item in items:
            code = self.string(item, "language")
            if code is None:
                continue
            if not LANGUAGE_CODE.match(code):
                self.error(item, f"language '{code}' is not a language code such as en or bg")
            elif code in codes:
                self.error(item, f"language '{code}' is listed twice")
            else:
                codes.append(code)
        if isinstance(node, SequenceNode) and not items:
            self.error(node, "languages: list at least one language")
        return tuple(codes) if codes else None

    def version(self, node: Node) -> int | None:
        raw = self.scalar(node, "version", (INT,), "a whole number")
        if raw is None:
            return None
        # a long number is never converted: int() of thousands of digits is slow, then refused
        value = int(yaml.safe_load(raw)) if len(raw) <= MAX_NUMBER_CHARS else None
        if value is None or not 1 <= value <= MAX_VERSION:
            shown = raw if value is not None else f"a number of {len(raw)} characters"
            self.error(node, f"version must be a whole number from 1 to {MAX_VERSION}, not {shown}")
            return None
        return value

    def areas(self, node: Node) -> tuple[AreaDefinition, ...]:
        items = self.sequence(node, "areas")
        if isinstance(node, SequenceNode) and not items:
            self.error(node, "areas: list at least one area")
        areas, area_lines, question_lines = [], {}, {}
        for index, item in enumerate(items, 1):
            area = self.area(item, index, question_lines)
            if area is None:
                continue
            if area.key in area_lines:
                self.error(
                    item,
                    f"area '{area.key}' is defined twice (first on line {area_lines[area.key]})",
                )
                continue
            area_lines[area.key] = item.start_mark.line + 1
            areas.append(area)
        return tuple(areas)

    def area(self, node: Node, index: int, question_lines: dict[str, int]):
        entries = self.mapping(node, f"area {index}", AREA_KEYS, {"key", "title", "questions"})
        if entries is None:
            return None
        key = (
            self.key(entries["key"][1], f"area {index} key", ITEM_KEY, "[a-z0-9_]+")
            if "key" in entries
            else None
        )
        what = f"area '{key}'" if key else f"area {index}"
        title = self.text(entries["title"][1], f"{what} title") if "title" in entries else None
        description = (
            self.text(entries["description"][1], f"{what} description")
            if "description" in entries
            else None
        )
        weight = self.weight(entries, what)
        questions = []
        if "questions" in entries:
            items = self.sequence(entries["questions"][1], f"{what} questions")
            if isinstance(entries["questions"][1], SequenceNode) and not items:
                self.error(entries["questions"][1], f"{what}: list at least one question")
            for number, item in enumerate(items, 1):
                question = self.question(item, f"{what} question {number}")
                if question is None:
                    continue
                if question.key in question_lines:
                    self.error(
                        item,
                        f"question key '{question.key}' is used twice (first on "
                        f"line {question_lines[question.key]})",
                    )
                    continue
                question_lines[question.key] = item.start_mark.line + 1
                questions.append(question)
        if key is None or title is None:
            return None
        return AreaDefinition(key, title, description, weight, tuple(questions))

    def question(self, node: Node, position: str) -> QuestionDefinition | None:
        entries = self.mapping(node, position, QUESTION_KEYS, {"key", "text"})
        if entries is None:
            return None
        if "levels" not in entries and "answers" not in entries:
            self.error(node, f"{position}: missing 'levels' (or 'answers: KEY' of an answer set)")
        key = (
            self.key(entries["key"][1], f"{position} key", ITEM_KEY, "[a-z0-9_]+")
            if "key" in entries
            else None
        )
        what = f"question '{key}'" if key else position
        text = self.text(entries["text"][1], f"{what} text") if "text" in entries else None
        help_text = self.text(entries["help"][1], f"{what} help") if "help" in entries else None
        weight = self.weight(entries, what)
        allow_na = self.boolean(entries, "allow_na", what)
        levels = values = None
        if "answers" in entries:
            resolved = self.answer_sets.resolve(entries, what)
            if resolved is None:
                return None
            levels, values = resolved
        elif "levels" in entries:
            levels = self.levels(entries["levels"][1], what)
        if "values" in entries and "answers" not in entries:
            values = self.values(entries["values"][1], what, levels)
            if values is None:
                return None
        if key is None or text is None or levels is None:
            return None
        return QuestionDefinition(key, text, help_text, weight, allow_na, levels, values)

    def values(
        self, node: Node, what: str, levels: tuple[Text, ...] | None
    ) -> tuple[float, ...] | None:
        """Rule 1's own scores: one number 0-100 per level, lowest first, non-decreasing."""
        items = self.sequence(node, f"{what} values")
        if not isinstance(node, SequenceNode):
            return None
        values: list[float] = []
        for number, item in enumerate(items, 1):
            raw = self.scalar(item, f"{what} value {number}", (INT, FLOAT), "a number")
            if raw is None:
                return None
            value = float(yaml.safe_load(raw)) if len(raw) <= MAX_NUMBER_CHARS else math.nan
            if not math.isfinite(value) or not 0 <= value <= 100:
                shown = raw if len(raw) <= MAX_NUMBER_CHARS else f"{len(raw)} characters"
                self.error(item, f"{what} value {number} must be a number 0-100, not {shown}")
                return None
            if values and value < values[-1]:
                self.error(
                    item,
                    f"{what} value {number} ({raw}) is lower than value {number - 1} "
                    f"({values[-1]:g}); values must not decrease",
                )
                return None
            values.append(value)
        if levels is not None and len(values) != len(levels):
            self.error(
                node,
                f"{what} has {len(values)} value(s) for {len(levels)} level(s); give one "
                "value per level",
            )
            return None
        return tuple(values)

    def levels(self, node: Node, what: str) -> tuple[Text, ...] | None:
        items = self.sequence(node, f"{what} levels")
        if not isinstance(node, SequenceNode):
            return None
        if not MIN_LEVELS <= len(items) <= MAX_LEVELS:
            self.error(
                node,
                f"{what} has {len(items)} level(s); a question needs {MIN_LEVELS} to {MAX_LEVELS}",
            )
            return None
        levels = [self.text(item, f"{what} level {n}") for n, item in enumerate(items, 1)]
        if any(level is None for level in levels):
            return None
        return tuple(levels)  # type: ignore[arg-type]


def _describe(node: Node) -> str:
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    kind = {
        STR: "text",
        INT: "a whole number",
        FLOAT: "a number",
        BOOL: "true/false",
        NULL: "empty",
    }.get(node.tag, node.tag)
    return f"{kind} '{node.value}'" if node.value else kind
