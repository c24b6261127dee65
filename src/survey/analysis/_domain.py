"""What the estimators share: variables' codes and labels, domains, domain-mean influence values.

:func:`_variable` reads a design column as estimates need it (codes, levels in order, value
labels without user-missing codes; categorical columns map to their labelled codes),
:func:`_domains` numbers each row's domain, and :func:`_row_domain_scores` gives the weighted
domain totals and means of indicator or numeric columns together with their sparse influence
matrix (Lumley 2010, sec. 2.2-2.4), which :meth:`SurveyDesign.vcov` turns into (co)variances.
Used by ``estimate.py`` and ``contrast.py``.

It is not public API, computes no variance (``design.py`` does), no interval (``intervals.py``)
and builds no table (``estimate.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from survey.analysis.design import LonelyPSU, SurveyDesign
from survey.codebook.measure import LabelCoverage, label_coverage
from survey.errors import InputError, StatisticalError


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


def _coverage(design: SurveyDesign, name: str) -> LabelCoverage | None:
    """How the file's value labels cover a numeric column (None: no labels, or not from a file)."""
    if design.meta is None or name not in design.meta.variables:
        return None
    var = design.meta.variables[name]
    if not var.value_labels or var.type == "string":
        return None
    return label_coverage(var, design.column(name))


def _is_categorical(design: SurveyDesign, name: str) -> bool:
    """True for a categorical (pandas), text, or labelled-categorical numeric column.

    A labelled numeric column is categorical by the rule of :mod:`survey.codebook.measure` (at
    least two valid codes labelled, every observed valid value labelled), whatever measure the
    file declares.
    """
    column = design.column(name)
    if isinstance(column.dtype, pd.CategoricalDtype) or not pd.api.types.is_numeric_dtype(
        column.dtype
    ):
        return True
    coverage = _coverage(design, name)
    return coverage is not None and coverage.categorical


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
            f"{design.where()}variable '{name}' holds text; a mean, ratio or quantile needs numbers",
            "ask for --stat proportion (shares) or total (counts per level), or choose a numeric "
            "variable",
        )
    seen = set(text.dropna().unique().tolist())
    levels = sorted(seen | {k for k in labels if isinstance(k, str)})
    index = pd.Categorical(text, categories=levels).codes.astype(np.int64)
    return _Variable(name, text.to_numpy(), levels, labels, False, index)


def _json_code(code: Any) -> Any:
    """A code as JSON shows it: whole-number floats as integers."""
    if isinstance(code, float | np.floating) and float(code).is_integer():
        return int(code)
    return code


def _label(var: _Variable, code: Any) -> str:
    if code in var.labels:
        return var.labels[code]
    if isinstance(code, float) and code.is_integer():
        return str(int(code))
    return str(code)


def _domains(
    design: SurveyDesign, by: str | None
) -> tuple[np.ndarray, list[Any], _Variable | None]:
    """Domain number per row (-1: no domain) and the domain codes."""
    if by is None:
        return np.zeros(design.n, dtype=np.int64), [None], None
    var = _variable(design, by, categorical=True)
    return np.asarray(var.index), list(var.levels), var


def _sum_by(groups: np.ndarray, values: np.ndarray, n_groups: int) -> np.ndarray:
    """Column sums of ``values`` (rows, k) by group, in one ``bincount`` (no ``np.add.at``)."""
    k = values.shape[1]
    flat = (groups[:, None] * k + np.arange(k)[None, :]).ravel()
    return np.bincount(flat, weights=values.ravel(), minlength=n_groups * k).reshape(n_groups, k)


def _row_domain_scores(
    design: SurveyDesign, domain: np.ndarray, valid: np.ndarray, y: np.ndarray, n_domains: int
) -> dict[str, Any]:
    """Weighted totals per domain and the sparse influence matrix of the domain means of y (n, D*K).

    ``used`` has the same shape and a 1 for every row a column uses (valid, in the domain); only
    the lonely-PSU policy ``average`` needs it (None otherwise).
    """
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
    shape = (design.n, n_domains * k)
    scores = sp.csr_matrix((values.ravel(), cols.ravel(), indptr), shape=shape)
    # the rows each column's subset design holds (R's svyby with na.rm): for lonely-PSU average
    used = (
        sp.csr_matrix((np.ones(cols.size), cols.ravel(), indptr), shape=shape)
        if design.lonely_psu is LonelyPSU.AVERAGE
        else None
    )
    return {
        "rows": rows,
        "d": d,
        "y": y,
        "n_domains": n_domains,
        "total_w": total_w,
        "total_wy": total_wy,
        "mean": mean,
        "scores": scores,
        "used": used,
    }


def _domain_variance(
    design: SurveyDesign,
    parts: dict[str, Any],
    *,
    ratio: bool = True,
    transform: Callable[[np.ndarray], np.ndarray] | None = None,
) -> np.ndarray:
    """Variances of the domain means (``ratio``) or totals of ``parts``' columns, (D*K,).

    Taylor linearisation from the influence values, or, on a replicate design, the spread of
    the replicate means :math:`\\sum_{i \\in d} w_{ri} y_i / \\sum_{i \\in d} w_{ri}`
    (totals: the numerators), optionally transformed first (``transform``, e.g. the logit).
    """
    if design.replicates is None:
        if not ratio or transform is not None:
            raise ValueError("Taylor variances of totals and transforms take their own scores")
        return design.vcov(parts["scores"], diagonal=True, used=parts["used"])
    full, replicated = _replicate_domain_estimates(design, parts, ratio)
    if transform is not None:
        with np.errstate(divide="ignore", invalid="ignore"):
            full, replicated = transform(full[None, :])[0], transform(replicated)
    return np.asarray(design.replicates.variance(replicated, full))


def _replicate_domain_estimates(
    design: SurveyDesign, parts: dict[str, Any], ratio: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Full-sample (D*K,) and replicate (R, D*K) domain means or totals of ``parts``' columns.

    Kept in ``parts``, so that a second variance of the same estimates (a proportion's SE and
    its logit interval) does not total the replicates again.
    """
    key = "replicate_means" if ratio else "replicate_totals"
    if key in parts:
        return parts[key]  # type: ignore[no-any-return]
    rows, d, y, n_domains = parts["rows"], parts["d"], parts["y"], parts["n_domains"]
    k = y.shape[1]
    width = n_domains * k
    cols = (d[:, None] * k + np.arange(k)[None, :]).ravel()
    columns = sp.csr_matrix((y[rows].ravel(), (np.repeat(rows, k), cols)), shape=(design.n, width))
    if ratio:
        denominator = sp.csr_matrix((np.ones(rows.size), (rows, d)), shape=(design.n, n_domains))
        columns = sp.hstack([columns, denominator]).tocsr()
    full = np.asarray(columns.T @ design.weights).reshape(1, -1)
    replicated = design.replicates.totals(design.weights, columns)
    if ratio:
        which = width + np.repeat(np.arange(n_domains), k)
        with np.errstate(divide="ignore", invalid="ignore"):
            full = full[:, :width] / full[:, which]
            replicated = replicated[:, :width] / replicated[:, which]
    parts[key] = (full[0], replicated)
    return parts[key]  # type: ignore[no-any-return]


def _check_not_empty(design: SurveyDesign, name: str, valid: np.ndarray) -> None:
    if not valid.any():
        raise StatisticalError(
            f"{design.where()}variable '{name}' has no valid value (all {design.n} rows are missing)",
            "check the variable name and its missing codes",
        )


def _numeric(design: SurveyDesign, variable: str) -> np.ndarray:
    var = _variable(design, variable, categorical=False)
    if isinstance(design.column(variable).dtype, pd.CategoricalDtype):
        raise InputError(
            f"{design.where()}variable '{variable}' is categorical; a mean, ratio or quantile "
            "needs numbers",
            "ask for --stat proportion (shares) or total (counts per level), or choose a numeric "
            "variable",
        )
    values = np.asarray(var.codes, dtype=float)
    _check_not_empty(design, variable, ~np.isnan(values))
    return values
