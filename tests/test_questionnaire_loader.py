"""The questionnaire format: the bundled file, every kind of mistake, hostile YAML."""

from __future__ import annotations

import dataclasses
import re
import textwrap
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from questionnaires import (
    BUNDLED_QUESTIONNAIRE,
    QuestionnaireError,
    load_questionnaire_bytes,
    load_questionnaire_file,
    load_questionnaire_text,
)

from .conftest import CONFORMANCE

VALID = textwrap.dedent(
    """\
    key: small-test
    version: 2
    languages: [en, bg]
    title: {en: Small, bg: Малък}
    areas:
      - key: only
        title: {en: Only, bg: Единствена}
        questions:
          - key: q1
            text: {en: "One?", bg: "Едно?"}
            levels: [{en: No, bg: Не}, {en: Yes, bg: Да}]
    """
)


def problems(text: str) -> list[str]:
    with pytest.raises(QuestionnaireError) as raised:
        load_questionnaire_text(text, "q.yaml")
    return raised.value.problems


def test_bundled_questionnaire_meets_the_design():
    q = load_questionnaire_file(BUNDLED_QUESTIONNAIRE)
    assert (q.key, q.version, q.languages) == ("city-digital-maturity", 1, ("en", "bg"))
    assert [a.key for a in q.areas] == ["vision", "governance", "systems", "user_centric", "data"]
    for area in q.areas:
        assert len(area.questions) >= 6
        for question in area.questions:
            assert len(question.levels) == 5
            assert question.help and all(question.help[lang].strip() for lang in ("en", "bg"))
            for text in (question.text, *question.levels):
                assert re.search("[а-яА-Я]", text["bg"]), question.key  # Bulgarian is Cyrillic
                assert text["en"] != text["bg"]


def test_conformance_questionnaire_loads():
    q = load_questionnaire_file(CONFORMANCE / "questionnaire.yaml")
    assert [(a.key, a.weight) for a in q.areas] == [("alpha", 1.0), ("beta", 3.0), ("gamma", 1.0)]
    budget = q.areas[0].questions[1]
    assert (budget.key, budget.weight) == ("a_budget", 2.0)
    assert q.areas[1].questions[1].allow_na is True


def test_plain_string_text_applies_to_every_language():
    q = load_questionnaire_text(VALID.replace("{en: Small, bg: Малък}", "Small"))
    assert q.title == {"en": "Small", "bg": "Small"}


def test_five_mistakes_give_five_located_messages():
    broken = textwrap.dedent(
        """\
        key: small-test
        version: 1
        languages: [en, bg]
        title: {en: Small, bg: Малък}
        colour: blue
        areas:
          - key: only
            title: {en: Only}
            weight: 0
            questions:
              - key: q1
                text: {en: "One?", bg: "Едно?"}
                levels: [{en: No, bg: Не}]
              - key: q2
                text: {en: "Two?", bg: "Две?"}
                text: {en: "Again?", bg: "Пак?"}
                levels: [{en: No, bg: Не}, {en: Yes, bg: Да}]
        """
    )
    found = problems(broken)
    assert len(found) == 5, found
    expected = [
        (5, "unknown key 'colour'"),
        (8, "no text for declared language(s) bg"),
        (9, "weight must be a number greater than 0"),
        (13, "has 1 level(s); a question needs 2 to 10"),
        (16, "duplicate key 'text' (first on line 15)"),
    ]
    for line, message in expected:
        assert any(p.startswith(f"q.yaml:{line}: ") and message in p for p in found), (
            line,
            message,
            found,
        )


def test_wrong_types_are_named():
    found = problems(VALID.replace("version: 2", "version: two").replace("key: q1", "key: [7]"))
    assert any(p == "q.yaml:2: version must be a whole number, not text 'two'" for p in found)
    assert "q.yaml:9: area 'only' question 1 key must be text, not a list" in found


def test_bad_allow_na_and_duplicate_question_keys():
    text = VALID.replace(
        "        levels: [{en: No, bg: Не}, {en: Yes, bg: Да}]\n",
        "        allow_na: maybe\n        levels: [{en: No, bg: Не}, {en: Yes, bg: Да}]\n"
        "      - key: q1\n        text: Again\n        levels: [a, b]\n",
    )
    found = problems(text)
    assert any("allow_na must be true or false" in p for p in found)
    assert any("question key 'q1' is used twice (first on line 9)" in p for p in found)


def test_missing_required_keys_and_empty_file():
    assert problems("") == ["q.yaml:1: the file is empty"]
    found = problems("key: x\n")
    for key in ("version", "languages", "title", "areas"):
        assert any(f"missing '{key}'" in p for p in found)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a: &x [1]\nb: *x\n", "anchors and aliases"),
        (
            "a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a]\n"
            "c: &c [*b,*b,*b,*b,*b,*b,*b,*b]\nd: [*c,*c,*c,*c,*c,*c,*c,*c]\n",
            "anchors and aliases",
        ),
        ("key: !!python/object/apply:os.system ['echo hacked']\n", "not allowed"),
        ("key: [unclosed\n", "not valid YAML"),
        ("key: x\x00\n", "NUL"),
    ],
)
def test_hostile_yaml_is_refused_with_a_message(text, message):
    found = problems(text)
    assert any(message in p for p in found), found


def test_encoding_and_size_limits(tmp_path):
    with pytest.raises(QuestionnaireError, match=r"q.yaml:2: not UTF-8"):
        load_questionnaire_bytes("key: a\ntitle: caf\xe9\n".encode("latin-1"), "q.yaml")
    with pytest.raises(QuestionnaireError, match="bytes; a questionnaire may have"):
        load_questionnaire_bytes(b"#" * 1_000_001, "q.yaml")
    with pytest.raises(QuestionnaireError, match="no such file"):
        load_questionnaire_file(tmp_path / "absent.yaml")
    with pytest.raises(QuestionnaireError, match="is a directory"):
        load_questionnaire_file(tmp_path)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_any_text_either_loads_or_gives_located_problems(text):
    try:
        load_questionnaire_text(text, "q.yaml")
    except QuestionnaireError as error:
        assert error.problems
        assert all(re.match(r"^q\.yaml:\d+: \S", p) for p in error.problems), error.problems


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_mutated_valid_file_gives_located_problems(data):
    lines = VALID.splitlines()
    index = data.draw(st.integers(0, len(lines) - 1))
    replacement = data.draw(st.sampled_from(["", "  - x", "levels: 3", "weight: -1", ": :", "{"]))
    lines[index] = replacement
    try:
        load_questionnaire_text("\n".join(lines), "q.yaml")
    except QuestionnaireError as error:
        assert all(re.match(r"^q\.yaml:\d+: \S", p) for p in error.problems), error.problems


def with_version(version: str) -> str:
    return VALID.replace("version: 2", f"version: {version}")


def with_weight(weight: str) -> str:
    return VALID.replace("    questions:", f"    weight: {weight}\n    questions:", 1)


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("[" * 10_000, 1),  # 10 KB of flow nesting
        ("{a: " * 2_500, 1),
        # a list item holding a mapping per line: two levels a line
        ("areas:\n" + "".join(" " * n + "- x:\n" for n in range(0, 300, 2)), 33),
        ("key: x\ntitle:\n  " + "[\n" * 5_000, 66),
    ],
)
def test_deep_nesting_is_refused_before_it_is_composed(text, line):
    started = time.process_time()
    found = problems(text)
    assert found == [f"q.yaml:{line}: nesting deeper than 64 levels"]
    assert time.process_time() - started < 1.0


def test_nesting_up_to_the_limit_is_read_as_usual():
    deepest = "[" * 62 + "x" + "]" * 62  # in the root mapping and the title's mapping: 64
    found = problems(VALID.replace("{en: Small, bg: Малък}", f"{{en: Small, bg: {deepest}}}"))
    assert found == ["q.yaml:4: title (bg) must be text, not a list"]


@pytest.mark.parametrize(
    ("version", "shown"),
    [
        ("9" * 5_000, "a number of 5000 characters"),
        ("99999999999999999999", "99999999999999999999"),
        ("2147483648", "2147483648"),
        ("0", "0"),
        ("-3", "-3"),
    ],
)
def test_versions_beyond_an_integer_column_are_refused(version, shown):
    assert problems(with_version(version)) == [
        f"q.yaml:2: version must be a whole number from 1 to 2147483647, not {shown}"
    ]


def test_the_largest_version_loads():
    assert load_questionnaire_text(with_version("2147483647")).version == 2147483647
    assert load_questionnaire_text(with_version("0x10")).version == 16  # YAML 1.1 hexadecimal


@pytest.mark.parametrize(
    ("weight", "message"),
    [
        ("1" * 400, "weight has 400 digits (400 characters); at most 15"),
        ("1" * 5_000, "weight has 5000 digits (5000 characters); at most 15"),
        ("0.1234567890123456", "weight has 17 digits (18 characters); at most 15"),
        ("1001", "weight must be a number greater than 0 and at most 1000, not 1001"),
        ("1.0e+400", "weight must be a number greater than 0 and at most 1000, not 1.0e+400"),
        (".nan", "weight must be a number greater than 0 and at most 1000, not .nan"),
        ("0", "weight must be a number greater than 0 and at most 1000, not 0"),
    ],
)
def test_weights_are_limited_in_length_and_size(weight, message):
    assert problems(with_weight(weight)) == [f"q.yaml:8: area 'only' {message}"]


def test_weights_at_the_limits_load():
    for weight, value in (("1000", 1000.0), ("0.12345678901234", 0.12345678901234)):
        assert load_questionnaire_text(with_weight(weight)).areas[0].weight == value


def test_the_command_gives_the_same_located_messages(dmat, tmp_path):
    deep = tmp_path / "deep.yaml"
    deep.write_text("[" * 10_000, encoding="utf-8")
    huge = tmp_path / "huge.yaml"
    huge.write_text(with_version("99999999999999999999"), encoding="utf-8")
    for command, file, message in [
        ("validate", deep, f"{deep}:1: nesting deeper than 64 levels"),
        ("import", deep, f"{deep}:1: nesting deeper than 64 levels"),
        ("validate", huge, f"{huge}:2: version must be a whole number from 1 to 2147483647"),
        ("import", huge, f"{huge}:2: version must be a whole number from 1 to 2147483647"),
    ]:
        result = dmat("questionnaire", command, str(file))
        assert result.exit_code == 1 and "Traceback" not in result.output
        assert message in result.output


def test_a_version_too_large_for_its_column_is_never_stored(app):
    from assessment.admin.operations import import_questionnaire
    from assessment.errors import DmatError

    definition = dataclasses.replace(load_questionnaire_text(VALID), version=2**31)
    with pytest.raises(DmatError, match="the version must be from 1 to 2147483647"):
        import_questionnaire(definition)
