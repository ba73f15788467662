"""The audit trail: events are recorded with the change, and only the programme team sees them."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from assessment.extensions import db
from assessment.models import AuditEvent, Role

from .conftest import CONFORMANCE, csrf_token, login


def test_command_line_changes_are_audited(dmat):
    dmat("questionnaire", "import", str(CONFORMANCE / "questionnaire.yaml"))
    dmat("city", "add", "Bergen", "--country", "NO")
    dmat("round", "create", "--name", "R1", "--questionnaire", "conformance-example:1")
    events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [e.action for e in events] == ["questionnaire_imported", "city_added", "round_created"]
    assert events[1].city.name == "Bergen" and events[1].summary == "City 'Bergen' (NO) added"
    assert events[2].round.name == "R1" and events[2].actor_label == "command line"


def test_city_changes_from_the_programme_page_are_audited(client, make_user, dmat):
    make_user("coordinator@dmat.example", Role.COORDINATOR)
    login(client, "coordinator@dmat.example")
    response = client.post(
        "/admin/cities",
        data={
            "csrf_token": csrf_token(client, "/admin/cities"),
            "name": "Θεσσαλονίκη",
            "country": "gr",
        },
    )
    assert response.status_code == 302
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "city_added")).one()
    assert event.city.name == "Θεσσαλονίκη" and event.actor.email == "coordinator@dmat.example"


def test_every_action_has_a_label_in_both_languages(client, make_user):
    from assessment.audit.operations import ACTIONS
    from assessment.audit.views import ACTION_LABELS

    assert set(ACTION_LABELS) == set(ACTIONS)
    make_user("coordinator@dmat.example", Role.COORDINATOR)
    login(client, "coordinator@dmat.example")
    client.post("/language", data={"language": "bg", "csrf_token": csrf_token(client, "/audit")})
    page = client.get("/audit").get_data(as_text=True)
    assert "добавена община" in page and "city added" not in page
    assert 'href="/audit"' in page  # the audit trail is in the menu


def test_a_refused_import_leaves_no_audit_event(dmat, tmp_path):
    dmat("questionnaire", "import", str(CONFORMANCE / "questionnaire.yaml"))
    dmat("round", "create", "--name", "R1", "--questionnaire", "conformance-example:1")
    bad = tmp_path / "bad.csv"
    bad.write_text("city,respondent,question,answer\nNowhere,a@b.example,a_plan,1\n")
    assert dmat("responses", "import", "--round", "R1", str(bad)).exit_code == 1
    actions = db.session.scalars(select(AuditEvent.action)).all()
    assert "responses_imported" not in actions


@pytest.mark.parametrize(
    ("role", "status"),
    [(Role.COORDINATOR, 200), (Role.ADMIN, 200), (Role.LEADER, 403), (Role.RESPONDENT, 403)],
)
def test_audit_page_is_for_the_programme_team(client, make_city, make_user, dmat, role, status):
    dmat("questionnaire", "import", str(CONFORMANCE / "questionnaire.yaml"))
    city = make_city() if role in (Role.LEADER, Role.RESPONDENT) else None
    make_user("someone@dmat.example", role, city)
    login(client, "someone@dmat.example")
    response = client.get("/audit?action=questionnaire_imported")
    assert response.status_code == status
    if status == 200:
        page = response.get_data(as_text=True)
        assert "Questionnaire conformance-example:1 imported" in page
        assert "command line" in page


def test_audit_page_needs_a_login(client):
    response = client.get("/audit")
    assert response.status_code == 302 and "/login" in response.location


def test_submit_reopen_export_and_role_changes_are_audited(client, demo, dmat, tmp_path):
    from assessment.lookups import round_named, user_with_email
    from assessment.survey.operations import reopen_assessment, submit_assessment

    follow_up = round_named("2022 follow-up")
    leader = user_with_email("leader@sofia.example")
    submit_assessment(follow_up, leader, confirmed=True, accepted_unfinished=99)
    reopen_assessment(next(a for a in follow_up.assessments if a.city.name == "Sofia"))
    db.session.commit()
    assert (
        dmat(
            "export",
            "--round",
            "2022 follow-up",
            "--format",
            "json",
            "-o",
            str(tmp_path / "x.json"),
        ).exit_code
        == 0
    )
    login(client, "admin@dmat.example", "dmat-demo-2022")
    member = user_with_email("member1@sofia.example")
    assert client.get(f"/compare/rounds/{follow_up.id}/export.csv").status_code == 200
    from assessment.admin.operations import update_user

    update_user(user_with_email("admin@dmat.example"), member, "leader", member.city, False)
    db.session.commit()
    events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    actions = [e.action for e in events]
    for action in (
        "assessment_submitted",
        "assessment_reopened",
        "data_exported",
        "role_changed",
        "user_deactivated",
    ):
        assert action in actions, actions
    assert actions.count("data_exported") == 2
    submitted = next(e for e in events if e.action == "assessment_submitted")
    assert submitted.actor_label == "leader@sofia.example" and submitted.city.name == "Sofia"
    exported_on_the_web = [e for e in events if e.action == "data_exported"][-1]
    assert exported_on_the_web.actor_label == "admin@dmat.example"
