"""Codebooks: loading and checking them, validating raw files against them, describing files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from repo import REPO
from survey.codebook import (
    Codebook,
    ValidationReport,
    Variable,
    describe_file,
    load_codebook,
    match_file_names,
    skeleton,
    validate,
)
from survey.errors import InputError
from survey.io import FileMeta, VariableMeta, frame_meta, read_spss, write_sav

CODEBOOKS = REPO / "config" / "codebooks"

TINY_CODEBOOK = """\
wave: tiny2020
survey: tiny
title: "Tiny test survey"
id: resp_id
scales:
  yes_no:
    values: {1: "Ja", 2: "Nee", 9: "Geen antwoord"}
    missing: [9]
  mentioned:
    values: {0: "Niet genoemd", 1: "Genoemd"}
variables:
  resp_id: {raw: id, type: numeric, role: id, measure: nominal}
  employed: {raw: q1, scale: yes_no, label: "Werkt"}
  hours:
    raw: q2
    type: numeric
    range: [1, 80]
    values: {97: "Niet van toepassing", 99: "Weet niet"}
    missing: [97, 99]
    not_applicable: 97
    asked_if: {employed: [1]}
  region: {raw: regio, type: string, values: {"N": "Noord", "Z": "Zuid"}}
  option_none: {raw: q3_0, scale: mentioned}
  option_a: {raw: q3_1, scale: mentioned}
  option_b: {raw: q3_2, scale: mentioned}
mr_sets:
  options:
    label: "Opties"
    items: [option_a, option_b]
    counted: 1
    none_item: option_none
"""


def tiny_frame() -> pd.DataFrame:
    """Five cases that fit TINY_CODEBOOK exactly."""
    return pd.DataFrame(
        {
            "id": [1.0, 2.0, 3.0, 4.0, 5.0],
            "q1": [1.0, 1.0, 2.0, 9.0, 1.0],
            "q2": [40.0, 99.0, 97.0, 97.0, 12.0],
            "regio": ["N", "Z", "N", "", "Z"],
            "q3_0": [0.0, 0.0, 1.0, 0.0, 0.0],
            "q3_1": [1.0, 0.0, 0.0, 1.0, 0.0],
            "q3_2": [0.0, 1.0, 0.0, 0.0, 1.0],
        }
    )


def tiny_meta(frame: pd.DataFrame) -> FileMeta:
    mentioned = {0.0: "Niet genoemd", 1.0: "Genoemd"}
    known = {
        "id": VariableMeta("id", "Respondent", "numeric", "F4.0", "nominal"),
        "q1": VariableMeta(
            "q1", "Werkt", "numeric", "F1.0", "nominal",
            {1.0: "Ja", 2.0: "Nee", 9.0: "Geen antwoord"}, missing_values=(9.0,),
        ),
        "q2": VariableMeta(
            "q2", "Uren", "numeric", "F3.0", "scale",
            {97.0: "Niet van toepassing", 99.0: "Weet niet"}, missing_values=(97.0, 99.0),
        ),
        "regio": VariableMeta("regio", "Regio", "string", "A1", "nominal", {"N": "Noord", "Z": "Zuid"}),
        "q3_0": VariableMeta("q3_0", "Geen", "numeric", "F1.0", "nominal", mentioned),
        "q3_1": VariableMeta("q3_1", "Optie A", "numeric", "F1.0", "nominal", mentioned),
        "q3_2": VariableMeta("q3_2", "Optie B", "numeric", "F1.0", "nominal", mentioned),
    }  # fmt: skip
    variables = {}
    for name in frame.columns:
        if name in known:
            variables[name] = known[name]
        elif frame[name].dtype == object:
            variables[name] = VariableMeta(name, type="string", format="A8", measure="nominal")
        else:
            variables[name] = VariableMeta(name, type="numeric", format="F8.2", measure="scale")
    return FileMeta(variables=variables, file_label="Tiny", n_rows=len(frame))


@pytest.fixture
def book(tmp_path: Path) -> Codebook:
    path = tmp_path / "tiny2020.yaml"
    path.write_text(TINY_CODEBOOK, encoding="utf-8")
    return load_codebook(path)


def write_and_read(
    tmp_path: Path, frame: pd.DataFrame, meta: FileMeta | None = None, name: str = "tiny.sav"
) -> tuple[pd.DataFrame, FileMeta]:
    """Write ``frame`` as a .sav and read it back the way the pipeline does."""
    path = tmp_path / name
    write_sav(frame, meta or tiny_meta(frame), path)
    return read_spss(path)


def check(tmp_path: Path, book: Codebook, frame: pd.DataFrame) -> ValidationReport:
    data, meta = write_and_read(tmp_path, frame)
    return validate(data, meta, book)


def only(report: ValidationReport, kind: str) -> list[Any]:
    return [p for p in report.problems if p.kind == kind]


# --------------------------------------------------------------------------- loading codebooks


def test_real_codebooks_load_with_their_waves_ids_and_links() -> None:
    books = {w: load_codebook(CODEBOOKS / f"{w}.yaml") for w in ("wea2008", "wea2010", "beso2011")}
    assert {w: b.wave for w, b in books.items()} == {w: w for w in books}
    assert all(b.id == "establishment_id" for b in books.values())
    assert books["beso2011"].link == {"wave": "wea2010", "key": "establishment_id"}
    assert books["wea2010"].variables["employees"].raw == "v3"
    assert books["wea2008"].variables["hired_vulnerable"].recode == {0.0: 2.0}
    assert books["beso2011"].batteries["attitude"].reversed == (
        "attitude_much_guidance",
        "attitude_financial_risk",
    )
    assert books["wea2010"].variables["satisfaction"].not_applicable == 7.0
    assert books["wea2010"].variables["satisfaction"].measure == "ordinal"


def test_shared_categorical_variables_of_both_wea_waves_have_the_same_canonical_labels() -> None:
    old = load_codebook(CODEBOOKS / "wea2008.yaml")
    new = load_codebook(CODEBOOKS / "wea2010.yaml")
    shared = [n for n in old.variables if n in new.variables and old.variables[n].is_categorical]
    assert "province" in shared and "hired_vulnerable" in shared
    for name in shared:
        assert old.variables[name].canonical_labels == new.variables[name].canonical_labels, name


def test_codebook_with_several_mistakes_lists_all_of_them_in_one_error(tmp_path: Path) -> None:
    text = """\
wave: bad
survey: bad
id: resp_id
variables:
  resp_id: {raw: id, role: id}
  q1: {raw: v1, scale: no_such_scale}
  q2: {raw: v2, values: {1: "Ja", 2: "Nee"}, asked_if: {ghost: [1]}}
  q3: {raw: v2, values: {1: "Ja"}}
  q4: {raw: v4, values: {1: "Ja", 7: "Nvt"}, missing: [], not_applicable: 7}
"""
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_codebook(path)
    message = str(caught.value)
    assert str(path) in message
    assert "4 problem(s)" in message
    assert "unknown scale 'no_such_scale'" in message
    assert "routing refers to unknown variable 'ghost'" in message
    assert "raw name 'v2' is used by both 'q2' and 'q3'" in message
    assert "not_applicable code 7 must also be a missing code" in message


def test_missing_codebook_file_is_an_input_error_naming_it(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"nope\.yaml: codebook not found"):
        load_codebook(tmp_path / "nope.yaml")


def with_battery(tmp_path: Path, battery: str) -> Path:
    """TINY_CODEBOOK plus a battery of the two 'mentioned' items, written to a file."""
    path = tmp_path / "tiny2020.yaml"
    path.write_text(
        TINY_CODEBOOK + "batteries:\n  opinions:\n    items: [option_a, option_b]\n"
        "    agree: [1]\n" + battery,
        encoding="utf-8",
    )
    return path


def test_real_battery_labels_its_agree_indicators_as_the_study_publishes_them() -> None:
    book = load_codebook(CODEBOOKS / "beso2011.yaml")
    for battery in book.batteries.values():
        assert battery.agree_labels == {0.0: "Niet mee eens", 1.0: "Mee eens"}, battery.name


def test_battery_without_agree_labels_is_refused_naming_codebook_battery_and_key(
    tmp_path: Path,
) -> None:
    path = with_battery(tmp_path, "")
    with pytest.raises(InputError) as caught:
        load_codebook(path)
    message = str(caught.value)
    assert str(path) in message
    assert "battery 'opinions'" in message
    assert "'agree_labels'" in message


def test_agree_labels_must_label_exactly_the_codes_0_and_1(tmp_path: Path) -> None:
    path = with_battery(tmp_path, '    agree_labels: {1: "Agree", 2: "Disagree"}\n')
    with pytest.raises(InputError, match=r"battery 'opinions': 'agree_labels' must label exactly"):
        load_codebook(path)


def test_agree_labels_must_differ(tmp_path: Path) -> None:
    path = with_battery(tmp_path, '    agree_labels: {0: "Agree", 1: "Agree"}\n')
    with pytest.raises(InputError, match=r"battery 'opinions': 'agree_labels' needs two different"):
        load_codebook(path)


def test_agree_labels_are_kept_in_code_order_whatever_the_order_written(tmp_path: Path) -> None:
    path = with_battery(tmp_path, '    agree_labels: {1: "Agree", 0: "Disagree"}\n')
    labels = load_codebook(path).batteries["opinions"].agree_labels
    assert list(labels.items()) == [(0.0, "Disagree"), (1.0, "Agree")]


# --------------------------------------------------------------------------- validation


def test_file_that_fits_the_codebook_has_no_problems(tmp_path: Path, book: Codebook) -> None:
    report = check(tmp_path, book, tiny_frame())
    assert report.ok
    assert report.problems == ()
    assert report.n_rows == 5


def test_unknown_code_is_reported_with_its_value_and_count(tmp_path: Path, book: Codebook) -> None:
    frame = tiny_frame()
    frame.loc[[2, 3], "q1"] = 5.0  # both cases have q2 = 97 (not asked), so routing still holds
    report = check(tmp_path, book, frame)
    [problem] = report.errors
    assert (problem.kind, problem.variable, problem.value, problem.count) == (
        "unknown_code",
        "q1",
        5.0,
        2,
    )
    assert "code 5 in 2 case(s)" in problem.message


def test_unknown_text_code_is_reported(tmp_path: Path, book: Codebook) -> None:
    frame = tiny_frame()
    frame.loc[0, "regio"] = "X"
    report = check(tmp_path, book, frame)
    [problem] = report.errors
    assert (problem.kind, problem.variable, problem.value, problem.count) == (
        "unknown_code",
        "regio",
        "X",
        1,
    )


def test_value_outside_the_valid_range_is_reported(tmp_path: Path, book: Codebook) -> None:
    frame = tiny_frame()
    frame.loc[0, "q2"] = 120.0
    report = check(tmp_path, book, frame)
    [problem] = report.errors
    assert (problem.kind, problem.variable, problem.value, problem.count) == (
        "out_of_range",
        "q2",
        120.0,
        1,
    )
    assert "valid range 1-80" in problem.message


def test_missing_variable_suggests_similar_names_in_the_file(
    tmp_path: Path, book: Codebook
) -> None:
    frame = tiny_frame().rename(columns={"q2": "q2a"})
    report = check(tmp_path, book, frame)
    [problem] = report.errors
    assert (problem.kind, problem.variable) == ("missing_variable", "q2")
    assert "similar names in the file: q2a" in problem.message
    assert [p.variable for p in only(report, "extra_variable")] == ["q2a"]


def test_type_mismatch_is_reported(tmp_path: Path, book: Codebook) -> None:
    frame = tiny_frame()
    frame["regio"] = [1.0, 2.0, 1.0, np.nan, 2.0]
    meta = tiny_meta(frame)
    variables = dict(meta.variables)
    variables["regio"] = VariableMeta("regio", "Regio", "numeric", "F1.0", "nominal")
    data, read_meta = write_and_read(tmp_path, frame, meta.replace(variables=variables))
    report = validate(data, read_meta, book)
    [problem] = report.errors
    assert (problem.kind, problem.variable) == ("type_mismatch", "regio")
    assert "numeric in the file, string in the codebook" in problem.message


def test_answer_from_someone_routing_skips_is_reported(tmp_path: Path, book: Codebook) -> None:
    frame = tiny_frame()
    frame.loc[2, "q2"] = 38.0  # q1 = 2: not employed, so not asked
    report = check(tmp_path, book, frame)
    [problem] = report.errors
    assert (problem.kind, problem.variable, problem.count) == ("routing", "q2", 1)
    assert "has an answer in 1 case(s) that routing skips" in problem.message


def test_not_applicable_for_someone_routing_asks_is_reported(
    tmp_path: Path, book: Codebook
) -> None:
    frame = tiny_frame()
    frame.loc[[0, 4], "q2"] = 97.0  # q1 = 1: employed, so asked
    report = check(tmp_path, book, frame)
    [problem] = report.errors
    assert (problem.kind, problem.variable, problem.value, problem.count) == (
        "routing",
        "q2",
        97.0,
        2,
    )
    assert "coded not applicable (97) in 2 case(s)" in problem.message


def test_duplicated_id_is_reported_with_value_and_count(tmp_path: Path, book: Codebook) -> None:
    frame = tiny_frame()
    frame.loc[1, "id"] = 1.0
    report = check(tmp_path, book, frame)
    [problem] = report.errors
    assert (problem.kind, problem.variable, problem.value, problem.count) == (
        "duplicate_id",
        "id",
        1.0,
        2,
    )


def test_empty_id_is_reported(tmp_path: Path, book: Codebook) -> None:
    frame = tiny_frame()
    frame.loc[3, "id"] = np.nan
    report = check(tmp_path, book, frame)
    [problem] = report.errors
    assert (problem.kind, problem.variable, problem.count) == ("missing_id", "id", 1)


def test_none_of_these_together_with_another_answer_is_reported(
    tmp_path: Path, book: Codebook
) -> None:
    frame = tiny_frame()
    frame.loc[2, "q3_1"] = 1.0  # case 2 already says "none of these"
    report = check(tmp_path, book, frame)
    [problem] = report.errors
    assert (problem.kind, problem.variable, problem.count) == ("mr_inconsistent", "q3_0", 1)
    assert "set 'options'" in problem.message


def test_all_problems_of_a_file_are_reported_at_once(tmp_path: Path, book: Codebook) -> None:
    frame = tiny_frame().rename(columns={"q2": "uren"})
    frame.loc[0, "q1"] = 5.0
    frame.loc[4, "id"] = 3.0
    report = check(tmp_path, book, frame)
    assert sorted(p.kind for p in report.errors) == [
        "duplicate_id",
        "missing_variable",
        "unknown_code",
    ]
    with pytest.raises(InputError) as caught:
        report.raise_for_errors()
    message = str(caught.value)
    assert "3 error(s)" in message
    assert "'q2' (hours) is not in the file" in message
    assert "code 5 in 1 case(s)" in message
    assert "value 3 in 2 cases" in message


def test_extra_variable_is_a_warning_that_does_not_fail_the_report(
    tmp_path: Path, book: Codebook
) -> None:
    frame = tiny_frame()
    frame["opmerking"] = ["a", "b", "c", "d", "e"]
    report = check(tmp_path, book, frame)
    assert report.ok
    [warning] = report.warnings
    assert (warning.kind, warning.variable, warning.severity) == (
        "extra_variable",
        "opmerking",
        "warning",
    )
    report.raise_for_errors()  # warnings alone never raise


def test_missing_codes_declared_differently_in_the_file_is_a_warning(
    tmp_path: Path, book: Codebook
) -> None:
    frame = tiny_frame()
    meta = tiny_meta(frame)
    variables = dict(meta.variables)
    variables["q1"] = VariableMeta(
        "q1", "Werkt", "numeric", "F1.0", "nominal",
        {1.0: "Ja", 2.0: "Nee", 9.0: "Geen antwoord"}, missing_values=(2.0, 9.0),
    )  # fmt: skip
    data, read_meta = write_and_read(tmp_path, frame, meta.replace(variables=variables))
    report = validate(data, read_meta, book)
    assert report.ok
    assert [(p.kind, p.variable) for p in report.warnings] == [("missing_codes_differ", "q1")]


# --------------------------------------------------------------------------- describing files


def test_skeleton_loads_and_validates_its_own_source_file_without_errors(tmp_path: Path) -> None:
    data, meta = write_and_read(tmp_path, tiny_frame())
    path = tmp_path / "skeleton.yaml"
    path.write_text(skeleton(meta, "tiny2020", data), encoding="utf-8")
    book = load_codebook(path)
    assert book.wave == "tiny2020"
    assert book.id == "id"
    assert book.variables["q1"].missing == (9.0,)
    assert book.variables["q2"].valid_range == (12.0, 40.0)
    report = validate(data, meta, book)
    assert report.errors == []


def test_skeleton_without_data_still_loads(tmp_path: Path) -> None:
    _, meta = write_and_read(tmp_path, tiny_frame())
    path = tmp_path / "skeleton.yaml"
    path.write_text(skeleton(meta), encoding="utf-8")
    book = load_codebook(path)
    assert book.wave == "tiny"
    assert set(book.variables) == set(tiny_frame().columns)


def test_describe_file_counts_each_code_and_flags_missing_codes(tmp_path: Path) -> None:
    data, meta = write_and_read(tmp_path, tiny_frame())
    table = describe_file(data, meta)
    q1 = table[table["variable"] == "q1"].set_index("code")
    assert q1["count"].to_dict() == {"1": 3, "2": 1, "9": 1}
    assert q1["is_missing"].to_dict() == {"1": False, "2": False, "9": True}
    assert q1.loc["9", "value_label"] == "Geen antwoord"
    regio = table[table["variable"] == "regio"].set_index("code")
    assert regio["count"].to_dict() == {"'N'": 2, "'Z'": 2, "(empty)": 1}
    ident = table[table["variable"] == "id"]
    assert ident[["code", "count"]].to_dict("records") == [{"code": "", "count": 5}]


def test_fraction_in_a_whole_number_variable_is_out_of_range(
    tmp_path: Path, book: Codebook
) -> None:
    frame = tiny_frame()
    frame.loc[0, "q2"] = 37.5  # q2 is F3.0 in the file
    meta = tiny_meta(frame)
    variables = dict(meta.variables)
    variables["q2"] = VariableMeta(
        "q2", "Uren", "numeric", "F5.1", "scale",
        {97.0: "Niet van toepassing", 99.0: "Weet niet"}, missing_values=(97.0, 99.0),
    )  # fmt: skip
    whole = validate(*write_and_read(tmp_path, frame), book)
    fractional = validate(*write_and_read(tmp_path, frame, meta.replace(variables=variables)), book)
    assert [(p.kind, p.value) for p in whole.errors] == [("out_of_range", 37.5)]
    assert fractional.errors == []


def test_id_null_declares_a_file_without_an_identifier(tmp_path: Path) -> None:
    path = tmp_path / "plain.yaml"
    path.write_text(
        "wave: plain\nsurvey: plain\nid: null\nvariables:\n  q: {raw: q1, values: {1: Ja, 2: Nee}}\n",
        encoding="utf-8",
    )
    assert load_codebook(path).id is None


def test_a_link_without_key_needs_an_id(tmp_path: Path) -> None:
    path = tmp_path / "plain.yaml"
    path.write_text(
        "wave: plain\nsurvey: plain\nid: null\nlink: {wave: other}\n"
        "variables:\n  q: {raw: q1, values: {1: Ja, 2: Nee}}\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError, match="needs `key:`"):
        load_codebook(path)


# --------------------------------------------------------------------------- names in the file


def _one_variable_book(raw: str) -> Codebook:
    return Codebook("w", "s", "t", None, {"q": Variable("q", raw, "Vraag")})


def test_a_raw_name_matches_the_file_whatever_its_case() -> None:
    matched = match_file_names(_one_variable_book("q1"), ["Q1", "id"])
    assert matched.variables["q"].raw == "Q1"  # the file's spelling is kept


def test_an_exact_spelling_wins_over_a_case_variant() -> None:
    matched = match_file_names(_one_variable_book("q1"), ["Q1", "q1"])
    assert matched.variables["q"].raw == "q1"


def test_two_file_names_that_differ_only_in_case_are_an_error() -> None:
    with pytest.raises(InputError, match=r"'ab' \(q\) matches AB, Ab, names that differ only"):
        match_file_names(_one_variable_book("ab"), ["AB", "Ab"])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "wave: [1, 2]\nsurvey: s\nid: null\nvariables: {}\n",
            r"wave: expected str or int, got list",
        ),
        ("wave: w\nsurvey: s\nid: null\nvariables: [a, b]\n", "variables: expected a mapping"),
        (
            "wave: w\nsurvey: s\nid: null\nweighted: sometimes\nvariables: {}\n",
            r"weighted: expected bool, got str 'sometimes'",
        ),
        (
            "wave: w\nsurvey: s\nid: null\nvariables: {q: {raw: q, values: {1: Ja, 2: no}}}\n",
            r"variables\.q\.values\.2: expected str, int or float, got true/false False \(YAML reads",
        ),
    ],
)
def test_a_codebook_value_of_the_wrong_type_is_named(
    tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "book.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=message):
        load_codebook(path)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("batteris: {}\n", r"unknown key 'batteris' \(did you mean 'batteries'\?\)"),
        ("variables: {q: {raw: q, lable: Vraag}}\n", r"'variables\.q\.lable' \(did you mean 'label'\?\)"),
        ("batteries: {b: {items: [q], agre: [4, 5]}}\n", r"'batteries\.b\.agre' \(did you mean 'agree'\?\)"),
        ("derived: {d: {kind: map, form: q}}\n", r"'derived\.d\.form' \(did you mean 'from'\?\)"),
        ("scales: {s: {valeus: {1: Ja}}}\n", r"'scales\.s\.valeus' \(did you mean 'values'\?\)"),
    ],
)  # fmt: skip
def test_an_unknown_codebook_key_is_an_error_that_suggests_the_closest_key(
    tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "book.yaml"
    variables = "" if text.startswith("variables") else "variables: {q: {raw: q}}\n"
    path.write_text("wave: w\nsurvey: s\nid: null\n" + variables + text, encoding="utf-8")
    with pytest.raises(InputError, match=message):
        load_codebook(path)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "variables: {q: {raw: q, values: {1: Ja, 2: Nee}, recode: {1: ja, 2: nee}}}\n",
            r"variable 'q': recodes onto the text code 'ja', but the variable is numeric",
        ),
        (
            "variables: {q: {raw: q, values: {1: Ja, 2: Nee}}}\n"
            "derived: {d: {kind: map, from: q, map: {1: ja}, values: {ja: Ja}}}\n",
            r"derived 'd': the text code 'ja'; derived variables are numeric",
        ),
    ],
)
def test_text_codes_on_a_numeric_variable_are_an_error_before_anything_is_written(
    tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "book.yaml"
    path.write_text("wave: w\nsurvey: s\nid: null\n" + text, encoding="utf-8")
    with pytest.raises(InputError, match=message):
        load_codebook(path)


def test_circular_routing_is_an_error_naming_the_chain(tmp_path: Path) -> None:
    path = tmp_path / "book.yaml"
    path.write_text(
        "wave: w\nsurvey: s\nid: null\nvariables:\n"
        "  a: {raw: a, values: {1: Ja, 2: Nee}, asked_if: {b: [1]}}\n"
        "  b: {raw: b, values: {1: Ja, 2: Nee}, asked_if: {c: [1]}}\n"
        "  c: {raw: c, values: {1: Ja, 2: Nee}, asked_if: {a: [1]}}\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError, match=r"routing is circular: a -> b -> c -> a"):
        load_codebook(path)


def test_a_variable_without_any_valid_answer_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "book.yaml"
    path.write_text(
        "wave: w\nsurvey: s\nid: null\nvariables:\n"
        "  q: {raw: q, values: {1: Ja, 2: Nee, 9: Weet niet}, missing: [9]}\n",
        encoding="utf-8",
    )
    frame = pd.DataFrame({"q": [9.0, np.nan, 9.0]})
    report = validate(frame, frame_meta(frame), load_codebook(path))
    [problem] = [p for p in report.problems if p.kind == "all_missing"]
    assert (
        problem.severity == "warning"
        and "no valid answer in any of the 3 case(s)" in problem.message
    )
