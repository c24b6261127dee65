"""svychisq's Wald, adjWald, lincom and saddlepoint statistics agree with R's survey package.

Made by tests/golden/make_golden_chisq.R (R survey 4.1-1, CompQuadForm 1.4.3) on the stratified
design with fpc, the one-stage and the two-stage cluster designs with fpc, two of the cases with
missing values. Wald and adjWald are closed forms (1e-9). lincom is an integral: R's svychisq
asks Davies' algorithm for 1e-7 absolute accuracy, so the p-value agrees with R's to 1e-7
absolute and with R's high-accuracy evaluation of the same distribution (CompQuadForm's imhof)
to 1e-6 relative, or 1e-12 absolute where the p-value is that small. The saddlepoint
approximation agrees to 1e-6 relative.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import numpy as np
import pandas as pd
import pytest

from repo import GOLDEN_ROOT
from survey.analysis.design import SurveyDesign
from survey.analysis.inference import _RaoScott, rao_scott

CASES: list[dict[str, Any]] = json.loads((GOLDEN_ROOT / "chisq" / "chisq.json").read_text("utf-8"))[
    "cases"
]
IDS = [f"{c['design_name']}-{c['variable']}-{c['by']}" for c in CASES]
CLOSED_FORM = 1e-9
ITERATIVE = 1e-6
DAVIES_ACCURACY = 1e-7  # the acc R's pFsum gives CompQuadForm::davies
INTEGRAL_FLOOR = 1e-12  # both integrals are accurate to about 1e-13 absolute


@cache
def _design(name: str) -> SurveyDesign:
    spec = next(c["design"] for c in CASES if c["design_name"] == name)
    return SurveyDesign(
        pd.read_csv(GOLDEN_ROOT / "data" / spec["data"]),
        weight=spec["weight"],
        strata=spec["strata"],
        cluster=tuple(spec["cluster"]),
        fpc=tuple(spec["fpc"]),
        fpc_kind=spec["fpc_kind"],
    )


@cache
def _test(index: int, statistic: str) -> pd.Series:
    case = CASES[index]
    frame = rao_scott(_design(case["design_name"]), case["variable"], case["by"], statistic)  # type: ignore[arg-type]
    return frame.iloc[0]


def test_the_golden_cases_cover_both_designs_the_issue_names() -> None:
    assert {"strat", "clus2"} <= {c["design_name"] for c in CASES}
    assert any(c["design"]["fpc"] == ["fpc1", "fpc2"] for c in CASES)


@pytest.mark.parametrize("statistic", ["Wald", "adjWald"])
@pytest.mark.parametrize("index", range(len(CASES)), ids=IDS)
def test_wald_statistics_match_r(index: int, statistic: str) -> None:
    got, want = _test(index, statistic), CASES[index]["tests"][statistic]
    assert got["statistic"] == pytest.approx(want["statistic"], rel=CLOSED_FORM)
    assert (got["ndf"], got["ddf"]) == (want["ndf"], want["ddf"])
    assert got["p_value"] == pytest.approx(want["p_value"], rel=CLOSED_FORM)


@pytest.mark.parametrize("index", range(len(CASES)), ids=IDS)
def test_lincom_p_value_agrees_with_r_to_davies_accuracy(index: int) -> None:
    got, want = _test(index, "lincom"), CASES[index]["tests"]["lincom"]
    assert got["statistic"] == pytest.approx(want["statistic"], rel=CLOSED_FORM)
    assert got["p_value"] == pytest.approx(want["p_value"], abs=DAVIES_ACCURACY)


@pytest.mark.parametrize("index", range(len(CASES)), ids=IDS)
def test_lincom_p_value_matches_the_exact_distribution(index: int) -> None:
    got, exact = _test(index, "lincom"), CASES[index]["lincom_exact"]["p_value"]
    assert got["p_value"] == pytest.approx(exact, rel=ITERATIVE, abs=INTEGRAL_FLOOR)


@pytest.mark.parametrize("index", range(len(CASES)), ids=IDS)
def test_saddlepoint_p_value_matches_r(index: int) -> None:
    got, want = _test(index, "saddlepoint"), CASES[index]["tests"]["saddlepoint"]
    assert got["statistic"] == pytest.approx(want["statistic"], rel=CLOSED_FORM)
    assert got["p_value"] == pytest.approx(want["p_value"], rel=ITERATIVE)


@pytest.mark.parametrize("statistic", ["lincom", "saddlepoint"])
def test_distribution_statistics_have_no_degrees_of_freedom_as_in_r(statistic: str) -> None:
    got = _test(0, statistic)
    assert np.isnan(got["ndf"]) and np.isnan(got["ddf"])


@pytest.mark.parametrize(
    ("statistic", "method"),
    [
        ("Wald", "wald"),
        ("adjWald", "adjusted-wald"),
        ("lincom", "rao-scott-lincom"),
        ("saddlepoint", "rao-scott-saddlepoint"),
    ],
)
def test_each_statistic_names_its_method(statistic: str, method: str) -> None:
    assert _test(0, statistic)["method"] == method


@pytest.mark.parametrize("statistic", ["Wald", "adjWald", "lincom", "saddlepoint"])
def test_every_statistic_keeps_the_pearson_columns_of_the_default(statistic: str) -> None:
    default = rao_scott(_design("strat"), "stype", "awards").iloc[0]
    got = _test(0, statistic)
    assert (got["chisq"], got["chisq_p_value"]) == (default["chisq"], default["chisq_p_value"])


def test_lincom_and_saddlepoint_test_the_uncorrected_pearson_statistic() -> None:
    assert _test(0, "lincom")["statistic"] == _test(0, "lincom")["chisq"]
    assert _test(0, "saddlepoint")["statistic"] == _test(0, "saddlepoint")["chisq"]


# ---------------------------------------------------------------- pFsum on chosen eigenvalues

PFSUM: list[dict[str, Any]] = json.loads((GOLDEN_ROOT / "chisq" / "chisq.json").read_text("utf-8"))[
    "pfsum"
]
PFSUM_IDS = [",".join(map(str, c["eigenvalues"])) for c in PFSUM]


def _pieces(case: dict[str, Any]) -> _RaoScott:
    return _RaoScott(pearson=case["x"], delta=np.diag(case["eigenvalues"]), nu=case["nu"])


@pytest.mark.parametrize("case", PFSUM, ids=PFSUM_IDS)
def test_lincom_matches_r_pfsum_integration(case: dict[str, Any]) -> None:
    got = _pieces(case).lincom_test()
    assert got == pytest.approx(case["lincom"], abs=DAVIES_ACCURACY)
    assert got == pytest.approx(case["lincom_exact"], rel=ITERATIVE, abs=INTEGRAL_FLOOR)


@pytest.mark.parametrize("case", PFSUM, ids=PFSUM_IDS)
def test_saddlepoint_matches_r_pfsum(case: dict[str, Any]) -> None:
    assert _pieces(case).saddlepoint_test() == pytest.approx(case["saddlepoint"], rel=ITERATIVE)


def test_saddlepoint_at_the_mean_falls_back_to_the_f_test_as_r() -> None:
    case = next(c for c in PFSUM if c["saddlepoint_is_na"])
    pieces = _pieces(case)
    assert pieces.saddlepoint_test() == pieces.f_test()[3]
    assert pieces.f_test()[3] == pytest.approx(case["f_p_value"], rel=CLOSED_FORM)


def test_lincom_with_one_eigenvalue_is_the_f_test() -> None:
    case = next(c for c in PFSUM if len(c["eigenvalues"]) == 1)
    pieces = _pieces(case)
    # one chi-square over a chi-square: exactly F(1, ddf), ddf an integer here
    assert pieces.lincom_test() == pytest.approx(pieces.f_test()[3], rel=1e-9)
