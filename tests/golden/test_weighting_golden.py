"""Weights and calibration-aware estimates agree with R's survey package.

Golden values are in tests/golden/weighting/weighting.json, made by
tests/golden/make_golden_weighting_inputs.py and tests/golden/make_golden_weighting.R (which
document the R calls; CI has no R, so the outputs are committed). Each case rebuilds in Python the
design R used from the same CSV, weights it to the same margins file (post-stratification, raking,
linear calibration) and compares every row's weight, and the estimates with their
calibration-aware and fixed-weight standard errors, to R's at a relative difference of 1e-7.

The SE of the share of a calibration variable (``sch_wide`` after calibrating on it) is zero in
exact arithmetic; R and Python both give rounding noise there (below 1e-9 of the estimate), so
those SEs are compared with an absolute tolerance of 1e-9 times the estimate instead.
"""

from __future__ import annotations

import json
import math
from functools import cache
from typing import Any

import numpy as np
import pandas as pd
import pytest

from repo import GOLDEN_ROOT
from survey.analysis.design import SurveyDesign
from survey.analysis.estimate import means, proportions, totals
from survey.weighting import WeightingResult, read_margins, trim_weights, weigh

GOLDEN = GOLDEN_ROOT / "weighting"
GOLD: dict[str, Any] = json.loads((GOLDEN / "weighting.json").read_text("utf-8"))
CASES: dict[str, dict[str, Any]] = GOLD["cases"]
TRIMS: dict[str, dict[str, Any]] = GOLD["trim"]
REL = 1e-7
ZERO = 1e-9  # an SE below this fraction of its estimate is zero up to rounding
ESTIMATORS = {"mean": means, "total": totals, "proportion": proportions}
BY = {"apistrat.csv": "stype", "apiclus1.csv": "stype", "wea2010.csv": "region"}


@cache
def _frame(file: str) -> pd.DataFrame:
    return pd.read_csv(GOLDEN / file, keep_default_na=False, na_values=[""])


def _design(case: dict[str, Any]) -> SurveyDesign:
    spec = case["design"]
    return SurveyDesign(
        _frame(spec["data"]).copy(),
        weight=spec["weight"],
        strata=spec["strata"],
        cluster=tuple(spec["cluster"]),
        fpc=tuple(spec["fpc"]),
        fpc_kind=spec["fpc_kind"],
        source=spec["data"],
    )


@cache
def _weighted(name: str) -> tuple[SurveyDesign, WeightingResult]:
    case = CASES[name]
    design = _design(case)
    margins = read_margins(GOLDEN / case["margins"])
    # R was run to full convergence (epsilon 1e-12); so is Python
    result = weigh(
        design.data,
        margins,
        method=case["method"],
        base_weight=case["design"]["weight"],
        tolerance=1e-13,
        max_iter=10_000,
    )
    return design.calibrate(result, name="calibrated"), result


def _row(table: pd.DataFrame, expected: dict[str, Any]) -> pd.Series:
    mask = pd.Series(True, index=table.index)
    mask &= (
        table["group"].isna() if expected["group"] is None else table["group"] == expected["group"]
    )
    if expected["level"] is not None:
        mask &= table["level"] == expected["level"]
    (position,) = mask[mask].index
    return table.loc[position]


@cache
def _compared(name: str) -> tuple[tuple[str, float, float, float], ...]:
    """(quantity, R value, Python value, absolute tolerance) for every estimate of a case."""
    calibrated, _ = _weighted(name)
    fixed = calibrated.update(calibration=())
    out = []
    for expected in CASES[name]["estimates"]:
        estimator = ESTIMATORS[expected["stat"]]
        by = BY[CASES[name]["design"]["data"]] if expected["group"] is not None else None
        mine = _row(estimator(calibrated, expected["variable"], by=by), expected)
        mine_fixed = _row(estimator(fixed, expected["variable"], by=by), expected)
        zero = ZERO * abs(expected["estimate"])
        out += [
            ("estimate", expected["estimate"], float(mine["estimate"]), 0.0),
            ("se", expected["se"], float(mine["se"]), zero),
            ("se_fixed", expected["se_fixed"], float(mine_fixed["se"]), zero),
        ]
    return tuple(out)


def _rel_diff(r: float, py: float) -> float:
    return 0.0 if r == py else abs(r - py) / max(abs(r), abs(py))


@pytest.mark.parametrize("name", list(CASES))
def test_weights_of_every_row_match_r(name: str) -> None:
    _, result = _weighted(name)
    assert result.diagnostics.converged
    assert result.weights.to_numpy() == pytest.approx(CASES[name]["weights"], rel=REL)


@pytest.mark.parametrize("name", list(CASES))
def test_estimates_and_calibration_aware_ses_match_r(name: str) -> None:
    for quantity, r, py, zero in _compared(name):
        assert py == pytest.approx(r, rel=REL, abs=zero), quantity


@pytest.mark.parametrize("name", list(TRIMS))
def test_trimmed_weights_match_r_trimweights(name: str) -> None:
    case = TRIMS[name]
    trimmed = trim_weights(
        np.array(case["weights_before"]), case["lower"], case["upper"], strict=case["strict"]
    )
    assert trimmed == pytest.approx(case["weights"], rel=REL)
    assert int(np.sum(trimmed > case["upper"] * (1 + 1e-12))) == case["above_upper"]
    assert trimmed.sum() == pytest.approx(case["total"], rel=1e-12)


def test_r_single_pass_trimming_leaves_weights_above_the_cap_and_the_strict_loop_does_not() -> None:
    for source in {t["source"] for t in TRIMS.values()}:
        cases = {t["strict"]: t for t in TRIMS.values() if t["source"] == source}
        assert cases[False]["above_upper"] > 0
        assert cases[True]["above_upper"] == 0


def _largest_differences() -> dict[str, float]:
    largest = dict.fromkeys(("weights", "estimate", "se", "se_fixed", "trimmed_weights"), 0.0)
    for name, case in CASES.items():
        weights = _weighted(name)[1].weights.to_numpy()
        for r, py in zip(case["weights"], weights, strict=True):
            largest["weights"] = max(largest["weights"], _rel_diff(r, py))
        for quantity, r, py, zero in _compared(name):
            if abs(r) > zero:  # SEs that are zero up to rounding have no relative difference
                largest[quantity] = max(largest[quantity], _rel_diff(r, py))
    for case in TRIMS.values():
        trimmed = trim_weights(
            np.array(case["weights_before"]), case["lower"], case["upper"], strict=case["strict"]
        )
        for r, py in zip(case["weights"], trimmed, strict=True):
            largest["trimmed_weights"] = max(largest["trimmed_weights"], _rel_diff(r, py))
    return largest


def test_largest_relative_difference_from_r_is_below_1e7_for_every_quantity() -> None:
    largest = _largest_differences()
    print(
        "largest relative difference from R:", ", ".join(f"{k} {v:.1e}" for k, v in largest.items())
    )
    assert all(math.isfinite(v) and v < REL for v in largest.values()), largest


def test_golden_file_covers_every_method_design_and_margin_shape() -> None:
    assert {c["method"] for c in CASES.values()} == {"poststratify", "rake", "linear"}
    assert {c["design"]["data"] for c in CASES.values()} == set(BY)
    shapes = {(c["method"], c["margins"]) for c in CASES.values()}
    for method in ("rake", "linear"):
        assert {(method, f"margins_{m}.csv") for m in ("two", "three", "mixed")} <= shapes
    assert {("poststratify", "margins_cross.csv"), ("poststratify", "margins_one.csv")} <= shapes
    assert {t["strict"] for t in TRIMS.values()} == {True, False}
    wea = CASES["wea2010.rake.margins2010"]["estimates"]
    assert {(e["group"], e["level"]) for e in wea} >= {
        ("Noord-Brabant", "Ja"),
        ("Overig Nederland", "Ja"),
    }
