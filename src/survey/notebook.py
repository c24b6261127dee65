"""Display helpers for Jupyter: estimate tables as styled HTML with their confidence intervals.

The notebooks in ``notebooks/`` call :func:`styled` to show an estimate table (from
:mod:`survey.analysis.estimate` or :mod:`survey.analysis.study`) the way a report does:
percentages with their interval, "26% (21–31%)", the number of respondents, and the NCHS
reliability flags highlighted. :class:`~survey.analysis.design.SurveyDesign` and
:class:`~survey.weighting.WeightingDiagnostics` display themselves (``_repr_html_``). Nothing
here computes an estimate; all data text is escaped.
"""

from __future__ import annotations

import html
from typing import Any

import pandas as pd
from pandas.io.formats.style import Styler

from survey.format import format_count, format_with_ci

__all__ = ["FLAG_COLOURS", "format_estimate", "styled"]

#: Background colour of rows carrying a reliability flag.
FLAG_COLOURS = {"suppress": "#f8d7da", "review": "#fff3cd"}

_PERCENT_STATS = ("proportion", "multiple response")
_LABEL_COLUMNS = ("variable", "item", "item_label", "measure", "region", "year", "by", "group")


def _missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def format_estimate(
    estimate: Any, ci_low: Any, ci_high: Any, percent: bool = True, digits: int | None = None
) -> str:
    """Format an estimate with its confidence interval, e.g. ``"26% (21–31%)"``.

    Written by the one number formatter (:func:`survey.format.format_with_ci`, English number
    format): rounded half up, the estimate and its interval with the same decimals.

    Parameters
    ----------
    estimate, ci_low, ci_high
        The estimate and its interval (proportions 0-1 when ``percent``).
    percent
        Show as percentages.
    digits
        Decimals; default 0 for percentages and 2 otherwise.

    Returns
    -------
    str
        The text; a dash for a missing estimate, the estimate alone when a bound is missing.

    Examples
    --------
    >>> format_estimate(0.2612, 0.2101, 0.3149)
    '26% (21–31%)'
    >>> format_estimate(3.214, 3.01, 3.42, percent=False)
    '3.21 (3.01–3.42)'
    """
    places = digits if digits is not None else (0 if percent else 2)
    return format_with_ci(estimate, ci_low, ci_high, "en", places, percent)


def _display_frame(table: pd.DataFrame, digits: int | None, level: float) -> pd.DataFrame:
    stats = table["stat"] if "stat" in table.columns else pd.Series("proportion", table.index)
    percent = stats.isin(_PERCENT_STATS) | ~stats.isin(["mean", "total", "ratio"])
    labels = [c for c in _LABEL_COLUMNS if c in table.columns and table[c].notna().any()]
    if "level" in table.columns and table["level"].notna().any():
        labels.append("level")
    out = pd.DataFrame(index=table.index)
    for column in labels:
        out[column] = table[column].map(lambda v: "" if _missing(v) else str(v))
    heading = f"estimate ({round(level * 100):g}% CI)"
    out[heading] = [
        format_estimate(e, lo, hi, bool(p), digits)
        for e, lo, hi, p in zip(
            table["estimate"],
            table.get("ci_low", pd.Series(None, table.index)),
            table.get("ci_high", pd.Series(None, table.index)),
            percent,
            strict=True,
        )
    ]
    for column in ("n", "n_level"):
        if column in table.columns:
            out[column] = table[column].map(lambda v: "" if _missing(v) else format_count(v, "en"))
    out["flag"] = (
        table["flag"].map(lambda v: "" if _missing(v) else str(v))
        if "flag" in table.columns
        else ""
    )
    if "status" in table.columns:  # a published table (survey.disclosure): its flags as shown
        hidden = (table["status"] == "[c]").to_numpy()
        for column in (heading, "n", "n_level"):
            if column in out.columns:
                out.loc[hidden & (out[column] == "[x]").to_numpy(), column] = "[c]"
        out.loc[hidden, heading] = "[c]"
        out["status"] = table["status"].fillna("").astype(str).to_numpy()
    return out.reset_index(drop=True)


def styled(table: pd.DataFrame, caption: str | None = None, digits: int | None = None) -> Styler:
    """Return an estimate table as a pandas Styler: estimates with CIs, n, flags highlighted.

    Parameters
    ----------
    table
        An estimate table (columns ``estimate``, ``ci_low``, ``ci_high``, ``n``, ``flag`` and
        labels such as ``variable``, ``group``, ``level``), e.g. from
        :func:`survey.analysis.estimate.proportions` or a table of
        :func:`survey.analysis.study.run_study`.
    caption
        Caption above the table.
    digits
        Decimals; default 0 for percentages and 2 for means and totals.

    Returns
    -------
    pandas.io.formats.style.Styler
        Renders as HTML in Jupyter; every text is escaped. Rows flagged ``suppress`` get a red
        background, rows flagged ``review`` a yellow one. A published table (from
        :func:`survey.study.run.publish` or :func:`survey.disclosure.protect_estimates`) shows
        ``[c]`` for every suppressed value and its ``status`` column; to apply the report's
        policy to raw estimates first, pass them through ``protect_estimates``.

    Raises
    ------
    KeyError
        The table has no ``estimate`` column.
    """
    if "estimate" not in table.columns:
        raise KeyError(
            f"not an estimate table: no 'estimate' column (columns: {', '.join(map(str, table.columns))})"
        )
    level = float(table.attrs.get("level", 0.95))
    frame = _display_frame(table, digits, level)

    def highlight(row: pd.Series) -> list[str]:
        colour = FLAG_COLOURS.get(str(row["flag"]))
        return [f"background-color: {colour}" if colour else "" for _ in row]

    styler = frame.style.apply(highlight, axis=1).format(escape="html").hide(axis="index")
    numeric = [c for c in frame.columns if c.startswith("estimate") or c in ("n", "n_level")]
    styler = styler.set_properties(subset=numeric, **{"text-align": "right"})
    if caption:
        styler = styler.set_caption(html.escape(caption))
    return styler
