"""The analysis kinds of a study, each on a tiny design, and the strict analyses schema."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from survey.analysis.design import SurveyDesign
from survey.codebook import load_codebook
from survey.errors import InputError
from survey.study.context import Context
from survey.study.designs import StudyData
from survey.study.kinds import COLUMNS, run_analysis
from survey.study.spec import parse_analyses

CODEBOOK = """wave: {wave}
survey: tiny
id: id
variables:
  id: {{raw: id, role: id}}
  q: {{raw: q, label: "Vraag", values: {{1: Ja, 2: Nee}}}}
  g: {{raw: g, label: "Groep", values: {{1: A, 2: B}}}}
  x: {{raw: x, label: "Aantal", measure: scale}}
"""


def _frame(shift: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(7 + shift)
    n = 120
    return pd.DataFrame(
        {
            "id": np.arange(n),
            "q": pd.Categorical(rng.choice(["Ja", "Nee"], n), categories=["Ja", "Nee"]),
            "g": pd.Categorical(np.repeat(["A", "B"], n // 2), categories=["A", "B"]),
            "x": rng.integers(1, 10, n).astype(float),
        }
    )


@pytest.fixture
def ctx(tmp_path: Path) -> Context:
    books, designs = {}, {}
    for i, wave in enumerate(("w1", "w2")):
        path = tmp_path / f"{wave}.yaml"
        path.write_text(CODEBOOK.format(wave=wave), encoding="utf-8")
        books[wave] = load_codebook(path)
        designs[wave] = SurveyDesign(_frame(i))
    return Context(StudyData(designs=designs, books=books), tmp_path)


def _one(kind: dict) -> object:
    return parse_analyses({"sections": [{"id": "s", "analyses": [kind]}]}).all()[0]


def test_shares_give_every_level_with_its_label_and_columns(ctx: Context) -> None:
    table = run_analysis(_one({"id": "a", "kind": "shares", "wave": "w1", "items": ["q"]}), ctx)[
        "a"
    ]
    assert list(table.columns) == COLUMNS["shares"]["main"]
    assert list(table["level"]) == ["Ja", "Nee"]
    assert table["estimate"].sum() == pytest.approx(1.0)
    assert set(table["item_label"]) == {"Vraag"}


def test_shares_by_group_with_an_overall_row(ctx: Context) -> None:
    analysis = _one(
        {"id": "a", "kind": "shares", "wave": "w1", "items": ["q"], "by": "g", "overall": "Alle"}
    )
    table = run_analysis(analysis, ctx)["a"]
    assert list(pd.unique(table["group"])) == ["Alle", "A", "B"]


def test_totals_are_weighted_sums(ctx: Context) -> None:
    table = run_analysis(_one({"id": "t", "kind": "totals", "wave": "w1", "items": ["x"]}), ctx)[
        "t"
    ]
    assert list(table.columns) == COLUMNS["totals"]["main"]
    assert table["estimate"].iloc[0] == pytest.approx(_frame()["x"].sum())


def test_quantiles_give_each_probability_with_a_woodruff_interval(ctx: Context) -> None:
    analysis = _one(
        {"id": "q", "kind": "quantiles", "wave": "w1", "items": ["x"], "probs": [0.25, 0.5]}
    )
    table = run_analysis(analysis, ctx)["q"]
    assert list(table.columns) == COLUMNS["quantiles"]["main"]
    assert list(table["quantile"]) == [0.25, 0.5]
    assert (table["ci_low"] <= table["estimate"]).all()
    assert (table["estimate"] <= table["ci_high"]).all()


def test_a_median_table_takes_the_rule_and_interval_of_the_analysis(ctx: Context) -> None:
    spec = {"id": "q", "kind": "quantiles", "wave": "w1", "items": ["x"], "probs": [0.5]}
    woodruff = run_analysis(_one(spec), ctx)["q"]
    score = run_analysis(_one({**spec, "qrule": "hf7", "interval": "score"}), ctx)["q"]
    assert list(score["quantile"]) == [0.5]
    assert score["ci_low"].iloc[0] != woodruff["ci_low"].iloc[0]


def test_means_by_group(ctx: Context) -> None:
    table = run_analysis(
        _one({"id": "m", "kind": "means", "wave": "w1", "items": ["x"], "by": "g"}), ctx
    )["m"]
    frame = _frame()
    assert table.set_index("group")["estimate"].to_dict() == pytest.approx(
        frame.groupby("g", observed=True)["x"].mean().to_dict()
    )


def test_compare_gives_tests_with_holm_and_a_verdict(ctx: Context) -> None:
    analysis = _one(
        {"id": "c", "kind": "compare", "wave": "w1", "by": "g", "groups": ["A", "B"],
         "items": [{"variable": "q", "level": "Ja"}]}
    )  # fmt: skip
    out = run_analysis(analysis, ctx)
    assert set(out) == {"c", "c_tests"}
    tests = out["c_tests"]
    assert tests["p_holm"].iloc[0] >= tests["p_value"].iloc[0]
    assert tests["verdict"].iloc[0] in {"difference", "no_difference", "underpowered"}


def test_trend_gives_the_change_between_the_first_and_last_wave(ctx: Context) -> None:
    analysis = _one(
        {"id": "t", "kind": "trend", "waves": {"w1": "2020", "w2": "2022"}, "items": ["q"],
         "level": "Ja", "groups": [{"label": "Alle"}, {"label": "A", "where": {"g": "A"}}]}
    )  # fmt: skip
    out = run_analysis(analysis, ctx)
    change = out["t_change"].set_index("group")
    shares = out["t"].set_index(["group", "period"])["estimate"]
    assert change.loc["A", "difference"] == pytest.approx(
        shares[("A", "2022")] - shares[("A", "2020")]
    )


def test_a_level_that_does_not_occur_is_an_error_naming_it(ctx: Context) -> None:
    analysis = _one(
        {
            "id": "a",
            "kind": "shares",
            "wave": "w1",
            "items": [{"variable": "q", "level": "Misschien"}],
        }
    )
    with pytest.raises(InputError, match=r"(?s)no level 'Misschien'.*'Ja', 'Nee'"):
        run_analysis(analysis, ctx)


def test_a_group_that_does_not_occur_is_an_error_naming_it(ctx: Context) -> None:
    analysis = _one(
        {"id": "c", "kind": "compare", "wave": "w1", "by": "g", "groups": ["A", "C"],
         "items": [{"variable": "q", "level": "Ja"}]}
    )  # fmt: skip
    with pytest.raises(InputError, match="no group 'C'"):
        run_analysis(analysis, ctx)


def test_an_analysis_without_a_wave_in_a_study_of_two_is_an_error(ctx: Context) -> None:
    with pytest.raises(InputError, match="no wave is named and the study has 2"):
        run_analysis(_one({"id": "a", "kind": "shares", "items": ["q"]}), ctx)


def test_an_unknown_kind_is_an_error_that_suggests_the_closest_kind() -> None:
    with pytest.raises(InputError, match=r"analyses\[0\]\.kind: unknown value 'median_split'"):
        _one({"id": "a", "kind": "median_split", "items": ["q"]})


def test_a_misspelt_kind_gets_a_suggestion() -> None:
    with pytest.raises(InputError, match=r"unknown value 'share' \(did you mean 'shares'\?\)"):
        _one({"id": "a", "kind": "share", "items": ["q"]})


def test_an_unknown_key_of_an_analysis_is_an_error() -> None:
    with pytest.raises(
        InputError, match=r"'sections\[0\]\.analyses\[0\]\.itmes' \(did you mean 'items'\?\)"
    ):
        _one({"id": "a", "kind": "shares", "itmes": ["q"]})


def test_an_item_names_exactly_one_variable_or_set() -> None:
    with pytest.raises(InputError, match="exactly one of variable, battery, mr_set or match"):
        _one({"id": "a", "kind": "shares", "items": [{"variable": "q", "battery": "b"}]})


def test_a_table_id_used_twice_is_an_error() -> None:
    twice = {"id": "a", "kind": "shares", "items": ["q"]}
    with pytest.raises(InputError, match="used twice: a"):
        parse_analyses({"sections": [{"id": "s", "analyses": [twice, twice]}]})


def _model_with_scale(items: int) -> object:
    return _one(
        {
            "id": "m", "kind": "model", "wave": "w1", "outcome": "g", "event": "A",
            "numeric": ["count"],
            "scales": {"count": {"label": "Aantal ja (0-1)", "items": items,
                                 "count_of": {"match": "q", "level": "Ja"}}},
        }
    )  # fmt: skip


def test_a_scale_built_from_the_declared_number_of_items_runs(ctx: Context) -> None:
    table = run_analysis(_model_with_scale(1), ctx)["m"]
    assert "Aantal ja (0-1)" in set(table["term_label"])


def test_a_scale_whose_items_the_codebook_no_longer_provides_stops_the_analysis(
    ctx: Context,
) -> None:
    with pytest.raises(InputError, match=r"analysis 'm'.*declared with 3 items.*provides 1 \(q\)"):
        run_analysis(_model_with_scale(3), ctx)


def test_a_scale_must_say_how_many_items_it_has() -> None:
    with pytest.raises(InputError, match="items"):
        _one(
            {
                "id": "m", "kind": "model", "wave": "w1", "outcome": "g", "event": "A",
                "scales": {"c": {"label": "c", "count_of": {"match": "q", "level": "Ja"}}},
            }
        )  # fmt: skip
