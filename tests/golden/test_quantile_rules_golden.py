"""Every quantile rule and interval type agrees with R's ``svyquantile`` (survey >= 4.1).

Golden values in tests/golden/quantiles/quantile_rules.json, made by
tests/golden/make_golden_quantile_rules.R: the rules math, school, shahvaish and hf1-hf9 times
the interval types mean (Woodruff), beta, xlogit, asin and score, at six probabilities (one
below every first weight share), on a stratified and a two-stage clustered design with fpc,
overall and by domain, for a variable without and one with missing values; and, for three
rules, on the stratified design post-stratified (a calibrated design, whose domains R keeps
as zero-weight rows: the beta and score intervals see them). A probability whose
score interval R cannot find (uniroot stops) is a StatisticalError here.
"""

from __future__ import annotations

import json
import math
from functools import cache
from typing import Any

import pandas as pd
import pytest

from repo import GOLDEN_ROOT
from survey.analysis.design import SurveyDesign
from survey.analysis.quantiles import INTERVAL_TYPES, QRULES, quantiles
from survey.errors import InputError, StatisticalError
from survey.weighting import read_margins, weigh

GOLDEN = json.loads((GOLDEN_ROOT / "quantiles" / "quantile_rules.json").read_text("utf-8"))
CASES: dict[str, dict[str, Any]] = GOLDEN["cases"]
REL = 1e-9


@cache
def _frame(file: str) -> pd.DataFrame:
    return pd.read_csv(GOLDEN_ROOT / "data" / file)


@cache
def _design_of(spec_json: str) -> SurveyDesign:
    spec = json.loads(spec_json)
    design = SurveyDesign(
        _frame(spec["data"]),
        weight=spec["weight"],
        strata=spec["strata"],
        cluster=tuple(spec["cluster"]),
        fpc=tuple(spec["fpc"]),
        fpc_kind=spec["fpc_kind"],
    )
    if "poststratify" not in spec:
        return design
    margins = read_margins(GOLDEN_ROOT / spec["poststratify"])
    result = weigh(design.data, margins, method="poststratify", base_weight=spec["weight"])
    return design.calibrate(result, name="calibrated")


def _design(spec: dict[str, Any]) -> SurveyDesign:
    """The design R used: the same CSV, and R's postStratify where the case has one."""
    return _design_of(json.dumps(spec, sort_keys=True))


def _failing(case: dict[str, Any]) -> set[float]:
    """The probabilities at which R stops (for some domain)."""
    return {row["quantile"] for row in case["rows"] if row["error"] is not None}


def _run(case: dict[str, Any], probs: list[float]) -> pd.DataFrame:
    return quantiles(
        _design(case["design"]), case["variable"], probs, by=case["by"], qrule=case["qrule"],
        interval_type=case["interval"],
    )  # fmt: skip


def test_golden_cover_every_rule_and_taylor_interval_type() -> None:
    covered = {(case["qrule"], case["interval"]) for case in CASES.values()}
    taylor = [kind for kind in INTERVAL_TYPES if kind != "quantile"]  # replicate designs only
    assert covered == {(rule, kind) for rule in QRULES for kind in taylor}


@pytest.mark.parametrize("name", sorted(CASES))
def test_quantile_and_interval_match_r_svyquantile(name: str) -> None:
    case = CASES[name]
    failing = _failing(case)
    probs = [p for p in case["probs"] if p not in failing]
    table = _run(case, probs)
    expected_rows = [row for row in case["rows"] if row["quantile"] not in failing]
    assert len(table) == len(expected_rows)
    assert set(table["ci_method"]) == {INTERVAL_TYPES[case["interval"]]}
    for row, expected in zip(table.to_dict("records"), expected_rows, strict=True):
        assert row["group"] == expected["group"]
        assert row["quantile"] == expected["quantile"]
        for key in ("estimate", "ci_low", "ci_high", "se"):
            if expected[key] is None:
                assert math.isnan(row[key]), (key, row)
            else:
                assert row[key] == pytest.approx(expected[key], rel=REL, abs=1e-12), (key, row)


FAILING = sorted((name, p) for name, case in CASES.items() for p in _failing(case))


@pytest.mark.parametrize(("name", "p"), FAILING)
def test_score_interval_that_r_cannot_find_is_a_statistical_error(name: str, p: float) -> None:
    case = CASES[name]
    with pytest.raises(StatisticalError, match="score interval"):
        _run(case, [p])


def test_probability_below_the_first_weight_share_gives_the_smallest_value_as_survey_4_5() -> None:
    # survey 4.1 tests wlow == 0 and gives the second value, 2.0; 4.5 (wlow <= 0) the first
    frame = pd.DataFrame({"x": [3.0, 1.0, 2.0], "w": [1.0, 1.0, 1.0]})
    table = quantiles(SurveyDesign(frame, weight="w"), "x", [0.1], qrule="math")
    assert table["estimate"].tolist() == [1.0]


def test_hf3_takes_the_even_order_statistic_at_a_jump() -> None:
    frame = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0], "w": [1.0] * 4})
    design = SurveyDesign(frame, weight="w")
    # F = 1/4 at the first value (odd: the next one), 1/2 at the second (even: itself)
    table = quantiles(design, "x", [0.25, 0.5], qrule="hf3")
    assert table["estimate"].tolist() == [2.0, 2.0]


def test_score_interval_on_a_replicate_design_is_refused_as_in_r() -> None:
    frame = pd.DataFrame({"s": [1, 1, 2, 2], "x": [1.0, 2.0, 3.0, 4.0]})
    design = SurveyDesign(frame, strata="s").with_replicates("JKn")
    with pytest.raises(InputError, match="needs a Taylor design"):
        quantiles(design, "x", [0.5], interval_type="score")
