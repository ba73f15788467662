"""Success indicators as questionnaire data: the loader's checks, the bundled version 2, import."""

from __future__ import annotations

import re
import textwrap

import pytest
from sqlalchemy import select

from assessment.admin.operations import import_questionnaire
from assessment.extensions import db
from assessment.models import Indicator, Questionnaire
from questionnaires import (
    BUNDLED_QUESTIONNAIRE,
    BUNDLED_WITH_INDICATORS,
    QuestionnaireError,
    load_questionnaire_file,
    load_questionnaire_text,
)

BASE = textwrap.dedent(
    """\
    key: small-test
    version: 1
    languages: [en, bg]
    title: {en: Small, bg: Малък}
    areas:
      - key: only
        title: {en: Only, bg: Единствена}
        questions:
          - key: q1
            text: {en: "One?", bg: "Едно?"}
            levels: [{en: No, bg: Не}, {en: Yes, bg: Да}]
    indicators:
    """
)


def with_indicators(block: str) -> str:
    return BASE + textwrap.indent(textwrap.dedent(block), "  ")


def problems(text: str) -> list[str]:
    with pytest.raises(QuestionnaireError) as raised:
        load_questionnaire_text(text, "q.yaml")
    return raised.value.problems


def test_a_valid_indicator_is_loaded_with_every_field():
    q = load_questionnaire_text(
        with_indicators(
            """\
            - key: open_datasets
              area: only
              title: {en: "Open datasets", bg: "Отворени набори"}
              help: "Count them on the portal."
              unit: count
              direction: higher
            - key: permit_days
              title: {en: "Permit days", bg: "Дни за разрешение"}
              unit: days
              direction: lower
            """
        )
    )
    first, second = q.indicators
    assert (first.key, first.area, first.unit, first.direction) == (
        "open_datasets", "only", "count", "higher"
    )  # fmt: skip
    assert first.help == {"en": "Count them on the portal.", "bg": "Count them on the portal."}
    assert (second.area, second.help, second.direction) == (None, None, "lower")


def test_a_questionnaire_without_indicators_has_none():
    q = load_questionnaire_file(BUNDLED_QUESTIONNAIRE)
    assert q.indicators == ()


def test_every_indicator_problem_is_reported_with_its_line():
    found = problems(
        with_indicators(
            """\
            - key: only
              title: {en: "Clash", bg: "Сблъсък"}
              unit: percent
              direction: higher
            - key: a_unit
              title: {en: "Unit", bg: "Единица"}
              unit: furlongs
              direction: higher
            - key: a_way
              area: nowhere
              title: {en: "Way", bg: "Посока"}
              unit: count
              direction: sideways
            - key: twice
              title: {en: "Twice", bg: "Два пъти"}
              unit: rating
              direction: higher
            - key: twice
              title: {en: "Again", bg: "Отново"}
              unit: rating
              direction: lower
            - key: untitled
              help: {en: "Only English"}
            - key: Bad-Key
              title: {en: "Bad", bg: "Лош"}
              unit: eur
              direction: higher
              colour: red
            """
        )
    )
    assert found == [
        "q.yaml:13: indicator 'only': the key is also an area key; an indicator needs a key of"
        " its own",
        "q.yaml:19: indicator 'a_unit': unknown unit 'furlongs' (allowed: percent, count,"
        " number, eur, days, rating)",
        "q.yaml:22: indicator 'a_way': unknown area 'nowhere' (areas: only)",
        "q.yaml:25: indicator 'a_way': unknown direction 'sideways' (allowed: higher, lower)",
        "q.yaml:30: indicator key 'twice' is used twice (first on line 26)",
        "q.yaml:34: indicator 6: missing 'direction'",
        "q.yaml:34: indicator 6: missing 'title'",
        "q.yaml:34: indicator 6: missing 'unit'",
        "q.yaml:35: indicator 'untitled' help: no text for declared language(s) bg",
        "q.yaml:40: indicator 7: unknown key 'colour' (allowed: area, direction, help, key,"
        " title, unit)",
        "q.yaml:36: indicator 7 key 'Bad-Key' must match [a-z0-9_]+",
    ]


def test_indicator_problems_come_with_the_other_sections_problems():
    text = with_indicators(
        """\
        - key: fine
          title: {en: "Fine", bg: "Добре"}
          unit: percent
          direction: up
        """
    ).replace("version: 1", "version: 0")
    found = problems(text)
    assert found[0].startswith("q.yaml:2: version must be a whole number")
    assert (
        found[1] == "q.yaml:16: indicator 'fine': unknown direction 'up' (allowed: higher, lower)"
    )


def test_an_area_with_a_problem_is_not_reported_again_as_unknown():
    text = with_indicators(
        """\
        - key: fine
          area: only
          title: {en: "Fine", bg: "Добре"}
          unit: percent
          direction: higher
        """
    ).replace("title: {en: Only, bg: Единствена}", "title: {en: Only}")
    assert problems(text) == ["q.yaml:7: area 'only' title: no text for declared language(s) bg"]


def test_an_empty_or_wrong_indicators_section_is_refused():
    assert problems(BASE + "  []\n") == [
        "q.yaml:13: indicators: list at least one indicator, or leave the section out"
    ]
    assert problems(BASE + "  some text\n") == [
        "q.yaml:13: indicators must be a list, not text 'some text'"
    ]


def test_the_bundled_version_2_keeps_version_1_and_adds_indicators():
    one = load_questionnaire_file(BUNDLED_QUESTIONNAIRE)
    two = load_questionnaire_file(BUNDLED_WITH_INDICATORS)
    assert (two.key, two.version, two.languages) == (one.key, 2, ("en", "bg"))
    assert two.areas == one.areas  # same keys, texts and levels: progress works by key
    assert 8 <= len(two.indicators) <= 12
    assert {i.area for i in two.indicators} == {a.key for a in one.areas}
    assert {i.direction for i in two.indicators} == {"higher", "lower"}
    for indicator in two.indicators:
        for text in (indicator.title, indicator.help):
            assert text is not None and text["en"] != text["bg"]
            assert re.search("[а-яА-Я]", text["bg"]), indicator.key
        # the help says where the number comes from
        assert "Source:" in indicator.help["en"] and "Източник:" in indicator.help["bg"]


def test_import_stores_the_indicators_in_order(app):
    with app.app_context():
        definition = load_questionnaire_file(BUNDLED_WITH_INDICATORS)
        questionnaire, created = import_questionnaire(definition)
        db.session.commit()
        assert created
        stored = db.session.scalars(
            select(Indicator)
            .where(Indicator.questionnaire_id == questionnaire.id)
            .order_by(Indicator.position)
        ).all()
        assert [(i.key, i.area_key, i.unit, i.direction, i.title, i.help) for i in stored] == [
            (i.key, i.area, i.unit, i.direction, i.title, i.help) for i in definition.indicators
        ]
        again, created = import_questionnaire(definition)
        assert not created and again.id == questionnaire.id
        assert len(db.session.get(Questionnaire, questionnaire.id).indicators) == len(stored)
