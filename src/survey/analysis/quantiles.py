"""Design-based quantiles with confidence intervals, as R's ``svyquantile`` (survey >= 4.1).

A quantile is read off the weighted empirical distribution of a numeric variable by a quantile
rule (R's ``qrule``: ``math``, ``school``, ``shahvaish`` and Hyndman and Fan's types ``hf1`` to
``hf9``). Its confidence interval is one of R's ``interval.type`` for a Taylor-linearisation
design:

- ``mean`` (the default), Woodruff's (1952): the design-based interval of the share of the
  population at or below the estimated quantile, ``svymean(x <= q)`` with a Wald interval on the
  design's degrees of freedom, mapped back through the same quantile rule;
- ``beta``, ``xlogit``, ``asin``: Woodruff's, with the share's interval a Korn-Graubard beta
  interval, a Wald interval on the logit or on the arcsine square-root scale;
- ``score``: Francisco and Fuller's (1991) test inversion, the values where the design-based
  z statistic of ``mean(x > theta) - (1 - p)`` equals the t quantile (R: ``uniroot``, whose
  Brent-Dekker search is reproduced step by step), each mapped through the rule at the
  *unweighted* share of observations at or below it (as R's ``ffullerCI`` does).

The standard error is derived from the interval as R does: its width over ``2 t``. Domains are
estimated on the full design (as R's subset designs are).

The rules are those of survey 4.5 (CRAN's current release). survey 4.1 tests ``wlow == 0`` in
``math``/``hf1``, ``school``/``hf2`` and ``hf3`` where 4.5 tests ``wlow <= 0``: for a
probability below the weight share of the smallest observation 4.1 returns the second order
statistic and 4.5 the first, which is the definition of the rule (Woodruff's lower limits in
small domains reach such probabilities). 4.5 also gives the one value of a domain with a single
observation for the continuous rules, where 4.1 fails.

It does not compute replicate-weight intervals (R's ``interval.type = "quantile"``), and prints
nothing.

References
----------
Woodruff, R. S. (1952). Confidence intervals for medians and other position measures. *JASA*
47, 635-646. Francisco, C. A. and Fuller, W. A. (1991). Quantile estimation with a complex
survey design. *Annals of Statistics* 19, 454-469. Hyndman, R. J. and Fan, Y. (1996). Sample
quantiles in statistical packages. *The American Statistician* 50, 361-365. Shah, B. V. and
Vaish, A. K. (2006). Confidence intervals for quantile estimation from complex survey data.
*Proceedings of the Section on Survey Research Methods*, ASA. Lumley, T. (2010). *Complex
Surveys*, sec. 2.4. Brent, R. P. (1973). *Algorithms for minimization without derivatives*,
ch. 4 (R's ``zeroin``).
"""

from __future__ import annotations

import math
import sys
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import special

from survey.analysis._domain import _domains, _json_code, _label, _numeric
from survey.analysis.design import SurveyDesign
from survey.analysis.estimate import COLUMNS, means, quietly
from survey.analysis.intervals import cv_flag, t_quantile
from survey.errors import InputError, StatisticalError

__all__ = ["INTERVAL_TYPES", "QRULES", "QUANTILE_COLUMNS", "quantiles"]

#: Columns of a quantile table: the estimate table's, plus the probability.
QUANTILE_COLUMNS = [*COLUMNS, "quantile"]

#: R's ``interval.type`` for a Taylor design, and the ``ci_method`` each writes in the table.
INTERVAL_TYPES: dict[str, str] = {
    "mean": "woodruff",
    "beta": "woodruff-beta",
    "xlogit": "woodruff-xlogit",
    "asin": "woodruff-asin",
    "score": "score",
    "quantile": "replicate",
}

Rule = Callable[[np.ndarray, np.ndarray, float], float]


# --------------------------------------------------------------------------- R's arithmetic
# R's cumsum(), sum() and mean() accumulate in long double (x86 80-bit, numpy's longdouble) and
# round the result to double; numpy's own sum() is pairwise. We do as R, or a share that should
# equal p exactly (equal weights) misses it by one bit and a discrete rule jumps.


def _cumsum(w: np.ndarray) -> np.ndarray:
    return np.cumsum(w.astype(np.longdouble)).astype(np.float64)


def _sum(w: np.ndarray) -> float:
    return float(np.cumsum(w.astype(np.longdouble))[-1])


def _mean(w: np.ndarray) -> float:
    """R's ``mean``: the long-double mean, corrected by the mean of the residuals."""
    n = np.longdouble(len(w))
    s = np.cumsum(w.astype(np.longdouble))[-1] / n
    return float(s + np.cumsum(w.astype(np.longdouble) - s)[-1] / n)


def _share(count: int, n: int) -> float:
    """R's ``mean`` of a logical vector: the count over n, divided in long double."""
    return float(np.longdouble(count) / np.longdouble(n))


def _approx(pk: np.ndarray, x: np.ndarray, p: float, linear: bool) -> float:
    """R's ``approx(pk, x, p, rule = 2)``, ``method = "linear"`` or ``"constant"`` with f = 0.

    As R's ``regularize.values``, the points are first ordered by ``pk`` (stably) and tied
    positions collapse to the mean of their values: ``shahvaish`` positions need not increase.
    """
    if math.isnan(p):
        return math.nan
    if np.any(pk[1:] < pk[:-1]):
        order = np.argsort(pk, kind="stable")
        pk, x = pk[order], x[order]
    if np.any(pk[1:] == pk[:-1]):
        starts = np.flatnonzero(np.r_[True, pk[1:] != pk[:-1]])
        ends = np.r_[starts[1:], len(pk)]
        x = np.array([_mean(x[a:b]) for a, b in zip(starts, ends, strict=True)])
        pk = pk[starts]
    if p < pk[0]:
        return float(x[0])
    if p > pk[-1]:
        return float(x[-1])
    i, j = 0, len(pk) - 1
    while i < j - 1:  # R's bisection: pk[i] <= p <= pk[j]
        middle = (i + j) // 2
        if p < pk[middle]:
            j = middle
        else:
            i = middle
    if p == pk[j]:
        return float(x[j])
    if p == pk[i] or not linear:
        return float(x[i])
    return float(x[i] + (x[j] - x[i]) * ((p - pk[i]) / (pk[j] - pk[i])))


# --------------------------------------------------------------------------- quantile rules
# Each rule takes x sorted (ties in their original order), its weights (no zeros, no missing
# values) and p, and is survey 4.5's qrule_* of the same name.


def _qs(x: np.ndarray, w: np.ndarray, p: float) -> tuple[float, float, int, float, float]:
    """R's ``qs``: the order statistics around ``p``.

    Returns (lower value, upper value, 1-based position of the lower one, wlow, wup) where
    ``wlow = p - F(lower)`` and ``wup = F(upper) - p``; F is the weighted cumulative share.
    """
    cumulative = _cumsum(w)
    total = _sum(w)
    below = np.flatnonzero(cumulative <= p * total)
    pos = int(below[-1]) if below.size else 0
    nxt = pos if pos == len(x) - 1 else pos + 1
    wlow = p - float(cumulative[pos]) / total
    wup = float(cumulative[nxt]) / total - p
    return float(x[pos]), float(x[nxt]), pos + 1, wlow, wup


def _math(x: np.ndarray, w: np.ndarray, p: float) -> float:
    """``math``, ``hf1``: the smallest x with F(x) >= p."""
    low, high, _, wlow, _ = _qs(x, w, p)
    return low if wlow <= 0 else high


def _school(x: np.ndarray, w: np.ndarray, p: float) -> float:
    """``school``, ``hf2``: as ``math``, but the average of the two at a jump."""
    low, high, _, wlow, _ = _qs(x, w, p)
    return (low + high) / 2 if wlow <= 0 else high


def _hf3(x: np.ndarray, w: np.ndarray, p: float) -> float:
    """``hf3``: on the distinct values, the even order statistic at a jump."""
    starts = np.flatnonzero(np.r_[True, x[1:] != x[:-1]])
    ends = np.r_[starts[1:], len(x)]
    # R's rowsum() adds in double, in the order of the data
    totals = np.array([float(np.cumsum(w[a:b])[-1]) for a, b in zip(starts, ends, strict=True)])
    low, high, ilow, wlow, _ = _qs(x[starts], totals, p)
    return low if wlow <= 0 and ilow % 2 == 0 else high


def _hf4(x: np.ndarray, w: np.ndarray, p: float) -> float:
    """``hf4``: linear interpolation of the weighted distribution function."""
    low, high, _, wlow, wup = _qs(x, w, p)
    with np.errstate(divide="ignore", invalid="ignore"):
        gamma = float(np.float64(wlow) / np.float64(wup + wlow))
    return low * (1 - gamma) + high * gamma


def _continuous(
    position: Callable[[np.ndarray, np.ndarray], np.ndarray], linear: bool = True
) -> Rule:
    def rule(x: np.ndarray, w: np.ndarray, p: float) -> float:
        if len(x) == 1:
            return float(x[0])
        return _approx(position(_cumsum(w), w), x, p, linear)

    return rule


def _previous(cumw: np.ndarray) -> np.ndarray:
    return np.r_[0.0, cumw[:-1]]


def _shahvaish_positions(cumw: np.ndarray, w: np.ndarray) -> np.ndarray:
    n = len(w)
    return (_cumsum(w / _mean(w)) + 0.5 - w / 2) / (n + 1)


#: Quantile rules by R's name (``qrule`` of ``svyquantile``).
QRULES: dict[str, Rule] = {
    "math": _math,
    "school": _school,
    "shahvaish": _continuous(_shahvaish_positions, linear=False),
    "hf1": _math,
    "hf2": _school,
    "hf3": _hf3,
    "hf4": _hf4,
    "hf5": _continuous(lambda cumw, w: (cumw - w / 2) / cumw[-1]),
    "hf6": _continuous(lambda cumw, w: cumw / (cumw[-1] + w[-1])),
    "hf7": _continuous(lambda cumw, w: _previous(cumw) / cumw[-2]),
    "hf8": _continuous(
        lambda cumw, w: (_previous(cumw) * 1 / 3 + cumw * 2 / 3) / (cumw[-1] + w[-1] / 3)
    ),
    "hf9": _continuous(
        lambda cumw, w: (_previous(cumw) * 3 / 8 + cumw * 5 / 8) / (cumw[-1] + w[-1] / 4)
    ),
}


def _choice(kind: str, name: str, options: Sequence[str]) -> None:
    if name not in options:
        raise InputError(
            f"{kind} {name!r} is not available",
            f"use one of: {', '.join(options)}",
        )


def _replicate_block(
    design: SurveyDesign, values: np.ndarray, rows: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """A domain's values in order and their replicate weights (rows, replicates), in that order."""
    reps: Any = design.replicates
    where = np.flatnonzero(rows)
    order = np.argsort(values[where], kind="stable")
    return values[where][order], reps.analysis_weights(design.weights, where[order])


def _replicate_quantile_se(
    design: SurveyDesign, block: tuple[np.ndarray, np.ndarray], rule: Rule, p: float, full: float
) -> float:
    """R's ``repCI``: the quantile re-estimated with every replicate's weights, their svrVar."""
    reps: Any = design.replicates
    x, weights = block
    thetas = np.full(reps.count, np.nan)
    for r in range(reps.count):
        keep = weights[:, r] != 0
        if keep.any():
            thetas[r] = rule(x[keep], weights[keep, r], p)
    return float(np.sqrt(reps.variance(thetas[:, None], np.array([full]))[0]))


def _sorted(values: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    keep = ~np.isnan(values) & (weights != 0)
    order = np.argsort(values[keep], kind="stable")
    return values[keep][order], weights[keep][order]


# --------------------------------------------------------------------------- intervals


def _share_interval(
    kind: str, share: float, se: float, t: float, nrow: int, level: float
) -> tuple[float, float]:
    """R's ``woodruffCI``: the interval of the share at or below the quantile.

    ``t`` is the t quantile on the design's degrees of freedom, ``nrow`` the rows of R's
    (domain) design, which the beta interval's effective sample size uses.
    """
    variance = se * se
    with np.errstate(all="ignore"):
        m, v = np.float64(share), np.float64(variance)
        if kind == "mean":
            return float(m - t * se), float(m + t * se)
        if kind == "xlogit":  # svycontrast(log(pmed / (1 - pmed))): R's deriv() gradient
            e1 = 1 - m
            e2 = m / e1
            grad = (1 / e1 + m / e1**2) / e2
            centre, half = np.log(e2), t * np.sqrt(grad * v * grad)
            low, high = centre - half, centre + half
            return float(np.exp(low) / (1 + np.exp(low))), float(np.exp(high) / (1 + np.exp(high)))
        if kind == "asin":  # svycontrast(asin(sqrt(pmed)))
            e1 = np.sqrt(m)
            grad = 0.5 * m**-0.5 / np.sqrt(1 - e1**2)
            centre, half = np.arcsin(e1), t * np.sqrt(grad * v * grad)
            return float(np.sin(centre - half) ** 2), float(np.sin(centre + half) ** 2)
        # beta: Korn-Graubard, the effective n scaled by (t_{n-1} / t_df)^2
        n_eff = m * (1 - m) / v
        ratio = t_quantile(level, np.array([nrow - 1]))[0] / t
        n_eff = n_eff * ratio**2
        alpha = 1 - level
        return (
            float(special.betaincinv(n_eff * m, n_eff * (1 - m) + 1, alpha / 2)),
            float(special.betaincinv(n_eff * m + 1, n_eff * (1 - m), 1 - alpha / 2)),
        )


def _zeroin(
    f: Callable[[float], float], a: float, b: float, fa: float, fb: float, tol: float
) -> float:
    """R's ``R_zeroin2`` (``uniroot``'s Brent-Dekker search), step for step, maxiter 1000."""
    eps = sys.float_info.epsilon
    c, fc = a, fa
    if fa == 0.0:
        return a
    if fb == 0.0:
        return b
    for _ in range(1001):
        prev_step = b - a
        if abs(fc) < abs(fb):
            a, b, c = b, c, b
            fa, fb, fc = fb, fc, fb
        tol_act = 2 * eps * abs(b) + tol / 2
        new_step = (c - b) / 2
        if abs(new_step) <= tol_act or fb == 0.0:
            return b
        if abs(prev_step) >= tol_act and abs(fa) > abs(fb):
            cb = c - b
            if a == c:
                t1 = fb / fa
                p = cb * t1
                q = 1.0 - t1
            else:
                q = fa / fc
                t1 = fb / fc
                t2 = fb / fa
                p = t2 * (cb * q * (q - t1) - (b - a) * (t1 - 1.0))
                q = (q - 1.0) * (t1 - 1.0) * (t2 - 1.0)
            if p > 0:
                q = -q
            else:
                p = -p
            if p < (0.75 * cb * q - abs(tol_act * q) / 2) and p < abs(prev_step * q / 2):
                new_step = p / q
        if abs(new_step) < tol_act:
            new_step = tol_act if new_step > 0 else -tol_act
        a, fa = b, fb
        b += new_step
        fb = f(b)
        if (fb > 0 and fc > 0) or (fb < 0 and fc < 0):
            c, fc = a, fa
    raise StatisticalError(  # R only warns, and returns the last step
        "the score interval's root search did not converge in 1000 steps",
        "use interval type mean (Woodruff)",
    )


def _iqr(x: np.ndarray) -> float:
    """R's ``IQR``: quantile type 7 at 0.75 minus at 0.25, by R's formula."""
    ordered = np.sort(x)
    out = []
    for prob in (0.25, 0.75):
        index = (len(ordered) - 1) * prob  # 0-based
        lo, hi = math.floor(index), math.ceil(index)
        q = float(ordered[lo])
        if index > lo and ordered[hi] != q:
            h = index - lo
            q = (1 - h) * q + h * float(ordered[hi])
        out.append(q)
    return out[1] - out[0]


class _ScoreTest:
    """R's ``ffullerCI`` for one domain: the z statistic of ``mean(x > theta) - (1 - p)``."""

    def __init__(
        self, design: SurveyDesign, values: np.ndarray, inside: np.ndarray, rows: np.ndarray
    ) -> None:
        self.design = design
        self.inside = inside  # the domain's answered rows: the rows of svymean
        self.weights = np.where(inside, design.weights, 0.0)
        self.psum = _sum(self.weights[inside])
        # the rows of R's (subset) design: x, min, max, IQR, nrow and the unweighted share
        self.x = np.nan_to_num(values[rows])
        self.all_x = np.nan_to_num(values)
        # z is a step function of theta: it changes only at the domain's values, so one
        # evaluation per gap between them (and p) gives R's numbers at every step of the search
        self.steps = np.sort(self.all_x[inside])
        self.known: dict[tuple[float, int], float] = {}

    def z(self, theta: float, p: float) -> float:
        key = (p, int(np.searchsorted(self.steps, theta, side="right")))
        if key not in self.known:
            self.known[key] = self._z(theta, p)
        return self.known[key]

    def _z(self, theta: float, p: float) -> float:
        u = np.where(self.inside, (self.all_x > theta) - (1 - p), 0.0)
        scaled = u * self.weights / self.psum
        average = _sum(scaled[self.inside])  # R: colSums(x * pweights / psum)
        scores = np.where(self.inside, (u - average) * self.weights / self.psum, 0.0)
        variance = self.design.vcov(scores[:, None], diagonal=True, used=self.inside)[0]
        with np.errstate(divide="ignore", invalid="ignore"):
            return float(np.float64(average) / np.sqrt(variance))

    def limits(self, p: float, t: float) -> tuple[float, float]:
        """The two roots in theta (lower: z = t, upper: z = -t); _NoScoreInterval where R stops."""
        x = self.x
        iqr = _iqr(x)
        lower, upper = float(x.min()) + iqr / 100, float(x.max()) - iqr / 100
        tol = 1 / (100 * math.sqrt(len(x)))
        if not lower < upper:
            raise _NoScoreInterval("lower < upper is not fulfilled")
        roots = []
        for qlimit in (t, -t):

            def f(theta: float, qlimit: float = qlimit) -> float:
                value = self.z(theta, p) - qlimit
                # R's zeroin replaces non-finite values, with a warning
                return (
                    value
                    if math.isfinite(value)
                    else (-sys.float_info.max if value == -math.inf else sys.float_info.max)
                )

            f_lower, f_upper = self.z(lower, p) - qlimit, self.z(upper, p) - qlimit
            if math.isnan(f_lower) or math.isnan(f_upper):
                raise _NoScoreInterval("the score statistic is not defined at an end point")
            if np.sign(f_lower) * np.sign(f_upper) > 0:
                raise _NoScoreInterval("f() values at end points not of opposite sign")
            roots.append(_zeroin(f, lower, upper, f_lower, f_upper, tol))
        return roots[0], roots[1]

    def share_at_or_below(self, theta: float) -> float:
        return _share(int(np.count_nonzero(self.x <= theta)), len(self.x))


class _NoScoreInterval(Exception):
    """R's ``uniroot`` stops: the reason, for the StatisticalError that names the estimate."""


def quantiles(
    design: SurveyDesign,
    variable: str,
    probs: Sequence[float] = (0.5,),
    by: str | None = None,
    level: float = 0.95,
    qrule: str = "math",
    interval_type: str = "mean",
) -> pd.DataFrame:
    """Quantiles of a numeric variable with confidence intervals, overall or by domain.

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
        R's quantile rule (:data:`QRULES`): ``math`` (default, R's default; ``hf1``),
        ``school`` (``hf2``), ``shahvaish``, or Hyndman and Fan's ``hf3`` to ``hf9``
        (``hf7`` is the default of R's ``quantile``).
    interval_type
        R's ``interval.type`` (:data:`INTERVAL_TYPES`): ``mean`` (Woodruff, the default),
        ``beta``, ``xlogit``, ``asin`` (Woodruff on a beta, logit or arcsine interval of the
        share) or ``score`` (Francisco-Fuller).

    Returns
    -------
    pandas.DataFrame
        One row per (group, probability), columns :data:`QUANTILE_COLUMNS`; ``stat`` is
        ``"quantile"``, ``quantile`` the probability, ``ci_method`` the interval's name in
        :data:`INTERVAL_TYPES`; deff is not defined (NaN). A Woodruff bound whose share falls
        outside [0, 1] is NaN, as in R.

    Raises
    ------
    StatisticalError
        A score interval whose end points R's ``uniroot`` cannot bracket (a probability near
        0 or 1 in a small domain); R stops there too.

    Notes
    -----
    :math:`\\hat q_p = \\hat F^{-1}(p)` by the rule. Woodruff: with :math:`\\hat p =
    \\hat F(\\hat q_p)` estimated as a design-based mean of :math:`1\\{x \\le \\hat q_p\\}` and
    its standard error :math:`s`, the interval is :math:`[\\hat F^{-1}(l), \\hat F^{-1}(u)]`
    where :math:`(l, u) = \\hat p \\mp t s` (``mean``),
    :math:`\\operatorname{expit}(\\operatorname{logit} \\hat p \\mp t s / (\\hat p (1 - \\hat
    p)))` (``xlogit``), :math:`\\sin^2(\\arcsin \\sqrt{\\hat p} \\mp t s / (2 \\sqrt{\\hat p (1 -
    \\hat p)}))` (``asin``), or the Korn-Graubard beta quantiles with effective sample size
    :math:`\\hat p (1 - \\hat p) / s^2 \\, (t_{n-1} / t_{df})^2` (``beta``). Score: the
    limits solve :math:`z(\\theta) = \\pm t`, :math:`z(\\theta)` the design-based mean of
    :math:`1\\{x > \\theta\\} - (1 - p)` over its standard error, searched between
    :math:`\\min x + IQR/100` and :math:`\\max x - IQR/100` to a tolerance of
    :math:`1 / (100 \\sqrt n)`; each limit :math:`\\theta` is reported as
    :math:`\\hat F^{-1}(\\#\\{x \\le \\theta\\} / n)`. In all cases
    :math:`se = (\\text{upper} - \\text{lower}) / (2t)`, :math:`t` on the design's degrees of
    freedom (R ``svyquantile``).

    Examples
    --------
    >>> frame = pd.DataFrame({"x": [1.0, 2, 3, 4, 5, 6, 7, 8], "w": [1.0] * 8})
    >>> table = quantiles(SurveyDesign(frame, weight="w"), "x", [0.25, 0.5])
    >>> table[["quantile", "estimate"]].to_dict("list")
    {'quantile': [0.25, 0.5], 'estimate': [2.0, 4.0]}
    >>> hf7 = quantiles(SurveyDesign(frame, weight="w"), "x", [0.25, 0.5], qrule="hf7")
    >>> hf7["estimate"].tolist()  # as R's quantile(x, type = 7)
    [2.75, 4.5]
    """
    _choice("quantile rule", qrule, list(QRULES))
    _choice("quantile interval type", interval_type, list(INTERVAL_TYPES))
    if interval_type == "score" and design.replicates is not None:
        raise InputError(
            f"{design.where()}the score interval of a quantile needs a Taylor design; R's "
            "svyquantile has none for replicate weights either",
            "use interval type mean, beta, xlogit or asin, or drop --repweights/--replicates",
        )
    if interval_type == "quantile":
        if design.replicates is None:
            raise InputError(
                f"{design.where()}the replicate interval of a quantile (interval type quantile) "
                "needs replicate weights",
                "add --replicates TYPE or --repweights PATTERN, or use interval type mean",
            )
        if design.replicates.type.value in ("JK1", "JKn"):
            warnings.warn(
                "jackknife replicate weights may not give valid standard errors for quantiles "
                "(as R warns); a bootstrap or BRR design is safer",
                UserWarning,
                stacklevel=2,
            )
    rule = QRULES[qrule]
    bad = [p for p in probs if not 0 <= p <= 1]
    if bad or not probs:
        raise InputError(
            f"quantiles must lie between 0 and 1, not {', '.join(map(str, bad)) or 'none'}",
            "give probabilities such as 0.25,0.5,0.75",
        )
    values = _numeric(design, variable)
    domain, groups, by_var = _domains(design, by)
    weights = design.weights
    inside = (domain >= 0) & ~np.isnan(values)
    ordered = [_sorted(np.where(domain == g, values, np.nan), weights) for g in range(len(groups))]
    scores: dict[int, _ScoreTest] = {}
    if interval_type == "score":
        for g in range(len(groups)):
            in_group = inside & (domain == g)
            # a calibrated design's subsets keep every row (weight 0 outside), an uncalibrated
            # one's drop them: R's ffullerCI then sees those rows, with missing values as 0
            rows = np.ones(design.n, dtype=bool) if design.calibration else in_group
            if ordered[g][0].size:
                scores[g] = _ScoreTest(design, values, in_group, rows)
    # interval type quantile: each domain sorted once, with its replicate weights, for every p
    blocks = {
        g: _replicate_block(design, values, inside & (domain == g))
        for g in range(len(groups))
        if interval_type == "quantile" and ordered[g][0].size
    }
    estimates = np.full((len(probs), len(groups)), np.nan)
    for i, p in enumerate(probs):
        for g, (x, w) in enumerate(ordered):
            if x.size:
                estimates[i, g] = rule(x, w, p)
    # the share at or below each quantile, in the domain's respondents with a value (R drops
    # the missing values first, so that its degrees of freedom count only those rows); one
    # design holds the indicators of every probability
    answered = pd.Categorical.from_codes(
        np.where(inside, domain, -1), categories=range(len(groups))
    )
    below = {
        f"__below_{i}__": np.where(inside, values <= estimates[i, np.maximum(domain, 0)], np.nan)
        for i in range(len(probs))
    }
    indicators = design.update(data=design.data.assign(**below, __domain__=answered))
    rows_out: dict[tuple[int, int], dict[str, Any]] = {}
    for i, p in enumerate(probs):
        shares = quietly(means, indicators, f"__below_{i}__", by="__domain__", level=level)
        for g, group in enumerate(groups):
            share = shares.iloc[g]
            df, n = int(share["df"]), int(share["n"])
            # R's nrow() of the domain's design: a calibrated design's subsets keep every row
            nrow = design.n if design.calibration else n
            t = float(t_quantile(level, np.array([df]))[0])
            x, w = ordered[g]
            low, high = np.nan, np.nan
            if x.size and interval_type == "score":
                try:
                    theta_low, theta_high = scores[g].limits(float(p), t)
                except _NoScoreInterval as reason:
                    where = f" in {by} = {_label(by_var, group)}" if by_var else ""
                    raise StatisticalError(
                        f"{design.where()}the score interval of the {p} quantile of "
                        f"'{variable}'{where} cannot be found ({n} respondents): {reason}",
                        "use the Woodruff interval (interval type mean), or a probability "
                        "further from 0 and 1",
                    ) from None
                low = rule(x, w, scores[g].share_at_or_below(theta_low))
                high = rule(x, w, scores[g].share_at_or_below(theta_high))
            elif x.size and interval_type == "quantile":
                spread = _replicate_quantile_se(design, blocks[g], rule, float(p), estimates[i, g])
                low, high = estimates[i, g] - t * spread, estimates[i, g] + t * spread
            elif x.size:
                low_p, high_p = _share_interval(
                    interval_type, float(share["estimate"]), float(share["se"]), t, nrow, level
                )
                low = rule(x, w, low_p) if not math.isnan(low_p) and low_p >= 0 else np.nan
                high = rule(x, w, high_p) if not math.isnan(high_p) and high_p <= 1 else np.nan
            rows_out[(g, i)] = {
                "variable": variable, "stat": "quantile", "by": by,
                "group": _label(by_var, group) if by_var else None,
                "group_code": _json_code(group) if by_var else None,
                "level": None, "code": None,
                "estimate": estimates[i, g], "se": (high - low) / (2 * t),
                "ci_low": low, "ci_high": high, "deff": np.nan,
                "n": n, "n_level": None, "df": df,
                "ci_method": INTERVAL_TYPES[interval_type],
                "flag": cv_flag(np.array([estimates[i, g]]), np.array([(high - low) / (2 * t)]),
                                np.array([df]))[0] if x.size else "suppress: no respondents",
                "quantile": float(p),
            }  # fmt: skip
    return pd.DataFrame([rows_out[key] for key in sorted(rows_out)], columns=QUANTILE_COLUMNS)
