"""The database connection pool: noticing a connection the server dropped, and forked workers.

A PostgreSQL connection that waited in the pool may have been closed by the server meanwhile (a
restart, a terminated backend, an idle timeout). SQLAlchemy's ``pool_pre_ping`` finds out by
sending ``SELECT 1`` on every checkout: a round trip before every request's first statement,
which for the autosave was a third of its round trips. A server that ends a connection tells
the client so (an error message, then the end of the stream), so the same cases show without a
round trip: at checkout the connection's socket must have nothing to read. If it has, the pool
replaces the connection before the request uses it, as the pre-ping would.
"""

from __future__ import annotations

import select

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError

from .extensions import db


def server_has_hung_up(dbapi_connection) -> bool:
    """True when an idle psycopg connection is closed, or its server has sent something since
    the last reply: an idle connection is only ever sent the notice that it is being ended."""
    if dbapi_connection.closed or dbapi_connection.broken:
        return True
    poller = select.poll()
    poller.register(dbapi_connection.fileno(), select.POLLIN | select.POLLPRI)
    return bool(poller.poll(0))


def _refuse_hung_up(dbapi_connection, _record, _proxy) -> None:
    if server_has_hung_up(dbapi_connection):
        raise DisconnectionError("the database server closed this connection while it was idle")


def notice_dropped_connections(engine: Engine) -> None:
    """On a database server (not a SQLite file), check each connection's socket at checkout;
    a pool given a dropped connection discards it and hands out another."""
    if engine.dialect.name == "postgresql":
        event.listen(engine, "checkout", _refuse_hung_up)


def forget_inherited_connections(app: Flask) -> None:
    """In a process forked from one that already used the database: drop the pooled connections
    it inherited without closing them, since they belong to the parent (SQLAlchemy's advice for
    forking servers). An app without a database (the benchmarks' bare "hello") has none."""
    if "sqlalchemy" not in app.extensions:
        return
    with app.app_context():
        for engine in db.engines.values():
            engine.dispose(close=False)
