"""Structured logs: one JSON object per line, and one line per request with its timing.

JSON lines are what log collectors read without parsing rules; the request line carries what an
operator needs to find a slow or failing request (method, path, status, duration, user id).
"""

from __future__ import annotations

import json
import logging
import time
from datetime import UTC, datetime

from flask import Flask, g, request
from flask_login import current_user

logger = logging.getLogger("dmat.request")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update(getattr(record, "fields", {}))
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(app: Flask) -> None:
    level = app.config.get("LOG_LEVEL", "INFO")
    root = logging.getLogger("dmat")
    root.setLevel(level)
    if app.config.get("LOG_FORMAT") == "json" and not any(
        isinstance(h.formatter, JsonFormatter) for h in root.handlers
    ):
        handler = logging.StreamHandler()
        handler.setFormatter(JsonFormatter())
        root.addHandler(handler)
        root.propagate = False
    if app.config.get("LOG_REQUESTS"):
        app.before_request(_start_timer)
        app.after_request(_log_request)


def _start_timer() -> None:
    g.request_started = time.perf_counter()


def _log_request(response):
    started = g.get("request_started")
    duration = None if started is None else round((time.perf_counter() - started) * 1000, 2)
    user_id = current_user.id if current_user and current_user.is_authenticated else None
    logger.info(
        "%s %s %s",
        request.method,
        request.path,
        response.status_code,
        extra={
            "fields": {
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": duration,
                "user": user_id,
                "remote": request.remote_addr,
            }
        },
    )
    return response
