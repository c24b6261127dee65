"""Confidence intervals and reliability flags for design-based estimates.

Intervals use Student t with the design degrees of freedom of each estimate (PSUs minus strata,
as R survey and Stata do): :func:`t_quantile` gives the multiplier, :func:`proportion_ci` the
logit, Wilson, Korn-Graubard (beta), Wald or arcsine interval of a proportion from its standard error,
and :func:`reliability_flag` the NCHS data presentation standard for proportions
(Parker et al. 2017).

It does not compute estimates or standard errors (``estimate.py`` does, with
:meth:`SurveyDesign.vcov`) and does not test or compare (``contrast.py``, ``inference.py``).

References
----------
Korn, E. L. & Graubard, B. I. (1998). Confidence intervals for proportions with small expected
number of positive counts estimated from survey data. *Survey Methodology* 24, 193-201.
Parker, J. D. et al. (2017). National Center for Health Statistics data presentation standards
for proportions. *Vital Health Stat* 2(175).
"""

from __future__ import annotations

import enum

import numpy as np
from scipy import stats

__all__ = ["CIMethod", "proportion_ci", "reliability_flag", "t_quantile"]


class CIMethod(enum.Enum):
    """Confidence-interval method for proportions (means and totals always use Wald/t)."""

    LOGIT = "logit"
    WILSON = "wilson"
    BETA = "beta"
    WALD = "wald"
    ASIN = "asin"


def t_quantile(level: float, df: np.ndarray) -> np.ndarray:
    """Student t multiplier of a two-sided interval, per estimate's degrees of freedom.

    Parameters
    ----------
    level
        Confidence level, e.g. 0.95.
    df
        Degrees of freedom of each estimate.

    Returns
    -------
    numpy.ndarray
        :math:`t_{df, (1+level)/2}`; NaN where ``df`` is 0 or less (no interval).

    Examples
    --------
    >>> [round(float(q), 4) for q in t_quantile(0.95, np.array([30, 0]))]
    [2.0423, nan]
    """
    df = np.asarray(df, dtype=float)
    with np.errstate(invalid="ignore"):
        return np.where(df > 0, stats.t.ppf(0.5 + level / 2, np.maximum(df, 1)), np.nan)


def proportion_ci(
    p: np.ndarray,
    se: np.ndarray,
    df: np.ndarray,
    n_rows: np.ndarray,
    method: CIMethod | str,
    level: float = 0.95,
) -> tuple[np.ndarray, np.ndarray]:
    """Confidence intervals for proportions from their design-based standard errors.

    Parameters
    ----------
    p
        Estimated proportions.
    se
        Their standard errors.
    df
        Design degrees of freedom of each estimate.
    n_rows
        Rows in each estimate's domain (for the Korn-Graubard degrees-of-freedom adjustment).
    method
        :class:`CIMethod` or its name.
    level
        Confidence level.

    Returns
    -------
    tuple of numpy.ndarray
        Lower and upper limits.

    Notes
    -----
    With :math:`t = t_{df, 1-\\alpha/2}`:

    - logit: :math:`\\mathrm{expit}(\\mathrm{logit}\\,p \\pm t\\, se / (p(1-p)))`, as R's
      ``svyciprop(method="logit")``;
    - Wilson: the score interval with the effective sample size
      :math:`n^* = p(1-p)/se^2` and :math:`t` in place of :math:`z`;
    - beta (Korn & Graubard 1998): Clopper-Pearson limits with :math:`n^*` scaled by
      :math:`(t_{n-1}/t_{df})^2`, as R's ``svyciprop(method="beta")``;
    - Wald: :math:`p \\pm t\\, se`;
    - asin: :math:`\\sin^2(\\arcsin\\sqrt p \\pm t\\, se / (2\\sqrt{p(1-p)}))`, as R's
      ``svyciprop(method="asin")`` (R clips neither the angle nor the limits, and neither does this).

    Examples
    --------
    >>> low, high = proportion_ci(np.array([0.5]), np.array([0.05]), np.array([30]), np.array([100]), "wald")
    >>> round(float(low[0]), 4), round(float(high[0]), 4)
    (0.3979, 0.6021)
    """
    method = CIMethod(method) if isinstance(method, str) else method
    p = np.asarray(p, dtype=float)
    se = np.asarray(se, dtype=float)
    t = t_quantile(level, df)
    alpha = 1 - level
    with np.errstate(divide="ignore", invalid="ignore"):
        if method is CIMethod.WALD:
            return p - t * se, p + t * se
        if method is CIMethod.ASIN:
            angle = np.arcsin(np.sqrt(p))
            half = t * se / (2 * np.sqrt(p * (1 - p)))
            return np.sin(angle - half) ** 2, np.sin(angle + half) ** 2
        if method is CIMethod.LOGIT:
            centre = np.log(p / (1 - p))
            half = t * se / (p * (1 - p))
            return _expit(centre - half), _expit(centre + half)
        n_eff = p * (1 - p) / se**2
        if method is CIMethod.WILSON:
            z2 = t**2
            denominator = 1 + z2 / n_eff
            centre = (p + z2 / (2 * n_eff)) / denominator
            half = t * np.sqrt(p * (1 - p) / n_eff + z2 / (4 * n_eff**2)) / denominator
            return centre - half, centre + half
        n_rows = np.asarray(n_rows, dtype=float)
        adjust = (
            stats.t.ppf(alpha / 2, np.maximum(n_rows - 1, 1))
            / stats.t.ppf(alpha / 2, np.maximum(df, 1))
        ) ** 2
        n_eff = n_eff * adjust
        low = stats.beta.ppf(alpha / 2, n_eff * p, n_eff * (1 - p) + 1)
        high = stats.beta.ppf(1 - alpha / 2, n_eff * p + 1, n_eff * (1 - p))
        return low, high


def _expit(x: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        return 1 / (1 + np.exp(-x))


def reliability_flag(
    p: np.ndarray,
    se: np.ndarray,
    df: np.ndarray,
    n: np.ndarray,
    n_rows: np.ndarray,
    level: float = 0.95,
) -> np.ndarray:
    """NCHS data presentation standard for proportions (Parker et al. 2017), one flag per estimate.

    Parameters
    ----------
    p, se, df
        Proportions, standard errors and degrees of freedom.
    n
        Respondents in each proportion's base.
    n_rows
        Rows in each domain (for the Korn-Graubard interval).
    level
        Confidence level of the Korn-Graubard interval the rule uses.

    Returns
    -------
    numpy.ndarray
        Text flags: ``""`` (meets the standard), ``"suppress: ..."`` or ``"review: ..."``.

    Notes
    -----
    Suppress when the effective sample size :math:`\\min(n, p(1-p)/se^2)` is below 30, when the
    Korn-Graubard interval is 30 percentage points wide or wider, or when it is wider than
    5 points and its width exceeds 130% of the proportion. Flag for review when the degrees of
    freedom are below 8, or when the proportion is 0 or 1 (no interval can be judged).

    Examples
    --------
    >>> p, se = np.array([0.5, 0.5]), np.array([0.02, 0.2])
    >>> reliability_flag(p, se, np.array([100, 100]), np.array([600, 600]), np.array([600, 600]))
    array(['', 'suppress: effective sample size below 30'], dtype=object)
    """
    p = np.asarray(p, dtype=float)
    se = np.asarray(se, dtype=float)
    n = np.asarray(n, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        n_eff = np.where(se > 0, np.minimum(n, p * (1 - p) / se**2), n)
    low, high = proportion_ci(p, se, df, n_rows, CIMethod.BETA, level)
    width = high - low
    flags = np.full(p.shape, "", dtype=object)
    with np.errstate(invalid="ignore"):
        flags[np.asarray(df) < 8] = "review: fewer than 8 degrees of freedom"
        flags[(p == 0) | (p == 1)] = "review: estimate is 0 or 100%"
        relative = (width > 0.05) & (width / np.where(p > 0, p, np.nan) > 1.30)
        flags[relative] = "suppress: relative CI width above 130%"
        flags[width >= 0.30] = "suppress: CI width 30 points or more"
        flags[n_eff < 30] = "suppress: effective sample size below 30"
        flags[n == 0] = "suppress: no respondents"
    return flags
