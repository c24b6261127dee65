"""The PDF of the report, checked with poppler-utils (pdftotext, pdfinfo, pdffonts) and pikepdf.

The sample report and the example study's whole report (in English, its widest tables): A4,
fonts embedded, selectable text, reproducible bytes, PDF/UA-1 (tagged, language, title, figures
with alternate text, table header cells), and a layout in which nothing runs off the page and no
table caption is left alone at the bottom of a page. These tests fail, never skip, when
poppler-utils is missing: the PDF is a deliverable.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pikepdf
import pytest

from real_report import real_content
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


# --------------------------------------------------------------------------- PDF/UA-1


def _structure(pdf: pikepdf.Pdf) -> list[pikepdf.Dictionary]:
    """Every element of the structure tree, depth first."""
    found: list[pikepdf.Dictionary] = []
    todo = [pdf.Root.StructTreeRoot]
    while todo:
        node = todo.pop()
        if "/S" in node:
            found.append(node)
        kids = node.get("/K")
        kids = kids if isinstance(kids, pikepdf.Array) else [kids]
        todo.extend(kid for kid in kids if isinstance(kid, pikepdf.Dictionary))
    return found


@pytest.fixture(scope="module")
def tagged(pdf: Path) -> pikepdf.Pdf:
    return pikepdf.open(pdf)


def test_the_pdf_declares_pdf_ua_1(tagged: pikepdf.Pdf) -> None:
    with tagged.open_metadata() as xmp:
        assert xmp["pdfuaid:part"] == "1"
    assert tagged.pdf_version == "1.7"


def test_the_pdf_is_tagged_with_a_structure_tree_and_its_language(tagged: pikepdf.Pdf) -> None:
    assert tagged.Root.MarkInfo.Marked is True
    assert "/StructTreeRoot" in tagged.Root
    assert str(tagged.Root.Lang) == "nl"
    english = pikepdf.open(_written(render_html(sample_content(lang="en"))))
    assert str(english.Root.Lang) == "en"


def test_the_title_is_in_the_document_info_and_the_xmp_and_viewers_show_it(
    tagged: pikepdf.Pdf,
) -> None:
    title = "Werk geven en nemen: reproductie van de BESO-analyses (2012)"
    assert str(tagged.docinfo["/Title"]) == title
    with tagged.open_metadata() as xmp:
        assert xmp["dc:title"] == title
    assert tagged.Root.ViewerPreferences.DisplayDocTitle is True


def test_headings_paragraphs_tables_and_captions_are_tagged(tagged: pikepdf.Pdf) -> None:
    kinds = {str(element.S) for element in _structure(tagged)}
    assert {"/H1", "/H2", "/P", "/Table", "/TR", "/TH", "/TD", "/Caption", "/Figure"} <= kinds


def test_every_data_cell_points_to_its_header_cells(tagged: pikepdf.Pdf) -> None:
    elements = _structure(tagged)
    headers = [e for e in elements if e.S == "/TH"]
    cells = [e for e in elements if e.S == "/TD"]
    assert len(headers) >= 26  # 15 column headers and 11 row headers in the sample's 4 tables
    ids = {str(e.ID) for e in headers}
    assert cells and all(e.A.Headers and {str(h) for h in e.A.Headers} <= ids for e in cells)


def test_each_figure_carries_its_alt_text(tagged: pikepdf.Pdf) -> None:
    figures = [e for e in _structure(tagged) if e.S == "/Figure"]
    assert [str(e.Alt) for e in figures] == ['Staafdiagram: 47% "met" en 53% <zonder> ervaring']


def _written(html: str) -> Path:
    import tempfile

    path = Path(tempfile.mkdtemp(prefix="pdf-")) / "report.pdf"
    write_pdf(html, path)
    return path


def test_a_document_without_a_language_is_refused_as_not_accessible(tmp_path: Path) -> None:
    path = tmp_path / "no-lang.pdf"
    html = "<!DOCTYPE html><html><head><title>t</title></head><body><p>x</p></body></html>"
    with pytest.raises(InputError, match=r"PDF/UA-1.*lang"):
        write_pdf(html, path)
    assert list(tmp_path.iterdir()) == []


# --------------------------------------------------------------------------- layout on A4

#: The page margins (the stylesheet's @page): 18 mm left and right, 22 mm at the bottom.
_SIDE, _FOOT = 18 / 25.4 * 72, 22 / 25.4 * 72
_PAGE = re.compile(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', re.DOTALL)
_WORD = re.compile(
    r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>'
)
Word = tuple[float, float, float, float, str]


def _words(pdf: Path) -> list[tuple[float, float, list[Word]]]:
    """Each page's width, height and words with their boxes (x0, y0, x1, y1, text)."""
    out = _run("pdftotext", "-bbox", str(pdf), "-")
    return [
        (
            float(width),
            float(height),
            [(float(a), float(b), float(c), float(d), w) for a, b, c, d, w in _WORD.findall(page)],
        )
        for width, height, page in _PAGE.findall(out)
    ]


@pytest.fixture(scope="module")
def study_pdf(study, tmp_path_factory: pytest.TempPathFactory) -> Path:  # type: ignore[no-untyped-def]
    path = tmp_path_factory.mktemp("study-pdf") / "report.en.pdf"
    write_pdf(render_html(real_content(study, "en")), path)
    return path


@pytest.mark.parametrize("which", ["sample", "study"])
def test_nothing_runs_off_the_right_edge_of_the_text_area(
    which: str, request: pytest.FixtureRequest
) -> None:
    pages = _words(request.getfixturevalue("pdf" if which == "sample" else "study_pdf"))
    outside = [
        (number, word)
        for number, (width, _height, words) in enumerate(pages, 1)
        for x0, _y0, x1, _y1, word in words
        if x1 > width - _SIDE + 1 or x0 < _SIDE - 1
    ]
    assert outside == []


def test_a_table_too_wide_for_a_portrait_page_gets_landscape_pages(study_pdf: Path) -> None:
    pages = _words(study_pdf)
    landscape = [number for number, (width, height, _) in enumerate(pages, 1) if width > height]
    assert landscape  # the evidence table of the reproduction (nine columns, 38 rows)
    assert len(landscape) < len(pages) / 2
    for number in landscape:
        assert pages[number - 1][:2] == pytest.approx((A4[1], A4[0]), abs=1)


@pytest.mark.parametrize("which", ["sample", "study"])
def test_no_table_caption_is_left_alone_at_the_bottom_of_a_page(
    which: str, request: pytest.FixtureRequest
) -> None:
    stem = "Tabel" if which == "sample" else "Table"
    pages = _words(request.getfixturevalue("pdf" if which == "sample" else "study_pdf"))
    captions = 0
    for number, (_width, height, words) in enumerate(pages, 1):
        body = [w for w in words if w[3] <= height - _FOOT]
        for i, (_x0, y0, _x1, y1, word) in enumerate(body[:-1]):
            starts_line = i == 0 or body[i - 1][1] < y0 - 1
            if word == stem and starts_line and re.fullmatch(r"\d+\.", body[i + 1][4]):
                captions += 1
                below = [w for w in body if w[1] > y1 + 14]  # a header row below the caption
                assert below, f"page {number}: {stem} {body[i + 1][4]} is the last line"
    assert captions >= 4


def test_a_wide_first_table_takes_its_section_heading_to_the_landscape_page(
    tmp_path: Path,
) -> None:
    import pandas as pd

    from survey.report.content import ColumnSpec, ReportContent, ReportSection, ReportTable

    names = [f"column{i}" for i in range(10)]
    frame = pd.DataFrame({name: ["unbreakables"] for name in names}).assign(status="")
    table = ReportTable("wide", "A wide table", frame, [ColumnSpec(n, n.upper()) for n in names])
    section = ReportSection("s", "Heading of the section", ["Its paragraph."], tables=[table])
    path = tmp_path / "wide.pdf"
    write_pdf(render_html(ReportContent("Wide", "en", False, [section])), path)
    pages = _words(path)
    # the title page, the section on a landscape page, the provenance appendix
    assert [width > height for width, height, _ in pages] == [False, True, False]
    first, second = ({word for *_, word in words} for _, _, words in pages[:2])
    assert "Wide" in first and "paragraph." not in first  # (the contents list the heading)
    assert {"Heading", "paragraph.", "unbreakables"} <= second
    assert all(x1 <= A4[1] - _SIDE + 1 for _, _, x1, _, _ in pages[1][2])
