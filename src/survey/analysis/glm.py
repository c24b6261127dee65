"""Design-based generalised linear models, as R's ``svyglm``, ``regTermTest`` and ``svypredmeans``.

:func:`glm` fits a model given by an R-style formula (parsed with patsy) to survey data: the
coefficients solve the weighted likelihood equations by R's ``glm.fit`` (iteratively
reweighted least squares, same start, same convergence rule), their covariance is the
design-based sandwich whose scores go through :meth:`SurveyDesign.vcov` or, on a
replicate-weight design, the replicate variance of the coefficients refitted with every
replicate's weights (R's ``svyglm.svyrep.design``), and tests use the residual degrees of
freedom of ``summary.svyglm``. Families: ``gaussian`` (identity link),
``binomial`` and ``quasibinomial`` (logit), ``poisson`` and ``quasipoisson`` (log).
:func:`term_test` tests a group of terms as ``regTermTest`` (Wald F, or the Rao-Scott working
likelihood ratio with its saddlepoint p-value); :func:`predicted_margins` gives the predicted
mean response per level of a group variable as ``svypredmeans``. :func:`glm_payload` and
:func:`glm_text` shape a result for the ``survey model`` command.

It does not fit other families or links, does not select models, and does not compute
likelihood-based (profile) intervals. Where R only warns (no convergence, fitted
probabilities 0 or 1, aliased coefficients, in the full sample or in a replicate), it stops
with an error.

References
----------
Binder, D. A. (1983). On the variances of asymptotically normal estimators from complex
surveys. *International Statistical Review* 51, 279-292.
Lumley, T. (2010). *Complex Surveys: A Guide to Analysis Using R*. Wiley, ch. 5-6.
Lumley, T. and Scott, A. (2014). Tests for regression models fitted to survey data.
*Australian & New Zealand Journal of Statistics* 56, 1-14.
Graubard, B. I. and Korn, E. L. (1999). Predictive margins with survey data.
*Biometrics* 55, 652-659.
"""

from __future__ import annotations

import ast
import difflib
import itertools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import patsy
import patsy.builtins
from scipy import linalg, stats

from survey.analysis._domain import _is_categorical, _variable
from survey.analysis.design import SurveyDesign
from survey.analysis.inference import saddle_upper
from survey.analysis.output import design_payload, json_value
from survey.errors import InputError, StatisticalError
from survey.format import format_number, format_pvalue

__all__ = [
    "FAMILIES",
    "MARGIN_COLUMNS",
    "GLMResult",
    "TermTest",
    "glm",
    "glm_payload",
    "glm_text",
    "predicted_margins",
    "term_test",
]

#: The families :func:`glm` fits.
FAMILIES = ("gaussian", "binomial", "quasibinomial", "poisson", "quasipoisson")

#: Columns of the frame :func:`predicted_margins` returns.
MARGIN_COLUMNS = ["variable", "level", "estimate", "se", "ci_low", "ci_high", "df", "n"]

# R's glm.control(): epsilon and maxit
_EPSILON = 1e-8
_MAXIT = 25
_EPS = np.finfo(float).eps
# R's C_logit_linkinv / C_logit_mu_eta thresholds
_THRESH = 30.0

_FUNCTIONS: dict[str, Any] = {
    "log": np.log,
    "log2": np.log2,
    "log10": np.log10,
    "log1p": np.log1p,
    "exp": np.exp,
    "sqrt": np.sqrt,
    "abs": np.abs,
    "np": np,
    "factor": patsy.builtins.C,
}
_BUILTINS = {name: getattr(patsy.builtins, name) for name in patsy.builtins.__all__}
_OFFSET = re.compile(r"^offset\((.*)\)$", re.DOTALL)
_FACTOR_CALL = re.compile(r"^(?:C|factor)\(\s*([A-Za-z_][A-Za-z0-9_.]*|Q\(.*\))\s*\)$")
_QUOTED = re.compile(r"^Q\(\s*(['\"])(.*)\1\s*\)$")


# ------------------------------------------------------------------ families


@dataclass(frozen=True)
class _Family:
    """What IRLS needs of a family: link, variance, deviance residuals, start, valid means."""

    name: str
    link: str
    linkfun: Callable[[np.ndarray], np.ndarray]
    linkinv: Callable[[np.ndarray], np.ndarray]
    mu_eta: Callable[[np.ndarray], np.ndarray]
    variance: Callable[[np.ndarray], np.ndarray]
    dev_resids: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]
    initialize: Callable[[np.ndarray, np.ndarray], np.ndarray]
    validmu: Callable[[np.ndarray], bool]
    ratio: str | None  # what exp(coefficient) is: "odds_ratio", "rate_ratio" or None


def _logit_linkinv(eta: np.ndarray) -> np.ndarray:
    tmp = np.where(
        eta < -_THRESH, _EPS, np.where(eta > _THRESH, 1 / _EPS, np.exp(np.clip(eta, -30, 30)))
    )
    return tmp / (1 + tmp)


def _logit_mu_eta(eta: np.ndarray) -> np.ndarray:
    e = np.exp(np.clip(eta, -30, 30))
    return np.where(np.abs(eta) > _THRESH, _EPS, e / (1 + e) ** 2)


def _y_log_y(y: np.ndarray, mu: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(y != 0, y * np.log(np.where(y != 0, y, 1) / mu), 0.0)


def _binomial_dev(y: np.ndarray, mu: np.ndarray, wt: np.ndarray) -> np.ndarray:
    return 2 * wt * (_y_log_y(y, mu) + _y_log_y(1 - y, 1 - mu))


def _poisson_dev(y: np.ndarray, mu: np.ndarray, wt: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        positive = wt * (y * np.log(np.where(y > 0, y, 1) / mu) - (y - mu))
    return 2 * np.where(y > 0, positive, mu * wt)


def _family(name: str) -> _Family:
    if name == "gaussian":
        return _Family(
            "gaussian",
            "identity",
            lambda mu: mu,
            lambda eta: eta,
            lambda eta: np.ones_like(eta),
            lambda mu: np.ones_like(mu),
            lambda y, mu, wt: wt * (y - mu) ** 2,
            lambda y, wt: y.copy(),
            lambda mu: True,
            None,
        )
    if name in ("binomial", "quasibinomial"):
        return _Family(
            name,
            "logit",
            lambda mu: np.log(mu / (1 - mu)),
            _logit_linkinv,
            _logit_mu_eta,
            lambda mu: mu * (1 - mu),
            _binomial_dev,
            lambda y, wt: (wt * y + 0.5) / (wt + 1),
            lambda mu: bool(np.all(np.isfinite(mu)) and np.all((mu > 0) & (mu < 1))),
            "odds_ratio",
        )
    if name in ("poisson", "quasipoisson"):
        return _Family(
            name,
            "log",
            np.log,
            lambda eta: np.maximum(np.exp(eta), _EPS),
            lambda eta: np.maximum(np.exp(eta), _EPS),
            lambda mu: mu,
            _poisson_dev,
            lambda y, wt: y + 0.1,
            lambda mu: bool(np.all(np.isfinite(mu)) and np.all(mu > 0)),
            "rate_ratio",
        )
    close = difflib.get_close_matches(str(name), FAMILIES, n=1)
    raise InputError(
        f"unknown model family {name!r}",
        f"did you mean {close[0]}?" if close else f"use one of {', '.join(FAMILIES)}",
    )


_RATIO_COLUMNS = {
    "odds_ratio": ("odds_ratio", "or_ci_low", "or_ci_high"),
    "rate_ratio": ("rate_ratio", "rr_ci_low", "rr_ci_high"),
}


# ------------------------------------------------------------------ IRLS


@dataclass(frozen=True)
class _Irls:
    beta: np.ndarray
    eta: np.ndarray
    mu: np.ndarray
    working_weights: np.ndarray  # w^2 of the last iteration (R's glm$weights)
    cov_unscaled: np.ndarray  # (X'WX)^-1 of the last iteration's QR (summary.glm); or empty
    deviance: float
    iterations: int
    converged: bool
    rank: int  # rank of the last weighted least-squares problem


def _irls(
    x: np.ndarray,
    y: np.ndarray,
    prior: np.ndarray,
    offset: np.ndarray,
    family: _Family,
    start: np.ndarray | None = None,
    unscaled: bool = True,
) -> _Irls:
    """R's ``glm.fit``: start, IRLS steps, step halving, relative-deviance convergence.

    Without ``start`` the fit starts from ``family$initialize``; with it (R's ``start =``,
    as ``svyglm`` refits every replicate) from :math:`\\eta = X\\beta_0 + offset`, and a
    first invalid step can be halved back towards it.
    """
    if start is None:
        eta = family.linkfun(family.initialize(y, prior))
        beta_old: np.ndarray | None = None
    else:
        eta = x @ start + offset
        beta_old = np.asarray(start, dtype=float)
    mu = family.linkinv(eta)
    deviance_old = float(np.sum(family.dev_resids(y, mu, prior)))
    beta = np.zeros(x.shape[1])
    w = np.zeros_like(y)
    converged = False
    iterations = 0
    rank = x.shape[1]
    for iterations in range(1, _MAXIT + 1):  # noqa: B007 - the count is reported
        mu_eta = family.mu_eta(eta)
        z = (eta - offset) + (y - mu) / mu_eta
        w = np.sqrt(prior * mu_eta**2 / family.variance(mu))
        beta, _, rank, _ = np.linalg.lstsq(x * w[:, None], z * w, rcond=None)
        eta = x @ beta + offset
        mu = family.linkinv(eta)
        deviance = float(np.sum(family.dev_resids(y, mu, prior)))
        halvings = 0
        while not (np.isfinite(deviance) and family.validmu(mu)):
            if beta_old is None or halvings >= _MAXIT:
                raise StatisticalError(
                    "the model's fitted values left the range of the family "
                    f"({family.name}) and no valid step was found",
                    "check the outcome's values, or simplify the model",
                )
            halvings += 1
            beta = (beta + beta_old) / 2
            eta = x @ beta + offset
            mu = family.linkinv(eta)
            deviance = float(np.sum(family.dev_resids(y, mu, prior)))
        if abs(deviance - deviance_old) / (abs(deviance) + 0.1) < _EPSILON:
            converged = True
            break
        deviance_old = deviance
        beta_old = beta
    if unscaled:
        r = np.linalg.qr(x * w[:, None]).R
        r_inv = linalg.solve_triangular(r, np.eye(r.shape[0]))
        cov_unscaled = r_inv @ r_inv.T
    else:
        cov_unscaled = np.empty((0, 0))
    return _Irls(beta, eta, mu, w**2, cov_unscaled, deviance, iterations, converged, int(rank))


# ------------------------------------------------------------------ formulas


def _label(code: str) -> str:
    """A factor as R names it in terms: ``C(x)`` and ``factor(x)`` become ``x``."""
    match = _FACTOR_CALL.match(code)
    if not match:
        return code
    inner = match.group(1)
    quoted = _QUOTED.match(inner)
    return quoted.group(2) if quoted else inner


def _term_label(term: patsy.Term) -> str:
    return ":".join(_label(f.name()) for f in term.factors) or "(Intercept)"


def _canonical(label: str) -> str:
    return ":".join(sorted(label.split(":")))


def _level_name(value: Any) -> str:
    """A level as R prints it in a term name (1.0 -> "1")."""
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    return str(value)


def _names_in(code: str) -> set[str]:
    """The names a formula expression reads as variables (not those it calls as functions)."""
    try:
        tree = ast.parse(code.strip(), mode="eval")
    except SyntaxError:  # patsy reports it when it evaluates the expression
        return set()
    variables: set[str] = set()
    functions: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            functions.add(node.func.id)
            if node.func.id == "Q" and node.args and isinstance(node.args[0], ast.Constant):
                variables.add(str(node.args[0].value))
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id not in functions:
            variables.add(node.id)
    return variables


@dataclass(frozen=True)
class _Model:
    """A formula evaluated on the complete rows of a design."""

    formula: str
    lhs: list[patsy.Term]
    terms: list[patsy.Term]  # right-hand side terms in R's order (by degree, then as written)
    offsets: tuple[str, ...]
    frame: pd.DataFrame  # the model variables on the complete rows, factors as categoricals
    complete: np.ndarray  # boolean over the design's rows
    env: patsy.EvalEnvironment


def _parse(design: SurveyDesign, formula: str, offset: str | None) -> _Model:
    if not isinstance(formula, str) or "~" not in formula:
        raise InputError(
            f"model formula {formula!r} has no '~'",
            "write it as R does: outcome ~ predictors, e.g. 'y ~ x1 + x2 * x3'",
        )
    try:
        desc = patsy.ModelDesc.from_formula(formula)
    except patsy.PatsyError as exc:
        raise InputError(
            f"model formula {formula!r} cannot be read: {exc.message}",
            "write it as R does, e.g. 'y ~ x1 + C(group) + x2:x3 + offset(log(z))'",
        ) from None
    if len(desc.lhs_termlist) != 1 or not desc.lhs_termlist[0].factors:
        raise InputError(
            f"model formula {formula!r} needs one outcome left of '~'",
            "put the outcome variable before '~'",
        )
    terms: list[patsy.Term] = []
    offsets: list[str] = []
    for term in desc.rhs_termlist:
        found = [m for f in term.factors if (m := _OFFSET.match(f.name())) is not None]
        if not found:
            terms.append(term)
        elif len(term.factors) == 1:
            offsets.append(found[0].group(1))
        else:
            raise InputError(
                f"model formula {formula!r}: an offset cannot be part of an interaction",
                "add offset(...) as a term of its own",
            )
    if offset is not None:
        offsets.append(offset)
    terms = sorted(terms, key=lambda t: len(t.factors))  # R: by degree, stable

    env = patsy.EvalEnvironment([_FUNCTIONS])
    known = set(_FUNCTIONS) | set(_BUILTINS)
    lhs_codes = [f.name() for f in desc.lhs_termlist[0].factors]
    rhs_codes = [f.name() for t in terms for f in t.factors]
    lhs_names: set[str] = set()
    rhs_names: set[str] = set()
    for codes, names in ((lhs_codes, lhs_names), ([*rhs_codes, *offsets], rhs_names)):
        for code in codes:
            for name in _names_in(code):
                if name in design.data.columns:
                    names.add(name)
                elif name not in known:
                    design.column(name)  # raises, with close names
    frame = pd.DataFrame(index=pd.RangeIndex(design.n))
    for name in sorted(lhs_names | rhs_names, key=list(design.data.columns).index):
        column = design.column(name).reset_index(drop=True)
        if name in rhs_names and _is_categorical(design, name):
            column = _as_factor(design, name)
        frame[name] = column
    complete = frame.notna().all(axis=1).to_numpy()
    if not complete.any():
        raise StatisticalError(
            f"{design.where()}no row has all of {', '.join(frame.columns)}",
            "check the missing values of the model variables",
        )
    sub = frame.loc[complete].reset_index(drop=True)
    for name in sub.columns:
        if isinstance(sub[name].dtype, pd.CategoricalDtype):
            sub[name] = sub[name].cat.remove_unused_categories()  # glm: drop.unused.levels
    return _Model(formula, list(desc.lhs_termlist), terms, tuple(offsets), sub, complete, env)


def _as_factor(design: SurveyDesign, name: str) -> pd.Series:
    """A categorical column as a pandas categorical of its labels, in code order."""
    column = design.column(name).reset_index(drop=True)
    if isinstance(column.dtype, pd.CategoricalDtype) or not pd.api.types.is_numeric_dtype(column):
        return column
    var = _variable(design, name, categorical=True)
    names: list[str] = []
    for code in var.levels:
        text = var.labels.get(code, _level_name(code))
        names.append(text if text not in names else f"{text} ({_level_name(code)})")
    index = var.index if var.index is not None else np.full(design.n, -1)
    return pd.Series(pd.Categorical.from_codes(index, categories=names), name=name)


def _column_names(info: patsy.DesignInfo, term: patsy.Term) -> list[str]:
    """R's names of a term's columns (``stypeH``, ``stypeH:meals``), in patsy's column order."""
    if not term.factors:
        return ["(Intercept)"]
    names: list[str] = []
    for subterm in info.term_codings[term]:
        per_factor: list[list[str]] = []
        for factor in subterm.factors:
            factor_info = info.factor_infos[factor]
            label = _label(factor.name())
            if factor_info.type == "numerical":
                k = factor_info.num_columns
                per_factor.append([label] if k == 1 else [f"{label}{i + 1}" for i in range(k)])
            else:
                suffixes = {}
                for level in factor_info.categories:
                    suffixes[f"[T.{level}]"] = suffixes[f"[{level}]"] = _level_name(level)
                contrast = subterm.contrast_matrices[factor]
                per_factor.append([label + suffixes.get(s, s) for s in contrast.column_suffixes])
        # patsy varies the first factor fastest, as R's model.matrix does
        for combination in itertools.product(*reversed(per_factor)):
            names.append(":".join(reversed(combination)))
    return names


@dataclass(frozen=True)
class _Matrix:
    x: np.ndarray
    names: list[str]
    assign: np.ndarray  # column -> index of its term in the model's terms
    info: patsy.DesignInfo
    order: np.ndarray  # R's column order as positions in patsy's matrix


def _design_matrix(
    model: _Model, terms: Sequence[patsy.Term], data: pd.DataFrame | None = None
) -> _Matrix:
    frame = model.frame if data is None else data
    try:
        matrix = patsy.dmatrix(
            patsy.ModelDesc([], list(terms)),
            frame,
            eval_env=model.env,
            NA_action=patsy.NAAction(NA_types=[]),
            return_type="matrix",
        )
    except patsy.PatsyError as exc:
        raise InputError(
            f"model formula {model.formula!r} cannot be evaluated: {exc.message}",
            "check the variable names and functions of the formula",
        ) from None
    info = matrix.design_info
    order: list[int] = []
    names: list[str] = []
    assign: list[int] = []
    for number, term in enumerate(terms):
        piece = info.term_slices[term]
        order.extend(range(piece.start, piece.stop))
        names.extend(_column_names(info, term))
        assign.extend([number] * (piece.stop - piece.start))
    index = np.asarray(order, dtype=np.int64)
    return _Matrix(
        np.asarray(matrix)[:, index], names, np.asarray(assign, dtype=np.int64), info, index
    )


def _rebuild(matrix: _Matrix, data: pd.DataFrame) -> np.ndarray:
    """The same design matrix (same levels and coding) on other data."""
    (built,) = patsy.build_design_matrices(
        [matrix.info], data, NA_action=patsy.NAAction(NA_types=[])
    )
    return np.asarray(built)[:, matrix.order]


def _outcome(model: _Model, family: _Family, where: str) -> np.ndarray:
    try:
        lhs = patsy.dmatrix(
            patsy.ModelDesc([], model.lhs),
            model.frame,
            eval_env=model.env,
            NA_action=patsy.NAAction(NA_types=[]),
            return_type="matrix",
        )
    except patsy.PatsyError as exc:
        raise InputError(
            f"the outcome of {model.formula!r} cannot be evaluated: {exc.message}",
            "check the outcome's name",
        ) from None
    info = lhs.design_info
    label = model.lhs[0].name()
    categorical = any(i.type == "categorical" for i in info.factor_infos.values())
    values = np.asarray(lhs, dtype=float)
    if categorical:
        if family.link != "logit":
            raise InputError(
                f"{where}outcome '{label}' is categorical; the {family.name} family needs numbers",
                "use a numeric outcome, or family binomial/quasibinomial for a yes/no outcome",
            )
        # R's binomial(): the first level is failure, every other level success
        y = 1.0 - values[:, 0]
    elif values.shape[1] != 1:
        raise InputError(
            f"{where}outcome '{label}' gives {values.shape[1]} columns", "use one outcome"
        )
    else:
        y = values[:, 0]
    if not np.all(np.isfinite(y)):
        raise InputError(
            f"{where}outcome '{label}' is not finite in {int((~np.isfinite(y)).sum())} row(s)",
            "check the outcome's values and its transformation",
        )
    if family.link == "logit" and (np.any(y < 0) or np.any(y > 1)):
        raise InputError(
            f"{where}outcome '{label}' has values outside 0..1 (e.g. {y[(y < 0) | (y > 1)][0]:g})",
            "a binomial model needs a 0/1 (or proportion) outcome, or a two-level variable",
        )
    if family.link == "log" and np.any(y < 0):
        raise InputError(
            f"{where}outcome '{label}' has negative values (e.g. {y[y < 0][0]:g})",
            "a Poisson model needs counts or other non-negative values",
        )
    if np.unique(y).size < 2:
        raise StatisticalError(
            f"{where}outcome '{label}' takes a single value in all {y.size} complete rows",
            "check filters and missing values",
        )
    return y


def _offset(model: _Model, where: str) -> np.ndarray:
    total = np.zeros(len(model.frame))
    for code in model.offsets:
        try:
            with np.errstate(all="ignore"):  # log(0) and the like: refused just below
                value = model.env.with_outer_namespace(_BUILTINS).eval(
                    code, inner_namespace=model.frame
                )
        except Exception as exc:  # the user's expression: any failure is theirs to fix
            raise InputError(
                f"{where}offset {code!r} cannot be evaluated: {exc}",
                "give a numeric column, or an expression such as log(exposure)",
            ) from None
        values = np.broadcast_to(np.asarray(value, dtype=float), total.shape)
        if not np.all(np.isfinite(values)):
            raise InputError(
                f"{where}offset {code!r} is not finite in "
                f"{int((~np.isfinite(values)).sum())} row(s)",
                "an offset log(z) needs z > 0; check its values",
            )
        total = total + values
    return total


# ------------------------------------------------------------------ results


@dataclass(frozen=True)
class _Fit:
    """What tests and margins need of a fit, beyond the tables."""

    design: SurveyDesign
    model: _Model
    matrix: _Matrix
    family: _Family
    y: np.ndarray
    offset: np.ndarray
    prior: np.ndarray
    irls: _Irls
    offset_argument: str | None


@dataclass(frozen=True)
class GLMResult:
    """A design-based generalised linear model (R ``svyglm`` with ``summary``).

    Attributes
    ----------
    formula
        The model formula as given.
    family, link
        The family (``gaussian``, ``binomial``, ``quasibinomial``, ``poisson``,
        ``quasipoisson``) and its link (``identity``, ``logit``, ``log``).
    coefficients
        One row per coefficient: ``term``, ``estimate``, ``se``, ``t``, ``df``, ``p_value``,
        ``ci_low``, ``ci_high``; for the logit link also ``odds_ratio``, ``or_ci_low``,
        ``or_ci_high``, for the log link ``rate_ratio``, ``rr_ci_low``, ``rr_ci_high``.
    vcov
        The design-based covariance matrix of the coefficients, rows and columns named by term.
    df
        Residual degrees of freedom: PSUs minus strata among the rows used, plus one, minus the
        number of coefficients; on a replicate design the rank of the replicate weights minus
        1 (of the whole design, as R), plus one, minus the number of coefficients.
    dispersion
        R's ``summary.svyglm`` dispersion (the design-weighted variance of the Pearson
        residuals; on a replicate design ``summary.svrepglm``'s, see :func:`glm`).
    deviance
        The deviance with the rescaled weights (weights over their mean), as R's.
    n
        Rows used.
    iterations
        IRLS iterations.
    level
        Confidence level of the intervals.
    """

    formula: str
    family: str
    link: str
    coefficients: pd.DataFrame
    vcov: pd.DataFrame
    df: int
    dispersion: float
    deviance: float
    n: int
    iterations: int
    level: float
    _fit: _Fit = field(repr=False, compare=False)

    @property
    def terms(self) -> list[str]:
        """The model's terms as R labels them (``x2``, ``stype``, ``x2:x3``), no intercept."""
        return [_term_label(t) for t in self._fit.model.terms if t.factors]


@dataclass(frozen=True)
class TermTest:
    """A test that a group of coefficients is zero (R ``regTermTest``).

    Attributes
    ----------
    terms
        The terms tested, as the model labels them.
    method
        ``Wald`` or ``LRT``.
    statistic
        Wald: the F statistic (chi-square over ``ndf``); LRT: the working likelihood-ratio
        statistic (R's "Working 2logLR").
    ndf, ddf
        Numerator degrees of freedom (coefficients tested) and denominator (the model's
        residual df).
    p_value
        The p-value.
    chisq
        The Wald chi-square (``statistic * ndf``) or the working 2logLR.
    lambdas
        LRT: the eigenvalues of :math:`V_0^{-1} V` (R's ``lambda``), empty for Wald.
    """

    terms: tuple[str, ...]
    method: str
    statistic: float
    ndf: int
    ddf: int
    p_value: float
    chisq: float
    lambdas: tuple[float, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """The test as the JSON of ``survey model`` shows it."""
        return {
            "terms": list(self.terms),
            "method": self.method,
            "statistic": self.statistic,
            "ndf": self.ndf,
            "ddf": self.ddf,
            "p_value": self.p_value,
        }


def _check_level(level: float) -> None:
    if not 0 < level < 1:
        raise InputError(f"confidence level {level} is not between 0 and 1", "use e.g. 0.95")


def _fit(design: SurveyDesign, model: _Model, family: _Family, offset: str | None) -> _Fit:
    where = design.where()
    y = _outcome(model, family, where)
    matrix = _design_matrix(model, model.terms)
    x = matrix.x
    bad = ~np.isfinite(x).all(axis=0)
    if bad.any():
        raise InputError(
            f"{where}model term '{matrix.names[int(np.flatnonzero(bad)[0])]}' is not finite in "
            "some complete rows",
            "check the transformation (log of 0 or a negative number?)",
        )
    if x.shape[1] == 0:
        raise InputError(f"model formula {model.formula!r} has no terms", "add a predictor or 1")
    if np.linalg.matrix_rank(x) < x.shape[1]:
        raise StatisticalError(
            f"{where}the terms of {model.formula!r} are collinear in the {x.shape[0]} complete "
            "rows (R would report aliased coefficients as NA)",
            "drop a term that is a combination of the others, or combine sparse levels",
        )
    offsets = _offset(model, where)
    all_weights = design.weights
    prior = all_weights[model.complete] / all_weights.mean()  # svyglm(rescale = TRUE)
    irls = _irls(x, y, prior, offsets, family)
    if not irls.converged:
        raise StatisticalError(
            f"{where}the {family.name} model {model.formula!r} did not converge in {_MAXIT} "
            "iterations",
            "look for predictors that (almost) separate the outcome, or simplify the model",
        )
    if family.link == "logit" and np.any((irls.mu < 10 * _EPS) | (irls.mu > 1 - 10 * _EPS)):
        raise StatisticalError(
            f"{where}fitted probabilities of {model.formula!r} are 0 or 1: the predictors "
            "separate the outcome (perfectly or almost)",
            "combine sparse categories or drop the predictor that separates the outcome",
        )
    if family.link == "log" and np.any(irls.mu < 10 * _EPS):
        raise StatisticalError(
            f"{where}fitted rates of {model.formula!r} are 0: a level or combination has no events",
            "combine sparse categories or drop the term",
        )
    return _Fit(design, model, matrix, family, y, offsets, prior, irls, offset)


def _sandwich(fit: _Fit) -> np.ndarray:
    """R's ``svy.varcoef``: the design covariance of the scores ``x w r A^{-1}``."""
    irls = fit.irls
    residual = (fit.y - irls.mu) / fit.family.mu_eta(irls.eta)  # working residuals
    scores = np.zeros((fit.design.n, fit.matrix.x.shape[1]))
    scores[fit.model.complete] = (
        fit.matrix.x * (residual * irls.working_weights)[:, None]
    ) @ irls.cov_unscaled
    return fit.design.vcov(scores, used=fit.model.complete)


def _replicate_coefficients(fit: _Fit) -> np.ndarray:
    """R's ``svyglm.svyrep.design``: the model refitted with every replicate's weights.

    Each replicate's analysis weights on the model's rows, divided by their sum, are the prior
    weights of ``glm.fit`` started at the full-sample coefficients; returns (replicates, p).
    Where R only warns (a replicate that does not converge, separates the outcome, or has
    aliased coefficients, which R's ``svrVar`` then drops), this stops with an error.
    """
    design = fit.design
    reps: Any = design.replicates
    where = design.where()
    # one replicate's weights at a time (R's weights(design, "analysis") column by column):
    # the rows x replicates matrix of a large design need not fit in memory
    rows = fit.model.complete
    group = reps.group[rows]
    base = np.ones(int(rows.sum())) if reps.combined else design.weights[rows]
    x = fit.matrix.x
    p = x.shape[1]
    beta0 = fit.irls.beta
    thetas = np.empty((reps.count, p))
    for r in range(reps.count):
        w = reps.factors[group, r] * base
        total = float(np.sum(w))
        label = f"{where}replicate {r + 1} of {reps.count}"
        if not total > 0:
            raise StatisticalError(
                f"{label} gives no weight to the {x.shape[0]} rows of the model "
                f"{fit.model.formula!r}",
                "check the replicate weights and the missing values of the model variables",
            )
        try:
            irls = _irls(x, fit.y, w / total, fit.offset, fit.family, start=beta0, unscaled=False)
        except StatisticalError as exc:
            raise StatisticalError(f"{label}: {exc.message}", exc.hint) from None
        if irls.rank < p:
            raise StatisticalError(
                f"{label}: the terms of {fit.model.formula!r} are collinear in the rows with "
                "replicate weight (R gives NA coefficients and drops the replicate from the "
                "variance with a warning)",
                "combine sparse levels so that every replicate keeps rows of each",
            )
        if not irls.converged:
            raise StatisticalError(
                f"{label}: the {fit.family.name} model {fit.model.formula!r} did not converge "
                f"in {_MAXIT} iterations",
                "look for predictors that (almost) separate the outcome, or simplify the model",
            )
        mu = irls.mu[w > 0]
        if fit.family.link == "logit" and np.any((mu < 10 * _EPS) | (mu > 1 - 10 * _EPS)):
            raise StatisticalError(
                f"{label}: fitted probabilities of {fit.model.formula!r} are 0 or 1 (the "
                "predictors separate the outcome in this replicate)",
                "combine sparse categories or drop the predictor that separates the outcome",
            )
        if fit.family.link == "log" and np.any(mu < 10 * _EPS):
            raise StatisticalError(
                f"{label}: fitted rates of {fit.model.formula!r} are 0",
                "combine sparse categories or drop the term",
            )
        thetas[r] = irls.beta
    return thetas


def _replicate_vcov(fit: _Fit) -> np.ndarray:
    """R's ``svrVar`` of the replicate coefficients (scale, rscales, mse as the design says)."""
    reps: Any = fit.design.replicates
    thetas = _replicate_coefficients(fit)
    return np.asarray(reps.variance(thetas, fit.irls.beta, diagonal=False))


def _dispersion(fit: _Fit) -> float:
    """R's ``summary.svyglm``: ``svyvar`` of the Pearson residuals on the rows used.

    R's ``residuals.svyglm(type = "pearson")`` divides the prior weights by the design's
    weights rescaled on the design left after dropping incomplete rows (all rows, with weight
    0 for the dropped ones, when it is calibrated), so the residuals are
    :math:`(y - \\mu) \\sqrt{c / V(\\mu)}` with a constant c, 1 when no row is dropped.

    On a replicate design R's ``summary.svrepglm`` takes instead the weighted mean of the
    squared residuals, :math:`\\sum_i d_i e_i^2 / \\sum_i d_i` (not centred, no
    :math:`n/(n-1)`), and its ``residuals.svrepglm`` divides by the weights over their sum,
    so c is the sum of the kept weights over the mean of all: about n times the dispersion
    of the Taylor design.
    """
    irls = fit.irls
    all_weights = fit.design.weights
    w = all_weights[fit.model.complete]
    if fit.design.replicates is not None:
        ratio = w.sum() / all_weights.mean()
        squares = (fit.y - irls.mu) ** 2 * ratio / fit.family.variance(irls.mu)
        return float(np.sum(w * squares) / np.sum(w))
    kept_mean = w.sum() / (all_weights.size if fit.design.calibration else w.size)
    ratio = kept_mean / all_weights.mean()
    pearson = (fit.y - irls.mu) * np.sqrt(ratio / fit.family.variance(irls.mu))
    n = int(np.count_nonzero(w))
    if n < 2:
        return float("nan")
    centred = pearson - np.sum(w * pearson) / np.sum(w)
    return float(np.sum(w * centred**2) / np.sum(w) * n / (n - 1))


def glm(
    design: SurveyDesign,
    formula: str,
    family: str = "gaussian",
    *,
    offset: str | None = None,
    level: float = 0.95,
) -> GLMResult:
    """Fit a design-based generalised linear model, as R's ``svyglm``.

    Parameters
    ----------
    design
        The survey design.
    formula
        An R-style formula, ``outcome ~ terms``, read by patsy: ``x1 + x2``, interactions
        ``x2 * x3`` (main effects and interaction) and ``x2:x3``, factors ``C(x)`` (or
        ``factor(x)``), numeric transforms ``log(x)``, ``I(x**2)``, and ``offset(log(z))``.
        Text, pandas categorical and labelled columns (value labels covering the values, see
        :mod:`survey.codebook.measure`) are factors automatically; levels are the labels in
        code order (text: sorted), the first level is the reference (R's treatment contrasts).
    family
        ``gaussian`` (identity link), ``binomial`` or ``quasibinomial`` (logit), ``poisson``
        or ``quasipoisson`` (log). A binomial outcome is 0/1 (or a proportion), or a
        categorical whose first level is failure and every other level success, as in R.
    offset
        A column (or expression, e.g. ``"log(exposure)"``) added to the linear predictor with
        coefficient 1, as R's ``offset =`` argument; adds to any ``offset()`` of the formula.
    level
        Confidence level of the intervals.

    Returns
    -------
    GLMResult
        Coefficient table, covariance matrix, residual df, dispersion, deviance and n.

    Raises
    ------
    InputError
        A variable is not in the data (close names are suggested), the formula cannot be read,
        the family is unknown, the outcome does not fit the family, or a term or offset is
        not finite.
    StatisticalError
        No complete row, a one-valued outcome, collinear terms, no convergence, fitted
        probabilities 0 or 1 (separation) or fitted rates 0; on a replicate design also any
        of these in a replicate's refit (the message names the replicate), or a replicate
        with no weight on the model's rows.

    Notes
    -----
    Rows with a missing value in any model variable are left out (R's ``na.omit``); the
    design keeps their PSUs, as R's subset of a design does (their scores are zero). The
    weights are rescaled to mean 1 over the whole design (``svyglm(rescale = TRUE)``), which
    changes the deviance but no estimate. With prior weights :math:`w_i`, the coefficients
    solve :math:`\\sum_i w_i x_i (y_i - \\mu_i) / (V(\\mu_i) g'(\\mu_i)) = 0` by R's IRLS
    (start ``family$initialize``, convergence when the relative change of deviance is below
    1e-8, step halving on invalid fits). With :math:`A^{-1} = (X^\\top W X)^{-1}` from the
    last iteration, the covariance is the sandwich

    .. math::

        \\widehat{V}(\\hat\\beta) = \\mathrm{vcov}_{\\text{design}}
        \\big(x_i^\\top W_i r_i A^{-1}\\big),

    :math:`r_i` the working residuals (R's ``svy.varcoef``). The residual degrees of freedom
    are R's ``degf(design) + 1 - p`` on the rows used; t-tests and the intervals
    :math:`\\hat\\beta \\pm t_{df, 1 - \\alpha/2}\\, se` (R's ``confint.svyglm``) use them,
    as do the odds or rate ratios :math:`\\exp(\\cdot)` of the logit and log links. The
    dispersion is that of ``summary.svyglm`` (survey 4.1): the ``svyvar`` of the Pearson
    residuals, :math:`\\frac{n}{n-1}\\sum_i d_i (e_i - \\bar e)^2 / \\sum_i d_i` with the
    design weights :math:`d_i`; it is reported only, the standard errors do not use it.

    On a replicate-weight design (R's ``svyglm.svyrep.design``) the full-sample fit is the
    same; then the model is refitted once per replicate r by IRLS with prior weights
    :math:`w_{ri} / \\sum_i w_{ri}` (the replicate's analysis weights on the rows used),
    started at :math:`\\hat\\beta`, and the covariance is R's ``svrVar`` of the replicate
    coefficients,

    .. math::

        \\widehat{V}(\\hat\\beta) = s \\sum_r c_r (\\hat\\beta_r - \\bar\\beta)
        (\\hat\\beta_r - \\bar\\beta)^\\top,

    with the design's scale s and rscales :math:`c_r`, centred at the mean of the replicates
    or, when the design says ``mse``, at :math:`\\hat\\beta`. The residual degrees of
    freedom are R's ``degf(design) + 1 - p`` with ``degf`` the rank of the replicate weights
    minus 1 of the whole design: R takes it before it drops the incomplete rows, so missing
    values do not lower it (they do lower the df of :func:`predicted_margins`, which R takes
    on the design left). The dispersion is ``summary.svrepglm``'s,
    :math:`c \\sum_i d_i e_i^2 / \\sum_i d_i` with c the sum of the weights of the rows
    used over the mean weight of all rows (R's ``residuals.svrepglm``): about n times that of
    the Taylor design, reported as R reports it.

    References
    ----------
    Binder (1983); Lumley (2010), ch. 5-6; R survey's ``svyglm``, ``svy.varcoef``,
    ``summary.svyglm``, ``svyglm.svyrep.design``, ``summary.svrepglm`` and ``svrVar``.

    Examples
    --------
    >>> rng = np.random.default_rng(3)
    >>> frame = pd.DataFrame({"psu": np.repeat(np.arange(30), 8), "x": rng.normal(size=240),
    ...                       "g": rng.choice(["a", "b", "c"], 240), "w": rng.uniform(1, 3, 240)})
    >>> frame["y"] = rng.poisson(np.exp(0.5 + 0.3 * frame["x"]))
    >>> fit = glm(SurveyDesign(frame, weight="w", cluster=("psu",)), "y ~ x * g", "poisson")
    >>> fit.coefficients["term"].tolist()
    ['(Intercept)', 'x', 'gb', 'gc', 'x:gb', 'x:gc']
    >>> fit.df
    24
    >>> design = SurveyDesign(frame, weight="w", cluster=("psu",)).with_replicates("JK1")
    >>> replicate_fit = glm(design, "y ~ x", "quasipoisson")
    >>> design.replicates.count, design.df, replicate_fit.df  # 30 PSUs; df 29 + 1 - 2
    (30, 29, 28)
    """
    fam = _family(family)
    _check_level(level)
    model = _parse(design, formula, offset)
    fit = _fit(design, model, fam, offset)
    if design.replicates is None:
        vcov = _sandwich(fit)
        design_df = int(design.df_for(model.complete))
    else:  # R's df.residual takes degf of the design before the incomplete rows are dropped
        vcov = _replicate_vcov(fit)
        design_df = int(design.df)
    p = vcov.shape[0]
    beta = fit.irls.beta
    se = np.sqrt(np.diag(vcov))
    df = design_df + 1 - p
    t = beta / se
    if df > 0:
        p_value = 2 * stats.t.sf(np.abs(t), df)
        quantile = stats.t.ppf(0.5 + level / 2, df)
    else:
        p_value = np.full(p, np.nan)
        quantile = np.nan
    names = fit.matrix.names
    table = pd.DataFrame(
        {
            "term": names,
            "estimate": beta,
            "se": se,
            "t": t,
            "df": df,
            "p_value": p_value,
            "ci_low": beta - quantile * se,
            "ci_high": beta + quantile * se,
        }
    )
    if fam.ratio is not None:
        ratio, low, high = _RATIO_COLUMNS[fam.ratio]
        table[ratio] = np.exp(beta)
        table[low] = np.exp(table["ci_low"])
        table[high] = np.exp(table["ci_high"])
    return GLMResult(
        formula=formula,
        family=fam.name,
        link=fam.link,
        coefficients=table,
        vcov=pd.DataFrame(vcov, index=names, columns=names),
        df=df,
        dispersion=_dispersion(fit),
        deviance=fit.irls.deviance,
        n=int(model.complete.sum()),
        iterations=fit.irls.iterations,
        level=level,
        _fit=fit,
    )


# ------------------------------------------------------------------ term tests


def _pfsum_upper(x: float, lam: np.ndarray, ddf: int) -> float:
    """R survey's ``pFsum(x, 1, lambda, ddf, method = "saddlepoint", lower.tail = FALSE)``.

    The upper tail of :math:`\\sum_i \\lambda_i \\chi^2_1 / (\\chi^2_{ddf} / ddf)`: the
    saddlepoint approximation of :math:`P(\\sum_i \\lambda_i \\chi^2_1 - (x/ddf)\\chi^2_{ddf}
    > 0)`, or Satterthwaite's F approximation where the saddlepoint is undefined.
    """
    trace = float(np.mean(lam))
    trace2 = float(np.mean(lam**2)) / trace**2
    scale = trace * trace2
    ndf = len(lam) / trace2
    satterthwaite = float(stats.f.sf(x / ndf / scale, ndf, ddf))
    combined = np.concatenate([lam, np.full(ddf, -x / ddf)])
    saddle = saddle_upper(combined, 0.0)
    return satterthwaite if np.isnan(saddle) else saddle


def _tested(result: GLMResult, terms: str | Sequence[str]) -> list[int]:
    """Positions (in the model's terms) of the terms to test, matched as regTermTest does."""
    texts = [terms] if isinstance(terms, str) else list(terms)
    wanted: list[str] = []
    for text in texts:
        try:
            desc = patsy.ModelDesc.from_formula(text.split("~")[-1])
        except patsy.PatsyError as exc:
            raise InputError(
                f"terms to test {text!r} cannot be read: {exc.message}",
                "name model terms joined by '+', e.g. 'x2 + x3' or 'x2:x3'",
            ) from None
        wanted.extend(_term_label(t) for t in desc.rhs_termlist if t.factors)
    if not wanted:
        raise InputError(f"no terms to test in {terms!r}", "name terms of the model, e.g. 'x2'")
    labels = [_canonical(_term_label(t)) for t in result._fit.model.terms]
    positions = []
    for label in wanted:
        if _canonical(label) not in labels:
            close = difflib.get_close_matches(label, result.terms, n=3)
            raise InputError(
                f"term '{label}' is not in the model {result.formula!r} "
                f"(terms: {', '.join(result.terms)})",
                f"did you mean {', '.join(close)}?" if close else "test terms of the model",
            )
        positions.append(labels.index(_canonical(label)))
    return sorted(set(positions))


def term_test(result: GLMResult, terms: str | Sequence[str], method: str = "Wald") -> TermTest:
    """Test that all coefficients of some terms are zero, as R's ``regTermTest``.

    Parameters
    ----------
    result
        A fitted model.
    terms
        The terms, as in a formula (``"x2 + x3"``, ``"x2:x3"``, ``"C(stype)"`` or ``"stype"``)
        or a list of term labels; a factor term tests all its coefficients.
    method
        ``"Wald"`` (default) or ``"LRT"`` (the Rao-Scott working likelihood ratio).

    Returns
    -------
    TermTest
        Statistic, numerator and denominator df, p-value.

    Raises
    ------
    InputError
        A term is not in the model, or the method is unknown.
    StatisticalError
        No residual degrees of freedom, or the reduced model (LRT) does not converge.

    Notes
    -----
    With :math:`\\hat\\beta_T` the k tested coefficients and :math:`V_T` their design-based
    covariance, the Wald test is :math:`F = \\hat\\beta_T^\\top V_T^{-1} \\hat\\beta_T / k`
    on (k, df) degrees of freedom, df the model's residual df. The LRT refits the model
    without the terms (R: ``update(model, . ~ . - terms)``, so the remaining terms are coded
    again as R codes them) and takes the working likelihood ratio :math:`X^2 = D_0 - D`
    (deviances with the rescaled weights). Under the null it is distributed as
    :math:`\\sum_j \\lambda_j \\chi^2_1`, :math:`\\lambda_j` the eigenvalues of
    :math:`V_{0,T}^{-1} V_T` (:math:`V_0` the model-based, unscaled covariance); with df
    finite R's ``pFsum`` refers :math:`X^2` to :math:`\\sum_j \\lambda_j \\chi^2_1 /
    (\\chi^2_{df}/df)` by the saddlepoint approximation (Kuonen 1999), falling back on
    Satterthwaite's F where it is undefined; this module carries its own implementation
    of both. The reduced model is fitted on the rows of the full model, so that the two
    deviances are comparable; R refits it on every row complete for its own variables,
    which differs only when a tested variable has missing values. On a replicate-weight
    design :math:`V_T` is the replicate covariance of :func:`glm`, and both tests are R's
    ``regTermTest`` on a ``svyrep.design`` fit (its LRT needs only the deviance of the
    reduced model, so the reduced model is not refitted in the replicates).

    References
    ----------
    Lumley and Scott (2014); Rao, J. N. K. and Scott, A. J. (1984), *Annals of Statistics*
    12, 46-60; Kuonen, D. (1999), *Biometrika* 86, 929-935; R survey's ``regTermTest`` and
    ``pFsum``.

    Examples
    --------
    >>> rng = np.random.default_rng(4)
    >>> frame = pd.DataFrame({"s": np.repeat([1, 2], 100), "x": rng.normal(size=200),
    ...                       "g": rng.choice(["a", "b"], 200)})
    >>> frame["y"] = 1 + 0.5 * frame["x"] + rng.normal(size=200)
    >>> fit = glm(SurveyDesign(frame, strata="s"), "y ~ x + g")
    >>> test = term_test(fit, "x")
    >>> (test.ndf, test.ddf, test.p_value < 0.001)
    (1, 196, True)
    """
    if method not in ("Wald", "LRT"):
        raise InputError(f"unknown term-test method {method!r}", "use Wald or LRT")
    fit = result._fit
    positions = _tested(result, terms)
    index = np.flatnonzero(np.isin(fit.matrix.assign, positions))
    labels = tuple(_term_label(fit.model.terms[i]) for i in positions)
    df = result.df
    if df <= 0:
        raise StatisticalError(
            f"the model {result.formula!r} has {df} residual degrees of freedom",
            "a test needs more PSUs than strata plus coefficients; simplify the model",
        )
    beta = fit.irls.beta[index]
    v = result.vcov.to_numpy()[np.ix_(index, index)]
    k = int(index.size)
    if method == "Wald":
        chisq = float(beta @ np.linalg.solve(v, beta))
        statistic = chisq / k
        return TermTest(
            labels, "Wald", statistic, k, df, float(stats.f.sf(statistic, k, df)), chisq
        )
    reduced_terms = [t for i, t in enumerate(fit.model.terms) if i not in positions]
    reduced = _design_matrix(fit.model, reduced_terms)
    if reduced.x.shape[1]:
        irls0 = _irls(reduced.x, fit.y, fit.prior, fit.offset, fit.family)
        if not irls0.converged:
            raise StatisticalError(
                f"the model {result.formula!r} without {' + '.join(labels)} did not converge",
                "use method Wald",
            )
        deviance0 = irls0.deviance
    else:  # nothing left but the offset: the null deviance of mu = linkinv(offset)
        mu0 = fit.family.linkinv(fit.offset)
        deviance0 = float(np.sum(fit.family.dev_resids(fit.y, mu0, fit.prior)))
    chisq = deviance0 - fit.irls.deviance
    v0 = fit.irls.cov_unscaled[np.ix_(index, index)]
    lambdas = np.sort(np.real(np.linalg.eigvals(np.linalg.solve(v0, v))))[::-1]
    p_value = _pfsum_upper(chisq, lambdas, df)
    return TermTest(labels, "LRT", chisq, k, df, p_value, chisq, tuple(float(x) for x in lambdas))


# ------------------------------------------------------------------ predicted margins


def predicted_margins(result: GLMResult, by: str, level: float | None = None) -> pd.DataFrame:
    """Predicted mean response per level of a group variable, as R's ``svypredmeans``.

    Parameters
    ----------
    result
        The adjustment model (without the group variable, as R expects).
    by
        The group variable: it is added to the model (as a factor when it is categorical,
        else linearly, as R's ``update(model, . ~ . + group)`` does); when it is already a
        main-effect term the model is used as it is.
    level
        Confidence level of the intervals; default the model's.

    Returns
    -------
    pandas.DataFrame
        One row per level (in level order): ``variable``, ``level``, ``estimate``, ``se``,
        ``ci_low``, ``ci_high``, ``df`` and ``n`` (rows of that level).

    Raises
    ------
    InputError
        The group variable is not in the data, or the model has an offset (R's
        ``svypredmeans`` and ``predict.svyglm`` leave the offset out of the prediction).
    StatisticalError
        The refitted model fails (see :func:`glm`).

    Notes
    -----
    With the model refitted with the group term, for every level g every row's response is
    predicted as if it were in g, :math:`\\hat\\mu_i(g)`; the predictive margin is their
    design-weighted mean :math:`\\bar\\mu(g) = \\sum_i d_i \\hat\\mu_i(g) / \\sum_i d_i`. Its
    variance is R's: the design variance of that mean with the coefficients fixed, plus
    :math:`\\nabla_g^\\top \\widehat V(\\hat\\beta) \\nabla_g`,
    :math:`\\nabla_g = \\sum_i d_i \\, g'^{-1}(\\eta_i(g))\\, x_i(g) / \\sum_i d_i`. The rows
    are those of the refitted model; R gives NA when the group variable is missing in a
    row of the adjustment model, this function leaves such rows out. Intervals use t with
    the design degrees of freedom of those rows (R's ``confint`` on the result defaults to
    the normal). On a replicate-weight design the variance with the coefficients fixed is
    the replicate variance of the mean (R's ``svymean`` on the replicate design: the mean
    recomputed with every replicate's weights), :math:`\\widehat V(\\hat\\beta)` the
    replicate covariance of :func:`glm`, and the df the rank of those rows' replicate
    weights minus 1.

    References
    ----------
    Graubard and Korn (1999); R survey's ``svypredmeans``.

    Examples
    --------
    >>> rng = np.random.default_rng(5)
    >>> frame = pd.DataFrame({"s": np.repeat([1, 2], 100), "x": rng.normal(size=200),
    ...                       "g": rng.choice(["a", "b"], 200)})
    >>> frame["y"] = (rng.uniform(size=200) < 0.4 + 0.2 * (frame["g"] == "b")).astype(int)
    >>> fit = glm(SurveyDesign(frame, strata="s"), "y ~ x", "quasibinomial")
    >>> predicted_margins(fit, "g")["level"].tolist()
    ['a', 'b']
    """
    fit = result._fit
    level = result.level if level is None else level
    _check_level(level)
    design = fit.design
    design.column(by)
    if fit.model.offsets:
        raise InputError(
            f"predicted margins of {result.formula!r}: the model has an offset, which R's "
            "svypredmeans leaves out of its predictions",
            "fit the model without the offset, or predict the rates yourself",
        )
    main_effects = [_canonical(_term_label(t)) for t in fit.model.terms if len(t.factors) == 1]
    quoted = by if by.isidentifier() else f"Q({by!r})"
    formula = result.formula if by in main_effects else f"{result.formula} + {quoted}"
    model = (
        glm(design, formula, fit.family.name, level=level) if formula != result.formula else result
    )
    refit = model._fit
    frame = refit.model.frame
    column = frame[by]
    if isinstance(column.dtype, pd.CategoricalDtype):
        levels: list[Any] = list(column.cat.categories)
    else:
        levels = sorted(column.unique().tolist())
    rows = refit.model.complete
    w = design.weights[rows]
    total = float(np.sum(w))
    beta = refit.irls.beta
    vcov = model.vcov.to_numpy()
    fits = np.empty((int(rows.sum()), len(levels)))
    gradient = np.empty((beta.size, len(levels)))
    for j, value in enumerate(levels):
        new = frame.copy()
        if isinstance(column.dtype, pd.CategoricalDtype):
            new[by] = pd.Categorical([value] * len(new), categories=column.cat.categories)
        else:
            new[by] = value
        x = _rebuild(refit.matrix, new)
        eta = x @ beta
        fits[:, j] = refit.family.linkinv(eta)
        gradient[:, j] = (w * refit.family.mu_eta(eta)) @ x / total
    means = w @ fits / total
    if design.replicates is None:
        scores = np.zeros((design.n, len(levels)))
        scores[rows] = (fits - means) * w[:, None] / total
        conditional = np.diag(design.vcov(scores, used=rows))
    else:  # svymean on the replicate design: the replicate means of the predictions
        columns = np.zeros((design.n, len(levels) + 1))
        columns[rows, :-1] = fits
        columns[rows, -1] = 1.0
        conditional = design.replicate_vcov(columns, lambda t: t[:, :-1] / t[:, -1:])
    variance = conditional + np.einsum("ij,ik,kj->j", gradient, vcov, gradient)
    se = np.sqrt(variance)
    df = int(design.df_for(rows))
    quantile = stats.t.ppf(0.5 + level / 2, df) if df > 0 else np.nan
    counts = [int(np.sum(column.to_numpy() == value)) for value in levels]
    return pd.DataFrame(
        {
            "variable": by,
            "level": [_level_name(v) for v in levels],
            "estimate": means,
            "se": se,
            "ci_low": means - quantile * se,
            "ci_high": means + quantile * se,
            "df": df,
            "n": counts,
        },
        columns=MARGIN_COLUMNS,
    )


# ------------------------------------------------------------------ output


def glm_payload(
    data: str,
    result: GLMResult,
    tests: Sequence[TermTest] = (),
    margins: pd.DataFrame | None = None,
) -> dict[str, Any]:
    """The JSON object of ``survey model --format json``.

    Parameters
    ----------
    data
        The data file as the user named it.
    result
        The fitted model.
    tests
        Term tests of the model.
    margins
        Predicted margins, if asked for.

    Returns
    -------
    dict
        ``{"data", "design", "formula", "family", "link", "n", "df", "dispersion",
        "deviance", "coefficients", "tests", "margins"}`` (the design's ``replicates`` is
        its replicate type, count, scale and mse, or None); each coefficient has ``term``,
        ``estimate``, ``se``, ``statistic`` (t), ``df``, ``p_value``, ``ci_low``, ``ci_high``
        (and the odds or rate ratio with its interval). JSON-serialisable without NaN.
    """
    coefficients = []
    for row in result.coefficients.to_dict("records"):
        record = {k: json_value(v) for k, v in row.items()}
        statistic = record.pop("t")
        ordered = {k: record.pop(k) for k in ("term", "estimate", "se")}
        coefficients.append({**ordered, "statistic": statistic, **record})
    return {
        "data": data,
        "design": design_payload(result._fit.design),
        "formula": result.formula,
        "family": result.family,
        "link": result.link,
        "n": result.n,
        "df": result.df,
        "dispersion": json_value(result.dispersion),
        "deviance": json_value(result.deviance),
        "coefficients": coefficients,
        "tests": [{k: json_value(v) for k, v in t.as_dict().items()} for t in tests],
        "margins": []
        if margins is None
        else [{k: json_value(v) for k, v in row.items()} for row in margins.to_dict("records")],
    }


def _p_equals(value: Any) -> str:
    """A p-value after "p": ``< 0.001`` or ``= 0.227``."""
    text = format_pvalue(value, "en")
    return text if text.startswith("<") else f"= {text}"


def _grid(header: list[str], rows: list[list[str]]) -> list[str]:
    """Lines of a text table: the first column flush left, the others flush right."""
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        return "  ".join(
            c.ljust(w) if i == 0 else c.rjust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        )

    return [line(r) for r in [header, *rows]]


def glm_text(
    result: GLMResult, tests: Sequence[TermTest] = (), margins: pd.DataFrame | None = None
) -> str:
    """The model as a plain-text table for a terminal (``survey model --format table``).

    Parameters
    ----------
    result
        The fitted model.
    tests
        Term tests of the model.
    margins
        Predicted margins, if asked for.

    Returns
    -------
    str
        A heading (with the replicate weights, on a replicate design), the coefficient table
        (with odds or rate ratios for the logit and log links), the tests and the margins.
    """
    design = result._fit.design
    pct = f"{round(result.level * 100):g}% CI"
    lines = [
        f"{design.source or 'data'}: {result.family} ({result.link} link) {result.formula}",
        f"n = {result.n}, residual df = {result.df}, dispersion = "
        f"{format_number(result.dispersion, 'en', 4)}",
    ]
    if design.replicates is not None:
        lines.append(
            f"variance: {design.replicates.count} {design.replicates.type.value} replicate "
            f"weights, design df = {design.df}"
        )
    lines.append("")
    ratio = _RATIO_COLUMNS.get(result._fit.family.ratio or "")
    header = ["term", "estimate", "se", "t", "p", pct]
    if ratio:
        header += [ratio[0].replace("_", " "), pct]
    rows = []
    for record in result.coefficients.to_dict("records"):
        row = [
            str(record["term"]),
            format_number(record["estimate"], "en", 4),
            format_number(record["se"], "en", 4),
            format_number(record["t"], "en", 2),
            format_pvalue(record["p_value"], "en"),
            f"{format_number(record['ci_low'], 'en', 4)} to "
            f"{format_number(record['ci_high'], 'en', 4)}",
        ]
        if ratio:
            row += [
                format_number(record[ratio[0]], "en", 3),
                f"{format_number(record[ratio[1]], 'en', 3)} to "
                f"{format_number(record[ratio[2]], 'en', 3)}",
            ]
        rows.append(row)
    lines += _grid(header, rows)
    for test in tests:
        name = "F" if test.method == "Wald" else "working 2logLR"
        lines.append(
            f"test {' + '.join(test.terms)} ({test.method}): {name} = "
            f"{format_number(test.statistic, 'en', 3)}, df = {test.ndf} and {test.ddf}, "
            f"p {_p_equals(test.p_value)}"
        )
    if margins is not None and len(margins):
        lines += ["", f"predicted margins by {margins['variable'].iloc[0]}"]
        margin_rows = [
            [
                str(r["level"]),
                format_number(r["estimate"], "en", 4),
                format_number(r["se"], "en", 4),
                f"{format_number(r['ci_low'], 'en', 4)} to {format_number(r['ci_high'], 'en', 4)}",
                str(r["n"]),
            ]
            for r in margins.to_dict("records")
        ]
        lines += _grid(["level", "estimate", "se", pct, "n"], margin_rows)
    return "\n".join(lines)
