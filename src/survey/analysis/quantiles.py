"""Design-based quantiles with Woodruff confidence intervals, as R's ``svyquantile``.

A quantile is read off the weighted empirical distribution of a numeric variable by a quantile
rule (R's ``qrule``); its confidence interval is Woodruff's (1952): the design-based interval of
the share of the population at or below the estimated quantile, ``svymean(x <= q)`` with a Wald
interval on the design's degrees of freedom, mapped back through the same quantile rule. The
standard error is derived from that interval as R does: its width over ``2 t``. Domains are
estimated on the full design (as R's subset designs are).

It does not compute replicate-weight or score (Francisco-Fuller) intervals, and prints nothing.

References
----------
Woodruff, R. S. (1952). Confidence intervals for medians and other position measures. *JASA*
47, 635-646. Lumley, T. (2010). *Complex Surveys*, sec. 2.4. Hyndman, R. J. and Fan, Y. (1996).
Sample quantiles in statistical packages. *The American Statistician* 50, 361-365.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from survey.analysis._domain import _domains, _json_code, _label, _numeric
from survey.analysis.design import SurveyDesign
from survey.analysis.estimate import COLUMNS, means, quietly
from survey.analysis.intervals import t_quantile
from survey.errors import InputError

__all__ = ["QRULES", "QUANTILE_COLUMNS", "quantiles"]

#: Columns of a quantile table: the estimate table's, plus the probability.
QUANTILE_COLUMNS = [*COLUMNS, "quantile"]


def _bracket(x: np.ndarray, w: np.ndarray, p: float) -> tuple[float, float, float]:
    """R's ``qs``: the order statistics around ``p`` and how far ``p`` lies above the lower one.

    ``x`` sorted, ``w`` its weights (no zeros). Returns (lower value, upper value, wlow) where
    ``wlow = p - F(lower)``; F is the weighted cumulative share.
    """
    # R's cumsum() and sum() accumulate in long double and round each result to double; so do
    # we, or a share that should equal p exactly (equal weights) misses it by one bit
    extended = np.cumsum(w.astype(np.longdouble))
    cumulative = extended.astype(np.float64)
    total = float(extended[-1])
    below = np.flatnonzero(cumulative <= p * total)
    pos = int(below[-1]) if below.size else 0
    nxt = pos if pos == len(x) - 1 else pos + 1
    return float(x[pos]), float(x[nxt]), p - float(cumulative[pos]) / total


def _math(x: np.ndarray, w: np.ndarray, p: float) -> float:
    """``qrule = "math"`` (Hyndman-Fan type 1): the smallest x with F(x) >= p."""
    low, high, wlow = _bracket(x, w, p)
    return low if wlow <= 0 else high


def _school(x: np.ndarray, w: np.ndarray, p: float) -> float:
    """``qrule = "school"`` (type 2): as ``math``, but the average of the two at a jump."""
    low, high, wlow = _bracket(x, w, p)
    return (low + high) / 2 if wlow <= 0 else high


#: Quantile rules by R's name (``qrule`` of ``svyquantile``).
QRULES: dict[str, Callable[[np.ndarray, np.ndarray, float], float]] = {
    "math": _math,
    "hf1": _math,
    "school": _school,
    "hf2": _school,
}


def _rule(name: str) -> Callable[[np.ndarray, np.ndarray, float], float]:
    if name not in QRULES:
        raise InputError(
            f"quantile rule {name!r} is not available",
            f"use one of: {', '.join(QRULES)}",
        )
    return QRULES[name]


def _sorted(values: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    keep = ~np.isnan(values) & (weights != 0)
    order = np.argsort(values[keep], kind="stable")
    return values[keep][order], weights[keep][order]


def quantiles(
    design: SurveyDesign,
    variable: str,
    probs: Sequence[float] = (0.5,),
    by: str | None = None,
    level: float = 0.95,
    qrule: str = "math",
) -> pd.DataFrame:
    """Quantiles of a numeric variable with Woodruff intervals, overall or by domain.

    Parameters
    ----------
    design
        The survey design.
    variable
        A numeric variable; missing values are left out.
    probs
        The probabilities, each in [0, 1] (0.5: the median).
    by
        Domain variable, or None.
    level
        Confidence level.
    qrule
        R's quantile rule: ``math`` (default, R's default) or ``school`` (``hf1``, ``hf2``).

    Returns
    -------
    pandas.DataFrame
        One row per (group, probability), columns :data:`QUANTILE_COLUMNS`; ``stat`` is
        ``"quantile"``, ``quantile`` the probability, ``ci_method`` ``"woodruff"``; deff is not
        defined (NaN). A bound whose share falls outside [0, 1] is NaN, as in R.

    Notes
    -----
    :math:`\\hat q_p = \\hat F^{-1}(p)` by the rule; with :math:`\\hat p = \\hat F(\\hat q_p)`
    estimated as a design-based mean of :math:`1\\{x \\le \\hat q_p\\}` and its standard error
    :math:`s`, the interval is :math:`[\\hat F^{-1}(\\hat p - t s), \\hat F^{-1}(\\hat p + t s)]`
    and :math:`se = (\\text{upper} - \\text{lower}) / (2t)`, :math:`t` on the design's degrees of
    freedom (R ``svyquantile(interval.type = "mean")``; Woodruff 1952).

    Examples
    --------
    >>> frame = pd.DataFrame({"x": [1.0, 2, 3, 4, 5, 6, 7, 8], "w": [1.0] * 8})
    >>> table = quantiles(SurveyDesign(frame, weight="w"), "x", [0.25, 0.5])
    >>> table[["quantile", "estimate"]].to_dict("list")
    {'quantile': [0.25, 0.5], 'estimate': [2.0, 4.0]}
    """
    rule = _rule(qrule)
    bad = [p for p in probs if not 0 <= p <= 1]
    if bad or not probs:
        raise InputError(
            f"quantiles must lie between 0 and 1, not {', '.join(map(str, bad)) or 'none'}",
            "give probabilities such as 0.25,0.5,0.75",
        )
    values = _numeric(design, variable)
    domain, groups, by_var = _domains(design, by)
    weights = design.weights
    rows: dict[tuple[int, int], dict[str, Any]] = {}
    for i, p in enumerate(probs):
        estimates = np.full(len(groups), np.nan)
        ordered = []
        for g in range(len(groups)):
            x, w = _sorted(np.where(domain == g, values, np.nan), weights)
            ordered.append((x, w))
            if x.size:
                estimates[g] = rule(x, w, p)
        # the share at or below the quantile, in the domain's respondents with a value (R drops
        # the missing values first, so that its degrees of freedom count only those rows)
        inside = (domain >= 0) & ~np.isnan(values)
        at_or_below = np.where(inside, values <= estimates[np.maximum(domain, 0)], np.nan)
        answered = pd.Categorical.from_codes(
            np.where(inside, domain, -1), categories=range(len(groups))
        )
        shares = quietly(
            means,
            design.update(data=design.data.assign(__below__=at_or_below, __domain__=answered)),
            "__below__",
            by="__domain__",
            level=level,
        )
        for g, group in enumerate(groups):
            share = shares.iloc[g]
            t = float(t_quantile(level, np.array([share["df"]]))[0])
            x, w = ordered[g]
            low_p, high_p = share["estimate"] - t * share["se"], share["estimate"] + t * share["se"]
            low = rule(x, w, low_p) if x.size and low_p >= 0 else np.nan
            high = rule(x, w, high_p) if x.size and high_p <= 1 else np.nan
            rows[(g, i)] = {
                "variable": variable, "stat": "quantile", "by": by,
                "group": _label(by_var, group) if by_var else None,
                "group_code": _json_code(group) if by_var else None,
                "level": None, "code": None,
                "estimate": estimates[g], "se": (high - low) / (2 * t),
                "ci_low": low, "ci_high": high, "deff": np.nan,
                "n": int(share["n"]), "n_level": None, "df": int(share["df"]),
                "ci_method": "woodruff", "flag": "" if x.size else "suppress: no respondents",
                "quantile": float(p),
            }  # fmt: skip
    return pd.DataFrame([rows[key] for key in sorted(rows)], columns=QUANTILE_COLUMNS)
