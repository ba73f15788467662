"""Every string is translated into Bulgarian, the compiled catalogue is current, and the survey,
team, account and results pages render in both languages."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from assessment.auth.tokens import issue_token
from assessment.extensions import db
from assessment.models import AssessmentStatus, Role, TokenPurpose, utcnow
from tests.conftest import csrf_token, login
from tests.survey_support import autosave, page_token

ROOT = Path(__file__).resolve().parents[1]
CATALOGUE = ROOT / "assessment" / "translations" / "bg" / "LC_MESSAGES"
CYRILLIC = re.compile(r"[А-Яа-я]")
H1 = re.compile(r"<h1[^>]*>(.*?)</h1>", re.S)


def read_catalogue(path: Path):
    with path.open("rb") as file:
        return read_po(file) if path.suffix in (".po", ".pot") else read_mo(file)


def test_every_extracted_string_has_a_bulgarian_translation(tmp_path):
    pot = tmp_path / "messages.pot"
    pybabel = Path(sys.executable).parent / "pybabel"
    subprocess.run(
        [
            str(pybabel),
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "-o",
            str(pot),
            "--omit-header",
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    extracted = [m.id for m in read_catalogue(pot) if m.id]
    assert len(extracted) > 100
    po = read_catalogue(CATALOGUE / "messages.po")
    problems = []
    for msgid in extracted:
        message = po.get(msgid)
        if message is None:
            problems.append(f"not in messages.po (run scripts/i18n): {msgid!r}")
        elif not message.string or not all(forms(message.string)) or message.fuzzy:
            problems.append(f"no Bulgarian translation: {msgid!r}")
        elif not all(CYRILLIC.search(form) for form in forms(message.string)) and re.search(
            r"[A-Za-z]{3}",
            re.sub(r"%\(\w+\)\w|dmat|JSON|CSV|XLSX|ZIP|PDF|API", "", forms(msgid)[0]),
        ):
            problems.append(f"translation without Bulgarian text: {msgid!r}")
    assert not problems, "\n".join(problems)


def forms(text: str | tuple[str, ...]) -> tuple[str, ...]:
    """The forms of a message: one, or singular and plurals."""
    return (text,) if isinstance(text, str) else tuple(text)


def test_compiled_catalogue_matches_the_po_file():
    po = {
        forms(m.id): forms(m.string)
        for m in read_catalogue(CATALOGUE / "messages.po")
        if m.id and not m.fuzzy
    }
    mo = {forms(m.id): forms(m.string) for m in read_catalogue(CATALOGUE / "messages.mo") if m.id}
    assert mo == po, "messages.mo is out of date: run scripts/i18n compile"


@pytest.fixture
def pages(app, make_city, make_user, make_round):
    """Every page of the survey, team, account and results features, with a client to see it."""
    sofia = make_city("Sofia", "BG")
    leader = make_user("leader@sofia.example", Role.LEADER, sofia)
    make_user("member@sofia.example", Role.RESPONDENT, sofia)
    make_user("coordinator@dmat.example", Role.COORDINATOR)
    round_ = make_round()
    invited = make_user("invited@sofia.example", Role.RESPONDENT, sofia)
    invited.password_hash = None
    invitation = issue_token(invited, TokenPurpose.INVITATION)
    reset = issue_token(leader, TokenPurpose.PASSWORD_RESET)
    db.session.commit()
    r = round_.id
    return {
        "anonymous": [
            "/login",
            "/password/forgot",
            f"/invitation/{invitation}",
            f"/password/reset/{reset}",
            "/invitation/expired-or-unknown",
        ],
        "leader@sofia.example": [
            "/team",
            "/survey/",
            f"/survey/{r}/",
            f"/survey/{r}/areas/vision",
            f"/survey/{r}/areas/data",
            f"/survey/{r}/review",
            f"/team?round={r}",
            f"/results/{r}/{sofia.id}",
        ],
        "coordinator@dmat.example": [f"/results/{r}/{sofia.id}"],
        "round": round_,
        "city": sofia,
    }


def render_all(app, pages, language: str) -> dict[str, str]:
    rendered = {}
    for who, paths in pages.items():
        if not isinstance(paths, list):
            continue
        client = app.test_client()
        if who != "anonymous":
            login(client, who)
        client.post(
            "/language",
            data={
                "language": language,
                "csrf_token": csrf_token(client, "/login" if who == "anonymous" else "/"),
                "next": "/",
            },
        )
        for path in paths:
            reply = client.get(path)
            assert reply.status_code in (200, 410), (path, reply.status_code)
            rendered[f"{who} {path}"] = reply.get_data(as_text=True)
    return rendered


def test_pages_render_in_english_and_bulgarian(app, pages):
    round_ = pages["round"]
    client = app.test_client()
    login(client, "leader@sofia.example")
    token = page_token(client, f"/survey/{round_.id}/areas/vision")
    autosave(client, round_.id, token, round_.questionnaire.areas[0].questions[0].id, "3")
    # the city's results page is rendered before (pending) and after submission
    english = render_all(app, pages, "en")
    assessment = round_.assessments[0]
    assessment.status, assessment.submitted_at = AssessmentStatus.SUBMITTED, utcnow()
    db.session.commit()
    bulgarian = render_all(app, pages, "bg")
    english_after = render_all(
        app, {"leader@sofia.example": [f"/results/{round_.id}/{pages['city'].id}"]}, "en"
    )
    english.update(english_after)
    assert english.keys() <= bulgarian.keys() | set(english_after)
    for page, text in english.items():
        assert '<html lang="en">' in text, page
        heading = " ".join(H1.findall(text))
        assert heading and not CYRILLIC.search(heading), (page, heading)
    for page, text in bulgarian.items():
        assert '<html lang="bg">' in text, page
        heading = " ".join(H1.findall(text))
        assert CYRILLIC.search(heading), (page, heading)
        title = re.search(r"<title>(.*?)</title>", text, re.S).group(1)
        assert CYRILLIC.search(title) or "Sofia" in title or "2022" in title, (page, title)
        for english_word in (
            "Save answers",
            "Overall score",
            "Log in</h1>",
            "Members",
            "Team progress",
        ):
            assert english_word not in text, (page, english_word)


def test_one_date_format_per_language(app):
    from datetime import UTC, datetime

    from flask_babel import force_locale

    from assessment.presentation import date_text, datetime_text

    moment = datetime(2026, 12, 1, 21, 16, tzinfo=UTC)
    with app.test_request_context():
        with force_locale("en"):
            assert date_text(moment) == "Dec 1, 2026"
            assert datetime_text(moment) == "Dec 1, 2026, 9:16\u202fPM"
        with force_locale("bg"):
            assert date_text(moment) == "1.12.2026\u202fг."
            assert datetime_text(moment) == "1.12.2026\u202fг., 21:16"
        assert date_text(None) == "–"


def test_changes_never_show_minus_zero(app):
    from flask_babel import force_locale

    from assessment.presentation import change_direction, change_text, score_text

    with app.test_request_context(), force_locale("en"):
        assert score_text(-0.04) == "0.0" and score_text(-0.06) == "-0.1"
        assert change_text(-0.04) == "±0.0" and change_direction(-0.04) == ""
        assert change_text(0.04) == "±0.0" and change_text(2.46) == "+2.5"
        assert change_text(-2.46) == "-2.5" and change_direction(-2.46) == "down"
        assert change_direction(0.06) == "up"
