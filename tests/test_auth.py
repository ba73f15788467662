"""Accounts: logging in and out, invitations, password resets, removing team members."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import ClassVar

import pytest
from sqlalchemy import select, text

from assessment.auth.tokens import token_hash
from assessment.extensions import db
from assessment.models import AccountToken, Role, TokenPurpose, User, utcnow
from config import TestConfig
from tests.conftest import PASSWORD, csrf_token, login

BASE = TestConfig.BASE_URL  # every link starts with it, whatever the request's Host
LINK = re.compile(r'value="(' + re.escape(BASE) + r'/(?:invitation|password/reset)/[^"]+)"')
NEW_PASSWORD = "a new long passphrase"


@pytest.fixture
def team(make_city, make_user):
    sofia, athens = make_city("Sofia", "BG"), make_city("Athens", "GR")
    return {
        "leader": make_user("leader@sofia.example", Role.LEADER, sofia),
        "member": make_user("member@sofia.example", Role.RESPONDENT, sofia),
        "leader2": make_user("deputy@sofia.example", Role.LEADER, sofia),
        "athens": make_user("member@athens.example", Role.RESPONDENT, athens),
        "coordinator": make_user("coordinator@dmat.example", Role.COORDINATOR),
    }


class FakeSMTP:
    sent: ClassVar[list] = []

    def __init__(self, host, port, timeout):
        self.host = host

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def ehlo(self):
        pass

    def has_extn(self, name):
        return False

    def login(self, user, password):
        pass

    def send_message(self, message):
        FakeSMTP.sent.append(message)


@pytest.fixture
def mail(app, monkeypatch):
    FakeSMTP.sent = []
    monkeypatch.setitem(app.config, "MAIL_SERVER", "smtp.example")
    monkeypatch.setattr("assessment.auth.mail.smtplib.SMTP", FakeSMTP)
    return FakeSMTP.sent


def invite(client, email, name=""):
    token = csrf_token(client, "/team")
    return client.post("/team/invite", data={"csrf_token": token, "email": email, "name": name})


def link_in(reply) -> str:
    match = LINK.search(reply.get_data(as_text=True))
    assert match, "no link on the page"
    return match.group(1).removeprefix(BASE)


def test_login_and_logout(client, team):
    assert "Wrong e-mail or password" in login(client, "member@sofia.example", "wrong").text
    reply = login(client, " Member@Sofia.example ")
    assert reply.status_code == 302
    home = client.get("/", follow_redirects=True).text
    assert "member@sofia.example" in home or "member" in home
    token = csrf_token(client, "/survey/")
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/survey/").status_code == 302  # back to the login page
    reply = client.post(
        "/login",
        data={"email": "not an address", "password": "x", "csrf_token": csrf_token(client)},
    )
    assert "Please give an e-mail address" in reply.text


def test_invitation_flow(client, team, app):
    login(client, "leader@sofia.example")
    reply = invite(client, "New.Member@sofia.example", "Nadia")
    assert reply.status_code == 200
    path = link_in(reply)
    raw = path.rsplit("/", 1)[1]
    assert "shown only now" in reply.text
    stored = db.session.scalar(select(AccountToken))
    assert stored.token_hash == token_hash(raw) and stored.purpose == TokenPurpose.INVITATION
    dump = " ".join(
        str(v) for row in db.session.execute(text("SELECT * FROM account_token")) for v in row
    )
    assert raw not in dump  # only the hash is stored
    assert stored.expires_at - stored.created_at == timedelta(days=app.config["INVITATION_DAYS"])
    assert "invited, not accepted yet" in client.get("/team").text
    client.post("/logout", data={"csrf_token": csrf_token(client, "/team")})

    page = client.get(path)
    assert page.status_code == 200 and "new.member@sofia.example" in page.text
    assert page.headers["Referrer-Policy"] == "no-referrer"
    token = csrf_token(client, path)
    reply = client.post(
        path, data={"csrf_token": token, "name": "Nadia", "password": "short", "confirm": "short"}
    )
    assert reply.status_code == 200 and "must have at least 10 characters" in reply.text
    reply = client.post(
        path,
        data={
            "csrf_token": token,
            "name": "Nadia P.",
            "password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD,
        },
    )
    assert reply.status_code == 302 and reply.location.endswith("/survey/")
    assert "Nadia P." in client.get("/survey/").text
    # single use
    assert client.get(path).status_code == 410
    client.post("/logout", data={"csrf_token": csrf_token(client, "/survey/")})
    assert login(client, "new.member@sofia.example", NEW_PASSWORD).status_code == 302
    user = db.session.scalar(select(User).where(User.email == "new.member@sofia.example"))
    assert user.role == Role.RESPONDENT and user.city_id == team["leader"].city_id


def test_invitation_links_expire_and_are_replaced(client, team):
    login(client, "leader@sofia.example")
    first = link_in(invite(client, "late@sofia.example"))
    second = link_in(invite(client, "late@sofia.example"))  # invited again: a new link
    assert client.get(first).status_code == 410
    assert client.get(second).status_code == 200
    stored = db.session.scalars(select(AccountToken).where(AccountToken.used_at.is_(None))).one()
    stored.created_at = utcnow() - timedelta(days=30)
    stored.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert client.get(second).status_code == 410
    assert "invitation expired" in client.get("/team").text
    assert client.get("/invitation/nonsense").status_code == 410
    assert client.get("/invitation/" + "x" * 300).status_code == 410


def test_invitations_refused(client, team):
    login(client, "leader@sofia.example")
    for email, message in [
        ("member@sofia.example", "member@sofia.example already has an account"),
        ("no-at-sign", "Please give an e-mail address"),
        ("", "This field is required"),
    ]:
        reply = invite(client, email)
        assert reply.status_code == 400 and message in reply.text
    assert db.session.scalar(select(AccountToken)) is None


def test_invitation_by_mail_when_configured(client, team, mail):
    """Mailed, the link goes to the invitee only: the leader is told it was sent, not shown it."""
    login(client, "leader@sofia.example")
    reply = invite(client, "mailed@sofia.example")
    assert "the invitation has been sent to them by e-mail" in reply.text
    assert not LINK.search(reply.text)
    (message,) = mail
    assert message["To"] == "mailed@sofia.example"
    path = re.search(re.escape(BASE) + r"(/invitation/\S+)", message.get_content()).group(1)
    assert client.get(path).status_code == 200


def test_password_reset_link_from_the_leader(client, team):
    login(client, "leader@sofia.example")
    member, other = team["member"], team["athens"]
    token = csrf_token(client, "/team")
    assert (
        client.post(f"/team/{other.id}/reset-link", data={"csrf_token": token}).status_code == 404
    )
    reply = client.post(
        f"/team/{team['leader2'].id}/reset-link", data={"csrf_token": token}, follow_redirects=True
    )
    assert "Only the programme coordinators" in reply.text  # not for another leader
    assert db.session.scalar(select(AccountToken)) is None
    reply = client.post(f"/team/{member.id}/reset-link", data={"csrf_token": token})
    path = link_in(reply)
    assert "/password/reset/" in path and "expires after 24 hours" in reply.text
    client.post("/logout", data={"csrf_token": token})
    token = csrf_token(client, path)
    reply = client.post(
        path, data={"csrf_token": token, "password": NEW_PASSWORD, "confirm": "something else"}
    )
    assert "The passwords differ" in reply.text
    reply = client.post(
        path, data={"csrf_token": token, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert reply.status_code == 302
    assert client.get(path).status_code == 410
    client.post("/logout", data={"csrf_token": csrf_token(client, "/survey/")})
    assert "Wrong e-mail" in login(client, "member@sofia.example", PASSWORD).text
    assert login(client, "member@sofia.example", NEW_PASSWORD).status_code == 302


def test_forgot_password(client, team, app, mail):
    reply = client.post(
        "/password/forgot",
        data={
            "csrf_token": csrf_token(client, "/password/forgot"),
            "email": "member@sofia.example",
        },
    )
    assert reply.status_code == 302
    assert mail == []  # made and sent once the response has gone
    reply.close()
    (message,) = mail
    path = re.search(re.escape(BASE) + r"(/password/reset/\S+)", message.get_content()).group(1)
    assert client.get(path).status_code == 200
    # unknown addresses get the same answer, and no mail
    reply = client.post(
        "/password/forgot",
        data={
            "csrf_token": csrf_token(client, "/password/forgot"),
            "email": "nobody@sofia.example",
        },
        follow_redirects=True,
    )
    assert "If an account with that e-mail exists" in reply.text and len(mail) == 1


def test_forgot_password_without_mail_points_to_the_leader(client, team):
    page = client.get("/password/forgot")
    assert "Ask your city's leader" in page.text and 'name="email"' not in page.text
    client.post(
        "/password/forgot",
        data={"csrf_token": csrf_token(client, "/login"), "email": "member@sofia.example"},
    )
    assert db.session.scalar(select(AccountToken)) is None


def test_removing_and_restoring_a_member(app, client, team):
    member_client = app.test_client()
    login(member_client, "member@sofia.example")
    assert member_client.get("/survey/").status_code == 200
    login(client, "leader@sofia.example")
    token = csrf_token(client, "/team")
    member = team["member"]
    for user in (team["leader"], team["leader2"]):  # not oneself, not another leader
        reply = client.post(
            f"/team/{user.id}/remove", data={"csrf_token": token}, follow_redirects=True
        )
        assert (
            "cannot remove yourself" in reply.text
            or "Only the programme coordinators" in reply.text
        )
    assert (
        client.post(f"/team/{team['athens'].id}/remove", data={"csrf_token": token}).status_code
        == 404
    )
    assert client.post("/team/99999/remove", data={"csrf_token": token}).status_code == 404
    reply = client.post(
        f"/team/{member.id}/remove", data={"csrf_token": token}, follow_redirects=True
    )
    assert "can no longer log in" in reply.text
    db.session.expire_all()
    assert not member.active and team["athens"].active and team["leader2"].active
    assert member_client.get("/survey/").status_code == 302  # the open session ends
    assert "Wrong e-mail or password" in login(app.test_client(), "member@sofia.example").text
    reply = client.post(
        f"/team/{member.id}/restore", data={"csrf_token": token}, follow_redirects=True
    )
    assert "can log in again" in reply.text
    assert login(app.test_client(), "member@sofia.example").status_code == 302


def test_cli_user_create_with_invitation(dmat, team, client):
    result = dmat(
        "user",
        "create",
        "--email",
        "cli@sofia.example",
        "--role",
        "respondent",
        "--city",
        "Sofia",
        "--invite",
    )
    assert result.exit_code == 0, result.output
    link = result.output.strip().splitlines()[-1]
    assert link.startswith("http://127.0.0.1:5000/invitation/")
    path = link.removeprefix("http://127.0.0.1:5000")
    assert client.get(path).status_code == 200
    result = dmat(
        "user",
        "create",
        "--email",
        "x@sofia.example",
        "--role",
        "respondent",
        "--city",
        "Sofia",
        "--invite",
        "--password",
        "long enough password",
    )
    assert result.exit_code == 1 and "either --password or --invite" in result.output
    result = dmat(
        "user",
        "create",
        "--email",
        "typed@dmat.example",
        "--role",
        "coordinator",
        input="long enough password\nlong enough password\n",
    )
    assert result.exit_code == 0 and "created" in result.output
    assert login(client, "typed@dmat.example", "long enough password").status_code == 302


def test_language_is_remembered_on_the_user(client, team):
    login(client, "member@sofia.example")
    client.post(
        "/language",
        data={"language": "bg", "csrf_token": csrf_token(client, "/survey/"), "next": "/survey/"},
    )
    client.post("/logout", data={"csrf_token": csrf_token(client, "/survey/")})
    fresh = client.application.test_client()
    login(fresh, "member@sofia.example")
    assert "Въпросник" in fresh.get("/survey/").text
    # chosen before logging in: carried into the session and saved on a user without one
    other = client.application.test_client()
    other.post("/language", data={"language": "bg", "csrf_token": csrf_token(other), "next": "/"})
    login(other, "leader@sofia.example")
    db.session.expire_all()
    assert team["leader"].language == "bg"


def test_login_attempts_on_one_account_are_limited(client, make_user):
    make_user("target@dmat.example", Role.COORDINATOR)
    for _ in range(5):
        assert login(client, "target@dmat.example", "wrong password").status_code == 200
    locked = login(client, "target@dmat.example", "wrong password")
    assert locked.status_code == 429
    assert "Too many attempts. Please wait a minute, then try again." in locked.get_data(
        as_text=True
    )
    assert int(locked.headers["Retry-After"]) > 0
    # even the right password waits: the lockout is for the account, not for wrong guesses
    assert login(client, "target@dmat.example").status_code == 429
    # another account from the same address is not locked out
    make_user("other@dmat.example", Role.COORDINATOR)
    assert login(client, "other@dmat.example").status_code == 302


def test_a_new_secret_key_ends_sessions_unless_the_old_one_is_kept_as_a_fallback(app, team):
    client = app.test_client()
    login(client, "member@sofia.example")
    assert client.get("/survey/").status_code == 200
    old_key = app.secret_key
    try:
        app.config["SECRET_KEY_FALLBACKS"] = [old_key]
        app.secret_key = "a new secret key"
        assert client.get("/survey/").status_code == 200  # signed with the fallback key
        app.config["SECRET_KEY_FALLBACKS"] = []
        assert client.get("/survey/").status_code == 302  # the old key is retired
    finally:
        app.secret_key = old_key
        app.config["SECRET_KEY_FALLBACKS"] = []


def test_a_remembered_session_cookie_is_still_checked_for_its_text_and_age(app, team):
    """The session interface remembers cookies it verified: a forged signature on the same
    data is still refused, and a remembered session still expires."""
    client = app.test_client()
    login(client, "member@sofia.example")
    assert client.get("/survey/").status_code == 200  # verified, remembered
    genuine = client.get_cookie("session").value
    data, _, signature = genuine.rpartition(".")
    forged = data + "." + ("A" if signature[0] != "A" else "B") + signature[1:]
    client.set_cookie("session", forged)
    assert client.get("/survey/").status_code == 302
    client.set_cookie("session", genuine)
    assert client.get("/survey/").status_code == 200
    lifetime = app.permanent_session_lifetime
    try:
        app.permanent_session_lifetime = timedelta(seconds=-1)  # every session is too old
        assert client.get("/survey/").status_code == 302
    finally:
        app.permanent_session_lifetime = lifetime


def test_only_sessions_of_plain_values_are_remembered(app):
    """A request may change a list in its session in place; such a session is decoded anew."""
    interface = app.session_interface
    serializer = interface.get_signing_serializer(app)
    plain = serializer.dumps({"_user_id": "7", "_fresh": True})
    with_list = serializer.dumps({"_user_id": "7", "_flashes": [["info", "Saved"]]})
    for cookie in (plain, with_list):
        with app.test_request_context(headers={"Cookie": f"session={cookie}"}) as context:
            opened = interface.open_session(app, context.request)
        assert opened["_user_id"] == "7"
    with app.test_request_context(headers={"Cookie": f"session={with_list}"}) as context:
        interface.open_session(app, context.request)["_flashes"].append(["info", "Again"])
    with app.test_request_context(headers={"Cookie": f"session={with_list}"}) as context:
        assert interface.open_session(app, context.request)["_flashes"] == [["info", "Saved"]]


EVIL = "http://evil.example"


def test_links_start_with_the_base_url_whatever_the_host_header(client, team, mail):
    """A request sent with ``Host: evil.example`` still gets (and mails) links to the site."""
    page = client.get("/password/forgot", base_url=EVIL)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text).group(1)
    reply = client.post(
        "/password/forgot",
        base_url=EVIL,
        data={"csrf_token": token, "email": "member@sofia.example"},
        headers={"X-Forwarded-Host": "evil.example"},
    )
    reply.close()
    (message,) = mail
    links = re.findall(r"https?://\S+", message.get_content())
    assert links and all(link.startswith(BASE + "/password/reset/") for link in links)
    path = links[0].removeprefix(BASE)
    assert client.get(path).status_code == 200

    mail.clear()
    page = client.get("/login", base_url=EVIL)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text).group(1)
    client.post(
        "/login",
        base_url=EVIL,
        data={"csrf_token": token, "email": "leader@sofia.example", "password": PASSWORD},
    )
    team_page = client.get("/team", base_url=EVIL)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', team_page.text).group(1)
    reply = client.post(
        f"/team/{team['member'].id}/reset-link", base_url=EVIL, data={"csrf_token": token}
    )
    assert "evil.example" not in reply.text and link_in(reply).startswith("/password/reset/")
    (message,) = mail
    assert BASE + link_in(reply) in message.get_content()


def test_the_base_url_is_checked_and_may_carry_a_path(app, monkeypatch):
    from assessment.auth.tokens import link_for
    from config import checked_base_url

    assert checked_base_url(" https://dmat.example.org/ ") == "https://dmat.example.org"
    for bad in ("", "dmat.example.org", "ftp://dmat.example.org", "https://", "https://a/?x=1"):
        with pytest.raises(RuntimeError, match="DMAT_BASE_URL"):
            checked_base_url(bad)
    monkeypatch.setitem(app.config, "BASE_URL", "https://οργανισμός.example/dmat")
    with app.test_request_context(base_url=EVIL):
        link = link_for(TokenPurpose.INVITATION, "abc")
    host = "οργανισμός.example".encode("idna").decode()  # a mail client's safe form of the name
    assert link == f"https://{host}/dmat/invitation/abc"


def test_an_admin_makes_a_password_link_for_a_leader_and_its_use_ends_the_sessions(
    app, client, team, mail, make_user
):
    """The admin's user page makes the link leaders and coordinators get theirs from: mailed
    and shown, from BASE_URL whatever the Host header; used, it ends the leader's sessions."""
    leader = team["leader"]
    make_user("admin@dmat.example", Role.ADMIN)
    leader_browser = app.test_client()
    login(leader_browser, "leader@sofia.example")
    page = client.get("/login", base_url=EVIL)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text).group(1)
    client.post(
        "/login",
        base_url=EVIL,
        data={"csrf_token": token, "email": "admin@dmat.example", "password": PASSWORD},
    )
    edit = client.get(f"/admin/users/{leader.id}", base_url=EVIL)
    assert "New password link" in edit.text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', edit.text).group(1)
    reply = client.post(f"/admin/users/{leader.id}/link", base_url=EVIL, data={"csrf_token": token})
    assert reply.status_code == 200 and "evil.example" not in reply.text
    path = link_in(reply)
    assert path.startswith("/password/reset/")
    (message,) = mail
    assert message["To"] == "leader@sofia.example" and BASE + path in message.get_content()

    owner = app.test_client()
    token = csrf_token(owner, path)
    reply = owner.post(
        path, data={"csrf_token": token, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert reply.status_code == 302
    assert leader_browser.get("/team").status_code == 302  # the open session has ended
    assert login(app.test_client(), "leader@sofia.example", NEW_PASSWORD).status_code == 302


def test_admin_links_invite_accounts_without_a_password_and_respect_who_manages_whom(
    app, client, team, make_user
):
    from assessment.admin.operations import create_user

    admin = make_user("admin@dmat.example", Role.ADMIN)
    fresh = create_user("new.coordinator@dmat.example", "coordinator", name="Ιωάννα")
    db.session.commit()
    login(client, "coordinator@dmat.example")
    token = csrf_token(client, f"/admin/users/{team['leader'].id}")
    assert (
        client.post(f"/admin/users/{admin.id}/link", data={"csrf_token": token}).status_code == 403
    )
    assert (
        client.post(f"/admin/users/{fresh.id}/link", data={"csrf_token": token}).status_code == 403
    )
    reply = client.post(f"/admin/users/{team['member'].id}/link", data={"csrf_token": token})
    assert link_in(reply).startswith("/password/reset/")
    assert client.post(f"/admin/users/{team['member'].id}/link").status_code == 400  # no token

    admin_client = app.test_client()
    login(admin_client, "admin@dmat.example")
    token = csrf_token(admin_client, f"/admin/users/{fresh.id}")
    reply = admin_client.post(f"/admin/users/{fresh.id}/link", data={"csrf_token": token})
    assert "Invitation for new.coordinator@dmat.example" in reply.text
    path = link_in(reply)
    assert path.startswith("/invitation/") and app.test_client().get(path).status_code == 200
