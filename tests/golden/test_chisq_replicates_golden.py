"""Rao-Scott and Wald tests on replicate-weight designs give R's ``svychisq.svyrep.design``.

The designs are those of tests/golden/make_golden_replicates.R (JKn on the stratified design
with fpc, JK1 on the two-stage cluster design, BRR and Fay on PSU pairs, R's bootstrap weights
and JKn weights with rscales and mse read back), with pairs whose categories are missing where
``api99_na`` (or ``enroll``) is. Made by tests/golden/make_golden_chisq_replicates.R; F, Chisq,
Wald and adjWald are closed forms (1e-9 relative), the saddlepoint p-value solves an equation
(R's uniroot to 1e-8: 1e-6), and lincom agrees with R's Farebrother p-value to the 1e-10
absolute accuracy svychisq asks of it, and to 1e-9 relative with Farebrother asked for 1e-15.
"""

from __future__ import annotations

import json
import math
from functools import cache
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from golden_design import replicate_design
from repo import GOLDEN_ROOT
from survey.analysis.design import FpcKind, SurveyDesign
from survey.analysis.inference import rao_scott, rao_scott_both, saddle_upper

GOLDEN = json.loads((GOLDEN_ROOT / "chisq" / "chisq_replicates.json").read_text("utf-8"))
DESIGNS: dict[str, dict[str, Any]] = GOLDEN["designs"]
CASES: list[dict[str, Any]] = GOLDEN["cases"]
CLOSED = ("F", "Chisq", "Wald", "adjWald")
REL = 1e-9
FAREBROTHER = 1e-9  # svychisq's farebrother(eps = 1e-10) on 1 - p, with room for rounding
# JK1 on the two-stage design drops the second-stage fpc, as R does, and says so
SADDLE_4 = 0.072403405304332036  # R: print(survey:::saddle(4, c(1, 0.5)), digits = 17)
pytestmark = pytest.mark.filterwarnings("ignore:finite population corrections after the first")


def _with_missing(frame: pd.DataFrame) -> pd.DataFrame:
    """The variables with missing categories, as the R script derives them."""
    frame = frame.copy()
    if "api99_na" in frame:
        missing = frame["api99_na"].isna()
        if "awards" in frame:
            frame["awards_na"] = frame["awards"].mask(missing)
        frame["stype_na"] = frame["stype"].mask(missing)
    else:
        frame["awards_na"] = frame["awards"].mask(frame["enroll"].isna())
    return frame


@cache
def design(name: str) -> SurveyDesign:
    return replicate_design(DESIGNS[name], prepare=_with_missing)


def _id(case: dict[str, Any]) -> str:
    return f"{case['design']}-{case['row']}-{case['col']}"


def _close(ours: float, theirs: float | None, rel: float) -> bool:
    if theirs is None:
        return math.isnan(ours)
    return math.isclose(ours, theirs, rel_tol=rel)


@pytest.mark.parametrize("statistic", CLOSED)
@pytest.mark.parametrize("case", CASES, ids=_id)
def test_closed_form_statistics_match_r_on_replicate_designs(
    case: dict[str, Any], statistic: str
) -> None:
    ours = rao_scott(design(case["design"]), case["row"], case["col"], statistic).iloc[0]  # type: ignore[arg-type]
    theirs = case["results"][statistic]
    # R prints the uncorrected X^2 as the Chisq statistic; ours is X^2 over the mean deff
    value = "chisq" if statistic == "Chisq" else "statistic"
    assert _close(float(ours[value]), theirs["statistic"], REL), (ours[value], theirs)
    for column in ("ndf", "ddf", "p_value"):
        assert _close(float(ours[column]), theirs[column], REL), (column, ours[column], theirs)


@pytest.mark.parametrize("case", CASES, ids=_id)
def test_saddlepoint_p_value_matches_r_on_replicate_designs(case: dict[str, Any]) -> None:
    ours = rao_scott(design(case["design"]), case["row"], case["col"], "saddlepoint").iloc[0]
    theirs = case["results"]["saddlepoint"]
    assert math.isclose(float(ours["statistic"]), theirs["statistic"], rel_tol=REL)
    assert math.isnan(float(ours["ndf"])) and math.isnan(float(ours["ddf"]))
    assert math.isclose(float(ours["p_value"]), theirs["p_value"], rel_tol=1e-6)


@pytest.mark.parametrize("case", CASES, ids=_id)
def test_uncorrected_pearson_statistic_is_that_of_the_full_sample_table(
    case: dict[str, Any],
) -> None:
    ours = rao_scott(design(case["design"]), case["row"], case["col"]).iloc[0]
    assert math.isclose(float(ours["chisq"]), case["chisq"], rel_tol=REL)
    assert math.isclose(
        float(ours["chisq_p_value"]), case["results"]["Chisq"]["p_value"], rel_tol=REL
    )


@pytest.mark.parametrize("case", CASES, ids=_id)
def test_design_degrees_of_freedom_are_r_degf_of_the_replicates(case: dict[str, Any]) -> None:
    assert design(case["design"]).df == case["degf"]


def test_both_rao_scott_tests_on_a_replicate_design_are_rs_f_and_chisq() -> None:
    case = next(c for c in CASES if c["design"] == "strat_boot" and c["row"] == "stype")
    both = rao_scott_both(design("strat_boot"), "stype", "awards")
    assert both["method"].tolist() == ["rao-scott-f", "rao-scott-chisq"]
    f, chisq = both.iloc[0], both.iloc[1]
    assert math.isclose(f["statistic"], case["results"]["F"]["statistic"], rel_tol=REL)
    assert math.isclose(f["p_value"], case["results"]["F"]["p_value"], rel_tol=REL)
    assert math.isclose(chisq["chisq"], case["results"]["Chisq"]["statistic"], rel_tol=REL)
    assert math.isclose(chisq["p_value"], case["results"]["Chisq"]["p_value"], rel_tol=REL)


def test_bootstrap_test_uses_the_replicates_not_the_linearised_variance() -> None:
    # the same rows as a stratified Taylor design give another design effect (and nu 197, not 39)
    frame = pd.read_csv(GOLDEN_ROOT / DESIGNS["strat_boot"]["data"])
    taylor = SurveyDesign(
        frame, weight="pw", strata="stype", fpc=("fpc",), fpc_kind=FpcKind.POPULATION
    )
    linearised = rao_scott(taylor, "stype", "awards").iloc[0]
    replicated = rao_scott(design("strat_boot"), "stype", "awards").iloc[0]
    theirs = next(c for c in CASES if c["design"] == "strat_boot" and c["row"] == "stype")
    assert math.isclose(replicated["statistic"], theirs["results"]["F"]["statistic"], rel_tol=REL)
    assert not math.isclose(linearised["statistic"], replicated["statistic"], rel_tol=1e-3)


@pytest.mark.parametrize("case", CASES, ids=_id)
def test_lincom_p_value_is_farebrothers_to_r_accuracy(case: dict[str, Any]) -> None:
    ours = rao_scott(design(case["design"]), case["row"], case["col"], "lincom").iloc[0]
    theirs = case["results"]["lincom"]
    assert math.isclose(float(ours["statistic"]), theirs["statistic"], rel_tol=REL)
    assert math.isnan(float(ours["ndf"])) and math.isnan(float(ours["ddf"]))
    # svychisq asks Farebrother's algorithm for 1e-10 absolute accuracy of 1 - p
    assert math.isclose(float(ours["p_value"]), theirs["p_value"], rel_tol=0, abs_tol=FAREBROTHER)


@pytest.mark.parametrize("case", [c for c in CASES if c["lincom_exact"] > 0], ids=_id)
def test_lincom_p_value_matches_farebrother_asked_for_full_accuracy(case: dict[str, Any]) -> None:
    ours = rao_scott(design(case["design"]), case["row"], case["col"], "lincom").iloc[0]
    assert math.isclose(float(ours["p_value"]), case["lincom_exact"], rel_tol=REL)


@pytest.mark.parametrize("case", [c for c in CASES if len(c["eigenvalues"]) == 1], ids=_id)
def test_lincom_of_a_two_by_two_table_is_the_scaled_chi_square_tail(
    case: dict[str, Any],
) -> None:
    # R's 1 - (1 - p) is 0 here; one eigenvalue delta: P(delta chi2_1 > X^2) exactly
    ours = rao_scott(design(case["design"]), case["row"], case["col"], "lincom").iloc[0]
    expected = stats.chi2.sf(case["chisq"] / case["eigenvalues"][0], 1)
    assert math.isclose(float(ours["p_value"]), expected, rel_tol=1e-9)


def test_saddlepoint_at_the_mean_of_the_combination_is_undefined_as_r_saddle() -> None:
    # R: survey:::saddle(1.5, c(1, 0.5)) is NA (the root is 0); rao_scott then takes pchisqsum's
    # Satterthwaite value; away from the mean it is R's saddle(4, c(1, 0.5))
    assert math.isnan(saddle_upper(np.array([1.0, 0.5]), 1.5))
    assert math.isclose(saddle_upper(np.array([1.0, 0.5]), 4.0), SADDLE_4, rel_tol=1e-6)
