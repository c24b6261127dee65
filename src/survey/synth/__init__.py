"""Generator of the synthetic SPSS exports, the embedded default data of the project.

The real WEA and BESO microdata are not public. ``survey synth`` writes stand-ins with the same
structure as the real exports (the codebooks in ``config/codebooks/`` describe both): WEA 2008 and
2010 with about 5,000 establishments each, their population tables, and the BESO 2011 follow-up
linked to WEA 2010. Everything is deterministic from the seed in ``config/synth.yaml`` and
calibrated to the published figures (``config/published/``). Every file says in its label that
it is synthetic.

This package only generates data; it never reads real data and is not used by the pipeline when
real files are configured.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgspec
import numpy as np
import pandas as pd
import yaml

from survey import strict
from survey.codebook import Codebook
from survey.errors import InputError
from survey.io import atomic_output, write_sav
from survey.synth.beso import generate_beso
from survey.synth.population import CELL, population_table
from survey.synth.raw import raw_meta, to_raw
from survey.synth.wea import BRABANT, WeaTargets, calibration_tolerance, generate_wea
from survey.weighting import margins_from_population

__all__ = ["SYNTHETIC_MARK", "SynthResult", "generate", "is_synthetic_label", "load_published"]

#: Every synthetic file label contains this word.
SYNTHETIC_MARK = "SYNTHETIC"

_WEA_WAVES = {"wea2008": ("2008", 100000), "wea2010": ("2010", 200000)}


@dataclass(frozen=True)
class SynthResult:
    """What :func:`generate` wrote.

    Attributes
    ----------
    files
        Name -> path of every file written.
    rows
        Wave -> number of cases.
    """

    files: dict[str, Path]
    rows: dict[str, int]


def is_synthetic_label(file_label: str | None) -> bool:
    """Tell whether a file label marks the file as synthetic.

    Parameters
    ----------
    file_label
        The SPSS file label.

    Returns
    -------
    bool
        True when the label carries :data:`SYNTHETIC_MARK`.
    """
    return bool(file_label) and SYNTHETIC_MARK in str(file_label).upper()


def load_published(path: str | Path) -> dict[str, dict[str, Any]]:
    """Load the published figures, keyed by figure id.

    Parameters
    ----------
    path
        The published figures YAML.

    Returns
    -------
    dict
        Figure id -> the figure's fields (``value``, ``precision``, ``kind``, ...).
    """
    source = Path(path)
    if not source.exists():
        raise InputError(f"{source}: published figures not found", "restore config/published/")
    data = yaml.safe_load(source.read_text(encoding="utf-8"))
    return {figure["id"]: figure for figure in data["figures"]}


def _value(published: dict[str, dict[str, Any]], figure: str) -> tuple[float, int]:
    entry = published[figure]
    return float(entry["value"]), int(entry.get("precision", 0))


def _wea_targets(
    published: dict[str, dict[str, Any]], year: str, config: dict[str, Any]
) -> WeaTargets:
    def share(fig: str) -> float:
        return _value(published, fig)[0] / 100

    def tol(fig: str) -> float:
        return calibration_tolerance(_value(published, fig)[1])

    satisfied = "wea.satisfied.brabant" if year == "2010" else None
    shares = config["wea"]["work_not_suitable_without"]
    return WeaTargets(
        hired={r: share(f"wea.hired_vulnerable.{r}.{year}") for r in ("brabant", "nl")},
        mission={r: share(f"wea.mission_vulnerable.{r}.{year}") for r in ("brabant", "nl")},
        satisfied_brabant=share(satisfied) if satisfied else None,
        work_not_suitable_brabant=shares["brabant2010"] if year == "2010" else shares["other"],
        tolerance={
            "hired": min(tol(f"wea.hired_vulnerable.{r}.{year}") for r in ("brabant", "nl")),
            "mission": min(tol(f"wea.mission_vulnerable.{r}.{year}") for r in ("brabant", "nl")),
            "satisfied": tol("wea.satisfied.brabant"),
            "work_not_suitable": tol("wea.work_not_suitable.without.brabant"),
        },
    )


def _labelled(table: pd.DataFrame, book: Codebook) -> pd.DataFrame:
    labelled = table.copy()
    for column in CELL:
        labels = book.variables[column].canonical_labels
        labelled[column] = labelled[column].map(lambda code, lab=labels: lab[float(code)])
    return labelled


def _margins_csv(
    table: pd.DataFrame, book: Codebook, path: Path, wave: str, crosses: list[list[str]]
) -> None:
    margins = margins_from_population(_labelled(table, book), crosses, count="establishments")
    rows = [
        {"variable": margin.name, "level": level, "target": int(target)}
        for margin in margins
        for level, target in margin.targets.items()
    ]
    header = (
        f"# {SYNTHETIC_MARK}: illustrative population margins for {wave} (establishments), summed from "
        f"the synthetic population table; the raking targets of the synthetic WEA file\n"
    )
    with atomic_output(path) as tmp:
        with open(tmp, "w", encoding="utf-8", newline="") as handle:
            handle.write(header)
            pd.DataFrame(rows).to_csv(handle, index=False, lineterminator="\n")


def _population_csv(table: pd.DataFrame, book: Codebook, path: Path, wave: str) -> None:
    labelled = _labelled(table, book)
    header = (
        f"# {SYNTHETIC_MARK}: illustrative establishment counts for {wave} by province x sector x size class "
        "(not official statistics), the weighting targets of the synthetic WEA file\n"
    )
    with atomic_output(path) as tmp:
        with open(tmp, "w", encoding="utf-8", newline="") as handle:
            handle.write(header)
            labelled.to_csv(handle, index=False, lineterminator="\n")


def generate(
    config_path: str | Path, codebooks: dict[str, Codebook], out_dir: str | Path, root: Path
) -> SynthResult:
    """Write the synthetic exports: WEA 2008 and 2010, their population tables and margins, BESO 2011.

    Parameters
    ----------
    config_path
        The synth config (``config/synth.yaml``).
    codebooks
        Wave -> codebook, for ``wea2008``, ``wea2010`` and ``beso2011``.
    out_dir
        Destination folder (``data/raw/synthetic``).
    root
        Project root, against which relative paths in the config are resolved.

    Returns
    -------
    SynthResult
        The files written and their case counts.

    Examples
    --------
    In the project, ``generate("config/synth.yaml", books, "data/raw/synthetic", root)`` writes
    ``wea2008``, ``wea2010``, ``population2008``, ``population2010``, ``margins2008``,
    ``margins2010`` and ``beso2011``; that needs the full synth config, the published figures and
    three codebooks, so the example calls the module's smaller public helpers instead:

    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "figures.yaml"
    >>> _ = path.write_text("figures:\\n  - {id: beso_with_experience, value: 47, precision: 0}\\n")
    >>> load_published(path)["beso_with_experience"]["value"]
    47
    >>> is_synthetic_label(f"{SYNTHETIC_MARK}, geen echte data: BESO 2011")
    True
    """
    config = _read_config(Path(config_path))
    published = load_published(root / config["published_figures"])
    for wave in ("wea2008", "wea2010", "beso2011"):
        if wave not in codebooks:
            raise InputError(
                f"synthetic data needs a codebook for {wave}", "name it in config/study.yaml"
            )
    rng = np.random.default_rng(config["seed"])
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    files: dict[str, Path] = {}
    rows: dict[str, int] = {}
    waves: dict[str, pd.DataFrame] = {}
    for wave, (year, id_base) in _WEA_WAVES.items():
        population = population_table(config["population"], wave, rng)
        units = generate_wea(
            population, config["sample"], config["wea"], config["population"]["employees"],
            _wea_targets(published, year, config), wave, id_base, rng,
        )  # fmt: skip
        waves[wave] = units
        book = codebooks[wave]
        files[f"population{year}"] = out / f"population{year}.csv"
        _population_csv(population, book, files[f"population{year}"], wave)
        files[f"margins{year}"] = out / f"margins{year}.csv"
        _margins_csv(population, book, files[f"margins{year}"], wave, config["sample"]["margins"])
        files[wave] = _write(units, book, out / f"{wave}.sav", config)
        rows[wave] = len(units)
    wea2010 = waves["wea2010"]
    beso_targets = {
        fid: _value(published, fid)
        for fid, fig in published.items()
        if fig["survey"] == "beso2011" and "value" in fig
    }
    beso = generate_beso(wea2010, wea2010["province"] == BRABANT, config["beso"], beso_targets, rng)
    files["beso2011"] = _write(beso, codebooks["beso2011"], out / "beso2011.sav", config)
    rows["beso2011"] = len(beso)
    return SynthResult(files=files, rows=rows)


class _SynthFile(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """``config/synth.yaml``: its sections (their contents are the generators' parameters)."""

    seed: int
    published_figures: str
    file_label: str
    file_note: str
    population: dict[str, Any]
    sample: dict[str, Any]
    wea: dict[str, Any]
    beso: dict[str, Any]


def _read_config(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read the synth config ({exc})", "fix the file") from None
    strict.convert(data, _SynthFile, path, "compare with the example study's config/synth.yaml")
    return dict(data)


def _write(codes: pd.DataFrame, book: Codebook, path: Path, config: dict[str, Any]) -> Path:
    raw = to_raw(codes, book)
    label = config["file_label"].format(title=book.title, seed=config["seed"])
    if SYNTHETIC_MARK not in label.upper() or len(label) > 64:
        raise InputError(
            f"config/synth.yaml: file_label {label!r} must contain the word SYNTHETIC and fit in 64 characters",
            "shorten the label or the codebook title",
        )
    note = config["file_note"].format(title=book.title, seed=config["seed"])
    # SPSS document lines hold at most 80 characters
    meta = raw_meta(book, raw, label).replace(notes=tuple(textwrap.wrap(note, 80)))
    return write_sav(raw, meta, path)
