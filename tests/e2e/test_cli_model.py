"""`survey model`: R's svyglm, regTermTest and svypredmeans from the command line.

The data file is R's `apistrat` written as SPSS with the school type as labelled codes
(1 E, 2 H, 3 M), so the command must treat it as a factor by its labels; the numbers are held
to R's (tests/golden/glm/glm.json, from tests/golden/make_golden_glm.R).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from repo import GOLDEN_ROOT
from survey.cli import main
from survey.io import VariableMeta, frame_meta, write_sav

SURVEY = Path(sys.executable).with_name("survey")
GOLDEN = json.loads((GOLDEN_ROOT / "glm" / "glm.json").read_text(encoding="utf-8"))
REL = 1e-6
DESIGN = ["--weight", "pw", "--strata", "stype", "--fpc", "fpc", "--fpc-kind", "population"]


def case(section: str, name: str) -> dict[str, Any]:
    return next(c for c in GOLDEN[section] if c["id"] == name)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["model", *args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def strat_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    frame = pd.read_csv(GOLDEN_ROOT / "data" / "apistrat.csv")
    frame = frame[["stype", "pw", "fpc", "api00", "ell", "meals", "mobility", "enroll",
                   "sch_wide", "awards", "acs_46"]].copy()  # fmt: skip
    frame["stype"] = frame["stype"].map({"E": 1.0, "H": 2.0, "M": 3.0})
    meta = frame_meta(frame)
    variables = dict(meta.variables)
    variables["stype"] = VariableMeta(
        "stype", "School type", "numeric", "F1.0", "nominal", {1.0: "E", 2.0: "H", 3.0: "M"}
    )
    path = tmp_path_factory.mktemp("model") / "apistrat.sav"
    write_sav(frame, meta.replace(variables=variables), path)
    return path


def test_json_output_follows_the_contract(capsys, strat_file: Path) -> None:
    code, out, _ = run(capsys, str(strat_file), "--formula", "api00 ~ ell + meals * stype",
                       *DESIGN, "--test", "stype", "--format", "json")  # fmt: skip
    payload = json.loads(out)
    assert code == 0
    assert {"design", "family", "coefficients", "tests"} <= set(payload)
    assert payload["family"] == "gaussian"
    assert list(payload["coefficients"][0])[:8] == [
        "term", "estimate", "se", "statistic", "df", "p_value", "ci_low", "ci_high",
    ]  # fmt: skip
    assert set(payload["tests"][0]) == {"terms", "method", "statistic", "ndf", "ddf", "p_value"}
    assert payload["design"]["df"] == 197


def test_labelled_codes_are_a_factor_and_coefficients_match_r(capsys, strat_file: Path) -> None:
    expected = case("glm", "gaussian-strat-interaction")
    _, out, _ = run(capsys, str(strat_file), "--formula", expected["formula"], *DESIGN,
                    "--format", "json")  # fmt: skip
    rows = json.loads(out)["coefficients"]
    assert [r["term"] for r in rows] == expected["term"]
    assert [r["estimate"] for r in rows] == pytest.approx(expected["estimate"], rel=REL)
    assert [r["se"] for r in rows] == pytest.approx(expected["se"], rel=REL)


def test_lrt_term_test_matches_r(capsys, strat_file: Path) -> None:
    expected = case("glm", "gaussian-strat-interaction")
    lrt = next(t for t in expected["tests"] if t["method"] == "LRT" and t["terms"] == "stype")
    _, out, _ = run(capsys, str(strat_file), "--formula", expected["formula"], *DESIGN,
                    "--test", "stype", "--test-method", "LRT", "--format", "json")  # fmt: skip
    (test,) = json.loads(out)["tests"]
    assert (test["method"], test["ndf"], test["ddf"]) == ("LRT", 2, lrt["ddf"])
    assert test["statistic"] == pytest.approx(lrt["statistic"], rel=REL)
    assert test["p_value"] == pytest.approx(lrt["p_value"], rel=REL)


def test_poisson_offset_flag_matches_the_offset_term_in_r(capsys, strat_file: Path) -> None:
    expected = case("glm", "poisson-strat-offset")
    _, out, _ = run(capsys, str(strat_file), "--formula", "mobility ~ ell + stype",
                    "--offset", "log(enroll)", "--family", "poisson", *DESIGN,
                    "--format", "json")  # fmt: skip
    rows = json.loads(out)["coefficients"]
    assert [r["estimate"] for r in rows] == pytest.approx(expected["estimate"], rel=REL)
    assert [r["rate_ratio"] for r in rows] == pytest.approx(expected["exp_estimate"], rel=REL)


def test_margins_match_svypredmeans(capsys, strat_file: Path) -> None:
    expected = case("margins", "quasibinomial-strat")
    _, out, _ = run(capsys, str(strat_file), "--formula", expected["formula"],
                    "--family", "quasibinomial", *DESIGN, "--margins", "stype",
                    "--format", "json")  # fmt: skip
    margins = json.loads(out)["margins"]
    assert [m["level"] for m in margins] == expected["level"]
    assert [m["estimate"] for m in margins] == pytest.approx(expected["estimate"], rel=REL)
    assert [m["se"] for m in margins] == pytest.approx(expected["se"], rel=REL)


def test_csv_output_has_one_row_per_coefficient(capsys, strat_file: Path) -> None:
    code, out, _ = run(capsys, str(strat_file), "--formula", "api00 ~ ell + stype", *DESIGN,
                       "--format", "csv")  # fmt: skip
    lines = out.strip().splitlines()
    assert code == 0
    assert lines[0] == "term,estimate,se,t,df,p_value,ci_low,ci_high"
    assert [line.split(",")[0] for line in lines[1:]] == ["(Intercept)", "ell", "stypeH", "stypeM"]


def test_table_output_shows_odds_ratios_tests_and_margins(capsys, strat_file: Path) -> None:
    code, out, _ = run(capsys, str(strat_file), "--formula", "sch_wide ~ ell + stype",
                       "--family", "binomial", *DESIGN, "--test", "ell + stype",
                       "--margins", "awards")  # fmt: skip
    assert code == 0
    assert "odds ratio" in out
    assert "test ell + stype (Wald): F = " in out
    assert "predicted margins by awards" in out


def test_unknown_variable_exits_3_and_suggests_close_names(capsys, strat_file: Path) -> None:
    code, _, err = run(capsys, str(strat_file), "--formula", "api00 ~ mealz", *DESIGN)
    assert code == 3
    assert "no variable 'mealz'" in err and "meals" in err


def test_term_not_in_the_model_exits_3_listing_the_terms(capsys, strat_file: Path) -> None:
    code, _, err = run(capsys, str(strat_file), "--formula", "api00 ~ ell + stype", *DESIGN,
                       "--test", "meals")  # fmt: skip
    assert code == 3
    assert "term 'meals' is not in the model" in err and "ell, stype" in err


def test_collinear_terms_exit_4(capsys, strat_file: Path) -> None:
    code, _, err = run(capsys, str(strat_file), "--formula", "api00 ~ ell + I(2 * ell)", *DESIGN)
    assert code == 4
    assert "collinear" in err


def test_missing_formula_is_a_usage_error() -> None:
    result = subprocess.run(
        [str(SURVEY), "model", "data.sav"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 2
    assert "--formula" in result.stderr


def test_replicates_jkn_give_r_svyglm_on_the_replicate_design(capsys, tmp_path: Path) -> None:
    golden = json.loads((GOLDEN_ROOT / "glm" / "glm_replicates.json").read_text("utf-8"))
    expected = next(c for c in golden["glm"]
                    if c["id"] == "strat_jkn quasibinomial sch_wide ~ api00 + stype")  # fmt: skip
    path = tmp_path / "apistrat.parquet"
    pd.read_csv(GOLDEN_ROOT / "estimate" / "apistrat.csv").to_parquet(path)
    args = [str(path), "--formula", expected["formula"], "--family", "quasibinomial", *DESIGN,
            "--replicates", "JKn", "--test", "stype"]  # fmt: skip
    code, out, err = run(capsys, *args, "--format", "json")
    assert code == 0, err
    payload = json.loads(out)
    rows = payload["coefficients"]
    assert payload["design"]["replicates"]["count"] == 200
    assert (payload["df"], payload["n"]) == (expected["df"], expected["n"])
    assert [r["term"] for r in rows] == expected["term"]
    assert [r["estimate"] for r in rows] == pytest.approx(expected["estimate"], rel=REL)
    assert [r["se"] for r in rows] == pytest.approx(expected["se"], rel=REL)
    wald = next(t for t in expected["tests"] if t["method"] == "Wald")
    assert payload["tests"][0]["statistic"] == pytest.approx(wald["statistic"], rel=REL)
    assert payload["tests"][0]["p_value"] == pytest.approx(wald["p_value"], rel=REL)
    code, out, _ = run(capsys, *args)
    assert code == 0
    assert "variance: 200 JKn replicate weights, design df = 197" in out
    assert f"df = 2 and {expected['df']}" in out


@pytest.mark.parametrize("family", ["gaussian", "quasibinomial"])
def test_poststratified_replicates_refit_every_calibrated_replicate_as_r(
    capsys, tmp_path: Path, family: str
) -> None:
    golden = json.loads((GOLDEN_ROOT / "glm" / "glm_replicates.json").read_text("utf-8"))
    expected = next(c for c in golden["calibrated"] if c["family"] == family)
    path = tmp_path / "apistrat.parquet"
    pd.read_csv(GOLDEN_ROOT / "estimate" / "apistrat.csv").to_parquet(path)
    margins = str(GOLDEN_ROOT / "replicates" / expected["margins"])
    code, out, err = run(capsys, str(path), "--formula", expected["formula"], "--family", family,
                         *DESIGN, "--replicates", "JKn", "--poststratify", margins,
                         "--test", "stype", "--format", "json")  # fmt: skip
    assert code == 0, err
    payload = json.loads(out)
    assert payload["df"] == expected["df"]  # degf of the post-stratified replicates
    assert [r["estimate"] for r in payload["coefficients"]] == pytest.approx(
        expected["estimate"], rel=REL
    )
    assert [r["se"] for r in payload["coefficients"]] == pytest.approx(expected["se"], rel=REL)
    assert payload["tests"][0]["p_value"] == pytest.approx(expected["test"]["p_value"], rel=REL)
