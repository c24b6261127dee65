"""Write the report's tables as one XLSX table book, for analysts who reuse the numbers.

The workbook follows the UK Government Analysis Function guidance "Releasing statistics in
spreadsheets": a cover sheet (the title, then the facts the caller passes: source, synthetic or
real data, date, contact), a contents sheet with a link to every sheet, a notes sheet (the
shorthand [c] [u] [x] [z], the suppression rule and the notes of every table), then one sheet per
report table, in report order. Every sheet starts with its title in A1 and one line of help in
A2; the table itself (an Excel table without filters or fill) starts in A3, its header row
frozen. A data sheet reads back with
``pandas.read_excel(path, sheet_name=..., header=2, na_values=["[c]", "[x]", "[z]"])``.

Numbers are stored as numbers with a number format, never as text: a proportion as 0-1 with
``0%`` or ``0.0%``, a confidence interval as two columns (lower and upper bound), counts as
``#,##0``, p-values as ``0.000``. The tables come out of disclosure control
(:func:`survey.disclosure.disclose`): a value it blanked reads ``[c]`` in its cell, another
missing number ``[x]``, and each row's flag (``[c]``, ``[u]``) has a column of its own.

Text from the data (labels from SPSS files) is written as text cells, never as formulas; a text
that a spreadsheet would run as a formula when edited (:func:`survey.safe_text.csv_cell`) also
gets Excel's quote prefix, the mark Excel itself sets for a typed ``'=1+1``, so it stays text.
The language marks are removed (:func:`survey.report.content.plain`). The same content gives a
byte-identical file: xlsxwriter dates the zip members 1980-01-01 when writing in memory, and the
workbook's creation date is fixed.

This module does not decide what the tables hold (``survey.report.build``) or where the file
goes (the caller).
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd
import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from survey.disclosure import BLANKED
from survey.errors import InputError
from survey.format import MISSING
from survey.io import atomic_output
from survey.report.content import CI_KINDS, ColumnSpec, ReportContent, ReportTable, plain
from survey.report.render import flag_notes, format_cell, is_missing, python_scalar
from survey.report.texts import load_text
from survey.safe_text import csv_cell, xml_text

__all__ = ["write_xlsx"]

#: The creation date written into the workbook (a fixed one, so the file is reproducible).
_CREATED = datetime(2000, 1, 1)
#: Excel's limit on the length of a sheet name.
_SHEET_NAME_MAX = 31
#: Column widths (in characters) a data column is kept between.
_WIDTH_MIN, _WIDTH_MAX = 8, 60
#: The first rows of a sheet: title (A1), help line (A2), then the table's header row.
_HEADER_ROW = 2

#: The number format of each numeric column kind (a CI kind applies to both of its bounds).
_NUMBER_FORMATS = {
    "percent": "0%",
    "percent1": "0.0%",
    "number": "0.00",
    "number1": "0.0",
    "pvalue": "0.000",
    "count": "#,##0",
    "ci": "0%",
    "ci1": "0.0%",
    "ci_number": "0.00",
    "ci_count": "#,##0",
}
#: How one bound of a confidence interval reads (for the column width).
_BOUND_KIND = {"ci": "percent", "ci1": "percent1", "ci_number": "number", "ci_count": "count"}
#: The shorthand explained on the notes sheet, in this order.
_SHORTHAND = ("[c]", "[u]", "[x]", "[z]")
#: A whole number written as text, as a spreadsheet would read it back (no sign, no leading 0).
_INTEGER = re.compile(r"0|[1-9][0-9]{0,14}")


@dataclass(frozen=True)
class _Column:
    """One column of a data sheet: its header, the frame column it shows and how."""

    header: str
    source: str
    kind: str  # a COLUMN_KINDS kind, a bound's CI kind, or "status"


def _texts(lang: str) -> tuple[dict[str, Any], dict[str, str]]:
    """The report texts of ``lang`` and the workbook's own words (``xlsx:`` of the texts)."""
    text = load_text(lang)
    return text, {k: str(v) for k, v in dict(text["xlsx"]).items()}


def _scalar(value: Any) -> Any:
    """Numpy scalars as Python scalars, missing and non-finite values as None."""
    value = python_scalar(value)
    return None if is_missing(value) else value


def _number(value: Any, table: ReportTable, column: _Column) -> float | int:
    if isinstance(value, bool) or not isinstance(value, int | float):
        try:
            value = float(value)
        except (TypeError, ValueError):
            raise InputError(
                f"report table {table.id!r}: cell {value!r} of column {column.source!r} is not a "
                f"number but its column kind is {column.kind!r}",
                hint="give the column the kind 'text' or put numbers in it",
            ) from None
    return value


def _sheet_names(tables: Sequence[ReportTable], taken: Sequence[str]) -> list[str]:
    """A sheet name per table: its id, cut to 31 characters, unique (Excel ignores case)."""
    used = {name.lower() for name in taken}
    names = []
    for table in tables:
        name = table.id[:_SHEET_NAME_MAX]
        number = 1
        while name.lower() in used:
            number += 1
            suffix = f"_{number}"
            name = table.id[: _SHEET_NAME_MAX - len(suffix)] + suffix
        used.add(name.lower())
        names.append(name)
    return names


def _columns(table: ReportTable, text: Mapping[str, Any], own: Mapping[str, str]) -> list[_Column]:
    """The columns of a table's sheet: as the report shows them, a CI as two, then the flag."""
    specs = list(table.columns)
    shown = {name for spec in specs for name in spec.source_columns}
    frame = table.frame
    if "estimate" in frame.columns and "n" in frame.columns and "n" not in shown:
        # as the report does: every estimate with the number of respondents it rests on
        specs.append(ColumnSpec("n", str(text["report"]["n_column"]), "count"))
    columns = []
    for spec in specs:
        label = xml_text(plain(spec.label))
        if spec.kind in CI_KINDS:
            low, high = spec.source_columns
            columns.append(_Column(own["lower"].format(label=label), low, spec.kind))
            columns.append(_Column(own["upper"].format(label=label), high, spec.kind))
        else:
            columns.append(_Column(label, spec.name, spec.kind))
    if any(_scalar(v) for v in frame["status"]):  # no column that would stay empty
        columns.append(_Column(own["flag"], "status", "status"))
    return _unique_headers(columns)


def _integer_text(values: pd.Series) -> bool:
    """Whether a text column holds whole numbers only (years, codes without leading zeros)."""
    present = [v for v in (_scalar(v) for v in values) if v is not None]
    return bool(present) and all(isinstance(v, str) and _INTEGER.fullmatch(v) for v in present)


def _unique_headers(columns: list[_Column]) -> list[_Column]:
    """Headers made unique (an Excel table needs that, ignoring case): a repeat gets " (2)"."""
    seen: set[str] = set()
    out = []
    for column in columns:
        header, number = column.header, 1
        while header.lower() in seen:
            number += 1
            header = f"{column.header} ({number})"
        seen.add(header.lower())
        out.append(_Column(header, column.source, column.kind))
    return out


def _cell(
    record: Mapping[str, Any], column: _Column, table: ReportTable, lang: str, integers: bool
) -> Any:
    """The value of one data cell: a number, a text, or None for an empty cell.

    ``integers`` says the column is a text column of whole numbers, written as numbers.
    """
    value = _scalar(record[column.source])
    if integers and value is not None:
        return int(value)
    if column.kind == "status":
        return None if value is None else str(value) or None
    if column.kind in _NUMBER_FORMATS:
        if value is not None:
            return _number(value, table, column)
        suppressed = record["status"] == "[c]" and (
            column.source in BLANKED or column.source == "n"
        )
        return "[c]" if suppressed else MISSING
    if column.kind == "text" and isinstance(value, int | float) and not isinstance(value, bool):
        return value  # a number in a text column (a year, a code) stays a number
    if value is None and column.kind != "flag":
        return None
    return format_cell(value, column.kind, lang) or None


def _shown_width(value: Any, column: _Column, lang: str) -> int:
    """How many characters a cell takes on screen, for the column width."""
    if value is None:
        return 0
    if isinstance(value, str):
        return max(len(line) for line in value.splitlines() or [""])
    kind = _BOUND_KIND.get(column.kind, column.kind)
    return len(format_cell(value, kind if kind in _NUMBER_FORMATS else "number", lang))


def _width(header: str, widths: Sequence[int]) -> int:
    """A column width: the widest cell, the header on at most two lines, within limits."""
    longest_word = max((len(word) for word in header.split()), default=0)
    wanted = max([*widths, math.ceil(len(header) / 2), longest_word]) + 2
    return min(_WIDTH_MAX, max(_WIDTH_MIN, wanted))


class _Book:
    """The open workbook with its formats, and the writers of its kinds of cells."""

    def __init__(self, workbook: xlsxwriter.Workbook) -> None:
        self.workbook = workbook
        top = {"valign": "top"}
        self.title = workbook.add_format({"bold": True, "font_size": 15})
        self.bold = workbook.add_format({"bold": True, **top})
        self.header = workbook.add_format({"bold": True, "text_wrap": True, "bottom": 1, **top})
        self.text = workbook.add_format({"text_wrap": True, **top})
        self.quoted = workbook.add_format({"text_wrap": True, "quote_prefix": True, **top})
        self.link = workbook.add_format({"font_color": "#0563C1", "underline": 1, **top})
        self.shorthand = workbook.add_format({"align": "right", **top})
        self.numbers = {
            kind: workbook.add_format({"num_format": code, **top})
            for kind, code in _NUMBER_FORMATS.items()
        }
        self.general = workbook.add_format(top)

    def write_text(
        self, sheet: Worksheet, row: int, col: int, value: str, style: Format | None = None
    ) -> None:
        """A text cell: never a formula, XML-safe, quote-prefixed where it looks like one."""
        value = xml_text(plain(value))
        if csv_cell(value) != value:
            style = self.quoted
        sheet.write_string(row, col, value, style or self.text)

    def write_link(self, sheet: Worksheet, row: int, col: int, target: str) -> None:
        """A link to cell A1 of another sheet of the workbook, reading the sheet's name."""
        quoted = target.replace("'", "''")
        sheet.write_url(row, col, f"internal:'{quoted}'!A1", self.link, string=target)

    def write_value(self, sheet: Worksheet, row: int, col: int, value: Any, kind: str) -> None:
        """A data cell: a number with its column's format, a shorthand, a text, or nothing."""
        if value is None:
            sheet.write_blank(row, col, None, self.text)
        elif isinstance(value, str):
            if kind in _NUMBER_FORMATS:  # [c] or [x] in place of a number
                sheet.write_string(row, col, value, self.shorthand)
            else:
                self.write_text(sheet, row, col, value)
        else:
            sheet.write_number(row, col, value, self.numbers.get(kind, self.general))

    def add_table(
        self, sheet: Worksheet, name: str, headers: Sequence[str], rows: int, widths: Sequence[int]
    ) -> None:
        """Mark the block under a header row as an Excel table (no filter, no fill) and size it."""
        for col, (header, width) in enumerate(zip(headers, widths, strict=True)):
            sheet.set_column(col, col, _width(header, [width]))
        if rows == 0:  # an Excel table needs a data row; an empty one keeps a plain header
            for col, header in enumerate(headers):
                sheet.write_string(_HEADER_ROW, col, header, self.header)
            return
        options = {
            "name": name,
            "columns": [{"header": h, "header_format": self.header} for h in headers],
            "autofilter": False,
            "banded_rows": False,
            "style": None,
        }
        status = sheet.add_table(_HEADER_ROW, 0, _HEADER_ROW + rows, len(headers) - 1, options)
        if status != 0:  # xlsxwriter warns instead of raising; a table must not go missing
            raise InputError(
                f"cannot mark sheet {sheet.name!r} as a table (xlsxwriter refused {name!r})",
                hint="report this as a bug of survey.report.xlsx",
            )

    def sheet_head(self, sheet: Worksheet, title: str, help_line: str) -> None:
        self.write_text(sheet, 0, 0, title, self.title)
        self.write_text(sheet, 1, 0, help_line, self.general)


def _table_name(sheet: str) -> str:
    """An Excel table name from a sheet name: letters, digits and ``_`` only, never a cell.

    It ends in ``_table``, which the names of the contents and notes tables do not.
    """
    return "".join(c if c.isalnum() else "_" for c in sheet) + "_table"


def _write_cover(
    book: _Book, content: ReportContent, cover: Sequence[tuple[str, str]], text: Mapping[str, Any],
    name: str,
) -> None:  # fmt: skip
    sheet = book.workbook.add_worksheet(name)
    book.write_text(sheet, 0, 0, content.title, book.title)
    row = 1
    if content.synthetic:
        book.write_text(sheet, row, 0, str(text["report"]["synthetic_banner"]), book.bold)
        row += 1
    for label, value in cover:
        book.write_text(sheet, row, 0, label, book.bold)
        book.write_text(sheet, row, 1, value)
        row += 1
    sheet.set_column(0, 0, _width("", [len(plain(label)) for label, _ in cover] or [0]))
    sheet.set_column(1, 1, _WIDTH_MAX + 20)


def _write_contents(
    book: _Book, name: str, entries: Sequence[tuple[str, str]], own: Mapping[str, str]
) -> None:
    sheet = book.workbook.add_worksheet(name)
    book.sheet_head(sheet, name, own["one_table"])
    for row, (target, title) in enumerate(entries, start=_HEADER_ROW + 1):
        book.write_link(sheet, row, 0, target)
        book.write_text(sheet, row, 1, title)
    widths = [
        max(len(t) for t, _ in entries),
        min(_WIDTH_MAX + 20, max(len(c) for _, c in entries)),
    ]
    headers = [own["sheet"], own["table"]]
    book.add_table(sheet, "contents_list", headers, len(entries), widths)


def _write_notes(
    book: _Book, name: str, rows: Sequence[tuple[str, str | None, str]], own: Mapping[str, str]
) -> None:
    """The notes sheet; a row is (note, the sheet it applies to or None for all, text)."""
    sheet = book.workbook.add_worksheet(name)
    book.sheet_head(sheet, name, own["one_table"])
    for row, (note, target, note_text) in enumerate(rows, start=_HEADER_ROW + 1):
        book.write_text(sheet, row, 0, note)
        if target is None:
            book.write_text(sheet, row, 1, own["all_tables"])
        else:
            book.write_link(sheet, row, 1, target)
        book.write_text(sheet, row, 2, note_text)
    targets = [len(t or own["all_tables"]) for _, t, _ in rows]
    widths = [max(len(n) for n, _, _ in rows), max(targets), _WIDTH_MAX + 20]
    headers = [own["note_column"], own["applies_to"], own["text_column"]]
    book.add_table(sheet, "notes_list", headers, len(rows), widths)


def _write_table(
    book: _Book, name: str, title: str, help_line: str, table: ReportTable, lang: str,
    columns: Sequence[_Column],
) -> None:  # fmt: skip
    sheet = book.workbook.add_worksheet(name)
    book.sheet_head(sheet, title, help_line)
    widths = [0] * len(columns)
    frame = table.frame
    integers = [c.kind == "text" and _integer_text(frame[c.source]) for c in columns]
    records = frame.to_dict("records")
    for row, record in enumerate(records, start=_HEADER_ROW + 1):
        for col, column in enumerate(columns):
            value = _cell(record, column, table, lang, integers[col])
            book.write_value(sheet, row, col, value, column.kind)
            widths[col] = max(widths[col], _shown_width(value, column, lang))
    book.add_table(sheet, _table_name(name), [c.header for c in columns], len(records), widths)
    sheet.freeze_panes(_HEADER_ROW + 1, 0)


def _legend(content: ReportContent, text: Mapping[str, Any], own: Mapping[str, str]) -> list[str]:
    """The meaning of each shorthand, in the order of :data:`_SHORTHAND`, without the mark.

    The report's own notes on its flags (:func:`survey.report.render.flag_notes`) where it has
    them; ``[z]``, which the report does not use, from ``marks:``.
    """
    meanings = []
    for flag in _SHORTHAND:
        known = flag_notes([flag], text, content.min_cell_count)
        note = known[0] if known else str(text["marks"][flag])
        note = note.format(min_cell_count=content.min_cell_count)
        meanings.append(note.removeprefix(flag).strip())
    return meanings


def _notes(
    content: ReportContent,
    names: Sequence[str],
    text: Mapping[str, Any],
    own: Mapping[str, str],
    notes_name: str,
) -> tuple[list[tuple[str, str | None, str]], list[str]]:
    """The rows of the notes sheet, and the help line of each table's sheet.

    A row is (note, the sheet it applies to or None for all, text): the shorthand, the
    suppression rule as note 1, then each table's notes, numbered on through the workbook.
    """
    rows: list[tuple[str, str | None, str]] = [
        (flag, None, meaning)
        for flag, meaning in zip(_SHORTHAND, _legend(content, text, own), strict=True)
    ]
    rule = own["suppression"].format(min_cell_count=content.min_cell_count)
    rows.append((own["note"].format(number=1), None, rule))
    help_lines = []
    for table, name in zip(content.tables, names, strict=True):
        refs = []
        for note in table.notes:
            refs.append(own["note"].format(number=len(rows) - len(_SHORTHAND) + 1))
            rows.append((refs[-1], name, str(note)))
        line = f"{own['one_table']} {own['see_notes'].format(notes=notes_name)}"
        if refs:
            line += " " + own["table_notes"].format(notes=", ".join(refs))
        help_lines.append(line)
    return rows, help_lines


def write_xlsx(
    content: ReportContent,
    path: str | os.PathLike[str],
    cover: Sequence[tuple[str, str]],
) -> Path:
    """Write the report's tables as an XLSX table book (cover, contents, notes, one per table).

    Parameters
    ----------
    content
        The report content; its tables have passed disclosure control.
    path
        The file to write (``.xlsx``); its folder is created if missing, and the file is
        replaced only once it is complete.
    cover
        The facts for the cover sheet, below the title: ``(label, value)`` pairs in the
        report language (source, synthetic or real data, date, contact), one row each.

    Returns
    -------
    pathlib.Path
        The file written; byte-identical for the same content and cover.

    Examples
    --------
    >>> import tempfile, pandas as pd
    >>> from survey.report.content import ColumnSpec, ReportSection
    >>> frame = pd.DataFrame({"group": ["A"], "estimate": [0.25], "status": [""]})
    >>> table = ReportTable("shares", "Shares", frame, [ColumnSpec("estimate", "Share", "percent")])
    >>> content = ReportContent("Report", "en", False, [ReportSection("s", "S", tables=[table])])
    >>> out = write_xlsx(content, tempfile.mkdtemp() + "/tables.xlsx", [("Source", "a survey")])
    >>> out.name
    'tables.xlsx'
    """
    text, own = _texts(content.lang)
    cover_name = own["cover"]
    contents_name = str(text["report"]["toc"])
    notes_name = str(text["report"]["notes"])
    tables = content.tables
    names = _sheet_names(tables, [cover_name, contents_name, notes_name, "History"])
    titles = [
        f"{str(text['report']['table_stem']).format(number=i)} {plain(t.caption)}"
        for i, t in enumerate(tables, start=1)
    ]
    notes, help_lines = _notes(content, names, text, own, notes_name)
    target = Path(path)
    with atomic_output(target) as tmp:
        workbook = xlsxwriter.Workbook(
            str(tmp),
            {
                "in_memory": True,  # zip members dated 1980-01-01 (no temporary files' dates)
                "strings_to_formulas": False,
                "strings_to_numbers": False,
                "strings_to_urls": False,
            },
        )
        workbook.set_properties({"title": plain(content.title), "created": _CREATED})
        book = _Book(workbook)
        _write_cover(book, content, cover, text, cover_name)
        _write_contents(
            book,
            contents_name,
            [(notes_name, own["notes_about"]), *zip(names, titles, strict=True)],
            own,
        )
        _write_notes(book, notes_name, notes, own)
        for table, name, title, line in zip(tables, names, titles, help_lines, strict=True):
            columns = _columns(table, text, own)
            _write_table(book, name, title, line, table, content.lang, columns)
        workbook.close()
    return target
