"""Charts of the survey results, in the house style, and the one function that saves them.

Every chart function takes a tidy table as :mod:`survey.analysis.study` returns it (proportions
and their confidence bounds 0-1), draws it on a :class:`matplotlib.axes.Axes` (a new 16 cm wide
figure when ``ax`` is None) and returns the Axes. The style is the same everywhere: the UK
Government Analysis Function colour-blind-safe categorical palette, groups told apart by marker
or hatching as well as by colour and named in a legend with those markers, DejaVu Sans at 8 pt
or more, and numbers in the format of the language (``lang="nl"``: "3,9%", ``"en"``: "3.9%").
``synthetic=True`` marks a figure made from synthetic data with a visible note in its top right
corner. :func:`alt_text` writes the plain-text description of each kind of figure for its
``alt`` attribute, and :func:`save_figure`, the only function here that writes files, saves a
figure as SVG and 200-dpi PNG with fixed metadata and ids, so that equal figures give equal bytes.

Only the Agg canvas is used (no pyplot, no global backend switch, no windows), and the global
``matplotlib.rcParams`` are never changed: the style is applied in a context around each call.

This module does not compute estimates, tests or weights (``survey.analysis``,
``survey.weighting``), decide which figures a report shows or write HTML (the report), and it
holds no survey constants: groups, items, regions, years and labels all come from the tables.
"""

from __future__ import annotations

import contextlib
import functools
import io
import math
import re
import textwrap
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar, cast
from xml.sax.saxutils import escape

import matplotlib
import numpy as np
import pandas as pd
from cycler import cycler
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FixedLocator, FuncFormatter, MaxNLocator, NullLocator

from survey.ingest import atomic_output
from survey.weighting import kish_deff

__all__ = [
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
    "wea_trend",
    "weight_distribution",
]

#: UK Government Analysis Function categorical palette (colour-blind safe), in the order of use:
#: dark blue, turquoise, dark pink, orange, dark grey, light purple.
PALETTE: tuple[str, ...] = ("#12436D", "#28A197", "#801650", "#F46A25", "#3D3D3D", "#A285D1")
#: Markers of the groups, in the same order as the colours.
MARKERS: tuple[str, ...] = ("o", "s", "D", "^", "v", "P")
#: Bar hatching of the groups, in the same order as the colours.
HATCHES: tuple[str, ...] = ("", "///", "...", "xx", "\\\\\\", "++")
#: Line styles of the groups, in the same order as the colours.
_LINESTYLES: tuple[Any, ...] = ("-", "--", ":", "-.", (0, (5, 1)), (0, (1, 3)))

#: Width of every new figure: the text width of an A4 page.
FIGURE_WIDTH_CM = 16.0
#: Resolution of the PNG files.
PNG_DPI = 200

_CM = 1 / 2.54
_INK = "#0B0C0C"
_GREY = "#3D3D3D"
_LIGHT_GREY = "#BFC1C3"
_FONT_PT = 8.0
_WRAP = 38  # characters per line of a category label
_INTERCEPT_TERMS = frozenset({"(intercept)", "intercept", "const"})

#: The style every figure is drawn and saved in (never set globally).
_RC: dict[str, Any] = {
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans"],
    "font.size": 9.0,
    "axes.titlesize": 10.0,
    "axes.titlelocation": "left",
    "axes.labelsize": 9.0,
    "axes.labelcolor": _INK,
    "axes.edgecolor": _GREY,
    "axes.linewidth": 0.8,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.axisbelow": True,
    "axes.prop_cycle": cycler(color=list(PALETTE)),
    "axes.unicode_minus": True,
    "xtick.labelsize": _FONT_PT,
    "ytick.labelsize": _FONT_PT,
    "xtick.color": _GREY,
    "ytick.color": _GREY,
    "xtick.labelcolor": _INK,
    "ytick.labelcolor": _INK,
    "legend.fontsize": _FONT_PT,
    "legend.frameon": False,
    "text.color": _INK,
    "hatch.linewidth": 0.8,
    "figure.facecolor": "white",
    "savefig.facecolor": "white",
    "svg.fonttype": "none",  # text stays text: searchable, selectable, read by screen readers
    "svg.hashsalt": "survey.figures",  # fixed: clip-path and marker ids do not change per run
    "path.simplify": True,
}

#: The few words the figures need, per language; everything else comes from the tables.
_TEXT: dict[str, dict[str, str]] = {
    "nl": {
        "share": "Aandeel",
        "odds_ratio": "Oddsratio (logaritmische schaal)",
        "weight": "Gewicht (logaritmische schaal)",
        "synthetic": "Synthetische data",
        "deff": "Kish-design-effect",
        "sig_holm": "Verschil tussen de groepen (Holm-correctie): * p < 0,05; ** p < 0,01; "
        "*** p < 0,001",
        "sig_raw": "Verschil tussen de groepen (geen correctie): * p < 0,05; ** p < 0,01; "
        "*** p < 0,001",
        "box_note": "Doos: eerste tot derde kwartiel, streep: mediaan, snorren: kleinste en "
        "grootste gewicht",
        "and": "en",
        "in": "in",
        "largest_diff": "grootste verschil",
        "highest": "hoogste",
        "lowest": "laagste",
        "median": "mediaan",
        "from_to": "van {lo} tot {hi}",
        "ci": "betrouwbaarheidsinterval",
        "trend": "Lijndiagram per maatstaf",
        "bars": "Staafdiagram van {k} onderwerpen voor {groups}",
        "shares": "Staafdiagram van {k} categorieën",
        "dots": "Stippendiagram van {k} uitspraken voor {groups}",
        "forest": "Oddsratio's van {k} kenmerken",
        "weights": "Verdeling van de gewichten",
        "excludes_one": "bij {k} van de {n} kenmerken bevat het interval 1 niet",
    },
    "en": {
        "share": "Share",
        "odds_ratio": "Odds ratio (log scale)",
        "weight": "Weight (log scale)",
        "synthetic": "Synthetic data",
        "deff": "Kish design effect",
        "sig_holm": "Difference between the groups (Holm-adjusted): * p < 0.05; ** p < 0.01; "
        "*** p < 0.001",
        "sig_raw": "Difference between the groups (unadjusted): * p < 0.05; ** p < 0.01; "
        "*** p < 0.001",
        "box_note": "Box: first to third quartile, bar: median, whiskers: smallest and "
        "largest weight",
        "and": "and",
        "in": "in",
        "largest_diff": "largest difference",
        "highest": "highest",
        "lowest": "lowest",
        "median": "median",
        "from_to": "from {lo} to {hi}",
        "ci": "confidence interval",
        "trend": "Line chart per measure",
        "bars": "Bar chart of {k} items for {groups}",
        "shares": "Bar chart of {k} categories",
        "dots": "Dot plot of {k} statements for {groups}",
        "forest": "Odds ratios of {k} characteristics",
        "weights": "Distribution of the weights",
        "excludes_one": "for {k} of the {n} characteristics the interval excludes 1",
    },
}

_F = TypeVar("_F", bound=Callable[..., Any])


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


# --------------------------------------------------------------------------- number formatting


def format_number(value: float, lang: str = "nl", decimals: int = 1) -> str:
    """Format a number as the language writes it: decimal comma and thousands point in Dutch.

    Parameters
    ----------
    value
        The number.
    lang
        ``"nl"`` or ``"en"``.
    decimals
        Digits after the decimal separator.

    Returns
    -------
    str
        The number, with a true minus sign for negative values.

    Examples
    --------
    >>> format_number(1234.56, "nl"), format_number(1234.56, "en")
    ('1.234,6', '1,234.6')
    """
    _texts(lang)
    text = f"{value:,.{decimals}f}"
    if lang == "nl":
        text = text.translate(str.maketrans(",.", ".,"))
    return text.replace("-", "\u2212")


def format_percent(value: float, lang: str = "nl", decimals: int | None = None) -> str:
    """Format a proportion (0-1) as a percentage in the language's number format.

    Parameters
    ----------
    value
        The proportion.
    lang
        ``"nl"`` or ``"en"``.
    decimals
        Digits after the decimal separator; by default one below 10% (unless the value is a
        whole percentage) and none from 10% up, so that every label has about two digits.

    Returns
    -------
    str
        For example ``"26%"`` or ``"3,9%"`` (``"3.9%"`` in English).

    Examples
    --------
    >>> format_percent(0.039), format_percent(0.039, "en"), format_percent(0.263)
    ('3,9%', '3.9%', '26%')
    """
    pct = value * 100
    if decimals is None:
        decimals = 1 if abs(pct) < 10 and round(pct, 1) != round(pct) else 0
    return f"{format_number(pct, lang, decimals)}%"


def significance_mark(p: float) -> str:
    """The significance mark of a p-value: ``***`` below 0.001, ``**`` below 0.01, ``*`` below 0.05.

    Parameters
    ----------
    p
        The p-value (adjusted for multiple testing where that applies).

    Returns
    -------
    str
        The mark, or an empty string for p >= 0.05 or a missing p-value.

    Examples
    --------
    >>> significance_mark(0.004), significance_mark(0.2)
    ('**', '')
    """
    if p is None or not np.isfinite(p):
        return ""
    for bound, mark in ((0.001, "***"), (0.01, "**"), (0.05, "*")):
        if p < bound:
            return mark
    return ""


def _compact(value: float, lang: str) -> str:
    """A number with as few decimals as it needs (at most two): 0,5 / 2 / 1,25."""
    for decimals in (0, 1, 2):
        if abs(value - round(value, decimals)) < 1e-9 * max(1.0, abs(value)):
            return format_number(value, lang, decimals)
    return format_number(value, lang, 2)


def _count(n: float, lang: str) -> str:
    return format_number(float(n), lang, 0)


# --------------------------------------------------------------------------- shared helpers


def _texts(lang: str) -> dict[str, str]:
    try:
        return _TEXT[lang]
    except KeyError:
        raise ValueError(f"unknown language {lang!r}; use one of {sorted(_TEXT)}") from None


def _style() -> contextlib.AbstractContextManager[Any]:
    """The house style as an rc context (the keys are checked by matplotlib at run time)."""
    return matplotlib.rc_context(cast(Any, _RC))


def _styled(func: _F) -> _F:
    """Run a chart function inside the house style (the global rcParams stay as they are)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with _style():
            return func(*args, **kwargs)

    return cast(_F, wrapper)


def _require(table: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise ValueError(f"{what}: the table lacks the column(s) {', '.join(missing)}")
    if table.empty:
        raise ValueError(f"{what}: the table is empty")


def _axes(ax: Axes | None, height_cm: float) -> Axes:
    """The given Axes, or the Axes of a new 16 cm wide figure with constrained layout."""
    if ax is not None:
        return ax
    fig = Figure(figsize=(FIGURE_WIDTH_CM * _CM, max(height_cm, 5.0) * _CM), layout="constrained")
    FigureCanvasAgg(fig)
    return fig.add_subplot()


def _plain(text: object) -> str:
    """Text from the data as matplotlib must get it to show it literally (no mathtext)."""
    return str(text).replace("$", r"\$")


def _wrap(text: object, width: int = _WRAP) -> str:
    return "\n".join(textwrap.wrap(_plain(text), width)) or _plain(text)


def _ordered(values: pd.Series) -> list[Any]:
    """Distinct values in the order of the categorical, or of first appearance."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        present = set(values.dropna())
        return [c for c in values.cat.categories if c in present]
    return list(pd.unique(values.dropna()))


def _n_range(values: pd.Series, lang: str) -> str:
    n = pd.to_numeric(values, errors="coerce").dropna()
    if n.empty:
        return ""
    lo, hi = float(n.min()), float(n.max())
    return (
        f"n = {_count(lo, lang)}" if lo == hi else f"n = {_count(lo, lang)}\u2013{_count(hi, lang)}"
    )


def _group_label(group: object, rows: pd.DataFrame, lang: str) -> str:
    label = _plain(group)
    if "n" in rows.columns:
        n = _n_range(rows["n"], lang)
        if n:
            label = f"{label} ({n})"
    return label


def _percent_axis(ax: Axes, lang: str, which: str, upper: float) -> None:
    """Percent ticks (never above 100%) and limits from 0 to ``upper``."""
    axis = ax.xaxis if which == "x" else ax.yaxis
    axis.set_major_locator(MaxNLocator(nbins=5, steps=[1, 2, 2.5, 5, 10]))
    axis.set_major_formatter(
        FuncFormatter(lambda v, _pos: format_percent(v, lang) if -1e-9 <= v <= 1 + 1e-9 else "")
    )
    if which == "x":
        ax.set_xlim(0, upper)
    else:
        ax.set_ylim(0, upper)


def _upper(values: pd.Series, room: float = 1.18) -> float:
    top = float(np.nanmax(pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)))
    if not np.isfinite(top) or top <= 0:
        return 1.0
    return min(top, 1.0) * room if top < 1 else room


def _legend_top(ax: Axes, handles: Sequence[Any], labels: Sequence[str]) -> float:
    """A legend in one or two rows just above the plot; returns the title pad it needs (pt)."""
    columns = len(labels)
    if sum(len(label) + 6 for label in labels) > 80 and columns > 1:
        columns = math.ceil(columns / 2)
    rows = math.ceil(len(labels) / columns)
    # anchored at the right edge of the plot: long item labels leave room on the left, so the
    # legend grows into that room and never past the edge of the figure
    ax.legend(
        handles,
        labels,
        loc="lower right",
        bbox_to_anchor=(1.0, 1.0),
        ncols=columns,
        borderaxespad=0.3,
        borderpad=0.2,
        handlelength=1.8,
        columnspacing=1.5,
        frameon=False,
    )
    return 6.0 + 13.0 * rows


def _titles(ax: Axes, title: str | None, synthetic: bool, lang: str, pad: float = 6.0) -> None:
    """The title top left and, for synthetic data, a note top right."""
    if title:
        ax.set_title(_plain(title), loc="left", pad=pad)
    if synthetic:
        ax.set_title(
            _texts(lang)["synthetic"],
            loc="right",
            pad=pad,
            fontsize=_FONT_PT,
            fontstyle="italic",
            color=_GREY,
        )


def _note(ax: Axes, text: str) -> None:
    """A footnote below the x-axis label, from the left edge of the figure.

    Its height follows the label after layout, so it never overlaps it; starting at the figure's
    edge rather than the plot's, a long note does not squeeze the plot.
    """
    ax.annotate(
        text,
        xy=(0.0, 0.0),
        xycoords=("figure fraction", ax.xaxis.label),
        xytext=(4.0, -4.0),
        textcoords="offset points",
        ha="left",
        va="top",
        fontsize=_FONT_PT,
        color=_GREY,
    )


def _label_right(ax: Axes, y: float, text: str, offset: float = 6.0) -> None:
    """A text just right of the plot area at data height ``y``."""
    ax.annotate(
        text,
        xy=(1.0, y),
        xycoords=("axes fraction", "data"),
        xytext=(offset, 0.0),
        textcoords="offset points",
        ha="left",
        va="center",
        fontsize=_FONT_PT,
    )


def _whiskers(
    ax: Axes, x: np.ndarray, y: np.ndarray, low: np.ndarray, high: np.ndarray, vertical: bool
) -> None:
    """Confidence-interval whiskers with small caps, in ink colour."""
    est = x if not vertical else y
    err = np.vstack([np.clip(est - low, 0, None), np.clip(high - est, 0, None)])
    keep = np.isfinite(err).all(axis=0)
    if not keep.any():
        return
    kwargs: dict[str, Any] = {"xerr": err[:, keep]} if not vertical else {"yerr": err[:, keep]}
    ax.errorbar(
        x[keep], y[keep], fmt="none", ecolor=_INK, elinewidth=0.9, capsize=2.0, zorder=3, **kwargs
    )


def _spread(values: Sequence[float], gap: float) -> list[float]:
    """Move label positions apart to at least ``gap``, keeping their centre and order."""
    order = np.argsort(values, kind="stable")
    placed = [float(values[i]) for i in order]
    for _ in range(len(placed)):
        moved = False
        for i in range(1, len(placed)):
            short = gap - (placed[i] - placed[i - 1])
            if short > 1e-12:
                placed[i - 1] -= short / 2
                placed[i] += short / 2
                moved = True
        if not moved:
            break
    result = [0.0] * len(placed)
    for rank, i in enumerate(order):
        result[int(i)] = placed[rank]
    return result


def _numeric(table: pd.DataFrame, column: str) -> np.ndarray:
    return pd.to_numeric(table[column], errors="coerce").to_numpy(dtype=float)


# --------------------------------------------------------------------------- chart functions


@_styled
def wea_trend(
    table: pd.DataFrame, ax: Axes | None = None, lang: str = "nl", synthetic: bool = False
) -> Axes:
    """Trend of the WEA measures: one group of years per measure, a line per region.

    The measures stand side by side on one Axes, each with its own block of years (labelled
    below the year ticks); every region is a line with its own colour, marker and line style,
    named in the legend, with confidence-interval whiskers and the values written beside the
    points.

    Parameters
    ----------
    table
        Columns ``measure``, ``measure_label``, ``region``, ``year``, ``estimate``, ``ci_low``,
        ``ci_high`` and optionally ``n``; proportions 0-1. Measures and regions are drawn in the
        order of the table (or of their categories).
    ax
        Where to draw; a new figure 16 cm wide when None.
    lang
        ``"nl"`` or ``"en"``: number format and axis label.
    synthetic
        Mark the figure as made from synthetic data.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.

    Examples
    --------
    >>> table = pd.DataFrame({
    ...     "measure": ["m"] * 4, "measure_label": ["Measure"] * 4,
    ...     "region": ["A", "A", "B", "B"], "year": [2008, 2010] * 2,
    ...     "estimate": [0.2, 0.25, 0.18, 0.2], "ci_low": [0.15, 0.2, 0.16, 0.18],
    ...     "ci_high": [0.25, 0.3, 0.2, 0.22]})
    >>> ax = wea_trend(table, lang="en")
    >>> len(ax.get_legend().get_texts())
    2
    """
    _require(
        table,
        ["measure", "measure_label", "region", "year", "estimate", "ci_low", "ci_high"],
        "wea_trend",
    )
    words = _texts(lang)
    measures = _ordered(table["measure"])
    regions = _ordered(table["region"])
    years = sorted(pd.unique(table["year"].dropna()))
    ax = _axes(ax, 8.0)
    block = len(years) + 1
    dodge = 0.07
    offsets = {r: (j - (len(regions) - 1) / 2) * dodge for j, r in enumerate(regions)}
    upper = _upper(table["ci_high"], 1.15)
    handles: dict[Any, Line2D] = {}
    labels_at: dict[tuple[int, int], list[tuple[float, float, str]]] = {}
    for i, measure in enumerate(measures):
        for j, region in enumerate(regions):
            rows = table[(table["measure"] == measure) & (table["region"] == region)]
            rows = rows.sort_values("year")
            if rows.empty:
                continue
            year_index = np.array([years.index(y) for y in rows["year"]])
            x = i * block + year_index + offsets[region]
            est = _numeric(rows, "estimate")
            (line,) = ax.plot(
                x,
                est,
                color=PALETTE[j % len(PALETTE)],
                marker=MARKERS[j % len(MARKERS)],
                linestyle=_LINESTYLES[j % len(_LINESTYLES)],
                markersize=6,
                linewidth=1.5,
                zorder=4,
            )
            _whiskers(ax, x, est, _numeric(rows, "ci_low"), _numeric(rows, "ci_high"), True)
            handles.setdefault(region, line)
            for xi, yi, k in zip(x, est, year_index, strict=True):
                if np.isfinite(yi):
                    labels_at.setdefault((i, int(k)), []).append(
                        (float(xi), float(yi), format_percent(yi, lang))
                    )
    gap = upper * 0.055
    for (i, k), points in labels_at.items():
        left = k == 0 and len(years) > 1
        edge = i * block + k + (-1 if left else 1) * (max(offsets.values()) + 0.09)
        for (_x, _y, text), y in zip(points, _spread([p[1] for p in points], gap), strict=True):
            ax.text(edge, y, text, ha="right" if left else "left", va="center", fontsize=_FONT_PT)
    ax.set_xticks(
        [i * block + k for i in range(len(measures)) for k in range(len(years))],
        labels=[str(y) for _ in measures for y in years],
    )
    ax.set_xlim(-0.7, (len(measures) - 1) * block + len(years) - 1 + 0.7)
    measure_labels = [
        _wrap(table.loc[table["measure"] == m, "measure_label"].iloc[0], 36) for m in measures
    ]
    secondary = ax.secondary_xaxis(location=0)
    secondary.set_xticks(
        [i * block + (len(years) - 1) / 2 for i in range(len(measures))], labels=measure_labels
    )
    secondary.tick_params(length=0, pad=18, labelsize=_FONT_PT)
    secondary.spines["bottom"].set_visible(False)
    _percent_axis(ax, lang, "y", upper)
    ax.set_ylabel(words["share"])
    ax.grid(axis="y", color=_LIGHT_GREY, linewidth=0.5)
    shown = [r for r in regions if r in handles]
    pad = _legend_top(ax, [handles[r] for r in shown], [_plain(r) for r in shown])
    _titles(ax, None, synthetic, lang, pad)
    return ax


@_styled
def grouped_bars(
    table: pd.DataFrame,
    tests: pd.DataFrame | None = None,
    ax: Axes | None = None,
    lang: str = "nl",
    title: str | None = None,
    synthetic: bool = False,
) -> Axes:
    """Horizontal bars per item and group, with confidence intervals and significance marks.

    Items run from top to bottom in the order of the table; within an item each group has a bar
    of its own colour and hatching, named in the legend above the plot (with its number of
    respondents). The value is written after each bar. With ``tests``, the label of every item
    whose groups differ significantly gets a mark (``*`` p < 0.05, ``**`` p < 0.01, ``***``
    p < 0.001, on ``p_holm`` when the table has it, otherwise ``p_value``), explained in a note
    below the plot.

    Parameters
    ----------
    table
        Columns ``item``, ``item_label``, ``group``, ``estimate``, ``ci_low``, ``ci_high`` and
        optionally ``n``; proportions 0-1.
    tests
        Optional; columns ``item`` and ``p_holm`` or ``p_value``.
    ax
        Where to draw; a new figure 16 cm wide when None.
    lang
        ``"nl"`` or ``"en"``.
    title
        Optional title, top left.
    synthetic
        Mark the figure as made from synthetic data.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.

    Examples
    --------
    >>> table = pd.DataFrame({
    ...     "item": ["a", "a"], "item_label": ["Item A"] * 2, "group": ["G1", "G2"],
    ...     "estimate": [0.3, 0.1], "ci_low": [0.2, 0.05], "ci_high": [0.4, 0.15]})
    >>> ax = grouped_bars(table, pd.DataFrame({"item": ["a"], "p_holm": [0.004]}))
    >>> [t.get_text() for t in ax.get_yticklabels()]
    ['Item A **']
    """
    _require(
        table, ["item", "item_label", "group", "estimate", "ci_low", "ci_high"], "grouped_bars"
    )
    words = _texts(lang)
    items = _ordered(table["item"])
    groups = _ordered(table["group"])
    k = len(groups)
    ax = _axes(ax, 2.6 + len(items) * (0.42 * k + 0.3))
    height = 0.8 / k
    upper = _upper(table["ci_high"], 1.22)
    marks: dict[Any, str] = {}
    p_column = None
    if tests is not None:
        p_column = "p_holm" if "p_holm" in tests.columns else "p_value"
        _require(tests, ["item", p_column], "grouped_bars tests")
        for item, p in zip(tests["item"], _numeric(tests, p_column), strict=True):
            marks[item] = significance_mark(p)
    positions = np.arange(len(items))[::-1].astype(float)
    handles: list[Patch] = []
    labels: list[str] = []
    for j, group in enumerate(groups):
        rows = table[table["group"] == group].set_index("item").reindex(items)
        y = positions + ((k - 1) / 2 - j) * height
        est = _numeric(rows, "estimate")
        colour = PALETTE[j % len(PALETTE)]
        hatch = HATCHES[j % len(HATCHES)]
        bars = ax.barh(
            y,
            np.nan_to_num(est),
            height=height * 0.92,
            color=colour,
            edgecolor="white",
            linewidth=0.6,
            hatch=hatch,
            zorder=2,
        )
        _whiskers(ax, est, y, _numeric(rows, "ci_low"), _numeric(rows, "ci_high"), False)
        for yi, e, hi in zip(y, est, _numeric(rows, "ci_high"), strict=True):
            if np.isfinite(e):
                ax.annotate(
                    format_percent(e, lang),
                    xy=(max(e, hi) if np.isfinite(hi) else e, yi),
                    xytext=(3.0, 0.0),
                    textcoords="offset points",
                    ha="left",
                    va="center",
                    fontsize=_FONT_PT,
                )
        handles.append(Patch(facecolor=colour, edgecolor="white", hatch=hatch, label=_plain(group)))
        labels.append(_group_label(group, table[table["group"] == group], lang))
        bars.set_label(_plain(group))
    tick_labels = []
    for item in items:
        label = _wrap(table.loc[table["item"] == item, "item_label"].iloc[0])
        mark = marks.get(item, "")
        tick_labels.append(f"{label} {mark}" if mark else label)
    ax.set_yticks(positions, labels=tick_labels)
    ax.tick_params(axis="y", length=0)
    ax.set_ylim(-0.6, len(items) - 0.4)
    _percent_axis(ax, lang, "x", upper)
    ax.grid(axis="x", color=_LIGHT_GREY, linewidth=0.5)
    ax.set_xlabel(words["share"])
    pad = _legend_top(ax, handles, labels)
    _titles(ax, title, synthetic, lang, pad)
    if p_column is not None:
        _note(ax, words["sig_holm" if p_column == "p_holm" else "sig_raw"])
    return ax


@_styled
def share_bars(
    table: pd.DataFrame,
    ax: Axes | None = None,
    lang: str = "nl",
    title: str | None = None,
    synthetic: bool = False,
) -> Axes:
    """Horizontal bars of the shares of one group (motives, experience), values written beside.

    Parameters
    ----------
    table
        Columns ``level``, ``estimate``, ``ci_low``, ``ci_high`` (0-1), in the order to show
        from top to bottom.
    ax
        Where to draw; a new figure 16 cm wide when None.
    lang
        ``"nl"`` or ``"en"``.
    title
        Optional title, top left.
    synthetic
        Mark the figure as made from synthetic data.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.

    Examples
    --------
    >>> table = pd.DataFrame({"level": ["Ja", "Nee"], "estimate": [0.039, 0.961],
    ...                       "ci_low": [0.02, 0.94], "ci_high": [0.06, 0.98]})
    >>> ax = share_bars(table)
    >>> [t.get_text() for t in ax.texts]
    ['3,9%', '96%']
    """
    _require(table, ["level", "estimate", "ci_low", "ci_high"], "share_bars")
    words = _texts(lang)
    ax = _axes(ax, 2.4 + 0.65 * len(table))
    positions = np.arange(len(table))[::-1].astype(float)
    est = _numeric(table, "estimate")
    high = _numeric(table, "ci_high")
    ax.barh(positions, np.nan_to_num(est), height=0.65, color=PALETTE[0], zorder=2)
    _whiskers(ax, est, positions, _numeric(table, "ci_low"), high, False)
    for y, e, hi in zip(positions, est, high, strict=True):
        if np.isfinite(e):
            ax.annotate(
                format_percent(e, lang),
                xy=(max(e, hi) if np.isfinite(hi) else e, y),
                xytext=(3.0, 0.0),
                textcoords="offset points",
                ha="left",
                va="center",
                fontsize=_FONT_PT,
            )
    ax.set_yticks(positions, labels=[_wrap(v) for v in table["level"]])
    ax.tick_params(axis="y", length=0)
    ax.set_ylim(-0.6, len(table) - 0.4)
    _percent_axis(ax, lang, "x", _upper(table["ci_high"], 1.2))
    ax.grid(axis="x", color=_LIGHT_GREY, linewidth=0.5)
    ax.set_xlabel(words["share"])
    _titles(ax, title, synthetic, lang)
    return ax


@_styled
def dot_plot(
    table: pd.DataFrame,
    ax: Axes | None = None,
    lang: str = "nl",
    title: str | None = None,
    synthetic: bool = False,
) -> Axes:
    """Dots per statement and group (culture items), each group with its own marker and colour.

    Statements run from top to bottom in the order of the table; the groups of a statement sit
    just above one another, with confidence-interval whiskers, and are named in the legend.

    Parameters
    ----------
    table
        Columns ``item_label``, ``group``, ``estimate``, ``ci_low``, ``ci_high`` and optionally
        ``n``; proportions 0-1.
    ax
        Where to draw; a new figure 16 cm wide when None.
    lang
        ``"nl"`` or ``"en"``.
    title
        Optional title, top left.
    synthetic
        Mark the figure as made from synthetic data.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.

    Examples
    --------
    >>> table = pd.DataFrame({
    ...     "item_label": ["S1", "S1", "S2", "S2"], "group": ["G1", "G2"] * 2,
    ...     "estimate": [0.5, 0.6, 0.3, 0.2], "ci_low": [0.4, 0.5, 0.2, 0.1],
    ...     "ci_high": [0.6, 0.7, 0.4, 0.3]})
    >>> ax = dot_plot(table)
    >>> sorted(line.get_marker() for line in ax.get_legend().get_lines())
    ['o', 's']
    """
    _require(table, ["item_label", "group", "estimate", "ci_low", "ci_high"], "dot_plot")
    words = _texts(lang)
    items = _ordered(table["item_label"])
    groups = _ordered(table["group"])
    k = len(groups)
    ax = _axes(ax, 2.8 + len(items) * (0.25 * k + 0.45))
    positions = np.arange(len(items))[::-1].astype(float)
    step = min(0.22, 0.7 / max(k, 1))
    handles: list[Line2D] = []
    labels: list[str] = []
    for j, group in enumerate(groups):
        rows = table[table["group"] == group].drop_duplicates("item_label")
        rows = rows.set_index("item_label").reindex(items)
        y = positions + ((k - 1) / 2 - j) * step
        est = _numeric(rows, "estimate")
        _whiskers(ax, est, y, _numeric(rows, "ci_low"), _numeric(rows, "ci_high"), False)
        keep = np.isfinite(est)
        (line,) = ax.plot(
            est[keep],
            y[keep],
            linestyle="none",
            marker=MARKERS[j % len(MARKERS)],
            markersize=6,
            color=PALETTE[j % len(PALETTE)],
            markeredgecolor="white",
            markeredgewidth=0.6,
            zorder=4,
        )
        handles.append(line)
        labels.append(_group_label(group, table[table["group"] == group], lang))
    ax.set_yticks(positions, labels=[_wrap(v) for v in items])
    ax.tick_params(axis="y", length=0)
    ax.set_ylim(-0.6, len(items) - 0.4)
    ax.grid(axis="y", color=_LIGHT_GREY, linewidth=0.5)
    ax.grid(axis="x", color=_LIGHT_GREY, linewidth=0.5)
    _percent_axis(ax, lang, "x", _upper(table["ci_high"], 1.08))
    ax.set_xlabel(words["share"])
    pad = _legend_top(ax, handles, labels)
    _titles(ax, title, synthetic, lang, pad)
    return ax


def _without_intercept(model: pd.DataFrame) -> pd.DataFrame:
    keep = pd.Series(True, index=model.index)
    for column in ("term", "term_label"):
        if column in model.columns:
            keep &= ~model[column].astype(str).str.strip().str.lower().isin(_INTERCEPT_TERMS)
    return model[keep]


@_styled
def forest_plot(
    model: pd.DataFrame, ax: Axes | None = None, lang: str = "nl", synthetic: bool = False
) -> Axes:
    """Odds ratios with confidence intervals on a log axis, with a reference line at 1.

    The intercept (``term`` or ``term_label`` "(Intercept)", "Intercept" or "const") is left out.
    The odds ratio and its interval are written in a column right of the plot.

    Parameters
    ----------
    model
        Columns ``term_label``, ``odds_ratio``, ``or_ci_low``, ``or_ci_high`` and optionally
        ``term``, one row per coefficient in the order to show from top to bottom.
    ax
        Where to draw; a new figure 16 cm wide when None.
    lang
        ``"nl"`` or ``"en"``.
    synthetic
        Mark the figure as made from synthetic data.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.

    Examples
    --------
    >>> model = pd.DataFrame({
    ...     "term": ["(Intercept)", "x"], "term_label": ["(Intercept)", "Size"],
    ...     "odds_ratio": [0.4, 1.5], "or_ci_low": [0.2, 1.1], "or_ci_high": [0.8, 2.0]})
    >>> [t.get_text() for t in forest_plot(model, lang="en").get_yticklabels()]
    ['Size']
    """
    _require(model, ["term_label", "odds_ratio", "or_ci_low", "or_ci_high"], "forest_plot")
    words = _texts(lang)
    terms = _without_intercept(model)
    if terms.empty:
        raise ValueError("forest_plot: the model has no terms besides the intercept")
    ax = _axes(ax, 2.6 + 0.6 * len(terms))
    positions = np.arange(len(terms))[::-1].astype(float)
    ratio = _numeric(terms, "odds_ratio")
    low = _numeric(terms, "or_ci_low")
    high = _numeric(terms, "or_ci_high")
    ax.axvline(1.0, color=_GREY, linestyle="--", linewidth=0.9, zorder=1)
    _whiskers(ax, ratio, positions, low, high, False)
    keep = np.isfinite(ratio) & (ratio > 0)
    ax.plot(
        ratio[keep],
        positions[keep],
        linestyle="none",
        marker="s",
        markersize=6,
        color=PALETTE[0],
        zorder=4,
    )
    ax.set_xscale("log")
    finite = np.concatenate([ratio, low, high])
    finite = finite[np.isfinite(finite) & (finite > 0)]
    lo = min(float(finite.min()) if finite.size else 1.0, 1.0) / 1.25
    hi = max(float(finite.max()) if finite.size else 1.0, 1.0) * 1.25
    ax.set_xlim(lo, hi)
    ticks: list[float] = []
    for subs in ((1, 2, 5), (1, 1.5, 2, 3, 5, 7), (1, 1.25, 1.5, 2, 2.5, 3, 4, 5, 6, 7, 8, 9)):
        ticks = sorted(
            {float(m) * 10.0**e for e in range(-4, 5) for m in subs if lo <= m * 10.0**e <= hi}
        )
        if len(ticks) >= 3:
            break
    ax.xaxis.set_major_locator(FixedLocator(ticks))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: _compact(v, lang)))
    for y, r, a, b in zip(positions, ratio, low, high, strict=True):
        if np.isfinite(r):
            interval = (
                f" ({format_number(a, lang, 2)}\u2013{format_number(b, lang, 2)})"
                if np.isfinite(a) and np.isfinite(b)
                else ""
            )
            _label_right(ax, y, f"{format_number(r, lang, 2)}{interval}")
    ax.set_yticks(positions, labels=[_wrap(v) for v in terms["term_label"]])
    ax.tick_params(axis="y", length=0)
    ax.set_ylim(-0.6, len(terms) - 0.4)
    ax.grid(axis="x", color=_LIGHT_GREY, linewidth=0.5)
    ax.set_xlabel(words["odds_ratio"])
    _titles(ax, None, synthetic, lang)
    return ax


@_styled
def weight_distribution(
    weights: Mapping[str, np.ndarray],
    ax: Axes | None = None,
    lang: str = "nl",
    synthetic: bool = False,
) -> Axes:
    """Box plots of the weights of each wave on a log axis, with Kish's design effect beside.

    Each box runs from the first to the third quartile with the median marked, the whiskers from
    the smallest to the largest weight (so there are no outlier points). Right of each box stand
    the Kish design effect of unequal weighting and the number of weights. Weights that are not
    positive cannot be shown on the log axis and are left out of the box (not of the effect).

    Parameters
    ----------
    weights
        The weights per wave name, drawn from top to bottom in the mapping's order.
    ax
        Where to draw; a new figure 16 cm wide when None.
    lang
        ``"nl"`` or ``"en"``.
    synthetic
        Mark the figure as made from synthetic data.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.

    Examples
    --------
    >>> ax = weight_distribution({"w1": np.array([1.0, 2.0, 4.0]), "w2": np.array([1.0, 1.0])})
    >>> len(ax.patches)
    2
    """
    if not weights:
        raise ValueError("weight_distribution: no weights given")
    words = _texts(lang)
    names = list(weights)
    ax = _axes(ax, 3.0 + 1.0 * len(names))
    positions = np.arange(len(names))[::-1].astype(float)
    data = []
    for name in names:
        w = np.asarray(weights[name], dtype=float)
        w = w[np.isfinite(w)]
        data.append(w[w > 0] if (w > 0).any() else np.array([1.0]))
    orientation: dict[str, Any] = (
        {"orientation": "horizontal"}
        if tuple(int(p) for p in matplotlib.__version__.split(".")[:2]) >= (3, 10)
        else {"vert": False}
    )
    ax.boxplot(
        data,
        positions=positions,
        whis=(0, 100),
        widths=0.5,
        patch_artist=True,
        showfliers=False,
        boxprops={"facecolor": "#D0D9E2", "edgecolor": PALETTE[0], "linewidth": 1.0},
        medianprops={"color": PALETTE[0], "linewidth": 2.0},
        whiskerprops={"color": PALETTE[0], "linewidth": 1.0},
        capprops={"color": PALETTE[0], "linewidth": 1.0},
        **orientation,
    )
    ax.set_xscale("log")
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: _compact(v, lang)))
    ax.xaxis.set_minor_formatter(FuncFormatter(lambda _v, _pos: ""))
    for y, name in zip(positions, names, strict=True):
        w = np.asarray(weights[name], dtype=float)
        w = w[np.isfinite(w)]
        deff = kish_deff(w) if w.size and w.sum() > 0 else float("nan")
        _label_right(
            ax,
            y,
            f"{words['deff']} {format_number(deff, lang, 2)}\nn = {_count(w.size, lang)}",
        )
    ax.set_yticks(positions, labels=[_wrap(n) for n in names])
    ax.tick_params(axis="y", length=0)
    ax.set_ylim(-0.6, len(names) - 0.4)
    ax.grid(axis="x", color=_LIGHT_GREY, linewidth=0.5)
    ax.set_xlabel(words["weight"])
    _titles(ax, None, synthetic, lang)
    _note(ax, words["box_note"])
    return ax


# --------------------------------------------------------------------------- alt text


def alt_text(kind: str, table: pd.DataFrame | Mapping[str, np.ndarray], lang: str = "nl") -> str:
    """A short plain-text description of a figure for its ``alt`` attribute.

    Parameters
    ----------
    kind
        The chart function the figure was made with: ``"wea_trend"``, ``"grouped_bars"``,
        ``"share_bars"``, ``"dot_plot"``, ``"forest_plot"`` or ``"weight_distribution"``.
    table
        The table the figure was drawn from (for ``"weight_distribution"`` the mapping of
        weights per wave).
    lang
        ``"nl"`` or ``"en"``.

    Returns
    -------
    str
        One to a few sentences with the key numbers (the values of a trend, the largest
        difference between groups, the highest and lowest share or odds ratio), unescaped.

    Examples
    --------
    >>> table = pd.DataFrame({"level": ["Ja", "Nee"], "estimate": [0.039, 0.961],
    ...                       "ci_low": [0.02, 0.94], "ci_high": [0.06, 0.98]})
    >>> alt_text("share_bars", table)
    'Staafdiagram van 2 categorieën: Ja 3,9%, Nee 96%.'
    """
    words = _texts(lang)
    if kind == "weight_distribution":
        if not isinstance(table, Mapping):
            raise ValueError("alt_text('weight_distribution') needs the weights per wave")
        return _alt_weights(table, lang, words)
    if not isinstance(table, pd.DataFrame):
        raise ValueError(f"alt_text({kind!r}) needs a data frame")
    writers: dict[str, Callable[[pd.DataFrame, str, dict[str, str]], str]] = {
        "wea_trend": _alt_trend,
        "grouped_bars": _alt_groups,
        "dot_plot": _alt_groups,
        "share_bars": _alt_shares,
        "forest_plot": _alt_forest,
    }
    if kind not in writers:
        raise ValueError(f"unknown figure kind {kind!r}; use one of {sorted(writers)}")
    if kind == "dot_plot":
        return _alt_groups(table, lang, words, dots=True)
    return writers[kind](table, lang, words)


def _join(parts: Sequence[str], lang: str) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return f"{', '.join(parts[:-1])} {_texts(lang)['and']} {parts[-1]}"


def _alt_trend(table: pd.DataFrame, lang: str, words: dict[str, str]) -> str:
    sentences = [words["trend"] + "."]
    for measure in _ordered(table["measure"]):
        rows = table[table["measure"] == measure]
        parts = []
        for region in _ordered(rows["region"]):
            series = rows[rows["region"] == region].sort_values("year")
            values = [
                f"{format_percent(e, lang)} {words['in']} {y}"
                for y, e in zip(series["year"], _numeric(series, "estimate"), strict=True)
                if np.isfinite(e)
            ]
            parts.append(f"{region} {_join(values, lang)}")
        sentences.append(f"{rows['measure_label'].iloc[0]}: {'; '.join(parts)}.")
    return " ".join(sentences)


def _alt_groups(table: pd.DataFrame, lang: str, words: dict[str, str], dots: bool = False) -> str:
    label_column = "item_label"
    groups = _ordered(table["group"])
    items = _ordered(table[label_column])
    intro = words["dots" if dots else "bars"].format(k=len(items), groups=_join(groups, lang))
    if len(groups) < 2:
        return intro + "."
    wide = table.pivot_table(
        index=label_column, columns="group", values="estimate", aggfunc="first", sort=False
    )
    first, second = groups[0], groups[1]
    difference = (wide[first] - wide[second]).abs().dropna()
    if difference.empty:
        return intro + "."
    item = difference.idxmax()
    return (
        f"{intro}. {words['largest_diff'].capitalize()}: {item} ({first} "
        f"{format_percent(wide.loc[item, first], lang)}, {second} "
        f"{format_percent(wide.loc[item, second], lang)})."
    )


def _alt_shares(table: pd.DataFrame, lang: str, words: dict[str, str]) -> str:
    values = [
        (str(level), e)
        for level, e in zip(table["level"], _numeric(table, "estimate"), strict=True)
        if np.isfinite(e)
    ]
    intro = words["shares"].format(k=len(table))
    if len(values) <= 8:
        return f"{intro}: {', '.join(f'{lv} {format_percent(e, lang)}' for lv, e in values)}."
    top = max(values, key=lambda v: v[1])
    bottom = min(values, key=lambda v: v[1])
    return (
        f"{intro}; {words['highest']}: {top[0]} {format_percent(top[1], lang)}, "
        f"{words['lowest']}: {bottom[0]} {format_percent(bottom[1], lang)}."
    )


def _alt_forest(table: pd.DataFrame, lang: str, words: dict[str, str]) -> str:
    terms = _without_intercept(table)
    ratio = _numeric(terms, "odds_ratio")
    low = _numeric(terms, "or_ci_low")
    high = _numeric(terms, "or_ci_high")
    intro = words["forest"].format(k=len(terms))
    if not np.isfinite(ratio).any():
        return intro + "."

    def describe(i: int) -> str:
        return (
            f"{terms['term_label'].iloc[i]} {format_number(ratio[i], lang, 2)} "
            f"({words['ci']} {format_number(low[i], lang, 2)}\u2013"
            f"{format_number(high[i], lang, 2)})"
        )

    top, bottom = int(np.nanargmax(ratio)), int(np.nanargmin(ratio))
    excluding = int(np.sum((low > 1) | (high < 1)))
    return (
        f"{intro}; {words['highest']}: {describe(top)}; {words['lowest']}: {describe(bottom)}. "
        f"{words['excludes_one'].format(k=excluding, n=len(terms)).capitalize()}."
    )


def _alt_weights(weights: Mapping[str, np.ndarray], lang: str, words: dict[str, str]) -> str:
    parts = []
    for name, values in weights.items():
        w = np.asarray(values, dtype=float)
        w = w[np.isfinite(w)]
        if not w.size:
            continue
        span = words["from_to"].format(
            lo=format_number(float(w.min()), lang, 2), hi=format_number(float(w.max()), lang, 2)
        )
        parts.append(
            f"{name}: n = {_count(w.size, lang)}, {span}, {words['median']} "
            f"{format_number(float(np.median(w)), lang, 2)}, {words['deff']} "
            f"{format_number(kish_deff(w), lang, 2)}"
        )
    return f"{words['weights']}. {'; '.join(parts)}."


# --------------------------------------------------------------------------- saving


def _slug(name: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9_-]+", "-", name).strip("-")
    return f"fig-{slug or 'figure'}"


def _finish_svg(raw: str, prefix: str, alt: str | None) -> str:
    """The SVG element only, ids prefixed, with role, title and a scoped style sheet."""
    start = raw.index("<svg")
    svg = raw[start:]
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
        title = f'\n <title id="{prefix}-title">{escape(alt)}</title>'
        svg = svg[:end] + title + svg[end:]
    return svg


def save_figure(fig: Figure, stem: Path, *, alt: str | None = None) -> FigureFiles:
    """Write a figure to ``<stem>.svg`` and ``<stem>.png`` (200 dpi), byte-identical between runs.

    The only function of this module that writes files. Both files are written atomically (a
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
