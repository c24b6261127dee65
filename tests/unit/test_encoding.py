"""Legacy code pages: files in Windows-1252 or cp850 that declare it, declare nothing, or lie.

The fixtures in ``tests/fixtures/legacy`` were written by GNU PSPP from the syntax beside them and
then had their code-page declaration rewritten; ``make_fixtures.sh`` there says exactly how.
"""

from __future__ import annotations

import shutil
import subprocess

import pyreadstat
import pytest

from repo import FIXTURES
from survey.errors import InputError
from survey.io import read_spss

LEGACY = FIXTURES / "legacy"

FILE_LABEL = "Werkgeversenquête: geïnteresseerd in één cursus"
VARIABLE_LABELS = {
    "id": "Respondentnummer",
    "q1": "Bent u geïnteresseerd in één cursus?",
    "regio": "Regio (één keuze)",
    "opmerking": "Opmerking van de werkgever",
}
Q1_LABELS = {
    1.0: "Ja, geïnteresseerd",
    2.0: "Nee, niet geïnteresseerd",
    9.0: "Weet niet (één antwoord)",
}
REGIO_LABELS = {"N": "Noord: één vestiging", "Z": "Zuid: geïnteresseerd"}
OPMERKINGEN = ["één keer per jaar", "niet geïnteresseerd", "geen", "Enquête ingevuld", ""]

#: Creation date and time in the file header, which PSPP sets to the moment of writing.
HEADER_STAMP = slice(92, 109)


def assert_dutch_text_intact(frame, meta) -> None:
    assert meta.file_label == FILE_LABEL
    assert {name: var.label for name, var in meta.variables.items()} == VARIABLE_LABELS
    assert meta.variables["q1"].value_labels == Q1_LABELS
    assert meta.variables["regio"].value_labels == REGIO_LABELS
    assert frame["opmerking"].tolist() == OPMERKINGEN


def test_read_spss_reads_cp1252_file_that_declares_cp1252():
    frame, meta = read_spss(LEGACY / "legacy_cp1252.sav")
    assert_dutch_text_intact(frame, meta)
    assert meta.encoding == "WINDOWS-1252"
    assert meta.encoding_note is None


def test_read_spss_keeps_data_and_missing_values_of_legacy_file():
    frame, meta = read_spss(LEGACY / "legacy_cp1252_undeclared.sav")
    assert frame["q1"].tolist()[:4] == [1.0, 2.0, 9.0, 1.0]
    assert frame["regio"].tolist() == ["N", "Z", "N", "Z", "N"]
    assert meta.variables["q1"].missing_values == (9.0,)
    assert meta.n_rows == 5


def test_plain_pyreadstat_cannot_decode_cp1252_file_that_declares_no_code_page():
    with pytest.raises(SystemError) as caught:
        pyreadstat.read_sav(str(LEGACY / "legacy_cp1252_undeclared.sav"))
    assert "UnicodeDecodeError" in str(caught.value)


def test_plain_pyreadstat_cannot_decode_cp1252_file_that_declares_utf8():
    with pytest.raises(pyreadstat.ReadstatError, match="invalid byte sequence"):
        pyreadstat.read_sav(str(LEGACY / "legacy_cp1252_declared_utf8.sav"))


def test_read_spss_detects_cp1252_when_header_declares_none():
    frame, meta = read_spss(LEGACY / "legacy_cp1252_undeclared.sav")
    assert_dutch_text_intact(frame, meta)
    assert meta.encoding == "cp1252"
    assert "read as cp1252" in meta.encoding_note
    assert "legacy_cp1252_undeclared.sav" in meta.encoding_note


def test_read_spss_detects_cp1252_when_header_declares_utf8():
    frame, meta = read_spss(LEGACY / "legacy_cp1252_declared_utf8.sav")
    assert_dutch_text_intact(frame, meta)
    assert meta.encoding == "cp1252"
    assert "read as cp1252" in meta.encoding_note


def test_read_spss_detects_cp850_that_cp1252_would_decode_into_nonsense():
    frame, meta = read_spss(LEGACY / "legacy_cp850_undeclared.sav")
    assert_dutch_text_intact(frame, meta)
    assert meta.encoding == "cp850"
    assert "read as cp850" in meta.encoding_note


def test_read_spss_detects_utf8_when_header_declares_cp1252_and_text_comes_out_garbled():
    raw_labels = pyreadstat.read_sav(
        str(LEGACY / "unicode_declared_cp1252.sav"), metadataonly=True
    )[1]
    assert raw_labels.file_label == "WerkgeversenquÃªte: geÃ¯nteresseerd in Ã©Ã©n cursus"
    frame, meta = read_spss(LEGACY / "unicode_declared_cp1252.sav")
    assert_dutch_text_intact(frame, meta)
    assert meta.encoding == "utf-8"
    assert "WINDOWS-1252 looks garbled" in meta.encoding_note


def test_read_spss_reads_utf8_file_that_declares_utf8_without_note():
    frame, meta = read_spss(LEGACY / "unicode_utf8.sav")
    assert_dutch_text_intact(frame, meta)
    assert meta.encoding == "UTF-8"
    assert meta.encoding_note is None


def test_read_spss_uses_explicit_cp1252_over_the_declared_utf8():
    frame, meta = read_spss(LEGACY / "legacy_cp1252_declared_utf8.sav", encoding="cp1252")
    assert_dutch_text_intact(frame, meta)
    assert meta.encoding == "cp1252"
    assert meta.encoding_note is None


def test_read_spss_reports_explicit_encoding_that_does_not_decode_the_file():
    path = LEGACY / "legacy_cp1252.sav"
    with pytest.raises(InputError) as caught:
        read_spss(path, encoding="utf-8")
    assert str(path) in caught.value.message
    assert "'utf-8'" in caught.value.message
    assert "--encoding" in caught.value.hint


def test_make_fixtures_script_regenerates_the_committed_fixtures(tmp_path):
    assert shutil.which("pspp"), "GNU PSPP is required for these tests: apt-get install pspp"
    subprocess.run(
        ["bash", str(LEGACY / "make_fixtures.sh"), str(tmp_path)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    committed = sorted(path.name for path in LEGACY.glob("*.sav"))
    assert sorted(path.name for path in tmp_path.glob("*.sav")) == committed
    for name in committed:
        fresh = bytearray((tmp_path / name).read_bytes())
        kept = bytearray((LEGACY / name).read_bytes())
        fresh[HEADER_STAMP] = kept[HEADER_STAMP] = b"\0" * 17
        assert fresh == kept, name


def test_read_spss_names_an_unknown_code_page_as_such():
    path = LEGACY / "legacy_cp1252.sav"
    with pytest.raises(InputError) as caught:
        read_spss(path, encoding="klingon")
    assert "unknown code page 'klingon'" in caught.value.message
    assert "cp1252" in caught.value.hint


def test_read_spss_refuses_a_code_page_that_is_not_ascii_compatible():
    path = LEGACY / "legacy_cp1252.sav"
    with pytest.raises(InputError) as caught:
        read_spss(path, encoding="utf-16")
    assert "not ASCII-compatible" in caught.value.message
