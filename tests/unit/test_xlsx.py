"""The XLSX table book: read back with openpyxl as an analyst (or a screen reader) would."""

from __future__ import annotations

import hashlib
import zipfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from report_sample import HOSTILE_LABEL, SUPPRESSED_ESTIMATE, sample_content
from survey.report.content import ColumnSpec, ReportContent, ReportSection, ReportTable
from survey.report.xlsx import write_xlsx

COVER = [("Bron", "BESO-enquête 2011"), ("Data", "synthetisch"), ("Contact", "[e-mailadres]")]
#: The first data sheet; the three before it are cover, contents and notes.
FIRST_TABLE = 3
#: Row of the header in every table (1-based, as openpyxl counts): title, help line, header.
HEADER = 3


@pytest.fixture(scope="module")
def book_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_xlsx(sample_content(), tmp_path_factory.mktemp("xlsx") / "tables.xlsx", COVER)


@pytest.fixture(scope="module")
def book(book_path: Path) -> Workbook:
    return openpyxl.load_workbook(book_path)


def _content(
    frame: pd.DataFrame, columns: list[ColumnSpec], table_id: str = "t", lang: str = "en"
) -> ReportContent:
    """A report with one table; ``frame`` gets an empty ``status`` (it passed disclosure)."""
    tables = [ReportTable(table_id, "Caption", frame.assign(status=""), columns)]
    return ReportContent("Report", lang, False, [ReportSection("s", "S", tables=tables)])


def _write(content: ReportContent, tmp_path: Path) -> Workbook:
    return openpyxl.load_workbook(write_xlsx(content, tmp_path / "t.xlsx", []))


def _column(sheet: Worksheet, header: str) -> list[object]:
    """The data cells under a header (the table runs from the header row to the last row)."""
    headers = [c.value for c in sheet[HEADER]]
    col = headers.index(header) + 1
    return [sheet.cell(row, col) for row in range(HEADER + 1, sheet.max_row + 1)]


def _cells(book: Workbook) -> Iterator[object]:
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            yield from row


def test_sheets_are_cover_contents_notes_then_one_per_table_in_report_order(
    book: Workbook,
) -> None:
    tables = [t.id for t in sample_content().tables]
    assert book.sheetnames == ["Voorblad", "Inhoud", "Noten", *tables]


def test_english_sheets_are_named_cover_contents_notes(tmp_path: Path) -> None:
    english = sample_content(lang="en")
    names = openpyxl.load_workbook(write_xlsx(english, tmp_path / "en.xlsx", COVER)).sheetnames
    assert names[:FIRST_TABLE] == ["Cover", "Contents", "Notes"]


def test_the_cover_has_the_title_as_heading_then_the_callers_facts(book: Workbook) -> None:
    cover = book["Voorblad"]
    assert cover["A1"].value == sample_content().title
    assert cover["A1"].font.b and cover["A1"].font.sz > 11
    rows = [(r[0].value, r[1].value) for r in cover.iter_rows(min_row=2) if r[1].value]
    assert rows == COVER


def test_a_synthetic_report_says_so_on_the_cover(book: Workbook, tmp_path: Path) -> None:
    assert "SYNTHETISCHE DATA" in str(book["Voorblad"]["A2"].value)
    real = openpyxl.load_workbook(write_xlsx(sample_content(False), tmp_path / "r.xlsx", COVER))
    assert not any("SYNTHETISCHE" in str(c.value) for c in _cells(real))


def test_contents_lists_every_table_with_its_numbered_caption(book: Workbook) -> None:
    rows = list(book["Inhoud"].iter_rows(min_row=HEADER + 1, values_only=True))
    captions = [f"Tabel {i}. {t.caption}" for i, t in enumerate(sample_content().tables, 1)]
    assert rows[1:] == list(zip(book.sheetnames[FIRST_TABLE:], captions, strict=True))


def test_contents_links_point_at_their_sheets(book: Workbook) -> None:
    links = [row[0] for row in book["Inhoud"].iter_rows(min_row=HEADER + 1)]
    assert [c.hyperlink.location for c in links] == [
        f"'{name}'!A1" for name in ["Noten", *book.sheetnames[FIRST_TABLE:]]
    ]
    assert [c.value for c in links] == ["Noten", *book.sheetnames[FIRST_TABLE:]]


def test_a_percentage_is_stored_as_a_proportion_with_a_percent_format(book: Workbook) -> None:
    first = _column(book["beso_obstacles"], "Percentage")[0]
    assert first.data_type == "n" and first.value == pytest.approx(0.4651)
    assert first.number_format == "0%"
    assert _column(book["reproduction"], "Gereproduceerd")[0].number_format == "0.0%"


def test_a_confidence_interval_is_two_numeric_columns(book: Workbook) -> None:
    sheet = book["beso_obstacles"]
    headers = [c.value for c in sheet[HEADER]]
    lower = next(h for h in headers if h.endswith(": ondergrens"))
    upper = next(h for h in headers if h.endswith(": bovengrens"))
    assert headers.index(upper) == headers.index(lower) + 1
    assert (_column(sheet, lower)[0].value, _column(sheet, upper)[0].value) == (0.3712, 0.5613)
    assert _column(sheet, lower)[0].number_format == "0%"


def test_counts_and_p_values_have_their_number_formats(book: Workbook) -> None:
    n = _column(book["beso_obstacles"], "n (ongewogen)")[0]
    p = _column(book["beso_obstacles_tests"], "p-waarde")[0]
    assert (n.value, n.number_format) == (107, "#,##0")
    assert (p.value, p.number_format) == (0.0004, "0.000")


def test_no_number_is_stored_as_text(book: Workbook) -> None:
    texts = [c.value for s in book.worksheets[FIRST_TABLE:] for r in s.iter_rows() for c in r]
    for value in texts:
        if isinstance(value, str):
            with pytest.raises(ValueError):
                float(value.replace(",", ".").rstrip("%"))


def test_the_suppressed_estimate_appears_nowhere(book: Workbook, book_path: Path) -> None:
    numbers = [c.value for c in _cells(book) if isinstance(c.value, int | float)]
    assert not any(abs(v - SUPPRESSED_ESTIMATE) < 1e-9 for v in numbers)
    with zipfile.ZipFile(book_path) as archive:
        xml = "".join(archive.read(name).decode() for name in archive.namelist())
    assert str(SUPPRESSED_ESTIMATE) not in xml


def test_a_suppressed_value_reads_c_in_its_cell(book: Workbook) -> None:
    assert _column(book["beso_obstacles"], "Percentage")[1].value == "[c]"


def test_the_flag_column_holds_each_rows_flag(book: Workbook) -> None:
    flags = [c.value for c in _column(book["beso_obstacles"], "Markering")]
    assert flags == [None, "[c]", "[u]", "[u]", None]


def test_a_table_without_flags_has_no_flag_column(book: Workbook) -> None:
    assert "Markering" not in [c.value for c in book["beso_obstacles_tests"][HEADER]]


def test_a_missing_number_that_was_not_suppressed_reads_x(book: Workbook) -> None:
    assert _column(book["reproduction"], "Gepubliceerd")[1].value == "[x]"


def test_the_header_row_is_frozen(book: Workbook) -> None:
    assert {book[name].freeze_panes for name in book.sheetnames[FIRST_TABLE:]} == {"A4"}


def test_every_table_is_an_excel_table_without_filter_from_its_header_row(book: Workbook) -> None:
    for name in book.sheetnames[1:]:
        sheet = book[name]
        (table,) = sheet.tables.values()
        assert table.ref == f"A{HEADER}:{sheet.cell(sheet.max_row, sheet.max_column).coordinate}"
        assert table.autoFilter is None


def test_the_notes_sheet_explains_every_shorthand_and_the_suppression_rule(tmp_path: Path) -> None:
    content = sample_content(min_cell_count=7)
    notes = openpyxl.load_workbook(write_xlsx(content, tmp_path / "n.xlsx", COVER))["Noten"]
    rows = list(notes.iter_rows(min_row=HEADER + 1, values_only=True))
    assert [r[0] for r in rows[:4]] == ["[c]", "[u]", "[x]", "[z]"]
    assert "minder dan 7 respondenten" in rows[0][2]
    assert rows[4][0] == "[noot 1]" and "minder dan 7 respondenten" in rows[4][2]


def test_a_tables_notes_are_on_the_notes_sheet_and_named_on_its_sheet(book: Workbook) -> None:
    last = list(book["Noten"].iter_rows(values_only=True))[-1]
    assert last == ("[noot 2]", "beso_obstacles", "Bron: BESO-enquête 2011.")
    assert "[noot 2]" in book["beso_obstacles"]["A2"].value
    assert "[noot" not in book["beso_low_educated"]["A2"].value


@pytest.mark.parametrize(("lang", "stem"), [("nl", "Tabel"), ("en", "Table")])
def test_each_sheet_is_titled_with_the_numbered_caption(
    lang: str, stem: str, tmp_path: Path
) -> None:
    content = sample_content(lang=lang)
    book = openpyxl.load_workbook(write_xlsx(content, tmp_path / "t.xlsx", COVER))
    titles = [book[name]["A1"].value for name in book.sheetnames[FIRST_TABLE:]]
    assert titles == [f"{stem} {i}. {t.caption}" for i, t in enumerate(content.tables, 1)]


@pytest.mark.parametrize("label", ["=1+1", "@SUM(A1)", "-2+3", HOSTILE_LABEL])
def test_a_label_that_looks_like_a_formula_or_markup_is_stored_as_inert_text(
    label: str, tmp_path: Path
) -> None:
    frame = pd.DataFrame({"measure": [label], "estimate": [0.5]})
    content = _content(
        frame, [ColumnSpec("measure", "Measure"), ColumnSpec("estimate", "%", "percent")]
    )
    path = write_xlsx(content, tmp_path / "f.xlsx", [("Source", label)])
    cell = openpyxl.load_workbook(path)["t"]["A4"]
    assert (cell.value, cell.data_type) == (label, "s")
    assert cell.quotePrefix == label.startswith(("=", "@", "-"))
    with zipfile.ZipFile(path) as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/sheet")]
        assert not any(b"<f>" in archive.read(name) for name in sheets)


def test_language_marks_are_removed(tmp_path: Path) -> None:
    frame = pd.DataFrame({"measure": ["[nl: Werk niet geschikt]"]})
    book = _write(_content(frame, [ColumnSpec("measure", "Measure [nl: Kenmerk]")]), tmp_path)
    assert [c.value for c in book["t"]["A"][HEADER - 1 :]] == [
        "Measure Kenmerk",
        "Werk niet geschikt",
    ]


def test_a_label_with_control_characters_or_broken_bytes_is_written(tmp_path: Path) -> None:
    frame = pd.DataFrame({"measure": pd.Series(["Ja\x01\udcff nee"], dtype=object)})
    book = _write(_content(frame, [ColumnSpec("measure", "Measure")]), tmp_path)
    assert book["t"]["A4"].value == "Ja nee"


def test_whole_numbers_in_a_text_column_are_written_as_numbers(tmp_path: Path) -> None:
    frame = pd.DataFrame({"year": ["2008", "2010"], "code": ["007", "12"]})
    columns = [ColumnSpec("year", "Year"), ColumnSpec("code", "Code")]
    sheet = _write(_content(frame, columns), tmp_path)["t"]
    assert [c.value for c in _column(sheet, "Year")] == [2008, 2010]
    assert [c.value for c in _column(sheet, "Code")] == ["007", "12"]


def test_repeated_column_titles_are_made_unique(tmp_path: Path) -> None:
    frame = pd.DataFrame({"a": [0.7], "b": [0.8]})
    columns = [ColumnSpec("a", "Alpha", "number"), ColumnSpec("b", "alpha", "number")]
    sheet = _write(_content(frame, columns), tmp_path)["t"]
    assert [c.value for c in sheet[HEADER]] == ["Alpha", "alpha (2)"]


def test_a_long_table_id_gives_a_sheet_name_of_at_most_31_characters(tmp_path: Path) -> None:
    frame = pd.DataFrame({"a": [1]})
    book = _write(_content(frame, [ColumnSpec("a", "A", "count")], table_id="x" * 40), tmp_path)
    assert book.sheetnames[FIRST_TABLE:] == ["x" * 31]


def test_a_table_without_rows_keeps_its_header(tmp_path: Path) -> None:
    frame = pd.DataFrame({"a": pd.Series([], dtype=float)})
    sheet = _write(_content(frame, [ColumnSpec("a", "A", "count")]), tmp_path)["t"]
    assert [c.value for c in sheet[HEADER]] == ["A"] and sheet.max_row == HEADER


def test_the_same_content_gives_a_byte_identical_file(tmp_path: Path) -> None:
    first = write_xlsx(sample_content(), tmp_path / "a.xlsx", COVER)
    second = write_xlsx(sample_content(), tmp_path / "b" / "a.xlsx", COVER)
    assert first != second
    digest = [hashlib.sha256(p.read_bytes()).hexdigest() for p in (first, second)]
    assert digest[0] == digest[1]


def test_the_file_carries_no_time_of_writing(book: Workbook, book_path: Path) -> None:
    assert book.properties.created == book.properties.modified == datetime(2000, 1, 1)
    with zipfile.ZipFile(book_path) as archive:
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_a_table_id_that_names_a_fixed_sheet_gets_a_sheet_of_its_own(tmp_path: Path) -> None:
    frame = pd.DataFrame({"a": [1]})
    book = _write(_content(frame, [ColumnSpec("a", "A", "count")], table_id="contents"), tmp_path)
    assert book.sheetnames == ["Cover", "Contents", "Notes", "contents_2"]


@pytest.mark.parametrize("table_id", ["contents", "notes", "Inhoud", "Noten"])
def test_every_excel_table_has_its_own_name(table_id: str, tmp_path: Path) -> None:
    frame = pd.DataFrame({"a": [1]})
    content = _content(frame, [ColumnSpec("a", "A", "count")], table_id=table_id, lang="nl")
    book = _write(content, tmp_path)
    assert len({name for sheet in book.worksheets for name in sheet.tables}) == 3
