"""Write the synthetic-survey inputs of the weighting golden tests (tests/golden/weighting/).

Run from the repository root, before ``Rscript tests/golden/make_golden_weighting.R``::

    .venv/bin/python tests/golden/make_golden_weighting_inputs.py

It generates the synthetic exports into a temporary folder with the package's own generator,
reads and cleans WEA 2010 as the pipeline does, and writes:

- ``wea2010.csv``: establishment_id, province, sector, size_class (value labels), region and
  hired_vulnerable (label; empty = missing), one row per establishment;
- ``margins2010.csv``: the synthetic population margins (province; sector x size class), copied
  as the generator wrote them.

R rakes ``wea2010.csv`` to ``margins2010.csv`` from equal weights; the Python tests do the same
from the same files. The generator is deterministic, so running this again gives the same files.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pandas as pd

from survey.clean import clean
from survey.codebook import load_codebook
from survey.io import read_spss
from survey.synth import generate

REPO = Path(__file__).resolve().parents[2]  # the script runs by path, outside pytest
CONFIG = REPO / "config"
OUT = REPO / "tests" / "golden" / "weighting"
WAVES = ("wea2008", "wea2010", "beso2011")
COLUMNS = ["establishment_id", "province", "sector", "size_class", "region", "hired_vulnerable"]


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    books = {w: load_codebook(CONFIG / "codebooks" / f"{w}.yaml") for w in WAVES}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        generate(CONFIG / "synth.yaml", books, folder, REPO)
        wea = clean(read_spss(folder / "wea2010.sav")[0], books["wea2010"])
        shutil.copyfile(folder / "margins2010.csv", OUT / "margins2010.csv")
    out = pd.DataFrame({c: wea[c].astype(object) for c in COLUMNS})
    out["establishment_id"] = wea["establishment_id"].astype("int64")
    if out[COLUMNS[:-1]].isna().any().any():
        raise SystemExit("wea2010: an id or a weighting variable is missing")
    out.to_csv(OUT / "wea2010.csv", index=False, encoding="utf-8")


if __name__ == "__main__":
    main()
