"""Files written by ``write_sav`` open in GNU PSPP, and files PSPP writes are read completely.

These tests run the real ``pspp`` program. They fail (not skip) when it is missing: install the
Debian package ``pspp`` (``.ci/run`` does).
"""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from repo import REPO
from spss_sample import sample_variables
from survey.clean import clean, processed_meta
from survey.codebook import load_codebook
from survey.io import FileMeta, read_spss, write_sav
from survey.synth import generate


def _pspp_program() -> str:
    program = shutil.which("pspp")
    assert program, "GNU PSPP is required for these tests: apt-get install pspp"
    return program


def run_pspp(syntax: str, folder: Path) -> dict[str, list[list[str]]]:
    """Run PSPP syntax in ``folder``; return its output tables by title (CSV cells)."""
    script = folder / "run.sps"
    script.write_text(syntax, encoding="utf-8")
    output = folder / "out.csv"
    errors = folder / "errors.txt"
    result = subprocess.run(
        [
            _pspp_program(),
            "-r",
            "--syntax-encoding=UTF-8",
            "-o",
            str(output),
            "-e",
            str(errors),
            str(script),
        ],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    problems = errors.read_text(encoding="utf-8") if errors.exists() else ""
    assert result.returncode == 0, f"pspp failed: {result.stdout}{result.stderr}{problems}"
    assert problems == "", problems
    tables: dict[str, list[list[str]]] = {}
    for block in output.read_text(encoding="utf-8").split("\n\n"):
        lines = block.strip("\n").splitlines()
        if lines and lines[0].startswith("Table: "):
            rows = list(csv.reader(io.StringIO("\n".join(lines[1:]))))
            tables.setdefault(lines[0].removeprefix("Table: "), rows)
    return tables


def sample() -> tuple[pd.DataFrame, FileMeta]:
    frame = pd.DataFrame(
        {
            "q1": [1.0, 2.0, 9.0, 1.0, np.nan],
            "leeftijd": [34.0, 98.0, 51.0, 0.0, 45.0],
            "regio": ["N", "Z", "X", "N", "Z"],
            "toelichting": ["één", "geïnteresseerd", "", "nee", "ja"],
        }
    )
    variables = sample_variables("F3.0")
    return frame, FileMeta(variables=variables, file_label="Werkgeversenquête één")


@pytest.fixture(scope="module", params=[".sav", ".zsav"])
def pspp_view(request, tmp_path_factory) -> dict[str, list[list[str]]]:
    """What PSPP reports about a file written by ``write_sav``."""
    folder = tmp_path_factory.mktemp("pspp_reads")
    name = f"written{request.param}"
    write_sav(*sample(), folder / name)
    syntax = (
        f"SYSFILE INFO FILE='{name}'.\n"
        f"GET FILE='{name}'.\n"
        "FREQUENCIES /VARIABLES=q1 leeftijd regio.\n"
    )
    return run_pspp(syntax, folder)


def _column(table: list[list[str]], header: str) -> dict[str, str]:
    index = table[0].index(header)
    return {row[0]: row[index] for row in table[1:]}


def test_pspp_reports_case_count_and_file_label_of_write_sav_file(pspp_view):
    info = {row[0]: row[1] for row in pspp_view["File Information"]}
    assert info["Cases"] == "5"
    assert info["Variables"] == "4"
    assert info["Label"] == "Werkgeversenquête één"


def test_pspp_reports_variable_labels_formats_and_measures_of_write_sav_file(pspp_view):
    table = pspp_view["Variables"]
    assert _column(table, "Label") == {
        "q1": "Bent u geïnteresseerd?",
        "leeftijd": "Leeftijd in jaren",
        "regio": "Regio",
        "toelichting": "Toelichting (één zin)",
    }
    assert _column(table, "Print Format") == {
        "q1": "F2.0",
        "leeftijd": "F3.0",
        "regio": "A8",
        "toelichting": "A40",
    }
    assert _column(table, "Measurement Level") == {
        "q1": "Nominal",
        "leeftijd": "Scale",
        "regio": "Nominal",
        "toelichting": "Ordinal",
    }
    assert _column(table, "Width") == {
        "q1": "6",
        "leeftijd": "8",
        "regio": "8",
        "toelichting": "20",
    }


def test_pspp_reports_missing_values_and_range_of_write_sav_file(pspp_view):
    missing = _column(pspp_view["Variables"], "Missing Values")
    assert missing["q1"] == "9"
    assert missing["leeftijd"] == "97 THRU 99; 0"
    assert missing["regio"].strip('" ') == "X"
    assert missing["toelichting"] == ""


def test_pspp_reports_numeric_and_string_value_labels_of_write_sav_file(pspp_view):
    rows = [row for row in pspp_view["Value Labels"][1:] if len(row) == 3]
    assert [(value, label) for _, value, label in rows] == [
        ("1", "Ja"),
        ("2", "Nee"),
        ("9[a]", "Weet niet"),
        ("N", "Noord"),
        ("X[a]", "Onbekend"),
        ("Z", "Zuid"),
    ]


def _missing_categories(table: list[list[str]]) -> list[str]:
    """Categories PSPP lists as missing in a FREQUENCIES table."""
    categories, inside = [], False
    for row in table[1:]:
        if row[0] in ("Missing", "Total"):
            inside = row[0] == "Missing"
        if inside:
            categories.append(row[1])
    return categories


def test_pspp_counts_user_missing_codes_and_range_of_write_sav_file_as_missing(pspp_view):
    assert _missing_categories(pspp_view["Bent u geïnteresseerd?"]) == [".", "Weet niet"]
    assert _missing_categories(pspp_view["Leeftijd in jaren"]) == ["0", "98"]
    assert _missing_categories(pspp_view["Regio"]) == ["Onbekend"]
    assert ["Total", "", "5", "100.0%", "", ""] in pspp_view["Regio"]


PSPP_WRITES = """\
DATA LIST LIST /id (F3.0) q1 (F2.0) inkomen (F8.2) regio (A1) toelichting (A30).
BEGIN DATA
1 1 2500.5 N "één"
2 98 -1 Z "geïnteresseerd"
3 2 0 X ""
4 . 3100 N "nee"
END DATA.
VARIABLE LABELS id 'Respondent'
  /q1 'Bent u geïnteresseerd?'
  /inkomen 'Netto inkomen per maand'
  /regio 'Regio (één keuze)'.
VALUE LABELS
  /q1 1 'Ja' 2 'Nee' 97 'Weigert' 98 'Weet niet' 99 'Niet gevraagd'
  /regio 'N' 'Noord' 'Z' 'Zuid' 'X' 'Onbekend'.
MISSING VALUES q1 (97 THRU 99) /inkomen (LO THRU 0) /regio ('X').
VARIABLE LEVEL id inkomen (SCALE) /q1 (ORDINAL) /regio toelichting (NOMINAL).
VARIABLE WIDTH id (5) /toelichting (25).
FORMATS inkomen (F10.2).
FILE LABEL 'Werkgeversenquête: geïnteresseerd in één cursus'.
"""


@pytest.fixture(
    scope="module", params=["SAVE OUTFILE='pspp.sav'.", "SAVE OUTFILE='pspp.zsav' /ZCOMPRESSED."]
)
def pspp_written(request, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("pspp_writes")
    run_pspp(PSPP_WRITES + request.param + "\n", folder)
    written = sorted(folder.glob("pspp.*sav"))
    assert len(written) == 1
    return written[0]


def test_read_spss_reads_variable_and_value_labels_written_by_pspp(pspp_written):
    _, meta = read_spss(pspp_written)
    assert meta.file_label == "Werkgeversenquête: geïnteresseerd in één cursus"
    assert {name: var.label for name, var in meta.variables.items()} == {
        "id": "Respondent",
        "q1": "Bent u geïnteresseerd?",
        "inkomen": "Netto inkomen per maand",
        "regio": "Regio (één keuze)",
        "toelichting": None,
    }
    assert meta.variables["q1"].value_labels == {
        1.0: "Ja",
        2.0: "Nee",
        97.0: "Weigert",
        98.0: "Weet niet",
        99.0: "Niet gevraagd",
    }
    assert meta.variables["regio"].value_labels == {"N": "Noord", "Z": "Zuid", "X": "Onbekend"}


def test_read_spss_reads_missing_ranges_and_values_written_by_pspp(pspp_written):
    _, meta = read_spss(pspp_written)
    assert meta.variables["q1"].missing_ranges == ((97.0, 99.0),)
    assert meta.variables["q1"].missing_values == ()
    ((low, high),) = meta.variables["inkomen"].missing_ranges
    assert low <= -1.7e308
    assert high == 0.0
    assert meta.variables["regio"].missing_values == ("X",)
    assert meta.variables["toelichting"].missing_values == ()


def test_read_spss_reads_formats_measures_and_widths_written_by_pspp(pspp_written):
    _, meta = read_spss(pspp_written)
    variables = meta.variables
    assert {name: var.type for name, var in variables.items()} == {
        "id": "numeric",
        "q1": "numeric",
        "inkomen": "numeric",
        "regio": "string",
        "toelichting": "string",
    }
    assert {name: var.format for name, var in variables.items()} == {
        "id": "F3.0",
        "q1": "F2.0",
        "inkomen": "F10.2",
        "regio": "A1",
        "toelichting": "A30",
    }
    assert {name: var.measure for name, var in variables.items()} == {
        "id": "scale",
        "q1": "ordinal",
        "inkomen": "scale",
        "regio": "nominal",
        "toelichting": "nominal",
    }
    assert variables["id"].display_width == 5
    assert variables["toelichting"].display_width == 25


def test_read_spss_keeps_user_missing_codes_written_by_pspp_as_codes(pspp_written):
    frame, meta = read_spss(pspp_written)
    assert meta.n_rows == 4
    assert frame["q1"].tolist()[:3] == [1.0, 98.0, 2.0]
    assert np.isnan(frame["q1"].iloc[3])
    assert frame["inkomen"].tolist() == [2500.5, -1.0, 0.0, 3100.0]
    assert frame["regio"].tolist() == ["N", "Z", "X", "N"]
    assert frame["toelichting"].tolist() == ["één", "geïnteresseerd", "", "nee"]


@pytest.fixture(scope="module")
def pipeline_files(tmp_path_factory) -> Path:
    """The synthetic raw exports and the processed BESO wave, written by the pipeline."""

    folder = tmp_path_factory.mktemp("pipeline_files")
    config = REPO / "config"
    books = {
        w: load_codebook(config / "codebooks" / f"{w}.yaml")
        for w in ("wea2008", "wea2010", "beso2011")
    }
    generate(config / "synth.yaml", books, folder, REPO)
    raw, meta = read_spss(folder / "beso2011.sav")
    tidy = clean(raw, books["beso2011"])
    write_sav(
        tidy, processed_meta(tidy, books["beso2011"], meta.file_label), folder / "processed.sav"
    )
    return folder


@pytest.mark.parametrize("wave", ["wea2008", "wea2010", "beso2011"])
def test_pspp_opens_the_synthetic_exports_with_their_label_and_cases(pipeline_files, wave):
    expected = read_spss(pipeline_files / f"{wave}.sav")[1]
    tables = run_pspp(f"SYSFILE INFO FILE='{wave}.sav'.\n", pipeline_files)
    info = {row[0]: row[1] for row in tables["File Information"]}
    assert info["Cases"] == str(expected.n_rows)
    assert info["Label"] == expected.file_label
    assert "SYNTHETIC" in info["Label"]


def test_pspp_counts_the_experience_groups_of_the_processed_beso_file(pipeline_files):
    tables = run_pspp(
        "GET FILE='processed.sav'.\nFREQUENCIES /VARIABLES=experience_group.\n", pipeline_files
    )
    [title] = [t for t in tables if "experience_group" in t or "Ervaring" in t]
    counts = {row[1]: row[2] for row in tables[title][1:] if len(row) > 2}
    assert counts["Met ervaring"] == "107"
    assert counts["Zonder ervaring"] == "121"
