"""``dmat token create``: an API token for a coordinator or admin, printed once."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from ..errors import NotFound
from ..extensions import db
from ..lookups import user_with_email
from .operations import create_token


@click.group("token", cls=AppGroup)
def token_group() -> None:
    """API tokens for scripts."""


@token_group.command("create")
@click.option("--email", required=True, help="The coordinator or admin the token acts as.")
@click.option("--name", required=True, help="What the token is for, e.g. 'nightly export'.")
def token_create(email: str, name: str) -> None:
    """Create a token and print it (it is stored only as a hash: copy it now)."""
    user = user_with_email(email)
    if user is None:
        raise NotFound(f"no user with e-mail {email}")
    _token, plain = create_token(user, name)
    db.session.commit()
    click.echo(plain)
