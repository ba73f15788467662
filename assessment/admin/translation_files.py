"""Translation sheets: a questionnaire's texts to an XLSX file and a filled-in file back.

The first sheet, ``texts``, has the header ``key,<source language>,<language>``: every text of
the questionnaire (``questionnaires.translations.texts``) with its original beside a column to
fill in (the language's stored texts, when it has them already). The second, ``about``, names
the questionnaire and the language, so that the file alone says what it translates.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from questionnaires.translations import source_language, texts

from ..errors import DmatError
from ..files import spreadsheet_cell, spreadsheet_text
from ..models import Questionnaire
from .response_files import UNREADABLE_XLSX, read_table

ABOUT = "about"
TEXTS = "texts"
NOTE = (
    "Fill in the third column of the texts sheet, one translation per row; keep every "
    "placeholder ({...}, %(...)s) and web address as it is. Then: dmat questionnaire "
    "translations import FILE"
)


def translation_sheet(questionnaire: Questionnaire, language: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    source = source_language(questionnaire.languages)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = TEXTS
    sheet.append(["key", source, language])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for slot in texts(questionnaire):
        text = slot.text or {}
        sheet.append(
            [
                slot.key,
                spreadsheet_cell(text.get(source, "")),
                spreadsheet_cell(text.get(language, "")),
            ]
        )
    for column, width in (("A", 36), ("B", 70), ("C", 70)):
        sheet.column_dimensions[column].width = width
    for row in sheet.iter_rows(min_row=2, min_col=2, max_col=3):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "B2"
    about = workbook.create_sheet(ABOUT)
    for row in (
        ("questionnaire", questionnaire.label),
        ("language", language),
        ("source language", source),
        ("note", NOTE),
    ):
        about.append(list(row))
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


@dataclass(frozen=True)
class TranslationSheet:
    label: str
    language: str
    rows: list[tuple[str, str, str, str]]  # (where, key, source text, translation)


def read_about(data: bytes, filename: str) -> dict[str, str]:
    """The ``about`` sheet's ``name -> value`` rows."""
    from openpyxl import load_workbook

    if data[:4] != b"PK\x03\x04":
        raise DmatError(f"{filename}: not an XLSX workbook (export one with translations export)")
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except UNREADABLE_XLSX as error:
        raise DmatError(f"{filename}: not a readable XLSX workbook ({error})") from None
    try:
        if ABOUT not in workbook.sheetnames:
            raise DmatError(f"{filename}: no '{ABOUT}' sheet naming the questionnaire and language")
        about = {}
        for row in workbook[ABOUT].iter_rows(min_row=1, max_row=20, max_col=2, values_only=True):
            if row and isinstance(row[0], str):
                about[row[0].strip()] = spreadsheet_text(str(row[1] or "")).strip()
        return about
    except UNREADABLE_XLSX as error:
        raise DmatError(f"{filename}: not a readable XLSX workbook ({error})") from None
    finally:
        workbook.close()


def read_translation_sheet(data: bytes, filename: str, source: str, language: str) -> list:
    """The rows of the ``texts`` sheet as ``(where, key, source text, translation)``."""
    return [
        (f"{filename}:{line}", key.strip(), original, translation)
        for line, (key, original, translation) in read_table(
            data, filename, ("key", source.lower(), language.lower())
        )
    ]
