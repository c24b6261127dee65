"""The report layout, every table's column specs and the study's texts follow their schemas."""

from __future__ import annotations

from pathlib import Path

import pytest

from survey.errors import InputError
from survey.report import build
from survey.report.texts import load_text


def test_the_packaged_layout_passes_its_schema() -> None:
    layout = build._layout()
    assert "estimate" in layout.shortcuts
    assert "main" in layout.kinds["shares"]


def test_a_shortcut_expands_to_its_columns() -> None:
    expanded = build._expand(["estimate"], build._layout(), "x")
    assert [column for column, *_ in expanded] == ["estimate", "ci", "n"]


def test_an_unknown_shortcut_is_an_error_naming_the_analysis() -> None:
    with pytest.raises(
        InputError, match=r"analysis 'a', columns: 'estimat' is not a column shortcut"
    ):
        build._expand(["estimat"], build._layout(), "analysis 'a', columns")


@pytest.mark.parametrize("entry", [["estimate", "estimate"], ["n", "n", "count", "sometimes"]])
def test_a_column_that_is_not_column_header_kind_is_an_error(entry: list[str]) -> None:
    with pytest.raises(InputError, match=r"is not \[column, header, kind\]"):
        build._expand([entry], build._layout(), "analysis 'a', columns")


def test_a_column_of_an_unknown_kind_is_an_error_listing_the_kinds() -> None:
    with pytest.raises(InputError, match=r"column 'n' has kind 'cnt'") as caught:
        build._expand([["n", "n", "cnt"]], build._layout(), "analysis 'a', columns")
    assert "count" in str(caught.value.hint)


def test_an_unknown_key_in_the_study_texts_suggests_the_closest_key(tmp_path: Path) -> None:
    path = tmp_path / "texts.yaml"
    path.write_text("en:\n  titel: A study\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"under `en:`.*\n.*'titel' \(did you mean 'title'\?\)"):
        load_text("en", path)


def test_a_study_text_of_the_wrong_type_names_its_key(tmp_path: Path) -> None:
    path = tmp_path / "texts.yaml"
    path.write_text("en:\n  summary: One sentence.\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"summary: expected a list, got str 'One sentence.'"):
        load_text("en", path)
