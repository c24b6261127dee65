"""The HTML report in a real browser: headless Chromium renders it, without console errors.

These tests fail, never skip, when Chromium is missing: the HTML is a deliverable.
"""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest
from PIL import Image

from browser import chromium, console_lines, run_chromium
from report_sample import sample_content
from survey.report import write_report


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    chromium()
    tmp = tmp_path_factory.mktemp("browser")
    paths = write_report(sample_content(), tmp / "out", pdf=False)
    url = paths["html"].resolve().as_uri()
    shot = tmp / "shot.png"
    screenshot = run_chromium(tmp, url, f"--screenshot={shot}", "--window-size=1200,1600")
    dom = run_chromium(tmp, url, "--dump-dom")
    return {"shot": shot, "dom": dom.stdout, "stderr": screenshot.stderr + dom.stderr}


def test_screenshot_is_not_blank(page: dict[str, object]) -> None:
    shot = page["shot"]
    assert isinstance(shot, Path) and shot.exists()
    with Image.open(shot) as image:
        rgb = image.convert("RGB")
        assert rgb.size == (1200, 1600)
        colours = rgb.getcolors(maxcolors=1 << 24)
    assert colours is not None and len(colours) > 1
    pixels = rgb.size[0] * rgb.size[1]
    non_white = sum(count for count, colour in colours if min(colour) < 240)
    assert non_white / pixels > 0.02, f"only {non_white / pixels:.1%} non-white pixels"


def test_no_console_messages(page: dict[str, object]) -> None:
    stderr = page["stderr"]
    assert isinstance(stderr, str)
    assert console_lines(stderr) == []


def test_console_errors_would_be_seen(tmp_path: Path) -> None:
    """Check the check: a page with a console error shows up in the log we read."""
    probe = tmp_path / "probe.html"
    probe.write_text(
        "<!DOCTYPE html><html><body><script>console.error('probe-error')</script></body></html>",
        encoding="utf-8",
    )
    done = run_chromium(tmp_path, probe.as_uri(), "--dump-dom")
    assert any("probe-error" in line for line in console_lines(done.stderr))


class _FigureParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.depth = 0
        self.figures: list[list[str]] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag == "figure":
            self.depth += 1
            self.figures.append([])
        elif self.depth:
            self.figures[-1].append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag == "figure":
            self.depth -= 1


def test_dom_has_every_figure_with_inline_svg(page: dict[str, object]) -> None:
    dom = page["dom"]
    assert isinstance(dom, str)
    parser = _FigureParser()
    parser.feed(dom)
    assert len(parser.figures) == 1
    for inside in parser.figures:
        assert "svg" in inside and "figcaption" in inside
    assert "script" not in parser.tags
    assert parser.tags.count("table") == 4


def test_dom_shows_the_synthetic_banner_and_escaped_label(page: dict[str, object]) -> None:
    dom = page["dom"]
    assert isinstance(dom, str)
    assert "SYNTHETISCHE DATA — geen echte respondenten" in dom
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in dom
