"""Turn canonical codes into a raw export as the codebook describes it.

The generator works in canonical codes plus three markers (:data:`NOT_ASKED`, :data:`DONT_KNOW`,
:data:`NO_ANSWER`). This module maps them onto the raw file's own conventions (raw names, raw
codes, the wave's missing and not-applicable codes) and builds the SPSS metadata from the
codebook, so that the synthetic files look exactly like the exports the codebooks describe.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from survey.codebook import SYSMIS, Codebook, Variable
from survey.io import FileMeta, VariableMeta

__all__ = ["DONT_KNOW", "NOT_ASKED", "NO_ANSWER", "raw_meta", "to_raw"]

NOT_ASKED = -7.0
DONT_KNOW = -8.0
NO_ANSWER = -9.0


def _missing_code(var: Variable, marker: float) -> Any:
    """Pick the raw code for a missing-answer marker from the variable's missing codes."""
    if marker == NOT_ASKED:
        return np.nan if var.not_applicable == SYSMIS else var.not_applicable
    candidates = [c for c in var.missing if c != var.not_applicable]
    if not candidates:
        # exports without missing codes for a question leave a non-answer empty
        return np.nan
    return candidates[0] if marker == DONT_KNOW else candidates[-1]


def to_raw(codes: pd.DataFrame, book: Codebook) -> pd.DataFrame:
    """Map a frame of canonical codes (and markers) onto the raw export's names and codes.

    Parameters
    ----------
    codes
        One column per canonical variable of ``book``.
    book
        The wave's codebook.

    Returns
    -------
    pandas.DataFrame
        Raw names, raw codes, in codebook order, sorted by the identifier.
    """
    out = {}
    for name, var in book.variables.items():
        column = codes[name]
        if var.type == "string":
            out[var.raw] = column.fillna("").astype(str)
            continue
        inverse = {new: old for old, new in var.recode.items()}
        raw = column.astype(float).replace(inverse) if inverse else column.astype(float)
        for marker in (NOT_ASKED, DONT_KNOW, NO_ANSWER):
            hit = column == marker
            if hit.any():
                raw = raw.where(~hit, _missing_code(var, marker))
        out[var.raw] = raw.astype(float)
    frame = pd.DataFrame(out)
    if book.id is None:
        return frame
    return frame.sort_values(book.variables[book.id].raw, kind="stable").reset_index(drop=True)


def raw_meta(book: Codebook, frame: pd.DataFrame, file_label: str) -> FileMeta:
    """Build the SPSS metadata of a raw export from its codebook.

    Parameters
    ----------
    book
        The wave's codebook.
    frame
        The raw data (to size string formats).
    file_label
        The file label.

    Returns
    -------
    FileMeta
        Labels, value labels, user-missing codes, measure levels and formats.
    """
    variables = {}
    for var in book.variables.values():
        if var.type == "string":
            width = max([1, *frame[var.raw].astype(str).str.len().tolist()])
            fmt = var.format or f"A{width}"
        else:
            top = max(
                [abs(c) for c in var.values if isinstance(c, float)]
                + [var.valid_range[1] if var.valid_range else 9]
            )
            fmt = var.format or f"F{len(str(int(top)))}.0"
        variables[var.raw] = VariableMeta(
            name=var.raw,
            label=var.label,
            type=var.type,
            format=fmt,
            measure=var.measure,
            value_labels=dict(var.values),
            missing_values=tuple(var.missing),
        )
    return FileMeta(variables=variables, file_label=file_label, n_rows=len(frame))
