"""Headless Chromium for the report tests (fails, never skips, when Chromium is missing).

Two ways to drive the system Chromium (``/usr/bin/chromium``, Debian's): as a command
(:func:`run_chromium`: a screenshot, the DOM, the console log) and through Python playwright
(:func:`browser`: pages at a chosen width, scripts evaluated in them, axe-core injected). Playwright
never downloads a browser of its own here: it launches the system Chromium by its path.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from repo import REPO

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--enable-logging=stderr",
    "--v=0",
)

#: axe-core, installed by ``make setup`` (``npm ci``, package-lock.json at the repository root).
AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"

#: The rules axe runs: WCAG 2.0 and 2.1, levels A and AA, and Deque's best practices.
AXE_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice")


def chromium() -> str:
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    if Path("/usr/bin/chromium").exists():
        return "/usr/bin/chromium"
    pytest.fail("chromium not found: install it (apt-get install chromium)")


def run_chromium(tmp: Path, url: str, *extra: str) -> subprocess.CompletedProcess[str]:
    profile = tmp / f"profile-{len(list(tmp.glob('profile-*')))}"
    done = subprocess.run(
        [chromium(), *FLAGS, f"--user-data-dir={profile}", *extra, url],
        capture_output=True,
        text=True,
        check=False,
        timeout=90,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done


def console_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if ":CONSOLE" in line]


@contextmanager
def browser() -> Iterator[Any]:
    """The system Chromium, headless, driven by playwright (a ``playwright`` Browser)."""
    from playwright.sync_api import sync_playwright

    path = chromium()
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=path, headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            yield launched
        finally:
            launched.close()


def axe_script() -> str:
    """The text of axe.min.js; fails with what to run when ``make setup`` has not installed it."""
    if not AXE.exists():
        pytest.fail(
            f"axe-core is missing ({AXE}): run `make setup` (npm ci at the repository root)"
        )
    return AXE.read_text(encoding="utf-8")


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """Run axe-core on a loaded page with the WCAG 2.1 A/AA and best-practice rules.

    Returns the violations, each reduced to its rule id, impact, help text and the CSS
    selectors and failure summaries of its nodes (enough to read in a failing assertion).
    """
    page.add_script_tag(content=axe_script())
    results = page.evaluate(
        """async (tags) => {
            const r = await axe.run(document, {runOnly: {type: "tag", values: tags},
                                               resultTypes: ["violations"]});
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => ({target: n.target.join(" "),
                                          summary: n.failureSummary}))}));
        }""",
        list(AXE_TAGS),
    )
    return list(results)


def describe(violations: list[dict[str, Any]]) -> str:
    """The violations as readable text, for an assertion message."""
    return json.dumps(violations, indent=1, ensure_ascii=False)[:6000]
