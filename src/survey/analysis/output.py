"""Estimate tables for programs and people: the JSON of ``survey estimate`` and a terminal table.

The JSON follows the contract in DESIGN.md ("Interface contracts"): one object with ``data``,
``design``, ``estimates`` and ``tests``; proportions as 0-1, missing values as ``null``. The
terminal table shows the same numbers rounded for reading. Nothing here computes estimates.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import pandas as pd

from survey.analysis.design import SurveyDesign
from survey.format import format_ci, format_number, format_percent, format_pvalue

__all__ = ["estimate_payload", "estimate_table"]


def json_value(value: Any) -> Any:
    """A value as JSON can hold it: numpy scalars as Python ones, NaN and infinities as None."""
    if value is None:
        return None
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def estimate_payload(
    data: str, design: SurveyDesign, table: pd.DataFrame, tests: Sequence[dict[str, Any]] = ()
) -> dict[str, Any]:
    """Build the JSON object of ``survey estimate --format json``.

    Parameters
    ----------
    data
        The data file as the user named it.
    design
        The design the estimates were made with.
    table
        Output of :func:`survey.analysis.estimate.estimate`.
    tests
        Rao-Scott test results, one dict each.

    Returns
    -------
    dict
        ``{"data", "design", "estimates", "tests"}``, JSON-serialisable without NaN.
    """
    design_part = design_payload(design)
    estimates = [{k: json_value(v) for k, v in row.items()} for row in table.to_dict("records")]
    cleaned_tests = [{k: json_value(v) for k, v in test.items()} for test in tests]
    return {"data": data, "design": design_part, "estimates": estimates, "tests": cleaned_tests}


def design_payload(design: SurveyDesign) -> dict[str, Any]:
    """The ``design`` object of the JSON outputs (``survey estimate``, ``survey model``).

    Parameters
    ----------
    design
        The design the results were made with.

    Returns
    -------
    dict
        Weight and where it comes from, strata, clusters, fpc, lonely-PSU policy, rows, PSUs,
        degrees of freedom, the replicate weights (type, count, scale, mse) or None, and
        ``calibration`` (None; the command fills it in when it calibrated).
    """
    summary = design.summary()
    keys = ("weight", "weights_from", "strata", "cluster", "fpc", "fpc_kind", "lonely_psu",
            "n", "psu", "df", "replicates")  # fmt: skip
    return {**{key: summary[key] for key in keys}, "calibration": None}


def _weighting_text(summary: dict[str, Any]) -> str:
    """``weight = pw``, ``weights from the fpc`` or ``unweighted``, for the heading."""
    if summary["weights_from"] == "fpc":
        return f"weights from the fpc ({summary['fpc']}: 1/pi per stage)"
    return f"weight = {summary['weight']}" if summary["weight"] else "unweighted"


def _level_text(record: dict[str, Any]) -> str:
    """The level of a proportion, or ``q0.25`` for the 25% quantile; empty for means and totals."""
    if record["stat"] == "quantile":
        return f"q{record['quantile']:g}"
    return "" if record["level"] is None else str(record["level"])


def _number(value: Any, digits: int) -> str:
    return format_number(value, "en", digits)


def _p(p: Any) -> str:
    text = format_pvalue(p, "en")
    return text if text.startswith("<") else f"= {text}"


def estimate_table(
    table: pd.DataFrame, design: SurveyDesign, tests: Sequence[dict[str, Any]] = ()
) -> str:
    """Format estimates as a plain-text table readable in a terminal.

    Parameters
    ----------
    table
        Output of :func:`survey.analysis.estimate.estimate`.
    design
        The design, summarised in the heading.
    tests
        Rao-Scott test results.

    Returns
    -------
    str
        A heading, one line per estimate and one per test. Proportions are shown as percentages.
        A table that passed disclosure control (``status`` column) shows ``[c]`` for every
        suppressed value.
    """
    summary = design.summary()
    reps = summary["replicates"]
    layout = (
        f"PSUs = {summary['psu']}, strata = {summary['strata_count']}"
        if reps is None
        else f"{reps['count']} {reps['type']} replicate weights" + (" (mse)" if reps["mse"] else "")
    )
    head = (
        f"{design.source or 'data'}: n = {summary['n']}, {layout}, df = {summary['df']}"
        f", {_weighting_text(summary)}"
    )
    ci_header = f"{round(float(table.attrs.get('level', 0.95)) * 100):g}% CI"
    rows = []
    for record in table.to_dict("records"):
        scale, digits = (
            (100.0, 1) if record["stat"] in ("proportion", "multiple response") else (1.0, 3)
        )
        suffix = "%" if scale == 100.0 else ""

        hidden = record.get("status") == "[c]"

        def show(
            value: Any, percent: bool = bool(suffix), digits: int = digits, hidden: bool = hidden
        ) -> str:
            if hidden and pd.isna(value):
                return "[c]"
            if percent:
                return format_percent(value, "en", digits)
            return format_number(value, "en", digits)

        rows.append({
            "variable": record["variable"],
            "group": "" if record["group"] is None else str(record["group"]),
            "level": _level_text(record),
            "estimate": show(record["estimate"]),
            ci_header: "[c]" if hidden else format_ci(
                record["ci_low"], record["ci_high"], "en", digits, bool(suffix)
            ),
            "se": show(record["se"]),
            "deff": "[c]" if hidden else _number(record["deff"], 2),
            "n": "[c]" if hidden and pd.isna(record["n"]) else str(record["n"]),
            "flag": record["flag"] or "",
        })  # fmt: skip
    frame = pd.DataFrame(rows)
    if frame.empty:
        return head + "\n(no estimates)"
    widths = {c: max(len(c), *(len(v) for v in frame[c])) for c in frame.columns}
    numeric = {"estimate", "se", "deff", "n"}
    lines = [head, ""]
    lines.append("  ".join(c.ljust(widths[c]) for c in frame.columns).rstrip())
    for _, row in frame.iterrows():
        cells = [
            (str(row[c]).rjust(widths[c]) if c in numeric else str(row[c]).ljust(widths[c]))
            for c in frame.columns
        ]
        lines.append("  ".join(cells).rstrip())
    for test in tests:
        lines.append("")
        if str(test.get("method", "")).endswith("t-test"):
            what = (
                f"{test['variable']}: {test['group_b']} - {test['group_a']} = "
                if test.get("by") is not None
                else f"mean of {test['variable']} = "
            )
            lines.append(
                f"t-test {what}{_number(test['estimate'], 3)} (SE {_number(test['se'], 3)}), "
                f"t = {_number(test['t'], 3)} on {test['df']} df, p {_p(test['p_value'])}"
            )
            continue
        lines.append(_independence_line(test))
    return "\n".join(lines)


#: How the table output names each ``svychisq`` statistic of ``inference.rao_scott``.
_INDEPENDENCE = {
    "rao-scott-f": "Rao-Scott test",
    "rao-scott-chisq": "Rao-Scott test (first order)",
    "rao-scott-lincom": "Rao-Scott test (exact distribution)",
    "rao-scott-saddlepoint": "Rao-Scott test (saddlepoint)",
    "wald": "Wald test",
    "adjusted-wald": "Adjusted Wald test",
}


def _independence_line(test: dict[str, Any]) -> str:
    """One line per test of independence: its statistic, df where it has them, p."""
    method = str(test.get("method", "rao-scott-f"))
    head = f"{_INDEPENDENCE.get(method, method)} {test['variable']} x {test['by']}: "
    value = _number(test["statistic"], 3)
    p = _p(test["p_value"])
    if method == "rao-scott-chisq":
        return f"{head}X2 = {value} on {_number(test['ndf'], 0)} df, p {p}"
    if method in ("rao-scott-lincom", "rao-scott-saddlepoint"):
        return f"{head}X2 = {value}, p {p}"
    return f"{head}F = {value} on {_number(test['ndf'], 2)} and {_number(test['ddf'], 1)} df, p {p}"
