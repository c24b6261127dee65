"""The one number formatter: half-up rounding, nl/en separators, dashes, and one text everywhere."""

from __future__ import annotations

import math
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from survey import figures
from survey.format import (
    MINUS,
    MISSING,
    format_ci,
    format_count,
    format_number,
    format_percent,
    format_pvalue,
    format_with_ci,
    percent_decimals,
    round_half_up,
)
from survey.notebook import format_estimate
from survey.report.render import format_cell


def proportions() -> np.ndarray:
    """2,000 deterministic proportions: exact halves at 0 and 1 decimals, the rest uniform."""
    halves = [(k + 0.5) / 100 for k in range(100)] + [(k + 0.5) / 1000 for k in range(100)]
    halves += [0.0285, 0.9995, 0.0005]
    uniform = np.random.default_rng(1).uniform(0, 1, 2000 - len(halves))
    return np.concatenate([np.array(halves), uniform])


# --------------------------------------------------------------------------- rounding


def test_a_half_rounds_up_not_to_even() -> None:
    assert round(2.5) == 2  # Python's own rule, which the report must not use
    assert round_half_up(2.5) == 3.0
    assert format_percent(0.025, "nl", 0) == "3%"


def test_rounding_is_robust_to_the_binary_representation() -> None:
    assert 0.575 * 100 < 57.5 and 0.285 < Decimal("0.285")
    assert format_percent(0.0285, "en", 1) == "2.9%"
    assert format_percent(0.285, "en", 0) == "29%"
    assert round_half_up(0.575 * 100) == 58.0
    assert round_half_up(0.0295 * 100, 1) == 3.0  # 0.0295 * 100 == 2.9499999999999997
    assert (
        format_number(2.675, "en", 2) == "2.68"
    )  # stored as 2.67499999999999982236431605997495353221893310546875


def test_below_a_half_rounds_down() -> None:
    assert round_half_up(3.849, 1) == 3.8
    assert format_percent(0.4649, "nl", 0) == "46%"


def test_negative_halves_round_away_from_zero() -> None:
    assert round_half_up(-2.5) == -3.0
    assert format_number(-2.25, "en", 1) == "\u22122.3"


def test_a_negative_number_carries_the_minus_sign_not_a_hyphen() -> None:
    assert MINUS == "\u2212"
    assert format_number(-1234.5, "nl", 1) == "\u22121.234,5"
    assert format_percent(-0.109, "en", 1) == "\u221210.9%"
    assert "-" not in format_with_ci(-0.109, -0.162, -0.056, "nl", 1)


def test_a_value_rounding_to_zero_has_no_sign() -> None:
    assert math.copysign(1.0, round_half_up(-0.0001, 1)) == 1.0
    assert format_number(-0.0001, "nl", 1) == "0,0"
    assert format_percent(-0.00001, "en", 1) == "0.0%"


def test_round_half_up_keeps_nan_and_infinity() -> None:
    assert math.isnan(round_half_up(float("nan"), 1))
    assert math.isnan(round_half_up(None, 1))
    assert round_half_up(float("inf"), 1) == float("inf")


def test_round_half_up_is_the_one_the_reproduction_table_uses() -> None:
    from survey.study import reproduce

    assert reproduce.round_half_up is round_half_up


# --------------------------------------------------------------------------- languages


def test_dutch_writes_a_decimal_comma_and_a_thousands_point() -> None:
    assert format_number(1234567.891, "nl", 1) == "1.234.567,9"


def test_english_writes_a_decimal_point_and_a_thousands_comma() -> None:
    assert format_number(1234567.891, "en", 1) == "1,234,567.9"


def test_an_unknown_language_is_refused() -> None:
    with pytest.raises(ValueError, match="language"):
        format_percent(0.5, "de")


def test_text_is_not_formatted_as_a_number() -> None:
    with pytest.raises(TypeError, match="text"):
        format_number("0.5", "en")


def test_numpy_scalars_integers_and_decimals_are_numbers() -> None:
    assert format_percent(np.float64(0.025), "en", 0) == "3%"
    assert format_count(np.int64(5050), "en") == "5,050"
    assert format_percent(Decimal("0.125"), "en", 0) == "13%"
    assert format_count(10**20, "en") == "100,000,000,000,000,000,000"


# --------------------------------------------------------------------------- missing values


@pytest.mark.parametrize("missing", [None, float("nan"), np.nan, pd.NA, pd.NaT, float("inf")])
def test_a_missing_value_is_x_not_available(missing: object) -> None:
    assert MISSING == "[x]"
    texts = {
        format_number(missing, "nl"),
        format_percent(missing, "en"),
        format_ci(missing, 0.5, "nl"),
        format_ci(0.5, missing, "nl"),
        format_with_ci(missing, 0.1, 0.2, "en"),
        format_pvalue(missing, "nl"),
        format_count(missing, "en"),
    }
    assert texts == {"[x]"}


def test_the_not_available_flag_is_the_one_the_report_shows() -> None:
    assert format_cell(None, "percent", "nl") == MISSING
    assert format_cell((float("nan"), 0.2), "ci", "en") == MISSING


# --------------------------------------------------------------------------- kinds of numbers


def test_percent_labels_show_about_two_digits() -> None:
    assert [percent_decimals(p) for p in (0.039, 0.04, 0.0996, 0.263, None)] == [1, 0, 0, 0, 0]
    assert format_percent(0.039, "nl") == "3,9%"
    assert format_percent(0.263, "nl") == "26%"


def test_an_interval_has_both_bounds_at_the_same_decimals_and_one_percent_sign() -> None:
    assert format_ci(0.213, 0.291, "en") == "21–29%"
    assert format_ci(0.2134, 0.2917, "nl", 1) == "21,3–29,2%"
    assert format_ci(27.3, 35.6, "nl", 2, percent=False) == "27,30–35,60"


def test_an_interval_with_a_negative_bound_is_joined_by_a_word_not_a_dash() -> None:
    assert format_ci(-0.162, -0.056, "nl", 1) == "\u221216,2 tot \u22125,6%"
    assert format_ci(-0.162, -0.056, "en", 1) == "\u221216.2 to \u22125.6%"
    assert format_ci(-0.093, 0.094, "nl", 1) == "\u22129,3 tot 9,4%"
    assert format_ci(-1.25, 3.5, "en", 2, percent=False) == "\u22121.25 to 3.50"


def test_an_interval_whose_negative_bound_rounds_to_zero_keeps_its_dash() -> None:
    assert format_ci(-0.0001, 0.056, "nl", 1) == "0,0–5,6%"


def test_an_estimate_and_its_interval_share_their_decimals() -> None:
    assert format_with_ci(0.039, 0.025, 0.055, "nl") == "3,9% (2,5–5,5%)"
    assert format_with_ci(0.2612, 0.2101, 0.3149, "en", 0) == "26% (21–31%)"
    assert format_with_ci(3.214, 3.01, 3.42, "en", percent=False) == "3.21 (3.01–3.42)"
    assert format_with_ci(32.04, 27.294, 36.706, "nl", 1, percent=False) == "32,0 (27,3–36,7)"
    assert format_with_ci(-0.109, -0.162, -0.056, "en", 1) == (
        "\u221210.9% (\u221216.2 to \u22125.6%)"
    )


def test_an_estimate_without_a_whole_interval_stands_alone() -> None:
    assert format_with_ci(0.5, None, 0.6, "en") == "50%"


def test_small_p_values_are_written_as_below_a_thousandth() -> None:
    assert format_pvalue(0.0004, "nl") == "< 0,001"
    assert format_pvalue(0.0005, "en") == "< 0.001"
    assert format_pvalue(0.001, "en") == "0.001"


def test_p_values_have_three_decimals_rounded_half_up() -> None:
    assert format_pvalue(0.0325, "en") == "0.033"
    assert format_pvalue(0.0321, "nl") == "0,032"


def test_counts_are_whole_with_thousands_separators() -> None:
    assert format_count(1234, "nl") == "1.234"
    assert format_count(1234, "en") == "1,234"
    assert format_count(12.5, "en") == "13"  # a weighted count, half up


# --------------------------------------------------------------------------- one text everywhere


def _bars(values: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "level": [f"p{i}" for i in range(len(values))],
            "estimate": values,
            "ci_low": values / 2,
            "ci_high": (1 + values) / 2,
        }
    )


def test_figure_labels_report_cells_and_notebook_text_agree_on_2000_proportions() -> None:
    table = _bars(proportions())
    assert len(table) == 2000
    labels = [t.get_text() for t in figures.share_bars(table, lang="en").texts]
    assert len(labels) == len(table)
    for label, p, low, high in zip(
        labels, table["estimate"], table["ci_low"], table["ci_high"], strict=True
    ):
        decimals = percent_decimals(p)  # the figure's label rule; the table has both kinds
        cell = format_cell(p, "percent1" if decimals else "percent", "en")
        ci = format_cell((low, high), "ci1" if decimals else "ci", "en")
        assert label == cell, p
        assert format_estimate(p, low, high, digits=decimals) == f"{cell} ({ci})", p


def test_dutch_figure_labels_and_report_cells_agree_on_the_exact_halves() -> None:
    table = _bars(proportions()[:203])  # drawing all 2,000 twice would double the test's time
    labels = [t.get_text() for t in figures.share_bars(table, lang="nl").texts]
    cells = [
        format_cell(p, "percent1" if percent_decimals(p) else "percent", "nl")
        for p in table["estimate"]
    ]
    assert labels == cells


def test_the_2000_proportions_include_those_the_old_rules_printed_differently() -> None:
    values = proportions()
    # the figures used to round the binary value half to even, the report half up
    before = [f"{p * 100:.0f}%" for p in values]
    now = [format_cell(p, "percent", "en") for p in values]
    assert sum(a != b for a, b in zip(before, now, strict=True)) >= 50
    assert format_percent(0.125, "en", 0) == "13%" and f"{12.5:.0f}" == "12"


def test_alt_text_writes_the_numbers_of_the_figure() -> None:
    table = pd.DataFrame(
        {
            "level": ["a", "b", "c"],
            "estimate": [0.125, 0.0285, 0.625],
            "ci_low": [0.1, 0.02, 0.6],
            "ci_high": [0.15, 0.04, 0.65],
        }
    )
    labels = [t.get_text() for t in figures.share_bars(table, lang="en").texts]
    assert labels == ["13%", "2.9%", "63%"]
    assert figures.alt_text("share_bars", table, "en").endswith("a 13%, b 2.9%, c 63%.")
