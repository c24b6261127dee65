"""The arcsine interval of a proportion agrees with R's svyciprop(method = "asin").

Overall and by domain, on the stratified design with fpc and the two-stage cluster design with
fpc: estimate and limits to 1e-9 (closed form). Made by tests/golden/make_golden_ciprop.R.
"""

from __future__ import annotations

import json
import math
from typing import Any

import pytest

from golden_design import design_from_spec
from repo import GOLDEN_ROOT
from survey.analysis.design import SurveyDesign
from survey.analysis.estimate import proportions

CASES: dict[str, dict[str, Any]] = json.loads(
    (GOLDEN_ROOT / "ciprop" / "ciprop.json").read_text("utf-8")
)["cases"]
CLOSED_FORM = 1e-9


def _design(case: dict[str, Any]) -> SurveyDesign:
    return design_from_spec(case["design"])


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
