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


LISTED_PROBLEMS = 20  # a file with 400,000 bad lines is reported by its first 20 and a count


def listed_problems(problems: list[str], limit: int = LISTED_PROBLEMS) -> tuple[list[str], int]:
    """The problems to list (the first ``limit``) and how many more there are.

    The command line and the web pages list problems through this, so that a file with any
    number of bad lines gives an answer of a readable size.
    """
    return problems[:limit], max(0, len(problems) - limit)


class FileRefused(DmatError):
    """A file of which nothing was stored, because of the problems it lists (one per line)."""

    def __init__(self, filename: str, problems: list[str]) -> None:
        count = f"{len(problems)} problem{'' if len(problems) == 1 else 's'}"
        super().__init__(f"{filename}: {count}; nothing was imported", problems)
