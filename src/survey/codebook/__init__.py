"""Codebooks: their schema, the check of a raw file against one, and skeletons from any file.

``schema`` parses a codebook YAML (``config/codebooks/<wave>.yaml``) into frozen dataclasses and
checks the codebook itself; ``validate`` checks a raw file against it and reports every problem at
once; ``describe`` describes any SPSS file and writes a codebook skeleton from it (``survey
codebook``), the starting point for a user's own files. The public names of all three are
available here, e.g. ``from survey.codebook import load_codebook, validate``.

It does not change data: applying a codebook is ``clean.py``'s job.
"""

from __future__ import annotations

from survey.codebook.describe import describe_file, skeleton
from survey.codebook.schema import (
    SYSMIS,
    Battery,
    Codebook,
    Derived,
    MultipleResponseSet,
    Variable,
    load_codebook,
    match_file_names,
)
from survey.codebook.validate import (
    Problem,
    ValidationReport,
    asked_mask,
    format_code,
    is_blank,
    validate,
)

__all__ = [
    "SYSMIS",
    "Battery",
    "Codebook",
    "Derived",
    "MultipleResponseSet",
    "Problem",
    "ValidationReport",
    "Variable",
    "asked_mask",
    "describe_file",
    "format_code",
    "is_blank",
    "load_codebook",
    "match_file_names",
    "skeleton",
    "validate",
]
