"""Labels from the data shown in another language: the translations of a study's texts.

A study's labels (variable and value labels of its codebooks, group and base names of its
analyses file, section names of the published figures) are written in one language, the
study's ``report.data_language``. A report in another language shows each of them through the
``labels`` of that language in the study's texts file (``config/texts.yaml``)::

    en:
      labels:
        "Met ervaring": "With experience"
        "Nederland": "The Netherlands"

The columns of a table that hold such labels are named in the package's ``layout.yaml``
(``labels:``). :func:`translate_tables` maps them and refuses a report with a label that has no
translation, listing every missing one at once, so that no Dutch text reaches an English report
unnoticed. Numbers, codes and identifiers (no letters, or no space and no capital, such as
``hired_vulnerable`` or ``wea2010``) are the same in every language and are not looked up.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

import pandas as pd

from survey.errors import InputError

__all__ = ["is_neutral", "missing_labels", "translate_tables"]

#: Text that reads the same in every language: numbers, codes, identifiers, flags.
_NEUTRAL = re.compile(r"^[\W\d_]*$|^[a-z0-9_.+\-]+$|^\(Intercept\)$|^\[[a-z]\]$")


def is_neutral(value: object) -> bool:
    """Whether a cell reads the same in every language (and needs no translation).

    Parameters
    ----------
    value
        A table cell.

    Returns
    -------
    bool
        True for missing values, numbers, codes and identifiers.

    Examples
    --------
    >>> [is_neutral(v) for v in ["hired_vulnerable", "2010", "(Intercept)", "Met ervaring"]]
    [True, True, True, False]
    """
    if value is None or (isinstance(value, float) and value != value):
        return True
    return not isinstance(value, str) or bool(_NEUTRAL.match(value.strip()))


def missing_labels(
    tables: Mapping[str, pd.DataFrame], columns: Iterable[str], labels: Mapping[str, str]
) -> list[str]:
    """The labels of these columns that have no translation, sorted.

    Parameters
    ----------
    tables
        Table id -> frame.
    columns
        The label columns.
    labels
        Source label -> translation.

    Returns
    -------
    list of str
        Every label without a translation, once.

    Examples
    --------
    >>> frame = pd.DataFrame({"group": ["Met ervaring", "Zonder ervaring"], "n": [3, 4]})
    >>> missing_labels({"t": frame}, ["group"], {"Met ervaring": "With experience"})
    ['Zonder ervaring']
    """
    wanted = list(columns)
    found: set[str] = set()
    for frame in tables.values():
        for column in wanted:
            if column in frame.columns:
                found.update(
                    str(v) for v in frame[column].unique() if not is_neutral(v) and v not in labels
                )
    return sorted(found)


def translate_tables(
    tables: Mapping[str, pd.DataFrame],
    columns: Iterable[str],
    labels: Mapping[str, str],
    where: str,
) -> dict[str, pd.DataFrame]:
    """Every table with the labels of its label columns translated.

    Parameters
    ----------
    tables
        Table id -> frame (not changed).
    columns
        The label columns (``layout.yaml``, ``labels:``).
    labels
        Source label -> translation (the texts' ``labels`` of the report language).
    where
        Where the translations belong, for the message (e.g. ``"config/texts.yaml, en.labels"``).

    Returns
    -------
    dict
        Table id -> a translated copy (or the same frame when nothing changes).

    Raises
    ------
    InputError
        A label has no translation (all of them listed, ready to paste into the texts file).

    Examples
    --------
    >>> frame = pd.DataFrame({"group": ["Met ervaring"], "estimate": [0.47]})
    >>> translate_tables({"t": frame}, ["group"], {"Met ervaring": "With experience"}, "en")["t"]
                 group  estimate
    0  With experience      0.47
    """
    wanted = list(columns)
    absent = missing_labels(tables, wanted, labels)
    if absent:
        listing = "\n".join(f'    "{_quoted(label)}": ""' for label in absent[:200])
        more = f"\n    ... and {len(absent) - 200} more" if len(absent) > 200 else ""
        raise InputError(
            f"{len(absent)} label(s) of the data have no translation in {where}:\n{listing}{more}",
            f"add them under `labels:` of {where}, each with its translation",
        )
    out = {}
    for table_id, frame in tables.items():
        present = [c for c in wanted if c in frame.columns]
        if not present:
            out[table_id] = frame
            continue
        copy = frame.copy()
        for column in present:
            copy[column] = copy[column].map(lambda v: labels.get(v, v) if isinstance(v, str) else v)
        out[table_id] = copy
    return out


def _quoted(label: str) -> str:
    return label.replace("\\", "\\\\").replace('"', '\\"')
