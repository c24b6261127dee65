"""A failed or interrupted stage leaves the previous complete set of processed files."""

from __future__ import annotations

from pathlib import Path

import pytest

import survey.pipeline as pipeline
from study_copy import prepared_study
from survey.config import StudyConfig
from survey.errors import InputError
from survey.io import sha256_file
from survey.study.designs import load_study_data


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> StudyConfig:
    return prepared_study(tmp_path_factory.mktemp("transactional"))


def _hashes(folder: Path) -> dict[str, str]:
    return {p.name: sha256_file(p) for p in sorted(folder.iterdir()) if p.is_file()}


def test_an_ingest_that_fails_while_writing_changes_no_file(
    prepared: StudyConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = _hashes(prepared.processed_dir)
    calls = []

    def broken(*args: object, **kwargs: object) -> None:
        calls.append(args)
        if len(calls) == 2:  # the second wave's .sav: the first wave is written already
            raise OSError(28, "No space left on device")
        return real(*args, **kwargs)

    real = pipeline.write_sav
    monkeypatch.setattr(pipeline, "write_sav", broken)
    with pytest.raises(OSError, match="No space left"):
        pipeline.run_ingest(prepared)
    assert _hashes(prepared.processed_dir) == before
    assert not [p for p in prepared.processed_dir.iterdir() if p.name.startswith(".staging")]


def test_processed_data_that_does_not_match_its_record_is_refused(
    prepared: StudyConfig, tmp_path: Path
) -> None:
    path = prepared.processed_dir / "beso2011.parquet"
    original = path.read_bytes()
    try:
        path.write_bytes(original + b"\0")
        with pytest.raises(InputError, match="does not match the record its stage wrote"):
            load_study_data(prepared)
    finally:
        path.write_bytes(original)
    assert load_study_data(prepared).designs["beso2011"].n == 228
