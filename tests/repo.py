"""Where the repository's own files are, for tests that use the example study's config."""

from __future__ import annotations

from pathlib import Path

#: The repository root (this file lives in tests/).
REPO = Path(__file__).resolve().parents[1]
#: The example study's config folder.
CONFIG = REPO / "config"
#: The tests' own folders: R's golden results and the SPSS fixtures.
TESTS = REPO / "tests"
GOLDEN_ROOT = TESTS / "golden"
FIXTURES = TESTS / "fixtures"
