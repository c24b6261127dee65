"""Shared test set-up: the helper modules beside this file, and the example study run once.

The tests are grouped by what they check: ``unit/`` (one function or module, small fixtures),
``golden/`` (numbers against R's survey package, from the committed golden files) and ``e2e/``
(whole commands, the pipeline, the report in Chromium and as PDF, PSPP, notebooks, installs). The
helper modules (``repo``, ``commands``, ``study_copy``, ``report_sample``, ``browser``, ``spss_sample``,
``inference_golden``, ``fixtures``) live here in ``tests/`` and are importable from every group.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from study_copy import prepared_study
from survey.config import StudyConfig


@pytest.fixture(scope="session")
def study(tmp_path_factory: pytest.TempPathFactory) -> StudyConfig:
    """The example (WEA/BESO) study on its synthetic data, generated, ingested and weighted once."""
    return prepared_study(tmp_path_factory.mktemp("example_study"))
