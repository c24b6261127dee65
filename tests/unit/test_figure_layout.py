"""Figure layout: long real labels wrap to fit, the figure grows, and no two texts ever overlap.

Every chart is drawn with the longest labels of the example study's BESO codebook (sector names,
obstacle items, culture statements), in Dutch and English, both on a new figure and on an Axes
that a caller made outside the house style (as the report does), then rendered with Agg at the
PNG resolution. The texts actually drawn are collected while drawing, and their boxes are checked:
no two overlap, none leaves the figure, tick labels stay beside the plot and the legend above it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

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
#: Overlap allowed between two boxes, in pixels (anti-aliasing, rounding).
TOLERANCE = 1.0


# --------------------------------------------------------------------------- real long labels


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


def drawn_texts(fig: Figure, monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, Bbox]]:
    """Every non-empty visible text drawn when the figure is rendered, with its box (pixels)."""
    drawn: list[tuple[str, Bbox]] = []
    draw = matplotlib.text.Text.draw

    def recording(self: matplotlib.text.Text, renderer: Any) -> None:
        draw(self, renderer)
        if self.get_visible() and self.get_text().strip():
            drawn.append((self.get_text(), self.get_window_extent(renderer)))

    FigureCanvasAgg(fig)
    fig.set_dpi(figures.PNG_DPI)
    with monkeypatch.context() as patch:
        patch.setattr(matplotlib.text.Text, "draw", recording)
        fig.canvas.draw()
    return drawn


def overlap(a: Bbox, b: Bbox) -> bool:
    width = min(a.x1, b.x1) - max(a.x0, b.x0)
    height = min(a.y1, b.y1) - max(a.y0, b.y0)
    return width > TOLERANCE and height > TOLERANCE


def overlapping(drawn: list[tuple[str, Bbox]]) -> list[tuple[str, str]]:
    return [
        (a, b)
        for i, (a, box_a) in enumerate(drawn)
        for b, box_b in drawn[i + 1 :]
        if overlap(box_a, box_b)
    ]


def outside(drawn: list[tuple[str, Bbox]], fig: Figure) -> list[str]:
    frame = fig.bbox
    return [
        text
        for text, box in drawn
        if box.x0 < frame.x0 - TOLERANCE
        or box.y0 < frame.y0 - TOLERANCE
        or box.x1 > frame.x1 + TOLERANCE
        or box.y1 > frame.y1 + TOLERANCE
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


# --------------------------------------------------------------------------- the layout


@pytest.mark.parametrize(("kind", "lang", "made_by"), CASES)
def test_no_two_texts_overlap(
    kind: str, lang: str, made_by: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    ax = draw_case(kind, lang, made_by)
    drawn = drawn_texts(ax.figure, monkeypatch)
    assert len(drawn) > 5
    assert overlapping(drawn) == []


@pytest.mark.parametrize(("kind", "lang", "made_by"), CASES)
def test_no_text_leaves_the_figure(
    kind: str, lang: str, made_by: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    ax = draw_case(kind, lang, made_by)
    assert outside(drawn_texts(ax.figure, monkeypatch), ax.figure) == []


@pytest.mark.parametrize(("kind", "lang", "made_by"), CASES)
def test_tick_labels_stay_beside_the_plot(
    kind: str, lang: str, made_by: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    ax = draw_case(kind, lang, made_by)
    drawn_texts(ax.figure, monkeypatch)
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
def test_the_legend_stays_above_the_plot(
    kind: str, lang: str, made_by: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    ax = draw_case(kind, lang, made_by)
    drawn_texts(ax.figure, monkeypatch)
    legend = ax.get_legend().get_window_extent(ax.figure.canvas.get_renderer())
    assert legend.y0 >= plot_area(ax).y1 - TOLERANCE


@pytest.mark.parametrize(
    ("kind", "lang", "made_by"), [c for c in CASES if c.values[0] in {"grouped_bars", "share_bars"}]
)
def test_no_text_lies_on_a_bar(
    kind: str, lang: str, made_by: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    ax = draw_case(kind, lang, made_by)
    drawn = drawn_texts(ax.figure, monkeypatch)
    boxes = [
        bar.get_window_extent() for c in ax.containers if isinstance(c, BarContainer) for bar in c
    ]
    assert boxes
    assert [text for text, box in drawn if any(overlap(box, bar) for bar in boxes)] == []
