"""The chart functions: survey results drawn in the house style on a matplotlib Axes.

Every chart function takes a tidy table as the study's analyses return it (proportions and
their confidence bounds 0-1), draws it on a :class:`matplotlib.axes.Axes` (a new 16 cm wide
figure when ``ax`` is None) and returns the Axes: :func:`trend` (lines over periods),
:func:`grouped_bars`, :func:`share_bars`, :func:`dot_plot`, :func:`forest_plot` and
:func:`weight_distribution`, all listed by name in :data:`CHARTS`. Groups are told apart by
marker or hatching as well as by colour and named in a legend with those markers; values are
written beside the points and bars in the language's number format (:mod:`survey.format`).
``synthetic=True`` marks a figure made from synthetic data with a visible note in its top right
corner. Only the Agg canvas is used (no pyplot, no global backend switch, no windows).

The estimate tables may be disclosed tables, with a ``status`` column: a suppressed cell
("[c]") is drawn as nothing but the text "[c]" where its bar or point would start (no bar,
point, whisker or value, whatever the table still holds, and no say in the axis limits; a trend
line gets a gap), an unreliable one ("[u]") as usual with " [u]" after its value, and a note
below the chart explains the marks that occur. Significance tests that are suppressed or
``not_assessable`` get no mark. Without ``status`` column a table is drawn as it always was.

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
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FixedLocator, FuncFormatter, MaxNLocator, NullLocator

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
    _styled,
    _texts,
    _wrap,
)
from survey.format import MISSING, format_ci, format_number, format_percent
from survey.weighting import kish_deff

__all__ = [
    "CHARTS",
    "dot_plot",
    "forest_plot",
    "grouped_bars",
    "share_bars",
    "significance_mark",
    "trend",
    "weight_distribution",
]

_INTERCEPT_TERMS = frozenset({"(intercept)", "intercept", "const"})


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


# --------------------------------------------------------------------------- shared helpers


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
    """The upper axis limit for proportions; missing (suppressed) values are ignored."""
    finite = pd.to_numeric(values, errors="coerce").dropna()
    top = float(finite.max()) if not finite.empty else math.nan
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


def _note(ax: Axes, text: str, below: Artist | None = None) -> None:
    """A footnote below the x-axis label (or the artist ``below``), from the figure's left edge.

    Its height follows the label after layout, so it never overlaps it; starting at the figure's
    edge rather than the plot's, a long note does not squeeze the plot.
    """
    ax.annotate(
        text,
        xy=(0.0, 0.0),
        xycoords=("figure fraction", ax.xaxis.label if below is None else below),
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


def _suppressed_mark(
    ax: Axes,
    xy: tuple[float, float],
    offset: tuple[float, float],
    ha: str = "left",
    va: str = "center",
) -> None:
    """The visible "[c]" of a suppressed cell, in ink colour, at ``offset`` points from ``xy``."""
    ax.annotate(
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
) -> None:
    """Labels of horizontal rows: a value after each bar or whisker, "[c]" at 0 when suppressed.

    Without ``values`` only the "[u]" of an unreliable row is written (for the dot plot).
    """
    est, high = _numeric(rows, "estimate"), _numeric(rows, "ci_high")
    for yi, e, hi, status in zip(y, est, high, _statuses(rows), strict=True):
        if status == _SUPPRESSED:
            _suppressed_mark(ax, (0.0, yi), (3.0, 0.0))
            continue
        text = _value_text(e, status, lang) if values else status
        if np.isfinite(e) and text:
            ax.annotate(
                text,
                xy=(max(e, hi) if np.isfinite(hi) else e, yi),
                xytext=(3.0, 0.0),
                textcoords="offset points",
                ha="left",
                va="center",
                fontsize=_FONT_PT,
            )


def _notes(ax: Axes, notes: Sequence[str], below: Artist | None = None) -> None:
    """The footnotes of a chart, one a line, as :func:`_note` writes them (none when empty)."""
    if notes:
        _note(ax, "\n".join(notes), below)


def _series(
    table: pd.DataFrame, measure: Any, group: Any, position: dict[Any, int]
) -> pd.DataFrame:
    """The rows of one line of a trend, in the order of the periods."""
    rows = table[(table["measure"] == measure) & (table["group"] == group)]
    rows = rows[rows["period"].notna()]
    order = np.argsort([position[p] for p in rows["period"]], kind="stable")
    return rows.iloc[order]


# --------------------------------------------------------------------------- chart functions


@_styled
def trend(
    table: pd.DataFrame, ax: Axes | None = None, lang: str = "nl", synthetic: bool = False
) -> Axes:
    """Trend of one or more measures over periods: a line per group, a block of periods per measure.

    The measures stand side by side on one Axes, each with its own block of periods (the
    measure's label below the period ticks); every group (e.g. a region) is a line with its own
    colour, marker and line style, named in the legend, with confidence-interval whiskers and
    the values written beside the points.

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
    block = len(periods) + 1
    dodge = 0.07
    offsets = {g: (j - (len(groups) - 1) / 2) * dodge for j, g in enumerate(groups)}
    upper = _upper(table["ci_high"], 1.15)
    handles: dict[Any, Line2D] = {}
    labels_at: dict[tuple[int, int], list[tuple[float, float, str]]] = {}
    hidden_at: dict[tuple[int, int], list[float]] = {}
    for i, measure in enumerate(measures):
        for j, group in enumerate(groups):
            rows = _series(table, measure, group, position)
            if rows.empty:
                continue
            period_index = np.array([position[p] for p in rows["period"]])
            x = i * block + period_index + offsets[group]
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
            handles.setdefault(group, line)
            for xi, yi, k, status in zip(x, est, period_index, _statuses(rows), strict=True):
                if status == _SUPPRESSED:
                    hidden_at.setdefault((i, int(k)), []).append(float(xi))
                elif np.isfinite(yi):
                    labels_at.setdefault((i, int(k)), []).append(
                        (float(xi), float(yi), _value_text(yi, status, lang))
                    )
    gap = upper * 0.055
    for (i, k), points in labels_at.items():
        left = k == 0 and len(periods) > 1
        edge = i * block + k + (-1 if left else 1) * (max(offsets.values()) + 0.09)
        for (_x, _y, text), y in zip(points, _spread([p[1] for p in points], gap), strict=True):
            ax.text(edge, y, text, ha="right" if left else "left", va="center", fontsize=_FONT_PT)
    for xs in hidden_at.values():  # stacked, so the marks of one period never overlap
        for rank, xi in enumerate(xs):
            _suppressed_mark(ax, (xi, 0.0), (0.0, 3.0 + 10.0 * rank), "center", "bottom")
    ax.set_xticks(
        [i * block + k for i in range(len(measures)) for k in range(len(periods))],
        labels=[_plain(p) for _ in measures for p in periods],
    )
    ax.set_xlim(-0.7, (len(measures) - 1) * block + len(periods) - 1 + 0.7)
    measure_labels = [
        _wrap(table.loc[table["measure"] == m, "measure_label"].iloc[0], 36) for m in measures
    ]
    secondary = ax.secondary_xaxis(location=0)
    secondary.set_xticks(
        [i * block + (len(periods) - 1) / 2 for i in range(len(measures))], labels=measure_labels
    )
    secondary.tick_params(length=0, pad=18, labelsize=_FONT_PT)
    secondary.spines["bottom"].set_visible(False)
    _percent_axis(ax, lang, "y", upper)
    ax.set_ylabel(words["share"])
    ax.grid(axis="y", color=_LIGHT_GREY, linewidth=0.5)
    shown = [g for g in groups if g in handles]
    pad = _legend_top(ax, [handles[g] for g in shown], [_plain(g) for g in shown])
    _titles(ax, None, synthetic, lang, pad)
    _notes(ax, _status_notes(table, words), below=secondary.xaxis.label)
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
    >>> ax = grouped_bars(table, pd.DataFrame({"item": ["a"], "p_holm": [0.004]}))
    >>> [t.get_text() for t in ax.get_yticklabels()]
    ['Item A **']
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
    height = 0.8 / k
    upper = _upper(table["ci_high"], 1.22)
    marks: dict[Any, str] = {}
    p_column = None
    if tests is not None:
        p_column = "p_holm" if "p_holm" in tests.columns else "p_value"
        _require(tests, ["item", p_column], "grouped_bars tests")
        assessed = _assessable(tests)
        for item, p in zip(assessed["item"], _numeric(assessed, p_column), strict=True):
            marks[item] = significance_mark(p)
    positions = np.arange(len(items))[::-1].astype(float)
    handles: list[Patch] = []
    labels: list[str] = []
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
        _row_labels(ax, y, rows, lang)
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
    notes = _status_notes(table, words)
    if p_column is not None:
        notes.insert(0, words["sig_holm" if p_column == "p_holm" else "sig_raw"])
    _notes(ax, notes)
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
    positions = np.arange(len(table))[::-1].astype(float)
    est = _numeric(table, "estimate")
    shown = _statuses(table) != _SUPPRESSED
    ax.barh(positions[shown], np.nan_to_num(est[shown]), height=0.65, color=PALETTE[0], zorder=2)
    _whiskers(ax, est, positions, _numeric(table, "ci_low"), _numeric(table, "ci_high"), False)
    _row_labels(ax, positions, table, lang)
    ax.set_yticks(positions, labels=[_wrap(v) for v in table["level"]])
    ax.tick_params(axis="y", length=0)
    ax.set_ylim(-0.6, len(table) - 0.4)
    _percent_axis(ax, lang, "x", _upper(table["ci_high"], 1.2))
    ax.grid(axis="x", color=_LIGHT_GREY, linewidth=0.5)
    ax.set_xlabel(words["share"])
    _titles(ax, title, synthetic, lang)
    _notes(ax, _status_notes(table, words))
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
        _row_labels(ax, y, rows, lang, values=False)
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
    _notes(ax, _status_notes(table, words))
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
            interval = format_ci(a, b, lang, 2, percent=False)
            interval = "" if interval == MISSING else f" ({interval})"
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
