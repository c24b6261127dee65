"""The synthetic BESO 2011 follow-up, in canonical codes.

BESO approached Brabant respondents of WEA 2010 and 228 took part. The synthetic version draws
them from the synthetic WEA 2010 Brabant respondents and links them by establishment number;
experience, sector and size carry over, and the latent openness of each establishment drives the
answers together with three more latent traits (culture, knowledge, attitude). Every published
BESO share is hit exactly, as an unweighted share of the valid answers in its base; direction
claims get the shares of the synth config.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from survey.synth.raw import DONT_KNOW, NOT_ASKED
from survey.synth.select import count_for_share, top_k

__all__ = ["BesoTargets", "generate_beso"]

WITH, WITHOUT = 1.0, 2.0

#: figure value lookup: figure id -> (value in percent, printed decimals)
BesoTargets = Mapping[str, tuple[float, int]]

_CULTURE = {
    "culture_people_oriented": "beso.culture.people_oriented",
    "culture_clear_norms_respect": "beso.culture.clear_norms_respect",
    "culture_room_for_development": "beso.culture.room_for_development",
    "culture_respectful_environment": "beso.culture.respectful_environment",
    "culture_managers_approachable": "beso.culture.managers_approachable",
    "culture_coaching_style": "beso.culture.coaching_style",
}
_OBSTACLES = {
    "obstacle_work_not_suitable": "beso.obstacle.work_not_suitable.{group}",
    "obstacle_no_applicants": "beso.obstacle.no_applicants.{group}",
    "obstacle_unknown_where": "beso.obstacle.unknown_where.{group}",
    "obstacle_productivity_risk": "beso.obstacle.productivity_risk",
    "obstacle_guidance_costs": "beso.obstacle.guidance_costs",
}
_GROUP_NAME = {WITH: "with", WITHOUT: "without"}


def _within(group: pd.Series, score: pd.Series | np.ndarray, k: int) -> pd.Series:
    """Flag the k highest scores among the units where ``group`` is True."""
    score = pd.Series(np.asarray(score, dtype=float), index=group.index)
    return top_k(score[group], k).reindex(group.index, fill_value=False)


def _dont_know(index: pd.Index, rate: float, rng: np.random.Generator) -> pd.Series:
    return pd.Series(rng.random(len(index)) < rate, index=index)


def _likert(agree: pd.Series, score: pd.Series, rng: np.random.Generator) -> pd.Series:
    """Spread agreeing answers over 4/5 and the others over 1/2/3, higher scores higher codes."""
    codes = pd.Series(np.nan, index=agree.index)
    noise = score + rng.normal(0, 0.5, len(score))
    for flag, cuts, labels in ((True, [0.65], [4.0, 5.0]), (False, [0.10, 0.45], [1.0, 2.0, 3.0])):
        part = agree == flag
        ranks = noise[part].rank(pct=True, method="first")
        codes[part] = np.asarray(labels)[np.searchsorted(cuts, ranks.to_numpy())]
    return codes


def _group_shares(
    group: pd.Series,
    valid: pd.Series,
    score: pd.Series,
    share_for: Callable[[float, int], int],
    eligible: pd.Series | None = None,
) -> pd.Series:
    """Flag, per experience group, ``share_for(group, n_valid)`` units among the eligible ones.

    The count is a share of the group's valid answers (the published base); the units flagged are
    taken from ``eligible`` (default: all valid ones), e.g. only those who named some obstacle.
    """
    flags = pd.Series(False, index=group.index)
    for g in (WITH, WITHOUT):
        members = valid & (group == g)
        chosen = members if eligible is None else members & eligible
        flags |= _within(chosen, score, share_for(g, int(members.sum())))
    return flags


def _exact_mean(values: pd.Series, target: float, rng: np.random.Generator) -> pd.Series:
    """Nudge integer values (0-100) by one until their mean is the target to the nearest integer sum."""
    out = values.copy()
    wanted = round(target * len(out))
    diff = wanted - int(out.sum())
    step = 1 if diff > 0 else -1
    order = rng.permutation(len(out))
    i = 0
    while diff != 0:
        j = out.index[order[i % len(out)]]
        if 0 <= out[j] + step <= 100:
            out[j] += step
            diff -= step
        i += 1
    return out


def generate_beso(
    wea2010: pd.DataFrame,
    brabant: pd.Series,
    spec: Mapping[str, Any],
    targets: BesoTargets,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """Generate the BESO 2011 respondents in canonical codes.

    Parameters
    ----------
    wea2010
        The synthetic WEA 2010 wave from :func:`survey.synth.wea.generate_wea`.
    brabant
        Boolean, True for the WEA 2010 establishments in Noord-Brabant.
    spec
        The ``beso`` section of the synth config.
    targets
        Published BESO figures: id -> (percent, printed decimals).
    rng
        Random generator.

    Returns
    -------
    pandas.DataFrame
        One row per respondent, every canonical variable of the BESO codebook.
    """
    pool = wea2010.loc[brabant & wea2010["hired_vulnerable"].isin([1.0, 2.0])]
    approached = pool.iloc[np.sort(rng.choice(len(pool), size=spec["approached"], replace=False))]
    wea_experience = (approached["hired_vulnerable"] == 1.0) | (
        approached["employs_vulnerable"] == 1.0
    )
    response = top_k(0.3 * wea_experience + rng.normal(0, 1, len(approached)), spec["respondents"])
    units = approached.loc[response].reset_index(drop=True)
    had = ((units["hired_vulnerable"] == 1.0) | (units["employs_vulnerable"] == 1.0)).astype(float)
    n = len(units)
    idx = units.index

    def share(figure: str) -> Callable[[float, int], int]:
        def pick(group: float, n_valid: int) -> int:
            key = figure.format(group=_GROUP_NAME[group])
            value, precision = targets[key]
            return count_for_share(value, precision, n_valid)

        return pick

    def configured(name: str) -> Callable[[float, int], int]:
        shares = spec["direction_shares"][name]
        return lambda group, n_valid: round(shares[0 if group == WITH else 1] * n_valid)

    sector_effect = units["sector"].map(spec["experience_sector_effect"]).fillna(0.0)
    exp_score = 1.6 * had + 0.5 * units["theta"] + sector_effect + rng.normal(0, 0.8, n)
    k_with = count_for_share(*targets["beso.experience.with"], n)
    with_ = top_k(exp_score, k_with)
    group = pd.Series(np.where(with_, WITH, WITHOUT), index=idx)
    out = pd.DataFrame({"establishment_id": units["establishment_id"].to_numpy()}, index=idx)
    now = _within(
        with_,
        (units["employs_vulnerable"] == 1.0) + rng.normal(0, 0.6, n),
        round(0.65 * k_with),
    )
    out["experience_detail"] = np.where(with_, np.where(now, 1.0, 2.0), 3.0)

    # motives, asked of those with experience
    motive = pd.Series(NOT_ASKED, index=idx)
    social = _within(
        with_,
        units["theta"] + rng.normal(0, 1, n),
        count_for_share(*targets["beso.motive.social.with"], k_with),
    )
    motive[social] = 1.0
    economic = _within(
        with_ & ~social,
        rng.normal(0, 1, n),
        count_for_share(*targets["beso.motive.economic.with"], k_with),
    )
    motive[economic] = 2.0
    rest = with_ & ~social & ~economic
    both = _within(rest, rng.normal(0, 1, n), spec["motive_other"]["both"])
    motive[both] = 3.0
    motive[rest & ~both] = 4.0
    out["motive"] = motive

    satisfaction = pd.Series(NOT_ASKED, index=idx)
    satisfied = _within(
        with_, units["theta"] + rng.normal(0, 1, n), configured("satisfied")(WITH, k_with)
    )
    satisfaction[satisfied] = np.where(rng.random(int(satisfied.sum())) < 0.3, 1.0, 2.0)
    unhappy = with_ & ~satisfied
    satisfaction[unhappy] = rng.choice([3.0, 4.0, 5.0], size=int(unhappy.sum()), p=[0.6, 0.3, 0.1])
    out["satisfaction"] = satisfaction

    # obstacles: multiple response with a "none" answer that stands alone
    everyone = pd.Series(True, index=idx)
    none = _group_shares(
        group, everyone, units["theta"] + rng.normal(0, 1, n), share("beso.obstacle.none.{group}")
    )
    out["obstacle_none"] = none.astype(float)
    eligible = ~none
    for name, figure in _OBSTACLES.items():
        flags = _group_shares(
            group, everyone, -units["theta"] + rng.normal(0, 1.2, n), share(figure), eligible
        )
        out[name] = flags.astype(float)
    other = _group_shares(
        group, everyone, rng.normal(0, 1, n), configured("obstacle_other"), eligible
    )
    named = out[list(_OBSTACLES)].sum(axis=1) > 0
    out["obstacle_other"] = (other | (eligible & ~named)).astype(float)

    # size: the telephone count differs a little from the WEA frame; exact share above ten
    employees = np.maximum(
        1.0,
        np.round(units["employees"].where(units["employees"] > 0, 5.0) * rng.lognormal(0, 0.15, n)),
    )
    employees = pd.Series(employees, index=idx)
    wanted = count_for_share(*targets["beso.size_over_10.with"], k_with)
    over = with_ & (employees > 10)
    if over.sum() > wanted:
        closest = employees[over].sort_values(kind="stable").index[: int(over.sum()) - wanted]
        employees[closest] = rng.integers(4, 11, len(closest)).astype(float)
    elif over.sum() < wanted:
        closest = (
            employees[with_ & ~over]
            .sort_values(ascending=False, kind="stable")
            .index[: wanted - int(over.sum())]
        )
        employees[closest] = rng.integers(11, 25, len(closest)).astype(float)
    out["employees"] = employees

    nonprofit_score = units["sector"].map({10: 2.5, 11: 2.0, 12: 2.0, 13: 0.6}).fillna(
        0.0
    ) + rng.normal(0, 0.7, n)
    out["nonprofit"] = np.where(
        _group_shares(group, everyone, nonprofit_score, configured("nonprofit")), 2.0, 1.0
    )

    low_edu = pd.Series(np.nan, index=idx)
    edu_dk = _dont_know(idx, 0.03, rng)
    for g, figure in (
        (WITH, "beso.low_educated_share.with"),
        (WITHOUT, "beso.low_educated_share.without"),
    ):
        members = (group == g) & ~edu_dk
        mean = targets[figure][0] / 100
        draws = np.round(100 * rng.beta(mean * 4, (1 - mean) * 4, int(members.sum())))
        low_edu[members] = _exact_mean(
            pd.Series(draws, index=idx[members]), targets[figure][0], rng
        )
    low_edu[edu_dk] = DONT_KNOW
    out["low_educated_pct"] = low_edu

    complexity_dk = _dont_know(idx, spec["dont_know"], rng)
    complex_score = -low_edu.where(low_edu >= 0, 30.0) / 20 + rng.normal(0, 1, n)

    def complex_count(g: float, n_valid: int) -> int:
        if g == WITH:
            return count_for_share(*targets["beso.complex_work.with"], n_valid)
        return configured("complex_work_without")(g, n_valid)

    complex_ = _group_shares(group, ~complexity_dk, complex_score, complex_count)
    out["work_complexity"] = np.where(complexity_dk, DONT_KNOW, np.where(complex_, 2.0, 1.0))

    out["sector"] = units["sector"].to_numpy()

    culture = rng.normal(0, 1, n)
    for name, figure in _CULTURE.items():
        dk = _dont_know(idx, spec["dont_know"], rng)
        valid = ~dk
        k_total = count_for_share(*targets[figure], int(valid.sum()))
        n_with = int((valid & with_).sum())
        k_with_item = round(k_total * n_with / int(valid.sum()))
        score = pd.Series(culture + rng.normal(0, 0.9, n), index=idx)
        agree = _within(valid & with_, score, k_with_item) | _within(
            valid & ~with_, score, k_total - k_with_item
        )
        out[name] = _likert(agree, score, rng).where(valid, DONT_KNOW)

    traits = {
        "knowledge": rng.normal(0, 1, n) + 0.4 * units["theta"].to_numpy(),
        "attitude": rng.normal(0, 1, n),
    }
    reversed_items = {"attitude_much_guidance", "attitude_financial_risk"}
    for name in spec["direction_shares"]:
        if not name.startswith(("knowledge_", "attitude_", "hr_", "simple_varied_work")):
            continue
        trait = traits.get(name.split("_")[0], rng.normal(0, 1, n))
        sign = -1.0 if name in reversed_items else 1.0
        score = pd.Series(sign * trait + rng.normal(0, 0.9, n), index=idx)
        dk = _dont_know(idx, spec["dont_know"], rng)
        agree = _group_shares(group, ~dk, score, configured(name))
        if name.startswith(("knowledge_", "attitude_")):
            out[name] = _likert(agree, score, rng).where(~dk, DONT_KNOW)
        else:
            out[name] = np.where(dk, DONT_KNOW, np.where(agree, 1.0, 2.0))
    return out
