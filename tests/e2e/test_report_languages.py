"""The report in both languages: its own files each, every label translated, numbers per language."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import yaml

from survey.pipeline import ReportResult, run_report


@pytest.fixture(scope="module")
def report(study) -> ReportResult:
    return run_report(study, pdf=False)


class _Text(HTMLParser):
    """The visible text of a page, without the fragments marked as another language."""

    def __init__(self, skip_lang: str) -> None:
        super().__init__()
        self.skip_lang, self.depth, self.parts = skip_lang, 0, []
        self.stack: list[bool] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        other = dict(attrs).get("lang") == self.skip_lang and tag != "html"
        self.stack.append(other)
        self.depth += other
        if tag in ("style", "script", "svg"):
            self.depth += 1
            self.stack[-1] = True

    def handle_endtag(self, tag: str) -> None:
        if self.stack:
            self.depth -= self.stack.pop()

    def handle_data(self, data: str) -> None:
        if self.depth == 0:
            self.parts.append(data)


def _visible(html: str, skip_lang: str) -> str:
    parser = _Text(skip_lang)
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def _dutch_labels(study) -> list[str]:
    """The study's Dutch labels whose English form differs (long enough to be unambiguous)."""
    labels = yaml.safe_load(study.texts.read_text(encoding="utf-8"))["en"]["labels"]
    return sorted(nl for nl, en in labels.items() if nl != en and len(nl) >= 12)


def test_each_language_has_its_own_report_table_book_and_tables(report: ReportResult) -> None:
    assert set(report.languages) == {"nl", "en"}
    for lang, paths in report.languages.items():
        assert paths["html"].name == f"report.{lang}.html"
        assert paths["xlsx"].name == f"tables.{lang}.xlsx"
        assert paths["tables"].name == lang and (paths["tables"] / "reproduction.csv").exists()
        assert paths["figures"].name == lang and len(list(paths["figures"].glob("*.svg"))) == 9


def test_the_primary_language_table_book_is_also_tables_xlsx(report: ReportResult, study) -> None:
    primary = report.languages[study.language]["xlsx"]
    assert (study.reports_dir / "tables.xlsx").read_bytes() == primary.read_bytes()


def test_the_english_report_shows_no_dutch_label(report: ReportResult, study) -> None:
    html = report.languages["en"]["html"].read_text(encoding="utf-8")
    text = _visible(html, skip_lang="nl")
    found = [label for label in _dutch_labels(study) if label in text]
    assert found == [], [text[text.index(f) - 80 : text.index(f) + 40] for f in found]
    assert "With experience" in text and "Met ervaring" not in text


def test_the_english_figures_and_their_alt_texts_use_english_labels(report: ReportResult) -> None:
    svg = (report.languages["en"]["figures"] / "beso_obstacles.svg").read_text(encoding="utf-8")
    assert "With experience" in svg and "Met ervaring" not in svg


def test_a_quoted_dutch_title_in_the_english_report_is_marked_as_dutch(
    report: ReportResult,
) -> None:
    html = report.languages["en"]["html"].read_text(encoding="utf-8")
    assert re.search(r'<span lang="nl">Werk geven en nemen - lessons learned</span>', html)


def test_published_figures_are_written_in_each_languages_number_style(
    report: ReportResult,
) -> None:
    for lang, shown in (("nl", "3,9%"), ("en", "3.9%")):
        html = report.languages[lang]["html"].read_text(encoding="utf-8")
        assert f">{shown}<" in html, lang


def test_english_reproduction_rows_tell_their_region_and_year_apart(report: ReportResult) -> None:
    table = pd.read_csv(report.languages["en"]["tables"] / "reproduction.csv", comment="#")
    assert table["measure"].is_unique


def test_the_evidence_behind_claims_is_its_own_table_with_tests(report: ReportResult) -> None:
    evidence = report.published.tables["reproduction_evidence"]
    claims = evidence.loc[evidence["id"] == "beso.nonprofit.direction"]
    assert set(claims["group"]) == {"Non-profit", "Profit"}
    assert claims["p_value"].notna().all() and claims["p_holm"].notna().all()


def test_the_synthetic_report_says_the_match_proves_the_pipeline_not_the_figures(
    report: ReportResult,
) -> None:
    html = report.languages["en"]["html"].read_text(encoding="utf-8")
    assert "the synthetic data were calibrated to the published figures" in html


def test_the_methods_text_names_the_strata_the_config_declares(report: ReportResult) -> None:
    html = report.languages["en"]["html"].read_text(encoding="utf-8")
    assert "Sector (main groups) × Size class" in html


def test_every_share_names_its_answer(report: ReportResult) -> None:
    table = report.published.tables["beso_organisations"]
    assert set(table["level"]) == {"Meer dan tien", "Non-profit", "Overwegend complex", "Ja"}


def test_the_sensitivity_table_shows_ci_and_n_beside_each_share(report: ReportResult) -> None:
    table = report.published.tables["beso_sensitivity"]
    shown = table.loc[table["status"] != "[c]"]
    assert shown[["unweighted_low", "weighted_high", "n"]].notna().all().all()
    assert (shown["unweighted_low"] <= shown["unweighted"]).all()


def test_the_table_book_has_every_table_of_the_report(report: ReportResult) -> None:
    book = openpyxl.load_workbook(report.languages["en"]["xlsx"], read_only=True)
    csvs = {p.stem for p in Path(report.languages["en"]["tables"]).glob("*.csv")}
    assert csvs <= set(book.sheetnames)
