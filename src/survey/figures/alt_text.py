"""Alt text of the figures: a short plain-text description with the key numbers of each chart.

:func:`alt_text` writes, for each kind of chart in :mod:`survey.figures.charts`, one to a few
sentences for the figure's ``alt`` attribute (and the SVG's ``<title>``): the values of a trend,
the largest difference between groups, the highest and lowest share or odds ratio, the spread
of the weights. Numbers are written exactly as in the figure and the report tables
(:mod:`survey.format`), so that a screen-reader user hears the numbers a sighted reader sees.
A disclosed table's suppressed cells (``status`` "[c]") are named with "[c]" and never with
their values, and only the cells shown count for the highest, lowest or largest difference;
unreliable values get " [u]"; the marks are explained in closing sentences, as in the figure.
With the significance tests of grouped bars, the items whose groups differ significantly are
named with the bound their p-value is below ("p < 0,01"), as the figure writes them.

This module does not draw or save figures and does not escape the text (the SVG writer and the
HTML templates do).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from survey.figures.charts import (
    _SUPPRESSED,
    _disclosed,
    _numeric,
    _ordered,
    _series,
    _significance,
    _status_notes,
    _statuses,
    _value_text,
    _without_intercept,
)
from survey.figures.style import _count, _texts
from survey.format import format_ci, format_number
from survey.weighting import kish_deff

__all__ = ["alt_text"]


def alt_text(
    kind: str,
    table: pd.DataFrame | Mapping[str, np.ndarray],
    lang: str = "nl",
    tests: pd.DataFrame | None = None,
) -> str:
    """A short plain-text description of a figure for its ``alt`` attribute.

    Parameters
    ----------
    kind
        The chart function the figure was made with: ``"trend"``, ``"grouped_bars"``,
        ``"share_bars"``, ``"dot_plot"``, ``"forest_plot"`` or ``"weight_distribution"``.
    table
        The table the figure was drawn from (for ``"weight_distribution"`` the mapping of
        weights per wave).
    lang
        ``"nl"`` or ``"en"``.
    tests
        For ``"grouped_bars"``: the significance tests the figure was drawn with (see
        :func:`~survey.figures.grouped_bars`); the items whose groups differ significantly are
        named with their mark. Ignored for the other kinds.

    Returns
    -------
    str
        One to a few sentences with the key numbers (the values of a trend, the largest
        difference between groups, the highest and lowest share or odds ratio), unescaped.
        Suppressed cells of a disclosed table appear as "<label> [c]", unreliable values with
        " [u]", and the marks that occur are explained at the end ("[c]" last).

    Examples
    --------
    >>> table = pd.DataFrame({"level": ["Ja", "Nee"], "estimate": [0.039, 0.961],
    ...                       "ci_low": [0.02, 0.94], "ci_high": [0.06, 0.98]})
    >>> alt_text("share_bars", table)
    'Staafdiagram van 2 categorieën: Ja 3,9%, Nee 96%.'
    >>> alt_text("share_bars", table.assign(status=["[c]", ""]), lang="en")
    'Bar chart of 2 categories: Ja [c], Nee 96%. [c] = not shown: too few respondents (disclosure control).'
    >>> bars = pd.DataFrame({"item": ["a", "a"], "item_label": ["Kosten"] * 2,
    ...     "group": ["G1", "G2"], "estimate": [0.3, 0.1], "ci_low": [0.2, 0.05],
    ...     "ci_high": [0.4, 0.15]})
    >>> text = alt_text("grouped_bars", bars, "en", tests=pd.DataFrame({"item": ["a"], "p_holm": [0.004]}))
    >>> text[text.index("Significant"):]
    'Significant difference between the groups (Holm-adjusted test) for Kosten (p < 0.01).'
    """
    words = _texts(lang)
    if kind == "weight_distribution":
        if not isinstance(table, Mapping):
            raise ValueError("alt_text('weight_distribution') needs the weights per wave")
        return _alt_weights(table, lang, words)
    if not isinstance(table, pd.DataFrame):
        raise ValueError(f"alt_text({kind!r}) needs a data frame")
    writers: dict[str, Callable[[pd.DataFrame, str, dict[str, str]], str]] = {
        "trend": _alt_trend,
        "grouped_bars": _alt_groups,
        "dot_plot": _alt_groups,
        "share_bars": _alt_shares,
        "forest_plot": _alt_forest,
    }
    if kind not in writers:
        raise ValueError(f"unknown figure kind {kind!r}; use one of {sorted(writers)}")
    table = _disclosed(table)
    text = (
        _alt_groups(table, lang, words, dots=True)
        if kind == "dot_plot"
        else writers[kind](table, lang, words)
    )
    sentences = [text]
    if kind == "grouped_bars" and tests is not None:
        sentences.append(_alt_significance(table, tests, lang, words))
    return " ".join([*sentences, *(f"{note}." for note in _status_notes(table, words))])


#: At most this many values are listed one by one; beyond, only the key ones are named.
_LISTED = 8


def _join(parts: Sequence[str], lang: str) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return f"{', '.join(parts[:-1])} {_texts(lang)['and']} {parts[-1]}"


def _sentence(text: str) -> str:
    """The text with a capital first letter (the rest as it is) and a full stop."""
    return f"{text[:1].upper()}{text[1:]}."


def _described(estimate: float, status: str) -> bool:
    """Whether the alt text names a cell: a value, or the "[c]" of a suppressed one."""
    return status == _SUPPRESSED or bool(np.isfinite(estimate))


def _suppressed_cells(labels: Sequence[str], total: int, lang: str, words: dict[str, str]) -> str:
    """The suppressed cells of ``total`` named: all of them, a list of a few, or a count."""
    if len(labels) == total:
        return words["suppressed_all"]
    if len(labels) <= _LISTED:
        return _join([f"{label} {_SUPPRESSED}" for label in labels], lang)
    return words["suppressed_some"].format(k=len(labels), n=total)


def _alt_trend(table: pd.DataFrame, lang: str, words: dict[str, str]) -> str:
    sentences = [words["trend"] + "."]
    periods = _ordered(table["period"])
    position = {p: k for k, p in enumerate(periods)}
    for measure in _ordered(table["measure"]):
        rows = table[table["measure"] == measure]
        parts = []
        for group in _ordered(rows["group"]):
            series = _series(rows, measure, group, position)
            cells = zip(
                series["period"], _numeric(series, "estimate"), _statuses(series), strict=True
            )
            values = [
                f"{_value_text(e, status, lang)} {words['in']} {p}"
                for p, e, status in cells
                if _described(e, status)
            ]
            parts.append(f"{group} {_join(values, lang)}")
        sentences.append(f"{rows['measure_label'].iloc[0]}: {'; '.join(parts)}.")
    return " ".join(sentences)


_Cells = dict[tuple[Any, Any], tuple[float, str]]


def _cells(table: pd.DataFrame) -> _Cells:
    """Estimate and status per (item label, group) that the alt text names, the first row each."""
    cells: _Cells = {}
    keys = zip(table["item_label"], table["group"], strict=True)
    for key, e, status in zip(keys, _numeric(table, "estimate"), _statuses(table), strict=True):
        if _described(e, status):
            cells.setdefault(key, (float(e), status))
    return cells


def _largest_difference(
    cells: _Cells, items: Sequence[Any], groups: Sequence[Any], lang: str, words: dict[str, str]
) -> str:
    """The item whose first two groups differ most, among the cells shown; "" when none."""
    first, second = groups[0], groups[1]
    missing = (math.nan, "")
    differences = {
        item: abs(cells.get((item, first), missing)[0] - cells.get((item, second), missing)[0])
        for item in items
    }
    shown = {item: d for item, d in differences.items() if np.isfinite(d)}
    if not shown:
        return ""
    item = max(shown, key=lambda i: shown[i])
    return (
        f"{words['largest_diff']}: {item} ({first} {_value_text(*cells[item, first], lang)}, "
        f"{second} {_value_text(*cells[item, second], lang)})"
    )


def _alt_groups(table: pd.DataFrame, lang: str, words: dict[str, str], dots: bool = False) -> str:
    groups = _ordered(table["group"])
    items = _ordered(table["item_label"])
    intro = words["dots" if dots else "bars"].format(k=len(items), groups=_join(groups, lang))
    cells = _cells(table)
    parts = [intro]
    if len(groups) >= 2:
        parts.append(_largest_difference(cells, items, groups, lang, words))
    hidden = [f"{item} ({group})" for (item, group), (_, s) in cells.items() if s == _SUPPRESSED]
    if hidden:
        parts.append(_suppressed_cells(hidden, len(cells), lang, words))
    return " ".join(_sentence(part) for part in parts if part)


def _alt_significance(
    table: pd.DataFrame, tests: pd.DataFrame, lang: str, words: dict[str, str]
) -> str:
    """The items whose groups differ significantly, with their marks, as one sentence."""
    marks, test = _significance(tests, lang)
    labels = dict(zip(table["item"], table["item_label"], strict=True))
    named = [f"{labels[item]} ({mark})" for item, mark in marks.items() if item in labels]
    if not named:
        return _sentence(words["sig_alt_none"].format(test=words[test]))
    return _sentence(words["sig_alt"].format(test=words[test], items=_join(named, lang)))


def _alt_shares(table: pd.DataFrame, lang: str, words: dict[str, str]) -> str:
    rows = zip(table["level"], _numeric(table, "estimate"), _statuses(table), strict=True)
    cells = [(str(level), e, status) for level, e, status in rows if _described(e, status)]
    intro = words["shares"].format(k=len(table))
    if len(cells) <= _LISTED:
        return f"{intro}: {', '.join(f'{lv} {_value_text(e, s, lang)}' for lv, e, s in cells)}."
    shown = [cell for cell in cells if cell[2] != _SUPPRESSED]
    hidden = [cell[0] for cell in cells if cell[2] == _SUPPRESSED]
    parts = []
    if shown:
        top = max(shown, key=lambda v: v[1])
        bottom = min(shown, key=lambda v: v[1])
        parts.append(
            f"{words['highest']}: {top[0]} {_value_text(top[1], top[2], lang)}, "
            f"{words['lowest']}: {bottom[0]} {_value_text(bottom[1], bottom[2], lang)}"
        )
    if hidden:
        parts.append(_suppressed_cells(hidden, len(cells), lang, words))
    return f"{intro}; {'; '.join(parts)}."


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
            f"({words['ci']} {format_ci(low[i], high[i], lang, 2, percent=False)})"
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
