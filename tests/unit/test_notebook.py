"""The notebook display: flags coloured by kind with a text legend, clean numbers, short reprs."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from survey.analysis.design import SurveyDesign
from survey.disclosure import DisclosurePolicy, protect_estimates
from survey.format import format_number
from survey.notebook import FLAG_COLOURS, FLAG_LEGEND, describe_design, flag_kind, show, styled
from survey.weighting import Margin, rake

SUPPRESS = "suppress: relative CI width above 130%"
REVIEW = "review: fewer than 8 degrees of freedom"


def _table(flags: list[str] | None = None) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "variable": "q",
            "stat": "proportion",
            "level": ["a", "b", "c"],
            "estimate": [0.5, 0.45, 0.05],
            "ci_low": [0.4, 0.35, 0.01],
            "ci_high": [0.6, 0.55, 0.1],
            "n": 100,
            "n_level": [50, 45, 5],
            "flag": flags or ["", "", ""],
        }
    )


def _row_backgrounds(html: str) -> dict[int, str]:
    """Row number -> the background colour its cells get in a Styler's CSS."""
    colours: dict[int, str] = {}
    for selectors, body in re.findall(r"([^{}]+)\{([^}]*)\}", html):
        found = re.search(r"background-color:\s*(#[0-9a-f]{6})", body)
        if found:
            for row in re.findall(r"_row(\d+)_col\d+", selectors):
                colours[int(row)] = found.group(1)
    return colours


# ---------------------------------------------------------------- published tables


def test_a_published_table_shows_c_and_no_hidden_value() -> None:
    html = styled(protect_estimates(_table(), DisclosurePolicy())).to_html()
    assert html.count("[c]") >= 4  # two estimates, their status
    assert "45% (35–55%)" not in html and "5% (1–10%)" not in html
    assert "50% (40–60%)" in html


def test_a_hidden_count_reads_c_and_a_shown_base_stays() -> None:
    shown = styled(protect_estimates(_table(), DisclosurePolicy())).data
    assert shown["n_level"].tolist() == ["50", "[c]", "[c]"]
    assert shown["n"].tolist() == ["100", "100", "100"]


def test_a_raw_table_is_shown_as_is_for_analysts() -> None:
    html = styled(_table()).to_html()
    assert "[c]" not in html and "5% (1–10%)" in html


# ---------------------------------------------------------------- flags by kind


def test_a_row_with_an_nchs_suppress_flag_text_is_coloured() -> None:
    html = styled(_table(["", "", SUPPRESS])).to_html()
    assert _row_backgrounds(html) == {2: FLAG_COLOURS["suppress"]}


def test_a_row_with_an_nchs_review_flag_text_is_coloured() -> None:
    html = styled(_table(["", REVIEW, ""])).to_html()
    assert _row_backgrounds(html) == {1: FLAG_COLOURS["review"]}


def test_a_confidential_row_is_coloured_whatever_its_reliability() -> None:
    published = protect_estimates(_table(["", "", SUPPRESS]), DisclosurePolicy())
    assert published["status"].tolist() == ["", "[c]", "[c]"]
    assert _row_backgrounds(styled(published).to_html()) == {
        1: FLAG_COLOURS["confidential"],
        2: FLAG_COLOURS["confidential"],
    }


def test_the_three_kinds_have_three_different_colours() -> None:
    assert len(set(FLAG_COLOURS.values())) == 3


def test_an_unflagged_table_has_no_colours_and_no_legend() -> None:
    html = styled(_table()).to_html()
    assert _row_backgrounds(html) == {} and "Row colours" not in html


def test_the_legend_names_in_words_each_colour_that_occurs() -> None:
    html = styled(_table(["", REVIEW, SUPPRESS]), caption="Answer").to_html()
    caption = re.search(r"<caption>(.*?)</caption>", html, re.S)
    assert caption is not None
    assert "Answer" in caption.group(1)
    assert FLAG_LEGEND["suppress"] in caption.group(1) and FLAG_LEGEND["review"] in caption.group(1)
    assert FLAG_LEGEND["confidential"] not in caption.group(1)


def test_every_coloured_row_says_its_flag_in_words_too() -> None:
    published = protect_estimates(_table(["", REVIEW, SUPPRESS]), DisclosurePolicy())
    shown = styled(published).data
    for row in _row_backgrounds(styled(published).to_html()):
        assert shown.loc[row, "status"] == "[c]" or shown.loc[row, "flag"]


def test_coloured_rows_keep_dark_text_also_under_a_dark_theme() -> None:
    html = styled(_table(["", "", SUPPRESS])).to_html()
    rule = re.search(r"#T_\w+_row2_col0[^{]*\{([^}]*)\}", html)
    assert rule is not None and "color: #212529" in rule.group(1)


@pytest.mark.parametrize(
    ("flag", "status", "kind"),
    [
        (SUPPRESS, None, "suppress"),
        ("Suppress: no respondents", None, "suppress"),
        (REVIEW, None, "review"),
        (SUPPRESS, "[c]", "confidential"),
        ("", "[c]", "confidential"),
        ("", "[u]", "review"),
        ("", "", None),
        (None, None, None),
        (float("nan"), "", None),
        ("suppressed by the analyst", None, None),
    ],
)
def test_flag_kind_reads_the_flag_texts_and_status_marks(
    flag: object, status: object, kind: str | None
) -> None:
    assert flag_kind(flag, status) == kind


# ---------------------------------------------------------------- clean numbers, stable output


def test_the_same_table_gives_the_same_html() -> None:
    assert (
        styled(_table([SUPPRESS, "", ""])).to_html() == styled(_table([SUPPRESS, "", ""])).to_html()
    )


def test_a_styled_table_prints_as_its_text_not_an_address() -> None:
    text = repr(styled(_table(["", "", SUPPRESS]), caption="Answer"))
    assert " at 0x" not in text
    assert text.splitlines()[0] == "Answer"
    assert "5% (1–10%)" in text and text.splitlines()[-1].startswith("Row colours: red = ")


def test_whole_number_codes_in_label_columns_show_without_decimals() -> None:
    table = _table().assign(group=[2010.0, 2010.0, 2012.0])
    shown = styled(table).data
    assert shown["group"].tolist() == ["2010", "2010", "2012"]


def test_every_label_column_of_a_study_table_is_shown() -> None:
    table = _table().drop(columns="variable").assign(period=["2008", "2010", "2010"])
    assert "period" in styled(table).data.columns


def test_show_writes_identifiers_as_whole_numbers_and_keeps_the_data() -> None:
    frame = pd.DataFrame({"establishment_id": [200025.0, 200034.0], "motive": ["a", None]})
    shown = show(frame)
    assert shown.data["establishment_id"].tolist() == ["200025", "200034"]
    assert shown.data["motive"].tolist() == ["a", ""]
    assert "200025.0" not in shown.to_html()
    assert frame["establishment_id"].dtype == np.float64


def test_show_writes_counts_with_separators_and_p_values_as_the_report() -> None:
    shown = show(
        pd.DataFrame({"n": [5310, 12], "p_value": [0.0004, 0.0321], "t": [2.2333, np.nan]})
    )
    assert shown.data.to_dict("list") == {
        "n": ["5,310", "12"],
        "p_value": ["< 0.001", "0.032"],
        "t": ["2.233", "[x]"],
    }


def test_show_keeps_tiny_numbers_readable() -> None:
    shown = show({"max_relative_margin_error": 7.856e-11, "difference": -1.5e-7})
    minus = format_number(-1.0, "en", 0).removesuffix("1")  # as every other negative number
    assert shown.data["value"].tolist() == ["7.86e-11", f"{minus}1.5e-07"]


def test_show_writes_a_result_with_numpy_scalars_as_plain_numbers() -> None:
    result = {"ci_low": np.float64(0.014772671), "df": np.float64(227.0), "verdict": "underpowered"}
    shown = show(result)
    assert shown.data["value"].tolist() == ["0.015", "227", "underpowered"]
    assert "np.float64" not in repr(shown) + shown.to_html()


def test_show_keeps_a_labelled_index_as_a_column() -> None:
    series = pd.Series([0.5, 0.25], index=pd.Index(["small", "large"], name="level"), name="share")
    assert show(series).data.to_dict("list") == {
        "level": ["small", "large"],
        "share": ["0.500", "0.250"],
    }


def test_show_drops_a_row_number_index() -> None:
    frame = pd.DataFrame({"x": [1.5, 2.5, 3.5]}).iloc[[0, 2]]
    assert list(show(frame).data.columns) == ["x"]


def test_show_escapes_text_from_the_data() -> None:
    assert "<script>" not in show(pd.DataFrame({"label": ["<script>x</script>"]})).to_html()


# ---------------------------------------------------------------- design summary


def _weighted_design() -> SurveyDesign:
    frame = pd.DataFrame(
        {
            "w": [2.0, 2.0, 4.0, 4.0, 3.0, 3.0],
            "s": [1, 1, 2, 2, 3, 3],
            "psu": [1, 2, 1, 2, 1, 2],
            "N": [10, 10, 20, 20, 30, 30],
            "y": [1.0, 0, 1, 1, 0, 1],
        }
    )
    return SurveyDesign(
        frame, weight="w", strata="s", cluster="psu", fpc="N", fpc_kind="population", source="x.sav"
    )


def test_the_design_repr_is_a_one_screen_summary_without_the_data() -> None:
    frame = pd.DataFrame({"w": np.linspace(1.0, 2.0, 5000), "marker": 12345.678})
    text = repr(SurveyDesign(frame, weight="w"))
    assert len(text.splitlines()) <= 12 and max(map(len, text.splitlines())) <= 100
    assert "12345" not in text and "marker" not in text


def test_the_design_summary_names_weights_and_their_sum_strata_clusters_fpc_and_rules() -> None:
    rows = dict(describe_design(_weighted_design()))
    assert rows["data"] == "x.sav" and rows["rows"] == "6"
    assert rows["weights"] == "column 'w': sum 18, from 2 to 4"
    assert rows["strata"] == "'s': 3 strata"
    assert rows["clusters"] == "'psu': 6 PSUs"
    assert rows["fpc"] == "'N' (population sizes)"
    assert rows["calibration"] == "none: the weights are taken as fixed"
    assert rows["lonely PSU"].startswith("fail: ")
    assert rows["degrees of freedom"] == "3 (PSUs minus strata)"


def test_the_design_summary_says_which_calibration_the_variance_accounts_for() -> None:
    frame = pd.DataFrame({"size": ["small", "large", "large"]})
    design = SurveyDesign(frame).calibrate(
        rake(frame, [Margin(("size",), {"small": 2.0, "large": 4.0})])
    )
    rows = dict(describe_design(design))
    assert rows["calibration"] == "rake: in the standard errors"
    assert rows["weights"].startswith("column 'weight': sum 6")


def test_the_design_html_is_the_same_summary_as_a_small_escaped_table() -> None:
    design = _weighted_design().update(source="<x>.sav")
    html = design._repr_html_()
    assert html.count("<tr>") == len(describe_design(design))
    assert "&lt;x&gt;.sav" in html and "<x>" not in html
    assert "column &#x27;w&#x27;: sum 18, from 2 to 4" in html
