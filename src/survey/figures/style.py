"""The house style of the figures: palette, markers, rc parameters, the figures' words, text helpers.

Every chart is drawn in one style: the UK Government Analysis Function colour-blind-safe
categorical palette (:data:`PALETTE`), groups told apart by marker (:data:`MARKERS`), hatching
(:data:`HATCHES`) or line style as well as by colour, DejaVu Sans at 8 pt or more, and numbers
in the format of the language (``lang="nl"``: "3,9%", ``"en"``: "3.9%", written by
:mod:`survey.format`). Every colour of the palette stands out at least 3:1 against the white
background (WCAG 2.1, 1.4.11) and every text colour at least 4.5:1 (1.4.3: ink 19.6:1, grey
10.9:1). The style is applied in a ``matplotlib.rc_context`` around each chart call and each
save (:func:`_styled`, :func:`_style`), and to an Axes a caller made outside it
(:func:`_restyle`); the global ``matplotlib.rcParams`` are never changed.

This module does not draw charts (:mod:`survey.figures.charts`), describe them
(:mod:`survey.figures.alt_text`) or write files (:mod:`survey.figures.save`), and it does not
round or format numbers itself (:mod:`survey.format`).
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable
from typing import Any, TypeVar, cast

import matplotlib
from cycler import cycler
from matplotlib.axes import Axes

from survey.format import format_count, format_number, round_half_up

__all__ = ["FIGURE_WIDTH_CM", "HATCHES", "MARKERS", "PALETTE", "PNG_DPI"]

#: UK Government Analysis Function categorical palette (colour-blind safe), in the order of use:
#: dark blue, turquoise, dark pink, orange, dark grey, light purple; against white 10.3, 3.2,
#: 9.8, 3.0, 10.9 and 3.1 to 1 (WCAG 1.4.11 asks 3:1 of bars, lines and points).
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
        "sig_note": "Achter een onderwerp staat {marks} als de groepen significant verschillen "
        "{test}",
        "sig_alt": "significant verschil tussen de groepen {test} bij {items}",
        "sig_alt_none": "bij geen enkel onderwerp een significant verschil tussen de groepen {test}",
        "test_holm": "(toets met Holm-correctie)",
        "test_raw": "(toets zonder correctie voor meervoudig toetsen)",
        "box_note": "Doos: eerste tot derde kwartiel, streep: mediaan, snorren: kleinste en "
        "grootste gewicht",
        "and": "en",
        "or": "of",
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
        "note_suppressed": "[c] = niet getoond: te weinig respondenten (onthullingscontrole)",
        "note_unreliable": "[u] = onbetrouwbare schatting",
        "suppressed_all": "alle waarden [c]",
        "suppressed_some": "{k} van de {n} waarden [c]",
    },
    "en": {
        "share": "Share",
        "odds_ratio": "Odds ratio (log scale)",
        "weight": "Weight (log scale)",
        "synthetic": "Synthetic data",
        "deff": "Kish design effect",
        "sig_note": "An item is followed by {marks} where the groups differ significantly {test}",
        "sig_alt": "significant difference between the groups {test} for {items}",
        "sig_alt_none": "no significant difference between the groups {test} for any item",
        "test_holm": "(Holm-adjusted test)",
        "test_raw": "(test not adjusted for multiple testing)",
        "box_note": "Box: first to third quartile, bar: median, whiskers: smallest and "
        "largest weight",
        "and": "and",
        "or": "or",
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
        "note_suppressed": "[c] = not shown: too few respondents (disclosure control)",
        "note_unreliable": "[u] = low reliability",
        "suppressed_all": "all values [c]",
        "suppressed_some": "{k} of the {n} values [c]",
    },
}

_F = TypeVar("_F", bound=Callable[..., Any])


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


def _plain(text: object) -> str:
    """Text from the data as matplotlib must get it to show it literally (no mathtext)."""
    return str(text).replace("$", r"\$")


def _restyle(ax: Axes) -> None:
    """Give an Axes made outside the house style the house style's spines, ticks and axis labels.

    A caller's ``fig.add_subplot()`` outside :func:`_style` makes its spines, ticks and axis
    labels with the global rcParams (10-pt black tick labels, a box around the plot); the
    chart functions call this on an Axes they are given, so that it looks as one they made.
    """
    ax.set_axisbelow(_RC["axes.axisbelow"])
    ax.set_prop_cycle(_RC["axes.prop_cycle"])
    for name, spine in ax.spines.items():
        spine.set_visible(_RC.get(f"axes.spines.{name}", True))
        spine.set_edgecolor(_RC["axes.edgecolor"])
        spine.set_linewidth(_RC["axes.linewidth"])
    ax.tick_params(
        axis="both",
        which="both",
        labelsize=_FONT_PT,
        labelfontfamily=_RC["font.sans-serif"][0],
        color=_GREY,
        labelcolor=_INK,
    )
    for axis in (ax.xaxis, ax.yaxis):
        axis.label.set_fontsize(_RC["axes.labelsize"])
        axis.label.set_color(_RC["axes.labelcolor"])
        axis.label.set_fontfamily(_RC["font.sans-serif"])


def _compact(value: float, lang: str) -> str:
    """A number with as few decimals as it needs (at most two): 0,5 / 2 / 1,25."""
    for decimals in (0, 1, 2):
        if abs(value - round_half_up(value, decimals)) < 1e-9 * max(1.0, abs(value)):
            return format_number(value, lang, decimals)
    return format_number(value, lang, 2)


def _count(n: float, lang: str) -> str:
    return format_count(n, lang)
