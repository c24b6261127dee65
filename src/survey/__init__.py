"""Design-based survey analysis for surveys delivered as SPSS exports, and reports from them.

A general library: SPSS files read with their metadata, checked against a codebook and cleaned;
weights calibrated to population margins; design-based estimates, tests and models that agree
with R's survey package; a study's report declared as data (its study folder:
``config/study.yaml``, ``config/analyses.yaml``, ``config/texts.yaml``). The ``survey`` command,
the Makefile and notebooks are front doors onto the same functions, the public API below.

Names are loaded when first used, so ``import survey`` stays fast.

Examples
--------
>>> import pandas as pd
>>> import survey
>>> design = survey.SurveyDesign(pd.DataFrame({"q": ["Ja", "Nee", "Ja", "Ja"]}))
>>> float(survey.proportions(design, "q").set_index("level").loc["Ja", "estimate"])
0.75
"""

from __future__ import annotations

import importlib
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

try:
    __version__ = version("survey")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0.0.0+unknown"

#: Public name -> the module that defines it.
_PUBLIC = {
    "SurveyDesign": "survey.analysis.design",
    "estimate": "survey.analysis.estimate",
    "proportions": "survey.analysis.estimate",
    "means": "survey.analysis.estimate",
    "totals": "survey.analysis.estimate",
    "quantiles": "survey.analysis.quantiles",
    "ratios": "survey.analysis.estimate",
    "variances": "survey.analysis.estimate",
    "glm": "survey.analysis.glm",
    "term_test": "survey.analysis.glm",
    "predicted_margins": "survey.analysis.glm",
    "ttest": "survey.analysis.inference",
    "make_replicates": "survey.analysis.replicates",
    "supplied_replicates": "survey.analysis.replicates",
    "calibrate": "survey.weighting",
    "read_totals": "survey.weighting",
    "multiple_response": "survey.analysis.estimate",
    "compare_domains": "survey.analysis.contrast",
    "compare_independent": "survey.analysis.contrast",
    "rao_scott": "survey.analysis.inference",
    "adjust_pvalues": "survey.analysis.inference",
    "logistic_regression": "survey.analysis.models",
    "cronbach_alpha": "survey.analysis.models",
    "weigh": "survey.weighting",
    "rake": "survey.weighting",
    "poststratify": "survey.weighting",
    "linear_calibration": "survey.weighting",
    "read_margins": "survey.weighting",
    "read_data": "survey.io",
    "write_data": "survey.io",
    "load_codebook": "survey.codebook",
    "init_study": "survey.init",
    "load_study": "survey.config",
    "load_study_data": "survey.study",
    "load_analyses": "survey.study",
    "run_study": "survey.study",
    "analyse": "survey.pipeline",
    "run_all": "survey.pipeline",
    "styled": "survey.notebook",
    "show": "survey.notebook",
    "SurveyError": "survey.errors",
}

__all__ = [
    "SurveyDesign",
    "SurveyError",
    "__version__",
    "adjust_pvalues",
    "analyse",
    "calibrate",
    "compare_domains",
    "compare_independent",
    "cronbach_alpha",
    "estimate",
    "glm",
    "init_study",
    "linear_calibration",
    "load_analyses",
    "load_codebook",
    "load_study",
    "load_study_data",
    "logistic_regression",
    "make_replicates",
    "means",
    "multiple_response",
    "poststratify",
    "predicted_margins",
    "proportions",
    "quantiles",
    "rake",
    "rao_scott",
    "ratios",
    "read_data",
    "read_margins",
    "read_totals",
    "run_all",
    "run_study",
    "show",
    "styled",
    "supplied_replicates",
    "term_test",
    "totals",
    "ttest",
    "variances",
    "weigh",
    "write_data",
]

if TYPE_CHECKING:  # pragma: no cover - for type checkers and editors only
    from survey.analysis.contrast import compare_domains, compare_independent
    from survey.analysis.design import SurveyDesign
    from survey.analysis.estimate import (
        estimate,
        means,
        multiple_response,
        proportions,
        ratios,
        totals,
        variances,
    )
    from survey.analysis.glm import glm, predicted_margins, term_test
    from survey.analysis.inference import adjust_pvalues, rao_scott, ttest
    from survey.analysis.models import cronbach_alpha, logistic_regression
    from survey.analysis.quantiles import quantiles
    from survey.analysis.replicates import make_replicates, supplied_replicates
    from survey.codebook import load_codebook
    from survey.config import load_study
    from survey.errors import SurveyError
    from survey.init import init_study
    from survey.io import read_data, write_data
    from survey.notebook import styled
    from survey.pipeline import analyse, run_all
    from survey.study import load_analyses, load_study_data, run_study
    from survey.weighting import (
        linear_calibration,
        poststratify,
        rake,
        read_margins,
        read_totals,
        weigh,
    )
    from survey.weighting.methods import calibrate


def __getattr__(name: str) -> Any:
    if name not in _PUBLIC:
        raise AttributeError(f"module 'survey' has no attribute {name!r}")
    value = getattr(importlib.import_module(_PUBLIC[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
