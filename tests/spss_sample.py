"""A small labelled SPSS variable set shared by the ingest and PSPP tests."""

from __future__ import annotations

from survey.io import VariableMeta


def sample_variables(age_format: str) -> dict[str, VariableMeta]:
    """Numeric and string variables with Dutch labels, value labels, missing values and a range."""
    return {
        "q1": VariableMeta(
            "q1",
            label="Bent u geïnteresseerd?",
            format="F2.0",
            measure="nominal",
            value_labels={1.0: "Ja", 2.0: "Nee", 9.0: "Weet niet"},
            missing_values=(9.0,),
            display_width=6,
        ),
        "leeftijd": VariableMeta(
            "leeftijd",
            label="Leeftijd in jaren",
            format=age_format,
            measure="scale",
            missing_values=(0.0,),
            missing_ranges=((97.0, 99.0),),
            display_width=8,
        ),
        "regio": VariableMeta(
            "regio",
            label="Regio",
            type="string",
            format="A8",
            measure="nominal",
            value_labels={"N": "Noord", "Z": "Zuid", "X": "Onbekend"},
            missing_values=("X",),
            display_width=8,
        ),
        "toelichting": VariableMeta(
            "toelichting",
            label="Toelichting (één zin)",
            type="string",
            format="A40",
            measure="ordinal",
            display_width=20,
        ),
    }
