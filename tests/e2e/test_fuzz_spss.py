"""Two hundred damaged copies of a synthetic export: each one reads, or fails with an InputError.

The base files are the project's own synthetic BESO 2011 export (``survey.synth.generate``), as
written (``.sav``) and rewritten compressed (``.zsav``). File ``i`` is damaged in one of four ways,
chosen by ``i % 4``, with a generator seeded by ``(SEED, i)``: one to eight flipped bits (mostly
in the dictionary, where ReadStat is most fragile), a truncation, a zeroed block of 16-512 bytes,
or a lowered case count in the header. About one in a hundred of these makes ReadStat crash;
``read_spss`` must turn that into an InputError too, never another exception, and never take the
test process down. The files are checked in interleaved batches, so that pytest-xdist spreads
them over its workers and every batch holds every kind of damage.
"""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest

from commands import run_survey
from repo import CONFIG, REPO
from survey.codebook import load_codebook
from survey.errors import InputError
from survey.io import read_spss, spss, write_sav
from survey.synth import generate

SEED = 20120101
FILES = 200
BATCHES = 10
DAMAGES = ("flip bits", "truncate", "zero a block", "lower the case count")
SUFFIXES = (".sav", ".zsav")
WAVES = ("wea2008", "wea2010", "beso2011")  # the synthetic generator writes them together
#: Flipped bits land in the first this many bytes seven times in ten: the dictionary and header.
DICTIONARY_BYTES = 12_000
#: A file that makes ReadStat (pyreadstat 1.3.7) crash with a segmentation fault.
CRASHING_FILE = 32


@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """Suffix -> the bytes of the synthetic BESO 2011 export in that form."""
    folder = tmp_path_factory.mktemp("synthetic")
    books = {w: load_codebook(CONFIG / "codebooks" / f"{w}.yaml") for w in WAVES}
    generate(CONFIG / "synth.yaml", books, folder, REPO)
    sav = folder / "beso2011.sav"
    zsav = write_sav(*read_spss(sav), folder / "beso2011.zsav")
    return {".sav": sav.read_bytes(), ".zsav": zsav.read_bytes()}


def damage(data: bytes, kind: str, rng: np.random.Generator) -> bytes:
    """``data`` damaged in the way ``kind`` names; the first four bytes (the magic) stay."""
    damaged = bytearray(data)
    if kind == "flip bits":
        for _ in range(rng.integers(1, 9)):
            limit = min(len(damaged), DICTIONARY_BYTES) if rng.random() < 0.7 else len(damaged)
            damaged[rng.integers(4, limit)] ^= 1 << int(rng.integers(0, 8))
    elif kind == "truncate":
        del damaged[rng.integers(4, len(damaged)) :]
    elif kind == "zero a block":
        start = int(rng.integers(4, len(damaged)))
        end = min(len(damaged), start + int(rng.integers(16, 513)))
        damaged[start:end] = bytes(end - start)
    else:
        (declared,) = struct.unpack_from("<i", damaged, 80)
        struct.pack_into("<i", damaged, 80, int(rng.integers(0, declared)))
    return bytes(damaged)


def damaged_file(index: int, exports: dict[str, bytes], folder: Path) -> tuple[Path, str]:
    """Write damaged file ``index``; return it and what was done to it."""
    kind = DAMAGES[index % len(DAMAGES)]
    suffix = SUFFIXES[index // len(DAMAGES) % len(SUFFIXES)]
    path = folder / f"damaged{index:03d}{suffix}"
    path.write_bytes(damage(exports[suffix], kind, np.random.default_rng([SEED, index])))
    return path, kind


@pytest.mark.filterwarnings("ignore")  # damaged files may warn, e.g. of duplicated names
@pytest.mark.parametrize("batch", range(BATCHES))
def test_every_damaged_file_reads_or_gives_an_input_error(batch, exports, tmp_path, monkeypatch):
    monkeypatch.setattr(spss, "_TIMEOUT_BASE", 20.0)  # a hang must not eat the time budget
    unexpected = []
    for index in range(batch, FILES, BATCHES):
        path, kind = damaged_file(index, exports, tmp_path)
        try:
            read_spss(path)
        except InputError:
            pass
        except Exception as exc:  # what this test is for: anything else is a bug
            unexpected.append(f"{path.name} ({kind}): {type(exc).__name__}: {exc}")
    assert unexpected == []


def test_survey_validate_on_a_file_that_crashes_the_reader_exits_cleanly(exports, tmp_path):
    path, _ = damaged_file(CRASHING_FILE, exports, tmp_path)
    codebook = CONFIG / "codebooks" / "beso2011.yaml"
    result = run_survey(["validate", str(path), "--codebook", str(codebook)], cwd=tmp_path)
    assert result.returncode in (0, 3), result.stderr
    assert "Traceback" not in result.stderr
