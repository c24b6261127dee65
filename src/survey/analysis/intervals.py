"""Confidence intervals and reliability flags for design-based estimates.

Intervals use Student t with the design degrees of freedom of each estimate (PSUs minus strata,
as R survey and Stata do): :func:`t_quantile` gives the multiplier, :func:`proportion_ci` the
logit, Wilson, Korn-Graubard (beta), Wald or arcsine interval of a proportion from its standard error,
or the profile-likelihood interval (R's ``svyciprop(method = "likelihood")``) from its standard
error and the few weighted sums of :func:`likelihood_terms`, and :func:`reliability_flag` the
NCHS data presentation standard for proportions (Parker et al. 2017).

It does not compute estimates or standard errors (``estimate.py`` does, with
:meth:`SurveyDesign.vcov`) and does not test or compare (``contrast.py``, ``inference.py``).

References
----------
Rao, J. N. K. & Scott, A. J. (1984). On chi-squared tests for multiway contingency tables with
cell proportions estimated from survey data. *Annals of Statistics* 12, 46-60.
Korn, E. L. & Graubard, B. I. (1998). Confidence intervals for proportions with small expected
number of positive counts estimated from survey data. *Survey Methodology* 24, 193-201.
Parker, J. D. et al. (2017). National Center for Health Statistics data presentation standards
for proportions. *Vital Health Stat* 2(175).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

import numpy as np
from scipy import special

from survey.errors import InputError, StatisticalError

__all__ = [
    "CIMethod",
    "LikelihoodTerms",
    "likelihood_terms",
    "proportion_ci",
    "reliability_flag",
    "t_quantile",
]


class CIMethod(enum.Enum):
    """Confidence-interval method for proportions (means and totals always use Wald/t)."""

    LOGIT = "logit"
    WILSON = "wilson"
    BETA = "beta"
    WALD = "wald"
    ASIN = "asin"
    LIKELIHOOD = "likelihood"


@dataclass(frozen=True)
class LikelihoodTerms:
    """What the likelihood interval needs beyond the proportion, its SE and df.

    Arrays of the shape of the proportions (or broadcastable to it), made by
    :func:`likelihood_terms`: the sums of R's working model ``svyglm(y ~ 1, family =
    quasibinomial)``, whose weights are :math:`W_i = w_i / \\bar w`, :math:`\\bar w` the mean
    weight of all rows of the (domain's) design, answered or not.

    Attributes
    ----------
    n
        Respondents of each estimate (the rows of the working model).
    weight_sum
        :math:`\\sum W_i` over them (``n`` when every row answered).
    start_step
        The intercept after glm's first IRLS step from its start
        :math:`m_i = (W_i y_i + 1/2)/(W_i + 1)`.
    start_deviance
        The binomial deviance at that start.
    start_information
        :math:`\\sum W_i m_i (1 - m_i)`, the information of the first step.
    """

    n: np.ndarray
    weight_sum: np.ndarray
    start_step: np.ndarray
    start_deviance: np.ndarray
    start_information: np.ndarray


def likelihood_terms(
    weights: np.ndarray,
    indicators: np.ndarray,
    answered: np.ndarray,
    domain: np.ndarray,
    n_domains: int,
) -> LikelihoodTerms:
    """The working-likelihood sums of every (domain, level) proportion.

    Parameters
    ----------
    weights
        Sampling weights of all rows, shape (n,).
    indicators
        1 where the row's answer is the level, else 0, shape (n, levels); only answered rows
        are read.
    answered
        Rows with a valid answer, shape (n,).
    domain
        Domain of each row, 0 .. n_domains - 1, or -1 for rows in none; all 0 for the whole
        sample.
    n_domains
        Number of domains.

    Returns
    -------
    LikelihoodTerms
        Arrays of shape (n_domains, levels).

    Notes
    -----
    As R's ``svyciprop(method = "likelihood")`` on a domain's subset design. glm's IRLS starts
    each row at :math:`m_i = (W_i y_i + 1/2)/(W_i + 1)`, :math:`\\eta_i = \\mathrm{logit}\\,m_i`;
    its first step is :math:`\\beta_1 = \\sum v_i z_i / \\sum v_i` with
    :math:`v_i = W_i m_i (1 - m_i)`, :math:`z_i = \\eta_i + (y_i - m_i)/(m_i(1 - m_i))`. From
    there every row has the same mean, so the remaining steps need only :math:`\\hat p` and
    :math:`\\sum W_i`; R's result depends on where IRLS stops (its model-based variance uses the
    weights of the last step), hence these sums.

    References
    ----------
    R's ``glm.fit`` and ``binomial()$initialize``; R survey's ``svyglm`` (``rescale = TRUE``).

    Examples
    --------
    >>> terms = likelihood_terms(np.ones(4), np.array([[1.0], [0], [1], [1]]),
    ...                          np.array([True, True, True, False]), np.zeros(4, int), 1)
    >>> terms.n.tolist(), terms.weight_sum.tolist()
    ([[3.0]], [[3.0]])
    """
    weights = np.asarray(weights, dtype=float)
    indicators = np.asarray(indicators, dtype=float).reshape(weights.size, -1)
    answered = np.asarray(answered, dtype=bool)
    domain = np.asarray(domain)
    shape = (n_domains, indicators.shape[1])
    n, weight_sum = np.zeros(shape), np.zeros(shape)
    step, deviance, information = (np.full(shape, np.nan) for _ in range(3))
    for g in range(n_domains):
        in_domain = domain == g
        rows = in_domain & answered
        if not rows.any():
            continue
        rescaled = weights[rows] / weights[in_domain].mean()
        n[g], weight_sum[g] = float(rows.sum()), rescaled.sum()
        y = indicators[rows]
        start = (rescaled[:, None] * y + 0.5) / (rescaled[:, None] + 1)
        variance = start * (1 - start)
        z = np.log(start / (1 - start)) + (y - start) / variance
        v = rescaled[:, None] * variance
        information[g] = v.sum(axis=0)
        step[g] = (v * z).sum(axis=0) / information[g]
        log_lik = y * np.log(start) + (1 - y) * np.log(1 - start)
        deviance[g] = -2 * (rescaled[:, None] * log_lik).sum(axis=0)
    return LikelihoodTerms(n, weight_sum, step, deviance, information)


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
        return np.where(df > 0, special.stdtrit(np.maximum(df, 1), 0.5 + level / 2), np.nan)


def proportion_ci(
    p: np.ndarray,
    se: np.ndarray,
    df: np.ndarray,
    n_rows: np.ndarray,
    method: CIMethod | str,
    level: float = 0.95,
    likelihood: LikelihoodTerms | None = None,
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
    likelihood
        The working-likelihood sums of each proportion (:func:`likelihood_terms`); needed by
        ``"likelihood"`` only, which cannot be computed from the standard error alone.

    Returns
    -------
    tuple of numpy.ndarray
        Lower and upper limits.

    Raises
    ------
    InputError
        ``"likelihood"`` without ``likelihood`` terms.

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
      ``svyciprop(method="asin")`` (R clips neither the angle nor the limits, and neither does this);
    - likelihood: R's ``svyciprop(method="likelihood")``, the profile interval of
      ``svyglm(y ~ 1, family = quasibinomial)`` on the logit scale with the deviance scaled by
      the dispersion :math:`\\phi` and the cutoff by the design effect of the intercept
      (Rao & Scott 1984). With :math:`\\hat\\beta = \\mathrm{logit}\\,\\hat p`,
      :math:`s = se/(\\hat p(1-\\hat p))`, :math:`\\lambda = s^2 \\sum W_i \\hat p(1-\\hat p)`
      (design over model variance), :math:`\\alpha = \\Phi(t_{df,(1-level)/2}\\sqrt\\lambda)/2`
      and :math:`z(\\beta) = \\operatorname{sign}(\\beta - \\hat\\beta)\\sqrt{2 \\sum W_i\\,
      \\mathrm{KL}(\\hat p \\,\\|\\, \\mathrm{expit}\\,\\beta) / \\phi}`: :math:`z` at
      :math:`\\hat\\beta \\pm k \\delta s`, :math:`k = 1, \\dots, 9`,
      :math:`\\delta = z_{max}/5`, :math:`z_{max} = \\sqrt{F_{1, n-1; 1-\\alpha}}`, until
      :math:`|z| \\ge z_{max}`, interpolated by R's ``spline`` (Forsythe-Malcolm-Moler, 3 times
      as many points) and inverted linearly at :math:`\\pm\\Phi^{-1}(2\\alpha)`, as MASS's
      ``profile.glm`` and ``confint``. NaN where :math:`\\hat p` is 0 or 1, or the profile does
      not reach the cutoff.

    Examples
    --------
    >>> low, high = proportion_ci(np.array([0.5]), np.array([0.05]), np.array([30]), np.array([100]), "wald")
    >>> round(float(low[0]), 4), round(float(high[0]), 4)
    (0.3979, 0.6021)
    """
    method = CIMethod(method) if isinstance(method, str) else method
    p = np.asarray(p, dtype=float)
    se = np.asarray(se, dtype=float)
    if method is CIMethod.LIKELIHOOD:
        if likelihood is None:
            raise InputError(
                "the likelihood interval needs the working-likelihood sums of each proportion, "
                "not only its standard error",
                "pass likelihood=likelihood_terms(...), or use proportions(design, variable, "
                "ci='likelihood'), which computes them",
            )
        return _likelihood_ci(p, se, np.asarray(df, dtype=float), likelihood, level)
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
            special.stdtrit(np.maximum(n_rows - 1, 1), alpha / 2)
            / special.stdtrit(np.maximum(df, 1), alpha / 2)
        ) ** 2
        n_eff = n_eff * adjust
        low = special.betaincinv(n_eff * p, n_eff * (1 - p) + 1, alpha / 2)
        high = special.betaincinv(n_eff * p + 1, n_eff * (1 - p), 1 - alpha / 2)
        return low, high


def _expit(x: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        return 1 / (1 + np.exp(-x))


def _likelihood_ci(
    p: np.ndarray, se: np.ndarray, df: np.ndarray, terms: LikelihoodTerms, level: float
) -> tuple[np.ndarray, np.ndarray]:
    """Element-wise :func:`_profile_interval` over arrays of the same shape."""
    p, se, df = np.broadcast_arrays(p, se, df)
    parts = [
        np.broadcast_to(np.asarray(a, dtype=float), p.shape)
        for a in (
            terms.n,
            terms.weight_sum,
            terms.start_step,
            terms.start_deviance,
            terms.start_information,
        )
    ]
    low, high = np.full(p.shape, np.nan), np.full(p.shape, np.nan)
    for index in np.ndindex(p.shape):
        low[index], high[index] = _profile_interval(
            float(p[index]),
            float(se[index]),
            float(df[index]),
            *(float(part[index]) for part in parts),
            level=level,
        )
    return low, high


def _irls(
    p: float, weight_sum: float, step: float, deviance: float, information: float
) -> tuple[float, float]:
    """glm.fit's intercept after IRLS converges, and the information of its last step."""

    def deviance_at(beta: float) -> float:
        mu = 1 / (1 + np.exp(-beta))
        return -2 * weight_sum * (p * np.log(mu) + (1 - p) * np.log(1 - mu))

    beta, previous = step, deviance
    for _ in range(25):  # glm.control(): maxit 25, epsilon 1e-8
        current = deviance_at(beta)
        if abs(current - previous) / (abs(current) + 0.1) < 1e-8:
            return beta, information
        previous = current
        mu = 1 / (1 + np.exp(-beta))
        information = weight_sum * mu * (1 - mu)
        beta = beta + (p - mu) / (mu * (1 - mu))
    raise StatisticalError(
        f"the working model of the likelihood interval of p = {p:g} did not converge",
        "use ci='logit' or 'beta'",
    )


def _profile_interval(
    p: float,
    se: float,
    df: float,
    n: float,
    weight_sum: float,
    step: float,
    deviance: float,
    information: float,
    *,
    level: float,
) -> tuple[float, float]:
    """R's ``confint.svyglm(method = "likelihood")`` of the intercept-only logistic model."""
    values = (p, se, df, n, weight_sum, step, deviance, information)
    if not all(np.isfinite(values)) or not 0 < p < 1 or se <= 0 or df <= 0 or n < 2:
        return np.nan, np.nan
    q = 1 - p
    beta, naive_information = _irls(p, weight_sum, step, deviance, information)
    fitted = 1 / (1 + np.exp(-beta))
    s = se / (p * q)
    scale = s**2 * naive_information  # cov.unscaled / naive.cov
    from scipy import stats  # only the likelihood interval needs the distributions module

    alpha = float(stats.norm.cdf(stats.t.ppf((1 - level) / 2, df) * np.sqrt(scale))) / 2
    zmax = float(np.sqrt(stats.f.isf(alpha, 1, n - 1)))
    delta = zmax / 5
    # summary.svyglm's dispersion: svyvar of the Pearson residuals (y - mu) / sqrt(mu (1 - mu))
    dispersion = n / (n - 1) * p * q / (fitted * (1 - fitted))

    def log_lik(mu: float) -> float:
        return weight_sum * (p * np.log(mu) + q * np.log(1 - mu))

    original = log_lik(fitted)
    grid, profile = [beta], [0.0]
    for sign in (-1.0, 1.0):
        k, z = 0, 0.0
        while (k := k + 1) < 10 and abs(z) < zmax:
            b = beta + sign * k * delta * s
            mu = 1 / (1 + np.exp(-b))
            z = sign * float(np.sqrt(max(2 * (original - log_lik(mu)) / dispersion, 0.0)))
            grid.append(b)
            profile.append(z)
    order = np.argsort(profile, kind="stable")
    x, y = np.asarray(grid)[order], np.asarray(profile)[order]
    points = np.linspace(x[0], x[-1], 3 * x.size)
    curve = _fmm_spline(x, y, points)
    cutoff = float(stats.norm.ppf(2 * alpha))
    low, high = _approx(curve, points, np.array([cutoff, -cutoff]))
    return float(_expit(np.array(low))), float(_expit(np.array(high)))


def _fmm_spline(x: np.ndarray, y: np.ndarray, points: np.ndarray) -> np.ndarray:
    """The interpolating cubic spline of R's ``spline(method = "fmm")`` at ``points``.

    Forsythe, Malcolm and Moler's end conditions: the third derivative at each end equals that
    of the cubic through the four points nearest it (zero with three points). ``x`` increasing.
    """
    size = x.size
    h = np.diff(x)
    slope = np.diff(y) / h
    # unknowns sigma_i = y''(x_i) / 6
    system, rhs = np.zeros((size, size)), np.zeros(size)
    for i in range(1, size - 1):
        system[i, i - 1 : i + 2] = h[i - 1], 2 * (h[i - 1] + h[i]), h[i]
        rhs[i] = slope[i] - slope[i - 1]
    system[0, :2] = -h[0], h[0]
    system[-1, -2:] = h[-1], -h[-1]
    if size > 3:
        rhs[0] = h[0] ** 2 * _third_divided_difference(x[:4], y[:4])
        rhs[-1] = -(h[-1] ** 2) * _third_divided_difference(x[-4:], y[-4:])
    sigma = np.linalg.solve(system, rhs)
    at = np.clip(np.searchsorted(x, points, side="right") - 1, 0, size - 2)
    dx = points - x[at]
    b = slope[at] - h[at] * (sigma[at + 1] + 2 * sigma[at])
    d = (sigma[at + 1] - sigma[at]) / h[at]
    return y[at] + dx * (b + dx * (3 * sigma[at] + dx * d))


def _third_divided_difference(x: np.ndarray, y: np.ndarray) -> float:
    first = np.diff(y) / np.diff(x)
    second = np.diff(first) / (x[2:] - x[:-2])
    return float((second[1] - second[0]) / (x[3] - x[0]))


def _approx(x: np.ndarray, y: np.ndarray, at: np.ndarray) -> np.ndarray:
    """R's ``approx(x, y, xout = at)``: linear, ties averaged, NaN outside the range of x."""
    unique, inverse = np.unique(x, return_inverse=True)
    mean_y = np.bincount(inverse, weights=y) / np.bincount(inverse)
    inside = (at >= unique[0]) & (at <= unique[-1])
    return np.where(inside, np.interp(at, unique, mean_y), np.nan)


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


#: The coefficient of variation from which an estimate other than a proportion is flagged.
CV_REVIEW = 0.30


def cv_flag(estimate: np.ndarray, se: np.ndarray, df: np.ndarray) -> np.ndarray:
    """Reliability flag of a mean, total, ratio, variance or quantile, by its CV.

    Parameters
    ----------
    estimate, se, df
        Estimates, standard errors and degrees of freedom.

    Returns
    -------
    numpy.ndarray
        Text flags: ``""``, or ``"review: ..."`` when the coefficient of variation
        :math:`se / |estimate|` is 30% or more (NCHS: relative standard error above 30%
        is unreliable), or when there are fewer than 8 degrees of freedom.

    Notes
    -----
    A CV has no meaning for an estimate at 0 (a mean of a centred variable): those are not
    flagged by CV. Proportions take :func:`reliability_flag` instead.

    Examples
    --------
    >>> cv_flag(np.array([10.0, 10.0]), np.array([1.0, 4.0]), np.array([30, 30])).tolist()
    ['', 'review: CV 30% or more']
    """
    estimate = np.asarray(estimate, dtype=float)
    se = np.asarray(se, dtype=float)
    flags = np.full(estimate.shape, "", dtype=object)
    with np.errstate(divide="ignore", invalid="ignore"):
        cv = np.where(estimate != 0, se / np.abs(estimate), np.nan)
        flags[np.asarray(df) < 8] = "review: fewer than 8 degrees of freedom"
        flags[cv >= CV_REVIEW] = "review: CV 30% or more"
    return flags
