"""Weights before calibration: design weights of a stratified sample and nonresponse adjustment.

These give the base weights that the calibration methods (:mod:`survey.weighting.methods`) start
from (their ``base_weight`` column).

This module does not calibrate to margins and does not estimate anything; it never changes its
inputs.

References
----------
Lumley, T. (2010). *Complex Surveys*, ch. 2 and 7.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from survey.errors import StatisticalError

__all__ = ["design_weights", "nonresponse_adjustment"]


def design_weights(
    frame: pd.DataFrame, strata: Sequence[str], population: pd.DataFrame, count: str
) -> pd.Series:
    """Design weights of a stratified sample: population count over sample count in the stratum.

    Parameters
    ----------
    frame
        The sample (respondents or the issued sample).
    strata
        The stratifying variables (values as in ``population``).
    population
        Population counts by the same variables.
    count
        The column of ``population`` with the counts.

    Returns
    -------
    pandas.Series
        :math:`N_h / n_h` per case.

    Raises
    ------
    StatisticalError
        A sample stratum absent from the population table.

    Examples
    --------
    >>> frame = pd.DataFrame({"size": ["a", "a", "b"]})
    >>> population = pd.DataFrame({"size": ["a", "b"], "count": [30, 500]})
    >>> design_weights(frame, ["size"], population, "count").tolist()
    [15.0, 15.0, 500.0]
    """
    keys = frame[list(strata)].astype(str)
    n = keys.groupby(list(strata), observed=True).size().rename("n")
    from survey.weighting.margins import population_counts

    table = population.astype({s: str for s in strata})
    counts = table.assign(**{count: population_counts(population, count)})
    counts = counts.groupby(list(strata))[count].sum()
    weight = (counts / n).rename("weight")
    out = keys.join(weight, on=list(strata))["weight"]
    if out.isna().any():
        example = keys.loc[out.isna()].iloc[0].to_dict()
        raise StatisticalError(
            f"stratum {example} of the sample has no population count",
            "add it to the population table or collapse strata",
        )
    return out.rename("design_weight")


def nonresponse_adjustment(
    frame: pd.DataFrame, weight: str, responded: str, classes: Sequence[str]
) -> pd.Series:
    """Weighting-class nonresponse adjustment of the issued sample's weights.

    Parameters
    ----------
    frame
        The issued sample, respondents and nonrespondents.
    weight
        The design weight column.
    responded
        Boolean (or 0/1) column: True for respondents.
    classes
        Variables that form the weighting classes.

    Returns
    -------
    pandas.Series
        Adjusted weights for respondents (weight times the class's issued over responding weight
        total) and 0 for nonrespondents.

    Raises
    ------
    StatisticalError
        A class without respondents.

    Examples
    --------
    >>> frame = pd.DataFrame(
    ...     {"cls": ["a", "a", "b"], "w": [2.0, 2.0, 5.0], "resp": [True, False, True]}
    ... )
    >>> nonresponse_adjustment(frame, "w", "resp", ["cls"]).tolist()
    [4.0, 0.0, 5.0]
    """
    w = frame[weight].astype(float)
    resp = frame[responded].astype(bool)
    key = frame[list(classes)].astype(str).agg("|".join, axis=1)
    issued = w.groupby(key).transform("sum")
    answered = w.where(resp, 0.0).groupby(key).transform("sum")
    if (answered == 0).any():
        empty = key[answered == 0].iloc[0]
        raise StatisticalError(
            f"weighting class '{empty}' has no respondents",
            "merge it with a neighbouring class",
        )
    return (w * issued / answered).where(resp, 0.0).rename(f"{weight}_nr")
