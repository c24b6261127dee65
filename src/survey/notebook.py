"""Display helpers for Jupyter: estimate tables, designs and results that read at a glance.

The notebooks in ``notebooks/`` call :func:`styled` to show an estimate table (from
:mod:`survey.analysis.estimate` or a table of :func:`survey.study.run_study`) the way a report
does: percentages with their interval, "26% (21–31%)", the number of respondents, and flagged
rows coloured by kind, with a text legend (the row's own flag or status says it too, so colour
is never the only sign: WCAG 2.1, 1.4.1). :func:`show` shows any other frame or mapping (a test
table, model coefficients, a :func:`~survey.analysis.contrast.compare_domains` result, weighting
diagnostics) with clean numbers: identifiers and other whole numbers without decimals, p-values
as "< 0.001", no numpy scalar reprs. :func:`describe_design` is the one-screen summary that
:class:`~survey.analysis.design.SurveyDesign` prints and displays.

Numbers are written by :mod:`survey.format` (English number format). Nothing here computes an
estimate or changes the data: the frames keep their dtypes, only their display differs. Every
text from the data is escaped, and the same input gives the same HTML (no random ids).
"""

from __future__ import annotations

import hashlib
import html
import math
from collections.abc import Mapping, Sequence
from decimal import Decimal
from numbers import Integral, Number
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from pandas.io.formats.style import Styler

from survey.format import MISSING, format_count, format_number, format_pvalue, format_with_ci

if TYPE_CHECKING:  # pragma: no cover - for type checkers only
    from survey.analysis.design import SurveyDesign

__all__ = [
    "FLAG_COLOURS",
    "FLAG_LEGEND",
    "describe_design",
    "flag_kind",
    "format_estimate",
    "show",
    "styled",
    "summary_html",
    "summary_text",
]

#: Background colour of a flagged row, by kind (see :func:`flag_kind`). Light colours under
#: dark text (contrast above 12:1), told apart by lightness as well as by hue.
FLAG_COLOURS = {"confidential": "#d3d6da", "suppress": "#f8d7da", "review": "#fff3cd"}

#: What each row colour means, as the legend under a flagged table says it.
FLAG_LEGEND = {
    "confidential": "grey = [c] confidential: the value is hidden by disclosure control",
    "suppress": "red = [u] low reliability, NCHS standard: suppress",
    "review": "yellow = [u] low reliability, NCHS standard: review",
}

#: Text colour of a flagged row: dark on its light background, also under a dark notebook theme.
_TEXT_COLOUR = "#212529"

_PERCENT_STATS = ("proportion", "multiple response")
_NUMERIC_LABELS = ("level", "group", "year", "period")
_NOT_LABELS = frozenset({"stat", "ci_method", "flag", "status", "reason", "cells"})

#: Relative tolerance under which a float is a whole number (a sum of calibrated weights).
_WHOLE = 1e-9

_LONELY_PSU = {
    "fail": "a stratum with one PSU is an error",
    "remove": "a stratum with one PSU adds no variance",
    "certainty": "a stratum with one PSU is taken with certainty (no variance)",
    "adjust": "a lone PSU is centred at the grand mean",
    "average": "a stratum with one PSU gets the average variance of the others",
}


def _missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _is_number(value: Any) -> bool:
    return isinstance(value, Number | Decimal) and not isinstance(value, bool)


def _whole(value: Any) -> bool:
    """Whether a number is whole (to a relative 1e-9); missing values count as whole."""
    if _missing(value):
        return True
    number = float(value)
    if not math.isfinite(number) or (number != 0 and round(number) == 0):  # 7e-11 is not 0
        return False
    return abs(number - round(number)) <= _WHOLE * max(1.0, abs(number))


def _is_count(name: str) -> bool:
    """Count columns by the library's names: ``n``, ``n_level``, ``effective_n``."""
    return name == "n" or name.startswith("n_") or name.endswith("_n")


def _is_pvalue(name: str) -> bool:
    return name == "p" or name.startswith("p_")


def _number_text(value: Any, name: str, whole: bool, digits: int) -> str:
    """One number as a reader sees it (``whole``: the column holds whole numbers only)."""
    if _missing(value) or not math.isfinite(float(value)):
        return MISSING
    if _is_pvalue(name):
        return format_pvalue(value, "en")
    if whole:  # identifiers, codes and years as digits; counts with thousands separators
        if _is_count(name):
            return format_count(value, "en")
        return str(int(value)) if isinstance(value, Integral) else str(round(float(value)))
    number = float(value)
    if 0 < abs(number) < 0.5 * 10.0**-digits:  # tiny: significant digits, not 0.000
        minus = format_number(-1.0, "en", 0).removesuffix("1")  # the formatter's minus sign
        return f"{minus if number < 0 else ''}{abs(number):.3g}"
    return format_number(value, "en", digits)


def _text(value: Any, name: str, whole: bool, digits: int, numeric: bool) -> str:
    """Any cell as text: a missing number ``[x]``, a missing label empty, numbers as a reader reads them."""
    if _missing(value):
        return MISSING if numeric else ""
    if _is_number(value):
        return _number_text(value, name, whole or _whole(value), digits)
    return str(value)


def _column_text(column: pd.Series, name: str, digits: int) -> list[str]:
    numeric = pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column)
    whole = numeric and all(_whole(v) for v in column)
    return [_text(v, name, whole, digits, numeric) for v in column]


def flag_kind(flag: Any, status: Any = None) -> str | None:
    """The kind of a flagged row: ``"confidential"``, ``"suppress"``, ``"review"`` or None.

    ``status`` is the disclosure mark of a published table (``"[c]"`` confidential, ``"[u]"``
    low reliability); ``flag`` the NCHS reliability flag of an estimate (``"suppress: ..."``,
    ``"review: ..."``). A hidden value is confidential whatever its reliability; a ``[u]``
    without an NCHS flag is one to review.

    Parameters
    ----------
    flag
        The ``flag`` text of the row, or a missing value.
    status
        The ``status`` of the row, or None for a table that was not published.

    Returns
    -------
    str or None
        A key of :data:`FLAG_COLOURS`, or None for an unflagged row.

    Examples
    --------
    >>> flag_kind("suppress: relative CI width above 130%"), flag_kind("review: df below 8")
    ('suppress', 'review')
    >>> flag_kind("suppress: effective sample size below 30", "[c]"), flag_kind("", "")
    ('confidential', None)
    """
    mark = "" if _missing(status) else str(status).strip()
    if mark == "[c]":
        return "confidential"
    head = "" if _missing(flag) else str(flag).split(":", 1)[0].strip().lower()
    if head in ("suppress", "review"):
        return head
    return "review" if mark == "[u]" else None


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
        The text; ``[x]`` for a missing estimate, the estimate alone when a bound is missing.

    Examples
    --------
    >>> format_estimate(0.2612, 0.2101, 0.3149)
    '26% (21–31%)'
    >>> format_estimate(3.214, 3.01, 3.42, percent=False)
    '3.21 (3.01–3.42)'
    """
    places = digits if digits is not None else (0 if percent else 2)
    return format_with_ci(estimate, ci_low, ci_high, "en", places, percent)


class _Shown(Styler):
    """A Styler of texts whose ``repr`` is the table itself (a Styler's is its memory address).

    Made by :func:`_shown`; pandas makes plain copies of it to render HTML.
    """

    caption_text: str = ""
    legend: str = ""

    def __repr__(self) -> str:
        lines = [self.caption_text] if self.caption_text else []
        lines += [line.rstrip() for line in self.data.to_string(index=False).splitlines()]
        if self.legend:
            lines.append(self.legend)
        return "\n".join(lines)


def _shown(frame: pd.DataFrame, caption: str | None, legend: str = "") -> _Shown:
    """Texts as a Styler: escaped, without index, with a caption and a legend line under it."""
    # the element ids follow from the content, so the same table gives the same HTML
    digest = hashlib.sha256(
        "\x1f".join([caption or "", legend, frame.to_json(orient="split")]).encode("utf-8")
    ).hexdigest()[:10]
    styler = _Shown(frame, uuid=digest, cell_ids=False)
    styler.caption_text, styler.legend = caption or "", legend
    styler.format(escape="html")
    styler.hide(axis="index")
    title = html.escape(caption) if caption else ""
    if legend:
        title += f"{'<br>' if title else ''}<small>{html.escape(legend)}</small>"
    if title:
        styler.set_caption(title)
    return styler


def _label_columns(table: pd.DataFrame) -> list[str]:
    """The identifying columns of an estimate table, in table order: text, and numeric codes."""
    return [
        str(c)
        for c in table.columns
        if c not in _NOT_LABELS
        and (not pd.api.types.is_numeric_dtype(table[c]) or c in _NUMERIC_LABELS)
        and table[c].notna().any()
    ]


def _display_frame(table: pd.DataFrame, digits: int | None, level: float) -> pd.DataFrame:
    stats = table["stat"] if "stat" in table.columns else pd.Series("proportion", table.index)
    percent = stats.isin(_PERCENT_STATS) | ~stats.isin(["mean", "total", "ratio"])
    out = pd.DataFrame(index=table.index)
    for column in _label_columns(table):
        out[column] = _column_text(table[column], column, 3)
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
        for column in ("n", "n_level"):  # a count hidden with its value reads [c] too
            if column in out.columns:
                out.loc[hidden & table[column].isna().to_numpy(), column] = "[c]"
        out.loc[hidden, heading] = "[c]"
        out["status"] = table["status"].fillna("").astype(str).to_numpy()
    return out.reset_index(drop=True)


def styled(table: pd.DataFrame, caption: str | None = None, digits: int | None = None) -> Styler:
    """Return an estimate table as a pandas Styler: estimates with CIs, n, flags by kind.

    Parameters
    ----------
    table
        An estimate table (columns ``estimate``, ``ci_low``, ``ci_high``, ``n``, ``flag`` and
        labels such as ``variable``, ``group``, ``level``, ``period``), e.g. from
        :func:`survey.analysis.estimate.proportions` or a table of
        :func:`survey.study.run_study`.
    caption
        Caption above the table.
    digits
        Decimals; default 0 for percentages and 2 for means and totals.

    Returns
    -------
    pandas.io.formats.style.Styler
        Renders as HTML in Jupyter; every text is escaped; its ``repr`` is the table as text.
        Flagged rows are coloured by :func:`flag_kind` (:data:`FLAG_COLOURS`): grey for a
        confidential value (``[c]``), red for an NCHS ``suppress`` flag, yellow for ``review``;
        a legend under the caption names the colours that occur, and each row's ``flag`` or
        ``status`` says the same in words. A published table (from
        :func:`survey.study.run.publish` or :func:`survey.disclosure.protect_estimates`) shows
        ``[c]`` for every suppressed value and its ``status`` column; to apply the report's
        policy to raw estimates first, pass them through ``protect_estimates``. Identifiers
        and codes show as whole numbers (``200025``, not ``200025.0``).

    Raises
    ------
    KeyError
        The table has no ``estimate`` column.

    Examples
    --------
    >>> table = pd.DataFrame({"level": ["a", "b"], "estimate": [0.9, 0.05],
    ...                       "ci_low": [0.8, 0.01], "ci_high": [0.95, 0.2], "n": 40,
    ...                       "flag": ["", "suppress: relative CI width above 130%"]})
    >>> print(repr(styled(table, caption="Answer")))
    Answer
    level estimate (95% CI)  n                                   flag
        a      90% (80–95%) 40
        b        5% (1–20%) 40 suppress: relative CI width above 130%
    Row colours: red = [u] low reliability, NCHS standard: suppress
    """
    if "estimate" not in table.columns:
        raise KeyError(
            f"not an estimate table: no 'estimate' column (columns: {', '.join(map(str, table.columns))})"
        )
    level = float(table.attrs.get("level", 0.95))
    frame = _display_frame(table, digits, level)
    kinds = [
        flag_kind(flag, status)
        for flag, status in zip(
            frame["flag"],
            frame["status"] if "status" in frame else [None] * len(frame),
            strict=True,
        )
    ]
    present = [kind for kind in FLAG_COLOURS if kind in kinds]
    legend = f"Row colours: {'; '.join(FLAG_LEGEND[k] for k in present)}" if present else ""
    styler = _shown(frame, caption, legend)
    row_style = [
        f"background-color: {FLAG_COLOURS[k]}; color: {_TEXT_COLOUR}" if k else "" for k in kinds
    ]
    colours = pd.DataFrame({c: row_style for c in frame.columns}, index=frame.index)
    styler.apply(lambda _: colours, axis=None)
    numeric = [c for c in frame.columns if c.startswith("estimate") or c in ("n", "n_level")]
    styler.set_properties(subset=numeric, **{"text-align": "right"})
    return styler


def show(
    data: pd.DataFrame | pd.Series | Mapping[str, Any],
    caption: str | None = None,
    digits: int = 3,
) -> Styler:
    """Show a frame, a series or a mapping with clean numbers, without changing its data.

    For results that are not estimate tables (:func:`styled` is for those): test tables, model
    coefficients, data previews, a :func:`~survey.analysis.contrast.compare_domains` result,
    weighting diagnostics.

    Parameters
    ----------
    data
        A frame (a meaningful index becomes columns), a series, or a mapping of names to values
        (shown as a two-column table).
    caption
        Caption above the table.
    digits
        Decimals of numbers that are not whole.

    Returns
    -------
    pandas.io.formats.style.Styler
        Renders as HTML in Jupyter, its ``repr`` is the table as text. A column of whole
        numbers shows without decimals (identifiers such as ``200025``, codes, years), counts
        (``n``, ``n_*``, ``*_n``) with thousands separators; p-values (``p``, ``p_*``) with
        three decimals or ``< 0.001``; tiny numbers with three significant digits; other
        numbers with ``digits`` decimals. A missing number is ``[x]``, a missing label empty.

    Examples
    --------
    >>> frame = pd.DataFrame({"establishment_id": [200025.0, 200034.0], "n": [5310.0, 12.0],
    ...                       "share": [0.26112, 0.5], "p_value": [0.0004, 0.0321]})
    >>> print(repr(show(frame)))
    establishment_id     n share p_value
              200025 5,310 0.261 < 0.001
              200034    12 0.500   0.032
    >>> import numpy as np
    >>> print(repr(show({"difference": np.float64(0.12551), "df": 227.0})))
          name value
    difference 0.126
            df   227
    """
    if isinstance(data, Mapping):
        names = [str(k) for k in data]
        texts = [
            _text(v, k, False, digits, _is_number(v))
            for k, v in zip(names, data.values(), strict=True)
        ]
        return _shown(pd.DataFrame({"name": names, "value": texts}), caption)
    frame = data.to_frame() if isinstance(data, pd.Series) else data
    named = any(name is not None for name in frame.index.names)
    if named or not pd.api.types.is_integer_dtype(frame.index.dtype):  # labels, not row numbers
        frame = frame.reset_index()
    out = pd.DataFrame(
        {str(c): _column_text(frame[c], str(c), digits) for c in frame.columns},
        index=range(len(frame)),
    )
    return _shown(out, caption)


def describe_design(design: SurveyDesign) -> list[tuple[str, str]]:
    """The one-screen summary of a survey design, as (name, text) rows.

    What ``repr(design)`` prints and a notebook displays: the data, rows, weights (column, sum
    and range), strata, clusters, fpc, calibration, the lonely-PSU rule and the degrees of
    freedom; never the data itself.

    Parameters
    ----------
    design
        The design.

    Returns
    -------
    list of (str, str)
        The rows, in this order.

    Examples
    --------
    >>> from survey.analysis.design import SurveyDesign
    >>> frame = pd.DataFrame({"w": [2.0, 2, 4, 4], "s": [1, 1, 2, 2], "y": [1.0, 0, 1, 1]})
    >>> print(repr(SurveyDesign(frame, weight="w", strata="s")))
    SurveyDesign
      data                a data frame
      rows                4
      weights             column 'w': sum 12, from 2 to 4
      strata              's': 2 strata
      clusters            none: each row is its own PSU (4 PSUs)
      fpc                 none: sampling with replacement
      calibration         none: the weights are taken as fixed
      lonely PSU          fail: a stratum with one PSU is an error
      degrees of freedom  2 (PSUs minus strata)
    """
    weights = design.weights[np.isfinite(design.weights)]
    spread = (
        f", from {_compact(weights.min())} to {_compact(weights.max())}" if len(weights) else ""
    )
    source = {
        "column": f"column '{design.weight}'",
        "fpc": "from the fpc (1/pi per stage)",
        "equal": "none: every row counts 1",
    }[design.weights_from]
    total = f"sum {_compact(weights.sum())}"
    weighting = f"{source} ({total})" if design.weights_from == "equal" else f"{source}: {total}"
    if design.weights_from != "equal":
        weighting += spread
    psus = design.n_psu
    strata = (
        f"'{design.strata}': {format_count(design.n_strata, 'en')} strata"
        if design.strata
        else "none"
    )
    clusters = (
        f"{' then '.join(repr(c) for c in design.cluster)}: {format_count(psus, 'en')} PSUs"
        if design.cluster
        else f"none: each row is its own PSU ({format_count(psus, 'en')} PSUs)"
    )
    given = (
        "sampling fractions"
        if design.fpc_kind and design.fpc_kind.value == "fraction"
        else "population sizes"
    )
    fpc = (
        f"{', '.join(repr(c) for c in design.fpc)} ({given})"
        if design.fpc
        else "none: sampling with replacement"
    )
    steps = [str(getattr(step, "kind", "calibration")) for step in design.calibration]
    if steps:
        calibration = f"{' then '.join(steps)}: in the standard errors"
    else:
        calibration = (
            "none: the weights are taken as fixed" if design.weights_from != "equal" else "none"
        )
    rule = design.lonely_psu.value
    return [
        ("data", design.source or "a data frame"),
        ("rows", format_count(design.n, "en")),
        ("weights", weighting),
        ("strata", strata),
        ("clusters", clusters),
        ("fpc", fpc),
        ("calibration", calibration),
        ("lonely PSU", f"{rule}: {_LONELY_PSU.get(rule, rule)}"),
        (
            "degrees of freedom",
            f"{format_count(design.df, 'en')} (PSUs minus strata)",
        ),
    ]


def _compact(value: float) -> str:
    """A weight or a sum of weights: whole numbers without decimals, others with two."""
    return format_count(value, "en") if _whole(value) else format_number(value, "en", 2)


def summary_text(title: str, rows: Sequence[tuple[str, str]]) -> str:
    """A title and (name, text) rows as aligned plain text, e.g. a design's ``repr``.

    Parameters
    ----------
    title
        The first line.
    rows
        The rows, e.g. from :func:`describe_design`.

    Returns
    -------
    str
        The title and one indented line per row.

    Examples
    --------
    >>> print(summary_text("Design", [("rows", "228"), ("strata", "none")]))
    Design
      rows    228
      strata  none
    """
    width = max((len(name) for name, _ in rows), default=0)
    return "\n".join([title, *(f"  {name:<{width}}  {text}" for name, text in rows)])


def summary_html(title: str, rows: Sequence[tuple[str, str]]) -> str:
    """A title and (name, text) rows as a small HTML table (row headers, title as caption).

    Parameters
    ----------
    title
        The caption.
    rows
        The rows, e.g. from :func:`describe_design`.

    Returns
    -------
    str
        The table; every text is escaped.

    Examples
    --------
    >>> summary_html("Design", [("rows", "<228>")])  # doctest: +NORMALIZE_WHITESPACE
    '<table><caption style="text-align:left"><b>Design</b></caption><tr><th scope="row"
    style="text-align:left">rows</th><td style="text-align:left">&lt;228&gt;</td></tr></table>'
    """
    body = "".join(
        f'<tr><th scope="row" style="text-align:left">{html.escape(name)}</th>'
        f'<td style="text-align:left">{html.escape(text)}</td></tr>'
        for name, text in rows
    )
    return f'<table><caption style="text-align:left"><b>{html.escape(title)}</b></caption>{body}</table>'
