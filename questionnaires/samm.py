"""OWASP SAMM 2.x as a dmat questionnaire: read the model folder, write questionnaire YAML.

SAMM publishes its model (the ``model/`` folder of its ``core`` repository) as one YAML document
per file, linked by identifiers: business functions <- security practices <- streams <-
activities (each at a practice level, which is at a maturity level) <- questions, each question
naming an answer set. The questionnaire this writes has one area per business function (in
SAMM's order) and one question per SAMM question, ordered by practice, stream and maturity
level, each naming its answer set; the sets keep SAMM's answers and their values (0-1) scaled to
0-100, so rule 1 scores a SAMM answer with SAMM's own value. Texts are SAMM's English.

Every problem of a broken folder (a missing folder or file, bad YAML, a missing field, a link to
an unknown identifier) is reported naming its file, all of them at once.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from .definitions import QuestionnaireError

FOLDERS = {
    "business_functions": "Function",
    "security_practices": "Practice",
    "streams": "Stream",
    "maturity_levels": "MaturityLevel",
    "practice_levels": "PracticeLevel",
    "activities": "Activity",
    "questions": "Question",
    "answer_sets": "AnswerSet",
}
MAX_FILE_BYTES = 1_000_000
MAX_FILES = 5_000
MAX_HELP_CHARS = 4_000  # the questionnaire format's limit for a text
NOTICE = (
    "Adapted from the OWASP Software Assurance Maturity Model (SAMM), {source}, "
    "© OWASP SAMM project, licensed under Creative Commons Attribution-ShareAlike 4.0 "
    "(CC BY-SA 4.0, https://creativecommons.org/licenses/by-sa/4.0/); this adaptation is "
    "shared under the same licence. Areas are SAMM's business functions, questions its "
    "assessment questions, and each answer scores SAMM's value for it (0-1 as 0-100)."
)


@dataclass
class Document:
    path: Path
    data: dict


class SammFolder:
    """The documents of one SAMM model folder, by folder and identifier, and the problems."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.problems: list[str] = []
        self.documents: dict[str, dict[str, Document]] = {}

    def problem(self, path: Path | str, message: str) -> None:
        self.problems.append(f"{path}: {message}")

    def read(self) -> None:
        if not self.root.is_dir():
            kind = "is not a folder" if self.root.exists() else "no such folder"
            raise QuestionnaireError([f"{self.root}: {kind} (give SAMM's model folder)"])
        for folder, kind in FOLDERS.items():
            self.documents[folder] = {}
            path = self.root / folder
            if not path.is_dir():
                self.problem(path, "missing folder of the SAMM model")
                continue
            files = sorted(p for p in path.iterdir() if p.suffix in {".yml", ".yaml"})
            if len(files) > MAX_FILES:
                self.problem(path, f"{len(files)} files; a SAMM folder has at most {MAX_FILES}")
                continue
            if not files:
                self.problem(path, "no .yml files")
            for file in files:
                self.read_file(file, folder, kind)

    def read_file(self, file: Path, folder: str, kind: str) -> None:
        try:
            if file.stat().st_size > MAX_FILE_BYTES:
                self.problem(file, f"larger than {MAX_FILE_BYTES} bytes")
                return
            text = file.read_bytes().decode("utf-8-sig")
        except UnicodeDecodeError:
            self.problem(file, "not UTF-8 text")
            return
        except OSError as error:
            self.problem(file, f"cannot be read ({error.strerror})")
            return
        try:
            data = _plain_yaml(text)
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            where = f"{file}:{mark.line + 1}" if mark is not None else str(file)
            reason = getattr(error, "problem", None) or str(error).splitlines()[0]
            self.problem(where, f"not valid YAML: {reason}")
            return
        if not isinstance(data, dict):
            self.problem(file, "not a SAMM document (a mapping of fields)")
            return
        if data.get("type") != kind:
            self.problem(file, f"type is {data.get('type')!r}; files in {folder}/ are {kind}")
            return
        identifier = data.get("id")
        if not isinstance(identifier, str) or not identifier.strip():
            self.problem(file, "missing 'id'")
            return
        if identifier in self.documents[folder]:
            first = self.documents[folder][identifier].path.name
            self.problem(file, f"id {identifier} is also the id of {first}")
            return
        self.documents[folder][identifier] = Document(file, data)

    def field(self, document: Document, name: str, kind: type | tuple[type, ...] = str):
        value = document.data.get(name)
        if isinstance(value, bool) or not isinstance(value, kind) or value in ("", None):
            wanted = {str: "a text", int: "a whole number"}.get(kind, "a number")  # type: ignore[call-overload]
            self.problem(document.path, f"'{name}' must be {wanted}, not {value!r}")
            return None
        return value.strip() if isinstance(value, str) else value

    def link(self, document: Document, name: str, folder: str) -> Document | None:
        """The document another one names by its identifier in field ``name``."""
        target = document.data.get(name)
        if target not in self.documents.get(folder, {}):
            where = self.root / folder
            if target is None:
                self.problem(document.path, f"missing '{name}' (the id of a file in {where})")
            else:
                self.problem(document.path, f"{name} '{target}' is not the id of a file in {where}")
            return None
        return self.documents[folder][target]

    def order(self, document: Document) -> float:
        value = document.data.get("order", 0)
        number = value if isinstance(value, (int, float)) and not isinstance(value, bool) else 0
        return float(number)


def _plain_yaml(text: str):
    """YAML without aliases (how small files blow up into gigabytes), as plain Python data."""
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(event, yaml.AliasEvent):
            raise yaml.YAMLError(f"aliases are not allowed (line {event.start_mark.line + 1})")
    return yaml.safe_load(text)


def _key(text: str) -> str:
    return re.sub(r"[^a-z0-9_]+", "_", text.lower()).strip("_")


def _answer_set(samm: SammFolder, document: Document, key: str) -> dict | None:
    answers = document.data.get("values")
    if not isinstance(answers, list) or not 2 <= len(answers) <= 10:
        samm.problem(document.path, "'values' must list 2 to 10 answers")
        return None
    levels, values = [], []
    for number, answer in enumerate(
        sorted(answers, key=lambda a: a.get("order", 0) if isinstance(a, dict) else 0), 1
    ):
        text = answer.get("text") if isinstance(answer, dict) else None
        value = answer.get("value") if isinstance(answer, dict) else None
        if isinstance(text, bool):  # YAML 1.1 reads an answer "No" as false
            text = "Yes" if text else "No"
        if not isinstance(text, (str, int, float)) or not str(text).strip():
            samm.problem(document.path, f"answer {number} has no 'text'")
            return None
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or not math.isfinite(value)
            or not 0 <= value <= 1
        ):
            samm.problem(document.path, f"answer {number} value must be 0 to 1, not {value!r}")
            return None
        if values and 100 * value < values[-1]:
            samm.problem(document.path, f"answer {number} is worth less than answer {number - 1}")
            return None
        levels.append(str(text).strip())
        values.append(_percent(value))
    return {"key": key, "levels": levels, "values": values}


def _percent(value: float) -> float | int:
    scaled = round(100 * value, 10)  # 0.29 * 100 is 28.999999999999996
    return int(scaled) if scaled == int(scaled) else scaled


def samm_questionnaire(root: str | Path, key: str = "owasp-samm", version: int = 1) -> dict:
    """The questionnaire (plain data, as its YAML file holds it) of the SAMM model in ``root``."""
    samm = SammFolder(Path(root))
    samm.read()
    docs = samm.documents
    set_keys: dict[str, str] = {}
    for identifier, document in sorted(docs["answer_sets"].items(), key=lambda i: i[1].path):
        candidate = _key(document.path.stem) or "answers"
        while candidate in set_keys.values():
            candidate += "_"
        set_keys[identifier] = candidate
    levels_of = {}
    for identifier, document in docs["practice_levels"].items():
        maturity = samm.link(document, "maturityLevel", "maturity_levels")
        if maturity is not None and samm.link(document, "practice", "security_practices"):
            levels_of[identifier] = samm.field(maturity, "number", int)
    areas: dict[str, dict] = {}
    for identifier, document in docs["business_functions"].items():
        name = samm.field(document, "name")
        if name is not None:
            area = {"key": _key(name), "title": name, "questions": []}
            description = samm.field(document, "description")
            if description:
                area["description"] = description[:MAX_HELP_CHARS]
            areas[identifier] = area
    rows = []
    used: dict[str, Document] = {}
    for document in docs["questions"].values():
        activity = samm.link(document, "activity", "activities")
        answer_set = samm.link(document, "answerSet", "answer_sets")
        text = samm.field(document, "text")
        if activity is None or answer_set is None or text is None:
            continue
        stream = samm.link(activity, "stream", "streams")
        practice_level = samm.link(activity, "level", "practice_levels")
        practice = stream and samm.link(stream, "practice", "security_practices")
        function = practice and samm.link(practice, "function", "business_functions")
        if not (stream and practice_level and practice and function):
            continue
        short = samm.field(practice, "shortName")
        letter = samm.field(stream, "letter")
        level = levels_of.get(practice_level.data["id"])
        if short is None or letter is None or level is None or function.data["id"] not in areas:
            continue
        help_text = _help(practice, stream, activity, level, document)
        if len(help_text) > MAX_HELP_CHARS:
            samm.problem(document.path, f"its guidance is {len(help_text)} characters long")
            continue
        used[answer_set.data["id"]] = answer_set
        question = {
            "key": _key(f"{short}_{letter}_{level}"),
            "text": text,
            "help": help_text,
            "answers": set_keys[answer_set.data["id"]],
        }
        sort_key = (
            samm.order(practice),
            practice.data.get("shortName", ""),
            samm.order(stream),
            str(letter),
            level,
            samm.order(document),
            document.path.name,
        )
        rows.append((function.data["id"], sort_key, question, document))
    seen: dict[str, Path] = {}
    for function_id, _, question, document in sorted(rows, key=lambda r: r[1]):
        base, number = question["key"], 1
        while question["key"] in seen:  # a second question of one activity
            number += 1
            question["key"] = f"{base}_{number}"
        seen[question["key"]] = document.path
        areas[function_id]["questions"].append(question)
    answer_sets = []
    for identifier, document in sorted(used.items(), key=lambda i: set_keys[i[0]]):
        answer_set = _answer_set(samm, document, set_keys[identifier])
        if answer_set is not None:
            answer_sets.append(answer_set)
    ordered = sorted(docs["business_functions"].values(), key=samm.order)
    for document in ordered:
        area = areas.get(document.data["id"])
        if area is not None and not area["questions"]:
            samm.problem(document.path, "no question of the model belongs to this function")
    if samm.problems:
        raise QuestionnaireError(samm.problems)
    return {
        "key": key,
        "version": version,
        "languages": ["en"],
        "title": "OWASP SAMM 2 (Software Assurance Maturity Model)",
        "description": NOTICE.format(source=f"model folder {Path(root).name}"),
        "answer_sets": answer_sets,
        "areas": [areas[d.data["id"]] for d in ordered],
    }


def _help(practice: Document, stream: Document, activity: Document, level: int, question) -> str:
    parts = [
        f"{practice.data.get('name', '')} ({practice.data.get('shortName', '')}), stream "
        f"{stream.data.get('letter', '')} {stream.data.get('name', '')}, maturity level {level}: "
        f"{str(activity.data.get('title') or '').strip()}."
    ]
    quality = question.data.get("quality")
    if isinstance(quality, list) and quality:
        parts.append("Quality criteria:\n" + "\n".join(f"- {str(q).strip()}" for q in quality))
    return "\n\n".join(parts)


class _Dumper(yaml.SafeDumper):
    """Never writes anchors and aliases: the questionnaire loader refuses them."""

    def ignore_aliases(self, data) -> bool:
        return True


def samm_yaml(questionnaire: dict) -> str:
    """A questionnaire of ``samm_questionnaire`` as YAML text, with its notice on top."""
    body = yaml.dump(questionnaire, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100)
    return "".join(f"# {line}\n" for line in _wrap(questionnaire["description"])) + body


def _wrap(text: str, width: int = 98) -> list[str]:
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    return [*lines, line]
