"""Design-based estimates: proportions, means, totals and ratios, overall and by domain.

Every estimator here is a smooth function of weighted totals, so its standard error follows
from Taylor linearisation: each row gets an influence value (zero outside the domain or when the
answer is missing), and :meth:`SurveyDesign.vcov` turns those into a variance. Domains therefore
use the full design (R's ``svyby``), never a plain subset. Confidence intervals use Student t
with the degrees of freedom of the domain (PSUs minus strata among its rows, as R's ``degf`` on
the subset), by the logit, Wilson, Korn-Graubard (beta) or Wald method. Proportions carry the
NCHS reliability flags (Parker et al. 2017).

Every table has the same columns in the same order (:data:`COLUMNS`). Tests and models live in
``inference.py`` and ``models.py``; this module prints nothing.

References
----------
Lumley, T. (2010). *Complex Surveys*, Wiley, ch. 2-3.
Korn, E. L. & Graubard, B. I. (1998). Confidence intervals for proportions with small expected
number of positive counts estimated from survey data. *Survey Methodology* 24, 193-201.
Kish, L. (1965). *Survey Sampling*. Wiley.
Parker, J. D. et al. (2017). National Center for Health Statistics data presentation standards
for proportions. *Vital Health Stat* 2(175).
"""

from __future__ import annotations

import enum
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy import stats

from survey.analysis.design import SurveyDesign
from survey.errors import InputError, StatisticalError

__all__ = [
    "COLUMNS",
    "CIMethod",
    "EmptyDomainWarning",
    "compare_domains",
    "compare_independent",
    "estimate",
    "means",
    "multiple_response",
    "proportion_ci",
    "proportions",
    "quietly",
    "ratios",
    "reliability_flag",
    "totals",
]

#: Columns of every estimate table, in this order.
COLUMNS = [
    "variable", "stat", "by", "group", "group_code", "level", "code",
    "estimate", "se", "ci_low", "ci_high", "deff", "n",
    "n_level", "df", "ci_method", "flag",
]  # fmt: skip


class CIMethod(enum.Enum):
    """Confidence-interval method for proportions (means and totals always use Wald/t)."""

    LOGIT = "logit"
    WILSON = "wilson"
    BETA = "beta"
    WALD = "wald"


class EmptyDomainWarning(UserWarning):
    """A domain (by-group) has no respondents; its row has n = 0 and missing estimates."""


@dataclass(frozen=True)
class _Variable:
    """A variable's codes and labels as estimates need them."""

    name: str
    codes: np.ndarray  # float codes (or object for text), NaN = missing
    levels: list[Any]  # codes in order
    labels: dict[Any, str]  # code -> label
    numeric: bool
    index: np.ndarray | None = None  # row -> position in levels, -1 when missing (categorical only)


def _labels_from_meta(design: SurveyDesign, name: str) -> dict[Any, str]:
    """Value labels of the valid codes (labels of user-missing codes are no level)."""
    if design.meta is None or name not in design.meta.variables:
        return {}
    var = design.meta.variables[name]
    labels = dict(var.value_labels)
    if not labels or not (var.missing_values or var.missing_ranges):
        return labels
    codes = pd.Series(list(labels), dtype=object if var.type == "string" else float)
    missing = var.is_user_missing(codes).to_numpy()
    return {
        code: label
        for code, label, gone in zip(labels, labels.values(), missing, strict=True)
        if not gone
    }


def _variable(design: SurveyDesign, name: str, categorical: bool) -> _Variable:
    column = design.column(name)
    labels = _labels_from_meta(design, name)
    if isinstance(column.dtype, pd.CategoricalDtype):
        by_label = {label: code for code, label in labels.items()}
        categories = list(column.cat.categories)
        codes_for = [by_label.get(str(c), i + 1) for i, c in enumerate(categories)]
        index = column.cat.codes.to_numpy(dtype=np.int64)
        lookup = np.asarray([*codes_for, np.nan], dtype=object)
        codes = lookup[index]  # index -1 picks the trailing NaN
        names = {code: str(c) for c, code in zip(categories, codes_for, strict=True)}
        return _Variable(name, codes, codes_for, names, False, index)
    if pd.api.types.is_numeric_dtype(column.dtype):
        values = column.to_numpy(dtype=float)
        if not categorical:
            return _Variable(name, values, [], labels, True)
        observed = np.unique(values[~np.isnan(values)])
        levels = sorted(set(observed.tolist()) | {k for k in labels if isinstance(k, float)})
        index = pd.Categorical(values, categories=levels).codes.astype(np.int64)
        return _Variable(name, values, levels, labels, True, index)
    text = column.astype(object).where(
        column.notna() & (column.astype(str).str.strip() != ""), None
    )
    if not categorical:
        raise InputError(
            f"{design.where()}variable '{name}' holds text; a mean or total needs numbers",
            "ask for --stat proportion, or choose a numeric variable",
        )
    seen = set(text.dropna().unique().tolist())
    levels = sorted(seen | {k for k in labels if isinstance(k, str)})
    index = pd.Categorical(text, categories=levels).codes.astype(np.int64)
    return _Variable(name, text.to_numpy(), levels, labels, False, index)


def _label(var: _Variable, code: Any) -> str:
    if code in var.labels:
        return var.labels[code]
    if isinstance(code, float) and code.is_integer():
        return str(int(code))
    return str(code)


def _json_code(code: Any) -> Any:
    if isinstance(code, float | np.floating) and float(code).is_integer():
        return int(code)
    return code


def _domains(
    design: SurveyDesign, by: str | None
) -> tuple[np.ndarray, list[Any], _Variable | None]:
    """Domain number per row (-1: no domain) and the domain codes."""
    if by is None:
        return np.zeros(design.n, dtype=np.int64), [None], None
    var = _variable(design, by, categorical=True)
    return np.asarray(var.index), list(var.levels), var


def _t_quantile(level: float, df: np.ndarray) -> np.ndarray:
    df = np.asarray(df, dtype=float)
    with np.errstate(invalid="ignore"):
        return np.where(df > 0, stats.t.ppf(0.5 + level / 2, np.maximum(df, 1)), np.nan)


def quietly(function: Callable[..., pd.DataFrame], *args: Any, **kwargs: Any) -> pd.DataFrame:
    """Run an estimate without :class:`EmptyDomainWarning` (callers that show n = 0 themselves).

    Parameters
    ----------
    function
        :func:`proportions`, :func:`means`, ... of this module.
    *args, **kwargs
        Its arguments.

    Returns
    -------
    pandas.DataFrame
        Its result.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EmptyDomainWarning)
        return function(*args, **kwargs)


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
    - Wald: :math:`p \\pm t\\, se`.

    Examples
    --------
    >>> low, high = proportion_ci(np.array([0.5]), np.array([0.05]), np.array([30]), np.array([100]), "wald")
    >>> round(float(low[0]), 4), round(float(high[0]), 4)
    (0.3979, 0.6021)
    """
    method = CIMethod(method) if isinstance(method, str) else method
    p = np.asarray(p, dtype=float)
    se = np.asarray(se, dtype=float)
    t = _t_quantile(level, df)
    alpha = 1 - level
    with np.errstate(divide="ignore", invalid="ignore"):
        if method is CIMethod.WALD:
            return p - t * se, p + t * se
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


def _sum_by(groups: np.ndarray, values: np.ndarray, n_groups: int) -> np.ndarray:
    """Column sums of ``values`` (rows, k) by group, in one ``bincount`` (no ``np.add.at``)."""
    k = values.shape[1]
    flat = (groups[:, None] * k + np.arange(k)[None, :]).ravel()
    return np.bincount(flat, weights=values.ravel(), minlength=n_groups * k).reshape(n_groups, k)


def _row_domain_scores(
    design: SurveyDesign, domain: np.ndarray, valid: np.ndarray, y: np.ndarray, n_domains: int
) -> dict[str, Any]:
    """Weighted totals per domain and the sparse influence matrix of the domain means of y (n, D*K)."""
    w = design.weights
    use = valid & (domain >= 0)
    rows = np.flatnonzero(use)
    d = domain[rows]
    k = y.shape[1]
    total_w = np.bincount(d, weights=w[rows], minlength=n_domains)
    total_wy = _sum_by(d, w[rows, None] * y[rows], n_domains)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = total_wy / total_w[:, None]
        values = w[rows, None] * (y[rows] - mean[d]) / total_w[d, None]
    # rows ascend and so do each row's columns: build the CSR arrays directly
    cols = d[:, None] * k + np.arange(k)[None, :]
    counts = np.zeros(design.n, dtype=np.int64)
    counts[rows] = k
    indptr = np.concatenate([[0], np.cumsum(counts)])
    scores = sp.csr_matrix((values.ravel(), cols.ravel(), indptr), shape=(design.n, n_domains * k))
    return {
        "rows": rows,
        "d": d,
        "total_w": total_w,
        "total_wy": total_wy,
        "mean": mean,
        "scores": scores,
    }


def _domain_counts(
    design: SurveyDesign, domain: np.ndarray, valid: np.ndarray, n_domains: int
) -> dict[str, np.ndarray]:
    in_domain = domain >= 0
    n = np.bincount(domain[valid & in_domain], minlength=n_domains).astype(int)
    n_rows = np.bincount(domain[in_domain], minlength=n_domains).astype(int)
    if n_domains == 1 and in_domain.all():
        df = np.array([design.df])
    else:
        df = design.df_by_domain(domain, n_domains)
    return {"n": n, "n_rows": n_rows, "df": df}


def _srs_variance_of_mean(
    y: np.ndarray,
    design: SurveyDesign,
    rows: np.ndarray,
    d: np.ndarray,
    mean: np.ndarray,
    n: np.ndarray,
    n_domains: int,
) -> np.ndarray:
    """Variance of a domain mean under simple random sampling with replacement (R: deff='replace').

    R's ``svyvar``: :math:`\\frac{n}{n-1} \\sum w (y-\\bar y)^2 / \\sum w`, divided by n.
    """
    w = design.weights[rows]
    sums = _sum_by(d, w[:, None] * (y[rows] - mean[d]) ** 2, n_domains)
    total_w = np.bincount(d, weights=w, minlength=n_domains)
    with np.errstate(divide="ignore", invalid="ignore"):
        svyvar = n[:, None] / (n[:, None] - 1) * sums / total_w[:, None]
        return svyvar / n[:, None]


def _empty_warning(design: SurveyDesign, by: str | None, groups: list[str]) -> None:
    if groups:
        warnings.warn(
            f"{design.where()}no respondents in {len(groups)} group(s) of '{by}': {', '.join(groups)}; "
            "their rows have n = 0 and no estimate",
            EmptyDomainWarning,
            stacklevel=3,
        )


def _check_not_empty(design: SurveyDesign, name: str, valid: np.ndarray) -> None:
    if not valid.any():
        raise StatisticalError(
            f"{design.where()}variable '{name}' has no valid value (all {design.n} rows are missing)",
            "check the variable name and its missing codes",
        )


def _frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=COLUMNS)


def proportions(
    design: SurveyDesign,
    variable: str,
    by: str | None = None,
    ci: CIMethod | str = CIMethod.LOGIT,
    level: float = 0.95,
    *,
    _domain_info: tuple[np.ndarray, list[Any], _Variable | None] | None = None,
) -> pd.DataFrame:
    """Proportion of every level of a categorical variable, overall or by domain.

    Parameters
    ----------
    design
        The survey design.
    variable
        A categorical (labelled) variable. Missing values are left out of the base.
    by
        Domain variable, or None.
    ci
        Confidence-interval method (:class:`CIMethod`).
    level
        Confidence level.

    Returns
    -------
    pandas.DataFrame
        One row per (group, level), columns :data:`COLUMNS`.

    Notes
    -----
    For domain :math:`d` and level :math:`l`,
    :math:`\\hat p_{dl} = \\sum_{i \\in d} w_i y_{il} / \\sum_{i \\in d} w_i` over respondents
    with a valid answer; the influence value of row :math:`i` is
    :math:`w_i (y_{il} - \\hat p_{dl}) / \\sum_{i\\in d} w_i` inside the domain and 0 elsewhere
    (Lumley 2010, sec. 2.4). The design effect is the variance over that of a simple random
    sample of the same size drawn with replacement (Kish 1965; R's ``deff = "replace"``).

    Examples
    --------
    >>> frame = pd.DataFrame({"w": [1.0, 2, 1, 2], "y": ["a", "b", "a", "a"]})
    >>> proportions(SurveyDesign(frame, weight="w"), "y")[["level", "estimate"]].to_dict("list")
    {'level': ['a', 'b'], 'estimate': [0.6666666666666666, 0.3333333333333333]}
    """
    method = CIMethod(ci) if isinstance(ci, str) else ci
    var = _variable(design, variable, categorical=True)
    domain, groups, by_var = _domain_info or _domains(design, by)
    index = np.asarray(var.index)
    present = index >= 0
    _check_not_empty(design, variable, present)
    levels = var.levels
    y = np.zeros((design.n, len(levels)))
    where = np.flatnonzero(present)
    y[where, index[where]] = 1.0
    n_domains = len(groups)
    parts = _row_domain_scores(design, domain, present, y, n_domains)
    counts = _domain_counts(design, domain, present, n_domains)
    variance = design.vcov(parts["scores"], diagonal=True).reshape(n_domains, len(levels))
    se = np.sqrt(np.maximum(variance, 0))
    p = parts["mean"]
    n_level = np.bincount(
        parts["d"] * len(levels) + index[parts["rows"]], minlength=n_domains * len(levels)
    ).reshape(n_domains, len(levels))
    # for 0/1 indicators sum w (y - p)^2 / sum w = p (1 - p): R's svyvar without a pass over rows
    n_valid = counts["n"][:, None].astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        vsrs = n_valid / (n_valid - 1) * p * (1 - p) / n_valid
    df = np.repeat(counts["df"][:, None], len(levels), axis=1)
    n_rows = np.repeat(counts["n_rows"][:, None], len(levels), axis=1)
    low, high = proportion_ci(p, se, df, n_rows, method, level)
    flags = reliability_flag(
        p, se, df, np.repeat(counts["n"][:, None], len(levels), axis=1), n_rows, level
    )
    rows = []
    empty = []
    for g, group in enumerate(groups):
        if by is not None and counts["n"][g] == 0:
            empty.append(_label(by_var, group) if by_var else str(group))
        for j, code in enumerate(levels):
            with np.errstate(divide="ignore", invalid="ignore"):
                deff = variance[g, j] / vsrs[g, j]
            no_data = counts["n"][g] == 0
            rows.append({
                "variable": variable, "stat": "proportion", "by": by,
                "group": _label(by_var, group) if by_var else None,
                "group_code": _json_code(group) if by_var else None,
                "level": _label(var, code), "code": _json_code(code),
                "estimate": np.nan if no_data else p[g, j], "se": np.nan if no_data else se[g, j],
                "ci_low": np.nan if no_data else low[g, j], "ci_high": np.nan if no_data else high[g, j],
                "deff": np.nan if no_data or not np.isfinite(deff) else deff,
                "n": int(counts["n"][g]), "n_level": int(n_level[g, j]), "df": int(df[g, j]),
                "ci_method": method.value, "flag": flags[g, j],
            })  # fmt: skip
    _empty_warning(design, by, empty)
    return _frame(rows)


def _numeric(design: SurveyDesign, variable: str) -> np.ndarray:
    var = _variable(design, variable, categorical=False)
    if isinstance(design.column(variable).dtype, pd.CategoricalDtype):
        raise InputError(
            f"{design.where()}variable '{variable}' is categorical; a mean or total needs numbers",
            "ask for --stat proportion, or choose a numeric variable",
        )
    values = np.asarray(var.codes, dtype=float)
    _check_not_empty(design, variable, ~np.isnan(values))
    return values


def _wald_rows(
    design: SurveyDesign,
    variable: str,
    stat: str,
    by: str | None,
    groups: list[Any],
    by_var: _Variable | None,
    estimate: np.ndarray,
    variance: np.ndarray,
    vsrs: np.ndarray,
    counts: dict[str, np.ndarray],
    level: float,
) -> pd.DataFrame:
    se = np.sqrt(np.maximum(variance, 0))
    t = _t_quantile(level, counts["df"])
    rows = []
    empty = []
    for g, group in enumerate(groups):
        no_data = counts["n"][g] == 0
        if by is not None and no_data:
            empty.append(_label(by_var, group) if by_var else str(group))
        with np.errstate(divide="ignore", invalid="ignore"):
            deff = variance[g] / vsrs[g]
        rows.append({
            "variable": variable, "stat": stat, "by": by,
            "group": _label(by_var, group) if by_var else None,
            "group_code": _json_code(group) if by_var else None,
            "level": None, "code": None,
            "estimate": np.nan if no_data else estimate[g], "se": np.nan if no_data else se[g],
            "ci_low": np.nan if no_data else estimate[g] - t[g] * se[g],
            "ci_high": np.nan if no_data else estimate[g] + t[g] * se[g],
            "deff": np.nan if no_data or not np.isfinite(deff) else deff,
            "n": int(counts["n"][g]), "n_level": None, "df": int(counts["df"][g]),
            "ci_method": "wald", "flag": "suppress: no respondents" if no_data else "",
        })  # fmt: skip
    _empty_warning(design, by, empty)
    return _frame(rows)


def _numeric_parts(
    design: SurveyDesign,
    variable: str,
    by: str | None,
    domain_info: tuple[np.ndarray, list[Any], _Variable | None] | None,
) -> dict[str, Any]:
    """What means and totals share: the values, domain sums, counts and the SRS variance of the mean."""
    values = _numeric(design, variable)
    domain, groups, by_var = domain_info or _domains(design, by)
    valid = ~np.isnan(values)
    y = np.nan_to_num(values)[:, None]
    parts = _row_domain_scores(design, domain, valid, y, len(groups))
    counts = _domain_counts(design, domain, valid, len(groups))
    vsrs_mean = _srs_variance_of_mean(
        y, design, parts["rows"], parts["d"], parts["mean"], counts["n"], len(groups)
    )[:, 0]
    return {"values": y[:, 0], "groups": groups, "by_var": by_var, "parts": parts,
            "counts": counts, "vsrs_mean": vsrs_mean}  # fmt: skip


def means(
    design: SurveyDesign,
    variable: str,
    by: str | None = None,
    level: float = 0.95,
    *,
    _domain_info: tuple[np.ndarray, list[Any], _Variable | None] | None = None,
) -> pd.DataFrame:
    """Mean of a numeric variable, overall or by domain.

    Parameters
    ----------
    design
        The survey design.
    variable
        A numeric variable; missing values are left out.
    by
        Domain variable, or None.
    level
        Confidence level (Wald interval with Student t on the domain's degrees of freedom).

    Returns
    -------
    pandas.DataFrame
        One row per group, columns :data:`COLUMNS`.

    Notes
    -----
    :math:`\\bar y_d = \\sum_{i\\in d} w_i y_i / \\sum_{i \\in d} w_i`, influence value
    :math:`w_i (y_i - \\bar y_d)/\\sum_{i\\in d} w_i` (a ratio estimator; Lumley 2010, sec. 2.2).
    """
    prepared = _numeric_parts(design, variable, by, _domain_info)
    parts, counts = prepared["parts"], prepared["counts"]
    variance = design.vcov(parts["scores"], diagonal=True)
    return _wald_rows(
        design,
        variable,
        "mean",
        by,
        prepared["groups"],
        prepared["by_var"],
        parts["mean"][:, 0],
        variance,
        prepared["vsrs_mean"],
        counts,
        level,
    )


def totals(
    design: SurveyDesign,
    variable: str,
    by: str | None = None,
    level: float = 0.95,
    *,
    _domain_info: tuple[np.ndarray, list[Any], _Variable | None] | None = None,
) -> pd.DataFrame:
    """Population total of a numeric variable, overall or by domain.

    Parameters
    ----------
    design
        The survey design.
    variable
        A numeric variable; missing values count as zero contributions (R's ``na.rm = TRUE``).
    by
        Domain variable, or None.
    level
        Confidence level.

    Returns
    -------
    pandas.DataFrame
        One row per group, columns :data:`COLUMNS`.

    Notes
    -----
    :math:`\\hat Y_d = \\sum_{i \\in d} w_i y_i` (Horvitz-Thompson), influence value
    :math:`w_i y_i` inside the domain. The design effect compares with
    :math:`\\hat N_d^2 s^2 / n_d`, the with-replacement SRS variance of the same total.
    """
    prepared = _numeric_parts(design, variable, by, _domain_info)
    parts, counts = prepared["parts"], prepared["counts"]
    rows, d = parts["rows"], parts["d"]
    values = prepared["values"]
    scores = sp.csr_matrix(
        (design.weights[rows] * values[rows], (rows, d)), shape=(design.n, len(prepared["groups"]))
    )
    variance = design.vcov(scores, diagonal=True)
    vsrs = prepared["vsrs_mean"] * parts["total_w"] ** 2
    return _wald_rows(
        design,
        variable,
        "total",
        by,
        prepared["groups"],
        prepared["by_var"],
        parts["total_wy"][:, 0],
        variance,
        vsrs,
        counts,
        level,
    )


def ratios(
    design: SurveyDesign,
    numerator: str,
    denominator: str,
    by: str | None = None,
    level: float = 0.95,
) -> pd.DataFrame:
    """Ratio of two population totals, overall or by domain.

    Parameters
    ----------
    design
        The survey design.
    numerator, denominator
        Numeric variables; rows missing either are left out.
    by
        Domain variable, or None.
    level
        Confidence level.

    Returns
    -------
    pandas.DataFrame
        One row per group, columns :data:`COLUMNS`; ``variable`` reads ``numerator/denominator``.

    Notes
    -----
    :math:`\\hat R_d = \\hat Y_d / \\hat X_d`, influence value
    :math:`w_i (y_i - \\hat R_d x_i)/\\hat X_d` (R's ``svyratio``). No design effect is given.
    """
    y = _numeric(design, numerator)
    x = _numeric(design, denominator)
    domain, groups, by_var = _domains(design, by)
    valid = ~np.isnan(y) & ~np.isnan(x)
    rows = np.flatnonzero(valid & (domain >= 0))
    d = domain[rows]
    w = design.weights
    n_domains = len(groups)
    total_y = np.bincount(d, weights=w[rows] * y[rows], minlength=n_domains)
    total_x = np.bincount(d, weights=w[rows] * x[rows], minlength=n_domains)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = total_y / total_x
        values = w[rows] * (y[rows] - ratio[d] * x[rows]) / total_x[d]
    scores = sp.csr_matrix((values, (rows, d)), shape=(design.n, n_domains))
    counts = _domain_counts(design, domain, valid, n_domains)
    variance = design.vcov(scores, diagonal=True)
    out = _wald_rows(design, f"{numerator}/{denominator}", "ratio", by, groups, by_var, ratio, variance,
                     np.full(n_domains, np.nan), counts, level)  # fmt: skip
    return out


def multiple_response(
    design: SurveyDesign,
    items: Sequence[str],
    counted: Any = 1,
    by: str | None = None,
    ci: CIMethod | str = CIMethod.LOGIT,
    level: float = 0.95,
) -> pd.DataFrame:
    """Share of respondents naming each answer of a multiple-response question.

    Parameters
    ----------
    design
        The survey design.
    items
        One variable per answer.
    counted
        The value (code, or label for categoricals) that means "mentioned".
    by
        Domain variable, or None.
    ci, level
        Confidence-interval method and level.

    Returns
    -------
    pandas.DataFrame
        One row per (group, item): ``level`` is the item's name, the estimate the share naming it
        among respondents who answered the question (every item valid).
    """
    answered = np.ones(design.n, dtype=bool)
    named = {}
    for item in items:
        column = design.column(item)
        answered &= column.notna().to_numpy()
        if isinstance(column.dtype, pd.CategoricalDtype):
            named[item] = (column.astype(object) == counted).to_numpy()
        else:
            named[item] = (pd.to_numeric(column, errors="coerce") == float(counted)).to_numpy()
    frames = []
    for item in items:
        indicator = pd.Series(np.where(named[item], "yes", "no"), dtype=object).where(answered)
        data = design.data.assign(**{"__mr__": pd.Categorical(indicator, categories=["no", "yes"])})
        part = proportions(design.update(data=data, meta=None), "__mr__", by=by, ci=ci, level=level)
        part = part.loc[part["level"] == "yes"].assign(
            variable=item, level=item, code=None, stat="multiple response"
        )
        if by is not None and design.meta is not None:
            part = part.assign(
                group=[_label(_variable(design, by, True), c) for c in part["group_code"]]
            )
        frames.append(part)
    return pd.concat(frames, ignore_index=True)[COLUMNS]


def estimate(
    design: SurveyDesign,
    variables: Sequence[str],
    stat: str | None = None,
    by: str | None = None,
    ci: CIMethod | str = CIMethod.LOGIT,
    level: float = 0.95,
) -> pd.DataFrame:
    """Estimates for several variables in one tidy table (the engine of ``survey estimate``).

    Parameters
    ----------
    design
        The survey design.
    variables
        Variable names.
    stat
        ``"proportion"``, ``"mean"`` or ``"total"``; None chooses ``proportion`` for labelled or
        categorical variables and ``mean`` for others.
    by
        Domain variable, or None.
    ci, level
        Confidence-interval method for proportions, and level.

    Returns
    -------
    pandas.DataFrame
        The rows of every variable, columns :data:`COLUMNS`.
    """
    if not 0 < level < 1:
        raise InputError(
            f"confidence level must lie between 0 and 1, not {level}", "e.g. --level 0.95"
        )
    frames = []
    domain_info = _domains(design, by)  # once for all variables
    for name in variables:
        chosen = stat or _default_stat(design, name)
        if chosen == "proportion":
            frames.append(proportions(design, name, by, ci, level, _domain_info=domain_info))
        elif chosen == "mean":
            frames.append(means(design, name, by, level, _domain_info=domain_info))
        elif chosen == "total":
            frames.append(totals(design, name, by, level, _domain_info=domain_info))
        else:
            raise InputError(f"unknown statistic '{chosen}'", "use proportion, mean or total")
    table = pd.concat(frames, ignore_index=True)[COLUMNS]
    table.attrs["level"] = level
    return table


def _default_stat(design: SurveyDesign, name: str) -> str:
    column = design.column(name)
    labelled = bool(_labels_from_meta(design, name)) and not (
        design.meta is not None and design.meta.variables[name].measure == "scale"
    )
    if (
        isinstance(column.dtype, pd.CategoricalDtype)
        or labelled
        or not pd.api.types.is_numeric_dtype(column.dtype)
    ):
        return "proportion"
    return "mean"


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
    freedom (R's ``svycontrast`` on ``svyby(..., covmat=TRUE)``).
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
    cov = design.vcov(parts["scores"][:, cols])
    estimates = parts["mean"][positions, column]
    difference = estimates[0] - estimates[1]
    se = float(np.sqrt(max(cov[0, 0] + cov[1, 1] - 2 * cov[0, 1], 0.0)))
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
    q = float(_t_quantile(level, np.array([df]))[0])
    p_value = float(2 * stats.t.sf(abs(t_value), df)) if se > 0 and df > 0 else np.nan
    return {
        "estimate_a": float(a), "estimate_b": float(b), "difference": float(difference), "se": se,
        "ci_low": difference - q * se, "ci_high": difference + q * se, "t": float(t_value),
        "df": float(df), "p_value": p_value,
    }  # fmt: skip


def compare_independent(
    a: pd.Series | dict[str, Any], b: pd.Series | dict[str, Any], level: float = 0.95
) -> dict[str, Any]:
    """Difference between estimates from two independent samples (e.g. WEA 2008 and 2010).

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
    """
    se = float(np.hypot(a["se"], b["se"]))
    df = float(min(a["df"], b["df"]))
    return _contrast_result(
        a["estimate"], b["estimate"], a["estimate"] - b["estimate"], se, df, level
    )
