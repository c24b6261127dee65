"""Design-based models: logistic regression with survey weights, and Cronbach's alpha.

:func:`logistic_regression` fits a logistic regression to survey data as R's
``svyglm(..., family = quasibinomial())``: the coefficients solve the weighted likelihood
equations (iteratively reweighted least squares, as R's ``glm.fit``), their covariance is the
design-based sandwich whose scores go through :meth:`SurveyDesign.vcov`, and tests use the
design degrees of freedom. :func:`cronbach_alpha` gives the internal consistency of an item
battery, with or without weights.

It does not fit other families or link functions, interactions, offsets or replicate-weight
variances, does not select models, and does not compute likelihood-based (profile) intervals.

References
----------
Binder, D. A. (1983). On the variances of asymptotically normal estimators from complex
surveys. *International Statistical Review* 51, 279-292.
Lumley, T. (2010). *Complex Surveys: A Guide to Analysis Using R*. Wiley, ch. 6.
Cronbach, L. J. (1951). Coefficient alpha and the internal structure of tests.
*Psychometrika* 16, 297-334.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import linalg, special, stats

from survey.analysis.design import SurveyDesign
from survey.errors import InputError, StatisticalError

__all__ = ["ALPHA_COLUMNS", "MODEL_COLUMNS", "cronbach_alpha", "logistic_regression"]

#: Columns of the frame :func:`logistic_regression` returns.
MODEL_COLUMNS = [
    "term",
    "estimate",
    "se",
    "t",
    "p_value",
    "odds_ratio",
    "or_ci_low",
    "or_ci_high",
    "df",
    "n",
]

#: Columns of the frame :func:`cronbach_alpha` returns.
ALPHA_COLUMNS = ["items", "k", "n", "alpha", "weighted"]

# R's glm.control(): epsilon and maxit
_EPSILON = 1e-8
_MAXIT = 25
# R's binomial()$mu.eta / linkinv clamp and the "fitted probabilities 0 or 1" threshold
_MU_EPS = 10 * np.finfo(float).eps


def _as_list(names: str | Sequence[str] | None) -> list[str]:
    if names is None:
        return []
    if isinstance(names, str):
        return [names]
    return list(names)


def _level_name(value: Any) -> str:
    """A level as R prints it in a term name (1.0 -> "1")."""
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    return str(value)


def _levels(values: pd.Series) -> list[Any]:
    """Levels present, in R's ``factor`` order (categories order for categoricals)."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        present = set(values.dropna().unique())
        return [c for c in values.cat.categories if c in present]
    return sorted(values.dropna().unique().tolist())


def _numeric(design: SurveyDesign, name: str, role: str) -> np.ndarray:
    column = design.column(name)
    if isinstance(column.dtype, pd.CategoricalDtype) or not (
        pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column)
    ):
        converted = pd.to_numeric(column, errors="coerce")
        bad = converted.isna() & column.notna()
        if bad.any():
            example = column[bad].iloc[0]
            raise InputError(
                f"{design.where()}{role} '{name}' is not numeric (value {example!r} in "
                f"{int(bad.sum())} row(s))",
                "give it as a categorical predictor, or recode it to numbers",
            )
        column = converted
    return column.to_numpy(dtype=float, na_value=np.nan)


def _outcome(design: SurveyDesign, name: str, event: Any, rows: np.ndarray) -> np.ndarray:
    """The 0/1 outcome on the rows used, checking that it is binary."""
    column = design.column(name)
    used = column[rows]
    values = _levels(used)
    if event is None:
        numeric = pd.to_numeric(used, errors="coerce") if not used.dtype == bool else used
        if (
            isinstance(column.dtype, pd.CategoricalDtype)
            or pd.isna(numeric).any()
            or not set(np.asarray(numeric, dtype=float).tolist()) <= {0.0, 1.0}
        ):
            shown = ", ".join(repr(v) for v in values[:5])
            raise InputError(
                f"{design.where()}outcome '{name}' is not coded 0/1 (values {shown}"
                f"{', ...' if len(values) > 5 else ''})",
                "recode it to 0/1, or name the event level (event=...) of a two-level variable",
            )
        y = np.asarray(numeric, dtype=float)
    else:
        if len(values) > 2:
            shown = ", ".join(repr(v) for v in values[:5])
            raise InputError(
                f"{design.where()}outcome '{name}' has {len(values)} values ({shown}"
                f"{', ...' if len(values) > 5 else ''}), not two",
                "a logistic regression needs a binary outcome; recode or filter it",
            )
        if event not in values:
            close = difflib.get_close_matches(str(event), [str(v) for v in values], n=2)
            raise InputError(
                f"{design.where()}outcome '{name}' has no value {event!r} "
                f"(values: {', '.join(repr(v) for v in values)})",
                f"did you mean {', '.join(close)}?" if close else "name one of its values",
            )
        y = (used == event).to_numpy(dtype=float)
    if np.unique(y).size < 2:
        raise StatisticalError(
            f"{design.where()}outcome '{name}' takes a single value in all {int(rows.size)} "
            "complete rows",
            "a logistic regression needs both outcomes; check filters and missing values",
        )
    return y


def _fit_irls(
    x: np.ndarray, y: np.ndarray, prior: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, bool]:
    """R's ``glm.fit`` for the logit link: coefficients, fitted mu, last working weights.

    Returns the coefficients, the final fitted probabilities, the working weights and the
    inverse weighted information :math:`(X^\\top W X)^{-1}` from the last iteration (as R
    keeps them: computed before its final update), and whether R's criterion was met.
    """
    mu = (prior * y + 0.5) / (prior + 1)  # binomial()$initialize
    eta = special.logit(mu)
    deviance_old = np.inf
    beta = np.zeros(x.shape[1])
    sqrt_w = np.zeros_like(y)
    converged = False
    for _ in range(_MAXIT):
        variance = mu * (1 - mu)
        mu_eta = np.maximum(variance, np.finfo(float).eps)
        z = eta + (y - mu) / mu_eta
        sqrt_w = np.sqrt(prior * mu_eta**2 / variance)
        beta = np.linalg.lstsq(x * sqrt_w[:, None], z * sqrt_w, rcond=None)[0]
        eta = x @ beta
        mu = np.clip(special.expit(eta), np.finfo(float).eps, 1 - np.finfo(float).eps)
        deviance = float(-2 * np.sum(prior * (y * np.log(mu) + (1 - y) * np.log(1 - mu))))
        if abs(deviance - deviance_old) / (abs(deviance) + 0.1) < _EPSILON:
            converged = True
            break
        deviance_old = deviance
    r = np.linalg.qr(x * sqrt_w[:, None]).R
    r_inv = linalg.solve_triangular(r, np.eye(r.shape[0]))
    return beta, mu, sqrt_w**2, r_inv @ r_inv.T, converged


def logistic_regression(
    design: SurveyDesign,
    outcome: str,
    numeric: str | Sequence[str] | None = None,
    categorical: str | Sequence[str] | None = None,
    event: Any = None,
    level: float = 0.95,
) -> pd.DataFrame:
    """Design-based logistic regression, as R's ``svyglm(family = quasibinomial())``.

    Parameters
    ----------
    design
        The survey design.
    outcome
        The outcome column: coded 0/1 (or boolean), or any two-valued variable whose
        ``event`` level is modelled.
    numeric
        Numeric predictors, entered linearly.
    categorical
        Categorical predictors, in treatment coding with the first level (sorted, or the
        category order of a pandas categorical) as reference; terms are named as R names
        them, variable then level (``stypeH``).
    event
        The outcome value counted as the event; required unless the outcome is 0/1.
    level
        Confidence level of the odds-ratio intervals.

    Returns
    -------
    pandas.DataFrame
        One row per coefficient (``(Intercept)``, the numeric predictors, then the dummies of
        the categorical predictors): ``term``, ``estimate`` (log odds ratio), ``se``
        (design-based), ``t``, ``p_value`` (two-sided, t on ``df``), ``odds_ratio``,
        ``or_ci_low``, ``or_ci_high``, ``df`` (design residual degrees of freedom) and ``n``
        (rows used).

    Raises
    ------
    InputError
        A column is not in the data (close names are suggested), the outcome is not binary
        or has no such event level, or a numeric predictor holds text.
    StatisticalError
        The outcome takes one value, a categorical predictor one level, the predictors are
        collinear, the model does not converge or separates the outcome perfectly, or no
        residual degrees of freedom are left.

    Notes
    -----
    Rows with a missing value in any model variable are left out (R's ``na.omit``); the
    design keeps their PSUs, as R's subset of a design does. With weights :math:`w_i`, the
    coefficients solve :math:`\\sum_i w_i x_i (y_i - \\mu_i) = 0`,
    :math:`\\mu_i = 1/(1 + e^{-x_i^\\top\\beta})`, by R's IRLS (same start, same convergence
    rule: relative change of deviance below 1e-8). With
    :math:`A = \\sum_i w_i \\mu_i (1 - \\mu_i) x_i x_i^\\top` the weighted information, the
    covariance is the sandwich

    .. math::

        \\widehat{V}(\\hat\\beta) = \\mathrm{vcov}_{\\text{design}}
        \\big(w_i (y_i - \\mu_i) x_i^\\top A^{-1}\\big),

    the design variance of the scores (R's ``svy.varcoef``). The residual degrees of freedom
    are those of ``summary.svyglm``: PSUs minus strata among the rows used, plus one, minus
    the number of coefficients; odds-ratio intervals are
    :math:`\\exp(\\hat\\beta \\pm t_{df, 1 - \\alpha/2}\\, se)` (R's ``confint.svyglm``).
    Where R only warns (fitted probabilities numerically 0 or 1, no convergence in 25
    iterations, aliased coefficients), this function stops with a :class:`StatisticalError`.

    References
    ----------
    Binder (1983); Lumley (2010), sec. 6.1-6.2; R survey's ``svyglm`` and ``svy.varcoef``.

    Examples
    --------
    >>> rng = np.random.default_rng(2)
    >>> frame = pd.DataFrame({"psu": np.repeat(np.arange(20), 10), "x": rng.normal(size=200),
    ...                       "g": rng.choice(["a", "b"], 200), "w": rng.uniform(1, 2, 200)})
    >>> frame["y"] = (rng.uniform(size=200) < 1 / (1 + np.exp(-frame["x"]))).astype(int)
    >>> fit = logistic_regression(SurveyDesign(frame, weight="w", cluster=("psu",)), "y",
    ...                           numeric=["x"], categorical=["g"])
    >>> fit["term"].tolist()
    ['(Intercept)', 'x', 'gb']
    """
    numeric_names, categorical_names = _as_list(numeric), _as_list(categorical)
    names = [outcome, *numeric_names, *categorical_names]
    for name in names:
        design.column(name)
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise InputError(
            f"{design.where()}variable(s) {', '.join(repeated)} given more than once in the model",
            "use each variable once, as the outcome or as one predictor",
        )
    if not 0 < level < 1:
        raise InputError(f"confidence level {level} is not between 0 and 1", "use e.g. 0.95")
    numeric_values = [_numeric(design, name, "predictor") for name in numeric_names]
    complete = design.column(outcome).notna().to_numpy(copy=True)
    for values in numeric_values:
        complete &= ~np.isnan(values)
    for name in categorical_names:
        complete &= design.column(name).notna().to_numpy()
    rows = np.flatnonzero(complete)
    if rows.size == 0:
        raise StatisticalError(
            f"{design.where()}no row has all of {', '.join(names)}",
            "check the missing values of the model variables",
        )
    y = _outcome(design, outcome, event, rows)

    columns = [np.ones(rows.size), *(values[rows] for values in numeric_values)]
    terms = ["(Intercept)", *numeric_names]
    for name in categorical_names:
        used = design.column(name)[rows]
        levels = _levels(used)  # levels absent from the rows used are dropped, as glm does
        if len(levels) < 2:
            raise StatisticalError(
                f"{design.where()}categorical predictor '{name}' has a single level "
                f"({levels[0]!r}) in the {rows.size} complete rows",
                "drop it from the model, or check filters and missing values",
            )
        values = used.to_numpy(dtype=object)
        for value in levels[1:]:
            columns.append((values == value).astype(float))
            terms.append(f"{name}{_level_name(value)}")
    x = np.column_stack(columns)
    p = x.shape[1]
    if np.linalg.matrix_rank(x) < p:
        raise StatisticalError(
            f"{design.where()}the predictors {', '.join(numeric_names + categorical_names)} are "
            f"collinear in the {rows.size} complete rows",
            "drop a predictor that is a combination of the others",
        )

    all_weights = design.weights
    prior = all_weights[rows] / all_weights.mean()  # svyglm(rescale = TRUE)
    beta, mu, working, a_inv, converged = _fit_irls(x, y, prior)
    if ((mu < _MU_EPS) | (mu > 1 - _MU_EPS)).any():
        raise StatisticalError(
            f"{design.where()}fitted probabilities of '{outcome}' are 0 or 1: the predictors "
            "separate the outcome (perfectly or almost)",
            "combine sparse categories or drop the predictor that separates the outcome",
        )
    if not converged:
        raise StatisticalError(
            f"{design.where()}the logistic regression of '{outcome}' did not converge in "
            f"{_MAXIT} iterations",
            "look for predictors that (almost) separate the outcome, or simplify the model",
        )
    # R's estfun: X * working residual * working weight (weights of the last iteration)
    residual = (y - mu) / (mu * (1 - mu))
    scores = np.zeros((design.n, p))
    scores[rows] = (x * (residual * working)[:, None]) @ a_inv
    se = np.sqrt(design.vcov(scores, diagonal=True))

    df = int(design.df_for(complete)) + 1 - p
    t = beta / se
    if df > 0:
        p_value = 2 * stats.t.sf(np.abs(t), df)
        quantile = stats.t.ppf(0.5 + level / 2, df)
    else:
        p_value = np.full(p, np.nan)
        quantile = np.nan
    return pd.DataFrame(
        {
            "term": terms,
            "estimate": beta,
            "se": se,
            "t": t,
            "p_value": p_value,
            "odds_ratio": np.exp(beta),
            "or_ci_low": np.exp(beta - quantile * se),
            "or_ci_high": np.exp(beta + quantile * se),
            "df": df,
            "n": int(rows.size),
        },
        columns=MODEL_COLUMNS,
    )


def _frame_column(frame: pd.DataFrame, name: str) -> pd.Series:
    if name in frame.columns:
        return frame[name]
    close = difflib.get_close_matches(name, [str(c) for c in frame.columns], n=3)
    raise InputError(
        f"no variable '{name}' in the data",
        f"did you mean {', '.join(close)}?"
        if close
        else "list the variables with `survey codebook`",
    )


def cronbach_alpha(
    data: pd.DataFrame | SurveyDesign,
    items: Sequence[str],
    weighted: bool = False,
    weight: str | None = None,
) -> pd.DataFrame:
    """Cronbach's alpha of an item battery, unweighted or weighted.

    Parameters
    ----------
    data
        A data frame, or a survey design (whose weights ``weighted=True`` uses).
    items
        Two or more numeric item columns, scored in the same direction.
    weighted
        Use the weights for the item covariance matrix.
    weight
        Weight column when ``data`` is a data frame and ``weighted`` is true.

    Returns
    -------
    pandas.DataFrame
        One row: ``items`` (comma-separated), ``k`` (number of items), ``n`` (complete rows
        used), ``alpha`` and ``weighted``.

    Raises
    ------
    InputError
        An item is not in the data (close names are suggested) or is not numeric; fewer than
        two items; weighted without weights.
    StatisticalError
        Fewer than two complete rows, or the item total does not vary.

    Notes
    -----
    On the rows where every item is observed, with :math:`C` the k x k item covariance
    matrix,

    .. math::

        \\alpha = \\frac{k}{k - 1}\\Big(1 - \\frac{\\operatorname{tr} C}{\\mathbf 1^\\top C
        \\mathbf 1}\\Big),

    the raw alpha of R's ``psych::alpha`` (unweighted: sample covariances, divisor n - 1).
    Weighted, :math:`C = \\sum_i w_i (x_i - \\bar x_w)(x_i - \\bar x_w)^\\top / \\sum_i w_i`
    with the weighted means :math:`\\bar x_w`; alpha is a ratio of sums of :math:`C`, so any
    common divisor (n - 1, :math:`\\sum w`, R's ``cov.wt`` or ``svyvar``) gives the same value.
    Alpha is a point estimate; no standard error is given.

    References
    ----------
    Cronbach (1951); Revelle, W., ``psych::alpha`` (R package psych).

    Examples
    --------
    >>> frame = pd.DataFrame({"a": [1, 2, 3, 4, 5], "b": [2, 2, 3, 5, 5], "c": [1, 3, 3, 4, 4]})
    >>> round(float(cronbach_alpha(frame, ["a", "b", "c"])["alpha"].iloc[0]), 4)
    0.9538
    """
    names = _as_list(items)
    if len(names) < 2:
        raise InputError(
            f"Cronbach's alpha needs at least two items, got {len(names)}",
            "list the items of the battery",
        )
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        raise InputError(
            f"item(s) {', '.join(duplicated)} listed more than once", "list each item once"
        )
    if isinstance(data, SurveyDesign):
        frame = data.data
        columns = [data.column(name) for name in names]
        weights = data.weights if weighted else None
    else:
        frame = data
        columns = [_frame_column(frame, name) for name in names]
        weights = None
        if weighted:
            if weight is None:
                raise InputError(
                    "weighted Cronbach's alpha of a data frame needs a weight column",
                    "pass weight=... or a SurveyDesign",
                )
            weights = pd.to_numeric(_frame_column(frame, weight), errors="coerce").to_numpy(
                dtype=float, na_value=np.nan
            )
    matrix = np.empty((len(frame), len(names)))
    for j, (name, column) in enumerate(zip(names, columns, strict=True)):
        converted = pd.to_numeric(column, errors="coerce")
        bad = converted.isna() & column.notna()
        if isinstance(column.dtype, pd.CategoricalDtype) or bad.any():
            raise InputError(
                f"item '{name}' is not numeric"
                + (f" (value {column[bad].iloc[0]!r})" if bad.any() else ""),
                "use the numeric item scores",
            )
        matrix[:, j] = converted.to_numpy(dtype=float, na_value=np.nan)
    complete = ~np.isnan(matrix).any(axis=1)
    if weights is not None:
        bad_weight = complete & (~np.isfinite(weights) | (weights < 0))
        if bad_weight.any():
            raise InputError(
                f"weight '{weight}' is missing or negative in {int(bad_weight.sum())} complete row(s)",
                "weights must be non-negative numbers",
            )
    x = matrix[complete]
    n, k = x.shape
    if n < 2:
        raise StatisticalError(
            f"only {n} row(s) have all of {', '.join(names)}",
            "check the missing values of the items",
        )
    if weights is None:
        cov = np.cov(x, rowvar=False, ddof=1)
    else:
        w = weights[complete]
        centred = x - (w @ x) / w.sum()
        cov = (centred * w[:, None]).T @ centred / w.sum()
    total = float(cov.sum())
    if not total > 0:
        raise StatisticalError(
            f"the total of {', '.join(names)} does not vary in the {n} complete rows",
            "alpha is undefined for a constant scale",
        )
    alpha = k / (k - 1) * (1 - float(np.trace(cov)) / total)
    return pd.DataFrame(
        [{"items": ",".join(names), "k": k, "n": n, "alpha": alpha, "weighted": weighted}],
        columns=ALPHA_COLUMNS,
    )
