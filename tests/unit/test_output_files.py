"""Outputs are published as complete sets, and two runs never write one folder at once."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from survey.errors import InputError
from survey.io import output_lock, staged_outputs


def test_a_staged_set_is_published_together(tmp_path: Path) -> None:
    with staged_outputs(tmp_path) as staging:
        staging.path(tmp_path / "data.txt").write_text("new", encoding="utf-8")
        staging.path(tmp_path / "record.json").write_text("{}", encoding="utf-8")
        assert not (tmp_path / "data.txt").exists()  # nothing is in place before the end
    assert (tmp_path / "data.txt").read_text(encoding="utf-8") == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data.txt", "record.json"]


def test_a_failure_keeps_the_previous_set_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    (tmp_path / "data.txt").write_text("old", encoding="utf-8")
    with pytest.raises(OSError, match="disk full"), staged_outputs(tmp_path) as staging:
        staging.path(tmp_path / "data.txt").write_text("new", encoding="utf-8")
        raise OSError("disk full")
    assert (tmp_path / "data.txt").read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["data.txt"]


def test_a_planned_file_that_was_never_written_publishes_nothing(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="nothing was written"), staged_outputs(tmp_path) as s:
        s.path(tmp_path / "a.txt").write_text("a", encoding="utf-8")
        s.path(tmp_path / "b.txt")
    assert list(tmp_path.iterdir()) == []


def test_the_lock_is_reentrant_within_one_run(tmp_path: Path) -> None:
    with output_lock([tmp_path], "outer"), output_lock([tmp_path], "inner"):
        pass
    with output_lock([tmp_path], "again"):  # released
        pass


def _holder(folder: Path) -> subprocess.Popen[str]:
    code = (
        "import sys, time; from survey.io import output_lock\n"
        f"with output_lock([{str(folder)!r}], 'survey report'):\n"
        "    print('held', flush=True); time.sleep(30)\n"
    )
    process = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None and process.stdout.readline().strip() == "held"
    return process


def test_a_second_run_on_the_same_folder_gets_an_error_naming_the_first(tmp_path: Path) -> None:
    first = _holder(tmp_path)
    try:
        with pytest.raises(InputError, match=rf"survey report \(process {first.pid}\)"):
            with output_lock([tmp_path], "survey ingest"):
                pass
    finally:
        first.kill()
        first.wait()


def test_the_lock_of_a_killed_run_is_free_again(tmp_path: Path) -> None:
    first = _holder(tmp_path)
    first.kill()
    first.wait()
    time.sleep(0.05)
    with output_lock([tmp_path], "next"):
        pass


def test_taking_the_lock_removes_what_a_killed_run_left(tmp_path: Path) -> None:
    (tmp_path / ".staging-abc").mkdir()
    (tmp_path / ".staging-abc" / "0000-a.parquet").write_text("half", encoding="utf-8")
    (tmp_path / "tables").mkdir()
    (tmp_path / "tables" / ".t.csv.x1.tmp").write_text("half", encoding="utf-8")
    (tmp_path / "kept.csv").write_text("done", encoding="utf-8")
    with output_lock([tmp_path], "next"):
        pass
    left = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*"))
    assert left == [".survey.lock", "kept.csv", "tables"]
