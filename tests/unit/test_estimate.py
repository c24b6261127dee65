"""Behaviour of the design and the estimates: errors users can cause, empty domains, domain variance.

These do not compare with R (tests/test_estimate_golden.py does); they check the messages, the
warnings and a few properties an analyst relies on.
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

from repo import GOLDEN_ROOT
from survey.analysis.design import LonelyPSU, SurveyDesign
from survey.analysis.estimate import (
    EmptyDomainWarning,
    means,
    proportions,
    totals,
)
from survey.analysis.intervals import reliability_flag
from survey.errors import InputError, StatisticalError

GOLDEN = GOLDEN_ROOT / "estimate"


@pytest.fixture(scope="module")
def apistrat() -> pd.DataFrame:
    return pd.read_csv(GOLDEN / "apistrat.csv")


@pytest.fixture
def small() -> pd.DataFrame:
    return pd.DataFrame({
        "w": [2.0, 2.0, 3.0, 3.0, 4.0, 4.0],
        "s": [1, 1, 2, 2, 3, 3],
        "income": [10.0, 12.0, 9.0, 15.0, 11.0, 13.0],
        "answer": ["yes", "no", "yes", "yes", "no", "no"],
        "group": ["a", "a", "a", "b", "b", "b"],
    })  # fmt: skip


# ------------------------------------------------------------------ errors a user can cause


def test_unknown_variable_is_an_input_error_whose_hint_names_close_variables(small) -> None:
    design = SurveyDesign(small, weight="w", strata="s")
    with pytest.raises(InputError) as caught:
        means(design, "incom")
    assert "'incom'" in caught.value.message
    assert "income" in caught.value.hint


def test_unknown_design_column_is_an_input_error(small) -> None:
    with pytest.raises(InputError, match="no variable 'weight'") as caught:
        SurveyDesign(small, weight="weight")
    assert "w" in caught.value.hint


@pytest.mark.parametrize(("bad", "kind"), [(0.0, "zero"), (-1.5, "negative"), (np.nan, "missing")])
def test_bad_weights_are_an_input_error_naming_the_weight_and_the_count(
    small, bad: float, kind: str
) -> None:
    frame = small.assign(w=small["w"].where(small.index % 3 != 2, bad))  # rows 3 and 6
    with pytest.raises(InputError) as caught:
        SurveyDesign(frame, weight="w")
    message = caught.value.message
    assert "weight 'w'" in message and kind in message
    assert "in 2 row(s)" in message and "first in row 3" in message


def test_a_stratum_with_one_psu_fails_under_the_fail_policy(small) -> None:
    frame = small.assign(s=[1, 1, 2, 2, 2, 3])  # stratum 3 has a single PSU
    with pytest.raises(StatisticalError, match="only one PSU") as caught:
        SurveyDesign(frame, weight="w", strata="s")
    assert "s = 3" in caught.value.message
    assert "remove, adjust, average, certainty" in caught.value.hint
    # any other policy accepts it
    assert SurveyDesign(frame, weight="w", strata="s", lonely_psu="remove").df == 3


def test_an_all_missing_variable_is_a_statistical_error(small) -> None:
    design = SurveyDesign(small.assign(empty=np.nan, none=None), weight="w")
    with pytest.raises(StatisticalError, match="no valid value"):
        means(design, "empty")
    with pytest.raises(StatisticalError, match="no valid value"):
        proportions(design, "none")


def test_a_mean_of_text_is_an_input_error(small) -> None:
    design = SurveyDesign(small, weight="w")
    with pytest.raises(InputError, match="holds text") as caught:
        means(design, "answer")
    assert "proportion" in caught.value.hint


def test_a_mean_of_a_categorical_is_an_input_error(small) -> None:
    frame = small.assign(answer=pd.Categorical(small["answer"]))
    with pytest.raises(InputError, match="categorical"):
        totals(SurveyDesign(frame, weight="w"), "answer")


def test_fpc_without_its_kind_is_an_input_error(small) -> None:
    with pytest.raises(InputError, match="population sizes or sampling fractions") as caught:
        SurveyDesign(small.assign(N=100), weight="w", strata="s", fpc="N")
    assert "fpc_kind" in caught.value.hint


def test_sampling_fractions_above_one_are_an_input_error(small) -> None:
    frame = small.assign(f=[0.1, 0.1, 0.2, 0.2, 1.5, 1.5])
    with pytest.raises(InputError, match="outside \\(0, 1\\]") as caught:
        SurveyDesign(frame, weight="w", strata="s", fpc="f", fpc_kind="fraction")
    assert "population" in caught.value.hint


def test_population_sizes_below_the_sample_size_are_an_input_error(small) -> None:
    frame = small.assign(N=[50, 50, 1, 1, 80, 80])  # stratum 2: 2 sampled out of 1
    with pytest.raises(InputError, match="says 1 units in the population but 2 were sampled"):
        SurveyDesign(frame, weight="w", strata="s", fpc="N", fpc_kind="population")


# ------------------------------------------------------------------ empty domains and proportions


def test_an_empty_domain_gives_n_0_and_nan_estimates_with_a_warning(small) -> None:
    frame = small.assign(group=pd.Categorical(small["group"], categories=["a", "b", "c"]))
    design = SurveyDesign(frame, weight="w", strata="s")
    with pytest.warns(EmptyDomainWarning, match="'group': c"):
        table = means(design, "income", by="group")
    empty = table.set_index("group").loc["c"]
    assert empty["n"] == 0
    assert np.isnan(empty[["estimate", "se", "ci_low", "ci_high", "deff"]].astype(float)).all()
    assert empty["flag"] == "suppress: no respondents"
    with pytest.warns(EmptyDomainWarning):
        shares = proportions(design, "answer", by="group")
    assert (shares.loc[shares["group"] == "c", "n"] == 0).all()
    assert shares.loc[shares["group"] == "c", "estimate"].isna().all()


def test_no_warning_when_every_domain_has_respondents(small) -> None:
    design = SurveyDesign(small, weight="w", strata="s")
    with warnings.catch_warnings():
        warnings.simplefilter("error", EmptyDomainWarning)
        means(design, "income", by="group")


def test_proportions_of_the_levels_sum_to_one_within_each_domain(apistrat) -> None:
    design = SurveyDesign(apistrat, weight="pw", strata="stype", fpc="fpc", fpc_kind="population")
    table = proportions(design, "sch_wide", by="stype")
    sums = table.groupby("group")["estimate"].sum()
    assert list(sums.index) == ["E", "H", "M"]
    assert sums.to_numpy() == pytest.approx(1.0, abs=1e-12)
    # both levels of a binary variable have the same standard error
    yes = table.loc[table["level"] == "Yes", "se"].to_numpy()
    no = table.loc[table["level"] == "No", "se"].to_numpy()
    assert yes == pytest.approx(no, rel=1e-12)


# ------------------------------------------------------------------ domains use the full design


def _hand_domain_variance(frame: pd.DataFrame, in_domain: np.ndarray) -> float:
    """Var of a domain mean in a stratified element sample with fpc, computed term by term."""
    w, y = frame["pw"].to_numpy(), frame["api00"].to_numpy(dtype=float)
    total_w = w[in_domain].sum()
    mean = (w * y)[in_domain].sum() / total_w
    z = np.where(in_domain, w * (y - mean) / total_w, 0.0)  # zero outside the domain
    variance = 0.0
    for _, rows in frame.groupby("stype").indices.items():
        n_h, population = len(rows), frame["fpc"].to_numpy()[rows[0]]
        variance += (
            (1 - n_h / population) * n_h / (n_h - 1) * ((z[rows] - z[rows].mean()) ** 2).sum()
        )
    return variance


def test_domain_se_uses_the_full_design_not_a_plain_subset(apistrat) -> None:
    design = SurveyDesign(apistrat, weight="pw", strata="stype", fpc="fpc", fpc_kind="population")
    domain = means(design, "api00", by="awards").set_index("group").loc["Yes"]
    in_domain = (apistrat["awards"] == "Yes").to_numpy()
    # by hand: every stratum keeps all its sampled units, zeros outside the domain
    assert domain["se"] ** 2 == pytest.approx(_hand_domain_variance(apistrat, in_domain), rel=1e-12)
    # and as R's svyby(~api00, ~awards, design, svymean)
    golden = json.loads((GOLDEN / "estimate.json").read_text("utf-8"))["cases"]
    (r_row,) = [
        row
        for row in golden["strat_population_mean_api00_by_awards"]["rows"]
        if row["group"] == "Yes"
    ]
    assert domain["se"] == pytest.approx(r_row["se"], rel=1e-7)
    # a plain subset treats the domain's counts as the strata sizes: a different, wrong SE
    subset = SurveyDesign(
        apistrat[in_domain], weight="pw", strata="stype", fpc="fpc", fpc_kind="population"
    )
    plain = means(subset, "api00")["se"].iloc[0]
    assert means(subset, "api00")["estimate"].iloc[0] == pytest.approx(domain["estimate"])
    assert plain != pytest.approx(domain["se"], rel=1e-3)


# ------------------------------------------------------------------ update and flags


def test_update_returns_a_new_design_and_leaves_the_old_one_unchanged(small) -> None:
    frame = small.assign(s=[1, 1, 2, 2, 2, 3])
    old = SurveyDesign(frame, weight="w", strata="s", lonely_psu="remove")
    before = means(old, "income")
    new = old.update(lonely_psu=LonelyPSU.ADJUST)
    assert new is not old
    assert new.lonely_psu is LonelyPSU.ADJUST and old.lonely_psu is LonelyPSU.REMOVE
    assert means(new, "income")["se"].iloc[0] > before["se"].iloc[0]
    pd.testing.assert_frame_equal(means(old, "income"), before)
    unweighted = old.update(weight=None)
    assert old.weight == "w" and unweighted.weights.tolist() == [1.0] * 6


def test_a_tiny_domain_is_flagged_for_suppression(apistrat) -> None:
    frame = apistrat.assign(tiny=np.where(np.arange(len(apistrat)) < 12, "tiny", "rest"))
    design = SurveyDesign(frame, weight="pw", strata="stype", fpc="fpc", fpc_kind="population")
    table = proportions(design, "awards", by="tiny")
    tiny = table.loc[table["group"] == "tiny"]
    assert (tiny["n"] == 12).all()
    assert (tiny["flag"] == "suppress: effective sample size below 30").all()
    assert (table.loc[table["group"] == "rest", "flag"] == "").all()


def test_reliability_flags_follow_the_nchs_rules() -> None:
    p = np.array([0.5, 0.5, 0.0, 0.5])
    se = np.array([0.02, 0.02, 0.0, 0.2])
    flags = reliability_flag(p, se, np.array([100, 5, 100, 100]), np.array([600, 600, 600, 600]),
                             np.array([600, 600, 600, 600]))  # fmt: skip
    assert flags.tolist() == [
        "",
        "review: fewer than 8 degrees of freedom",
        "review: estimate is 0 or 100%",
        "suppress: effective sample size below 30",
    ]
