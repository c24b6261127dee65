"""Bringing your own files: a "foreign" copy of the synthetic exports, end to end.

The copy differs from what the shipped codebooks expect the way real exports do: variables are
renamed (WEA 2010 ``v31``/``v33``, BESO ``q1``/``q5``), "don't know" is coded 98 instead of 8,
the BESO file is written by PSPP in Windows-1252 and then has its code-page declaration removed
(as in ``tests/fixtures/legacy/make_fixtures.sh``), WEA 2010 holds one variable the codebook does
not know and BESO lacks one it names. Validation must name each problem; after the codebook
copies are edited the way the README tells a user to, the study runs through ingest and weight.
Everything happens under a temporary folder; the repository is only read.
"""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
import yaml

from repo import FIXTURES, REPO
from study_copy import copy_analyses
from survey.cli import main
from survey.codebook import ValidationReport, load_codebook, validate
from survey.config import load_study
from survey.errors import InputError
from survey.io import FileMeta, VariableMeta, read_parquet, read_spss, write_sav
from survey.pipeline import PipelineWarning, run_ingest, run_synth, run_weight

PATCH_CODEPAGE = FIXTURES / "legacy" / "patch_codepage.py"
CODEBOOKS = REPO / "config" / "codebooks"
WAVES = ("wea2008", "wea2010", "beso2011")

#: Raw names changed in the foreign exports, per wave.
RENAMED = {"wea2010": {"v31": "v31r", "v33": "v33r"}, "beso2011": {"q1": "q01", "q5": "q05"}}
#: Variables whose "don't know" code 8 is 98 in the foreign exports.
DONT_KNOW_98 = {
    "wea2010": ["v31", "v32", "v33"],
    "beso2011": [f"q11_{i}" for i in range(1, 7)]
    + [f"q12_{i}" for i in range(1, 4)]
    + [f"q13_{i}" for i in range(1, 5)],
}
EXTRA = ("wea2010", "filter_1")
MISSING = ("beso2011", "q14_3", "hr_training_plan")


@dataclass(frozen=True)
class Foreign:
    root: Path
    raw: Path
    synthetic: Path
    before: Path  # study config with the shipped codebooks
    after: Path  # study config with the edited codebooks
    synthetic_study: Path


def _rename(frame: pd.DataFrame, meta: FileMeta, names: dict[str, str]) -> tuple:
    variables = {
        names.get(n, n): dataclasses.replace(v, name=names.get(n, n))
        for n, v in meta.variables.items()
    }
    return frame.rename(columns=names), meta.replace(variables=variables)


def _dont_know_98(frame: pd.DataFrame, meta: FileMeta, names: list[str]) -> tuple:
    frame = frame.copy()
    variables = dict(meta.variables)
    for name in names:
        frame[name] = frame[name].replace(8.0, 98.0)
        var = variables[name]
        variables[name] = dataclasses.replace(
            var,
            value_labels={(98.0 if k == 8.0 else k): v for k, v in var.value_labels.items()},
            missing_values=tuple(98.0 if c == 8.0 else c for c in var.missing_values),
        )
    return frame, meta.replace(variables=variables)


def _as_undeclared_cp1252(source: Path, target: Path, work: Path) -> None:
    """Rewrite ``source`` in Windows-1252 with PSPP, then drop the code-page declaration."""
    pspp = shutil.which("pspp")
    assert pspp, "GNU PSPP is required for this test: apt-get install pspp"
    work.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, work / "utf8.sav")
    # ADD FILES builds a new dictionary in the locale's encoding and recodes the labels into it.
    syntax = (
        "SET LOCALE='windows-1252'.\nADD FILES /FILE='utf8.sav'.\nEXECUTE.\n"
        "SAVE OUTFILE='cp1252.sav'.\n"
    )
    (work / "recode.sps").write_text(syntax, encoding="utf-8")
    done = subprocess.run(
        [pspp, "-r", "--syntax-encoding=UTF-8", "-o", "log.txt", "recode.sps"],
        cwd=work,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    subprocess.run(
        [sys.executable, str(PATCH_CODEPAGE), str(work / "cp1252.sav"), str(target),
         "--drop-encoding-record", "--character-code", "0"],
        check=True,
    )  # fmt: skip


#: The file label of the stand-ins for real exports (a real study refuses files marked synthetic).
EXPORT_LABEL = "Export for the test of foreign files"


def _unmarked(meta: FileMeta) -> FileMeta:
    return meta.replace(file_label=EXPORT_LABEL)


def _write_foreign(synthetic: Path, raw: Path) -> None:
    """Stand-ins for a user's real exports (and tables), without the synthetic marks."""
    raw.mkdir(parents=True)
    for table in sorted(synthetic.glob("*.csv")):
        lines = table.read_text(encoding="utf-8").splitlines(keepends=True)
        (raw / table.name).write_text("".join(lines[1:]), encoding="utf-8")  # no "# SYNTHETIC"
    frame, meta = read_spss(synthetic / "wea2008.sav")
    write_sav(frame, _unmarked(meta), raw / "WEA2008_export.sav")

    frame, meta = read_spss(synthetic / "wea2010.sav")
    frame, meta = _dont_know_98(frame, meta, DONT_KNOW_98["wea2010"])
    frame, meta = _rename(frame, meta, RENAMED["wea2010"])
    frame[EXTRA[1]] = 1.0
    extra = VariableMeta(EXTRA[1], "Filter (intern, TNO)", "numeric", "F1.0", "nominal")
    meta = meta.replace(variables={**meta.variables, EXTRA[1]: extra})
    write_sav(frame, _unmarked(meta), raw / "WEA2010_export.sav")

    frame, meta = read_spss(synthetic / "beso2011.sav")
    frame, meta = _dont_know_98(frame, meta, DONT_KNOW_98["beso2011"])
    frame, meta = _rename(frame, meta, RENAMED["beso2011"])
    variables = {n: v for n, v in meta.variables.items() if n != MISSING[1]}
    frame = frame.drop(columns=MISSING[1])
    write_sav(frame, _unmarked(meta.replace(variables=variables)), raw / "utf8_beso.sav")
    _as_undeclared_cp1252(raw / "utf8_beso.sav", raw / "BESO2011_export.sav", raw / "pspp")
    (raw / "utf8_beso.sav").unlink()
    shutil.rmtree(raw / "pspp")


def _edit(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


def _edit_codebooks(source: Path, target: Path) -> None:
    """Edit copies of the shipped codebooks as the README tells a user to."""
    target.mkdir(parents=True)
    shutil.copyfile(source / "wea2008.yaml", target / "wea2008.yaml")
    text = (source / "wea2010.yaml").read_text(encoding="utf-8")
    text = _edit(text, "raw: v31\n", "raw: v31r\n")
    text = _edit(text, "raw: v33\n", "raw: v33r\n")
    text = _edit(
        text,
        'values: {1: "Ja", 2: "Nee", 8: "Weet niet", 9: "Geen antwoord"}\n    missing: [8, 9]',
        'values: {1: "Ja", 2: "Nee", 98: "Weet niet", 9: "Geen antwoord"}\n    missing: [98, 9]',
    )
    (target / "wea2010.yaml").write_text(text, encoding="utf-8")
    text = (source / "beso2011.yaml").read_text(encoding="utf-8")
    text = _edit(text, "raw: q1\n", "raw: q01\n")
    text = _edit(text, "raw: q5\n", "raw: q05\n")
    text = _edit(
        text,
        '5: "Helemaal mee eens", 8: "Weet niet", 9: "Geen antwoord"}\n    missing: [8, 9]',
        '5: "Helemaal mee eens", 98: "Weet niet", 9: "Geen antwoord"}\n    missing: [98, 9]',
    )
    text = _edit(
        text,
        '  hr_training_plan: {raw: q14_3, scale: yes_no, label: "Opleidingsplan voor alle medewerkers"}\n',
        "",
    )
    (target / "beso2011.yaml").write_text(text, encoding="utf-8")


def _study(path: Path, codebooks: Path, synthetic: Path, processed: Path, raw: Path | None) -> Path:
    """Write a study config; ``raw`` holds the foreign exports, None uses the synthetic ones."""
    data = yaml.safe_load((REPO / "config" / "study.yaml").read_text(encoding="utf-8"))
    files = {
        "wea2008": "WEA2008_export.sav",
        "wea2010": "WEA2010_export.sav",
        "beso2011": "BESO2011_export.sav",
    }
    for name, wave in data["waves"].items():
        wave["file"] = str(raw / files[name] if raw else synthetic / f"{name}.sav")
        wave["codebook"] = str(codebooks / f"{name}.yaml")
        tables = raw or synthetic
        if "population" in wave:
            wave["population"] = str(tables / Path(wave["population"]).name)
        if "weighting" in wave:
            wave["weighting"]["margins"] = str(tables / Path(wave["weighting"]["margins"]).name)
    data["data_source"] = "real" if raw else "synthetic"
    data["processed_dir"] = str(processed)
    path.parent.mkdir(parents=True, exist_ok=True)
    data["analyses"] = str(copy_analyses(path.parent))
    data["texts"] = str(REPO / data["texts"])
    data["synth"] = {
        "config": str(REPO / "config" / "synth.yaml"),
        "output_dir": str(synthetic),
    }
    data["report"]["output_dir"] = str(processed.parent / "reports")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def foreign(tmp_path_factory: pytest.TempPathFactory) -> Foreign:
    root = tmp_path_factory.mktemp("foreign")
    synthetic = root / "synthetic"
    synthetic_study = _study(
        root / "synthetic_config" / "config" / "study.yaml", CODEBOOKS, synthetic,
        root / "synthetic_processed", None,
    )  # fmt: skip
    run_synth(load_study(synthetic_study))
    _write_foreign(synthetic, root / "raw")
    shutil.copytree(CODEBOOKS, root / "shipped_codebooks")
    _edit_codebooks(CODEBOOKS, root / "config" / "codebooks")
    before = _study(
        root / "before" / "config" / "study.yaml", root / "shipped_codebooks", synthetic,
        root / "processed_before", root / "raw",
    )  # fmt: skip
    after = _study(
        root / "config" / "study.yaml", root / "config" / "codebooks", synthetic,
        root / "processed", root / "raw",
    )  # fmt: skip
    return Foreign(root, root / "raw", synthetic, before, after, synthetic_study)


def _report(foreign: Foreign, wave: str) -> ValidationReport:
    study = load_study(foreign.before)
    frame, meta = read_spss(study.waves[wave].file)
    return validate(frame, meta, load_codebook(study.waves[wave].codebook))


@pytest.fixture(scope="module")
def ran(foreign: Foreign) -> dict:
    study = load_study(foreign.after)
    with pytest.warns(PipelineWarning, match=r"'filter_1' is in the file but not in the codebook"):
        ingested = run_ingest(study)
    weighted = run_weight(study)
    return {"study": study, "ingest": ingested, "weight": weighted}


# --------------------------------------------------------------------------- the problems


def test_validation_names_renamed_wea_variables_and_their_new_names(foreign: Foreign) -> None:
    messages = [p.message for p in _report(foreign, "wea2010").errors]
    for old, new in RENAMED["wea2010"].items():
        assert any(
            f"variable '{old}'" in m and "is not in the file" in m and new in m for m in messages
        ), (old, messages)


def test_validation_names_renamed_beso_variables_and_their_new_names(foreign: Foreign) -> None:
    messages = [p.message for p in _report(foreign, "beso2011").errors]
    for old, new in RENAMED["beso2011"].items():
        assert any(
            f"variable '{old}'" in m and "is not in the file" in m and new in m for m in messages
        ), (old, messages)


def test_validation_names_dont_know_code_98_as_unknown_in_every_variable(foreign: Foreign) -> None:
    for wave, names in DONT_KNOW_98.items():
        report = _report(foreign, wave)
        flagged = {p.variable for p in report.errors if p.kind == "unknown_code" and p.value == 98}
        present = {n for n in names if n not in RENAMED[wave]}
        assert present <= flagged, (wave, present - flagged)


def test_validation_message_for_code_98_gives_the_count_and_the_known_codes(
    foreign: Foreign,
) -> None:
    report = _report(foreign, "beso2011")
    problem = next(p for p in report.errors if p.variable == "q11_1" and p.value == 98)
    assert f"has code 98 in {problem.count} case(s)" in problem.message
    assert "known codes: 1, 2, 3, 4, 5, 8, 9" in problem.message
    assert problem.count > 0


def test_validation_names_the_variable_missing_from_the_file(foreign: Foreign) -> None:
    report = _report(foreign, MISSING[0])
    missing = [
        p for p in report.errors if p.kind == "missing_variable" and p.variable == MISSING[1]
    ]
    assert len(missing) == 1
    assert f"variable '{MISSING[1]}' ({MISSING[2]}) is not in the file" in missing[0].message


def test_validation_warns_about_the_extra_variable(foreign: Foreign) -> None:
    report = _report(foreign, EXTRA[0])
    extra = {p.variable: p.message for p in report.warnings if p.kind == "extra_variable"}
    # the renamed variables are unknown to the codebook too, until it names them
    assert set(extra) == {EXTRA[1], *RENAMED[EXTRA[0]].values()}
    assert "is in the file but not in the codebook; it is left out" in extra[EXTRA[1]]


def test_validation_warns_that_the_file_declares_missing_code_98(foreign: Foreign) -> None:
    report = _report(foreign, "beso2011")
    differ = {p.variable for p in report.warnings if p.kind == "missing_codes_differ"}
    assert "q11_1" in differ


def test_reader_detects_windows_1252_in_the_wave_that_declares_no_code_page(
    foreign: Foreign,
) -> None:
    _, meta = read_spss(foreign.raw / "BESO2011_export.sav")
    assert meta.encoding == "cp1252"
    assert "declares no code page" in (meta.encoding_note or "")
    labels = {v.label for v in meta.variables.values()}
    assert "Leidinggevenden creëren een respectvolle werkomgeving" in labels


def test_survey_validate_exits_3_and_prints_every_problem(
    foreign: Foreign, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        [
            "validate",
            str(foreign.raw / "BESO2011_export.sav"),
            "--codebook",
            str(foreign.root / "shipped_codebooks" / "beso2011.yaml"),
        ]
    )
    out = capsys.readouterr().out
    assert code == 3
    assert "variable 'q1' (experience_detail) is not in the file" in out
    assert "variable 'q14_3' (hr_training_plan) is not in the file" in out
    assert "has code 98" in out


def test_ingest_with_the_shipped_codebooks_fails_naming_both_foreign_waves(
    foreign: Foreign,
) -> None:
    study = load_study(foreign.before)
    with pytest.raises(InputError) as caught:
        run_ingest(study)
    text = str(caught.value)
    assert "WEA2010_export.sav" in text and "BESO2011_export.sav" in text
    assert "variable 'v31' (hired_vulnerable) is not in the file" in text
    assert not study.processed_dir.exists() or not any(study.processed_dir.iterdir())


# --------------------------------------------------------------------------- after editing


def test_edited_codebooks_validate_every_foreign_file_without_errors(foreign: Foreign) -> None:
    study = load_study(foreign.after)
    for wave in WAVES:
        frame, meta = read_spss(study.waves[wave].file)
        report = validate(frame, meta, load_codebook(study.waves[wave].codebook))
        assert report.ok, report.format()


def test_study_on_foreign_files_runs_through_ingest_and_weight(ran: dict) -> None:
    study = ran["study"]
    assert set(ran["ingest"].waves) == set(WAVES)
    assert set(ran["weight"]) == {"wea2008", "wea2010"}
    for wave in WAVES:
        assert (study.processed_dir / f"{wave}.parquet").exists()
    assert all(r.diagnostics.converged for r in ran["weight"].values())


def test_provenance_of_foreign_ingest_records_real_source_and_detected_code_page(
    ran: dict,
) -> None:
    record = ran["ingest"].waves["beso2011"].provenance
    assert record["data_source"] == "real"
    assert record["input"]["encoding"] == "cp1252"
    assert record["input"]["path"].endswith("BESO2011_export.sav")
    assert len(record["input"]["sha256"]) == 64


def test_foreign_files_clean_to_the_same_data_as_the_synthetic_originals(
    foreign: Foreign, ran: dict
) -> None:
    original = load_study(foreign.synthetic_study)
    run_ingest(original)
    for wave in WAVES:
        ours, _ = read_parquet(ran["study"].processed_dir / f"{wave}.parquet")
        theirs, _ = read_parquet(original.processed_dir / f"{wave}.parquet")
        if wave == MISSING[0]:
            theirs = theirs.drop(columns=MISSING[2])
        pd.testing.assert_frame_equal(ours, theirs)


# --------------------------------------------------------------------------- the template


def test_real_data_template_loads_when_its_paths_exist(foreign: Foreign, tmp_path: Path) -> None:
    text = (REPO / "config" / "study.real.example.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    for name, wave in data["waves"].items():
        source = "wea2010" if name.startswith("wea") else "beso2011"
        wave["file"] = str(foreign.synthetic / f"{source}.sav")
        wave["codebook"] = str(CODEBOOKS / f"{source}.yaml")
        if wave.get("population"):
            wave["population"] = str(foreign.raw / "population2010.csv")
        if wave.get("weighting"):
            wave["weighting"]["margins"] = str(foreign.raw / "margins2010.csv")
    data["analyses"] = str(REPO / "config" / "analyses.yaml")
    data["texts"] = str(REPO / "config" / "texts.yaml")
    path = tmp_path / "config" / "study.yaml"
    path.parent.mkdir()
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    study = load_study(path)
    assert study.data_source == "real"
    assert all(w.file.exists() and w.codebook.exists() for w in study.waves.values())
    assert any(w.weighting is not None for w in study.waves.values())


def test_a_real_study_refuses_tables_marked_synthetic(foreign: Foreign, tmp_path: Path) -> None:
    data = yaml.safe_load(foreign.after.read_text(encoding="utf-8"))
    data["waves"]["wea2010"]["population"] = str(foreign.synthetic / "population2010.csv")
    path = tmp_path / "config" / "study.yaml"
    path.parent.mkdir()
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(InputError, match=r"population2010\.csv says it is SYNTHETIC"):
        load_study(path)


def test_a_real_study_refuses_an_export_labelled_synthetic(
    foreign: Foreign, tmp_path: Path
) -> None:
    data = yaml.safe_load(foreign.after.read_text(encoding="utf-8"))
    data["waves"]["beso2011"]["file"] = str(foreign.synthetic / "beso2011.sav")
    data["processed_dir"] = str(tmp_path / "processed")
    path = tmp_path / "config" / "study.yaml"
    path.parent.mkdir()
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with (
        pytest.raises(InputError, match=r"its file label says it is SYNTHETIC"),
        pytest.warns(PipelineWarning, match="filter_1"),  # the renamed export's extra variable
    ):
        run_ingest(load_study(path))
    assert not (tmp_path / "processed").exists() or not any((tmp_path / "processed").iterdir())
