"""Specification of disclosure control: the policy, primary and secondary suppression, publishing.

Every test builds its cells by hand (``Cell.of`` / ``Use``) with a minimum of 10 respondents unless
it says otherwise, and checks one behaviour of :mod:`survey.disclosure`: which cells a decision
suppresses and why, which cells an attacker could derive from the relations between published
cells, and what a published table looks like (blanked values, ``status`` and ``reason``).
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
import pytest

from survey.disclosure import (
    COUNT,
    SUM,
    Cell,
    Decision,
    DisclosurePolicy,
    DominanceRule,
    Use,
    decide,
    derivable,
    disclose,
    is_disclosed,
    policy_from_config,
    protect_estimates,
    publish_frame,
    quantile_measure,
)
from survey.disclosure.suppress import Relation
from survey.errors import InputError, StatisticalError

WAVE = "w"
POLICY = DisclosurePolicy()


# ------------------------------------------------------------------ helpers


def cell(
    level: str | None = None,
    *,
    variable: str = "q",
    group: str | None = None,
    measure: str = COUNT,
) -> Cell:
    """A cell of wave ``w``: ``variable = level`` in group ``g = group`` (None: everyone)."""
    return Cell.of(WAVE, variable, level, {"g": group}, measure)


def use(level: str | None, count: int, base: int, *, group: str | None = None) -> Use:
    """One appearance of the count cell ``q = level`` (None: the base) with its counts."""
    return Use(cell(level, group=group), count, base)


def distribution(
    counts: Mapping[str, int], *, base: int | None = None, group: str | None = None
) -> list[Use]:
    """The uses of a frequency table of ``q``; the base defaults to the sum of the levels."""
    total = sum(counts.values()) if base is None else base
    return [use(name, count, total, group=group) for name, count in counts.items()]


def magnitude(base: int, *, dominated: bool = False, group: str | None = None) -> Use:
    """The use of a mean (a sum of ``income``) over ``base`` respondents."""
    return Use(cell(variable="income", group=group, measure=SUM), base, base, dominated)


def quantile(probability: float, base: int) -> Use:
    """The use of a quantile of ``income`` over ``base`` respondents."""
    return Use(cell(variable="income", measure=quantile_measure(probability)), base, base)


def two_by_two() -> list[Use]:
    """Levels Ja/Nee of ``q`` in groups A and B, and the overall row; Ja in A has 4."""
    return [
        *distribution({"Ja": 4, "Nee": 36}, group="A"),
        *distribution({"Ja": 30, "Nee": 30}, group="B"),
        *distribution({"Ja": 34, "Nee": 66}),
    ]


def reasons(uses: Sequence[Use], policy: DisclosurePolicy = POLICY) -> dict[Cell, str]:
    """The suppressed cells of the decision over these uses, with their reasons."""
    return dict(decide(uses, policy).reasons)


def unknowns(decision: Decision) -> set[Any]:
    """What an attacker does not see: suppressed cells (or cells on a suppressed base), rests."""
    hidden: set[Any] = {c for c in decision.counts if decision.suppressed(c)}
    return hidden | {r.rest for r in decision.relations if r.rest is not None}


def table(rows: Sequence[Sequence[Use]], **columns: Any) -> pd.DataFrame:
    """A table with one row per tuple of uses in ``cells`` and the given columns."""
    return pd.DataFrame({**columns, "cells": [tuple(r) for r in rows]})


def published(rows: Sequence[Sequence[Use]], **columns: Any) -> pd.DataFrame:
    """The table of these rows as published under the default policy."""
    frame = table(rows, **columns)
    return disclose({"t": frame}, POLICY).tables["t"]


def config_error(spec: Any) -> InputError:
    """The InputError that policy_from_config raises for ``spec``."""
    with pytest.raises(InputError) as caught:
        policy_from_config(spec)
    return caught.value


# ------------------------------------------------------------------ policy


def test_default_policy_needs_ten_respondents_keeps_zeros_and_has_no_dominance_rule() -> None:
    policy = DisclosurePolicy()
    assert (policy.min_cell_count, policy.protect_zeros, policy.dominance) == (10, False, None)


@pytest.mark.parametrize("spec", [None, {}])
def test_an_empty_config_gives_the_default_policy(spec: Mapping[str, Any] | None) -> None:
    assert policy_from_config(spec) == DisclosurePolicy()


def test_config_sets_every_rule() -> None:
    spec = {
        "min_cell_count": 5,
        "protect_zeros": True,
        "dominance": {"rule": "nk", "n": 2, "k": 85},
    }
    assert policy_from_config(spec) == DisclosurePolicy(5, True, DominanceRule("nk", n=2, k=85.0))


def test_an_unknown_key_is_an_error_that_suggests_the_closest_key() -> None:
    error = config_error({"min_cell_cont": 5})
    assert "'report.disclosure.min_cell_cont' (did you mean 'min_cell_count'?)" in error.message


@pytest.mark.parametrize("value", [0, -1, 1.5, True, "10"])
def test_min_cell_count_must_be_a_whole_number_of_at_least_one(value: Any) -> None:
    error = config_error({"min_cell_count": value})
    assert "min_cell_count must be a whole number of at least 1" in error.message
    assert repr(value) in error.message


def test_protect_zeros_must_be_true_or_false() -> None:
    assert "protect_zeros must be true or false" in config_error({"protect_zeros": "yes"}).message


@pytest.mark.parametrize("rule", [{"rule": "pq", "p": 10}, {"n": 2, "k": 85}, "nk"])
def test_dominance_must_name_the_nk_or_the_p_rule(rule: Any) -> None:
    assert "dominance must name a rule, nk or p" in config_error({"dominance": rule}).message


def test_an_unknown_key_inside_dominance_is_an_error_that_suggests_the_closest_key() -> None:
    error = config_error({"dominance": {"rule": "nk", "n": 2, "kk": 85}})
    assert "'report.disclosure.dominance.kk' (did you mean 'k'?)" in error.message


def test_a_key_of_the_other_rule_is_unknown_and_the_message_lists_the_rules_keys() -> None:
    error = config_error({"dominance": {"rule": "p", "p": 10, "k": 85}})
    assert "'report.disclosure.dominance.k'" in error.message
    assert error.message.endswith("known: rule, p (in the study config)")


@pytest.mark.parametrize(
    ("key", "value"), [("n", "2"), ("k", None), ("k", True), ("n", [2])]
)  # fmt: skip
def test_dominance_parameters_must_be_numbers(key: str, value: Any) -> None:
    rule = {"rule": "nk", "n": 2, "k": 85, key: value}
    assert f"dominance.{key} must be a number" in config_error({"dominance": rule}).message


@pytest.mark.parametrize("k", [0, -5, 100, 150])
def test_the_nk_rule_needs_k_strictly_between_0_and_100(k: float) -> None:
    error = config_error({"dominance": {"rule": "nk", "n": 2, "k": k}})
    assert "needs n >= 1 and 0 < k < 100" in error.message


def test_the_nk_rule_needs_a_whole_n() -> None:
    error = config_error({"dominance": {"rule": "nk", "n": 1.5, "k": 85}})
    assert "dominance.n must be a whole number" in error.message


def test_the_nk_rule_needs_at_least_one_contributor() -> None:
    error = config_error({"dominance": {"rule": "nk", "n": 0, "k": 85}})
    assert "needs n >= 1 and 0 < k < 100" in error.message


@pytest.mark.parametrize("rule", [{"rule": "p", "p": 0}, {"rule": "p", "p": -1}, {"rule": "p"}])
def test_the_p_rule_needs_a_positive_p(rule: Mapping[str, Any]) -> None:
    assert "the p% rule needs p > 0" in config_error({"dominance": rule}).message


@pytest.mark.parametrize(
    ("dominance", "described"),
    [
        (None, None),
        (DominanceRule("nk", n=2, k=85), "(n, k) = (2, 85%)"),
        (DominanceRule("p", p=10), "p% = 10%"),
    ],
)
def test_to_dict_is_the_policy_as_plain_data(
    dominance: DominanceRule | None, described: str | None
) -> None:
    policy = DisclosurePolicy(min_cell_count=5, protect_zeros=True, dominance=dominance)
    assert policy.to_dict() == {
        "min_cell_count": 5,
        "protect_zeros": True,
        "dominance": described,
    }


@pytest.mark.parametrize("spec", [10, "strict"])
def test_a_disclosure_section_that_is_not_a_mapping_is_an_input_error(spec: Any) -> None:
    assert "must be a mapping" in config_error(spec).message


# ------------------------------------------------------------------ dominance rules

NK_2_85 = DominanceRule("nk", n=2, k=85)
NK_1_60 = DominanceRule("nk", n=1, k=60)
P_10 = DominanceRule("p", p=10)


def test_nk_flags_a_cell_whose_n_largest_hold_more_than_k_percent() -> None:
    assert NK_2_85.dominated([50, 40, 5, 5]) is True


def test_nk_does_not_flag_a_cell_whose_n_largest_hold_less_than_k_percent() -> None:
    assert NK_2_85.dominated([40, 30, 20, 10]) is False


def test_nk_does_not_flag_a_cell_whose_n_largest_hold_exactly_k_percent() -> None:
    assert NK_2_85.dominated([50, 35, 10, 5]) is False


def test_p_flags_a_cell_whose_rest_is_less_than_p_percent_of_the_largest() -> None:
    assert P_10.dominated([100, 5, 2]) is True


def test_p_does_not_flag_a_cell_whose_rest_is_at_least_p_percent_of_the_largest() -> None:
    assert P_10.dominated([50, 40, 30]) is False


def test_p_does_not_flag_a_cell_whose_rest_is_exactly_p_percent_of_the_largest() -> None:
    assert P_10.dominated([100, 50, 10]) is False


@pytest.mark.parametrize(("values", "dominated"), [([-80, 10, 10], True), ([60, -50, 40], False)])
def test_negative_contributions_count_by_their_absolute_value(
    values: list[float], dominated: bool
) -> None:
    assert NK_1_60.dominated(values) is dominated


@pytest.mark.parametrize("rule", [NK_1_60, P_10])
@pytest.mark.parametrize("values", [[], [0, 0, 0]])
def test_an_empty_or_all_zero_cell_is_not_flagged(rule: DominanceRule, values: list[float]) -> None:
    assert rule.dominated(values) is False


def test_missing_contributions_are_left_out() -> None:
    assert NK_1_60.dominated([80, math.nan, 10, 10]) is True


# ------------------------------------------------------------------ primary suppression


def test_a_count_below_the_minimum_is_suppressed_for_count() -> None:
    assert reasons([use("a", 9, 100)]) == {cell("a"): "count"}


def test_a_count_at_the_minimum_is_shown() -> None:
    assert reasons([use("a", 10, 100)]) == {}


def test_a_count_of_zero_is_shown_by_default() -> None:
    assert reasons([use("a", 0, 100)]) == {}


def test_a_count_of_zero_is_suppressed_when_zeros_are_protected() -> None:
    policy = DisclosurePolicy(protect_zeros=True)
    assert reasons([use("a", 0, 100)], policy)[cell("a")] == "count"


def test_a_small_base_is_suppressed_for_base() -> None:
    assert reasons([use("a", 4, 6)]) == {cell(): "base", cell("a"): "count"}


def test_a_row_on_a_small_base_reads_base() -> None:
    row = (use("a", 0, 6),)
    assert decide(row, POLICY).row_reason(row) == "base"


def test_a_row_with_a_small_count_on_a_small_base_reports_count_first() -> None:
    row = (use("a", 4, 6),)
    assert decide(row, POLICY).row_reason(row) == "count"


def test_a_mean_on_a_small_base_is_suppressed_for_base() -> None:
    row = (magnitude(6),)
    decision = decide(row, POLICY)
    assert decision.reasons == {row[0].cell: "base", row[0].cell.base: "base"}
    assert decision.row_reason(row) == "base"


def test_a_dominated_mean_is_suppressed_for_dominance() -> None:
    row = magnitude(50, dominated=True)
    assert reasons([row]) == {row.cell: "dominance"}


def test_a_mean_that_is_not_dominated_is_shown() -> None:
    assert reasons([magnitude(50)]) == {}


@pytest.mark.parametrize(("probability", "base"), [(0.5, 19), (0.9, 99), (0.1, 99)])
def test_a_quantile_with_too_few_respondents_on_one_side_is_suppressed_for_tail(
    probability: float, base: int
) -> None:
    row = quantile(probability, base)
    assert reasons([row]) == {row.cell: "tail"}


@pytest.mark.parametrize(("probability", "base"), [(0.5, 20), (0.9, 200), (0.1, 100)])
def test_a_quantile_with_enough_respondents_on_both_sides_is_shown(
    probability: float, base: int
) -> None:
    assert reasons([quantile(probability, base)]) == {}


@pytest.mark.parametrize(("probability", "base"), [(0.9, 100), (0.8, 50)])
def test_a_quantile_with_exactly_the_minimum_in_its_upper_tail_is_shown(
    probability: float, base: int
) -> None:
    assert reasons([quantile(probability, base)]) == {}


# ------------------------------------------------------------------ secondary suppression


def test_the_last_hidden_level_gets_the_smallest_other_shown_level_as_partner() -> None:
    uses = distribution({"a": 30, "b": 40, "c": 25, "d": 5})
    assert reasons(uses) == {cell("d"): "count", cell("c"): "secondary"}


def test_two_small_levels_protect_each_other() -> None:
    uses = distribution({"a": 50, "b": 42, "c": 5, "d": 3})
    assert reasons(uses) == {cell("c"): "count", cell("d"): "count"}


def test_a_small_complement_of_the_only_shown_level_hides_that_level() -> None:
    assert reasons([use("Ja", 95, 100)]) == {cell("Ja"): "secondary"}


def test_a_large_complement_of_the_only_shown_level_needs_no_suppression() -> None:
    assert reasons([use("Ja", 60, 100)]) == {}


@pytest.mark.parametrize("protect_zeros", [False, True])
def test_a_level_holding_the_whole_base_is_shown_even_when_zeros_are_protected(
    protect_zeros: bool,
) -> None:
    # its empty complement is not a shown cell (documented in survey.disclosure.policy)
    policy = DisclosurePolicy(protect_zeros=protect_zeros)
    assert reasons([use("Ja", 100, 100)], policy) == {}


def test_hiding_one_group_hides_one_more_cell_of_the_relation_overall_equals_groups() -> None:
    uses = [use("Ja", 5, 40, group="A"), use("Ja", 30, 60, group="B"), use("Ja", 35, 100)]
    found = reasons(uses)
    assert found == {cell("Ja", group="A"): "count", cell("Ja", group="B"): "secondary"}


def test_a_two_by_two_table_with_margins_hides_the_rectangle_of_the_small_cell() -> None:
    assert reasons(two_by_two()) == {
        cell("Ja", group="A"): "count",
        cell("Nee", group="A"): "secondary",
        cell("Ja", group="B"): "secondary",
        cell("Nee", group="B"): "secondary",
    }


def test_a_two_by_two_table_with_margins_leaves_no_relation_with_a_single_unknown() -> None:
    decision = decide(two_by_two(), POLICY)
    hidden = unknowns(decision)
    per_relation = [sum(m in hidden for m in r.members()) for r in decision.relations]
    assert len(per_relation) == 6
    assert 1 not in per_relation
    assert max(per_relation) >= 2


def test_a_two_by_two_table_with_margins_leaves_no_primary_cell_derivable() -> None:
    decision = decide(two_by_two(), POLICY)
    primary = {c for c, r in decision.reasons.items() if r != "secondary"}
    assert primary == {cell("Ja", group="A")}
    assert derivable(decision.relations, unknowns(decision)) & primary == set()


def test_the_decision_does_not_depend_on_the_order_of_the_uses() -> None:
    uses = two_by_two()
    shuffled = random.Random(1).sample(uses, len(uses))
    assert shuffled != uses
    assert reasons(shuffled) == reasons(uses) == reasons(uses[::-1])


def test_a_cell_suppressed_in_one_table_is_suppressed_in_every_table_that_shows_it() -> None:
    levels = distribution({"a": 50, "b": 45, "c": 5})
    tables = {
        "all": table([[u] for u in levels], estimate=[0.5, 0.45, 0.05]),
        "b only": table([[levels[1]]], estimate=[0.45]),
    }
    out = disclose(tables, POLICY).tables
    assert out["all"]["status"].tolist() == ["", "[c]", "[c]"]
    assert out["b only"]["status"].tolist() == ["[c]"]
    assert out["b only"]["reason"].tolist() == ["secondary"]
    assert out["b only"]["estimate"].isna().all()


def test_a_protected_zero_is_not_disclosed_by_the_levels_adding_up_to_the_base() -> None:
    policy = DisclosurePolicy(protect_zeros=True)
    found = reasons(distribution({"Ja": 50, "Nee": 50, "Weet niet": 0}), policy)
    assert found[cell("Weet niet")] == "count"
    assert "secondary" in found.values()


def test_one_cell_with_two_different_counts_is_a_statistical_error() -> None:
    with pytest.raises(StatisticalError, match="has 5 respondents in one table and 6"):
        decide([use("a", 5, 100), use("a", 6, 100)], POLICY)


def test_one_base_with_two_different_counts_is_a_statistical_error() -> None:
    with pytest.raises(StatisticalError, match="has 100 respondents in one table and 90"):
        decide([use("a", 5, 100), use("b", 5, 90)], POLICY)


def test_parts_with_more_respondents_than_their_whole_are_a_statistical_error() -> None:
    with pytest.raises(StatisticalError, match="more respondents than the whole"):
        decide(distribution({"a": 60, "b": 50}, base=100), POLICY)


# ------------------------------------------------------------------ derivable

T, A, B, C, D = (cell(x) for x in ("t", "a", "b", "c", "d"))
T_AB = Relation(T, (A, B), None)
A_CD = Relation(A, (C, D), None)


def test_the_only_unknown_of_a_relation_is_derivable() -> None:
    assert derivable([T_AB], {A}) == {A}


def test_two_unknowns_of_one_relation_are_not_derivable() -> None:
    assert derivable([T_AB], {A, B}) == set()


def test_an_unknown_is_derivable_through_a_chain_of_relations() -> None:
    assert derivable([T_AB, A_CD], {A, C}) == {A, C}


def test_a_chain_ends_where_a_relation_has_two_unknowns_left() -> None:
    assert derivable([T_AB, A_CD], {A, C, D}) == {A}


# ------------------------------------------------------------------ publishing tables


def test_a_suppressed_row_has_its_estimates_blanked_and_integer_columns_become_int64() -> None:
    out = published(
        [[use("a", 50, 100)], [use("b", 5, 100)]],
        estimate=[0.5, 0.05],
        se=[0.05, 0.02],
        n_level=[50, 5],
    )
    assert out["estimate"].tolist()[0] == 0.5
    assert out[["estimate", "se"]].iloc[1].isna().all()
    assert str(out["n_level"].dtype) == "Int64"
    assert out["n_level"].iloc[0] == 50
    assert out["n_level"].isna().tolist() == [False, True]


def test_n_stays_when_only_the_count_is_suppressed() -> None:
    out = published([[use("a", 5, 100)]], estimate=[0.05], n=[100])
    assert out["n"].tolist() == [100]


def test_n_is_blanked_when_the_base_is_suppressed() -> None:
    out = published([[use("a", 0, 6)]], estimate=[0.0], n=[6])
    assert out["status"].tolist() == ["[c]"]
    assert out["n"].isna().all()


def test_a_suppressed_row_is_not_assessable_and_hides_its_reproduced_figure() -> None:
    out = published(
        [[use("a", 50, 100)], [use("b", 5, 100)]],
        verdict=["reproduced", "reproduced"],
        reproduced=["50%", "5%"],
        evidence=["table 3", "table 3"],
    )
    assert out["verdict"].tolist() == ["reproduced", "not_assessable"]
    assert out["reproduced"].tolist() == ["50%", "[c]"]
    assert out["evidence"].tolist() == ["table 3", ""]


@pytest.mark.parametrize(
    ("flag", "status", "reason"),
    [
        ("review: fewer than 30 respondents", "[u]", "reliability"),
        ("suppress: cv above 30%", "[u]", "reliability"),
        ("reviewed by hand", "", ""),
        ("", "", ""),
        (None, "", ""),
    ],
)
def test_a_shown_row_with_an_nchs_flag_reads_low_reliability(
    flag: str | None, status: str, reason: str
) -> None:
    out = published([[use("a", 50, 100)]], estimate=[0.5], flag=[flag])
    assert (out["status"].iloc[0], out["reason"].iloc[0]) == (status, reason)


def test_a_suppressed_row_reads_confidential_whatever_its_reliability_flag() -> None:
    out = published([[use("a", 5, 100)]], estimate=[0.05], flag=["review: few respondents"])
    assert (out["status"].iloc[0], out["reason"].iloc[0]) == ("[c]", "count")


def test_the_cells_column_is_dropped() -> None:
    out = published([[use("a", 50, 100)]], estimate=[0.5])
    assert list(out.columns) == ["estimate", "status", "reason"]


def test_a_table_without_cells_but_with_n_is_suppressed_by_its_base() -> None:
    frame = pd.DataFrame({"term": ["x", "y"], "odds_ratio": [1.5, 2.0], "n": [6, 50]})
    out = publish_frame(frame, decide([], POLICY))
    assert out["status"].tolist() == ["[c]", ""]
    assert out["reason"].tolist() == ["base", ""]
    assert out["odds_ratio"].isna().tolist() == [True, False]
    assert out["n"].isna().tolist() == [True, False]


def test_a_table_without_cells_or_n_is_published_as_it_is() -> None:
    frame = pd.DataFrame({"term": ["x"], "estimate": [1.5]})
    out = publish_frame(frame, decide([], POLICY))
    assert out["estimate"].tolist() == [1.5]
    assert out["status"].tolist() == [""]


def test_only_a_published_frame_is_disclosed() -> None:
    frame = table([[use("a", 50, 100)]], estimate=[0.5])
    assert is_disclosed(frame) is False
    assert is_disclosed(frame.drop(columns="cells")) is False
    assert is_disclosed(publish_frame(frame, decide(frame["cells"].iloc[0], POLICY))) is True


# ------------------------------------------------------------------ estimate tables


def estimate_table(stat: str, rows: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """Rows shaped like survey.analysis.estimate.estimate output, grouped by ``g``."""
    defaults = {
        "variable": "q", "stat": stat, "by": "g", "level": None, "se": 0.05,
        "ci_low": 0.0, "ci_high": 1.0, "n_level": None, "flag": "",
    }  # fmt: skip
    frame = pd.DataFrame([{**defaults, **row} for row in rows])
    columns = ["variable", "stat", "by", "group", "level", "estimate", "se", "ci_low", "ci_high"]
    return frame[[*columns, "n", "n_level", "flag"]]


def test_protect_estimates_suppresses_a_small_share_and_its_partner_in_the_same_group() -> None:
    rows = [
        {"group": "A", "level": "Ja", "estimate": 0.1, "n": 40, "n_level": 4},
        {"group": "A", "level": "Nee", "estimate": 0.9, "n": 40, "n_level": 36},
        {"group": "B", "level": "Ja", "estimate": 0.5, "n": 60, "n_level": 30},
        {"group": "B", "level": "Nee", "estimate": 0.5, "n": 60, "n_level": 30},
    ]
    out = protect_estimates(estimate_table("proportion", rows), POLICY)
    assert out["status"].tolist() == ["[c]", "[c]", "", ""]
    assert out["reason"].tolist() == ["count", "secondary", "", ""]
    assert out["estimate"].isna().tolist() == [True, True, False, False]
    assert out["n_level"].tolist()[2:] == [30, 30]
    assert out["n"].tolist() == [40, 40, 60, 60]


def test_protect_estimates_suppresses_a_mean_on_a_small_base_with_its_n() -> None:
    rows = [
        {"variable": "income", "group": "A", "estimate": 10.0, "n": 8},
        {"variable": "income", "group": "B", "estimate": 12.0, "n": 50, "flag": "review: cv"},
    ]
    out = protect_estimates(estimate_table("mean", rows), POLICY)
    assert out["status"].tolist() == ["[c]", "[u]"]
    assert out["reason"].tolist() == ["base", "reliability"]
    assert out["estimate"].isna().tolist() == [True, False]
    assert out["n"].isna().tolist() == [True, False]
    assert "cells" not in out.columns
