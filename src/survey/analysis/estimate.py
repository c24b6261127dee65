"""Design-based estimates: proportions, means, totals and ratios, overall and by domain.

Every estimator here is a smooth function of weighted totals, so its standard error follows
from Taylor linearisation: each row gets an influence value (zero outside the domain or when the
answer is missing), and :meth:`SurveyDesign.vcov` turns those into a variance. Domains therefore
use the full design (R's ``svyby``), never a plain subset. Confidence intervals use Student t
with the degrees of freedom of the domain (PSUs minus strata among its rows, as R's ``degf`` on
the subset), by the logit, Wilson, Korn-Graubard (beta) or Wald method, and proportions carry
the NCHS reliability flags (Parker et al. 2017); ``intervals.py`` computes both.

Every table has the same columns in the same order (:data:`COLUMNS`). Differences between
domains or samples live in ``contrast.py``, tests and
models in ``inference.py`` and ``models.py``; this module prints nothing.

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

import dataclasses
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from survey.analysis._domain import (
    _check_not_empty,
    _coverage,
    _domain_variance,
    _domains,
    _is_categorical,
    _json_code,
    _label,
    _numeric,
    _row_domain_scores,
    _sum_by,
    _Variable,
    _variable,
)
from survey.analysis.design import LonelyPSU, SurveyDesign
from survey.analysis.intervals import (
    CIMethod,
    cv_flag,
    likelihood_terms,
    proportion_ci,
    reliability_flag,
    t_quantile,
)
from survey.errors import InputError

__all__ = [
    "COLUMNS",
    "DefaultStatWarning",
    "EmptyDomainWarning",
    "estimate",
    "means",
    "multiple_response",
    "proportions",
    "quietly",
    "ratios",
    "totals",
    "variances",
]


#: Columns of every estimate table, in this order.
COLUMNS = [
    "variable", "stat", "by", "group", "group_code", "level", "code",
    "estimate", "se", "ci_low", "ci_high", "deff", "n",
    "n_level", "df", "ci_method", "flag",
]  # fmt: skip


#: The flag of an estimate without a standard error: every stratum it uses has a single PSU
#: and the lonely-PSU policy ``average`` has no other stratum to average over (R gives NaN).
NO_SE_FLAG = "suppress: no standard error (only single-PSU strata to average over)"


class EmptyDomainWarning(UserWarning):
    """A domain (by-group) has no respondents; its row has n = 0 and missing estimates."""


class DefaultStatWarning(UserWarning):
    """:func:`estimate` chose a mean for a variable with value labels that occur in the data."""


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

    Examples
    --------
    >>> frame = pd.DataFrame({"w": [1.0, 2, 1], "y": ["a", "b", "a"],
    ...                       "g": pd.Categorical(["p", "p", "q"], categories=["p", "q", "r"])})
    >>> quietly(proportions, SurveyDesign(frame, weight="w"), "y", by="g")["n"].tolist()
    [2, 2, 1, 1, 0, 0]
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EmptyDomainWarning)
        return function(*args, **kwargs)


def _domain_counts(
    design: SurveyDesign, domain: np.ndarray, valid: np.ndarray, n_domains: int
) -> dict[str, np.ndarray]:
    in_domain = domain >= 0
    n = np.bincount(domain[valid & in_domain], minlength=n_domains).astype(int)
    n_rows = np.bincount(domain[in_domain], minlength=n_domains).astype(int)
    if design.replicates is not None:  # R's degf of the subset without the missing values
        df = design.df_for((domain[:, None] == np.arange(n_domains)[None, :]) & valid[:, None])
    elif n_domains == 1 and in_domain.all():
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
    prepared = _level_parts(design, variable, by, _domain_info)
    parts, counts, shape = prepared["parts"], prepared["counts"], prepared["shape"]
    variance = _domain_variance(design, parts).reshape(shape)
    se = np.sqrt(np.maximum(variance, 0))
    p = parts["mean"]
    df = np.repeat(counts["df"][:, None], shape[1], axis=1)
    n_rows = np.repeat(counts["n_rows"][:, None], shape[1], axis=1)
    likelihood = None
    if method is CIMethod.LIKELIHOOD:  # the profile needs sums over rows, not only p and se
        if design.replicates is not None:
            raise InputError(
                f"{design.where()}the likelihood interval is computed on Taylor designs only "
                "(R's profile of the working likelihood)",
                "choose --ci logit, wilson, beta, wald or asin with replicate weights",
            )
        domain = (_domain_info or _domains(design, by))[0]
        index = np.asarray(prepared["var"].index)
        indicators = (index[:, None] == np.arange(shape[1])[None, :]).astype(float)
        likelihood = likelihood_terms(design.weights, indicators, index >= 0, domain, shape[0])
    interval_se = _interval_se(design, parts, se, method)
    low, high = proportion_ci(p, interval_se, df, n_rows, method, level, likelihood=likelihood)
    flags = reliability_flag(
        p, se, df, np.repeat(counts["n"][:, None], shape[1], axis=1), n_rows, level
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        deff = variance / prepared["vsrs_share"]
    return _level_frame(
        design, variable, "proportion", by, prepared, p, se, low, high, deff, method.value, flags
    )


def _interval_se(
    design: SurveyDesign, parts: dict[str, Any], se: np.ndarray, method: CIMethod
) -> np.ndarray:
    """The standard error the interval is built from.

    On a replicate design R's logit interval (``svyciprop``) refits the logit in every replicate,
    so its width comes from the replicate variance of :math:`\\operatorname{logit} \\hat p`,
    not from the delta method: that variance, times :math:`p(1-p)`, is the equivalent SE.
    """
    if design.replicates is None or method is not CIMethod.LOGIT:
        return se
    p = parts["mean"]
    with np.errstate(divide="ignore", invalid="ignore"):
        logit = _domain_variance(design, parts, transform=lambda m: np.log(m / (1 - m)))
        return np.sqrt(np.maximum(logit.reshape(p.shape), 0)) * p * (1 - p)


def _level_parts(
    design: SurveyDesign,
    variable: str,
    by: str | None,
    domain_info: tuple[np.ndarray, list[Any], _Variable | None] | None,
) -> dict[str, Any]:
    """What shares and counts per level share: indicators, domain sums, counts, SRS variances."""
    var = _variable(design, variable, categorical=True)
    domain, groups, by_var = domain_info or _domains(design, by)
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
    n_level = np.bincount(
        parts["d"] * len(levels) + index[parts["rows"]], minlength=n_domains * len(levels)
    ).reshape(n_domains, len(levels))
    # for 0/1 indicators sum w (y - p)^2 / sum w = p (1 - p): R's svyvar without a pass over rows
    p = parts["mean"]
    n_valid = counts["n"][:, None].astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        vsrs_share = n_valid / (n_valid - 1) * p * (1 - p) / n_valid
    return {"var": var, "levels": levels, "groups": groups, "by_var": by_var, "parts": parts,
            "counts": counts, "n_level": n_level, "vsrs_share": vsrs_share,
            "shape": (n_domains, len(levels))}  # fmt: skip


def _level_frame(
    design: SurveyDesign,
    variable: str,
    stat: str,
    by: str | None,
    prepared: dict[str, Any],
    estimate: np.ndarray,
    se: np.ndarray,
    low: np.ndarray,
    high: np.ndarray,
    deff: np.ndarray,
    ci_method: str,
    flags: np.ndarray,
) -> pd.DataFrame:
    """One row per (group, level); arrays of shape (groups, levels)."""
    var, by_var, counts = prepared["var"], prepared["by_var"], prepared["counts"]
    rows = []
    empty = []
    for g, group in enumerate(prepared["groups"]):
        no_data = counts["n"][g] == 0
        if by is not None and no_data:
            empty.append(_label(by_var, group) if by_var else str(group))
        for j, code in enumerate(prepared["levels"]):
            flag = flags[g, j] if no_data or np.isfinite(se[g, j]) else NO_SE_FLAG
            rows.append({
                "variable": variable, "stat": stat, "by": by,
                "group": _label(by_var, group) if by_var else None,
                "group_code": _json_code(group) if by_var else None,
                "level": _label(var, code), "code": _json_code(code),
                "estimate": np.nan if no_data else estimate[g, j],
                "se": np.nan if no_data else se[g, j],
                "ci_low": np.nan if no_data else low[g, j],
                "ci_high": np.nan if no_data else high[g, j],
                "deff": np.nan if no_data or not np.isfinite(deff[g, j]) else deff[g, j],
                "n": int(counts["n"][g]), "n_level": int(prepared["n_level"][g, j]),
                "df": int(counts["df"][g]), "ci_method": ci_method, "flag": flag,
            })  # fmt: skip
    _empty_warning(design, by, empty)
    return _frame(rows)


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
    t = t_quantile(level, counts["df"])
    cv = cv_flag(estimate, se, counts["df"])
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
            "ci_method": "wald",
            "flag": "suppress: no respondents" if no_data
            else (cv[g] if np.isfinite(se[g]) else NO_SE_FLAG),
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

    Examples
    --------
    >>> frame = pd.DataFrame({"w": [1.0, 2, 1, 2], "x": [2.0, 4, 6, 8], "g": ["a", "a", "b", "b"]})
    >>> table = means(SurveyDesign(frame, weight="w"), "x", by="g")
    >>> table[["group", "estimate"]].round(4).to_dict("list")
    {'group': ['a', 'b'], 'estimate': [3.3333, 7.3333]}
    """
    prepared = _numeric_parts(design, variable, by, _domain_info)
    parts, counts = prepared["parts"], prepared["counts"]
    variance = _domain_variance(design, parts)
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


def variances(
    design: SurveyDesign,
    variable: str,
    by: str | None = None,
    level: float = 0.95,
    *,
    _domain_info: tuple[np.ndarray, list[Any], _Variable | None] | None = None,
) -> pd.DataFrame:
    """Population variance of a numeric variable, overall or by domain (R's ``svyvar``).

    Parameters
    ----------
    design
        The survey design.
    variable
        A numeric variable; missing values are left out.
    by
        Domain variable, or None (R: ``svyby(~x, ~g, design, svyvar, na.rm = TRUE)``).
    level
        Confidence level (Wald interval with Student t on the domain's degrees of freedom).

    Returns
    -------
    pandas.DataFrame
        One row per group, columns :data:`COLUMNS`, ``stat`` ``"variance"``; ``deff`` is not
        computed (missing), as R's ``svyvar`` computes none.

    Notes
    -----
    As R: with :math:`\bar y_d` the domain mean and :math:`n_d` the number of rows of the
    domain with a non-zero weight (rows whose ``variable`` is missing count too, as R counts
    them before it drops them), the variance is the design-based mean of
    :math:`z_i = (y_i - \bar y_d)^2\\, n_d / (n_d - 1)` over the domain, and its standard
    error that of this mean (the estimated :math:`\bar y_d` is taken as fixed).

    Examples
    --------
    >>> frame = pd.DataFrame({"x": [2.0, 4, 6, 8]})
    >>> float(variances(SurveyDesign(frame), "x")["estimate"].iloc[0])
    6.666666666666667
    """
    values = _numeric(design, variable)
    domain, groups, by_var = _domain_info or _domains(design, by)
    if design.replicates is not None:
        return _replicate_variances(design, variable, by, level, values, domain, groups, by_var)
    weights = design.weights
    member = (domain >= 0) & (weights != 0)
    valid = member & ~np.isnan(values)
    size = len(groups)
    n = np.bincount(domain[member], minlength=size).astype(float)
    total_w = np.bincount(domain[valid], weights=weights[valid], minlength=size)
    total_wy = np.bincount(domain[valid], weights=(weights * values)[valid], minlength=size)
    with np.errstate(divide="ignore", invalid="ignore"):
        centre = total_wy / total_w
        factor = n / (n - 1)
    z = np.full(design.n, np.nan)
    rows = np.flatnonzero(valid)
    z[rows] = (values[rows] - centre[domain[rows]]) ** 2 * factor[domain[rows]]
    column = f"__{variable}_squared_deviation__"
    spread = dataclasses.replace(design, data=design.data.assign(**{column: z}))
    table = means(spread, column, by, level, _domain_info=(domain, groups, by_var))
    return table.assign(variable=variable, stat="variance", deff=np.nan)


def _replicate_variances(
    design: SurveyDesign,
    variable: str,
    by: str | None,
    level: float,
    values: np.ndarray,
    domain: np.ndarray,
    groups: list[Any],
    by_var: _Variable | None,
) -> pd.DataFrame:
    """R's ``svyvar`` on a replicate design: the variance re-estimated with every replicate.

    :math:`v(w) = \\frac{n}{n-1} (\\sum w y^2 / \\sum w - (\\sum w y / \\sum w)^2)`, with
    :math:`n` the domain's rows with a value (R drops the missing rows first).
    """
    size = len(groups)
    valid = (domain >= 0) & ~np.isnan(values)
    rows = np.flatnonzero(valid)
    d = domain[rows]
    y = values[rows]
    n = np.bincount(d, minlength=size).astype(float)
    columns = sp.hstack([
        sp.csr_matrix((np.ones(rows.size), (rows, d)), shape=(design.n, size)),
        sp.csr_matrix((y, (rows, d)), shape=(design.n, size)),
        sp.csr_matrix((y**2, (rows, d)), shape=(design.n, size)),
    ]).tocsr()  # fmt: skip

    def statistic(totals: np.ndarray) -> np.ndarray:
        t0, t1, t2 = totals[:, :size], totals[:, size : 2 * size], totals[:, 2 * size :]
        with np.errstate(divide="ignore", invalid="ignore"):
            return n / (n - 1) * (t2 / t0 - (t1 / t0) ** 2)

    estimate = statistic(np.asarray(columns.T @ design.weights).reshape(1, -1))[0]
    variance = design.replicate_vcov(columns, statistic)
    counts = _domain_counts(design, domain, ~np.isnan(values), size)
    table = _wald_rows(design, variable, "variance", by, groups, by_var, estimate, variance,
                       np.full(size, np.nan), counts, level)  # fmt: skip
    return table.assign(deff=np.nan)


def totals(
    design: SurveyDesign,
    variable: str,
    by: str | None = None,
    level: float = 0.95,
    *,
    _domain_info: tuple[np.ndarray, list[Any], _Variable | None] | None = None,
) -> pd.DataFrame:
    """Population total of a numeric variable, or population count of every level of a categorical.

    Parameters
    ----------
    design
        The survey design.
    variable
        A numeric variable (missing values count as zero contributions, R's ``na.rm = TRUE``),
        or a categorical one: pandas categorical, text, or numeric with value labels that make
        it categorical (:mod:`survey.codebook.measure`); its missing values are left out.
    by
        Domain variable, or None.
    level
        Confidence level (Wald interval with Student t on the domain's degrees of freedom).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`COLUMNS`: one row per group for a numeric variable; one row per (group,
        level) for a categorical one, with ``n_level`` the respondents giving that answer.

    Notes
    -----
    :math:`\\hat Y_d = \\sum_{i \\in d} w_i y_i` (Horvitz-Thompson), influence value
    :math:`w_i y_i` inside the domain; for a level :math:`l` of a categorical variable
    :math:`y_i = 1[x_i = l]`, the estimated number of population units in the domain giving
    that answer (R's ``svytotal(~factor(x), design)``, by domain ``svyby``). The design effect
    compares with :math:`\\hat N_d^2 s^2 / n_d`, the with-replacement SRS variance of the same
    total (R's ``deff = "replace"``).

    Examples
    --------
    >>> frame = pd.DataFrame({"w": [1.0, 2, 1, 2], "x": [2.0, 4, 6, 8]})
    >>> totals(SurveyDesign(frame, weight="w"), "x")[["estimate", "se"]].round(4).to_dict("list")
    {'estimate': [32.0], 'se': [11.7757]}
    >>> frame["answer"] = ["Ja", "Nee", "Ja", "Ja"]
    >>> totals(SurveyDesign(frame, weight="w"), "answer")[["level", "estimate", "n_level"]].to_dict("list")
    {'level': ['Ja', 'Nee'], 'estimate': [4.0, 2.0], 'n_level': [3, 1]}
    """
    if _is_categorical(design, variable):
        return _level_totals(design, variable, by, level, _domain_info)
    prepared = _numeric_parts(design, variable, by, _domain_info)
    parts, counts = prepared["parts"], prepared["counts"]
    rows, d = parts["rows"], parts["d"]
    values = prepared["values"]
    scores = sp.csr_matrix(
        (design.weights[rows] * values[rows], (rows, d)), shape=(design.n, len(prepared["groups"]))
    )
    if design.replicates is None:
        variance = design.vcov(scores, diagonal=True, used=parts["used"])
    else:
        variance = _domain_variance(design, parts, ratio=False)
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


def _level_totals(
    design: SurveyDesign,
    variable: str,
    by: str | None,
    level: float,
    domain_info: tuple[np.ndarray, list[Any], _Variable | None] | None,
) -> pd.DataFrame:
    """Population counts per level (R: ``svyby(~factor(x), ~g, design, svytotal)``)."""
    prepared = _level_parts(design, variable, by, domain_info)
    parts, counts, shape = prepared["parts"], prepared["counts"], prepared["shape"]
    levels = np.arange(shape[0] * shape[1]).reshape(shape)
    rows, d = parts["rows"], parts["d"]
    index = np.asarray(prepared["var"].index)[rows]
    # influence value of the count of level l in domain g: w_i for a row of (g, l), else 0
    scores = sp.csr_matrix(
        (design.weights[rows], (rows, levels[d, index])), shape=(design.n, levels.size)
    )
    if design.replicates is None:
        variance = design.vcov(scores, diagonal=True, used=parts["used"]).reshape(shape)
    else:
        variance = _domain_variance(design, parts, ratio=False).reshape(shape)
    se = np.sqrt(np.maximum(variance, 0))
    estimate = parts["total_wy"]
    t = t_quantile(level, counts["df"])[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        deff = variance / (prepared["vsrs_share"] * parts["total_w"][:, None] ** 2)
    flags = cv_flag(estimate, se, np.broadcast_to(counts["df"][:, None], shape))
    flags[np.broadcast_to(counts["n"][:, None] == 0, shape)] = "suppress: no respondents"
    return _level_frame(
        design, variable, "total", by, prepared, estimate, se,
        estimate - t * se, estimate + t * se, deff, "wald", flags,
    )  # fmt: skip


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

    Examples
    --------
    >>> frame = pd.DataFrame({"w": [1.0, 2, 1, 2], "x": [2.0, 4, 6, 8], "z": [1.0, 1, 2, 2]})
    >>> table = ratios(SurveyDesign(frame, weight="w"), "x", "z")
    >>> table[["variable", "estimate"]].round(4).to_dict("list")
    {'variable': ['x/z'], 'estimate': [3.5556]}
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
    used = (
        sp.csr_matrix((np.ones(rows.size), (rows, d)), shape=(design.n, n_domains))
        if design.lonely_psu is LonelyPSU.AVERAGE
        else None
    )
    counts = _domain_counts(design, domain, valid, n_domains)
    if design.replicates is None:
        variance = design.vcov(scores, diagonal=True, used=used)
    else:
        pair = sp.hstack([
            sp.csr_matrix((y[rows], (rows, d)), shape=(design.n, n_domains)),
            sp.csr_matrix((x[rows], (rows, d)), shape=(design.n, n_domains)),
        ]).tocsr()  # fmt: skip
        variance = design.replicate_vcov(pair, lambda t: t[:, :n_domains] / t[:, n_domains:])
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

    Examples
    --------
    >>> frame = pd.DataFrame({"w": [1.0, 2, 1, 2], "m1": [1, 0, 1, 1], "m2": [0, 0, 1, 0]})
    >>> table = multiple_response(SurveyDesign(frame, weight="w"), ["m1", "m2"])
    >>> table[["level", "estimate"]].round(4).to_dict("list")
    {'level': ['m1', 'm2'], 'estimate': [0.6667, 0.1667]}
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
    probs: Sequence[float] = (0.5,),
    qrule: str = "math",
    deff: str = "replace",
    quantile_interval: str = "mean",
) -> pd.DataFrame:
    """Estimates for several variables in one tidy table (the engine of ``survey estimate``).

    Parameters
    ----------
    design
        The survey design.
    variables
        Variable names.
    stat
        ``"proportion"``, ``"mean"``, ``"total"``, ``"variance"`` or ``"quantile"``; None chooses
        ``proportion`` for categorical variables (pandas categoricals, text, and numeric
        variables whose value labels cover at least two valid codes and every observed valid
        value, :mod:`survey.codebook.measure`, whatever measure level the file declares) and
        ``mean`` for others, with a :class:`DefaultStatWarning` when labelled codes of such a
        variable occur in the data. ``total`` gives one row per level of a categorical
        variable (population counts) and one row for a numeric one.
    by
        Domain variable, or None.
    ci, level
        Confidence-interval method for proportions, and level.
    probs, qrule
        For ``quantile``: the probabilities and R's quantile rule
        (:func:`survey.analysis.quantiles.quantiles`).
    deff
        The simple random sample the design effect compares with: ``"replace"`` (with
        replacement, R's ``deff = "replace"``) or ``"srswor"`` (without replacement, R's
        ``deff = TRUE``: the replace variance times :math:`(N - n)/N`, N the domain's weight sum
        and n its respondents; missing when N < n, as R).
    quantile_interval
        For ``quantile``: R's ``interval.type``, ``mean`` (Woodruff, the default), ``beta``,
        ``xlogit``, ``asin`` or ``score`` (:func:`survey.analysis.quantiles.quantiles`).

    Returns
    -------
    pandas.DataFrame
        The rows of every variable, columns :data:`COLUMNS` (and ``quantile``, the probability,
        when quantiles are asked for), then ``deft`` (the square root of ``deff``) and ``cv``
        (the coefficient of variation, SE over the absolute estimate).

    Examples
    --------
    >>> frame = pd.DataFrame({"w": [1.0, 2, 1, 2], "y": ["a", "b", "a", "a"], "x": [2.0, 4, 6, 8]})
    >>> table = estimate(SurveyDesign(frame, weight="w"), ["y", "x"])
    >>> table[["variable", "stat", "level"]].values.tolist()
    [['y', 'proportion', 'a'], ['y', 'proportion', 'b'], ['x', 'mean', None]]
    """
    if not 0 < level < 1:
        raise InputError(
            f"confidence level must lie between 0 and 1, not {level}", "e.g. --level 0.95"
        )
    if deff not in ("replace", "srswor"):
        raise InputError(f"unknown design effect '{deff}'", "use replace or srswor")
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
        elif chosen == "variance":
            frames.append(variances(design, name, by, level, _domain_info=domain_info))
        elif chosen == "quantile":
            from survey.analysis.quantiles import quantiles  # it builds on means: no cycle

            frames.append(
                quantiles(design, name, probs, by, level, qrule, interval_type=quantile_interval)
            )
        else:
            raise InputError(
                f"unknown statistic '{chosen}'",
                "use proportion, mean, total, variance or quantile",
            )
        if deff == "srswor" and chosen in ("proportion", "mean", "total"):
            frames[-1] = _without_replacement(design, name, chosen, frames[-1], domain_info)
    columns = COLUMNS + (["quantile"] if stat == "quantile" else [])
    table = pd.concat(frames, ignore_index=True)[columns]
    with np.errstate(divide="ignore", invalid="ignore"):
        table["deft"] = np.sqrt(table["deff"].astype(float))
        table["cv"] = table["se"].astype(float) / table["estimate"].astype(float).abs()
    table.attrs["level"] = level
    return table


def _without_replacement(
    design: SurveyDesign,
    name: str,
    stat: str,
    table: pd.DataFrame,
    domain_info: tuple[np.ndarray, list[Any], _Variable | None],
) -> pd.DataFrame:
    """The table with its design effects against sampling without replacement (R deff=TRUE)."""
    domain, groups, _ = domain_info
    var = _variable(design, name, categorical=stat != "mean" and not _is_numeric(design, name))
    valid = (domain >= 0) & (
        np.asarray(var.index) >= 0 if var.index is not None else ~np.isnan(var.codes.astype(float))
    )
    weights = design.weights
    psum = np.bincount(domain[valid], weights=weights[valid], minlength=len(groups))
    position = {group: i for i, group in enumerate(groups)}
    codes = table["group_code"] if "group_code" in table else pd.Series([None] * len(table))
    rows = [position.get(_none(code), 0) for code in codes]
    n = table["n"].to_numpy(dtype=float)
    total = psum[rows]
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(total >= n, total / (total - n), np.nan)
    return table.assign(deff=table["deff"].to_numpy(dtype=float) * factor)


def _none(code: Any) -> Any:
    return None if code is None or (isinstance(code, float) and code != code) else code


def _is_numeric(design: SurveyDesign, name: str) -> bool:
    column = design.column(name)
    return pd.api.types.is_numeric_dtype(column.dtype) and not isinstance(
        column.dtype, pd.CategoricalDtype
    )


def _default_stat(design: SurveyDesign, name: str) -> str:
    """``proportion`` for a categorical variable, else ``mean`` (warning when labels are averaged).

    Categorical: a pandas categorical, text, or a numeric variable whose value labels make it
    categorical by the rule of :mod:`survey.codebook.measure`; the measure level the file
    declares does not count (SPSS, PSPP and haven write ``scale`` by default).
    """
    if _is_categorical(design, name):
        return "proportion"
    coverage = _coverage(design, name)
    averaged = [(code, rows) for code, rows in coverage.labelled_rows if rows] if coverage else []
    if coverage is not None and averaged:
        labels = design.meta.variables[name].value_labels if design.meta else {}
        codes = ", ".join(f"{code:g} '{labels[code]}' ({rows} rows)" for code, rows in averaged)
        warnings.warn(
            f"{design.where()}'{name}' has value labels but is estimated as a mean: "
            f"{coverage.reason()}; the labelled code(s) {codes} count as numbers. Declare special "
            "codes missing in the file or codebook, ask for stat 'proportion' for shares, or for "
            "stat 'mean' to keep the mean without this warning",
            DefaultStatWarning,
            stacklevel=3,
        )
    return "mean"
