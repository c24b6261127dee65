"""Design-based GLMs against R: svyglm, summary.svyglm, confint, regTermTest and svypredmeans.

The golden values come from tests/golden/make_golden_glm.R (R survey 4.1), run on R's `api`
data in tests/golden/data/ (a stratified design and a two-stage cluster design with fpc); CI
reads the committed tests/golden/glm/glm.json and needs no R. Every family is fitted on both
designs, with factor terms, interactions, a transform, offsets (in the formula and as the
``offset=`` argument), missing values, Wald and LRT term tests and predicted margins.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import numpy as np
import pandas as pd
import pytest

from repo import GOLDEN_ROOT
from survey.analysis.design import FpcKind, SurveyDesign
from survey.analysis.glm import GLMResult, glm, predicted_margins, term_test
from survey.io import VariableMeta, frame_meta

REL = 1e-6  # iterative results (IRLS, root finding)


@cache
def golden() -> dict[str, Any]:
    return json.loads((GOLDEN_ROOT / "glm" / "glm.json").read_text(encoding="utf-8"))


@cache
def design(name: str) -> SurveyDesign:
    spec = golden()["designs"][name]
    return SurveyDesign(
        pd.read_csv(GOLDEN_ROOT / "data" / spec["data"]),
        weight=spec["weight"],
        strata=spec["strata"],
        cluster=tuple(spec["cluster"]),
        fpc=tuple(spec["fpc"]),
        fpc_kind=FpcKind(spec["fpc_kind"]),
    )


CASES = golden()["glm"]
CASE_IDS = [c["id"] for c in CASES]
TESTS = [(i, j) for i, c in enumerate(CASES) for j in range(len(c["tests"]))]
TEST_IDS = [f"{CASES[i]['id']}-{CASES[i]['tests'][j]['method']}-{CASES[i]['tests'][j]['terms']}"
            for i, j in TESTS]  # fmt: skip
MARGINS = golden()["margins"]
MARGIN_IDS = [m["id"] for m in MARGINS]


@cache
def fit(index: int) -> GLMResult:
    case = CASES[index]
    return glm(design(case["design"]), case["formula"], case["family"], offset=case["offset"])


def column(index: int, name: str) -> list[float]:
    return fit(index).coefficients[name].tolist()


# ---------------------------------------------------------------- svyglm + summary + confint


def test_every_family_is_fitted_on_both_designs() -> None:
    pairs = {(c["family"], c["design"]) for c in CASES}
    families = {"gaussian", "binomial", "quasibinomial", "poisson", "quasipoisson"}
    assert pairs == {(f, d) for f in families for d in ("strat", "clus2")}


@pytest.mark.parametrize("index", range(len(CASES)), ids=CASE_IDS)
def test_terms_are_named_as_r_names_them(index: int) -> None:
    assert column(index, "term") == CASES[index]["term"]


@pytest.mark.parametrize("index", range(len(CASES)), ids=CASE_IDS)
def test_coefficients_match_r(index: int) -> None:
    assert column(index, "estimate") == pytest.approx(CASES[index]["estimate"], rel=REL)


@pytest.mark.parametrize("index", range(len(CASES)), ids=CASE_IDS)
def test_standard_errors_match_r(index: int) -> None:
    assert column(index, "se") == pytest.approx(CASES[index]["se"], rel=REL)


@pytest.mark.parametrize("index", range(len(CASES)), ids=CASE_IDS)
def test_covariance_matrix_matches_r(index: int) -> None:
    expected = np.asarray(CASES[index]["vcov"], dtype=float)
    got = fit(index).vcov.to_numpy()
    scale = np.sqrt(np.outer(np.diag(expected), np.diag(expected)))
    np.testing.assert_allclose(got / scale, expected / scale, rtol=0, atol=REL)


@pytest.mark.parametrize("index", range(len(CASES)), ids=CASE_IDS)
def test_t_statistics_and_p_values_match_r(index: int) -> None:
    assert column(index, "t") == pytest.approx(CASES[index]["t"], rel=REL)
    assert column(index, "p_value") == pytest.approx(CASES[index]["p_value"], rel=REL)


@pytest.mark.parametrize("index", range(len(CASES)), ids=CASE_IDS)
def test_confidence_intervals_match_r_confint(index: int) -> None:
    assert column(index, "ci_low") == pytest.approx(CASES[index]["ci_low"], rel=REL)
    assert column(index, "ci_high") == pytest.approx(CASES[index]["ci_high"], rel=REL)


@pytest.mark.parametrize(
    "index", [i for i, c in enumerate(CASES) if c["family"] != "gaussian"],
    ids=[c["id"] for c in CASES if c["family"] != "gaussian"],
)  # fmt: skip
def test_odds_and_rate_ratios_match_r(index: int) -> None:
    case = CASES[index]
    ratio, low, high = (
        ("odds_ratio", "or_ci_low", "or_ci_high")
        if "binomial" in case["family"]
        else ("rate_ratio", "rr_ci_low", "rr_ci_high")
    )
    assert column(index, ratio) == pytest.approx(case["exp_estimate"], rel=REL)
    assert column(index, low) == pytest.approx(case["exp_ci_low"], rel=REL)
    assert column(index, high) == pytest.approx(case["exp_ci_high"], rel=REL)


def test_gaussian_model_has_no_ratio_columns() -> None:
    index = CASE_IDS.index("gaussian-strat-interaction")
    assert list(fit(index).coefficients.columns) == [
        "term", "estimate", "se", "t", "df", "p_value", "ci_low", "ci_high",
    ]  # fmt: skip


@pytest.mark.parametrize("index", range(len(CASES)), ids=CASE_IDS)
def test_residual_df_and_n_match_r(index: int) -> None:
    assert fit(index).df == CASES[index]["df"]
    assert set(column(index, "df")) == {CASES[index]["df"]}
    assert fit(index).n == CASES[index]["n"]


@pytest.mark.parametrize("index", range(len(CASES)), ids=CASE_IDS)
def test_dispersion_matches_summary_svyglm(index: int) -> None:
    assert fit(index).dispersion == pytest.approx(CASES[index]["dispersion"], rel=REL)


@pytest.mark.parametrize("index", range(len(CASES)), ids=CASE_IDS)
def test_deviance_matches_r(index: int) -> None:
    assert fit(index).deviance == pytest.approx(CASES[index]["deviance"], rel=REL)


def test_rows_with_missing_model_values_are_left_out() -> None:
    index = CASE_IDS.index("gaussian-clus2-missing")  # acs_46 missing in 30 of 126 rows
    assert fit(index).n == 96 == CASES[index]["n"]


def test_offset_argument_equals_offset_in_formula() -> None:
    index = CASE_IDS.index("quasipoisson-strat-offset-argument")
    inline = glm(design("strat"), "ell ~ meals * stype + offset(log(enroll))", "quasipoisson")
    assert inline.coefficients["estimate"].tolist() == pytest.approx(
        column(index, "estimate"), rel=1e-12
    )


# ---------------------------------------------------------------- regTermTest


@pytest.mark.parametrize(("index", "number"), TESTS, ids=TEST_IDS)
def test_term_test_degrees_of_freedom_match_r(index: int, number: int) -> None:
    expected = CASES[index]["tests"][number]
    result = term_test(fit(index), expected["terms"], expected["method"])
    assert (result.ndf, result.ddf) == (expected["ndf"], expected["ddf"])


@pytest.mark.parametrize(("index", "number"), TESTS, ids=TEST_IDS)
def test_term_test_p_value_matches_r(index: int, number: int) -> None:
    expected = CASES[index]["tests"][number]
    result = term_test(fit(index), expected["terms"], expected["method"])
    assert result.p_value == pytest.approx(expected["p_value"], rel=REL)


@pytest.mark.parametrize(
    ("index", "number"),
    [(i, j) for i, j in TESTS if CASES[i]["tests"][j].get("rows") != "complete"],
    ids=[t for t, (i, j) in zip(TEST_IDS, TESTS, strict=True)
         if CASES[i]["tests"][j].get("rows") != "complete"],
)  # fmt: skip
def test_term_test_statistic_matches_r(index: int, number: int) -> None:
    expected = CASES[index]["tests"][number]
    result = term_test(fit(index), expected["terms"], expected["method"])
    assert result.statistic == pytest.approx(expected["statistic"], rel=REL)
    if expected["method"] == "LRT":
        assert list(result.lambdas) == pytest.approx(
            np.atleast_1d(expected["lambdas"]).tolist(), rel=REL
        )


def test_lrt_of_a_variable_with_missing_values_uses_the_full_models_rows() -> None:
    # R's update() would refit the reduced model on 126 rows instead of 120; the golden value
    # is R's regTermTest on the design restricted to the 120 complete rows, whose rescaled
    # weights (mean 1 over those rows) scale the statistic and the lambdas by one factor
    index = CASE_IDS.index("quasibinomial-clus2-transform")
    expected = next(t for t in CASES[index]["tests"] if t.get("rows") == "complete")
    result = term_test(fit(index), expected["terms"], "LRT")
    weights = design("clus2").weights
    factor = weights.mean() / weights[~np.isnan(design("clus2").data["enroll"])].mean()
    assert result.statistic * factor == pytest.approx(expected["statistic"], rel=REL)
    assert result.lambdas[0] * factor == pytest.approx(expected["lambdas"], rel=REL)
    assert result.p_value == pytest.approx(expected["p_value"], rel=REL)


def test_term_test_accepts_r_names_and_formula_names_alike() -> None:
    index = CASE_IDS.index("gaussian-clus2-missing")
    by_c, by_name = term_test(fit(index), "C(stype)"), term_test(fit(index), "stype")
    assert by_c.p_value == by_name.p_value
    assert by_c.terms == ("stype",)


def test_term_test_matches_interactions_in_either_order() -> None:
    index = CASE_IDS.index("gaussian-strat-interaction")
    assert term_test(fit(index), "stype:meals").statistic == pytest.approx(
        term_test(fit(index), "meals:stype").statistic, rel=1e-14
    )


# ---------------------------------------------------------------- svypredmeans


@cache
def margins(index: int) -> pd.DataFrame:
    case = MARGINS[index]
    model = glm(design(case["design"]), case["formula"], case["family"])
    return predicted_margins(model, case["by"])


@pytest.mark.parametrize("index", range(len(MARGINS)), ids=MARGIN_IDS)
def test_margin_levels_match_r(index: int) -> None:
    assert margins(index)["level"].tolist() == MARGINS[index]["level"]


@pytest.mark.parametrize("index", range(len(MARGINS)), ids=MARGIN_IDS)
def test_predicted_margins_match_svypredmeans(index: int) -> None:
    assert margins(index)["estimate"].tolist() == pytest.approx(MARGINS[index]["estimate"], rel=REL)


@pytest.mark.parametrize("index", range(len(MARGINS)), ids=MARGIN_IDS)
def test_margin_standard_errors_match_svypredmeans(index: int) -> None:
    assert margins(index)["se"].tolist() == pytest.approx(MARGINS[index]["se"], rel=REL)


@pytest.mark.parametrize("index", range(len(MARGINS)), ids=MARGIN_IDS)
def test_margin_intervals_use_t_on_the_design_df(index: int) -> None:
    frame = margins(index)
    assert set(frame["df"]) == {MARGINS[index]["df"]}
    assert frame["ci_low"].tolist() == pytest.approx(MARGINS[index]["ci_low"], rel=REL)
    assert frame["ci_high"].tolist() == pytest.approx(MARGINS[index]["ci_high"], rel=REL)


# ---------------------------------------------------------------- labelled variables


def labelled_strat() -> SurveyDesign:
    """apistrat with stype as SPSS-style codes 1-3 and value labels E, H, M."""
    frame = pd.read_csv(GOLDEN_ROOT / "data" / "apistrat.csv")
    frame["stype_code"] = frame["stype"].map({"E": 1.0, "H": 2.0, "M": 3.0})
    meta = frame_meta(frame)
    variables = dict(meta.variables)
    variables["stype_code"] = VariableMeta(
        "stype_code", "School type", "numeric", "F1.0", "nominal", {1.0: "E", 2.0: "H", 3.0: "M"}
    )
    return SurveyDesign(
        frame, weight="pw", strata="stype", fpc=("fpc",), fpc_kind=FpcKind.POPULATION,
        meta=meta.replace(variables=variables),
    )  # fmt: skip


def test_labelled_variable_is_a_factor_named_by_its_labels() -> None:
    index = CASE_IDS.index("gaussian-strat-interaction")
    result = glm(labelled_strat(), "api00 ~ ell + meals * stype_code")
    expected = [t.replace("stype", "stype_code") for t in CASES[index]["term"]]
    assert result.coefficients["term"].tolist() == expected
    assert result.coefficients["estimate"].tolist() == pytest.approx(
        CASES[index]["estimate"], rel=REL
    )


def test_unlabelled_numeric_codes_enter_linearly() -> None:
    frame = labelled_strat().data
    plain = SurveyDesign(
        frame, weight="pw", strata="stype", fpc=("fpc",), fpc_kind=FpcKind.POPULATION
    )
    result = glm(plain, "api00 ~ ell + stype_code")
    assert result.coefficients["term"].tolist() == ["(Intercept)", "ell", "stype_code"]
