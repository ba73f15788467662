"""Flask's request class and signed-cookie session, without work every request repeated.

Every request of the app goes through these, and every respondent's page autosaves every few
seconds, so per-request costs add up (docs/decisions.md, "Autosave is the hot path").
"""

from __future__ import annotations

import time

from flask import Flask, Request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
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
