"""Weighting methods with one signature, the registry that names them, and :func:`weigh`.

Every method is called as ``method(frame, margins, *, base_weight=None, meta=None,
tolerance=1e-8, max_iter=..., id_column=None)``: the sample and its population margins
positionally, everything else by keyword, with the same names in every method. Each returns a
:class:`~survey.weighting.diagnostics.WeightingResult` (the new weights beside the old column,
diagnostics, and the calibration record for calibration-aware standard errors, as R's
``postStratify``, ``rake`` and ``calibrate`` give). :func:`calibrate` (R's ``calibrate``) also
takes numeric totals (:class:`~survey.weighting.greg.Total`) among its margins and has two
keywords of its own, ``calfun`` and ``bounds``. :data:`METHODS` maps a method's name to its
function; :func:`weigh` chooses by that name and adds trimming bounds and sparse-level collapsing.

This module does not estimate anything and does not read files; it never changes its inputs, and
no method silently changes a parameter it was given.

References
----------
Deville, J.-C. & Saerndal, C.-E. (1992). Calibration estimators in survey sampling. *JASA* 87.
Lumley, T. (2010). *Complex Surveys*, ch. 7.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

import numpy as np
import pandas as pd

from survey.errors import InputError, StatisticalError
from survey.io import FileMeta
from survey.weighting.collapse import collapse_sparse
from survey.weighting.diagnostics import (
    Calibration,
    WeightingDiagnostics,
    WeightingResult,
    diagnose,
)
from survey.weighting.greg import CALFUNS, INTERCEPT, Total, grake, model_matrix, solve_linear
from survey.weighting.margins import Margin, check_totals, margin_index

__all__ = [
    "METHODS",
    "Method",
    "calibrate",
    "linear_calibration",
    "poststratify",
    "rake",
    "trim_and_rake",
    "trim_weights",
    "weigh",
]


class Method(Protocol):
    """The one signature of a weighting method in :data:`METHODS`."""

    def __call__(
        self,
        frame: pd.DataFrame,
        margins: Sequence[Margin],
        *,
        base_weight: str | None = ...,
        meta: FileMeta | None = ...,
        tolerance: float = ...,
        max_iter: int = ...,
        id_column: str | None = ...,
    ) -> WeightingResult:
        """Weight ``frame`` to ``margins``."""
        ...


def _base(frame: pd.DataFrame, base_weight: str | None) -> np.ndarray:
    if base_weight is None:
        return np.ones(len(frame))
    if base_weight not in frame.columns:
        raise InputError(
            f"no weight variable '{base_weight}' in the data",
            "give the name of a column of the data as the base weight (base_weight= in Python, "
            "--base-weight on the command line), or none for equal starting weights",
        )
    w = pd.to_numeric(frame[base_weight], errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(w) | (w <= 0)
    if bad.any():
        raise InputError(
            f"base weight '{base_weight}' is missing, zero or negative in {int(bad.sum())} row(s)",
            "base weights must be positive",
        )
    return w


def poststratify(
    frame: pd.DataFrame,
    margins: Sequence[Margin],
    *,
    base_weight: str | None = None,
    meta: FileMeta | None = None,
    tolerance: float = 1e-8,
    max_iter: int = 100,
    id_column: str | None = None,
) -> WeightingResult:
    """Post-stratify to one margin (a full cross-classification): :math:`w^*_i = w_i N_g / \\hat N_g`.

    Parameters
    ----------
    frame
        The sample.
    margins
        Exactly one margin; for several variables give their cross.
    base_weight
        Column of starting weights (None: 1).
    meta
        Value labels of coded variables.
    tolerance
        Relative difference from a target that still counts as met (for the diagnostics).
    max_iter
        Unused (one step); accepted so that every method has the same signature.
    id_column
        Identifier shown with the largest weights.

    Returns
    -------
    WeightingResult
        The weights, diagnostics and the post-stratification record (R's ``postStratify``).

    Raises
    ------
    InputError
        More than one margin, or a bad base weight.
    StatisticalError
        A margin level without sample cases or a sample level without target.

    Examples
    --------
    >>> frame = pd.DataFrame({"size": ["klein", "klein", "groot"], "w": [1.0, 3.0, 2.0]})
    >>> margin = Margin(("size",), {"klein": 80.0, "groot": 20.0})
    >>> poststratify(frame, [margin], base_weight="w").weights.tolist()
    [20.0, 60.0, 20.0]
    """
    if len(margins) != 1:
        raise InputError(
            f"post-stratification takes one margin (the full cross-classification), not {len(margins)}",
            "give the cross as one margin (variable a+b), or use raking for several margins",
        )
    old = _base(frame, base_weight)
    index, targets = margin_index(frame, margins[0], meta)
    current = np.bincount(index, weights=old, minlength=len(targets))
    new = old * (targets / current)[index]
    diagnostics = diagnose(
        "poststratify",
        frame,
        new,
        margins,
        [index],
        iterations=1,
        tolerance=tolerance,
        id_column=id_column,
    )
    calibration = Calibration("poststratify", (index,), old, new)
    return WeightingResult(
        pd.Series(new, index=frame.index, name="weight"), diagnostics, calibration
    )


def rake(
    frame: pd.DataFrame,
    margins: Sequence[Margin],
    *,
    base_weight: str | None = None,
    meta: FileMeta | None = None,
    tolerance: float = 1e-8,
    max_iter: int = 100,
    id_column: str | None = None,
    bounds: tuple[float, float] | None = None,
) -> WeightingResult:
    """Rake (iterative proportional fitting) to any number of one-way or crossed margins.

    Parameters
    ----------
    frame
        The sample.
    margins
        The margins.
    base_weight
        Column of starting weights (None: 1).
    meta
        Value labels of coded variables.
    tolerance
        Stop when every margin level is within this relative difference of its target.
    max_iter
        Most sweeps over the margins.
    id_column
        Identifier shown with the largest weights.
    bounds
        Optional (low, high): weights are held within these bounds after every step (bounded
        raking); see :func:`trim_and_rake`.

    Returns
    -------
    WeightingResult
        The weights, diagnostics and the raking record (R's ``rake``).

    Raises
    ------
    StatisticalError
        A margin level without sample cases, a sample level without target, margins with different
        totals, or no convergence within ``max_iter`` sweeps.

    Notes
    -----
    Each sweep multiplies the weights, margin by margin, by :math:`N_{m,l}/\\hat N_{m,l}` (one
    ``bincount`` per margin: no loop over rows). The result minimises the raking distance to the
    base weights subject to the margins (Deville & Saerndal 1992).

    Examples
    --------
    >>> frame = pd.DataFrame({"region": ["N", "N", "Z", "Z"], "size": ["k", "g", "k", "k"]})
    >>> margins = [Margin(("region",), {"N": 50.0, "Z": 50.0}),
    ...            Margin(("size",), {"k": 75.0, "g": 25.0})]
    >>> result = rake(frame, margins, tolerance=1e-12)
    >>> result.weights.round(6).tolist(), result.diagnostics.converged
    ([25.0, 25.0, 25.0, 25.0], True)
    """
    check_totals(margins)
    old = _base(frame, base_weight)
    prepared = [margin_index(frame, m, meta) for m in margins]
    w = old.copy()
    low, high = bounds if bounds is not None else (-np.inf, np.inf)
    converged = False
    iterations = 0
    for sweep in range(1, max_iter + 1):
        iterations = sweep
        for index, targets in prepared:
            current = np.bincount(index, weights=w, minlength=len(targets))
            w = w * (targets / current)[index]
            if bounds is not None:
                w = np.clip(w, low, high)
        worst = max(
            np.max(np.abs(np.bincount(i, weights=w, minlength=len(t)) - t) / t) for i, t in prepared
        )
        if worst <= tolerance:
            converged = True
            break
    diagnostics = diagnose(
        "rake",
        frame,
        w,
        margins,
        [i for i, _ in prepared],
        iterations=iterations,
        tolerance=tolerance,
        id_column=id_column,
        trimmed=int(np.sum((w <= low) | (w >= high))) if bounds is not None else 0,
    )
    if not converged:
        worst_row = (
            diagnostics.margins.assign(rel=lambda t: (t["difference"] / t["target"]).abs())
            .sort_values("rel")
            .iloc[-1]
        )
        raise StatisticalError(
            f"{margins[0].source or 'margins'}: raking did not converge in {max_iter} iterations "
            f"(worst: margin '{worst_row['margin']}' level '{worst_row['level']}', target "
            f"{worst_row['target']:,.1f}, reached {worst_row['achieved']:,.1f})",
            "allow more iterations (max_iter= in Python, --max-iter on the command line), "
            "loosen the tolerance (tolerance=, --tol), relax any weight bounds, or collapse sparse "
            "levels (hierarchy=, --collapse)",
        )
    calibration = Calibration("rake", tuple(i for i, _ in prepared), old, w)
    return WeightingResult(pd.Series(w, index=frame.index, name="weight"), diagnostics, calibration)


def _model_matrix(indices: Sequence[np.ndarray], sizes: Sequence[int], n: int) -> np.ndarray:
    columns = []
    for index, size in zip(indices, sizes, strict=True):
        block = np.zeros((n, size))
        block[np.arange(n), index] = 1.0
        columns.append(block)
    return np.hstack(columns)


def linear_calibration(
    frame: pd.DataFrame,
    margins: Sequence[Margin],
    *,
    base_weight: str | None = None,
    meta: FileMeta | None = None,
    tolerance: float = 1e-8,
    max_iter: int = 100,
    id_column: str | None = None,
) -> WeightingResult:
    """Linear (GREG) calibration to the margins: :math:`w^*_i = w_i (1 + x_i'\\lambda)`.

    Parameters
    ----------
    frame, margins, base_weight, meta, tolerance, id_column
        As for :func:`rake`.
    max_iter
        Unused (the solution is direct); accepted so that every method has the same signature.

    Returns
    -------
    WeightingResult
        The weights (which may be negative: linear calibration is unbounded), diagnostics and the
        calibration record (R's ``calibrate(calfun = "linear")``).

    Raises
    ------
    StatisticalError
        A margin level without sample cases, a sample level without target, or margins with
        different totals.

    Notes
    -----
    :math:`\\lambda` solves :math:`(\\sum_i w_i x_i x_i')\\lambda = t_x - \\sum_i w_i x_i`, with
    :math:`x_i` the level indicators of all margins (a generalised inverse handles their
    redundancy). Deville & Saerndal (1992).

    Examples
    --------
    >>> frame = pd.DataFrame({"size": ["klein", "klein", "groot"]})
    >>> result = linear_calibration(frame, [Margin(("size",), {"klein": 80.0, "groot": 20.0})])
    >>> result.weights.round(6).tolist()
    [40.0, 40.0, 20.0]
    """
    check_totals(margins)
    old = _base(frame, base_weight)
    prepared = [margin_index(frame, m, meta) for m in margins]
    model = _model_matrix([i for i, _ in prepared], [len(t) for _, t in prepared], len(frame))
    targets = np.concatenate([t for _, t in prepared])
    gram = model.T @ (model * old[:, None])
    lam = np.linalg.pinv(gram) @ (targets - model.T @ old)
    new = old * (1 + model @ lam)
    diagnostics = diagnose(
        "linear",
        frame,
        new,
        margins,
        [i for i, _ in prepared],
        iterations=1,
        # the direct solution is exact only up to rounding in the generalised inverse
        tolerance=max(tolerance, 1e-9),
        id_column=id_column,
    )
    calibration = Calibration("linear", tuple(i for i, _ in prepared), old, new, model)
    return WeightingResult(
        pd.Series(new, index=frame.index, name="weight"), diagnostics, calibration
    )


def calibrate(
    frame: pd.DataFrame,
    margins: Sequence[Margin | Total],
    *,
    base_weight: str | None = None,
    meta: FileMeta | None = None,
    tolerance: float = 1e-7,
    max_iter: int = 50,
    id_column: str | None = None,
    calfun: str = "linear",
    bounds: tuple[float, float] | None = None,
) -> WeightingResult:
    """Calibrate to population totals of categorical and numeric auxiliaries (R's ``calibrate``).

    Parameters
    ----------
    frame
        The sample.
    margins
        Categorical margins (:class:`~survey.weighting.margins.Margin`, population counts of
        every level) and numeric totals (:class:`~survey.weighting.greg.Total`); the
        population size is implied by the margins or given as ``Total("(Intercept)", N)``.
        :func:`~survey.weighting.greg.read_totals` reads them from a CSV file.
    base_weight
        Column of starting weights (None: 1).
    meta
        Value labels of coded variables.
    tolerance
        R's ``epsilon``: stop when every total is met within
        :math:`|t_k - \\hat t_k| / (1 + |t_k|)`; R's default 1e-7.
    max_iter
        R's ``maxit``: most Newton steps (R's default 50). Unused by unbounded linear
        calibration, which is solved directly.
    id_column
        Identifier shown with the largest weights.
    calfun
        The calibration function (distance): ``"linear"`` (GREG), ``"raking"`` (multiplicative,
        g > 0) or ``"logit"`` (g within the bounds, which it needs).
    bounds
        Optional (L, U) bounds on the g-weights :math:`w^*_i / w_i` (R's ``bounds``), e.g.
        ``(0.5, 2.0)``; ``-inf``/``inf`` for an open side. With ``"linear"`` they make R's
        bounded linear calibration (g truncated at the bounds, solved by Newton's method).

    Returns
    -------
    WeightingResult
        The weights, diagnostics (achieved vs target per margin level and per numeric total;
        ``g_min`` and ``g_max`` in the summary) and the calibration record, whose residuals
        give calibration-aware standard errors in
        :meth:`~survey.analysis.design.SurveyDesign.calibrate` as R's ``svyrecvar`` does.

    Raises
    ------
    InputError
        An unknown calfun, empty or non-numeric bounds, logit without finite bounds around 1,
        a bad base weight, or a total of a column that is missing, not numeric or incomplete.
    StatisticalError
        No convergence within ``max_iter`` steps (bounds that cannot hold with the totals),
        collinear auxiliaries, totals of different population sizes, a margin level without
        sample cases or a sample level without target.

    Notes
    -----
    With the model matrix :math:`X` of R's ``model.matrix(~ margins + numeric)`` (intercept,
    treatment-coded levels, numeric variables) and the base weights :math:`w`, the new weights
    are :math:`w^*_i = w_i g_i` with :math:`g_i = F(x_i'\\lambda)` and :math:`\\lambda` such that
    :math:`\\sum_i w^*_i x_i = t_x` (Deville & Saerndal 1992). Unbounded linear calibration
    solves :math:`g_i = 1 + x_i'(X'WX)^{-1}(t_x - X'w)` directly (R's ``regcalibrate``; g may be
    negative). Every other case uses R's ``grake`` Newton iteration step for step
    (:func:`~survey.weighting.greg.grake`), including its quirks: the raking derivative's
    window compares :math:`u`, not :math:`e^u`, with the bounds minus one, and when every
    total is more than 20 times its sample estimate the weights are first rescaled by the mean
    ratio, so that the bounds apply to g relative to the rescaled weights. The variance uses
    the residuals of the influence values on :math:`X`, as R's ``greg_calibration`` record:
    :math:`e = g\\sqrt{w}\\,\\mathrm{resid}(X\\sqrt{w},\\; z/(g\\sqrt{w}))`.

    References
    ----------
    Deville, J.-C. & Saerndal, C.-E. (1992). Calibration estimators in survey sampling. *JASA* 87.
    Lumley, T. (2010). *Complex Surveys*, section 7.4; R survey's ``calibrate``.

    Examples
    --------
    >>> frame = pd.DataFrame({"size": ["k", "k", "g", "g"], "x": [1.0, 2.0, 3.0, 4.0]})
    >>> totals = [Margin(("size",), {"k": 20.0, "g": 20.0}), Total("x", 110.0)]
    >>> result = calibrate(frame, totals, calfun="raking")
    >>> result.weights.round(6).tolist()
    [5.0, 15.0, 5.0, 15.0]
    >>> round(float(result.weights @ frame["x"]), 4), result.diagnostics.method
    (110.0, 'calibrate (raking)')
    """
    if calfun not in CALFUNS:
        raise InputError(
            f"unknown calibration function '{calfun}'", f"choose one of {', '.join(CALFUNS)}"
        )
    low, high = _g_bounds(calfun, bounds)
    old = _base(frame, base_weight)
    spec = model_matrix(frame, margins, meta)
    where = next((m.source for m in margins if m.source), None) or "totals"
    scale = 1.0
    if calfun == "linear" and (low, high) == (-np.inf, np.inf):
        g = solve_linear(spec, old)
        iterations = 1
    else:
        found = grake(spec, old, CALFUNS[calfun], (low, high), tolerance, max_iter)
        if not found.converged:
            reached = spec.matrix.T @ (old * found.g)
            worst = int(
                np.argmax(np.abs(spec.population - reached) / (1 + np.abs(spec.population)))
            )
            limits = (
                f" with g-weights held within [{low:g}, {high:g}]" if bounds is not None else ""
            )
            raise StatisticalError(
                f"{where}: calibration ({calfun}){limits} did not converge in {max_iter} "
                f"iterations (worst: '{spec.names[worst]}', target "
                f"{spec.population[worst]:,.6g}, reached {reached[worst]:,.6g})",
                "the bounds may be infeasible for these totals: widen them (bounds= in Python, "
                "--bounds on the command line); or allow more iterations (max_iter=, --max-iter), "
                "drop an auxiliary or collapse sparse levels",
            )
        g, iterations, scale = found.g, found.iterations, found.scale
    new = old * g
    base = diagnose(
        f"calibrate ({calfun})",
        frame,
        new,
        spec.margins,
        spec.indices,
        iterations=iterations,
        tolerance=tolerance,
        id_column=id_column,
        trimmed=(
            int(np.sum(np.isclose(g / scale, low) | np.isclose(g / scale, high)))
            if bounds is not None
            else 0
        ),
    )
    table, worst_error = _total_rows(spec.totals, frame, new, base.margins)
    summary = {
        **base.summary,
        "max_relative_margin_error": max(base.summary["max_relative_margin_error"], worst_error),
        "g_min": float(np.min(g)),
        "g_max": float(np.max(g)),
    }
    diagnostics = dataclasses.replace(base, converged=True, margins=table, summary=summary)
    record = Calibration("linear", (), old, new, spec.matrix)
    return WeightingResult(pd.Series(new, index=frame.index, name="weight"), diagnostics, record)


def _g_bounds(calfun: str, bounds: tuple[float, float] | None) -> tuple[float, float]:
    if bounds is None:
        if calfun == "logit":
            raise InputError(
                "logit calibration needs finite bounds on the g-weights",
                "give bounds (L, U) with L < 1 < U, e.g. bounds=(0.5, 2.0) in Python, "
                "--bounds 0.5:2 on the command line",
            )
        return -np.inf, np.inf
    try:
        low, high = (float(b) for b in bounds)
    except (TypeError, ValueError):
        raise InputError(
            f"calibration bounds {bounds!r} are not two numbers", "give bounds as (L, U)"
        ) from None
    if np.isnan(low) or np.isnan(high) or not low < high:
        raise InputError(
            f"calibration bounds [{low:g}, {high:g}] are empty",
            "give bounds (L, U) on the g-weights with L < U (--bounds L:U on the command line)",
        )
    if calfun == "logit" and not (np.isfinite(low) and np.isfinite(high) and low < 1 < high):
        raise InputError(
            f"logit calibration needs finite bounds around 1, not [{low:g}, {high:g}]",
            "give bounds (L, U) with L < 1 < U, e.g. (0.5, 2.0)",
        )
    return low, high


def _total_rows(
    totals: Sequence[Total], frame: pd.DataFrame, weights: np.ndarray, levels: pd.DataFrame
) -> tuple[pd.DataFrame, float]:
    """The diagnostics' margin table with a row per numeric total, and their worst error."""
    rows = []
    worst = 0.0
    for total in totals:
        values = (
            np.ones(len(frame))
            if total.variable == INTERCEPT
            else frame[total.variable].to_numpy(dtype=float)
        )
        achieved = float(values @ weights)
        worst = max(worst, abs(achieved - total.total) / max(abs(total.total), 1.0))
        rows.append({"margin": total.variable, "level": "total", "target": total.total,
                     "achieved": achieved, "n": len(frame), "difference": achieved - total.total})  # fmt: skip
    if not rows:
        return levels, worst
    extra = pd.DataFrame(rows, columns=levels.columns)
    return (extra if levels.empty else pd.concat([levels, extra], ignore_index=True)), worst


def trim_weights(
    weights: np.ndarray | pd.Series | Sequence[float],
    lower: float = -np.inf,
    upper: float = np.inf,
    strict: bool = True,
) -> np.ndarray:
    """Trim weights to bounds and share what was cut equally among the others (R's ``trimWeights``).

    Parameters
    ----------
    weights
        The weights.
    lower, upper
        Bounds.
    strict
        Repeat until no weight lies outside the bounds (R's ``strict = TRUE``); without it one
        pass may leave weights above the cap.

    Returns
    -------
    numpy.ndarray
        The trimmed weights; their sum is unchanged.

    Raises
    ------
    StatisticalError
        The bounds cannot hold with the total (e.g. ``upper * n`` below the sum of the weights).

    Examples
    --------
    >>> trim_weights([10.0, 1.0, 1.0, 1.0, 1.0], upper=4.0).tolist()
    [4.0, 2.5, 2.5, 2.5, 2.5]
    """
    w = np.asarray(weights, dtype=float).copy()
    total = w.sum()
    if upper * len(w) < total or lower * len(w) > total:
        raise StatisticalError(
            f"weights cannot be trimmed to [{lower:g}, {upper:g}] and keep their total {total:,.1f} "
            f"over {len(w)} cases",
            "widen the bounds",
        )
    for _ in range(1000):
        outside = (w < lower) | (w > upper)
        if not outside.any():
            break
        if outside.all():
            raise StatisticalError(
                f"every weight lies outside [{lower:g}, {upper:g}]; nothing is left to take up what "
                "trimming cuts",
                "widen the bounds",
            )
        clipped = np.clip(w, lower, upper)
        cut = w - clipped
        clipped[~outside] += cut.sum() / np.sum(~outside)
        w = clipped
        if not strict:
            break
    return w


def trim_and_rake(
    frame: pd.DataFrame,
    margins: Sequence[Margin],
    *,
    bounds: tuple[float, float],
    relative: bool = False,
    base_weight: str | None = None,
    meta: FileMeta | None = None,
    tolerance: float = 1e-8,
    max_iter: int = 1000,
    id_column: str | None = None,
) -> WeightingResult:
    """Rake to the margins with every weight held within bounds, or say that both cannot hold.

    Parameters
    ----------
    frame, margins, base_weight, meta, tolerance, id_column
        As for :func:`rake`.
    bounds
        (low, high) weight bounds; with ``relative`` they are multiples of the median weight of
        an unbounded raking (itself made with :func:`rake`'s default ``max_iter``).
    relative
        Read ``bounds`` relative to the median weight.
    max_iter
        Most sweeps of the bounded raking. The default, 1000, is ten times :func:`rake`'s
        because bounded raking converges more slowly.

    Returns
    -------
    WeightingResult
        Weights that meet every margin within ``tolerance`` and lie within the bounds (strictly:
        none above the cap).

    Raises
    ------
    InputError
        Empty bounds (``low >= high``).
    StatisticalError
        The bounds and the margins cannot hold together (within ``max_iter`` sweeps).

    Examples
    --------
    >>> frame = pd.DataFrame({"size": ["klein"] * 3 + ["groot"], "w": [1.0, 1.0, 4.0, 1.0]})
    >>> margin = Margin(("size",), {"klein": 90.0, "groot": 10.0})
    >>> result = trim_and_rake(frame, [margin], bounds=(10.0, 40.0), base_weight="w")
    >>> result.weights.round(6).tolist(), result.diagnostics.trimmed
    ([25.0, 25.0, 40.0, 10.0], 2)
    """
    low, high = bounds
    if low >= high:
        raise InputError(
            f"trim bounds {low:g}:{high:g} are empty",
            "give bounds (low, high) with low < high (--trim LOW:HIGH on the command line)",
        )
    if relative:
        unbounded = rake(
            frame,
            margins,
            base_weight=base_weight,
            meta=meta,
            tolerance=tolerance,
            id_column=id_column,
        )
        median = float(np.median(unbounded.weights))
        low, high = low * median, high * median
    try:
        result = rake(
            frame,
            margins,
            base_weight=base_weight,
            meta=meta,
            tolerance=tolerance,
            max_iter=max_iter,
            id_column=id_column,
            bounds=(low, high),
        )
    except StatisticalError as exc:
        raise StatisticalError(
            f"the weight bounds [{low:,.3g}, {high:,.3g}] cannot hold together with the margins: {exc.message}",
            "widen the bounds (trim= or bounds= in Python, --trim on the command line), allow more "
            "sweeps (max_iter=, --max-iter), or collapse the margin levels whose weights hit them",
        ) from None
    w = result.weights.to_numpy()
    return WeightingResult(
        result.weights,
        WeightingDiagnostics(
            "rake (bounded)",
            result.diagnostics.iterations,
            result.diagnostics.converged,
            result.diagnostics.margins,
            {**result.diagnostics.summary, "lower_bound": low, "upper_bound": high},
            result.diagnostics.largest,
            result.diagnostics.collapses,
            int(np.sum(np.isclose(w, low) | np.isclose(w, high))),
        ),
        result.calibration,
    )


#: Weighting methods by name. Each is called as ``method(frame, margins, *, base_weight, meta,
#: tolerance, max_iter, id_column)`` and returns a :class:`WeightingResult`.
METHODS: dict[str, Method] = {
    "poststratify": poststratify,
    "rake": rake,
    "linear": linear_calibration,
    "calibrate": calibrate,
}


def weigh(
    frame: pd.DataFrame,
    margins: Sequence[Margin | Total],
    *,
    method: str = "rake",
    base_weight: str | None = None,
    trim: tuple[float, float] | None = None,
    relative_trim: bool = False,
    meta: FileMeta | None = None,
    tolerance: float = 1e-8,
    max_iter: int | None = None,
    id_column: str | None = None,
    hierarchy: Mapping[str, Sequence[Sequence[str]]] | None = None,
    calfun: str | None = None,
    bounds: tuple[float, float] | None = None,
) -> WeightingResult:
    """Weight a sample by a method chosen by name, optionally with trimming bounds.

    Parameters
    ----------
    frame
        The sample.
    margins
        Population margins; for ``"calibrate"`` also numeric totals
        (:class:`~survey.weighting.greg.Total`).
    method
        A key of :data:`METHODS`: ``"rake"``, ``"poststratify"``, ``"linear"`` or
        ``"calibrate"``.
    base_weight
        Column of starting weights (None: 1).
    trim
        Optional (low, high) bounds; raking then keeps every weight within them
        (:func:`trim_and_rake`); other methods do not take bounds.
    relative_trim
        Read ``trim`` as multiples of the median weight.
    meta, tolerance, id_column
        As for :func:`rake`.
    max_iter
        Most sweeps, passed on unchanged. None (the default) leaves the method its own
        default: 100 for :func:`rake`, 1000 for bounded raking (:func:`trim_and_rake`).
    hierarchy
        Optional: variable -> ordered groups of levels that may be merged; margin levels
        without sample cases are first collapsed along it (:func:`collapse_sparse`) and every
        collapse is listed in the diagnostics.
    calfun, bounds
        For ``"calibrate"`` only: the calibration function and the bounds on the g-weights
        (:func:`calibrate`).

    Returns
    -------
    WeightingResult
        The weights, diagnostics and calibration record.

    Raises
    ------
    InputError
        An unknown method (the message lists the known ones), trimming bounds with a method other
        than raking, or numeric totals, ``calfun`` or ``bounds`` with a method other than
        ``"calibrate"``.
    StatisticalError
        As for the method chosen.

    Examples
    --------
    >>> frame = pd.DataFrame({"size": ["klein", "klein", "groot"]})
    >>> margin = Margin(("size",), {"klein": 80.0, "groot": 20.0})
    >>> weigh(frame, [margin], method="poststratify").weights.tolist()
    [40.0, 40.0, 20.0]
    >>> weigh(frame, [margin], method="ipf")
    Traceback (most recent call last):
    ...
    survey.errors.InputError: unknown weighting method 'ipf'
      what to do: choose one of poststratify, rake, linear, calibrate
    """
    if method not in METHODS:
        raise InputError(
            f"unknown weighting method '{method}'", f"choose one of {', '.join(METHODS)}"
        )
    numeric = [m for m in margins if isinstance(m, Total)]
    categorical = [m for m in margins if isinstance(m, Margin)]
    if method != "calibrate" and (numeric or calfun is not None or bounds is not None):
        given = "numeric totals" if numeric else "calfun" if calfun is not None else "g-bounds"
        raise InputError(
            f"{given} go with calibration, not with '{method}'",
            "choose method='calibrate' in Python (--calibrate TOTALS.csv on the command line), "
            "or drop them",
        )
    if hierarchy:
        data, collapsed, collapses = collapse_sparse(frame, categorical, hierarchy, meta)
        result = weigh(
            data,
            [*collapsed, *numeric],
            method=method,
            base_weight=base_weight,
            trim=trim,
            relative_trim=relative_trim,
            meta=meta,
            tolerance=tolerance,
            max_iter=max_iter,
            id_column=id_column,
            calfun=calfun,
            bounds=bounds,
        )
        diagnostics = dataclasses.replace(result.diagnostics, collapses=tuple(collapses))
        return dataclasses.replace(result, diagnostics=diagnostics)
    options: dict[str, Any] = {
        "base_weight": base_weight,
        "meta": meta,
        "tolerance": tolerance,
        "id_column": id_column,
    }
    if max_iter is not None:
        options["max_iter"] = max_iter
    if trim is not None:
        if method != "rake":
            raise InputError(
                f"trimming bounds go with raking, not with '{method}'",
                "choose raking for weight bounds (method='rake' in Python, --rake on the command "
                "line); with calibration, bound the g-weights instead (bounds=, --bounds L:U); "
                "or drop the bounds",
            )
        return trim_and_rake(frame, categorical, bounds=trim, relative=relative_trim, **options)
    if method == "calibrate":
        return calibrate(frame, margins, calfun=calfun or "linear", bounds=bounds, **options)
    return METHODS[method](frame, categorical, **options)
