"""The study's analyses and the reproduction table, end to end on the synthetic data."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from repo import CONFIG
from survey.pipeline import analyse
from survey.study import StudyResults, load_analyses, load_study_data
from survey.study.kinds import COLUMNS, kind_name, minimum_detectable_difference
from survey.study.reproduce import failed_figures, reproduction_table, round_half_up
from survey.study.spec import table_ids

PUBLISHED = CONFIG / "published" / "beso_2012_figures.yaml"
FIGURE_MAP = CONFIG / "figures.yaml"


@pytest.fixture(scope="module")
def results(study) -> StudyResults:
    return analyse(study)


def test_every_table_has_the_documented_columns_of_its_kind(results: StudyResults) -> None:
    for analysis in results.analyses.all():
        roles = COLUMNS[kind_name(analysis)]
        if kind_name(analysis) == "codebooks":  # one table per wave, checked below
            continue
        for table_id, role in zip(table_ids(analysis), roles, strict=True):
            assert list(results.tables[table_id].columns) == roles[role], table_id


def test_every_declared_analysis_gives_its_tables(study, results: StudyResults) -> None:
    declared = load_analyses(study.analyses)
    for analysis in declared.all():
        if kind_name(analysis) != "codebooks":
            assert all(t in results.tables for t in table_ids(analysis)), analysis.id
    assert {f"codebook_{w}" for w in study.waves} <= set(results.tables)


def test_the_confidence_level_of_the_config_is_used(study) -> None:
    wide = analyse(replace(study, confidence_level=0.99)).tables["beso_experience"]
    narrow = analyse(replace(study, confidence_level=0.80)).tables["beso_experience"]
    assert (wide["ci_high"] - wide["ci_low"] > narrow["ci_high"] - narrow["ci_low"]).all()


def test_the_ci_method_of_the_config_is_used(study, results: StudyResults) -> None:
    wilson = analyse(replace(study, ci_method="wilson")).tables["beso_experience"]
    logit = results.tables["beso_experience"]
    assert (wilson["estimate"] == logit["estimate"]).all()
    assert not np.allclose(wilson["ci_low"], logit["ci_low"])


def test_every_published_figure_is_reproduced_on_the_synthetic_data(results: StudyResults) -> None:
    table = results.tables["reproduction"]
    assert len(table) == 41
    assert failed_figures(table).empty, failed_figures(table)[["id", "verdict", "evidence"]]


def _reproduced_with(study, tmp_path: Path, value: float) -> pd.Series:
    """The reproduction row of beso.experience.with when its published value is ``value``."""
    published = yaml.safe_load(PUBLISHED.read_text(encoding="utf-8"))
    for figure in published["figures"]:
        if figure["id"] == "beso.experience.with":
            figure["value"] = value
    path = tmp_path / "published.yaml"
    path.write_text(yaml.safe_dump(published), encoding="utf-8")
    table = reproduction_table(load_study_data(study).designs, path, FIGURE_MAP)
    return table.set_index("id").loc["beso.experience.with"]


def test_reproduction_says_differs_when_a_published_value_is_off(study, tmp_path: Path) -> None:
    row = _reproduced_with(study, tmp_path, 60)
    assert row["verdict"] == "differs"
    assert row["reproduced"] == "47%"


def test_reproduction_says_within_ci_for_a_near_miss(study, tmp_path: Path) -> None:
    assert _reproduced_with(study, tmp_path, 50)["verdict"] == "within CI"


def test_the_wea_trend_falls_in_brabant_and_the_netherlands(results: StudyResults) -> None:
    change = results.tables["wea_trend_change"]
    hired = change.loc[change["measure"] == "hired_vulnerable"]
    assert (hired["difference"] < 0).all()
    assert (hired["p_value"] < 0.05).all()


def test_wea_estimates_use_the_raked_weights_and_the_design_df(results: StudyResults) -> None:
    trend = results.tables["wea_trend"]
    national = trend.loc[(trend["group"] == "Nederland") & (trend["period"] == "2010")]
    assert national["df"].iloc[0] == 5310 - 52  # PSUs minus sector x size strata


def test_group_tests_are_holm_adjusted_and_carry_a_verdict(results: StudyResults) -> None:
    tests = results.tables["beso_obstacles_tests"]
    assert (tests["p_holm"] >= tests["p_value"]).all()
    assert set(tests["verdict"]) <= {"difference", "no_difference", "underpowered"}


def test_minimum_detectable_difference_grows_with_the_standard_error() -> None:
    assert minimum_detectable_difference(0.02, 200) < minimum_detectable_difference(0.04, 200)
    assert minimum_detectable_difference(0.05, 1e9) == pytest.approx(
        0.05 * (1.959964 + 0.841621), rel=1e-5
    )


def test_culture_items_are_shown_for_all_respondents_and_both_groups(results: StudyResults) -> None:
    culture = results.tables["beso_culture"]
    assert set(culture["group"]) == {"Alle", "Met ervaring", "Zonder ervaring"}
    assert len(culture) == 18


def test_logistic_model_reports_odds_ratios_with_intervals(results: StudyResults) -> None:
    model = results.tables["beso_model"].set_index("term")
    row = model.loc["knowledge_scale"]
    assert row["or_ci_low"] < row["odds_ratio"] < row["or_ci_high"]
    assert row["odds_ratio"] == pytest.approx(np.exp(row["estimate"]))


def test_alpha_is_given_for_every_battery(results: StudyResults) -> None:
    alpha = results.tables["beso_alpha"]
    assert set(alpha["battery"]) == {"culture", "knowledge", "attitude"}
    assert ((alpha["alpha"] > 0.5) & (alpha["alpha"] < 1)).all()


def test_sensitivity_weighting_changes_the_experience_share(results: StudyResults) -> None:
    row = results.tables["beso_sensitivity"].iloc[0]
    assert row["item"] == "experience_group"
    assert abs(row["weighted"] - row["unweighted"]) > 0.02


def test_results_say_the_data_is_synthetic(results: StudyResults) -> None:
    assert results.synthetic
    assert all(p["synthetic"] for p in results.provenance.values())


def test_round_half_up_rounds_as_printed() -> None:
    assert (round_half_up(46.5, 0), round_half_up(3.85, 1), round_half_up(3.849, 1)) == (
        47.0,
        3.9,
        3.8,
    )


def test_weighting_table_has_one_row_per_weighted_wave(results: StudyResults) -> None:
    assert list(results.tables["weighting"]["wave"]) == ["wea2008", "wea2010"]
    assert results.tables["weighting"]["converged"].all()


def test_unweighted_wea_would_not_reproduce_the_published_trend(study) -> None:
    data = load_study_data(study).designs["wea2010"].data
    share = (data["hired_vulnerable"] == "Ja").sum() / data["hired_vulnerable"].notna().sum()
    assert share > 0.2  # the published 16% needs the weights


def test_the_report_uses_the_weights_of_the_weight_stage(study) -> None:
    weighted = pd.read_parquet(study.processed_dir / "wea2010.weighted.parquet")
    design = load_study_data(study).designs["wea2010"]
    assert np.array_equal(design.weights, weighted["weight"].to_numpy())
    assert design.calibration  # standard errors account for the raking
