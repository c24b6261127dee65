"""Labels of the data are shown in the report's language, and a missing translation is an error."""

from __future__ import annotations

import pandas as pd
import pytest

from survey.errors import InputError
from survey.report.translate import is_neutral, missing_labels, translate_tables

LABELS = {"Met ervaring": "With experience", "Zonder ervaring": "Without experience"}


def _table() -> pd.DataFrame:
    return pd.DataFrame(
        {"group": ["Met ervaring", "Zonder ervaring"], "item": ["q1", "q1"], "estimate": [0.4, 0.6]}
    )


def test_label_columns_are_translated_and_nothing_else_changes() -> None:
    shown = translate_tables({"t": _table()}, ["group"], LABELS, "texts")["t"]
    assert shown["group"].tolist() == ["With experience", "Without experience"]
    assert shown["item"].tolist() == ["q1", "q1"] and shown["estimate"].tolist() == [0.4, 0.6]


def test_the_input_tables_are_not_changed() -> None:
    table = _table()
    translate_tables({"t": table}, ["group"], LABELS, "texts")
    assert table["group"].tolist() == ["Met ervaring", "Zonder ervaring"]


def test_every_missing_translation_is_listed_at_once_ready_to_paste() -> None:
    table = _table().assign(level=["Ja", "Nee"])
    with pytest.raises(InputError, match=r"2 label\(s\)") as caught:
        translate_tables({"t": table}, ["group", "level"], LABELS, "config/texts.yaml, en")
    assert '"Ja": ""' in caught.value.message and '"Nee": ""' in caught.value.message


@pytest.mark.parametrize(
    "value", ["hired_vulnerable", "wea2010", "2008", "(Intercept)", "[c]", None]
)
def test_codes_numbers_and_flags_need_no_translation(value: object) -> None:
    assert is_neutral(value)


def test_a_label_with_a_capital_or_a_space_needs_a_translation() -> None:
    assert missing_labels({"t": _table()}, ["group"], {}) == ["Met ervaring", "Zonder ervaring"]


def test_categorical_label_columns_are_translated_too() -> None:
    table = _table().astype({"group": "category"})
    shown = translate_tables({"t": table}, ["group"], LABELS, "texts")["t"]
    assert list(shown["group"]) == ["With experience", "Without experience"]
