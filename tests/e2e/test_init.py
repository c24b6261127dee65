"""``survey init``: a survey the project never saw gets a full report with no code change.

The worked example is R's ``apistrat`` (tests/golden/data/apistrat.csv) written as an ordinary
labelled SPSS export by tests/fixtures/make_apistrat_sav.py: ``survey init`` writes the study
folder, and ``survey report`` (in a fresh process, from another folder) turns it into the HTML
and PDF report. The codebook skeleton tests pin issue 11: labelled variables are categorical,
whatever measure the file declares.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pyreadstat
import pytest
import yaml

from commands import run_survey
from fixtures.make_apistrat_sav import LABELS, YES_NO_ITEMS, apistrat_frame, write_apistrat_sav
from repo import GOLDEN_ROOT
from survey.cli import main
from survey.codebook import load_codebook, skeleton
from survey.config import load_study
from survey.init import init_study
from survey.io import read_spss
from survey.report.texts import load_text
from survey.study.spec import load_analyses, table_ids

LABELLED = ("stype", *YES_NO_ITEMS)
NUMERIC = ("api00", "api99", "meals", "ell", "not_hsg", "mobility", "avg_ed", "acs_k3",
           "acs_46", "enroll", "target", "pw", "fpc")  # fmt: skip


@pytest.fixture(scope="module")
def api_sav(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_apistrat_sav(tmp_path_factory.mktemp("data") / "apistrat.sav")


def _report(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """``survey ARGS`` in a fresh process, as a user would run it."""
    return run_survey(args, cwd)


def _html(folder: Path) -> str:
    [page] = sorted((folder / "reports").glob("report*.html"))
    return page.read_text(encoding="utf-8")


def _table_ids(html: str) -> list[str]:
    return re.findall(r'<table id="tab-([^"]+)"', html)


def _captions(html: str) -> list[str]:
    found = re.findall(r"<caption[^>]*>(.*?)</caption>", html, re.S)
    return [re.sub(r"<[^>]+>", "", c).split(".", 1)[-1].strip() for c in found]


def _files(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


# --------------------------------------------------------------------------- the folder


def test_init_writes_a_study_that_loads_strictly(api_sav: Path, tmp_path: Path) -> None:
    config = init_study(tmp_path / "api", {"api2000": api_sav}, by="stype")
    folder = tmp_path / "api"
    assert config == folder / "config" / "study.yaml"
    assert sorted(_files(folder)) == [
        "README.md",
        "config/analyses.yaml",
        "config/codebooks/api2000.yaml",
        "config/study.yaml",
        "config/texts.yaml",
    ]
    assert (folder / "data" / "processed").is_dir() and (folder / "reports").is_dir()
    study = load_study(config)
    assert study.data_source == "real"
    assert study.waves["api2000"].file == api_sav.resolve()
    assert study.waves["api2000"].codebook == folder / "config" / "codebooks" / "api2000.yaml"
    assert (study.processed_dir, study.reports_dir) == (
        folder / "data/processed",
        folder / "reports",
    )
    assert (study.language, study.min_cell_count, study.confidence_level, study.ci_method) == (
        "nl", 10, 0.95, "logit"
    )  # fmt: skip
    assert "api2000" in (folder / "README.md").read_text(encoding="utf-8")


def test_analyses_have_shares_per_labelled_variable_by_group_and_means(
    api_sav: Path, tmp_path: Path
) -> None:
    config = init_study(tmp_path / "api", {"api2000": api_sav}, by="stype")
    spec = load_analyses(config.parent / "analyses.yaml")
    [section] = spec.sections
    assert section.id == "api2000"
    kinds = {a.id: (type(a).__name__, a.items, getattr(a, "by", None)) for a in section.analyses}
    expected = {f"api2000_{v}": ("Shares", [v], None) for v in LABELLED}
    expected |= {f"api2000_{v}_by_stype": ("Shares", [v], "stype") for v in YES_NO_ITEMS}
    expected |= {
        "api2000_means": ("Means", list(NUMERIC), None),
        "api2000_means_by_stype": ("Means", list(NUMERIC), "stype"),
    }
    assert kinds == expected  # cds (the school code, all different) is left out
    charts = {a.id: a.figure.chart for a in section.analyses if a.figure is not None}
    assert charts == {f"api2000_{v}": "share_bars" for v in LABELLED}
    [appendix] = spec.appendices
    assert [(a.id, type(a).__name__) for a in appendix.analyses] == [("codebook", "Codebooks")]
    for a in spec.all():
        assert re.fullmatch(r"[A-Za-z][A-Za-z0-9_-]*", a.id), a.id


def test_texts_caption_every_table_and_figure_in_both_languages(
    api_sav: Path, tmp_path: Path
) -> None:
    config = init_study(tmp_path / "api", {"api2000": api_sav}, by="stype")
    spec = load_analyses(config.parent / "analyses.yaml")
    for lang in ("nl", "en"):
        text = load_text(lang, config.parent / "texts.yaml")
        assert {s.id for s in spec.sections + spec.appendices} <= set(text["sections"])
        assert {t for a in spec.all() for t in table_ids(a)} <= set(text["tables"])
        assert {a.id for a in spec.all() if a.figure} <= set(text["figures"])
    own = yaml.safe_load((config.parent / "texts.yaml").read_text(encoding="utf-8"))
    assert own["nl"]["tables"]["api2000_awards"] == "awards: Eligible for awards"
    assert own["nl"]["tables"]["api2000_awards_by_stype"] == (
        "awards: Eligible for awards, naar School type"
    )
    assert own["en"]["tables"]["api2000_awards_by_stype"] == (
        "awards: Eligible for awards, by School type"
    )
    assert own["en"]["tables"]["codebook"] == "Variables of {wave}"
    assert own["nl"]["tables"]["codebook"] == "Variabelen van {wave}"
    assert own["en"]["sections"]["api2000"] == "api2000"
    assert (
        own["en"]["title"]
        == own["nl"]["title"]
        == ("API, stratified sample of California schools (R survey)")
    )


def test_init_output_is_byte_identical_for_the_same_input(api_sav: Path, tmp_path: Path) -> None:
    init_study(tmp_path / "a", {"api2000": api_sav}, by="stype", title="API")
    first = _files(tmp_path / "a")
    init_study(tmp_path / "a", {"api2000": api_sav}, by="stype", title="API", force=True)
    init_study(tmp_path / "b", {"api2000": api_sav}, by="stype", title="API")
    assert _files(tmp_path / "a") == first == _files(tmp_path / "b")


def test_a_file_inside_the_folder_is_referenced_relatively(tmp_path: Path) -> None:
    sav = write_apistrat_sav(tmp_path / "api" / "data" / "raw" / "api.sav")
    config = init_study(tmp_path / "api", {"api2000": sav})
    written = yaml.safe_load(config.read_text(encoding="utf-8"))
    assert written["waves"]["api2000"]["file"] == "data/raw/api.sav"
    assert load_study(config).waves["api2000"].file == sav.resolve()


def test_by_applies_to_the_waves_that_have_the_variable(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    one = write_apistrat_sav(tmp_path / "one.sav", rows=slice(0, None, 2))
    two = write_apistrat_sav(tmp_path / "two.sav", rows=slice(1, None, 2), drop=("stype",))
    code = main(["init", str(tmp_path / "s"), "--wave", f"one={one}", "--wave", f"two={two}",
                 "--by", "stype"])  # fmt: skip
    assert code == 0
    assert "--by stype is not in wave(s) two" in capsys.readouterr().err
    spec = load_analyses(tmp_path / "s" / "config" / "analyses.yaml")
    by = {s.id: [a.id for a in s.analyses if getattr(a, "by", None)] for s in spec.sections}
    assert by["one"] == [*(f"one_{v}_by_stype" for v in YES_NO_ITEMS), "one_means_by_stype"]
    assert by["two"] == []


# --------------------------------------------------------------------------- the report


def test_report_on_the_init_study_from_another_folder(api_sav: Path, tmp_path: Path) -> None:
    folder = tmp_path / "api"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    made = _report(
        ["init", str(folder), "--wave", f"api2000={api_sav}", "--by", "stype"], elsewhere
    )
    assert made.returncode == 0, made.stderr
    assert f"wrote {folder / 'config' / 'study.yaml'}" in made.stderr
    done = _report(["--config", str(folder / "config" / "study.yaml"), "report", "--no-pdf"],
                   elsewhere)  # fmt: skip
    assert done.returncode == 0, done.stderr
    html = _html(folder)
    ids = _table_ids(html)
    for name in LABELLED:
        assert f"api2000_{name}" in ids, name
    for name in YES_NO_ITEMS:
        assert f"api2000_{name}_by_stype" in ids, name
    assert {"api2000_means", "api2000_means_by_stype", "codebook_api2000"} <= set(ids)
    captions = _captions(html)
    assert f"sch_wide: {LABELS['sch_wide']}, naar {LABELS['stype']}" in captions
    assert "Variabelen van api2000" in captions
    assert len(re.findall(r'<figure id="figure-api2000_', html)) == len(LABELLED)
    # the by-group shares are the unweighted shares of the data; fewer than 10 respondents (or
    # an unreliable estimate) are suppressed
    table = pd.read_csv(
        folder / "reports" / "tables" / "nl" / "api2000_sch_wide_by_stype.csv", comment="#"
    )
    data = pd.read_csv(GOLDEN_ROOT / "data" / "apistrat.csv")
    counts = pd.crosstab(data["stype"], data["sch_wide"])
    cells = table.set_index(["group", "level"])
    types = {"E": "Elementary", "H": "High", "M": "Middle"}
    assert len(cells) == counts.size
    for stype, row in counts.iterrows():
        for level, count in row.items():
            cell = cells.loc[(types[str(stype)], level)]
            hidden = cell["status"] == "[c]"
            if count < 10:
                assert hidden and pd.isna(cell["estimate"]) and cell["reason"] == "count"
            if not hidden:
                assert cell["estimate"] == pytest.approx(count / row.sum(), abs=1e-12)
    # Elementary "No" (9) hides "Yes" (the base minus it) and, through the overall table, one
    # more type's pair: the cheapest, Middle (15 + 35 schools)
    assert (cells["status"] != "[c]").sum() == 2


def test_report_from_inside_the_init_study_renders_the_pdf(api_sav: Path, tmp_path: Path) -> None:
    folder = tmp_path / "api"
    init_study(folder, {"api2000": api_sav}, by="stype")
    done = _report(["report"], folder)
    assert done.returncode == 0, done.stderr
    [pdf] = sorted((folder / "reports").glob("report*.pdf"))
    assert pdf.read_bytes().startswith(b"%PDF")
    pdftotext = shutil.which("pdftotext")
    if pdftotext is None:
        pytest.fail("pdftotext not found: install poppler-utils (apt-get install poppler-utils)")
    text = subprocess.run(
        [pdftotext, str(pdf), "-"], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    assert f"awards: {LABELS['awards']}, naar {LABELS['stype']}" in text
    assert "Variabelen van api2000" in text


def test_two_waves_give_a_report_with_a_section_each(tmp_path: Path) -> None:
    first = write_apistrat_sav(tmp_path / "even.sav", rows=slice(0, None, 2))
    second = write_apistrat_sav(tmp_path / "odd.sav", rows=slice(1, None, 2))
    folder = tmp_path / "two"
    init_study(folder, {"even": first, "odd": second}, by="stype", lang="en")
    done = _report(["report", "--no-pdf", "--config", str(folder)], tmp_path)  # either place
    assert done.returncode == 0, done.stderr
    html = _html(folder)
    sections = re.findall(r'<section id="sec-([^"]+)"', html)
    assert [s for s in sections if s in ("even", "odd", "codebook")] == ["even", "odd", "codebook"]
    ids = set(_table_ids(html))
    for wave in ("even", "odd"):
        assert {f"{wave}_{v}" for v in LABELLED} <= ids
        assert {f"{wave}_{v}_by_stype" for v in YES_NO_ITEMS} <= ids
        assert f"codebook_{wave}" in ids
    captions = _captions(html)
    assert f"awards: {LABELS['awards']}, by {LABELS['stype']} (odd)" in captions
    assert "Variables of even" in captions and "Variables of odd" in captions


# --------------------------------------------------------------------------- refusals


def test_refuses_to_overwrite_a_study_without_force(
    api_sav: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "api"
    assert main(["init", str(folder), "--wave", f"api2000={api_sav}"]) == 0
    config = folder / "config" / "study.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "# my edit\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["init", str(folder), "--wave", f"api2000={api_sav}"]) == 3
    err = capsys.readouterr().err
    assert f"{config}: a study already exists here" in err and "--force" in err
    assert config.read_text(encoding="utf-8").endswith("# my edit\n")
    assert main(["init", str(folder), "--wave", f"api2000={api_sav}", "--force"]) == 0
    assert not config.read_text(encoding="utf-8").endswith("# my edit\n")


def test_refuses_a_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nowhere.sav"
    assert main(["init", str(tmp_path / "s"), "--wave", f"w1={missing}"]) == 3
    assert f"wave 'w1': {missing}: file not found" in capsys.readouterr().err
    assert not (tmp_path / "s").exists()


def test_refuses_a_file_that_is_not_spss(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    csv = GOLDEN_ROOT / "data" / "apistrat.csv"
    assert main(["init", str(tmp_path / "s"), "--wave", f"w1={csv}"]) == 3
    assert "not an SPSS file" in capsys.readouterr().err
    fake = tmp_path / "fake.sav"
    fake.write_text("cds,stype\n1,E\n", encoding="utf-8")
    assert main(["init", str(tmp_path / "s"), "--wave", f"w1={fake}"]) == 3
    assert "not an SPSS system file" in capsys.readouterr().err
    assert not (tmp_path / "s").exists()


def test_refuses_a_by_variable_that_is_in_no_wave(
    api_sav: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["init", str(tmp_path / "s"), "--wave", f"api2000={api_sav}", "--by", "stpye"])
    assert code == 3
    err = capsys.readouterr().err
    assert "wave 'api2000' (apistrat.sav) has no variable 'stpye' (close: stype" in err
    assert not (tmp_path / "s").exists()


def test_refuses_a_by_variable_without_labels(
    api_sav: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["init", str(tmp_path / "s"), "--wave", f"api2000={api_sav}", "--by", "enroll"])
    assert code == 3
    assert "variable 'enroll' of wave 'api2000'" in capsys.readouterr().err
    assert not (tmp_path / "s").exists()


@pytest.mark.parametrize("wave", ["api2000", "=x.sav", "2000=x.sav", "a.b=x.sav", "codebook=x.sav"])
def test_refuses_a_malformed_wave_as_a_usage_error(
    wave: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["init", str(tmp_path / "s"), "--wave", wave]) == 2
    assert "wave" in capsys.readouterr().err
    assert not (tmp_path / "s").exists()


# --------------------------------------------------------------------------- skeletons (issue 11)


def _sav(tmp_path: Path, frame: pd.DataFrame, **options: object) -> Path:
    path = tmp_path / "file.sav"
    pyreadstat.write_sav(frame, str(path), **options)  # type: ignore[arg-type]
    return path


def test_skeleton_makes_labelled_variables_categorical_whatever_the_file_measure(
    tmp_path: Path,
) -> None:
    frame = apistrat_frame()[["cds", "stype", "awards", "api00"]]
    path = _sav(
        tmp_path, frame,
        variable_value_labels={"stype": {1: "Elementary", 2: "High", 3: "Middle"},
                               "awards": {1: "No", 2: "Yes"}},
        variable_measure={"stype": "scale", "awards": "ordinal", "api00": "scale"},
    )  # fmt: skip
    data, meta = read_spss(path)
    written = yaml.safe_load(skeleton(meta, "api", data))["variables"]
    assert (written["stype"]["measure"], "range" in written["stype"]) == ("nominal", False)
    assert written["awards"]["measure"] == "ordinal"
    assert (written["api00"]["measure"], written["api00"]["range"]) == (
        "scale", [int(frame["api00"].min()), int(frame["api00"].max())]
    )  # fmt: skip
    (tmp_path / "api.yaml").write_text(skeleton(meta, "api", data), encoding="utf-8")
    book = load_codebook(tmp_path / "api.yaml")
    assert book.variables["stype"].is_categorical and book.variables["awards"].is_categorical
    assert not book.variables["api00"].is_categorical


def test_skeleton_takes_the_first_variable_with_all_values_different_as_the_id(
    tmp_path: Path,
) -> None:
    frame = apistrat_frame()[["api00", "cds", "enroll"]]
    data, meta = read_spss(_sav(tmp_path, frame))
    written = yaml.safe_load(skeleton(meta, "api", data))
    assert written["id"] == "cds"  # api00 comes first but repeats values
    assert written["variables"]["cds"]["role"] == "id"


def test_a_file_without_an_identifier_gets_id_null_and_a_report(tmp_path: Path) -> None:
    frame = apistrat_frame()[["stype", "awards", "api00"]]  # every column repeats values
    path = _sav(
        tmp_path, frame,
        variable_value_labels={"stype": {1: "Elementary", 2: "High", 3: "Middle"},
                               "awards": {1: "No", 2: "Yes"}},
    )  # fmt: skip
    data, meta = read_spss(path)
    assert yaml.safe_load(skeleton(meta, "api", data))["id"] is None
    study = tmp_path / "study"
    made = _report(["init", str(study), "--wave", f"api={path}", "--by", "stype"], tmp_path)
    assert made.returncode == 0, made.stderr
    result = _report(
        ["--config", str(study / "config" / "study.yaml"), "report", "--no-pdf"], tmp_path
    )
    assert result.returncode == 0, result.stderr
    processed = pd.read_parquet(study / "data" / "processed" / "api.parquet")
    assert list(processed["api00"]) == list(frame["api00"])  # the file's order is kept


def test_skeleton_treats_a_partly_labelled_numeric_variable_as_a_scale(tmp_path: Path) -> None:
    frame = pd.DataFrame({"id": [1.0, 2, 3, 4], "score": [0.0, 4, 7, 10]})
    path = _sav(tmp_path, frame, variable_value_labels={"score": {0: "Not at all", 10: "Fully"}})
    data, meta = read_spss(path)
    written = yaml.safe_load(skeleton(meta, "w", data))["variables"]["score"]
    assert (written["measure"], written["range"]) == ("scale", [0, 10])
    assert written["values"] == {0: "Not at all", 10: "Fully"}


def test_a_design_declared_in_the_study_gives_rs_standard_errors(
    api_sav: Path, tmp_path: Path
) -> None:
    study = tmp_path / "study"
    init_study(study, {"api": api_sav})
    config = study / "config" / "study.yaml"
    text = config.read_text(encoding="utf-8").replace(
        "    # weight: VAR", "    weight: pw\n    strata: [stype]\n    fpc: [fpc]\n"
        "    fpc_kind: population\n    # weight: VAR",
    )  # fmt: skip
    config.write_text(text, encoding="utf-8")
    (study / "config" / "analyses.yaml").write_text(
        "sections:\n  - id: api\n    analyses:\n"
        "      - {id: api_means, kind: means, items: [api00]}\n",
        encoding="utf-8",
    )
    (study / "config" / "texts.yaml").write_text(
        "nl: {sections: {api: API}, tables: {api_means: Gemiddelde}}\n"
        "en: {sections: {api: API}, tables: {api_means: Mean}}\n",
        encoding="utf-8",
    )
    result = _report(["--config", str(config), "report", "--no-pdf"], tmp_path)
    assert result.returncode == 0, result.stderr
    table = pd.read_csv(study / "reports" / "tables" / "nl" / "api_means.csv", comment="#")
    # R: svymean(~api00, svydesign(id=~1, strata=~stype, weights=~pw, fpc=~fpc, data=apistrat))
    assert table["estimate"].iloc[0] == pytest.approx(662.287363159321, rel=1e-9)
    assert table["se"].iloc[0] == pytest.approx(9.408940802785, rel=1e-9)
