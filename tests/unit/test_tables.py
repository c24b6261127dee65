"""The study's CSV tables (margins, population counts) are read strictly, naming line and column."""

from __future__ import annotations

from pathlib import Path

import pytest

from survey.errors import InputError
from survey.io.tables import read_table
from survey.weighting import read_margins

HINT = "variable,level,target"


def _file(tmp_path: Path, text: str | bytes) -> Path:
    path = tmp_path / "table.csv"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def test_cells_are_text_and_rows_know_their_line(tmp_path: Path) -> None:
    path = _file(tmp_path, "# note\nvariable,level,target\nregion,NA, 007\n\nregion,Zuid,5\n")
    table = read_table(path, "margins file", HINT)
    assert table.loc[3].tolist() == ["region", "NA", "007"]  # NA stays a label, not a missing
    assert list(table.index) == [3, 5]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "is empty"),
        ("# only a comment\n", "is empty"),
        ("variable,level,target\n", "holds only its header, no rows"),
        ("variable,,target\nregion,Noord,3\n", "column 2 of the margins file has no name"),
        ("variable,level,level\nregion,Noord,3\n", "names column 'level' twice"),
        ("variable,level,target\nregion,Noord,3,4\n", r"line 2: 4 cells but the header names 3"),
        ('variable,level,target\nregion,"Noord,3\n', "is not valid CSV"),
        (b"variable,level,target\nregion,Fryl\xe2n,3\n", "is not UTF-8 text"),
    ],
)
def test_what_cannot_be_a_table_is_an_input_error(
    tmp_path: Path, text: str | bytes, message: str
) -> None:
    with pytest.raises(InputError, match=message):
        read_table(_file(tmp_path, text), "margins file", HINT)


def test_a_folder_is_not_a_table(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="is a folder, not a margins file"):
        read_table(tmp_path, "margins file", HINT)


def test_an_unknown_margins_column_suggests_the_closest_one(tmp_path: Path) -> None:
    path = _file(tmp_path, "variable,level,targte\nregion,Noord,3\n")
    with pytest.raises(InputError, match=r"unknown column 'targte' \(did you mean 'target'\?\)"):
        read_margins(path)


def test_a_missing_margins_column_is_named(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"column\(s\) target missing"):
        read_margins(_file(tmp_path, "variable,level\nregion,Noord\n"))


def test_a_target_that_is_not_a_number_names_its_line_and_column(tmp_path: Path) -> None:
    path = _file(tmp_path, "# synthetic\nvariable,level,target\nregion,Noord,3\nregion,Zuid,veel\n")
    with pytest.raises(InputError, match=r"line 4: column 'target' holds 'veel', not a number"):
        read_margins(path)
