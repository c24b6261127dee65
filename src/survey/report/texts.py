"""The texts of the report: the package's fixed texts, with the study's own over them.

Text is kept apart from code: every word the report prints that does not come from the data is
in the package's ``text/nl.yaml`` (default) or ``text/en.yaml`` (headings, notes, marks, verdicts,
column headers, generic sentences; both have the same keys), or in the study's texts file
(``config/texts.yaml``: its title, section titles, captions, summary and methods, one mapping per
language), which :func:`load_text` lays over the package's. The package texts are package data
(read with :mod:`importlib.resources`), so an installed package finds them from any folder.
"""

from __future__ import annotations

import copy
import functools
from importlib import resources
from pathlib import Path
from typing import Any

import msgspec
import yaml

from survey import strict
from survey.errors import InputError

__all__ = ["LANGUAGES", "load_text"]

#: The languages a report can be written in.
LANGUAGES = ("nl", "en")


@functools.cache
def _read(lang: str) -> dict[str, Any]:
    path = resources.files("survey.report").joinpath("text", f"{lang}.yaml")
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


def _read_study(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(
            f"{path}: the study's texts file is not found",
            "set `texts:` in study.yaml to the study's texts file, or write one with `survey init`",
        ) from None
    except (OSError, yaml.YAMLError) as exc:
        raise InputError(f"{path}: cannot read the study's texts ({exc})", "fix the YAML") from None
    if not isinstance(data, dict) or not all(k in LANGUAGES for k in data):
        raise InputError(
            f"{path}: expected one mapping per language ({', '.join(LANGUAGES)})",
            "put the texts under `nl:` and `en:`",
        )
    return data


class _StudyTexts(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The texts of one language in a study's texts file (each over the package's own)."""

    title: str | None = None
    sections: dict[str, str] | None = None
    tables: dict[str, str] | None = None
    figures: dict[str, str] | None = None
    columns: dict[str, str] | None = None
    methods: list[str] | None = None
    summary: list[str] | None = None
    synthetic_methods: str | None = None
    labels: dict[str, str] | None = None


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in extra.items():
        out[key] = (
            _merge(out[key], value)
            if isinstance(value, dict) and isinstance(out.get(key), dict)
            else value
        )
    return out


def load_text(lang: str, study: str | Path | None = None) -> dict[str, Any]:
    """Load the report texts of one language: the package's, with the study's over them.

    Parameters
    ----------
    lang
        ``"nl"`` or ``"en"``.
    study
        The study's texts file (``config/texts.yaml``), or None for the package texts alone.

    Returns
    -------
    dict
        The texts (a fresh copy; changing it changes nothing else).

    Examples
    --------
    >>> load_text("en")["verdicts"]["no_difference"]
    'no difference'

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
    base = copy.deepcopy(_read(lang))
    if study is None:
        return base
    path = Path(study).resolve()
    data = _read_study(path)
    if lang not in data:
        raise InputError(
            f"{path}: no texts in language {lang!r}",
            f"add `{lang}:` with the study's title, sections, tables and figures, or write the "
            "report in another language",
        )
    own = copy.deepcopy(data[lang]) or {}
    strict.convert(
        own,
        _StudyTexts,
        f"{path} (under `{lang}:`)",
        "compare with the example study's config/texts.yaml (README, 'The study folder')",
    )
    if "title" in own:
        base["report"]["title"] = own.pop("title")
    return _merge(base, own)
