"""Alt text of the figures: a short plain-text description with the key numbers of each chart.

:func:`alt_text` writes, for each kind of chart in :mod:`survey.figures.charts`, one to a few
sentences for the figure's ``alt`` attribute (and the SVG's ``<title>``): the values of a trend,
the largest difference between groups, the highest and lowest share or odds ratio, the spread
of the weights. Numbers are written exactly as in the figure and the report tables
(:mod:`survey.format`), so that a screen-reader user hears the numbers a sighted reader sees.

This module does not draw or save figures and does not escape the text (the SVG writer and the
HTML templates do).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np
import pandas as pd

from survey.figures.charts import _numeric, _ordered, _series, _without_intercept
from survey.figures.style import _count, _texts
from survey.format import format_ci, format_number, format_percent
from survey.weighting import kish_deff

__all__ = ["alt_text"]


def alt_text(kind: str, table: pd.DataFrame | Mapping[str, np.ndarray], lang: str = "nl") -> str:
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
        "trend": _alt_trend,
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
    periods = _ordered(table["period"])
    position = {p: k for k, p in enumerate(periods)}
    for measure in _ordered(table["measure"]):
        rows = table[table["measure"] == measure]
        parts = []
        for group in _ordered(rows["group"]):
            series = _series(rows, measure, group, position)
            values = [
                f"{format_percent(e, lang)} {words['in']} {p}"
                for p, e in zip(series["period"], _numeric(series, "estimate"), strict=True)
                if np.isfinite(e)
            ]
            parts.append(f"{group} {_join(values, lang)}")
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
