"""A study as data: its analyses declared in ``analyses.yaml``, computed on calibrated designs.

- :mod:`survey.study.spec`: the typed, strict schema of ``analyses.yaml``;
- :mod:`survey.study.designs`: the waves' designs, calibrated once by the weight stage;
- :mod:`survey.study.context`: what the kinds share (context, items and labels, shares);
- :mod:`survey.study.kinds`: the analysis kinds (shares, means, compare, trend, model, ...);
- :mod:`survey.study.reproduce`: published figures beside reproduced ones;
- :mod:`survey.study.run`: :func:`run_study`, every declared analysis in one call.

Nothing in this package names a particular study's variables, labels or waves.
"""

from __future__ import annotations

from survey.study.designs import StudyData, load_study_data, study_data
from survey.study.run import StudyResults, run_study
from survey.study.spec import Analyses, load_analyses

__all__ = [
    "Analyses",
    "StudyData",
    "StudyResults",
    "load_analyses",
    "load_study_data",
    "run_study",
    "study_data",
]
