"""R's results for the inference and model tests (tests/golden/inference.json) and their designs."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import pandas as pd

from repo import GOLDEN_ROOT
from survey.analysis.design import SurveyDesign

GOLDEN = GOLDEN_ROOT
REL = 1e-7


@cache
def golden() -> dict[str, Any]:
    """The golden JSON written by tests/golden/make_golden_inference.R."""
    return json.loads((GOLDEN / "inference.json").read_text(encoding="utf-8"))


@cache
def design(name: str) -> SurveyDesign:
    """The design a golden case was computed on, rebuilt from the same CSV."""
    spec = golden()["designs"][name]
    return SurveyDesign(
        pd.read_csv(GOLDEN / spec["data"]),
        weight=spec["weight"],
        strata=spec["strata"],
        cluster=tuple(spec["cluster"]),
        fpc=tuple(spec["fpc"]),
        fpc_kind=spec["fpc_kind"],
    )
