"""Ending sessions, safe redirects after login, single-use links under races, who may restore a
deactivated account, and answers that do not tell whether an account exists."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from assessment.auth import identity
from assessment.extensions import db
from assessment.models import AccountToken, AuditEvent, Role, TokenPurpose, User
from assessment.web import safe_next
from config import TestConfig
from tests.conftest import PASSWORD, csrf_token, login
from tests.survey_support import autosave, page_token, stored_answers
from tests.test_auth import FakeSMTP, mail  # noqa: F401  (the captured-mail fixture)

NEW_PASSWORD = "ένα νέο μακρύ συνθηματικό"
OTHER_PASSWORD = "друга дълга парола за вход"
BASE = TestConfig.BASE_URL


@pytest.fixture
def sofia(make_city, make_user, make_round):
    city, athens = make_city("София"), make_city("Αθήνα", "GR")
    people = {
        "leader": make_user("leader@sofia.example", Role.LEADER, city),
        "member": make_user("maria@sofia.example", Role.RESPONDENT, city),
        "athens": make_user("eleni@athens.example", Role.RESPONDENT, athens),
        "coordinator": make_user("coordinator@dmat.example", Role.COORDINATOR),
        "coordinator2": make_user("second@dmat.example", Role.COORDINATOR),
        "admin": make_user("admin@dmat.example", Role.ADMIN),
    }
    people["member"].name, people["athens"].name = "Мария Петрова", "Ελένη Παπαδοπούλου"
    db.session.commit()
    return {**people, "city": city, "round": make_round()}


def first_question(round_):
    return round_.questionnaire.areas[0].questions[0]


def post(client, path, page="/", **data):
    return client.post(path, data={"csrf_token": csrf_token(client, page), **data})


def reset_link_for(user: User) -> str:
    from assessment.auth.operations import reset_token_for

    token = reset_token_for(user)
    db.session.commit()
    return f"/password/reset/{token}"


def set_password_with(client, path, password):
    return post(client, path, page=path, password=password, confirm=password)


def deactivate(actor_client, user: User):
    """Deactivate through the admin's user page, keeping role and city."""
    path = f"/admin/users/{user.id}"
    return post(
        actor_client,
        path,
        page=path,
        role=user.role.value,
        city=str(user.city_id or 0),
    )  # the "active" box left unticked


def restore(actor_client, user: User):
    path = f"/admin/users/{user.id}"
    return post(
        actor_client, path, page=path, role=user.role.value, city=str(user.city_id or 0), active="y"
    )


def signed_in(client) -> bool:
    reply = client.get("/survey/")
    return reply.status_code == 200


# --- ending sessions ---------------------------------------------------------------------------


def test_a_session_cookie_saved_before_logout_opens_nothing_after_it(client, sofia):
    round_, question = sofia["round"], first_question(sofia["round"])
    login(client, "maria@sofia.example")
    token = page_token(client, f"/survey/{round_.id}/areas/{question.area.key}")
    saved = client.get_cookie("session").value
    post(client, "/logout", page="/survey/")
    assert not signed_in(client)

    client.set_cookie("session", saved)  # the copy taken before logging out
    reply = client.get("/survey/")
    assert reply.status_code == 302 and "/login" in reply.location
    client.set_cookie("session", saved)
    reply = autosave(client, round_.id, token, question.id, "3")
    assert reply.status_code == 401 and reply.json["code"] == "login"
    assert stored_answers(sofia["member"], round_) == {}


def test_logging_out_ends_the_sessions_of_every_browser(app, sofia):
    phone, laptop = app.test_client(), app.test_client()
    login(phone, "maria@sofia.example")
    login(laptop, "maria@sofia.example")
    post(laptop, "/logout", page="/survey/")
    assert not signed_in(phone)
    assert login(phone, "maria@sofia.example").status_code == 302  # a new login works
    assert signed_in(phone)


def test_a_password_reset_ends_the_open_sessions(app, sofia):
    round_, question = sofia["round"], first_question(sofia["round"])
    thief = app.test_client()
    login(thief, "maria@sofia.example")
    token = page_token(thief, f"/survey/{round_.id}/areas/{question.area.key}")
    owner = app.test_client()
    assert (
        set_password_with(owner, reset_link_for(sofia["member"]), NEW_PASSWORD).status_code == 302
    )
    assert signed_in(owner)  # the reset logs the owner in, with the new generation
    assert not signed_in(thief)
    reply = autosave(thief, round_.id, token, question.id, "4")
    assert reply.status_code == 401
    assert stored_answers(sofia["member"], round_) == {}


@pytest.mark.parametrize("by", ["leader", "admin"])
def test_deactivation_ends_the_open_sessions_and_restoring_does_not_revive_them(app, sofia, by):
    round_, question = sofia["round"], first_question(sofia["round"])
    member = app.test_client()
    login(member, "maria@sofia.example", PASSWORD)
    token = page_token(member, f"/survey/{round_.id}/areas/{question.area.key}")
    actor = app.test_client()
    login(actor, f"{by}@{'sofia' if by == 'leader' else 'dmat'}.example")
    if by == "leader":
        post(actor, f"/team/{sofia['member'].id}/remove", page="/team")
    else:
        assert deactivate(actor, sofia["member"]).status_code == 302
    db.session.expire_all()
    assert not sofia["member"].active
    assert not signed_in(member)
    assert autosave(member, round_.id, token, question.id, "2").status_code == 401

    if by == "leader":
        post(actor, f"/team/{sofia['member'].id}/restore", page="/team")
    else:
        assert restore(actor, sofia["member"]).status_code == 302
    db.session.expire_all()
    assert sofia["member"].active
    assert not signed_in(member)  # the old cookie stays ended
    assert stored_answers(sofia["member"], round_) == {}
    assert login(app.test_client(), "maria@sofia.example").status_code == 302


def remember_login(client, email):
    reply = client.post(
        "/login",
        data={
            "email": email,
            "password": PASSWORD,
            "remember": "y",
            "csrf_token": csrf_token(client),
        },
    )
    assert reply.status_code == 302
    return client.get_cookie("remember_token").value


def test_a_remember_cookie_ends_at_logout_and_the_next_one_differs(app, sofia):
    first = app.test_client()
    cookie = remember_login(first, "maria@sofia.example")
    device = app.test_client()
    device.set_cookie("remember_token", cookie)  # a browser with only the device cookie
    assert signed_in(device)
    assert signed_in(device)  # and it stays signed in on its next requests

    post(first, "/logout", page="/survey/")
    stale = app.test_client()
    stale.set_cookie("remember_token", cookie)
    assert not signed_in(stale)
    again = remember_login(app.test_client(), "maria@sofia.example")
    assert again != cookie


def test_a_remember_cookie_ends_with_a_password_reset(app, sofia):
    cookie = remember_login(app.test_client(), "maria@sofia.example")
    set_password_with(app.test_client(), reset_link_for(sofia["member"]), NEW_PASSWORD)
    device = app.test_client()
    device.set_cookie("remember_token", cookie)
    assert not signed_in(device)


def test_session_protection_is_not_passed_with_a_forwarded_for_header(app, sofia):
    """With no proxy in front (PROXY_COUNT=0) X-Forwarded-For is whatever the sender wrote: the
    session identifier uses the connection's address, so a copied cookie sent from elsewhere
    with the victim's User-Agent and address in that header is refused."""
    assert not app.config["PROXY_COUNT"]
    victim_browser = {"User-Agent": "Firefox/140 (Мария)"}
    victim = app.test_client()
    victim.environ_base.update(
        REMOTE_ADDR="198.51.100.7", HTTP_USER_AGENT=victim_browser["User-Agent"]
    )
    login(victim, "maria@sofia.example")
    assert signed_in(victim)
    stolen = victim.get_cookie("session").value

    thief = app.test_client()
    thief.environ_base.update(REMOTE_ADDR="203.0.113.66")
    thief.set_cookie("session", stolen)
    reply = thief.get("/survey/", headers={**victim_browser, "X-Forwarded-For": "198.51.100.7"})
    assert reply.status_code == 302 and "/login" in reply.location
    # the victim's own browser is still signed in, with or without the header
    victim.set_cookie("session", stolen)
    assert victim.get("/survey/", headers={"X-Forwarded-For": "10.9.9.9"}).status_code == 200


def test_behind_a_proxy_session_protection_uses_the_address_the_proxy_saw(app, sofia, other_app):
    """With PROXY_COUNT=1 the proxy appends the peer's address to X-Forwarded-For: that one is
    the client, whatever the sender put before it (Flask-Login alone would take the first)."""
    behind, _run = other_app(app.config["SQLALCHEMY_DATABASE_URI"], PROXY_COUNT=1)
    browser = {"User-Agent": "Firefox/140 (Мария)"}
    proxy = {"REMOTE_ADDR": "10.0.0.1", "HTTP_USER_AGENT": browser["User-Agent"]}
    victim = behind.test_client()
    victim.environ_base.update(proxy, HTTP_X_FORWARDED_FOR="198.51.100.7")
    login(victim, "maria@sofia.example")
    assert signed_in(victim)
    stolen = victim.get_cookie("session").value

    thief = behind.test_client()
    thief.environ_base.update(proxy, HTTP_X_FORWARDED_FOR="198.51.100.7, 203.0.113.66")
    thief.set_cookie("session", stolen)
    assert not signed_in(thief)
    victim.set_cookie("session", stolen)
    assert signed_in(victim)


def test_session_ids_are_parsed_strictly(app, sofia):
    member = sofia["member"]
    good = member.get_id()
    assert good == f"{member.id}:{member.session_generation}"
    assert identity.load_user(good) == member
    for bad in (
        str(member.id),
        f"{member.id}:{member.session_generation + 1}",
        f"{member.id}:{member.session_generation}\n",
        f" {good}",
        f"{member.id}:-0",
        f"{member.id}:٠",  # an Arabic-Indic zero: a digit to str.isdigit, not to us
        f"{member.id}:{2**64}",
        f"{2**63}:0",
        "",
        ":",
        f"{member.id}:0:0",
    ):
        assert identity.load_user(bad) is None, bad


# --- redirects after login -----------------------------------------------------------------------

HOSTILE_NEXT = [
    "/\t/evil.example/",
    "/%09/evil.example/",
    "/\\evil.example",
    "\\\\evil.example",
    "/\n/evil.example",
    "/\r/evil.example",
    "%0A",
    "%0D",
    "/x\ny",
    "/x\r\nSet-Cookie: a=b",
    "https:evil.example",
    "https://evil.example/",
    "//evil.example",
    "///evil.example",
    "/\x00",
    "/\x7f/evil.example",
    "/\u0085/evil.example",
    " //evil.example",
    "javascript:alert(1)",
]


def browser_reading(location: str) -> str:
    """How a browser reads a Location: tabs and newlines dropped, a backslash as a slash."""
    return re.sub(r"[\t\n\r]", "", location).replace("\\", "/").strip(" \x00")


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_hostile_next_values_land_on_a_local_path(client, sofia, target):
    with client.application.test_request_context():
        judged = urlsplit(browser_reading(safe_next(target)))
    assert judged.path.startswith("/") and not judged.path.startswith("//")
    assert not judged.scheme and not judged.netloc
    token = csrf_token(client)
    reply = client.post(
        "/login",
        query_string={"next": target},
        data={"email": "maria@sofia.example", "password": PASSWORD, "csrf_token": token},
    )
    if "\x00" in target:  # NUL is refused in every field of every request, before the view
        assert reply.status_code == 400 and not signed_in(client)
        return
    assert reply.status_code == 302, reply.status_code
    location = browser_reading(reply.headers["Location"])
    parts = urlsplit(location)
    assert location.startswith("/") and not location.startswith("//"), location
    assert not parts.scheme and not parts.netloc, location
    assert signed_in(client)

    reply = client.post(
        "/language",
        data={"language": "bg", "next": target, "csrf_token": csrf_token(client, "/survey/")},
    )
    location = browser_reading(reply.headers["Location"])
    assert reply.status_code == 302 and location.startswith("/")
    assert not location.startswith("//")


@pytest.mark.parametrize("query", ["next=/%09/evil.example/", "next=/%0A/x", "next=/%0D/x"])
def test_the_reported_addresses_redirect_home_after_login(client, sofia, query):
    """As sent by a browser: before, the first answered ``Location: //evil.example/`` and the
    others failed with a 500 after the session was stored."""
    token = csrf_token(client)
    reply = client.post(
        f"/login?{query}",
        data={"email": "maria@sofia.example", "password": PASSWORD, "csrf_token": token},
    )
    assert reply.status_code == 302 and reply.headers["Location"] == "/"


def test_a_local_next_is_kept(client, sofia):
    token = csrf_token(client)
    reply = client.post(
        "/login",
        query_string={"next": "/survey/?area=визия"},
        data={"email": "maria@sofia.example", "password": PASSWORD, "csrf_token": token},
    )
    assert reply.status_code == 302 and reply.location.startswith("/survey/?area=")


# --- single-use links under a race ---------------------------------------------------------------


@pytest.mark.parametrize("kind", ["invitation", "reset"])
def test_two_requests_with_one_link_at_once_only_the_first_wins(app, sofia, monkeypatch, kind):
    """Both requests find the link valid; then one uses it, then the other tries: the second
    gets the invalid-link page, the first one's password stays, and nobody else is signed in."""
    from assessment.auth import views
    from assessment.auth.operations import invite_member

    if kind == "invitation":
        user, token = invite_member(sofia["leader"], "nikos@sofia.example", "Νίκος")
        path = f"/invitation/{token}"
        fields = {"name": "Νίκος Γεωργίου"}
    else:
        user, path, fields = sofia["member"], reset_link_for(sofia["member"]), {}
    db.session.commit()
    first, second = app.test_client(), app.test_client()
    token_first, token_second = csrf_token(first, path), csrf_token(second, path)
    real_valid_token = views.valid_token
    replies = {}

    def valid_token_then_the_other_request(raw, purpose):
        found = real_valid_token(raw, purpose)
        if "first" not in replies:  # the second request, checked: the first one runs meanwhile
            replies["first"] = None
            replies["first"] = first.post(
                path,
                data={
                    "csrf_token": token_first,
                    "password": NEW_PASSWORD,
                    "confirm": NEW_PASSWORD,
                    **fields,
                },
            )
        return found

    monkeypatch.setattr(views, "valid_token", valid_token_then_the_other_request)
    replies["second"] = second.post(
        path,
        data={
            "csrf_token": token_second,
            "password": OTHER_PASSWORD,
            "confirm": OTHER_PASSWORD,
            **fields,
        },
    )
    monkeypatch.undo()
    assert replies["first"].status_code == 302
    assert replies["second"].status_code == 410
    db.session.expire_all()
    assert user.check_password(NEW_PASSWORD) and not user.check_password(OTHER_PASSWORD)
    assert signed_in(first) and not signed_in(second)
    if kind == "invitation":
        assert user.name == "Νίκος Γεωργίου"
    assert app.test_client().get(path).status_code == 410


# --- who may restore -----------------------------------------------------------------------------


def restore_events() -> int:
    return db.session.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "user_restored")
    )


def test_a_leader_cannot_undo_an_admins_deactivation(app, sofia):
    member = sofia["member"]
    admin, leader = app.test_client(), app.test_client()
    login(admin, "admin@dmat.example")
    login(leader, "leader@sofia.example")
    old = app.test_client()
    login(old, "maria@sofia.example")
    deactivate(admin, member)
    db.session.expire_all()
    assert member.deactivated_by_id == sofia["admin"].id

    assert f"/team/{member.id}/restore" not in leader.get("/team").text  # no button
    reply = post(leader, f"/team/{member.id}/restore", page="/team")
    assert "Only whoever deactivated maria@sofia.example" in leader.get("/team").text
    assert reply.status_code == 302
    db.session.expire_all()
    assert not member.active and restore_events() == 0
    assert "Wrong e-mail or password" in login(app.test_client(), "maria@sofia.example").text

    coordinator = app.test_client()  # a lower role than the admin: refused too
    login(coordinator, "coordinator@dmat.example")
    restore(coordinator, member)
    db.session.expire_all()
    assert not member.active and restore_events() == 0

    restore(admin, member)
    db.session.expire_all()
    assert member.active and member.deactivated_by_id is None and restore_events() == 1
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user_restored"))
    assert event.actor_label == "admin@dmat.example" and event.city.name == "София"
    assert not signed_in(old)


def test_who_deactivated_or_a_higher_role_may_restore(app, sofia):
    from assessment.admin.operations import update_user
    from assessment.auth.operations import remove_member, restore_member
    from assessment.errors import DmatError

    app.test_request_context().push()  # the refusals are translated for the request's language
    member, leader = sofia["member"], sofia["leader"]
    remove_member(leader, member)
    db.session.commit()
    login(client := app.test_client(), "leader@sofia.example")
    assert f"/team/{member.id}/restore" in client.get("/team").text
    restore_member(leader, member)  # the leader who removed them
    db.session.commit()
    assert member.active and restore_events() == 1

    update_user(sofia["coordinator"], member, "respondent", sofia["city"], False)
    db.session.commit()
    with pytest.raises(DmatError, match="Only whoever deactivated"):
        restore_member(leader, member)
    with pytest.raises(DmatError, match="Only whoever deactivated"):
        update_user(sofia["coordinator2"], member, "respondent", sofia["city"], True)
    db.session.rollback()
    assert not member.active
    update_user(sofia["admin"], member, "respondent", sofia["city"], True)  # higher: allowed
    db.session.commit()
    assert member.active and restore_events() == 2


# --- answers that do not tell whether an account exists -----------------------------------------


def test_every_login_checks_one_password_hash_whether_or_not_the_account_exists(
    client, sofia, monkeypatch
):
    from assessment.auth.operations import invite_member

    invite_member(sofia["leader"], "invited@sofia.example")  # an account without a password
    sofia["athens"].active = False
    db.session.commit()
    checked = []
    real_check = identity.check_password_hash

    def counting(stored, password):
        checked.append(stored)
        return real_check(stored, password)

    monkeypatch.setattr(identity, "check_password_hash", counting)
    answers = {}
    for email in (
        "maria@sofia.example",  # known, wrong password below
        "nobody@sofia.example",
        "invited@sofia.example",
        "eleni@athens.example",  # inactive, right password
    ):
        password = PASSWORD if email.startswith("eleni") else "не е паролата"
        answers[email] = login(client, email, password)
    assert len(checked) == 4
    dummy = identity._dummy_hash()
    assert checked[1] == checked[2] == dummy
    assert checked[0] == sofia["member"].password_hash != dummy
    assert checked[0].split("$")[0] == dummy.split("$")[0]  # the same method and cost
    for reply in answers.values():
        assert reply.status_code == 200 and "Wrong e-mail or password." in reply.text
    assert login(client, "maria@sofia.example").status_code == 302
    assert len(checked) == 5


def test_forgot_password_answers_and_works_the_same_for_unknown_addresses(
    app,
    sofia,
    mail,  # noqa: F811  (the fixture imported above)
):
    def ask(email):
        client = app.test_client()
        reply = post(client, "/password/forgot", page="/password/forgot", email=email)
        tokens_before_close = db.session.scalar(select(func.count()).select_from(AccountToken))
        sent_before_close = len(mail)
        reply.close()  # the response has gone: now the link is made and mailed
        follow = client.get("/login").text
        return reply, tokens_before_close, sent_before_close, follow

    unknown = ask("никой@sofia.example")
    known = ask("maria@sofia.example")
    for reply, tokens, sent, page in (known, unknown):
        assert reply.status_code == 302 and reply.location == "/login"
        assert tokens == 0 and sent == 0  # nothing done for either before the reply has gone
        assert "If an account with that e-mail exists, a link is on its way." in page
    (message,) = mail
    assert message["To"] == "maria@sofia.example"
    assert f"{BASE}/password/reset/" in message.get_content()
    assert db.session.scalar(select(func.count()).select_from(AccountToken)) == 1


def invitation_panel(reply) -> str:
    html = reply.get_data(as_text=True)
    start = html.index('<section class="panel link-panel"')
    return html[start : html.index("</section>", start)]


@pytest.mark.parametrize("with_mail", [True, False])
def test_inviting_an_address_of_another_city_reveals_nothing_and_changes_nothing(
    app, client, sofia, monkeypatch, with_mail
):
    if with_mail:
        FakeSMTP.sent = []
        monkeypatch.setitem(app.config, "MAIL_SERVER", "smtp.example")
        monkeypatch.setattr("assessment.auth.mail.smtplib.SMTP", FakeSMTP)
    athens = sofia["athens"]
    login(client, "leader@sofia.example")
    users_before = db.session.scalar(select(func.count()).select_from(User))
    token = csrf_token(client, "/team")
    foreign = client.post("/team/invite", data={"csrf_token": token, "email": athens.email})
    assert foreign.status_code == 200
    assert "already has an account" not in foreign.text and "Αθήνα" not in foreign.text
    db.session.expire_all()
    assert athens.city.name == "Αθήνα" and athens.role == Role.RESPONDENT
    assert db.session.scalar(select(func.count()).select_from(AccountToken)) == 0
    assert db.session.scalar(select(func.count()).select_from(User)) == users_before
    programme = client.post(
        "/team/invite", data={"csrf_token": token, "email": "coordinator@dmat.example"}
    )
    assert invitation_panel(programme) == invitation_panel(foreign).replace(
        athens.email, "coordinator@dmat.example"
    )
    if with_mail:
        new = client.post("/team/invite", data={"csrf_token": token, "email": "new@sofia.example"})
        assert invitation_panel(new) == invitation_panel(foreign).replace(
            athens.email, "new@sofia.example"
        )
        assert [m["To"] for m in FakeSMTP.sent] == ["new@sofia.example"]
    else:
        assert "already has an account" not in programme.text
        assert "programme coordinators" in invitation_panel(foreign)


def test_a_pending_member_of_this_city_is_invited_again(client, sofia):
    from assessment.auth.operations import invite_member

    invite_member(sofia["leader"], "pending@sofia.example", "Петър")
    db.session.commit()
    login(client, "leader@sofia.example")
    token = csrf_token(client, "/team")
    reply = client.post(
        "/team/invite", data={"csrf_token": token, "email": "pending@sofia.example"}
    )
    assert reply.status_code == 200 and f'value="{BASE}/invitation/' in reply.text
    open_links = (
        select(func.count())
        .select_from(AccountToken)
        .where(AccountToken.used_at.is_(None), AccountToken.purpose == TokenPurpose.INVITATION)
    )
    assert db.session.scalar(open_links) == 1
