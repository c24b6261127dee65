"""The ``survey`` command end to end: synth, ingest, codebook, validate, report, and bad input.

Every test runs on a study config written into a temporary folder, so the repository's data/
folders are never read or written.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from commands import run_survey
from repo import REPO
from study_copy import write_study
from survey import __version__
from survey.cli import main
from survey.codebook import load_codebook
from survey.io import read_spss, sha256_file, write_sav
from survey.io.files import LOCK_NAME

CONFIG = REPO / "config"
WAVES = ("wea2008", "wea2010", "beso2011")
SURVEY_EXE = Path(sys.executable).parent / "survey"


def snapshot(folder: Path) -> dict[str, str]:
    """File name -> sha256 of every file under ``folder`` (not the output lock, ``.survey.lock``)."""
    if not folder.exists():
        return {}
    return {
        str(p.relative_to(folder)): sha256_file(p)
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != LOCK_NAME
    }


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def run_exe(argv: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return run_survey(argv, cwd, command=[str(SURVEY_EXE)])


def error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("error:")]


@dataclass(frozen=True)
class Good:
    """A study that was synthesised and ingested once, shared read-only by the module."""

    root: Path
    config: Path
    raw_before_ingest: dict[str, str]

    @property
    def raw(self) -> Path:
        return self.root / "raw"

    @property
    def processed(self) -> Path:
        return self.root / "processed"


@pytest.fixture(scope="module")
def good(tmp_path_factory: pytest.TempPathFactory) -> Good:
    root = tmp_path_factory.mktemp("good")
    config = write_study(root)
    assert main(["--config", str(config), "synth"]) == 0
    raw_before = snapshot(root / "raw")
    assert main(["--config", str(config), "ingest"]) == 0
    return Good(root, config, raw_before)


@pytest.fixture
def copy_of_good(good: Good, tmp_path: Path) -> Good:
    """A private copy of the good study (raw files and a previous good run's outputs)."""
    shutil.copytree(good.raw, tmp_path / "raw")
    shutil.copytree(good.processed, tmp_path / "processed")
    return Good(tmp_path, write_study(tmp_path), good.raw_before_ingest)


def rewrite_raw(path: Path, change: Callable[[dict[str, list[object]]], None]) -> None:
    """Read a raw .sav, change its columns in place, and write it back with the same metadata."""
    frame, meta = read_spss(path)
    columns = {name: frame[name].tolist() for name in frame.columns}
    change(columns)
    for name, values in columns.items():
        frame[name] = values
    write_sav(frame, meta, path)


# --------------------------------------------------------------------------- good runs


def test_synth_then_ingest_writes_data_and_provenance_for_every_wave(good: Good) -> None:
    expected = {f"{w}.{ext}" for w in WAVES for ext in ("parquet", "sav", "provenance.json")}
    assert set(snapshot(good.processed)) == expected
    for wave in WAVES:
        record = json.loads((good.processed / f"{wave}.provenance.json").read_text("utf-8"))
        assert record["wave"] == wave
        assert record["synthetic"] is True
        assert record["input"]["sha256"] == sha256_file(good.raw / f"{wave}.sav")
        assert record["codebook"]["sha256"] == sha256_file(CONFIG / "codebooks" / f"{wave}.yaml")
        assert record["package"] == {"name": "survey", "version": __version__}
        for kind in ("parquet", "sav"):
            written = good.processed / f"{wave}.{kind}"
            assert record["outputs"][kind]["sha256"] == sha256_file(written)


def test_ingest_does_not_change_the_raw_files(good: Good) -> None:
    assert good.raw_before_ingest
    assert snapshot(good.raw) == good.raw_before_ingest


def test_ingest_twice_gives_byte_identical_outputs(
    copy_of_good: Good, capsys: pytest.CaptureFixture[str]
) -> None:
    first = snapshot(copy_of_good.processed)
    code, _, _ = run(["--config", str(copy_of_good.config), "ingest"], capsys)
    assert code == 0
    second = snapshot(copy_of_good.processed)
    assert len(second) == 9
    assert second == first


def test_synth_twice_gives_byte_identical_raw_files(
    good: Good, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    again = tmp_path / "again"
    code, _, err = run(["--config", str(good.config), "synth", "--out", str(again)], capsys)
    assert code == 0
    assert "SYNTHETIC" in err
    assert snapshot(again) == good.raw_before_ingest


# --------------------------------------------------------------------------- bad input


def _truncate(study: Good) -> tuple[list[str], str]:
    path = study.raw / "wea2010.sav"
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return [], "wea2010.sav: the header declares 5310 cases but the file holds"


def _not_spss(study: Good) -> tuple[list[str], str]:
    (study.raw / "beso2011.sav").write_text("vestnr,q1\n1,2\n", encoding="utf-8")
    return [], "beso2011.sav: not an SPSS system file"


def _missing_file(study: Good) -> tuple[list[str], str]:
    (study.raw / "beso2011.sav").unlink()
    return [], "beso2011.sav: file not found"


def _codebook_does_not_fit(study: Good) -> tuple[list[str], str]:
    text = (CONFIG / "codebooks" / "beso2011.yaml").read_text(encoding="utf-8")
    assert "raw: q6\n" in text
    codebook = study.root / "beso2011.yaml"
    codebook.write_text(text.replace("raw: q6\n", "raw: q6x\n"), encoding="utf-8")
    write_study(study.root, beso2011__codebook=str(codebook))
    return (
        [],
        "beso2011.sav: variable 'q6x' (nonprofit) is not in the file; similar names in the file: q6",
    )


def _unknown_code(study: Good) -> tuple[list[str], str]:
    def change(columns: dict[str, list[object]]) -> None:
        columns["sbi"][0] = 99.0

    rewrite_raw(study.raw / "wea2010.sav", change)
    return [], "wea2010.sav: variable 'sbi' (sector) has code 99 in 1 case(s)"


def _duplicated_id(study: Good) -> tuple[list[str], str]:
    ids: list[object] = []

    def change(columns: dict[str, list[object]]) -> None:
        columns["bedrnr"][1] = columns["bedrnr"][0]
        ids.append(columns["bedrnr"][0])

    rewrite_raw(study.raw / "wea2008.sav", change)
    return [], f"wea2008.sav: identifier 'bedrnr' has value {ids[0]:g} in 2 cases"


def _beso_id_not_in_wea2010(study: Good) -> tuple[list[str], str]:
    def change(columns: dict[str, list[object]]) -> None:
        columns["vestnr"][0] = 999999.0

    rewrite_raw(study.raw / "beso2011.sav", change)
    return (
        [],
        "beso2011.sav: 1 value(s) of 'establishment_id' do not occur in wea2010 (e.g. 999999)",
    )


def _wrong_code_page(study: Good) -> tuple[list[str], str]:
    return ["--encoding", "beso2011=ascii"], "beso2011.sav: its text cannot be decoded as 'ascii'"


def _broken_study_config(study: Good) -> tuple[list[str], str]:
    study.config.write_text("waves: [unclosed\n", encoding="utf-8")
    return [], "study.yaml: not valid YAML"


def _study_config_without_waves(study: Good) -> tuple[list[str], str]:
    study.config.write_text("title: x\nwaves: {}\n", encoding="utf-8")
    return [], "no waves are configured"


BAD_INPUTS = {
    "truncated_sav": _truncate,
    "text_file_named_sav": _not_spss,
    "missing_file": _missing_file,
    "codebook_does_not_fit": _codebook_does_not_fit,
    "unknown_code": _unknown_code,
    "duplicated_id": _duplicated_id,
    "beso_id_not_in_wea2010": _beso_id_not_in_wea2010,
    "wrong_code_page": _wrong_code_page,
    "broken_study_config": _broken_study_config,
    "study_config_without_waves": _study_config_without_waves,
}


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_input_exits_3_with_one_message_and_leaves_processed_data_intact(
    case: str, copy_of_good: Good, capsys: pytest.CaptureFixture[str]
) -> None:
    before = snapshot(copy_of_good.processed)
    assert len(before) == 9
    extra_args, expected = BAD_INPUTS[case](copy_of_good)
    code, out, err = run(["--config", str(copy_of_good.config), "ingest", *extra_args], capsys)
    assert code == 3
    assert expected in err
    assert len(error_lines(err)) == 1, err
    assert "what to do:" in err
    assert "Traceback" not in err
    assert out == ""
    assert snapshot(copy_of_good.processed) == before


# --------------------------------------------------------------------------- usage errors


def test_unknown_sub_command_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["frobnicate"], capsys)
    assert code == 2
    assert "invalid choice: 'frobnicate'" in err


def test_encoding_without_equals_sign_exits_2(
    good: Good, capsys: pytest.CaptureFixture[str]
) -> None:
    before = snapshot(good.processed)
    code, _, err = run(["--config", str(good.config), "ingest", "--encoding", "cp1252"], capsys)
    assert code == 2
    assert error_lines(err) == [
        "error: --encoding expects WAVE=CODEPAGE (e.g. wave1=cp1252), got 'cp1252'"
    ]
    assert snapshot(good.processed) == before


def test_encoding_for_an_unknown_wave_exits_2(
    good: Good, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(
        ["--config", str(good.config), "ingest", "--encoding", "wea1999=cp1252"], capsys
    )
    assert code == 2
    assert "unknown wave(s) wea1999" in err


# --------------------------------------------------------------------------- codebook, validate


def test_codebook_prints_every_variable_with_counts_per_code(
    good: Good, capsys: pytest.CaptureFixture[str]
) -> None:
    path = good.raw / "beso2011.sav"
    frame, meta = read_spss(path)
    code, out, _ = run(["codebook", str(path)], capsys)
    assert code == 0
    assert out.startswith(f"{path}: {len(frame)} cases, {len(meta.variables)} variables")
    lines = out.splitlines()
    for name in meta.variables:
        assert any(line.startswith(f"{name}  [") for line in lines), name
    counts = frame["q1"].value_counts()
    start = lines.index(next(line for line in lines if line.startswith("q1  [")))
    block = lines[start : start + 7]
    assert f"{'1':>10}  {counts[1.0]:>8}  Ja, op dit moment" in "\n".join(block)
    assert f"{'9':>10}  {counts.get(9.0, 0):>8}  Geen antwoord (missing)" in "\n".join(block)


def test_codebook_yaml_skeleton_loads_and_its_file_validates(
    good: Good, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = good.raw / "wea2010.sav"
    out_file = tmp_path / "mine.yaml"
    code, out, err = run(
        ["codebook", str(data), "--format", "yaml", "--out", str(out_file)], capsys
    )
    assert code == 0
    assert out == ""
    assert f"wrote {out_file}" in err
    book = load_codebook(out_file)
    assert book.wave == "wea2010"
    assert "v3" in book.variables
    code, out, _ = run(["validate", str(data), "--codebook", str(out_file)], capsys)
    assert code == 0, out
    assert "0 error(s)" in out


def test_validate_exits_0_on_a_good_file(good: Good, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        [
            "validate",
            str(good.raw / "beso2011.sav"),
            "--codebook",
            str(CONFIG / "codebooks" / "beso2011.yaml"),
        ],
        capsys,
    )
    assert code == 0
    assert "0 error(s), 0 warning(s)" in out


def test_validate_exits_3_and_lists_every_problem_of_a_bad_file(
    copy_of_good: Good, capsys: pytest.CaptureFixture[str]
) -> None:
    path = copy_of_good.raw / "wea2010.sav"

    def change(columns: dict[str, list[object]]) -> None:
        columns["sbi"][0] = 99.0
        columns["vestnr"][2] = columns["vestnr"][1]

    rewrite_raw(path, change)
    code, out, _ = run(
        ["validate", str(path), "--codebook", str(CONFIG / "codebooks" / "wea2010.yaml")], capsys
    )
    assert code == 3
    assert "2 error(s)" in out
    assert "variable 'sbi' (sector) has code 99 in 1 case(s)" in out
    assert "identifier 'vestnr' has value" in out


# --------------------------------------------------------------------------- real processes


def test_report_in_a_real_process_runs_every_stage_and_writes_the_report(
    tmp_path: Path,
) -> None:
    config = write_study(tmp_path)
    result = run_exe(
        ["--config", str(config), "--progress", "always", "report", "--check", "--no-pdf"],
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert "SYNTHETIC" in result.stderr
    for stage in ("data", "ingest", "weight", "analyse, figures, report"):
        assert f"[{stage}] done in" in result.stderr
    assert "[en] 9 figures drawn" in result.stderr and "[nl] wrote" in result.stderr
    assert re.search(
        r"reproduction: \d+ of 41 published figures match or are supported; \d+ not assessable "
        r"\(suppressed by disclosure control\)",
        result.stderr,
    )
    # 3 waves x (parquet, sav, provenance) + 2 weighted WEA waves x (parquet, sav, calibration
    # record, weighting json)
    assert len(snapshot(tmp_path / "processed")) == 9 + 8
    for lang in ("nl", "en"):
        assert (tmp_path / "reports" / f"report.{lang}.html").exists()
        assert (tmp_path / "reports" / "tables" / lang / "reproduction.csv").exists()


def test_a_piped_report_shows_no_progress_only_the_outcome(tmp_path: Path) -> None:
    config = write_study(tmp_path)
    result = run_exe(["--config", str(config), "report", "--no-pdf", "--lang", "en"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert "done in" not in result.stderr and "figures drawn" not in result.stderr
    assert "report written in" in result.stderr
    assert (tmp_path / "reports" / "report.en.html").exists()
    assert not (tmp_path / "reports" / "report.nl.html").exists()  # one language asked, one written


def test_truncated_file_in_a_real_process_exits_3_without_traceback(
    copy_of_good: Good,
) -> None:
    before = snapshot(copy_of_good.processed)
    _truncate(copy_of_good)
    result = run_exe(["--config", str(copy_of_good.config), "ingest"], copy_of_good.root)
    assert result.returncode == 3
    assert "wea2010.sav: the header declares 5310 cases but the file holds" in result.stderr
    assert len(error_lines(result.stderr)) == 1
    assert "Traceback" not in result.stderr
    assert snapshot(copy_of_good.processed) == before


def test_unknown_code_in_validate_in_a_real_process_exits_3(copy_of_good: Good) -> None:
    path = copy_of_good.raw / "wea2008.sav"

    def change(columns: dict[str, list[object]]) -> None:
        columns["v24"][0] = 5.0

    rewrite_raw(path, change)
    codebook = CONFIG / "codebooks" / "wea2008.yaml"
    result = run_exe(["validate", str(path), "--codebook", str(codebook)], copy_of_good.root)
    assert result.returncode == 3
    assert "variable 'v24' (hired_vulnerable) has code 5 in 1 case(s)" in result.stdout
    assert "Traceback" not in result.stderr


def test_usage_errors_in_a_real_process_exit_2(tmp_path: Path) -> None:
    result = run_exe(["frobnicate"], tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    config = write_study(tmp_path)
    result = run_exe(["--config", str(config), "ingest", "--encoding", "beso2011"], tmp_path)
    assert result.returncode == 2
    assert "--encoding expects WAVE=CODEPAGE" in result.stderr
    assert "Traceback" not in result.stderr
