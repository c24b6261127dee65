"""Typed, frozen metadata of a data file: :class:`VariableMeta` and :class:`FileMeta`.

The metadata of an SPSS file (variable and value labels, user-missing values and ranges, measure
levels, formats, the file label, the encoding) as frozen dataclasses, with a lossless JSON form
(:meth:`FileMeta.to_dict` / :meth:`FileMeta.from_dict`) and :func:`frame_meta`, which describes a
plain data frame.

It deliberately does not read or write files (``spss.py``, ``parquet.py``) and does not interpret
the data: which codes are missing, what a variable means and how it is recoded is the codebook's
business (``survey.codebook``, ``survey.clean``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["FileMeta", "VariableMeta", "frame_meta"]


@dataclass(frozen=True)
class VariableMeta:
    """Metadata of one variable in an SPSS file.

    Attributes
    ----------
    name
        Variable name as stored in the file.
    label
        Variable label, or ``None``.
    type
        ``"numeric"`` or ``"string"``.
    format
        SPSS print format, e.g. ``"F8.2"`` or ``"A20"``.
    measure
        ``"nominal"``, ``"ordinal"``, ``"scale"`` or ``"unknown"``.
    value_labels
        Code -> label. Codes are floats for numeric and str for string variables.
    missing_values
        Discrete user-missing codes.
    missing_ranges
        User-missing ranges as ``(low, high)`` pairs, both ends included.
    display_width
        Column width shown by SPSS.
    """

    name: str
    label: str | None = None
    type: str = "numeric"
    format: str | None = None
    measure: str = "unknown"
    value_labels: Mapping[Any, str] = field(default_factory=dict)
    missing_values: tuple[Any, ...] = ()
    missing_ranges: tuple[tuple[Any, Any], ...] = ()
    display_width: int | None = None

    def is_user_missing(self, values: pd.Series) -> pd.Series:
        """Flag the values that are declared user-missing in the file.

        Parameters
        ----------
        values
            The variable's raw codes.

        Returns
        -------
        pandas.Series
            Boolean, True where the code is a declared missing value or lies in a missing range.

        Examples
        --------
        >>> v = VariableMeta("q1", missing_values=(9.0,), missing_ranges=((97.0, 98.0),))
        >>> v.is_user_missing(pd.Series([1.0, 9.0, 97.5])).tolist()
        [False, True, True]
        """
        flags = values.isin(list(self.missing_values))
        for low, high in self.missing_ranges:
            flags |= (values >= low) & (values <= high)
        return flags.fillna(False).astype(bool)


@dataclass(frozen=True)
class FileMeta:
    """Metadata of a whole data file.

    Attributes
    ----------
    variables
        Variable name -> :class:`VariableMeta`, in file order.
    file_label
        The file label (SPSS: ``FILE LABEL``), or ``None``.
    encoding
        The character encoding the text was decoded with.
    encoding_note
        Why that encoding was used when it is not the one the file declares, else ``None``.
    n_rows
        Number of cases.
    notes
        Document lines stored in the file.
    source
        Path the metadata was read from, if any.
    """

    variables: Mapping[str, VariableMeta]
    file_label: str | None = None
    encoding: str | None = None
    encoding_note: str | None = None
    n_rows: int = 0
    notes: tuple[str, ...] = ()
    source: str | None = None

    @property
    def names(self) -> list[str]:
        """Variable names in file order."""
        return list(self.variables)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-serialisable dictionary (codes of value labels become text keys).

        Returns
        -------
        dict
            The metadata; :meth:`from_dict` restores it exactly.
        """
        out = dataclasses.asdict(self)
        out["variables"] = [
            {
                **dataclasses.asdict(v),
                "value_labels": [[_json_code(k), lab] for k, lab in v.value_labels.items()],
                "missing_values": [_json_code(c) for c in v.missing_values],
                "missing_ranges": [[_json_code(a), _json_code(b)] for a, b in v.missing_ranges],
            }
            for v in self.variables.values()
        ]
        out["notes"] = list(self.notes)
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FileMeta:
        """Rebuild metadata written by :meth:`to_dict`.

        Parameters
        ----------
        data
            The dictionary.

        Returns
        -------
        FileMeta
            The metadata.
        """
        variables = {}
        for v in data["variables"]:
            variables[v["name"]] = VariableMeta(
                name=v["name"],
                label=v.get("label"),
                type=v.get("type", "numeric"),
                format=v.get("format"),
                measure=v.get("measure", "unknown"),
                value_labels={k: lab for k, lab in v.get("value_labels", [])},
                missing_values=tuple(v.get("missing_values", [])),
                missing_ranges=tuple((a, b) for a, b in v.get("missing_ranges", [])),
                display_width=v.get("display_width"),
            )
        return cls(
            variables=variables,
            file_label=data.get("file_label"),
            encoding=data.get("encoding"),
            encoding_note=data.get("encoding_note"),
            n_rows=int(data.get("n_rows", 0)),
            notes=tuple(data.get("notes", ())),
            source=data.get("source"),
        )

    def replace(self, **changes: Any) -> FileMeta:
        """Return a copy with some attributes changed.

        Parameters
        ----------
        **changes
            Attribute values to change.

        Returns
        -------
        FileMeta
            The changed copy; this object is left as it is.
        """
        return dataclasses.replace(self, **changes)


def _json_code(code: Any) -> Any:
    if isinstance(code, np.generic):
        return code.item()
    return code


def frame_meta(frame: pd.DataFrame, file_label: str | None = None) -> FileMeta:
    """Describe a plain data frame as SPSS metadata.

    Categorical columns become numeric codes 1..k with their categories as value labels; text
    columns become string variables; everything else numeric.

    Parameters
    ----------
    frame
        Any data frame.
    file_label
        File label to record.

    Returns
    -------
    FileMeta
        Metadata that :func:`write_sav` can write ``frame`` with.
    """
    variables = {}
    for name in frame.columns:
        column = frame[name]
        if isinstance(column.dtype, pd.CategoricalDtype):
            labels = {float(i + 1): str(c) for i, c in enumerate(column.cat.categories)}
            measure = "ordinal" if column.cat.ordered else "nominal"
            variables[name] = VariableMeta(
                name=name, type="numeric", format="F8.0", measure=measure, value_labels=labels
            )
        elif _is_text(column):
            width = int(column.dropna().astype(str).str.len().max() or 1) if len(column) else 1
            variables[name] = VariableMeta(
                name=name, type="string", format=f"A{max(width, 1)}", measure="nominal"
            )
        else:
            variables[name] = VariableMeta(name=name, type="numeric", measure="scale")
    return FileMeta(variables=variables, file_label=file_label, n_rows=len(frame))


def _is_text(column: pd.Series) -> bool:
    return pd.api.types.is_string_dtype(column.dtype) or column.dtype == object
