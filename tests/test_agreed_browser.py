"""The workshop in a real browser, in English and Bulgarian (headless Chromium, axe).

Three members answer differently (one in the browser, adding an evidence link that the autosave
stores); the leader opens the diverging questions side by side, records two agreed answers with
a rationale and an evidence link, submits, and finds them on the results page and in the PDF
(read back: the answers, the rationale and the evidence address as plain text). A member sees
the agreed answers but not the others' answers. axe finds nothing serious on the new pages.
"""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import select

from assessment.extensions import db
from assessment.models import Answer, Question, Role

from .conftest import PASSWORD, login
from .playwright_support import audit, needs_chromium, step
from .survey_support import autosave, page_token
from .test_accessibility import choose_language, log_in, log_out

pytestmark = [pytest.mark.slow, needs_chromium]
LANGUAGES = ["en", "bg"]
TEXT = {
    "en": {
        "side_by_side": "The team's answers side by side, and the agreed answers",
        "diverge": "the team's answers diverge",
        "level3": "Level 3 of 5",
        "level2": "Level 2 of 5",
        "recorded": "The agreed answer was recorded.",
        "agreed": "Agreed answers",
        "pdf_level3": "Level 3 of 5: Приета от общинския съвет",
    },
    "bg": {
        "side_by_side": "Отговорите на екипа един до друг и съгласуваните отговори",
        "diverge": "отговорите на екипа се разминават",
        "level3": "Ниво 3 от 5",
        "level2": "Ниво 2 от 5",
        "recorded": "Съгласуваният отговор е записан.",
        "agreed": "Съгласувани отговори",
        "pdf_level3": "Ниво 3 от 5: Приета от общинския съвет",
    },
}
MEMBER_LINK = "https://plovdiv.bg/стратегия-2030.pdf"
AGREED_LINK = "https://plovdiv.bg/решения/протокол-7"
SECOND_LINK = "https://data.plovdiv.bg/budget?year=2024&part=digital"


@pytest.fixture
def workshop(make_city, make_user, make_round):
    city = make_city("Пловдив", "BG")
    round_ = make_round("2022 follow-up")
    members = [
        make_user(f"{login}@plovdiv.example", Role.RESPONDENT, city)
        for login in ("ivana", "petar", "elena")
    ]
    for member, name in zip(members, ("Ивана Петрова", "Петър Иванов", "Ελένη Παππά"), strict=True):
        member.name = name
    leader = make_user("leader@plovdiv.example", Role.LEADER, city)
    leader.name = "Мария Георгиева"
    db.session.commit()
    return {"city": city, "round": round_, "members": members}


def question_id(key: str) -> int:
    return db.session.scalar(select(Question.id).where(Question.key == key))


def others_answer(app, round_) -> None:
    """Петър and Ελένη answer from their own browsers (here: the autosave, as the page sends)."""
    for email, strategy, alignment in (
        ("petar@plovdiv.example", "3", "3"),
        ("elena@plovdiv.example", "5", "1"),
    ):
        client = app.test_client()
        login(client, email)
        token = page_token(client, f"/survey/{round_.id}/areas/vision")
        for key, level in (("vision_strategy", strategy), ("vision_alignment", alignment)):
            body = autosave(client, round_.id, token, question_id(key), level, f"мнение {level}")
            assert body.status_code == 200, body.get_json()


def axe_clean(page, label: str, language: str) -> None:
    problems = audit(page, label, language)
    assert not problems, "\n".join(problems)


def record(page, key: str, level: str, rationale: str, links: str, text: dict) -> None:
    form = page.locator(f"#q-{key} form.agreed-form")
    form.locator(f"input[name=answer][value='{level}']").check()
    form.locator("textarea[name=rationale]").fill(rationale)
    form.locator("textarea[name=evidence]").fill(links)
    form.locator("input[name=note]").fill("Протокол №7")
    form.locator("button[value=save]").click()
    page.wait_for_selector(".flash-success")
    assert text["recorded"] in page.locator(".flash-success").inner_text()


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_leader_records_agreed_answers_with_evidence_and_finds_them_everywhere(
    app, live_server, page, workshop, language
):
    from pypdf import PdfReader

    base, round_, text = live_server.url, workshop["round"], TEXT[language]
    area = f"{base}/survey/{round_.id}/areas/vision"

    # Ивана answers in the browser; her evidence link is autosaved with her answer
    page.goto(base + "/")
    choose_language(page, language)
    log_in(page, base, "ivana@plovdiv.example", PASSWORD)
    page.goto(area)
    strategy = question_id("vision_strategy")
    page.check("#q-vision_strategy input[value='1']")
    page.wait_for_selector("#q-vision_strategy .save-status.save-ok")
    page.fill(f"#evidence-{strategy}", MEMBER_LINK)
    page.locator(f"#evidence-{strategy}").blur()
    page.wait_for_function(
        "id => document.querySelector(`#q-${id} .save-status`).classList.contains('save-ok')",
        arg="vision_strategy",
    )
    page.check("#q-vision_alignment input[value='5']")
    page.wait_for_selector("#q-vision_alignment .save-status.save-ok")
    step(page, f"member-evidence-{language}")
    axe_clean(page, "survey area with evidence fields", language)
    log_out(page)
    db.session.expire_all()
    stored = db.session.scalar(
        select(Answer.evidence).where(Answer.question_id == strategy, Answer.evidence.is_not(None))
    )
    assert stored == MEMBER_LINK
    others_answer(app, round_)

    # the leader opens the diverging questions, side by side and without names
    log_in(page, base, "leader@plovdiv.example", PASSWORD)
    page.goto(f"{base}/team?round={round_.id}")
    page.click(f'main a:has-text("{text["side_by_side"]}")')
    page.wait_for_selector("section.question-side")
    sections = page.locator("section.question-side")
    first_two = [sections.nth(i).get_attribute("id") for i in range(2)]
    assert sorted(first_two) == ["q-vision_alignment", "q-vision_strategy"]  # diverging first
    assert page.locator("section.question-side.diverges").count() == 2
    assert text["diverge"] in page.locator("#q-vision_strategy h2").inner_text()
    html = page.content()
    for name in ("Ивана", "Петър", "Ελένη", "ivana@", "petar@", "elena@"):
        assert name not in html
    assert "мнение 5" in html  # the comments, without their authors
    member_link = page.locator(f"#q-vision_strategy a.evidence-link[href='{MEMBER_LINK}']")
    assert member_link.get_attribute("rel") == "noopener noreferrer nofollow"
    step(page, f"side-by-side-{language}")
    axe_clean(page, "side by side", language)

    record(
        page,
        "vision_strategy",
        "3",
        "Приета от общинския съвет",
        f"{AGREED_LINK}\n{SECOND_LINK}",
        text,
    )
    record(page, "vision_alignment", "2", "Частично, според семинара", AGREED_LINK, text)
    agreed = page.locator("#q-vision_strategy .agreed-evidence a.evidence-link")
    assert agreed.count() == 2 and agreed.first.get_attribute("href") == AGREED_LINK
    step(page, f"recorded-{language}")
    axe_clean(page, "side by side with agreed answers", language)

    # submit: the members have not marked their responses complete, so it is confirmed
    page.goto(f"{base}/team?round={round_.id}")
    page.check("#confirm")
    page.click("form:has(#confirm) button[type=submit]")
    page.wait_for_selector("#agreed-heading")
    section = page.locator("section:has(#agreed-heading)")
    body = section.inner_text()
    assert text["agreed"] in body
    assert text["level3"] in body and text["level2"] in body
    assert "Приета от общинския съвет" in body and "Протокол №7" in body
    link = section.locator(f"a.evidence-link[href='{SECOND_LINK}']")
    assert link.get_attribute("rel") == "noopener noreferrer nofollow"
    step(page, f"results-{language}")
    axe_clean(page, "results with agreed answers", language)

    pdf_url = page.locator("main a[href$='.pdf']").first.get_attribute("href")
    response = page.request.get(base + pdf_url)
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.body()))
    pdf = re.sub(r"\s+", " ", " ".join(p.extract_text() for p in reader.pages))
    joined = re.sub(r"\s+", "", pdf)
    assert text["agreed"] in pdf
    assert text["pdf_level3"] in pdf
    assert "Частично, според семинара" in pdf
    assert AGREED_LINK in joined and SECOND_LINK in joined  # plain text
    assert not any(p.get("/Annots") for p in reader.pages)  # no clickable links
    log_out(page)

    # a member sees the agreed answers, not the others' answers
    log_in(page, base, "petar@plovdiv.example", PASSWORD)
    page.goto(f"{base}/results/{round_.id}/{workshop['city'].id}")
    page.wait_for_selector("#agreed-heading")
    body = page.locator("main").inner_text()
    assert "Приета от общинския съвет" in body and "Протокол №7" in body
    assert "мнение 5" not in body and MEMBER_LINK not in page.content()
    assert page.locator("a[href*='/team/']").count() == 0
    refused = page.request.get(f"{base}/results/{round_.id}/{workshop['city'].id}/team/vision")
    assert refused.status in (403, 404)
    step(page, f"member-results-{language}", check=False)
