"""The HTML renderer, number formatting, the flags of published tables and the CSV export."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

import survey.report as report
from report_sample import HOSTILE_LABEL, SAMPLE_SVG, SUPPRESSED_ESTIMATE, sample_content
from survey.errors import InputError
from survey.report import (
    ColumnSpec,
    ReportContent,
    ReportFigure,
    ReportSection,
    ReportTable,
    format_cell,
    load_text,
    render_html,
    write_report,
    write_tables,
)

# Attributes and CSS that would make a browser fetch something (namespace URIs are not fetched).
RESOURCE_REF = re.compile(
    r"(?:\b(?:src|href|xlink:href|action|poster|data|srcset)\s*=\s*[\"']?\s*(?:https?:)?//)"
    r"|url\(\s*[\"']?\s*(?:https?:)?//|@import|<link\b|<script\b|<iframe\b|<object\b|<embed\b",
    re.IGNORECASE,
)


@pytest.fixture(scope="module")
def html() -> str:
    return render_html(sample_content())


def _rows(html: str, table_id: str) -> list[str]:
    match = re.search(rf'<table id="tab-{table_id}".*?</table>', html, re.DOTALL)
    assert match, f"table {table_id} not rendered"
    return re.findall(r"<tr>.*?</tr>", match.group(0), re.DOTALL)


def _row(html: str, table_id: str, label: str) -> str:
    rows = [row for row in _rows(html, table_id) if label in row]
    assert len(rows) == 1, f"expected one row with {label!r}"
    return rows[0]


# --------------------------------------------------------------------------- escaping


def test_value_labels_are_escaped_and_no_script_element_exists(html: str) -> None:
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert HOSTILE_LABEL not in html
    assert not re.search(r"<script\b", html, re.IGNORECASE)


def test_alt_text_is_escaped_in_the_svg_title(html: str) -> None:
    assert "<title>Staafdiagram: 47% &#34;met&#34; en 53% &lt;zonder&gt; ervaring</title>" in html


def test_captions_and_paragraphs_are_escaped() -> None:
    content = sample_content()
    section = ReportSection("x", "A <b>title</b>", ["5 < 6 & 7 > 3"])
    content = ReportContent(
        title="<i>t</i>", lang="nl", synthetic=False, sections=[section], min_cell_count=10
    )
    out = render_html(content)
    assert "A &lt;b&gt;title&lt;/b&gt;" in out
    assert "5 &lt; 6 &amp; 7 &gt; 3" in out
    assert "<title>&lt;i&gt;t&lt;/i&gt;</title>" in out
    assert "<b>" not in out and "<i>" not in out


def test_title_in_css_page_box_cannot_break_out_of_style() -> None:
    content = ReportContent(
        title='x"; } </style><script>alert(1)</script>',
        lang="en",
        synthetic=True,
        sections=[ReportSection("a", "A")],
    )
    out = render_html(content)
    assert not re.search(r"<script\b", out, re.IGNORECASE)
    assert out.count("</style>") == 1


def test_svg_with_script_or_external_resource_is_refused() -> None:
    for bad in (
        '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        '<svg xmlns="http://www.w3.org/2000/svg"><image href="https://x.org/a.png"/></svg>',
        '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>',
    ):
        figure = ReportFigure("f", "c", bad, "alt")
        content = ReportContent("t", "nl", False, [ReportSection("s", "S", figures=[figure])])
        with pytest.raises(InputError, match="figure 'f'"):
            render_html(content)


# --------------------------------------------------------------------------- structure


def test_no_external_resources(html: str) -> None:
    assert not RESOURCE_REF.search(html), RESOURCE_REF.search(html)
    assert "@font-face" not in html


def test_every_figure_is_one_image_named_by_its_alt_text(html: str) -> None:
    figures = re.findall(r"<figure\b.*?</figure>", html, re.DOTALL)
    assert len(figures) == 1
    for figure in figures:
        # the SVG is the image (role img, its <title> first), the figure keeps its own role
        # and is named by its caption
        assert re.search(r'<svg role="img"[^>]*><title>[^<]+</title>', figure)
        assert 'aria-labelledby="figure-fig_beso_experience-caption"' in figure
        assert '<figcaption id="figure-fig_beso_experience-caption">' in figure
        assert 'role="img"' not in figure.split("<svg", 1)[0]
    # the SVG is inline, without XML prolog, doctype or (date-carrying) metadata
    assert "<?xml" not in html and "<!DOCTYPE svg" not in html and "<metadata" not in html


def test_an_svg_start_tag_with_a_greater_than_sign_in_an_attribute_gets_its_title() -> None:
    svg = '<svg xmlns="http://www.w3.org/2000/svg" aria-description="a > b"><rect/></svg>'
    figure = ReportFigure("f", "c", svg, "alt text")
    out = render_html(ReportContent("t", "nl", False, [ReportSection("s", "S", figures=[figure])]))
    assert 'aria-description="a > b"><title>alt text</title><rect/>' in out


def test_tables_are_real_tables(html: str) -> None:
    tables = re.findall(r"<table\b.*?</table>", html, re.DOTALL)
    assert len(tables) == 4
    for table in tables:
        assert "<caption id=" in table and "<thead>" in table
        headers = re.findall(r"<th scope=\"col\"", table)
        assert headers
    assert "Tabel 1." in html and "Tabel 4." in html and "Figuur 1." in html


def test_a_wide_table_scrolls_in_its_own_box_that_the_keyboard_can_reach(html: str) -> None:
    boxes = re.findall(r'<div class="table-scroll"([^>]*)>\s*<table id="([^"]+)"', html)
    assert len(boxes) == 4
    for attributes, table_id in boxes:
        assert 'tabindex="0"' in attributes and 'role="region"' in attributes
        assert f'aria-labelledby="{table_id}-caption"' in attributes
        assert f'<caption id="{table_id}-caption">' in html


def test_every_header_cell_has_a_scope_and_the_key_column_heads_its_row(html: str) -> None:
    cells = re.findall(r"<th\b[^>]*>", html)
    assert cells and all(re.search(r'scope="(col|row)"', cell) for cell in cells)
    row = _row(html, "beso_obstacles", "Werk niet geschikt")
    assert re.search(r'^<tr>\s*<th scope="row" class="text">Werk niet geschikt</th>', row)


def test_columns_are_classed_as_number_or_text(html: str) -> None:
    header = _rows(html, "beso_obstacles")[0]
    classes = re.findall(r'<th scope="col" class="([^"]+)"', header)
    assert classes == ["text", "text", "num", "num", "num"]


def test_a_short_hyphenated_word_in_a_table_stays_on_one_line() -> None:
    frame = pd.DataFrame(
        {"region": ["Noord-Brabant", "een-heel-lang-samengesteld-woord-zonder-eind"], "status": ""}
    )
    table = ReportTable("t", "c", frame, [ColumnSpec("region", "Regio-naam")])
    out = render_html(ReportContent("t", "nl", False, [ReportSection("s", "S", tables=[table])]))
    assert '<span class="nowrap">Noord-Brabant</span>' in out
    assert '<span class="nowrap">Regio-naam</span>' in out
    assert '<span class="nowrap">een-heel' not in out  # a long one may break at its hyphens


def test_an_id_too_long_for_a_column_may_break_anywhere() -> None:
    frame = pd.DataFrame(
        {"a": ["x"], "id": ["wea.work_not_suitable.without.brabant"], "status": [""]}
    )
    table = ReportTable("t", "c", frame, [ColumnSpec("a", "A"), ColumnSpec("id", "Id")])
    out = render_html(ReportContent("t", "nl", False, [ReportSection("s", "S", tables=[table])]))
    assert '<td class="text long-word">wea.work_not_suitable.without.brabant</td>' in out


def test_a_skip_link_leads_to_the_main_landmark_that_holds_the_appendices(html: str) -> None:
    body = html.split("<body", 1)[1]
    assert re.match(r'[^>]*>\s*<a class="skip-link" href="#main">Direct naar de inhoud</a>', body)
    main = re.search(r'<main id="main" tabindex="-1">(.*)</main>', html, re.DOTALL)
    assert main and 'id="sec-reproduction"' in main.group(1)
    assert 'id="sec-provenance"' in main.group(1)


def test_toc_links_to_every_section(html: str) -> None:
    links = re.findall(r'<a href="#([^"]+)">', html)
    assert links == ["sec-data_methods", "sec-beso_obstacles", "sec-reproduction", "sec-provenance"]
    for target in links:
        assert f'id="{target}"' in html


def test_lang_attribute_and_english_texts() -> None:
    assert '<html lang="nl">' in render_html(sample_content(lang="nl"))
    english = render_html(sample_content(lang="en"))
    assert '<html lang="en">' in english
    assert "Table 1." in english and "SYNTHETIC DATA" in english
    assert "46.5%" in english  # reproduced, percent1
    assert "&lt; 0.001" in english


def _marked_content(mark: str) -> ReportContent:
    """A report in English whose every kind of text holds ``mark`` (a Dutch fragment)."""
    frame = pd.DataFrame({"label": [f"cell {mark}"], "share": [0.5], "status": [""]})
    table = ReportTable(
        "t",
        f"caption {mark}",
        frame,
        [ColumnSpec("label", f"header {mark}"), ColumnSpec("share", "Share", "percent")],
        notes=[f"note {mark}"],
    )
    figure = ReportFigure("f", f"figure caption {mark}", SAMPLE_SVG, f"alt {mark}")
    section = ReportSection(
        "s", f"heading {mark}", [f"paragraph {mark}"], tables=[table], figures=[figure]
    )
    return ReportContent(f"title {mark}", "en", False, [section])


def test_a_fragment_in_another_language_gets_its_lang_everywhere_text_is_shown() -> None:
    out = render_html(_marked_content("[nl: Werk geven en nemen]"))
    span = '<span lang="nl">Werk geven en nemen</span>'
    for where in (
        f"<h1>title {span}</h1>",
        f">heading {span}</a></li>",  # the table of contents
        f'-title">heading {span}</h2>',
        f"<p>paragraph {span}</p>",
        f"</span> caption {span}</caption>",
        f">header {span}</th>",
        f">cell {span}</th>",
        f"<p>note {span}</p>",
        f"</span> figure caption {span}</figcaption>",
    ):
        assert where in out, where
    # text without markup reads without the marks: the page title, the PDF's page header and
    # the figure's text alternative
    assert "<title>title Werk geven en nemen</title>" in out
    assert 'content: "title Werk geven en nemen"' in out
    assert "<title>alt Werk geven en nemen</title>" in out
    assert "[nl:" not in out


def test_a_fragment_in_the_reports_own_language_needs_no_span() -> None:
    out = render_html(_marked_content("[en: Giving and taking work]"))
    assert "<p>paragraph Giving and taking work</p>" in out
    assert "<span lang=" not in out and "[en:" not in out


def test_a_marked_fragment_cannot_inject_markup() -> None:
    out = render_html(_marked_content('[nl: <b onclick="x">vet</b> & meer]'))
    assert '<span lang="nl">&lt;b onclick=&#34;x&#34;&gt;vet&lt;/b&gt; &amp; meer</span>' in out
    assert not re.search(r"<b[\s>]", out)


def test_language_marked_escapes_before_it_marks() -> None:
    assert str(report.render.language_marked("a <i> [nl: é & ü] b", "en")) == (
        'a &lt;i&gt; <span lang="nl">é &amp; ü</span> b'
    )
    assert str(report.render.language_marked("[de: nein]", "en")) == "[de: nein]"


def test_same_content_gives_identical_html() -> None:
    assert render_html(sample_content()) == render_html(sample_content())


def test_provenance_is_shown_sorted(html: str) -> None:
    keys = re.findall(r"<dt>([^<]+)</dt>", html)
    assert keys == sorted(keys)
    assert "inputs.beso2011.sha256" in keys


# --------------------------------------------------------------------------- synthetic marking


def test_synthetic_banner_and_page_note(html: str) -> None:
    text = load_text("nl")
    assert text["report"]["synthetic_banner"] in html
    assert "SYNTHETISCHE DATA — geen echte respondenten" in html
    # on paper: a margin box on every page; on screen: a fixed footer
    assert re.search(r"@bottom-left\s*\{\s*content:\s*\"Synthetische data", html)
    assert 'class="synthetic-footer"' in html
    assert "counter(page)" in html and "counter(pages)" in html


def test_no_synthetic_marking_for_real_data() -> None:
    out = render_html(sample_content(synthetic=False))
    text = load_text("nl")
    assert text["report"]["synthetic_banner"] not in out
    assert text["report"]["synthetic_page_note"] not in out
    assert "@bottom-left" not in out
    assert 'synthetic-footer"' not in out and 'class="synthetic"' not in out
    assert "counter(pages)" in out  # page numbers stay


# --------------------------------------------------------------------------- suppression


def test_small_cell_is_shown_as_c_in_html(html: str) -> None:
    row = _row(html, "beso_obstacles", "Geen sollicitanten")
    assert row.count("[c]") == 2  # estimate and CI
    assert "8%" not in row and "3–15%" not in html
    assert ">74<" in row  # the base n stays visible


def test_a_mean_on_a_small_base_hides_its_n_too(html: str) -> None:
    row = _row(html, "beso_low_educated", "Zonder ervaring")
    assert row.count("[c]") == 3 and "12,5" not in row and ">8<" not in row


def test_the_c_flag_is_explained_under_the_table_with_the_threshold(html: str) -> None:
    notes = re.search(r'id="tab-beso_obstacles-notes">(.*?)</div>', html, re.DOTALL)
    assert notes and "[c] Vertrouwelijk" in notes.group(1) and "minder dan 10" in notes.group(1)


def test_suppression_threshold_comes_from_the_policy() -> None:
    out = render_html(sample_content(min_cell_count=5))
    assert "8%" in _row(out, "beso_obstacles", "Geen sollicitanten")
    out = render_html(sample_content(min_cell_count=16))
    assert "[c]" in _row(out, "beso_obstacles", "alert(1)")  # n_level 15


def test_a_table_that_did_not_pass_disclosure_control_is_refused() -> None:
    raw = pd.DataFrame({"estimate": [0.5], "n": [3]})
    with pytest.raises(InputError, match="disclosure control"):
        ReportTable("t", "c", raw, [ColumnSpec("estimate", "E", "percent")])


def test_csv_export_shows_what_the_report_shows(tmp_path: Path) -> None:
    content = sample_content()
    paths = write_tables(content, tmp_path / "tables")
    assert [p.name for p in paths] == [
        "beso_obstacles.csv",
        "beso_low_educated.csv",
        "beso_obstacles_tests.csv",
        "reproduction.csv",
    ]
    raw = (tmp_path / "tables" / "beso_obstacles.csv").read_text(encoding="utf-8")
    assert str(SUPPRESSED_ESTIMATE) not in raw and "0.149" not in raw and "0.0312" not in raw
    frame = pd.read_csv(tmp_path / "tables" / "beso_obstacles.csv", comment="#")
    assert list(frame.columns)[:6] == ["measure", "group", "estimate", "ci_low", "ci_high", "n"]
    assert list(frame.columns)[-2:] == ["status", "reason"]
    assert {"se", "n_level", "flag"} <= set(frame.columns)
    hidden = frame.loc[frame["measure"] == "Geen sollicitanten"].iloc[0]
    assert hidden["status"] == "[c]" and hidden["reason"] == "count"
    assert pd.isna(hidden["estimate"]) and pd.isna(hidden["n_level"]) and hidden["n"] == 74
    shown = frame.loc[frame["measure"] == "Werk niet geschikt"].iloc[0]
    assert shown["estimate"] == 0.4651 and pd.isna(shown["status"])  # raw, unrounded
    means = (tmp_path / "tables" / "beso_low_educated.csv").read_text(encoding="utf-8")
    assert "12.5" not in means


def test_csv_header_notes_explain_the_flags_used(tmp_path: Path) -> None:
    write_tables(sample_content(), tmp_path)
    head = (tmp_path / "beso_obstacles.csv").read_text(encoding="utf-8").splitlines()[:4]
    assert head[0].startswith("# ") and head[1].startswith("# [c] Vertrouwelijk")
    assert head[2].startswith("# [u] ") and not head[3].startswith("#")
    tests = (tmp_path / "beso_obstacles_tests.csv").read_text(encoding="utf-8").splitlines()
    assert [line for line in tests if line.startswith("# [")] == []  # no flag, no legend


# --------------------------------------------------------------------------- flags and numbers


def test_reliability_flags_are_marked_u_not_hidden(html: str) -> None:
    assert "33% [u]" in _row(html, "beso_obstacles", "alert(1)")
    assert "25% [u]" in _row(html, "beso_obstacles", "Productiviteitsrisico")
    assert "[u] Onbetrouwbaar of beperkt betrouwbaar cijfer" in html
    # unflagged rows carry no mark; tables without flags carry no flag notes
    assert "47%<" in _row(html, "beso_obstacles", "Werk niet geschikt")
    notes = re.search(r'id="tab-beso_low_educated-notes">(.*?)</div>', html, re.DOTALL)
    assert notes and "[u]" not in notes.group(1)


def test_no_dagger_or_asterisk_marks_anywhere(html: str) -> None:
    body = html.split("</style>", 1)[1]
    assert "‡" not in body and "†" not in body and "% *" not in body


def test_each_estimate_shows_its_unweighted_n(html: str) -> None:
    for table_id in ("beso_obstacles", "beso_low_educated"):
        header = _rows(html, table_id)[0]
        assert "n (ongewogen)" in header
    assert ">1.234<" in _row(html, "beso_low_educated", "Met ervaring")


def test_dutch_decimal_comma(html: str) -> None:
    assert "46,5%" in html  # percent1
    assert ">31,5<" in html  # number1
    assert "27,3–35,6" in html  # ci_number, with the decimals of its mean (number1)
    assert "&lt; 0,001" in html and ">0,032<" in html
    assert "46.5%" not in html


@pytest.mark.parametrize(
    ("value", "kind", "lang", "expected"),
    [
        (0.4651, "percent", "nl", "47%"),
        (0.265, "percent", "nl", "27%"),  # half up, as printed reports round
        (0.4651, "percent1", "nl", "46,5%"),
        (0.4651, "percent1", "en", "46.5%"),
        ((0.213, 0.291), "ci", "nl", "21–29%"),
        ((0.2134, 0.2917), "ci1", "nl", "21,3–29,2%"),
        ((float("nan"), 0.2), "ci", "nl", "[x]"),
        (0.0004, "pvalue", "nl", "< 0,001"),
        (0.0321, "pvalue", "nl", "0,032"),
        (0.0321, "pvalue", "en", "0.032"),
        (1234, "count", "nl", "1.234"),
        (1234, "count", "en", "1,234"),
        (1234.5678, "number", "nl", "1.234,57"),
        (-0.0001, "number1", "nl", "0,0"),
        (-2.25, "number1", "en", "\u22122.3"),
        ((-0.162, -0.056), "ci1", "nl", "\u221216,2 tot \u22125,6%"),
        ((-0.162, 0.056), "ci1", "en", "\u221216.2 to 5.6%"),
        (None, "percent", "nl", "[x]"),
        (float("nan"), "count", "en", "[x]"),
        (None, "text", "en", ""),
        ("within CI", "verdict", "nl", "binnen het betrouwbaarheidsinterval"),
        ("differs", "verdict", "en", "differs"),
        (True, "text", "nl", "ja"),
        ("review: wide CI", "flag", "en", "[u] review: wide CI"),
        ("", "flag", "en", ""),
    ],
)
def test_format_cell(value: object, kind: str, lang: str, expected: str) -> None:
    assert format_cell(value, kind, lang) == expected


def test_format_cell_rejects_unknown_kind_and_text_in_numbers() -> None:
    with pytest.raises(InputError, match="kind"):
        format_cell(1, "percentage", "nl")
    with pytest.raises(InputError, match="not a number"):
        format_cell("abc", "percent", "nl")


# --------------------------------------------------------------------------- texts and contracts


def test_load_text_unknown_language() -> None:
    with pytest.raises(InputError, match="'de'") as info:
        load_text("de")
    assert "nl" in str(info.value) and "en" in str(info.value)


def _keys(data: object, prefix: str = "") -> set[str]:
    if isinstance(data, dict):
        return {k for key, value in data.items() for k in _keys(value, f"{prefix}{key}.")}
    if isinstance(data, list):
        return {f"{prefix}[{len(data)}]"}
    return {prefix}


def test_languages_have_the_same_texts() -> None:
    nl, en = load_text("nl"), load_text("en")
    assert _keys(nl) == _keys(en)
    assert {"match", "within CI", "differs", "supported", "not supported"} <= set(nl["verdicts"])
    assert {"difference", "no_difference", "underpowered"} <= set(nl["verdicts"])
    banner = "SYNTHETISCHE DATA — geen echte respondenten; de cijfers tonen hoe de pijplijn werkt, "
    assert nl["report"]["synthetic_banner"].startswith(banner)
    load_text("nl")["report"]["toc"] = "changed"
    assert load_text("nl")["report"]["toc"] == "Inhoud"  # callers get a copy


def test_content_contract_errors() -> None:
    frame = pd.DataFrame({"a": [1], "status": [""]})
    with pytest.raises(InputError, match="unknown kind"):
        ColumnSpec("a", "A", "pct")
    with pytest.raises(InputError, match="missing from its frame: ci_high, ci_low"):
        ReportTable("t", "c", frame, [ColumnSpec("ci", "CI", "ci")])
    with pytest.raises(InputError, match="not a valid id"):
        ReportTable("../t", "c", frame, [ColumnSpec("a", "A")])
    with pytest.raises(InputError, match="no <svg>"):
        ReportFigure("f", "c", "<png/>", "alt")
    with pytest.raises(InputError, match="no alt text"):
        ReportFigure("f", "c", SAMPLE_SVG, " ")
    table = ReportTable("t", "c", frame, [ColumnSpec("a", "A")])
    with pytest.raises(InputError, match="used twice"):
        ReportContent("t", "nl", False, [ReportSection("s", "S", tables=[table, table])])
    with pytest.raises(InputError, match="used twice"):
        ReportContent("t", "nl", False, [ReportSection("provenance", "P")])
    with pytest.raises(InputError, match="language"):
        ReportContent("t", "fr", False, [])
    with pytest.raises(InputError, match="min_cell_count"):
        ReportContent("t", "nl", False, [], min_cell_count=-1)
    # a section and its table may share an id (the HTML prefixes sec-/tab-)
    ReportContent("t", "nl", False, [ReportSection("t", "S", tables=[table])])


# --------------------------------------------------------------------------- write_report


def test_write_report_without_pdf(tmp_path: Path) -> None:
    out = tmp_path / "reports"
    (out / "tables" / "nl").mkdir(parents=True)
    (out / "tables" / "nl" / "stale.csv").write_text("old\n", encoding="utf-8")
    paths = write_report(sample_content(), out, pdf=False)
    assert paths["html"] == out / "report.nl.html"
    assert paths["html"].read_text(encoding="utf-8") == render_html(sample_content())
    assert sorted(p.name for p in (out / "tables" / "nl").iterdir()) == [
        "beso_low_educated.csv",
        "beso_obstacles.csv",
        "beso_obstacles_tests.csv",
        "reproduction.csv",
    ]
    assert "pdf" not in paths and paths["table:reproduction"].exists()
    assert sorted(p.name for p in out.iterdir()) == ["report.nl.html", "tables"]  # no staging


def test_write_report_leaves_nothing_half_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "reports"
    out.mkdir()
    (out / "report.nl.html").write_text("previous", encoding="utf-8")

    def broken_pdf(html: str, path: object) -> None:
        Path(str(path)).write_bytes(b"%PDF-half")
        raise RuntimeError("disk full")

    monkeypatch.setattr(report, "write_pdf", broken_pdf)
    with pytest.raises(RuntimeError, match="disk full"):
        write_report(sample_content(), out)
    assert sorted(p.name for p in out.iterdir()) == ["report.nl.html"]
    assert (out / "report.nl.html").read_text(encoding="utf-8") == "previous"


def test_figure_ids_do_not_clash_with_svg_ids_and_duplicates_are_refused() -> None:
    # survey.figures gives the SVG element the id fig-<stem>; the <figure> is figure-<id>
    svg = '<svg id="fig-trend" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 4 4"><rect/></svg>'
    figure = ReportFigure("trend", "c", svg, "alt")
    content = ReportContent("t", "nl", False, [ReportSection("s", "S", figures=[figure])])
    out = render_html(content)
    assert 'id="figure-trend"' in out and 'id="fig-trend"' in out
    twice = ReportContent(
        "t",
        "nl",
        False,
        [ReportSection("s", "S", figures=[figure, ReportFigure("other", "c", svg, "alt")])],
    )
    with pytest.raises(InputError, match="duplicate ids: fig-trend"):
        render_html(twice)


def test_rendered_ids_are_unique(html: str) -> None:
    ids = re.findall(r'\sid="([^"]+)"', html)
    assert len(ids) == len(set(ids))


def test_ci_columns_by_stem_and_blanked_values_of_a_c_row_read_c() -> None:
    nan = float("nan")
    frame = pd.DataFrame(
        {
            "term": ["size", "sector"],
            "odds_ratio": [1.8, nan],
            "or_ci_low": [1.21, nan],
            "or_ci_high": [2.64, nan],
            "estimate_a": [0.61, nan],
            "p_value": [0.004, nan],
            "status": ["", "[c]"],
        }
    )
    table = ReportTable(
        "model",
        "Model",
        frame,
        [
            ColumnSpec("term", "Term"),
            ColumnSpec("odds_ratio", "OR", "number"),
            ColumnSpec("or_ci", "CI", "ci_number"),
            ColumnSpec("estimate_a", "With", "percent"),
            ColumnSpec("p_value", "p", "pvalue"),
        ],
    )
    out = render_html(ReportContent("t", "nl", False, [ReportSection("s", "S", tables=[table])]))
    assert "1,21–2,64" in _row(out, "model", "size")  # the decimals of the odds ratio
    assert _row(out, "model", "sector").count("[c]") == 4


def _ci_table(columns: list[ColumnSpec], **values: list[float]) -> str:
    frame = pd.DataFrame({"label": ["a"], **values, "status": [""]})
    table = ReportTable("t", "T", frame, [ColumnSpec("label", "Label"), *columns])
    out = render_html(ReportContent("t", "nl", False, [ReportSection("s", "S", tables=[table])]))
    return _row(out, "t", ">a<")


def test_a_ci_has_the_decimals_of_its_estimate() -> None:
    mean = _ci_table(
        [ColumnSpec("estimate", "Mean", "number1"), ColumnSpec("ci", "CI", "ci_number")],
        estimate=[32.04],
        ci_low=[27.294],
        ci_high=[36.706],
    )
    assert ">32,0<" in mean and ">27,3–36,7<" in mean
    difference = _ci_table(
        [ColumnSpec("difference", "Diff", "percent1"), ColumnSpec("ci", "CI", "ci")],
        difference=[-0.109],
        ci_low=[-0.162],
        ci_high=[-0.056],
    )
    assert ">\u221210,9%<" in difference and ">\u221216,2 tot \u22125,6%<" in difference


def test_a_ci_follows_the_nearest_estimate_on_its_own_scale() -> None:
    row = _ci_table(
        [
            ColumnSpec("share", "Share", "percent1"),
            ColumnSpec("odds_ratio", "OR", "number"),
            ColumnSpec("or_ci", "OR CI", "ci_number"),
            ColumnSpec("ci", "CI", "ci"),
        ],
        share=[0.4651],
        odds_ratio=[1.8],
        or_ci_low=[1.214],
        or_ci_high=[2.6449],
        ci_low=[0.3712],
        ci_high=[0.5613],
    )
    assert ">1,21–2,64<" in row and ">37,1–56,1%<" in row


def test_a_ci_without_an_estimate_keeps_the_decimals_of_its_kind() -> None:
    row = _ci_table([ColumnSpec("ci", "CI", "ci_number")], ci_low=[1.214], ci_high=[2.6449])
    assert ">1,21–2,64<" in row
