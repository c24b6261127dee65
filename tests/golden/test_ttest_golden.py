"""Design-based t-tests agree with R's svyttest (golden values in tests/golden/ttest/).

Two-sample tests of a mean between the two groups of a variable (difference second minus first,
R's order) and a one-sample test, on the stratified design with fpc and the two-stage cluster
design with fpc, with missing values: estimate, SE, t, df, p-value and CI to 1e-9 relative
(closed forms). Made by tests/golden/make_golden_ttest.R.
"""

from __future__ import annotations

import json
import math
from typing import Any

import pytest

from golden_design import design_from_spec
from repo import GOLDEN_ROOT
from survey.analysis.design import SurveyDesign
from survey.analysis.inference import ttest
from survey.errors import StatisticalError

CASES: dict[str, dict[str, Any]] = json.loads(
    (GOLDEN_ROOT / "ttest" / "ttest.json").read_text("utf-8")
)["cases"]
QUANTITIES = ("estimate", "se", "t", "df", "p_value", "ci_low", "ci_high")
CLOSED_FORM = 1e-9


def _design(case: dict[str, Any]) -> SurveyDesign:
    return design_from_spec(case["design"])


@pytest.mark.parametrize("name", sorted(CASES))
def test_ttest_agrees_with_r_svyttest(name: str) -> None:
    case = CASES[name]
    result = ttest(_design(case), case["variable"], by=case["by"])
    for quantity in QUANTITIES:
        got, want = float(result[quantity]), float(case[quantity])  # type: ignore[arg-type]
        assert math.isclose(got, want, rel_tol=CLOSED_FORM), (name, quantity, got, want)


def test_the_difference_is_the_second_group_minus_the_first() -> None:
    result = ttest(_design(CASES["strat_api00_awards"]), "api00", by="awards")
    assert (result["group_a"], result["group_b"]) == ("No", "Yes")


def test_a_variable_with_three_groups_cannot_be_t_tested() -> None:
    case = CASES["strat_api00_awards"]
    with pytest.raises(StatisticalError, match="needs two groups of 'stype'"):
        ttest(_design(case), "api00", by="stype")
