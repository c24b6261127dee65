"""Figure layout: long real labels wrap to fit, the figure grows, and no two texts ever overlap.

Every chart is drawn with the longest labels of the example study's BESO codebook (sector names,
obstacle items, culture statements), in Dutch and English, both on a new figure and on an Axes
that a caller made outside the house style (as the report does), then rendered with Agg at the
PNG resolution. The texts actually drawn are collected while drawing, and their boxes are checked:
no two overlap, none leaves the figure, tick labels stay beside the plot and the legend above it.
"""

from __future__ import annotations

import functools
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple
from unittest import mock

import matplotlib.text
import numpy as np
import pandas as pd
import pytest
import yaml
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_rgb
from matplotlib.container import BarContainer
from matplotlib.figure import Figure
from matplotlib.transforms import Bbox

from repo import CONFIG
from survey import figures

CM = 1 / 2.54
SVG_NS = "{http://www.w3.org/2000/svg}"
#: Overlap allowed between two boxes, in pixels (anti-aliasing, rounding).
TOLERANCE = 1.0


# --------------------------------------------------------------------------- real long labels


@functools.cache
def codebook() -> dict[str, Any]:
    return yaml.safe_load((CONFIG / "codebooks" / "beso2011.yaml").read_text(encoding="utf-8"))


def in_language(value: Any, lang: str) -> str:
    """A label as the codebook gives it: plain text, or one text per language."""
    if isinstance(value, dict):
        return str(value.get(lang, next(iter(value.values()))))
    return str(value)


def label_of(node: dict[str, Any], lang: str) -> str:
    """A variable's label in the language, the Dutch one when the codebook has no other."""
    return in_language(node.get(f"label_{lang}", node["label"]), lang)


def values_of(node: dict[str, Any], lang: str) -> list[str]:
    values = node.get(f"values_{lang}", node["values"])
    return [in_language(v, lang) for v in values.values()]


def sector_labels(lang: str) -> list[str]:
    """The 13 sector names (SBI 2008 main groups), e.g. "Informatie, communicatie en ...".

    >>> max(len(label) for label in sector_labels("nl")) > 50
    True
    """
    return values_of(codebook()["scales"]["sector"], lang)


def obstacle_labels(lang: str) -> list[str]:
    variables = codebook()["variables"]
    return [label_of(v, lang) for k, v in variables.items() if k.startswith("obstacle_")]


def culture_labels(lang: str) -> list[str]:
    variables = codebook()["variables"]
    return [label_of(v, lang) for k, v in variables.items() if k.startswith("culture_")]


def model_labels(lang: str) -> list[str]:
    """Term labels as the logistic model writes them: scales, and "variable: level" terms."""
    book = codebook()
    scales = [label_of(book["batteries"][b], lang) for b in ("knowledge", "attitude")]
    groups = book["derived"]["sector_group"]
    prefix = label_of(groups, lang)
    return scales + [f"{prefix}: {level}" for level in values_of(groups, lang)[1:]]


# --------------------------------------------------------------------------- the charts


def estimates(labels: list[str], groups: list[str], key: str) -> pd.DataFrame:
    rows = []
    for i, label in enumerate(labels):
        for j, group in enumerate(groups):
            estimate = 0.05 + 0.9 * ((7 * i + 3 * j) % 10) / 10
            rows.append(
                {
                    key: label,
                    "item": f"i{i}",
                    "group": group,
                    "estimate": estimate,
                    "ci_low": max(estimate - 0.08, 0.0),
                    "ci_high": min(estimate + 0.08, 1.0),
                    "n": 100 + 10 * j,
                    "status": "",
                }
            )
    table = pd.DataFrame(rows)
    table.loc[1, ["estimate", "ci_low", "ci_high", "status"]] = [np.nan, np.nan, np.nan, "[c]"]
    table.loc[2, "status"] = "[u]"
    return table


def trend_chart(lang: str, **kw: Any) -> Axes:
    measures = obstacle_labels(lang)[:3]
    rows = []
    for m, label in enumerate(measures):
        for g, group in enumerate(sector_labels(lang)[7:9]):
            for p, period in enumerate(["2008", "2010", "2012"]):
                estimate = 0.05 + 0.1 * m + 0.02 * p + 0.01 * g
                rows.append(
                    {
                        "measure": f"m{m}",
                        "measure_label": label,
                        "group": group,
                        "period": period,
                        "estimate": estimate,
                        "ci_low": estimate - 0.02,
                        "ci_high": estimate + 0.02,
                        "n": 500,
                        "status": "[c]" if (m, g, p) == (0, 1, 2) else "",
                    }
                )
    return figures.trend(pd.DataFrame(rows), lang=lang, **kw)


def grouped_chart(lang: str, **kw: Any) -> Axes:
    table = estimates(obstacle_labels(lang), sector_labels(lang)[7:10], "item_label")
    tests = pd.DataFrame(
        {"item": [f"i{i}" for i in range(7)], "p_holm": [0.0004, 0.2, 0.03] * 2 + [0.004]}
    )
    return figures.grouped_bars(
        table, tests, lang=lang, title=codebook()["mr_sets"]["obstacles"]["label"], **kw
    )


def shares_chart(lang: str, **kw: Any) -> Axes:
    table = estimates(sector_labels(lang), ["all"], "level").drop(columns=["group", "item"])
    return figures.share_bars(
        table, lang=lang, title=label_of(codebook()["variables"]["sector"], lang), **kw
    )


def dots_chart(lang: str, **kw: Any) -> Axes:
    table = estimates(culture_labels(lang), sector_labels(lang)[7:10], "item_label")
    return figures.dot_plot(
        table, lang=lang, title=codebook()["batteries"]["culture"]["label"], **kw
    )


def forest_chart(lang: str, **kw: Any) -> Axes:
    labels = ["(Intercept)", *model_labels(lang)]
    ratio = np.array([0.04, 2.12, 0.83, 2.16, 0.58, 0.35, 2.28, 2.23])[: len(labels)]
    model = pd.DataFrame(
        {
            "term_label": labels,
            "odds_ratio": ratio,
            "or_ci_low": ratio / 2.5,
            "or_ci_high": ratio * 7.2,
        }
    )
    return figures.forest_plot(model, lang=lang, **kw)


def weights_chart(lang: str, **kw: Any) -> Axes:
    rng = np.random.default_rng(1)
    named = {label: rng.lognormal(3.5, 1.0, 200) for label in sector_labels(lang)[7:10]}
    return figures.weight_distribution(named, lang=lang, **kw)


CHARTS: dict[str, Callable[..., Axes]] = {
    "trend": trend_chart,
    "grouped_bars": grouped_chart,
    "share_bars": shares_chart,
    "dot_plot": dots_chart,
    "forest_plot": forest_chart,
    "weight_distribution": weights_chart,
}


def on_callers_axes(height_cm: float = 5.0) -> Axes:
    """An Axes made as the report makes it: outside the house style, on a low figure."""
    fig = Figure(figsize=(16 * CM, height_cm * CM), layout="constrained")
    return fig.add_subplot()


# --------------------------------------------------------------------------- what was drawn


class Drawn(NamedTuple):
    """A text as it was drawn: its string, its box (pixels) and the artist."""

    text: str
    box: Bbox
    artist: matplotlib.text.Text


def drawn_texts(fig: Figure) -> list[Drawn]:
    """Every non-empty visible text drawn when the figure is rendered (Agg, PNG resolution)."""
    drawn: list[Drawn] = []
    draw = matplotlib.text.Text.draw

    def recording(self: matplotlib.text.Text, renderer: Any) -> None:
        draw(self, renderer)
        if self.get_visible() and self.get_text().strip():
            drawn.append(Drawn(self.get_text(), self.get_window_extent(renderer), self))

    FigureCanvasAgg(fig)
    fig.set_dpi(figures.PNG_DPI)
    with mock.patch.object(matplotlib.text.Text, "draw", recording):
        fig.canvas.draw()
    return drawn


def overlap(a: Bbox, b: Bbox) -> bool:
    width = min(a.x1, b.x1) - max(a.x0, b.x0)
    height = min(a.y1, b.y1) - max(a.y0, b.y0)
    return width > TOLERANCE and height > TOLERANCE


def overlapping(drawn: list[Drawn]) -> list[tuple[str, str]]:
    return [
        (a.text, b.text)
        for i, a in enumerate(drawn)
        for b in drawn[i + 1 :]
        if overlap(a.box, b.box)
    ]


def outside(drawn: list[Drawn], fig: Figure) -> list[str]:
    frame = fig.bbox
    return [
        d.text
        for d in drawn
        if d.box.x0 < frame.x0 - TOLERANCE
        or d.box.y0 < frame.y0 - TOLERANCE
        or d.box.x1 > frame.x1 + TOLERANCE
        or d.box.y1 > frame.y1 + TOLERANCE
    ]


def plot_area(ax: Axes) -> Bbox:
    return ax.patch.get_window_extent()


def visible_labels(axis: Any) -> Iterator[matplotlib.text.Text]:
    lo, hi = sorted(axis.get_view_interval())
    for tick in axis.get_major_ticks():
        if tick.label1.get_text().strip() and lo <= tick.get_loc() <= hi:
            yield tick.label1


CASES = [
    pytest.param(kind, lang, made_by, id=f"{kind}-{lang}-{made_by}")
    for kind in sorted(CHARTS)
    for lang in ("nl", "en")
    for made_by in ("chart", "caller")
]


def draw_case(kind: str, lang: str, made_by: str) -> Axes:
    if made_by == "caller":
        return CHARTS[kind](lang, ax=on_callers_axes(), synthetic=True)
    return CHARTS[kind](lang, synthetic=True)


@functools.cache
def rendered(kind: str, lang: str, made_by: str) -> tuple[Axes, list[Drawn]]:
    """A case drawn and rendered once, for all the tests that look at it."""
    ax = draw_case(kind, lang, made_by)
    return ax, drawn_texts(ax.figure)


# --------------------------------------------------------------------------- the layout


@pytest.mark.parametrize(("kind", "lang", "made_by"), CASES)
def test_no_two_texts_overlap(kind: str, lang: str, made_by: str) -> None:
    _ax, drawn = rendered(kind, lang, made_by)
    assert len(drawn) > 5
    assert overlapping(drawn) == []


@pytest.mark.parametrize(("kind", "lang", "made_by"), CASES)
def test_no_text_leaves_the_figure(kind: str, lang: str, made_by: str) -> None:
    ax, drawn = rendered(kind, lang, made_by)
    assert outside(drawn, ax.figure) == []


@pytest.mark.parametrize(("kind", "lang", "made_by"), CASES)
def test_tick_labels_stay_beside_the_plot(kind: str, lang: str, made_by: str) -> None:
    ax, _drawn = rendered(kind, lang, made_by)
    area = plot_area(ax)
    renderer = ax.figure.canvas.get_renderer()
    left = [t.get_window_extent(renderer).x1 for t in visible_labels(ax.yaxis)]
    below = [t.get_window_extent(renderer).y1 for t in visible_labels(ax.xaxis)]
    assert left and max(left) <= area.x0 + TOLERANCE
    assert below and max(below) <= area.y0 + TOLERANCE


@pytest.mark.parametrize(
    ("kind", "lang", "made_by"),
    [c for c in CASES if c.values[0] in {"trend", "grouped_bars", "dot_plot"}],
)
def test_the_legend_stays_above_the_plot(kind: str, lang: str, made_by: str) -> None:
    ax, _drawn = rendered(kind, lang, made_by)
    legend = ax.get_legend().get_window_extent(ax.figure.canvas.get_renderer())
    assert legend.y0 >= plot_area(ax).y1 - TOLERANCE


@pytest.mark.parametrize(
    ("kind", "lang", "made_by"), [c for c in CASES if c.values[0] in {"grouped_bars", "share_bars"}]
)
def test_no_text_lies_on_a_bar(kind: str, lang: str, made_by: str) -> None:
    ax, drawn = rendered(kind, lang, made_by)
    boxes = [
        bar.get_window_extent() for c in ax.containers if isinstance(c, BarContainer) for bar in c
    ]
    assert boxes
    assert [d.text for d in drawn if any(overlap(d.box, bar) for bar in boxes)] == []


# --------------------------------------------------------------------------- wrapping and growing


def words(text: str) -> list[str]:
    return text.replace("\n", " ").replace("\u00a0", " ").split()


def test_long_labels_are_wrapped_at_word_boundaries_and_keep_every_word() -> None:
    ax = grouped_chart("nl")
    shown = [t.get_text() for t in ax.get_yticklabels()]
    assert any("\n" in label for label in shown)
    for label, original in zip(shown, obstacle_labels("nl"), strict=True):
        assert words(label)[: len(words(original))] == words(original)


def test_a_label_is_at_most_38_percent_of_the_figure_wide() -> None:
    ax, drawn = rendered("share_bars", "en", "chart")
    labels = {t.get_text() for t in ax.get_yticklabels()}
    widest = max(d.box.width for d in drawn if d.text in labels)
    assert widest <= 0.40 * ax.figure.bbox.width


def test_a_label_too_long_for_four_lines_ends_with_an_ellipsis_and_stays_whole_in_the_alt_text() -> (
    None
):
    long = " ".join(obstacle_labels("nl")[1:4])
    table = pd.DataFrame(
        {
            "level": [long, "Anders"],
            "estimate": [0.3, 0.7],
            "ci_low": [0.2, 0.6],
            "ci_high": [0.4, 0.8],
        }
    )
    shown = figures.share_bars(table).get_yticklabels()[0].get_text()
    assert shown.endswith("\u2026") and shown.count("\n") == 3
    assert words(shown.removesuffix("\u2026"))[:-1] == words(long)[: len(words(shown)) - 1]
    assert long in figures.alt_text("share_bars", table)


def test_the_figure_grows_when_the_labels_need_it() -> None:
    ax = forest_chart("nl", ax=on_callers_axes(height_cm=5.0))
    assert ax.figure.get_figheight() * 2.54 > 8.0


def test_a_figure_is_never_made_lower_than_it_was() -> None:
    ax = shares_chart("nl", ax=on_callers_axes(height_cm=30.0))
    assert ax.figure.get_figheight() * 2.54 == pytest.approx(30.0)


def test_a_figure_with_other_axes_is_left_its_size() -> None:
    fig = Figure(figsize=(16 * CM, 5 * CM), layout="constrained")
    left, _right = fig.subplots(1, 2)
    figures.share_bars(estimates(sector_labels("nl"), ["all"], "level"), ax=left)
    assert fig.get_figheight() * 2.54 == pytest.approx(5.0)


def test_the_forest_plot_puts_the_levels_of_a_variable_under_one_bold_heading() -> None:
    labels = forest_chart("nl").get_yticklabels()
    heading = next(t for t in labels if t.get_fontweight() == "bold")
    assert words(heading.get_text()) == words("Sectorgroep (SBI 2008 hoofdgroepen samengevoegd)")
    assert "Bouwnijverheid" in [t.get_text() for t in labels]


def test_the_alt_text_of_the_forest_plot_names_a_level_with_its_variable() -> None:
    ratio = [1.0, 1.0, 3.0, 1.0, 1.0, 1.0, 1.0]
    model = pd.DataFrame({"term_label": model_labels("nl"), "odds_ratio": ratio})
    text = figures.alt_text("forest_plot", model.assign(or_ci_low=0.5, or_ci_high=4.0))
    assert "hoogste: Sectorgroep (SBI 2008 hoofdgroepen samengevoegd): Bouwnijverheid 3,00" in text


@pytest.mark.parametrize("kind", sorted(CHARTS))
def test_the_house_style_reaches_an_axes_the_caller_made(kind: str) -> None:
    ax = CHARTS[kind]("nl", ax=on_callers_axes())
    assert {t.get_fontsize() for t in ax.get_yticklabels()} == {8.0}
    assert not ax.spines["top"].get_visible() and not ax.spines["right"].get_visible()
    assert ax.xaxis.label.get_fontsize() == 9.0


@pytest.mark.parametrize("kind", sorted(CHARTS))
def test_every_text_stays_text_in_the_svg(kind: str, tmp_path: Any) -> None:
    ax = CHARTS[kind]("nl", synthetic=True)
    files = figures.save_figure(ax.figure, tmp_path / kind)
    root = ET.fromstring(files.svg)
    svg_words = " ".join(" ".join(node.itertext()) for node in root.iter(f"{SVG_NS}text"))
    for drawn in drawn_texts(ax.figure):
        assert " ".join(words(drawn.text.replace("\\$", "$"))) in " ".join(words(svg_words))


def test_charts_with_long_labels_save_byte_identical_files(tmp_path: Any) -> None:
    lang = "en"
    for kind in sorted(CHARTS):
        first = figures.save_figure(
            CHARTS[kind](lang, ax=on_callers_axes()).figure, tmp_path / "a" / kind
        )
        second = figures.save_figure(
            CHARTS[kind](lang, ax=on_callers_axes()).figure, tmp_path / "b" / kind
        )
        assert first.svg_path.read_bytes() == second.svg_path.read_bytes()
        assert first.png_path.read_bytes() == second.png_path.read_bytes()


# --------------------------------------------------------------------------- contrast (WCAG 2.1 AA)


def contrast(colour: Any, background: Any = "white") -> float:
    """The WCAG 2.1 contrast ratio of two colours."""

    def luminance(value: Any) -> float:
        def channel(c: float) -> float:
            return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

        r, g, b = to_rgb(value)
        return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)

    high, low = sorted((luminance(colour), luminance(background)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_the_contrast_formula_gives_the_known_ratios() -> None:
    assert contrast("black") == pytest.approx(21.0)
    assert contrast("#767676") == pytest.approx(4.54, abs=0.01)  # the lightest AA grey on white


@pytest.mark.parametrize("colour", figures.PALETTE)
def test_every_palette_colour_stands_out_3_to_1_against_white(colour: str) -> None:
    assert contrast(colour) >= 3.0  # WCAG 1.4.11, non-text contrast


@pytest.mark.parametrize(("kind", "lang", "made_by"), CASES)
def test_every_text_has_4_5_to_1_contrast_against_its_white_background(
    kind: str, lang: str, made_by: str
) -> None:
    ax, drawn = rendered(kind, lang, made_by)
    assert to_rgb(ax.figure.get_facecolor()) == (1.0, 1.0, 1.0)
    assert to_rgb(ax.get_facecolor()) == (1.0, 1.0, 1.0)
    weak = [d.text for d in drawn if contrast(d.artist.get_color()) < 4.5]
    assert weak == []  # WCAG 1.4.3


@pytest.mark.parametrize("kind", sorted(CHARTS))
def test_every_bar_point_line_and_box_stands_out_3_to_1_against_white(kind: str) -> None:
    ax = CHARTS[kind]("nl")
    bars = [bar.get_facecolor() for c in ax.containers if isinstance(c, BarContainer) for bar in c]
    marks = [line.get_color() for line in ax.lines if line.get_marker() not in {None, "None", ""}]
    boxes = [patch.get_edgecolor() for patch in ax.patches if not isinstance(patch, type(None))]
    shapes = bars + marks + (boxes if kind == "weight_distribution" else [])
    assert shapes
    assert [colour for colour in shapes if contrast(colour) < 3.0] == []
