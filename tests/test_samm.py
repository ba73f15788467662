"""``dmat questionnaire from-samm``: OWASP SAMM 2's model folder as a dmat questionnaire.

The real model is read from ``DMAT_SAMM_MODEL`` (default ``../shared/samm-model`` beside the
repository; CC BY-SA 4.0, never copied into the project); small folders in SAMM's layout are
written here for the edge cases and for a worked example of the scores.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from questionnaires import load_questionnaire_file

from .test_conformance import assert_same

REPOSITORY = Path(__file__).resolve().parent.parent
SAMM_MODEL = Path(os.environ.get("DMAT_SAMM_MODEL", REPOSITORY.parent / "shared" / "samm-model"))
DMAT = Path(sys.executable).parent / "dmat"
needs_samm = pytest.mark.skipif(
    not (SAMM_MODEL / "questions").is_dir(),
    reason=f"the OWASP SAMM model folder is not at {SAMM_MODEL} (set DMAT_SAMM_MODEL)",
)


def run(*args: str, url: str = "sqlite://") -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "DMAT_ENV": "development",
        "DMAT_DATABASE_URL": url,
        "DMAT_LOG_LEVEL": "WARNING",
    }
    return subprocess.run(
        [str(DMAT), *args], env=env, capture_output=True, text=True, timeout=180, check=False
    )


def samm_documents(folder: Path) -> dict[str, dict[str, dict]]:
    """Every document of a SAMM folder, by subfolder and id: the test's own reading."""
    return {
        sub.name: {d["id"]: d for d in (yaml.safe_load(f.read_text()) for f in sub.glob("*.yml"))}
        for sub in folder.iterdir()
        if sub.is_dir()
    }


# -- the real model ------------------------------------------------------------------------------
@needs_samm
def test_the_real_model_imports_with_every_answer_sets_values(tmp_path):
    output = tmp_path / "samm.yaml"
    done = run("questionnaire", "from-samm", str(SAMM_MODEL), "-o", str(output))
    assert done.returncode == 0, done.stderr
    assert done.stdout == (
        f"Wrote {output}: questionnaire owasp-samm:1, 5 areas, 90 questions, 24 answer sets.\n"
    )
    text = output.read_text(encoding="utf-8")
    assert "CC BY-SA 4.0" in text.splitlines()[0] + text.splitlines()[1]
    definition = load_questionnaire_file(output)
    assert "Creative Commons Attribution-ShareAlike 4.0" in definition.description["en"]
    docs = samm_documents(SAMM_MODEL)
    functions = sorted(docs["business_functions"].values(), key=lambda f: f["order"])
    assert [a.title["en"] for a in definition.areas] == [f["name"] for f in functions]
    assert [a.key for a in definition.areas] == [
        "governance",
        "design",
        "implementation",
        "verification",
        "operations",
    ]
    by_text = {q["text"].strip(): q for q in docs["questions"].values()}
    assert len(definition.questions) == len(docs["questions"]) == 90
    for question in definition.questions:
        samm = by_text[question.text["en"]]
        answers = sorted(docs["answer_sets"][samm["answerSet"]]["values"], key=lambda a: a["order"])
        assert question.values == tuple(100.0 * a["value"] for a in answers), question.key
        texts = [("No" if a["text"] is False else str(a["text"])) for a in answers]
        assert [level["en"] for level in question.levels] == texts
        activity = docs["activities"][samm["activity"]]
        assert activity["title"].strip() in question.help["en"]
    validated = run("questionnaire", "validate", str(output))
    assert validated.returncode == 0 and "5 areas, 90 questions" in validated.stdout


def samm_function_scores(docs, answers: dict[str, int]) -> dict[str, float]:
    """SAMM's own arithmetic: a stream scores the sum of its questions' answer values over its
    maturity levels (0-3), a practice the mean of its streams, a function the mean of its
    practices. ``answers`` maps question id -> answer index."""
    streams: dict[str, float] = {}
    for question_id, index in answers.items():
        question = docs["questions"][question_id]
        answer_set = docs["answer_sets"][question["answerSet"]]["values"]
        value = sorted(answer_set, key=lambda a: a["order"])[index]["value"]
        stream = docs["activities"][question["activity"]]["stream"]
        streams[stream] = streams.get(stream, 0.0) + value
    practices: dict[str, list[float]] = {}
    for stream_id, score in streams.items():
        practices.setdefault(docs["streams"][stream_id]["practice"], []).append(score)
    functions: dict[str, list[float]] = {}
    for practice_id, scores in practices.items():
        function = docs["business_functions"][docs["security_practices"][practice_id]["function"]]
        functions.setdefault(function["name"].lower(), []).append(statistics.fmean(scores))
    return {name: statistics.fmean(scores) for name, scores in functions.items()}


@needs_samm
def test_scores_on_answers_to_the_real_model_are_samms_arithmetic(tmp_path):
    """A worked example: dmat's area score is SAMM's business-function score (0-3) * 100 / 3,
    and the overall score the mean of SAMM's function scores, likewise scaled."""
    output = tmp_path / "samm.yaml"
    assert run("questionnaire", "from-samm", str(SAMM_MODEL), "-o", str(output)).returncode == 0
    url = f"sqlite:///{tmp_path / 'samm.db'}"
    assert run("init", url=url).returncode == 0
    for args in (
        ("questionnaire", "import", str(output)),
        ("city", "add", "Αθήνα", "--country", "GR"),
        ("round", "create", "--name", "SAMM 2026", "--questionnaire", "owasp-samm:1"),
    ):
        done = run(*args, url=url)
        assert done.returncode == 0, done.stderr
    docs = samm_documents(SAMM_MODEL)
    definition = load_questionnaire_file(output)
    by_text = {q["text"].strip(): q["id"] for q in docs["questions"].values()}
    answers, lines = {}, ["city,respondent,question,answer"]
    for number, question in enumerate(definition.questions):
        index = (number * 7 + number // 4) % 4  # every answer of every set, unevenly
        answers[by_text[question.text["en"]]] = index
        lines.append(f"Αθήνα,ciso@athens.example,{question.key},{index + 1}")
    csv = tmp_path / "answers.csv"
    csv.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert run("responses", "import", "--round", "SAMM 2026", str(csv), url=url).returncode == 0
    done = run("scores", "--round", "SAMM 2026", "--format", "json", url=url)
    assert done.returncode == 0, done.stderr
    (city,) = json.loads(done.stdout)
    samm = samm_function_scores(docs, answers)
    for key, score in samm.items():
        assert city["areas"][key]["score"] == pytest.approx(score * 100 / 3, abs=1e-9), key
    assert city["overall"] == pytest.approx(statistics.fmean(samm.values()) * 100 / 3, abs=1e-9)


# -- a small folder in SAMM's layout -------------------------------------------------------------
def write_samm(folder: Path, changes: dict[str, dict | str | None] | None = None) -> Path:
    """A two-function model in SAMM's layout: ``changes`` replaces a file's document (a dict),
    its text (a str) or removes it (None), by its path relative to ``folder``."""
    documents = {
        "business_functions/Govern.yml": {
            "id": "f1",
            "name": "Govern",
            "description": "Steering.",
            "order": 1,
            "type": "Function",
        },
        "business_functions/Build.yml": {
            "id": "f2",
            "name": "Build",
            "description": "Making.",
            "order": 2,
            "type": "Function",
        },
        "security_practices/Policy.yml": {
            "id": "p1",
            "function": "f1",
            "name": "Policy",
            "shortName": "PO",
            "order": 1,
            "type": "Practice",
        },
        "security_practices/Code.yml": {
            "id": "p2",
            "function": "f2",
            "name": "Code",
            "shortName": "CO",
            "order": 1,
            "type": "Practice",
        },
        "streams/PO-A.yml": {
            "id": "s1",
            "practice": "p1",
            "name": "Write",
            "letter": "A",
            "order": 1,
            "type": "Stream",
        },
        "streams/CO-A.yml": {
            "id": "s2",
            "practice": "p2",
            "name": "Review",
            "letter": "A",
            "order": 1,
            "type": "Stream",
        },
        "maturity_levels/1.yml": {"id": "m1", "number": 1, "type": "MaturityLevel"},
        "maturity_levels/2.yml": {"id": "m2", "number": 2, "type": "MaturityLevel"},
        "practice_levels/PO-1.yml": {
            "id": "pl1",
            "practice": "p1",
            "maturityLevel": "m1",
            "type": "PracticeLevel",
        },
        "practice_levels/PO-2.yml": {
            "id": "pl2",
            "practice": "p1",
            "maturityLevel": "m2",
            "type": "PracticeLevel",
        },
        "practice_levels/CO-1.yml": {
            "id": "pl3",
            "practice": "p2",
            "maturityLevel": "m1",
            "type": "PracticeLevel",
        },
        "activities/PO-1-A.yml": {
            "id": "a1",
            "stream": "s1",
            "level": "pl1",
            "title": "Write a policy",
            "type": "Activity",
        },
        "activities/PO-2-A.yml": {
            "id": "a2",
            "stream": "s1",
            "level": "pl2",
            "title": "Enforce it",
            "type": "Activity",
        },
        "activities/CO-1-A.yml": {
            "id": "a3",
            "stream": "s2",
            "level": "pl3",
            "title": "Review code",
            "type": "Activity",
        },
        "questions/PO-1-A.yml": {
            "id": "q1",
            "activity": "a1",
            "answerSet": "setA",
            "order": 1,
            "text": "Is there a policy?",
            "quality": ["It is written"],
            "type": "Question",
        },
        "questions/PO-2-A.yml": {
            "id": "q2",
            "activity": "a2",
            "answerSet": "setD",
            "order": 1,
            "text": "Is it enforced?",
            "type": "Question",
        },
        "questions/CO-1-A.yml": {
            "id": "q3",
            "activity": "a3",
            "answerSet": "setY",
            "order": 1,
            "text": "Is code reviewed?",
            "type": "Question",
        },
        "questions/CO-1-A-2.yml": {
            "id": "q4",
            "activity": "a3",
            "answerSet": "setA",
            "order": 2,
            "text": "By a second person?",
            "type": "Question",
        },
        "answer_sets/A.yml": {
            "id": "setA",
            "type": "AnswerSet",
            "values": [
                {"text": "Yes, for most", "value": 1, "order": 3},
                {"text": False, "value": 0, "order": 0},
                {"text": "Yes, for some", "value": 0.25, "order": 1},
                {"text": "Yes, for half", "value": 0.5, "order": 2},
            ],
        },
        "answer_sets/D.yml": {
            "id": "setD",
            "type": "AnswerSet",
            "values": [
                {"text": "Never", "value": 0, "order": 0},
                {"text": "Sometimes", "value": 0.2, "order": 1},
                {"text": "Often", "value": 0.5, "order": 2},
                {"text": "Always", "value": 1, "order": 3},
            ],
        },
        "answer_sets/Y.yml": {
            "id": "setY",
            "type": "AnswerSet",
            "values": [
                {"text": "No", "value": 0, "order": 0},
                {"text": "Yes", "value": 1, "order": 1},
            ],
        },
        "answer_sets/U.yml": {
            "id": "setU",
            "type": "AnswerSet",
            "values": [
                {"text": "Unused", "value": 0, "order": 0},
                {"text": "Still unused", "value": 1, "order": 1},
            ],
        },
    }
    for name, document in {**documents, **(changes or {})}.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if document is None:
            continue
        text = document if isinstance(document, str) else "---\n" + yaml.safe_dump(document)
        path.write_text(text, encoding="utf-8")
    return folder


def test_a_small_model_becomes_a_questionnaire_with_its_values(tmp_path):
    output = tmp_path / "small.yaml"
    folder = write_samm(tmp_path / "model")
    done = run(
        "questionnaire",
        "from-samm",
        str(folder),
        "-o",
        str(output),
        "--key",
        "small-samm",
        "--version",
        "3",
    )
    assert done.returncode == 0, done.stderr
    definition = load_questionnaire_file(output)
    assert definition.label == "small-samm:3"
    assert [(a.key, [q.key for q in a.questions]) for a in definition.areas] == [
        ("govern", ["po_a_1", "po_a_2"]),
        ("build", ["co_a_1", "co_a_1_2"]),
    ]
    q = {q.key: q for q in definition.questions}
    assert q["po_a_1"].values == (0, 25, 50, 100)
    assert [level["en"] for level in q["po_a_1"].levels] == [
        "No",
        "Yes, for some",
        "Yes, for half",
        "Yes, for most",
    ]
    assert q["po_a_2"].values == (0, 20, 50, 100)
    assert q["co_a_1"].values == (0, 100)
    assert "Quality criteria:\n- It is written" in q["po_a_1"].help["en"]
    text = output.read_text(encoding="utf-8")
    assert "Unused" not in text and "&" not in text  # no unused set, no YAML anchors


def test_a_small_models_scores_worked_example(tmp_path):
    folder = write_samm(tmp_path / "model")
    output = tmp_path / "small.yaml"
    url = f"sqlite:///{tmp_path / 'small.db'}"
    assert run("questionnaire", "from-samm", str(folder), "-o", str(output)).returncode == 0
    assert run("init", url=url).returncode == 0
    csv = tmp_path / "answers.csv"
    csv.write_text(
        "city,respondent,question,answer\n"
        "Λάρισα,a@larisa.example,po_a_1,3\nΛάρισα,a@larisa.example,po_a_2,2\n"
        "Λάρισα,a@larisa.example,co_a_1,2\nΛάρισα,a@larisa.example,co_a_1_2,1\n"
        "Λάρισα,b@larisa.example,po_a_1,4\nΛάρισα,b@larisa.example,po_a_2,dont_know\n"
        "Λάρισα,b@larisa.example,co_a_1,1\n",
        encoding="utf-8",
    )
    for args in (
        ("questionnaire", "import", str(output)),
        ("city", "add", "Λάρισα", "--country", "GR"),
        ("round", "create", "--name", "R1", "--questionnaire", "owasp-samm:1"),
        ("responses", "import", "--round", "R1", str(csv)),
    ):
        done = run(*args, url=url)
        assert done.returncode == 0, done.stderr
    done = run("scores", "--round", "R1", "--format", "json", url=url)
    # govern: po_a_1 mean(50, 100) = 75, po_a_2 20 (b did not know) -> 47.5; own: a (50+20)/2 =
    # 35, b 100 (one of two scored) -> agreement 32.5.
    # build: co_a_1 mean(100, 0) = 50, co_a_1_2 0 -> 25; own: a 50, b 0 (1 of 2) -> 25.
    expected = [
        {
            "city": "Λάρισα",
            "round": "R1",
            "respondents": 2,
            "overall": 36.25,
            "stage": 2,
            "areas": {
                "govern": {
                    "score": 47.5,
                    "stage": 3,
                    "completeness": 1.0,
                    "agreement": 32.5,
                    "agreed": 0,
                },
                "build": {
                    "score": 25.0,
                    "stage": 2,
                    "completeness": 1.0,
                    "agreement": 25.0,
                    "agreed": 0,
                },
            },
        }
    ]
    assert_same(json.loads(done.stdout), expected)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {
                "answer_sets/U.yml": None,
                "answer_sets/A.yml": None,
                "answer_sets/D.yml": None,
                "answer_sets/Y.yml": None,
            },
            "{m}/answer_sets: no .yml files",
        ),
        (
            {"streams/PO-A.yml": "---\nid: s1\n  practice: [p1\n"},
            "{m}/streams/PO-A.yml:3: not valid YAML",
        ),
        (
            {
                "questions/PO-2-A.yml": {
                    "id": "q2",
                    "activity": "a2",
                    "answerSet": "setZ",
                    "text": "Enforced?",
                    "type": "Question",
                }
            },
            "{m}/questions/PO-2-A.yml: answerSet 'setZ' is not the id of a file in {m}/answer_sets",
        ),
        (
            {"activities/PO-2-A.yml": {"stream": "s1", "level": "pl2", "type": "Activity"}},
            "{m}/activities/PO-2-A.yml: missing 'id'",
        ),
        (
            {"streams/CO-A.yml": {"id": "s2", "type": "Practice"}},
            "{m}/streams/CO-A.yml: type is 'Practice'; files in streams/ are Stream",
        ),
        (
            {
                "answer_sets/D.yml": {
                    "id": "setD",
                    "type": "AnswerSet",
                    "values": [
                        {"text": "Never", "value": 0, "order": 0},
                        {"text": "All", "value": 100, "order": 1},
                    ],
                }
            },
            "{m}/answer_sets/D.yml: answer 2 value must be 0 to 1, not 100",
        ),
        (
            {
                "questions/CO-1-A.yml": {
                    "id": "q3",
                    "activity": "a3",
                    "answerSet": "setY",
                    "type": "Question",
                }
            },
            "{m}/questions/CO-1-A.yml: 'text' must be a text, not None",
        ),
        (
            {"streams/PO-A.yml": "---\nid: &x s1\npractice: *x\ntype: Stream\n"},
            "{m}/streams/PO-A.yml: not valid YAML: aliases are not allowed",
        ),
    ],
)
def test_a_broken_folder_names_the_file(tmp_path, changes, message):
    folder = write_samm(tmp_path / "model", changes)
    output = tmp_path / "out.yaml"
    done = run("questionnaire", "from-samm", str(folder), "-o", str(output))
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert message.format(m=folder) in done.stderr, done.stderr
    assert not output.exists()


def test_a_missing_folder_is_one_line(tmp_path):
    folder = write_samm(tmp_path / "model")
    for file in (folder / "practice_levels").iterdir():
        file.unlink()
    (folder / "practice_levels").rmdir()
    done = run("questionnaire", "from-samm", str(folder), "-o", str(tmp_path / "o.yaml"))
    assert done.returncode == 1
    assert f"{folder}/practice_levels: missing folder of the SAMM model" in done.stderr
    nowhere = run("questionnaire", "from-samm", str(tmp_path / "nowhere"), "-o", "o.yaml")
    assert nowhere.returncode == 1
    assert (
        nowhere.stderr
        == f"Error: {tmp_path / 'nowhere'}: no such folder (give SAMM's model folder)\n"
    )
