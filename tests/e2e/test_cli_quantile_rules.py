"""`survey estimate --stat quantile` with R's other quantile rules and interval types.

The numbers are R's (tests/golden/quantiles/quantile_rules.json, made by
tests/golden/make_golden_quantile_rules.R): the CLI prints what ``svyquantile(...,
qrule = "hf7", interval.type = "score")`` gives, on the two-stage clustered design with fpc, by
domain, for a variable with missing values.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from repo import GOLDEN_ROOT
from survey.cli import main

CASES: dict[str, dict[str, Any]] = json.loads(
    (GOLDEN_ROOT / "quantiles" / "quantile_rules.json").read_text("utf-8")
)["cases"]
CLUSTERED = [
    "--weight", "pw", "--cluster", "dnum,snum", "--fpc", "fpc1,fpc2", "--fpc-kind", "population",
]  # fmt: skip


@pytest.fixture
def apiclus2(tmp_path: Path) -> Path:
    path = tmp_path / "apiclus2.parquet"
    pd.read_csv(GOLDEN_ROOT / "data" / "apiclus2.csv").to_parquet(path)
    return path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["estimate", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_hf7_rule_with_score_interval_prints_r_svyquantile_numbers(capsys, apiclus2) -> None:
    code, out, _ = run(capsys, str(apiclus2), "--var", "enroll", "--by", "stype", *CLUSTERED,
                       "--stat", "quantile", "--quantiles", "0.1,0.25,0.5,0.75",
                       "--quantile-rule", "hf7", "--quantile-interval", "score",
                       "--format", "json")  # fmt: skip
    assert code == 0
    expected = [
        row for row in CASES["clus2_enroll_score_hf7_by_stype"]["rows"]
        if row["quantile"] in (0.1, 0.25, 0.5, 0.75)
    ]  # fmt: skip
    rows = json.loads(out)["estimates"]
    assert [(r["group"], r["quantile"]) for r in rows] == [
        (r["group"], r["quantile"]) for r in expected
    ]
    assert {r["ci_method"] for r in rows} == {"score"}
    for row, want in zip(rows, expected, strict=True):
        for key in ("estimate", "ci_low", "ci_high", "se"):
            assert row[key] == pytest.approx(want[key], rel=1e-9), (key, row)


def test_score_interval_r_cannot_find_exits_4_and_says_what_to_do(capsys, apiclus2) -> None:
    code, _, err = run(capsys, str(apiclus2), "--var", "enroll", "--by", "stype", *CLUSTERED,
                       "--stat", "quantile", "--quantiles", "0.9",
                       "--quantile-rule", "hf7", "--quantile-interval", "score")  # fmt: skip
    assert code == 4
    assert "score interval of the 0.9 quantile of 'enroll'" in err
    assert "interval type mean" in err


def test_unknown_quantile_interval_is_a_usage_error(capsys, apiclus2) -> None:
    code, _, err = run(capsys, str(apiclus2), "--var", "enroll", "--stat", "quantile",
                       "--quantile-interval", "wald")  # fmt: skip
    assert code == 2
    assert "--quantile-interval: invalid choice: 'wald'" in err
