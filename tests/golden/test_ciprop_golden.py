"""The arcsine interval of a proportion agrees with R's svyciprop(method = "asin").

Overall and by domain, on the stratified design with fpc and the two-stage cluster design with
fpc: estimate and limits to 1e-9 (closed form). Made by tests/golden/make_golden_ciprop.R.
"""

from __future__ import annotations

import json
import math
from functools import cache
from typing import Any

import pandas as pd
import pytest

from repo import GOLDEN_ROOT
from survey.analysis.design import SurveyDesign
from survey.analysis.estimate import proportions

CASES: dict[str, dict[str, Any]] = json.loads(
    (GOLDEN_ROOT / "ciprop" / "ciprop.json").read_text("utf-8")
)["cases"]
CLOSED_FORM = 1e-9


@cache
def _frame(file: str) -> pd.DataFrame:
    return pd.read_csv(GOLDEN_ROOT / "estimate" / file)


def _design(case: dict[str, Any]) -> SurveyDesign:
    spec = case["design"]
    return SurveyDesign(
        _frame(spec["data"]).copy(),
        weight=spec["weight"],
        strata=spec["strata"],
        cluster=tuple(spec["cluster"]),
        fpc=tuple(spec["fpc"]),
        fpc_kind=spec["fpc_kind"],
    )


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_arcsine_interval_agrees_with_r_svyciprop(name: str) -> None:
    case = CASES[name]
    table = proportions(_design(case), case["variable"], by=case["by"], ci="asin")
    table = table.loc[table["level"] == case["level"]]
    assert len(table) == len(case["rows"])
    for (_, got), want in zip(table.iterrows(), case["rows"], strict=True):
        for quantity in ("estimate", "ci_low", "ci_high"):
            assert math.isclose(got[quantity], want[quantity], rel_tol=CLOSED_FORM), (
                name,
                want["group"],
                quantity,
            )
        assert got["ci_method"] == "asin"
