"""Design-based GLMs on replicate-weight designs against R's svyglm.svyrep.design.

The golden values come from tests/golden/make_golden_glm_replicates.R (R survey 4.1) on the
designs of make_golden_replicates.R: JKn on apistrat with fpc, JK1 on the two-stage apiclus2,
BRR and Fay (rho 0.3) on apistrat's rows as seven pairs of PSUs, the bootstrap weights R drew
(read back from apistrat_boot.csv) and the JKn weights read back with their rscales and
``mse = TRUE``. Gaussian, quasibinomial and quasipoisson models with the factor stype, an
offset, and missing values in a predictor and in the outcome; R refits every model in every
replicate (IRLS from the full-sample coefficients), so the numbers are held to 1e-6 relative.
"""

from __future__ import annotations

import json
import warnings
from functools import cache
from typing import Any

import numpy as np
import pytest

from golden_design import replicate_design
from repo import GOLDEN_ROOT
from survey.analysis.design import SurveyDesign
from survey.analysis.glm import GLMResult, glm, predicted_margins, term_test
from survey.analysis.replicates import ReplicateWarning

REL = 1e-6  # iterative results (IRLS in every replicate, root finding)
GOLDEN: dict[str, Any] = json.loads(
    (GOLDEN_ROOT / "glm" / "glm_replicates.json").read_text(encoding="utf-8")
)
DESIGNS: dict[str, dict[str, Any]] = GOLDEN["meta"]["designs"]
CASES: list[dict[str, Any]] = GOLDEN["glm"]
CASE_IDS = [c["id"] for c in CASES]
TESTS = [(i, j) for i, c in enumerate(CASES) for j in range(len(c["tests"]))]
TEST_IDS = [f"{CASES[i]['id']}-{CASES[i]['tests'][j]['method']}-{CASES[i]['tests'][j]['terms']}"
            for i, j in TESTS]  # fmt: skip
MARGINS: list[dict[str, Any]] = GOLDEN["margins"]
MARGIN_IDS = [m["id"] for m in MARGINS]


@cache
def design(name: str) -> SurveyDesign:
    with warnings.catch_warnings():  # JK1 on apiclus2 drops the second-stage fpc, as R warns
        warnings.simplefilter("ignore", ReplicateWarning)
        return replicate_design(DESIGNS[name])


@cache
def fit(index: int) -> GLMResult:
    case = CASES[index]
    return glm(design(case["design"]), case["formula"], case["family"])


def column(index: int, name: str) -> list[float]:
    return fit(index).coefficients[name].tolist()


# ---------------------------------------------------------------- svyglm + summary + confint


def test_every_family_is_fitted_on_every_kind_of_replicate_design() -> None:
    kinds = {DESIGNS[c["design"]].get("replicates", DESIGNS[c["design"]].get("rep_type"))
             for c in CASES}  # fmt: skip
    assert kinds == {"JKn", "JK1", "BRR", "Fay", "bootstrap"}
    for name in DESIGNS:
        families = {c["family"] for c in CASES if c["design"] == name}
        assert families == {"gaussian", "quasibinomial", "quasipoisson"}, name


@pytest.mark.parametrize("index", range(len(CASES)), ids=CASE_IDS)
def test_terms_are_named_as_r_names_them(index: int) -> None:
    assert column(index, "term") == CASES[index]["term"]


@pytest.mark.parametrize("index", range(len(CASES)), ids=CASE_IDS)
def test_coefficients_match_r(index: int) -> None:
    assert column(index, "estimate") == pytest.approx(CASES[index]["estimate"], rel=REL)


@pytest.mark.parametrize("index", range(len(CASES)), ids=CASE_IDS)
def test_replicate_standard_errors_match_r(index: int) -> None:
    assert column(index, "se") == pytest.approx(CASES[index]["se"], rel=REL)


@pytest.mark.parametrize("index", range(len(CASES)), ids=CASE_IDS)
def test_replicate_covariance_matrix_matches_r(index: int) -> None:
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


@pytest.mark.parametrize("index", range(len(CASES)), ids=CASE_IDS)
def test_residual_df_and_n_match_r(index: int) -> None:
    assert fit(index).df == CASES[index]["df"]
    assert set(column(index, "df")) == {CASES[index]["df"]}
    assert fit(index).n == CASES[index]["n"]


@pytest.mark.parametrize("index", range(len(CASES)), ids=CASE_IDS)
def test_dispersion_matches_summary_svrepglm(index: int) -> None:
    assert fit(index).dispersion == pytest.approx(CASES[index]["dispersion"], rel=REL)


@pytest.mark.parametrize("index", range(len(CASES)), ids=CASE_IDS)
def test_deviance_matches_r(index: int) -> None:
    assert fit(index).deviance == pytest.approx(CASES[index]["deviance"], rel=REL)


def test_missing_values_drop_rows_but_not_the_residual_df_of_the_whole_design() -> None:
    # api99_na is missing in 28 of apistrat's 200 rows: R fits on 172 rows and takes
    # degf of the whole JKn design (197), not of the 172 rows' replicate weights (171)
    index = CASE_IDS.index("strat_jkn gaussian api00 ~ api99_na + stype")
    assert (fit(index).n, CASES[index]["design_df"]) == (172, 197)
    assert fit(index).df == 197 + 1 - 4 == CASES[index]["df"]


def test_mse_centres_the_replicates_at_the_full_sample_fit() -> None:
    centred = fit(CASE_IDS.index("strat_jkn gaussian api00 ~ api99 + stype"))
    mse = fit(CASE_IDS.index("strat_jkn_read gaussian api00 ~ api99 + stype"))
    assert mse.coefficients["estimate"].tolist() == pytest.approx(
        centred.coefficients["estimate"].tolist(), rel=1e-12
    )
    assert (mse.coefficients["se"] > centred.coefficients["se"]).all()


# ---------------------------------------------------------------- regTermTest


@pytest.mark.parametrize(("index", "number"), TESTS, ids=TEST_IDS)
def test_term_test_degrees_of_freedom_match_r(index: int, number: int) -> None:
    expected = CASES[index]["tests"][number]
    result = term_test(fit(index), expected["terms"], expected["method"])
    assert (result.ndf, result.ddf) == (expected["ndf"], expected["ddf"])


@pytest.mark.parametrize(("index", "number"), TESTS, ids=TEST_IDS)
def test_term_test_statistic_and_p_value_match_r(index: int, number: int) -> None:
    expected = CASES[index]["tests"][number]
    result = term_test(fit(index), expected["terms"], expected["method"])
    assert result.statistic == pytest.approx(expected["statistic"], rel=REL)
    assert result.p_value == pytest.approx(expected["p_value"], rel=REL)


@pytest.mark.parametrize(
    ("index", "number"),
    [(i, j) for i, j in TESTS if CASES[i]["tests"][j]["method"] == "LRT"],
    ids=[t for t, (i, j) in zip(TEST_IDS, TESTS, strict=True)
         if CASES[i]["tests"][j]["method"] == "LRT"],
)  # fmt: skip
def test_lrt_scale_factors_use_the_replicate_covariance_as_r(index: int, number: int) -> None:
    expected = CASES[index]["tests"][number]
    result = term_test(fit(index), expected["terms"], "LRT")
    assert list(result.lambdas) == pytest.approx(
        np.atleast_1d(expected["lambdas"]).tolist(), rel=REL
    )


# ---------------------------------------------------------------- svypredmeans


@pytest.mark.parametrize("index", range(len(MARGINS)), ids=MARGIN_IDS)
def test_predicted_margins_match_r_svypredmeans(index: int) -> None:
    case = MARGINS[index]
    model = glm(design(case["design"]), case["formula"], case["family"])
    margins = predicted_margins(model, case["by"])
    assert margins["level"].tolist() == case["level"]
    assert margins["estimate"].tolist() == pytest.approx(case["estimate"], rel=REL)
    assert margins["se"].tolist() == pytest.approx(case["se"], rel=REL)
    assert set(margins["df"]) == {case["df"]}
