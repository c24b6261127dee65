"""Survey weights: design weights, post-stratification, raking, calibration and diagnostics.

Also nonresponse adjustment, trimming and sparse-cell collapsing. Every calibration method is
called as ``method(frame, margins, *, base_weight=None, meta=None, tolerance=1e-8, max_iter=...,
id_column=None)`` and returns a :class:`WeightingResult`: the new weights as a separate series (the
old column is left as it is), diagnostics, and the calibration record that
:class:`~survey.analysis.design.SurveyDesign` needs to give calibration-aware standard errors (as
R's ``postStratify``, ``rake`` and ``calibrate`` do). Methods are chosen by name from
:data:`METHODS` (:func:`weigh`).

The package is split by concern:

- :mod:`~survey.weighting.margins`: :class:`Margin`, reading margins files, summing a population
  table into margins, matching margin levels to sample rows;
- :mod:`~survey.weighting.methods`: the methods, the registry :data:`METHODS` and :func:`weigh`;
- :mod:`~survey.weighting.greg`: the engine of :func:`calibrate` (R's ``calibrate``: model
  matrix, numeric :class:`Total`, the calibration functions :data:`CALFUNS`, R's ``grake``) and
  :func:`read_totals`;
- :mod:`~survey.weighting.diagnostics`: :class:`WeightingResult`, :class:`WeightingDiagnostics`,
  :class:`Calibration`, Kish's design effect and effective sample size;
- :mod:`~survey.weighting.collapse`: merging margin levels without sample cases;
- :mod:`~survey.weighting.design_weights`: design weights and nonresponse adjustment.

Margins are read from CSV files with the columns ``variable,level,target`` (a value label or a
code, and a population count). A two-way margin names its variables joined by ``+`` and its levels
joined by ``|``: ``sector+size_class,Handel|2 tot 10 werkzame personen,41234``. Calibration
totals (:func:`read_totals`) use the same columns; a numeric variable's population total is a row
with an empty level (``api99,,3914069``), the population size the row ``(Intercept),,6194``.

This package does not estimate anything; it never changes its inputs.

References
----------
Deville, J.-C. & Saerndal, C.-E. (1992). Calibration estimators in survey sampling. *JASA* 87.
Kish, L. (1965). *Survey Sampling*. Wiley (design effect of weighting).
Lumley, T. (2010). *Complex Surveys*, ch. 7.

Examples
--------
>>> import pandas as pd
>>> frame = pd.DataFrame({"size": ["klein", "klein", "groot"], "w": [1.0, 1.0, 2.0]})
>>> margins = [Margin(("size",), {"klein": 80.0, "groot": 20.0})]
>>> weigh(frame, margins, method="rake", base_weight="w").weights.tolist()
[40.0, 40.0, 20.0]
"""

from __future__ import annotations

from survey.weighting.collapse import collapse_sparse
from survey.weighting.design_weights import design_weights, nonresponse_adjustment
from survey.weighting.diagnostics import (
    Calibration,
    WeightingDiagnostics,
    WeightingResult,
    kish_deff,
    kish_ess,
)
from survey.weighting.greg import CALFUNS, INTERCEPT, Total, read_totals
from survey.weighting.margins import (
    Margin,
    level_keys,
    margins_from_population,
    population_counts,
    read_margins,
)
from survey.weighting.methods import (
    METHODS,
    calibrate,
    linear_calibration,
    poststratify,
    rake,
    trim_and_rake,
    trim_weights,
    weigh,
)

__all__ = [
    "CALFUNS",
    "INTERCEPT",
    "METHODS",
    "Calibration",
    "Margin",
    "Total",
    "WeightingDiagnostics",
    "WeightingResult",
    "calibrate",
    "collapse_sparse",
    "design_weights",
    "kish_deff",
    "kish_ess",
    "level_keys",
    "linear_calibration",
    "margins_from_population",
    "nonresponse_adjustment",
    "population_counts",
    "poststratify",
    "rake",
    "read_margins",
    "read_totals",
    "trim_and_rake",
    "trim_weights",
    "weigh",
]
