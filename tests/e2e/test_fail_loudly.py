"""Ordinary mistakes end in one readable message and exit 3, never a traceback or a guess."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from commands import run_survey
from survey.io import frame_meta, write_sav


@pytest.fixture
def upper_case_file(tmp_path: Path) -> tuple[Path, Path]:
    """A file whose names are upper case, and a codebook that spells them in lower case."""
    frame = pd.DataFrame({"ID": [1.0, 2.0, 3.0], "Q1": [1.0, 2.0, 1.0]})
    data = tmp_path / "upper.sav"
    write_sav(frame, frame_meta(frame), data)
    book = tmp_path / "book.yaml"
    book.write_text(
        "wave: w1\nsurvey: s\ntitle: t\nid: id\nscales:\n  yes_no: {values: {1: Ja, 2: Nee}}\n"
        "variables:\n  id: {raw: id, label: Nummer}\n"
        "  q1: {raw: q1, scale: yes_no, label: Vraag}\n",
        encoding="utf-8",
    )
    return data, book


def test_variable_names_match_whatever_their_case_as_in_spss(
    upper_case_file: tuple[Path, Path], tmp_path: Path
) -> None:
    data, book = upper_case_file
    done = run_survey(["validate", str(data), "--codebook", str(book)], tmp_path)
    assert done.returncode == 0, done.stderr
    assert "is not in the file" not in done.stdout + done.stderr


def test_a_folder_given_as_an_output_file_is_exit_3_naming_it(tmp_path: Path) -> None:
    frame = pd.DataFrame({"q": [1.0, 2.0]})
    data = tmp_path / "d.sav"
    write_sav(frame, frame_meta(frame), data)
    folder = tmp_path / "out"
    folder.mkdir()
    done = run_survey(["codebook", str(data), "--out", str(folder)], tmp_path)
    assert done.returncode == 3
    assert f"{folder}: Is a directory" in done.stderr and "a folder is where a file" in done.stderr
    assert "Traceback" not in done.stderr and ".tmp" not in done.stderr


def test_the_codebook_of_a_processed_file_lists_its_labels(study, tmp_path: Path) -> None:
    done = run_survey(["codebook", str(study.processed_dir / "beso2011.parquet")], tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert "121  Nee, nooit" in done.stdout


def test_a_recode_onto_text_codes_is_exit_3_before_anything_is_written(tmp_path: Path) -> None:
    answers = pd.Categorical(["Ja", "Nee", "Ja"], categories=["Ja", "Nee"])
    frame = pd.DataFrame({"id": [1.0, 2.0, 3.0], "q1": answers})  # codes 1, 2 labelled Ja, Nee
    data = tmp_path / "w1.sav"
    write_sav(frame, frame_meta(frame), data)
    folder = tmp_path / "study"
    assert run_survey(["init", str(folder), "--wave", f"w1={data}"], tmp_path).returncode == 0
    book = folder / "config" / "codebooks" / "w1.yaml"
    text = book.read_text(encoding="utf-8")
    book.write_text(text.replace("      2: Nee\n", "      2: Nee\n    recode: {1: ja, 2: nee}\n"))
    done = run_survey(["ingest"], folder)
    assert done.returncode == 3, done.stderr
    assert "variable 'q1': recodes onto the text code 'ja', but the variable is numeric" in (
        done.stderr
    )
    assert "Traceback" not in done.stderr
    assert not list((folder / "data" / "processed").glob("*"))


def test_a_warning_is_one_plain_line_without_a_source_location(tmp_path: Path) -> None:
    places = pd.Categorical(["Fryslân", "Zeeland"], categories=["Fryslân", "Zeeland"])
    frame = pd.DataFrame({"province": places})
    data = tmp_path / "utf8.sav"
    write_sav(frame, frame_meta(frame), data)
    done = run_survey(["codebook", str(data), "--encoding", "latin1"], tmp_path)
    assert done.returncode == 0, done.stderr
    warning = [line for line in done.stderr.splitlines() if "garbled" in line.lower()]
    assert len(warning) == 1 and warning[0].startswith("warning: "), done.stderr
    assert ".py:" not in done.stderr and "warnings.warn" not in done.stderr
