"""The report: HTML, PDF and CSV tables from a :class:`ReportContent` (the only HTML code).

:func:`write_report` writes the report of one language into one folder: ``report.<lang>.html``,
``report.<lang>.pdf``, ``tables.<lang>.xlsx`` (the table book) and ``tables/<lang>/<id>.csv``.
Everything is first made in a staging folder beside the output; only when all files are
complete are they moved into place (one atomic rename each), so a failure leaves the previous
report untouched and no half-written file behind. CSV files of tables that are no longer in the
report are removed, so the folder always matches the report.

Modules: :mod:`~survey.report.content` (the input dataclasses), :mod:`~survey.report.texts`
(fixed texts, ``text/<lang>.yaml``), :mod:`~survey.report.render` (HTML, number formatting,
the flags of published tables), :mod:`~survey.report.pdf` (WeasyPrint) and :mod:`~survey.report.export` (CSV).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path

from survey.io import atomic_output
from survey.report.content import (
    ColumnSpec,
    ReportContent,
    ReportFigure,
    ReportSection,
    ReportTable,
)
from survey.report.export import write_tables
from survey.report.pdf import write_pdf
from survey.report.render import format_cell, render_html
from survey.report.texts import load_text

__all__ = [
    "ColumnSpec",
    "ReportContent",
    "ReportFigure",
    "ReportSection",
    "ReportTable",
    "format_cell",
    "load_text",
    "render_html",
    "write_pdf",
    "write_report",
    "write_tables",
]


def write_report(
    content: ReportContent,
    out_dir: str | os.PathLike[str],
    pdf: bool = True,
    figures: str | os.PathLike[str] | None = None,
    cover: Sequence[tuple[str, str]] | None = None,
) -> dict[str, Path]:
    """Write the report of one language: HTML, PDF, CSV tables, XLSX table book, figures.

    Every file name carries the report's language, so that the reports in two languages live
    side by side and a run in one language leaves the other's files alone:
    ``report.<lang>.html``, ``report.<lang>.pdf``, ``tables.<lang>.xlsx``,
    ``tables/<lang>/<id>.csv`` and ``figures/<lang>/``.

    Parameters
    ----------
    content
        What the report shows.
    out_dir
        The output folder; created if missing.
    pdf
        Whether to write the PDF (skipping it saves a few seconds).
    figures
        A folder of finished figure files (SVG, PNG) to publish as ``figures/<lang>`` with the
        rest (figures of an earlier report that are not among them are removed).
    cover
        The (label, value) lines of the table book's cover sheet; None writes no table book.

    Returns
    -------
    dict
        ``{"html": ..., "pdf": ..., "tables": <folder>, "xlsx": ...}`` plus ``"table:<id>"``
        for each CSV.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    lang = content.lang
    html = render_html(content)
    staging = Path(tempfile.mkdtemp(prefix=".report-", dir=out))
    names = {
        "html": f"report.{lang}.html",
        "pdf": f"report.{lang}.pdf",
        "xlsx": f"tables.{lang}.xlsx",
    }
    try:
        (staging / names["html"]).write_text(html, encoding="utf-8", newline="\n")
        if pdf:
            write_pdf(html, staging / names["pdf"])
        if cover is not None:
            from survey.report.xlsx import write_xlsx

            write_xlsx(content, staging / names["xlsx"], cover)
        csvs = write_tables(content, staging / "tables")
        # Everything is complete: move it into place.
        result: dict[str, Path] = {}
        tables_dir = out / "tables" / lang
        tables_dir.mkdir(parents=True, exist_ok=True)
        for csv in csvs:
            final = tables_dir / csv.name
            _replace(csv, final)
            result[f"table:{csv.stem}"] = final
        keep = {csv.name for csv in csvs}
        for stale in sorted(tables_dir.glob("*.csv")):
            if stale.name not in keep:
                stale.unlink()
        if figures is not None:
            result["figures"] = _publish_folder(Path(figures), out / "figures" / lang)
        for key in ("pdf", "xlsx", "html"):  # the HTML, which links nothing, last
            if (staging / names[key]).exists():
                _replace(staging / names[key], out / names[key])
                result[key] = out / names[key]
        result["tables"] = tables_dir
        return dict(sorted(result.items()))
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _publish_folder(source: Path, target: Path) -> Path:
    """Move every file of ``source`` into ``target``; drop the files ``source`` does not have."""
    target.mkdir(parents=True, exist_ok=True)
    files = sorted(p for p in source.iterdir() if p.is_file()) if source.is_dir() else []
    for path in files:
        _replace(path, target / path.name)
    keep = {p.name for p in files}
    for stale in sorted(target.iterdir()):
        if stale.is_file() and stale.name not in keep and not stale.name.startswith("."):
            stale.unlink()
    return target


def _replace(source: Path, target: Path) -> None:
    """Move a finished file into place with the permissions of a newly created file."""
    with atomic_output(target) as tmp:
        os.replace(source, tmp)
