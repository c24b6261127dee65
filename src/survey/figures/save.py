"""Saving figures: SVG and PNG files with fixed metadata, so that equal figures give equal bytes.

:func:`save_figure`, the only function of :mod:`survey.figures` that writes files, saves a
figure as SVG and 200-dpi PNG, atomically, without the metadata that changes between runs (date,
software version) and with SVG ids from a fixed hash salt, prefixed with the file stem so that
several SVGs can be inlined in one HTML page; the SVG gets ``role="img"`` and, with alt text, a
``<title>``. Label text stays text: matplotlib escapes ``&``, ``<`` and ``>``, and characters
XML cannot hold (control characters in a label) are left out. The house style
(:mod:`survey.figures.style`) is applied while saving, so fonts and hash salt are the same
whatever the global ``matplotlib.rcParams`` are.

This module does not draw charts, write alt text or decide where a report keeps its figures.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from survey.figures.style import PNG_DPI, _style
from survey.io import atomic_output
from survey.safe_text import xml_text

__all__ = ["FigureFiles", "save_figure"]


@dataclass(frozen=True)
class FigureFiles:
    """The files :func:`save_figure` wrote.

    Parameters
    ----------
    svg
        The SVG document without XML declaration, ready to inline in HTML: ids prefixed with the
        file stem, ``role="img"`` and, when alt text was given, a ``<title>``.
    svg_path
        Where the SVG file is.
    png_path
        Where the PNG file (200 dpi) is.
    """

    svg: str
    svg_path: Path
    png_path: Path


def _slug(name: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9_-]+", "-", name).strip("-")
    return f"fig-{slug or 'figure'}"


def _finish_svg(raw: str, prefix: str, alt: str | None) -> str:
    """The SVG element only, ids prefixed, with role, title and a scoped style sheet."""
    start = raw.index("<svg")
    # matplotlib escapes &, < and > in labels but copies control characters, which XML cannot
    # hold: a label with one would make the file unreadable (and the report refuse it)
    svg = xml_text(raw[start:])
    ids = set(re.findall(r'\bid="([^"]+)"', svg))

    def rename(match: re.Match[str]) -> str:
        name = match.group(2)
        return f"{match.group(1)}{prefix}-{name}" if name in ids else match.group(0)

    svg = re.sub(r'(\bid=")([^"]+)', rename, svg)
    svg = re.sub(r"(url\(#)([^)]+)", rename, svg)
    svg = re.sub(r'(href="#)([^"]+)', rename, svg)
    # matplotlib's style sheet sets "*{...}"; inlined in HTML it would apply to the whole page
    svg = svg.replace("*{stroke-linejoin", f"#{prefix} *{{stroke-linejoin", 1)
    attributes = f'<svg id="{prefix}" role="img"'
    if alt:
        attributes += f' aria-labelledby="{prefix}-title"'
    svg = svg.replace("<svg", attributes, 1)
    if alt:
        end = svg.index(">") + 1
        title = f'\n <title id="{prefix}-title">{escape(xml_text(alt))}</title>'
        svg = svg[:end] + title + svg[end:]
    return svg


def save_figure(fig: Figure, stem: Path, *, alt: str | None = None) -> FigureFiles:
    """Write a figure to ``<stem>.svg`` and ``<stem>.png`` (200 dpi), byte-identical between runs.

    The only function of :mod:`survey.figures` that writes files. Both files are written atomically (a
    temporary file in the same folder, then renamed). The figure keeps its own size (16 cm wide
    from the chart functions; no tight bounding box, which would change it). To make equal
    figures give equal bytes the metadata that changes (date, software version) is left out and
    the SVG ids are derived from a fixed hash salt; they are then prefixed with the file stem, so
    that several SVGs inlined in one HTML page do not share ids. The SVG has ``role="img"`` and,
    with ``alt``, a ``<title>`` holding it.

    Parameters
    ----------
    fig
        The figure, e.g. ``ax.figure`` of a chart function's Axes.
    stem
        Path of the files without suffix; the folder is created when missing.
    alt
        Optional text alternative (see :func:`alt_text`), put in the SVG's ``<title>``.

    Returns
    -------
    FigureFiles
        The SVG text (for inlining in HTML) and both paths.

    Examples
    --------
    >>> import tempfile
    >>> import pandas as pd
    >>> from survey.figures import share_bars
    >>> ax = share_bars(pd.DataFrame({"level": ["Ja"], "estimate": [0.5],
    ...                               "ci_low": [0.4], "ci_high": [0.6]}))
    >>> files = save_figure(ax.figure, Path(tempfile.mkdtemp()) / "shares", alt="Half says yes")
    >>> files.svg.startswith("<svg"), files.png_path.name
    (True, 'shares.png')
    """
    stem = Path(stem)
    svg_path = stem.with_name(f"{stem.name}.svg")
    png_path = stem.with_name(f"{stem.name}.png")
    if not isinstance(fig.canvas, FigureCanvasAgg):
        FigureCanvasAgg(fig)
    with _style():
        buffer = io.BytesIO()
        fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
        svg = _finish_svg(buffer.getvalue().decode("utf-8"), _slug(stem.name), alt)
        png = io.BytesIO()
        fig.savefig(png, format="png", dpi=PNG_DPI, metadata={"Software": None})
    with atomic_output(svg_path) as tmp:
        tmp.write_bytes(('<?xml version="1.0" encoding="utf-8"?>\n' + svg).encode("utf-8"))
    with atomic_output(png_path) as tmp:
        tmp.write_bytes(png.getvalue())
    return FigureFiles(svg=svg, svg_path=svg_path, png_path=png_path)
