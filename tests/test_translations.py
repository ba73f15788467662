"""A questionnaire's languages without a new version: ``dmat questionnaire translations export``
and ``import``, a member answering in the new language, and the PDF report in it."""

from __future__ import annotations

import io
import re
import textwrap

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from assessment.extensions import db
from assessment.languages import language_name
from assessment.models import Answer, AuditEvent, Questionnaire, Role
from questionnaires.translations import placeholders, texts
from reports.render import city_report

from .conftest import login
from .survey_support import autosave, page_token, stored_answers
from .test_conformance import installed_dmat
from .test_reports import assess, flat, pdf_text

# a translator's work for the texts a user sees first; every other text gets a Greek filler
GREEK = {
    "title": "Ψηφιακή ωριμότητα των πόλεων",
    "area.vision.title": "Ψηφιακό όραμα και στρατηγική",
    "area.governance.title": "Διακυβέρνηση",
    "area.systems.title": "Συστήματα και υποδομές",
    "area.user_centric.title": "Εστίαση στον πολίτη",
    "area.data.title": "Δεδομένα",
    "question.vision_strategy.text": "Έχει η πόλη εγκεκριμένη ψηφιακή στρατηγική;",
    "question.vision_strategy.level.1": "Καμία στρατηγική",
}


def fill_in(path, translations=GREEK, change=None) -> None:
    """Fill in the exported sheet as a translator would: the third column of every row,
    keeping the original's placeholders; ``change(rows)`` may then spoil it."""
    workbook = load_workbook(path)
    sheet = workbook["texts"]
    for number, (key, original, translation) in enumerate(sheet.iter_rows(min_row=2), 1):
        kept = " ".join(sorted(placeholders(original.value)))
        translation.value = translations.get(key.value) or f"Ελληνικό κείμενο {number} {kept}"
    if change is not None:
        change(sheet)
    workbook.save(path)


@pytest.fixture
def sofia(bundled_questionnaire, make_city, make_user, make_round):
    city = make_city("София", "BG")
    round_ = make_round("2026 γύρος")
    return {
        "city": city,
        "round": round_,
        "questionnaire": bundled_questionnaire,
        "member": make_user("μέλος@sofia.example", Role.RESPONDENT, city),
    }


def export(tmp_path, label="city-digital-maturity:1", language="el"):
    path = tmp_path / f"{language}.xlsx"
    done = installed_dmat(
        "questionnaire", "translations", "export", label, "--lang", language, "-o", str(path)
    )
    return path, done


def stored(label_key="city-digital-maturity") -> Questionnaire:
    db.session.expire_all()
    return db.session.scalar(select(Questionnaire).where(Questionnaire.key == label_key))


def test_greek_translation_exported_filled_in_and_imported(sofia, tmp_path):
    member, round_ = sofia["member"], sofia["round"]
    assess(round_, sofia["city"], respondents=2)  # answers before: the translation keeps them
    answers_before = db.session.scalar(select(func.count()).select_from(Answer))
    path, done = export(tmp_path)
    assert done.returncode == 0, done.stderr
    slots = list(texts(sofia["questionnaire"]))
    assert done.stdout == (
        f"Wrote {path}: {len(slots)} texts of city-digital-maturity:1 to translate into el.\n"
    )
    workbook = load_workbook(path)
    rows = list(workbook["texts"].iter_rows(values_only=True))
    assert rows[0] == ("key", "en", "el")
    assert [(key, en) for key, en, _ in rows[1:]] == [(s.key, s.text["en"]) for s in slots]
    assert all(el is None for _, _, el in rows[1:])  # the column to fill in is empty
    assert dict(workbook["about"].iter_rows(max_col=2, values_only=True))["questionnaire"] == (
        "city-digital-maturity:1"
    )
    fill_in(path)
    done = installed_dmat("questionnaire", "translations", "import", str(path))
    assert done.returncode == 0, done.stderr
    assert done.stdout == (
        f"Questionnaire city-digital-maturity:1: {len(slots)} texts in el; languages en, bg, el.\n"
    )
    questionnaire = stored()
    assert (questionnaire.version, questionnaire.languages) == (1, ["en", "bg", "el"])
    assert questionnaire.title["el"] == GREEK["title"]
    assert questionnaire.title["bg"] == sofia["questionnaire"].title["bg"]
    for slot in texts(questionnaire):
        assert re.search("[α-ωΑ-Ω]", slot.text["el"]), slot.key
    vision = questionnaire.areas[0].questions[0]
    assert vision.levels[0]["el"] == "Καμία στρατηγική" and vision.levels[0]["en"]
    assert db.session.scalar(select(func.count()).select_from(Answer)) == answers_before
    assert stored_answers(member, round_) == {}
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "questionnaire_translated")
    )
    assert event is not None and "language el added" in event.summary


def test_indicator_texts_are_translated_too(app, tmp_path):
    """Version 2's success indicators are texts of the questionnaire like its questions."""
    from pathlib import Path

    bundled = Path(__file__).resolve().parent.parent / "questionnaires"
    done = installed_dmat("questionnaire", "import", str(bundled / "city-digital-maturity-2.yaml"))
    assert done.returncode == 0, done.stderr
    path, done = export(tmp_path, "city-digital-maturity:2")
    assert done.returncode == 0, done.stderr
    keys = [row[0] for row in load_workbook(path)["texts"].iter_rows(min_row=2, values_only=True)]
    indicators = [key for key in keys if key.startswith("indicator.")]
    assert "indicator.services_online.title" in indicators
    assert "indicator.services_online.help" in indicators
    fill_in(path, {**GREEK, "indicator.services_online.title": "Υπηρεσίες πλήρως online"})
    done = installed_dmat("questionnaire", "translations", "import", str(path))
    assert done.returncode == 0, done.stderr
    db.session.expire_all()
    questionnaire = db.session.scalar(
        select(Questionnaire).where(
            Questionnaire.key == "city-digital-maturity", Questionnaire.version == 2
        )
    )
    titles = {indicator.key: indicator.title for indicator in questionnaire.indicators}
    assert titles["services_online"]["el"] == "Υπηρεσίες πλήρως online"
    assert titles["services_online"]["bg"] and titles["services_online"]["en"]
    assert all(re.search("[α-ωΑ-Ω]", title["el"]) for title in titles.values())


def test_a_member_answers_in_greek(sofia, client, tmp_path):
    round_ = sofia["round"]
    login(client, "μέλος@sofia.example")
    token = page_token(client, f"/survey/{round_.id}/areas/vision")
    assert client.post("/language", data={"language": "el", "csrf_token": token}).status_code == 400
    path, _ = export(tmp_path)
    fill_in(path)
    assert installed_dmat("questionnaire", "translations", "import", str(path)).returncode == 0
    page = client.get(f"/survey/{round_.id}/areas/vision").get_data(as_text=True)
    assert '<option value="el"' in page and language_name("el") == "Ελληνικά"
    assert "Ελληνικά" in page  # the switch offers the questionnaire's languages
    changed = client.post("/language", data={"language": "el", "csrf_token": token})
    assert changed.status_code == 302
    page = client.get(f"/survey/{round_.id}/areas/vision").get_data(as_text=True)
    assert '<html lang="el">' in page
    assert GREEK["area.vision.title"] in page and GREEK["question.vision_strategy.text"] in page
    assert "Καμία στρατηγική" in page
    assert "Save answers" in page  # no Greek catalogue: the interface falls back to English
    vision = stored().areas[0].questions[0]
    reply = autosave(client, round_.id, token, vision.id, "2")
    assert reply.status_code == 200 and reply.json["ok"] is True
    assert stored_answers(sofia["member"], round_) == {"vision_strategy": ("level", 2, None)}
    for refused in ("xx", "el-GR", "<script>", "en" * 40):
        reply = client.post("/language", data={"language": refused, "csrf_token": token})
        assert reply.status_code == 400, refused


def test_the_pdf_report_renders_greek(sofia, tmp_path, app, monkeypatch):
    monkeypatch.setitem(app.config, "REPORT_CACHE_DIR", str(tmp_path / "cache"))
    assess(sofia["round"], sofia["city"], respondents=2)
    path, _ = export(tmp_path)
    fill_in(path)
    assert installed_dmat("questionnaire", "translations", "import", str(path)).returncode == 0
    db.session.expire_all()
    report = city_report(sofia["round"], sofia["city"], "el", use_cache=False)
    text, _pages = pdf_text(report.pdf)
    words = flat(text)
    for key in ("area.vision.title", "area.governance.title", "area.data.title"):
        assert GREEK[key] in words, key
    assert "София" in words
    output = tmp_path / "report-el.pdf"
    done = installed_dmat(
        "report", "--round", "2026 γύρος", "--city", "София", "--lang", "el", "-o", str(output)
    )
    assert done.returncode == 0, done.stderr
    assert GREEK["area.systems.title"] in flat(pdf_text(output.read_bytes())[0])
    refused = installed_dmat(
        "report", "--round", "2026 γύρος", "--city", "София", "--lang", "de", "-o", str(output)
    )
    assert refused.returncode == 1
    assert "Error: --lang 'de': the report can be in en, bg, el" in refused.stderr


# -- sheets that are refused ---------------------------------------------------------------------
SMALL = textwrap.dedent(
    """\
    key: small-translation
    version: 4
    languages: [en]
    title: "Digital services of {city}"
    areas:
      - key: only
        title: Only
        questions:
          - key: q1
            text: "Is %(service)s online?"
            help: "See https://example.org/guide before answering."
            levels: [No, Yes]
    """
)


@pytest.fixture
def small(dmat, tmp_path):
    source = tmp_path / "small.yaml"
    source.write_text(SMALL, encoding="utf-8")
    assert dmat("questionnaire", "import", str(source)).exit_code == 0
    path, done = export(tmp_path, "small-translation:4", "de")
    assert done.returncode == 0, done.stderr
    return path


def set_cell(row: int, column: int, value):
    def change(sheet):
        sheet.cell(row, column).value = value

    return change


GERMAN = {
    "title": "Digitale Dienste von {city}",
    "area.only.title": "Einzige",
    "question.q1.text": "Ist %(service)s online?",
    "question.q1.help": "Siehe https://example.org/guide vor der Antwort.",
    "question.q1.level.1": "Nein",
    "question.q1.level.2": "Ja",
}


def test_a_complete_sheet_with_placeholders_imports(small):
    fill_in(small, GERMAN)
    done = installed_dmat("questionnaire", "translations", "import", str(small))
    assert done.returncode == 0, done.stderr
    assert stored("small-translation").title == {
        "en": "Digital services of {city}",
        "de": "Digitale Dienste von {city}",
    }


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            set_cell(2, 3, "Digitale Dienste von {stadt}"),
            "{f}:2: the translation of 'title' must "
            "keep the placeholders of the original as they are ({{city}})",
        ),
        (
            set_cell(4, 3, "Ist der Dienst online?"),
            "{f}:4: the translation of 'question.q1.text' must keep the placeholders",
        ),
        (
            set_cell(5, 3, "Siehe die Anleitung."),
            "{f}:5: the translation of 'question.q1.help' must keep the placeholders",
        ),
        (set_cell(6, 3, "   "), "{f}:6: 'question.q1.level.1' has no translation"),
        (
            set_cell(7, 3, "Ja\x7f"),
            "{f}:7: the translation of 'question.q1.level.2' contains control characters",
        ),
        (
            set_cell(3, 2, "Only one"),
            "{f}:3: the en text of 'area.only.title' is not the stored one; export the sheet again",
        ),
        (
            set_cell(3, 1, "area.other.title"),
            "{f}:3: 'area.other.title' is not a text of small-translation:4",
        ),
        (set_cell(3, 1, "title"), "{f}:3: 'title' is given twice (first {f}:2)"),
        (lambda sheet: sheet.delete_rows(7), "1 text(s) have no row: question.q1.level.2"),
        (set_cell(1, 3, "fr"), "{f}:1: the header must be key,en,de"),
    ],
)
def test_a_wrong_sheet_changes_nothing(small, change, message):
    fill_in(small, GERMAN, change)
    done = installed_dmat("questionnaire", "translations", "import", str(small))
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert message.format(f=small) in done.stderr, done.stderr
    assert stored("small-translation").languages == ["en"]
    assert "de" not in stored("small-translation").title


def about(value_of: dict):
    def change(sheet):
        rows = sheet.parent["about"]
        for row in rows.iter_rows(max_col=2):
            if row[0].value in value_of:
                row[1].value = value_of[row[0].value]

    return change


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (about({"language": "en"}), "Error: language 'en' is the questionnaire's source language"),
        (about({"language": "not a code"}), "Error: language 'not a code' is not a language code"),
        (
            about({"questionnaire": "small-translation:5"}),
            "Error: no questionnaire small-translation:5 has been imported",
        ),
        (
            lambda sheet: sheet.parent.remove(sheet.parent["about"]),
            "no 'about' sheet naming the questionnaire and language",
        ),
    ],
)
def test_a_sheet_that_names_the_wrong_thing_changes_nothing(small, change, message):
    fill_in(small, GERMAN, change)
    done = installed_dmat("questionnaire", "translations", "import", str(small))
    assert done.returncode == 1 and message in done.stderr, done.stderr
    assert stored("small-translation").languages == ["en"]


def test_not_a_workbook_and_a_bad_export(small, tmp_path):
    csv = tmp_path / "sheet.csv"
    csv.write_text("key,en,de\ntitle,x,y\n", encoding="utf-8")
    done = installed_dmat("questionnaire", "translations", "import", str(csv))
    assert done.returncode == 1
    assert f"{csv}: not an XLSX workbook" in done.stderr
    _, done = export(tmp_path, "small-translation:4", "en")
    assert done.returncode == 1 and "source language" in done.stderr
    _, done = export(tmp_path, "small-translation:9", "de")
    assert done.returncode == 1 and "no questionnaire small-translation:9" in done.stderr


def test_formula_like_texts_are_exported_safely_and_read_back(dmat, tmp_path):
    source = tmp_path / "formula.yaml"
    source.write_text(
        SMALL.replace("levels: [No, Yes]", "levels: ['=1+1', '@SUM(A1)']").replace(
            "small-translation", "formula-translation"
        ),
        encoding="utf-8",
    )
    assert dmat("questionnaire", "import", str(source)).exit_code == 0
    path, _ = export(tmp_path, "formula-translation:4", "de")
    cells = [
        row[1]
        for row in load_workbook(io.BytesIO(path.read_bytes()))["texts"].iter_rows(values_only=True)
    ]
    assert "'=1+1" in cells and "'@SUM(A1)" in cells
    fill_in(path, {**GERMAN, "question.q1.level.1": "'=2+2"})  # as a spreadsheet keeps it text
    done = installed_dmat("questionnaire", "translations", "import", str(path))
    assert done.returncode == 0, done.stderr
    assert stored("formula-translation").areas[0].questions[0].levels[0] == {
        "en": "=1+1",
        "de": "=2+2",
    }
