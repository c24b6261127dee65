"""Population margins: reading them, summing them from a population table, matching them to a sample.

A margin holds population counts for the levels of one variable or of one cross of variables.
Margins are read from CSV files with the columns ``variable,level,target`` (a value label or a
code, and a population count). A two-way margin names its variables joined by ``+`` and its levels
joined by ``|``: ``sector+size_class,Handel|2 tot 10 werkzame personen,41234``.

This module does not weight anything (see :mod:`survey.weighting.methods`) and names no study's
variables or units; it never changes its inputs.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgspec
import numpy as np
import pandas as pd

from survey.errors import InputError, StatisticalError
from survey.io import FileMeta

__all__ = [
    "LEVEL_SEPARATOR",
    "VARIABLE_SEPARATOR",
    "Margin",
    "check_totals",
    "level_keys",
    "margin_index",
    "margins_from_population",
    "population_counts",
    "read_margins",
]

LEVEL_SEPARATOR = "|"
VARIABLE_SEPARATOR = "+"


@dataclass(frozen=True)
class Margin:
    """Population counts for the levels of one variable or one cross of variables.

    Attributes
    ----------
    variables
        The variable(s) the margin classifies by.
    targets
        Level (labels joined by ``|`` for crosses) -> population count.
    source
        Where the margin was read from, for messages.

    Examples
    --------
    >>> margin = Margin(("region", "size"), {"Noord|klein": 60.0, "Noord|groot": 40.0})
    >>> margin.name, margin.total
    ('region+size', 100.0)
    """

    variables: tuple[str, ...]
    targets: Mapping[str, float]
    source: str | None = None

    @property
    def name(self) -> str:
        """The margin's variables joined by ``+``."""
        return VARIABLE_SEPARATOR.join(self.variables)

    @property
    def total(self) -> float:
        """Sum of the targets."""
        return float(sum(self.targets.values()))


class _MarginRow(msgspec.Struct, forbid_unknown_fields=True):
    """One line of a margins file."""

    variable: str
    level: str
    target: float


def read_margins(path: str | Path) -> list[Margin]:
    """Read population margins from a CSV file with columns ``variable,level,target``.

    Parameters
    ----------
    path
        The CSV file (lines starting with ``#`` are comments).

    Returns
    -------
    list of Margin
        One margin per distinct ``variable``, in file order.

    Raises
    ------
    InputError
        The file is missing or malformed, a target is not a positive number, or a level repeats.

    Examples
    --------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "margins.csv"
    >>> _ = path.write_text(
    ...     "variable,level,target\\nregion,Noord,300\\nregion,Zuid,700\\n"
    ...     "region+size,Noord|klein,200\\nregion+size,Noord|groot,100\\n"
    ...     "region+size,Zuid|klein,500\\nregion+size,Zuid|groot,200\\n"
    ... )
    >>> [(m.variables, m.total) for m in read_margins(path)]
    [(('region',), 1000.0), (('region', 'size'), 1000.0)]
    """
    from survey.io.tables import read_table, table_rows

    source = Path(path)
    hint = "margins files have the columns variable,level,target"
    rows = table_rows(read_table(source, "margins file", hint), _MarginRow, source, hint)
    bad = [r for r in rows if not 0 < r.target < np.inf]
    if bad:
        row = bad[0]
        raise InputError(
            f"{source}: margin '{row.variable}' level '{row.level}' has target {row.target:g}; "
            "targets must be positive population counts",
            "correct the target, or drop the level and collapse it with a neighbour",
        )
    table = pd.DataFrame([msgspec.structs.asdict(r) for r in rows])
    margins = []
    for variable, part in table.groupby("variable", sort=False):
        levels = part["level"]
        repeated = levels[levels.duplicated()].unique()
        if len(repeated):
            raise InputError(
                f"{source}: margin '{variable}' lists level '{repeated[0]}' more than once",
                "give each level one target",
            )
        variables = tuple(v.strip() for v in str(variable).split(VARIABLE_SEPARATOR))
        margins.append(
            Margin(
                variables, dict(zip(levels, part["target"].astype(float), strict=True)), str(source)
            )
        )
    return margins


def population_counts(population: pd.DataFrame, count: str) -> pd.Series:
    """The count column of a population table as numbers, each checked to be a count.

    Parameters
    ----------
    population
        The population table (e.g. read by :func:`survey.io.tables.read_table`: text cells,
        indexed by line number).
    count
        Its column of counts.

    Returns
    -------
    pandas.Series
        The counts as floats.

    Raises
    ------
    InputError
        A count that is not a number of 0 or more (naming its row: the file's line).

    Examples
    --------
    >>> population_counts(pd.DataFrame({"n": ["30", "1.5e3"]}), "n").tolist()
    [30.0, 1500.0]
    """
    counts = pd.to_numeric(population[count], errors="coerce").astype(float)
    bad = ~(counts >= 0) | (counts == np.inf)
    if bad.any():
        row = bad.idxmax()
        raise InputError(
            f"the population table's count column '{count}' holds {population[count][row]!r} in "
            f"row {row} (the file's line, when read by survey.io.tables.read_table): not a count",
            "every count must be a number of 0 or more",
        )
    return counts


def margins_from_population(
    population: pd.DataFrame, crosses: Sequence[Sequence[str]], *, count: str
) -> list[Margin]:
    """Sum a population table (one row per cell) into margins.

    Parameters
    ----------
    population
        Population counts by the classifying variables (labels as values).
    crosses
        One list of variables per margin, e.g. ``[["province"], ["sector", "size_class"]]``.
    count
        The column of ``population`` with the counts (required: the unit counted, such as
        persons or establishments, is the study's and has no default here).

    Returns
    -------
    list of Margin
        The margins, in the order of ``crosses``.

    Raises
    ------
    InputError
        ``count`` or a variable of ``crosses`` is not a column of ``population``, or a count is
        not a number of 0 or more.

    Examples
    --------
    >>> population = pd.DataFrame(
    ...     {"region": ["Noord", "Noord", "Zuid"], "size": ["klein", "groot", "klein"],
    ...      "persons": [60, 40, 100]}
    ... )
    >>> [dict(m.targets) for m in margins_from_population(population, [["region"]], count="persons")]
    [{'Noord': 100.0, 'Zuid': 100.0}]
    """
    columns = [str(c) for c in population.columns]
    absent = [name for name in (count, *(v for c in crosses for v in c)) if name not in columns]
    if absent:
        role = "count column" if absent[0] == count else "variable"
        raise InputError(
            f"the population table has no {role} '{absent[0]}' (its columns: {', '.join(columns)})",
            "name the column that holds the population counts (count=) and the classifying "
            "variables as they are spelled in the population table",
        )
    population = population.assign(**{count: population_counts(population, count)})
    out = []
    for variables in crosses:
        sums = population.groupby(list(variables), sort=True, observed=True)[count].sum()
        keys = [
            LEVEL_SEPARATOR.join(map(str, k)) if isinstance(k, tuple) else str(k)
            for k in sums.index
        ]
        out.append(Margin(tuple(variables), dict(zip(keys, sums.astype(float), strict=True))))
    return out


def _level_text(code: Any) -> str:
    if isinstance(code, float) and code.is_integer():
        return str(int(code))
    return str(code)


def _variable_levels(
    frame: pd.DataFrame, name: str, meta: FileMeta | None
) -> tuple[np.ndarray, list[str], list[str]]:
    """Row -> level number (-1 when missing), and each level's label text and code text."""
    if name not in frame.columns:
        close = difflib.get_close_matches(name, [str(c) for c in frame.columns], n=3)
        hint = f"did you mean {', '.join(close)}?" if close else "check the margins file"
        raise InputError(f"the margins name variable '{name}', which is not in the data", hint)
    column = frame[name]
    if isinstance(column.dtype, pd.CategoricalDtype):
        texts = [str(c) for c in column.cat.categories]
        return column.cat.codes.to_numpy(dtype=np.int64), texts, texts
    codes, uniques = pd.factorize(column, sort=True)
    value_labels = (
        dict(meta.variables[name].value_labels)
        if meta is not None and name in meta.variables
        else {}
    )
    code_texts = [_level_text(u) for u in uniques]
    label_texts = [
        str(value_labels.get(u, text)) for u, text in zip(uniques, code_texts, strict=True)
    ]
    return np.asarray(codes, dtype=np.int64), label_texts, code_texts


def _levels_of(
    frame: pd.DataFrame, variables: Sequence[str], meta: FileMeta | None
) -> tuple[np.ndarray, list[str], list[str]]:
    """Row -> level number of the (crossed) margin, -1 when any variable is missing.

    Only the distinct levels are turned into text: no per-row string work.
    """
    parts = [_variable_levels(frame, name, meta) for name in variables]
    if len(parts) == 1:
        return parts[0]
    codes = np.stack([p[0] for p in parts])
    missing = (codes < 0).any(axis=0)
    sizes = tuple(max(len(p[1]), 1) for p in parts)
    flat = np.asarray(
        np.ravel_multi_index(tuple(np.where(missing, 0, codes)), sizes), dtype=np.int64
    )
    observed, inverse = np.unique(flat[~missing], return_inverse=True)
    row = np.full(len(flat), -1, dtype=np.int64)
    row[~missing] = inverse
    combos = np.unravel_index(observed, sizes)
    labels = [
        LEVEL_SEPARATOR.join(p[1][c[k]] for p, c in zip(parts, combos, strict=True))
        for k in range(len(observed))
    ]
    code_texts = [
        LEVEL_SEPARATOR.join(p[2][c[k]] for p, c in zip(parts, combos, strict=True))
        for k in range(len(observed))
    ]
    return row, labels, code_texts


def level_keys(
    frame: pd.DataFrame, variables: Sequence[str], meta: FileMeta | None = None
) -> tuple[pd.Series, pd.Series]:
    """Each row's level of a margin, as label text and as code text.

    Parameters
    ----------
    frame
        The sample.
    variables
        The margin's variables.
    meta
        Metadata with value labels for coded variables.

    Returns
    -------
    tuple of pandas.Series
        Label keys and code keys (levels of crosses joined by ``|``); missing where any variable is.

    Examples
    --------
    >>> frame = pd.DataFrame({"region": ["Noord", "Zuid", None], "size": [1.0, 2.0, 1.0]})
    >>> labels, codes = level_keys(frame, ["region", "size"])
    >>> labels.tolist()[:2], labels.isna().tolist()
    (['Noord|1', 'Zuid|2'], [False, False, True])
    """
    row, labels, code_texts = _levels_of(frame, variables, meta)
    label_array = np.asarray([*labels, None], dtype=object)
    code_array = np.asarray([*code_texts, None], dtype=object)
    return (
        pd.Series(label_array[row], index=frame.index),  # row -1 picks the trailing None
        pd.Series(code_array[row], index=frame.index),
    )


def margin_index(
    frame: pd.DataFrame, margin: Margin, meta: FileMeta | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Each row's position among the margin's levels, and the margin's target vector.

    A sample level matches a margin level by its value label, else by its code.

    Parameters
    ----------
    frame
        The sample.
    margin
        The margin.
    meta
        Value labels of coded variables.

    Returns
    -------
    tuple of numpy.ndarray
        Row -> level position (in the order of ``margin.targets``), and the targets in that order.

    Raises
    ------
    StatisticalError
        A sample level without a target, a case without a value, or a margin level without sample
        cases.

    Examples
    --------
    >>> frame = pd.DataFrame({"size": ["groot", "klein", "klein"]})
    >>> index, targets = margin_index(frame, Margin(("size",), {"klein": 70.0, "groot": 30.0}))
    >>> index.tolist(), targets.tolist()
    ([1, 0, 0], [70.0, 30.0])
    """
    row, labels, code_texts = _levels_of(frame, margin.variables, meta)
    levels = list(margin.targets)
    position = {level: i for i, level in enumerate(levels)}
    # match each distinct sample level by its label, else by its code
    lookup = np.array(
        [
            position.get(label, position.get(code, -1))
            for label, code in zip(labels, code_texts, strict=True)
        ],
        dtype=np.int64,
    )
    where = margin.source or "margins"
    counts_per_level = np.bincount(row[row >= 0], minlength=len(labels))
    unmatched = [
        (labels[k], int(counts_per_level[k]))
        for k in np.flatnonzero(lookup < 0)
        if counts_per_level[k]
    ]
    if unmatched:
        unmatched.sort(key=lambda item: -item[1])
        shown = ", ".join(f"'{k}' ({v} cases)" for k, v in unmatched[:5])
        raise StatisticalError(
            f"{where}: margin '{margin.name}' has no target for sample level(s) {shown}",
            "add the level to the margins file, or collapse it with a neighbouring level",
        )
    if (row < 0).any():
        raise StatisticalError(
            f"{where}: margin '{margin.name}': {int((row < 0).sum())} case(s) have no value for "
            f"{', '.join(margin.variables)}",
            "impute or drop those cases before weighting",
        )
    index_array = lookup[row]
    counts = np.bincount(index_array, minlength=len(levels))
    empty = [levels[i] for i in np.flatnonzero(counts == 0)]
    if empty:
        shown = ", ".join(f"'{e}'" for e in empty[:5])
        raise StatisticalError(
            f"{where}: margin '{margin.name}' level(s) {shown} have no sample cases "
            f"({len(empty)} in all); no weight can reach their target",
            "collapse them with neighbouring levels along a declared hierarchy (hierarchy= in "
            "Python, --collapse on the command line, collapse: in the study config), or use "
            "coarser margins",
        )
    targets = np.array([margin.targets[level] for level in levels], dtype=float)
    return index_array, targets


def check_totals(margins: Sequence[Margin], tolerance: float = 1e-6) -> None:
    """Check that every margin describes the same population total.

    Parameters
    ----------
    margins
        The margins.
    tolerance
        Largest relative spread of the totals.

    Raises
    ------
    StatisticalError
        The totals differ by more than ``tolerance``.

    Examples
    --------
    >>> check_totals([Margin(("a",), {"x": 60.0, "y": 40.0}), Margin(("b",), {"z": 100.0})])
    >>> check_totals([Margin(("a",), {"x": 60.0}), Margin(("b",), {"z": 100.0})])
    Traceback (most recent call last):
    ...
    survey.errors.StatisticalError: margins: the margins add up to different population totals (a = 60, b = 100)
      what to do: all margins must describe the same population; correct the targets
    """
    totals = [m.total for m in margins]
    if totals and max(totals) - min(totals) > tolerance * max(totals):
        listing = ", ".join(f"{m.name} = {m.total:,.0f}" for m in margins)
        raise StatisticalError(
            f"{margins[0].source or 'margins'}: the margins add up to different population totals ({listing})",
            "all margins must describe the same population; correct the targets",
        )
