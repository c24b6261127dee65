"""The whole pipeline on the synthetic data, down to the HTML and PDF report.

One run of synth -> ingest -> weight -> analyses -> figures -> report in a temporary folder; the
tests then read the report as a policymaker would: in a browser and as a PDF.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from PIL import Image

from browser import chromium, console_lines, run_chromium
from survey.pipeline import ReportResult, run_report
from survey.report import write_report
from survey.report.build import build_content, build_figures
from survey.report.render import render_html
from survey.report.texts import load_text


@pytest.fixture(scope="module")
def report(study) -> ReportResult:
    return run_report(study)


def _pdf_text(pdf: Path, page: int | None = None) -> str:
    args = ["pdftotext", "-layout"]
    if page is not None:
        args += ["-f", str(page), "-l", str(page)]
    return subprocess.run([*args, str(pdf), "-"], capture_output=True, text=True, check=True).stdout


def _pages(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


def test_the_reproduction_table_is_all_match_or_supported_or_suppressed(
    report: ReportResult,
) -> None:
    verdicts = report.reproduction["verdict"]
    assert set(verdicts) <= {"match", "supported", "not_assessable"}
    assert (verdicts != "not_assessable").sum() >= 30  # most published figures are shown


def test_the_report_writes_html_pdf_figures_and_csv_tables(report: ReportResult, study) -> None:
    paths = report.paths
    assert paths["html"].exists() and paths["pdf"].exists()
    assert len(list((study.reports_dir / "figures" / "nl").glob("*.svg"))) == 9
    assert len(list((study.reports_dir / "figures" / "nl").glob("*.png"))) == 9
    assert (study.reports_dir / "tables" / "nl" / "reproduction.csv").exists()


def test_the_same_results_give_identical_html(report: ReportResult, study, tmp_path: Path) -> None:
    text = load_text("nl", study.texts)
    figures = build_figures(report.published, tmp_path / "figures", text)
    again = render_html(build_content(report.published, figures, text))
    assert again == report.paths["html"].read_text(encoding="utf-8")


def test_the_pdf_shows_the_key_published_figures(report: ReportResult) -> None:
    text = _pdf_text(report.paths["pdf"])
    for figure in ("47%", "53%", "26%", "15%"):
        assert figure in text


def test_every_pdf_page_is_a4_and_says_the_data_is_synthetic(report: ReportResult) -> None:
    pdf = report.paths["pdf"]
    sizes = subprocess.run(
        ["pdfinfo", "-f", "1", "-l", "999", str(pdf)], capture_output=True, text=True, check=True
    )
    page_sizes = [
        line for line in sizes.stdout.splitlines() if "size:" in line and line.startswith("Page")
    ]
    a4 = ("595.276 x 841.89 pts (A4)", "841.89 x 595.276 pts (A4)")  # wide tables: landscape
    assert page_sizes and all(any(size in line for size in a4) for line in page_sizes)
    for page in range(1, _pages(pdf) + 1):
        assert "Synthetische data" in _pdf_text(pdf, page), page


def test_the_pdf_embeds_every_font(report: ReportResult) -> None:
    fonts = subprocess.run(
        ["pdffonts", str(report.paths["pdf"])], capture_output=True, text=True, check=True
    )
    rows = fonts.stdout.splitlines()[2:]
    assert rows and all(line.split()[-5] == "yes" for line in rows)


def test_small_cells_are_suppressed_in_html_and_csv(report: ReportResult, study) -> None:
    html = report.paths["html"].read_text(encoding="utf-8")
    sectors = pd.read_csv(study.reports_dir / "tables" / "nl" / "beso_sectors.csv", comment="#")
    small = sectors.loc[sectors["status"] == "[c]"]
    assert len(small) > 0
    assert small["estimate"].isna().all()
    assert "[c]" in html and "‡" not in html


def test_the_report_in_chromium_renders_every_figure_without_console_errors(
    report: ReportResult, tmp_path: Path
) -> None:
    chromium()
    url = report.paths["html"].resolve().as_uri()
    shot = tmp_path / "report.png"
    first = run_chromium(tmp_path, url, f"--screenshot={shot}", "--window-size=1200,1600")
    dom = run_chromium(tmp_path, url, "--dump-dom")
    assert console_lines(first.stderr + dom.stderr) == []
    assert dom.stdout.count("<figure") == 9
    assert dom.stdout.count("<svg") >= 9
    image = Image.open(shot).convert("L")
    dark = sum(count for value, count in enumerate(image.histogram()) if value < 200)
    assert dark > 0.01 * image.width * image.height


def test_an_english_report_can_be_written(report: ReportResult, study, tmp_path: Path) -> None:
    text = load_text("en", study.texts)
    figures = build_figures(report.published, tmp_path / "figures", text)
    paths = write_report(build_content(report.published, figures, text), tmp_path / "en", pdf=False)
    html = paths["html"].read_text(encoding="utf-8")
    assert 'lang="en"' in html and "SYNTHETIC" in html.upper()
    assert "deliberately hired people from vulnerable groups" in _text(html)


def _text(html: str) -> str:
    """The HTML's text without its tags (a name may sit in a span that keeps it on one line)."""
    return re.sub(r"<[^>]+>", "", html)


def test_the_dutch_reproduction_table_describes_figures_in_dutch(report: ReportResult) -> None:
    html = report.paths["html"].read_text(encoding="utf-8")
    assert "onderdeel van de missie (Noord-Brabant, 2008)" in _text(html)
