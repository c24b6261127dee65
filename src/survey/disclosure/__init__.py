"""Disclosure control: no published cell rests on fewer respondents than the agreed minimum.

One policy (:mod:`~survey.disclosure.policy`, ``report.disclosure`` in ``study.yaml``) and
one decision over all tables of a publication (:mod:`~survey.disclosure.suppress`: primary
suppression, then secondary suppression until no confidential cell is derivable by
subtraction), applied in one place (:mod:`~survey.disclosure.tables`) that every output reads.
Cells (:mod:`~survey.disclosure.cells`) name the respondents each number rests on.

Names load on first use, so reading a study config does not import pandas.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

#: Public name -> the module that defines it.
_PUBLIC = {
    "COUNT": "survey.disclosure.cells",
    "SUM": "survey.disclosure.cells",
    "Cell": "survey.disclosure.cells",
    "Use": "survey.disclosure.cells",
    "estimate_uses": "survey.disclosure.cells",
    "quantile_measure": "survey.disclosure.cells",
    "DisclosurePolicy": "survey.disclosure.policy",
    "DominanceRule": "survey.disclosure.policy",
    "policy_from_config": "survey.disclosure.policy",
    "REASONS": "survey.disclosure.suppress",
    "Decision": "survey.disclosure.suppress",
    "decide": "survey.disclosure.suppress",
    "derivable": "survey.disclosure.suppress",
    "BLANKED": "survey.disclosure.tables",
    "FLAGS": "survey.disclosure.tables",
    "Disclosed": "survey.disclosure.tables",
    "disclose": "survey.disclosure.tables",
    "is_disclosed": "survey.disclosure.tables",
    "protect_estimates": "survey.disclosure.tables",
    "publish_frame": "survey.disclosure.tables",
    "reliability_flag": "survey.disclosure.tables",
}

__all__ = [
    "BLANKED",
    "COUNT",
    "FLAGS",
    "REASONS",
    "SUM",
    "Cell",
    "Decision",
    "Disclosed",
    "DisclosurePolicy",
    "DominanceRule",
    "Use",
    "decide",
    "derivable",
    "disclose",
    "estimate_uses",
    "is_disclosed",
    "policy_from_config",
    "protect_estimates",
    "publish_frame",
    "quantile_measure",
    "reliability_flag",
]

if TYPE_CHECKING:  # pragma: no cover - for type checkers and editors only
    from survey.disclosure.cells import (
        COUNT,
        SUM,
        Cell,
        Use,
        estimate_uses,
        quantile_measure,
    )
    from survey.disclosure.policy import (
        DisclosurePolicy,
        DominanceRule,
        policy_from_config,
    )
    from survey.disclosure.suppress import (
        REASONS,
        Decision,
        decide,
        derivable,
    )
    from survey.disclosure.tables import (
        BLANKED,
        FLAGS,
        Disclosed,
        disclose,
        is_disclosed,
        protect_estimates,
        publish_frame,
        reliability_flag,
    )


def __getattr__(name: str) -> Any:
    if name not in _PUBLIC:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_PUBLIC[name]), name)
    globals()[name] = value
    return value
