"""``dmat questionnaire from-samm`` (and the questionnaire translations): published models and
languages as questionnaires."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

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


@click.group("translations")
def translations_group() -> None:
    """Add a language to a stored questionnaire (its texts only, no new version)."""


@translations_group.command("export")
@click.argument("label", metavar="KEY:VERSION")
@click.option("--lang", "language", required=True, help="The language to translate into, e.g. el.")
@click.option("-o", "--output", required=True, help="The XLSX file to write.")
@with_appcontext
def translations_export(label: str, language: str, output: str) -> None:
    """Write every text of a questionnaire, its original beside a column to fill in."""
    from assessment.admin.translation_files import translation_sheet
    from assessment.errors import DmatError
    from assessment.files import write_atomically
    from assessment.lookups import questionnaire_labelled

    from .translations import language_problem, texts

    questionnaire = questionnaire_labelled(label)
    problem = language_problem(language, questionnaire.languages)
    if problem is not None:
        raise DmatError(problem)
    write_atomically(Path(output), translation_sheet(questionnaire, language))
    count = sum(1 for _ in texts(questionnaire))
    click.echo(
        f"Wrote {output}: {count} texts of {questionnaire.label} to translate into {language}."
    )


@translations_group.command("import")
@click.argument("file")
@with_appcontext
def translations_import(file: str) -> None:
    """Add (or replace) the language of a filled-in translation sheet: every text, or nothing."""
    from assessment.admin.operations import add_translation
    from assessment.admin.translation_files import read_about, read_translation_sheet
    from assessment.cli import read_input_file
    from assessment.errors import DmatError
    from assessment.extensions import db
    from assessment.lookups import questionnaire_labelled

    from .translations import language_problem, source_language

    data = read_input_file(file)
    about = read_about(data, file)
    label, language = about.get("questionnaire", ""), about.get("language", "")
    if not label or not language:
        raise DmatError(f"{file}: the about sheet must name the questionnaire and the language")
    questionnaire = questionnaire_labelled(label)
    problem = language_problem(language, questionnaire.languages)
    if problem is not None:
        raise DmatError(problem)
    source = source_language(questionnaire.languages)
    rows = read_translation_sheet(data, file, source, language)
    count = add_translation(questionnaire, language, rows, file)
    db.session.commit()
    click.echo(
        f"Questionnaire {questionnaire.label}: {count} texts in {language}; "
        f"languages {', '.join(questionnaire.languages)}."
    )
