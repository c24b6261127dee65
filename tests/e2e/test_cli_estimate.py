"""`survey estimate`: the JSON contract, files written by PSPP, and bad input with exit codes."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from repo import REPO
from survey.analysis.design import SurveyDesign
from survey.analysis.estimate import ratios, variances
from survey.cli import main
from survey.io import VariableMeta, frame_meta, write_sav

LEGACY = REPO / "tests" / "fixtures" / "legacy"
SURVEY = Path(sys.executable).with_name("survey")


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["estimate", *args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def design_file(tmp_path: Path) -> Path:
    """A small stratified cluster sample with a labelled yes/no item and a numeric item."""
    rng = np.random.default_rng(7)
    n = 240
    frame = pd.DataFrame(
        {
            "stratum": np.repeat([1.0, 2.0, 3.0], n // 3),
            "psu": np.repeat(np.arange(24, dtype=float), n // 24),
            "w": rng.uniform(1, 5, n).round(3),
            "q1": rng.choice([1.0, 2.0, 9.0], n, p=[0.5, 0.45, 0.05]),
            "region": rng.choice([1.0, 2.0], n),
            "hours": rng.normal(30, 8, n).round(1),
            "text": rng.choice(["a", "b"], n),
        }
    )
    meta = frame_meta(frame)
    variables = dict(meta.variables)
    variables["q1"] = VariableMeta(
        "q1", "Aangenomen?", "numeric", "F1.0", "nominal", {1.0: "Ja", 2.0: "Nee", 9.0: "Weet niet"},
        missing_values=(9.0,),
    )  # fmt: skip
    variables["region"] = VariableMeta(
        "region", "Regio", "numeric", "F1.0", "nominal", {1.0: "Noord", 2.0: "Zuid"}
    )
    path = tmp_path / "sample.sav"
    write_sav(frame, meta.replace(variables=variables), path)
    return path


def test_json_output_follows_the_contract(capsys, design_file: Path) -> None:
    code, out, _ = run(capsys, str(design_file), "--var", "q1", "--by", "region", "--weight", "w",
                       "--strata", "stratum", "--cluster", "psu", "--format", "json")  # fmt: skip
    payload = json.loads(out)
    assert code == 0
    assert set(payload) == {"data", "design", "estimates", "tests"}
    assert {"weight", "strata", "cluster", "fpc", "n", "df", "calibration"} <= set(
        payload["design"]
    )
    assert payload["design"]["df"] == 24 - 3
    row = payload["estimates"][0]
    assert {"variable", "stat", "by", "group", "group_code", "level", "code", "n", "estimate", "se",
            "ci_low", "ci_high", "ci_method", "deff"} <= set(row)  # fmt: skip
    assert (row["group"], row["group_code"], row["level"], row["code"]) == ("Noord", 1, "Ja", 1)


def test_user_missing_codes_are_left_out_of_the_base(capsys, design_file: Path) -> None:
    _, out, _ = run(capsys, str(design_file), "--var", "q1", "--format", "json")
    levels = {r["level"] for r in json.loads(out)["estimates"]}
    assert levels == {"Ja", "Nee"}


def test_proportions_of_the_levels_sum_to_one(capsys, design_file: Path) -> None:
    _, out, _ = run(capsys, str(design_file), "--var", "q1", "--weight", "w", "--format", "json")
    assert sum(r["estimate"] for r in json.loads(out)["estimates"]) == pytest.approx(1.0)


def test_csv_output_has_one_row_per_group_and_level(capsys, design_file: Path) -> None:
    _, out, _ = run(capsys, str(design_file), "--var", "q1", "--by", "region", "--format", "csv")
    assert len(out.strip().splitlines()) == 1 + 2 * 2


def test_table_output_shows_percentages_and_the_design(capsys, design_file: Path) -> None:
    _, out, _ = run(capsys, str(design_file), "--var", "q1", "--var", "hours", "--weight", "w")
    assert "df = 239" in out and "%" in out and "hours" in out


def test_estimate_works_on_a_file_written_by_pspp(capsys) -> None:
    code, out, _ = run(capsys, str(LEGACY / "legacy_cp1252.sav"), "--var", "q1", "--format", "json")
    rows = json.loads(out)["estimates"]
    assert code == 0
    assert [r["level"] for r in rows] == ["Ja, geïnteresseerd", "Nee, niet geïnteresseerd"]
    assert [r["estimate"] for r in rows] == pytest.approx([2 / 3, 1 / 3])


def test_unknown_variable_exits_3_and_suggests_close_names(capsys, design_file: Path) -> None:
    code, _, err = run(capsys, str(design_file), "--var", "hourz")
    assert code == 3
    assert "no variable 'hourz'" in err and "hours" in err


def test_negative_weight_exits_3_naming_the_weight(capsys, tmp_path: Path) -> None:
    frame = pd.DataFrame({"w": [1.0, -2.0, 1.0], "y": [1.0, 2.0, 1.0]})
    path = tmp_path / "bad.sav"
    write_sav(frame, frame_meta(frame), path)
    code, _, err = run(capsys, str(path), "--var", "y", "--weight", "w")
    assert code == 3
    assert "weight 'w' is negative" in err


def test_single_psu_stratum_under_fail_exits_4(capsys, design_file: Path, tmp_path: Path) -> None:
    frame = pd.DataFrame({"s": [1.0, 1.0, 2.0], "p": [1.0, 2.0, 3.0], "y": [1.0, 2.0, 3.0]})
    path = tmp_path / "lonely.sav"
    write_sav(frame, frame_meta(frame), path)
    code, _, err = run(capsys, str(path), "--var", "y", "--strata", "s", "--cluster", "p")
    assert code == 4
    assert "only one PSU" in err and "lonely-PSU policy" in err


def test_all_missing_variable_exits_4(capsys, tmp_path: Path) -> None:
    frame = pd.DataFrame({"y": [np.nan, np.nan], "x": [1.0, 2.0]})
    path = tmp_path / "empty.sav"
    write_sav(frame, frame_meta(frame), path)
    code, _, err = run(capsys, str(path), "--var", "y", "--stat", "mean")
    assert code == 4
    assert "no valid value" in err


def test_mean_of_text_exits_3(capsys, design_file: Path) -> None:
    code, _, err = run(capsys, str(design_file), "--var", "text", "--stat", "mean")
    assert code == 3
    assert "holds text" in err


def test_fpc_without_its_kind_is_a_usage_error(capsys, design_file: Path) -> None:
    code, _, err = run(capsys, str(design_file), "--var", "q1", "--fpc", "w")
    assert code == 2
    assert "--fpc-kind" in err


def test_empty_domain_gives_a_row_with_n_0_and_a_warning(capsys, tmp_path: Path) -> None:
    frame = pd.DataFrame({"g": [1.0, 1.0, 1.0], "y": [1.0, 2.0, 1.0]})
    meta = frame_meta(frame)
    variables = dict(meta.variables)
    variables["g"] = VariableMeta(
        "g", "Groep", "numeric", "F1.0", "nominal", {1.0: "Een", 2.0: "Twee"}
    )
    path = tmp_path / "domains.sav"
    write_sav(frame, meta.replace(variables=variables), path)
    code, out, err = run(capsys, str(path), "--var", "y", "--by", "g", "--format", "json")
    rows = [r for r in json.loads(out)["estimates"] if r["group"] == "Twee"]
    assert code == 0
    assert rows and all(r["n"] == 0 and r["estimate"] is None for r in rows)
    assert "warning: " in err and "Twee" in err


def test_errors_reach_the_terminal_without_a_traceback(design_file: Path) -> None:
    result = subprocess.run(
        [str(SURVEY), "estimate", str(design_file), "--var", "nope"],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 3
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("error: ")


def test_test_flag_adds_a_rao_scott_test_of_var_by_by(capsys, design_file: Path) -> None:
    code, out, _ = run(capsys, str(design_file), "--var", "q1", "--by", "region", "--weight", "w",
                       "--strata", "stratum", "--cluster", "psu", "--test", "--format", "json")  # fmt: skip
    [test] = json.loads(out)["tests"]
    assert code == 0
    assert test["method"] == "rao-scott-f" and (test["variable"], test["by"]) == ("q1", "region")
    assert 0 <= test["p_value"] <= 1 and test["ddf"] > 0


def test_test_flag_without_by_is_a_usage_error(capsys, design_file: Path) -> None:
    code, _, err = run(capsys, str(design_file), "--var", "q1", "--test")
    assert code == 2
    assert "--test needs --by" in err


def test_quantile_rows_carry_their_probability_in_json(capsys, design_file: Path) -> None:
    code, out, _ = run(capsys, str(design_file), "--var", "hours", "--stat", "quantile",
                       "--quantiles", "0.25,0.5,0.75", "--by", "region", "--weight", "w",
                       "--strata", "stratum", "--cluster", "psu", "--format", "json")  # fmt: skip
    assert code == 0
    rows = json.loads(out)["estimates"]
    assert [(r["group"], r["quantile"]) for r in rows] == [
        (g, p) for g in ("Noord", "Zuid") for p in (0.25, 0.5, 0.75)
    ]
    assert all(r["stat"] == "quantile" and r["level"] is None and r["code"] is None for r in rows)
    assert all(r["ci_low"] <= r["estimate"] <= r["ci_high"] for r in rows)
    assert all(r["ci_method"] == "woodruff" for r in rows)


def test_the_quantile_rule_school_averages_at_a_jump(capsys, tmp_path: Path) -> None:
    frame = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0]})
    path = tmp_path / "four.sav"
    write_sav(frame, frame_meta(frame), path)
    _, math_out, _ = run(capsys, str(path), "--var", "x", "--stat", "quantile", "--format", "json")
    _, school_out, _ = run(capsys, str(path), "--var", "x", "--stat", "quantile",
                           "--quantile-rule", "school", "--format", "json")  # fmt: skip
    assert json.loads(math_out)["estimates"][0]["estimate"] == 2.0
    assert json.loads(school_out)["estimates"][0]["estimate"] == 2.5


def test_a_probability_outside_0_1_is_a_usage_error(capsys, design_file: Path) -> None:
    code, _, err = run(capsys, str(design_file), "--var", "hours", "--stat", "quantile",
                       "--quantiles", "0.5,1.5")  # fmt: skip
    assert code == 2
    assert "between 0 and 1" in err


def test_estimates_are_not_suppressed_without_min_count(capsys, design_file: Path) -> None:
    _, out, _ = run(capsys, str(design_file), "--var", "q1", "--by", "region", "--format", "csv")
    assert "status" not in out.splitlines()[0]


def test_min_count_applies_the_reports_disclosure_control(capsys, design_file: Path) -> None:
    args = ("--var", "q1", "--by", "region", "--format", "json", "--min-count", "1000")
    code, out, err = run(capsys, str(design_file), *args)
    rows = json.loads(out)["estimates"]
    assert code == 0 and rows and all(r["status"] == "[c]" for r in rows)
    assert all(r["estimate"] is None and r["ci_low"] is None for r in rows)
    assert "disclosure control (--min-count 1000)" in err


def test_min_count_shows_c_in_the_terminal_table(capsys, design_file: Path) -> None:
    _, out, _ = run(capsys, str(design_file), "--var", "q1", "--min-count", "1000")
    assert "[c]" in out


def test_stat_variance_gives_the_design_based_variance_by_domain(capsys, design_file: Path) -> None:
    code, out, _ = run(capsys, str(design_file), "--var", "hours", "--stat", "variance", "--by",
                       "region", "--weight", "w", "--strata", "stratum", "--cluster", "psu",
                       "--format", "json")  # fmt: skip
    rows = json.loads(out)["estimates"]
    assert code == 0 and [r["stat"] for r in rows] == ["variance", "variance"]
    design = SurveyDesign.from_file(design_file, weight="w", strata="stratum", cluster="psu")
    expected = variances(design, "hours", by="region")  # the API's numbers (R-checked: golden)
    assert [r["estimate"] for r in rows] == pytest.approx(expected["estimate"].tolist(), rel=1e-12)
    assert all(r["se"] > 0 and r["ci_low"] < r["estimate"] < r["ci_high"] for r in rows)


def test_test_ttest_compares_the_mean_of_the_two_groups(capsys, design_file: Path) -> None:
    code, out, _ = run(capsys, str(design_file), "--var", "hours", "--by", "region", "--test",
                       "ttest", "--weight", "w", "--strata", "stratum", "--cluster", "psu",
                       "--format", "json")  # fmt: skip
    (test,) = json.loads(out)["tests"]
    assert code == 0 and test["method"] == "design-based t-test"
    assert (test["group_a"], test["group_b"]) == ("Noord", "Zuid")
    assert test["df"] == 24 - 3 - 1 and 0 <= test["p_value"] <= 1


def test_test_ttest_is_printed_with_the_difference_and_its_df(capsys, design_file: Path) -> None:
    code, out, _ = run(capsys, str(design_file), "--var", "hours", "--by", "region", "--test",
                       "ttest", "--weight", "w", "--strata", "stratum", "--cluster", "psu")  # fmt: skip
    assert code == 0
    assert re.search(r"t-test hours: Zuid - Noord = -?[\d.]+ \(SE [\d.]+\), t = .* on 20 df", out)


def test_test_without_a_method_is_still_rao_scott(capsys, design_file: Path) -> None:
    code, out, _ = run(capsys, str(design_file), "--var", "q1", "--by", "region", "--test")
    assert code == 0 and "Rao-Scott test q1 x region" in out


def test_ratio_gives_the_ratio_of_two_totals_by_domain(capsys, design_file: Path) -> None:
    code, out, _ = run(capsys, str(design_file), "--ratio", "hours/w", "--by", "region",
                       "--weight", "w", "--strata", "stratum", "--cluster", "psu",
                       "--format", "json")  # fmt: skip
    rows = json.loads(out)["estimates"]
    assert code == 0 and [r["variable"] for r in rows] == ["hours/w", "hours/w"]
    design = SurveyDesign.from_file(design_file, weight="w", strata="stratum", cluster="psu")
    expected = ratios(design, "hours", "w", by="region")  # the API's numbers (R-checked: golden)
    assert [r["se"] for r in rows] == pytest.approx(expected["se"].tolist(), rel=1e-12)


def test_var_and_ratio_rows_come_in_one_table(capsys, design_file: Path) -> None:
    code, out, _ = run(capsys, str(design_file), "--var", "hours", "--ratio", "hours/w",
                       "--format", "json")  # fmt: skip
    rows = json.loads(out)["estimates"]
    assert code == 0 and [(r["variable"], r["stat"]) for r in rows] == [
        ("hours", "mean"),
        ("hours/w", "ratio"),
    ]


@pytest.mark.parametrize("value", ["hours", "hours/", "/w", "a/b/c"])
def test_a_ratio_that_is_not_num_over_den_is_a_usage_error(
    capsys, design_file: Path, value: str
) -> None:
    code, _, err = run(capsys, str(design_file), "--ratio", value)
    assert code == 2 and "expected NUM/DEN" in err


def test_neither_var_nor_ratio_is_a_usage_error(capsys, design_file: Path) -> None:
    code, _, err = run(capsys, str(design_file))
    assert code == 2 and "give --var NAME" in err


def test_two_by_variables_give_the_estimates_of_their_cross(capsys, design_file: Path) -> None:
    code, out, _ = run(capsys, str(design_file), "--var", "hours", "--by", "region", "--by",
                       "q1", "--weight", "w", "--format", "json")  # fmt: skip
    rows = json.loads(out)["estimates"]
    assert code == 0 and {r["by"] for r in rows} == {"region+q1"}
    assert [r["group"] for r in rows] == ["Noord, Ja", "Noord, Nee", "Zuid, Ja", "Zuid, Nee"]


def test_deff_srswor_compares_with_sampling_without_replacement(capsys, design_file: Path) -> None:
    args = [str(design_file), "--var", "hours", "--weight", "w", "--format", "json"]
    _, replace, _ = run(capsys, *args)
    code, srswor, _ = run(capsys, *args, "--deff", "srswor")
    (a,), (b,) = json.loads(replace)["estimates"], json.loads(srswor)["estimates"]
    assert code == 0
    assert b["deff"] > a["deff"]  # the same variance against a smaller SRS variance
    assert b["deft"] == pytest.approx(b["deff"] ** 0.5) and a["cv"] == pytest.approx(
        a["se"] / a["estimate"]
    )
