"""Evidence links and notes: one rule for every way in (survey page, autosave, agreed form,
response and agreed-answer files), shown as safe links on pages, never fetched; and the audit
trail of agreed answers."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from assessment.admin.operations import import_responses
from assessment.admin.response_files import read_response_file
from assessment.errors import DmatError
from assessment.extensions import db
from assessment.models import AgreedAnswer, Answer, AuditEvent, Question
from assessment.survey import evidence
from assessment.survey.agreed import AgreedRefused, record_agreed, remove_agreed
from assessment.survey.agreed_import import import_agreed, read_agreed_file
from tests.conftest import login
from tests.survey_support import page_token

from . import test_agreed
from .test_agreed import page_url, post, post_url, signed_in

team = test_agreed.team  # the fixtures: Пловдив's team of three, and Αθήνα
english = test_agreed.english

GOOD = [
    "https://plovdiv.bg/strategia-2030.pdf",
    "http://example.org/a?b=1&c=%D0%B0#frag",
    "HTTPS://Example.org/Стратегия",  # any case, non-ASCII path
    "https://[2001:db8::1]:8443/x",
    "https://example.org/" + "a" * (evidence.MAX_LINK_CHARS - 20),
]
BAD = [
    ("javascript:alert(1)", "link_scheme"),
    ("JaVaScRiPt:alert(1)", "link_scheme"),
    ("data:text/html,<script>alert(1)</script>", "link_scheme"),
    ("file:///etc/passwd", "link_scheme"),
    ("ftp://example.org/a", "link_scheme"),
    ("//example.org/a", "link_scheme"),
    ("example.org/a", "link_scheme"),
    ("https:example.org", "link_scheme"),
    ("https://user:pw@example.org/", "link_credentials"),
    ("https://user@example.org/", "link_credentials"),
    ("https://example.org/a\x00b", "link_characters"),
    ("https://example.org/a\u202eb", "link_characters"),
    ("https://example.org\\@evil.example/", "link_characters"),
    ("https://example.org:notaport/", "link_port"),
    ("https://example.org:99999999999999999999/", "link_port"),
    ("https://[2001:db8::1/", "link_scheme"),
    ("https:///path-only", "link_host"),
    ("https://example.org/" + "a" * evidence.MAX_LINK_CHARS, "link_too_long"),
]


@pytest.mark.parametrize("link", GOOD)
def test_http_and_https_links_are_kept_as_given(link):
    assert evidence.parse_links(link) == (link,)


@pytest.mark.parametrize(("link", "code"), BAD)
def test_unsafe_or_malformed_links_are_refused_with_a_reason(link, code):
    with pytest.raises(evidence.EvidenceRefused) as refused:
        evidence.parse_links(link)
    assert refused.value.code == code
    assert "\x00" not in refused.value.message and "\u202e" not in refused.value.message


def test_up_to_five_links_one_per_line_or_space_separated():
    five = [f"https://example.org/{n}" for n in range(5)]
    assert evidence.parse_links("\n".join(five) + "\n\n") == tuple(five)
    assert evidence.parse_links(" ".join(five)) == tuple(five)
    assert evidence.parse_links(five[:1] * 2) == tuple(five[:1])  # a repeated link once
    assert evidence.parse_links("") == () and evidence.parse_links(None) == ()
    with pytest.raises(evidence.EvidenceRefused, match="6 evidence links were given; at most 5"):
        evidence.parse_links("\n".join([*five, "https://example.org/6"]))
    with pytest.raises(evidence.EvidenceRefused):
        evidence.parse_links("x" * 10_000_000)  # 10 MB of text is refused before splitting
    with pytest.raises(evidence.EvidenceRefused, match="must be text"):
        evidence.parse_links({"a": 1})
    assert evidence.links_of(evidence.stored(tuple(five))) == tuple(five)
    assert evidence.stored(()) is None


def test_the_note_follows_the_text_rule():
    assert evidence.parse_note("  Решение №12  ") == "Решение №12"
    assert evidence.parse_note("   ") is None
    with pytest.raises(evidence.EvidenceRefused, match="at most 1000"):
        evidence.parse_note("ж" * 1001)


# the survey page and the autosave ----------------------------------------------------------------
def question_id(key: str) -> int:
    return db.session.scalar(select(Question.id).where(Question.key == key))


def member_answer(team, key="vision_strategy") -> Answer:
    db.session.expire_all()
    member = team["members"][0]
    return next(a for r in member_responses(member) for a in r.answers if a.question.key == key)


def member_responses(member):
    from assessment.models import Response

    return db.session.scalars(select(Response).where(Response.respondent_id == member.id))


def test_a_member_adds_evidence_on_the_page_without_javascript(team, client):
    member = team["members"][0]
    login(client, member.email)
    area = f"/survey/{team['round'].id}/areas/vision"
    token = page_token(client, area)
    qid = question_id("vision_strategy")
    links = "https://plovdiv.bg/стратегия.pdf\nhttps://data.plovdiv.bg/budget"
    saved = client.post(
        area,
        data={
            "csrf_token": token,
            f"answer-{qid}": "4",
            f"evidence-{qid}": links,
            f"note-{qid}": "Решение №12 на общинския съвет",
            "action": "save",
        },
    )
    assert saved.status_code == 302
    answer = member_answer(team)
    assert (answer.level, answer.evidence, answer.evidence_note) == (
        4,
        links,
        "Решение №12 на общинския съвет",
    )
    html = client.get(area).get_data(as_text=True)
    assert "https://data.plovdiv.bg/budget</textarea>" in html

    refused = client.post(
        area,
        data={
            "csrf_token": token,
            f"answer-{qid}": "2",
            f"evidence-{qid}": "javascript:alert(1)",
            "action": "save",
        },
    )
    assert refused.status_code == 400
    assert "must be a web address starting with http:// or https://" in refused.get_data(
        as_text=True
    )
    answer = member_answer(team)
    assert (answer.level, answer.evidence) == (4, links)  # nothing changed


def test_autosave_stores_evidence_and_a_comment_alone_keeps_it(team, client):
    member = team["members"][1]
    login(client, member.email)
    token = page_token(client, f"/survey/{team['round'].id}/areas/vision")
    qid = question_id("vision_targets")
    url = f"/survey/{team['round'].id}/answer"
    headers = {"X-CSRFToken": token}
    body = {
        "question": qid,
        "answer": "3",
        "evidence": ["https://example.org/отчет-2024"],
        "evidence_note": "Годишен отчет",
    }
    assert client.post(url, json=body, headers=headers).status_code == 200
    # an older page sends only the answer and comment: the evidence is kept
    again = {"question": qid, "answer": "2", "comment": "По-ниско"}
    assert client.post(url, json=again, headers=headers).status_code == 200
    db.session.expire_all()
    row = db.session.execute(
        select(Answer.level, Answer.comment, Answer.evidence, Answer.evidence_note).where(
            Answer.question_id == qid,
            Answer.response_id.in_([r.id for r in member_responses(member)]),
        )
    ).one()
    assert tuple(row) == (2, "По-ниско", "https://example.org/отчет-2024", "Годишен отчет")
    bad = {**body, "evidence": "https://a@b.example/"}
    refused = client.post(url, json=bad, headers=headers)
    assert refused.status_code == 400
    assert refused.get_json()["code"] == "link_credentials"
    six = {**body, "evidence": [f"https://example.org/{n}" for n in range(6)]}
    assert client.post(url, json=six, headers=headers).get_json()["code"] == "too_many_links"


# the side-by-side page and the agreed form -------------------------------------------------------
def test_side_by_side_shows_members_evidence_sorted_without_names_as_safe_links(team, client):
    strategy = team["q"]["vision_strategy"]
    for answer, link in zip(
        db.session.scalars(select(Answer).where(Answer.question_id == strategy.id)),
        ("https://z.example/", "https://a.example/", "https://a.example/"),
        strict=True,
    ):
        answer.evidence = link
        answer.evidence_note = f"бележка {link[8]}"
    db.session.commit()
    signed_in(client, "leader@plovdiv.example")
    html = client.get(page_url(team)).get_data(as_text=True)
    section = html[html.index('id="q-vision_strategy"') :]
    section = section[: section.index("</section>")]
    assert section.count('href="https://a.example/"') == 1  # each link once
    assert section.index("https://a.example/") < section.index("https://z.example/")
    assert 'rel="noopener noreferrer nofollow"' in section
    for member in team["members"]:
        assert member.email not in section


def test_leader_records_evidence_with_an_agreed_answer_and_bad_links_store_nothing(team, client):
    signed_in(client, "leader@plovdiv.example")
    refused = post(client, post_url(team), answer="4", evidence="data:text/html,x", note="n")
    assert refused.status_code == 400
    assert "must be a web address" in refused.get_data(as_text=True)
    assert "data:text/html,x</textarea>" in refused.get_data(as_text=True)  # kept to fix it
    assert db.session.scalar(select(AgreedAnswer)) is None
    saved = post(
        client,
        post_url(team),
        answer="4",
        rationale="Решено на семинара",
        evidence="https://plovdiv.bg/решение-12",
        note="Протокол",
    )
    assert saved.status_code == 303
    html = client.get(page_url(team)).get_data(as_text=True)
    assert '<a href="https://plovdiv.bg/решение-12"' in html
    db.session.expire_all()
    stored = db.session.scalar(select(AgreedAnswer))
    assert (stored.evidence, stored.evidence_note) == ("https://plovdiv.bg/решение-12", "Протокол")


# audit -------------------------------------------------------------------------------------------
def test_recording_changing_removing_and_importing_agreed_answers_is_audited(team, client):
    signed_in(client, "leader@plovdiv.example")
    assert post(client, post_url(team), answer="4").status_code == 303
    assert post(client, post_url(team), answer="3").status_code == 303
    assert post(client, post_url(team), action="remove").status_code == 303
    rows = read_agreed_file(
        "city,question,answer\nПловдив,vision_targets,2\n".encode(), "съгласувани.csv"
    )
    import_agreed(team["round"], rows, "съгласувани.csv")
    db.session.commit()
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action.like("agreed%")).order_by(AuditEvent.id)
    ).all()
    assert [(e.action, e.actor_label, (e.details or {}).get("question")) for e in events] == [
        ("agreed_answer_recorded", "leader@plovdiv.example", "vision_strategy"),
        ("agreed_answer_changed", "leader@plovdiv.example", "vision_strategy"),
        ("agreed_answer_removed", "leader@plovdiv.example", "vision_strategy"),
        ("agreed_answers_imported", "command line", None),
    ]
    assert events[-1].details["questions"] == ["vision_targets"]
    assert all(e.city_id == team["city"].id for e in events[:3])


def test_refused_agreed_answer_records_no_audit_event(team):
    with pytest.raises(AgreedRefused):
        record_agreed(team["assessment"], team["q"]["vision_strategy"], "4", None, None, "ftp://x")
    assert not remove_agreed(team["assessment"], team["q"]["vision_strategy"])
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action.like("agreed%"))) is None


# files -------------------------------------------------------------------------------------------
def test_response_files_carry_evidence_and_files_without_the_columns_keep_it(team):
    member = team["members"][0].email
    text = (
        "city,respondent,question,answer,comment,evidence,note\n"
        f'пловдив,{member},vision_strategy,2,,"https://a.example/1\nhttps://b.example/2",Отчет\n'
    )
    import_responses(team["round"], read_response_file(text.encode(), "r.csv"), "r.csv")
    db.session.commit()
    answer = member_answer(team)
    assert (answer.evidence, answer.evidence_note) == (
        "https://a.example/1\nhttps://b.example/2",
        "Отчет",
    )
    old_format = f"city,respondent,question,answer,comment\nпловдив,{member},vision_strategy,3,\n"
    import_responses(team["round"], read_response_file(old_format.encode(), "r.csv"), "r.csv")
    db.session.commit()
    answer = member_answer(team)
    assert (answer.level, answer.evidence_note) == (3, "Отчет")


def test_a_bad_link_in_a_file_names_its_line_and_nothing_is_stored(team):
    member = team["members"][0].email
    text = (
        "city,respondent,question,answer,comment,evidence\n"
        f"пловдив,{member},vision_strategy,2,,https://ok.example/\n"
        f"пловдив,{member},vision_targets,2,,javascript:alert(1)\n"
    )
    with pytest.raises(DmatError) as refused:
        import_responses(team["round"], read_response_file(text.encode(), "r.csv"), "r.csv")
    assert "r.csv:3: The evidence link “javascript:alert(1)” must be a web address" in str(
        refused.value.problems
    )
    db.session.rollback()
    assert member_answer(team).evidence is None
    agreed = "city,question,answer,rationale,evidence,note\nПловдив,vision_strategy,4,,=1+1,\n"
    with pytest.raises(DmatError) as refused:
        import_agreed(team["round"], read_agreed_file(agreed.encode(), "a.csv"), "a.csv")
    assert "a.csv:2: The evidence link “=1+1”" in str(refused.value.problems)
    assert db.session.scalar(select(AgreedAnswer)) is None


def test_agreed_files_carry_evidence(team):
    text = (
        "city,question,answer,rationale,evidence,note\n"
        "Пловдив,vision_strategy,4,Семинар,https://a.example/x https://b.example/y,Протокол\n"
    )
    import_agreed(team["round"], read_agreed_file(text.encode(), "a.csv"), "a.csv")
    db.session.commit()
    stored = db.session.scalar(select(AgreedAnswer))
    assert (stored.rationale, stored.evidence, stored.evidence_note) == (
        "Семинар",
        "https://a.example/x\nhttps://b.example/y",
        "Протокол",
    )


# results page and PDF ----------------------------------------------------------------------------
LONG_LINK = "https://plovdiv.bg/документи/" + "стратегия-" * 12 + ".pdf"


def record_with_evidence(team):
    record_agreed(
        team["assessment"],
        team["q"]["vision_strategy"],
        "4",
        "Приета от съвета",
        None,
        f"https://plovdiv.bg/r12 {LONG_LINK}",
        "Протокол №7",
    )
    test_agreed.submit(team)


def test_a_member_sees_the_agreed_answers_evidence_as_safe_links_on_the_results_page(team, client):
    record_with_evidence(team)
    signed_in(client, "ivan@plovdiv.example")
    html = client.get(f"/results/{team['round'].id}/{team['city'].id}").get_data(as_text=True)
    section = html[html.index('id="agreed-heading"') :]
    section = section[: section.index("</section>")]
    assert "Протокол №7" in section
    assert (
        '<a href="https://plovdiv.bg/r12" rel="noopener noreferrer nofollow" '
        'class="evidence-link">https://plovdiv.bg/r12</a>'
    ) in section


def test_the_city_pdf_lists_the_evidence_behind_each_agreed_answer_as_plain_text(team):
    import io
    import re

    from pypdf import PdfReader

    from reports.render import city_report

    record_with_evidence(team)
    report = city_report(team["round"], team["city"], "bg", use_cache=False)
    reader = PdfReader(io.BytesIO(report.pdf))
    text = re.sub(r"\s+", "", " ".join(page.extract_text() for page in reader.pages))
    assert "Доказателства:Протокол№7" in text
    assert "https://plovdiv.bg/r12" in text
    assert LONG_LINK in text  # wrapped over lines, but all there
    annotations = [page.get("/Annots") for page in reader.pages]
    assert not any(annotations)  # plain text: no link annotations in the PDF
