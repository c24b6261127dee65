"""Replicate weights: how they are made, stored and turned into variances."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from survey.analysis.design import SurveyDesign
from survey.analysis.replicates import (
    ReplicateType,
    ReplicateWeights,
    _jackknife_rank,
    _rank,
    hadamard,
    make_replicates,
)
from survey.errors import InputError


@pytest.fixture
def stratified() -> SurveyDesign:
    rng = np.random.default_rng(3)
    strata = np.repeat([1, 2, 3, 4], [6, 9, 12, 4])
    psu = np.concatenate([np.repeat(np.arange(k), r) for k, r in ((2, 3), (3, 3), (4, 3), (2, 2))])
    frame = pd.DataFrame(
        {"s": strata, "p": psu, "w": rng.uniform(1, 4, 31), "y": rng.normal(size=31)}
    )
    return SurveyDesign(frame, weight="w", strata="s", cluster="p")


@pytest.mark.parametrize("seed", range(20))
def test_the_jackknife_rank_without_decomposition_equals_the_pivoted_qr(
    stratified: SurveyDesign, seed: int
) -> None:
    reps = make_replicates(stratified, "JKn")
    assert reps.jackknife_strata is not None
    touched = np.random.default_rng(seed).random(reps.factors.shape[0]) < 0.6
    stratum = reps.jackknife_strata
    assert _jackknife_rank(stratum, touched) == _rank(reps.factors[touched])


def test_jkn_degrees_of_freedom_are_psus_minus_strata(stratified: SurveyDesign) -> None:
    assert stratified.with_replicates("JKn").df == stratified.n_psu - stratified.n_strata


def test_mse_centres_the_replicates_at_the_full_sample_estimate() -> None:
    thetas = np.array([[1.0], [3.0]])
    plain = ReplicateWeights(
        np.ones((1, 2)), np.zeros(1, dtype=int), ReplicateType.JK1, 1.0, np.ones(2)
    )
    mse = ReplicateWeights(
        np.ones((1, 2)), np.zeros(1, dtype=int), ReplicateType.JK1, 1.0, np.ones(2), mse=True
    )
    assert plain.variance(thetas, np.array([0.0]))[0] == 2.0  # around their mean 2
    assert mse.variance(thetas, np.array([0.0]))[0] == 10.0  # around 0


def test_a_replicate_without_an_estimate_is_left_out_with_a_warning() -> None:
    reps = ReplicateWeights(
        np.ones((1, 3)), np.zeros(1, dtype=int), ReplicateType.JK1, 1.0, np.ones(3)
    )
    with pytest.warns(UserWarning, match="left out"):
        v = reps.variance(np.array([[1.0], [np.nan], [3.0]]), np.array([2.0]))
    assert v[0] == 2.0


@pytest.mark.parametrize("size", [1, 3, 4, 7, 8, 15, 20])
def test_hadamard_rows_are_orthogonal_and_balanced(size: int) -> None:
    signs = 2 * hadamard(size) - 1
    order = signs.shape[0]
    assert order > size
    assert (signs @ signs.T == order * np.eye(order)).all()


def test_brr_gives_each_pair_one_doubled_half_per_replicate(stratified: SurveyDesign) -> None:
    frame = stratified.data.iloc[:30].assign(
        s=np.repeat(np.arange(5), 6), p=np.tile(np.repeat([0, 1], 3), 5)
    )
    reps = (
        SurveyDesign(frame, weight="w", strata="s", cluster="p").with_replicates("BRR").replicates
    )
    pairs = reps.factors.reshape(5, 2, -1)
    assert (pairs.sum(axis=1) == 2).all()
    assert set(np.unique(reps.factors)) == {0.0, 2.0}


def test_the_bootstrap_is_reproducible_from_its_seed(stratified: SurveyDesign) -> None:
    base = stratified
    one = base.with_replicates("bootstrap", count=20, seed=5).replicates.factors
    two = base.with_replicates("bootstrap", count=20, seed=5).replicates.factors
    assert (one == two).all()


def test_jk1_on_a_stratified_design_is_refused(stratified: SurveyDesign) -> None:
    with pytest.raises(InputError, match="unstratified"):
        stratified.with_replicates("JK1")


def test_a_replicate_pattern_without_columns_is_refused(stratified: SurveyDesign) -> None:
    with pytest.raises(InputError, match="matches 0 column"):
        stratified.with_replicate_weights("rep*", "JK1", scale=1.0)


def test_the_command_line_offers_exactly_the_rules_intervals_and_kinds_built() -> None:
    from survey.analysis import names
    from survey.analysis.quantiles import INTERVAL_TYPES, QRULES

    assert names.QRULE_NAMES == tuple(QRULES)
    assert names.QUANTILE_INTERVALS == tuple(INTERVAL_TYPES)
    supplied = tuple(k.value for k in ReplicateType if k is not ReplicateType.SUBBOOTSTRAP)
    assert names.SUPPLIED_REPLICATES == supplied
