"""The PDF of the report, checked with poppler-utils (pdftotext, pdfinfo, pdffonts).

These tests fail, never skip, when poppler-utils is missing: the PDF is a deliverable.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from report_sample import sample_content
from survey.errors import InputError
from survey.report import render_html, write_pdf

POPPLER = ("pdftotext", "pdfinfo", "pdffonts")
A4 = (595.276, 841.89)


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} not found: install poppler-utils (apt-get install poppler-utils)")
    return path


def _run(*args: str) -> str:
    done = subprocess.run(
        [_tool(args[0]), *args[1:]], capture_output=True, text=True, check=False, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def _pages(pdf: Path) -> int:
    match = re.search(r"^Pages:\s+(\d+)", _run("pdfinfo", str(pdf)), re.MULTILINE)
    assert match
    return int(match.group(1))


def _page_text(pdf: Path, page: int) -> str:
    return _run("pdftotext", "-f", str(page), "-l", str(page), str(pdf), "-")


@pytest.fixture(scope="module")
def html() -> str:
    return render_html(sample_content())


@pytest.fixture(scope="module")
def pdf(html: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    for tool in POPPLER:
        _tool(tool)
    path = tmp_path_factory.mktemp("pdf") / "report.pdf"
    write_pdf(html, path)
    return path


@pytest.fixture(scope="module")
def text(pdf: Path) -> str:
    return _run("pdftotext", str(pdf), "-")


def test_key_texts_and_dutch_numbers_are_selectable_text(text: str) -> None:
    assert "SYNTHETISCHE DATA" in text
    assert "Tabel 1." in text and "Figuur 1." in text
    assert "47%" in text and "46,5%" in text and "< 0,001" in text and "1.234" in text
    assert "<script>alert(1)" in text.replace("\n", "")  # shown as text, not run
    assert "25% [u]" in text and "33% [u]" in text
    assert "Herkomst van de cijfers" in text


def test_suppressed_numbers_do_not_appear(text: str) -> None:
    assert "[c]" in text and "‡" not in text
    assert not re.search(r"(?<![\d,.])8%", text)
    assert "3–15%" not in text and "12,5" not in text


def test_every_page_is_a4(pdf: Path) -> None:
    pages = _pages(pdf)
    assert pages >= 2
    info = _run("pdfinfo", "-f", "1", "-l", str(pages), str(pdf))
    sizes = re.findall(r"^Page\s+\d+ size:\s+([\d.]+) x ([\d.]+) pts", info, re.MULTILINE)
    assert len(sizes) == pages
    for width, height in sizes:
        assert abs(float(width) - A4[0]) <= 1 and abs(float(height) - A4[1]) <= 1


def test_all_fonts_are_embedded(pdf: Path) -> None:
    lines = _run("pdffonts", str(pdf)).splitlines()
    header = lines[0].split()
    emb = header.index("emb")
    fonts = [line for line in lines[2:] if line.strip()]
    assert fonts
    for line in fonts:
        # the name may not contain spaces; columns from the right are fixed
        fields = line.split()
        assert fields[emb - len(header)] == "yes", line


def test_synthetic_note_and_page_number_on_every_page(pdf: Path) -> None:
    pages = _pages(pdf)
    for page in range(1, pages + 1):
        page_text = _page_text(pdf, page)
        assert "Synthetische data — geen echte respondenten" in page_text, page
        assert re.search(rf"(?<!\d){page}\s*/\s*{pages}(?!\d)", page_text), page


def test_no_synthetic_note_for_real_data(tmp_path: Path) -> None:
    path = tmp_path / "real.pdf"
    write_pdf(render_html(sample_content(synthetic=False)), path)
    text = _run("pdftotext", str(path), "-")
    assert "ynthetis" not in text and "SYNTHETISCH" not in text
    assert "47%" in text


def test_bookmarks_come_from_headings(html: str) -> None:
    import weasyprint

    tree = weasyprint.HTML(string=html).render().make_bookmark_tree()
    labels = [entry[0] for entry in tree]
    assert labels == ["Werk geven en nemen: reproductie van de BESO-analyses (2012)"]
    children = [child[0] for child in tree[0][2]]
    assert children[:3] == ["Inhoud", "Data en methode", "Belemmeringen"]
    assert "Herkomst van de cijfers" in children


def test_pdf_is_reproducible_and_dateless(html: str, pdf: Path, tmp_path: Path) -> None:
    again = tmp_path / "again.pdf"
    write_pdf(html, again)
    assert again.read_bytes() == pdf.read_bytes()
    info = _run("pdfinfo", str(pdf))
    assert "CreationDate" not in info and "ModDate" not in info
    assert "Title:" in info and "BESO" in info


def test_external_resources_are_refused_and_nothing_is_written(tmp_path: Path) -> None:
    path = tmp_path / "bad.pdf"
    html = '<html><body><img src="http://example.invalid/x.png" alt="x"></body></html>'
    with pytest.raises(InputError, match=r"example\.invalid"):
        write_pdf(html, path)
    assert list(tmp_path.iterdir()) == []
