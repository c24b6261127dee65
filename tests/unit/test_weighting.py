"""Behaviour of survey.weighting: margins, raking, diagnostics, trimming, failures, and the WEA.

Agreement with R's survey package (weights, estimates, calibration-aware SEs) is tested in
tests/test_weighting_golden.py; here each test checks one behaviour on a small example, and the
last ones check that raking the synthetic WEA files to their margins reproduces the published
weighted WEA figures.
"""

from __future__ import annotations

import inspect
import json
import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from repo import GOLDEN_ROOT, REPO
from survey.analysis.design import SurveyDesign
from survey.analysis.estimate import means
from survey.clean import clean
from survey.codebook import load_codebook
from survey.errors import InputError, StatisticalError
from survey.io import read_spss
from survey.synth import generate, load_published
from survey.weighting import (
    INTERCEPT,
    METHODS,
    Margin,
    Total,
    calibrate,
    collapse_sparse,
    design_weights,
    kish_deff,
    kish_ess,
    linear_calibration,
    margins_from_population,
    nonresponse_adjustment,
    poststratify,
    rake,
    read_margins,
    read_totals,
    trim_and_rake,
    trim_weights,
    weigh,
)

CONFIG = REPO / "config"
GOLDEN = GOLDEN_ROOT / "weighting"
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
    result = rake(sample, MARGINS, base_weight="w", tolerance=1e-10)
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
    result = rake(sample, MARGINS, base_weight="w", id_column="id")
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
    result = rake(sample, MARGINS, base_weight="w")
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
        rake(sample, margins, base_weight="w")
    message = str(caught.value)
    assert "'region'" in message and "'Oost'" in message and "no sample cases" in message
    assert "collapse" in message


def test_sample_level_missing_from_the_margins_is_a_statistical_error_naming_it(
    sample: pd.DataFrame,
) -> None:
    margins = [Margin(("region",), {"Noord": 5000.0, "Zuid": 5000.0}), MARGINS[1]]
    with pytest.raises(StatisticalError, match=r"'region'.*'West'"):
        rake(sample, margins, base_weight="w")


def test_margins_with_different_totals_are_a_statistical_error(sample: pd.DataFrame) -> None:
    margins = [MARGINS[0], Margin(("size",), {"klein": 7000.0, "groot": 4000.0})]
    with pytest.raises(StatisticalError, match="different population totals"):
        rake(sample, margins, base_weight="w")


@pytest.mark.parametrize("target", ["0", "-25", "inf", "nan"])
def test_zero_or_negative_target_in_the_margins_file_is_an_input_error(
    tmp_path: Path, target: str
) -> None:
    path = _write_margins(tmp_path / "m.csv", [("region", "Noord", 10), ("region", "Zuid", target)])
    with pytest.raises(InputError, match=r"'region' level 'Zuid' has target"):
        read_margins(path)


def test_a_margins_file_with_only_its_header_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    path.write_text("variable,level,target\n", encoding="utf-8")
    with pytest.raises(InputError, match="holds only its header, no rows"):
        read_margins(path)


def test_non_convergence_is_a_statistical_error(sample: pd.DataFrame) -> None:
    with pytest.raises(StatisticalError, match="did not converge in 1 iterations"):
        rake(sample, MARGINS, base_weight="w", max_iter=1)


def test_bounds_that_cannot_hold_with_the_margins_are_a_statistical_error(
    sample: pd.DataFrame,
) -> None:
    # Noord: 218 cases for 3,000 establishments (mean weight 13.8), so no weight can be 20 or more
    with pytest.raises(StatisticalError, match="cannot hold together with the margins"):
        trim_and_rake(sample, MARGINS, base_weight="w", bounds=(20.0, 30.0))


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
    free = rake(sample, MARGINS, base_weight="w").weights
    low, high = free.min() * 1.05, free.max() * 0.9
    result = trim_and_rake(sample, MARGINS, base_weight="w", bounds=(low, high), tolerance=1e-9)
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
        rake(frame, margins, base_weight="w")
    merged_frame, merged, collapses = collapse_sparse(
        frame, margins, {"size": [["middel", "groot"]]}
    )
    assert merged[1].targets == {"klein": 7000.0, "middel + groot": 3000.0}
    assert set(merged_frame["size"]) == {"klein", "middel + groot"}
    assert len(collapses) == 1 and "'groot'" in collapses[0] and "'middel'" in collapses[0]
    assert rake(merged_frame, merged, base_weight="w").diagnostics.converged
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
    result = poststratify(frame, read_margins(GOLDEN / "margins_cross.csv"), base_weight="pw")
    calibrated = design.calibrate(result)
    aware = means(calibrated, "api00")["se"].iloc[0]
    fixed = means(calibrated.update(calibration=()), "api00")["se"].iloc[0]
    assert aware == pytest.approx(expected["se"], rel=1e-7)
    assert fixed == pytest.approx(expected["se_fixed"], rel=1e-7)
    assert abs(aware - fixed) / fixed > 0.01


# --------------------------------------------------------------------------- one signature, a registry

SHARED_KEYWORDS = {"base_weight", "meta", "tolerance", "max_iter", "id_column"}
ONE_SIGNATURE: list[Callable[..., object]] = [
    poststratify,
    rake,
    linear_calibration,
    trim_and_rake,
    weigh,
    *METHODS.values(),
]


@pytest.mark.parametrize("method", ONE_SIGNATURE, ids=lambda f: f.__name__)
def test_every_method_takes_frame_and_margins_by_position_and_the_rest_by_shared_keywords(
    method: Callable[..., object],
) -> None:
    parameters = list(inspect.signature(method).parameters.values())
    assert [p.name for p in parameters[:2]] == ["frame", "margins"]
    assert all(p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD for p in parameters[:2])
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in parameters[2:])
    assert SHARED_KEYWORDS <= {p.name for p in parameters[2:]}


def test_the_old_positional_base_weight_call_is_refused(sample: pd.DataFrame) -> None:
    with pytest.raises(TypeError):
        rake(sample, "w", MARGINS)


def test_the_registry_names_each_method_and_weigh_calls_the_one_named(
    sample: pd.DataFrame,
) -> None:
    assert METHODS == {
        "poststratify": poststratify,
        "rake": rake,
        "linear": linear_calibration,
        "calibrate": calibrate,
    }
    cross = [Margin(("size",), {"klein": 7000.0, "groot": 3000.0})]
    for name, method in METHODS.items():
        chosen = weigh(sample, cross, method=name, base_weight="w").weights
        direct = method(sample, cross, base_weight="w").weights
        pd.testing.assert_series_equal(chosen, direct)


def test_unknown_method_name_is_an_input_error_naming_the_known_methods(
    sample: pd.DataFrame,
) -> None:
    with pytest.raises(InputError) as caught:
        weigh(sample, MARGINS, method="ipf", base_weight="w")
    message = str(caught.value)
    assert "'ipf'" in message
    assert all(name in message for name in METHODS)


def test_weigh_passes_max_iter_unchanged_to_bounded_raking(sample: pd.DataFrame) -> None:
    free = rake(sample, MARGINS, base_weight="w").weights
    bounds = (free.min() * 1.05, free.max() * 0.9)
    enough = weigh(sample, MARGINS, base_weight="w", trim=bounds)  # the method's own default
    assert enough.diagnostics.converged and enough.diagnostics.iterations > 5
    with pytest.raises(StatisticalError, match="did not converge in 5 iterations"):
        weigh(sample, MARGINS, base_weight="w", trim=bounds, max_iter=5)


def test_weigh_passes_max_iter_unchanged_to_raking(sample: pd.DataFrame) -> None:
    assert rake(sample, MARGINS, base_weight="w").diagnostics.iterations > 1
    with pytest.raises(StatisticalError, match="did not converge in 1 iterations"):
        weigh(sample, MARGINS, method="rake", base_weight="w", max_iter=1)


def test_max_iter_defaults_are_documented_in_the_signatures() -> None:
    def default(method: Callable[..., object]) -> object:
        return inspect.signature(method).parameters["max_iter"].default

    assert default(rake) == 100
    assert default(trim_and_rake) == 1000  # bounded raking converges more slowly
    assert default(weigh) is None  # None: the chosen method's own default


def test_trimming_with_a_method_other_than_raking_is_an_input_error(
    sample: pd.DataFrame,
) -> None:
    with pytest.raises(InputError, match="trimming bounds go with raking"):
        weigh(sample, MARGINS[:1], method="poststratify", base_weight="w", trim=(1.0, 50.0))


def test_a_missing_base_weight_message_speaks_to_python_and_command_line_users(
    sample: pd.DataFrame,
) -> None:
    with pytest.raises(InputError) as caught:
        rake(sample, MARGINS, base_weight="gewicht")
    message = str(caught.value)
    assert "'gewicht'" in message
    assert "base_weight=" in message and "--base-weight" in message


def test_non_convergence_advice_speaks_to_python_and_command_line_users(
    sample: pd.DataFrame,
) -> None:
    with pytest.raises(StatisticalError) as caught:
        rake(sample, MARGINS, base_weight="w", max_iter=1)
    message = str(caught.value)
    assert "max_iter=" in message and "--max-iter" in message


POPULATION = pd.DataFrame(
    {
        "region": ["Noord", "Noord", "Zuid"],
        "size": ["klein", "groot", "klein"],
        "persons": [60, 40, 100],
    }
)


def test_margins_from_population_sums_the_named_count_column() -> None:
    region, cross = margins_from_population(
        POPULATION, [["region"], ["region", "size"]], count="persons"
    )
    assert region.targets == {"Noord": 100.0, "Zuid": 100.0}
    assert cross.variables == ("region", "size")
    assert cross.targets == {"Noord|groot": 40.0, "Noord|klein": 60.0, "Zuid|klein": 100.0}


def test_margins_from_population_requires_the_count_column() -> None:
    with pytest.raises(TypeError, match="count"):
        margins_from_population(POPULATION, [["region"]])
    with pytest.raises(InputError, match=r"no count column 'establishments'.*persons"):
        margins_from_population(POPULATION, [["region"]], count="establishments")


@pytest.mark.parametrize("count", ["veel", "-3", "inf", ""])
def test_a_population_count_that_is_not_a_count_is_an_input_error_naming_its_row(
    count: str,
) -> None:
    population = POPULATION.astype(str).assign(persons=["60", count, "100"])
    with pytest.raises(InputError, match=rf"'persons' holds '{count}' in row 1"):
        margins_from_population(population, [["region"]], count="persons")


def test_margins_from_population_names_a_variable_missing_from_the_table() -> None:
    with pytest.raises(InputError, match="no variable 'province'"):
        margins_from_population(POPULATION, [["province"]], count="persons")


# --------------------------------------------------------------------------- synthetic WEA


@pytest.fixture(scope="module")
def wea(tmp_path_factory: pytest.TempPathFactory) -> dict[str, pd.DataFrame]:
    """The synthetic WEA waves, cleaned, with weights raked to their margins files."""
    folder = tmp_path_factory.mktemp("synthetic")
    books = {w: load_codebook(CONFIG / "codebooks" / f"{w}.yaml") for w in WAVES}
    generate(CONFIG / "synth.yaml", books, folder, REPO)
    frames = {}
    for wave in ("wea2008", "wea2010"):
        frame = clean(read_spss(folder / f"{wave}.sav")[0], books[wave])
        result = rake(frame, read_margins(folder / f"margins{wave[-4:]}.csv"))
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
    result = weigh(frame, [margin], method="rake", hierarchy={"size": [["mid", "large"]]})
    assert result.weights.sum() == pytest.approx(1000.0)
    assert result.diagnostics.collapses == (
        "size: 'large' (no sample cases) merged with 'mid' into 'mid + large'",
    )
    assert set(result.diagnostics.margins["level"]) == {"small", "mid + large"}


# --------------------------------------------------------------------------- calibration to totals
# R's calibrate(): GREG, raking and logit distances with bounds on the g-weights; the golden
# comparison with R is tests/golden/test_calibrate_golden.py.


@pytest.fixture
def firms() -> pd.DataFrame:
    """300 firms: region, size, employees (numeric) and a base weight."""
    rng = np.random.default_rng(5)
    n = 300
    return pd.DataFrame(
        {
            "region": rng.choice(["Noord", "Zuid", "West"], n, p=[0.5, 0.3, 0.2]),
            "employees": rng.gamma(2.0, 20.0, n).round(0) + 1,
            "w": rng.uniform(10, 40, n).round(2),
        }
    )


FIRM_TOTALS: list[Margin | Total] = [
    Margin(("region",), {"Noord": 3000.0, "Zuid": 4000.0, "West": 3000.0}),
    Total("employees", 450_000.0),
]


def _achieved(frame: pd.DataFrame, weights: pd.Series) -> dict[str, float]:
    by_region = weights.groupby(frame["region"]).sum()
    return {
        **{k: float(v) for k, v in by_region.items()},
        "employees": float(weights @ frame["employees"]),
    }


@pytest.mark.parametrize(
    ("calfun", "bounds"),
    [("linear", None), ("linear", (0.3, 3.0)), ("raking", None), ("raking", (0.3, 3.0)),
     ("logit", (0.3, 3.0))],
)  # fmt: skip
def test_calibrate_meets_categorical_and_numeric_totals_with_every_calfun(
    firms: pd.DataFrame, calfun: str, bounds: tuple[float, float] | None
) -> None:
    result = calibrate(firms, FIRM_TOTALS, base_weight="w", calfun=calfun, bounds=bounds)
    achieved = _achieved(firms, result.weights)
    assert achieved == pytest.approx(
        {"Noord": 3000.0, "Zuid": 4000.0, "West": 3000.0, "employees": 450_000.0}, rel=1e-7
    )
    assert result.diagnostics.converged


def test_calibrate_holds_the_g_weights_within_the_bounds_and_counts_those_at_a_bound(
    firms: pd.DataFrame,
) -> None:
    free = calibrate(firms, FIRM_TOTALS, base_weight="w")
    g_free = free.weights / firms["w"]
    bounds = (1 - 0.7 * (1 - g_free.min()), 1 + 0.7 * (g_free.max() - 1))
    result = calibrate(firms, FIRM_TOTALS, base_weight="w", bounds=bounds)
    g = result.weights / firms["w"]
    assert g.min() >= bounds[0] - 1e-12 and g.max() <= bounds[1] + 1e-12
    assert result.diagnostics.trimmed == int(
        np.sum(np.isclose(g, bounds[0]) | np.isclose(g, bounds[1]))
    )
    assert result.diagnostics.trimmed > 0


def test_calibrate_linear_on_margins_gives_the_weights_of_linear_calibration(
    sample: pd.DataFrame,
) -> None:
    direct = linear_calibration(sample, MARGINS, base_weight="w").weights
    assert calibrate(sample, MARGINS, base_weight="w").weights.to_numpy() == pytest.approx(
        direct.to_numpy(), rel=1e-10
    )


def test_calibrate_raking_to_one_margin_is_post_stratification(sample: pd.DataFrame) -> None:
    margin = MARGINS[:1]
    expected = poststratify(sample, margin, base_weight="w").weights.to_numpy()
    found = calibrate(sample, margin, base_weight="w", calfun="raking", tolerance=1e-12)
    assert found.weights.to_numpy() == pytest.approx(expected, rel=1e-9)


def test_calibrate_unbounded_linear_may_give_negative_weights_as_r_does() -> None:
    frame = pd.DataFrame({"x": [1.0, 2.0, 3.0, 10.0]})
    result = calibrate(frame, [Total(INTERCEPT, 4.0), Total("x", 4.0)])
    assert result.weights.min() < 0
    assert result.weights.sum() == pytest.approx(4.0)
    assert float(result.weights @ frame["x"]) == pytest.approx(4.0)


def test_calibrate_se_of_a_calibration_variable_total_is_zero(firms: pd.DataFrame) -> None:
    from survey.analysis.estimate import totals

    design = SurveyDesign(firms, weight="w")
    calibrated = design.calibrate(calibrate(firms, FIRM_TOTALS, base_weight="w", calfun="raking"))
    row = totals(calibrated, "employees").iloc[0]
    assert row["estimate"] == pytest.approx(450_000.0, rel=1e-7)
    assert row["se"] < 1e-6 * row["estimate"]
    fixed = totals(calibrated.update(calibration=()), "employees").iloc[0]
    assert fixed["se"] > 1e-3 * fixed["estimate"]


def test_calibrate_lists_numeric_totals_beside_the_margin_levels_in_the_diagnostics(
    firms: pd.DataFrame,
) -> None:
    table = calibrate(firms, FIRM_TOTALS, base_weight="w").diagnostics.margins
    row = table[table["margin"] == "employees"].iloc[0]
    assert (row["level"], row["target"]) == ("total", 450_000.0)
    assert row["achieved"] == pytest.approx(450_000.0, rel=1e-9)
    assert set(table["margin"]) == {"region", "employees"}


def test_calibrate_needs_the_population_size_when_every_total_is_numeric(
    firms: pd.DataFrame,
) -> None:
    with pytest.raises(InputError, match="population size is not known") as caught:
        calibrate(firms, [Total("employees", 450_000.0)], base_weight="w")
    assert "(Intercept),,N" in str(caught.value.hint)
    sized = calibrate(firms, [Total(INTERCEPT, 10_000.0), Total("employees", 450_000.0)])
    assert sized.weights.sum() == pytest.approx(10_000.0)


def test_calibrate_refuses_a_population_size_that_differs_from_the_margins(
    firms: pd.DataFrame,
) -> None:
    with pytest.raises(StatisticalError, match="different population sizes"):
        calibrate(firms, [*FIRM_TOTALS, Total(INTERCEPT, 9_000.0)], base_weight="w")


def test_calibrate_reports_non_convergence_with_infeasible_bounds_and_what_to_do(
    firms: pd.DataFrame,
) -> None:
    with pytest.raises(StatisticalError, match=r"held within \[0.99, 1.01\] did not converge") as c:
        calibrate(firms, FIRM_TOTALS, base_weight="w", calfun="raking", bounds=(0.99, 1.01))
    assert "--bounds" in str(c.value.hint) and "bounds=" in str(c.value.hint)


def test_calibrate_passes_max_iter_to_the_newton_iteration(firms: pd.DataFrame) -> None:
    assert (
        calibrate(firms, FIRM_TOTALS, base_weight="w", calfun="raking").diagnostics.iterations > 1
    )
    with pytest.raises(StatisticalError, match="did not converge in 1 iterations"):
        calibrate(firms, FIRM_TOTALS, base_weight="w", calfun="raking", max_iter=1)


def test_calibrate_max_iter_and_tolerance_defaults_are_rs() -> None:
    parameters = inspect.signature(calibrate).parameters
    assert parameters["max_iter"].default == 50  # R's maxit
    assert parameters["tolerance"].default == 1e-7  # R's epsilon


def test_logit_calibration_without_finite_bounds_around_one_is_an_input_error(
    firms: pd.DataFrame,
) -> None:
    with pytest.raises(InputError, match="logit calibration needs finite bounds"):
        calibrate(firms, FIRM_TOTALS, base_weight="w", calfun="logit")
    with pytest.raises(InputError, match="around 1"):
        calibrate(firms, FIRM_TOTALS, base_weight="w", calfun="logit", bounds=(1.1, 3.0))


def test_empty_calibration_bounds_are_an_input_error(firms: pd.DataFrame) -> None:
    with pytest.raises(InputError, match=r"bounds \[2, 0.5\] are empty"):
        calibrate(firms, FIRM_TOTALS, base_weight="w", bounds=(2.0, 0.5))


def test_unknown_calfun_is_an_input_error_naming_the_known_ones(firms: pd.DataFrame) -> None:
    with pytest.raises(InputError, match="'hellinger'") as caught:
        calibrate(firms, FIRM_TOTALS, base_weight="w", calfun="hellinger")
    assert caught.value.hint == "choose one of linear, raking, logit"


def test_collinear_auxiliaries_are_a_statistical_error_naming_the_columns(
    firms: pd.DataFrame,
) -> None:
    frame = firms.assign(double=2 * firms["employees"])
    totals = [*FIRM_TOTALS, Total("double", 900_000.0)]
    with pytest.raises(StatisticalError, match=r"collinear.*employees, double"):
        calibrate(frame, totals, base_weight="w")


@pytest.mark.parametrize(
    ("column", "message"),
    [("sector", "'sector' is not numeric"), ("absent", "no variable 'absent'"),
     ("gappy", "'gappy' is missing in 1 case")],
)  # fmt: skip
def test_a_numeric_total_needs_a_complete_numeric_column(
    firms: pd.DataFrame, column: str, message: str
) -> None:
    frame = firms.assign(gappy=firms["employees"].where(firms.index != 3), sector="Handel")
    with pytest.raises(InputError, match=message):
        calibrate(frame, [FIRM_TOTALS[0], Total(column, 1.0)], base_weight="w")


def test_read_totals_reads_level_counts_as_margins_and_empty_levels_as_numeric_totals(
    tmp_path: Path,
) -> None:
    path = _write_margins(
        tmp_path / "totals.csv",
        [("region", "Noord", 3000), ("region", "Zuid", 7000), ("employees", "", 450000),
         ("(Intercept)", "", 10000)],
    )  # fmt: skip
    assert read_totals(path) == [
        Margin(("region",), {"Noord": 3000.0, "Zuid": 7000.0}, str(path)),
        Total("employees", 450000.0, str(path)),
        Total(INTERCEPT, 10000.0, str(path)),
    ]


@pytest.mark.parametrize(
    ("rows", "message"),
    [([("region", "Noord", 1), ("region", "", 5)], "both level rows and a total row"),
     ([("x", "", 1), ("x", "", 2)], "more than one total row"),
     ([("region", "Noord", 0)], "must be positive"),
     ([("region", "Noord", 1), ("region", "Noord", 2)], "more than once")],
)  # fmt: skip
def test_read_totals_refuses_a_malformed_file_naming_the_variable(
    tmp_path: Path, rows: list[tuple[str, str, object]], message: str
) -> None:
    path = _write_margins(tmp_path / "totals.csv", rows)
    with pytest.raises(InputError, match=message):
        read_totals(path)


def test_weigh_chooses_calibrate_by_name_with_calfun_and_bounds(firms: pd.DataFrame) -> None:
    chosen = weigh(firms, FIRM_TOTALS, method="calibrate", base_weight="w", calfun="logit",
                   bounds=(0.3, 3.0), tolerance=1e-7)  # fmt: skip
    direct = calibrate(firms, FIRM_TOTALS, base_weight="w", calfun="logit", bounds=(0.3, 3.0))
    pd.testing.assert_series_equal(chosen.weights, direct.weights)


def test_a_variable_given_twice_among_the_totals_is_an_input_error(firms: pd.DataFrame) -> None:
    with pytest.raises(InputError, match="'employees' is given more than once"):
        calibrate(firms, [*FIRM_TOTALS, Total("employees", 1.0)], base_weight="w")


def test_weigh_refuses_numeric_totals_or_g_bounds_with_another_method(
    firms: pd.DataFrame,
) -> None:
    with pytest.raises(InputError, match="numeric totals go with calibration"):
        weigh(firms, FIRM_TOTALS, method="rake", base_weight="w")
    with pytest.raises(InputError, match="g-bounds go with calibration"):
        weigh(firms, FIRM_TOTALS[:1], method="rake", base_weight="w", bounds=(0.5, 2.0))


def test_weigh_collapses_margins_and_keeps_the_numeric_totals_for_calibrate() -> None:
    frame = pd.DataFrame(
        {"size": ["small", "small", "mid", "mid", "small", "mid"], "x": [1.0, 2, 3, 4, 5, 6]}
    )
    margin = Margin(("size",), {"small": 600.0, "mid": 300.0, "large": 100.0})
    result = weigh(frame, [margin, Total("x", 3500.0)], method="calibrate",
                   hierarchy={"size": [["mid", "large"]]})  # fmt: skip
    assert float(result.weights @ frame["x"]) == pytest.approx(3500.0)
    assert len(result.diagnostics.collapses) == 1


CALIBRATE_GOLDEN = GOLDEN_ROOT / "calibrate"


def test_survey_weight_calibrate_writes_r_s_bounded_raking_weights(tmp_path: Path) -> None:
    from survey.cli import main

    case = json.loads((CALIBRATE_GOLDEN / "calibrate.json").read_text("utf-8"))["cases"][
        "strat_mixed_raking_bounded"
    ]
    data = tmp_path / "apistrat.parquet"
    pd.read_csv(GOLDEN_ROOT / "data" / "apistrat.csv").to_parquet(data)
    out = tmp_path / "weighted.parquet"
    low, high = case["bounds"]
    code = main(["weight", str(data), "--out", str(out), "--base-weight", "pw",
                 "--calibrate", str(CALIBRATE_GOLDEN / case["totals"]), "--calfun", "raking",
                 "--bounds", f"{low!r}:{high!r}", "--tol", "1e-7"])  # fmt: skip
    assert code == 0
    assert pd.read_parquet(out)["weight"].to_numpy() == pytest.approx(case["weights"], rel=1e-6)


@pytest.mark.parametrize(
    ("extra", "code"),
    [(["--calfun", "logit"], 3), (["--bounds", "0.99:1.01"], 4), (["--bounds", "2"], 2)],
)
def test_survey_weight_calibrate_exits_with_the_code_of_its_failure(
    tmp_path: Path, extra: list[str], code: int
) -> None:
    from survey.cli import main

    data = tmp_path / "apistrat.parquet"
    pd.read_csv(GOLDEN_ROOT / "data" / "apistrat.csv").to_parquet(data)
    totals = CALIBRATE_GOLDEN / "totals_mixed.csv"
    args = ["weight", str(data), "--out", str(tmp_path / "w.parquet"), "--base-weight", "pw"]
    assert main([*args, "--calibrate", str(totals), *extra]) == code


def test_survey_weight_refuses_g_bounds_without_calibrate(tmp_path: Path) -> None:
    from survey.cli import main

    data = tmp_path / "apistrat.parquet"
    pd.read_csv(GOLDEN_ROOT / "data" / "apistrat.csv").to_parquet(data)
    margins = _write_margins(tmp_path / "m.csv", [("stype", "E", 4421), ("stype", "H", 755),
                                                  ("stype", "M", 1018)])  # fmt: skip
    args = ["weight", str(data), "--out", str(tmp_path / "w.parquet"), "--rake", str(margins)]
    assert main([*args, "--bounds", "0.5:2"]) == 2
    assert main(args) == 0
