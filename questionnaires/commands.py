"""``dmat questionnaire from-samm`` (and the questionnaire translations): published models and
languages as questionnaires."""

from __future__ import annotations

from pathlib import Path

import click

from .loader import MAX_VERSION, load_questionnaire_text
from .samm import samm_questionnaire, samm_yaml


@click.command("from-samm")
@click.argument("folder")
@click.option("-o", "--output", required=True, help="The questionnaire YAML file to write.")
@click.option("--key", default="owasp-samm", show_default=True, help="The questionnaire's key.")
@click.option(
    "--version",
    type=click.IntRange(1, MAX_VERSION),
    default=1,
    show_default=True,
    help="The questionnaire's version.",
)
def from_samm_command(folder: str, output: str, key: str, version: int) -> None:
    """Write a questionnaire from an OWASP SAMM 2 model folder (its YAML files, as published)."""
    from assessment.files import write_atomically

    questionnaire = samm_questionnaire(folder, key, version)
    text = samm_yaml(questionnaire)
    definition = load_questionnaire_text(text, output)  # what is written validates
    write_atomically(Path(output), text.encode("utf-8"))
    click.echo(
        f"Wrote {output}: questionnaire {definition.label}, {len(definition.areas)} areas, "
        f"{len(definition.questions)} questions, {len(questionnaire['answer_sets'])} answer sets."
    )
