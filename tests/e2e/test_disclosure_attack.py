"""An attacker with only the published report tries to recover the suppressed cells.

The attacker reads what ``survey report`` publishes (the CSV tables, the HTML text, the SVG
figures and their alt text) and applies the subtraction rules a data owner fears:

- the last hidden level of a distribution is the base minus the shown levels;
- the complement of a shown level (the base minus its count) is a cell of its own;
- a hidden group is the overall row minus the other group;
- a comparison, change or contrast row shows the estimates of its cells;
- a hidden value is repeated in a figure, its alt text or a sentence.

Each recovered number is checked against the unpublished results: a recovery counts only when
it is exact. The reports are made with the default policy and with ``min_cell_count: 300``
(above the 228 BESO respondents), which must hide every BESO number.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pandas as pd
import pytest

from survey.disclosure import DisclosurePolicy
from survey.format import format_percent
from survey.pipeline import ReportResult, run_report

#: Analyses of the BESO wave (their tables and figures): with 300 nothing of them may show.
BESO_PREFIX = "beso_"


def _report(study, tmp: Path, min_count: int) -> ReportResult:
    changed = dataclasses.replace(
        study, disclosure=DisclosurePolicy(min_cell_count=min_count), reports_dir=tmp
    )
    return run_report(changed, pdf=False)


@pytest.fixture(scope="module")
def default(study, tmp_path_factory: pytest.TempPathFactory) -> ReportResult:
    return _report(study, tmp_path_factory.mktemp("default"), 10)


@pytest.fixture(scope="module")
def middle(study, tmp_path_factory: pytest.TempPathFactory) -> ReportResult:
    return _report(study, tmp_path_factory.mktemp("middle"), 25)


@pytest.fixture(scope="module")
def strict(study, tmp_path_factory: pytest.TempPathFactory) -> ReportResult:
    return _report(study, tmp_path_factory.mktemp("strict"), 300)


def _published(report: ReportResult) -> dict[str, pd.DataFrame]:
    folder = report.paths["tables"]
    return {p.stem: pd.read_csv(p, comment="#") for p in sorted(folder.glob("*.csv"))}


def _hidden(frame: pd.DataFrame) -> pd.Series:
    return frame["status"].astype(object).fillna("").eq("[c]")


def _primary(frame: pd.DataFrame) -> pd.Series:
    return _hidden(frame) & frame["reason"].astype(object).fillna("").ne("secondary")


def _estimate_tables(report: ReportResult) -> dict[str, tuple[pd.DataFrame, pd.DataFrame]]:
    """Published and raw frames of the tables whose rows are cells with counts."""
    out = {}
    for name, frame in _published(report).items():
        if {"n", "n_level", "estimate", "status"} <= set(frame.columns):
            out[name] = (frame, report.results.tables[name].reset_index(drop=True))
    return out


def _count(value: object) -> float:
    return float(pd.to_numeric(value, errors="coerce"))


# --------------------------------------------------------------------------- the attacks


def _last_level_recoveries(report: ReportResult) -> list[str]:
    found = []
    for name, (frame, raw) in _estimate_tables(report).items():
        if "level" not in frame.columns:
            continue
        keys = [c for c in ("item_label", "group") if c in frame.columns]
        if not keys:
            continue
        for key, rows in frame.groupby(keys, dropna=False, sort=False):
            hidden = rows.loc[_hidden(rows)]
            if len(hidden) != 1 or not _primary(hidden).any():
                continue
            shown = rows.loc[~_hidden(rows)]
            if shown.empty or shown["n"].isna().any():  # one picked level: no others to subtract
                continue
            guess = _count(shown["n"].iloc[0]) - shown["n_level"].astype(float).sum()
            truth = _count(raw.loc[hidden.index[0], "n_level"])
            if guess == truth:
                found.append(f"{name} {key}: the hidden level is {guess:g} respondents")
    return found


def _complement_recoveries(report: ReportResult, min_count: int) -> list[str]:
    found = []
    for name, (frame, _) in _estimate_tables(report).items():
        keys = [c for c in ("item_label", "measure_label", "group", "period") if c in frame.columns]
        if not keys:
            continue
        single = frame.groupby(keys, dropna=False)["estimate"].transform("size").eq(1)
        shown = frame.loc[single & ~_hidden(frame) & frame["n_level"].notna()]
        rest = shown["n"].astype(float) - shown["n_level"].astype(float)
        for index in shown.index[(rest > 0) & (rest < min_count)]:
            found.append(f"{name} row {index}: its complement has {rest[index]:g} respondents")
    return found


def _group_total_recoveries(report: ReportResult) -> list[str]:
    found = []
    for name, (frame, raw) in _estimate_tables(report).items():
        if "group" not in frame.columns or "item_label" not in frame.columns:
            continue
        for item, rows in frame.groupby("item_label", sort=False):
            groups = rows["group"].tolist()
            if len(groups) != 3:  # an overall row and two groups
                continue
            whole, *parts = rows.index
            counts = raw.loc[rows.index, "n"].astype(float)
            if counts[whole] != counts[parts].sum():
                continue
            hidden = [i for i in rows.index if _primary(frame.loc[[i]]).iloc[0]]
            others_shown = [i for i in rows.index if not _hidden(frame.loc[[i]]).iloc[0]]
            if len(hidden) == 1 and len(others_shown) == 2:
                (target,) = hidden
                sign = [1 if i == whole else -1 for i in others_shown]
                values = [_count(frame.loc[i, "n_level"]) for i in others_shown]
                guess = abs(sum(s * v for s, v in zip(sign, values, strict=True)))
                if guess == _count(raw.loc[target, "n_level"]):
                    found.append(f"{name} {item}: group {frame.loc[target, 'group']} recovered")
    return found


def _wide_rows_of_hidden_cells(report: ReportResult) -> list[str]:
    """Tests, change and contrast rows must be hidden when a cell they rest on is."""
    published = _published(report)
    found = []
    for name, frame in published.items():
        main = published.get(name.rsplit("_", 1)[0])
        if main is None or not name.endswith(("_tests", "_change")):
            continue
        # the CSV files carry the labels the report shows
        key = ["item_label"] if name.endswith("_tests") else ["measure_label", "group"]
        hidden_items = set(main.loc[_hidden(main), key].itertuples(index=False, name=None))
        keys = list(frame[key].itertuples(index=False, name=None))
        for index, value in zip(frame.index, keys, strict=True):
            row = frame.loc[index]
            if value in hidden_items and row["status"] != "[c]":
                found.append(f"{name}: the row of {value} shows a hidden cell")
            if row["status"] == "[c]":
                numbers = [c for c in ("estimate_a", "estimate_b", "difference") if c in row]
                if any(pd.notna(row[c]) for c in numbers) or row.get("verdict") not in (
                    None,
                    "not_assessable",
                ):
                    found.append(f"{name}: a hidden row still shows numbers or a verdict")
    return found


def _figure_values(report: ReportResult, analysis_id: str) -> str:
    folder = report.paths["figures"]
    return (folder / f"{analysis_id}.svg").read_text(encoding="utf-8")


def _repeated_in_figures(report: ReportResult) -> list[str]:
    """A hidden share must not be printed in the figure of its table (nor its alt text)."""
    found = []
    published = _published(report)
    for analysis in report.published.analyses.all():
        if analysis.figure is None or analysis.id not in published:
            continue
        frame, raw = published[analysis.id], report.results.tables[analysis.id]
        if "estimate" not in frame.columns:
            continue
        svg = _figure_values(report, analysis.id)
        texts = " ".join(re.findall(r">([^<]*)<", svg))
        shown = {
            format_percent(v, "nl", d)
            for v in frame.loc[~_hidden(frame), "estimate"].dropna()
            for d in (0, 1)
        } | {f"{tick}%" for tick in range(0, 101, 10)}  # the axis ticks
        for index in frame.index[_hidden(frame)]:
            value = raw.loc[index, "estimate"]
            for digits in (0, 1):
                text = format_percent(float(value), "nl", digits)
                if text not in shown and re.search(rf"(?<![\d,]){re.escape(text)}", texts):
                    found.append(f"figure {analysis.id}: hidden value {text} is printed")
    return found


# --------------------------------------------------------------------------- the default policy


def test_the_default_report_hides_some_cells(default: ReportResult) -> None:
    assert sum(_hidden(f).sum() for f in _published(default).values()) > 0


def test_no_hidden_last_level_can_be_recovered(default: ReportResult) -> None:
    assert _last_level_recoveries(default) == []


def test_no_shown_share_reveals_a_small_complement(default: ReportResult) -> None:
    assert _complement_recoveries(default, 10) == []


def test_no_hidden_group_is_the_overall_minus_the_other(default: ReportResult) -> None:
    assert _group_total_recoveries(default) == []


def test_comparisons_of_hidden_cells_are_hidden_too(default: ReportResult) -> None:
    assert _wide_rows_of_hidden_cells(default) == []


def test_figures_do_not_print_hidden_values(default: ReportResult) -> None:
    assert _repeated_in_figures(default) == []


def test_the_motives_figure_shows_c_for_its_hidden_levels(default: ReportResult) -> None:
    svg = _figure_values(default, "beso_motives")
    assert "[c]" in svg and "7,5%" not in svg and "3,7%" not in svg


def test_the_reproduction_table_shows_c_for_a_hidden_published_figure(
    default: ReportResult,
) -> None:
    table = _published(default)["reproduction"]
    row = table.loc[table["id"] == "beso.obstacle.unknown_where.with"].iloc[0]
    assert row["reproduced"] == "[c]" and row["verdict"] == "not_assessable"
    assert pd.isna(row["estimate"]) and row["reason"] == "count"
    assert row["published"] == "3%"  # the published value itself stays


def test_the_sensitivity_table_follows_the_same_decision(default: ReportResult) -> None:
    frame = _published(default)["beso_sensitivity"]
    assert {"status", "reason"} <= set(frame.columns)


# --------------------------------------------------------------------------- min_cell_count 25


def test_with_25_no_hidden_last_level_can_be_recovered(middle: ReportResult) -> None:
    assert _last_level_recoveries(middle) == []


def test_with_25_no_shown_share_reveals_a_small_complement(middle: ReportResult) -> None:
    assert _complement_recoveries(middle, 25) == []


def test_with_25_no_hidden_group_is_the_overall_minus_the_other(middle: ReportResult) -> None:
    assert _group_total_recoveries(middle) == []


def test_with_25_comparisons_and_figures_of_hidden_cells_are_hidden(middle: ReportResult) -> None:
    assert _wide_rows_of_hidden_cells(middle) + _repeated_in_figures(middle) == []


# --------------------------------------------------------------------------- min_cell_count 300


def test_with_300_every_beso_table_is_blank(strict: ReportResult) -> None:
    for name, frame in _published(strict).items():
        if not name.startswith(BESO_PREFIX):
            continue
        names = ("estimate", "estimate_a", "unweighted", "weighted", "alpha")
        values = [c for c in names if c in frame]
        assert values, name
        assert frame[values].isna().all().all(), f"{name} shows a BESO value"


def test_with_300_no_beso_reproduction_is_shown(strict: ReportResult) -> None:
    table = _published(strict)["reproduction"]
    beso = table.loc[table["id"].str.startswith("beso.")]
    assert (beso["reproduced"].fillna("[c]") == "[c]").all() or beso["reproduced"].isna().all()
    assert (beso["verdict"] == "not_assessable").all()
    assert beso["estimate"].isna().all()
    evidence = _published(strict)["reproduction_evidence"]
    behind = evidence.loc[evidence["id"].str.startswith("beso.")]
    assert len(behind) and behind[["estimate", "p_value"]].isna().all().all()


def test_with_300_no_beso_share_appears_in_the_html_text(strict: ReportResult) -> None:
    html = strict.paths["html"].read_text(encoding="utf-8")
    beso = re.findall(r'<section id="sec-beso_.*?</section>', html, re.DOTALL)
    assert beso
    body = "".join(beso)
    for name, frame in strict.results.tables.items():
        if not name.startswith(BESO_PREFIX) or "estimate" not in frame.columns:
            continue
        if name.endswith("_tests") or "n_level" not in frame.columns:
            continue
        for value in frame["estimate"].dropna():
            text = format_percent(float(value), "nl", 1)
            assert not re.search(rf"(?<![\d,]){re.escape(text)}", body), f"{name}: {text}"


def test_with_300_the_summary_prints_c_for_the_beso_shares(strict: ReportResult) -> None:
    html = strict.paths["html"].read_text(encoding="utf-8")
    summary = re.search(r'<section id="sec-summary".*?</section>', html, re.DOTALL)
    assert summary and "[c]" in summary.group(0)
    assert "47%" not in summary.group(0) and "53%" not in summary.group(0)


def test_with_300_the_attacks_recover_nothing(strict: ReportResult) -> None:
    found = (
        _last_level_recoveries(strict)
        + _complement_recoveries(strict, 300)
        + _group_total_recoveries(strict)
        + _wide_rows_of_hidden_cells(strict)
        + _repeated_in_figures(strict)
    )
    assert found == []
