"""The designs of the golden files: a JSON spec (data file, weight, strata, clusters, fpc) as a design.

The R scripts under tests/golden/ write each case's design as
``{"data", "weight", "strata", "cluster", "fpc", "fpc_kind"}``; :func:`design_from_spec` builds
the same design from it, on the CSV the R script read.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import pandas as pd

from repo import GOLDEN_ROOT
from survey.analysis.design import SurveyDesign


@cache
def golden_frame(file: str, folder: str = "estimate") -> pd.DataFrame:
    """A golden input CSV (read once; callers get a copy from :func:`design_from_spec`)."""
    return pd.read_csv(GOLDEN_ROOT / folder / file)


def design_from_spec(spec: dict[str, Any], folder: str = "estimate", **extra: Any) -> SurveyDesign:
    """The design a golden case's spec describes, on a fresh copy of its data."""
    return SurveyDesign(
        golden_frame(spec["data"], folder).copy(),
        weight=spec["weight"],
        strata=spec["strata"],
        cluster=tuple(spec["cluster"]),
        fpc=tuple(spec["fpc"]),
        fpc_kind=spec["fpc_kind"],
        **extra,
    )
