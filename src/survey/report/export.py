"""Export every report table as a CSV file, exactly as published.

Each CSV starts with header notes: lines beginning with ``# `` that name the table and explain
every flag it uses (``[c]``, ``[u]``; read it with ``pandas.read_csv(path, comment="#")``; every
text field is quoted, so a ``#`` inside a label is safe, and so is a missing value, ``""``).
Then the columns the report shows, in the same order, but with raw, unrounded numbers
(proportions 0-1; a confidence interval as the two columns ``ci_low`` and ``ci_high``), the
identifiers of the rows (``id``, ``item``, ``term``; for the reproduction table also ``kind``,
``published`` and ``reproduced`` as the publication prints them), the other numeric columns of
the table (e.g. ``se``, ``n``, ``n_level``) and ``flag``, and last
``status`` (``[c]``, ``[u]`` or empty) and ``reason`` (``count``, ``base``, ``dominance``,
``tail``, ``secondary``, ``reliability``). The tables come out of disclosure control
(:func:`survey.disclosure.disclose`): a confidential value is an empty field. UTF-8,
comma-separated, ``.`` as decimal point; floats with up to 12 significant digits. A text field
that a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return) starts with a single quote (:func:`survey.safe_text.csv_cell`).
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pandas as pd

from survey.io import atomic_output
from survey.report.content import ReportContent, ReportTable
from survey.report.render import flag_notes
from survey.report.texts import load_text
from survey.safe_text import csv_frame

__all__ = ["header_notes", "table_frame", "write_tables"]

_EXTRA = (
    "id", "item", "term", "kind", "published", "reproduced",
    "estimate", "se", "ci_low", "ci_high", "n", "n_level", "flag",
)  # fmt: skip
_LAST = ("status", "reason")


def table_frame(table: ReportTable) -> pd.DataFrame:
    """The frame a table is exported as: shown columns, raw numbers, as published.

    Parameters
    ----------
    table
        A report table (its frame has passed disclosure control).

    Returns
    -------
    pandas.DataFrame
        The exported columns, ending with ``status`` and ``reason``.
    """
    frame = table.frame
    names: list[str] = []
    for col in table.columns:
        for name in col.source_columns:
            if name not in names:
                names.append(name)
    for name in _EXTRA:
        if name in frame.columns and name not in names:
            names.append(name)
    for name in frame.columns:
        if (
            name not in names
            and name not in _LAST
            and pd.api.types.is_numeric_dtype(frame[name])
            and not pd.api.types.is_bool_dtype(frame[name])
        ):
            names.append(str(name))
    names += [n for n in _LAST if n not in names]
    return frame[names].reset_index(drop=True)


def _twelve_digits(frame: pd.DataFrame) -> pd.DataFrame:
    """Floats rounded to 12 significant digits, still numbers (so the CSV leaves them unquoted)."""
    out = frame.copy()
    for name in out.columns:
        if pd.api.types.is_float_dtype(out[name]):
            out[name] = [None if pd.isna(v) else float(f"{v:.12g}") for v in out[name]]
    return out


def header_notes(table: ReportTable, content: ReportContent) -> list[str]:
    """The header notes of a table's CSV: its caption and the meaning of each flag it uses.

    Parameters
    ----------
    table
        The table.
    content
        The report (language, minimum cell count).

    Returns
    -------
    list of str
        Lines without the leading ``# ``.
    """
    text = load_text(content.lang)
    used = set(table.frame["status"].astype(str)) - {""}
    return [table.caption, *flag_notes(used, text, content.min_cell_count)]


def write_tables(content: ReportContent, folder: str | os.PathLike[str]) -> list[Path]:
    """Write every table of the report (body and appendices) as ``<folder>/<table id>.csv``.

    Parameters
    ----------
    content
        The report content.
    folder
        Where the CSV files go; created if missing.

    Returns
    -------
    list of pathlib.Path
        The files written, in the order of the tables in the report.
    """
    target = Path(folder)
    written = []
    for table in content.tables:
        path = target / f"{table.id}.csv"
        frame = csv_frame(_twelve_digits(table_frame(table)))
        notes = "".join(f"# {' '.join(line.split())}\n" for line in header_notes(table, content))
        with atomic_output(path) as tmp:
            Path(tmp).write_text(notes, encoding="utf-8")
            with open(tmp, "a", encoding="utf-8", newline="") as handle:
                frame.to_csv(handle, index=False, lineterminator="\n", quoting=csv.QUOTE_NONNUMERIC)
        written.append(path)
    return written
