"""Text from data files made safe: CSV cells, terminal text, JSON and XML text."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from survey.safe_text import csv_cell, csv_frame, json_escape_unsafe, terminal_text, xml_text

BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"


# --------------------------------------------------------------------------- CSV cells


@pytest.mark.parametrize(
    "cell", ["=1+1", "+31 6 1234", "-2+3+cmd|' /C calc'!A0", "@SUM(A1)", "\t=1", "\r=1", "-inf"]
)
def test_a_text_cell_a_spreadsheet_would_run_gets_a_leading_quote(cell: str) -> None:
    assert csv_cell(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["-0.12", "+3", "-1", "-1.5e-3", ".5", "Noord-Brabant", "'=x", ""])
def test_numbers_written_as_text_and_ordinary_text_are_kept(cell: str) -> None:
    assert csv_cell(cell) == cell


@pytest.mark.parametrize("value", [-0.12, -3, None, float("nan"), True])
def test_cells_that_are_not_text_are_returned_unchanged(value: object) -> None:
    assert csv_cell(value) is value


def test_a_frame_gets_its_text_cells_and_headers_neutralised_and_its_numbers_kept() -> None:
    frame = pd.DataFrame(
        {
            "level": ['=HYPERLINK("http://x")', "Ja"],
            "code": ["-1", "2"],
            "estimate": [-0.12, 0.5],
            "=name": ["a", "b"],
        }
    )
    safe = csv_frame(frame)
    assert list(safe.columns) == ["level", "code", "estimate", "'=name"]
    assert safe["level"].tolist() == ['\'=HYPERLINK("http://x")', "Ja"]
    assert safe["code"].tolist() == ["-1", "2"]
    assert safe["estimate"].tolist() == [-0.12, 0.5]
    assert frame["level"].iloc[0] == '=HYPERLINK("http://x")'  # the input is not changed


def test_a_categorical_or_mixed_column_is_neutralised_cell_by_cell() -> None:
    frame = pd.DataFrame({"level": pd.Categorical(["=a", "b", "=a"]), "mixed": ["@x", 3.0, None]})
    safe = csv_frame(frame)
    assert safe["level"].tolist() == ["'=a", "b", "'=a"]
    assert safe["mixed"].tolist() == ["'@x", 3.0, None]


# --------------------------------------------------------------------------- terminal text


def test_terminal_text_removes_ansi_colour_cursor_and_title_sequences() -> None:
    text = "\x1b[31mrood\x1b[0m \x1b[2J\x1b[H\x1b]0;titel\x07\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\ \x9b1mc1"
    assert terminal_text(text) == "rood link c1"


def test_terminal_text_removes_control_characters_but_keeps_newlines_and_tabs() -> None:
    assert terminal_text("a\x00b\x07c\x08d\re\x7ff\x85g\n\th") == "abcdefg\n\th"


def test_terminal_text_removes_every_bidi_control() -> None:
    assert terminal_text(f"a{BIDI}b") == "ab"


def test_terminal_text_keeps_accents_and_right_to_left_letters() -> None:
    assert terminal_text("Één café, שלום, مرحبا") == "Één café, שלום, مرحبا"


def test_an_unterminated_title_sequence_loses_only_its_introducer() -> None:
    assert terminal_text("\x1b]0;rest of the message") == "0;rest of the message"


def test_a_single_line_field_cannot_start_a_line_of_its_own() -> None:
    assert terminal_text("Nee\nerror: fake\r\n\tline", single_line=True) == "Nee error: fake line"


def test_lone_surrogates_become_replacement_characters_so_printing_never_fails() -> None:
    out = terminal_text("caf\udce9")
    assert out == "caf\ufffd"
    out.encode("utf-8")


# --------------------------------------------------------------------------- JSON and XML


def test_json_escapes_what_a_terminal_must_not_see_and_still_decodes_to_the_same_value() -> None:
    value = {"label": f"a{BIDI}\x85\x7fb", "plain": "Één"}
    text = json_escape_unsafe(json.dumps(value, ensure_ascii=False))
    assert terminal_text(text) == text
    assert "Één" in text
    assert json.loads(text) == value


def test_xml_text_drops_characters_xml_cannot_hold_and_keeps_markup_escaping_to_others() -> None:
    assert xml_text("a\x00\x01\x1b\x0cb\t\n\r\ufffec<") == "ab\t\n\rc<"
