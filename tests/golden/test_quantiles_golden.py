"""Quantiles agree with R's ``svyquantile`` (golden values in tests/golden/quantiles/).

Each case rebuilds the design R used from the same CSV and compares the quantile, the Woodruff
confidence limits and the SE derived from them with R's, for the rules ``math`` and ``school``,
overall and by domain, with missing values; made by tests/golden/make_golden_quantiles.R.
"""

from __future__ import annotations

import json
import math
from functools import cache
from typing import Any

import pandas as pd
import pytest

from repo import GOLDEN_ROOT
from survey.analysis.design import SurveyDesign
from survey.analysis.quantiles import quantiles

CASES: dict[str, dict[str, Any]] = json.loads(
    (GOLDEN_ROOT / "quantiles" / "quantiles.json").read_text("utf-8")
)["cases"]
REL = 1e-9


@cache
def _frame(file: str) -> pd.DataFrame:
    return pd.read_csv(GOLDEN_ROOT / "estimate" / file)


def _design(spec: dict[str, Any]) -> SurveyDesign:
    return SurveyDesign(
        _frame(spec["data"]),
        weight=spec["weight"],
        strata=spec["strata"],
        cluster=tuple(spec["cluster"]),
        fpc=tuple(spec["fpc"]),
        fpc_kind=spec["fpc_kind"],
    )


@pytest.mark.parametrize("name", sorted(CASES))
def test_quantiles_match_r_svyquantile(name: str) -> None:
    case = CASES[name]
    table = quantiles(
        _design(case["design"]), case["variable"], case["probs"], by=case["by"],
        qrule=case["qrule"],
    )  # fmt: skip
    assert len(table) == len(case["rows"])
    for row, expected in zip(table.to_dict("records"), case["rows"], strict=True):
        assert row["group"] == expected["group"]
        assert row["quantile"] == expected["quantile"]
        for key in ("estimate", "ci_low", "ci_high", "se"):
            if expected[key] is None:
                assert math.isnan(row[key]), (key, row)
            else:
                assert row[key] == pytest.approx(expected[key], rel=REL, abs=1e-12), (key, row)
