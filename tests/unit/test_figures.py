"""Charts: what each chart draws, number formats, alt text and byte-identical saved files."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest
from matplotlib.axes import Axes
from matplotlib.container import BarContainer, ErrorbarContainer
from PIL import Image

from survey import figures

SVG_NS = "{http://www.w3.org/2000/svg}"


def trend_table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "measure": ["hired_vulnerable"] * 4 + ["mission_vulnerable"] * 4,
            "measure_label": ["Kwetsbare werknemers aangenomen"] * 4 + ["Missie"] * 4,
            "group": ["Noord-Brabant", "Noord-Brabant", "Nederland", "Nederland"] * 2,
            "period": ["2008", "2010"] * 4,
            "estimate": [0.26, 0.22, 0.25, 0.215, 0.039, 0.05, 0.045, 0.051],
            "ci_low": [0.22, 0.18, 0.24, 0.205, 0.025, 0.035, 0.04, 0.046],
            "ci_high": [0.30, 0.26, 0.26, 0.225, 0.055, 0.065, 0.05, 0.056],
            "n": [500, 480, 3000, 2900] * 2,
        }
    )


def bars_table() -> pd.DataFrame:
    rows = []
    for i, label in enumerate(["Kosten", "Begeleiding", "Productiviteit"]):
        for group, estimate in (("Met ervaring", (0.1, 0.3, 0.45)[i]), ("Zonder ervaring", 0.3)):
            rows.append(
                {
                    "item": f"i{i}",
                    "item_label": label,
                    "group": group,
                    "estimate": estimate,
                    "ci_low": estimate - 0.05,
                    "ci_high": estimate + 0.05,
                    "n": 120 if group == "Met ervaring" else 340,
                }
            )
    return pd.DataFrame(rows)


def p_values_table() -> pd.DataFrame:
    return pd.DataFrame({"item": ["i0", "i1", "i2"], "p_holm": [0.0004, 0.3, 0.02]})


def shares_table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "level": ["Maatschappelijk", "Subsidie", "Personeelstekort"],
            "estimate": [0.62, 0.039, 0.21],
            "ci_low": [0.55, 0.02, 0.16],
            "ci_high": [0.69, 0.06, 0.26],
        }
    )


def dots_table() -> pd.DataFrame:
    rows = []
    for i, label in enumerate(["Sociaal bedrijf", "Iedereen hoort erbij"]):
        for j, group in enumerate(["Met ervaring", "Zonder ervaring", "Alle bedrijven"]):
            estimate = 0.4 + 0.1 * i + 0.05 * j
            rows.append(
                {
                    "item_label": label,
                    "group": group,
                    "estimate": estimate,
                    "ci_low": estimate - 0.06,
                    "ci_high": estimate + 0.06,
                }
            )
    return pd.DataFrame(rows)


def model_table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "term": ["(Intercept)", "size", "sectorB"],
            "term_label": ["(Intercept)", "Bedrijfsgrootte", "Sector: zorg"],
            "odds_ratio": [0.3, 1.85, 0.6],
            "or_ci_low": [0.2, 1.2, 0.35],
            "or_ci_high": [0.45, 2.86, 1.02],
        }
    )


def weights() -> dict[str, np.ndarray]:
    return {"wea2008": np.array([1.0, 2.0, 4.0, 8.0]), "wea2010": np.array([1.0, 1.0, 3.0])}


def points(ax: Axes) -> int:
    """Data points drawn with a group marker (not whisker caps)."""
    return sum(len(line.get_xdata()) for line in ax.lines if line.get_marker() in figures.MARKERS)


def bars(ax: Axes) -> list:
    return [bar for c in ax.containers if isinstance(c, BarContainer) for bar in c]


def texts(ax: Axes) -> list[str]:
    return [t.get_text() for t in ax.texts]


CHARTS: dict[str, Callable[..., Axes]] = {
    "trend": lambda **kw: figures.trend(trend_table(), **kw),
    "grouped_bars": lambda **kw: figures.grouped_bars(bars_table(), p_values_table(), **kw),
    "share_bars": lambda **kw: figures.share_bars(shares_table(), **kw),
    "dot_plot": lambda **kw: figures.dot_plot(dots_table(), **kw),
    "forest_plot": lambda **kw: figures.forest_plot(model_table(), **kw),
    "weight_distribution": lambda **kw: figures.weight_distribution(weights(), **kw),
}


def svg_text(path: Path) -> str:
    """All text content of an SVG file, joined by newlines."""
    root = ET.parse(path).getroot()
    return "\n".join("".join(node.itertext()) for node in root.iter(f"{SVG_NS}text"))


@pytest.mark.parametrize("kind", sorted(CHARTS))
def test_every_chart_returns_axes_on_a_16_cm_figure(kind: str) -> None:
    ax = CHARTS[kind]()
    assert isinstance(ax, Axes)
    assert ax.figure.get_figwidth() == pytest.approx(16 / 2.54)


def test_charts_draw_on_a_given_axes() -> None:
    existing = figures.share_bars(shares_table())
    assert figures.share_bars(shares_table(), ax=existing) is existing


def test_trend_draws_a_point_per_measure_group_and_period() -> None:
    assert points(figures.trend(trend_table())) == 8


def test_trend_tells_groups_apart_by_marker_in_the_legend() -> None:
    legend = figures.trend(trend_table()).get_legend()
    assert [t.get_text() for t in legend.get_texts()] == ["Noord-Brabant", "Nederland"]
    assert len({line.get_marker() for line in legend.get_lines()}) == 2


def test_trend_keeps_the_periods_in_the_order_of_the_table() -> None:
    table = trend_table().assign(period=["najaar", "voorjaar"] * 4)
    ax = figures.trend(table)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["najaar", "voorjaar"] * 2
    first = next(line for line in ax.lines if line.get_marker() == figures.MARKERS[0])
    assert list(first.get_ydata()) == [0.26, 0.22]


def test_trend_draws_each_line_in_period_order_whatever_the_row_order() -> None:
    table = trend_table()
    ax = figures.trend(pd.concat([table.iloc[[1]], table.drop(index=1)]))
    first = next(line for line in ax.lines if line.get_marker() == figures.MARKERS[0])
    assert list(first.get_ydata()) == [0.22, 0.26]  # 2010 appears first, so it is drawn first


def test_trend_refuses_a_table_without_group_and_period() -> None:
    old = trend_table().rename(columns={"group": "region", "period": "year"})
    with pytest.raises(ValueError, match="group, period"):
        figures.trend(old)


def test_grouped_bars_draw_a_bar_per_item_and_group_hatched_by_group() -> None:
    drawn = bars(figures.grouped_bars(bars_table()))
    assert len(drawn) == 6
    assert len({bar.get_hatch() for bar in drawn}) == 2


def plain_texts(texts: list[str]) -> list[str]:
    """Texts as a reader reads them: no-break spaces and line breaks as spaces."""
    return [t.replace("\u00a0", " ").replace("\n", " ") for t in texts]


def item_labels(ax: Axes) -> list[str]:
    return plain_texts([t.get_text() for t in ax.get_yticklabels()])


def test_grouped_bars_mark_only_small_p_values_with_the_bound_written_out() -> None:
    ax = figures.grouped_bars(bars_table(), p_values_table())
    assert item_labels(ax) == ["Kosten (p < 0,001)", "Begeleiding", "Productiviteit (p < 0,05)"]


def test_grouped_bars_write_the_marks_in_the_language_of_the_figure() -> None:
    ax = figures.grouped_bars(bars_table(), p_values_table(), lang="en")
    assert item_labels(ax)[0] == "Kosten (p < 0.001)"


def test_significance_marks_use_no_stars() -> None:
    ax = figures.grouped_bars(bars_table(), p_values_table())
    assert not any("*" in t for t in [*item_labels(ax), *texts(ax)])


def test_a_significance_mark_is_never_broken_over_two_lines() -> None:
    long = bars_table().assign(
        item_label="Belemmering: onbekend waar mensen met een beperkte "
        "productiviteit gevonden kunnen worden"
    )
    ax = figures.grouped_bars(long, p_values_table())
    label = ax.get_yticklabels()[0].get_text()
    assert "\n" in label and "(p\u00a0<\u00a00,001)" in label


@pytest.mark.parametrize(
    ("lang", "marks"),
    [("nl", "p < 0,05, p < 0,01 of p < 0,001"), ("en", "p < 0.05, p < 0.01 or p < 0.001")],
)
def test_grouped_bars_explain_the_marks_in_a_note_only_with_tests(lang: str, marks: str) -> None:
    with_tests = figures.grouped_bars(bars_table(), p_values_table(), lang=lang)
    assert any("Holm" in t and marks in t for t in plain_texts(texts(with_tests)))
    assert not any("Holm" in t for t in texts(figures.grouped_bars(bars_table(), lang=lang)))


def test_alt_text_of_grouped_bars_names_the_significant_items_as_the_figure_marks_them() -> None:
    text = figures.alt_text("grouped_bars", bars_table(), "en", tests=p_values_table())
    assert (
        "Significant difference between the groups (Holm-adjusted test) for "
        "Kosten (p < 0.001) and Productiviteit (p < 0.05)." in text
    )


def test_alt_text_of_grouped_bars_says_when_no_item_differs() -> None:
    tests = p_values_table().assign(p_holm=0.5)
    text = figures.alt_text("grouped_bars", bars_table(), "nl", tests=tests)
    assert "Bij geen enkel onderwerp een significant verschil tussen de groepen" in text


def test_alt_text_of_grouped_bars_marks_no_test_that_is_not_assessable() -> None:
    table = disclosed(bars_table(), "[c]", [0])
    text = figures.alt_text("grouped_bars", table, "en", tests=not_assessable_tests())
    assert "for Productiviteit (p < 0.05)." in text and "Kosten (p" not in text


def test_alt_text_without_tests_says_nothing_of_significance() -> None:
    assert "ignificant" not in figures.alt_text("grouped_bars", bars_table(), "en")


def test_share_bars_draw_a_bar_per_level() -> None:
    assert len(bars(figures.share_bars(shares_table()))) == 3


def test_dutch_labels_use_decimal_commas_and_english_decimal_points() -> None:
    assert "3,9%" in texts(figures.share_bars(shares_table(), lang="nl"))
    assert "3.9%" in texts(figures.share_bars(shares_table(), lang="en"))
    assert "62%" in texts(figures.share_bars(shares_table(), lang="nl"))


def test_forest_plot_labels_use_the_language_number_format() -> None:
    assert "1,85 (1,20\u20132,86)" in texts(figures.forest_plot(model_table(), lang="nl"))
    assert "1.85 (1.20\u20132.86)" in texts(figures.forest_plot(model_table(), lang="en"))


def test_dot_plot_draws_a_point_per_item_and_group_with_a_marker_per_group() -> None:
    ax = figures.dot_plot(dots_table())
    assert points(ax) == 6
    assert len({line.get_marker() for line in ax.get_legend().get_lines()}) == 3


def test_forest_plot_leaves_out_the_intercept() -> None:
    ax = figures.forest_plot(model_table())
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Bedrijfsgrootte", "Sector: zorg"]
    assert points(ax) == 2


def test_forest_plot_has_a_log_axis_with_a_reference_line_at_1() -> None:
    ax = figures.forest_plot(model_table())
    assert ax.get_xscale() == "log"
    assert any(list(line.get_xdata()) == [1.0, 1.0] for line in ax.lines)


def test_weight_distribution_draws_a_box_per_wave_with_its_design_effect() -> None:
    ax = figures.weight_distribution(weights(), lang="en")
    assert len(ax.patches) == 2
    deff = figures.format_number(4 * (1 + 4 + 16 + 64) / 15**2, "en", 2)
    assert any(f"Kish design effect {deff}" in t for t in texts(ax))


def test_unknown_language_is_refused() -> None:
    with pytest.raises(ValueError, match="language"):
        figures.share_bars(shares_table(), lang="de")


def test_charts_leave_the_global_rcparams_alone() -> None:
    before = dict(matplotlib.rcParams)
    figures.grouped_bars(bars_table(), p_values_table(), synthetic=True)
    assert dict(matplotlib.rcParams) == before


def test_alt_text_of_a_trend_gives_its_values() -> None:
    text = figures.alt_text("trend", trend_table())
    assert "Noord-Brabant 26% in 2008 en 22% in 2010" in text
    assert "3,9%" in text


def test_alt_text_of_a_trend_follows_the_period_order_of_the_table() -> None:
    table = trend_table().assign(period=["najaar", "voorjaar"] * 4)
    text = figures.alt_text("trend", table, lang="en")
    assert "Noord-Brabant 26% in najaar and 22% in voorjaar" in text


def test_alt_text_of_grouped_bars_names_the_largest_difference() -> None:
    text = figures.alt_text("grouped_bars", bars_table(), lang="en")
    assert "Kosten (Met ervaring 10%, Zonder ervaring 30%)" in text


def test_alt_text_of_shares_forest_and_weights_gives_key_numbers() -> None:
    assert "Subsidie 3.9%" in figures.alt_text("share_bars", shares_table(), lang="en")
    forest = figures.alt_text("forest_plot", model_table())
    assert "Bedrijfsgrootte 1,85" in forest and "Intercept" not in forest
    assert "1,00 tot 8,00" in figures.alt_text("weight_distribution", weights())


def test_alt_text_refuses_an_unknown_kind() -> None:
    with pytest.raises(ValueError, match="kind"):
        figures.alt_text("pie", shares_table())


def test_save_figure_gives_byte_identical_files(tmp_path: Path) -> None:
    first = figures.save_figure(figures.grouped_bars(bars_table()).figure, tmp_path / "a" / "fig")
    second = figures.save_figure(figures.grouped_bars(bars_table()).figure, tmp_path / "b" / "fig")
    assert first.svg_path.read_bytes() == second.svg_path.read_bytes()
    assert first.png_path.read_bytes() == second.png_path.read_bytes()


@pytest.mark.parametrize("kind", sorted(CHARTS))
def test_every_chart_saves_byte_identical_files(kind: str, tmp_path: Path) -> None:
    first = figures.save_figure(CHARTS[kind](synthetic=True).figure, tmp_path / "a" / kind)
    second = figures.save_figure(CHARTS[kind](synthetic=True).figure, tmp_path / "b" / kind)
    assert first.svg_path.read_bytes() == second.svg_path.read_bytes()
    assert first.png_path.read_bytes() == second.png_path.read_bytes()


def test_every_chart_is_registered_by_name_with_an_alt_text() -> None:
    assert sorted(figures.CHARTS) == sorted(CHARTS)
    assert figures.CHARTS["trend"] is figures.trend


def test_the_package_exports_its_public_names_and_names_no_study() -> None:
    assert all(hasattr(figures, name) for name in figures.__all__)
    assert callable(figures.trend) and figures.FIGURE_WIDTH_CM == 16.0
    assert not any("wea" in name.lower() for name in figures.__all__)


def test_save_figure_writes_a_200_dpi_png_16_cm_wide(tmp_path: Path) -> None:
    files = figures.save_figure(figures.share_bars(shares_table()).figure, tmp_path / "shares")
    with Image.open(files.png_path) as image:
        dpi = image.info["dpi"]
        width_cm = image.width / dpi[0] * 2.54
    assert round(dpi[0]) == 200
    assert width_cm == pytest.approx(16, rel=0.05)


def test_saved_svg_is_xml_with_the_group_labels_as_text(tmp_path: Path) -> None:
    files = figures.save_figure(figures.grouped_bars(bars_table()).figure, tmp_path / "bars")
    text = svg_text(files.svg_path)
    assert "Met ervaring (n = 120)" in text
    assert "Zonder ervaring (n = 340)" in text


def test_inline_svg_has_no_declaration_and_carries_role_and_title(tmp_path: Path) -> None:
    files = figures.save_figure(
        figures.share_bars(shares_table()).figure, tmp_path / "shares", alt="Motieven <1>"
    )
    assert files.svg.startswith("<svg")
    root = ET.fromstring(files.svg)
    assert root.get("role") == "img"
    assert root.find(f"{SVG_NS}title").text == "Motieven <1>"


def test_svg_ids_are_prefixed_with_the_stem(tmp_path: Path) -> None:
    files = figures.save_figure(figures.share_bars(shares_table()).figure, tmp_path / "shares")
    ids = re.findall(r'\bid="([^"]+)"', files.svg)
    assert ids and all(i.startswith("fig-shares") for i in ids)


def test_synthetic_note_appears_only_when_asked(tmp_path: Path) -> None:
    marked = figures.save_figure(
        figures.dot_plot(dots_table(), synthetic=True).figure, tmp_path / "marked"
    )
    plain = figures.save_figure(figures.dot_plot(dots_table()).figure, tmp_path / "plain")
    assert "Synthetische data" in svg_text(marked.svg_path)
    assert "Synthetische data" not in svg_text(plain.svg_path)


@pytest.mark.parametrize("kind", sorted(CHARTS))
def test_every_chart_can_be_marked_synthetic_in_english(kind: str) -> None:
    ax = CHARTS[kind](lang="en", synthetic=True)
    assert ax.get_title(loc="right") == "Synthetic data"


# --------------------------------------------------------------------------- disclosure control

SUPPRESSED_NOTE = {
    "nl": "[c] = niet getoond: te weinig respondenten (onthullingscontrole)",
    "en": "[c] = not shown: too few respondents (disclosure control)",
}
UNRELIABLE_NOTE = {"nl": "[u] = onbetrouwbare schatting", "en": "[u] = low reliability"}

#: The tables of the charts that take disclosed tables.
ESTIMATE_TABLES: dict[str, Callable[[], pd.DataFrame]] = {
    "trend": trend_table,
    "grouped_bars": bars_table,
    "share_bars": shares_table,
    "dot_plot": dots_table,
}

#: Per chart: a row whose value appears once in the chart or its alt text, and that value.
UNIQUE_CELL: dict[str, tuple[int, str]] = {
    "trend": (4, "3,9%"),  # Missie, Noord-Brabant, 2008
    "grouped_bars": (0, "10%"),  # Kosten, Met ervaring: the largest difference
    "share_bars": (1, "3,9%"),  # Subsidie
    "dot_plot": (4, "55%"),  # Iedereen hoort erbij, Zonder ervaring: the largest difference
}


def disclosed(
    table: pd.DataFrame, status: str, rows: list[int], blank: bool = True
) -> pd.DataFrame:
    """The table with a status column: ``status`` in ``rows``, "" elsewhere.

    The values of "[c]" rows are blanked as disclosure control leaves them, unless ``blank`` is
    False (an upstream slip the charts must survive).
    """
    out = table.assign(status="")
    out.loc[rows, "status"] = status
    if status == "[c]" and blank:
        out.loc[rows, ["estimate", "ci_low", "ci_high"]] = np.nan
    return out


def all_suppressed(table: pd.DataFrame) -> pd.DataFrame:
    out = disclosed(table, "[c]", list(table.index))
    return out.assign(n=np.nan) if "n" in out.columns else out


def not_assessable_tests() -> pd.DataFrame:
    """The tests of bars_table with the test of item i0 suppressed."""
    return p_values_table().assign(
        p_holm=[np.nan, 0.3, 0.02],
        status=["[c]", "", ""],
        verdict=["not_assessable", "no_difference", "difference"],
    )


def contrast_on_white(colour: str) -> float:
    """The WCAG contrast ratio of a colour on white."""

    def luminance(channel: float) -> float:
        return channel / 12.92 if channel <= 0.03928 else ((channel + 0.055) / 1.055) ** 2.4

    r, g, b = matplotlib.colors.to_rgb(colour)
    return 1.05 / (0.2126 * luminance(r) + 0.7152 * luminance(g) + 0.0722 * luminance(b) + 0.05)


def text_artist(ax: Axes, text: str) -> matplotlib.text.Text:
    return next(t for t in ax.texts if t.get_text() == text)


def whiskers(ax: Axes) -> int:
    """Confidence-interval whiskers drawn (the segments of the error bars)."""
    return sum(
        len(c.lines[2][0].get_segments()) for c in ax.containers if isinstance(c, ErrorbarContainer)
    )


@pytest.mark.parametrize("kind", sorted(ESTIMATE_TABLES))
def test_a_suppressed_cell_shows_c_and_never_its_value(kind: str, tmp_path: Path) -> None:
    row, value = UNIQUE_CELL[kind]
    assert value in figures.alt_text(kind, ESTIMATE_TABLES[kind]())  # shown when not suppressed
    # the value left in the table: the charts must hide it all the same
    table = disclosed(ESTIMATE_TABLES[kind](), "[c]", [row], blank=False)
    alt = figures.alt_text(kind, table)
    files = figures.save_figure(figures.CHARTS[kind](table).figure, tmp_path / kind, alt=alt)
    assert value not in alt and value not in files.svg
    assert "[c]" in alt and "[c]" in svg_text(files.svg_path)


def test_a_suppressed_bar_is_not_drawn() -> None:
    ax = figures.share_bars(disclosed(shares_table(), "[c]", [1]))
    assert len(bars(ax)) == 2


def test_a_suppressed_dot_and_its_whisker_are_not_drawn() -> None:
    ax = figures.dot_plot(disclosed(dots_table(), "[c]", [1], blank=False))
    assert points(ax) == 5
    assert whiskers(ax) == 5


def test_trend_leaves_a_gap_for_a_suppressed_point() -> None:
    ax = figures.trend(disclosed(trend_table(), "[c]", [1], blank=False))
    first = next(line for line in ax.lines if line.get_marker() == figures.MARKERS[0])
    assert first.get_ydata()[0] == 0.26 and np.isnan(first.get_ydata()[1])


def test_the_c_mark_stands_at_the_start_of_the_bar() -> None:
    ax = figures.grouped_bars(disclosed(bars_table(), "[c]", [0]))
    assert text_artist(ax, "[c]").xy[0] == 0.0


def test_the_c_mark_is_legible_text_like_the_value_labels() -> None:
    ax = figures.share_bars(disclosed(shares_table(), "[c]", [1]))
    mark, value = text_artist(ax, "[c]"), text_artist(ax, "62%")
    assert contrast_on_white(mark.get_color()) >= 4.5
    assert mark.get_fontsize() == value.get_fontsize()


def test_suppressed_cells_do_not_set_the_axis_limits() -> None:
    leaked = figures.share_bars(disclosed(shares_table(), "[c]", [0], blank=False))
    blank = figures.share_bars(disclosed(shares_table(), "[c]", [0]))
    assert leaked.get_xlim() == blank.get_xlim()
    assert leaked.get_xlim()[1] < 0.69  # the suppressed upper bound


@pytest.mark.parametrize(
    ("kind", "row", "label"),
    [("trend", 4, "3,9% [u]"), ("grouped_bars", 0, "10% [u]"), ("share_bars", 1, "3,9% [u]")],
)
def test_an_unreliable_value_is_labelled_with_u(kind: str, row: int, label: str) -> None:
    ax = figures.CHARTS[kind](disclosed(ESTIMATE_TABLES[kind](), "[u]", [row]))
    assert label in texts(ax)


def test_an_unreliable_dot_is_marked_with_u_beside_it() -> None:
    ax = figures.dot_plot(disclosed(dots_table(), "[u]", [1]))
    assert texts(ax).count("[u]") == 1
    assert points(ax) == 6


@pytest.mark.parametrize("lang", ["nl", "en"])
@pytest.mark.parametrize("kind", sorted(ESTIMATE_TABLES))
def test_status_marks_are_explained_in_a_note(kind: str, lang: str) -> None:
    table = disclosed(ESTIMATE_TABLES[kind](), "[c]", [0])
    table.loc[1, "status"] = "[u]"
    notes = "\n".join(texts(figures.CHARTS[kind](table, lang=lang)))
    assert SUPPRESSED_NOTE[lang] in notes and UNRELIABLE_NOTE[lang] in notes


@pytest.mark.parametrize("kind", sorted(ESTIMATE_TABLES))
def test_no_note_without_status_marks(kind: str) -> None:
    table = ESTIMATE_TABLES[kind]().assign(status="")
    assert not any("[c]" in t or "[u]" in t for t in texts(figures.CHARTS[kind](table)))


def test_grouped_bars_keep_the_significance_note_beside_the_status_note() -> None:
    ax = figures.grouped_bars(disclosed(bars_table(), "[c]", [0]), p_values_table())
    notes = "\n".join(texts(ax))
    assert "Holm" in notes and SUPPRESSED_NOTE["nl"] in notes


@pytest.mark.parametrize("kind", sorted(ESTIMATE_TABLES))
def test_an_all_suppressed_chart_draws_the_c_marks_and_the_note(kind: str, tmp_path: Path) -> None:
    table = all_suppressed(ESTIMATE_TABLES[kind]())
    ax = figures.CHARTS[kind](table)
    figures.save_figure(ax.figure, tmp_path / kind, alt=figures.alt_text(kind, table))
    assert texts(ax).count("[c]") == len(table)
    assert SUPPRESSED_NOTE["nl"] in texts(ax)
    assert not any("%" in t for t in texts(ax))


@pytest.mark.parametrize("kind", sorted(ESTIMATE_TABLES))
def test_alt_text_of_an_all_suppressed_chart_has_no_value(kind: str) -> None:
    text = figures.alt_text(kind, all_suppressed(ESTIMATE_TABLES[kind]()), lang="en")
    assert "%" not in text.removesuffix(SUPPRESSED_NOTE["en"] + ".")
    assert "[c]" in text


def test_alt_text_of_grouped_bars_says_when_all_values_are_suppressed() -> None:
    text = figures.alt_text("grouped_bars", all_suppressed(bars_table()), lang="en")
    assert "All values [c]." in text


@pytest.mark.parametrize("kind", sorted(ESTIMATE_TABLES))
def test_alt_text_ends_with_the_explanation_of_c(kind: str) -> None:
    table = disclosed(ESTIMATE_TABLES[kind](), "[c]", [UNIQUE_CELL[kind][0]])
    assert figures.alt_text(kind, table, lang="en").endswith(SUPPRESSED_NOTE["en"] + ".")


def test_alt_text_names_a_suppressed_share_with_c() -> None:
    text = figures.alt_text("share_bars", disclosed(shares_table(), "[c]", [1]), lang="en")
    assert text.startswith("Bar chart of 3 categories: Maatschappelijk 62%, Subsidie [c], ")


def test_alt_text_names_the_largest_difference_among_the_shown_cells() -> None:
    text = figures.alt_text("grouped_bars", disclosed(bars_table(), "[c]", [0]), lang="en")
    assert "Largest difference: Productiviteit (Met ervaring 45%, Zonder ervaring 30%)" in text
    assert "Kosten (Met ervaring) [c]" in text


def test_alt_text_names_the_highest_and_lowest_share_among_the_shown_cells() -> None:
    many = pd.DataFrame(
        {
            "level": [f"L{i}" for i in range(10)],
            "estimate": [0.01 * (i + 1) for i in range(10)],
            "ci_low": 0.0,
            "ci_high": 0.2,
        }
    )
    text = figures.alt_text("share_bars", disclosed(many, "[c]", [0, 9], blank=False), lang="en")
    assert "highest: L8 9%, lowest: L1 2%" in text
    assert "L0 [c] and L9 [c]" in text


def test_alt_text_writes_u_after_an_unreliable_value() -> None:
    text = figures.alt_text("share_bars", disclosed(shares_table(), "[u]", [1]), lang="en")
    assert "Subsidie 3.9% [u]" in text
    assert UNRELIABLE_NOTE["en"] in text


def test_the_n_range_of_a_group_ignores_a_suppressed_base() -> None:
    table = bars_table()
    table.loc[0, "n"] = np.nan
    table.loc[2, "n"] = 110
    legend = figures.grouped_bars(table).get_legend()
    assert "Met ervaring (n = 110\u2013120)" in [t.get_text() for t in legend.get_texts()]


def test_grouped_bars_mark_no_test_that_is_not_assessable() -> None:
    ax = figures.grouped_bars(disclosed(bars_table(), "[c]", [0]), not_assessable_tests())
    assert item_labels(ax) == ["Kosten", "Begeleiding", "Productiviteit (p < 0,05)"]


def test_a_not_assessable_verdict_outweighs_a_left_over_p_value() -> None:
    tests = not_assessable_tests().assign(p_holm=[0.0004, 0.3, 0.02])
    ax = figures.grouped_bars(bars_table(), tests)
    assert ax.get_yticklabels()[0].get_text() == "Kosten"
