"""Design-based tests: the Rao-Scott test of independence and multiple-testing adjustments.

:func:`rao_scott` tests whether two categorical variables are independent in the population,
taking the survey design into account, exactly as R's ``svychisq`` (``statistic = "F"`` or
``"Chisq"``): the Pearson X^2 of the weighted table is corrected by the eigenvalues of the
design-effect matrix of the interaction contrasts, whose covariance comes from
:meth:`SurveyDesign.vcov`. :func:`adjust_pvalues` applies Holm's or Benjamini-Hochberg's
adjustment as R's ``p.adjust``.

It does not estimate means, totals or proportions (``estimate.py`` does), fit models
(``models.py``), or offer Wald-type or saddlepoint variants of the test.

References
----------
Rao, J. N. K. and Scott, A. J. (1984). On chi-squared tests for multiway contingency tables
with cell proportions estimated from survey data. *Annals of Statistics* 12, 46-60.
Lumley, T. (2010). *Complex Surveys: A Guide to Analysis Using R*. Wiley, sec. 6.2.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy import stats

from survey.analysis.design import SurveyDesign
from survey.errors import InputError, StatisticalError

__all__ = ["RESULT_COLUMNS", "adjust_pvalues", "rao_scott", "rao_scott_both", "ttest"]

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


def _levels(values: pd.Series) -> np.ndarray:
    """Category codes (-1 for missing) over the values present, as R's ``factor``."""
    return pd.factorize(values, sort=True, use_na_sentinel=True)[0]


def _rao_scott(design: SurveyDesign, row: str, col: str) -> _RaoScott:
    """Mirror ``survey:::svychisq.survey.design`` up to the choice of statistic."""
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
            "a design-based test needs more PSUs than strata",
        )
    n = design.n
    k = nr * nc
    rows = np.flatnonzero(complete)
    cell = r_codes[rows] + nr * c_codes[rows]  # row level varies fastest, as R's interaction()
    weights = design.weights[rows]
    psum = weights.sum()
    mean = np.bincount(cell, weights=weights, minlength=k) / psum
    # influence values of the cell proportions: w_i (1[cell_i = j] - p_j) / sum(w), 0 if missing
    indicator = sp.csr_matrix((np.ones(rows.size), (rows, cell)), shape=(n, k)).toarray()
    scale = np.zeros(n)
    scale[rows] = weights / psum
    scores = scale[:, None] * (indicator - mean[None, :])
    variance = design.vcov(scores)

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
    result = _RaoScott(pearson=pearson, delta=delta, nu=nu)
    if not np.isfinite(result.trace) or result.trace <= 0:
        raise StatisticalError(
            f"{design.where()}'{row}' by '{col}' has no design-based variance "
            f"(trace of the design-effect matrix {result.trace:g})",
            "check that the variables vary within PSUs or across PSUs",
        )
    return result


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
    design: SurveyDesign, row: str, col: str, statistic: Literal["F", "Chisq"] = "F"
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
        distribution with (r-1)(c-1) degrees of freedom.

    Returns
    -------
    pandas.DataFrame
        One row: ``variable`` (= ``row``), ``by`` (= ``col``), ``method``
        (``"rao-scott-f"`` or ``"rao-scott-chisq"``), ``statistic`` (the corrected statistic
        tested), ``ndf``, ``ddf`` (NaN for the chi-square version), ``p_value``, ``chisq`` (the
        uncorrected Pearson X^2 of the weighted table, the value R prints as ``X-squared``) and
        ``chisq_p_value`` (the first-order Rao-Scott p-value of ``chisq``, R's
        ``statistic = "Chisq"`` p-value).

    Raises
    ------
    InputError
        A variable is not in the data, or both are the same.
    StatisticalError
        A variable has fewer than two categories where both are observed, the design has no
        degrees of freedom, or the design-effect matrix is degenerate.

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

    References
    ----------
    Rao and Scott (1984), Ann. Statist. 12, 46-60; Lumley (2010), sec. 6.2; R survey's
    ``svychisq``.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> frame = pd.DataFrame({"s": np.repeat([1, 2], 50), "a": rng.integers(0, 2, 100),
    ...                       "b": rng.integers(0, 3, 100), "w": rng.uniform(1, 3, 100)})
    >>> test = rao_scott(SurveyDesign(frame, weight="w", strata="s"), "a", "b")
    >>> list(test.columns) == RESULT_COLUMNS
    True
    """
    result = _rao_scott(design, row, col)
    if statistic == "F":
        value, ndf, ddf, p_value = result.f_test()
        record = _row(row, col, "rao-scott-f", value, ndf, ddf, p_value, result)
    elif statistic == "Chisq":
        corrected, p_value = result.chisq_test()
        record = _row(
            row, col, "rao-scott-chisq", corrected, float(result.df), np.nan, p_value, result
        )
    else:
        raise InputError(
            f"unknown Rao-Scott statistic {statistic!r}", "use statistic='F' or 'Chisq'"
        )
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
