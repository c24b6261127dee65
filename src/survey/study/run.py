"""Run a study's declared analyses on its designs: one call, in memory, nothing read from disk.

:func:`run_study` takes the :class:`~survey.study.designs.StudyData` the stages produced and the
parsed ``analyses.yaml`` and returns :class:`StudyResults`: every table the report shows, the
weights and diagnostics of the weighted waves, and the settings used. Reweighting analyses run
first, so that analyses using their weights (``weights_from``) find them.

Figures and the report are made elsewhere (``survey.figures``, ``survey.report``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from survey.study.context import Context
from survey.study.designs import StudyData
from survey.study.kinds import SUBSTANTIVE_DIFFERENCE, run_analysis
from survey.study.spec import Analyses, Reweight

__all__ = ["StudyResults", "run_study"]


@dataclass(frozen=True)
class StudyResults:
    """Everything the report shows.

    Attributes
    ----------
    tables
        Table id -> tidy frame (columns: :data:`survey.study.kinds.COLUMNS`).
    analyses
        The declaration the tables were made from.
    weights
        Weighted wave -> final weights (for the weight-distribution figure).
    diagnostics
        Weighted wave -> weighting diagnostics (``WeightingDiagnostics.to_dict()``).
    provenance
        Wave -> provenance record of the processed data.
    synthetic
        Whether any input file is synthetic.
    settings
        Confidence level, CI method, minimum cell count, language and the study config.
    """

    tables: dict[str, pd.DataFrame]
    analyses: Analyses
    weights: dict[str, np.ndarray] = field(default_factory=dict)
    diagnostics: dict[str, dict[str, Any]] = field(default_factory=dict)
    provenance: dict[str, dict[str, Any]] = field(default_factory=dict)
    synthetic: bool = False
    settings: dict[str, Any] = field(default_factory=dict)


def run_study(
    data: StudyData,
    analyses: Analyses,
    root: str | Path,
    settings: dict[str, Any] | None = None,
) -> StudyResults:
    """Compute every declared analysis.

    Parameters
    ----------
    data
        The designs and what came with them (:func:`survey.study.designs.study_data` or
        :func:`~survey.study.designs.load_study_data`).
    analyses
        The parsed ``analyses.yaml``.
    root
        The study folder (paths in the declaration are relative to it).
    settings
        ``confidence_level`` (default 0.95) and ``ci_method`` (default ``logit``), and anything
        else to record with the results (minimum cell count, language, config path).

    Returns
    -------
    StudyResults
        The tables and what the report needs beside them.
    """
    settings = {"confidence_level": 0.95, "ci_method": "logit", **(settings or {})}
    ctx = Context(data, Path(root), float(settings["confidence_level"]), str(settings["ci_method"]))
    tables: dict[str, pd.DataFrame] = {}
    declared = analyses.all()
    for analysis in sorted(declared, key=lambda a: not isinstance(a, Reweight)):
        tables.update(run_analysis(analysis, ctx))
    synthetic = any(p.get("synthetic") for p in data.provenance.values())
    return StudyResults(
        tables=tables,
        analyses=analyses,
        weights=dict(data.weights),
        diagnostics=dict(data.diagnostics),
        provenance=dict(data.provenance),
        synthetic=synthetic or bool(settings.get("synthetic", False)),
        settings={**settings, "substantive_difference": SUBSTANTIVE_DIFFERENCE},
    )
