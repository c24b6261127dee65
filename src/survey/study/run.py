"""Run a study's declared analyses on its designs: one call, in memory, nothing read from disk.

:func:`run_study` takes the :class:`~survey.study.designs.StudyData` the stages produced and the
parsed ``analyses.yaml`` and returns :class:`StudyResults`: every table the report shows, the
weights and diagnostics of the weighted waves, and the settings used. Reweighting analyses run
first, so that analyses using their weights (``weights_from``) find them.

:func:`publish` applies the disclosure policy to the results (:mod:`survey.disclosure`): what
every output (report, CSV, figures, sentences) is made from. Figures and the report are made
elsewhere (``survey.figures``, ``survey.report``).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from survey.disclosure import Decision, DisclosurePolicy, disclose
from survey.study.context import Context
from survey.study.designs import StudyData
from survey.study.kinds import SUBSTANTIVE_DIFFERENCE, run_analysis
from survey.study.spec import Analyses, Reweight

__all__ = ["StudyResults", "publish", "run_study"]


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
    decision
        The disclosure decision the tables were published under (:func:`publish`); None for
        the analysts' results, which are not published.
    """

    tables: dict[str, pd.DataFrame]
    analyses: Analyses
    weights: dict[str, np.ndarray] = field(default_factory=dict)
    diagnostics: dict[str, dict[str, Any]] = field(default_factory=dict)
    provenance: dict[str, dict[str, Any]] = field(default_factory=dict)
    synthetic: bool = False
    settings: dict[str, Any] = field(default_factory=dict)
    decision: Decision | None = None

    @property
    def published(self) -> bool:
        """True when disclosure control has been applied to the tables."""
        return self.decision is not None


def run_study(
    data: StudyData,
    analyses: Analyses,
    root: str | Path,
    settings: dict[str, Any] | None = None,
    policy: DisclosurePolicy | None = None,
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
    policy
        The disclosure policy; only its dominance rule is used here (to flag magnitude cells).
        Apply the whole policy with :func:`publish`.

    Returns
    -------
    StudyResults
        The tables and what the report needs beside them.
    """
    settings = {"confidence_level": 0.95, "ci_method": "logit", **(settings or {})}
    ctx = Context(
        data,
        Path(root),
        float(settings["confidence_level"]),
        str(settings["ci_method"]),
        dominance=policy.dominance if policy is not None else None,
    )
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


def publish(results: StudyResults, policy: DisclosurePolicy) -> StudyResults:
    """The results as they may be published: disclosure control over all tables at once.

    Parameters
    ----------
    results
        Output of :func:`run_study`.
    policy
        The study's disclosure policy (``report.disclosure``).

    Returns
    -------
    StudyResults
        The same results with published tables (suppressed values missing, ``status`` and
        ``reason`` columns, no ``cells``) and the decision; settings record the policy.
    """
    if results.published:
        raise ValueError("these results are published already")
    disclosed = disclose(results.tables, policy)
    settings = {**results.settings, "disclosure": policy.to_dict()}
    return replace(results, tables=disclosed.tables, decision=disclosed.decision, settings=settings)
