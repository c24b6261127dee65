"""Design effects against sampling without replacement agree with R's deff = TRUE.

``estimate(..., deff="srswor")`` for means, totals and the levels of a proportion, overall and by
domain, on the stratified design with fpc and the two-stage cluster design with fpc, to 1e-8
(a closed form; R's own value within a stratum differs from 1 by about 5e-10). Made by
tests/golden/make_golden_deff.R.
"""

from __future__ import annotations

import json
import math
from typing import Any

import pytest

from golden_design import design_from_spec
from repo import GOLDEN_ROOT
from survey.analysis.design import SurveyDesign
from survey.analysis.estimate import estimate
from survey.errors import InputError

CASES: dict[str, dict[str, Any]] = json.loads(
    (GOLDEN_ROOT / "deff" / "deff.json").read_text("utf-8")
)["cases"]
REL = 1e-8


def _design(case: dict[str, Any]) -> SurveyDesign:
    return design_from_spec(case["design"])


def _ours(case: dict[str, Any], by: str | None) -> dict[tuple[Any, str], float]:
    table = estimate(_design(case), [case["variable"]], stat=case["stat"], by=by, deff="srswor")
    out = {}
    for _, row in table.iterrows():
        level = case["variable"] + (str(row["level"]) if case["stat"] == "proportion" else "")
        out[(None if by is None else str(row["group"]), level)] = float(row["deff"])
    return out


@pytest.mark.parametrize("name", sorted(CASES))
def test_deff_without_replacement_agrees_with_r(name: str) -> None:
    case = CASES[name]
    ours = _ours(case, None) | _ours(case, "stype")
    for want in case["rows"]:
        level = want["level"].removeprefix("DEff.")  # svyby names the columns of its deff
        got = ours[(want["group"], level)]
        assert math.isclose(got, want["deff"], rel_tol=REL), (name, want, got)


def test_deft_is_the_root_of_deff_and_cv_is_se_over_the_estimate() -> None:
    case = CASES["strat_api00_mean"]
    row = estimate(_design(case), ["api00"]).iloc[0]
    assert math.isclose(row["deft"] ** 2, row["deff"], rel_tol=1e-12)
    assert math.isclose(row["cv"], row["se"] / row["estimate"], rel_tol=1e-12)


def test_an_unknown_design_effect_is_an_input_error() -> None:
    with pytest.raises(InputError, match="unknown design effect 'kish'"):
        estimate(_design(CASES["strat_api00_mean"]), ["api00"], deff="kish")
