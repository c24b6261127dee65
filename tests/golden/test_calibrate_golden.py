"""Calibration to totals (R's ``calibrate``) and its calibration-aware SEs agree with R.

Golden values are in tests/golden/calibrate/calibrate.json, made by
tests/golden/make_golden_calibrate.R (which documents the R calls; CI has no R, so the outputs
are committed). Each case rebuilds in Python the design R used from the same CSV
(tests/golden/data/), calibrates it to the same totals file with the same calfun, bounds,
epsilon and maxit, and compares every row's weight and the mean and total with their
calibration-aware standard errors to R's at a relative difference of 1e-6 (the iterative
tolerance; the Newton iteration follows R's step for step, so the agreement is much closer).
The designs are stratified with fpc (apistrat), two-stage clustered with fpc at both stages
(apiclus2) and unweighted (apistrat with weights 1, where R rescales the weights before the
bounds apply); the auxiliaries numeric (N, api99, meals) and mixed (stype, api99). Cases that R
refuses ("Calibration failed": bounds too tight to hold) must fail in Python with a
StatisticalError.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import numpy as np
import pytest

from golden_design import design_from_spec
from repo import GOLDEN_ROOT
from survey.analysis.design import SurveyDesign
from survey.analysis.estimate import means, totals
from survey.errors import InputError, StatisticalError
from survey.weighting import WeightingResult, calibrate, read_totals

GOLDEN = GOLDEN_ROOT / "calibrate"
GOLD: dict[str, Any] = json.loads((GOLDEN / "calibrate.json").read_text("utf-8"))
CASES: dict[str, dict[str, Any]] = GOLD["cases"]
CONVERGED = sorted(name for name, case in CASES.items() if not case["failed"])
FAILED = sorted(name for name, case in CASES.items() if case["failed"])
# unbounded GREG may give negative weights (R keeps them); SurveyDesign refuses those
POSITIVE = [name for name in CONVERGED if min(CASES[name]["weights"]) > 0]
NEGATIVE = [name for name in CONVERGED if min(CASES[name]["weights"]) <= 0]
REL = 1e-6
ESTIMATORS = {"mean": means, "total": totals}


def _design(case: dict[str, Any]) -> SurveyDesign:
    return design_from_spec(case["design"], "data", source=case["design"]["data"])


def _calibrate(name: str) -> tuple[SurveyDesign, WeightingResult]:
    case = CASES[name]
    design = _design(case)
    result = calibrate(
        design.data,
        read_totals(GOLDEN / case["totals"]),
        base_weight=case["design"]["weight"],
        calfun=case["calfun"],
        bounds=tuple(case["bounds"]) if case["bounds"] is not None else None,
        tolerance=case["epsilon"],
        max_iter=case["maxit"],
    )
    return design, result


@cache
def _calibrated(name: str) -> tuple[SurveyDesign, WeightingResult]:
    design, result = _calibrate(name)
    return design, result


@cache
def _calibrated_design(name: str) -> SurveyDesign:
    design, result = _calibrated(name)
    return design.calibrate(result, name="calibrated")


def test_the_golden_cases_cover_every_calfun_with_and_without_bounds_on_both_designs() -> None:
    seen = {
        (c["design"]["data"], c["totals"], c["calfun"], c["bounds"] is not None)
        for c in (CASES[name] for name in CONVERGED)
    }
    for data in ("apistrat.csv", "apiclus2.csv"):
        for totals_file in ("totals_numeric.csv", "totals_mixed.csv"):
            for calfun, bounded in [
                ("linear", False),
                ("linear", True),
                ("raking", False),
                ("raking", True),
                ("logit", True),
            ]:
                assert (data, totals_file, calfun, bounded) in seen
    assert any(CASES[name]["design"]["weight"] is None for name in CONVERGED)
    assert len(FAILED) >= 4


@pytest.mark.parametrize("name", CONVERGED)
def test_weights_of_every_row_match_r(name: str) -> None:
    _, result = _calibrated(name)
    assert result.diagnostics.converged
    assert result.weights.to_numpy() == pytest.approx(CASES[name]["weights"], rel=REL)


@pytest.mark.parametrize("name", CONVERGED)
def test_bounded_g_weights_stay_within_the_bounds(name: str) -> None:
    case = CASES[name]
    _, result = _calibrated(name)
    low, high = case["g_range"]
    assert result.diagnostics.summary["g_min"] == pytest.approx(low, rel=REL)
    assert result.diagnostics.summary["g_max"] == pytest.approx(high, rel=REL)


@pytest.mark.parametrize("name", POSITIVE)
def test_mean_and_total_with_calibration_aware_ses_match_r(name: str) -> None:
    calibrated = _calibrated_design(name)
    for expected in CASES[name]["estimates"]:
        table = ESTIMATORS[expected["stat"]](calibrated, expected["variable"])
        assert len(table) == 1
        row = table.iloc[0]
        assert float(row["estimate"]) == pytest.approx(expected["estimate"], rel=REL)
        assert float(row["se"]) == pytest.approx(expected["se"], rel=REL), expected["stat"]


@pytest.mark.parametrize("name", POSITIVE)
def test_calibration_changes_the_se_of_the_mean(name: str) -> None:
    # guards against the calibration record being dropped: fixed weights give another SE
    calibrated = _calibrated_design(name)
    fixed = calibrated.update(calibration=())
    aware = float(means(calibrated, "api00").iloc[0]["se"])
    plain = float(means(fixed, "api00").iloc[0]["se"])
    assert not np.isclose(aware, plain, rtol=1e-3)


@pytest.mark.parametrize("name", NEGATIVE)
def test_negative_greg_weights_match_r_but_the_design_refuses_them(name: str) -> None:
    _, result = _calibrated(name)
    assert result.weights.min() < 0
    with pytest.raises(InputError, match="negative"):
        _calibrated_design(name)


@pytest.mark.parametrize("name", FAILED)
def test_bounds_r_cannot_meet_fail_with_a_statistical_error(name: str) -> None:
    with pytest.raises(StatisticalError, match="did not converge"):
        _calibrate(name)
