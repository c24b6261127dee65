"""The published figures and the figure map are checked against their schemas before use."""

from __future__ import annotations

from pathlib import Path

import pytest

from repo import CONFIG
from survey.errors import InputError
from survey.study.reproduce import reproduction_table

PUBLISHED = CONFIG / "published" / "beso_2012_figures.yaml"


def _map(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "figures.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_an_unknown_key_in_the_figure_map_names_the_file_and_the_place(tmp_path: Path) -> None:
    path = _map(tmp_path, "figures:\n  a.b: {wave: w, variable: q, levl: Ja}\n")
    with pytest.raises(
        InputError,
        match=r"figures\.yaml: 1 unknown key\(s\):\n  - unknown key 'figures\.a\.b\.levl' \(did you mean 'level'\?\)",
    ):
        reproduction_table({}, PUBLISHED, path)


def test_a_value_of_the_wrong_type_in_the_figure_map_is_named(tmp_path: Path) -> None:
    path = _map(tmp_path, "figures:\n  a.b: {wave: w, variable: q, where: [region]}\n")
    with pytest.raises(
        InputError,
        match=r"figures\.a\.b\.where: expected a mapping, got list \['region'\]",
    ):
        reproduction_table({}, PUBLISHED, path)


def test_a_published_figure_of_an_unknown_kind_is_named(tmp_path: Path) -> None:
    published = tmp_path / "published.yaml"
    published.write_text("figures:\n  - {id: x, kind: guess}\n", encoding="utf-8")
    with pytest.raises(
        InputError,
        match=r"published\.yaml: figures\[0\]\.kind: expected one of 'share', .*got str 'guess'",
    ):
        reproduction_table({}, published, CONFIG / "figures.yaml")
