"""The synthetic population of establishments and the stratified sample drawn from it.

The population is a table of establishment counts by province x sector x size class; the sample
over-samples large establishments (a relative sampling fraction per size class) and takes at
least one establishment from every populated cell, so that post-stratification to the full table
is always possible. Weights here are the post-stratification weights N_cell / n_cell that the
calibration of the WEA figures is made against.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from survey.weighting import margins_from_population, rake

__all__ = ["CELL", "allocate_sample", "population_table", "raked_weights"]

#: The columns that make a population cell.
CELL = ["province", "sector", "size_class"]


def population_table(spec: Mapping[str, Any], wave: str, rng: np.random.Generator) -> pd.DataFrame:
    """Make the establishment counts for one wave.

    Parameters
    ----------
    spec
        The ``population`` section of the synth config.
    wave
        Wave name (a key of ``spec["total"]``).
    rng
        Random generator.

    Returns
    -------
    pandas.DataFrame
        Columns ``province, sector, size_class, establishments`` (canonical codes), every cell
        with at least one establishment.
    """
    provinces = pd.Series(spec["province_share"], dtype=float)
    sectors = pd.Series(spec["sector_share"], dtype=float)
    sizes = pd.Series(spec["size_share"], dtype=float)
    rows = []
    for sector, sector_share in sectors.items():
        profile = np.asarray(spec.get("sector_size_profile", {}).get(sector, [1.0] * len(sizes)))
        size_dist = sizes.to_numpy() * profile
        size_dist = size_dist / size_dist.sum()
        for province, province_share in provinces.items():
            for size, size_share in zip(sizes.index, size_dist, strict=True):
                rows.append((province, sector, size, province_share * sector_share * size_share))
    table = pd.DataFrame(rows, columns=[*CELL, "share"])
    noise = rng.lognormal(0.0, spec["cell_noise_sd"], len(table))
    if wave != min(spec["total"]):
        noise *= rng.lognormal(0.0, spec["wave_growth_sd"], len(table))
    share = table["share"] * noise
    counts = np.maximum(1, np.round(share / share.sum() * spec["total"][wave])).astype(int)
    table["establishments"] = counts
    return table[[*CELL, "establishments"]]


def allocate_sample(
    population: pd.DataFrame, relative_fraction: Mapping[Any, float], size: int, minimum: int
) -> pd.DataFrame:
    """Allocate a stratified sample to the population cells.

    Parameters
    ----------
    population
        Output of :func:`population_table`.
    relative_fraction
        Size class -> relative sampling fraction (over-sampling of large establishments).
    size
        Target total sample size.
    minimum
        Least number of sampled establishments in every cell.

    Returns
    -------
    pandas.DataFrame
        The population table with a column ``sampled``; the total is within a few units of ``size``.
    """
    relative = population["size_class"].map(relative_fraction).to_numpy(dtype=float)
    counts = population["establishments"].to_numpy()
    low, high = 0.0, 1.0
    for _ in range(60):
        scale = (low + high) / 2
        n = np.minimum(counts, np.maximum(minimum, np.round(counts * relative * scale)))
        if n.sum() > size:
            high = scale
        else:
            low = scale
    n = np.minimum(counts, np.maximum(minimum, np.round(counts * relative * low))).astype(int)
    return population.assign(sampled=n)


def raked_weights(
    units: pd.DataFrame, population: pd.DataFrame, crosses: Sequence[Sequence[str]]
) -> pd.Series:
    """The weights the pipeline will give: the respondents raked to the population margins.

    Parameters
    ----------
    units
        Respondents with the :data:`CELL` columns (canonical codes).
    population
        Output of :func:`population_table`.
    crosses
        The margins, e.g. ``[["province"], ["sector", "size_class"]]``.

    Returns
    -------
    pandas.Series
        One weight per respondent, aligned with ``units``.
    """
    codes = units[CELL].astype(int)
    margins = margins_from_population(population, crosses, count="establishments")
    return rake(codes, margins, tolerance=1e-12, max_iter=1000).weights
