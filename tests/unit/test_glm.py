"""survey.analysis.glm: formulas, families, bad input and what R would only warn about.

Agreement with R's numbers is in tests/golden/test_glm_golden.py; these tests pin the
behaviour around them on tiny made-up designs.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from survey.analysis.design import SurveyDesign
from survey.analysis.glm import glm, glm_payload, glm_text, predicted_margins, term_test
from survey.errors import InputError, StatisticalError


@pytest.fixture(scope="module")
def design() -> SurveyDesign:
    rng = np.random.default_rng(11)
    n = 240
    frame = pd.DataFrame(
        {
            "stratum": np.repeat([1, 2, 3], n // 3),
            "psu": np.repeat(np.arange(24), n // 24),
            "w": rng.uniform(1, 4, n),
            "x": rng.normal(size=n),
            "z": rng.uniform(1, 5, n),
            "g": rng.choice(["a", "b", "c"], n),
            "h": rng.choice(["p", "q"], n),
        }
    )
    frame["y"] = 2 + frame["x"] + (frame["g"] == "b") + rng.normal(size=n)
    frame["count"] = rng.poisson(frame["z"] * np.exp(0.2 * frame["x"]))
    frame["yes"] = np.where(rng.uniform(size=n) < 1 / (1 + np.exp(-frame["x"])), "Yes", "No")
    frame["yes01"] = (frame["yes"] == "Yes").astype(float)
    frame.loc[[3, 50, 100], "x"] = np.nan
    return SurveyDesign(frame, weight="w", strata="stratum", cluster=("psu",))


def estimates(result) -> list[float]:
    return result.coefficients["estimate"].tolist()


def test_star_is_main_effects_plus_interaction(design: SurveyDesign) -> None:
    star, spelled = glm(design, "y ~ x * g"), glm(design, "y ~ x + g + x:g")
    assert star.coefficients["term"].tolist() == spelled.coefficients["term"].tolist()
    assert estimates(star) == pytest.approx(estimates(spelled), rel=1e-12)


def test_terms_are_ordered_by_degree_as_r_orders_them(design: SurveyDesign) -> None:
    result = glm(design, "y ~ x:h + g + x")
    assert result.coefficients["term"].tolist() == [
        "(Intercept)", "gb", "gc", "x", "x:hq",
    ]  # fmt: skip


def test_factor_and_c_spell_the_same_factor(design: SurveyDesign) -> None:
    assert estimates(glm(design, "y ~ factor(g)")) == estimates(glm(design, "y ~ C(g)"))
    assert glm(design, "y ~ C(g)").coefficients["term"].tolist() == ["(Intercept)", "gb", "gc"]


def test_text_outcome_models_the_second_level_as_r_does(design: SurveyDesign) -> None:
    text, coded = glm(design, "yes ~ x", "binomial"), glm(design, "yes01 ~ x", "binomial")
    assert estimates(text) == pytest.approx(estimates(coded), rel=1e-12)


def test_rows_with_a_missing_predictor_are_left_out(design: SurveyDesign) -> None:
    assert glm(design, "y ~ x").n == 237
    assert glm(design, "y ~ g").n == 240


def test_result_is_frozen(design: SurveyDesign) -> None:
    result = glm(design, "y ~ x")
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.df = 0  # type: ignore[misc]


def test_unknown_variable_is_an_input_error_with_close_names(design: SurveyDesign) -> None:
    with pytest.raises(InputError, match="no variable 'gg'") as caught:
        glm(design, "y ~ x + gg")
    assert "g" in str(caught.value.hint)


def test_unknown_family_suggests_the_closest(design: SurveyDesign) -> None:
    with pytest.raises(InputError, match="unknown model family 'poison'") as caught:
        glm(design, "count ~ x", "poison")
    assert "poisson" in str(caught.value.hint)


def test_formula_without_tilde_is_an_input_error(design: SurveyDesign) -> None:
    with pytest.raises(InputError, match="has no '~'"):
        glm(design, "y + x")


def test_text_outcome_of_a_gaussian_model_is_an_input_error(design: SurveyDesign) -> None:
    with pytest.raises(InputError, match="outcome 'yes' is categorical"):
        glm(design, "yes ~ x")


def test_negative_counts_are_refused_by_poisson(design: SurveyDesign) -> None:
    with pytest.raises(InputError, match="negative values"):
        glm(design, "I(y - 100) ~ x", "poisson")


def test_binomial_outcome_outside_0_1_is_refused(design: SurveyDesign) -> None:
    with pytest.raises(InputError, match=r"outside 0\.\.1"):
        glm(design, "count ~ x", "quasibinomial")


def test_collinear_terms_are_a_statistical_error(design: SurveyDesign) -> None:
    with pytest.raises(StatisticalError, match="collinear"):
        glm(design, "y ~ x + I(2 * x)")


def test_separation_is_a_statistical_error(design: SurveyDesign) -> None:
    with pytest.raises(StatisticalError, match="separate"):
        glm(design, "yes ~ yes01", "binomial")


def test_offset_of_log_zero_is_an_input_error(design: SurveyDesign) -> None:
    with pytest.raises(InputError, match="offset 'log\\(x - x\\)' is not finite"):
        glm(design, "count ~ g + offset(log(x - x))", "poisson")


def test_offset_shifts_only_the_intercept_of_a_log_model(design: SurveyDesign) -> None:
    plain = glm(design, "count ~ g", "poisson")
    shifted = glm(design, "count ~ g", "poisson", offset="np.log(2) + 0 * z")
    assert estimates(shifted)[0] == pytest.approx(estimates(plain)[0] - np.log(2), rel=1e-9)
    assert estimates(shifted)[1:] == pytest.approx(estimates(plain)[1:], rel=1e-9)


def test_term_test_of_an_unknown_term_lists_the_model_terms(design: SurveyDesign) -> None:
    with pytest.raises(InputError, match="term 'h' is not in the model") as caught:
        term_test(glm(design, "y ~ x + g"), "h")
    assert "x, g" in caught.value.message


def test_term_test_method_must_be_wald_or_lrt(design: SurveyDesign) -> None:
    with pytest.raises(InputError, match="unknown term-test method 'F'"):
        term_test(glm(design, "y ~ x + g"), "g", "F")


def test_lrt_reports_one_lambda_per_coefficient_tested(design: SurveyDesign) -> None:
    lrt = term_test(glm(design, "y ~ x + g"), "g", "LRT")
    assert (lrt.ndf, len(lrt.lambdas)) == (2, 2)
    assert lrt.as_dict()["method"] == "LRT"


def test_margins_refuse_a_model_with_an_offset(design: SurveyDesign) -> None:
    with pytest.raises(InputError, match="has an offset"):
        predicted_margins(glm(design, "count ~ x + offset(log(z))", "poisson"), "g")


def test_margins_of_a_group_already_in_the_model_use_that_model(design: SurveyDesign) -> None:
    inside = predicted_margins(glm(design, "y ~ x + g"), "g")
    added = predicted_margins(glm(design, "y ~ x"), "g")
    assert inside["estimate"].tolist() == pytest.approx(added["estimate"].tolist(), rel=1e-12)


def test_margins_count_the_rows_of_each_level(design: SurveyDesign) -> None:
    margins = predicted_margins(glm(design, "y ~ x"), "h")
    assert margins["level"].tolist() == ["p", "q"]
    assert int(margins["n"].sum()) == 237


def test_replicate_design_keeps_the_full_sample_coefficients(design: SurveyDesign) -> None:
    taylor = glm(design, "count ~ x + g", "quasipoisson")
    replicate = glm(design.with_replicates("JKn"), "count ~ x + g", "quasipoisson")
    assert estimates(replicate) == pytest.approx(estimates(taylor), rel=1e-12)
    assert replicate.deviance == pytest.approx(taylor.deviance, rel=1e-12)


def test_replicate_covariance_is_the_spread_of_the_refits_in_every_replicate(
    design: SurveyDesign,
) -> None:
    replicates = design.with_replicates("JKn")
    result = glm(replicates, "y ~ x + g")
    rows = design.data["x"].notna().to_numpy()
    g = design.data.loc[rows, "g"]
    x = np.column_stack([np.ones(rows.sum()), design.data.loc[rows, "x"], g == "b", g == "c"])
    y = design.data.loc[rows, "y"].to_numpy()
    weights = replicates.replicates.analysis_weights(design.weights)[rows]
    refits = np.array([np.linalg.solve(x.T @ (x * w[:, None]), x.T @ (w * y)) for w in weights.T])
    reps = replicates.replicates
    centred = refits - refits.mean(axis=0)
    expected = reps.scale * (centred * reps.rscales[:, None]).T @ centred
    np.testing.assert_allclose(result.vcov.to_numpy(), expected, rtol=1e-9)


def test_replicate_design_df_is_the_rank_of_its_weights_plus_one_minus_p(
    design: SurveyDesign,
) -> None:
    replicates = design.with_replicates("JKn")  # 24 PSUs in 3 strata: rank 22 - 1 = 21
    assert replicates.df == 21
    assert glm(replicates, "y ~ x + g").df == 21 + 1 - 4


def test_a_replicate_without_rows_of_a_level_is_refused_as_collinear() -> None:
    frame = pd.DataFrame({"psu": np.repeat(np.arange(6), 4), "x": np.arange(24.0)})
    frame["g"] = np.where(frame["psu"] == 4, "rare", "common")
    frame["y"] = frame["x"] * 0.5 + np.sin(frame["x"])
    design = SurveyDesign(frame, cluster=("psu",)).with_replicates("JK1")
    with pytest.raises(StatisticalError, match=r"replicate 5 of 6.*collinear"):
        glm(design, "y ~ x + g")


def test_a_replicate_with_no_weight_on_the_complete_rows_is_refused() -> None:
    frame = pd.DataFrame({"psu": np.repeat([0, 1], 6), "x": np.arange(12.0)})
    frame["y"] = frame["x"] + np.cos(frame["x"])
    frame.loc[frame["psu"] == 1, "x"] = np.nan  # the complete rows are all in PSU 0
    design = SurveyDesign(frame, cluster=("psu",)).with_replicates("JK1")
    with pytest.raises(StatisticalError, match="replicate 1 of 2 gives no weight to the 6 rows"):
        glm(design, "y ~ x")


def test_replicate_model_text_and_json_name_the_replicates(design: SurveyDesign) -> None:
    result = glm(design.with_replicates("JKn"), "y ~ x")
    assert "variance: 24 JKn replicate weights, design df = 21" in glm_text(result)
    replicates = glm_payload("d.csv", result)["design"]["replicates"]
    assert (replicates["type"], replicates["count"]) == ("JKn", 24)
    assert glm_payload("d.csv", glm(design, "y ~ x"))["design"]["replicates"] is None
