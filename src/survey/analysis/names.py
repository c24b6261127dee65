"""The names the command line offers for estimators' options, without importing the estimators.

``survey --help`` and argument parsing need R's quantile rules, interval types and replicate
kinds as choices; importing :mod:`survey.analysis.quantiles` for them would load scipy.stats on
every start. The estimators check that they implement exactly these names (tests/unit).
"""

from __future__ import annotations

__all__ = ["GENERATED_REPLICATES", "QRULE_NAMES", "QUANTILE_INTERVALS", "SUPPLIED_REPLICATES"]

#: R's ``qrule`` of ``svyquantile``.
QRULE_NAMES = (
    "math",
    "school",
    "shahvaish",
    "hf1",
    "hf2",
    "hf3",
    "hf4",
    "hf5",
    "hf6",
    "hf7",
    "hf8",
    "hf9",
)

#: R's ``interval.type`` of ``svyquantile`` (``quantile``: replicate designs only).
QUANTILE_INTERVALS = ("mean", "beta", "xlogit", "asin", "score", "quantile")

#: Replicate kinds made from a design (R ``as.svrepdesign``).
GENERATED_REPLICATES = ("JK1", "JKn", "BRR", "Fay", "bootstrap", "subbootstrap")

#: Replicate kinds read from a file (R ``svrepdesign``).
SUPPLIED_REPLICATES = ("JK1", "JKn", "BRR", "Fay", "bootstrap", "ACS", "successive-difference")
