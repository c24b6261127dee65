"""Cleaning: canonical names and codes, missing codes, labelled categoricals, derived variables."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pandas as pd
import pytest

from repo import REPO
from survey.clean import clean, processed_meta
from survey.codebook import Codebook, load_codebook, validate
from survey.config import load_study
from survey.errors import InputError
from survey.io import read_spss
from survey.pipeline import run_synth

CODEBOOKS = REPO / "config" / "codebooks"


@pytest.fixture(scope="module")
def books() -> dict[str, Codebook]:
    return {w: load_codebook(CODEBOOKS / f"{w}.yaml") for w in ("wea2008", "wea2010", "beso2011")}


def raw_frame(book: Codebook, n: int, **columns: list[Any]) -> pd.DataFrame:
    """A raw frame with every codebook variable: first valid code (or range start), ids 1..n.

    Keyword arguments give raw columns by raw name.
    """
    data: dict[str, Any] = {}
    for var in book.variables.values():
        if var.role == "id":
            data[var.raw] = [float(i + 1) for i in range(n)]
        elif var.type == "string":
            data[var.raw] = [""] * n
        elif var.valid_range is not None:
            data[var.raw] = [var.valid_range[0]] * n
        else:
            data[var.raw] = [var.valid_codes[0]] * n
    for name, values in columns.items():
        assert name in data, name
        data[name] = [float(v) if isinstance(v, int) else v for v in values]
    return pd.DataFrame(data)


def test_missing_codes_become_missing(books: dict[str, Codebook]) -> None:
    raw = raw_frame(books["wea2010"], 3, v31=[1, 8, 9], v3=[12, 99999, 40])
    tidy = clean(raw, books["wea2010"])
    assert tidy["hired_vulnerable"].isna().tolist() == [False, True, True]
    assert tidy["employees"].tolist()[0] == 12.0
    assert np.isnan(tidy["employees"].tolist()[1])


def test_wea2008_yes_no_is_recoded_to_the_canonical_codes_and_labels(
    books: dict[str, Codebook],
) -> None:
    raw = raw_frame(books["wea2008"], 3, v24=[0, 1, 9])
    tidy = clean(raw, books["wea2008"])
    column = tidy["hired_vulnerable"]
    assert list(column.cat.categories) == ["Ja", "Nee"]
    assert column.astype(object).tolist()[:2] == ["Nee", "Ja"]
    assert pd.isna(column.iloc[2])
    meta = processed_meta(tidy, books["wea2008"], "test")
    assert dict(meta.variables["hired_vulnerable"].value_labels) == {1.0: "Ja", 2.0: "Nee"}


def test_wea2008_provinces_are_recoded_onto_the_cbs_codes(books: dict[str, Codebook]) -> None:
    raw = raw_frame(books["wea2008"], 12, provincie=list(range(1, 13)))
    tidy = clean(raw, books["wea2008"])
    labels = books["wea2010"].variables["province"].canonical_labels
    assert list(labels) == [float(c) for c in range(20, 32)]
    assert tidy["province"].astype(object).tolist() == list(labels.values())
    assert tidy["province"].iloc[1] == "Fryslân"  # the 2010 label, not 2008's "Friesland"


def test_ordinal_measures_give_ordered_categoricals_and_nominal_unordered(
    books: dict[str, Codebook],
) -> None:
    tidy = clean(raw_frame(books["wea2010"], 2), books["wea2010"])
    assert tidy["satisfaction"].cat.ordered
    assert list(tidy["satisfaction"].cat.categories) == [
        "Zeer tevreden",
        "Tevreden",
        "Niet tevreden, niet ontevreden",
        "Ontevreden",
        "Zeer ontevreden",
    ]
    assert tidy["size_class"].cat.ordered
    assert not tidy["sector"].cat.ordered
    assert not tidy["hired_vulnerable"].cat.ordered


def test_battery_agree_indicator_and_score(books: dict[str, Codebook]) -> None:
    raw = raw_frame(books["beso2011"], 4, q11_1=[1, 4, 5, 8])
    tidy = clean(raw, books["beso2011"])
    agree = tidy["culture_people_oriented_agree"]
    assert list(agree.cat.categories) == ["Niet mee eens", "Mee eens"]
    assert agree.astype(object).tolist()[:3] == ["Niet mee eens", "Mee eens", "Mee eens"]
    assert pd.isna(agree.iloc[3])  # 8 "Weet niet" is missing, not "disagree"
    score = tidy["culture_people_oriented_score"].tolist()
    assert score[:3] == [1.0, 4.0, 5.0]
    assert np.isnan(score[3])


def with_culture_labels(book: Codebook, labels: dict[float, str]) -> Codebook:
    culture = dataclasses.replace(book.batteries["culture"], agree_labels=labels)
    return dataclasses.replace(book, batteries={**book.batteries, "culture": culture})


def test_agree_indicators_take_their_labels_from_the_battery(books: dict[str, Codebook]) -> None:
    book = with_culture_labels(books["beso2011"], {0.0: "Disagree", 1.0: "Agree"})
    tidy = clean(raw_frame(book, 3, q11_1=[1, 4, 8]), book)
    agree = tidy["culture_people_oriented_agree"]
    assert list(agree.cat.categories) == ["Disagree", "Agree"]
    assert agree.astype(object).tolist()[:2] == ["Disagree", "Agree"]
    meta = processed_meta(tidy, book, None).variables["culture_people_oriented_agree"]
    assert meta.value_labels == {0.0: "Disagree", 1.0: "Agree"}
    assert meta.label == f"{book.variables['culture_people_oriented'].label} (agree)"


def test_processed_agree_indicators_keep_the_study_labels(books: dict[str, Codebook]) -> None:
    book = books["beso2011"]
    tidy = clean(raw_frame(book, 2), book)
    meta = processed_meta(tidy, book, None).variables["attitude_productive_agree"]
    assert meta.value_labels == {0.0: "Niet mee eens", 1.0: "Mee eens"}
    assert meta.label == f"{book.variables['attitude_productive'].label} (mee eens)"


def test_battery_without_agree_labels_is_refused_naming_codebook_battery_and_key(
    books: dict[str, Codebook],
) -> None:
    book = with_culture_labels(books["beso2011"], {})
    with pytest.raises(InputError) as caught:
        clean(raw_frame(book, 2), book)
    message = str(caught.value)
    assert str(book.source) in message
    assert "battery 'culture'" in message
    assert "'agree_labels'" in message


def test_reversed_attitude_items_are_scored_six_minus_the_code(
    books: dict[str, Codebook],
) -> None:
    codes = [1, 2, 3, 4, 5, 9]
    raw = raw_frame(books["beso2011"], 6, q13_2=codes, q13_3=codes, q13_4=codes)
    tidy = clean(raw, books["beso2011"])
    assert tidy["attitude_productive_score"].tolist()[:5] == [1.0, 2.0, 3.0, 4.0, 5.0]
    for item in ("attitude_much_guidance", "attitude_financial_risk"):
        score = tidy[f"{item}_score"].tolist()
        assert score[:5] == [5.0, 4.0, 3.0, 2.0, 1.0], item
        assert np.isnan(score[5])
        # agreeing stays agreeing: the indicator is about the answer, not the direction
        assert tidy[f"{item}_agree"].astype(object).tolist()[3] == "Mee eens"


def test_derived_map_uses_the_default_for_unmapped_codes(books: dict[str, Codebook]) -> None:
    raw = raw_frame(books["wea2010"], 3, prov=[30, 27, 20])
    tidy = clean(raw, books["wea2010"])
    assert tidy["region"].astype(object).tolist() == [
        "Noord-Brabant",
        "Overig Nederland",
        "Overig Nederland",
    ]


def test_derived_map_without_default_leaves_unmapped_and_missing_codes_missing(
    books: dict[str, Codebook],
) -> None:
    raw = raw_frame(books["wea2010"], 4, v34=[1, 3, 7, 9], v31=[1, 1, 2, 1])
    tidy = clean(raw, books["wea2010"])
    satisfied = tidy["satisfied"].astype(object).tolist()
    assert satisfied[:2] == ["(Zeer) tevreden", "Niet (zeer) tevreden"]
    assert pd.isna(satisfied[2]) and pd.isna(satisfied[3])


def test_bins_are_left_closed(books: dict[str, Codebook]) -> None:
    raw = raw_frame(books["beso2011"], 6, q5=[1, 9, 10, 11, 50, 99999])
    tidy = clean(raw, books["beso2011"])
    over_10 = tidy["size_over_10"].astype(object).tolist()
    assert over_10[:5] == [
        "Tien of minder",
        "Tien of minder",
        "Tien of minder",
        "Meer dan tien",
        "Meer dan tien",
    ]
    assert pd.isna(over_10[5])
    size = tidy["size_class"]
    assert size.cat.ordered
    assert size.astype(object).tolist()[:5] == [
        "1 tot 10 medewerkers",
        "1 tot 10 medewerkers",
        "10 tot 50 medewerkers",
        "10 tot 50 medewerkers",
        "50 tot 100 medewerkers",
    ]


def test_any_of_gives_1_none_if_gives_2_and_otherwise_missing(
    books: dict[str, Codebook],
) -> None:
    raw = raw_frame(books["wea2010"], 5, v31=[1, 2, 2, 8, 8], v32=[2, 1, 2, 2, 9])
    tidy = clean(raw, books["wea2010"])
    experience = tidy["experience"].astype(object).tolist()
    assert experience[:3] == ["Met ervaring", "Met ervaring", "Zonder ervaring"]
    assert pd.isna(experience[3])  # "don't know" and "no": not known to be without
    assert pd.isna(experience[4])


def test_output_is_sorted_by_id_with_wave_first(books: dict[str, Codebook]) -> None:
    raw = raw_frame(books["wea2010"], 3, vestnr=[30, 10, 20], v3=[3, 1, 2])
    tidy = clean(raw, books["wea2010"])
    assert tidy["establishment_id"].tolist() == [10.0, 20.0, 30.0]
    assert tidy["employees"].tolist() == [1.0, 2.0, 3.0]
    assert list(tidy.index) == [0, 1, 2]
    assert tidy.columns[0] == "wave"
    assert set(tidy["wave"]) == {"wea2010"}


def test_string_variables_keep_text_and_blank_becomes_missing(
    books: dict[str, Codebook],
) -> None:
    raw = raw_frame(books["wea2010"], 2, v35_6t=["vergrijzing   ", ""])
    tidy = clean(raw, books["wea2010"])
    text = tidy["reason_other_text"].tolist()
    assert text[0] == "vergrijzing"
    assert pd.isna(text[1])


@pytest.fixture(scope="module")
def synthetic_wea(tmp_path_factory: pytest.TempPathFactory) -> dict[str, pd.DataFrame]:
    out = tmp_path_factory.mktemp("synth")
    run_synth(load_study(REPO / "config" / "study.yaml"), out)
    tidy = {}
    for wave in ("wea2008", "wea2010"):
        frame, meta = read_spss(out / f"{wave}.sav")
        book = load_codebook(CODEBOOKS / f"{wave}.yaml")
        validate(frame, meta, book).raise_for_errors()
        tidy[wave] = clean(frame, book)
    return tidy


def test_both_wea_waves_share_canonical_names_and_categories(
    synthetic_wea: dict[str, pd.DataFrame],
) -> None:
    old, new = synthetic_wea["wea2008"], synthetic_wea["wea2010"]
    shared = [c for c in old.columns if c in new.columns]
    # every 2008 variable has its 2010 counterpart; 2010 only adds questions
    assert shared == list(old.columns)
    categorical = [c for c in shared if isinstance(old[c].dtype, pd.CategoricalDtype)]
    assert {"province", "hired_vulnerable", "satisfaction", "region", "experience"} <= set(
        categorical
    )
    for name in categorical:
        if name == "wave":
            continue
        assert isinstance(new[name].dtype, pd.CategoricalDtype), name
        assert list(old[name].cat.categories) == list(new[name].cat.categories), name
        assert old[name].cat.ordered == new[name].cat.ordered, name
    for name in ("province", "hired_vulnerable", "satisfaction"):
        assert old[name].notna().any() and new[name].notna().any(), name
    # no 2008 category is left empty by a missing recode
    assert old["province"].value_counts().min() > 0
    assert set(old["hired_vulnerable"].dropna()) == {"Ja", "Nee"}


def test_synthetic_waves_are_sorted_by_id(synthetic_wea: dict[str, pd.DataFrame]) -> None:
    for tidy in synthetic_wea.values():
        assert tidy["establishment_id"].is_monotonic_increasing
        assert tidy["establishment_id"].is_unique


def test_cleaning_does_not_change_its_input(books: dict[str, Codebook]) -> None:
    raw = raw_frame(books["wea2008"], 3, v24=[0, 1, 9], provincie=[1, 2, 3])
    before = raw.copy()
    clean(raw, books["wea2008"])
    pd.testing.assert_frame_equal(raw, before)
