"""The synthetic exports: structure, routing, links, and calibration to the published figures.

BESO figures must match the publication at its printed precision as unweighted shares of the
cleaned data; WEA figures must match after raking the respondents to the population margins
(``survey.weighting.rake`` with the synthetic margins files), the weighting the pipeline uses.
Cell weights (establishments in the province x sector x size cell over respondents in it) serve to
check the sampling design.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from repo import REPO
from survey.clean import clean
from survey.codebook import load_codebook, validate
from survey.errors import InputError
from survey.io import read_spss
from survey.synth import generate, is_synthetic_label, load_published
from survey.weighting import rake, read_margins

CONFIG = REPO / "config"
WAVES = ("wea2008", "wea2010", "beso2011")
PUBLISHED = load_published(CONFIG / "published" / "beso_2012_figures.yaml")
FIGURES = yaml.safe_load((CONFIG / "figures.yaml").read_text(encoding="utf-8"))["figures"]
CELL = ["province", "sector", "size_class"]


@pytest.fixture(scope="module")
def synth_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synthetic")
    books = {w: load_codebook(CONFIG / "codebooks" / f"{w}.yaml") for w in WAVES}
    generate(CONFIG / "synth.yaml", books, out, REPO)
    return out


@pytest.fixture(scope="module")
def raw(synth_dir: Path) -> dict[str, tuple[pd.DataFrame, object]]:
    return {w: read_spss(synth_dir / f"{w}.sav") for w in WAVES}


@pytest.fixture(scope="module")
def tidy(synth_dir: Path, raw: dict) -> dict[str, pd.DataFrame]:
    frames = {}
    for wave in WAVES:
        frame = clean(raw[wave][0], load_codebook(CONFIG / "codebooks" / f"{wave}.yaml"))
        if wave.startswith("wea"):
            frame["cell_weight"] = _cell_weights(frame, synth_dir / f"population{wave[-4:]}.csv")
            margins = read_margins(synth_dir / f"margins{wave[-4:]}.csv")
            frame["raked_weight"] = rake(frame, margins).weights
        frames[wave] = frame
    return frames


def _cell_weights(frame: pd.DataFrame, population_csv: Path) -> pd.Series:
    population = pd.read_csv(population_csv, comment="#")
    keys = frame[CELL].astype(str)
    n = keys.groupby(CELL).size().rename("n")
    counts = population.astype({c: str for c in CELL}).set_index(CELL)["establishments"]
    weights = (counts / n).rename("w")
    return keys.join(weights, on=CELL)["w"]


def _round_half_up(value: float, precision: int) -> float:
    factor = 10**precision
    return math.floor(value * factor + 0.5 + 1e-9) / factor


def _base(frame: pd.DataFrame, spec: dict) -> pd.DataFrame:
    mask = pd.Series(True, index=frame.index)
    for variable, label in (spec.get("where") or {}).items():
        mask &= frame[variable] == label
    return frame.loc[mask & frame[spec["variable"]].notna()]


def _percent(frame: pd.DataFrame, spec: dict, weight: str | None) -> float:
    base = _base(frame, spec)
    w = base[weight] if weight else pd.Series(1.0, index=base.index)
    if spec.get("stat") == "mean":
        return float(np.average(base[spec["variable"]], weights=w))
    return float(100 * w[base[spec["variable"]] == spec["level"]].sum() / w.sum())


def _numeric_ids(survey: str, kind: str) -> list[str]:
    return [i for i, f in PUBLISHED.items() if f["survey"].startswith(survey) and f["kind"] == kind]


def test_every_published_figure_has_a_computation() -> None:
    assert set(PUBLISHED) == set(FIGURES)


def test_every_synthetic_file_label_says_synthetic(raw: dict) -> None:
    assert all(is_synthetic_label(meta.file_label) for _, meta in raw.values())


def test_population_tables_say_they_are_synthetic_and_illustrative(synth_dir: Path) -> None:
    for year in ("2008", "2010"):
        first = (synth_dir / f"population{year}.csv").read_text(encoding="utf-8").splitlines()[0]
        assert first.startswith("# SYNTHETIC") and "illustrative" in first


@pytest.mark.parametrize("wave", WAVES)
def test_synthetic_files_fit_their_codebooks_without_any_problem(raw: dict, wave: str) -> None:
    frame, meta = raw[wave]
    report = validate(frame, meta, load_codebook(CONFIG / "codebooks" / f"{wave}.yaml"))
    assert report.problems == ()


@pytest.mark.parametrize("wave", ["wea2008", "wea2010"])
def test_wea_waves_hold_about_5000_establishments_in_all_twelve_provinces(
    tidy: dict, wave: str
) -> None:
    frame = tidy[wave]
    assert 4800 <= len(frame) <= 5600
    assert frame["province"].nunique() == 12
    assert frame["sector"].nunique() == 13


@pytest.mark.parametrize("wave", ["wea2008", "wea2010"])
def test_large_establishments_are_over_sampled(tidy: dict, wave: str) -> None:
    frame = tidy[wave]
    sample_share = frame["size_class"].value_counts(normalize=True)
    population_share = frame.groupby("size_class", observed=True)["cell_weight"].sum()
    population_share /= population_share.sum()
    largest = "100 of meer werkzame personen"
    assert sample_share[largest] > 4 * population_share[largest]


@pytest.mark.parametrize("wave", ["wea2008", "wea2010"])
def test_cell_weights_add_up_to_the_population(tidy: dict, synth_dir: Path, wave: str) -> None:
    population = pd.read_csv(synth_dir / f"population{wave[-4:]}.csv", comment="#")
    assert tidy[wave]["cell_weight"].sum() == pytest.approx(population["establishments"].sum())


@pytest.mark.parametrize("figure", _numeric_ids("beso", "share"))
def test_beso_share_matches_the_publication_at_printed_precision(tidy: dict, figure: str) -> None:
    published = PUBLISHED[figure]
    value = _percent(tidy["beso2011"], FIGURES[figure], weight=None)
    assert _round_half_up(value, published["precision"]) == published["value"]


@pytest.mark.parametrize("figure", _numeric_ids("beso", "approx"))
def test_beso_about_equal_figure_matches_in_each_group(tidy: dict, figure: str) -> None:
    published, spec = PUBLISHED[figure], FIGURES[figure]
    ((variable, groups),) = spec["each"].items()
    for group in groups:
        value = _percent(tidy["beso2011"], {**spec, "where": {variable: group}}, weight=None)
        assert _round_half_up(value, published["precision"]) == published["value"], group


def test_beso_has_228_respondents_split_47_53_by_experience(tidy: dict) -> None:
    counts = tidy["beso2011"]["experience_group"].value_counts()
    assert counts.sum() == 228
    assert (counts["Met ervaring"], counts["Zonder ervaring"]) == (107, 121)


@pytest.mark.parametrize("figure", _numeric_ids("wea", "share"))
def test_wea_share_matches_the_publication_after_raking(tidy: dict, figure: str) -> None:
    published, spec = PUBLISHED[figure], FIGURES[figure]
    value = _percent(tidy[spec["wave"]], spec, weight="raked_weight")
    assert _round_half_up(value, published["precision"]) == published["value"]


@pytest.mark.parametrize("wave", ["wea2008", "wea2010"])
def test_raked_weights_meet_every_margin(tidy: dict, synth_dir: Path, wave: str) -> None:
    for margin in read_margins(synth_dir / f"margins{wave[-4:]}.csv"):
        keys = tidy[wave][list(margin.variables)].astype(str).agg("|".join, axis=1)
        achieved = tidy[wave]["raked_weight"].groupby(keys).sum()
        assert achieved.to_dict() == pytest.approx(dict(margin.targets), rel=1e-8)


def test_wea_more_than_half_without_experience_say_work_does_not_lend_itself(tidy: dict) -> None:
    figure = "wea.work_not_suitable.without.brabant"
    value = _percent(tidy["wea2010"], FIGURES[figure], weight="raked_weight")
    assert value > PUBLISHED[figure]["value"]


@pytest.mark.parametrize(
    "figure", ["wea.hired_vulnerable.brabant.2008", "wea.hired_vulnerable.nl.2010"]
)
def test_unweighted_wea_shares_differ_visibly_from_weighted(tidy: dict, figure: str) -> None:
    spec = FIGURES[figure]
    weighted = _percent(tidy[spec["wave"]], spec, weight="raked_weight")
    unweighted = _percent(tidy[spec["wave"]], spec, weight=None)
    assert unweighted - weighted > 5


def _share_by(frame: pd.DataFrame, item: dict) -> pd.Series:
    valid = frame.loc[frame[item["variable"]].notna() & frame[item["by"]].notna()]
    return (
        (valid[item["variable"]] == item["level"]).groupby(valid[item["by"]], observed=True).mean()
    )


@pytest.mark.parametrize("figure", [i for i, f in FIGURES.items() if "compare" in f])
def test_beso_direction_claim_holds_with_a_visible_difference(tidy: dict, figure: str) -> None:
    for item in FIGURES[figure]["compare"]:
        shares = _share_by(tidy["beso2011"], item)
        higher, lower = shares[item["higher"]], shares[item["lower"]]
        # visible: four points apart, or half as large again for small shares such as sectors
        assert higher - lower > 0.04 or higher > 1.5 * lower, item


def test_beso_culture_items_do_not_differ_by_experience(tidy: dict) -> None:
    for item in FIGURES["beso.culture.no_difference.direction"]["same"]:
        shares = _share_by(tidy["beso2011"], item)
        assert abs(shares.iloc[0] - shares.iloc[1]) < 0.02, item


def test_beso_respondents_are_wea2010_brabant_respondents(tidy: dict) -> None:
    wea = tidy["wea2010"].set_index("establishment_id")
    beso_ids = tidy["beso2011"]["establishment_id"]
    assert beso_ids.isin(wea.index).all()
    assert (wea.loc[beso_ids, "region"] == "Noord-Brabant").all()


def test_beso_sector_is_carried_over_from_wea2010(tidy: dict) -> None:
    wea = tidy["wea2010"].set_index("establishment_id")["sector"]
    beso = tidy["beso2011"].set_index("establishment_id")["sector"]
    assert (beso.astype(str) == wea.loc[beso.index].astype(str)).all()


def test_likert_items_of_a_battery_correlate_through_a_latent_trait(tidy: dict) -> None:
    scores = tidy["beso2011"][["knowledge_disabilities_score", "knowledge_external_support_score"]]
    assert scores.corr().iloc[0, 1] > 0.3


def test_reversed_attitude_items_correlate_positively_once_reversed(tidy: dict) -> None:
    scores = tidy["beso2011"][["attitude_little_guidance_score", "attitude_much_guidance_score"]]
    assert scores.corr().iloc[0, 1] > 0.3


def test_wea_items_correlate_across_questions(tidy: dict) -> None:
    frame = tidy["wea2010"]
    valid = frame["hired_vulnerable"].notna() & frame["mission_vulnerable"].notna()
    hired = frame.loc[valid, "hired_vulnerable"] == "Ja"
    mission = frame.loc[valid, "mission_vulnerable"] == "Ja"
    assert mission[hired].mean() > 2 * mission[~hired].mean()


def test_wea_routing_leaves_satisfaction_to_those_with_experience(tidy: dict) -> None:
    frame = tidy["wea2010"]
    assert frame.loc[frame["experience"] == "Zonder ervaring", "satisfaction"].isna().all()
    assert frame.loc[frame["experience"] == "Met ervaring", "satisfaction"].notna().mean() > 0.95


def test_an_unknown_key_in_the_synth_config_suggests_the_closest_key(tmp_path: Path) -> None:
    path = tmp_path / "synth.yaml"
    path.write_text((REPO / "config" / "synth.yaml").read_text(encoding="utf-8") + "seeed: 1\n")
    with pytest.raises(InputError, match=r"unknown key 'seeed' \(did you mean 'seed'\?\)"):
        generate(path, {}, tmp_path / "out", tmp_path)
