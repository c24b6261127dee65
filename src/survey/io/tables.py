"""Reading a study's CSV tables (population margins, population counts) strictly.

A study keeps small tables next to its SPSS exports: margins (``variable,level,target``) and
population counts by frame variables. :func:`read_table` reads one as text (every cell a string,
no value guessed as missing), refusing what cannot be a table: an unreadable or empty file, a
header without rows, a blank or repeated column name. The frame's index is each row's line number
in the file, so that every later message can name the line. :func:`table_rows` checks the rows
against a msgspec schema: an unknown column is an error with the closest known column, a missing
column is named, a cell of the wrong type names its line and column.

What the values mean (a target must be positive, a count column must exist) is the caller's.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any, TypeVar

import msgspec
import pandas as pd

from survey import strict
from survey.errors import InputError

__all__ = ["read_table", "table_rows"]

T = TypeVar("T")


def read_table(path: str | Path, what: str, hint: str) -> pd.DataFrame:
    """Read a CSV table as text; lines starting with ``#`` are comments.

    Parameters
    ----------
    path
        The CSV file.
    what
        What the table is, for messages (e.g. ``"margins file"``).
    hint
        What the columns should be (e.g. ``"write it as variable,level,target"``).

    Returns
    -------
    pandas.DataFrame
        Every cell as text (surrounding spaces kept out), indexed by line number in the file.

    Raises
    ------
    InputError
        The file is missing, a folder, not UTF-8 text or not CSV; it has no header, no rows,
        a blank or repeated column name, or a row with more cells than the header.

    Examples
    --------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "margins.csv"
    >>> _ = path.write_text("# made by hand\\nvariable,level,target\\nregion,Noord,300\\n")
    >>> read_table(path, "margins file", "variable,level,target")
      variable  level target
    3   region  Noord    300
    """
    source = Path(path)
    if not source.exists():
        raise InputError(f"{source}: {what} not found", "check the path in config/study.yaml")
    if source.is_dir():
        raise InputError(f"{source}: is a folder, not a {what}", "name the CSV file")
    try:
        text = source.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{source}: the {what} is not UTF-8 text ({exc.reason} at byte {exc.start})",
            "save it as CSV in UTF-8",
        ) from None
    lines = [
        (number, line)
        for number, line in enumerate(text.splitlines(), start=1)
        if line.strip() and not line.lstrip().startswith("#")
    ]
    if not lines:
        raise InputError(f"{source}: the {what} is empty (no header)", hint)
    try:
        rows = list(csv.reader(io.StringIO("\n".join(line for _, line in lines)), strict=True))
    except csv.Error as exc:
        raise InputError(f"{source}: the {what} is not valid CSV ({exc})", hint) from None
    header = [name.strip() for name in rows[0]]
    blank = [i + 1 for i, name in enumerate(header) if not name]
    if blank:
        raise InputError(f"{source}: column {blank[0]} of the {what} has no name", hint)
    repeated = sorted({name for name in header if header.count(name) > 1})
    if repeated:
        raise InputError(f"{source}: the {what} names column '{repeated[0]}' twice", hint)
    if len(rows) == 1:
        raise InputError(f"{source}: the {what} holds only its header, no rows", hint)
    for (number, _), row in zip(lines[1:], rows[1:], strict=True):
        if len(row) > len(header):
            raise InputError(
                f"{source}, line {number}: {len(row)} cells but the header names {len(header)} "
                f"columns ({', '.join(header)})",
                "quote a cell that holds a comma, or correct the line",
            )
    cells = [[cell.strip() for cell in row] + [""] * (len(header) - len(row)) for row in rows[1:]]
    return pd.DataFrame(cells, columns=header, index=[number for number, _ in lines[1:]], dtype=str)


def table_rows(frame: pd.DataFrame, schema: type[T], source: str | Path, hint: str) -> list[T]:
    """The rows of a table read by :func:`read_table`, checked against a schema.

    Parameters
    ----------
    frame
        The table (text cells, indexed by line number).
    schema
        A msgspec struct: one field per column; numbers are parsed from the text.
    source
        The file, for messages.
    hint
        What the columns should be.

    Returns
    -------
    list
        One struct per row.

    Raises
    ------
    InputError
        An unknown column (with the closest known column), a missing column, or a cell that is
        not of its column's type (its line, column and value).

    Examples
    --------
    >>> class Row(msgspec.Struct, forbid_unknown_fields=True):
    ...     level: str
    ...     target: float
    >>> frame = pd.DataFrame({"level": ["Noord"], "target": ["300"]}, index=[2])
    >>> table_rows(frame, Row, "margins.csv", "level,target")
    [Row(level='Noord', target=300.0)]
    """
    known = strict.fields(schema)  # type: ignore[arg-type]
    unknown = strict.unknown(frame.columns, known)
    if unknown:
        message = unknown[0].replace("unknown key", "unknown column")
        raise InputError(f"{source}: {message}", hint)
    required = [
        f.encode_name
        for f in msgspec.structs.fields(schema)  # type: ignore[arg-type]
        if f.required
    ]
    absent = [name for name in required if name not in frame.columns]
    if absent:
        raise InputError(
            f"{source}: column(s) {', '.join(absent)} missing (it has {', '.join(frame.columns)})",
            hint,
        )
    out = []
    for number, record in zip(frame.index, frame.to_dict("records"), strict=True):
        try:
            out.append(msgspec.convert(record, schema, strict=False))
        except msgspec.ValidationError:
            column, value = _bad_cell(record, known)
            raise InputError(
                f"{source}, line {number}: column '{column}' holds {value!r}, not "
                f"{_type_text(known[column])}",
                hint,
            ) from None
    return out


def _bad_cell(record: dict[str, Any], known: dict[str, Any]) -> tuple[str, Any]:
    for column, value in record.items():
        try:
            msgspec.convert(value, known[column], strict=False)
        except msgspec.ValidationError:
            return column, value
    raise AssertionError("a row that fails its schema has a failing cell")  # pragma: no cover


def _type_text(tp: Any) -> str:
    if tp in (float, int):
        return "a number" if tp is float else "a whole number"
    return f"of type {getattr(tp, '__name__', tp)}"
