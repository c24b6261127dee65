"""Design-based tests: the Rao-Scott test of independence and multiple-testing adjustments.

:func:`rao_scott` tests whether two categorical variables are independent in the population,
taking the survey design into account, exactly as R's ``svychisq`` with any of its six
statistics: the Pearson X^2 of the weighted table corrected by the eigenvalues of the
design-effect matrix of the interaction contrasts (``"F"``, ``"Chisq"``), referred to the
distribution of a linear combination of chi-squares (``"lincom"``, by Imhof's integral;
``"saddlepoint"``, by Kuonen's saddlepoint approximation), or the design-based Wald test of the
interaction (``"Wald"``, ``"adjWald"``). The covariances come from :meth:`SurveyDesign.vcov`,
or on a design with replicate weights from :meth:`SurveyDesign.replicate_vcov`, as R's
``svychisq.svyrep.design``.
:func:`adjust_pvalues` applies Holm's or Benjamini-Hochberg's adjustment as R's ``p.adjust``.

It does not estimate means, totals or proportions (``estimate.py`` does) or fit models
(``models.py``), and it tests two-way tables only, as R does.

References
----------
Rao, J. N. K. and Scott, A. J. (1984). On chi-squared tests for multiway contingency tables
with cell proportions estimated from survey data. *Annals of Statistics* 12, 46-60.
Koch, G. G., Freeman, D. H. and Freeman, J. L. (1975). Strategies in the multivariate analysis
of data from complex surveys. *International Statistical Review* 43, 59-78.
Imhof, J. P. (1961). Computing the distribution of quadratic forms in normal variables.
*Biometrika* 48, 419-426.
Ruben, H. (1962). Probability content of regions under spherical normal distributions, IV.
*Annals of Mathematical Statistics* 33, 542-570.
Farebrother, R. W. (1984). Algorithm AS 204: the distribution of a positive linear combination
of chi-squared random variables. *Applied Statistics* 33, 332-339.
Kuonen, D. (1999). Saddlepoint approximations for distributions of quadratic forms in normal
variables. *Biometrika* 86, 929-935.
Lumley, T. (2010). *Complex Surveys: A Guide to Analysis Using R*. Wiley, sec. 6.2.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, get_args

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy import integrate, optimize, stats

from survey.analysis.design import SurveyDesign
from survey.errors import InputError, StatisticalError

__all__ = [
    "CHISQ_STATISTICS",
    "RESULT_COLUMNS",
    "adjust_pvalues",
    "rao_scott",
    "rao_scott_both",
    "ttest",
]

#: The ``statistic`` names of :func:`rao_scott`, spelled as R's ``svychisq``.
ChisqStatistic = Literal["F", "Chisq", "Wald", "adjWald", "lincom", "saddlepoint"]
CHISQ_STATISTICS: tuple[str, ...] = get_args(ChisqStatistic)

#: The ``method`` of each statistic in the result.
_METHODS = {
    "F": "rao-scott-f",
    "Chisq": "rao-scott-chisq",
    "Wald": "wald",
    "adjWald": "adjusted-wald",
    "lincom": "rao-scott-lincom",
    "saddlepoint": "rao-scott-saddlepoint",
}

#: Columns of the one-row frames :func:`rao_scott` returns.
RESULT_COLUMNS = [
    "variable",
    "by",
    "method",
    "statistic",
    "ndf",
    "ddf",
    "p_value",
    "chisq",
    "chisq_p_value",
]


@dataclass(frozen=True)
class _RaoScott:
    """The pieces of both Rao-Scott corrections for one pair of variables."""

    pearson: float  # X^2 of the weighted table scaled to the number of rows
    delta: np.ndarray  # design-effect matrix of the interaction contrasts
    nu: int  # design degrees of freedom
    replicate: bool = False  # svychisq.svyrep.design: lincom/saddlepoint without the F's ddf

    @property
    def trace(self) -> float:
        return float(np.trace(self.delta))

    @property
    def d0(self) -> float:
        return self.trace**2 / float(np.trace(self.delta @ self.delta))

    @property
    def df(self) -> int:
        return int(self.delta.shape[1])

    def f_test(self) -> tuple[float, float, float, float]:
        statistic = self.pearson / self.trace
        ndf, ddf = self.d0, self.d0 * self.nu
        return statistic, ndf, ddf, float(stats.f.sf(statistic, ndf, ddf))

    def chisq_test(self) -> tuple[float, float]:
        corrected = self.pearson / (self.trace / self.df)
        return corrected, float(stats.chi2.sf(corrected, self.df))

    def eigenvalues(self) -> np.ndarray:
        values = np.linalg.eigvals(self.delta)
        if np.abs(values.imag).max() > 1e-8 * np.abs(values.real).max():
            raise StatisticalError(
                f"the design-effect matrix has complex eigenvalues ({values.tolist()})",
                "use statistic='F', which needs only its trace",
            )
        return np.asarray(values.real, dtype=float)

    def lincom_test(self) -> float:
        """R's ``pFsum(X^2, 1, eigenvalues, ddf = d0 nu, method = "integration")``.

        On a replicate design R's ``pchisqsum(X^2, 1, eigenvalues, method = "integration")``:
        the combination of chi-squares alone, by Ruben's series (R: Farebrother's algorithm).
        """
        if self.replicate:
            values = self.eigenvalues()
            if (values <= 0).any():
                raise StatisticalError(
                    f"the design-effect matrix has an eigenvalue <= 0 ({values.min():g})",
                    "use statistic='saddlepoint' or 'F'",
                )
            return _ruben_upper(values, self.pearson)
        lam, h = self._pfsum_terms()
        return _imhof_upper(lam, h)

    def saddlepoint_test(self) -> float:
        """R's ``pFsum(X^2, 1, eigenvalues, ddf = d0 nu, method = "saddlepoint")``.

        On a replicate design R's ``pchisqsum(X^2, 1, eigenvalues, method = "saddlepoint")``:
        the combination of chi-squares alone, its Satterthwaite approximation where the
        saddlepoint is too close to the mean.
        """
        if self.replicate:
            values = self.eigenvalues()
            upper = saddle_upper(values, self.pearson)
            if np.isnan(upper):  # R's pchisqsum keeps its Satterthwaite guess
                scale = float(np.sum(values**2) / np.sum(values))
                return float(stats.chi2.sf(self.pearson / scale, self.d0))
            return upper
        lam, h = self._pfsum_terms()
        upper = saddle_upper(np.repeat(lam, h.astype(int)), 0.0)
        if np.isnan(upper):  # too close to the mean for the saddlepoint: R's F approximation
            return self.f_test()[3]
        return upper

    def _pfsum_terms(self) -> tuple[np.ndarray, np.ndarray]:
        # P(sum_j a_j chi2_1 > X^2 chi2_ddf / ddf) = P(sum_j a_j chi2_1 - X^2/ddf chi2_ddf > 0);
        # R hands ddf to Davies' algorithm and to rep(), both of which truncate it to an integer
        ddf = self.d0 * self.nu
        values = self.eigenvalues()
        lam = np.append(values, -self.pearson / ddf)
        h = np.append(np.ones(values.size), np.floor(ddf))
        return lam, h


def _imhof_upper(lam: np.ndarray, h: np.ndarray) -> float:
    """P(sum_j lam_j chi2_{h_j} > 0) by Imhof's (1961) integral, to about 1e-13 absolute."""

    def integrand(u: float) -> float:
        theta = 0.5 * float(np.sum(h * np.arctan(lam * u)))
        log_rho = 0.25 * float(np.sum(h * np.log1p((lam * u) ** 2)))
        return float(np.sin(theta) * np.exp(-log_rho - np.log(u)))

    with warnings.catch_warnings():
        warnings.simplefilter("error", integrate.IntegrationWarning)
        try:
            value, _ = integrate.quad(integrand, 0, np.inf, limit=2000, epsabs=1e-15, epsrel=1e-12)
        except integrate.IntegrationWarning as caught:
            raise StatisticalError(
                f"the lincom p-value's integral did not converge ({caught})",
                "use statistic='saddlepoint' or 'F'",
            ) from None
    return float(min(1.0, max(0.0, 0.5 + value / np.pi)))


def _ruben_upper(lam: np.ndarray, x: float) -> float:
    """P(sum_j lam_j chi2_1 > x) for lam > 0 by Ruben's (1962) series, to about 1e-15 relative.

    With beta = min(lam) and gamma_j = 1 - beta / lam_j, the sum is a mixture of
    beta chi2_{q + 2k} with weights c_0 = prod_j sqrt(beta / lam_j),
    c_k = sum_{r < k} g_{k - r} c_r / (2k), g_m = sum_j gamma_j^m (Farebrother's AS 204).
    """
    q = lam.size
    beta = float(lam.min())
    gamma = 1 - beta / lam
    top = float(gamma.max())
    if top == 0:  # all equal: beta chi2_q
        return float(stats.chi2.sf(x / beta, q))
    c = [float(np.prod(np.sqrt(beta / lam)))]
    g: list[float] = [0.0]
    upper = c[0] * float(stats.chi2.sf(x / beta, q))
    for k in range(1, 100_000):
        g.append(float(np.sum(gamma**k)))
        c.append(float(np.dot(g[k:0:-1], c)) / (2 * k))
        upper += c[k] * float(stats.chi2.sf(x / beta, q + 2 * k))
        # the weights fall at least geometrically with ratio max(gamma) from here on
        if c[k] * top / (1 - top) <= 1e-16 * upper and c[k] <= c[k - 1]:
            return float(min(1.0, upper))
    raise StatisticalError(
        f"the lincom p-value's series did not converge (eigenvalues {lam.tolist()})",
        "use statistic='saddlepoint' or 'F'",
    )


def saddle_upper(lam: np.ndarray, x: float) -> float:
    """P(sum_j lam_j chi2_1 > x) by the saddlepoint approximation, as R's ``survey:::saddle(x, lam)``.

    NaN where the saddlepoint is within 1e-4 of 0, as in R (the caller falls back).
    """
    top = float(lam.max())
    lam, x = lam / top, x / top

    def k0(zeta: float) -> float:
        return float(-np.sum(np.log(1 - 2 * zeta * lam)) / 2)

    def k1(zeta: float) -> float:
        return float(np.sum(lam / (1 - 2 * zeta * lam))) - x

    def k2(zeta: float) -> float:
        return float(2 * np.sum(lam**2 / (1 - 2 * zeta * lam) ** 2))

    if (lam < 0).any():
        lower = float(np.max(1 / (2 * lam[lam < 0]))) * 0.99999
    elif x > lam.sum():
        lower = -0.01
    else:
        lower = -lam.size / (2 * x)
    upper = float(np.min(1 / (2 * lam[lam > 0]))) * 0.99999
    zeta = float(optimize.brentq(k1, lower, upper, xtol=1e-14, rtol=1e-14, maxiter=1000))
    if abs(zeta) < 1e-4:
        return float("nan")
    w = np.sign(zeta) * np.sqrt(2 * (zeta * x - k0(zeta)))
    v = zeta * np.sqrt(k2(zeta))
    return float(stats.norm.sf(w + np.log(v / w) / w))


def _wald(design: SurveyDesign, row: str, col: str) -> tuple[float, int, int]:
    """The Wald statistic of ``svychisq(statistic = "Wald")`` before scaling: (W, numdf, nu).

    As R: the weighted cell totals minus their products of margins over the complete rows,
    their covariance by the delta method from the covariance of all totals, and the quadratic
    form of the cells of rows and columns 2 onwards. On a replicate design the covariance of
    the totals is their replicate covariance (R's ``svytotal`` on the ``svyrep.design``).
    """
    codes = _codes(design, row, col)
    nr, nc, k = codes.nr, codes.nc, codes.nr * codes.nc
    rows = np.flatnonzero(codes.complete)
    r, c = codes.r_codes[rows], codes.c_codes[rows]
    weights = design.weights[rows]
    # columns: the k cells (row level fastest), the nr row and nc column indicators, 1
    columns = np.concatenate([r + nr * c, k + r, k + nr + c, np.full(rows.size, k + nr + nc)])
    shape = (design.n, k + nr + nc + 1)
    scores = sp.csr_matrix((np.tile(weights, 4), (np.tile(rows, 4), columns)), shape=shape)
    totals = np.asarray(scores.sum(axis=0)).ravel()
    if design.replicates is None:
        cov = design.vcov(scores)
    else:  # the replicates re-weight the indicators themselves
        indicators = sp.csr_matrix((np.ones(4 * rows.size), (np.tile(rows, 4), columns)), shape)
        cov = design.replicate_vcov(indicators, lambda t: t, diagonal=False)
    row_totals, col_totals, total = totals[k : k + nr], totals[k + nr : k + nr + nc], totals[-1]
    grid_r, grid_c = np.tile(np.arange(nr), nc), np.repeat(np.arange(nc), nr)
    jacobian = np.column_stack([
        np.eye(k),
        -(grid_r[:, None] == np.arange(nr)[None, :]).astype(float) * (col_totals[grid_c] / total)[:, None],
        -(grid_c[:, None] == np.arange(nc)[None, :]).astype(float) * (row_totals[grid_r] / total)[:, None],
        row_totals[grid_r] * col_totals[grid_c] / total**2,
    ])  # fmt: skip
    y = totals[:k] - row_totals[grid_r] * col_totals[grid_c] / total
    variance = jacobian @ cov @ jacobian.T
    use = (grid_r > 0) & (grid_c > 0)
    try:
        wald = float(y[use] @ np.linalg.solve(variance[np.ix_(use, use)], y[use]))
    except np.linalg.LinAlgError:
        raise StatisticalError(
            f"{design.where()}the covariance of the interaction of '{row}' by '{col}' is singular",
            "combine sparse categories, or use statistic='F'",
        ) from None
    return wald, (nr - 1) * (nc - 1), codes.nu


def _levels(values: pd.Series) -> np.ndarray:
    """Category codes (-1 for missing) over the values present, as R's ``factor``."""
    return pd.factorize(values, sort=True, use_na_sentinel=True)[0]


@dataclass(frozen=True)
class _Codes:
    """The two variables as category codes, checked as ``svychisq`` needs them."""

    r_codes: np.ndarray  # row categories, -1 where missing
    c_codes: np.ndarray
    nr: int  # distinct non-missing values over all rows, as R counts them
    nc: int
    complete: np.ndarray  # rows where both are observed
    nu: int  # design degrees of freedom


def _codes(design: SurveyDesign, row: str, col: str) -> _Codes:
    """Validate the pair and code its categories as R's ``factor``."""
    if row == col:
        raise InputError(
            f"{design.where()}cannot test '{row}' against itself",
            "give two different variables",
        )
    row_values, col_values = design.column(row), design.column(col)
    r_codes, c_codes = _levels(row_values), _levels(col_values)
    # R counts the distinct non-missing values of each variable over all rows
    nr, nc = int(r_codes.max()) + 1, int(c_codes.max()) + 1
    complete = (r_codes >= 0) & (c_codes >= 0)
    for name, codes, size in ((row, r_codes, nr), (col, c_codes, nc)):
        present = np.unique(codes[complete]).size
        if size < 2 or present < 2:
            shown = pd.unique(design.column(name)[complete].dropna())[:1]
            only = f" (only {shown[0]!r})" if len(shown) else ""
            raise StatisticalError(
                f"{design.where()}'{name}' has {present} category(ies){only} among the "
                f"{int(complete.sum())} rows where '{row}' and '{col}' are both observed",
                "a test of independence needs at least two categories in each variable",
            )
    nu = design.df
    if nu < 1:
        raise StatisticalError(
            f"{design.where()}the design has {nu} degrees of freedom",
            "a design-based test needs more PSUs than strata"
            if design.replicates is None
            else "a design-based test needs replicate weights of rank 2 or more",
        )
    return _Codes(r_codes, c_codes, nr, nc, complete, nu)


def _rao_scott(design: SurveyDesign, row: str, col: str) -> _RaoScott:
    """Mirror ``survey:::svychisq.survey.design`` (or ``.svyrep.design``) up to the statistic."""
    codes = _codes(design, row, col)
    r_codes, c_codes, nr, nc = codes.r_codes, codes.c_codes, codes.nr, codes.nc
    complete, nu = codes.complete, codes.nu
    n = design.n
    k = nr * nc
    rows = np.flatnonzero(complete)
    cell = r_codes[rows] + nr * c_codes[rows]  # row level varies fastest, as R's interaction()
    weights = design.weights[rows]
    psum = weights.sum()
    mean = np.bincount(cell, weights=weights, minlength=k) / psum
    indicator = sp.csr_matrix((np.ones(rows.size), (rows, cell)), shape=(n, k))
    if design.replicates is None:
        # influence values of the cell proportions: w_i (1[cell_i = j] - p_j) / sum(w), 0 if
        # missing
        scale = np.zeros(n)
        scale[rows] = weights / psum
        variance = design.vcov(scale[:, None] * (indicator.toarray() - mean[None, :]))
    else:  # R's svymean on the complete rows: every replicate's cell proportions
        variance = design.replicate_vcov(indicator, _proportions, diagonal=False)

    # contrasts: the interaction columns orthogonalised against the main effects
    grid_r = np.tile(np.arange(nr), nc)
    grid_c = np.repeat(np.arange(nc), nr)
    dummies_r = (grid_r[:, None] == np.arange(1, nr)[None, :]).astype(float)
    dummies_c = (grid_c[:, None] == np.arange(1, nc)[None, :]).astype(float)
    main = np.column_stack([np.ones(k), dummies_r, dummies_c])
    interaction = (dummies_r[:, :, None] * dummies_c[:, None, :]).reshape(k, -1)
    contrast = interaction - main @ np.linalg.lstsq(main, interaction, rcond=None)[0]
    inverse = np.divide(1.0, mean, out=np.zeros(k), where=mean != 0)
    denom = contrast.T @ (inverse[:, None] * contrast) / n
    numer = contrast.T @ (inverse[:, None] * variance * inverse[None, :]) @ contrast
    try:
        delta = np.linalg.solve(denom, numer)
    except np.linalg.LinAlgError:
        raise StatisticalError(
            f"{design.where()}the design-effect matrix of '{row}' by '{col}' is singular",
            "combine sparse categories so that every row and column of the table has cases",
        ) from None

    # Pearson X^2 of the weighted table over the complete rows, scaled to n rows in all
    present_r, r_index = np.unique(r_codes[rows], return_inverse=True)
    present_c, c_index = np.unique(c_codes[rows], return_inverse=True)
    table = np.zeros((present_r.size, present_c.size))
    np.add.at(table, (r_index, c_index), weights)
    table *= n / table.sum()
    expected = np.outer(table.sum(axis=1), table.sum(axis=0)) / table.sum()
    pearson = float(((table - expected) ** 2 / expected).sum())
    result = _RaoScott(pearson=pearson, delta=delta, nu=nu, replicate=design.replicates is not None)
    if not np.isfinite(result.trace) or result.trace <= 0:
        raise StatisticalError(
            f"{design.where()}'{row}' by '{col}' has no design-based variance "
            f"(trace of the design-effect matrix {result.trace:g})",
            "check that the variables vary within PSUs or across PSUs",
        )
    return result


def _proportions(totals: np.ndarray) -> np.ndarray:
    """Cell totals (r, k) to cell proportions; NaN where a replicate has no complete row."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return totals / totals.sum(axis=1, keepdims=True)


def _row(
    row: str,
    col: str,
    method: str,
    statistic: float,
    ndf: float,
    ddf: float,
    p_value: float,
    result: _RaoScott,
) -> dict[str, object]:
    _, chisq_p = result.chisq_test()
    return {
        "variable": row,
        "by": col,
        "method": method,
        "statistic": statistic,
        "ndf": ndf,
        "ddf": ddf,
        "p_value": p_value,
        "chisq": result.pearson,
        "chisq_p_value": chisq_p,
    }


def rao_scott(
    design: SurveyDesign, row: str, col: str, statistic: ChisqStatistic = "F"
) -> pd.DataFrame:
    """Rao-Scott test of independence of two categorical variables, as R's ``svychisq``.

    Parameters
    ----------
    design
        The survey design holding both variables.
    row, col
        The two categorical variables (any values; missing values are left out).
    statistic
        ``"F"``: the second-order (Satterthwaite) correction, an F statistic on
        non-integer degrees of freedom (R's default and recommendation). ``"Chisq"``: the
        first-order correction, X^2 divided by the mean design effect, on the chi-square
        distribution with (r-1)(c-1) degrees of freedom. ``"lincom"``: X^2 against its
        asymptotic distribution, a linear combination of chi-squares, by numerical
        integration. ``"saddlepoint"``: the same distribution by a saddlepoint approximation.
        ``"Wald"``: the design-based Wald test of the interaction, an F statistic on
        ((r-1)(c-1), nu) degrees of freedom. ``"adjWald"``: the Wald statistic scaled to
        ((r-1)(c-1), nu - (r-1)(c-1) + 1) degrees of freedom (better with few PSUs).

    Returns
    -------
    pandas.DataFrame
        One row: ``variable`` (= ``row``), ``by`` (= ``col``), ``method``
        (``"rao-scott-f"``, ``"rao-scott-chisq"``, ``"rao-scott-lincom"``,
        ``"rao-scott-saddlepoint"``, ``"wald"`` or ``"adjusted-wald"``), ``statistic`` (the
        statistic tested; for lincom and saddlepoint the uncorrected X^2, as R), ``ndf``,
        ``ddf`` (NaN where R gives none: ``ddf`` of the chi-square version, both for lincom and
        saddlepoint), ``p_value``, ``chisq`` (the uncorrected Pearson X^2 of the weighted table,
        the value R prints as ``X-squared``) and ``chisq_p_value`` (the first-order Rao-Scott
        p-value of ``chisq``, R's ``statistic = "Chisq"`` p-value).

    Raises
    ------
    InputError
        A variable is not in the data, or both are the same.
        Unknown ``statistic``.
    StatisticalError
        A variable has fewer than two categories where both are observed, the design has no
        degrees of freedom (for ``"adjWald"``: fewer than (r-1)(c-1)), the design-effect matrix
        or the Wald covariance is degenerate, or the lincom integral does not converge.

    Notes
    -----
    With :math:`\\hat p` the weighted cell proportions of the r x c table (rows with a missing
    value in either variable get zero weight but keep their PSU in the design, as R's
    ``svymean(..., na.rm = TRUE)``), :math:`V` their design covariance, :math:`C` the
    interaction columns of the saturated model orthogonalised against the main effects,
    :math:`D = \\mathrm{diag}(\\hat p)` and :math:`N` the number of rows of the data,

    .. math::

        \\Delta = \\big(C^\\top D^{-1} C / N\\big)^{-1} \\; C^\\top D^{-1} V D^{-1} C,
        \\qquad d_0 = \\frac{(\\operatorname{tr}\\Delta)^2}{\\operatorname{tr}\\Delta^2}.

    :math:`X^2` is Pearson's statistic of the weighted table of the complete rows scaled to
    total :math:`N`. The F version is :math:`F = X^2 / \\operatorname{tr}\\Delta` on
    :math:`(d_0, \\nu d_0)` degrees of freedom, :math:`\\nu` = PSUs minus strata of the whole
    design; the chi-square version is :math:`X^2 / \\bar\\delta` with
    :math:`\\bar\\delta = \\operatorname{tr}\\Delta / ((r-1)(c-1))` on :math:`(r-1)(c-1)`
    degrees of freedom. r and c count the distinct observed values of each variable over all
    rows, as R does.

    lincom and saddlepoint (R's ``pFsum``): with :math:`\\delta_j` the eigenvalues of
    :math:`\\Delta` and :math:`m = \\lfloor d_0 \\nu \\rfloor` (R truncates it),

    .. math::

        p = P\\Big(\\sum_j \\delta_j \\chi^2_{1,j} - \\frac{X^2}{d_0 \\nu} \\chi^2_m > 0\\Big).

    lincom evaluates it by Imhof's integral
    :math:`p = \\tfrac12 + \\tfrac1\\pi \\int_0^\\infty \\sin\\theta(u) / (u \\rho(u))\\,du`,
    :math:`\\theta(u) = \\tfrac12 \\sum_j h_j \\arctan(\\lambda_j u)`,
    :math:`\\rho(u) = \\prod_j (1 + \\lambda_j^2 u^2)^{h_j/4}`, to about 1e-13 absolute. R uses
    Davies' algorithm asked for 1e-7 absolute accuracy, so the two agree to that, and this one
    agrees with an exact evaluation of the same distribution. saddlepoint is Kuonen's (1999)
    approximation :math:`p = 1 - \\Phi(w + \\log(v/w)/w)` at the root :math:`\\hat\\zeta` of
    :math:`K'(\\zeta) = 0` of the cumulant generating function :math:`K` of the combination
    (each :math:`\\lambda` repeated :math:`h` times and scaled by the largest),
    :math:`w = \\operatorname{sign}(\\hat\\zeta)\\sqrt{-2K(\\hat\\zeta)}`,
    :math:`v = \\hat\\zeta\\sqrt{K''(\\hat\\zeta)}`; when :math:`|\\hat\\zeta| < 10^{-4}` it is
    the F version's p-value, as in R.

    Wald and adjWald (Koch et al. 1975): with :math:`\\hat T_{jk}` the weighted cell totals of
    the complete rows, :math:`\\hat T_{j\\cdot}`, :math:`\\hat T_{\\cdot k}`, :math:`\\hat T` the
    margins, :math:`Y_{jk} = \\hat T_{jk} - \\hat T_{j\\cdot}\\hat T_{\\cdot k}/\\hat T` for
    :math:`j, k \\ge 2` and :math:`V_Y` its delta-method covariance, :math:`W = Y^\\top V_Y^{-1}
    Y`; Wald is :math:`W/q` on :math:`(q, \\nu)`, adjWald :math:`W (\\nu - q + 1)/(q \\nu)` on
    :math:`(q, \\nu - q + 1)`, :math:`q = (r-1)(c-1)`.

    Replicate designs (R's ``svychisq.svyrep.design``): :math:`V` and the covariance of the
    totals are the replicate covariances of the re-estimated cell proportions and totals
    (R's ``svrVar``, over the complete rows), :math:`\\nu` is R's ``degf`` (the rank of the
    replicate weights minus 1) and :math:`N` the number of rows. saddlepoint then approximates
    :math:`P(\\sum_j \\delta_j \\chi^2_{1,j} > X^2)` (R's ``pchisqsum``, without the F's
    denominator), falling back to its Satterthwaite approximation
    :math:`P(\\chi^2_{d_0} > X^2 \\sum_j \\delta_j / \\sum_j \\delta_j^2)` where the
    saddlepoint is within 1e-4 of 0; lincom evaluates the same probability by Ruben's (1962)
    series, a mixture of :math:`\\beta\\chi^2_{q+2k}` with :math:`\\beta = \\min_j \\delta_j`
    (R: Farebrother's algorithm, asked for 1e-10 absolute accuracy; this sums to about 1e-15
    relative).

    References
    ----------
    Rao and Scott (1984), Ann. Statist. 12, 46-60; Koch, Freeman and Freeman (1975), Int.
    Statist. Rev. 43, 59-78; Imhof (1961), Biometrika 48, 419-426; Ruben (1962), Ann. Math.
    Statist. 33, 542-570; Farebrother (1984), Appl. Statist. 33, 332-339; Kuonen (1999),
    Biometrika 86, 929-935; Lumley (2010), sec. 6.2; R survey's ``svychisq`` (and
    ``svychisq.svyrep.design``), ``pFsum`` and ``pchisqsum``.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> frame = pd.DataFrame({"s": np.repeat([1, 2], 50), "a": rng.integers(0, 2, 100),
    ...                       "b": rng.integers(0, 3, 100), "w": rng.uniform(1, 3, 100)})
    >>> test = rao_scott(SurveyDesign(frame, weight="w", strata="s"), "a", "b")
    >>> list(test.columns) == RESULT_COLUMNS
    True
    >>> rao_scott(SurveyDesign(frame, weight="w", strata="s"), "a", "b", "adjWald")["ddf"].item()
    97.0
    >>> jkn = SurveyDesign(frame, weight="w", strata="s").with_replicates("JKn")
    >>> rao_scott(jkn, "a", "b", "Wald")["p_value"].round(6).item()  # R: 0.664208251898653
    0.664208
    """
    if statistic not in _METHODS:
        raise InputError(
            f"unknown svychisq statistic {statistic!r}",
            "use one of " + ", ".join(repr(name) for name in CHISQ_STATISTICS),
        )
    result = _rao_scott(design, row, col)
    method = _METHODS[statistic]
    if statistic == "F":
        value, ndf, ddf, p_value = result.f_test()
    elif statistic == "Chisq":
        value, p_value = result.chisq_test()
        ndf, ddf = float(result.df), np.nan
    elif statistic in ("lincom", "saddlepoint"):
        value, ndf, ddf = result.pearson, np.nan, np.nan
        p_value = result.lincom_test() if statistic == "lincom" else result.saddlepoint_test()
    else:
        wald, q, nu = _wald(design, row, col)
        ndf, ddf = float(q), float(nu if statistic == "Wald" else nu - q + 1)
        if ddf < 1:
            raise StatisticalError(
                f"{design.where()}the adjusted Wald test of '{row}' by '{col}' has "
                f"{nu} - {q} + 1 = {ddf:g} denominator degrees of freedom",
                "use statistic='Wald' or 'F', or a design with more PSUs",
            )
        value = wald / q if statistic == "Wald" else wald * ddf / (q * nu)
        p_value = float(stats.f.sf(value, ndf, ddf))
    record = _row(row, col, method, float(value), ndf, ddf, float(p_value), result)
    return pd.DataFrame([record], columns=RESULT_COLUMNS)


def rao_scott_both(design: SurveyDesign, row: str, col: str) -> pd.DataFrame:
    """Both Rao-Scott tests of independence (F and chi-square) in one frame.

    Parameters
    ----------
    design
        The survey design.
    row, col
        The two categorical variables.

    Returns
    -------
    pandas.DataFrame
        Two rows with the columns of :func:`rao_scott`: ``rao-scott-f`` then
        ``rao-scott-chisq``. The design covariance is computed once.

    Notes
    -----
    See :func:`rao_scott` for the formulas.

    References
    ----------
    Rao and Scott (1984); R survey's ``svychisq``.

    Examples
    --------
    >>> frame = pd.DataFrame({"a": [1, 1, 2, 2, 1, 2] * 5, "b": [1, 2, 1, 2, 2, 2] * 5})
    >>> rao_scott_both(SurveyDesign(frame), "a", "b")["method"].tolist()
    ['rao-scott-f', 'rao-scott-chisq']
    """
    result = _rao_scott(design, row, col)
    f_value, ndf, ddf, f_p = result.f_test()
    corrected, chisq_p = result.chisq_test()
    records = [
        _row(row, col, "rao-scott-f", f_value, ndf, ddf, f_p, result),
        _row(row, col, "rao-scott-chisq", corrected, float(result.df), np.nan, chisq_p, result),
    ]
    return pd.DataFrame(records, columns=RESULT_COLUMNS)


def adjust_pvalues(
    p: Sequence[float] | np.ndarray | pd.Series,
    method: Literal["holm", "bh", "bonferroni"] = "holm",
) -> np.ndarray | pd.Series:
    """Adjust p-values for multiple testing, as R's ``p.adjust``.

    Parameters
    ----------
    p
        The p-values; missing values (NaN) stay missing and are not counted.
    method
        ``"holm"`` (family-wise error rate, Holm 1979), ``"bh"`` (false discovery rate,
        Benjamini and Hochberg 1995) or ``"bonferroni"``.

    Returns
    -------
    numpy.ndarray or pandas.Series
        The adjusted p-values in the original order (a Series with the same index if ``p`` is
        one).

    Raises
    ------
    InputError
        Unknown method, or a p-value outside [0, 1].

    Notes
    -----
    With the m non-missing p-values sorted increasingly, :math:`p_{(1)} \\le \\dots \\le
    p_{(m)}`:

    - Holm: :math:`\\tilde p_{(i)} = \\min\\{1, \\max_{j \\le i} (m - j + 1) p_{(j)}\\}`;
    - Benjamini-Hochberg: :math:`\\tilde p_{(i)} = \\min\\{1, \\min_{j \\ge i} m p_{(j)} / j\\}`;
    - Bonferroni: :math:`\\min(1, m p_i)`.

    References
    ----------
    Holm, S. (1979). A simple sequentially rejective multiple test procedure. *Scand. J.
    Statist.* 6, 65-70. Benjamini, Y. and Hochberg, Y. (1995). Controlling the false discovery
    rate. *J. R. Statist. Soc. B* 57, 289-300. R's ``p.adjust``.

    Examples
    --------
    >>> adjust_pvalues([0.01, 0.04, 0.03], "holm").round(4).tolist()
    [0.03, 0.06, 0.06]
    >>> adjust_pvalues([0.01, 0.04, 0.03], "bh").round(4).tolist()
    [0.03, 0.04, 0.04]
    """
    key = str(method).lower()
    if key in ("fdr", "benjamini-hochberg"):
        key = "bh"
    if key not in ("holm", "bh", "bonferroni"):
        raise InputError(
            f"unknown p-value adjustment {method!r}", "use 'holm', 'bh' or 'bonferroni'"
        )
    values = np.asarray(p, dtype=float).ravel()
    observed = ~np.isnan(values)
    if ((values[observed] < 0) | (values[observed] > 1)).any():
        bad = values[observed][(values[observed] < 0) | (values[observed] > 1)][0]
        raise InputError(f"p-value {bad:g} is outside [0, 1]", "pass p-values, not statistics")
    given = values[observed]
    m = given.size
    adjusted = np.full(values.shape, np.nan)
    if m:
        if key == "bonferroni":
            out = np.minimum(1.0, m * given)
        elif key == "holm":
            order = np.argsort(given, kind="stable")
            steps = (m - np.arange(m)) * given[order]
            out = np.empty(m)
            out[order] = np.minimum(1.0, np.maximum.accumulate(steps))
        else:
            order = np.argsort(-given, kind="stable")
            steps = m / np.arange(m, 0, -1) * given[order]
            out = np.empty(m)
            out[order] = np.minimum(1.0, np.minimum.accumulate(steps))
        adjusted[observed] = out
    if isinstance(p, pd.Series):
        return pd.Series(adjusted, index=p.index, name=p.name)
    return adjusted


def ttest(
    design: SurveyDesign, variable: str, by: str | None = None, level: float = 0.95
) -> dict[str, object]:
    """Design-based t-test of a mean (R's ``svyttest``).

    With ``by`` (a variable with exactly two groups): is the mean of ``variable`` the same in
    both? The difference is the second group's mean minus the first's (R's order: the factor's
    second level against its first). Without ``by``: is the mean 0?

    Parameters
    ----------
    design
        The survey design.
    variable
        A numeric variable; missing values are left out.
    by
        A variable with two groups, or None for the one-sample test.
    level
        Confidence level of the interval of the difference (or the mean).

    Returns
    -------
    dict
        ``variable, by, method, estimate, se, t, df, p_value, ci_low, ci_high``, and for the
        two-sample test ``group_a``, ``group_b`` (the difference is b minus a).

    Raises
    ------
    StatisticalError
        ``by`` does not have exactly two groups with respondents.

    Notes
    -----
    As R: t = estimate / SE on the residual degrees of freedom of ``svyglm(y ~ g)``: ``degf``
    of the rows with both values (PSUs minus strata among them) minus 1; the one-sample test on
    ``degf(design) - 1``. Two-sided p-value, CI estimate ± t quantile × SE. The SE of
    the difference is that of the two domain means' contrast, which equals the SE of the
    group coefficient of ``svyglm(y ~ g, family = gaussian())``.

    Examples
    --------
    >>> frame = pd.DataFrame({"x": [1.0, 2, 3, 6, 7, 8], "g": ["a", "a", "a", "b", "b", "b"]})
    >>> result = ttest(SurveyDesign(frame), "x", by="g")
    >>> result["estimate"], result["df"]
    (5.0, 4)
    """
    from survey.analysis._domain import _domains, _numeric
    from survey.analysis.contrast import compare_domains
    from survey.analysis.estimate import means, quietly

    df = design.df - 1  # the one-sample test: R's degf of the whole design
    if by is None:
        row = means(design, variable, level=level).iloc[0]
        estimate, se = float(row["estimate"]), float(row["se"])
        extra: dict[str, object] = {"method": "design-based one-sample t-test"}
    else:
        table = quietly(means, design, variable, by=by)
        groups = [g for g, n in zip(table["group"], table["n"], strict=True) if n > 0]
        if len(groups) != 2:
            raise StatisticalError(
                f"{design.where()}a t-test needs two groups of '{by}' with respondents, not "
                f"{len(groups)} ({', '.join(map(str, groups))})",
                "choose a variable with two groups, or compare two groups with --by and a "
                "variable that has only those",
            )
        first, second = groups
        domain, _, _ = _domains(design, by)
        complete = ~np.isnan(_numeric(design, variable)) & (domain >= 0)
        df = int(design.df_for(complete)) - 1  # svyglm drops the incomplete rows
        # on a replicate design the contrast is re-estimated per replicate, as R's svyttest
        # refits svyglm(y ~ g) in every replicate
        contrast = compare_domains(design, variable, by, second, first, level=level)
        estimate, se = float(contrast["difference"]), float(contrast["se"])
        extra = {"method": "design-based t-test", "group_a": first, "group_b": second}
    t = estimate / se
    q = float(stats.t.ppf(0.5 + level / 2, df))
    return {
        "variable": variable,
        "by": by,
        **extra,
        "estimate": estimate,
        "se": se,
        "t": t,
        "df": df,
        "p_value": float(2 * stats.t.sf(abs(t), df)),
        "ci_low": estimate - q * se,
        "ci_high": estimate + q * se,
    }
