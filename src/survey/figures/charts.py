"""The chart functions: survey results drawn in the house style on a matplotlib Axes.

Every chart function takes a tidy table as the study's analyses return it (proportions and
their confidence bounds 0-1), draws it on a :class:`matplotlib.axes.Axes` (a new 16 cm wide
figure when ``ax`` is None) and returns the Axes: :func:`trend` (lines over periods),
:func:`grouped_bars`, :func:`share_bars`, :func:`dot_plot`, :func:`forest_plot` and
:func:`weight_distribution`, all listed by name in :data:`CHARTS`. Groups are told apart by
marker or hatching as well as by colour and named in a legend with those markers; values are
written beside the points and bars in the language's number format (:mod:`survey.format`).
``synthetic=True`` marks a figure made from synthetic data with a visible note in its top right
corner. Only the Agg canvas is used (no pyplot, no global backend switch, no windows); an Axes
the caller made outside the house style is given the house style's spines, ticks and labels.

No two texts of a chart overlap, whatever the labels: category labels are wrapped at word
boundaries to at most 38% of the figure's width (:data:`LABEL_SHARE`) and shortened with "…"
only beyond four lines (the alt text keeps them whole), legend entries and notes are wrapped
to the figure's width, the title sits above the legend as measured, and the figure grows
higher when the wrapped labels need it (:mod:`survey.figures.layout`; it never gets narrower
or lower than it was, and a figure holding other Axes is not grown).

The estimate tables may be disclosed tables, with a ``status`` column: a suppressed cell
("[c]") is drawn as nothing but the text "[c]" where its bar or point would start (no bar,
point, whisker or value, whatever the table still holds, and no say in the axis limits; a trend
line gets a gap and the "[c]" stands with the values of its period), an unreliable one ("[u]")
as usual with " [u]" after its value, and a note below the chart explains the marks that occur.
A significant difference between groups is written out after the item's label ("p < 0,05") and
explained in the note; tests that are suppressed or ``not_assessable`` get no mark. Without
``status`` column a table is drawn as it always was.

This module does not compute estimates, tests or weights (``survey.analysis``,
``survey.weighting``), decide which figures a report shows, write files
(:mod:`survey.figures.save`) or describe figures in words (:mod:`survey.figures.alt_text`), and
it holds no survey constants: groups, items, measures, periods and labels all come from the
tables.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType
from typing import Any

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backend_bases import FigureCanvasBase, RendererBase
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.patheffects import AbstractPathEffect, withStroke
from matplotlib.text import Annotation
from matplotlib.ticker import FixedLocator, FuncFormatter, MaxNLocator, NullLocator

from survey.figures.layout import figure_of, fit_height, fit_text, lay_out, points, text_size
from survey.figures.style import (
    _CM,
    _FONT_PT,
    _GREY,
    _INK,
    _LIGHT_GREY,
    _LINESTYLES,
    FIGURE_WIDTH_CM,
    HATCHES,
    MARKERS,
    PALETTE,
    _compact,
    _count,
    _plain,
    _restyle,
    _styled,
    _texts,
)
from survey.format import MISSING, format_ci, format_number, format_percent
from survey.weighting import kish_deff

__all__ = [
    "CHARTS",
    "LABEL_SHARE",
    "dot_plot",
    "forest_plot",
    "grouped_bars",
    "share_bars",
    "significance_mark",
    "trend",
    "weight_distribution",
]

_INTERCEPT_TERMS = frozenset({"(intercept)", "intercept", "const"})

#: The widest a category label (a tick label beside the rows) may be, as a share of the figure.
LABEL_SHARE = 0.38
#: The most lines a category label takes; beyond, it is shortened with "…".
_LABEL_LINES = 4
#: The most lines a legend entry, title or period label takes.
_SHORT_LINES = 3
#: Room between the labels of two rows (points).
_ROW_GAP = 3.0
#: Share of a row the bars of its groups take together.
_BAR_SHARE = 0.8
#: Title font size (points), as the house style sets it.
_TITLE_PT = 10.0
#: Width of a legend entry besides its text: handle and pad (points), and between columns.
_LEGEND_HANDLE = (1.8 + 0.8) * _FONT_PT
_LEGEND_COLUMN_GAP = 1.5 * _FONT_PT
#: Distance of a trend's value label from the point it labels (points).
_TREND_OFFSET = 7.0
#: The lowest plot area of a trend (points).
_TREND_MIN_HEIGHT = 150.0
_NBSP = "\u00a0"
#: A white edge around whiskers, so that they stay visible where they cross a dark bar (not
#: around texts: the SVG would draw them as paths, no longer text a screen reader can read).
_HALO: list[AbstractPathEffect] = [withStroke(linewidth=2.4, foreground="white")]
#: The p-value bounds of the significance marks, with the decimals they are written with.
_P_BOUNDS = ((0.001, 3), (0.01, 2), (0.05, 2))


def significance_mark(p: float, lang: str = "nl") -> str:
    """The significance mark of a p-value, written out: "p < 0,001", "p < 0,01" or "p < 0,05".

    Parameters
    ----------
    p
        The p-value (adjusted for multiple testing where that applies).
    lang
        ``"nl"`` or ``"en"``: the decimal separator.

    Returns
    -------
    str
        The smallest bound the p-value is below, or an empty string for p >= 0.05 or a missing
        p-value.

    Examples
    --------
    >>> significance_mark(0.004), significance_mark(0.0004, "en"), significance_mark(0.2)
    ('p < 0,01', 'p < 0.001', '')
    """
    if p is None or not np.isfinite(p):
        return ""
    for bound, decimals in _P_BOUNDS:
        if p < bound:
            return f"p < {format_number(bound, lang, decimals)}"
    return ""


# --------------------------------------------------------------------------- shared helpers


def _require(table: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise ValueError(f"{what}: the table lacks the column(s) {', '.join(missing)}")
    if table.empty:
        raise ValueError(f"{what}: the table is empty")


def _axes(ax: Axes | None, height_cm: float) -> Axes:
    """The given Axes in the house style, or the Axes of a new 16 cm wide figure.

    A figure made without any canvas (``Figure()``) gets an Agg canvas, as saving gives it one:
    the layout is measured with the renderer the files are drawn with.
    """
    if ax is None:
        fig = Figure(
            figsize=(FIGURE_WIDTH_CM * _CM, max(height_cm, 5.0) * _CM), layout="constrained"
        )
        FigureCanvasAgg(fig)
        return fig.add_subplot()
    fig = figure_of(ax)
    if type(fig.canvas) is FigureCanvasBase:
        FigureCanvasAgg(fig)
    _restyle(ax)
    return ax


def _renderer(ax: Axes) -> RendererBase | None:
    """The renderer of the figure's canvas; None lets matplotlib find one."""
    get = getattr(figure_of(ax).canvas, "get_renderer", None)
    return get() if callable(get) else None


def _figure_width(ax: Axes) -> float:
    """The figure's width in points."""
    return figure_of(ax).get_figwidth() * 72.0


def _plot_width(ax: Axes) -> float:
    """The plot area's width in points (after the last layout)."""
    return points(ax.bbox.width, figure_of(ax))


def _line_height(lines: int = 1) -> float:
    """The height of a text of ``lines`` lines at the label size (points)."""
    return text_size("\n".join(["Ag"] * lines))[1]


def _category_labels(ax: Axes, labels: Sequence[object], weight: str = "normal") -> list[str]:
    """Labels of rows, wrapped to :data:`LABEL_SHARE` of the figure's width."""
    width = LABEL_SHARE * _figure_width(ax)
    return [fit_text(label, width, _FONT_PT, _LABEL_LINES, weight) for label in labels]


def _row_pitch(labels: Sequence[str], content: float) -> float:
    """The height of a row (points): its tallest label with room to the next, or its content."""
    tallest = max((text_size(label)[1] for label in labels), default=0.0)
    return max(tallest + _ROW_GAP, content)


def _rows_height(pitch: float, rows: int) -> Callable[[], float]:
    """The layout step of a chart of rows: the plot height its rows need (points)."""
    return lambda: pitch * (rows + 0.2)


def _fit(ax: Axes, *steps: Callable[[], float]) -> None:
    """Lay the chart out (see :func:`fit_height`); each step returns the plot height it needs."""
    fit_height(ax, lambda: max([step() for step in steps], default=0.0))


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
    label = str(group)
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
    """The upper axis limit for proportions; missing (suppressed) values are ignored."""
    finite = pd.to_numeric(values, errors="coerce").dropna()
    top = float(finite.max()) if not finite.empty else math.nan
    if not np.isfinite(top) or top <= 0:
        return 1.0
    return min(top, 1.0) * room if top < 1 else room


def _legend_columns(texts: Sequence[str], available: float) -> int:
    """The most columns a legend of ``texts`` can have in ``available`` points (at least 1)."""
    widths = np.array([text_size(text)[0] + _LEGEND_HANDLE for text in texts])
    for n in range(len(texts), 1, -1):
        # matplotlib splits the entries into columns as numpy's array_split does
        chunks = [chunk for chunk in np.array_split(widths, n) if chunk.size]
        needed = sum(float(chunk.max()) for chunk in chunks)
        if needed + _LEGEND_COLUMN_GAP * (len(chunks) - 1) + 4.0 <= available:
            return n
    return 1


def _legend_top(ax: Axes, handles: Sequence[Any], labels: Sequence[str]) -> Callable[[], float]:
    """A legend just above the plot, right-aligned with it; returns its layout step.

    Long item labels leave room left of the plot, so the legend grows into that room, in as
    many columns as fit between the figure's left edge and the plot's right edge (measured after
    each layout; never wider, so that the layout need not squeeze the plot for it). An entry too
    wide for that room on its own is wrapped.
    """
    shown: dict[str, Any] = {"room": None}

    def draw() -> float:
        room = points(ax.bbox.x1, figure_of(ax)) - 6.0
        if shown["room"] is not None and abs(room - shown["room"]) < 0.5:
            return 0.0
        shown["room"] = room
        width = room - _LEGEND_HANDLE - 8.0
        texts = [fit_text(label, width, _FONT_PT, _SHORT_LINES) for label in labels]
        ax.legend(
            handles,
            texts,
            loc="lower right",
            bbox_to_anchor=(1.0, 1.0),
            ncols=_legend_columns(texts, room),
            borderaxespad=0.3,
            borderpad=0.2,
            handlelength=1.8,
            columnspacing=1.5,
            frameon=False,
        )
        return 0.0

    draw()
    return draw


def _titles(ax: Axes, title: str | None, synthetic: bool, lang: str) -> Callable[[], float]:
    """The title top left and, for synthetic data, a note top right, both above the legend.

    Returns the layout step that places them after each layout: just above the legend as it
    was measured, the title wrapped to the width the note leaves it.
    """
    note = _texts(lang)["synthetic"]
    fig = figure_of(ax)

    def place() -> float:
        legend = ax.get_legend()
        pad = 6.0
        if legend is not None:
            top = legend.get_window_extent(_renderer(ax)).y1
            pad = max(pad, points(top - ax.bbox.y1, fig) + 3.0)
        width = _plot_width(ax)
        if synthetic:
            ax.set_title(
                note, loc="right", pad=pad, fontsize=_FONT_PT, fontstyle="italic", color=_GREY
            )
            width -= 1.05 * text_size(note)[0] + 12.0
        if title:
            ax.set_title(
                fit_text(title, max(width, 60.0), _TITLE_PT, _SHORT_LINES), loc="left", pad=pad
            )
        return 0.0

    place()
    return place


def _note(ax: Axes, text: str, below: Sequence[Any] = ()) -> Callable[[], float]:
    """A footnote below the x-axis, from the figure's left edge; returns its layout step.

    It stands a fixed distance below the plot: as deep as the x-axis' tick labels and label
    (and those of the Axes ``below``, e.g. a secondary axis) reach, as measured after each
    layout. Starting at the figure's edge rather than the plot's, a long note does not squeeze
    the plot; it is wrapped to the figure's width.
    """
    fig = figure_of(ax)
    note = ax.annotate(
        fit_text(text, _figure_width(ax) - 8.0),
        xy=(0.0, 0.0),
        xycoords=("figure fraction", "axes fraction"),
        xytext=(4.0, -30.0),
        textcoords="offset points",
        ha="left",
        va="top",
        fontsize=_FONT_PT,
        color=_GREY,
    )

    def place() -> float:
        renderer = _renderer(ax)
        boxes = [axes.xaxis.get_tightbbox(renderer) for axes in (ax, *below)]
        lowest = min((box.y0 for box in boxes if box is not None), default=ax.bbox.y0)
        note.xyann = (4.0, -(points(ax.bbox.y0 - lowest, fig) + 4.0))
        return 0.0

    return place


def _label_right(ax: Axes, y: float, text: str, offset: float = 6.0) -> Annotation:
    """A text just right of the plot area at data height ``y``."""
    return ax.annotate(
        text,
        xy=(1.0, y),
        xycoords=("axes fraction", "data"),
        xytext=(offset, 0.0),
        textcoords="offset points",
        ha="left",
        va="center",
        fontsize=_FONT_PT,
    )


def _room_right(ax: Axes, texts: Sequence[Annotation]) -> Callable[[], float]:
    """The layout step that widens a linear x-axis until the value labels end inside the plot."""

    def widen() -> float:
        renderer = _renderer(ax)
        lo, hi = ax.get_xlim()
        width = ax.bbox.width
        upper = hi
        for text in texts:
            anchor = ax.transData.transform((text.xy[0], 0.0))[0] - ax.bbox.x0
            beyond = text.get_window_extent(renderer).x1 - ax.bbox.x0 - anchor
            if anchor + beyond > width - 2.0 and width - 2.0 - beyond > 0:
                upper = max(upper, lo + (text.xy[0] - lo) * width / (width - 2.0 - beyond))
        if upper > hi:
            ax.set_xlim(lo, upper)
        return 0.0

    return widen


def _whiskers(
    ax: Axes, x: np.ndarray, y: np.ndarray, low: np.ndarray, high: np.ndarray, vertical: bool
) -> None:
    """Confidence-interval whiskers with small caps, in ink colour with a white edge.

    The white edge keeps a whisker visible where it runs over a dark bar (WCAG 1.4.11).
    """
    est = x if not vertical else y
    err = np.vstack([np.clip(est - low, 0, None), np.clip(high - est, 0, None)])
    keep = np.isfinite(err).all(axis=0)
    if not keep.any():
        return
    kwargs: dict[str, Any] = {"xerr": err[:, keep]} if not vertical else {"yerr": err[:, keep]}
    drawn = ax.errorbar(
        x[keep], y[keep], fmt="none", ecolor=_INK, elinewidth=0.9, capsize=2.0, zorder=3, **kwargs
    )
    for artist in (*drawn.lines[1], *drawn.lines[2]):
        artist.set_path_effects(_HALO)


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


def _spread_within(values: Sequence[float], gap: float, lo: float, hi: float) -> list[float]:
    """:func:`_spread`, then shifted so that all positions lie between ``lo`` and ``hi``.

    Examples
    --------
    >>> _spread_within([0.0, 0.5], 2.0, 0.0, 10.0)
    [0.0, 2.0]
    """
    placed = _spread(values, gap)
    if not placed:
        return placed
    if min(placed) < lo:
        return [p + lo - min(placed) for p in placed]
    if max(placed) > hi:
        return [p - (max(placed) - hi) for p in placed]
    return placed


def _numeric(table: pd.DataFrame, column: str) -> np.ndarray:
    return pd.to_numeric(table[column], errors="coerce").to_numpy(dtype=float)


# --------------------------------------------------------------------------- disclosure control

_SUPPRESSED = "[c]"
_UNRELIABLE = "[u]"
#: The columns whose values a suppressed ("[c]") row must never show.
_HIDDEN_COLUMNS = ("estimate", "se", "ci_low", "ci_high", "n_level")


def _statuses(table: pd.DataFrame) -> np.ndarray:
    """The disclosure status of every row ("[c]", "[u]" or ""); all "" without a status column."""
    if "status" not in table.columns:
        return np.full(len(table), "", dtype=object)
    return table["status"].fillna("").astype(str).str.strip().to_numpy(dtype=object)


def _disclosed(table: pd.DataFrame) -> pd.DataFrame:
    """The table with the values of its suppressed rows blanked out (NaN), whatever they held.

    A table without ``status`` column or without "[c]" rows is returned as it is.
    """
    hidden = _statuses(table) == _SUPPRESSED
    if not hidden.any():
        return table
    table = table.copy()
    for column in _HIDDEN_COLUMNS:
        if column in table.columns:
            table[column] = pd.to_numeric(table[column], errors="coerce").mask(hidden)
    return table


def _value_text(estimate: float, status: str, lang: str) -> str:
    """A share as the figures write it: "[c]" when suppressed, "7,5% [u]" when unreliable."""
    if status == _SUPPRESSED:
        return _SUPPRESSED
    text = format_percent(estimate, lang)
    return f"{text} {_UNRELIABLE}" if status == _UNRELIABLE else text


def _status_notes(table: pd.DataFrame, words: Mapping[str, str]) -> list[str]:
    """The explanations of the status marks in the table: "[u] = ..." and "[c] = ..."."""
    present = set(_statuses(table))
    marks = ((_UNRELIABLE, "note_unreliable"), (_SUPPRESSED, "note_suppressed"))
    return [words[key] for mark, key in marks if mark in present]


def _assessable(tests: pd.DataFrame) -> pd.DataFrame:
    """The tests that could be assessed: not suppressed, verdict not ``not_assessable``."""
    keep = _statuses(tests) != _SUPPRESSED
    if "verdict" in tests.columns:
        keep &= tests["verdict"].astype(str).to_numpy() != "not_assessable"
    return tests[keep]


def _significance(tests: pd.DataFrame, lang: str) -> tuple[dict[Any, str], str]:
    """The mark of every item whose groups differ significantly, and the test's kind.

    Marks are on ``p_holm`` when the table has it (kind ``"test_holm"``), else on ``p_value``
    (``"test_raw"``); suppressed and not assessable tests get none.
    """
    column = "p_holm" if "p_holm" in tests.columns else "p_value"
    _require(tests, ["item", column], "grouped_bars tests")
    assessed = _assessable(tests)
    marks = {
        item: significance_mark(p, lang)
        for item, p in zip(assessed["item"], _numeric(assessed, column), strict=True)
    }
    return {item: mark for item, mark in marks.items() if mark}, (
        "test_holm" if column == "p_holm" else "test_raw"
    )


def _significance_note(lang: str, test: str) -> str:
    """The note explaining the marks: "An item is followed by p < 0.05, ... (Holm-adjusted test)"."""
    words = _texts(lang)
    marks = [
        f"p < {format_number(bound, lang, decimals)}".replace(" ", _NBSP)
        for bound, decimals in reversed(_P_BOUNDS)
    ]
    joined = f"{', '.join(marks[:-1])} {words['or']} {marks[-1]}"
    return words["sig_note"].format(marks=joined, test=words[test])


def _suppressed_mark(
    ax: Axes,
    xy: tuple[float, float],
    offset: tuple[float, float],
    ha: str = "left",
    va: str = "center",
) -> Annotation:
    """The visible "[c]" of a suppressed cell, in ink colour, at ``offset`` points from ``xy``."""
    return ax.annotate(
        _SUPPRESSED,
        xy=xy,
        xytext=offset,
        textcoords="offset points",
        ha=ha,
        va=va,
        fontsize=_FONT_PT,
        color=_INK,
    )


def _row_labels(
    ax: Axes,
    y: np.ndarray,
    rows: pd.DataFrame,
    lang: str,
    values: bool = True,
) -> list[Annotation]:
    """Labels of horizontal rows: a value after each bar or whisker, "[c]" at 0 when suppressed.

    Without ``values`` only the "[u]" of an unreliable row is written (for the dot plot).
    Returns the labels written.
    """
    est, high = _numeric(rows, "estimate"), _numeric(rows, "ci_high")
    written = []
    for yi, e, hi, status in zip(y, est, high, _statuses(rows), strict=True):
        if status == _SUPPRESSED:
            written.append(_suppressed_mark(ax, (0.0, yi), (3.0, 0.0)))
            continue
        text = _value_text(e, status, lang) if values else status
        if np.isfinite(e) and text:
            written.append(
                ax.annotate(
                    text,
                    xy=(max(e, hi) if np.isfinite(hi) else e, yi),
                    xytext=(3.0, 0.0),
                    textcoords="offset points",
                    ha="left",
                    va="center",
                    fontsize=_FONT_PT,
                )
            )
    return written


def _notes(ax: Axes, notes: Sequence[str], below: Sequence[Any] = ()) -> Callable[[], float]:
    """The footnotes of a chart, one a line, as :func:`_note` writes them (none when empty)."""
    return _note(ax, "\n".join(notes), below) if notes else lambda: 0.0


def _series(
    table: pd.DataFrame, measure: Any, group: Any, position: dict[Any, int]
) -> pd.DataFrame:
    """The rows of one line of a trend, in the order of the periods."""
    rows = table[(table["measure"] == measure) & (table["group"] == group)]
    rows = rows[rows["period"].notna()]
    order = np.argsort([position[p] for p in rows["period"]], kind="stable")
    return rows.iloc[order]


# --------------------------------------------------------------------------- trend layout

_Stack = list[tuple[str, float]]


def _trend_stacks(
    series: Mapping[tuple[int, int], pd.DataFrame], position: Mapping[Any, int], lang: str
) -> dict[tuple[int, int], _Stack]:
    """The value labels of a trend per (measure, period): text and height; a "[c]" stands at 0."""
    stacks: dict[tuple[int, int], _Stack] = {}
    for (i, _group), rows in series.items():
        cells = zip(rows["period"], _numeric(rows, "estimate"), _statuses(rows), strict=True)
        for period, estimate, status in cells:
            stack = stacks.setdefault((i, position[period]), [])
            if status == _SUPPRESSED:
                stack.append((_SUPPRESSED, 0.0))
            elif np.isfinite(estimate):
                stack.append((_value_text(estimate, status, lang), float(estimate)))
    return {key: stack for key, stack in stacks.items() if stack}


def _trend_spacing(
    width: float, measures: int, periods: int, dodge: float, left: float, right: float
) -> tuple[float, float]:
    """The gap between two measures' blocks of periods and the margin at both ends (in periods).

    Wide enough for the value labels left of a block's first period and right of its last one
    (``left`` and ``right`` points wide) in a plot ``width`` points wide; at least the gap of
    two periods and a margin of 0.7 period.

    Examples
    --------
    >>> _trend_spacing(400.0, 2, 2, 0.035, 20.0, 20.0)
    (2.0, 0.7)
    """
    gap, margin = 2.0, 0.7
    for _ in range(50):
        unit = width / (measures * (periods - 1) + (measures - 1) * gap + 2 * margin)
        wanted_gap = 2 * dodge + (left + right + 2 * _TREND_OFFSET + 6.0) / unit
        wanted_margin = dodge + (max(left, right) + _TREND_OFFSET + 4.0) / unit
        new_gap, new_margin = min(max(2.0, wanted_gap), 12.0), min(max(0.7, wanted_margin), 6.0)
        if abs(new_gap - gap) < 1e-9 and abs(new_margin - margin) < 1e-9:
            break
        gap, margin = new_gap, new_margin
    return gap, margin


def _trend_axis_labels(
    ax: Axes,
    secondary: Any,  # matplotlib's SecondaryAxis (no public type)
    periods: Sequence[Any],
    measure_labels: Sequence[Any],
    block: float,
    margin: float,
) -> Callable[[], float]:
    """The layout step writing the period and measure labels below a trend, each in its room."""
    many = len(measure_labels) > 1
    ticks = [i * block + k for i in range(len(measure_labels)) for k in range(len(periods))]
    centres = [i * block + (len(periods) - 1) / 2 for i in range(len(measure_labels))]
    span = len(periods) - 1 + 2 * margin  # a measure's periods with the margins at both ends

    def write() -> float:
        low, high = ax.get_xlim()
        unit = _plot_width(ax) / (high - low)
        step = unit if len(periods) > 1 else span * unit
        period_texts = [fit_text(p, max(step - 4.0, 20.0), _FONT_PT, _SHORT_LINES) for p in periods]
        ax.set_xticks(ticks, labels=period_texts * len(measure_labels))
        room = max((min(block, span) if many else span) * unit - 8.0, 40.0)
        secondary.set_xticks(
            centres,
            labels=[fit_text(label, room, _FONT_PT, _LABEL_LINES) for label in measure_labels],
        )
        secondary.tick_params(pad=max(text_size(text)[1] for text in period_texts) + 9.0)
        return 0.0

    return write


def _trend_spread(
    ax: Axes, stacks: Sequence[Sequence[tuple[Annotation, float]]]
) -> Callable[[], float]:
    """The layout step moving the value labels of each period apart, inside the plot.

    Returns the plot height the tallest stack of labels needs (at least 120 points).
    """
    height = _line_height()

    def spread() -> float:
        fig = figure_of(ax)
        size, point = height * fig.dpi / 72.0, fig.dpi / 72.0
        low, high = ax.bbox.y0 + size / 2 + point, ax.bbox.y1 - size / 2 - point
        to_data = ax.transData.inverted()
        for stack in stacks:
            wanted = [float(ax.transData.transform((0.0, y))[1]) for _, y in stack]
            for (label, _), y in zip(
                stack, _spread_within(wanted, size + 2 * point, low, high), strict=True
            ):
                label.xy = (label.xy[0], float(to_data.transform((0.0, y))[1]))
        tallest = max((len(stack) for stack in stacks), default=0)
        return max(_TREND_MIN_HEIGHT, tallest * (height + 2.0) + 4.0)

    return spread


# --------------------------------------------------------------------------- chart functions


@_styled
def trend(
    table: pd.DataFrame, ax: Axes | None = None, lang: str = "nl", synthetic: bool = False
) -> Axes:
    """Trend of one or more measures over periods: a line per group, a block of periods per measure.

    The measures stand side by side on one Axes, each with its own block of periods (the
    measure's label below the period ticks); every group (e.g. a region) is a line with its own
    colour, marker and line style, named in the legend, with confidence-interval whiskers and
    the values written beside the points (left of a block's first period, right of the others,
    moved apart so that they never overlap; the blocks stand far enough apart for them).

    Parameters
    ----------
    table
        Columns ``measure``, ``measure_label``, ``group``, ``period``, ``estimate``,
        ``ci_low``, ``ci_high`` and optionally ``n`` and ``status`` ("[c]", "[u]" or "");
        proportions 0-1. ``period`` is the label
        of a wave (a year or any text). Measures, groups and periods are drawn in the order of
        the table (of first appearance, or of their categories); periods are not sorted.
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
    ...     "group": ["A", "A", "B", "B"], "period": ["2008", "2010"] * 2,
    ...     "estimate": [0.2, 0.25, 0.18, 0.2], "ci_low": [0.15, 0.2, 0.16, 0.18],
    ...     "ci_high": [0.25, 0.3, 0.2, 0.22]})
    >>> ax = trend(table, lang="en")
    >>> len(ax.get_legend().get_texts()), [t.get_text() for t in ax.get_xticklabels()]
    (2, ['2008', '2010'])
    """
    _require(
        table,
        ["measure", "measure_label", "group", "period", "estimate", "ci_low", "ci_high"],
        "trend",
    )
    words = _texts(lang)
    table = _disclosed(table)
    measures = _ordered(table["measure"])
    groups = _ordered(table["group"])
    periods = _ordered(table["period"])
    position = {p: k for k, p in enumerate(periods)}
    ax = _axes(ax, 8.0)
    _percent_axis(ax, lang, "y", _upper(table["ci_high"], 1.15))
    ax.set_ylabel(words["share"])
    ax.grid(axis="y", color=_LIGHT_GREY, linewidth=0.5)
    series = {
        (i, j): _series(table, measure, group, position)
        for i, measure in enumerate(measures)
        for j, group in enumerate(groups)
    }
    stacks = _trend_stacks(series, position, lang)
    before = len(periods) > 1  # a block's first period is labelled on its left
    offsets = [(j - (len(groups) - 1) / 2) * 0.07 for j in range(len(groups))]
    edge = max(offsets)

    def widest(left: bool) -> float:
        return max(
            (
                text_size(text)[0]
                for (_i, k), stack in stacks.items()
                if (k == 0 and before) == left
                for text, _y in stack
            ),
            default=0.0,
        )

    lay_out(figure_of(ax))  # the plot's width the y-axis leaves
    gap, margin = _trend_spacing(
        _plot_width(ax), len(measures), len(periods), edge, widest(True), widest(False)
    )
    block = len(periods) - 1 + gap
    handles: dict[Any, Line2D] = {}
    for (i, j), rows in series.items():
        if rows.empty:
            continue
        x = i * block + np.array([position[p] for p in rows["period"]]) + offsets[j]
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
        handles.setdefault(groups[j], line)
    labelled = []
    for (i, k), stack in stacks.items():
        side = -1.0 if k == 0 and before else 1.0
        at = i * block + k + side * edge
        labelled.append(
            [
                (
                    ax.annotate(
                        text,
                        xy=(at, y),
                        xytext=(side * _TREND_OFFSET, 0.0),
                        textcoords="offset points",
                        ha="right" if side < 0 else "left",
                        va="center",
                        fontsize=_FONT_PT,
                    ),
                    y,
                )
                for text, y in stack
            ]
        )
    ax.set_xlim(-margin, (len(measures) - 1) * block + len(periods) - 1 + margin)
    secondary = ax.secondary_xaxis(location=0)
    secondary.tick_params(length=0, labelsize=_FONT_PT)
    secondary.spines["bottom"].set_visible(False)
    measure_labels = [table.loc[table["measure"] == m, "measure_label"].iloc[0] for m in measures]
    axis_labels = _trend_axis_labels(ax, secondary, periods, measure_labels, block, margin)
    axis_labels()
    shown = [g for g in groups if g in handles]
    legend = _legend_top(ax, [handles[g] for g in shown], [str(g) for g in shown])
    notes = _notes(ax, _status_notes(table, words), below=[secondary])
    _fit(
        ax,
        legend,
        _titles(ax, None, synthetic, lang),
        axis_labels,
        notes,
        _trend_spread(ax, labelled),
    )
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
    whose groups differ significantly ends with the bound its p-value is below, written out
    ("(p < 0,05)", "(p < 0,01)" or "(p < 0,001)", on ``p_holm`` when the table has it,
    otherwise ``p_value``), explained in a note below the plot; the alt text names them too.

    Parameters
    ----------
    table
        Columns ``item``, ``item_label``, ``group``, ``estimate``, ``ci_low``, ``ci_high`` and
        optionally ``n`` and ``status`` ("[c]", "[u]" or ""); proportions 0-1.
    tests
        Optional; columns ``item`` and ``p_holm`` or ``p_value``, and optionally ``status``
        and ``verdict`` (a "[c]" or ``not_assessable`` test gets no mark).
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
    >>> ax = grouped_bars(table, pd.DataFrame({"item": ["a"], "p_holm": [0.004]}), lang="en")
    >>> [t.get_text().replace("\\u00a0", " ") for t in ax.get_yticklabels()]
    ['Item A (p < 0.01)']
    """
    _require(
        table, ["item", "item_label", "group", "estimate", "ci_low", "ci_high"], "grouped_bars"
    )
    words = _texts(lang)
    table = _disclosed(table)
    items = _ordered(table["item"])
    groups = _ordered(table["group"])
    k = len(groups)
    ax = _axes(ax, 2.6 + len(items) * (0.42 * k + 0.3))
    marks, test = _significance(tests, lang) if tests is not None else ({}, None)
    labels = []
    for item in items:
        label = str(table.loc[table["item"] == item, "item_label"].iloc[0])
        mark = marks.get(item, "").replace(" ", _NBSP)
        labels.append(f"{label} ({mark})" if mark else label)
    tick_labels = _category_labels(ax, labels)
    pitch = _row_pitch(tick_labels, k * (_line_height() + 1.0) / _BAR_SHARE)
    height = _BAR_SHARE / k
    upper = _upper(table["ci_high"], 1.22)
    positions = np.arange(len(items))[::-1].astype(float)
    handles: list[Patch] = []
    legend_labels: list[str] = []
    values: list[Annotation] = []
    for j, group in enumerate(groups):
        rows = table[table["group"] == group].set_index("item").reindex(items)
        y = positions + ((k - 1) / 2 - j) * height
        est = _numeric(rows, "estimate")
        shown = _statuses(rows) != _SUPPRESSED
        colour = PALETTE[j % len(PALETTE)]
        hatch = HATCHES[j % len(HATCHES)]
        bars = ax.barh(
            y[shown],
            np.nan_to_num(est[shown]),
            height=height * 0.92,
            color=colour,
            edgecolor="white",
            linewidth=0.6,
            hatch=hatch,
            zorder=2,
        )
        _whiskers(ax, est, y, _numeric(rows, "ci_low"), _numeric(rows, "ci_high"), False)
        values += _row_labels(ax, y, rows, lang)
        handles.append(Patch(facecolor=colour, edgecolor="white", hatch=hatch, label=_plain(group)))
        legend_labels.append(_group_label(group, table[table["group"] == group], lang))
        bars.set_label(_plain(group))
    ax.set_yticks(positions, labels=tick_labels)
    ax.tick_params(axis="y", length=0)
    ax.set_ylim(-0.6, len(items) - 0.4)
    _percent_axis(ax, lang, "x", upper)
    ax.grid(axis="x", color=_LIGHT_GREY, linewidth=0.5)
    ax.set_xlabel(words["share"])
    legend = _legend_top(ax, handles, legend_labels)
    notes = _status_notes(table, words)
    if test is not None:
        notes.insert(0, _significance_note(lang, test))
    _fit(
        ax,
        legend,
        _titles(ax, title, synthetic, lang),
        _notes(ax, notes),
        _room_right(ax, values),
        _rows_height(pitch, len(items)),
    )
    return ax


@_styled
def share_bars(
    table: pd.DataFrame,
    ax: Axes | None = None,
    lang: str = "nl",
    title: str | None = None,
    synthetic: bool = False,
) -> Axes:
    """Horizontal bars of the shares of the levels of one variable, values written beside.

    Parameters
    ----------
    table
        Columns ``level``, ``estimate``, ``ci_low``, ``ci_high`` (0-1) and optionally
        ``status`` ("[c]", "[u]" or ""), in the order to show from top to bottom.
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
    >>> ax = share_bars(table.assign(status=["[c]", "[u]"]), lang="en")
    >>> [t.get_text() for t in ax.texts][:2]
    ['[c]', '96% [u]']
    """
    _require(table, ["level", "estimate", "ci_low", "ci_high"], "share_bars")
    words = _texts(lang)
    table = _disclosed(table)
    ax = _axes(ax, 2.4 + 0.65 * len(table))
    tick_labels = _category_labels(ax, list(table["level"]))
    pitch = _row_pitch(tick_labels, max(_line_height() + 2.0, 14.0))
    positions = np.arange(len(table))[::-1].astype(float)
    est = _numeric(table, "estimate")
    shown = _statuses(table) != _SUPPRESSED
    ax.barh(positions[shown], np.nan_to_num(est[shown]), height=0.65, color=PALETTE[0], zorder=2)
    _whiskers(ax, est, positions, _numeric(table, "ci_low"), _numeric(table, "ci_high"), False)
    values = _row_labels(ax, positions, table, lang)
    ax.set_yticks(positions, labels=tick_labels)
    ax.tick_params(axis="y", length=0)
    ax.set_ylim(-0.6, len(table) - 0.4)
    _percent_axis(ax, lang, "x", _upper(table["ci_high"], 1.2))
    ax.grid(axis="x", color=_LIGHT_GREY, linewidth=0.5)
    ax.set_xlabel(words["share"])
    _fit(
        ax,
        _titles(ax, title, synthetic, lang),
        _notes(ax, _status_notes(table, words)),
        _room_right(ax, values),
        _rows_height(pitch, len(table)),
    )
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
        ``n`` and ``status`` ("[c]", "[u]" or ""; an unreliable dot gets "[u]" beside it);
        proportions 0-1.
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
    table = _disclosed(table)
    items = _ordered(table["item_label"])
    groups = _ordered(table["group"])
    k = len(groups)
    ax = _axes(ax, 2.8 + len(items) * (0.25 * k + 0.45))
    tick_labels = _category_labels(ax, items)
    step = min(0.22, 0.7 / max(k, 1))
    # the dots of a statement, and the "[c]" or "[u]" beside them, stand a step apart
    dot = max(8.0, _line_height() + 1.0 if (_statuses(table) != "").any() else 0.0)
    pitch = _row_pitch(tick_labels, dot / step if k > 1 else dot + 2.0)
    positions = np.arange(len(items))[::-1].astype(float)
    handles: list[Line2D] = []
    labels: list[str] = []
    values: list[Annotation] = []
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
        values += _row_labels(ax, y, rows, lang, values=False)
        handles.append(line)
        labels.append(_group_label(group, table[table["group"] == group], lang))
    ax.set_yticks(positions, labels=tick_labels)
    ax.tick_params(axis="y", length=0)
    ax.set_ylim(-0.6, len(items) - 0.4)
    ax.grid(axis="y", color=_LIGHT_GREY, linewidth=0.5)
    ax.grid(axis="x", color=_LIGHT_GREY, linewidth=0.5)
    _percent_axis(ax, lang, "x", _upper(table["ci_high"], 1.08))
    ax.set_xlabel(words["share"])
    legend = _legend_top(ax, handles, labels)
    _fit(
        ax,
        legend,
        _titles(ax, title, synthetic, lang),
        _notes(ax, _status_notes(table, words)),
        _room_right(ax, values),
        _rows_height(pitch, len(items)),
    )
    return ax


def _without_intercept(model: pd.DataFrame) -> pd.DataFrame:
    keep = pd.Series(True, index=model.index)
    for column in ("term", "term_label"):
        if column in model.columns:
            keep &= ~model[column].astype(str).str.strip().str.lower().isin(_INTERCEPT_TERMS)
    return model[keep]


def _forest_rows(labels: Sequence[str]) -> list[tuple[str, int | None]]:
    """The rows of a forest plot: (label, term number), a heading (number None) above each run.

    Two or more consecutive terms "Variable: level" of one variable get a row with the variable
    as heading and, below it, rows with only their levels; other terms keep their own label.

    Examples
    --------
    >>> _forest_rows(["Size", "Sector: care", "Sector: trade", "Region: north"])
    [('Size', 0), ('Sector', None), ('care', 1), ('trade', 2), ('Region: north', 3)]
    """
    rows: list[tuple[str, int | None]] = []
    i = 0
    while i < len(labels):
        variable, colon, _level = labels[i].partition(": ")
        end = i + 1
        while colon and end < len(labels) and labels[end].startswith(f"{variable}: "):
            end += 1
        if end - i >= 2:
            rows.append((variable, None))
            rows += [(labels[t][len(variable) + 2 :], t) for t in range(i, end)]
        else:
            rows.append((labels[i], i))
        i = end
    return rows


def _log_ticks(lo: float, hi: float) -> list[list[float]]:
    """Candidate ticks of a log axis from ``lo`` to ``hi``, densest first.

    The first are the sparsest of 1-2-5, 1-1.5-2-3-5-7 and 1-1.25-...-9 per decade that has 3
    ticks or more, then the sparser ones, and last the powers of ten.

    Examples
    --------
    >>> _log_ticks(0.08, 20.0)[0]
    [0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0]
    """

    def within(subs: Sequence[float]) -> list[float]:
        return sorted(
            {float(m) * 10.0**e for e in range(-4, 5) for m in subs if lo <= m * 10.0**e <= hi}
        )

    found = [
        within(subs)
        for subs in ((1, 2, 5), (1, 1.5, 2, 3, 5, 7), (1, 1.25, 1.5, 2, 2.5, 3, 4, 5, 6, 7, 8, 9))
    ]
    start = next((i for i, ticks in enumerate(found) if len(ticks) >= 3), len(found) - 1)
    return [ticks for ticks in [*found[start::-1], within((1,))] if ticks]


def _sparse_ticks(ax: Axes, candidates: Sequence[list[float]], lang: str) -> Callable[[], float]:
    """The layout step choosing the densest ticks whose labels stand at least 4 points apart."""

    def choose() -> float:
        fig = figure_of(ax)
        for ticks in candidates:
            x = [points(float(ax.transData.transform((t, 0.0))[0]), fig) for t in ticks]
            half = [text_size(_compact(t, lang))[0] / 2 for t in ticks]
            if all(x[i + 1] - x[i] >= half[i] + half[i + 1] + 4.0 for i in range(len(x) - 1)):
                break
        ax.xaxis.set_major_locator(FixedLocator(ticks))
        return 0.0

    return choose


@_styled
def forest_plot(
    model: pd.DataFrame, ax: Axes | None = None, lang: str = "nl", synthetic: bool = False
) -> Axes:
    """Odds ratios with confidence intervals on a log axis, with a reference line at 1.

    The intercept (``term`` or ``term_label`` "(Intercept)", "Intercept" or "const") is left out.
    The odds ratio and its interval are written in a column right of the plot. Consecutive
    terms "Variable: level" of one variable stand under a bold heading with the variable, each
    labelled with its level only (the alt text names them in full).

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
    rows = _forest_rows([str(label) for label in terms["term_label"]])
    ax = _axes(ax, 2.6 + 0.6 * len(rows))
    weights = ["bold" if term is None else "normal" for _label, term in rows]
    tick_labels = [
        _category_labels(ax, [label], weight)[0]
        for (label, _), weight in zip(rows, weights, strict=True)
    ]
    pitch = _row_pitch(tick_labels, max(_line_height() + 2.0, 10.0))  # bold is as high
    row_positions = np.arange(len(rows))[::-1].astype(float)
    positions = np.array(
        [y for y, (_, term) in zip(row_positions, rows, strict=True) if term is not None]
    )
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
    candidates = _log_ticks(lo, hi)
    ax.xaxis.set_major_locator(FixedLocator(candidates[0]))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: _compact(v, lang)))
    for y, r, a, b in zip(positions, ratio, low, high, strict=True):
        if np.isfinite(r):
            interval = format_ci(a, b, lang, 2, percent=False)
            interval = "" if interval == MISSING else f" ({interval})"
            _label_right(ax, y, f"{format_number(r, lang, 2)}{interval}")
    ax.set_yticks(row_positions, labels=tick_labels)
    for label, weight in zip(ax.get_yticklabels(), weights, strict=True):
        label.set_fontweight(weight)
    ax.tick_params(axis="y", length=0)
    ax.set_ylim(-0.6, len(rows) - 0.4)
    ax.grid(axis="x", color=_LIGHT_GREY, linewidth=0.5)
    ax.set_xlabel(words["odds_ratio"])
    _fit(
        ax,
        _titles(ax, None, synthetic, lang),
        _sparse_ticks(ax, candidates, lang),
        _rows_height(pitch, len(rows)),
    )
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
    tick_labels = _category_labels(ax, names)
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
    beside = []
    for y, name in zip(positions, names, strict=True):
        w = np.asarray(weights[name], dtype=float)
        w = w[np.isfinite(w)]
        deff = kish_deff(w) if w.size and w.sum() > 0 else float("nan")
        text = f"{words['deff']} {format_number(deff, lang, 2)}\nn = {_count(w.size, lang)}"
        beside.append(_label_right(ax, y, text).get_text())
    pitch = _row_pitch(tick_labels, max(text_size(text)[1] for text in beside) + _ROW_GAP)
    ax.set_yticks(positions, labels=tick_labels)
    ax.tick_params(axis="y", length=0)
    ax.set_ylim(-0.6, len(names) - 0.4)
    ax.grid(axis="x", color=_LIGHT_GREY, linewidth=0.5)
    ax.set_xlabel(words["weight"])
    _fit(
        ax,
        _titles(ax, None, synthetic, lang),
        _note(ax, words["box_note"]),
        _rows_height(pitch, len(names)),
    )
    return ax


#: The chart functions by name, as a study's figure spec (``chart:``) names them; every one has
#: an :func:`~survey.figures.alt_text` of the same name.
CHARTS: Mapping[str, Callable[..., Axes]] = MappingProxyType(
    {
        "trend": trend,
        "grouped_bars": grouped_bars,
        "share_bars": share_bars,
        "dot_plot": dot_plot,
        "forest_plot": forest_plot,
        "weight_distribution": weight_distribution,
    }
)
