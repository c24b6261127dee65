"""The report: HTML, PDF and CSV tables from a :class:`ReportContent` (the only HTML code).

:func:`write_report` writes ``report.html``, ``report.pdf`` and ``tables/<id>.csv`` into one
folder. Everything is first made in a staging folder beside the output; only when all files are
complete are they moved into place (one atomic rename each), so a failure leaves the previous
report untouched and no half-written file behind. CSV files in ``tables/`` of tables that are no
longer in the report are removed, so the folder always matches the report.

Modules: :mod:`~survey.report.content` (the input dataclasses), :mod:`~survey.report.texts`
(fixed texts, ``text/<lang>.yaml``), :mod:`~survey.report.render` (HTML, number formatting,
the flags of published tables), :mod:`~survey.report.pdf` (WeasyPrint) and :mod:`~survey.report.export` (CSV).
"""

from __future__ import annotations

import os
import shutil
import tempfile
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
) -> dict[str, Path]:
    """Write the HTML report, its PDF and its tables as CSV.

    Parameters
    ----------
    content
        What the report shows.
    out_dir
        The output folder; created if missing.
    pdf
        Whether to write the PDF (skipping it saves a few seconds).
    figures
        A folder of finished figure files (SVG, PNG) to publish as ``<out_dir>/figures`` with
        the rest (figures of an earlier report that are not among them are removed).

    Returns
    -------
    dict
        ``{"html": ..., "pdf": ..., "tables": <folder>}`` plus ``"table:<id>"`` for each CSV.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    html = render_html(content)
    staging = Path(tempfile.mkdtemp(prefix=".report-", dir=out))
    try:
        (staging / "report.html").write_text(html, encoding="utf-8", newline="\n")
        if pdf:
            write_pdf(html, staging / "report.pdf")
        csvs = write_tables(content, staging / "tables")
        # Everything is complete: move it into place.
        result: dict[str, Path] = {}
        tables_dir = out / "tables"
        tables_dir.mkdir(exist_ok=True)
        for csv in csvs:
            final = tables_dir / csv.name
            _replace(csv, final)
            result[f"table:{csv.stem}"] = final
        keep = {csv.name for csv in csvs}
        for stale in sorted(tables_dir.glob("*.csv")):
            if stale.name not in keep:
                stale.unlink()
        if figures is not None:
            result["figures"] = _publish_folder(Path(figures), out / "figures")
        if pdf:
            _replace(staging / "report.pdf", out / "report.pdf")
            result["pdf"] = out / "report.pdf"
        _replace(staging / "report.html", out / "report.html")
        result["html"] = out / "report.html"
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
