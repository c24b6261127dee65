"""The fixed texts of the report (headings, notes, marks, verdicts) from ``text/<lang>.yaml``.

Text is kept apart from code: every word the report prints that does not come from the data or
the glue is in ``text/nl.yaml`` (default) or ``text/en.yaml``. Both files have the same keys.
"""

from __future__ import annotations

import copy
import functools
from pathlib import Path
from typing import Any

import yaml

from survey.errors import InputError

__all__ = ["LANGUAGES", "TEXT_DIR", "load_text"]

#: Where the text files are.
TEXT_DIR = Path(__file__).resolve().parent / "text"
#: The languages a report can be written in.
LANGUAGES = ("nl", "en")


@functools.cache
def _read(lang: str) -> dict[str, Any]:
    path = TEXT_DIR / f"{lang}.yaml"
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise InputError(
            f"{path}: cannot read the report texts ({exc})",
            hint="restore the file from the repository",
        ) from exc
    if not isinstance(data, dict) or data.get("lang") != lang:
        raise InputError(
            f"{path}: not a report text file for language {lang!r}",
            hint="the file must be a mapping with 'lang: " + lang + "'",
        )
    return data


def load_text(lang: str) -> dict[str, Any]:
    """Load the fixed report texts of one language.

    Parameters
    ----------
    lang
        ``"nl"`` or ``"en"``.

    Returns
    -------
    dict
        The parsed ``text/<lang>.yaml`` (a fresh copy; changing it changes nothing else).

    Raises
    ------
    survey.errors.InputError
        For an unknown language or an unreadable text file.
    """
    if lang not in LANGUAGES:
        raise InputError(
            f"no report texts for language {lang!r}",
            hint=f"set report.language in config/study.yaml to one of: {', '.join(LANGUAGES)}",
        )
    return copy.deepcopy(_read(lang))
