"""Apply a codebook to raw codes: canonical names, missing codes, recodes, derived variables.

The result is one tidy frame per wave: canonical names (the same in every wave), labelled
categoricals for coded questions (missing codes become missing), numbers for numeric questions,
``<item>_agree`` and ``<item>_score`` columns for Likert batteries (the indicators labelled with
the battery's ``agree_labels``) and the derived variables the codebook defines. :func:`clean` is
pure; :func:`processed_meta` describes the cleaned frame as SPSS metadata so that it can be written
as a labelled ``.sav``.

Validation happens before cleaning (``codebook.validate``); this module assumes a file that passed.
It does not weight or estimate anything, and holds no study's words: every label comes from the
codebook.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from survey.codebook import Battery, Codebook, Derived, Variable
from survey.errors import InputError
from survey.io import FileMeta, VariableMeta

__all__ = ["canonical_codes", "clean", "processed_meta"]


def canonical_codes(raw: pd.Series, var: Variable) -> pd.Series:
    """Turn one raw variable into canonical codes, with missing codes set to missing.

    Parameters
    ----------
    raw
        The raw column.
    var
        Its codebook entry.

    Returns
    -------
    pandas.Series
        Float codes (or text for string variables); NaN where the answer is missing.

    Examples
    --------
    >>> v = Variable("hired", "v24", values={0.0: "Nee", 1.0: "Ja", 9.0: "Onbekend"},
    ...              missing=(9.0,), recode={0.0: 2.0})
    >>> canonical_codes(pd.Series([0.0, 1.0, 9.0]), v).tolist()
    [2.0, 1.0, nan]
    """
    if var.type == "string":
        text = raw.astype(object).where(raw.notna(), "").astype(str).str.rstrip()
        blank = (text == "") | text.isin([str(m) for m in var.missing])
        return text.where(~blank, None).astype(object)
    codes = pd.to_numeric(raw, errors="coerce").astype("float64")
    codes = codes.where(~codes.isin(list(var.missing)))
    if var.recode:
        codes = codes.replace(dict(var.recode))
    return codes


def _categorical(codes: pd.Series, labels: Mapping[Any, str], ordered: bool) -> pd.Series:
    categories = list(dict.fromkeys(labels.values()))
    mapped = codes.map(dict(labels))
    return pd.Series(
        pd.Categorical(mapped, categories=categories, ordered=ordered), index=codes.index
    )


def _derive(codes: pd.DataFrame, spec: Derived) -> pd.Series:
    if spec.kind == "map":
        source = codes[spec.source]
        out = source.map(dict(spec.mapping))
        if spec.default is not None:
            out = out.where(source.isna() | source.isin(list(spec.mapping)), spec.default)
        return out.astype("float64")
    if spec.kind == "bins":
        source = codes[spec.source]
        edges = np.asarray(spec.edges, dtype=float)
        position = np.searchsorted(edges, source.to_numpy(dtype=float), side="right")
        labels = np.asarray(list(spec.values), dtype=float)
        valid = source.notna().to_numpy() & (position > 0)
        values = np.where(valid, labels[np.clip(position - 1, 0, len(labels) - 1)], np.nan)
        return pd.Series(values, index=codes.index)
    # kind == "any": 1 when any condition holds, 2 when all none_if conditions hold, else missing
    hit = pd.Series(False, index=codes.index)
    for name, wanted in spec.any_of.items():
        hit |= codes[name].isin(list(wanted))
    none = pd.Series(bool(spec.none_if), index=codes.index)
    for name, wanted in spec.none_if.items():
        none &= codes[name].isin(list(wanted))
    return pd.Series(np.where(hit, 1.0, np.where(none, 2.0, np.nan)), index=codes.index)


def _agree_labels(book: Codebook, battery: Battery) -> Mapping[float, str]:
    """The battery's labels for codes 0 and 1 of its ``<item>_agree`` indicators."""
    if not battery.agree_labels:
        # load_codebook refuses such a battery; this guards one built in code
        raise InputError(
            f"{book.source or book.wave}: battery '{battery.name}' has no labels for its "
            "<item>_agree indicators (key 'agree_labels')",
            'add agree_labels: {0: "<does not agree>", 1: "<agrees>"} to the battery in the '
            "codebook",
        )
    return battery.agree_labels


def _battery_columns(codes: pd.DataFrame, book: Codebook, battery: Battery) -> dict[str, pd.Series]:
    out: dict[str, pd.Series] = {}
    agree_labels = _agree_labels(book, battery)
    for item in battery.items:
        var = book.variables[item]
        item_codes = codes[item]
        agree = item_codes.isin(list(battery.agree)).astype("float64").where(item_codes.notna())
        out[f"{item}_agree"] = _categorical(agree, agree_labels, ordered=False)
        valid = sorted(var.canonical_labels)
        score = item_codes
        if item in battery.reversed and valid:
            score = (min(valid) + max(valid)) - item_codes
        out[f"{item}_score"] = score.astype("float64")
    return out


def clean(frame: pd.DataFrame, book: Codebook) -> pd.DataFrame:
    """Apply a codebook to a validated raw frame.

    Parameters
    ----------
    frame
        Raw data (raw names and codes) that passed :func:`survey.codebook.validate`.
    book
        The wave's codebook.

    Returns
    -------
    pandas.DataFrame
        One row per case, sorted by the identifier: ``wave``, then the codebook's variables under
        their canonical names, then battery columns and derived variables. Coded variables are
        categoricals with the canonical labels as categories (ordered for ordinal measures).

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from survey.codebook import load_codebook
    >>> path = Path(tempfile.mkdtemp()) / "w1.yaml"
    >>> _ = path.write_text("wave: w1\\nsurvey: s\\nid: resp\\nvariables:\\n"
    ...     "  resp: {raw: id, role: id}\\n  detail: {raw: q1, values: {1: Nu, 2: Ooit, 3: Nooit}}\\n"
    ...     "derived:\\n  group: {kind: map, from: detail, map: {1: 1, 2: 1, 3: 2},"
    ...     " values: {1: Met, 2: Zonder}}\\n")
    >>> raw = pd.DataFrame({"id": [1.0, 2.0, 3.0], "q1": [1.0, 2.0, 3.0]})
    >>> tidy = clean(raw, load_codebook(path))
    >>> tidy["group"].tolist()
    ['Met', 'Met', 'Zonder']
    """
    codes = pd.DataFrame(
        {name: canonical_codes(frame[var.raw], var) for name, var in book.variables.items()},
        index=frame.index,
    )
    for name, spec in book.derived.items():
        codes[name] = _derive(codes, spec)
    columns: dict[str, pd.Series] = {
        "wave": pd.Series(pd.Categorical([book.wave] * len(frame)), index=frame.index)
    }
    for name, var in book.variables.items():
        if var.is_categorical and var.role != "id":
            columns[name] = _categorical(
                codes[name], var.canonical_labels, var.measure == "ordinal"
            )
        else:
            columns[name] = codes[name]
    for battery in book.batteries.values():
        columns.update(_battery_columns(codes, book, battery))
    for name, spec in book.derived.items():
        columns[name] = _categorical(codes[name], spec.values, ordered=spec.kind == "bins")
    tidy = pd.DataFrame(columns)
    if book.id is None:  # no identifier: the file's order is the only order there is
        return tidy
    return tidy.sort_values(book.id, kind="stable").reset_index(drop=True)


def processed_meta(tidy: pd.DataFrame, book: Codebook, file_label: str | None) -> FileMeta:
    """Describe a cleaned frame as SPSS metadata with the canonical codes and labels.

    Parameters
    ----------
    tidy
        Output of :func:`clean`.
    book
        The codebook it was cleaned with.
    file_label
        File label for the processed ``.sav``.

    Returns
    -------
    FileMeta
        Metadata for :func:`survey.io.write_sav`. An ``<item>_agree`` indicator is labelled
        with its item's label and, in brackets and lower case, the battery's label for code 1.
    """
    variables: dict[str, VariableMeta] = {}
    wave_labels = {1.0: book.wave}
    for name in tidy.columns:
        column = tidy[name]
        if name == "wave":
            variables[name] = VariableMeta(
                name, "Golf (wave)", "numeric", "F2.0", "nominal", wave_labels
            )
            continue
        var = book.variables.get(name)
        derived = book.derived.get(name)
        if var is not None:
            label, labels = (
                var.label,
                var.canonical_labels if var.is_categorical and var.role != "id" else {},
            )
        elif derived is not None:
            label, labels = derived.label, dict(derived.values)
        elif name.endswith("_agree"):
            item = name.removesuffix("_agree")
            # the last battery listing the item made the column (clean() updates in order)
            battery = [b for b in book.batteries.values() if item in b.items][-1]
            labels = dict(_agree_labels(book, battery))
            label = f"{book.variables[item].label} ({labels[1.0].lower()})"
        else:
            item = name.removesuffix("_score")
            reversed_ = any(item in b.reversed for b in book.batteries.values())
            label, labels = (
                f"{book.variables[item].label} (score{', omgekeerd' if reversed_ else ''})",
                {},
            )
        if var is not None and var.type == "string":
            texts = [str(c) for c in labels] + column.dropna().astype(str).tolist()
            width = max([1, *map(len, texts)])
            variables[name] = VariableMeta(
                name, label, "string", f"A{width}", "nominal", dict(labels)
            )
        elif isinstance(column.dtype, pd.CategoricalDtype):
            measure = "ordinal" if column.cat.ordered else "nominal"
            variables[name] = VariableMeta(name, label, "numeric", "F8.0", measure, dict(labels))
        else:
            fmt = var.format if var is not None and var.format else "F8.2"
            measure = "nominal" if var is not None and var.role == "id" else "scale"
            variables[name] = VariableMeta(name, label, "numeric", fmt, measure)
    return FileMeta(variables=variables, file_label=file_label, n_rows=len(tidy))
