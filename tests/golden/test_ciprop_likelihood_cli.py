"""`survey estimate --ci likelihood` and ``proportions(ci="likelihood")`` give R's interval.

R's svyciprop(method = "likelihood") values from tests/golden/ciprop/ciprop_likelihood.json
(make_golden_ciprop_likelihood.R): the stratified design with fpc, by stype, level 0.95.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from repo import GOLDEN_ROOT
from survey.analysis.design import SurveyDesign
from survey.analysis.estimate import proportions
from survey.cli import main

CASE: dict[str, Any] = json.loads(
    (GOLDEN_ROOT / "ciprop" / "ciprop_likelihood.json").read_text("utf-8")
)["cases"]["strat_sch_wide_by_stype"]
FRAME = pd.read_csv(GOLDEN_ROOT / "estimate" / "apistrat.csv")


def _want(group: str) -> dict[str, Any]:
    row = next(r for r in CASE["rows"] if r["group"] == group)
    return next(i for i in row["intervals"] if i["level"] == 0.95)


def test_proportions_with_the_likelihood_method_agree_with_r() -> None:
    design = SurveyDesign(FRAME, weight="pw", strata="stype", fpc=("fpc",), fpc_kind="population")
    table = proportions(design, "sch_wide", by="stype", ci="likelihood")
    for _, row in table.loc[table["level"] == "Yes"].iterrows():
        want = _want(row["group"])
        assert math.isclose(row["ci_low"], want["ci_low"], rel_tol=1e-6)
        assert math.isclose(row["ci_high"], want["ci_high"], rel_tol=1e-6)
        assert row["ci_method"] == "likelihood"


def test_cli_ci_likelihood_prints_rs_interval(capsys, tmp_path: Path) -> None:
    path = tmp_path / "apistrat.parquet"
    FRAME.to_parquet(path)
    code = main(["estimate", str(path), "--var", "sch_wide", "--by", "stype", "--weight", "pw",
                 "--strata", "stype", "--fpc", "fpc", "--fpc-kind", "population",
                 "--ci", "likelihood", "--format", "json"])  # fmt: skip
    out, _ = capsys.readouterr()
    assert code == 0
    rows = [r for r in json.loads(out)["estimates"] if r["level"] == "Yes"]
    assert len(rows) == 3
    for row in rows:
        want = _want(row["group"])
        assert row["ci_method"] == "likelihood"
        assert row["ci_low"] == pytest.approx(want["ci_low"], rel=1e-6)
        assert row["ci_high"] == pytest.approx(want["ci_high"], rel=1e-6)
