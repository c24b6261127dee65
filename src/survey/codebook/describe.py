"""Describe any SPSS file, and write a codebook skeleton from it.

``survey codebook FILE`` prints, for every variable, its type, format, measure, labels, value
labels and declared missing codes, with the number of cases per code. With ``--format yaml`` it
writes a codebook skeleton (the schema of ``schema.py``) that validates its own file and that a
user edits into a real codebook. Nothing here checks a file against a codebook.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from survey.codebook.measure import label_coverage
from survey.codebook.schema import Variable
from survey.codebook.validate import format_code, is_blank
from survey.io.meta import FileMeta, VariableMeta

__all__ = ["describe_file", "skeleton"]


def _as_codes(series: pd.Series, labels: Mapping[Any, str]) -> pd.Series:
    """Processed data hold labels (categories): read them back as the codes they stand for."""
    if not isinstance(series.dtype, pd.CategoricalDtype) or not labels:
        return series
    inverse = {str(label): code for code, label in labels.items()}
    return series.astype(object).map(lambda v: v if pd.isna(v) else inverse.get(str(v), v))


def describe_file(frame: pd.DataFrame, meta: FileMeta) -> pd.DataFrame:
    """Describe every variable of a file: type, labels, missing codes, counts per code.

    Parameters
    ----------
    frame
        Raw data.
    meta
        Its metadata.

    Returns
    -------
    pandas.DataFrame
        One row per (variable, code) for labelled variables and one row per variable otherwise,
        with columns ``variable, label, type, format, measure, missing, code, value_label,
        is_missing, count``; for unlabelled numeric variables ``code`` is empty and ``count`` the
        number of non-empty values.
    """
    rows = []
    for name, var in meta.variables.items():
        series = _as_codes(frame[name], var.value_labels)
        missing = ", ".join(
            [format_code(c) for c in var.missing_values]
            + [f"{format_code(a)}-{format_code(b)}" for a, b in var.missing_ranges]
        )
        base = {"variable": name, "label": var.label or "", "type": var.type, "format": var.format or "",
                "measure": var.measure, "missing": missing}  # fmt: skip
        if var.value_labels or (var.type == "string" and series.nunique() <= 30):
            # empty text is counted once, on the "(empty)" row, not also as a code ''
            blank = is_blank(series, Variable(name, name, type=var.type))
            counts = series[~blank].value_counts(dropna=True)
            codes = list(dict.fromkeys([*var.value_labels, *counts.index]))
            numeric_codes = var.type != "string" and all(
                isinstance(c, int | float) and not isinstance(c, bool) for c in codes
            )
            # processed data hold the labels themselves (categories), not the codes
            flags = (
                var.is_user_missing(pd.Series(codes, dtype=float))
                if numeric_codes
                else pd.Series([False] * len(codes))
                if var.type != "string"
                else var.is_user_missing(pd.Series(codes, dtype=object))
            )
            for code, is_missing in zip(codes, flags, strict=True):
                rows.append({**base, "code": format_code(code), "value_label": var.value_labels.get(code, ""),
                             "is_missing": bool(is_missing), "count": int(counts.get(code, 0))})  # fmt: skip
            empty = int(blank.sum())
            if empty:
                rows.append(
                    {
                        **base,
                        "code": "(empty)",
                        "value_label": "",
                        "is_missing": True,
                        "count": empty,
                    }
                )
        else:
            rows.append({**base, "code": "", "value_label": "", "is_missing": False,
                         "count": int(series.notna().sum())})  # fmt: skip
    return pd.DataFrame(rows)


def skeleton(meta: FileMeta, wave: str | None = None, frame: pd.DataFrame | None = None) -> str:
    """Write a codebook skeleton for a file, to be edited into a real codebook.

    Canonical names start out equal to the raw names; missing codes are copied from the file's
    declared missing values (check them); labelled variables list their codes. Whether a numeric
    variable is categorical follows the rule of :mod:`survey.codebook.measure`, whatever measure
    the file declares (SPSS, PSPP and haven mark every numeric variable ``scale``, labelled or
    not): at least two valid codes labelled and, when the data are given, every observed valid
    value labelled. A categorical variable gets measure ``nominal`` (``ordinal`` where the file
    says so); any other numeric variable is ``scale`` and, with the data, gets a ``range``
    spanning its observed valid values, so that labelled missing codes such as 99999 "Weet niet"
    do not turn it into a closed code list. The identifier is, with the data, the first variable
    whose values are all present and different; otherwise the first unlabelled numeric variable.

    Parameters
    ----------
    meta
        Metadata of the file.
    wave
        Wave name to put in the skeleton; defaults to the file's stem.
    frame
        The file's data, to suggest ranges from; without it no ranges are written.

    Returns
    -------
    str
        YAML text that :func:`load_codebook` accepts.
    """
    stem = Path(meta.source).stem if meta.source else "wave"
    name = wave or stem
    variables: dict[str, Any] = {}
    id_name = _unique_variable(meta, frame)
    for raw, var in meta.variables.items():
        entry: dict[str, Any] = {"raw": raw, "type": var.type, "label": var.label or ""}
        if var.value_labels:
            entry["values"] = {_yaml_code(k): v for k, v in var.value_labels.items()}
        missing = [_yaml_code(c) for c in var.missing_values]
        for low, high in var.missing_ranges:
            missing += [
                _yaml_code(c) for c in var.value_labels if isinstance(c, float) and low <= c <= high
            ]
        if missing:
            entry["missing"] = missing
            for code in missing:
                entry.setdefault("values", {}).setdefault(code, f"(missing code {code})")
        series = frame[raw] if frame is not None and raw in frame.columns else None
        scale = var.type == "numeric" and not label_coverage(var, series, missing).categorical
        if scale:
            entry["measure"] = "scale"
        elif var.value_labels or var.measure in ("nominal", "ordinal"):
            # labelled means categorical, even where the file says scale (SPSS's default)
            entry["measure"] = "ordinal" if var.measure == "ordinal" else "nominal"
        if scale and series is not None:
            suggested = _suggest_range(series, var, set(missing))
            if suggested is not None:
                entry["range"] = suggested
        if var.format:
            entry["format"] = var.format
        if frame is None and id_name is None and var.type == "numeric" and not var.value_labels:
            id_name = raw  # a guess to check: without the data, uniqueness is unknown
        variables[raw] = entry
    if id_name is not None:
        variables[id_name]["role"] = "id"
    document = {
        "wave": name,
        "survey": name.rstrip("0123456789") or name,
        "title": meta.file_label or name,
        "id": id_name,  # null: no variable identifies the rows (they keep the file's order)
        "weighted": False,
        "variables": variables,
    }
    header = (
        f"# Codebook skeleton for {meta.source or name}, written by `survey codebook --format yaml`.\n"
        "# Edit it into a real codebook: give canonical names (the keys), check the missing codes,\n"
        "# add routing (asked_if), recodes, mr_sets and derived variables. Schema: the README,\n"
        "# section 'Codebooks', and survey.codebook.schema.\n"
    )
    return header + yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=100)


def _valid_values(series: pd.Series, var: VariableMeta, missing: set[Any]) -> pd.Series:
    """The observed values of a numeric variable that are not missing codes."""
    values = pd.to_numeric(series, errors="coerce").dropna()
    return values[~values.isin(list(missing)) & ~var.is_user_missing(values)]


def _unique_variable(meta: FileMeta, frame: pd.DataFrame | None) -> str | None:
    """The first unlabelled variable whose values are all present and different, else None."""
    if frame is None or frame.empty:
        return None
    for raw, var in meta.variables.items():
        if var.value_labels or raw not in frame.columns:
            continue
        series = frame[raw]
        if var.type == "string":
            series = series.where(series.astype(str).str.strip() != "")
        if series.notna().all() and series.is_unique:
            return raw
    return None


def _suggest_range(series: pd.Series, var: VariableMeta, missing: set[Any]) -> list[Any] | None:
    """Observed ``[low, high]`` of a numeric scale variable's valid values, else None."""
    values = _valid_values(series, var, missing)
    if values.empty:
        return None
    return [_yaml_code(float(np.floor(values.min()))), _yaml_code(float(np.ceil(values.max())))]


def _yaml_code(code: Any) -> Any:
    if isinstance(code, float) and math.isfinite(code) and code.is_integer():
        return int(code)
    return code
