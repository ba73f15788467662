"""Security headers on every response.

The Content-Security-Policy allows scripts only from this site (no inline script: the pages pass
data in JSON blocks and data- attributes); styles may be inline because plotly.js writes style
elements for its charts.
"""

from __future__ import annotations

from flask import Flask, Response, jsonify, render_template, request
from flask_babel import lazy_gettext as _l

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


def _nul_field(value: object, name: str) -> str | None:
    """The name of the first field holding a NUL character, in a form value or JSON body."""
    if isinstance(value, str):
        return name if "\x00" in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            found = _nul_field(key, name) or _nul_field(item, str(key))
            if found:
                return found
    if isinstance(value, list):
        for item in value:
            found = _nul_field(item, name)
            if found:
                return found
    return None


def refuse_nul_characters():
    """No text with a NUL character reaches the database (PostgreSQL cannot even store one)."""
    fields = [*request.args.items(multi=True), *request.form.items(multi=True)]
    found = next((name for name, value in fields if _nul_field(value, name)), None)
    if found is None and request.is_json:
        found = _nul_field(request.get_json(silent=True), "body")
    if found is None:
        return None
    message = _l(
        "The field “%(field)s” contains a NUL character, which is not allowed.", field=found
    )
    if request.path.startswith("/api/"):
        from .api.views import error  # the API's own error shape, as its OpenAPI document says

        return error(400, str(message))
    if request.is_json:
        return jsonify({"ok": False, "code": "nul_character", "error": str(message)}), 400
    page = render_template("error.html", status=400, title=_l("Bad request"), message=message)
    return page, 400


def register_security_headers(app: Flask) -> None:
    app.before_request(refuse_nul_characters)

    strict_transport = app.config.get("SESSION_COOKIE_SECURE", False)

    @app.after_request
    def security_headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if strict_transport:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        return response
