"""The likelihood interval of a proportion agrees with R's svyciprop(method = "likelihood").

Overall and by domain, on the stratified design with fpc and the two-stage cluster design with
fpc, at levels 0.95 and 0.9: limits to 1e-6 (a profile, interpolated). Made by
tests/golden/make_golden_ciprop_likelihood.R.
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pandas as pd
import pytest

from golden_design import design_from_spec
from repo import GOLDEN_ROOT
from survey.analysis.design import SurveyDesign
from survey.analysis.estimate import proportions
from survey.analysis.intervals import LikelihoodTerms, likelihood_terms, proportion_ci
from survey.errors import InputError

CASES: dict[str, dict[str, Any]] = json.loads(
    (GOLDEN_ROOT / "ciprop" / "ciprop_likelihood.json").read_text("utf-8")
)["cases"]
ITERATIVE = 1e-6


def _design(case: dict[str, Any]) -> SurveyDesign:
    return design_from_spec(case["design"])


def _intervals(name: str, level: float) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    case = CASES[name]
    design = _design(case)
    table = proportions(design, case["variable"], by=case["by"])
    table = table.loc[table["level"] == case["level"]].reset_index(drop=True)
    frame = design.data
    indicator = (frame[case["variable"]] == case["level"]).to_numpy(float)[:, None]
    if case["by"] is None:
        domain, n_domains = np.zeros(len(frame), int), 1
    else:
        groups = sorted(frame[case["by"]].unique())
        domain = frame[case["by"]].map({g: i for i, g in enumerate(groups)}).to_numpy()
        n_domains = len(groups)
    terms = likelihood_terms(
        design.weights, indicator, np.ones(len(frame), bool), domain, n_domains
    )
    low, high = proportion_ci(
        table["estimate"].to_numpy()[:, None],
        table["se"].to_numpy()[:, None],
        table["df"].to_numpy()[:, None],
        table["n"].to_numpy()[:, None],
        "likelihood",
        level,
        likelihood=terms,
    )
    return table, low.ravel(), high.ravel()


@pytest.mark.parametrize("level", [0.95, 0.9])
@pytest.mark.parametrize("name", sorted(CASES))
def test_the_likelihood_interval_agrees_with_r_svyciprop(name: str, level: float) -> None:
    table, low, high = _intervals(name, level)
    rows = CASES[name]["rows"]
    assert len(table) == len(rows)
    for k, want in enumerate(rows):
        interval = next(i for i in want["intervals"] if i["level"] == level)
        # R reports expit of the IRLS intercept, the weighted mean to about 1e-11
        assert math.isclose(table["estimate"][k], interval["estimate"], rel_tol=1e-9)
        assert math.isclose(low[k], interval["ci_low"], rel_tol=ITERATIVE), (name, k)
        assert math.isclose(high[k], interval["ci_high"], rel_tol=ITERATIVE), (name, k)


def test_the_golden_cases_cover_both_designs_overall_and_by_domain() -> None:
    kinds = {(c["design"]["data"], c["by"]) for c in CASES.values()}
    assert {("apistrat.csv", None), ("apistrat.csv", "stype")} <= kinds
    assert {("apiclus2.csv", None), ("apiclus2.csv", "stype")} <= kinds


def test_the_likelihood_interval_is_not_symmetric_on_the_logit_scale() -> None:
    table, low, high = _intervals("strat_awards", 0.95)
    logit = np.log(table["estimate"] / (1 - table["estimate"])).to_numpy()
    below, above = logit - np.log(low / (1 - low)), np.log(high / (1 - high)) - logit
    assert not np.isclose(below, above, rtol=1e-3).any()


def test_likelihood_without_its_terms_is_an_input_error() -> None:
    with pytest.raises(InputError, match="likelihood") as caught:
        proportion_ci(
            np.array([0.5]), np.array([0.05]), np.array([30]), np.array([100]), "likelihood"
        )
    assert caught.value.hint is not None and "likelihood_terms" in caught.value.hint


def test_a_proportion_of_zero_has_no_likelihood_interval() -> None:
    terms = LikelihoodTerms(*(np.array([v]) for v in (10.0, 10.0, -3.0, 5.0, 1.0)))
    low, high = proportion_ci(
        np.array([0.0]),
        np.array([0.0]),
        np.array([9]),
        np.array([10]),
        "likelihood",
        likelihood=terms,
    )
    assert np.isnan(low).all() and np.isnan(high).all()
