"""The one result shape of every weighting method: weights, diagnostics and the calibration record.

:class:`WeightingResult` holds the new weights (a series beside the old column, never replacing
it), :class:`WeightingDiagnostics` (iterations, convergence, achieved vs target per margin level,
the weight summary with Kish's design effect and effective sample size) and the
:class:`Calibration` that :class:`~survey.analysis.design.SurveyDesign` needs for
calibration-aware standard errors (R: ``design$postStrata``). Also the two small statistics of
unequal weighting, :func:`kish_deff` and :func:`kish_ess`.

This module does not compute weights (see :mod:`survey.weighting.methods`) and does not estimate
anything.

References
----------
Kish, L. (1965). *Survey Sampling*. Wiley (design effect of weighting).
Lumley, T. (2010). *Complex Surveys*, ch. 7.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape
from typing import Any

import numpy as np
import pandas as pd

from survey.errors import StatisticalError
from survey.weighting.margins import Margin

__all__ = [
    "Calibration",
    "WeightingDiagnostics",
    "WeightingResult",
    "diagnose",
    "kish_deff",
    "kish_ess",
]


@dataclass(frozen=True)
class Calibration:
    """What a calibration did, as the variance estimator needs it (R: ``design$postStrata``).

    Attributes
    ----------
    kind
        ``"poststratify"``, ``"rake"`` or ``"linear"``.
    groups
        Per margin, the row -> level index (post-stratification and raking).
    weights_before
        The weights the calibration started from.
    weights_after
        The calibrated weights.
    model
        For linear calibration: the model matrix of the margins (rows x level indicators).

    Examples
    --------
    >>> record = Calibration(
    ...     "poststratify", (np.array([0, 0, 1]),), np.ones(3), np.array([2.0, 2.0, 1.0])
    ... )
    >>> record.residuals(np.array([[1.0], [3.0], [5.0]])).ravel().tolist()
    [-1.0, 1.0, 0.0]
    """

    kind: str
    groups: tuple[np.ndarray, ...] = ()
    weights_before: np.ndarray = field(default_factory=lambda: np.empty(0))
    weights_after: np.ndarray = field(default_factory=lambda: np.empty(0))
    model: np.ndarray | None = None

    def residuals(self, scores: np.ndarray) -> np.ndarray:
        """Replace influence values by their residuals on the calibration variables.

        Parameters
        ----------
        scores
            Weighted influence values (n, k), computed with the calibrated weights.

        Returns
        -------
        numpy.ndarray
            The residuals, as R's ``svyrecvar`` makes them.

        Notes
        -----
        Post-stratification: :math:`x - w^*_i \\bar u_{g(i)}` with :math:`u = x/w^*` and
        :math:`\\bar u_g` its mean over the post-stratum weighted by the old weights.
        Raking: ten sweeps over the margins of :math:`x \\leftarrow x - w^*\\,
        \\mathrm{ave}_g(x/w^*)`. Linear calibration: the residual of :math:`x/(g\\sqrt{w})` on
        the margins' model matrix scaled by :math:`\\sqrt{w}`, times :math:`g\\sqrt{w}`.
        """
        x = np.asarray(scores, dtype=float)
        psw = self.weights_after
        if self.kind == "poststratify":
            (group,) = self.groups
            n_groups = int(group.max()) + 1
            old = self.weights_before
            sums = _group_sum(x * (old / psw)[:, None], group, n_groups)
            mass = np.bincount(group, weights=old, minlength=n_groups)
            return x - (sums / mass[:, None])[group] * psw[:, None]
        if self.kind == "rake":
            for _ in range(10):
                for group in self.groups:
                    n_groups = int(group.max()) + 1
                    ratio = x / psw[:, None]
                    means = (
                        _group_sum(ratio, group, n_groups)
                        / np.bincount(group, minlength=n_groups)[:, None]
                    )
                    x = x - psw[:, None] * means[group]
            return x
        # linear (GREG): residuals of the weighted regression on the model matrix
        if self.model is None:
            raise StatisticalError(
                "linear calibration without its model matrix", "this is a bug; please report it"
            )
        whalf = np.sqrt(self.weights_before)
        g = self.weights_after / self.weights_before
        design_matrix = self.model * whalf[:, None]
        scale = (g * whalf)[:, None]
        response = x / scale
        coef, *_ = np.linalg.lstsq(design_matrix, response, rcond=None)
        return (response - design_matrix @ coef) * scale


def _group_sum(values: np.ndarray, group: np.ndarray, n_groups: int) -> np.ndarray:
    out = np.zeros((n_groups, values.shape[1]))
    for j in range(values.shape[1]):  # columns only: each is one vectorised pass over the rows
        out[:, j] = np.bincount(group, weights=values[:, j], minlength=n_groups)
    return out


@dataclass(frozen=True)
class WeightingDiagnostics:
    """How a weighting went.

    Attributes
    ----------
    method
        The method's name.
    iterations
        Iterations used (1 for one-step methods).
    converged
        Whether every margin is met within the tolerance.
    margins
        One row per margin level: ``margin, level, target, achieved, n, difference``.
    summary
        Weight minimum, median, maximum, mean, sum, Kish design effect and effective sample size.
    largest
        The largest weights with their ids.
    collapses
        Levels merged because they had no sample cases.
    trimmed
        Number of weights held at a bound.

    Examples
    --------
    >>> frame = pd.DataFrame({"size": ["klein", "groot", "groot"]})
    >>> margin = Margin(("size",), {"klein": 2.0, "groot": 4.0})
    >>> found = diagnose("rake", frame, np.array([2.0, 2.0, 2.0]), [margin], [np.array([0, 1, 1])],
    ...                  iterations=1, tolerance=1e-8)
    >>> found.converged, found.to_dict()["summary"]["kish_deff"]
    (True, 1.0)
    """

    method: str
    iterations: int
    converged: bool
    margins: pd.DataFrame
    summary: dict[str, float]
    largest: pd.DataFrame
    collapses: tuple[str, ...] = ()
    trimmed: int = 0

    def to_dict(self) -> dict[str, Any]:
        """Return the diagnostics as JSON-serialisable data.

        Returns
        -------
        dict
            Everything in this object, tables as lists of records.
        """

        def clean(value: Any) -> Any:
            if hasattr(value, "item"):
                value = value.item()
            if isinstance(value, float) and not math.isfinite(value):
                return None
            return value

        return {
            "method": self.method,
            "iterations": self.iterations,
            "converged": self.converged,
            "summary": {k: clean(v) for k, v in self.summary.items()},
            "margins": [
                {k: clean(v) for k, v in r.items()} for r in self.margins.to_dict("records")
            ],
            "largest_weights": [
                {k: clean(v) for k, v in r.items()} for r in self.largest.to_dict("records")
            ],
            "collapses": list(self.collapses),
            "trimmed": self.trimmed,
        }

    def _repr_html_(self) -> str:
        def number(value: Any) -> str:
            if isinstance(value, int | float | np.integer | np.floating) and not isinstance(
                value, bool
            ):
                number = float(value)
                if not math.isfinite(number):
                    return "-"
                return f"{number:,.0f}" if abs(number) >= 1000 else f"{number:.4g}"
            return escape(str(value))

        rows = "".join(
            f"<tr><th style='text-align:left'>{escape(str(k))}</th><td>{number(v)}</td></tr>"
            for k, v in self.summary.items()
        )
        status = "converged" if self.converged else "<b>NOT converged</b>"
        notes = [f"{self.trimmed:,} weight(s) held at a trimming bound"] if self.trimmed else []
        notes += [f"collapsed: {line}" for line in self.collapses]
        listing = "".join(f"<li>{escape(note)}</li>" for note in notes)
        worst = (
            self.margins.assign(_abs=self.margins["difference"].abs())
            .sort_values("_abs", ascending=False)
            .drop(columns="_abs")
            if "difference" in self.margins.columns
            else self.margins
        )
        shown = min(len(worst), 30)
        return (
            f"<p><b>{escape(self.method)}</b>: {self.iterations} iteration(s), {status}</p>"
            f"<table>{rows}</table>"
            + (f"<ul>{listing}</ul>" if listing else "")
            + f"<p>Margins, largest differences first ({shown} of {len(self.margins)} levels)</p>"
            + worst.head(30).to_html(index=False, escape=True, float_format=number)
            + (
                "<p>Largest weights</p>"
                + self.largest.to_html(index=False, escape=True, float_format=_weight_number)
                if len(self.largest)
                else ""
            )
        )


@dataclass(frozen=True)
class WeightingResult:
    """New weights, their diagnostics and the calibration record.

    Every weighting method returns this shape.

    Attributes
    ----------
    weights
        The new weights, aligned with the input frame.
    diagnostics
        :class:`WeightingDiagnostics`.
    calibration
        :class:`Calibration` for calibration-aware variances, or None.

    Examples
    --------
    >>> from survey.weighting import Margin, rake
    >>> frame = pd.DataFrame({"size": ["klein", "groot", "groot"]})
    >>> result = rake(frame, [Margin(("size",), {"klein": 2.0, "groot": 4.0})])
    >>> result.weights.tolist(), result.calibration.kind
    ([2.0, 2.0, 2.0], 'rake')
    """

    weights: pd.Series
    diagnostics: WeightingDiagnostics
    calibration: Calibration | None = None


def kish_deff(weights: np.ndarray | pd.Series | Sequence[float]) -> float:
    """Kish's design effect of unequal weighting, :math:`n \\sum w^2 / (\\sum w)^2`.

    Parameters
    ----------
    weights
        The weights.

    Returns
    -------
    float
        1 for equal weights, larger the more the weights vary.

    References
    ----------
    Kish, L. (1965). *Survey Sampling*, sec. 11.7.

    Examples
    --------
    >>> kish_deff([1.0, 1.0, 2.0, 2.0])
    1.1111111111111112
    """
    w = np.asarray(weights, dtype=float)
    return float(len(w) * np.sum(w**2) / np.sum(w) ** 2)


def kish_ess(weights: np.ndarray | pd.Series | Sequence[float]) -> float:
    """Kish's effective sample size, :math:`(\\sum w)^2 / \\sum w^2`.

    Parameters
    ----------
    weights
        The weights.

    Returns
    -------
    float
        The number of equally weighted cases that would give the same precision.

    References
    ----------
    Kish, L. (1965). *Survey Sampling*, sec. 11.7.

    Examples
    --------
    >>> kish_ess([1.0, 1.0, 2.0, 2.0])
    3.6
    """
    w = np.asarray(weights, dtype=float)
    return float(np.sum(w) ** 2 / np.sum(w**2))


def diagnose(
    method: str,
    frame: pd.DataFrame,
    weights: np.ndarray,
    margins: Sequence[Margin],
    indices: Sequence[np.ndarray],
    *,
    iterations: int,
    tolerance: float,
    id_column: str | None = None,
    collapses: Sequence[str] = (),
    trimmed: int = 0,
) -> WeightingDiagnostics:
    """Diagnostics of weights against their margins.

    Parameters
    ----------
    method
        The method's name.
    frame
        The sample.
    weights
        The new weights.
    margins
        The margins the weights were made for.
    indices
        Per margin, the row -> level position (:func:`~survey.weighting.margins.margin_index`).
    iterations
        Iterations used.
    tolerance
        Largest relative difference from a target that counts as converged.
    id_column
        Identifier shown with the largest weights (else the row number, from 1).
    collapses
        Lines describing levels merged beforehand.
    trimmed
        Number of weights held at a bound.

    Returns
    -------
    WeightingDiagnostics
        Achieved vs target per margin level, the weight summary and the ten largest weights.

    Examples
    --------
    >>> frame = pd.DataFrame({"size": ["klein", "groot"]})
    >>> margin = Margin(("size",), {"klein": 1.0, "groot": 3.0})
    >>> found = diagnose("rake", frame, np.array([1.0, 2.0]), [margin], [np.array([0, 1])],
    ...                  iterations=1, tolerance=1e-8)
    >>> found.converged, found.margins["difference"].tolist()
    (False, [0.0, -1.0])
    """
    rows = []
    worst = 0.0
    for margin, index in zip(margins, indices, strict=True):
        levels = list(margin.targets)
        achieved = np.bincount(index, weights=weights, minlength=len(levels))
        counts = np.bincount(index, minlength=len(levels))
        for i, level in enumerate(levels):
            target = margin.targets[level]
            worst = max(worst, abs(achieved[i] - target) / target)
            rows.append({"margin": margin.name, "level": level, "target": target, "achieved": achieved[i],
                         "n": int(counts[i]), "difference": achieved[i] - target})  # fmt: skip
    table = pd.DataFrame(rows, columns=["margin", "level", "target", "achieved", "n", "difference"])
    summary = {
        "n": float(len(weights)),
        "min": float(np.min(weights)),
        "median": float(np.median(weights)),
        "max": float(np.max(weights)),
        "mean": float(np.mean(weights)),
        "sum": float(np.sum(weights)),
        "max_over_min": float(np.max(weights) / np.min(weights)),
        "kish_deff": kish_deff(weights),
        "effective_n": kish_ess(weights),
        "max_relative_margin_error": worst,
    }
    order = np.argsort(-weights, kind="stable")[:10]
    ids = (
        frame[id_column].to_numpy()[order]
        if id_column and id_column in frame.columns
        else order + 1
    )
    largest = pd.DataFrame({"id": ids, "weight": weights[order]})
    return WeightingDiagnostics(
        method,
        iterations,
        bool(worst <= tolerance),
        table,
        summary,
        largest,
        tuple(collapses),
        trimmed,
    )


def _weight_number(value: float) -> str:
    """A weight (or a whole-number id) for the HTML summary: ids in full, weights to 6 digits."""
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.6g}"
