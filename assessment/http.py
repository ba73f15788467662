"""Flask's request class and signed-cookie session, without work every request repeated.

Every request of the app goes through these, and every respondent's page autosaves every few
seconds, so per-request costs add up. Checks stay with the libraries: itsdangerous verifies
every session cookie and Flask-WTF every CSRF token, on every request.
"""

from __future__ import annotations

from flask import Flask, Request
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer

FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})


class AppRequest(Request):
    @property
    def want_form_data_parsed(self) -> bool:
        """Only a form post has form data. A JSON body is not run through the form parser,
        whose answer for it is empty anyway, when the CSRF check looks for a form token."""
        return self.mimetype in FORM_TYPES


class SignedCookieSessions(SecureCookieSessionInterface):
    """Flask's signed session cookie, whose signing serializer is built once per secret key
    instead of on every request. Every cookie is still verified by itsdangerous, every time."""

    def __init__(self) -> None:
        self._serializers: dict[tuple, URLSafeTimedSerializer | None] = {}

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        keys = (app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        if keys not in self._serializers:
            self._serializers[keys] = super().get_signing_serializer(app)
        return self._serializers[keys]
