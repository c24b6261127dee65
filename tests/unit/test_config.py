"""Where the study is found, and the strict study config."""

from __future__ import annotations

from pathlib import Path

import pytest

from survey.config import STUDY_ENV, find_study, load_study
from survey.errors import InputError

MINIMAL = "data_source: real\nwaves:\n  w1: {file: data/w1.sav, codebook: config/w1.yaml}\n"


def _study(folder: Path, text: str = MINIMAL) -> Path:
    """A study config in ``folder`` with the files MINIMAL names present (empty)."""
    for name in ("config/w1.yaml", "data/w1.sav"):
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).touch()
    path = folder / "config" / "study.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_nearest_study_folder_upward_is_found(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv(STUDY_ENV, raising=False)
    path = _study(tmp_path)
    deep = tmp_path / "reports" / "figures"
    deep.mkdir(parents=True)
    assert find_study(start=deep) == path.resolve()


def test_the_environment_variable_comes_before_the_working_folder(
    tmp_path: Path, monkeypatch
) -> None:
    here, there = _study(tmp_path / "here"), _study(tmp_path / "there")
    monkeypatch.setenv(STUDY_ENV, str(there))
    assert find_study(start=here.parent) == there


def test_an_explicit_study_folder_names_its_config(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv(STUDY_ENV, str(_study(tmp_path / "other")))
    path = _study(tmp_path / "mine")
    assert find_study(tmp_path / "mine") == path


def test_no_study_anywhere_is_an_error_saying_how_to_make_one(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv(STUDY_ENV, raising=False)
    with pytest.raises(InputError, match="survey init"):
        find_study(start=tmp_path)


def test_paths_are_relative_to_the_study_folder(tmp_path: Path) -> None:
    study = load_study(_study(tmp_path))
    assert study.waves["w1"].file == tmp_path.resolve() / "data" / "w1.sav"
    assert study.analyses == tmp_path.resolve() / "config" / "analyses.yaml"


def test_a_mistyped_key_is_an_error_with_a_suggestion(tmp_path: Path) -> None:
    path = _study(tmp_path, MINIMAL + "report: {disclosure: {min_cel_count: 300}}\n")
    pattern = r"unknown key 'report\.disclosure\.min_cel_count'.*did you mean 'min_cell_count'"
    with pytest.raises(InputError, match=pattern):
        load_study(path)


def test_the_old_place_of_min_cell_count_says_where_it_moved(tmp_path: Path) -> None:
    path = _study(tmp_path, MINIMAL + "report: {min_cell_count: 300}\n")
    with pytest.raises(InputError, match=r"report\.min_cell_count has moved.*report\.disclosure"):
        load_study(path)


def test_the_disclosure_policy_is_read_from_the_report_section(tmp_path: Path) -> None:
    extra = "report: {disclosure: {min_cell_count: 25, dominance: {rule: nk, n: 2, k: 85}}}\n"
    study = load_study(_study(tmp_path, MINIMAL + extra))
    assert study.min_cell_count == 25
    assert study.disclosure.dominance is not None and study.disclosure.dominance.n == 2


def test_an_fpc_needs_its_kind(tmp_path: Path) -> None:
    text = MINIMAL.replace("codebook: config/w1.yaml}", "codebook: config/w1.yaml, fpc: [n]}")
    with pytest.raises(InputError, match="fpc_kind must be population or fraction"):
        load_study(_study(tmp_path, text))


def test_a_declared_design_is_read_per_wave(tmp_path: Path) -> None:
    text = MINIMAL.replace(
        "codebook: config/w1.yaml}",
        "codebook: config/w1.yaml, weight: pw, strata: [s], cluster: [a, b], fpc: [n1, n2], "
        "fpc_kind: population}",
    )
    wave = load_study(_study(tmp_path, text)).waves["w1"]
    assert (wave.weight, wave.strata, wave.cluster, wave.fpc, wave.fpc_kind) == (
        "pw", ("s",), ("a", "b"), ("n1", "n2"), "population"
    )  # fmt: skip


def test_a_confidence_level_outside_0_5_to_1_is_an_error(tmp_path: Path) -> None:
    path = _study(tmp_path, MINIMAL + "report: {confidence_level: 95}\n")
    with pytest.raises(InputError, match="confidence_level"):
        load_study(path)


def test_a_synthetic_study_needs_its_synth_config(tmp_path: Path) -> None:
    path = _study(tmp_path, MINIMAL.replace("real", "synthetic"))
    with pytest.raises(InputError, match=r"synth\.config"):
        load_study(path)


def test_a_configured_file_that_does_not_exist_is_named(tmp_path: Path) -> None:
    path = _study(tmp_path)
    (tmp_path / "data" / "w1.sav").unlink()
    with pytest.raises(InputError, match=r"waves\.w1\.file: data/w1\.sav is not found"):
        load_study(path)


def test_a_folder_where_a_file_is_expected_is_named(tmp_path: Path) -> None:
    path = _study(tmp_path, MINIMAL.replace("data/w1.sav", "data"))
    with pytest.raises(InputError, match=r"waves\.w1\.file: data is a folder"):
        load_study(path)


@pytest.mark.parametrize(
    ("text", "place"),
    [
        ("waves: [a]\n", r"waves: expected a mapping, got list \['a'\]"),
        ("report: 5\n", r"report: expected a mapping, got int 5"),
        (
            MINIMAL.replace("codebook: config/w1.yaml}", "codebook: config/w1.yaml, "
                            "weighting: {margins: m.csv, max_iter: many}}"),
            r"waves\.w1\.weighting\.max_iter: expected int, got str 'many'",
        ),
    ],
)  # fmt: skip
def test_a_value_of_the_wrong_type_names_its_key_path(
    tmp_path: Path, text: str, place: str
) -> None:
    with pytest.raises(InputError, match=place):
        load_study(_study(tmp_path, text))


def test_the_report_languages_default_to_the_primary_language(tmp_path: Path) -> None:
    study = load_study(_study(tmp_path, MINIMAL + "report: {language: en}\n"))
    assert study.languages == ("en",) and study.data_language == "en"


def test_every_report_language_and_the_data_language_are_read(tmp_path: Path) -> None:
    text = MINIMAL + "report: {language: nl, languages: [nl, en], data_language: nl}\n"
    study = load_study(_study(tmp_path, text))
    assert study.languages == ("nl", "en") and study.data_language == "nl"


@pytest.mark.parametrize(
    ("report", "message"),
    [
        ("{languages: [nl, de]}", r"report\.languages: 'de' is not one of nl, en"),
        ("{language: en, languages: [nl]}", r"report\.language 'en' must be one of report\.languages"),
        ("{data_language: fr}", r"report\.data_language: 'fr' is not one of nl, en"),
    ],
)  # fmt: skip
def test_an_unsupported_report_language_is_an_error(
    tmp_path: Path, report: str, message: str
) -> None:
    with pytest.raises(InputError, match=message):
        load_study(_study(tmp_path, MINIMAL + f"report: {report}\n"))
