"""Survey weights: design weights, post-stratification, raking, calibration and diagnostics.

Also nonresponse adjustment, trimming and sparse-cell collapsing. Every adjustment takes a frame,
the name of the weight column it starts from and population margins, and returns a
:class:`WeightingResult`: the new weights as a separate series (the old column is left as it
is), diagnostics, and the calibration record that :class:`~survey.analysis.design.SurveyDesign`
needs to give calibration-aware standard errors (as R's ``postStratify``, ``rake`` and
``calibrate`` do). Methods are chosen by name from :data:`METHODS` and share one signature.

Margins are read from CSV files with the columns ``variable,level,target`` (a value label or a
code, and a population count). A two-way margin names its variables joined by ``+`` and its levels
joined by ``|``: ``sector+size_class,Handel|2 tot 10 werkzame personen,41234``.

This module does not estimate anything; it never changes its inputs.

References
----------
Deville, J.-C. & Saerndal, C.-E. (1992). Calibration estimators in survey sampling. *JASA* 87.
Kish, L. (1965). *Survey Sampling*. Wiley (design effect of weighting).
Lumley, T. (2010). *Complex Surveys*, ch. 7.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from survey.errors import InputError, StatisticalError
from survey.ingest import FileMeta

__all__ = [
    "METHODS",
    "Calibration",
    "Margin",
    "WeightingDiagnostics",
    "WeightingResult",
    "collapse_sparse",
    "design_weights",
    "kish_deff",
    "kish_ess",
    "level_keys",
    "linear_calibration",
    "margins_from_population",
    "nonresponse_adjustment",
    "poststratify",
    "rake",
    "read_margins",
    "trim_and_rake",
    "trim_weights",
    "weigh",
]

LEVEL_SEPARATOR = "|"
VARIABLE_SEPARATOR = "+"


# --------------------------------------------------------------------------- margins


@dataclass(frozen=True)
class Margin:
    """Population counts for the levels of one variable or one cross of variables.

    Attributes
    ----------
    variables
        The variable(s) the margin classifies by.
    targets
        Level (labels joined by ``|`` for crosses) -> population count.
    source
        Where the margin was read from, for messages.
    """

    variables: tuple[str, ...]
    targets: Mapping[str, float]
    source: str | None = None

    @property
    def name(self) -> str:
        """The margin's variables joined by ``+``."""
        return VARIABLE_SEPARATOR.join(self.variables)

    @property
    def total(self) -> float:
        """Sum of the targets."""
        return float(sum(self.targets.values()))


def read_margins(path: str | Path) -> list[Margin]:
    """Read population margins from a CSV file with columns ``variable,level,target``.

    Parameters
    ----------
    path
        The CSV file (lines starting with ``#`` are comments).

    Returns
    -------
    list of Margin
        One margin per distinct ``variable``, in file order.

    Raises
    ------
    InputError
        The file is missing or malformed, a target is not a positive number, or a level repeats.

    Examples
    --------
    >>> margins = read_margins("config/margins/wea2010.csv")  # doctest: +SKIP
    >>> [m.name for m in margins]  # doctest: +SKIP
    ['province', 'sector+size_class']
    """
    source = Path(path)
    if not source.exists():
        raise InputError(
            f"{source}: margins file not found", "check the path (config/study.yaml names it)"
        )
    try:
        table = pd.read_csv(source, comment="#", dtype={"variable": str, "level": str})
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
        raise InputError(
            f"{source}: not a readable CSV file ({exc})", "write it as variable,level,target"
        ) from None
    missing = {"variable", "level", "target"} - set(table.columns)
    if missing:
        raise InputError(
            f"{source}: columns {', '.join(sorted(missing))} are missing (found {', '.join(map(str, table.columns))})",
            "margins files have the columns variable,level,target",
        )
    target = pd.to_numeric(table["target"], errors="coerce")
    bad = table.loc[~(target > 0)]
    if len(bad):
        row = bad.iloc[0]
        raise InputError(
            f"{source}: margin '{row['variable']}' level '{row['level']}' has target {row['target']!r}; "
            "targets must be positive population counts",
            "correct the target, or drop the level and collapse it with a neighbour",
        )
    margins = []
    for variable, part in table.assign(target=target).groupby("variable", sort=False):
        levels = part["level"].astype(str).str.strip()
        repeated = levels[levels.duplicated()].unique()
        if len(repeated):
            raise InputError(
                f"{source}: margin '{variable}' lists level '{repeated[0]}' more than once",
                "give each level one target",
            )
        variables = tuple(v.strip() for v in str(variable).split(VARIABLE_SEPARATOR))
        margins.append(
            Margin(
                variables, dict(zip(levels, part["target"].astype(float), strict=True)), str(source)
            )
        )
    return margins


def margins_from_population(
    population: pd.DataFrame, crosses: Sequence[Sequence[str]], count: str = "establishments"
) -> list[Margin]:
    """Sum a population table (one row per cell) into margins.

    Parameters
    ----------
    population
        Population counts by the classifying variables (labels as values).
    crosses
        One list of variables per margin, e.g. ``[["province"], ["sector", "size_class"]]``.
    count
        The column with the counts.

    Returns
    -------
    list of Margin
        The margins, in the order of ``crosses``.
    """
    out = []
    for variables in crosses:
        sums = population.groupby(list(variables), sort=True, observed=True)[count].sum()
        keys = [
            LEVEL_SEPARATOR.join(map(str, k)) if isinstance(k, tuple) else str(k)
            for k in sums.index
        ]
        out.append(Margin(tuple(variables), dict(zip(keys, sums.astype(float), strict=True))))
    return out


def _level_text(code: Any) -> str:
    if isinstance(code, float) and code.is_integer():
        return str(int(code))
    return str(code)


def _variable_levels(
    frame: pd.DataFrame, name: str, meta: FileMeta | None
) -> tuple[np.ndarray, list[str], list[str]]:
    """Row -> level number (-1 when missing), and each level's label text and code text."""
    if name not in frame.columns:
        import difflib

        close = difflib.get_close_matches(name, [str(c) for c in frame.columns], n=3)
        hint = f"did you mean {', '.join(close)}?" if close else "check the margins file"
        raise InputError(f"the margins name variable '{name}', which is not in the data", hint)
    column = frame[name]
    if isinstance(column.dtype, pd.CategoricalDtype):
        texts = [str(c) for c in column.cat.categories]
        return column.cat.codes.to_numpy(dtype=np.int64), texts, texts
    codes, uniques = pd.factorize(column, sort=True)
    value_labels = (
        dict(meta.variables[name].value_labels)
        if meta is not None and name in meta.variables
        else {}
    )
    code_texts = [_level_text(u) for u in uniques]
    label_texts = [
        str(value_labels.get(u, text)) for u, text in zip(uniques, code_texts, strict=True)
    ]
    return np.asarray(codes, dtype=np.int64), label_texts, code_texts


def _levels_of(
    frame: pd.DataFrame, variables: Sequence[str], meta: FileMeta | None
) -> tuple[np.ndarray, list[str], list[str]]:
    """Row -> level number of the (crossed) margin, -1 when any variable is missing.

    Only the distinct levels are turned into text: no per-row string work.
    """
    parts = [_variable_levels(frame, name, meta) for name in variables]
    if len(parts) == 1:
        return parts[0]
    codes = np.stack([p[0] for p in parts])
    missing = (codes < 0).any(axis=0)
    sizes = tuple(max(len(p[1]), 1) for p in parts)
    flat = np.asarray(
        np.ravel_multi_index(tuple(np.where(missing, 0, codes)), sizes), dtype=np.int64
    )
    observed, inverse = np.unique(flat[~missing], return_inverse=True)
    row = np.full(len(flat), -1, dtype=np.int64)
    row[~missing] = inverse
    combos = np.unravel_index(observed, sizes)
    labels = [
        LEVEL_SEPARATOR.join(p[1][c[k]] for p, c in zip(parts, combos, strict=True))
        for k in range(len(observed))
    ]
    code_texts = [
        LEVEL_SEPARATOR.join(p[2][c[k]] for p, c in zip(parts, combos, strict=True))
        for k in range(len(observed))
    ]
    return row, labels, code_texts


def level_keys(
    frame: pd.DataFrame, variables: Sequence[str], meta: FileMeta | None = None
) -> tuple[pd.Series, pd.Series]:
    """Each row's level of a margin, as label text and as code text.

    Parameters
    ----------
    frame
        The sample.
    variables
        The margin's variables.
    meta
        Metadata with value labels for coded variables.

    Returns
    -------
    tuple of pandas.Series
        Label keys and code keys (levels of crosses joined by ``|``); missing where any variable is.
    """
    row, labels, code_texts = _levels_of(frame, variables, meta)
    label_array = np.asarray([*labels, None], dtype=object)
    code_array = np.asarray([*code_texts, None], dtype=object)
    return (
        pd.Series(label_array[row], index=frame.index),  # row -1 picks the trailing None
        pd.Series(code_array[row], index=frame.index),
    )


def _margin_index(
    frame: pd.DataFrame, margin: Margin, meta: FileMeta | None
) -> tuple[np.ndarray, np.ndarray]:
    """Row -> position of its level in the margin's targets, and the target vector."""
    row, labels, code_texts = _levels_of(frame, margin.variables, meta)
    levels = list(margin.targets)
    position = {level: i for i, level in enumerate(levels)}
    # match each distinct sample level by its label, else by its code
    lookup = np.array(
        [
            position.get(label, position.get(code, -1))
            for label, code in zip(labels, code_texts, strict=True)
        ],
        dtype=np.int64,
    )
    where = margin.source or "margins"
    counts_per_level = np.bincount(row[row >= 0], minlength=len(labels))
    unmatched = [
        (labels[k], int(counts_per_level[k]))
        for k in np.flatnonzero(lookup < 0)
        if counts_per_level[k]
    ]
    if unmatched:
        unmatched.sort(key=lambda item: -item[1])
        shown = ", ".join(f"'{k}' ({v} cases)" for k, v in unmatched[:5])
        raise StatisticalError(
            f"{where}: margin '{margin.name}' has no target for sample level(s) {shown}",
            "add the level to the margins file, or collapse it with a neighbouring level",
        )
    if (row < 0).any():
        raise StatisticalError(
            f"{where}: margin '{margin.name}': {int((row < 0).sum())} case(s) have no value for "
            f"{', '.join(margin.variables)}",
            "impute or drop those cases before weighting",
        )
    index_array = lookup[row]
    counts = np.bincount(index_array, minlength=len(levels))
    empty = [levels[i] for i in np.flatnonzero(counts == 0)]
    if empty:
        shown = ", ".join(f"'{e}'" for e in empty[:5])
        raise StatisticalError(
            f"{where}: margin '{margin.name}' level(s) {shown} have no sample cases "
            f"({len(empty)} in all); no weight can reach their target",
            "collapse them with neighbouring levels (collapse_sparse with a declared hierarchy), or use "
            "coarser margins",
        )
    targets = np.array([margin.targets[level] for level in levels], dtype=float)
    return index_array, targets


def _check_totals(margins: Sequence[Margin], tolerance: float = 1e-6) -> None:
    totals = [m.total for m in margins]
    if totals and max(totals) - min(totals) > tolerance * max(totals):
        listing = ", ".join(f"{m.name} = {m.total:,.0f}" for m in margins)
        raise StatisticalError(
            f"{margins[0].source or 'margins'}: the margins add up to different population totals ({listing})",
            "all margins must describe the same population; correct the targets",
        )


# --------------------------------------------------------------------------- results


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
        from html import escape

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
                + self.largest.to_html(index=False, escape=True, float_format=lambda v: f"{v:.6g}")
                if len(self.largest)
                else ""
            )
        )


@dataclass(frozen=True)
class WeightingResult:
    """New weights, their diagnostics and the calibration record.

    Attributes
    ----------
    weights
        The new weights, aligned with the input frame.
    diagnostics
        :class:`WeightingDiagnostics`.
    calibration
        :class:`Calibration` for calibration-aware variances, or None.
    """

    weights: pd.Series
    diagnostics: WeightingDiagnostics
    calibration: Calibration | None = None


def kish_deff(weights: np.ndarray | pd.Series) -> float:
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


def kish_ess(weights: np.ndarray | pd.Series) -> float:
    """Kish's effective sample size, :math:`(\\sum w)^2 / \\sum w^2`.

    Parameters
    ----------
    weights
        The weights.

    Returns
    -------
    float
        The number of equally weighted cases that would give the same precision.

    Examples
    --------
    >>> kish_ess([1.0, 1.0, 2.0, 2.0])
    3.6
    """
    w = np.asarray(weights, dtype=float)
    return float(np.sum(w) ** 2 / np.sum(w**2))


def _diagnostics(
    method: str,
    frame: pd.DataFrame,
    weights: np.ndarray,
    margins: Sequence[Margin],
    indices: Sequence[np.ndarray],
    iterations: int,
    tolerance: float,
    id_column: str | None,
    collapses: Sequence[str] = (),
    trimmed: int = 0,
) -> WeightingDiagnostics:
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


def _base(frame: pd.DataFrame, base_weight: str | None) -> np.ndarray:
    if base_weight is None:
        return np.ones(len(frame))
    if base_weight not in frame.columns:
        raise InputError(
            f"no weight variable '{base_weight}' in the data",
            "name the base weight with --base-weight",
        )
    w = pd.to_numeric(frame[base_weight], errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(w) | (w <= 0)
    if bad.any():
        raise InputError(
            f"base weight '{base_weight}' is missing, zero or negative in {int(bad.sum())} row(s)",
            "base weights must be positive",
        )
    return w


# --------------------------------------------------------------------------- methods


def poststratify(
    frame: pd.DataFrame,
    base_weight: str | None,
    margins: Sequence[Margin],
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
    base_weight
        Column of starting weights (None: 1).
    margins
        Exactly one margin; for several variables give their cross.
    meta
        Value labels of coded variables.
    tolerance, max_iter
        Unused (one step); accepted so that every method has the same signature.
    id_column
        Identifier shown with the largest weights.

    Returns
    -------
    WeightingResult
        The weights, diagnostics and the post-stratification record (R's ``postStratify``).
    """
    if len(margins) != 1:
        raise InputError(
            f"post-stratification takes one margin (the full cross-classification), not {len(margins)}",
            "give the cross as one margin (variable a+b), or use raking for several margins",
        )
    old = _base(frame, base_weight)
    index, targets = _margin_index(frame, margins[0], meta)
    current = np.bincount(index, weights=old, minlength=len(targets))
    new = old * (targets / current)[index]
    diagnostics = _diagnostics(
        "poststratify", frame, new, margins, [index], 1, tolerance, id_column
    )
    calibration = Calibration("poststratify", (index,), old, new)
    return WeightingResult(
        pd.Series(new, index=frame.index, name="weight"), diagnostics, calibration
    )


def rake(
    frame: pd.DataFrame,
    base_weight: str | None,
    margins: Sequence[Margin],
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
    base_weight
        Column of starting weights (None: 1).
    margins
        The margins.
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
    """
    _check_totals(margins)
    old = _base(frame, base_weight)
    prepared = [_margin_index(frame, m, meta) for m in margins]
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
    diagnostics = _diagnostics(
        "rake", frame, w, margins, [i for i, _ in prepared], iterations, tolerance, id_column,
        trimmed=int(np.sum((w <= low) | (w >= high))) if bounds is not None else 0,
    )  # fmt: skip
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
            "raise --max-iter, loosen --tol, relax the bounds, or collapse sparse levels",
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
    base_weight: str | None,
    margins: Sequence[Margin],
    meta: FileMeta | None = None,
    tolerance: float = 1e-8,
    max_iter: int = 100,
    id_column: str | None = None,
) -> WeightingResult:
    """Linear (GREG) calibration to the margins: :math:`w^*_i = w_i (1 + x_i'\\lambda)`.

    Parameters
    ----------
    frame, base_weight, margins, meta, tolerance, max_iter, id_column
        As for :func:`rake` (``max_iter`` unused: the solution is direct).

    Returns
    -------
    WeightingResult
        The weights (which may be negative: linear calibration is unbounded), diagnostics and the
        calibration record (R's ``calibrate(calfun = "linear")``).

    Notes
    -----
    :math:`\\lambda` solves :math:`(\\sum_i w_i x_i x_i')\\lambda = t_x - \\sum_i w_i x_i`, with
    :math:`x_i` the level indicators of all margins (a generalised inverse handles their
    redundancy). Deville & Saerndal (1992).
    """
    _check_totals(margins)
    old = _base(frame, base_weight)
    prepared = [_margin_index(frame, m, meta) for m in margins]
    model = _model_matrix([i for i, _ in prepared], [len(t) for _, t in prepared], len(frame))
    targets = np.concatenate([t for _, t in prepared])
    gram = model.T @ (model * old[:, None])
    lam = np.linalg.pinv(gram) @ (targets - model.T @ old)
    new = old * (1 + model @ lam)
    diagnostics = _diagnostics(
        "linear", frame, new, margins, [i for i, _ in prepared], 1, max(tolerance, 1e-9), id_column
    )
    calibration = Calibration("linear", tuple(i for i, _ in prepared), old, new, model)
    return WeightingResult(
        pd.Series(new, index=frame.index, name="weight"), diagnostics, calibration
    )


def trim_weights(
    weights: np.ndarray | pd.Series,
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
    base_weight: str | None,
    margins: Sequence[Margin],
    bounds: tuple[float, float],
    relative: bool = False,
    meta: FileMeta | None = None,
    tolerance: float = 1e-8,
    max_iter: int = 1000,
    id_column: str | None = None,
) -> WeightingResult:
    """Rake to the margins with every weight held within bounds, or say that both cannot hold.

    Parameters
    ----------
    frame, base_weight, margins, meta, tolerance, id_column
        As for :func:`rake`.
    bounds
        (low, high) weight bounds; with ``relative`` they are multiples of the median weight of
        an unbounded raking.
    relative
        Read ``bounds`` relative to the median weight.
    max_iter
        Most sweeps; bounded raking converges more slowly.

    Returns
    -------
    WeightingResult
        Weights that meet every margin within ``tolerance`` and lie within the bounds (strictly:
        none above the cap).

    Raises
    ------
    StatisticalError
        The bounds and the margins cannot hold together.
    """
    low, high = bounds
    if low >= high:
        raise InputError(f"trim bounds {low:g}:{high:g} are empty", "give LOW:HIGH with LOW < HIGH")
    if relative:
        median = float(
            np.median(rake(frame, base_weight, margins, meta, tolerance, 100, id_column).weights)
        )
        low, high = low * median, high * median
    try:
        result = rake(
            frame, base_weight, margins, meta, tolerance, max_iter, id_column, bounds=(low, high)
        )
    except StatisticalError as exc:
        raise StatisticalError(
            f"the weight bounds [{low:,.3g}, {high:,.3g}] cannot hold together with the margins: {exc.message}",
            "widen the bounds, or collapse the margin levels whose weights hit them",
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


#: Weighting methods by name; each takes (frame, base_weight, margins, meta, tolerance, max_iter, id_column).
METHODS: dict[str, Callable[..., WeightingResult]] = {
    "poststratify": poststratify,
    "rake": rake,
    "linear": linear_calibration,
}


# --------------------------------------------------------------------------- design weights


def design_weights(
    frame: pd.DataFrame, strata: Sequence[str], population: pd.DataFrame, count: str
) -> pd.Series:
    """Design weights of a stratified sample: population count over sample count in the stratum.

    Parameters
    ----------
    frame
        The sample (respondents or the issued sample).
    strata
        The stratifying variables (values as in ``population``).
    population
        Population counts by the same variables.
    count
        The column of ``population`` with the counts.

    Returns
    -------
    pandas.Series
        :math:`N_h / n_h` per case.

    Raises
    ------
    StatisticalError
        A sample stratum absent from the population table.
    """
    keys = frame[list(strata)].astype(str)
    n = keys.groupby(list(strata), observed=True).size().rename("n")
    counts = population.astype({s: str for s in strata}).groupby(list(strata))[count].sum()
    weight = (counts / n).rename("weight")
    out = keys.join(weight, on=list(strata))["weight"]
    if out.isna().any():
        example = keys.loc[out.isna()].iloc[0].to_dict()
        raise StatisticalError(
            f"stratum {example} of the sample has no population count",
            "add it to the population table or collapse strata",
        )
    return out.rename("design_weight")


def nonresponse_adjustment(
    frame: pd.DataFrame, weight: str, responded: str, classes: Sequence[str]
) -> pd.Series:
    """Weighting-class nonresponse adjustment of the issued sample's weights.

    Parameters
    ----------
    frame
        The issued sample, respondents and nonrespondents.
    weight
        The design weight column.
    responded
        Boolean (or 0/1) column: True for respondents.
    classes
        Variables that form the weighting classes.

    Returns
    -------
    pandas.Series
        Adjusted weights for respondents (weight times the class's issued over responding weight
        total) and 0 for nonrespondents.

    Raises
    ------
    StatisticalError
        A class without respondents.
    """
    w = frame[weight].astype(float)
    resp = frame[responded].astype(bool)
    key = frame[list(classes)].astype(str).agg("|".join, axis=1)
    issued = w.groupby(key).transform("sum")
    answered = w.where(resp, 0.0).groupby(key).transform("sum")
    if (answered == 0).any():
        empty = key[answered == 0].iloc[0]
        raise StatisticalError(
            f"weighting class '{empty}' has no respondents",
            "merge it with a neighbouring class",
        )
    return (w * issued / answered).where(resp, 0.0).rename(f"{weight}_nr")


# --------------------------------------------------------------------------- sparse cells


def collapse_sparse(
    frame: pd.DataFrame,
    margins: Sequence[Margin],
    hierarchy: Mapping[str, Sequence[Sequence[str]]],
    meta: FileMeta | None = None,
) -> tuple[pd.DataFrame, list[Margin], list[str]]:
    """Merge margin levels without sample cases into neighbours along a declared hierarchy.

    Parameters
    ----------
    frame
        The sample.
    margins
        The margins.
    hierarchy
        Variable -> ordered groups of levels that may be merged, e.g. adjacent size classes
        ``{"size_class": [["50 tot 100 ...", "100 of meer ..."]]}``. An empty level is merged
        with its next (else previous) neighbour in its group.
    meta
        Value labels of coded variables.

    Returns
    -------
    tuple
        The frame with merged levels (new labels ``"a + b"`` in the affected margin's variables,
        as text), the merged margins, and one line per collapse.

    Raises
    ------
    StatisticalError
        An empty level that the hierarchy does not allow to merge.
    """
    data = frame.copy()
    out_margins = []
    collapses: list[str] = []
    for margin in margins:
        targets = dict(margin.targets)
        if len(margin.variables) != 1:
            out_margins.append(margin)
            continue
        (variable,) = margin.variables
        labels, _ = level_keys(data, [variable], meta)
        data[variable] = labels
        for _ in range(len(targets)):
            counts = labels.value_counts()
            empty = [lv for lv in targets if counts.get(lv, 0) == 0]
            if not empty:
                break
            level = empty[0]
            partner = _neighbour(level, list(targets), hierarchy.get(variable, ()))
            if partner is None:
                raise StatisticalError(
                    f"margin '{margin.name}' level '{level}' has no sample cases and the hierarchy allows no merge",
                    f"declare a group for '{variable}' that contains '{level}' with a neighbouring level",
                )
            merged = (
                f"{partner} + {level}"
                if list(targets).index(partner) < list(targets).index(level)
                else f"{level} + {partner}"
            )
            new_targets: dict[str, float] = {}
            for key, value in targets.items():
                if key in (level, partner):
                    new_targets.setdefault(merged, 0.0)
                    new_targets[merged] += value
                else:
                    new_targets[key] = value
            targets = new_targets
            labels = labels.replace({level: merged, partner: merged})
            hierarchy = {
                **hierarchy,
                variable: [
                    [merged if lv in (level, partner) else lv for lv in g]
                    for g in hierarchy.get(variable, ())
                ],
            }
            collapses.append(
                f"{margin.name}: '{level}' (no sample cases) merged with '{partner}' into '{merged}'"
            )
        data[variable] = labels
        out_margins.append(Margin(margin.variables, targets, margin.source))
    return data, out_margins, collapses


def _neighbour(level: str, order: list[str], groups: Sequence[Sequence[str]]) -> str | None:
    for group in groups:
        members = [g for g in dict.fromkeys(group)]
        if level in members:
            at = members.index(level)
            candidates = members[at + 1 :] + members[:at][::-1]
            for candidate in candidates:
                if candidate in order and candidate != level:
                    return candidate
    return None


def weigh(
    frame: pd.DataFrame,
    margins: Sequence[Margin],
    method: str = "rake",
    base_weight: str | None = None,
    trim: tuple[float, float] | None = None,
    relative_trim: bool = False,
    meta: FileMeta | None = None,
    tolerance: float = 1e-8,
    max_iter: int = 100,
    id_column: str | None = None,
    hierarchy: Mapping[str, Sequence[Sequence[str]]] | None = None,
) -> WeightingResult:
    """Weight a sample by a method chosen by name, optionally with trimming bounds.

    Parameters
    ----------
    frame
        The sample.
    margins
        Population margins.
    method
        A key of :data:`METHODS`.
    base_weight
        Column of starting weights (None: 1).
    trim
        Optional (low, high) bounds; raking then keeps every weight within them
        (:func:`trim_and_rake`); other methods do not take bounds.
    relative_trim
        Read ``trim`` as multiples of the median weight.
    meta, tolerance, max_iter, id_column
        As for :func:`rake`.
    hierarchy
        Optional: variable -> ordered groups of levels that may be merged; margin levels
        without sample cases are first collapsed along it (:func:`collapse_sparse`) and every
        collapse is listed in the diagnostics.

    Returns
    -------
    WeightingResult
        The weights, diagnostics and calibration record.
    """
    if hierarchy:
        data, collapsed, collapses = collapse_sparse(frame, margins, hierarchy, meta)
        result = weigh(
            data,
            collapsed,
            method,
            base_weight,
            trim,
            relative_trim,
            meta,
            tolerance,
            max_iter,
            id_column,
        )
        diagnostics = dataclasses.replace(result.diagnostics, collapses=tuple(collapses))
        return dataclasses.replace(result, diagnostics=diagnostics)
    if method not in METHODS:
        raise InputError(
            f"unknown weighting method '{method}'", f"choose one of {', '.join(METHODS)}"
        )
    if trim is not None:
        if method != "rake":
            raise InputError(
                f"trimming bounds go with raking, not with '{method}'", "use --rake with --trim"
            )
        return trim_and_rake(
            frame,
            base_weight,
            margins,
            trim,
            relative_trim,
            meta,
            tolerance,
            max(max_iter, 1000),
            id_column,
        )
    return METHODS[method](frame, base_weight, margins, meta, tolerance, max_iter, id_column)
