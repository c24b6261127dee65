"""Rao-Scott tests and p-value adjustments against R's survey::svychisq and p.adjust.

The golden values come from tests/golden/make_golden_inference.R (R survey 4.1-1), run on R's
`api` data written to tests/golden/data/; CI reads the committed JSON and needs no R.
"""

from __future__ import annotations

import json
from functools import cache

import numpy as np
import pandas as pd
import pytest

from inference_golden import GOLDEN, REL, design, golden  # noqa: F401
from survey.analysis.inference import (
    RESULT_COLUMNS,
    ChisqStatistic,
    adjust_pvalues,
    rao_scott,
    rao_scott_both,
)
from survey.errors import InputError, StatisticalError

CASES = golden()["svychisq"]
IDS = [f"{c['design']}-{c['variable']}-{c['by']}" for c in CASES]


@cache
def both(index: int) -> pd.DataFrame:
    case = CASES[index]
    return rao_scott_both(design(case["design"]), case["variable"], case["by"])


def as_float(values: list[float | None]) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in values], dtype=float)


# ---------------------------------------------------------------- agreement with R


@pytest.mark.parametrize("index", range(len(CASES)), ids=IDS)
def test_design_df_matches_r(index: int) -> None:
    case = CASES[index]
    assert design(case["design"]).df == golden()["designs"][case["design"]]["df"]


@pytest.mark.parametrize("index", range(len(CASES)), ids=IDS)
def test_f_statistic_matches_r(index: int) -> None:
    row = both(index).iloc[0]
    assert row["statistic"] == pytest.approx(CASES[index]["f"]["statistic"], rel=REL)


@pytest.mark.parametrize("index", range(len(CASES)), ids=IDS)
def test_f_degrees_of_freedom_match_r(index: int) -> None:
    row = both(index).iloc[0]
    expected = CASES[index]["f"]
    assert (row["ndf"], row["ddf"]) == pytest.approx((expected["ndf"], expected["ddf"]), rel=REL)


@pytest.mark.parametrize("index", range(len(CASES)), ids=IDS)
def test_f_p_value_matches_r(index: int) -> None:
    row = both(index).iloc[0]
    assert row["p_value"] == pytest.approx(CASES[index]["f"]["p_value"], rel=REL)


@pytest.mark.parametrize("index", range(len(CASES)), ids=IDS)
def test_pearson_chisq_matches_r(index: int) -> None:
    frame = both(index)
    expected = CASES[index]["pearson"]["statistic"]
    assert frame["chisq"].tolist() == pytest.approx([expected, expected], rel=REL)


@pytest.mark.parametrize("index", range(len(CASES)), ids=IDS)
def test_first_order_statistic_matches_r(index: int) -> None:
    row = both(index).iloc[1]
    expected = CASES[index]["chisq"]
    assert row["statistic"] == pytest.approx(expected["corrected"], rel=REL)
    assert row["ndf"] == expected["df"]
    assert np.isnan(row["ddf"])


@pytest.mark.parametrize("index", range(len(CASES)), ids=IDS)
def test_first_order_p_value_matches_r(index: int) -> None:
    frame = both(index)
    expected = CASES[index]["chisq"]["p_value"]
    assert frame["p_value"].iloc[1] == pytest.approx(expected, rel=REL)
    assert frame["chisq_p_value"].tolist() == pytest.approx([expected, expected], rel=REL)


# ---------------------------------------------------------------- behaviour


def test_output_follows_the_json_contract() -> None:
    frame = rao_scott(design("clus2"), "sch_wide", "stype")
    assert list(frame.columns) == RESULT_COLUMNS
    record = frame.iloc[0].to_dict()
    assert (record["variable"], record["by"], record["method"]) == (
        "sch_wide",
        "stype",
        "rao-scott-f",
    )
    json.dumps({k: (v.item() if hasattr(v, "item") else v) for k, v in record.items()})


def test_single_statistic_equals_the_row_of_both() -> None:
    frame = both(0)
    case = CASES[0]
    statistics: tuple[ChisqStatistic, ...] = ("F", "Chisq")
    for position, statistic in enumerate(statistics):
        single = rao_scott(design(case["design"]), case["variable"], case["by"], statistic)
        pd.testing.assert_frame_equal(single, frame.iloc[[position]].reset_index(drop=True))


def test_swapping_the_variables_gives_the_same_test() -> None:
    forward = rao_scott(design("clus1"), "stype", "awards").iloc[0]
    backward = rao_scott(design("clus1"), "awards", "stype").iloc[0]
    for key in ("statistic", "ndf", "ddf", "p_value", "chisq"):
        assert backward[key] == pytest.approx(forward[key], rel=1e-12)


def test_pearson_chisq_is_scaled_to_all_rows_as_r_does() -> None:
    # R scales the weighted table to the number of rows of the design, incomplete ones included
    case = next(c for c in CASES if c["variable"] == "size46")
    full = design(case["design"])
    kept = full.update(data=full.data[full.data["size46"].notna()].reset_index(drop=True))
    chisq = rao_scott(kept, "size46", "awards")["chisq"].iloc[0]
    expected = case["pearson"]["statistic"] * kept.n / full.n
    assert chisq == pytest.approx(expected, rel=REL)


def test_unknown_variable_suggests_close_names() -> None:
    with pytest.raises(InputError) as caught:
        rao_scott(design("strat"), "sch_wid", "stype")
    assert "sch_wid" in caught.value.message
    assert caught.value.hint is not None and "sch_wide" in caught.value.hint


def test_single_level_variable_is_a_statistical_error() -> None:
    base = design("strat")
    elementary = base.update(data=base.data[base.data["stype"] == "E"].reset_index(drop=True))
    with pytest.raises(StatisticalError, match="'stype' has 1 category"):
        rao_scott(elementary, "stype", "awards")


def test_variable_constant_where_the_other_is_observed_is_a_statistical_error() -> None:
    frame = design("clus1").data.copy()
    frame["only_where_missing"] = np.where(frame["size46"].isna(), "x", "y")
    base = design("clus1").update(data=frame)
    with pytest.raises(StatisticalError, match="only_where_missing"):
        rao_scott(base, "only_where_missing", "size46")


def test_same_variable_twice_is_an_input_error() -> None:
    with pytest.raises(InputError, match="against itself"):
        rao_scott(design("strat"), "awards", "awards")


def test_unknown_statistic_is_an_input_error_listing_rs_statistics() -> None:
    with pytest.raises(InputError, match="Fisher") as caught:
        rao_scott(design("strat"), "awards", "stype", statistic="Fisher")  # type: ignore[arg-type]
    assert caught.value.hint is not None and "'saddlepoint'" in caught.value.hint


def test_default_statistic_is_still_the_rao_scott_f_test() -> None:
    default = rao_scott(design("strat"), "awards", "stype")
    pd.testing.assert_frame_equal(default, rao_scott(design("strat"), "awards", "stype", "F"))
    assert default["method"].item() == "rao-scott-f"


# ---------------------------------------------------------------- p.adjust


@pytest.mark.parametrize("method", ["holm", "bh", "bonferroni"])
def test_adjusted_p_values_match_r(method: str) -> None:
    expected = as_float(golden()["p_adjust"][method])
    got = adjust_pvalues(as_float(golden()["p_adjust"]["p"]), method)  # type: ignore[arg-type]
    observed = ~np.isnan(expected)
    assert np.isnan(np.asarray(got)[~observed]).all()
    assert np.asarray(got)[observed].tolist() == pytest.approx(expected[observed].tolist(), rel=REL)


def test_adjusted_series_keeps_its_index() -> None:
    p = pd.Series([0.01, 0.02, 0.5], index=["a", "b", "c"], name="p")
    got = adjust_pvalues(p, "bh")
    assert isinstance(got, pd.Series)
    assert list(got.index) == ["a", "b", "c"]


def test_p_value_outside_unit_interval_is_an_input_error() -> None:
    with pytest.raises(InputError, match="outside"):
        adjust_pvalues([0.2, 1.5], "holm")


def test_unknown_adjustment_is_an_input_error() -> None:
    with pytest.raises(InputError, match="hommel"):
        adjust_pvalues([0.2, 0.5], "hommel")  # type: ignore[arg-type]
