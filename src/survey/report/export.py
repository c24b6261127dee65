"""Export every report table as a CSV file, with the same suppression as the report.

Each CSV holds the columns the report shows, in the same order, but with raw, unrounded
numbers (proportions 0-1; a confidence interval as the two columns ``ci_low`` and ``ci_high``),
then the other numeric columns of the table (e.g. ``se``, ``n``, ``n_level``) and ``flag``, and
last the boolean ``suppressed``. Suppressed cells are empty, by the same rule as the HTML
(:func:`survey.report.render.suppress_small_cells`). UTF-8, comma-separated, ``.`` as decimal
point, so any program reads it; floats are written with up to 12 significant digits.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from survey.io import atomic_output
from survey.report.content import ReportContent, ReportTable
from survey.report.render import suppress_small_cells

__all__ = ["table_frame", "write_tables"]

_EXTRA = ("estimate", "se", "ci_low", "ci_high", "n", "n_level", "flag")


def table_frame(table: ReportTable, min_count: int) -> pd.DataFrame:
    """The frame a table is exported as: shown columns, raw numbers, suppression applied.

    Parameters
    ----------
    table
        A report table.
    min_count
        The smallest count shown (:attr:`ReportContent.min_cell_count`).

    Returns
    -------
    pandas.DataFrame
        The exported columns, ending with ``suppressed``.
    """
    frame = suppress_small_cells(table.frame, min_count)
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
            and name != "suppressed"
            and pd.api.types.is_numeric_dtype(frame[name])
        ):
            names.append(str(name))
    names.append("suppressed")
    return frame[names].reset_index(drop=True)


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
        frame = table_frame(table, content.min_cell_count)
        with atomic_output(path) as tmp:
            frame.to_csv(
                tmp, index=False, encoding="utf-8", float_format="%.12g", lineterminator="\n"
            )
        written.append(path)
    return written
