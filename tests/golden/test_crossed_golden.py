"""Estimates by the cross of two domain variables agree with R's svyby(~y, ~a + b, ...).

`SurveyDesign.crossed` (``survey estimate --by a --by b``) on the stratified design with fpc and
the two-stage cluster design with fpc, means and totals: estimate and SE per combination to 1e-9
(closed forms), in the order of R's rows. Made by tests/golden/make_golden_crossed.R.
"""

from __future__ import annotations

import json
import math
from typing import Any

import pandas as pd
import pytest

from golden_design import design_from_spec
from repo import GOLDEN_ROOT
from survey.analysis.design import SurveyDesign
from survey.analysis.estimate import means, quietly, totals

CASES: dict[str, dict[str, Any]] = json.loads(
    (GOLDEN_ROOT / "crossed" / "crossed.json").read_text("utf-8")
)["cases"]
CLOSED_FORM = 1e-9


def _design(case: dict[str, Any]) -> SurveyDesign:
    return design_from_spec(case["design"])


@pytest.mark.parametrize("name", sorted(CASES))
def test_estimates_by_two_domain_variables_agree_with_r_svyby(name: str) -> None:
    case = CASES[name]
    design, by = _design(case).crossed(case["by"])
    function = means if case["stat"] == "mean" else totals
    table = quietly(function, design, case["variable"], by=by).set_index("group")
    for want in case["rows"]:
        got = table.loc[f"{want['stype']}, {want['awards']}"]
        for quantity in ("estimate", "se"):
            assert math.isclose(got[quantity], want[quantity], rel_tol=CLOSED_FORM), (
                name,
                want,
                quantity,
            )


def test_a_combination_without_rows_is_an_empty_domain_not_an_error() -> None:
    frame = pd.DataFrame({"a": ["x", "x", "y"], "b": ["p", "q", "p"], "v": [1.0, 2.0, 3.0]})
    design, by = SurveyDesign(frame).crossed(["a", "b"])
    table = quietly(means, design, "v", by=by)
    assert table.set_index("group").loc["y, q", "n"] == 0


def test_a_row_missing_one_domain_variable_is_in_no_combination() -> None:
    frame = pd.DataFrame({"a": ["x", None, "y"], "b": ["p", "q", "p"]})
    design, by = SurveyDesign(frame).crossed(["a", "b"])
    assert design.data[by].isna().tolist() == [False, True, False]
