"""The two benchmark workloads, defined once for the timing, the memory worker and the peers.

Estimate: ``estimate(design, v1..vK, stat="proportion", by="domain")`` on the stratified
cluster design of ``data.make_data`` (weights ``w``, strata ``stratum``, PSUs ``psu``).
Rake: ``survey.weighting.rake`` of ``data.make_rake_data`` to its three one-way margins a, b, c,
to ``RAKE_TOLERANCE`` (relative, on every margin level) in at most ``RAKE_MAX_ITER`` sweeps, and
the check that a set of weights meets those margins.

It does not generate data (``data.py`` does), time or measure memory (``measure.py``), run R or
weightipy (``peers.py``) or report anything (``table.py``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from survey.analysis.design import SurveyDesign
from survey.analysis.estimate import estimate
from survey.weighting import Margin, rake

SEED = 20240611
RAKE_TOLERANCE = 1e-8  # relative, on every margin level
RAKE_MAX_ITER = 100


def estimate_variables(frame: pd.DataFrame) -> list[str]:
    """The answer columns ``v1..vK`` of the estimate data."""
    return [c for c in frame.columns if c.startswith("v") and c[1:].isdigit()]


def estimate_design(frame: pd.DataFrame) -> SurveyDesign:
    """The design of the estimate data: weights, strata and PSUs."""
    return SurveyDesign(frame, weight="w", strata="stratum", cluster="psu")


def estimate_table(design: SurveyDesign, variables: list[str]) -> pd.DataFrame:
    """The timed call: proportions of every variable by domain."""
    return estimate(design, variables, stat="proportion", by="domain")


def rake_margins(targets: list[dict[str, float]]) -> list[Margin]:
    """The margins a, b, c with their targets."""
    return [Margin((name,), t) for name, t in zip("abc", targets, strict=False)]


def rake_call(frame: pd.DataFrame, margins: list[Margin], base: str | None) -> Any:
    """The timed call: rake from base weights ``base`` (None: weights of 1)."""
    return rake(frame, margins, base_weight=base, tolerance=RAKE_TOLERANCE, max_iter=RAKE_MAX_ITER)


def margin_error(
    frame: pd.DataFrame, weights: np.ndarray, targets: list[dict[str, float]]
) -> float:
    """Largest relative difference between a weighted level count and its target."""
    worst = 0.0
    for name, t in zip("abc", targets, strict=False):
        codes = frame[name].cat.codes.to_numpy()
        want = np.array([t[c] for c in frame[name].cat.categories])
        got = np.bincount(codes, weights=weights, minlength=len(want))
        worst = max(worst, float(np.max(np.abs(got - want) / want)))
    return worst
