"""Differences between estimates: two domains of one sample, or two independent samples.

:func:`compare_domains` takes the covariance of the two domain estimates from the same design
(domains share PSUs), as R's ``svycontrast`` on ``svyby(..., covmat=TRUE)``;
:func:`compare_independent` combines the rows of two separate samples, which have none. Both
return the difference with its standard error, Student t interval and p-value.

It does not adjust p-values for multiple testing or test independence in a table
(``inference.py`` does) and prints nothing.

References
----------
Lumley, T. (2010). *Complex Surveys*, Wiley, ch. 2-3.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from survey.analysis._domain import (
    _domain_variance,
    _domains,
    _label,
    _numeric,
    _row_domain_scores,
    _Variable,
    _variable,
)
from survey.analysis.design import SurveyDesign
from survey.analysis.intervals import t_quantile
from survey.errors import InputError

__all__ = ["compare_domains", "compare_independent"]


def compare_domains(
    design: SurveyDesign,
    variable: str,
    by: str,
    group_a: Any,
    group_b: Any,
    level_value: Any = None,
    level: float = 0.95,
) -> dict[str, Any]:
    """Difference between two domains of one sample, with its standard error, CI and p-value.

    Parameters
    ----------
    design
        The survey design.
    variable
        For a proportion: a categorical variable and ``level_value`` (label or code); for a mean:
        a numeric variable.
    by
        Domain variable.
    group_a, group_b
        The two groups (labels or codes); the difference is a minus b.
    level_value
        The level whose proportion is compared; None compares means.
    level
        Confidence level.

    Returns
    -------
    dict
        ``estimate_a, estimate_b, difference, se, ci_low, ci_high, t, df, p_value``.

    Notes
    -----
    :math:`\\mathrm{Var}(\\hat\\theta_a - \\hat\\theta_b) = V_{aa} + V_{bb} - 2V_{ab}`, with the
    covariance from the same design (domains share PSUs); t on the full design's degrees of
    freedom (R's ``svycontrast`` on ``svyby(..., covmat=TRUE)``). Under the lonely-PSU policy
    ``average`` that covariance averages over every stratum of the design, as R's does, whereas
    the standard error of each domain in :func:`~survey.analysis.estimate.means` averages over
    the strata of the domain (R's ``svyby`` SE).

    Examples
    --------
    >>> frame = pd.DataFrame({"w": [1.0, 2, 1, 2], "x": [2.0, 4, 6, 8], "g": ["a", "a", "b", "b"]})
    >>> result = compare_domains(SurveyDesign(frame, weight="w"), "x", "g", "b", "a")
    >>> round(result["difference"], 4), round(result["se"], 4), result["df"]
    (4.0, 1.0264, 3.0)
    """
    domain, groups, by_var = _domains(design, by)
    positions = [_find_group(design, by, by_var, groups, g) for g in (group_a, group_b)]
    if level_value is None:
        values = _numeric(design, variable)
        valid = ~np.isnan(values)
        y = np.nan_to_num(values)[:, None]
        column = 0
    else:
        var = _variable(design, variable, categorical=True)
        code = _find_code(design, variable, var, level_value)
        index = np.asarray(var.index)
        valid = index >= 0
        y = (index == var.levels.index(code)).astype(float)[:, None]
        column = 0
    parts = _row_domain_scores(design, domain, valid, y, len(groups))
    cols = [positions[0] * y.shape[1] + column, positions[1] * y.shape[1] + column]
    estimates = parts["mean"][positions, column]
    difference = estimates[0] - estimates[1]
    if design.replicates is None:
        cov = design.vcov(parts["scores"][:, cols])
        variance = cov[0, 0] + cov[1, 1] - 2 * cov[0, 1]
    else:  # the difference re-estimated with every replicate (R's svycontrast on svyby)
        variance = _domain_variance(
            design, parts, transform=lambda m: (m[:, cols[0]] - m[:, cols[1]])[:, None]
        )[0]
    se = float(np.sqrt(max(variance, 0.0)))
    return _contrast_result(estimates[0], estimates[1], difference, se, design.df, level)


def _find_group(
    design: SurveyDesign, by: str, by_var: _Variable | None, groups: list[Any], wanted: Any
) -> int:
    for i, code in enumerate(groups):
        if wanted == code or (by_var is not None and str(wanted) == _label(by_var, code)):
            return i
        if isinstance(code, float) and _as_float(wanted) == code:
            return i
    known = ", ".join(_label(by_var, c) if by_var else str(c) for c in groups)
    raise InputError(f"{design.where()}'{by}' has no group {wanted!r}", f"groups are: {known}")


def _find_code(design: SurveyDesign, variable: str, var: _Variable, wanted: Any) -> Any:
    for code in var.levels:
        if (
            wanted == code
            or str(wanted) == _label(var, code)
            or (isinstance(code, float) and _as_float(wanted) == code)
        ):
            return code
    known = ", ".join(_label(var, c) for c in var.levels)
    raise InputError(
        f"{design.where()}'{variable}' has no level {wanted!r}", f"levels are: {known}"
    )


def _as_float(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _contrast_result(
    a: float, b: float, difference: float, se: float, df: float, level: float
) -> dict[str, Any]:
    t_value = difference / se if se > 0 else np.nan
    q = float(t_quantile(level, np.array([df]))[0])
    p_value = float(2 * stats.t.sf(abs(t_value), df)) if se > 0 and df > 0 else np.nan
    return {
        "estimate_a": float(a), "estimate_b": float(b), "difference": float(difference), "se": se,
        "ci_low": float(difference - q * se), "ci_high": float(difference + q * se),
        "t": float(t_value),
        "df": float(df), "p_value": p_value,
    }  # fmt: skip


def compare_independent(
    a: pd.Series | dict[str, Any], b: pd.Series | dict[str, Any], level: float = 0.95
) -> dict[str, Any]:
    """Difference between estimates from two independent samples (e.g. two waves of a repeated survey).

    Parameters
    ----------
    a, b
        Estimate rows (with ``estimate``, ``se`` and ``df``); the difference is a minus b.
    level
        Confidence level.

    Returns
    -------
    dict
        ``estimate_a, estimate_b, difference, se, ci_low, ci_high, t, df, p_value``.

    Notes
    -----
    Independent samples have no covariance: :math:`se = \\sqrt{se_a^2 + se_b^2}`. The degrees of
    freedom are the smaller of the two (a conservative choice; the Satterthwaite value lies between
    that and their sum).

    Examples
    --------
    >>> a = {"estimate": 0.30, "se": 0.03, "df": 40}
    >>> b = {"estimate": 0.25, "se": 0.04, "df": 60}
    >>> result = compare_independent(a, b)
    >>> round(result["difference"], 4), round(result["se"], 4), result["df"]
    (0.05, 0.05, 40.0)
    """
    se = float(np.hypot(a["se"], b["se"]))
    df = float(min(a["df"], b["df"]))
    return _contrast_result(
        a["estimate"], b["estimate"], a["estimate"] - b["estimate"], se, df, level
    )
