"""The ``dmat`` command: a Flask CLI group with the programme's commands.

Every command reports bad input as a clear error and exits non-zero without a traceback, and
commits only when everything it was asked to do succeeded.
"""

from __future__ import annotations

import contextlib
import functools
import json
import sys
from collections.abc import Callable
from pathlib import Path

import click
from flask import current_app
from flask.cli import FlaskGroup, NoAppException
from sqlalchemy.exc import ArgumentError, OperationalError, ProgrammingError

from questionnaires import BUNDLED_QUESTIONNAIRES, QuestionnaireError, load_questionnaire_file

from . import create_app
from .errors import DmatError, listed_problems
from .extensions import db
from .lookups import city_named, round_named


class DmatGroup(FlaskGroup):
    """Turns the errors a user can fix into a message and exit status 1, and rolls back."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (DmatError, QuestionnaireError) as error:
            _rollback()
            problems = error.problems
            message = getattr(error, "message", None) or (problems[0] if problems else str(error))
            if problems and problems != [message]:
                listed, more = listed_problems(problems)
                for problem in listed:
                    click.echo(problem, err=True)
                if more:
                    click.echo(f"and {more:,} more problem{'s' if more != 1 else ''}", err=True)
            raise click.ClickException(message) from None
        except (OperationalError, ProgrammingError) as error:
            _rollback()
            raise click.ClickException(database_problem(error)) from None


def _rollback() -> None:
    with contextlib.suppress(Exception):
        db.session.rollback()


#: SQLSTATEs of a schema that is missing or older than the code: undefined table, column.
NOT_MIGRATED = {"42P01", "42703"}


def database_problem(error: OperationalError | ProgrammingError) -> str:
    """One line for a database the command cannot use: not migrated yet, or not reachable."""
    reason = (str(error.orig) if error.orig else str(error)).strip().splitlines()[0]
    missing = getattr(error.orig, "sqlstate", None) in NOT_MIGRATED or reason.startswith(
        ("no such table", "no such column")
    )
    if missing:
        return f"the database is not ready ({reason}); run 'dmat init' first"
    return f"cannot use the database ({reason}); check DMAT_DATABASE_URL"


class AppRefused(NoAppException):
    """The app cannot be made as configured: one line and exit status 1, not a usage error.

    A ``NoAppException``, so that ``dmat --help`` still lists the commands after the line.
    """

    exit_code = 1

    def show(self, file=None) -> None:
        click.ClickException.show(self, file)


def load_app():
    """The app for a command; a configuration it refuses is one line, not a traceback."""
    try:
        return create_app()
    except ArgumentError as error:
        message = f"DMAT_DATABASE_URL is not a database URL dmat can use ({error})"
        raise AppRefused(message) from None
    except RuntimeError as error:  # create_app's refusal, e.g. production without a secret key
        raise AppRefused(str(error)) from None


cli = DmatGroup(
    create_app=load_app,
    help="dmat: digital maturity self-assessment for city governments.",
)


def committed(function: Callable) -> Callable:
    """Run a command's writes as one transaction."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        result = function(*args, **kwargs)
        db.session.commit()
        return result

    return wrapper


def read_input_file(path: str) -> bytes:
    file = Path(path)
    if not file.exists():
        raise DmatError(f"{path}: no such file")
    if file.is_dir():
        raise DmatError(f"{path}: is a directory, not a file")
    try:
        return file.read_bytes()
    except OSError as error:
        raise DmatError(f"{path}: cannot be read ({error.strerror})") from None


@cli.command("init")
def init_command() -> None:
    """Create or upgrade the database and import the bundled questionnaires."""
    from flask_migrate import upgrade

    from .admin.operations import import_questionnaire
    from .survey.operations import store_missing_scores

    upgrade(directory=current_app.extensions["migrate"].directory)
    states = []
    for path in BUNDLED_QUESTIONNAIRES:
        questionnaire, created = import_questionnaire(load_questionnaire_file(path))
        states.append(f"{questionnaire.label} {'imported' if created else 'already present'}")
    stored = store_missing_scores()  # submitted before scores were stored with them
    db.session.commit()
    click.echo(f"Database ready; questionnaires {', '.join(states)}.")
    if stored:
        click.echo(f"Stored the scores of {stored} submitted assessments.")


@cli.command("demo")
@click.option("--seed", default=2020, show_default=True, help="Seed of the generated answers.")
@click.option(
    "--cities",
    default=21,
    show_default=True,
    help="Number of cities (beyond the 21 capitals, numbered demo cities).",
)
@click.option("--respondents", type=int, help="Respondents per city (default: 3 to 8).")
@committed
def demo_command(seed: int, cities: int, respondents: int | None) -> None:
    """Load the demo programme: 21 capitals, two rounds, one login per role."""
    from .demo import DEMO_PASSWORD, demo_loaded, demo_logins, load_demo

    if demo_loaded():
        click.echo("The demo data is already loaded; nothing was changed.")
        logins = demo_logins()
    else:
        logins = load_demo(seed=seed, cities=cities, respondents=respondents)
        click.echo("Demo data ready.")
    click.echo(f"Log in with any of these (password for all: {DEMO_PASSWORD}):")
    for role, email in logins.items():
        click.echo(f"  {role:<12} {email}")


@cli.group("questionnaire")
def questionnaire_group() -> None:
    """Check and import questionnaire YAML files."""


@questionnaire_group.command("validate")
@click.argument("file")
def questionnaire_validate(file: str) -> None:
    """Check FILE; print every problem as file:line: message."""
    definition = load_questionnaire_file(file)
    questions = len(definition.questions)
    click.echo(
        f"{file}: valid questionnaire {definition.label}, {len(definition.areas)} areas, "
        f"{questions} questions, languages {', '.join(definition.languages)}"
    )


@questionnaire_group.command("import")
@click.argument("file")
@committed
def questionnaire_import(file: str) -> None:
    """Store the questionnaire in FILE (a version already stored identically is left as is)."""
    from .admin.operations import import_questionnaire

    questionnaire, created = import_questionnaire(load_questionnaire_file(file))
    state = "imported" if created else "already stored, unchanged"
    click.echo(f"Questionnaire {questionnaire.label} {state}.")


@cli.group("city")
def city_group() -> None:
    """Manage cities."""


@city_group.command("add")
@click.argument("name")
@click.option("--country", required=True, help="Two-letter ISO 3166 country code, e.g. BG.")
@committed
def city_add(name: str, country: str) -> None:
    """Add the city NAME."""
    from .admin.operations import add_city

    city = add_city(name, country)
    click.echo(f"City {city.name} ({city.country}) added.")


@cli.group("round")
def round_group() -> None:
    """Manage assessment rounds."""


@round_group.command("create")
@click.option("--name", required=True, help="The round's name, e.g. '2022 follow-up'.")
@click.option("--questionnaire", "label", required=True, help="KEY:VERSION of an imported one.")
@click.option("--opens", default=None, help="Opening date YYYY-MM-DD (UTC); default: now.")
@click.option("--closes", default=None, help="Closing date YYYY-MM-DD (UTC), its last day.")
@click.option(
    "--city",
    "cities",
    multiple=True,
    help="A taking-part city (repeat it); default: every city, cities added later too.",
)
@committed
def round_create(
    name: str, label: str, opens: str | None, closes: str | None, cities: tuple[str, ...]
) -> None:
    """Create an assessment round: open now, or from its opening date."""
    from .admin.round_operations import create_round
    from .columns import parse_day
    from .lookups import city_named
    from .rounds import RoundPhase

    days = {}
    for option, raw in (("--opens", opens), ("--closes", closes)):
        if raw is not None:
            days[option] = parse_day(raw)
            if days[option] is None:
                raise DmatError(f"{option} '{raw[:40]}' is not a date written YYYY-MM-DD")
    taking_part = [city_named(city) for city in cities] if cities else None
    round_ = create_round(
        name,
        label,
        opens_on=days.get("--opens"),
        closes_on=days.get("--closes"),
        cities=taking_part,
    )
    phase = round_.phase
    if phase is RoundPhase.PLANNED:
        state = f"it opens on {round_.opens_on.isoformat()}"
    elif phase is RoundPhase.CLOSED:
        state = f"it is closed (it closed on {round_.closes_on.isoformat()})"
    else:
        state = "it is open"
    if taking_part is None:
        click.echo(f"Round '{round_.name}' created with {round_.questionnaire.label}; {state}.")
    else:
        click.echo(
            f"Round '{round_.name}' created with {round_.questionnaire.label}; {state};"
            f" {len(round_.cities)} {'city takes' if len(round_.cities) == 1 else 'cities take'}"
            " part."
        )


@cli.group("responses")
def responses_group() -> None:
    """Import answers collected outside the app."""


@responses_group.command("import")
@click.option("--round", "round_name", required=True, help="The round's name.")
@click.argument("file")
@committed
def responses_import(round_name: str, file: str) -> None:
    """Import FILE (CSV or XLSX: city,respondent,question,answer[,comment[,evidence[,note]]])."""
    from .admin.operations import import_responses
    from .admin.response_files import read_response_file

    round_ = round_named(round_name)
    rows = read_response_file(read_input_file(file), file)
    summary = import_responses(round_, rows, file)
    click.echo(
        f"Imported {counted(summary.rows, 'answer')}"
        f" for {counted(summary.cities, 'city', 'cities')} into '{round_.name}':"
        f" {summary.answers_created} new, {summary.answers_updated} replaced;"
        f" {counted(summary.respondents_created, 'new respondent')}."
    )


def counted(number: int, singular: str, plural: str | None = None) -> str:
    """``1 answer``, ``2 answers``: English plurals for the command's messages."""
    return f"{number} {singular if number == 1 else plural or singular + 's'}"


@cli.group("agreed")
def agreed_group() -> None:
    """Import the agreed answers city teams settled on (DESIGN.md rule 9)."""


@agreed_group.command("import")
@click.option("--round", "round_name", required=True, help="The round's name.")
@click.argument("file")
@committed
def agreed_import(round_name: str, file: str) -> None:
    """Import FILE (CSV or XLSX: city,question,answer[,rationale[,evidence[,note]]]); all rows
    checked first."""
    from flask_babel import force_locale

    from .survey.agreed_import import import_agreed, read_agreed_file

    round_ = round_named(round_name)
    rows = read_agreed_file(read_input_file(file), file)
    with force_locale("en"):  # the command line speaks English, outside any request
        summary = import_agreed(round_, rows, file)
    click.echo(
        f"Imported {counted(summary.rows, 'agreed answer')} for "
        f"{counted(summary.cities, 'city', 'cities')} into "
        f"'{round_.name}': {summary.created} new, {summary.changed} replaced."
    )


@cli.command("scores")
@click.option("--round", "round_name", required=True, help="The round's name.")
@click.option("--city", "city_name", help="Only this city.")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["json", "csv"]),
    default="json",
    show_default=True,
)
def scores_command(round_name: str, city_name: str | None, output_format: str) -> None:
    """Print the scores of a round (DESIGN.md rules), one entry per city."""
    from .results import city_scores_json, round_scores

    round_ = round_named(round_name)
    city_ids = None
    if city_name is not None:
        city = city_named(city_name)
        city_ids = [city.id]
    rows = [city_scores_json(s, round_.name) for s in round_scores(round_, city_ids)]
    if city_name is not None and not rows:
        raise DmatError(f"{city.name} has no assessment in '{round_.name}'")
    if output_format == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=1))
    else:
        click.echo(scores_csv(rows), nl=False)


def scores_csv(rows: list[dict]) -> str:
    """One line per city and area (plus an ``overall`` line), unrounded like the JSON: the
    ``scores.csv`` of ``dmat export``, its text cells made inert for spreadsheets."""
    from .compare.exports import SCORE_COLUMNS, csv_text, score_rows

    return csv_text(SCORE_COLUMNS, score_rows(rows))


@cli.group("user")
def user_group() -> None:
    """Manage user accounts."""


@user_group.command("create")
@click.option("--email", required=True)
@click.option(
    "--role", required=True, type=click.Choice(["respondent", "leader", "coordinator", "admin"])
)
@click.option("--city", "city_name", help="The city of a respondent or leader.")
@click.option("--name", default="", help="The person's name.")
@click.option("--password", help="Asked for when not given (typed twice).")
@click.option(
    "--invite", is_flag=True, help="Print a single-use invitation link instead of a password."
)
@committed
def user_create(
    email: str, role: str, city_name: str | None, name: str, password: str | None, invite: bool
) -> None:
    """Add a user with a password, or with an invitation link to set one."""
    from .admin.operations import create_user

    if invite and password is not None:
        raise DmatError("give either --password or --invite, not both")
    if not invite and password is None:
        password = password_from_user()
    city = city_named(city_name) if city_name else None
    user = create_user(email, role, city, password=password, name=name)
    where = f" of {city.name}" if city else ""
    click.echo(f"User {user.email} ({user.role}{where}) created.")
    if invite:
        from .auth.tokens import issue_token, link_for
        from .models import TokenPurpose

        token = issue_token(user, TokenPurpose.INVITATION)
        days = current_app.config["INVITATION_DAYS"]
        click.echo(f"Invitation link (works once, for {days} days):")
        click.echo(link_for(TokenPurpose.INVITATION, token))


def password_from_user() -> str:
    """Typed twice, unseen, at a terminal; or the first line of standard input piped in."""
    if sys.stdin is not None and sys.stdin.isatty():
        return click.prompt("Password", hide_input=True, confirmation_prompt=True)
    line = sys.stdin.readline().rstrip("\r\n") if sys.stdin is not None else ""
    if not line:
        raise DmatError("no password given: type it at a terminal, pipe it in, or give --invite")
    return line


@cli.command("backup")
@click.argument("file")
def backup_command(file: str) -> None:
    """Write the whole database to FILE, a portable archive (SQLite <-> PostgreSQL)."""
    from .backup import write_backup

    counts = write_backup(file)
    click.echo(f"Backup written to {file}: {sum(counts.values())} rows in {len(counts)} tables.")


@cli.command("restore")
@click.argument("file")
@click.option("--replace", is_flag=True, help="Replace the data of a database that is not empty.")
@committed
def restore_command(file: str, replace: bool) -> None:
    """Load a backup archive into this database (upgraded to the same schema first)."""
    from flask_migrate import upgrade

    from .audit.operations import record
    from .backup import restore_backup

    upgrade(directory=current_app.extensions["migrate"].directory)
    counts = restore_backup(file, replace=replace)
    record("backup_restored", f"Backup {Path(file).name} restored ({sum(counts.values())} rows)")
    click.echo(f"Restored {sum(counts.values())} rows in {len(counts)} tables from {file}.")


from .api.commands import token_group  # noqa: E402  (commands of the feature packages)
from .compare.commands import export_command  # noqa: E402
from .indicators.commands import indicators_group  # noqa: E402
from .plan.commands import plan_command, targets_group  # noqa: E402

cli.add_command(export_command)
cli.add_command(token_group)
cli.add_command(indicators_group)
cli.add_command(plan_command)
cli.add_command(targets_group)

from questionnaires.commands import from_samm_command, translations_group  # noqa: E402

questionnaire_group.add_command(from_samm_command)
questionnaire_group.add_command(translations_group)


from reports.commands import report_command, reports_command  # noqa: E402  (needs ``cli``'s imports)

cli.add_command(report_command)
cli.add_command(reports_command)


def main() -> None:  # pragma: no cover - the console script entry point
    cli.main(prog_name="dmat")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
