"""Design-based logistic regression and Cronbach's alpha against R (svyglm, cov/cov.wt).

The golden values come from tests/golden/make_golden_inference.R (R survey 4.1-1), run on R's
`api` data written to tests/golden/data/; CI reads the committed JSON and needs no R.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd
import pytest

from inference_golden import GOLDEN, REL, design, golden  # noqa: F401
from survey.analysis.models import (
    ALPHA_COLUMNS,
    MODEL_COLUMNS,
    cronbach_alpha,
    logistic_regression,
)
from survey.errors import InputError, StatisticalError

MODELS = golden()["svyglm"]
MODEL_IDS = [f"{m['design']}-{m['outcome']}-{m['numeric'][0]}" for m in MODELS]
ALPHAS = golden()["alpha"]
ALPHA_IDS = [f"{a['design']}-{len(a['items'])}items" for a in ALPHAS]


@cache
def fit(index: int) -> pd.DataFrame:
    case = MODELS[index]
    return logistic_regression(
        design(case["design"]),
        case["outcome"],
        numeric=case["numeric"],
        categorical=case["categorical"],
        event=case["event"],
    )


# ---------------------------------------------------------------- svyglm agreement


@pytest.mark.parametrize("index", range(len(MODELS)), ids=MODEL_IDS)
def test_terms_are_named_as_r_names_them(index: int) -> None:
    assert fit(index)["term"].tolist() == MODELS[index]["term"]


@pytest.mark.parametrize("index", range(len(MODELS)), ids=MODEL_IDS)
def test_coefficients_match_r(index: int) -> None:
    assert fit(index)["estimate"].tolist() == pytest.approx(MODELS[index]["estimate"], rel=REL)


@pytest.mark.parametrize("index", range(len(MODELS)), ids=MODEL_IDS)
def test_standard_errors_match_r(index: int) -> None:
    assert fit(index)["se"].tolist() == pytest.approx(MODELS[index]["se"], rel=REL)


@pytest.mark.parametrize("index", range(len(MODELS)), ids=MODEL_IDS)
def test_t_statistics_match_r(index: int) -> None:
    assert fit(index)["t"].tolist() == pytest.approx(MODELS[index]["t"], rel=REL)


@pytest.mark.parametrize("index", range(len(MODELS)), ids=MODEL_IDS)
def test_p_values_match_r(index: int) -> None:
    assert fit(index)["p_value"].tolist() == pytest.approx(MODELS[index]["p_value"], rel=REL)


@pytest.mark.parametrize("index", range(len(MODELS)), ids=MODEL_IDS)
def test_residual_df_and_n_match_r(index: int) -> None:
    frame = fit(index)
    assert set(frame["df"]) == {MODELS[index]["df"]}
    assert set(frame["n"]) == {MODELS[index]["n"]}


@pytest.mark.parametrize("index", range(len(MODELS)), ids=MODEL_IDS)
def test_odds_ratio_intervals_match_r(index: int) -> None:
    frame = fit(index)
    assert frame["or_ci_low"].tolist() == pytest.approx(MODELS[index]["or_ci_low"], rel=REL)
    assert frame["or_ci_high"].tolist() == pytest.approx(MODELS[index]["or_ci_high"], rel=REL)


# ---------------------------------------------------------------- svyglm behaviour


def test_output_is_tidy() -> None:
    frame = fit(0)
    assert list(frame.columns) == MODEL_COLUMNS
    assert frame["odds_ratio"].tolist() == pytest.approx(np.exp(frame["estimate"]).tolist())


def test_event_level_and_zero_one_outcome_give_the_same_fit() -> None:
    coded = logistic_regression(design("clus1"), "awards01", ["meals"], ["stype"])
    named = logistic_regression(design("clus1"), "awards", ["meals"], ["stype"], event="Yes")
    pd.testing.assert_frame_equal(coded, named)


def test_level_absent_from_complete_rows_is_dropped_as_glm_does() -> None:
    # acs_46 is missing for every high school of apiclus1, so stypeH has no rows
    index = next(i for i, m in enumerate(MODELS) if m["numeric"] == ["acs_46"])
    assert "stypeH" not in fit(index)["term"].tolist()


def test_unknown_column_suggests_close_names() -> None:
    with pytest.raises(InputError) as caught:
        logistic_regression(design("strat"), "sch_wide", ["el"], ["stype"], event="Yes")
    assert caught.value.hint is not None and "ell" in caught.value.hint


def test_outcome_with_three_values_is_an_input_error() -> None:
    with pytest.raises(InputError, match="has 3 values"):
        logistic_regression(design("strat"), "stype", ["ell"], event="E")


def test_numeric_outcome_not_zero_one_is_an_input_error() -> None:
    with pytest.raises(InputError, match="not coded 0/1"):
        logistic_regression(design("strat"), "api00", ["ell"])


def test_text_outcome_without_event_is_an_input_error() -> None:
    with pytest.raises(InputError, match="event"):
        logistic_regression(design("strat"), "sch_wide", ["ell"])


def test_unknown_event_level_suggests_the_values() -> None:
    with pytest.raises(InputError) as caught:
        logistic_regression(design("strat"), "sch_wide", ["ell"], event="yes")
    assert caught.value.hint is not None and "Yes" in caught.value.hint


def test_categorical_predictor_with_one_level_is_a_statistical_error() -> None:
    base = design("strat")
    elementary = base.update(data=base.data[base.data["stype"] == "E"].reset_index(drop=True))
    with pytest.raises(StatisticalError, match="single level"):
        logistic_regression(elementary, "sch_wide", ["ell"], ["stype"], event="Yes")


def test_constant_outcome_is_a_statistical_error() -> None:
    frame = design("clus1").data.assign(never=0)
    with pytest.raises(StatisticalError, match="single value"):
        logistic_regression(design("clus1").update(data=frame), "never", ["meals"])


def test_text_in_numeric_predictor_is_an_input_error() -> None:
    with pytest.raises(InputError, match="not numeric"):
        logistic_regression(design("strat"), "sch_wide", ["awards"], event="Yes")


def test_collinear_predictors_are_a_statistical_error() -> None:
    frame = design("strat").data.assign(ell2=lambda d: 2 * d["ell"])
    with pytest.raises(StatisticalError, match="collinear"):
        logistic_regression(
            design("strat").update(data=frame), "sch_wide", ["ell", "ell2"], event="Yes"
        )


def test_perfect_separation_is_a_statistical_error() -> None:
    frame = design("strat").data.assign(cut=lambda d: (d["api00"] > 650).astype(int))
    with pytest.raises(StatisticalError, match="separate"):
        logistic_regression(design("strat").update(data=frame), "cut", ["api00"])


# ---------------------------------------------------------------- Cronbach's alpha


@pytest.mark.parametrize("index", range(len(ALPHAS)), ids=ALPHA_IDS)
def test_unweighted_alpha_matches_r(index: int) -> None:
    case = ALPHAS[index]
    frame = cronbach_alpha(design(case["design"]), case["items"])
    assert frame["alpha"].iloc[0] == pytest.approx(case["alpha"], rel=REL)


@pytest.mark.parametrize("index", range(len(ALPHAS)), ids=ALPHA_IDS)
def test_weighted_alpha_matches_r(index: int) -> None:
    case = ALPHAS[index]
    frame = cronbach_alpha(design(case["design"]), case["items"], weighted=True)
    assert frame["alpha"].iloc[0] == pytest.approx(case["alpha_weighted"], rel=REL)


@pytest.mark.parametrize("index", range(len(ALPHAS)), ids=ALPHA_IDS)
def test_alpha_uses_complete_cases(index: int) -> None:
    case = ALPHAS[index]
    frame = cronbach_alpha(design(case["design"]), case["items"])
    assert list(frame.columns) == ALPHA_COLUMNS
    assert frame["n"].iloc[0] == case["n"]
    assert frame["k"].iloc[0] == len(case["items"])


def test_weighted_alpha_of_a_frame_equals_that_of_its_design() -> None:
    case = ALPHAS[0]
    base = design(case["design"])
    from_frame = cronbach_alpha(base.data, case["items"], weighted=True, weight="pw")
    from_design = cronbach_alpha(base, case["items"], weighted=True)
    pd.testing.assert_frame_equal(from_frame, from_design)


def test_alpha_of_one_item_is_an_input_error() -> None:
    with pytest.raises(InputError, match="at least two items"):
        cronbach_alpha(design("strat").data, ["meals"])


def test_weighted_alpha_of_a_frame_needs_a_weight() -> None:
    with pytest.raises(InputError, match="weight"):
        cronbach_alpha(design("strat").data, ["meals", "ell"], weighted=True)


def test_unknown_item_suggests_close_names() -> None:
    with pytest.raises(InputError) as caught:
        cronbach_alpha(design("strat").data, ["meals", "elll"])
    assert caught.value.hint is not None and "ell" in caught.value.hint


def test_text_item_is_an_input_error() -> None:
    with pytest.raises(InputError, match="'stype' is not numeric"):
        cronbach_alpha(design("strat").data, ["meals", "stype"])


def test_constant_items_are_a_statistical_error() -> None:
    frame = pd.DataFrame({"a": [3, 3, 3], "b": [2, 2, 2]})
    with pytest.raises(StatisticalError, match="does not vary"):
        cronbach_alpha(frame, ["a", "b"])
