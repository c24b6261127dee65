"""Write the synthetic-survey inputs of the estimate golden tests (tests/golden/estimate/*.csv).

Run from the repository root, before ``Rscript tests/golden/make_golden_estimate.R``::

    .venv/bin/python tests/golden/make_golden_inputs.py

It generates the synthetic exports into a temporary folder with the package's own generator,
reads and cleans them as the pipeline does, and writes two small CSVs that R and the Python
tests both read:

- ``beso2011.csv``: the cleaned BESO 2011 answers the tests use (labels; empty = missing);
- ``wea2010.csv``: WEA 2010 establishments with a cell weight, population count over sample
  count per province x sector x size class from ``population2010.csv`` (as ``_cell_weights``
  in tests/test_synth.py), the size class as its code, and ``hired_vulnerable`` as a label.

The generator is deterministic, so running this again gives the same files.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd

from survey.clean import clean
from survey.codebook import load_codebook
from survey.io import read_spss
from survey.synth import generate

REPO = Path(__file__).resolve().parents[2]  # the script runs by path, outside pytest
CONFIG = REPO / "config"
OUT = REPO / "tests" / "golden" / "estimate"
WAVES = ("wea2008", "wea2010", "beso2011")
CELL = ["province", "sector", "size_class"]


def _cell_weights(frame: pd.DataFrame, population_csv: Path) -> pd.Series:
    population = pd.read_csv(population_csv, comment="#")
    keys = frame[CELL].astype(str)
    n = keys.groupby(CELL).size().rename("n")
    counts = population.astype({c: str for c in CELL}).set_index(CELL)["establishments"]
    weights = (counts / n).rename("w")
    return keys.join(weights, on=CELL)["w"]


def _codes(column: pd.Series, labels: dict) -> pd.Series:
    by_label = {label: code for code, label in labels.items()}
    return column.astype(object).map(by_label).astype("Int64")


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    books = {w: load_codebook(CONFIG / "codebooks" / f"{w}.yaml") for w in WAVES}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        generate(CONFIG / "synth.yaml", books, folder, REPO)
        wea = clean(read_spss(folder / "wea2010.sav")[0], books["wea2010"])
        beso = clean(read_spss(folder / "beso2011.sav")[0], books["beso2011"])
        wea["weight"] = _cell_weights(wea, folder / "population2010.csv")

    variables = books["wea2010"].variables
    out = pd.DataFrame({
        "establishment_id": wea["establishment_id"].astype("int64"),
        "weight": wea["weight"].astype(float),
        "size_class": _codes(wea["size_class"], variables["size_class"].canonical_labels),
        "region": wea["region"].astype(object),
        "hired_vulnerable": wea["hired_vulnerable"].astype(object),
        "sector": _codes(wea["sector"], variables["sector"].canonical_labels),
    })  # fmt: skip
    if out[["weight", "size_class", "sector", "region"]].isna().any().any():
        raise SystemExit("wea2010: a weight or design code is missing")
    # full precision (repr of a double round-trips), so R and Python read the same weights
    out.to_csv(OUT / "wea2010.csv", index=False, float_format="%.17g")
    beso_cols = ["establishment_id", "experience_group", "obstacle_no_applicants"]
    beso[beso_cols].astype({"establishment_id": "int64"}).to_csv(OUT / "beso2011.csv", index=False)


if __name__ == "__main__":
    main()
