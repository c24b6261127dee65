"""The HTML report is accessible (WCAG 2.1 AA) and readable at every width, in real Chromium.

axe-core (npm, installed by ``make setup``) runs in the system Chromium, driven by playwright, on
the sample report in both languages and on the example study's whole report in both languages,
with the WCAG 2.0/2.1 A and AA rules and Deque's best practices: the report must have no
violation at all. The same pages are then laid out at 360, 768, 1280 and 1920 px: the page never
scrolls sideways, no cell clips its text, a table wider than the page scrolls in its own box
(which the keyboard can reach) with its key column in view, and no text column is squeezed to a
word or less. These tests fail, never skip, when Chromium or axe-core is missing.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from browser import AXE_TAGS, axe_violations, browser, describe
from real_report import real_content
from report_sample import sample_content
from survey.report.render import render_html

WIDTHS = (360, 768, 1280, 1920)
REPORTS = ("sample.nl", "sample.en", "study.nl", "study.en")


@pytest.fixture(scope="module")
def chromium_browser() -> Iterator[Any]:
    with browser() as launched:
        yield launched


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory, study: Any) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("axe")
    paths = {}
    for name in REPORTS:
        source, lang = name.split(".")
        content = sample_content(lang=lang) if source == "sample" else real_content(study, lang)
        paths[name] = folder / f"{name}.html"
        paths[name].write_text(render_html(content), encoding="utf-8")
    return paths


def _open(chromium_browser: Any, path: Path, width: int) -> Any:
    page = chromium_browser.new_page(viewport={"width": width, "height": 900})
    page.goto(path.as_uri())
    return page


# --------------------------------------------------------------------------- axe-core


def test_axe_finds_a_violation_where_there_is_one(chromium_browser: Any, tmp_path: Path) -> None:
    """Check the check: axe runs, with the rules asked for, and reports what it finds."""
    probe = tmp_path / "probe.html"
    probe.write_text(
        "<!DOCTYPE html><html><head><title>p</title></head><body><main><h1>p</h1>"
        '<p style="color:#aaa">faint</p><table><tr><td>x</td></tr></table>'
        "</main></body></html>",
        encoding="utf-8",
    )
    page = _open(chromium_browser, probe, 1280)
    found = {violation["id"] for violation in axe_violations(page)}
    page.close()
    assert {"color-contrast", "html-has-lang"} <= found
    assert {"wcag21aa", "best-practice"} <= set(AXE_TAGS)


@pytest.mark.parametrize("name", REPORTS)
def test_the_report_has_no_axe_violation(
    chromium_browser: Any, reports: dict[str, Path], name: str
) -> None:
    for width in (360, 1280):
        page = _open(chromium_browser, reports[name], width)
        violations = axe_violations(page)
        page.close()
        assert violations == [], f"{name} at {width} px:\n{describe(violations)}"


# --------------------------------------------------------------------------- layout at each width

_LAYOUT = """() => {
  const text = (el) => el.textContent.trim().replace(/\\s+/g, " ").slice(0, 50);
  const where = (el) => (el.closest("table") || {id: el.tagName}).id + ": " + text(el);
  const out = {pageOverflow: document.documentElement.scrollWidth - window.innerWidth,
               clipped: [], narrow: [], boxes: [], blocks: []};
  for (const cell of document.querySelectorAll("th, td")) {
    if (cell.scrollWidth > cell.clientWidth + 1) out.clipped.push(where(cell));
    const em = parseFloat(getComputedStyle(cell).fontSize);
    if (cell.classList.contains("text") && cell.clientWidth < 4.5 * em) out.narrow.push(where(cell));
  }
  for (const el of document.querySelectorAll("p, h1, h2, figure, .table-block, nav, dl")) {
    if (el.getBoundingClientRect().right > window.innerWidth + 1) out.blocks.push(where(el));
  }
  for (const box of document.querySelectorAll(".table-scroll")) {
    const scrolls = box.scrollWidth > box.clientWidth + 1;
    const entry = {table: box.querySelector("table").id, scrolls: scrolls,
                   overflow: getComputedStyle(box).overflowX, tabindex: box.getAttribute("tabindex"),
                   name: box.getAttribute("aria-labelledby"), keyShift: 0};
    if (scrolls) {
      box.scrollLeft = box.scrollWidth;
      const key = box.querySelector("tbody th[scope=row]");
      if (key) entry.keyShift = Math.abs(key.getBoundingClientRect().left - box.getBoundingClientRect().left);
      box.scrollLeft = 0;
    }
    out.boxes.push(entry);
  }
  return out;
}"""


@pytest.fixture(scope="module")
def layouts(chromium_browser: Any, reports: dict[str, Path]) -> dict[tuple[str, int], Any]:
    measured = {}
    for name in REPORTS:
        for width in WIDTHS:
            page = _open(chromium_browser, reports[name], width)
            measured[name, width] = page.evaluate(_LAYOUT)
            page.close()
    return measured


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", REPORTS)
def test_the_page_never_scrolls_sideways(layouts: dict, name: str, width: int) -> None:
    layout = layouts[name, width]
    assert layout["pageOverflow"] <= 0 and layout["blocks"] == [], layout["blocks"][:5]


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", REPORTS)
def test_no_table_cell_clips_its_text(layouts: dict, name: str, width: int) -> None:
    assert layouts[name, width]["clipped"] == []


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", REPORTS)
def test_no_text_column_is_squeezed_to_a_word(layouts: dict, name: str, width: int) -> None:
    assert layouts[name, width]["narrow"] == []


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", REPORTS)
def test_a_wide_table_scrolls_in_its_own_named_focusable_box_with_its_key_column_in_view(
    layouts: dict, name: str, width: int
) -> None:
    for box in layouts[name, width]["boxes"]:
        assert box["overflow"] == "auto" and box["tabindex"] == "0", box
        assert box["name"] == f"{box['table']}-caption", box
        assert box["keyShift"] <= 1, box  # the key column stayed at the box's left edge


@pytest.mark.parametrize("name", REPORTS)
def test_at_phone_width_wide_tables_do_scroll_and_at_full_hd_none_does(
    layouts: dict, name: str
) -> None:
    assert any(box["scrolls"] for box in layouts[name, 360]["boxes"])
    assert not any(box["scrolls"] for box in layouts[name, 1920]["boxes"])
