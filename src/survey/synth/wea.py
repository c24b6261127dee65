"""One synthetic WEA wave, in canonical codes.

Establishments are drawn from the synthetic population (``population.py``); each has a latent
openness towards vulnerable groups that drives every item, together with size and sector
effects, so that the items correlate and large establishments (over-sampled) answer differently
from small ones. The weighted shares of the published WEA figures are hit exactly (to a small
tolerance) with the weights the pipeline gives: raked to the population margins.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from survey.synth.population import allocate_sample, raked_weights
from survey.synth.raw import DONT_KNOW, NO_ANSWER, NOT_ASKED
from survey.synth.select import weighted_fill

__all__ = ["BRABANT", "SBI_SECTIONS", "WeaTargets", "calibration_tolerance", "generate_wea"]

#: Canonical code of Noord-Brabant (CBS province code).
BRABANT = 30
#: SBI 2008 sections (letters) within each of the 13 sector groups.
SBI_SECTIONS = {1: "A", 2: "BC", 3: "DE", 4: "F", 5: "G", 6: "H", 7: "I", 8: "JK", 9: "LMN",
                10: "O", 11: "P", 12: "Q", 13: "RS"}  # fmt: skip


@dataclass(frozen=True)
class WeaTargets:
    """The weighted shares (0-1) one WEA wave is calibrated to.

    Attributes
    ----------
    hired
        Region (``"brabant"``, ``"nl"``) -> share deliberately hiring from vulnerable groups.
    mission
        Region -> share with vulnerable groups in the mission.
    satisfied_brabant
        Share (very) satisfied among Brabant establishments with experience, if published.
    work_not_suitable_brabant
        Share naming "work does not lend itself" among Brabant establishments without experience.
    tolerance
        Item -> allowed deviation of the weighted share, well inside the printed precision.
    """

    hired: Mapping[str, float]
    mission: Mapping[str, float]
    satisfied_brabant: float | None
    work_not_suitable_brabant: float
    tolerance: Mapping[str, float]


def calibration_tolerance(precision: int) -> float:
    """Calibration tolerance (a share) well inside the rounding window of a printed figure."""
    return 0.2 * 10.0 ** (-precision) / 100


def _draw_units(
    allocation: pd.DataFrame, employees: Mapping[Any, list[float]], rng: np.random.Generator
) -> pd.DataFrame:
    cells = allocation.loc[allocation["sampled"] > 0]
    units = cells.loc[cells.index.repeat(cells["sampled"]), ["province", "sector", "size_class"]]
    units = units.reset_index(drop=True)
    low = units["size_class"].map(lambda s: employees[s][0]).to_numpy(dtype=float)
    high = units["size_class"].map(lambda s: employees[s][1]).to_numpy(dtype=float)
    draw = np.exp(rng.uniform(np.log(low), np.log(high + 1)))
    units["employees"] = np.clip(np.floor(draw), low, high)
    units["theta"] = rng.normal(0.0, 1.0, len(units))
    return units


def _with_nonresponse(values: pd.Series, rate: float, rng: np.random.Generator) -> pd.Series:
    draw = rng.random(len(values))
    out = values.astype(float).copy()
    out[draw < rate * 0.6] = DONT_KNOW
    out[(draw >= rate * 0.6) & (draw < rate)] = NO_ANSWER
    return out


def _calibrated_yes(
    score: pd.Series,
    weights: pd.Series,
    brabant: pd.Series,
    valid: pd.Series,
    targets: Mapping[str, float],
    tolerance: float,
) -> pd.Series:
    """Flag "yes" so that the weighted shares in Brabant and in the whole country hit the targets."""
    yes = pd.Series(False, index=score.index)
    in_brabant = valid & brabant
    yes[in_brabant] = weighted_fill(
        score[in_brabant], weights[in_brabant], targets["brabant"], tolerance
    )
    rest = valid & ~brabant
    achieved = weights[yes].sum()
    rest_share = (targets["nl"] * weights[valid].sum() - achieved) / weights[rest].sum()
    yes[rest] = weighted_fill(score[rest], weights[rest], rest_share, tolerance / 2)
    return yes


def _score(
    units: pd.DataFrame, model: Mapping[str, Any], noise: float, rng: np.random.Generator
) -> pd.Series:
    size = np.asarray(model["size_effect"])[units["size_class"].to_numpy(dtype=int) - 1]
    sector = units["sector"].map(model["sector_effect"]).fillna(0.0).to_numpy()
    return pd.Series(
        size + sector + units["theta"].to_numpy() + rng.normal(0, noise, len(units)),
        index=units.index,
    )


def _share_among(score: pd.Series, share: float) -> pd.Series:
    k = round(share * len(score))
    flags = np.zeros(len(score), dtype=bool)
    flags[np.argsort(-score.to_numpy(), kind="stable")[:k]] = True
    return pd.Series(flags, index=score.index)


def generate_wea(
    population: pd.DataFrame,
    sample_spec: Mapping[str, Any],
    model: Mapping[str, Any],
    employees: Mapping[Any, list[float]],
    targets: WeaTargets,
    wave: str,
    id_base: int,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """Generate one WEA wave in canonical codes.

    Parameters
    ----------
    population
        The wave's population table.
    sample_spec
        The ``sample`` section of the synth config.
    model
        The ``wea`` section of the synth config.
    employees
        Size class -> [low, high] employees.
    targets
        The published weighted shares to hit.
    wave
        Wave name.
    id_base
        Establishment numbers start above this.
    rng
        Random generator.

    Returns
    -------
    pandas.DataFrame
        One row per establishment: every canonical variable of the WEA codebooks (markers for
        missing answers) plus ``theta`` (latent openness) and ``weight`` (post-stratification).
    """
    allocation = allocate_sample(
        population,
        sample_spec["relative_fraction"],
        sample_spec["size"][wave],
        sample_spec["min_per_cell"],
    )
    units = _draw_units(allocation, employees, rng)
    n = len(units)
    units["establishment_id"] = id_base + rng.permutation(n) + 1
    weights = raked_weights(units, population, sample_spec["margins"])
    brabant = units["province"] == BRABANT
    rate = sample_spec["item_nonresponse"]

    def yes_no(noise: float, shares: Mapping[str, float], tolerance: float) -> pd.Series:
        """A calibrated yes(1)/no(2) item with item nonresponse."""
        answer = _with_nonresponse(pd.Series(2.0, index=units.index), rate, rng)
        valid = answer == 2.0
        score = _score(units, model, noise, rng)
        answer[_calibrated_yes(score, weights, brabant, valid, shares, tolerance)] = 1.0
        return answer

    hired = yes_no(0.8, targets.hired, targets.tolerance["hired"])

    employs = _with_nonresponse(pd.Series(2.0, index=units.index), rate, rng)
    openness = units["theta"] + rng.normal(0, 0.7, n)
    for was_hired, share in (
        (True, model["employs_given_hired"]),
        (False, model["employs_given_not_hired"]),
    ):
        group = (employs == 2.0) & ((hired == 1.0) == was_hired)
        employs[
            group & _share_among(openness[group], share).reindex(units.index, fill_value=False)
        ] = 1.0

    mission = yes_no(1.0, targets.mission, targets.tolerance["mission"])

    experience = (hired == 1.0) | (employs == 1.0)
    without = (hired == 2.0) & (employs == 2.0)

    satisfaction = pd.Series(NOT_ASKED, index=units.index)
    dont_know = experience & (rng.random(n) < 0.01)
    satisfaction[dont_know] = DONT_KNOW
    asked = experience & ~dont_know
    sat_score = units["theta"] + rng.normal(0, 1.0, n)

    def by_region(
        base: pd.Series, score: pd.Series, shares: tuple[float, float], tol: float
    ) -> pd.Series:
        """Flags whose weighted share within ``base`` is shares[0] in Brabant, shares[1] elsewhere."""
        flags = pd.Series(False, index=units.index)
        for region, share in ((brabant, shares[0]), (~brabant, shares[1])):
            group = base & region
            flags[group] = weighted_fill(score[group], weights[group], share, tol)
        return flags

    nl_share = model["satisfied_share_nl"]
    brabant_share = targets.satisfied_brabant if targets.satisfied_brabant is not None else nl_share
    satisfied = by_region(
        asked, sat_score, (brabant_share, nl_share), targets.tolerance["satisfied"]
    )
    very = satisfied & (rng.random(n) < 0.3)
    satisfaction[satisfied] = 2.0
    satisfaction[very] = 1.0
    unhappy = asked & ~satisfied
    satisfaction[unhappy] = rng.choice([3.0, 4.0, 5.0], size=int(unhappy.sum()), p=[0.6, 0.3, 0.1])

    reasons: dict[str, pd.Series] = {}
    reason_score = -units["theta"] + rng.normal(0, 1.0, n)
    work = by_region(
        without,
        reason_score,
        (targets.work_not_suitable_brabant, model["work_not_suitable_without"]["other"]),
        targets.tolerance["work_not_suitable"],
    )
    reasons["reason_work_not_suitable"] = work
    for name, share in model["other_reasons"].items():
        item_score = reason_score * 0.5 + rng.normal(0, 1.0, n)
        reasons[name] = without & _share_among(item_score[without], share).reindex(
            units.index, fill_value=False
        )

    out = units[
        ["establishment_id", "province", "sector", "size_class", "employees", "theta"]
    ].copy()
    out["weight"] = weights
    out["sbi_section"] = [
        SBI_SECTIONS[int(s)][int(i) % len(SBI_SECTIONS[int(s)])]
        for s, i in zip(units["sector"], rng.integers(0, 6, n), strict=True)
    ]
    out["hired_vulnerable"] = hired
    out["employs_vulnerable"] = employs
    counts = 1 + rng.poisson(
        np.asarray([0.5, 1.5, 3.0, 6.0])[units["size_class"].to_numpy(dtype=int) - 1]
    )
    n_vulnerable = pd.Series(counts.astype(float), index=units.index).where(
        employs == 1.0, NOT_ASKED
    )
    n_vulnerable[(employs == 1.0) & (rng.random(n) < 0.02)] = DONT_KNOW
    out["n_vulnerable"] = n_vulnerable
    out["mission_vulnerable"] = mission
    out["satisfaction"] = satisfaction
    for name, flags in reasons.items():
        out[name] = np.where(without, flags.astype(float), NOT_ASKED)
    texts = model["other_reason_texts"]
    picks = rng.integers(0, len(texts), n)
    out["reason_other_text"] = [
        texts[p] if flag else "" for p, flag in zip(picks, reasons["reason_other"], strict=True)
    ]
    employees_dk = rng.random(n) < 0.004
    out["employees"] = out["employees"].where(~employees_dk, DONT_KNOW)
    return out
