"""The engine of calibration to population totals, as R's ``calibrate`` computes it.

Calibration finds weights :math:`w^*_i = w_i g_i` that reproduce known population totals of
auxiliary variables, :math:`\\sum_i w^*_i x_i = t_x`, with :math:`g_i = F(x_i'\\lambda)` for a
calibration function :math:`F` (Deville & Saerndal 1992). This module holds what the method
:func:`survey.weighting.methods.calibrate` is made of:

- :class:`Total`: the population total of one numeric variable (or, as ``(Intercept)``, the
  population size);
- :func:`read_totals`: a totals file, ``variable,level,target`` with an empty level for a numeric
  total;
- :func:`model_matrix`: the model matrix R's ``model.matrix`` makes for the totals (intercept,
  treatment-coded categorical margins, numeric variables) and the population vector named like
  its columns;
- :data:`CALFUNS`: the calibration functions ``linear``, ``raking`` and ``logit`` (R's
  ``cal.linear``, ``cal.raking``, ``cal.logit``), each with bounds on :math:`g`;
- :func:`solve_linear` (R's ``regcalibrate``, the direct GREG solution) and :func:`grake`
  (R's Newton iteration for every other case).

This module does not read sample files, keeps no state and does not estimate anything; it never
changes its inputs.

References
----------
Deville, J.-C. & Saerndal, C.-E. (1992). Calibration estimators in survey sampling. *JASA* 87.
Lumley, T. (2010). *Complex Surveys*, ch. 7; R survey's ``calibrate``, ``grake``, ``cal.*``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import msgspec
import numpy as np
import pandas as pd

from survey.errors import InputError, StatisticalError
from survey.io import FileMeta
from survey.weighting.margins import VARIABLE_SEPARATOR, Margin, margin_index

__all__ = [
    "CALFUNS",
    "INTERCEPT",
    "CalibrationFunction",
    "ModelMatrix",
    "NewtonResult",
    "Total",
    "grake",
    "model_matrix",
    "read_totals",
    "solve_linear",
]

#: The name of the population size among the totals, as R names the intercept column.
INTERCEPT = "(Intercept)"

#: R's ``MASS::ginv`` tolerance in ``grake``: singular values below this share of the largest are 0.
_GINV_TOL = 256 * np.finfo(float).eps

#: R's ``grake`` rescales the weights when every total is this many times its sample estimate.
_RESCALE_THRESHOLD = 20.0


@dataclass(frozen=True)
class Total:
    """The population total of one numeric variable, or the population size.

    Attributes
    ----------
    variable
        A numeric column of the sample, or :data:`INTERCEPT` for the population size ``N``.
    total
        Its population total.
    source
        Where the total was read from, for messages.

    Examples
    --------
    >>> Total("api99", 3914069.0)
    Total(variable='api99', total=3914069.0, source=None)
    """

    variable: str
    total: float
    source: str | None = None


class _TotalRow(msgspec.Struct, forbid_unknown_fields=True):
    """One line of a totals file."""

    variable: str
    level: str
    target: float


def read_totals(path: str | Path) -> list[Margin | Total]:
    """Read calibration totals from a CSV file with columns ``variable,level,target``.

    Parameters
    ----------
    path
        The CSV file (lines starting with ``#`` are comments).

    Returns
    -------
    list of Margin or Total
        In file order: one :class:`Margin` per categorical variable (rows with a level, as in a
        margins file) and one :class:`Total` per numeric variable (a row with an empty level).

    Raises
    ------
    InputError
        The file is missing or malformed; a count is not positive; a total is not finite; a level
        or a numeric total repeats; a variable has both level rows and a total row.

    Notes
    -----
    A categorical variable lists the population count of every level; a numeric variable has
    one row with an empty ``level`` and its population total. The population size is either
    implied by the categorical counts or given as the row ``(Intercept),,N`` (needed when every
    auxiliary is numeric). Two-way margins are written as in a margins file (``a+b``, ``x|y``).

    Examples
    --------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "totals.csv"
    >>> _ = path.write_text(
    ...     "variable,level,target\\nstype,E,4421\\nstype,H,755\\nstype,M,1018\\n"
    ...     "api99,,3914069\\n"
    ... )
    >>> [type(t).__name__ for t in read_totals(path)]
    ['Margin', 'Total']
    """
    from survey.io.tables import read_table, table_rows

    source = Path(path)
    hint = (
        "totals files have the columns variable,level,target: one row per level of a "
        "categorical variable, one row with an empty level for a numeric variable's total"
    )
    rows = table_rows(read_table(source, "totals file", hint), _TotalRow, source, hint)
    order: list[str] = []
    levels: dict[str, dict[str, float]] = {}
    numeric: dict[str, float] = {}
    for row in rows:
        variable = row.variable.strip()
        if not variable:
            raise InputError(f"{source}: a row has no variable (target {row.target:g})", hint)
        if variable not in order:
            order.append(variable)
        if not np.isfinite(row.target):
            raise InputError(
                f"{source}: '{variable}' has target {row.target}; totals must be finite numbers",
                "correct the target",
            )
        if row.level == "":
            if variable in numeric:
                raise InputError(
                    f"{source}: '{variable}' has more than one total row", "give one total"
                )
            numeric[variable] = row.target
            continue
        if not row.target > 0:
            raise InputError(
                f"{source}: '{variable}' level '{row.level}' has target {row.target:g}; level "
                "targets must be positive population counts",
                "correct the target, or collapse the level with a neighbour",
            )
        found = levels.setdefault(variable, {})
        if row.level in found:
            raise InputError(
                f"{source}: '{variable}' lists level '{row.level}' more than once",
                "give each level one target",
            )
        found[row.level] = row.target
    out: list[Margin | Total] = []
    for variable in order:
        if variable in numeric and variable in levels:
            raise InputError(
                f"{source}: '{variable}' has both level rows and a total row (empty level)",
                "a categorical variable takes level rows, a numeric one a single total row",
            )
        if variable in numeric:
            if variable == INTERCEPT and not numeric[variable] > 0:
                raise InputError(
                    f"{source}: the population size ({INTERCEPT}) is {numeric[variable]:g}",
                    "give the number of population units",
                )
            out.append(Total(variable, numeric[variable], str(source)))
        else:
            names = tuple(v.strip() for v in variable.split(VARIABLE_SEPARATOR))
            out.append(Margin(names, levels[variable], str(source)))
    return out


@dataclass(frozen=True)
class ModelMatrix:
    """The calibration model matrix and the population totals of its columns.

    Attributes
    ----------
    matrix
        Rows x columns: intercept, treatment-coded margins, numeric variables.
    population
        The population total of each column (R's ``population`` vector).
    names
        Column names as R's ``model.matrix`` gives them (``(Intercept)``, ``stypeH``, ``api99``).
    margins
        The categorical margins.
    indices
        Per margin, the row -> level position (for the diagnostics).
    totals
        The numeric totals (and the explicit population size, if given).
    """

    matrix: np.ndarray
    population: np.ndarray
    names: tuple[str, ...]
    margins: tuple[Margin, ...]
    indices: tuple[np.ndarray, ...]
    totals: tuple[Total, ...]


def model_matrix(
    frame: pd.DataFrame, totals: Sequence[Margin | Total], meta: FileMeta | None = None
) -> ModelMatrix:
    """Build R's calibration model matrix and population vector from margins and totals.

    Parameters
    ----------
    frame
        The sample.
    totals
        Categorical margins (:class:`Margin`) and numeric totals (:class:`Total`); the
        population size comes from the margins or from ``Total("(Intercept)", N)``.
    meta
        Value labels of coded variables.

    Returns
    -------
    ModelMatrix
        The matrix, its population totals and column names.

    Raises
    ------
    InputError
        No totals; a numeric total of a missing or non-numeric column or one with missing values;
        a variable given twice; neither margins nor a population size.
    StatisticalError
        Margins with different population totals, or a population size that differs from theirs;
        a margin level without sample cases or a sample level without target.

    Notes
    -----
    The columns are those of ``model.matrix(~ m1 + m2 + x1 + x2)`` in R: the intercept (total
    :math:`N`), then for each margin an indicator of every level but its first (R's treatment
    contrasts; the first level in the margin's order is the reference), then each numeric
    variable. Which level is the reference does not change the calibrated weights: the columns
    span the same space and their totals follow from the level counts.

    Examples
    --------
    >>> frame = pd.DataFrame({"size": ["k", "g", "k"], "x": [1.0, 2.0, 3.0]})
    >>> spec = model_matrix(frame, [Margin(("size",), {"k": 60.0, "g": 40.0}), Total("x", 150.0)])
    >>> spec.names, spec.population.tolist()
    (('(Intercept)', 'sizeg', 'x'), [100.0, 40.0, 150.0])
    >>> spec.matrix.tolist()
    [[1.0, 0.0, 1.0], [1.0, 1.0, 2.0], [1.0, 0.0, 3.0]]
    """
    if not totals:
        raise InputError("no calibration totals given", "give at least one margin or numeric total")
    where = next((t.source for t in totals if t.source), None) or "totals"
    margins = tuple(t for t in totals if isinstance(t, Margin))
    numeric = tuple(t for t in totals if isinstance(t, Total))
    seen: set[str] = set()
    for name in [m.name for m in margins] + [t.variable for t in numeric]:
        if name in seen:
            raise InputError(
                f"{where}: '{name}' is given more than once", "give each variable's totals once"
            )
        seen.add(name)
    size = [t.total for t in numeric if t.variable == INTERCEPT]
    sizes = [m.total for m in margins] + size
    if not sizes:
        raise InputError(
            f"{where}: the population size is not known (every total is numeric)",
            f"add the row {INTERCEPT},,N with the number of population units, or a categorical "
            "margin",
        )
    if max(sizes) - min(sizes) > 1e-6 * max(sizes):
        listing = ", ".join(
            [f"{m.name} = {m.total:,.0f}" for m in margins]
            + [f"{INTERCEPT} = {s:,.0f}" for s in size]
        )
        raise StatisticalError(
            f"{where}: the totals describe different population sizes ({listing})",
            "all margins and the population size must describe the same population; correct "
            "the targets",
        )
    n = len(frame)
    columns = [np.ones(n)]
    names = [INTERCEPT]
    population = [sizes[0]]
    indices = []
    for margin in margins:
        index, targets = margin_index(frame, margin, meta)
        indices.append(index)
        for position, level in enumerate(list(margin.targets)[1:], start=1):
            columns.append((index == position).astype(float))
            names.append(f"{margin.name}{level}")
            population.append(float(targets[position]))
    for total in numeric:
        if total.variable == INTERCEPT:
            continue
        columns.append(_numeric_column(frame, total, where))
        names.append(total.variable)
        population.append(float(total.total))
    return ModelMatrix(
        np.column_stack(columns),
        np.asarray(population, dtype=float),
        tuple(names),
        margins,
        tuple(indices),
        numeric,
    )


def _numeric_column(frame: pd.DataFrame, total: Total, where: str) -> np.ndarray:
    name = total.variable
    if name not in frame.columns:
        raise InputError(
            f"{where}: no variable '{name}' in the data for its total",
            "correct the variable name in the totals",
        )
    column = frame[name]
    if not pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column):
        raise InputError(
            f"{where}: '{name}' is not numeric (dtype {column.dtype}); a total needs a number "
            "per case",
            "give a categorical variable's population counts as one row per level "
            "(variable,level,target)",
        )
    values = column.to_numpy(dtype=float, na_value=np.nan)
    missing = int((~np.isfinite(values)).sum())
    if missing:
        raise InputError(
            f"{where}: '{name}' is missing in {missing} case(s); calibration needs it for every "
            "case",
            "impute or drop those cases before calibrating",
        )
    return values


Inverse = Callable[[np.ndarray, float, float], np.ndarray]


@dataclass(frozen=True)
class CalibrationFunction:
    """A calibration function (R's ``calfun``): :math:`g - 1 = F(u) - 1` and its derivative.

    Attributes
    ----------
    name
        ``linear``, ``raking`` or ``logit``.
    fm1
        :math:`F(u) - 1` given the bounds (R's ``Fm1``).
    derivative
        :math:`F'(u)` given the bounds (R's ``dF``).

    Notes
    -----
    With bounds :math:`(L, U)`: linear :math:`g = \\min(\\max(1 + u, L), U)`; raking
    :math:`g = \\min(\\max(e^u, L), U)`; logit :math:`g = (L(U-1) + U(1-L)e^{Au}) /
    (U - 1 + (1-L)e^{Au})` with :math:`A = (U-L)/((U-1)(1-L))`, which stays strictly within
    the bounds (Deville & Saerndal 1992, cases 1, 2 and 6).

    Examples
    --------
    >>> u = np.array([-1.0, 0.0, 1.0])
    >>> (1 + CALFUNS["raking"].fm1(u, 0.5, 2.0)).round(4).tolist()
    [0.5, 1.0, 2.0]
    >>> (1 + CALFUNS["logit"].fm1(u, 0.5, 2.0)).round(4).tolist()
    [0.5364, 1.0, 1.8642]
    """

    name: str
    fm1: Inverse
    derivative: Inverse


def _linear(u: np.ndarray, low: float, high: float) -> np.ndarray:
    return np.minimum(np.maximum(u + 1, low), high) - 1


def _linear_d(u: np.ndarray, low: float, high: float) -> np.ndarray:
    return ((u < high - 1) & (u > low - 1)).astype(float)


def _raking(u: np.ndarray, low: float, high: float) -> np.ndarray:
    with np.errstate(over="ignore"):
        return np.minimum(np.maximum(np.exp(u), low), high) - 1


def _raking_d(u: np.ndarray, low: float, high: float) -> np.ndarray:
    # as R's cal.raking: the window compares u, not exp(u), with the bounds minus one
    with np.errstate(over="ignore"):
        return np.where((u < high - 1) & (u > low - 1), np.exp(u), 0.0)


def _logit(u: np.ndarray, low: float, high: float) -> np.ndarray:
    a = (high - low) / ((high - 1) * (1 - low))
    with np.errstate(over="ignore", invalid="ignore"):
        e = np.exp(a * u)
        return (low * (high - 1) + high * (1 - low) * e) / (high - 1 + (1 - low) * e) - 1


def _logit_d(u: np.ndarray, low: float, high: float) -> np.ndarray:
    a = (high - low) / ((high - 1) * (1 - low))
    with np.errstate(over="ignore", invalid="ignore"):
        e = np.exp(a * u)
        denominator = high - 1 + (1 - low) * e
        return (
            high * (1 - low) * e * a / denominator
            - ((low * (high - 1) + high * (1 - low) * e) * ((1 - low) * e * a)) / denominator**2
        )


#: The calibration functions by name (R's ``cal.linear``, ``cal.raking``, ``cal.logit``).
CALFUNS: dict[str, CalibrationFunction] = {
    "linear": CalibrationFunction("linear", _linear, _linear_d),
    "raking": CalibrationFunction("raking", _raking, _raking_d),
    "logit": CalibrationFunction("logit", _logit, _logit_d),
}


def solve_linear(spec: ModelMatrix, weights: np.ndarray) -> np.ndarray:
    """The g-weights of unbounded linear (GREG) calibration, in one step (R's ``regcalibrate``).

    Parameters
    ----------
    spec
        The model matrix and its population totals.
    weights
        The base weights.

    Returns
    -------
    numpy.ndarray
        :math:`g_i = 1 + x_i'(X'WX)^{-1}(t_x - X'w)`.

    Raises
    ------
    StatisticalError
        The model matrix is not of full rank (collinear auxiliaries).

    Examples
    --------
    >>> frame = pd.DataFrame({"x": [1.0, 2.0, 3.0]})
    >>> spec = model_matrix(frame, [Total(INTERCEPT, 6.0), Total("x", 15.0)])
    >>> solve_linear(spec, np.full(3, 2.0)).round(6).tolist()
    [0.25, 1.0, 1.75]
    """
    x = spec.matrix
    _check_rank(spec, weights)
    gram = x.T @ (x * weights[:, None])
    lam = np.linalg.solve(gram, spec.population - x.T @ weights)
    return 1 + x @ lam


def _check_rank(spec: ModelMatrix, weights: np.ndarray) -> None:
    scaled = spec.matrix * np.sqrt(weights)[:, None]
    rank = int(np.linalg.matrix_rank(scaled))
    if rank < scaled.shape[1]:
        raise StatisticalError(
            f"the calibration variables are collinear in the sample (model matrix columns "
            f"{', '.join(spec.names)} have rank {rank}, not {scaled.shape[1]})",
            "drop a variable that the others determine, or collapse levels that coincide in the "
            "sample",
        )


@dataclass(frozen=True)
class NewtonResult:
    """What :func:`grake` found.

    Attributes
    ----------
    g
        The g-weights (including R's rescaling, when it applied).
    iterations
        Newton steps taken (step halvings count, as in R).
    converged
        Whether every total was met: :math:`|t - \\hat t|/(1 + |t|) <` epsilon.
    misfit
        The largest :math:`|t - \\hat t|/(1 + |t|)` reached.
    scale
        R's rescaling factor of the weights (1 when none applied).
    """

    g: np.ndarray
    iterations: int
    converged: bool
    misfit: float
    scale: float


def grake(
    spec: ModelMatrix,
    weights: np.ndarray,
    calfun: CalibrationFunction,
    bounds: tuple[float, float],
    epsilon: float,
    max_iter: int,
) -> NewtonResult:
    """Solve the calibration equations by Newton's method, step for step as R's ``grake``.

    Parameters
    ----------
    spec
        The model matrix and its population totals.
    weights
        The base weights.
    calfun
        The calibration function.
    bounds
        (L, U) bounds on g (``-inf``/``inf`` for none).
    epsilon
        Convergence: every :math:`|t_k - \\hat t_k|/(1 + |t_k|)` below it.
    max_iter
        Most Newton steps.

    Returns
    -------
    NewtonResult
        The g-weights and how the iteration went (not converged is returned, not raised).

    Notes
    -----
    With :math:`u_i = x_i'\\eta` and :math:`g_i = 1 + (F(u_i) - 1)`, each step solves
    :math:`(\\sum_i w_i F'(u_i) x_i x_i')\\,\\Delta\\eta = t_x - \\sum_i w_i g_i x_i` with a
    generalised inverse and halves the step while some :math:`g_i` or :math:`F'(u_i)` is not
    finite. When every total exceeds 20 times its sample estimate, R first multiplies the
    weights by the mean ratio (and the bounds then apply to g relative to the rescaled
    weights); so does this function.

    Examples
    --------
    >>> frame = pd.DataFrame({"x": [1.0, 2.0, 3.0]})
    >>> spec = model_matrix(frame, [Total(INTERCEPT, 6.0), Total("x", 15.0)])
    >>> found = grake(spec, np.full(3, 2.0), CALFUNS["raking"], (-np.inf, np.inf), 1e-10, 50)
    >>> found.converged, round(float(found.g @ (2.0 * frame["x"])), 8)
    (True, 15.0)
    """
    low, high = bounds
    x = spec.matrix
    population = spec.population
    w = np.asarray(weights, dtype=float)
    sample_total = x.T @ w
    with np.errstate(divide="ignore", invalid="ignore"):
        scales = population / sample_total
    scale = 1.0
    if np.min(scales) > _RESCALE_THRESHOLD:
        scale = float(np.mean(scales))
        w = w * scale
        sample_total = sample_total * scale
    eta = np.zeros(x.shape[1])

    def state(eta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        u = x @ eta
        return calfun.fm1(u, low, high), calfun.derivative(u, low, high)

    def misfit_of(fm1: np.ndarray) -> np.ndarray:
        return population - sample_total - x.T @ (w * fm1)

    fm1, deriv = state(eta)
    iterations = 1
    converged = False
    worst = np.inf
    while True:
        tmat = (x * (w * deriv)[:, None]).T @ x
        delta = _ginv(tmat) @ misfit_of(fm1)
        eta = eta + delta
        fm1, deriv = state(eta)
        while iterations < max_iter and not (np.isfinite(fm1).all() and np.isfinite(deriv).all()):
            iterations += 1
            delta = delta / 2
            eta = eta - delta
            fm1, deriv = state(eta)
        relative = np.abs(misfit_of(fm1)) / (1 + np.abs(population))
        worst = float(np.max(relative)) if np.isfinite(relative).all() else np.inf
        if (relative < epsilon).all():
            converged = True
            break
        iterations += 1
        if iterations > max_iter:
            break
    return NewtonResult((1 + fm1) * scale, iterations, converged, worst, scale)


def _ginv(matrix: np.ndarray) -> np.ndarray:
    """R's ``MASS::ginv(matrix, tol = 256 * .Machine$double.eps)``."""
    if not np.isfinite(matrix).all():
        return np.full(matrix.shape[::-1], np.nan)
    u, d, vt = np.linalg.svd(matrix)
    positive = d > max(_GINV_TOL * d[0], 0.0) if d.size else d > 0
    if not positive.any():
        return np.zeros(matrix.shape[::-1])
    return (vt[positive].T / d[positive]) @ u[:, positive].T
