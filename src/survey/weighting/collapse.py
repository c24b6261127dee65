"""Sparse margin levels: merge levels without sample cases into neighbours along a declared hierarchy.

A margin level that no sample case falls in cannot reach its target; :func:`collapse_sparse`
merges it with a neighbouring level that the user declared mergeable (e.g. adjacent size classes),
summing their targets, and says what it merged.

This module does not decide which levels may be merged (the hierarchy is given by the user) and
does not weight anything; it never changes its inputs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from survey.errors import StatisticalError
from survey.io import FileMeta
from survey.weighting.margins import Margin, level_keys

__all__ = ["collapse_sparse"]


def collapse_sparse(
    frame: pd.DataFrame,
    margins: Sequence[Margin],
    hierarchy: Mapping[str, Sequence[Sequence[str]]],
    meta: FileMeta | None = None,
) -> tuple[pd.DataFrame, list[Margin], list[str]]:
    """Merge margin levels without sample cases into neighbours along a declared hierarchy.

    Parameters
    ----------
    frame
        The sample.
    margins
        The margins.
    hierarchy
        Variable -> ordered groups of levels that may be merged, e.g. adjacent size classes
        ``{"size_class": [["50 tot 100 ...", "100 of meer ..."]]}``. An empty level is merged
        with its next (else previous) neighbour in its group.
    meta
        Value labels of coded variables.

    Returns
    -------
    tuple
        The frame with merged levels (new labels ``"a + b"`` in the affected margin's variables,
        as text), the merged margins, and one line per collapse.

    Raises
    ------
    StatisticalError
        An empty level that the hierarchy does not allow to merge.

    Examples
    --------
    >>> frame = pd.DataFrame({"size": ["klein", "klein", "middel"]})
    >>> margin = Margin(("size",), {"klein": 60.0, "middel": 30.0, "groot": 10.0})
    >>> data, merged, lines = collapse_sparse(frame, [margin], {"size": [["middel", "groot"]]})
    >>> dict(merged[0].targets), data["size"].tolist()
    ({'klein': 60.0, 'middel + groot': 40.0}, ['klein', 'klein', 'middel + groot'])
    >>> lines
    ["size: 'groot' (no sample cases) merged with 'middel' into 'middel + groot'"]
    """
    data = frame.copy()
    out_margins = []
    collapses: list[str] = []
    for margin in margins:
        targets = dict(margin.targets)
        if len(margin.variables) != 1:
            out_margins.append(margin)
            continue
        (variable,) = margin.variables
        labels, _ = level_keys(data, [variable], meta)
        data[variable] = labels
        for _ in range(len(targets)):
            counts = labels.value_counts()
            empty = [lv for lv in targets if counts.get(lv, 0) == 0]
            if not empty:
                break
            level = empty[0]
            partner = _neighbour(level, list(targets), hierarchy.get(variable, ()))
            if partner is None:
                raise StatisticalError(
                    f"margin '{margin.name}' level '{level}' has no sample cases and the hierarchy allows no merge",
                    f"declare a group for '{variable}' that contains '{level}' with a neighbouring level",
                )
            merged = (
                f"{partner} + {level}"
                if list(targets).index(partner) < list(targets).index(level)
                else f"{level} + {partner}"
            )
            new_targets: dict[str, float] = {}
            for key, value in targets.items():
                if key in (level, partner):
                    new_targets.setdefault(merged, 0.0)
                    new_targets[merged] += value
                else:
                    new_targets[key] = value
            targets = new_targets
            labels = labels.replace({level: merged, partner: merged})
            hierarchy = {
                **hierarchy,
                variable: [
                    [merged if lv in (level, partner) else lv for lv in g]
                    for g in hierarchy.get(variable, ())
                ],
            }
            collapses.append(
                f"{margin.name}: '{level}' (no sample cases) merged with '{partner}' into '{merged}'"
            )
        data[variable] = labels
        out_margins.append(Margin(margin.variables, targets, margin.source))
    return data, out_margins, collapses


def _neighbour(level: str, order: list[str], groups: Sequence[Sequence[str]]) -> str | None:
    for group in groups:
        members = [g for g in dict.fromkeys(group)]
        if level in members:
            at = members.index(level)
            candidates = members[at + 1 :] + members[:at][::-1]
            for candidate in candidates:
                if candidate in order and candidate != level:
                    return candidate
    return None
