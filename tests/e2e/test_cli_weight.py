"""`survey weight` end to end, its failures, and `survey estimate --rake`.

The input is a small labelled SPSS file (region and size class as codes with value labels); the
margins name levels by their labels.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from survey.cli import main
from survey.io import VariableMeta, frame_meta, read_data, write_sav

SURVEY = Path(sys.executable).with_name("survey")
REGION = {1.0: "Noord", 2.0: "Zuid", 3.0: "West"}
SIZE = {1.0: "klein", 2.0: "groot"}
MARGINS = [
    ("region", "Noord", 3000),
    ("region", "Zuid", 4000),
    ("region", "West", 3000),
    ("size", "klein", 7000),
    ("size", "groot", 3000),
]


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    """300 establishments: id, labelled region and size, a base weight and a yes/no item."""
    rng = np.random.default_rng(3)
    n = 300
    frame = pd.DataFrame(
        {
            "id": np.arange(1.0, n + 1),
            "region": rng.choice([1.0, 2.0, 3.0], n, p=[0.5, 0.3, 0.2]),
            "size": rng.choice([1.0, 2.0], n, p=[0.4, 0.6]),
            "w": rng.uniform(10, 30, n).round(2),
        }
    )
    # the yes/no item depends on size, so weighting to the size margin moves its share
    frame["q1"] = np.where(rng.uniform(size=n) < np.where(frame["size"] == 2.0, 0.6, 0.2), 1.0, 2.0)
    meta = frame_meta(frame)
    variables = dict(meta.variables)
    variables["region"] = VariableMeta("region", "Regio", "numeric", "F1.0", "nominal", REGION)
    variables["size"] = VariableMeta("size", "Grootteklasse", "numeric", "F1.0", "ordinal", SIZE)
    variables["q1"] = VariableMeta(
        "q1", "Aangenomen?", "numeric", "F1.0", "nominal", {1.0: "Ja", 2.0: "Nee"}
    )
    path = tmp_path / "sample.sav"
    write_sav(frame, meta.replace(variables=variables), path)
    return path


def _margins(path: Path, rows: list[tuple[str, str, int]]) -> Path:
    lines = ["variable,level,target"] + [f"{v},{lv},{t}" for v, lv, t in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def margins(tmp_path: Path) -> Path:
    return _margins(tmp_path / "margins.csv", MARGINS)


@pytest.mark.parametrize("suffix", [".sav", ".parquet"])
def test_output_holds_every_input_column_plus_the_weight_with_value_labels_kept(
    capsys: pytest.CaptureFixture[str], sample: Path, margins: Path, tmp_path: Path, suffix: str
) -> None:
    out = tmp_path / f"weighted{suffix}"
    code = main(
        [
            "weight",
            str(sample),
            "--out",
            str(out),
            "--rake",
            str(margins),
            "--base-weight",
            "w",
            "--id",
            "id",
        ]
    )
    assert code == 0, capsys.readouterr().err
    before, meta_before = read_data(sample)
    after, meta_after = read_data(out)
    assert list(after.columns) == [*before.columns, "weight"]
    pd.testing.assert_frame_equal(after[before.columns], before, check_dtype=False)
    for name in ("region", "size", "q1"):
        assert dict(meta_after.variables[name].value_labels) == dict(
            meta_before.variables[name].value_labels
        )
        assert meta_after.variables[name].label == meta_before.variables[name].label
    assert "rake" in (meta_after.variables["weight"].label or "")
    by_region = after["weight"].groupby(after["region"].map(REGION)).sum()
    assert by_region.to_dict() == pytest.approx({"Noord": 3000, "Zuid": 4000, "West": 3000})
    by_size = after["weight"].groupby(after["size"].map(SIZE)).sum()
    assert by_size.to_dict() == pytest.approx({"klein": 7000, "groot": 3000})


def test_diagnostics_json_holds_convergence_summary_margins_and_largest_weights(
    sample: Path, margins: Path, tmp_path: Path
) -> None:
    diagnostics = tmp_path / "diagnostics.json"
    code = main(
        [
            "weight",
            str(sample),
            "--out",
            str(tmp_path / "w.parquet"),
            "--rake",
            str(margins),
            "--diagnostics",
            str(diagnostics),
            "--id",
            "id",
        ]
    )
    assert code == 0
    payload = json.loads(diagnostics.read_text("utf-8"))
    assert payload["method"] == "rake" and payload["converged"] is True
    assert payload["iterations"] >= 1
    assert {"min", "median", "max", "kish_deff", "effective_n"} <= set(payload["summary"])
    assert {(m["margin"], m["level"]) for m in payload["margins"]} == {
        (v, lv) for v, lv, _ in MARGINS
    }
    for row in payload["margins"]:
        assert row["achieved"] == pytest.approx(row["target"], rel=1e-8)
    largest = payload["largest_weights"][0]
    assert largest["weight"] == pytest.approx(payload["summary"]["max"])
    assert 1 <= largest["id"] <= 300


def _bad_args(sample: Path, margins: Path, tmp_path: Path, case: str) -> list[str]:
    absent = _margins(
        tmp_path / "absent.csv",
        [*MARGINS[:2], ("region", "West", 2000), ("region", "Oost", 1000), *MARGINS[3:]],
    )
    common = [
        "weight",
        str(sample),
        "--out",
        str(tmp_path / "out.sav"),
        "--diagnostics",
        str(tmp_path / "d.json"),
    ]
    return {
        "level absent from the sample": [*common, "--rake", str(absent)],
        "missing margins file": [*common, "--rake", str(tmp_path / "nowhere.csv")],
        "infeasible trim": [
            *common,
            "--rake",
            str(margins),
            "--base-weight",
            "w",
            "--trim",
            "20:30",
        ],
        "both methods": [*common, "--rake", str(margins), "--poststratify", str(margins)],
        "no method": common,
        "existing column name": [*common, "--rake", str(margins), "--name", "q1"],
    }[case]


@pytest.mark.parametrize(
    ("case", "exit_code", "says"),
    [
        ("level absent from the sample", 4, "'Oost'"),
        ("missing margins file", 3, "nowhere.csv"),
        ("infeasible trim", 4, "cannot hold together"),
        ("both methods", 2, "not allowed with argument"),
        ("no method", 2, "one of the arguments --poststratify --rake --calibrate is required"),
        ("existing column name", 2, "already has a column 'q1'"),
    ],
)
def test_bad_input_exits_with_one_message_no_traceback_and_no_output_file(
    capsys: pytest.CaptureFixture[str],
    sample: Path,
    margins: Path,
    tmp_path: Path,
    case: str,
    exit_code: int,
    says: str,
) -> None:
    code = main(_bad_args(sample, margins, tmp_path, case))
    err = capsys.readouterr().err
    assert code == exit_code
    assert says in err
    assert err.count("error:") == 1
    assert "Traceback" not in err
    assert not (tmp_path / "out.sav").exists()
    assert not (tmp_path / "d.json").exists()
    assert not list(tmp_path.glob(".out.sav.*")), "no temporary file is left behind"


def test_weight_in_a_real_process_writes_the_file_and_reports_the_weights(
    sample: Path, tmp_path: Path
) -> None:
    cross = _margins(
        tmp_path / "cross.csv",
        [("region+size", f"{r}|{s}", 1000) for r in REGION.values() for s in SIZE.values()],
    )
    out = tmp_path / "weighted.sav"
    done = subprocess.run(
        [
            str(SURVEY),
            "weight",
            str(sample),
            "--out",
            str(out),
            "--poststratify",
            str(cross),
            "--base-weight",
            "w",
            "--name",
            "ps_weight",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "poststratify" in done.stderr and "Kish deff" in done.stderr
    frame, _ = read_data(out)
    cells = frame.groupby(["region", "size"])["ps_weight"].sum()
    assert cells.to_numpy() == pytest.approx(np.full(6, 1000.0))


def test_estimate_with_rake_reports_the_calibration_and_ses_that_differ_from_uncalibrated(
    capsys: pytest.CaptureFixture[str], sample: Path, margins: Path
) -> None:
    args = ["estimate", str(sample), "--var", "q1", "--weight", "w", "--format", "json"]
    assert main(args) == 0
    plain = json.loads(capsys.readouterr().out)
    assert main([*args, "--rake", str(margins)]) == 0
    raked = json.loads(capsys.readouterr().out)
    assert plain["design"]["calibration"] is None
    calibration = raked["design"]["calibration"]
    assert calibration["method"] == "rake"
    assert calibration["margins"] == str(margins)
    assert calibration["iterations"] >= 1
    se_plain = {r["level"]: r["se"] for r in plain["estimates"]}
    se_raked = {r["level"]: r["se"] for r in raked["estimates"]}
    assert set(se_raked) == {"Ja", "Nee"}
    for level in se_raked:
        assert abs(se_raked[level] - se_plain[level]) / se_plain[level] > 0.01


def test_collapse_merges_a_margin_level_without_cases_and_says_so(
    capsys: pytest.CaptureFixture[str], sample: Path, tmp_path: Path
) -> None:
    rows = [*MARGINS[:3], ("size", "klein", 6000), ("size", "groot", 3000), ("size", "reus", 1000)]
    margins_file = _margins(tmp_path / "with_empty.csv", rows)
    hierarchy = tmp_path / "hierarchy.yaml"
    hierarchy.write_text("size:\n  - [groot, reus]\n", encoding="utf-8")
    out = tmp_path / "out.parquet"
    without = main(["weight", str(sample), "--out", str(out), "--rake", str(margins_file)])
    capsys.readouterr()
    code = main(["weight", str(sample), "--out", str(out), "--rake", str(margins_file),
                 "--collapse", str(hierarchy)])  # fmt: skip
    err = capsys.readouterr().err
    assert without == 4
    assert code == 0, err
    assert "collapsed: size: 'reus' (no sample cases) merged with 'groot'" in err


def test_max_iter_is_passed_to_bounded_raking_unchanged(
    capsys: pytest.CaptureFixture[str], sample: Path, margins: Path, tmp_path: Path
) -> None:
    common = ["weight", str(sample), "--out", str(tmp_path / "out.parquet"), "--rake", str(margins),
              "--base-weight", "w", "--trim", "0.3x:4x"]  # fmt: skip
    diagnostics = tmp_path / "d.json"
    assert main([*common, "--diagnostics", str(diagnostics)]) == 0  # default: 1000 with --trim
    iterations = json.loads(diagnostics.read_text("utf-8"))["iterations"]
    assert iterations > 5
    capsys.readouterr()
    assert main([*common, "--max-iter", "5"]) == 4
    err = capsys.readouterr().err
    assert "did not converge in 5 iterations" in err
    assert "--max-iter" in err


def test_a_missing_base_weight_names_the_command_line_option(
    capsys: pytest.CaptureFixture[str], sample: Path, margins: Path, tmp_path: Path
) -> None:
    args = ["weight", str(sample), "--out", str(tmp_path / "out.sav"), "--rake", str(margins),
            "--base-weight", "gewicht"]  # fmt: skip
    assert main(args) == 3
    err = capsys.readouterr().err
    assert "'gewicht'" in err and "--base-weight" in err
