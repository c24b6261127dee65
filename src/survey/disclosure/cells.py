"""Cells: the sets of respondents that published numbers rest on.

Every number a report shows rests on a set of respondents: "organisations with experience
that named obstacle X" (a count cell), "organisations with experience with a valid answer to
X" (its base), or the sum of a magnitude over a base (a mean or total). A :class:`Cell` names
such a set by its wave, its domain (conditions on other variables) and the answer; a
:class:`Use` is one appearance of a cell in a table row, with its counts. The analysis kinds
put the uses of every row in a column ``cells`` (a tuple of :class:`Use`), so that the
suppression decision (:mod:`survey.disclosure.suppress`) can see when two tables show the
same cell, and which cells add up to which.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import pandas as pd

__all__ = ["COUNT", "SUM", "Cell", "Use", "estimate_uses", "quantile_measure"]

#: The measure of a cell of respondents (a frequency).
COUNT = "count"
#: The measure of a magnitude cell: the sum of the variable over the cell (means, totals).
SUM = "sum"


def quantile_measure(probability: float) -> str:
    """The measure of a quantile cell, e.g. ``"quantile 0.5"``."""
    return f"quantile {float(probability):g}"


@dataclass(frozen=True)
class Cell:
    """A set of respondents of one wave, and what is measured on it.

    Parameters
    ----------
    wave
        The wave (or data file) the respondents are from.
    where
        The domain: ``(variable, label)`` conditions that all hold, sorted by variable.
    variable
        The answered variable.
    level
        The answer (a value label); None for the base: everyone in the domain with a valid
        answer to ``variable``.
    measure
        :data:`COUNT` (respondents), :data:`SUM` (the sum of ``variable``: means and totals)
        or a quantile (:func:`quantile_measure`).

    Examples
    --------
    >>> cell = Cell("beso2011", (("experience_group", "Met ervaring"),), "motive", "Anders")
    >>> str(cell)
    'beso2011: experience_group = Met ervaring; motive = Anders'
    >>> str(cell.base)
    'beso2011: experience_group = Met ervaring; motive answered'
    """

    wave: str
    where: tuple[tuple[str, str], ...] = ()
    variable: str = ""
    level: str | None = None
    measure: str = COUNT

    @classmethod
    def of(
        cls,
        wave: str,
        variable: str,
        level: Any = None,
        where: Mapping[str, Any] | Iterable[tuple[str, Any]] = (),
        measure: str = COUNT,
    ) -> Cell:
        """A cell with its domain given as a mapping or pairs (sorted, labels as text)."""
        pairs = where.items() if isinstance(where, Mapping) else where
        domain = tuple(sorted((str(k), str(v)) for k, v in pairs if v is not None))
        return cls(str(wave), domain, str(variable), None if level is None else str(level), measure)

    @property
    def base(self) -> Cell:
        """The cell's base: the domain's respondents with a valid answer."""
        return replace(self, level=None, measure=COUNT)

    @property
    def is_base(self) -> bool:
        """True for a base cell (a count with no level)."""
        return self.level is None and self.measure == COUNT

    @property
    def additive(self) -> bool:
        """True when cells of this measure add up over a partition (counts and sums)."""
        return self.measure in (COUNT, SUM)

    def without(self, variable: str) -> Cell:
        """The same cell with the condition on ``variable`` dropped from the domain."""
        return replace(self, where=tuple(p for p in self.where if p[0] != variable))

    def sort_key(self) -> tuple[str, ...]:
        """A total order on cells (``level`` None sorts first)."""
        level = "" if self.level is None else "\x01" + self.level
        return (self.wave, repr(self.where), self.variable, level, self.measure)

    def __str__(self) -> str:
        parts = [f"{k} = {v}" for k, v in self.where]
        if self.measure == COUNT:
            parts.append(
                f"{self.variable} answered" if self.level is None else
                f"{self.variable} = {self.level}"
            )  # fmt: skip
        else:
            parts.append(f"{self.measure} of {self.variable}")
        return f"{self.wave}: " + "; ".join(parts)


@dataclass(frozen=True)
class Use:
    """One appearance of a cell in a table row.

    Parameters
    ----------
    cell
        The cell.
    count
        Respondents in the cell (for a base, magnitude or quantile cell: in its base).
    base
        Respondents in the cell's base.
    dominated
        True when the dominance rule flags the cell (magnitude cells).
    """

    cell: Cell
    count: int
    base: int
    dominated: bool = False


def _count(value: Any) -> int:
    number = pd.to_numeric(value, errors="coerce")
    return 0 if pd.isna(number) else int(number)


def estimate_uses(
    frame: pd.DataFrame,
    wave: str,
    variable: str | Sequence[str],
    *,
    by: str | None = None,
    where: Mapping[str, Any] | None = None,
    measure: str = COUNT,
    dominated: Sequence[bool] | None = None,
) -> list[tuple[Use, ...]]:
    """The uses of every row of an estimate table (:func:`survey.analysis.estimate.estimate`).

    Parameters
    ----------
    frame
        Estimate rows with ``n`` and, for shares, ``level`` and ``n_level``; a ``group``
        column when ``by`` is given; a ``quantile`` column for quantiles.
    wave
        The wave or file the rows are from.
    variable
        The estimated variable, or one per row.
    by
        The grouping variable: each row's domain gets ``by = <group>``.
    where
        Conditions every row's domain has.
    measure
        :data:`COUNT` for shares, :data:`SUM` for means and totals; quantile rows get
        their quantile measure from the ``quantile`` column.
    dominated
        Per row, whether the dominance rule flags it.

    Returns
    -------
    list of tuple of Use
        One tuple (of one use) per row.

    Examples
    --------
    >>> rows = pd.DataFrame({"level": ["Ja", "Nee"], "n": [20, 20], "n_level": [3, 17]})
    >>> [str(u[0].cell) for u in estimate_uses(rows, "w1", "q1")]
    ['w1: q1 = Ja', 'w1: q1 = Nee']
    """
    names = [variable] * len(frame) if isinstance(variable, str) else list(variable)
    flags = list(dominated) if dominated is not None else [False] * len(frame)
    out: list[tuple[Use, ...]] = []
    for i, (_, row) in enumerate(frame.iterrows()):
        domain = dict(where or {})
        if by is not None:
            domain[by] = row["group"]
        level = row.get("level") if measure == COUNT and "quantile" not in frame.columns else None
        this = measure
        if "quantile" in frame.columns:
            this = quantile_measure(float(row["quantile"]))
        base = _count(row.get("n"))
        if measure == COUNT and this == COUNT and level is not None and not pd.isna(level):
            count = _count(row.get("n_level"))
        else:
            level, count = None, base
        cell = Cell.of(wave, names[i], level, domain, this)
        out.append((Use(cell, count, base, bool(flags[i])),))
    return out
