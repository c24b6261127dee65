"""What every analysis kind shares: the context it runs in, its items and their labels, shares.

:class:`Context` carries the study's data (designs, codebooks, diagnostics, population tables)
and the confidence level and CI method; :func:`expand_items` turns declared items (variables or
codebook sets: batteries, multiple-response sets, name patterns) into variables with their
labels; :func:`share_rows` gives the share of one variable by group or in a declared base. The
kinds themselves are in :mod:`survey.study.kinds`. Nothing here names a study's variable.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from survey.analysis.design import SurveyDesign
from survey.analysis.estimate import proportions, quietly
from survey.codebook import Codebook
from survey.disclosure import DominanceRule
from survey.errors import InputError
from survey.study import spec as s
from survey.study.designs import StudyData

__all__ = [
    "Context",
    "Resolved",
    "domain_design",
    "expand_items",
    "item_set",
    "pick_level",
    "row_values",
    "share_rows",
    "table_frame",
    "variable_label",
]


@dataclass
class Context:
    """What every analysis may use.

    Attributes
    ----------
    data
        The designs, codebooks, weighting diagnostics and population tables of the study.
    root
        The study folder (relative paths in declarations resolve against it).
    level
        Confidence level of every interval.
    ci
        CI method for proportions (``logit``, ``wilson``, ``beta``, ``wald``).
    weights
        Analysis id -> weights it made (reweighting), for analyses that use them.
    dominance
        The dominance rule of the disclosure policy, for magnitude cells (None: off).
    """

    data: StudyData
    root: Path
    level: float = 0.95
    ci: str = "logit"
    weights: dict[str, np.ndarray] = field(default_factory=dict)
    dominance: DominanceRule | None = None

    @property
    def designs(self) -> Mapping[str, SurveyDesign]:
        """Wave -> design (calibrated where the study weights the wave)."""
        return self.data.designs

    @property
    def books(self) -> Mapping[str, Codebook]:
        """Wave -> codebook."""
        return self.data.books

    def design(self, analysis: Any) -> SurveyDesign:
        """The design an analysis runs on: its ``wave``, or the only wave of the study."""
        wave = self.wave(analysis)
        return self.designs[wave]

    def wave(self, analysis: Any) -> str:
        """The wave an analysis names, checked; the only wave when it names none."""
        wave = analysis.wave
        if wave is None:
            if len(self.designs) != 1:
                raise InputError(
                    f"analysis '{analysis.id}': no wave is named and the study has "
                    f"{len(self.designs)}",
                    f"add `wave:` with one of: {', '.join(self.designs)}",
                )
            return next(iter(self.designs))
        if wave not in self.designs:
            raise InputError(
                f"analysis '{analysis.id}': no wave '{wave}' in the study",
                f"use one of: {', '.join(self.designs)}",
            )
        return wave

    def book(self, analysis: Any) -> Codebook:
        """The codebook of an analysis's wave."""
        return self.books[self.wave(analysis)]


def variable_label(book: Codebook, name: str, what: str) -> str:
    """The codebook label of a processed variable (a variable or a derived one).

    Raises
    ------
    InputError
        The codebook has no such variable (give the item a ``label:`` in the analyses file).
    """
    if name in book.variables:
        return book.variables[name].label
    if name in book.derived:
        return book.derived[name].label
    raise InputError(
        f"{what}: variable '{name}' is not in the codebook of {book.wave}",
        "use a variable of the codebook, or give the item a `label:`",
    )


def pick_level(table: pd.DataFrame, level: str | None, what: str, variable: str) -> pd.DataFrame:
    """The rows of one level of a proportions table (all rows when ``level`` is None).

    Raises
    ------
    InputError
        The variable has no such level (the message lists its levels).
    """
    if level is None:
        return table
    picked = table.loc[table["level"] == level]
    if picked.empty:
        known = ", ".join(f"'{v}'" for v in pd.unique(table["level"].dropna()))
        raise InputError(
            f"{what}: variable '{variable}' has no level '{level}'",
            f"use one of its levels: {known}",
        )
    return picked


def domain_design(design: SurveyDesign, where: Mapping[str, str], name: str) -> SurveyDesign:
    """The design with a one-level domain ``__base__`` (named ``name``): rows where all hold."""
    mask = pd.Series(True, index=design.data.index)
    for variable, label in where.items():
        mask &= (design.column(variable).astype(object) == label).fillna(False)
    return design.with_domain(mask, "__base__", name)


def share_rows(
    ctx: Context,
    design: SurveyDesign,
    variable: str,
    level: str | None,
    what: str,
    *,
    by: str | None = None,
    where: Mapping[str, str] | None = None,
    base: str | None = None,
) -> pd.DataFrame:
    """Shares of one variable: by ``by``, or in the base ``where`` (named ``base``), or overall."""
    if where:
        design = domain_design(design, where, base or "base")
        table = quietly(proportions, design, variable, by="__base__", ci=ctx.ci, level=ctx.level)
        table = table.assign(group=base)
    else:
        table = quietly(proportions, design, variable, by=by, ci=ctx.ci, level=ctx.level)
    return pick_level(table, level, what, variable)


@dataclass(frozen=True)
class Resolved:
    """One variable of an analysis, with its label looked up (item sets expanded)."""

    variable: str
    label: str
    level: str | None = None
    where: Mapping[str, str] = field(default_factory=dict)
    base: str | None = None
    domain: str | None = None


def expand_items(ctx: Context, analysis: Any, items: Sequence[Any]) -> list[Resolved]:
    """The analysis's items, one per variable, item sets expanded from the codebook."""
    book = ctx.book(analysis)
    what = f"analysis '{analysis.id}'"
    out: list[Resolved] = []
    for item in items:
        if isinstance(item, str):
            out.append(Resolved(item, variable_label(book, item, what)))
        elif item.variable is not None:
            label = item.label or variable_label(book, item.variable, what)
            out.append(
                Resolved(item.variable, label, item.level, item.where, item.base, item.domain)
            )
        else:
            out += [
                Resolved(c, lab, item.level, domain=item.domain)
                for c, lab in item_set(book, item, what)
            ]
    return out


def item_set(book: Codebook, item: s.ItemSet, what: str) -> list[tuple[str, str]]:
    """The (column, label) pairs of a battery, a multiple-response set or a name pattern."""
    if item.battery is not None:
        if item.battery not in book.batteries:
            raise InputError(
                f"{what}: the codebook of {book.wave} has no battery '{item.battery}'",
                f"use one of: {', '.join(book.batteries) or '(none)'}",
            )
        names = list(book.batteries[item.battery].items)
    elif item.mr_set is not None:
        if item.mr_set not in book.mr_sets:
            raise InputError(
                f"{what}: the codebook of {book.wave} has no multiple-response set '{item.mr_set}'",
                f"use one of: {', '.join(book.mr_sets) or '(none)'}",
            )
        mr = book.mr_sets[item.mr_set]
        names = [mr.none_item, *mr.items] if mr.none_item and item.include_none else list(mr.items)
    elif item.match is not None:
        names = [n for n in book.variables if fnmatch.fnmatchcase(n, item.match)]
        if not names:
            raise InputError(
                f"{what}: no variable of {book.wave} matches '{item.match}'",
                "correct the pattern (shell-style, e.g. 'hr_*')",
            )
    else:
        raise InputError(
            f"{what}: an item set needs `battery`, `mr_set` or `match`", "add one of them"
        )
    return [(item.column.format(item=n), variable_label(book, n, what)) for n in names]


def row_values(row: pd.Series, columns: Sequence[str]) -> dict[str, Any]:
    """The named cells of one estimate row."""
    return {k: row[k] for k in columns}


def table_frame(rows: list[dict[str, Any]], columns: Sequence[str]) -> pd.DataFrame:
    """A kind's table from its rows, with exactly its documented columns."""
    return pd.DataFrame(rows, columns=list(columns)).reset_index(drop=True)
