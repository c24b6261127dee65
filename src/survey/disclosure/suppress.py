"""The suppression decision: which cells are confidential, primary and secondary.

:func:`decide` takes every :class:`~survey.disclosure.cells.Use` of a publication (all its
tables together) and a :class:`~survey.disclosure.policy.DisclosurePolicy`, and returns a
:class:`Decision`: the suppressed cells, each with its reason.

1. **Primary suppression.** A count cell with fewer respondents than ``min_cell_count``, or
   with such a base, is suppressed (reason ``count`` or ``base``); a magnitude cell whose base
   is small (``base``) or that the dominance rule flags (``dominance``); a quantile with fewer
   than ``min_cell_count`` respondents on either side (``tail``).
2. **The relations an attacker can use.** Cells add up: the levels of a variable in a base
   (all its answers: the base minus the shown levels is the rest, so a complement or a last
   level is derivable), and the groups of a domain variable in a domain ("with" + "without" =
   "all"). Levels or groups that are not shown form one *rest* per relation, with its count.
   A rest with too few respondents is itself confidential: it must not be derivable either.
3. **Secondary suppression.** The decision treats every shown count as known (a shown share
   and its base reveal the count) and solves the relations for the unknowns: a confidential
   cell is derivable when the relations determine it exactly (it lies outside the span of the
   other unknowns). While one is, the cheapest shown cell linked to it whose suppression leaves
   it undetermined is suppressed too (reason ``secondary``); when no single cell does, the
   cheapest such pair. Cheapest is: not a base, then the smallest count, then the order of
   :meth:`Cell.sort_key`. Last, secondary cells that turn out not to be needed (largest count
   first) are shown again. The result is deterministic.

Because the check is exact linear algebra over all tables at once, a value repeated in another
table, in a figure or in a sentence is protected by the same decision.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np

from survey.disclosure.cells import COUNT, Cell, Use
from survey.disclosure.policy import DisclosurePolicy
from survey.errors import StatisticalError

__all__ = ["PRIMARY_REASONS", "REASONS", "Decision", "Relation", "decide", "derivable"]

#: The reasons of primary suppression, in the order a row reports them.
PRIMARY_REASONS = ("count", "base", "dominance", "tail")
#: Every reason a cell can be suppressed for.
REASONS = (*PRIMARY_REASONS, "secondary")


@dataclass(frozen=True)
class Rest:
    """The levels or groups of a relation that no table shows, as one unknown cell."""

    total: Cell
    variable: str
    count: int

    def sort_key(self) -> tuple[str, ...]:
        """A total order on rests, after the cells."""
        return ("~rest", *self.total.sort_key(), self.variable)

    def __str__(self) -> str:
        return f"{self.total}: the rest of {self.variable}"


Unknown = Cell | Rest


@dataclass(frozen=True)
class Relation:
    """``total = sum(parts) + rest``: cells that add up (the rest is None when it is empty)."""

    total: Cell
    parts: tuple[Cell, ...]
    rest: Rest | None

    def members(self) -> tuple[Unknown, ...]:
        """The total, the parts and the rest (when not empty)."""
        rest: tuple[Unknown, ...] = () if self.rest is None else (self.rest,)
        return (self.total, *self.parts, *rest)

    def coefficient(self, member: Unknown) -> float:
        """The member's coefficient in ``total - sum(parts) - rest = 0``."""
        return 1.0 if member == self.total else -1.0


@dataclass(frozen=True)
class Decision:
    """The outcome of :func:`decide`.

    Attributes
    ----------
    policy
        The policy applied.
    reasons
        Suppressed cell -> reason (one of :data:`REASONS`).
    counts
        Every cell seen -> its respondents.
    relations
        The relations between the cells.
    """

    policy: DisclosurePolicy
    reasons: Mapping[Cell, str] = field(default_factory=dict)
    counts: Mapping[Cell, int] = field(default_factory=dict)
    relations: tuple[Relation, ...] = ()

    def suppressed(self, cell: Cell) -> bool:
        """Whether the cell, or its base, is suppressed."""
        return cell in self.reasons or cell.base in self.reasons

    def row_reason(self, uses: Iterable[Use]) -> str | None:
        """Why a row showing these uses is suppressed (a primary reason first), or None."""
        found = set()
        for use in uses:
            for cell in (use.cell, use.cell.base):
                if cell in self.reasons:
                    found.add(self.reasons[cell])
        for reason in REASONS:
            if reason in found:
                return reason
        return None

    def base_suppressed(self, uses: Iterable[Use]) -> bool:
        """Whether the base of any of these uses is suppressed (its count is hidden)."""
        return any(use.cell.base in self.reasons for use in uses)


def _counts(uses: Iterable[Use]) -> tuple[dict[Cell, int], dict[Cell, bool]]:
    counts: dict[Cell, int] = {}
    dominated: dict[Cell, bool] = defaultdict(bool)

    def note(cell: Cell, count: int) -> None:
        seen = counts.setdefault(cell, count)
        if seen != count:
            raise StatisticalError(
                f"disclosure control: the cell '{cell}' has {seen} respondents in one table "
                f"and {count} in another",
                "this is a bug in how the tables count respondents; please report it",
            )

    for use in uses:
        note(use.cell, use.count)
        note(use.cell.base, use.base)
        dominated[use.cell] |= use.dominated
    return counts, dominated


def _primary(
    counts: Mapping[Cell, int], dominated: Mapping[Cell, bool], policy: DisclosurePolicy
) -> dict[Cell, str]:
    reasons = {}
    for cell, count in counts.items():
        base = counts[cell.base]
        if cell.is_base:
            if policy.small(count):
                reasons[cell] = "base"
        elif cell.measure == COUNT and policy.small(count):
            reasons[cell] = "count"
        elif policy.small(base):
            reasons[cell] = "base"
        elif dominated.get(cell, False):
            reasons[cell] = "dominance"
        elif cell.measure.startswith("quantile "):
            p = float(cell.measure.split()[1])
            tail = round(base * min(p, 1 - p), 9)  # 1 - 0.9 is 0.0999...
            if tail < policy.min_cell_count:
                reasons[cell] = "tail"
    return reasons


def _relations(counts: Mapping[Cell, int], policy: DisclosurePolicy) -> list[Relation]:
    groups: dict[tuple[Cell, str], list[Cell]] = defaultdict(list)
    for cell in counts:
        if not cell.additive:
            continue
        if not cell.is_base and cell.measure == COUNT:
            groups[(cell.base, cell.variable)].append(cell)
        for variable, _ in cell.where:
            parent = cell.without(variable)
            if parent in counts:
                groups[(parent, variable)].append(cell)
    relations = []
    for (total, variable), parts in sorted(
        groups.items(), key=lambda kv: (kv[0][0].sort_key(), kv[0][1])
    ):
        parts = sorted(set(parts), key=Cell.sort_key)
        if total.measure == COUNT:
            remaining = counts[total] - sum(counts[p] for p in parts)
        else:  # a magnitude: the rest has the respondents the parts' bases leave out
            remaining = counts[total.base] - sum(counts[p.base] for p in parts)
        if remaining < 0:
            raise StatisticalError(
                f"disclosure control: the parts of '{total}' by {variable} have more "
                "respondents than the whole",
                "this is a bug in how the tables count respondents; please report it",
            )
        rest = Rest(total, variable, remaining) if remaining > 0 else None
        relations.append(Relation(total, tuple(parts), rest))
    return relations


def derivable(relations: Iterable[Relation], unknown: set[Unknown]) -> set[Unknown]:
    """The unknowns that the relations determine exactly, given every other cell.

    Parameters
    ----------
    relations
        The relations between the cells.
    unknown
        The cells (and rests) that are not published.

    Returns
    -------
    set
        The unknowns whose value follows from the published cells: those outside the span of
        the other unknowns' columns in the system of relations.
    """
    from scipy.linalg import null_space

    equations = [[(m, r.coefficient(m)) for m in r.members() if m in unknown] for r in relations]
    equations = [e for e in equations if e]
    parent: dict[Unknown, Unknown] = {}

    def find(x: Unknown) -> Unknown:
        while parent.setdefault(x, x) != x:
            x = parent[x]
        return x

    for equation in equations:
        first = find(equation[0][0])
        for member, _ in equation[1:]:
            parent[find(member)] = first
    components: dict[Unknown, list[list[tuple[Unknown, float]]]] = defaultdict(list)
    for equation in equations:
        components[find(equation[0][0])].append(equation)
    found: set[Unknown] = set()
    for rows in components.values():
        columns = sorted({m for row in rows for m, _ in row}, key=lambda m: m.sort_key())
        index = {m: i for i, m in enumerate(columns)}
        matrix = np.zeros((len(rows), len(columns)))
        for i, row in enumerate(rows):
            for member, coefficient in row:
                matrix[i, index[member]] = coefficient
        basis = null_space(matrix)
        free = np.abs(basis).max(axis=1) if basis.size else np.zeros(len(columns))
        found |= {m for m, weight in zip(columns, free, strict=True) if weight < 1e-9}
    return found


def decide(uses: Iterable[Use], policy: DisclosurePolicy) -> Decision:
    """Decide which cells to suppress so that no confidential cell is shown or derivable.

    Parameters
    ----------
    uses
        Every use of a cell in the publication.
    policy
        The disclosure policy.

    Returns
    -------
    Decision
        The suppressed cells with their reasons.

    Examples
    --------
    >>> from survey.disclosure.cells import Cell, Use
    >>> levels = {"a": 50, "b": 42, "c": 5, "d": 3}
    >>> uses = [Use(Cell.of("w", "q", k), v, 100) for k, v in levels.items()]
    >>> decision = decide(uses, DisclosurePolicy(min_cell_count=10))
    >>> sorted((c.level, r) for c, r in decision.reasons.items())
    [('c', 'count'), ('d', 'count')]
    >>> uses = [Use(Cell.of("w", "q", k), v, 100) for k, v in {"a": 50, "b": 45, "c": 5}.items()]
    >>> sorted((c.level, r) for c, r in decide(uses, DisclosurePolicy()).reasons.items())
    [('b', 'secondary'), ('c', 'count')]
    """
    counts, dominated = _counts(uses)
    reasons = _primary(counts, dominated, policy)
    relations = _relations(counts, policy)
    sensitive_rests = {
        r.rest for r in relations if r.rest is not None and policy.small(r.rest.count)
    }
    rests: set[Unknown] = {r.rest for r in relations if r.rest is not None}

    def exposed(hidden: Mapping[Cell, str]) -> list[Unknown]:
        unknown = {c for c in counts if c in hidden or c.base in hidden} | rests
        zeros = _zero_sums(relations, unknown, counts)
        return sorted(
            (
                x
                for x in derivable(relations, unknown - zeros) | zeros
                if x in sensitive_rests
                or (isinstance(x, Cell) and x in hidden and hidden[x] != "secondary")
            ),
            key=lambda x: x.sort_key(),
        )

    while found := exposed(reasons):
        unknown = {c for c in counts if c in reasons or c.base in reasons} | rests
        for cell in _cheapest(found[0], relations, unknown, counts):
            reasons[cell] = "secondary"
    extra = sorted(
        (c for c, r in reasons.items() if r == "secondary"),
        key=lambda c: (-counts[c], c.sort_key()),
    )
    for cell in extra:
        trial = {c: r for c, r in reasons.items() if c != cell}
        if not exposed(trial):
            reasons = trial
    return Decision(policy, reasons, counts, tuple(relations))


def _zero_sums(
    relations: Iterable[Relation], unknown: set[Unknown], counts: Mapping[Cell, int]
) -> set[Unknown]:
    """Unknowns that are 0 because the unknown parts of a relation add up to 0.

    Counts are not negative, so such parts are all 0; repeated until nothing more follows.
    """
    zeros: set[Unknown] = set()
    changed = True
    while changed:
        changed = False
        for relation in relations:
            if relation.total in unknown - zeros:
                continue
            parts = [m for m in relation.members()[1:] if m in unknown - zeros]
            size = sum(m.count if isinstance(m, Rest) else counts[m] for m in parts)
            if parts and size == 0:
                zeros |= set(parts)
                changed = True
    return zeros


#: Pairs of secondary cells are searched among this many cheapest candidates.
_PAIR_CANDIDATES = 30


def _cheapest(
    target: Unknown, relations: list[Relation], unknown: set[Unknown], counts: Mapping[Cell, int]
) -> tuple[Cell, ...]:
    """The shown cell(s) whose suppression protects ``target`` at the least cost.

    The candidates are the shown cells of the relations linked to ``target`` through unknowns,
    cheapest first. The first whose suppression leaves ``target`` undetermined is taken; else
    the cheapest pair that does; else the cheapest cell (the next round adds another).
    """
    linked: set[Unknown] = {target}
    near: list[Relation] = []
    grown = True
    while grown:
        near = [r for r in relations if linked & set(r.members())]
        more = {m for r in near for m in r.members() if m in unknown}
        grown = not more <= linked
        linked |= more
    shown = {m for r in near for m in r.members() if isinstance(m, Cell) and m not in unknown}

    def cost(cell: Cell) -> tuple[bool, int, tuple[str, ...]]:
        return (cell.is_base, counts[cell], cell.sort_key())

    candidates = sorted(shown, key=cost)
    if not candidates:
        raise StatisticalError(
            f"disclosure control: cannot protect '{target}': no shown cell is left to suppress",
            "this is a bug in the suppression; please report it",
        )
    for candidate in candidates:
        if target not in derivable(near, unknown | {candidate}):
            return (candidate,)
    cheap = candidates[:_PAIR_CANDIDATES]
    pairs = sorted(
        ((a, b) for i, a in enumerate(cheap) for b in cheap[i + 1 :]),
        key=lambda p: (p[0].is_base or p[1].is_base, counts[p[0]] + counts[p[1]], cost(p[0])),
    )
    for pair in pairs:
        if target not in derivable(near, unknown | set(pair)):
            return pair
    return (candidates[0],)
