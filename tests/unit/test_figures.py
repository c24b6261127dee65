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
from matplotlib.container import BarContainer
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


def test_grouped_bars_mark_only_small_p_values() -> None:
    ax = figures.grouped_bars(bars_table(), p_values_table())
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["Kosten ***", "Begeleiding", "Productiviteit *"]


def test_grouped_bars_explain_the_marks_in_a_note_only_with_tests() -> None:
    with_tests = figures.grouped_bars(bars_table(), p_values_table())
    assert any("Holm" in t and "p < 0,001" in t for t in texts(with_tests))
    assert not any("Holm" in t for t in texts(figures.grouped_bars(bars_table())))


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
