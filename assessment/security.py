"""Security headers on every response.

The Content-Security-Policy allows scripts only from this site (no inline script: the pages pass
data in JSON blocks and data- attributes); styles may be inline because plotly.js writes style
elements for its charts.
"""

from __future__ import annotations

import re

from flask import Flask, jsonify, render_template, request
from flask.json.provider import DefaultJSONProvider
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
    # Nothing the app answers may be kept by a browser or a proxy unless its view says so
    # (static files, plotly.js, the PDFs' "private, no-store"). Every response is tied to a
    # session: Flask-Login reads the session after every request, so Flask sends
    # "Vary: Cookie" on all of them, and a signed-in page, its JSON and downloads are private.
    ("Cache-Control", "no-store"),
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


MAX_JSON_DEPTH = 64  # the app's own JSON nests 3 deep; Python's parser recurses per level
# strings (even one left open) are skipped whole, so brackets inside them do not count
_JSON_TOKENS = {
    str: re.compile(r'"(?:[^"\\]+|\\.)*"?|[\[\]{}]', re.DOTALL),
    bytes: re.compile(rb'"(?:[^"\\]+|\\.)*"?|[\[\]{}]', re.DOTALL),
}


def json_too_deep(data: str | bytes) -> bool:
    """Whether JSON text nests arrays and objects deeper than ``MAX_JSON_DEPTH``. A body with
    fewer brackets than that cannot, and is let through after two counts; otherwise one
    regular-expression pass over it, linear in its length."""
    opening = ("[", "{") if isinstance(data, str) else (b"[", b"{")
    if data.count(opening[0]) + data.count(opening[1]) <= MAX_JSON_DEPTH:
        return False
    depth = 0
    for match in _JSON_TOKENS[type(data)].finditer(data):
        token = match.group()
        if token in opening:
            depth += 1
            if depth > MAX_JSON_DEPTH:
                return True
        elif len(token) == 1 and token not in ('"', b'"'):
            depth -= 1
    return False


class LimitedJSONProvider(DefaultJSONProvider):
    """Flask's JSON, refusing text nested deeper than ``MAX_JSON_DEPTH`` with a ValueError, as
    for any other invalid JSON (``request.get_json`` answers 400, or None when silent), instead
    of the RecursionError Python's parser raises a thousand levels down."""

    def loads(self, s: str | bytes, **kwargs):
        if json_too_deep(s):
            raise ValueError(f"JSON nested deeper than {MAX_JSON_DEPTH} levels")
        try:
            return super().loads(s, **kwargs)
        except RecursionError:
            raise ValueError("JSON nested too deeply") from None


def refuse_deep_json():
    """A JSON body nested deeper than ``MAX_JSON_DEPTH`` is refused with 400 on every route,
    before anything parses it."""
    if not request.is_json or not json_too_deep(request.get_data(cache=True)):
        return None
    message = _l("The JSON body is nested deeper than %(limit)d levels.", limit=MAX_JSON_DEPTH)
    if request.path.startswith("/api/"):
        from .api.views import error  # the API's own error shape, as its OpenAPI document says

        return error(400, str(message))
    return jsonify({"ok": False, "code": "bad_request", "error": str(message)}), 400


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
    app.json = LimitedJSONProvider(app)
    app.before_request(refuse_deep_json)
    app.before_request(refuse_nul_characters)
    strict_transport = app.config.get("SESSION_COOKIE_SECURE", False)
    headers = SECURITY_HEADERS + (
        (("Strict-Transport-Security", "max-age=31536000; includeSubDomains"),)
        if strict_transport
        else ()
    )
    app.wsgi_app = SecurityHeaders(app.wsgi_app, headers)
