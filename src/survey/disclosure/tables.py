"""Apply a suppression decision to tables: the one place published numbers are blanked.

:func:`disclose` takes a publication's tables (rows carrying their cells in a ``cells`` column,
:mod:`survey.disclosure.cells`), decides over all of them at once
(:func:`survey.disclosure.suppress.decide`) and returns the tables as they may be published:

- every value that reveals a suppressed cell is missing (the :data:`BLANKED` columns), the
  base ``n`` too when the base itself is suppressed; a comparison of a suppressed cell gets the
  verdict ``not_assessable``; a reproduced published figure reads ``[c]``;
- a column ``status`` with the bracketed flags of government statistics tables, :data:`FLAGS`
  (``[c]`` confidential, ``[u]`` low reliability), and a column ``reason`` saying why
  (``count``, ``base``, ``dominance``, ``tail``, ``secondary``; ``reliability`` for ``[u]``);
- the ``cells`` column is dropped.

Tables without cells but with a base ``n`` (model coefficients, reliability) are suppressed by
their base alone. Every output (HTML, PDF, CSV, figures, alt text, sentences, notebook display)
reads only what this module returns.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from survey.disclosure.cells import estimate_uses
from survey.disclosure.policy import DisclosurePolicy
from survey.disclosure.suppress import Decision, decide

__all__ = [
    "BLANKED",
    "FLAGS",
    "Disclosed",
    "disclose",
    "is_disclosed",
    "protect_estimates",
    "publish_frame",
    "reliability_flag",
]

#: The bracketed flags (as in UK and Dutch government statistics tables) and their meaning.
FLAGS = {
    "[c]": "confidential: suppressed by disclosure control",
    "[u]": "low reliability",
    "[x]": "not available",
    "[z]": "not applicable",
}

#: The columns blanked in a suppressed row: estimates and everything that reveals them.
BLANKED = (
    "estimate",
    "se",
    "ci_low",
    "ci_high",
    "n_level",
    "cv",
    "deff",
    "odds_ratio",
    "or_ci_low",
    "or_ci_high",
    "estimate_a",
    "estimate_b",
    "estimate_from",
    "estimate_to",
    "difference",
    "mdd",
    "t",
    "p_value",
    "p_holm",
    "unweighted",
    "unweighted_low",
    "unweighted_high",
    "weighted",
    "weighted_low",
    "weighted_high",
    "alpha",
    "alpha_weighted",
)

_NOT_ASSESSABLE = "not_assessable"


@dataclass(frozen=True)
class Disclosed:
    """Tables as they may be published, and the decision that made them.

    Attributes
    ----------
    tables
        Table id -> published frame (with ``status`` and ``reason``, without ``cells``).
    decision
        The suppression decision over all tables.
    """

    tables: dict[str, pd.DataFrame]
    decision: Decision


def reliability_flag(flag: Any) -> bool:
    """Whether an NCHS flag text (``"suppress: ..."``, ``"review: ..."``) marks low reliability.

    Examples
    --------
    >>> reliability_flag("review: fewer than 30 respondents"), reliability_flag("")
    (True, False)
    """
    if not isinstance(flag, str):
        return False
    head = flag.strip().lower()
    return any(head == k or head.startswith(k + ":") for k in ("suppress", "review"))


def is_disclosed(frame: pd.DataFrame) -> bool:
    """Whether a frame came out of :func:`disclose` (it has ``status`` and no ``cells``)."""
    return "status" in frame.columns and "cells" not in frame.columns


def _blank(frame: pd.DataFrame, rows: pd.Series, columns: tuple[str, ...]) -> pd.DataFrame:
    for name in columns:
        if name not in frame.columns or not rows.any():
            continue
        column = frame[name]
        if pd.api.types.is_integer_dtype(column) or pd.api.types.is_bool_dtype(column):
            column = column.astype("Int64")
        elif not pd.api.types.is_numeric_dtype(column):
            column = column.astype(object)
        frame[name] = column.mask(rows)
    return frame


def _reasons(frame: pd.DataFrame, decision: Decision) -> tuple[pd.Series, pd.Series]:
    """Per row: the suppression reason (or None) and whether its base count is hidden."""
    if "cells" in frame.columns:
        uses = frame["cells"].map(lambda u: tuple(u) if isinstance(u, tuple | list) else ())
        reasons = uses.map(decision.row_reason)
        hidden_base = uses.map(decision.base_suppressed).astype(bool)
        return reasons, hidden_base
    if "n" in frame.columns and any(c in frame.columns for c in BLANKED):
        n = pd.to_numeric(frame["n"], errors="coerce")
        small = n.map(decision.policy.small).astype(bool)
        return small.map(lambda s: "base" if s else None), small
    none = pd.Series([None] * len(frame), index=frame.index, dtype=object)
    return none, pd.Series(False, index=frame.index)


def publish_frame(frame: pd.DataFrame, decision: Decision) -> pd.DataFrame:
    """One table as it may be published under the decision (see the module docstring).

    Parameters
    ----------
    frame
        A table, with a ``cells`` column where its rows rest on cells.
    decision
        The decision over the whole publication.

    Returns
    -------
    pandas.DataFrame
        A copy with suppressed values missing, ``status`` and ``reason``, without ``cells``.
    """
    out = frame.copy()
    reasons, hidden_base = _reasons(out, decision)
    suppressed = reasons.notna()
    out = _blank(out, suppressed, BLANKED)
    out = _blank(out, hidden_base & suppressed, ("n",))
    if "verdict" in out.columns:
        out["verdict"] = out["verdict"].astype(object).mask(suppressed, _NOT_ASSESSABLE)
    for name, value in (("reproduced", "[c]"), ("evidence", "")):
        if name in out.columns:
            out[name] = out[name].astype(object).mask(suppressed, value)
    low = (
        out["flag"].map(reliability_flag).astype(bool)
        if "flag" in out.columns
        else pd.Series(False, index=out.index)
    )
    out["status"] = [
        "[c]" if s else ("[u]" if u else "") for s, u in zip(suppressed, low, strict=True)
    ]
    out["reason"] = [
        str(r) if s else ("reliability" if u else "")
        for r, s, u in zip(reasons, suppressed, low, strict=True)
    ]
    return out.drop(columns=[c for c in ("cells",) if c in out.columns])


def disclose(tables: Mapping[str, pd.DataFrame], policy: DisclosurePolicy) -> Disclosed:
    """Decide over every table of a publication at once and return them as publishable.

    Parameters
    ----------
    tables
        Table id -> frame; rows resting on cells carry them in a ``cells`` column.
    policy
        The disclosure policy.

    Returns
    -------
    Disclosed
        The published tables and the decision.
    """
    uses = [
        use
        for frame in tables.values()
        if "cells" in frame.columns
        for row in frame["cells"]
        if isinstance(row, tuple | list)
        for use in row
    ]
    decision = decide(uses, policy)
    return Disclosed({k: publish_frame(f, decision) for k, f in tables.items()}, decision)


def protect_estimates(
    table: pd.DataFrame, policy: DisclosurePolicy, source: str = "data"
) -> pd.DataFrame:
    """An estimate table (:func:`survey.analysis.estimate.estimate`) as it may be published.

    The rows' cells are read from the table itself (``variable``, ``by``, ``group``, ``level``,
    ``stat``, ``n``, ``n_level``), so ``survey estimate --min-count`` and the notebook display
    apply the same policy as the report.

    Parameters
    ----------
    table
        Output of :func:`~survey.analysis.estimate.estimate` (one or more variables).
    policy
        The disclosure policy.
    source
        The data file the estimates are from (names the cells).

    Returns
    -------
    pandas.DataFrame
        The table with suppressed values missing, ``status`` and ``reason``.

    Examples
    --------
    >>> table = pd.DataFrame({"variable": "q", "stat": "proportion", "level": ["a", "b", "c"],
    ...                       "estimate": [0.5, 0.45, 0.05], "n": 100, "n_level": [50, 45, 5]})
    >>> out = protect_estimates(table, DisclosurePolicy())
    >>> out["status"].tolist(), out["reason"].tolist()
    (['', '[c]', '[c]'], ['', 'secondary', 'count'])
    """
    from survey.disclosure.cells import COUNT, SUM

    frame = table.reset_index(drop=True)
    uses: list[Any] = [()] * len(frame)
    keys = [c for c in ("variable", "by", "stat") if c in frame.columns]
    groups = frame.groupby(keys, sort=False, dropna=False) if keys else [((), frame)]
    for key, rows in groups:
        values = dict(zip(keys, key if isinstance(key, tuple) else (key,), strict=True))
        stat = str(values.get("stat", "proportion"))
        by = values.get("by")
        levelled = "level" in rows.columns and rows["level"].notna().any()
        # a total per level (of a categorical) is a count of respondents, like a share
        measure = SUM if stat in ("mean", "total") and not levelled else COUNT
        found = estimate_uses(
            rows,
            source,
            str(values.get("variable", "value")),
            by=None if by is None or pd.isna(by) else str(by),
            measure=measure,
        )
        for i, use in zip(rows.index, found, strict=True):
            uses[i] = use
    return disclose({"t": frame.assign(cells=uses)}, policy).tables["t"]
