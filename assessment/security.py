"""Security headers on every response.

The Content-Security-Policy allows scripts only from this site (no inline script: the pages pass
data in JSON blocks and data- attributes); styles may be inline because plotly.js writes style
elements for its charts.
"""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_babel import lazy_gettext as _l

from .http import FORM_TYPES

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
SECURITY_HEADERS = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "same-origin"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
)


def unstorable(text: str) -> str | None:
    """What makes ``text`` impossible to store as text: ``"nul"`` for a NUL character (which
    PostgreSQL cannot hold), ``"surrogate"`` for a lone UTF-16 surrogate (which is not a
    character: no database driver can encode it), or None."""
    if "\x00" in text:
        return "nul"
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            return "surrogate"
    return None


def _unstorable_field(value: object, name: str) -> tuple[str, str] | None:
    """The first field holding text that cannot be stored, in a form value or JSON body, and
    what is wrong with it."""
    if isinstance(value, str):
        problem = unstorable(value)
        return (name, problem) if problem else None
    if isinstance(value, dict):
        for key, item in value.items():
            found = _unstorable_field(key, name) or _unstorable_field(item, str(key))
            if found:
                return found
    if isinstance(value, list):
        for item in value:
            found = _unstorable_field(item, name)
            if found:
                return found
    return None


def refuse_nul_characters():
    """No text with a NUL character (PostgreSQL cannot even store one) or a lone surrogate (a
    JSON ``"\\ud800"``, which no database can store) reaches the database.

    Runs before every request, so it parses only what the request has: a query string, a form
    or a JSON body. (Werkzeug decodes query strings and forms with replacement characters, so
    only JSON can carry a lone surrogate; every value is checked all the same.)"""
    fields = [
        *(request.args.items(multi=True) if request.query_string else ()),
        *(request.form.items(multi=True) if request.mimetype in FORM_TYPES else ()),
    ]
    found = next(
        ((name, problem) for name, value in fields if (problem := unstorable(value))), None
    )
    if found is None and request.is_json:
        found = _unstorable_field(request.get_json(silent=True), "body")
    if found is None:
        return None
    field, problem = found
    if problem == "nul":
        code = "nul_character"
        message = _l(
            "The field “%(field)s” contains a NUL character, which is not allowed.", field=field
        )
    else:
        code = "lone_surrogate"
        message = _l(
            "The field “%(field)s” contains an unpaired surrogate (an invalid character), "
            "which is not allowed.",
            field=field,
        )
    if request.path.startswith("/api/"):
        from .api.views import error  # the API's own error shape, as its OpenAPI document says

        return error(400, str(message))
    if request.is_json:
        return jsonify({"ok": False, "code": code, "error": str(message)}), 400
    page = render_template("error.html", status=400, title=_l("Bad request"), message=message)
    return page, 400


class SecurityHeaders:
    """WSGI middleware: every response gets each of ``headers`` unless the app set that header
    itself (the login pages send a stricter Referrer-Policy). At the WSGI level the headers are
    plain tuples appended to a list, which costs a fraction of going through the response
    object's header API on every request."""

    def __init__(self, wsgi_app, headers: tuple[tuple[str, str], ...]) -> None:
        self.wsgi_app = wsgi_app
        self.headers = tuple((name.lower(), (name, value)) for name, value in headers)

    def __call__(self, environ, start_response):
        def start_with_headers(status, response_headers, exc_info=None):
            present = {name.lower() for name, _ in response_headers}
            response_headers.extend(
                header for lower, header in self.headers if lower not in present
            )
            return start_response(status, response_headers, exc_info)

        return self.wsgi_app(environ, start_with_headers)


def register_security_headers(app: Flask) -> None:
    app.before_request(refuse_nul_characters)
    strict_transport = app.config.get("SESSION_COOKIE_SECURE", False)
    headers = SECURITY_HEADERS + (
        (("Strict-Transport-Security", "max-age=31536000; includeSubDomains"),)
        if strict_transport
        else ()
    )
    app.wsgi_app = SecurityHeaders(app.wsgi_app, headers)
