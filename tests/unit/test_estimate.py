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
from survey.analysis.contrast import compare_domains
from survey.analysis.design import LonelyPSU, SurveyDesign
from survey.analysis.estimate import (
    NO_SE_FLAG,
    DefaultStatWarning,
    EmptyDomainWarning,
    estimate,
    means,
    proportions,
    totals,
)
from survey.analysis.intervals import reliability_flag
from survey.errors import InputError, StatisticalError
from survey.io import VariableMeta, frame_meta, write_sav

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
    with pytest.raises(InputError, match="categorical") as caught:
        means(SurveyDesign(frame, weight="w"), "answer")
    assert "total (counts per level)" in caught.value.hint


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


# ------------------------------------------------------------------ the default statistic


def _labelled(frame: pd.DataFrame, name: str, **meta: object) -> SurveyDesign:
    """A design whose file declares value labels (and measure, missing codes) for one column."""
    file_meta = frame_meta(frame)
    variables = dict(file_meta.variables)
    variables[name] = VariableMeta(name, **meta)  # type: ignore[arg-type]
    return SurveyDesign(frame, meta=file_meta.replace(variables=variables))


YES_NO = {1.0: "Ja", 2.0: "Nee", 9.0: "Weet niet"}


def test_a_labelled_item_marked_scale_in_the_file_gets_proportions(tmp_path) -> None:
    # SPSS, PSPP and haven write measure "scale" for every numeric variable by default
    frame = pd.DataFrame({"q1": [1.0, 2.0, 1.0, 9.0, 1.0, 2.0]})
    meta = frame_meta(frame)
    labelled = VariableMeta("q1", "Aangenomen?", "numeric", "F1.0", "scale", YES_NO)
    write_sav(frame, meta.replace(variables={"q1": labelled}), tmp_path / "q.sav")
    design = SurveyDesign.from_file(tmp_path / "q.sav")
    assert design.meta is not None and design.meta.variables["q1"].measure == "scale"
    table = estimate(design, ["q1"])
    assert table["stat"].tolist() == ["proportion"] * 3
    assert table["level"].tolist() == ["Ja", "Nee", "Weet niet"]
    assert table["estimate"].tolist() == pytest.approx([3 / 6, 2 / 6, 1 / 6])


def test_labels_for_declared_missing_codes_only_leave_a_variable_numeric() -> None:
    frame = pd.DataFrame({"age": [23.0, 41.0, 98.0, 35.0, 99.0]})
    design = _labelled(
        frame, "age", value_labels={98.0: "weet niet", 99.0: "geen antwoord"},
        missing_values=(98.0, 99.0), measure="scale",
    )  # fmt: skip
    design = design.update(data=frame.where(frame < 98))  # as from_file leaves user-missing codes
    with warnings.catch_warnings():
        warnings.simplefilter("error", DefaultStatWarning)
        table = estimate(design, ["age"])
    assert table["stat"].tolist() == ["mean"]
    assert table["estimate"].iloc[0] == pytest.approx((23 + 41 + 35) / 3)


def test_a_mean_over_labelled_special_codes_that_are_not_declared_missing_warns() -> None:
    frame = pd.DataFrame({"age": [23.0, 41.0, 99.0, 35.0, 99.0]})
    design = _labelled(frame, "age", value_labels={98.0: "weet niet", 99.0: "geen antwoord"})
    with pytest.warns(DefaultStatWarning, match="'age' has value labels but is estimated as a mean"
                      ) as caught:  # fmt: skip
        table = estimate(design, ["age"])
    assert table["stat"].tolist() == ["mean"]
    message = str(caught[0].message)
    assert "99 'geen antwoord' (2 rows)" in message and "3 observed value(s)" in message
    assert "weet niet" not in message  # 98 does not occur


def test_asking_for_the_mean_explicitly_gives_no_warning() -> None:
    frame = pd.DataFrame({"age": [23.0, 41.0, 99.0]})
    design = _labelled(frame, "age", value_labels={98.0: "weet niet", 99.0: "geen antwoord"})
    with warnings.catch_warnings():
        warnings.simplefilter("error", DefaultStatWarning)
        assert estimate(design, ["age"], stat="mean")["stat"].tolist() == ["mean"]


def test_a_scale_with_labelled_end_points_is_a_mean() -> None:
    frame = pd.DataFrame({"score": [0.0, 4.0, 7.0, 10.0]})
    design = _labelled(frame, "score", value_labels={0.0: "Not at all", 10.0: "Fully"})
    with pytest.warns(DefaultStatWarning, match="2 observed value"):
        assert estimate(design, ["score"])["stat"].tolist() == ["mean"]


def test_one_labelled_valid_code_does_not_make_a_variable_categorical() -> None:
    frame = pd.DataFrame({"count": [1.0, 1.0, 1.0]})
    design = _labelled(frame, "count", value_labels={1.0: "one"}, measure="nominal")
    with pytest.warns(DefaultStatWarning, match="only one valid code has a label"):
        assert estimate(design, ["count"])["stat"].tolist() == ["mean"]


# ------------------------------------------------------------------ counts per level


def test_a_total_of_a_categorical_is_a_population_count_per_level(small) -> None:
    design = SurveyDesign(small, weight="w", strata="s")
    table = totals(design, "answer")
    assert table["stat"].tolist() == ["total", "total"]
    assert table["level"].tolist() == ["no", "yes"]
    assert table["estimate"].tolist() == pytest.approx([2 + 4 + 4, 2 + 3 + 3])
    assert table["n_level"].tolist() == [3, 3] and table["n"].tolist() == [6, 6]
    assert (table["ci_low"] < table["estimate"]).all() and (table["se"] > 0).all()


def test_counts_per_level_add_up_to_the_weights_of_each_domain(apistrat) -> None:
    design = SurveyDesign(apistrat, weight="pw", strata="stype", fpc="fpc", fpc_kind="population")
    table = totals(design, "awards", by="stype")
    sums = table.groupby("group")["estimate"].sum()
    expected = apistrat.groupby("stype")["pw"].sum()
    assert sums.to_numpy() == pytest.approx(expected.to_numpy(), rel=1e-12)
    # a binary variable: both counts have the same standard error within a stratum-domain
    assert table["se"].iloc[0] == pytest.approx(table["se"].iloc[1], rel=1e-12)


def test_stat_total_on_a_labelled_item_counts_its_levels_instead_of_summing_codes() -> None:
    frame = pd.DataFrame({"q1": [1.0, 2.0, 1.0, 1.0]})
    design = _labelled(frame, "q1", value_labels=YES_NO, measure="scale")
    table = estimate(design, ["q1"], stat="total")
    assert table[["level", "estimate", "n_level"]].values.tolist() == [
        ["Ja", 3.0, 3], ["Nee", 1.0, 1], ["Weet niet", 0.0, 0]
    ]  # fmt: skip


# ------------------------------------------------------------------ weights from the fpc


def test_without_a_weight_the_fpc_gives_the_weights_one_over_pi(small) -> None:
    frame = small.assign(N=[10, 10, 30, 30, 8, 8])
    design = SurveyDesign(frame, strata="s", fpc="N", fpc_kind="population")
    assert design.weights.tolist() == [5.0, 5.0, 15.0, 15.0, 4.0, 4.0]
    assert design.weights_from == "fpc" and design.summary()["weights_from"] == "fpc"
    assert totals(design, "income")["estimate"].iloc[0] == pytest.approx(5 * 22 + 15 * 24 + 4 * 24)


def test_sampling_fractions_give_the_same_weights_as_population_sizes(small) -> None:
    sizes = SurveyDesign(small.assign(N=[10, 10, 30, 30, 8, 8]), strata="s", fpc="N",
                         fpc_kind="population")  # fmt: skip
    fractions = SurveyDesign(small.assign(f=[0.2, 0.2, 2 / 30, 2 / 30, 0.25, 0.25]), strata="s",
                             fpc="f", fpc_kind="fraction")  # fmt: skip
    assert fractions.weights == pytest.approx(sizes.weights, rel=1e-12)


def test_two_stage_fpc_weights_multiply_the_stages() -> None:
    frame = pd.DataFrame({
        "psu": [1, 1, 1, 2, 2], "ssu": [1, 2, 3, 1, 2],
        "n_psu": [10, 10, 10, 10, 10], "n_ssu": [6, 6, 6, 20, 20], "y": [1.0, 2, 3, 4, 5],
    })  # fmt: skip
    design = SurveyDesign(frame, cluster=("psu", "ssu"), fpc=("n_psu", "n_ssu"),
                          fpc_kind="population")  # fmt: skip
    assert design.weights.tolist() == [5 * 2, 5 * 2, 5 * 2, 5 * 10, 5 * 10]


def test_fpc_weights_need_an_fpc_for_every_stage() -> None:
    frame = pd.DataFrame({"psu": [1, 1, 2, 2], "ssu": [1, 2, 1, 2], "N": [9] * 4, "y": [1.0] * 4})
    with pytest.raises(InputError, match="covers 1 of the 2 stages") as caught:
        SurveyDesign(frame, cluster=("psu", "ssu"), fpc="N", fpc_kind="population")
    assert "weight column" in caught.value.hint


def test_a_weight_column_wins_over_the_fpc(small) -> None:
    design = SurveyDesign(small.assign(N=100), weight="w", strata="s", fpc="N",
                          fpc_kind="population")  # fmt: skip
    assert design.weights.tolist() == small["w"].tolist() and design.weights_from == "column"


# ------------------------------------------------------------------ lonely PSUs: average by domain


@pytest.fixture
def lonely() -> pd.DataFrame:
    """Strata 1 and 2 with two PSUs each, strata 3 and 4 with one; domains cross the strata."""
    return pd.DataFrame({
        "s": [1, 1, 2, 2, 3, 4],
        "y": [1.0, 3.0, 2.0, 6.0, 5.0, 4.0],
        "g": ["a", "a", "b", "b", "a", "c"],
        "h": ["x", "x", "x", "y", "x", "y"],
    })  # fmt: skip


def _no_lonely_variance(frame: pd.DataFrame, by: str, group: str) -> float:
    """The domain mean's variance from the strata with two PSUs only (remove)."""
    design = SurveyDesign(frame, strata="s", lonely_psu="remove")
    return float(means(design, "y", by=by).set_index("group").loc[group, "se"] ** 2)


def test_average_scales_a_domain_by_the_strata_that_hold_its_rows(lonely) -> None:
    design = SurveyDesign(lonely, strata="s", lonely_psu="average")
    table = means(design, "y", by="h").set_index("group")
    # domain x: strata 1, 2, 3, of which 3 is lonely: 3 / 2 (not the design's 4 / 2)
    assert table.loc["x", "se"] ** 2 == pytest.approx(
        _no_lonely_variance(lonely, "h", "x") * 3 / 2, rel=1e-12
    )
    # domain y: strata 2 and 4, of which 4 is lonely: 2 / 1
    assert table.loc["y", "se"] ** 2 == pytest.approx(
        _no_lonely_variance(lonely, "h", "y") * 2 / 1, rel=1e-12
    )


def test_a_domain_in_lonely_strata_only_has_no_standard_error(lonely) -> None:
    design = SurveyDesign(lonely, strata="s", lonely_psu="average")
    row = means(design, "y", by="g").set_index("group").loc["c"]  # stratum 4 alone
    assert row["estimate"] == 4.0 and np.isnan(row["se"]) and row["flag"] == NO_SE_FLAG
    shares = proportions(design, "h", by="g")
    assert (shares.loc[shares["group"] == "c", "flag"] == NO_SE_FLAG).all()


def test_a_design_with_only_lonely_strata_has_no_standard_error_under_average() -> None:
    frame = pd.DataFrame({"s": [1, 2, 3], "y": [1.0, 2.0, 4.0]})
    row = means(SurveyDesign(frame, strata="s", lonely_psu="average"), "y").iloc[0]
    assert np.isnan(row["se"]) and row["flag"] == NO_SE_FLAG


def test_missing_values_leave_their_strata_out_of_the_average(lonely) -> None:
    frame = lonely.assign(y=lonely["y"].where(lonely["s"] != 2))  # stratum 2 all missing
    design = SurveyDesign(frame, strata="s", lonely_psu="average")
    removed = SurveyDesign(frame, strata="s", lonely_psu="remove")
    # R's svymean(na.rm = TRUE) works on the rows with a value: strata 1, 3, 4 -> 3 / 1
    assert means(design, "y")["se"].iloc[0] ** 2 == pytest.approx(
        means(removed, "y")["se"].iloc[0] ** 2 * 3, rel=1e-12
    )


def test_domain_contrasts_under_average_use_every_stratum_of_the_design(lonely) -> None:
    # R: svycontrast(svyby(..., covmat = TRUE)), whose covariance averages over all strata
    design = SurveyDesign(lonely, strata="s", lonely_psu="average")
    result = compare_domains(design, "y", "h", "x", "y")
    full = SurveyDesign(lonely, strata="s", lonely_psu="remove")
    plain = compare_domains(full, "y", "h", "x", "y")
    assert result["se"] ** 2 == pytest.approx(plain["se"] ** 2 * 4 / 2, rel=1e-12)


def test_a_stratum_counts_for_the_average_even_where_the_domain_contributes_zero(lonely) -> None:
    # the lonely row of domain x equals the domain mean (1 + 3 + 2 + 2) / 4: its influence is 0,
    # but stratum 3 still belongs to the domain's subset design, as in R
    frame = lonely.assign(y=[1.0, 3.0, 2.0, 6.0, 2.0, 4.0])
    table = means(SurveyDesign(frame, strata="s", lonely_psu="average"), "y", by="h")
    assert table.set_index("group").loc["x", "se"] ** 2 == pytest.approx(
        _no_lonely_variance(frame, "h", "x") * 3 / 2, rel=1e-12
    )
