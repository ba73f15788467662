"""Core statements compiled once per database and run on the database driver's own cursor.

For the autosave alone, the request every respondent sends every few seconds: SQLAlchemy's
execution layer (the compiled-cache lookup, bind and result processing per value, events,
result objects) costs more CPU than the statements themselves. A ``DriverStatement`` keeps the
statement written in SQLAlchemy Core, compiled by SQLAlchemy for the dialect in use, and sends
it on the cursor of the connection (and so inside the transaction) that the ORM session holds.
Values go through the column types' own processors, so what is stored and read back is exactly
what the ORM would store and read.
"""

from __future__ import annotations

import functools
import sqlite3
from collections import namedtuple
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, NamedTuple

from sqlalchemy.engine import Connection, Dialect, Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import PoolProxiedConnection
from sqlalchemy.sql import Executable


class _Compiled(NamedTuple):
    sql: str
    positional_names: tuple[str, ...] | None  # None: the driver takes named parameters
    bind_processors: dict[str, Callable[[Any], Any]]
    fixed_values: dict[str, Any]  # literal values written into the statement, such as name=""
    row_type: type  # a named tuple of the selected columns
    result_processors: tuple[Callable[[Any], Any] | None, ...]


class PooledConnection(NamedTuple):
    """A connection from the pool and its dialect, without SQLAlchemy's ``Connection`` around
    it: what ``autocommitting`` gives a ``DriverStatement`` to run on."""

    dialect: Dialect
    connection: PoolProxiedConnection


class DriverStatement:
    def __init__(self, statement: Executable) -> None:
        self.statement = statement

    @functools.cache  # noqa: B019  (statements live as long as the module; a few dialects)
    def _compiled(self, dialect: Dialect) -> _Compiled:
        compiled = self.statement.compile(dialect=dialect)
        if compiled.post_compile_params or compiled.literal_execute_params:
            # their SQL is only known with the values: write such a value as a literal column
            raise ValueError(f"{self.statement} has parameters rendered at execution time")
        bind_processors = {}
        fixed_values = {
            name: parameter.effective_value
            for name, parameter in compiled.binds.items()
            if not parameter.required
        }
        for name, parameter in compiled.binds.items():
            processor = parameter.type.dialect_impl(dialect).bind_processor(dialect)
            if processor is not None:
                bind_processors[name] = processor
        columns = getattr(self.statement, "selected_columns", ())
        return _Compiled(
            sql=str(compiled),
            positional_names=tuple(compiled.positiontup) if compiled.positional else None,
            bind_processors=bind_processors,
            fixed_values=fixed_values,
            # an unnamed column (an unlabelled function) gets a positional name such as _0
            row_type=namedtuple("Row", [str(column.key) for column in columns], rename=True),
            result_processors=tuple(
                column.type.dialect_impl(dialect).result_processor(dialect, None)
                for column in columns
            ),
        )

    def _execute(self, connection: Connection | PooledConnection, values: Mapping[str, Any]):
        dialect = connection.dialect
        compiled = self._compiled(dialect)
        processors = compiled.bind_processors
        if compiled.fixed_values:
            values = {**compiled.fixed_values, **values}
        bound = {
            name: processors[name](value) if name in processors else value
            for name, value in values.items()
        }
        parameters = (
            bound
            if compiled.positional_names is None
            else tuple(bound[name] for name in compiled.positional_names)
        )
        cursor = connection.connection.cursor()
        try:
            cursor.execute(compiled.sql, parameters)
        except dialect.loaded_dbapi.Error as error:
            # as SQLAlchemy would raise it: callers catch OperationalError, IntegrityError...
            gone = dialect.is_disconnect(error, connection.connection.dbapi_connection, cursor)
            cursor.close()
            raise DBAPIError.instance(
                compiled.sql,
                parameters,
                error,
                dialect.loaded_dbapi.Error,
                connection_invalidated=gone,
                dialect=dialect,
            ) from error
        return compiled, cursor

    def run(self, connection: Connection | PooledConnection, values: Mapping[str, Any]) -> int:
        """Execute a statement that returns no rows; the number of rows it changed."""
        _, cursor = self._execute(connection, values)
        changed = cursor.rowcount
        cursor.close()
        return changed

    def first(
        self, connection: Connection | PooledConnection, values: Mapping[str, Any]
    ) -> tuple | None:
        """The first row of a SELECT as a named tuple, or None."""
        compiled, cursor = self._execute(connection, values)
        row = cursor.fetchone()
        cursor.close()
        if row is None:
            return None
        return compiled.row_type(
            *(
                processor(value) if processor is not None else value
                for processor, value in zip(compiled.result_processors, row, strict=True)
            )
        )


@contextmanager
def autocommitting(engine: Engine) -> Iterator[PooledConnection]:
    """A connection from the pool on which the driver commits each statement on its own: no
    BEGIN or COMMIT is sent, and no lock or transaction is held between statements.

    Autocommit is set on the driver's connection directly: SQLAlchemy's own AUTOCOMMIT option
    would, on SQLite, run a PRAGMA each time the connection goes back to the pool, which costs
    more than the autosave's statements. A connection the server dropped meanwhile is discarded
    instead of going back to the pool.
    """
    pooled = engine.raw_connection()
    driver_connection = pooled.dbapi_connection
    # sqlite3 commits by itself when its isolation_level is None; psycopg when autocommit is on
    setting, on = (
        ("isolation_level", None)
        if isinstance(driver_connection, sqlite3.Connection)
        else ("autocommit", True)
    )
    before = getattr(driver_connection, setting)
    setattr(driver_connection, setting, on)
    try:
        yield PooledConnection(engine.dialect, pooled)
    except DBAPIError as error:
        if error.connection_invalidated:
            pooled.invalidate(error.orig)
        raise
    finally:
        if pooled.is_valid:
            setattr(driver_connection, setting, before)
        pooled.close()
