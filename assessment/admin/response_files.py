"""Reading response files (CSV or XLSX) into rows, with the line number of each row.

The header is ``city,respondent,question,answer[,comment]``. Only the file's shape is checked
here; whether the cities, questions and answers make sense is checked by the import operation.
Every text cell is read through ``files.spreadsheet_text``, which undoes the apostrophe that
exports put before text a spreadsheet would run as a formula.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
import zlib
from dataclasses import dataclass

from ..errors import DmatError
from ..files import spreadsheet_cell, spreadsheet_text
from ..models import Round

COLUMNS = ("city", "respondent", "question", "answer")
OPTIONAL_COLUMNS = ("comment",)
MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_ROWS = 2_000_000
MAX_FIELD_CHARS = 4_000
# what openpyxl raises for an archive or sheet XML it cannot make sense of
UNREADABLE_XLSX = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    KeyError,
    IndexError,
    ValueError,
    TypeError,
    SyntaxError,  # xml.etree.ElementTree.ParseError
    OSError,
)


@dataclass(frozen=True)
class ResponseRow:
    line: int
    city: str
    respondent: str
    question: str
    answer: str
    comment: str | None


def read_response_file(data: bytes, filename: str) -> list[ResponseRow]:
    """Rows of a CSV or XLSX file; raises DmatError listing every malformed line."""
    return [
        ResponseRow(
            line,
            *(field.strip() for field in fields[:4]),
            fields[4].strip() if len(fields) > 4 and fields[4].strip() else None,
        )
        for line, fields in read_table(data, filename, COLUMNS, OPTIONAL_COLUMNS)
    ]


def read_table(
    data: bytes, filename: str, columns: tuple[str, ...], optional: tuple[str, ...] = ()
) -> list[tuple[int, list[str]]]:
    """``(line, fields)`` of each non-blank row of a CSV or XLSX file with the header
    ``columns[,optional]``; raises DmatError listing every malformed line. Other imports
    (agreed answers) read their files with it too."""
    if len(data) > MAX_FILE_BYTES:
        raise DmatError(f"{filename}: the file has {len(data)} bytes; at most {MAX_FILE_BYTES}")
    if not data.strip():
        raise DmatError(f"{filename}: the file is empty")
    if data[:4] == b"PK\x03\x04":
        records = _xlsx_records(data, filename)
    else:
        records = _csv_records(data, filename)
    return _rows(records, filename, columns, optional)


def _csv_records(data: bytes, filename: str):
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise DmatError(
            f"{filename}:{line}: not UTF-8 text (byte 0x{data[error.start]:02x}); "
            "save the file as UTF-8 CSV"
        ) from None
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise DmatError(f"{filename}:{line}: the file contains a NUL character")
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    line = 1
    try:
        for record in reader:
            yield line, [spreadsheet_text(field) for field in record]
            line = reader.line_num + 1
    except csv.Error as error:
        raise DmatError(f"{filename}:{line}: malformed CSV ({error})") from None


def _xlsx_records(data: bytes, filename: str):
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except UNREADABLE_XLSX as error:
        raise DmatError(f"{filename}: not a readable XLSX workbook ({error})") from None
    number = 0
    try:
        if not workbook.worksheets:  # e.g. the sheet's part is missing from the archive
            raise DmatError(f"{filename}: not a readable XLSX workbook (it has no worksheet)")
        rows = enumerate(workbook.worksheets[0].iter_rows(values_only=True), 1)
        while True:
            # the sheet's XML is read as it is iterated: a character XML forbids (a NUL, a lone
            # surrogate) or broken XML shows only when the parser reaches the row
            try:
                number, values = next(rows)
            except StopIteration:
                return
            except UNREADABLE_XLSX as error:
                raise DmatError(
                    f"{filename}:{number + 1}: not a readable XLSX workbook ({error})"
                ) from None
            yield number, ["" if value is None else _cell_text(value) for value in values]
    finally:
        workbook.close()


def _cell_text(value: object) -> str:
    if isinstance(value, str):
        return spreadsheet_text(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a level typed into a spreadsheet arrives as 3.0
    return str(value)


def _rows(
    records, filename: str, columns: tuple[str, ...], optional: tuple[str, ...]
) -> list[tuple[int, list[str]]]:
    records = iter(records)
    header_line, header = next(records, (1, []))
    names = [name.strip().lower() for name in header]
    while names and not names[-1]:
        names.pop()
    # the optional columns may be given in part, in order: city,indicator,value,source
    if names not in [list(columns + optional[:n]) for n in range(len(optional) + 1)]:
        raise DmatError(
            f"{filename}:{header_line}: the header must be "
            f"{','.join(columns)}[,{','.join(optional)}], not {','.join(names) or 'empty'}"
        )
    width = len(names)
    rows: list[tuple[int, list[str]]] = []
    problems: list[str] = []
    for line, record in records:
        while len(record) > width and not record[-1].strip():
            record = record[:-1]
        if not any(field.strip() for field in record):
            continue  # blank lines are allowed
        if len(rows) >= MAX_ROWS:
            raise DmatError(f"{filename}:{line}: more than {MAX_ROWS} rows")
        if len(record) < len(columns) or len(record) > width:
            problems.append(
                f"{filename}:{line}: expected {width} fields "
                f"({','.join(names)}), found {len(record)}"
            )
            continue
        if any(len(field) > MAX_FIELD_CHARS for field in record):
            problems.append(
                f"{filename}:{line}: a field is longer than {MAX_FIELD_CHARS} characters"
            )
            continue
        rows.append((line, record))
    if problems:
        raise DmatError(f"{filename}: {len(problems)} malformed line(s)", problems)
    return rows


EXAMPLE_RESPONDENT = "respondent@example.org"


def response_template(round_: Round, city: str) -> str:
    """A response file to fill in: the header, then one example line per question of the
    round's questionnaire, in order (the middle level as the answer), every cell inert."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow((*COLUMNS, *OPTIONAL_COLUMNS))
    for area in round_.questionnaire.areas:
        for question in area.questions:
            row = (city, EXAMPLE_RESPONDENT, question.key, str((question.level_count + 1) // 2), "")
            writer.writerow([spreadsheet_cell(value) for value in row])
    return out.getvalue()


def template_name(round_: Round) -> str:
    slug = re.sub(r"[^A-Za-z0-9]+", "-", round_.name).strip("-").lower() or "round"
    return f"dmat-{slug}-responses-template.csv"
