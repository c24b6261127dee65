"""Exact-count selection: the calibration device of the synthetic data.

Shares in the synthetic files are not left to chance. Each item has a latent score per unit
(latent traits plus noise, so that items correlate); the units with the highest scores get the
answer, and exactly as many of them as the published figure requires. For weighted WEA figures the
selection fills a weighted total instead of a count. Nothing here knows about surveys.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from survey.errors import InputError

__all__ = ["count_for_share", "top_k", "weighted_fill"]


def count_for_share(share_percent: float, precision: int, n: int) -> int:
    """Return the count out of ``n`` whose percentage rounds to the printed figure.

    The count closest to the exact share is preferred; rounding is half-up, as printed figures are.

    Parameters
    ----------
    share_percent
        The printed percentage, e.g. ``47``.
    precision
        Printed decimals.
    n
        The base.

    Returns
    -------
    int
        A count ``k`` with ``round(100 * k / n, precision) == share_percent``.

    Raises
    ------
    InputError
        No count out of ``n`` rounds to the figure (the base is too small).

    Examples
    --------
    >>> count_for_share(47, 0, 228)
    107
    """
    ideal = share_percent / 100 * n
    for k in sorted(range(n + 1), key=lambda c: (abs(c - ideal), c)):
        if _round_half_up(100 * k / n, precision) == round(share_percent, precision):
            return k
    raise InputError(
        f"no count out of {n} gives {share_percent}% at {precision} decimal(s)",
        "check the published figure and its base in the published figures YAML",
    )


def _round_half_up(value: float, precision: int) -> float:
    factor = 10**precision
    return float(np.floor(value * factor + 0.5 + 1e-9) / factor)


def top_k(score: pd.Series, k: int) -> pd.Series:
    """Flag the ``k`` units with the highest scores (ties broken by position).

    Parameters
    ----------
    score
        One score per unit.
    k
        How many to flag.

    Returns
    -------
    pandas.Series
        Boolean with exactly ``k`` True values.
    """
    order = np.argsort(-score.to_numpy(dtype=float), kind="stable")
    flags = np.zeros(len(score), dtype=bool)
    flags[order[:k]] = True
    return pd.Series(flags, index=score.index)


def weighted_fill(
    score: pd.Series, weights: pd.Series, share: float, tolerance: float
) -> pd.Series:
    """Flag high-scoring units until their weights add up to ``share`` of the total weight.

    Units are taken in order of score; one that would overshoot the target by more than the
    tolerance is passed over, so that lighter units further down close the gap.

    Parameters
    ----------
    score
        One score per unit.
    weights
        One weight per unit.
    share
        Target weighted share, 0-1.
    tolerance
        Allowed absolute deviation of the weighted share.

    Returns
    -------
    pandas.Series
        Boolean flags whose weighted share is within ``tolerance`` of ``share``.

    Raises
    ------
    InputError
        The target cannot be reached within the tolerance.
    """
    w = weights.to_numpy(dtype=float)
    total = w.sum()
    target, slack = share * total, tolerance * total
    order = np.argsort(-score.to_numpy(dtype=float), kind="stable")
    flags = np.zeros(len(w), dtype=bool)
    filled = 0.0
    for i in order:
        if filled >= target - slack:
            break
        if filled + w[i] <= target + slack:
            flags[i] = True
            filled += w[i]
    if abs(filled - target) > slack:
        raise InputError(
            f"cannot reach a weighted share of {share:.4f} within {tolerance:.4f} "
            f"(reached {filled / total:.4f})",
            "the synthetic sample is too small for this figure; raise the sample size in config/synth.yaml",
        )
    return pd.Series(flags, index=score.index)
