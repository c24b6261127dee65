"""Behaviour of survey.weighting: margins, raking, diagnostics, trimming, failures, and the WEA.

Agreement with R's survey package (weights, estimates, calibration-aware SEs) is tested in
tests/test_weighting_golden.py; here each test checks one behaviour on a small example, and the
last ones check that raking the synthetic WEA files to their margins reproduces the published
weighted WEA figures.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from survey.analysis.design import SurveyDesign
from survey.analysis.estimate import means
from survey.clean import clean
from survey.codebook import load_codebook
from survey.config import PROJECT_ROOT
from survey.errors import InputError, StatisticalError
from survey.ingest import read_spss
from survey.synth import generate, load_published
from survey.weighting import (
    Margin,
    collapse_sparse,
    design_weights,
    kish_deff,
    kish_ess,
    nonresponse_adjustment,
    poststratify,
    rake,
    read_margins,
    trim_and_rake,
    trim_weights,
)

CONFIG = PROJECT_ROOT / "config"
GOLDEN = Path(__file__).parent / "golden" / "weighting"
WAVES = ("wea2008", "wea2010", "beso2011")
PUBLISHED = load_published(CONFIG / "published" / "beso_2012_figures.yaml")
FIGURES = yaml.safe_load((CONFIG / "figures.yaml").read_text(encoding="utf-8"))["figures"]
WEA_SHARES = [
    i for i, f in PUBLISHED.items() if f["survey"].startswith("wea") and f["kind"] == "share"
]
# figures of all organisations (no sub-base such as "with experience"): there the over-sampling
# of large establishments shows most in unweighted shares
WEA_ALL_ORGANISATIONS = [i for i in WEA_SHARES if set(FIGURES[i].get("where") or {}) <= {"region"}]

MARGINS = [
    Margin(("region",), {"Noord": 3000.0, "Zuid": 4000.0, "West": 3000.0}),
    Margin(("size",), {"klein": 7000.0, "groot": 3000.0}),
]


@pytest.fixture
def sample() -> pd.DataFrame:
    """400 establishments, large ones over-represented, with a base weight."""
    rng = np.random.default_rng(11)
    n = 400
    return pd.DataFrame(
        {
            "id": np.arange(1001, 1001 + n),
            "region": rng.choice(["Noord", "Zuid", "West"], n, p=[0.5, 0.3, 0.2]),
            "size": rng.choice(["klein", "groot"], n, p=[0.4, 0.6]),
            "w": rng.uniform(10, 30, n).round(2),
        }
    )


def _write_margins(path: Path, rows: list[tuple[str, str, object]]) -> Path:
    lines = ["variable,level,target"] + [f"{v},{lv},{t}" for v, lv, t in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_raking_converges_and_meets_every_margin(sample: pd.DataFrame) -> None:
    result = rake(sample, "w", MARGINS, tolerance=1e-10)
    table = result.diagnostics.margins
    assert result.diagnostics.converged
    assert len(table) == 5
    assert table["achieved"].to_numpy() == pytest.approx(table["target"].to_numpy(), rel=1e-10)
    for margin in MARGINS:
        (variable,) = margin.variables
        achieved = result.weights.groupby(sample[variable]).sum()
        assert achieved.to_dict() == pytest.approx(dict(margin.targets), rel=1e-10)


def test_diagnostics_report_iterations_convergence_weight_summary_deff_and_largest_ids(
    sample: pd.DataFrame,
) -> None:
    result = rake(sample, "w", MARGINS, id_column="id")
    diagnostics = result.diagnostics
    w = result.weights.to_numpy()
    assert diagnostics.iterations >= 2
    assert diagnostics.converged is True
    summary = diagnostics.summary
    assert (summary["min"], summary["median"], summary["max"]) == pytest.approx(
        (w.min(), np.median(w), w.max())
    )
    assert summary["kish_deff"] == pytest.approx(kish_deff(w))
    assert summary["effective_n"] == pytest.approx(kish_ess(w))
    largest = diagnostics.largest
    assert largest["weight"].iloc[0] == pytest.approx(w.max())
    assert largest["id"].iloc[0] == sample["id"].iloc[int(np.argmax(w))]
    payload = json.loads(json.dumps(diagnostics.to_dict()))
    assert {"method", "iterations", "converged", "summary", "margins", "largest_weights"} <= set(
        payload
    )
    assert {"min", "median", "max", "kish_deff", "effective_n"} <= set(payload["summary"])
    assert {"id", "weight"} <= set(payload["largest_weights"][0])


def test_kish_deff_and_effective_n_follow_their_formulas_on_a_tiny_example() -> None:
    w = [1.0, 1.0, 2.0, 4.0]  # sum 8, sum of squares 22
    assert kish_deff(w) == pytest.approx(4 * 22 / 8**2)
    assert kish_ess(w) == pytest.approx(8**2 / 22)
    assert kish_deff([3.0] * 5) == pytest.approx(1.0)
    assert kish_ess([3.0] * 5) == pytest.approx(5.0)


def test_raking_leaves_the_input_frame_unchanged_and_returns_new_weights_beside_the_old(
    sample: pd.DataFrame,
) -> None:
    before = sample.copy(deep=True)
    result = rake(sample, "w", MARGINS)
    pd.testing.assert_frame_equal(sample, before)
    assert result.weights.index.equals(sample.index)
    assert not np.allclose(result.weights.to_numpy(), sample["w"].to_numpy())
    assert result.calibration is not None
    assert result.calibration.weights_before == pytest.approx(sample["w"].to_numpy())


def test_margin_level_without_sample_cases_is_a_statistical_error_naming_margin_and_level(
    sample: pd.DataFrame,
) -> None:
    margins = [
        Margin(("region",), {"Noord": 3000.0, "Zuid": 3000.0, "West": 3000.0, "Oost": 1000.0}),
        MARGINS[1],
    ]
    with pytest.raises(StatisticalError) as caught:
        rake(sample, "w", margins)
    message = str(caught.value)
    assert "'region'" in message and "'Oost'" in message and "no sample cases" in message
    assert "collapse" in message


def test_sample_level_missing_from_the_margins_is_a_statistical_error_naming_it(
    sample: pd.DataFrame,
) -> None:
    margins = [Margin(("region",), {"Noord": 5000.0, "Zuid": 5000.0}), MARGINS[1]]
    with pytest.raises(StatisticalError, match=r"'region'.*'West'"):
        rake(sample, "w", margins)


def test_margins_with_different_totals_are_a_statistical_error(sample: pd.DataFrame) -> None:
    margins = [MARGINS[0], Margin(("size",), {"klein": 7000.0, "groot": 4000.0})]
    with pytest.raises(StatisticalError, match="different population totals"):
        rake(sample, "w", margins)


@pytest.mark.parametrize("target", ["0", "-25"])
def test_zero_or_negative_target_in_the_margins_file_is_an_input_error(
    tmp_path: Path, target: str
) -> None:
    path = _write_margins(tmp_path / "m.csv", [("region", "Noord", 10), ("region", "Zuid", target)])
    with pytest.raises(InputError, match=r"'region' level 'Zuid' has target"):
        read_margins(path)


def test_non_convergence_is_a_statistical_error(sample: pd.DataFrame) -> None:
    with pytest.raises(StatisticalError, match="did not converge in 1 iterations"):
        rake(sample, "w", MARGINS, max_iter=1)


def test_bounds_that_cannot_hold_with_the_margins_are_a_statistical_error(
    sample: pd.DataFrame,
) -> None:
    # Noord: 218 cases for 3,000 establishments (mean weight 13.8), so no weight can be 20 or more
    with pytest.raises(StatisticalError, match="cannot hold together with the margins"):
        trim_and_rake(sample, "w", MARGINS, bounds=(20.0, 30.0))


def test_strict_trimming_never_leaves_a_weight_above_the_cap_where_a_single_pass_does() -> None:
    w = np.array([20.0, 9.5, 1, 1, 1, 1, 1, 1])
    single = trim_weights(w, upper=10.0, strict=False)
    strict = trim_weights(w, upper=10.0, strict=True)
    # the 10 cut from 20, shared among the other seven, lifts 9.5 over the cap (R's strict=FALSE)
    assert single[1] == pytest.approx(9.5 + 10 / 7)
    assert np.sum(single > 10.0) == 1
    assert np.all(strict <= 10.0 + 1e-12)
    assert strict.sum() == pytest.approx(w.sum())
    assert single.sum() == pytest.approx(w.sum())


def test_trim_and_rake_meets_both_bounds_and_margins_when_feasible(sample: pd.DataFrame) -> None:
    free = rake(sample, "w", MARGINS).weights
    low, high = free.min() * 1.05, free.max() * 0.9
    result = trim_and_rake(sample, "w", MARGINS, bounds=(low, high), tolerance=1e-9)
    w = result.weights.to_numpy()
    assert result.diagnostics.converged
    assert w.min() >= low - 1e-9 and w.max() <= high + 1e-9
    assert result.diagnostics.trimmed > 0
    table = result.diagnostics.margins
    assert table["achieved"].to_numpy() == pytest.approx(table["target"].to_numpy(), rel=1e-9)


def test_collapse_sparse_merges_an_empty_level_with_its_declared_neighbour_and_lists_it(
    sample: pd.DataFrame,
) -> None:
    margins = [
        MARGINS[0],
        Margin(("size",), {"klein": 7000.0, "middel": 2000.0, "groot": 1000.0}),
    ]
    frame = sample.assign(size=sample["size"].replace({"groot": "middel"}))  # no "groot" cases
    with pytest.raises(StatisticalError, match="'groot'"):
        rake(frame, "w", margins)
    merged_frame, merged, collapses = collapse_sparse(
        frame, margins, {"size": [["middel", "groot"]]}
    )
    assert merged[1].targets == {"klein": 7000.0, "middel + groot": 3000.0}
    assert set(merged_frame["size"]) == {"klein", "middel + groot"}
    assert len(collapses) == 1 and "'groot'" in collapses[0] and "'middel'" in collapses[0]
    assert rake(merged_frame, "w", merged).diagnostics.converged
    assert frame["size"].isin(["klein", "middel"]).all()  # the input is left as it was


def test_design_weights_are_population_over_sample_count_in_the_stratum() -> None:
    frame = pd.DataFrame({"size": ["a", "a", "a", "b", "b"], "y": range(5)})
    population = pd.DataFrame({"size": ["a", "b"], "count": [30, 1000]})
    weights = design_weights(frame, ["size"], population, "count")
    assert weights.tolist() == pytest.approx([10, 10, 10, 500, 500])


def test_nonresponse_adjustment_preserves_the_class_totals() -> None:
    frame = pd.DataFrame(
        {
            "cls": ["a"] * 4 + ["b"] * 3,
            "w": [1.0, 2.0, 3.0, 4.0, 5.0, 5.0, 10.0],
            "resp": [True, False, True, True, False, True, True],
        }
    )
    adjusted = nonresponse_adjustment(frame, "w", "resp", ["cls"])
    assert adjusted.groupby(frame["cls"]).sum().to_dict() == pytest.approx(
        frame["w"].groupby(frame["cls"]).sum().to_dict()
    )
    assert (adjusted[~frame["resp"]] == 0).all()
    assert adjusted[0] == pytest.approx(1.0 * 10 / 8)


def test_calibration_aware_se_differs_from_the_fixed_weights_se_and_equals_r() -> None:
    golden = json.loads((GOLDEN / "weighting.json").read_text("utf-8"))["cases"]
    expected = golden["apistrat.poststratify.cross"]["estimates"][0]  # svymean(~api00)
    frame = pd.read_csv(GOLDEN / "apistrat.csv")
    design = SurveyDesign(frame, weight="pw", strata="stype", fpc="fpc", fpc_kind="population")
    result = poststratify(frame, "pw", read_margins(GOLDEN / "margins_cross.csv"))
    calibrated = design.calibrate(result)
    aware = means(calibrated, "api00")["se"].iloc[0]
    fixed = means(calibrated.update(calibration=()), "api00")["se"].iloc[0]
    assert aware == pytest.approx(expected["se"], rel=1e-7)
    assert fixed == pytest.approx(expected["se_fixed"], rel=1e-7)
    assert abs(aware - fixed) / fixed > 0.01


# --------------------------------------------------------------------------- synthetic WEA


@pytest.fixture(scope="module")
def wea(tmp_path_factory: pytest.TempPathFactory) -> dict[str, pd.DataFrame]:
    """The synthetic WEA waves, cleaned, with weights raked to their margins files."""
    folder = tmp_path_factory.mktemp("synthetic")
    books = {w: load_codebook(CONFIG / "codebooks" / f"{w}.yaml") for w in WAVES}
    generate(CONFIG / "synth.yaml", books, folder, PROJECT_ROOT)
    frames = {}
    for wave in ("wea2008", "wea2010"):
        frame = clean(read_spss(folder / f"{wave}.sav")[0], books[wave])
        result = rake(frame, None, read_margins(folder / f"margins{wave[-4:]}.csv"))
        assert result.diagnostics.converged
        frames[wave] = frame.assign(raked_weight=result.weights)
    return frames


def _percent(frame: pd.DataFrame, spec: dict, weight: str | None) -> float:
    mask = frame[spec["variable"]].notna()
    for variable, label in (spec.get("where") or {}).items():
        mask &= frame[variable] == label
    base = frame.loc[mask]
    w = base[weight] if weight else pd.Series(1.0, index=base.index)
    return float(100 * w[base[spec["variable"]] == spec["level"]].sum() / w.sum())


def _round_half_up(value: float, precision: int) -> float:
    factor = 10**precision
    return math.floor(value * factor + 0.5 + 1e-9) / factor


@pytest.mark.parametrize("figure", WEA_SHARES)
def test_raked_synthetic_wea_reproduces_the_published_weighted_figure(
    wea: dict[str, pd.DataFrame], figure: str
) -> None:
    published, spec = PUBLISHED[figure], FIGURES[figure]
    value = _percent(wea[spec["wave"]], spec, "raked_weight")
    assert _round_half_up(value, published["precision"]) == published["value"]


@pytest.mark.parametrize("figure", WEA_ALL_ORGANISATIONS)
def test_unweighted_wea_share_differs_from_the_published_figure_by_more_than_5_points(
    wea: dict[str, pd.DataFrame], figure: str
) -> None:
    spec = FIGURES[figure]
    unweighted = _percent(wea[spec["wave"]], spec, None)
    assert abs(unweighted - PUBLISHED[figure]["value"]) > 5


def test_weigh_collapses_an_empty_level_along_the_hierarchy_and_lists_it() -> None:
    from survey.weighting import Margin, weigh

    frame = pd.DataFrame({"size": ["small", "small", "mid", "mid", "small", "mid"]})
    margin = Margin(("size",), {"small": 600.0, "mid": 300.0, "large": 100.0})
    result = weigh(frame, [margin], "rake", hierarchy={"size": [["mid", "large"]]})
    assert result.weights.sum() == pytest.approx(1000.0)
    assert result.diagnostics.collapses == (
        "size: 'large' (no sample cases) merged with 'mid' into 'mid + large'",
    )
    assert set(result.diagnostics.margins["level"]) == {"small", "mid + large"}
