"""`survey estimate --test --chisq-statistic` runs R's svychisq statistic through the CLI.

The JSON test entry carries R's numbers from tests/golden/chisq/chisq.json
(make_golden_chisq.R) for the stratified design with fpc.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from repo import GOLDEN_ROOT
from survey.cli import main

CASE: dict[str, Any] = next(
    c
    for c in json.loads((GOLDEN_ROOT / "chisq" / "chisq.json").read_text("utf-8"))["cases"]
    if (c["design_name"], c["variable"], c["by"]) == ("strat", "stype", "awards")
)


@pytest.fixture
def strat_file(tmp_path: Path) -> Path:
    path = tmp_path / "apistrat.parquet"
    pd.read_csv(GOLDEN_ROOT / "data" / "apistrat.csv").to_parquet(path)
    return path


def _run(path: Path, *extra: str) -> int:
    return main(["estimate", str(path), "--var", "stype", "--by", "awards", "--weight", "pw",
                 "--strata", "stype", "--fpc", "fpc", "--fpc-kind", "population", "--test",
                 "--format", "json", *extra])  # fmt: skip


def _test_entry(capsys: pytest.CaptureFixture[str], path: Path, *extra: str) -> dict[str, Any]:
    code = _run(path, *extra)
    out, _ = capsys.readouterr()
    assert code == 0
    (entry,) = json.loads(out)["tests"]
    return entry


def test_chisq_statistic_adjwald_gives_rs_adjusted_wald_test(capsys, strat_file: Path) -> None:
    entry = _test_entry(capsys, strat_file, "--chisq-statistic", "adjWald")
    want = CASE["tests"]["adjWald"]
    assert entry["method"] == "adjusted-wald"
    assert entry["statistic"] == pytest.approx(want["statistic"], rel=1e-9)
    assert (entry["ndf"], entry["ddf"]) == (want["ndf"], want["ddf"])
    assert entry["p_value"] == pytest.approx(want["p_value"], rel=1e-9)


def test_chisq_statistic_defaults_to_the_rao_scott_f_test(capsys, strat_file: Path) -> None:
    assert _test_entry(capsys, strat_file)["method"] == "rao-scott-f"


def test_unknown_chisq_statistic_is_a_usage_error(capsys, strat_file: Path) -> None:
    assert _run(strat_file, "--chisq-statistic", "Fisher") == 2
    assert "--chisq-statistic" in capsys.readouterr().err
