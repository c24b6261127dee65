"""The designs of a study's waves, calibrated once: by the weight stage, never again.

:func:`weigh_wave` is the one place a wave is weighted as its study config says; the weight stage
(:func:`survey.pipeline.run_weight`) calls it and writes the weights and the calibration record
(:func:`write_calibration`) beside the processed data. :func:`study_data` turns what the stages
produced in memory into the designs the analyses use; :func:`load_study_data` rebuilds the same
designs from the files the stages wrote (for notebooks and ``survey report`` after ``survey
weight``), reading the weights and the calibration record instead of weighting again.

Nothing here estimates anything or writes a report.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from survey.analysis.design import FpcKind, SurveyDesign
from survey.codebook import Codebook, load_codebook
from survey.config import StudyConfig, WaveConfig
from survey.errors import InputError
from survey.io import FileMeta, atomic_output, read_parquet, sha256_file
from survey.io.tables import read_table
from survey.weighting import Calibration, WeightingResult, read_margins, weigh

__all__ = [
    "StudyData",
    "build_design",
    "load_study_data",
    "read_calibration",
    "study_data",
    "weigh_wave",
    "write_calibration",
]


@dataclass(frozen=True)
class StudyData:
    """What the analyses of a study run on; built in memory, reads nothing afterwards.

    Attributes
    ----------
    designs
        Wave -> design (calibrated where the study weights the wave).
    books
        Wave -> codebook.
    diagnostics
        Weighted wave -> weighting diagnostics (``WeightingDiagnostics.to_dict()``).
    weights
        Weighted wave -> final weights.
    provenance
        Wave -> provenance record of its processed data.
    populations
        Wave -> population table, where the study config names one.
    """

    designs: Mapping[str, SurveyDesign]
    books: Mapping[str, Codebook]
    diagnostics: Mapping[str, dict[str, Any]] = field(default_factory=dict)
    weights: Mapping[str, np.ndarray] = field(default_factory=dict)
    provenance: Mapping[str, dict[str, Any]] = field(default_factory=dict)
    populations: Mapping[str, pd.DataFrame] = field(default_factory=dict)


def weigh_wave(
    wave: WaveConfig, frame: pd.DataFrame, meta: FileMeta, book: Codebook
) -> WeightingResult:
    """Weight one wave as its study config says (method, margins, base weight, trim, collapse).

    Parameters
    ----------
    wave
        The wave's config; it must have a ``weighting`` section.
    frame, meta
        The wave's processed data and metadata.
    book
        Its codebook (the id column names the largest weights in the diagnostics).

    Returns
    -------
    WeightingResult
        Weights, diagnostics and the calibration record.
    """
    spec = wave.weighting
    if spec is None:
        raise InputError(f"wave '{wave.name}' has no weighting", "add `weighting:` to the wave")
    return weigh(
        frame,
        read_margins(spec.margins),
        method=spec.method,
        base_weight=spec.base_weight or wave.weight,
        trim=spec.trim,
        meta=meta,
        tolerance=spec.tolerance,
        max_iter=spec.max_iter,
        id_column=book.id,
        hierarchy=spec.collapse,
    )


def build_design(
    wave: WaveConfig,
    frame: pd.DataFrame,
    meta: FileMeta,
    source: str,
    weights: np.ndarray | None = None,
    calibration: Calibration | None = None,
) -> SurveyDesign:
    """The design of one wave: strata from the config, the weights and calibration given.

    Parameters
    ----------
    wave
        The wave's config: ``strata`` (variables whose combination forms the strata),
        ``weight``, ``cluster``, ``fpc`` and ``fpc_kind``.
    frame, meta
        Its processed data.
    source
        Where the data came from, for messages.
    weights, calibration
        The final weights and the calibration that made them; None for an unweighted wave.

    Returns
    -------
    SurveyDesign
        The design; standard errors account for the calibration, as R's survey package does.
    """
    strata = None
    if len(wave.strata) > 1:
        frame = frame.assign(stratum=frame[list(wave.strata)].astype(str).agg(" | ".join, axis=1))
        strata = "stratum"
    elif wave.strata:
        strata = wave.strata[0]
    design = SurveyDesign(
        frame,
        weight=wave.weight,
        strata=strata,
        cluster=wave.cluster,
        fpc=wave.fpc,
        fpc_kind=FpcKind(wave.fpc_kind) if wave.fpc_kind else None,
        source=source,
        meta=meta,
    )
    if weights is None:
        return design
    return design.calibrate(_Calibrated(weights, calibration))


@dataclass(frozen=True)
class _Calibrated:
    """The part of a weighting result a design needs (see ``SurveyDesign.calibrate``)."""

    weights: np.ndarray
    calibration: Calibration | None


_CAL_KEY = b"survey.calibration"


def write_calibration(calibration: Calibration | None, path: Path) -> Path:
    """Write a calibration record as Parquet (row -> level per margin, weights before/after).

    Parameters
    ----------
    calibration
        The record; None writes a file that says the weights were not calibrated.
    path
        Destination (written atomically).

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    columns: dict[str, Any] = {}
    kind = "none"
    if calibration is not None:
        kind = calibration.kind
        columns["weights_before"] = pa.array(calibration.weights_before, pa.float64())
        columns["weights_after"] = pa.array(calibration.weights_after, pa.float64())
        for i, group in enumerate(calibration.groups):
            columns[f"group_{i}"] = pa.array(np.asarray(group, dtype=np.int64))
        if calibration.model is not None:
            for j in range(calibration.model.shape[1]):
                columns[f"model_{j}"] = pa.array(calibration.model[:, j], pa.float64())
    table = (
        pa.table(columns) if columns else pa.table({"weights_after": pa.array([], pa.float64())})
    )
    table = table.replace_schema_metadata({_CAL_KEY: json.dumps({"kind": kind}).encode()})
    with atomic_output(path) as tmp:
        pq.write_table(table, tmp)
    return path


def read_calibration(path: Path) -> Calibration | None:
    """Read a record written by :func:`write_calibration`.

    Parameters
    ----------
    path
        The file.

    Returns
    -------
    Calibration or None
        None when the weights were not calibrated.
    """
    table = pq.read_table(path)
    info = json.loads((table.schema.metadata or {}).get(_CAL_KEY, b"{}"))
    if "kind" not in info:
        raise InputError(f"{path}: not a calibration record", "run `survey weight` again")
    if info["kind"] == "none":
        return None
    names = table.column_names
    groups = tuple(table[n].to_numpy() for n in names if n.startswith("group_"))
    model_cols = [table[n].to_numpy() for n in names if n.startswith("model_")]
    return Calibration(
        kind=info["kind"],
        groups=groups,
        weights_before=table["weights_before"].to_numpy(),
        weights_after=table["weights_after"].to_numpy(),
        model=np.column_stack(model_cols) if model_cols else None,
    )


def _populations(study: StudyConfig) -> dict[str, pd.DataFrame]:
    out = {}
    for name, wave in study.waves.items():
        if wave.population is None:
            continue
        out[name] = read_table(
            wave.population,
            f"population table of wave '{name}'",
            "one column per classifying variable and one with the counts; correct `population:` "
            "in the study config, or remove it",
        )
    return out


def study_data(
    study: StudyConfig,
    frames: Mapping[str, tuple[pd.DataFrame, FileMeta]],
    weighting: Mapping[str, WeightingResult],
    provenance: Mapping[str, dict[str, Any]],
) -> StudyData:
    """The designs of every wave from what the ingest and weight stages produced in memory.

    Parameters
    ----------
    study
        The study config.
    frames
        Wave -> (processed data, metadata).
    weighting
        Weighted wave -> the weight stage's result.
    provenance
        Wave -> provenance record.

    Returns
    -------
    StudyData
        Designs, codebooks, diagnostics, weights, provenance and population tables.
    """
    designs = {}
    for name, (frame, meta) in frames.items():
        result = weighting.get(name)
        source = study.relative(study.processed_dir / f"{name}.parquet")
        designs[name] = build_design(
            study.waves[name],
            frame,
            meta,
            source,
            None if result is None else result.weights.to_numpy(),
            None if result is None else result.calibration,
        )
    return StudyData(
        designs=designs,
        books={name: load_codebook(study.waves[name].codebook) for name in frames},
        diagnostics={name: r.diagnostics.to_dict() for name, r in weighting.items()},
        weights={name: r.weights.to_numpy() for name, r in weighting.items()},
        provenance=dict(provenance),
        populations=_populations(study),
    )


def _read(path: Path, study: StudyConfig, stage: str) -> Path:
    if not path.exists():
        raise InputError(
            f"{study.relative(path)}: not found", f"run `survey {stage}` (or `make report`) first"
        )
    return path


def _matching(
    path: Path, record: dict[str, Any], kind: str, study: StudyConfig, stage: str
) -> Path:
    """The processed file, checked against the hash its stage recorded for it."""
    expected = record.get("outputs", {}).get(kind, {}).get("sha256")
    if expected is None or sha256_file(path) != expected:
        raise InputError(
            f"{study.relative(path)} does not match the record its stage wrote (a run was "
            "interrupted, or two runs wrote at once)",
            f"run `survey {stage}` (or `make report`) again",
        )
    return path


def load_study_data(study: StudyConfig) -> StudyData:
    """The designs of every wave from the files the ingest and weight stages wrote.

    Weighted waves are read from ``<wave>.weighted.parquet`` with their calibration record
    (``<wave>.calibration.parquet``) and diagnostics (``<wave>.weighting.json``): nothing is
    weighted again.

    Parameters
    ----------
    study
        The study config.

    Returns
    -------
    StudyData
        As :func:`study_data` returns it.

    Raises
    ------
    InputError
        A processed file is missing or does not match the hash its stage recorded (the
        message says which stage to run).
    """
    out = study.processed_dir
    designs, diagnostics, weights, provenance = {}, {}, {}, {}
    for name, wave in study.waves.items():
        record = _read(out / f"{name}.provenance.json", study, "ingest")
        provenance[name] = json.loads(record.read_text(encoding="utf-8"))
        if wave.weighting is None:
            path = _read(out / f"{name}.parquet", study, "ingest")
            frame, meta = read_parquet(
                _matching(path, provenance[name], "parquet", study, "ingest")
            )
            designs[name] = build_design(wave, frame, meta, study.relative(path))
            continue
        info = json.loads(_read(out / f"{name}.weighting.json", study, "weight").read_text("utf-8"))
        path = _read(out / f"{name}.weighted.parquet", study, "weight")
        frame, meta = read_parquet(_matching(path, info, "parquet", study, "weight"))
        calibration_path = _read(out / f"{name}.calibration.parquet", study, "weight")
        calibration = read_calibration(
            _matching(calibration_path, info, "calibration", study, "weight")
        )
        final = frame["weight"].to_numpy(dtype=float)
        frame = frame.drop(columns="weight")
        meta = meta.replace(variables={k: v for k, v in meta.variables.items() if k != "weight"})
        designs[name] = build_design(wave, frame, meta, study.relative(path), final, calibration)
        diagnostics[name] = info["diagnostics"]
        weights[name] = final
    return StudyData(
        designs=designs,
        books={name: load_codebook(w.codebook) for name, w in study.waves.items()},
        diagnostics=diagnostics,
        weights=weights,
        provenance=provenance,
        populations=_populations(study),
    )
