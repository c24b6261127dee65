"""When a labelled numeric variable is categorical (survey.codebook.measure), and what skeletons write.

The rule: at least two valid codes labelled and every observed valid value labelled; the measure
level the file declares does not count. Estimates (tests/unit/test_estimate.py) and codebook
skeletons (here) follow the same rule.
"""

from __future__ import annotations

import pandas as pd
import pytest
import yaml

from survey.codebook import skeleton
from survey.codebook.measure import label_coverage
from survey.io import FileMeta, VariableMeta

YES_NO = {1.0: "Ja", 2.0: "Nee", 9.0: "Weet niet"}
SPECIAL = {98.0: "weet niet", 99.0: "geen antwoord"}


@pytest.mark.parametrize(
    ("labels", "missing", "values", "categorical"),
    [
        (YES_NO, (), [1.0, 2.0, 9.0], True),  # every value labelled
        (YES_NO, (9.0,), [1.0, 2.0, 9.0], True),  # the missing code is no valid value
        (YES_NO, (), None, True),  # without data: the labels alone
        (SPECIAL, (), [23.0, 41.0, 99.0], False),  # labels for special codes only
        (SPECIAL, (98.0, 99.0), None, False),  # ... declared missing: no valid label at all
        ({0.0: "Not at all", 10.0: "Fully"}, (), [0.0, 4.0, 10.0], False),  # end points
        ({1.0: "one"}, (), [1.0, 1.0], False),  # one labelled code is not a code list
        ({1.0: "Ja", 2.0: "Nee"}, (), [1.0, 2.0, 3.0], False),  # an unlabelled value occurs
        ({1.0: "Ja", 2.0: "Nee", 3.0: "Soms"}, (), [1.0, 2.0], True),  # labelled, not observed
    ],
)
def test_a_numeric_variable_is_categorical_when_its_labels_cover_its_codes_and_values(
    labels: dict[float, str], missing: tuple[float, ...], values: list[float] | None,
    categorical: bool,
) -> None:  # fmt: skip
    var = VariableMeta("q", measure="scale", value_labels=labels, missing_values=missing)
    data = None if values is None else pd.Series(values)
    assert label_coverage(var, data).categorical is categorical


def test_the_declared_measure_plays_no_part() -> None:
    for measure in ("scale", "nominal", "ordinal", "unknown"):
        var = VariableMeta("q", measure=measure, value_labels=YES_NO)
        assert label_coverage(var, pd.Series([1.0, 2.0])).categorical


def test_codebook_missing_codes_are_no_valid_codes() -> None:
    var = VariableMeta("age", value_labels={1.0: "one", 99.0: "geen antwoord"})
    assert not label_coverage(var, pd.Series([1.0, 99.0]), missing=(99,)).categorical


def test_text_variables_are_categorical() -> None:
    assert label_coverage(VariableMeta("t", type="string"), pd.Series(["a", "b"])).categorical


def test_the_coverage_says_why_a_labelled_variable_is_numeric() -> None:
    var = VariableMeta("age", value_labels=SPECIAL)
    coverage = label_coverage(var, pd.Series([20.0, 21.0, 22.0, 23.0, 99.0, 99.0]))
    assert coverage.reason() == "4 observed value(s) have no label (20, 21, 22, ...)"
    assert dict(coverage.labelled_rows) == {98.0: 0, 99.0: 2}


# ------------------------------------------------------------------ codebook skeletons


def _meta(**variables: VariableMeta) -> FileMeta:
    return FileMeta(variables=variables, source="w2020.sav", n_rows=4)


def _written(meta: FileMeta, frame: pd.DataFrame | None = None) -> dict[str, dict]:
    return yaml.safe_load(skeleton(meta, "w2020", frame))["variables"]


def test_skeleton_does_not_copy_measure_scale_for_a_labelled_item() -> None:
    meta = _meta(q1=VariableMeta("q1", measure="scale", value_labels=YES_NO,
                                 missing_values=(9.0,)))  # fmt: skip
    frame = pd.DataFrame({"q1": [1.0, 2.0, 9.0, 1.0]})
    assert _written(meta, frame)["q1"]["measure"] == "nominal"
    assert _written(meta)["q1"]["measure"] == "nominal"  # without the data too


def test_skeleton_keeps_a_variable_labelled_for_special_codes_only_a_scale() -> None:
    meta = _meta(age=VariableMeta("age", measure="scale", value_labels=SPECIAL))
    frame = pd.DataFrame({"age": [23.0, 41.0, 98.0, 35.0]})
    written = _written(meta, frame)["age"]
    assert (written["measure"], written["range"]) == ("scale", [23, 98])


def test_skeleton_makes_a_single_labelled_code_a_scale() -> None:
    meta = _meta(count=VariableMeta("count", measure="nominal", value_labels={0.0: "geen"}))
    assert _written(meta, pd.DataFrame({"count": [0.0, 0.0, 0.0, 0.0]}))["count"]["measure"] == (
        "scale"
    )
