"""Reading and writing .sav, .zsav and Parquet: lossless round trips, stable bytes, bad input."""

from __future__ import annotations

import dataclasses
import os
import stat
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from spss_sample import sample_variables
from survey.errors import InputError
from survey.io import (
    FileMeta,
    VariableMeta,
    atomic_output,
    read_data,
    read_parquet,
    read_spss,
    sha256_file,
    write_data,
    write_parquet,
    write_sav,
)


def sample() -> tuple[pd.DataFrame, FileMeta]:
    frame = pd.DataFrame(
        {
            "q1": [1.0, 2.0, 9.0, 1.0, np.nan],
            "leeftijd": [34.0, 98.0, 51.0, 0.0, 45.5],
            "regio": ["N", "Z", "X", "N", ""],
            "toelichting": ["één", "geïnteresseerd", "", "nee", "ja"],
        }
    )
    variables = sample_variables("F5.1")
    meta = FileMeta(
        variables=variables,
        file_label="Werkgeversenquête één",
        notes=("Testbestand voor de inleesstap",),
        n_rows=len(frame),
    )
    return frame, meta


@pytest.fixture
def sav(tmp_path) -> Path:
    return write_sav(*sample(), tmp_path / "source.sav")


def comparable(meta: FileMeta) -> FileMeta:
    """The metadata without where it was read from."""
    return meta.replace(source=None)


def test_write_sav_then_read_spss_keeps_every_variable_field(sav):
    _, expected = sample()
    _, meta = read_spss(sav)
    assert dict(meta.variables) == dict(expected.variables)


def test_write_sav_then_read_spss_keeps_file_label_notes_and_row_count(sav):
    _, expected = sample()
    _, meta = read_spss(sav)
    assert (meta.file_label, meta.notes, meta.n_rows) == (
        expected.file_label,
        expected.notes,
        expected.n_rows,
    )


def test_write_sav_keeps_declared_string_width_when_values_are_shorter(sav):
    _, meta = read_spss(sav)
    assert meta.variables["toelichting"].format == "A40"


def test_read_spss_keeps_user_missing_codes_as_codes_and_system_missing_as_nan(sav):
    frame, _ = read_spss(sav)
    assert frame["q1"].iloc[2] == 9.0
    assert np.isnan(frame["q1"].iloc[4])
    assert frame["leeftijd"].tolist() == [34.0, 98.0, 51.0, 0.0, 45.5]
    assert frame["regio"].tolist() == ["N", "Z", "X", "N", ""]
    assert frame["toelichting"].tolist() == ["één", "geïnteresseerd", "", "nee", "ja"]


@pytest.mark.parametrize("suffix", [".sav", ".zsav", ".parquet"])
def test_round_trip_through_format_loses_no_data_or_metadata(sav, tmp_path, suffix):
    frame, meta = read_spss(sav)
    copy = write_data(frame, meta, tmp_path / f"copy{suffix}")
    frame_again, meta_again = read_data(copy)
    pd.testing.assert_frame_equal(frame_again, frame)
    assert comparable(meta_again) == comparable(meta)


def test_round_trip_keeps_values_that_are_user_missing_only_by_range(sav, tmp_path):
    frame, meta = read_spss(sav)
    frame_again, meta_again = read_spss(write_sav(frame, meta, tmp_path / "copy.zsav"))
    assert frame_again["leeftijd"].iloc[1] == 98.0
    assert meta_again.variables["leeftijd"].is_user_missing(frame_again["leeftijd"]).tolist() == [
        False,
        True,
        False,
        True,
        False,
    ]


def test_writing_the_same_data_twice_gives_identical_bytes(tmp_path):
    frame, meta = sample()
    suffixes = (".sav", ".zsav", ".parquet")
    for suffix in suffixes:
        write_data(frame, meta, tmp_path / f"first{suffix}")
    time.sleep(1.1)  # the header stamp has one-second resolution
    for suffix in suffixes:
        write_data(frame, meta, tmp_path / f"second{suffix}")
    for suffix in suffixes:
        first = (tmp_path / f"first{suffix}").read_bytes()
        assert first == (tmp_path / f"second{suffix}").read_bytes(), suffix


def test_write_sav_gives_the_file_ordinary_permissions(tmp_path):
    frame, meta = sample()
    written = write_sav(frame, meta, tmp_path / "out.sav")
    mask = os.umask(0o022)
    os.umask(mask)
    assert stat.S_IMODE(written.stat().st_mode) == 0o666 & ~mask


# --------------------------------------------------------------------------- bad input


def folder_state(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` with its SHA-256."""
    return {
        str(path.relative_to(folder)): sha256_file(path)
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def assert_input_error_changes_nothing(read, path: Path, folder: Path) -> InputError:
    before = folder_state(folder)
    with pytest.raises(InputError) as caught:
        read(path)
    assert str(path) in caught.value.message
    assert caught.value.hint
    assert caught.value.exit_code == 3
    assert folder_state(folder) == before
    return caught.value


def test_read_spss_raises_input_error_for_missing_file(tmp_path):
    error = assert_input_error_changes_nothing(read_spss, tmp_path / "absent.sav", tmp_path)
    assert "not found" in error.message


def test_read_spss_raises_input_error_for_folder(tmp_path):
    folder = tmp_path / "export.sav"
    folder.mkdir()
    error = assert_input_error_changes_nothing(read_spss, folder, tmp_path)
    assert "folder" in error.message


def test_read_spss_raises_input_error_for_csv_renamed_to_sav(tmp_path):
    fake = tmp_path / "export.sav"
    fake.write_text("id,q1\n1,2\n", encoding="utf-8")
    error = assert_input_error_changes_nothing(read_spss, fake, tmp_path)
    assert "not an SPSS system file" in error.message


def test_read_spss_raises_input_error_for_truncated_sav(sav):
    whole = sav.read_bytes()
    sav.write_bytes(whole[: len(whole) // 2])
    assert_input_error_changes_nothing(read_spss, sav, sav.parent)


def test_read_spss_raises_input_error_for_truncated_data_of_large_sav(tmp_path):
    frame = pd.DataFrame({"x": np.arange(2000.0)})
    meta = FileMeta(variables={"x": VariableMeta("x", format="F8.0", measure="scale")})
    path = write_sav(frame, meta, tmp_path / "big.sav")
    whole = path.read_bytes()
    path.write_bytes(whole[: len(whole) - 8000])
    error = assert_input_error_changes_nothing(read_spss, path, tmp_path)
    assert "truncated" in str(error)


def test_read_spss_raises_input_error_for_corrupt_dictionary(sav):
    raw = bytearray(sav.read_bytes())
    start = 176 + 64  # inside the variable records that follow the 176-byte header
    raw[start : start + 64] = b"\xff" * 64
    sav.write_bytes(bytes(raw))
    assert_input_error_changes_nothing(read_spss, sav, sav.parent)


def test_read_parquet_raises_input_error_for_file_that_is_not_parquet(tmp_path):
    fake = tmp_path / "clean.parquet"
    fake.write_text("id,q1\n1,2\n", encoding="utf-8")
    error = assert_input_error_changes_nothing(read_parquet, fake, tmp_path)
    assert "Parquet" in error.message


def test_read_parquet_raises_input_error_for_missing_file(tmp_path):
    assert_input_error_changes_nothing(read_parquet, tmp_path / "absent.parquet", tmp_path)


def test_read_parquet_raises_input_error_for_folder(tmp_path):
    folder = tmp_path / "clean.parquet"
    folder.mkdir()
    assert_input_error_changes_nothing(read_parquet, folder, tmp_path)


def test_write_data_refuses_unknown_suffix_and_writes_nothing(tmp_path):
    frame, meta = sample()
    with pytest.raises(InputError, match="unknown output type"):
        write_data(frame, meta, tmp_path / "out.csv")
    assert list(tmp_path.iterdir()) == []


def test_atomic_output_keeps_old_target_and_leaves_no_temp_file_when_body_raises(tmp_path):
    target = tmp_path / "result.sav"
    target.write_bytes(b"old content")
    with pytest.raises(RuntimeError), atomic_output(target) as tmp:
        tmp.write_bytes(b"half written")
        raise RuntimeError("interrupted")
    assert target.read_bytes() == b"old content"
    assert [path.name for path in tmp_path.iterdir()] == ["result.sav"]


def test_write_sav_failure_keeps_old_file_and_leaves_no_temp_file(tmp_path):
    frame, meta = sample()
    target = write_sav(frame, meta, tmp_path / "out.sav")
    before = folder_state(tmp_path)
    with pytest.raises(InputError, match="no such column"):
        write_sav(frame.drop(columns="regio"), meta, target)
    assert folder_state(tmp_path) == before


def test_write_parquet_then_read_parquet_keeps_metadata_with_string_codes(tmp_path):
    frame, meta = sample()
    path = write_parquet(frame, meta, tmp_path / "out.parquet")
    _, meta_again = read_parquet(path)
    assert meta_again.variables["regio"].value_labels == {
        "N": "Noord",
        "Z": "Zuid",
        "X": "Onbekend",
    }
    assert meta_again.variables["leeftijd"].missing_ranges == ((97.0, 99.0),)


# --------------------------------------------------------------------------- large files


@pytest.fixture
def large_sav(tmp_path) -> Path:
    rows = 5000
    rng = np.random.default_rng(7)
    codes = rng.integers(1, 6, rows).astype(float)
    codes[::97] = 9.0
    codes[::101] = np.nan
    frame = pd.DataFrame(
        {"id": np.arange(1.0, rows + 1), "q1": codes, "regio": rng.choice(["N", "Z", "één"], rows)}
    )
    variables = {
        "id": VariableMeta("id", format="F5.0", measure="scale"),
        "q1": VariableMeta("q1", format="F1.0", measure="ordinal", missing_values=(9.0,)),
        "regio": VariableMeta("regio", type="string", format="A8", measure="nominal"),
    }
    return write_sav(frame, FileMeta(variables=variables), tmp_path / "large.zsav")


def test_read_spss_in_chunks_gives_the_same_frame_as_in_one_go(large_sav):
    whole, meta = read_spss(large_sav)
    chunked, chunked_meta = read_spss(large_sav, chunksize=1000)
    assert len(whole) == 5000
    pd.testing.assert_frame_equal(chunked, whole)
    assert chunked_meta == meta


def test_read_spss_in_chunks_with_progress_shows_a_bar_on_stderr(large_sav, capsys):
    frame, _ = read_spss(large_sav, chunksize=1000, progress=True)
    captured = capsys.readouterr()
    assert len(frame) == 5000
    assert "large.zsav" in captured.err
    assert "5000" in captured.err
    assert captured.out == ""


def test_read_spss_in_chunks_without_progress_prints_nothing(large_sav, capsys):
    read_spss(large_sav, chunksize=1000)
    captured = capsys.readouterr()
    assert (captured.out, captured.err) == ("", "")


def test_file_meta_to_dict_and_from_dict_round_trip_exactly():
    _, meta = sample()
    restored = FileMeta.from_dict(meta.to_dict())
    assert dataclasses.asdict(restored) == dataclasses.asdict(meta)
