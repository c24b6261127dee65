"""Replicate-weight designs give R's numbers.

Generated replicates (R ``as.svrepdesign``: JKn on the stratified design with fpc, JK1 on the
two-stage cluster design, BRR and Fay on a design of PSU pairs) and replicate weights read back
from files R wrote (bootstrap weights R drew; JKn weights with their rscales, centred with mse):
means, totals, variances, proportions, counts per level, ratios, quantiles with Woodruff
intervals and logit intervals of proportions, overall and by domain, with R's degrees of freedom
(the rank of the replicate weights minus 1, of the design and of each domain). Made by
tests/golden/make_golden_replicates.R; closed forms to 1e-9 relative;
the logit intervals, which R refits by IRLS in every replicate, to 1e-7.
"""

from __future__ import annotations

import json
import math
import warnings
from functools import cache
from typing import Any

import pandas as pd
import pytest

from golden_design import replicate_design
from repo import GOLDEN_ROOT
from survey.analysis.contrast import compare_domains
from survey.analysis.design import SurveyDesign
from survey.analysis.estimate import estimate, proportions, ratios, totals
from survey.analysis.inference import ttest

GOLDEN = json.loads((GOLDEN_ROOT / "replicates" / "replicates.json").read_text("utf-8"))
DESIGNS: dict[str, dict[str, Any]] = GOLDEN["meta"]["designs"]
CASES: list[dict[str, Any]] = GOLDEN["cases"]
REL = 1e-9


@cache
def design(name: str) -> SurveyDesign:
    return replicate_design(DESIGNS[name])


def _close(ours: float, theirs: float | str | None, rel: float = REL) -> bool:
    if theirs is None or theirs == "NaN":  # jsonlite writes NaN as a string
        return ours is None or math.isnan(ours)
    return math.isclose(ours, theirs, rel_tol=rel, abs_tol=1e-11)


def _table(case: dict[str, Any]) -> pd.DataFrame:
    d = design(case["design"])
    by = DESIGNS[case["design"]]["by"]
    stat, variable = case["stat"], case["variable"]
    parts = []
    for group_by in (None, by):
        if stat in ("mean", "total", "variance"):
            parts.append(estimate(d, [variable], stat=stat, by=group_by))
        elif stat == "proportion":
            parts.append(proportions(d, variable, by=group_by))
        elif stat == "level_total":
            parts.append(totals(d, variable, by=group_by))
        elif stat == "ciprop_logit":
            parts.append(proportions(d, variable, by=group_by, ci="logit"))
        elif stat == "ratio":
            numerator, denominator = variable.split("/")
            parts.append(ratios(d, numerator, denominator, by=group_by))
        elif stat.startswith("quantile"):
            interval = "quantile" if stat == "quantile_replicate" else "mean"
            with warnings.catch_warnings():  # R's warning about jackknife quantile SEs
                warnings.simplefilter("ignore")
                table = estimate(d, [variable], stat="quantile", by=group_by,
                                 probs=(0.25, 0.5, 0.75), quantile_interval=interval)  # fmt: skip
            parts.append(table)
    return pd.concat(parts, ignore_index=True)


def _key(row: pd.Series, stat: str) -> tuple[Any, Any]:
    group = None if pd.isna(row["group"]) else str(row["group"])
    if stat.startswith("quantile"):
        return group, f"{row['quantile']:g}"
    if stat in ("proportion", "level_total", "ciprop_logit"):
        return group, str(row["level"])
    return group, None


ESTIMATE_CASES = [c for c in CASES if c["stat"] not in ("df", "ttest", "contrast")]
CONTRAST_CASES = [c for c in CASES if c["stat"] == "contrast"]


@pytest.mark.parametrize("case", CONTRAST_CASES, ids=[c["design"] for c in CONTRAST_CASES])
def test_a_contrast_of_two_domains_is_re_estimated_in_every_replicate_as_r(
    case: dict[str, Any],
) -> None:
    theirs = case["rows"][0]
    by = DESIGNS[case["design"]]["by"]
    ours = compare_domains(design(case["design"]), "api00", by, theirs["group"], theirs["level"])
    assert _close(ours["difference"], theirs["estimate"])
    assert _close(ours["se"], theirs["se"])


TTEST_CASES = [c for c in CASES if c["stat"] == "ttest"]


@pytest.mark.parametrize("case", TTEST_CASES, ids=[c["design"] for c in TTEST_CASES])
def test_t_tests_on_replicate_designs_agree_with_r(case: dict[str, Any]) -> None:
    d = design(case["design"])
    two, one = case["rows"]
    ours = ttest(d, "api00", two["group"])
    alone = ttest(d, "enroll")
    for result, theirs in ((ours, two), (alone, one)):
        for name in ("estimate", "t", "p_value"):
            assert _close(result[name], theirs[name]), (name, result[name], theirs[name])
    assert ours["df"] == two["df"]


@pytest.mark.parametrize(
    "case",
    ESTIMATE_CASES,
    ids=[f"{c['design']}-{c['stat']}-{c['variable']}" for c in ESTIMATE_CASES],
)
def test_replicate_estimates_and_their_uncertainty_agree_with_r(case: dict[str, Any]) -> None:
    ours = {_key(row, case["stat"]): row for _, row in _table(case).iterrows()}
    checked = 0
    for theirs in case["rows"]:
        level = theirs["level"]
        if case["stat"] in ("mean", "total", "variance", "ratio"):
            level = None
        key = (theirs["group"], level)
        row = ours[key]
        rel_estimate = 1e-7 if case["stat"] == "ciprop_logit" else REL
        assert _close(row["estimate"], theirs["estimate"], rel_estimate), (key, row["estimate"])
        fields = ["se"] if case["stat"] != "ciprop_logit" else ["ci_low", "ci_high", "df"]
        if case["stat"].startswith("quantile"):
            fields = ["ci_low", "ci_high", "se"]
        if (
            case["stat"] == "ciprop_logit"
            and min(theirs["estimate"], 1 - theirs["estimate"]) < 1e-6
        ):
            fields = []  # R's glm does not converge at a share of 0 or 1
        # R's logit interval comes from refitting a glm in every replicate (converged to 1e-8)
        rel = 1e-7 if case["stat"] == "ciprop_logit" else REL
        for name in fields:
            assert _close(float(row[name]), theirs[name], rel), (key, name, row[name], theirs[name])
        checked += 1
    assert checked == len(case["rows"]) > 0


DF_CASES = [c for c in CASES if c["stat"] == "df"]


@pytest.mark.parametrize("case", DF_CASES, ids=[c["design"] for c in DF_CASES])
def test_degrees_of_freedom_are_the_rank_of_the_replicate_weights_minus_one(
    case: dict[str, Any],
) -> None:
    d = design(case["design"])
    by = DESIGNS[case["design"]]["by"]
    for row in case["rows"]:
        if row["group"] is None:
            assert d.df == row["df"]
        else:
            rows = (d.data[by].astype(str) == row["group"]).to_numpy()
            assert int(d.df_for(rows)) == row["df"], row
