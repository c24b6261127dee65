"""The example study's report content, made by the whole pipeline on the synthetic data.

The browser and PDF tests of the report check the sample content (``report_sample``) and this
real one: every analysis of the example study, its figures and its tables as ``survey report``
makes them. It is built through the API (no files in ``reports/``), once per study and language.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from survey.config import StudyConfig
from survey.report.content import ReportContent

__all__ = ["real_content"]

_PUBLISHED: dict[str, Any] = {}
_CONTENT: dict[tuple[str, str], ReportContent] = {}


def real_content(study: StudyConfig, lang: str) -> ReportContent:
    """The report content of ``study`` (the ``study`` fixture) in ``lang``, built once."""
    from survey.pipeline import analyse
    from survey.report.build import build_content, build_figures
    from survey.report.texts import load_text
    from survey.study.run import publish

    key = str(study.reports_dir)
    if (key, lang) not in _CONTENT:
        if key not in _PUBLISHED:
            _PUBLISHED[key] = publish(analyse(study), study.disclosure)
        text = load_text(lang, study.texts)
        with tempfile.TemporaryDirectory(prefix="real-report-") as folder:
            figures = build_figures(_PUBLISHED[key], Path(folder) / "figures", text)
            _CONTENT[key, lang] = build_content(_PUBLISHED[key], figures, text)
    return _CONTENT[key, lang]
