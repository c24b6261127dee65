"""Charts of survey results in the house style, their alt text, and the one function saving them.

Every chart function takes a tidy table as the study's analyses return it (proportions and
their confidence bounds 0-1), draws it on a :class:`matplotlib.axes.Axes` (a new 16 cm wide
figure when ``ax`` is None) and returns the Axes. The style is the same everywhere: the UK
Government Analysis Function colour-blind-safe categorical palette, groups told apart by marker
or hatching as well as by colour and named in a legend with those markers, DejaVu Sans at 8 pt
or more, and numbers in the format of the language (``lang="nl"``: "3,9%", ``"en"``: "3.9%"),
written by :mod:`survey.format` exactly as the report tables write them. ``synthetic=True``
marks a figure made from synthetic data with a visible note in its top right corner.
:func:`alt_text` writes the plain-text description of each kind of figure for its ``alt``
attribute, and :func:`save_figure`, the only function here that writes files, saves a figure as
SVG and 200-dpi PNG with fixed metadata and ids, so that equal figures give equal bytes.

The package has one module per concern: :mod:`~survey.figures.style` (palette, rc parameters,
the figures' words, text helpers), :mod:`~survey.figures.charts` (the chart functions),
:mod:`~survey.figures.layout` (measuring text and fitting labels: wrapping at word boundaries,
growing the figure so that no two texts overlap), :mod:`~survey.figures.alt_text` and
:mod:`~survey.figures.save`; everything public is re-exported here.

Only the Agg canvas is used (no pyplot, no global backend switch, no windows), and the global
``matplotlib.rcParams`` are never changed: the style is applied in a context around each call.

This package does not compute estimates, tests or weights (``survey.analysis``,
``survey.weighting``), decide which figures a report shows or write HTML (the report), and it
holds no survey constants: groups, items, measures, periods and labels all come from the tables.
"""

from __future__ import annotations

from survey.figures.alt_text import alt_text
from survey.figures.charts import (
    CHARTS,
    dot_plot,
    forest_plot,
    grouped_bars,
    share_bars,
    significance_mark,
    trend,
    weight_distribution,
)
from survey.figures.save import FigureFiles, save_figure
from survey.figures.style import FIGURE_WIDTH_CM, HATCHES, MARKERS, PALETTE, PNG_DPI
from survey.format import format_number, format_percent

__all__ = [
    "CHARTS",
    "FIGURE_WIDTH_CM",
    "HATCHES",
    "MARKERS",
    "PALETTE",
    "PNG_DPI",
    "FigureFiles",
    "alt_text",
    "dot_plot",
    "forest_plot",
    "format_number",
    "format_percent",
    "grouped_bars",
    "save_figure",
    "share_bars",
    "significance_mark",
    "trend",
    "weight_distribution",
]
