"""Fitting text into a figure: measured text sizes, labels wrapped to a width, figures grown to fit.

The charts of :mod:`survey.figures.charts` use these helpers so that no two texts of a figure
overlap, whatever the labels of a study are: :func:`text_size` measures a text as matplotlib
draws it (in points, in the house font), :func:`fit_text` wraps a label at word boundaries to a
width and shortens it with an ellipsis only when it would need more lines than allowed, and
:func:`fit_height` lays a figure out, lets the chart adjust its texts to the measured layout and
grows the figure's height until the plot area is as high as the chart needs. Everything is
deterministic: equal input gives equal sizes, so saved files stay byte-identical.

This module draws no chart and holds no words; it does not decide how much room a chart needs
(the chart says), and it never makes a figure narrower or lower than it was.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.text import Text

from survey.figures.style import _FONT_PT, _RC, _plain

__all__ = ["ELLIPSIS", "figure_of", "fit_height", "fit_text", "lay_out", "points", "text_size"]

#: What a shortened label ends with.
ELLIPSIS = "\u2026"
#: Layout rounds :func:`fit_height` tries before it gives up growing the figure.
_ROUNDS = 6


@functools.cache
def _measuring_text() -> tuple[Text, RendererAgg]:
    """A text on a 72-dpi figure of its own (so that its pixels are points) and its renderer."""
    fig = Figure(dpi=72)
    canvas = FigureCanvasAgg(fig)
    return fig.text(0.0, 0.0, ""), canvas.get_renderer()


@functools.cache
def text_size(text: str, fontsize: float = _FONT_PT, weight: str = "normal") -> tuple[float, float]:
    """The width and height in points of a text as matplotlib draws it in the house font.

    Parameters
    ----------
    text
        The text as it will be drawn; lines separated by ``"\\n"``. It is drawn literally (no
        mathtext), so pass it through the same escaping as the chart does.
    fontsize
        Font size in points.
    weight
        Font weight, e.g. ``"normal"`` or ``"bold"``.

    Returns
    -------
    tuple of float
        Width and height of the text's box (all lines, with the line spacing of matplotlib).

    Examples
    --------
    >>> one, two = text_size("Kosten"), text_size("Kosten\\nBegeleiding")
    >>> two[0] > one[0] and two[1] > 1.8 * one[1]
    True
    """
    measured, renderer = _measuring_text()
    font = FontProperties(family=_RC["font.sans-serif"], size=fontsize, weight=weight)
    measured.set_fontproperties(font)
    measured.set_text(text)
    box = measured.get_window_extent(renderer)
    return float(box.width), float(box.height)


def _width(text: str, fontsize: float, weight: str) -> float:
    return text_size(text, fontsize, weight)[0]


def _shortened(line: str, width: float, fontsize: float, weight: str) -> str:
    """The line itself when it fits, else as many words (or characters) as fit, then "…"."""
    if _width(line, fontsize, weight) <= width:
        return line
    words = line.split(" ")
    while len(words) > 1:
        words.pop()
        candidate = " ".join(words).rstrip(" ,;:-") + ELLIPSIS
        if _width(candidate, fontsize, weight) <= width:
            return candidate
    word = words[0]
    while len(word) > 1 and _width(word + ELLIPSIS, fontsize, weight) > width:
        word = word[:-1]
    return word + ELLIPSIS


def _wrapped(paragraph: str, width: float, fontsize: float, weight: str) -> list[str]:
    """A paragraph broken at its spaces (never at a no-break space) into lines of ``width``."""
    lines: list[str] = []
    current = ""
    for word in (w for w in paragraph.split(" ") if w):
        candidate = f"{current} {word}" if current else word
        if current and _width(candidate, fontsize, weight) > width:
            lines.append(current)
            current = word
        else:
            current = candidate
    return [*lines, current]


def fit_text(
    text: object,
    width: float,
    fontsize: float = _FONT_PT,
    max_lines: int | None = None,
    weight: str = "normal",
) -> str:
    """A label wrapped at word boundaries to ``width`` points, shortened only when it must be.

    The text is escaped for matplotlib (drawn literally) and broken at spaces, never within a
    word or at a no-break space (``"p\\u00a0<\\u00a00,05"`` stays on one line). A word wider
    than ``width`` on its own, or the lines beyond ``max_lines``, are cut and end with "…":
    the full text belongs in the figure's alt text.

    Parameters
    ----------
    text
        The label (existing line breaks are kept).
    width
        The widest a line may be, in points.
    fontsize
        Font size in points.
    max_lines
        The most lines the label may take; None for as many as it needs.
    weight
        Font weight, e.g. ``"bold"``.

    Returns
    -------
    str
        The label with ``"\\n"`` between its lines.

    Examples
    --------
    >>> label = "Informatie, communicatie en financiële dienstverlening"
    >>> fit_text(label, 120)
    'Informatie, communicatie en\\nfinanciële dienstverlening'
    >>> fit_text(label, 120, max_lines=1)
    'Informatie, communicatie…'
    """
    lines = [
        line
        for paragraph in _plain(text).split("\n")
        for line in _wrapped(paragraph, width, fontsize, weight)
    ]
    if max_lines is not None and len(lines) > max(max_lines, 1):
        keep = max(max_lines, 1)
        # the lines left over never fit on one line, so the last one always ends with "…"
        rest = " ".join(lines[keep - 1 :])
        lines = [*lines[: keep - 1], _shortened(rest, width, fontsize, weight)]
    return "\n".join(_shortened(line, width, fontsize, weight) for line in lines)


def points(pixels: float, fig: Figure) -> float:
    """A length in display pixels of ``fig`` as points.

    Examples
    --------
    >>> points(200.0, Figure(dpi=200))
    72.0
    """
    return pixels * 72.0 / fig.dpi


def figure_of(ax: Axes) -> Figure:
    """The (root) figure an Axes is drawn on.

    Examples
    --------
    >>> fig = Figure()
    >>> figure_of(fig.add_subplot()) is fig
    True
    """
    fig = ax.get_figure(root=True)
    if not isinstance(fig, Figure):
        raise ValueError("the Axes is not on a figure")
    return fig


#: The warning of matplotlib's constrained layout when the decorations leave the Axes no room.
_COLLAPSED = "constrained_layout not applied"


def lay_out(fig: Figure) -> bool:
    """Lay the figure out as drawing it would, without drawing; False when it is too low.

    A figure whose texts leave its Axes no room at all is not laid out by matplotlib's
    constrained layout (its Axes keep their default places); its warning is caught here, as
    :func:`fit_height` is about to make the figure higher. Other warnings pass on as they are.

    Examples
    --------
    >>> fig = Figure(figsize=(6.3, 0.3), layout="constrained")
    >>> ax = fig.add_subplot()
    >>> _ = ax.set_xlabel("A label"), ax.set_title("A title")
    >>> lay_out(fig)
    False
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig.draw_without_rendering()
    collapsed = False
    for warning in caught:
        if str(warning.message).startswith(_COLLAPSED):
            collapsed = True
        else:
            warnings.warn_explicit(
                warning.message, warning.category, warning.filename, warning.lineno
            )
    return not collapsed


def _plot_height(ax: Axes) -> float:
    """The height of the plot area in points (after the last layout)."""
    fig = figure_of(ax)
    return float(ax.get_position().height * fig.get_figheight() * 72.0)


def fit_height(ax: Axes, adjust: Callable[[], float]) -> None:
    """Lay the figure out and grow its height until the plot area is as high as the chart needs.

    Each round lays the figure out (as drawing it would), then calls ``adjust``, which may move
    or re-wrap texts to the measured layout and returns the plot height it needs in points. The
    figure grows by what is missing until the plot area is high enough (a few rounds, as the
    layout engine shares the extra height out again; a figure too low to be laid out at all
    grows by the whole height needed), then ``adjust`` runs once more on the final layout. A
    figure is never made lower or narrower, and one holding other Axes is not grown (its
    caller decides the size).

    Parameters
    ----------
    ax
        The Axes of the chart.
    adjust
        Called after every layout; returns the plot height needed (points).

    Examples
    --------
    >>> fig = Figure(figsize=(6.3, 2.0), layout="constrained")
    >>> ax = fig.add_subplot()
    >>> fit_height(ax, lambda: 300.0)
    >>> bool(ax.bbox.height >= 300.0 * fig.dpi / 72.0 - 1.0)  # the plot is 300 points high
    True
    """
    fig = figure_of(ax)
    alone = all(other is ax or other in ax.child_axes for other in fig.axes)
    for _ in range(_ROUNDS):
        laid_out = lay_out(fig)
        missing = adjust() - (_plot_height(ax) if laid_out else 0.0)
        if missing <= 0.5 or not alone:
            break
        fig.set_figheight(float(fig.get_figheight()) + (missing + 1.0) / 72.0)
    fig.draw_without_rendering()
    adjust()
