"""Estimates agree with R's survey package (golden values in tests/golden/estimate/estimate.json).

Each case rebuilds in Python the design R used, from the same CSV, and compares estimate, standard
error, confidence limits, degrees of freedom, design effect, n (and n_level for rows per level)
with R's to a relative difference of 1e-7; a missing value in R (JSON null) must be NaN here.
Designs given without weights but with fpc get their weights from the fpc; those weights are
compared with R's ``weights(design)`` row by row to 1e-9. The golden file and its inputs are
made by tests/golden/make_golden_inputs.py and tests/golden/make_golden_estimate.R, which
document the R calls and conventions (CI has no R: the outputs are committed).
"""

from __future__ import annotations

import json
import math
import warnings
from functools import cache
from typing import Any

import numpy as np
import pandas as pd
import pytest

from repo import GOLDEN_ROOT
from survey.analysis.contrast import compare_domains
from survey.analysis.design import SurveyDesign
from survey.analysis.estimate import (
    EmptyDomainWarning,
    means,
    proportions,
    ratios,
    totals,
)

GOLDEN = GOLDEN_ROOT / "estimate"
GOLDEN_FILE: dict[str, Any] = json.loads((GOLDEN / "estimate.json").read_text("utf-8"))
CASES: dict[str, dict[str, Any]] = GOLDEN_FILE["cases"]
WEIGHTS: dict[str, dict[str, Any]] = GOLDEN_FILE["weights"]
QUANTITIES = ("estimate", "se", "ci_low", "ci_high", "df", "deff", "n", "n_level")
CONTRAST = ("estimate_a", "estimate_b", "difference", "se", "ci_low", "ci_high", "t", "df",
            "p_value")  # fmt: skip
REL = 1e-7
CLOSED_FORM = 1e-9
TABLES = [name for name, case in CASES.items() if case["stat"] != "contrast"]
CONTRASTS = [name for name, case in CASES.items() if case["stat"] == "contrast"]


@cache
def _frame(file: str) -> pd.DataFrame:
    return pd.read_csv(GOLDEN / file)


def _design(case: dict[str, Any]) -> SurveyDesign:
    spec = case["design"]
    frame = _frame(spec["data"]).copy()
    if case.get("by_levels"):
        # the domain variable as a factor with a level that has no rows (R: factor levels)
        frame[case["by"]] = pd.Categorical(frame[case["by"]], categories=case["by_levels"])
    return SurveyDesign(
        frame,
        weight=spec["weight"],
        strata=spec["strata"],
        cluster=tuple(spec["cluster"]),
        fpc=tuple(spec["fpc"]),
        fpc_kind=spec["fpc_kind"],
        lonely_psu=spec["lonely_psu"],
        source=spec["data"],
    )


def _python_table(case: dict[str, Any]) -> pd.DataFrame:
    design, by = _design(case), case["by"]
    if case["stat"] == "mean":
        return means(design, case["variable"], by=by)
    if case["stat"] == "total":
        return totals(design, case["variable"], by=by)
    if case["stat"] == "ratio":
        return ratios(design, case["variable"], case["denominator"], by=by)
    return proportions(design, case["variable"], by=by, ci=case["ci"])


@cache
def _compared(name: str) -> tuple[tuple[str, Any, Any, Any, Any], ...]:
    """(quantity, group, level, R value, Python value) for every number of a table case."""
    case = CASES[name]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", EmptyDomainWarning)
        table = _python_table(case)
    empty = any(row["n"] == 0 for row in case["rows"]) and case["by"] is not None
    warned = any(issubclass(w.category, EmptyDomainWarning) for w in caught)
    assert warned == empty, "EmptyDomainWarning exactly when a domain has no respondents"
    assert len(table) == len(case["rows"])
    pairs = []
    for row in case["rows"]:
        mask = table["group"].isna() if row["group"] is None else table["group"] == row["group"]
        if row["level"] is not None:
            mask &= table["level"] == row["level"]
        (position,) = mask[mask].index
        mine = table.loc[position]
        pairs += [(q, row["group"], row["level"], row[q], mine[q]) for q in QUANTITIES if q in row]
    return tuple(pairs)


def _value(x: Any) -> float:
    return math.nan if x is None else float(x)


def _rel_diff(r: Any, py: Any) -> float:
    a, b = _value(r), _value(py)
    if math.isnan(a) or math.isnan(b):
        return 0.0 if math.isnan(a) and math.isnan(b) else math.inf
    return 0.0 if a == b else abs(a - b) / max(abs(a), abs(b))


def _assert_matches(r: Any, py: Any, what: str) -> None:
    expected = _value(r)
    if math.isnan(expected):
        assert math.isnan(_value(py)), f"{what}: R gives NA, Python {py}"
    else:
        assert _value(py) == pytest.approx(expected, rel=REL), what


@pytest.mark.parametrize("name", TABLES)
def test_estimate_se_ci_df_deff_n_match_r(name: str) -> None:
    for quantity, group, level, r, py in _compared(name):
        _assert_matches(r, py, f"{quantity} (group {group}, level {level})")


@pytest.mark.parametrize("name", CONTRASTS)
def test_domain_contrast_matches_r_svycontrast(name: str) -> None:
    case = CASES[name]
    result = compare_domains(
        _design(case),
        case["variable"],
        case["by"],
        case["group_a"],
        case["group_b"],
        level_value=case["level_value"],
    )
    for quantity in CONTRAST:
        _assert_matches(case["result"][quantity], result[quantity], quantity)


def _largest_differences() -> dict[str, float]:
    largest = dict.fromkeys(("estimate", "se", "ci", "df", "deff", "n", "n_level", "contrast"), 0.0)
    for name in TABLES:
        for quantity, _, _, r, py in _compared(name):
            key = "ci" if quantity.startswith("ci_") else quantity
            largest[key] = max(largest[key], _rel_diff(r, py))
    for name in CONTRASTS:
        case = CASES[name]
        result = compare_domains(
            _design(case), case["variable"], case["by"], case["group_a"], case["group_b"],
            level_value=case["level_value"],
        )  # fmt: skip
        for quantity in CONTRAST:
            diff = _rel_diff(case["result"][quantity], result[quantity])
            largest["contrast"] = max(largest["contrast"], diff)
    return largest


@pytest.mark.parametrize("name", list(WEIGHTS))
def test_weights_from_the_fpc_match_r_svydesign_without_weights(name: str) -> None:
    golden = WEIGHTS[name]
    design = _design({"design": golden["design"]})
    assert design.weight is None and design.weights_from == "fpc"
    expected = np.asarray(golden["weights"], dtype=float)
    assert design.weights == pytest.approx(expected, rel=CLOSED_FORM)


def test_largest_relative_difference_from_r_is_below_1e7_for_every_quantity() -> None:
    largest = _largest_differences()
    assert all(diff < REL for diff in largest.values()), largest


def test_golden_file_covers_every_design_and_statistic() -> None:
    designs = {case["design"]["data"] for case in CASES.values()}
    assert designs == {"apistrat.csv", "apiclus1.csv", "apiclus2.csv", "beso2011.csv",
                       "wea2010.csv"}  # fmt: skip
    policies = {case["design"]["lonely_psu"] for case in CASES.values()}
    assert policies == {"fail", "remove", "adjust", "average", "certainty"}
    per_level_totals = [c for c in CASES.values() if c["stat"] == "total" and c["rows"][0]["level"]]
    assert {c["design"]["data"] for c in per_level_totals} == designs
    unweighted_fpc = {c["design"]["data"] for c in CASES.values()
                      if c["design"]["fpc"] and c["design"]["weight"] is None}  # fmt: skip
    assert unweighted_fpc == {"apistrat.csv", "apiclus1.csv", "apiclus2.csv"}
    assert {w["design"]["fpc_kind"] for w in WEIGHTS.values()} == {"population", "fraction"}
    assert any(len(w["design"]["cluster"]) == 2 for w in WEIGHTS.values())
    lonely_domains = [c for c in CASES.values()
                      if c["design"]["lonely_psu"] == "average" and c["by"] is not None
                      and c["stat"] != "contrast"]  # fmt: skip
    assert all(c["domain_variance"] == "svyby" for c in lonely_domains)
    assert {c["stat"] for c in lonely_domains} >= {"mean", "total", "ratio", "proportion"}
    assert {case["stat"] for case in CASES.values()} == {
        "mean", "total", "ratio", "proportion", "contrast"
    }  # fmt: skip
    methods = {case["ci"] for case in CASES.values() if case["stat"] == "proportion"}
    assert methods == {"logit", "beta", "wald", "wilson"}
