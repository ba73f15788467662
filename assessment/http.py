"""Flask's request class and signed-cookie session, without work every request repeated.

Every request of the app goes through these, and every respondent's page autosaves every few
seconds, so per-request costs add up (docs/decisions.md, "Autosave is the hot path").
"""

from __future__ import annotations

import hmac
import time

from flask import Flask, Request, current_app, g, request, session
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from flask_wtf.csrf import CSRFProtect, same_origin
from itsdangerous import BadSignature, URLSafeTimedSerializer

FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})
# values a request cannot change in place: a session holding only these can be shared
_PLAIN_TYPES = frozenset({str, int, float, bool, type(None)})


class AppRequest(Request):
    @property
    def want_form_data_parsed(self) -> bool:
        """Only a form post has form data. A JSON body is not run through the form parser,
        whose answer for it is empty anyway, when the CSRF check looks for a form token."""
        return self.mimetype in FORM_TYPES


class SignedCookieSessions(SecureCookieSessionInterface):
    """Flask's signed session cookie, read the same way, with two savings.

    The signing serializer is built once per secret key instead of on every request. And a
    browser sends the same cookie with every request until its session changes, so a cookie
    whose signature has been checked is remembered by its exact text (any other text, such as
    a forged signature, is checked in full): its data is not verified and decoded again. Its
    age is still checked on every request. Only sessions of plain values are remembered, since
    a request may change a list or a dict in place.
    """

    remembered_limit = 4096  # cookies; the memory is emptied when full

    def __init__(self) -> None:
        self._serializers: dict[tuple, URLSafeTimedSerializer | None] = {}
        self._verified: dict[tuple, tuple[dict, int]] = {}

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        keys = (app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        if keys not in self._serializers:
            self._serializers[keys] = super().get_signing_serializer(app)
        return self._serializers[keys]

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        cookie = request.cookies.get(self.get_cookie_name(app))
        if not cookie:
            return self.session_class()
        max_age = int(app.permanent_session_lifetime.total_seconds())
        remembered = self._verified.get((serializer, cookie))
        if remembered is not None:
            data, signed_at = remembered
            if 0 <= int(time.time()) - signed_at <= max_age:  # as itsdangerous counts the age
                return self.session_class(data)
        try:
            data, signed_at = serializer.loads(cookie, max_age=max_age, return_timestamp=True)
        except BadSignature:
            return self.session_class()
        if all(type(value) in _PLAIN_TYPES for value in data.values()):
            if len(self._verified) >= self.remembered_limit:
                self._verified.clear()
            self._verified[(serializer, cookie)] = (data, int(signed_at.timestamp()))
        return self.session_class(data)


class RememberingCSRFProtect(CSRFProtect):
    """Flask-WTF's CSRF protection, which remembers the tokens it has accepted.

    A page sends the same signed token with every autosave, and Flask-WTF verifies and decodes
    it again each time. Here a token that passed Flask-WTF's own check is remembered, by its
    exact text and the key that signed it, with the session value it decodes to. A request
    sending a remembered token is accepted without the signature being checked again when
    everything Flask-WTF checks holds: the method is one it protects, the session still holds
    that value, the token has no time limit (``WTF_CSRF_TIME_LIMIT`` is None) and, over HTTPS,
    the referrer is this host. Anything else, a refusal included, goes to Flask-WTF.
    """

    remembered_limit = 4096  # tokens; the memory is emptied when full

    def __init__(self, app=None) -> None:
        self._accepted: dict[tuple, str] = {}
        super().__init__(app)

    def _get_csrf_token(self):
        if not request.want_form_data_parsed:
            # not a form post: its form is empty, so only the headers can carry the token
            for header_name in current_app.config["WTF_CSRF_HEADERS"]:
                token = request.headers.get(header_name)
                if token:
                    return token
            return None
        return super()._get_csrf_token()

    def protect(self, apply_exemptions=False):
        config = current_app.config
        remembering = (
            config["WTF_CSRF_TIME_LIMIT"] is None and request.method in config["WTF_CSRF_METHODS"]
        )
        token = self._get_csrf_token() if remembering else None
        key = (config.get("WTF_CSRF_SECRET_KEY") or current_app.secret_key, token)
        accepted = self._accepted.get(key) if token else None
        if accepted is not None and self._accepted_again(accepted):
            g.csrf_valid = True
            return
        super().protect(apply_exemptions)
        if token and g.get("csrf_valid"):
            if len(self._accepted) >= self.remembered_limit:
                self._accepted.clear()
            self._accepted[key] = session[config["WTF_CSRF_FIELD_NAME"]]

    @staticmethod
    def _accepted_again(accepted: str) -> bool:
        config = current_app.config
        in_session = session.get(config["WTF_CSRF_FIELD_NAME"])
        if not isinstance(in_session, str) or not hmac.compare_digest(in_session, accepted):
            return False
        if request.is_secure and config["WTF_CSRF_SSL_STRICT"]:
            referrer = request.referrer
            return bool(referrer) and same_origin(referrer, f"https://{request.host}/")
        return True
