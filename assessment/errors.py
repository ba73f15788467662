"""Errors the user can fix: shown as clear messages, never as a traceback."""

from __future__ import annotations


class DmatError(Exception):
    """Bad input or a request that cannot be carried out; the message says what and where.

    ``problems`` lists every individual problem (for example one per bad line of a file) when
    there is more than one to report.
    """

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.problems = problems or []


class NotFound(DmatError):
    """A named object (round, city, questionnaire, user) does not exist."""
