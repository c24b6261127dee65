"""`survey estimate` with replicate weights: read from the file, or made from the design.

The numbers are R's (tests/golden/replicates/replicates.json, made by
tests/golden/make_golden_replicates.R); the file is the one R wrote, saved as parquet.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pytest

from repo import GOLDEN_ROOT
from survey.cli import main

GOLDEN = json.loads((GOLDEN_ROOT / "replicates" / "replicates.json").read_text("utf-8"))


def _r(design: str, stat: str, variable: str, group: str | None = None) -> dict[str, object]:
    case = next(
        c for c in GOLDEN["cases"]
        if c["design"] == design and c["stat"] == stat and c["variable"] == variable
    )  # fmt: skip
    return next(row for row in case["rows"] if row["group"] == group)


def _json(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, object]:
    code = main(["estimate", *args, "--format", "json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    return json.loads(out)


@pytest.fixture
def boot_file(tmp_path: Path) -> Path:
    path = tmp_path / "apistrat_boot.parquet"
    pd.read_csv(GOLDEN_ROOT / "replicates" / "apistrat_boot.csv").to_parquet(path)
    return path


@pytest.fixture
def strat_file(tmp_path: Path) -> Path:
    path = tmp_path / "apistrat.parquet"
    pd.read_csv(GOLDEN_ROOT / "estimate" / "apistrat.csv").to_parquet(path)
    return path


def test_repweights_read_from_the_file_give_r_bootstrap_standard_errors(
    capsys: pytest.CaptureFixture[str], boot_file: Path
) -> None:
    scale = GOLDEN["meta"]["designs"]["strat_boot"]["rep_scale"]
    payload = _json(capsys, str(boot_file), "--var", "api00", "--stat", "mean", "--weight", "pw",
                    "--repweights", "bw*", "--rep-type", "bootstrap", "--rep-scale", str(scale))  # fmt: skip
    row = payload["estimates"][0]  # type: ignore[index]
    theirs = _r("strat_boot", "mean", "api00")
    assert math.isclose(row["se"], theirs["se"], rel_tol=1e-9)  # type: ignore[arg-type]
    assert payload["design"]["replicates"]["count"] == 40  # type: ignore[index]


def test_replicates_made_from_strata_give_r_jkn_standard_errors_by_domain(
    capsys: pytest.CaptureFixture[str], strat_file: Path
) -> None:
    payload = _json(capsys, str(strat_file), "--var", "enroll", "--stat", "total", "--weight", "pw",
                    "--strata", "stype", "--fpc", "fpc", "--fpc-kind", "population",
                    "--replicates", "JKn", "--by", "awards")  # fmt: skip
    for row in payload["estimates"]:  # type: ignore[attr-defined]
        theirs = _r("strat_jkn", "total", "enroll", row["group"])
        assert math.isclose(row["estimate"], theirs["estimate"], rel_tol=1e-9)  # type: ignore[arg-type]
        assert math.isclose(row["se"], theirs["se"], rel_tol=1e-9)  # type: ignore[arg-type]


def test_quantiles_on_a_replicate_design_use_the_replicate_standard_error(
    capsys: pytest.CaptureFixture[str], strat_file: Path
) -> None:
    payload = _json(capsys, str(strat_file), "--var", "api00", "--stat", "quantile",
                    "--quantiles", "0.5", "--weight", "pw", "--strata", "stype", "--fpc", "fpc",
                    "--fpc-kind", "population", "--replicates", "JKn")  # fmt: skip
    row = payload["estimates"][0]  # type: ignore[index]
    theirs = next(r for r in next(c for c in GOLDEN["cases"] if c["design"] == "strat_jkn"
                  and c["stat"] == "quantile")["rows"] if r["group"] is None and r["level"] == "0.5")  # fmt: skip
    assert (row["ci_low"], row["ci_high"]) == (theirs["ci_low"], theirs["ci_high"])


@pytest.mark.parametrize(
    ("flags", "says"),
    [
        (["--repweights", "bw*"], "--repweights needs --rep-type"),
        (["--rep-type", "JK1"], "--rep-type needs --repweights PATTERN or --replicates TYPE"),
        (["--repweights", "nothing*", "--rep-type", "JK1"], "matches 0 column(s)"),
        (["--repweights", "bw*", "--rep-type", "JKn"], "JKn replicate weights need their rscales"),
        (["--repweights", "bw*", "--rep-type", "Fay"], "need their rho"),
        (
            ["--replicates", "JK1", "--strata", "stype"],
            "JK1 replicates need an unstratified design",
        ),
        (["--replicates", "JKn"], "JKn replicates need a stratified design"),
        (
            ["--replicates", "BRR", "--strata", "cname", "--lonely-psu", "remove"],
            "has fewer than 2 PSUs; BRR needs pairs",
        ),
    ],
)
def test_replicate_flags_that_do_not_fit_stop_with_one_message(
    capsys: pytest.CaptureFixture[str], boot_file: Path, flags: list[str], says: str
) -> None:
    code = main(["estimate", str(boot_file), "--var", "api00", "--weight", "pw", *flags])
    out, err = capsys.readouterr()
    assert code in (2, 3, 4)
    assert says in err
    assert "Traceback" not in err
    assert out == ""


def test_a_statistic_without_a_replicate_variance_is_refused_not_linearised(
    capsys: pytest.CaptureFixture[str], strat_file: Path
) -> None:
    code = main(["estimate", str(strat_file), "--var", "sch_wide", "--stat", "proportion",
                 "--ci", "likelihood", "--weight", "pw", "--strata", "stype",
                 "--replicates", "JKn"])  # fmt: skip
    _, err = capsys.readouterr()
    assert code == 3
    assert "Taylor designs only" in err


def test_rao_scott_test_on_jkn_replicates_prints_r_svychisq_svyrep_numbers(
    capsys: pytest.CaptureFixture[str], strat_file: Path
) -> None:
    chisq = json.loads((GOLDEN_ROOT / "chisq" / "chisq_replicates.json").read_text("utf-8"))
    case = next(
        c for c in chisq["cases"]
        if c["design"] == "strat_jkn" and (c["row"], c["col"]) == ("stype", "awards")
    )  # fmt: skip
    design = ["--weight", "pw", "--strata", "stype", "--fpc", "fpc", "--fpc-kind", "population",
              "--replicates", "JKn"]  # fmt: skip
    for statistic in ("F", "adjWald"):
        payload = _json(capsys, str(strat_file), "--var", "stype", "--by", "awards", "--test",
                        "--chisq-statistic", statistic, *design)  # fmt: skip
        test = payload["tests"][0]  # type: ignore[index]
        theirs = case["results"][statistic]
        for key in ("statistic", "ndf", "ddf", "p_value"):
            assert math.isclose(test[key], theirs[key], rel_tol=1e-9), (statistic, key)
    code = main(["estimate", str(strat_file), "--var", "stype", "--by", "awards", "--test",
                 *design])  # fmt: skip
    out, _ = capsys.readouterr()
    assert code == 0
    f = case["results"]["F"]
    assert f"F = {f['statistic']:.3f} on {f['ndf']:.2f} and {f['ddf']:.1f} df" in out


@pytest.mark.parametrize(
    "case", GOLDEN["calibrated"], ids=[c["method"] for c in GOLDEN["calibrated"]]
)
def test_calibrating_a_replicate_design_calibrates_every_replicate_as_r_does(
    capsys: pytest.CaptureFixture[str], strat_file: Path, case: dict[str, object]
) -> None:
    margins = str(GOLDEN_ROOT / "replicates" / str(case["margins"]))
    design = ["--weight", "pw", "--strata", "stype", "--fpc", "fpc", "--fpc-kind", "population",
              "--replicates", "JKn", f"--{case['method']}", margins]  # fmt: skip
    # R's rake stops at epsilon 1e-10 on its tables, ours at a relative 1e-8: iterative, 1e-6
    rel = 1e-9 if case["method"] == "poststratify" else 1e-6
    mean = _json(capsys, str(strat_file), "--var", "api00", "--stat", "mean", *design)
    row = mean["estimates"][0]  # type: ignore[index]
    assert math.isclose(row["estimate"], case["mean"]["estimate"], rel_tol=rel)  # type: ignore[index]
    assert math.isclose(row["se"], case["mean"]["se"], rel_tol=rel)  # type: ignore[index]
    total = _json(capsys, str(strat_file), "--var", "enroll", "--stat", "total", *design)
    row = total["estimates"][0]  # type: ignore[index]
    assert math.isclose(row["se"], case["total"]["se"], rel_tol=rel)  # type: ignore[index]
    by = _json(
        capsys, str(strat_file), "--var", "api00", "--stat", "mean", "--by", "stype", *design
    )
    for row, theirs in zip(by["estimates"], case["by_stype"], strict=True):  # type: ignore[arg-type]
        assert row["group"] == theirs["group"]
        assert math.isclose(row["se"], theirs["se"], rel_tol=rel)


def test_survey_weight_writes_calibrated_replicates_that_estimate_reads_back_as_r(
    capsys: pytest.CaptureFixture[str], strat_file: Path, tmp_path: Path
) -> None:
    out, record = tmp_path / "weighted.parquet", tmp_path / "weighting.json"
    margins = str(GOLDEN_ROOT / "replicates" / "margins_rake.csv")
    code = main(["weight", str(strat_file), "--out", str(out), "--base-weight", "pw", "--rake", margins,
                 "--replicates", "JKn", "--strata", "stype", "--fpc", "fpc", "--fpc-kind", "population",
                 "--diagnostics", str(record)])  # fmt: skip
    _, err = capsys.readouterr()
    assert code == 0, err
    assert json.loads(record.read_text("utf-8"))["replicates"]["count"] == 200
    payload = _json(capsys, str(out), "--var", "api00", "--stat", "mean", "--weight", "weight",
                    "--repweights", "weight_rep*", "--rep-type", "JKn", "--rep-rscales", str(record))  # fmt: skip
    theirs = next(c for c in GOLDEN["calibrated"] if c["method"] == "rake")["mean"]
    row = payload["estimates"][0]  # type: ignore[index]
    assert math.isclose(row["estimate"], theirs["estimate"], rel_tol=1e-6)
    assert math.isclose(row["se"], theirs["se"], rel_tol=1e-6)


def test_survey_weight_keeps_the_replicate_scales_only_with_diagnostics(
    capsys: pytest.CaptureFixture[str], strat_file: Path, tmp_path: Path
) -> None:
    margins = str(GOLDEN_ROOT / "replicates" / "margins_rake.csv")
    code = main(["weight", str(strat_file), "--out", str(tmp_path / "w.parquet"), "--base-weight", "pw",
                 "--rake", margins, "--replicates", "JKn", "--strata", "stype"])  # fmt: skip
    _, err = capsys.readouterr()
    assert code == 2
    assert "--replicates needs --diagnostics" in err
    assert not (tmp_path / "w.parquet").exists()
