"""The disclosure policy: which published cells are confidential, as data.

A :class:`DisclosurePolicy` is read from ``report.disclosure`` in a study's ``study.yaml``
(:func:`policy_from_config`) and is the only input of the suppression decision
(:mod:`survey.disclosure.suppress`). Its rules, with their defaults:

- ``min_cell_count`` (10): a cell is confidential when fewer respondents gave the answer, or
  when its base (respondents with a valid answer in the group) is smaller; means, totals and
  quantiles when their base is smaller.
- ``protect_zeros`` (false): whether a shown count of 0 counts as a small cell. By default it
  does not: an empty cell describes nobody. (The complement of a share of 100% is not shown as
  a cell and is not protected either way.)
- ``dominance`` (off): for magnitude cells (means and totals of business figures), the
  (n, k) rule ("the n largest contributors hold more than k% of the cell total") or the p% rule
  ("the cell total minus its two largest contributions is less than p% of the largest"), as in
  Hundepool et al., *Statistical Disclosure Control* (Wiley, 2012), section 4.2, and
  Statistics Netherlands' tau-ARGUS. Contributions are the respondents' own (unweighted)
  absolute values.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from survey.errors import InputError

__all__ = ["DisclosurePolicy", "DominanceRule", "policy_from_config"]

_POLICY_KEYS = ("min_cell_count", "protect_zeros", "dominance")
_RULE_KEYS = {"nk": ("rule", "n", "k"), "p": ("rule", "p")}


@dataclass(frozen=True)
class DominanceRule:
    """A dominance rule for magnitude cells.

    Parameters
    ----------
    rule
        ``"nk"``: the ``n`` largest contributions are more than ``k`` percent of the cell
        total; ``"p"``: the total minus the two largest contributions is less than ``p``
        percent of the largest (the second-largest contributor could estimate the largest
        within ``p`` percent).
    n, k
        Of the (n, k) rule: contributors (at least 1) and percentage (above 0, below 100).
    p
        Of the p% rule: percentage (above 0).

    Examples
    --------
    >>> DominanceRule("nk", n=1, k=60).dominated([80, 10, 10])
    True
    >>> DominanceRule("p", p=10).dominated([50, 40, 30])
    False
    """

    rule: str
    n: int = 1
    k: float = 0.0
    p: float = 0.0

    def __post_init__(self) -> None:
        if self.rule not in _RULE_KEYS:
            raise InputError(
                f"report.disclosure.dominance.rule must be 'nk' or 'p', not {self.rule!r}",
                "use {rule: nk, n: 2, k: 85} or {rule: p, p: 10}",
            )
        if self.rule == "nk" and not (self.n >= 1 and 0 < self.k < 100):
            raise InputError(
                f"report.disclosure.dominance: the (n, k) rule needs n >= 1 and 0 < k < 100, "
                f"not n = {self.n!r}, k = {self.k!r}",
                "e.g. {rule: nk, n: 2, k: 85}",
            )
        if self.rule == "p" and not self.p > 0:
            raise InputError(
                f"report.disclosure.dominance: the p% rule needs p > 0, not {self.p!r}",
                "e.g. {rule: p, p: 10}",
            )

    def dominated(self, values: Any) -> bool:
        """Whether a cell with these contributions is confidential under the rule.

        Parameters
        ----------
        values
            The respondents' contributions to the cell (missing values are left out; the
            absolute values count).

        Returns
        -------
        bool
            True when the rule flags the cell; an empty cell is not flagged.
        """
        import numpy as np

        x = np.abs(np.asarray(values, dtype=float))
        x = np.sort(x[np.isfinite(x)])[::-1]
        total = float(x.sum())
        if x.size == 0 or total == 0:
            return False
        if self.rule == "nk":
            return bool(x[: self.n].sum() > self.k / 100 * total)
        rest = total - float(x[:2].sum())
        return bool(rest < self.p / 100 * float(x[0]))

    def describe(self) -> str:
        """The rule in one line, e.g. ``"(n, k) = (2, 85%)"`` or ``"p% = 10%"``."""
        if self.rule == "nk":
            return f"(n, k) = ({self.n}, {self.k:g}%)"
        return f"p% = {self.p:g}%"


@dataclass(frozen=True)
class DisclosurePolicy:
    """Which cells of a publication are confidential.

    Parameters
    ----------
    min_cell_count
        The smallest number of respondents a shown cell, and its base, may rest on.
    protect_zeros
        Treat a count of 0 as a small cell too.
    dominance
        The dominance rule for means and totals, or None (off).

    Examples
    --------
    >>> policy = DisclosurePolicy(min_cell_count=10)
    >>> policy.small(3), policy.small(0), policy.small(10)
    (True, False, False)
    """

    min_cell_count: int = 10
    protect_zeros: bool = False
    dominance: DominanceRule | None = None

    def __post_init__(self) -> None:
        count = self.min_cell_count
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            raise InputError(
                f"report.disclosure.min_cell_count must be a whole number of at least 1, "
                f"not {count!r}",
                "set it to the minimum agreed with the data owner, e.g. 10",
            )
        if not isinstance(self.protect_zeros, bool):
            raise InputError(
                f"report.disclosure.protect_zeros must be true or false, not "
                f"{self.protect_zeros!r}",
                "write protect_zeros: true or leave it out (default false)",
            )

    def small(self, count: float) -> bool:
        """Whether a count of respondents is too small to show."""
        if count != count:  # NaN: nothing counted, nothing shown
            return False
        return bool(count < self.min_cell_count and (count > 0 or self.protect_zeros))

    def to_dict(self) -> dict[str, Any]:
        """The policy as plain data (for the provenance record)."""
        rule = self.dominance
        return {
            "min_cell_count": self.min_cell_count,
            "protect_zeros": self.protect_zeros,
            "dominance": None if rule is None else rule.describe(),
        }


def _unknown(spec: Mapping[str, Any], known: tuple[str, ...], where: str) -> None:
    from survey.strict import unknown

    found = unknown(spec, known, where)
    if found:
        raise InputError(f"{found[0]} (in the study config)", "correct or remove the key")


def policy_from_config(spec: Mapping[str, Any] | None) -> DisclosurePolicy:
    """Read ``report.disclosure`` of a study config.

    Parameters
    ----------
    spec
        The mapping under ``report.disclosure`` (None: every default).

    Returns
    -------
    DisclosurePolicy
        The policy; an unknown key or a bad value is an :class:`~survey.errors.InputError`.

    Examples
    --------
    >>> policy_from_config({"min_cell_count": 5, "dominance": {"rule": "p", "p": 10}})
    DisclosurePolicy(min_cell_count=5, protect_zeros=False, dominance=DominanceRule(rule='p', n=1, k=0.0, p=10.0))
    """
    if spec is not None and not isinstance(spec, Mapping):
        raise InputError(
            f"report.disclosure must be a mapping of its rules, not {spec!r}",
            "e.g. disclosure: {min_cell_count: 10} (README, 'Disclosure control')",
        )
    spec = dict(spec or {})
    _unknown(spec, _POLICY_KEYS, "report.disclosure")
    rule = spec.get("dominance")
    dominance = None
    if rule is not None:
        if not isinstance(rule, Mapping) or rule.get("rule") not in _RULE_KEYS:
            raise InputError(
                f"report.disclosure.dominance must name a rule, nk or p, not {rule!r}",
                "use {rule: nk, n: 2, k: 85} or {rule: p, p: 10}",
            )
        _unknown(rule, _RULE_KEYS[rule["rule"]], "report.disclosure.dominance")
        numbers = {k: v for k, v in rule.items() if k != "rule"}
        for key, value in numbers.items():
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise InputError(
                    f"report.disclosure.dominance.{key} must be a number, not {value!r}",
                    "e.g. {rule: nk, n: 2, k: 85}",
                )
        if "n" in numbers and numbers["n"] != int(numbers["n"]):
            raise InputError(
                f"report.disclosure.dominance.n must be a whole number, not {numbers['n']!r}",
                "e.g. n: 2",
            )
        dominance = DominanceRule(
            str(rule["rule"]),
            n=int(numbers.get("n", 1)),
            k=float(numbers.get("k", 0.0)),
            p=float(numbers.get("p", 0.0)),
        )
    return DisclosurePolicy(
        min_cell_count=spec.get("min_cell_count", 10),
        protect_zeros=spec.get("protect_zeros", False),
        dominance=dominance,
    )
