"""The designs of the golden files: a JSON spec (data file, weight, strata, clusters, fpc) as a design.

The R scripts under tests/golden/ write each case's design as
``{"data", "weight", "strata", "cluster", "fpc", "fpc_kind"}``; :func:`design_from_spec` builds
the same design from it, on the CSV the R script read.
"""

from __future__ import annotations

from collections.abc import Callable
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


def replicate_design(
    spec: dict[str, Any], prepare: Callable[[pd.DataFrame], pd.DataFrame] | None = None
) -> SurveyDesign:
    """The replicate design of a spec of tests/golden/replicates/replicates.json.

    Weights R wrote to a file (``repweights``, ``rep_type``, ``rep_scale``, ``rep_rscales``, ``mse``),
    or replicates made from the Taylor design (``replicates``, ``rho``); paths are relative to
    tests/golden/. ``prepare`` derives columns a test needs from the data first.
    """
    frame = golden_frame(spec["data"], "").copy()
    if prepare is not None:
        frame = prepare(frame)
    if "repweights" in spec:
        rscales = None
        if "rep_rscales" in spec:
            rscales = golden_frame(spec["rep_rscales"], "")["rscale"].tolist()
        return SurveyDesign(frame, weight=spec["weight"]).with_replicate_weights(
            spec["repweights"],
            spec["rep_type"],
            scale=spec.get("rep_scale"),
            rscales=rscales,
            mse=bool(spec.get("mse", False)),
        )
    taylor = SurveyDesign(
        frame,
        weight=spec["weight"],
        strata=spec["strata"],
        cluster=tuple(spec["cluster"]),
        fpc=tuple(spec["fpc"]),
        fpc_kind=spec["fpc_kind"],
    )
    return taylor.with_replicates(spec["replicates"], rho=spec.get("rho", 0.5))
