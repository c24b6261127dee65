"""Population variances agree with R's svyvar (golden values in tests/golden/variance/).

Each case rebuilds the design R used from the same CSV (stratified with fpc; two-stage clustered
with fpc at both stages), overall and by domain, and compares estimate, standard error,
confidence limits, degrees of freedom and n with R's. The variance is a closed form (a mean of
squared deviations): 1e-9 relative. Made by tests/golden/make_golden_variance.R.
"""

from __future__ import annotations

import json
import math
from typing import Any

import pytest

from golden_design import design_from_spec
from repo import GOLDEN_ROOT
from survey.analysis.design import SurveyDesign
from survey.analysis.estimate import estimate, variances

CASES: dict[str, dict[str, Any]] = json.loads(
    (GOLDEN_ROOT / "variance" / "variance.json").read_text("utf-8")
)["cases"]
QUANTITIES = ("estimate", "se", "ci_low", "ci_high", "df", "n")
CLOSED_FORM = 1e-9


def _design(case: dict[str, Any]) -> SurveyDesign:
    return design_from_spec(case["design"])


@pytest.mark.parametrize("name", sorted(CASES))
def test_variance_agrees_with_r_svyvar(name: str) -> None:
    case = CASES[name]
    table = variances(_design(case), case["variable"], by=case["by"])
    assert len(table) == len(case["rows"])
    for (_, got), want in zip(table.iterrows(), case["rows"], strict=True):
        if case["by"] is not None:
            assert str(got["group"]) == want["group"]
        for quantity in QUANTITIES:
            assert math.isclose(got[quantity], want[quantity], rel_tol=CLOSED_FORM), (
                name,
                want["group"],
                quantity,
                got[quantity],
                want[quantity],
            )


def test_the_estimate_table_asks_for_variances_by_name() -> None:
    case = CASES["strat_api00"]
    table = estimate(_design(case), ["api00"], stat="variance")
    assert table["stat"].tolist() == ["variance"]
    assert math.isclose(table["estimate"].iloc[0], case["rows"][0]["estimate"], rel_tol=1e-12)


def test_a_variance_has_no_design_effect_as_in_r() -> None:
    case = CASES["strat_api00"]
    assert math.isnan(variances(_design(case), case["variable"])["deff"].iloc[0])
