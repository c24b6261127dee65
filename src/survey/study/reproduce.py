"""The reproduction table: every published figure beside the value the pipeline computes.

For each figure in the published figures YAML, ``config/figures.yaml`` says how it is computed
(wave, variable, level, base). Numeric figures get the reproduced estimate at the published
precision, its confidence interval, the difference and a verdict: ``match`` (equal at the printed
precision), ``within CI`` (the published value lies inside the interval) or ``differs``. Direction
claims get ``supported`` / ``not supported`` from the estimates and tests that bear on them.

:func:`reproduction_tables` makes two tables: one row per published figure (the main table),
and the evidence: one row per group estimate behind a figure with several (a direction claim's
compared shares with their tests, a figure published for each of several groups). Estimates are
proportions (0-1) as in every other table; ``published_value`` keeps the published percentage.
It computes with ``estimate.py`` and ``inference.py`` and renders nothing: the report formats
every number in its own language.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import msgspec
import numpy as np
import pandas as pd
import yaml

from survey import strict
from survey.analysis.design import SurveyDesign
from survey.analysis.estimate import means, proportions, quietly
from survey.analysis.inference import adjust_pvalues, rao_scott
from survey.disclosure import COUNT, SUM, estimate_uses
from survey.errors import InputError
from survey.format import format_number
from survey.format import round_half_up as round_half_up  # re-exported: callers import it here

__all__ = [
    "COLUMNS",
    "EVIDENCE_COLUMNS",
    "failed_figures",
    "reproduction_table",
    "reproduction_tables",
    "round_half_up",
]

#: Columns of the reproduction table: ``published_value`` in percent as published, estimates
#: as proportions (0-1), ``difference`` in proportions (estimate minus published).
COLUMNS = [
    "id",
    "section",
    "measure",
    "measure_nl",
    "base",
    "kind",
    "published",
    "published_value",
    "precision",
    "reproduced",
    "estimate",
    "ci_low",
    "ci_high",
    "difference",
    "n",
    "verdict",
    "cells",
]

#: Columns of the evidence table: one group estimate behind a figure (and its test, for a claim).
EVIDENCE_COLUMNS = [
    "id",
    "measure",
    "measure_nl",
    "item",
    "item_label",
    "level",
    "group",
    "estimate",
    "ci_low",
    "ci_high",
    "n",
    "p_value",
    "p_holm",
    "cells",
]

#: Variable -> label, per wave (the codebooks' labels), for the evidence table.
Labels = Mapping[str, Mapping[str, str]]


class _Strict(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """Base of the schemas of the two files: unknown keys are errors."""


class PublishedFigure(_Strict, frozen=True):
    """One figure of the published figures YAML (``figures:``)."""

    id: str
    kind: Literal["share", "approx", "at_least", "direction"]
    survey: str | None = None
    region: str | None = None
    group: str | list[str] | None = None
    value: float | None = None
    precision: int = 0
    base: str | None = None
    measure: str | None = None
    claim: str | None = None
    section: str | None = None


class Published(msgspec.Struct, frozen=True, kw_only=True):
    """The published figures YAML: its figures (other top-level keys describe the source)."""

    figures: list[PublishedFigure]


class ComparedItem(_Strict, frozen=True):
    """A share compared between the groups of ``by`` (a direction claim)."""

    variable: str
    level: str
    by: str
    higher: str | None = None
    lower: str | None = None


class Computation(_Strict, frozen=True):
    """How one published figure is computed (``config/figures.yaml``)."""

    wave: str
    variable: str | None = None
    level: str | None = None
    stat: Literal["mean"] | None = None
    where: dict[str, str] | None = None
    each: dict[str, list[str]] | None = None
    weighted: bool = False
    compare: list[ComparedItem] | None = None
    same: list[ComparedItem] | None = None
    nl: str | None = None
    en: str | None = None


class FigureMap(_Strict, frozen=True):
    """``config/figures.yaml``: figure id -> computation."""

    figures: dict[str, Computation]


def _checked(path: Path, schema: type, what: str) -> dict[str, Any]:
    """A YAML file read and checked against its schema (as plain data, for the computations)."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise InputError(f"{path}: not valid YAML ({exc})", "fix the YAML syntax") from None
    strict.convert(data, schema, path, f"see the example study's {what} for its keys and types")
    return dict(data)


def _domain_design(
    design: SurveyDesign, where: Mapping[str, str] | None
) -> tuple[SurveyDesign, str | None]:
    if not where:
        return design, None
    mask = pd.Series(True, index=design.data.index)
    for variable, label in where.items():
        mask &= design.column(variable).astype(object) == label
    return design.with_domain(mask, "__base__", "base"), "__base__"


def _estimate(
    design: SurveyDesign, spec: Mapping[str, Any], where: Mapping[str, str] | None
) -> dict[str, Any]:
    domain_design, by = _domain_design(design, where)
    measure = SUM if spec.get("stat") == "mean" else COUNT
    if measure == SUM:  # a mean of a percentage variable, as published: in percent
        table = quietly(means, domain_design, spec["variable"], by=by)
        scale = 0.01
    else:
        table = quietly(proportions, domain_design, spec["variable"], by=by)
        table = table.loc[table["level"] == spec["level"]]
        scale = 1.0
    if by is not None:
        table = table.loc[table["group"] == "base"]
    if table.empty:
        raise InputError(
            f"figure computation {spec}: level '{spec.get('level')}' does not occur",
            "check config/figures.yaml against the codebook labels",
        )
    row = table.iloc[0]
    (use,) = estimate_uses(
        table.iloc[:1], spec["wave"], spec["variable"], where=where, measure=measure
    )
    return {k: float(row[k]) * scale for k in ("estimate", "ci_low", "ci_high")} | {
        "n": int(row["n"]),
        "cells": use,
    }


def _fmt(value: float, precision: int) -> str:
    """A percentage (0-100) as the published figures print it: decimal point, half up."""
    return f"{format_number(value, 'en', precision)}%"


def _label(labels: Labels, wave: str, variable: str) -> str:
    return str(labels.get(wave, {}).get(variable, variable))


def _numeric(
    figure: Mapping[str, Any], spec: Mapping[str, Any], design: SurveyDesign, labels: Labels
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    precision = int(figure.get("precision", 0))
    value = float(figure["value"])
    groups: list[str] = []
    if "each" in spec:
        ((variable, groups),) = spec["each"].items()
        results = [_estimate(design, spec, {variable: g}) for g in groups]
    else:
        results = [_estimate(design, spec, spec.get("where"))]
    rounded = [round_half_up(100 * r["estimate"], precision) for r in results]
    inside = all(r["ci_low"] <= value / 100 <= r["ci_high"] for r in results)
    if figure["kind"] == "at_least":
        matched = all(100 * r["estimate"] > value for r in results)
        published = f"> {_fmt(value, precision)}"
    else:
        matched = all(v == value for v in rounded)
        published = _fmt(value, precision)
    verdict = "match" if matched else ("within CI" if inside else "differs")
    first = results[0]
    row = {
        "published": published,
        "published_value": value,
        "precision": precision,
        "reproduced": " / ".join(_fmt(v, precision) for v in rounded),
        "estimate": first["estimate"],
        "ci_low": first["ci_low"],
        "ci_high": first["ci_high"],
        "difference": first["estimate"] - value / 100,
        "n": first["n"],
        "verdict": verdict,
        "cells": tuple(u for r in results for u in r["cells"]),
    }
    evidence = []
    if len(results) > 1:
        item = str(spec["variable"])
        for group, result in zip(groups, results, strict=True):
            evidence.append(
                {
                    "item": item,
                    "item_label": _label(labels, spec["wave"], item),
                    "level": spec.get("level"),
                    "group": group,
                    **{k: result[k] for k in ("estimate", "ci_low", "ci_high", "n", "cells")},
                    "p_value": np.nan,
                    "p_holm": np.nan,
                }
            )
    return row, evidence


def _shares(design: SurveyDesign, item: Mapping[str, Any], wave: str) -> pd.DataFrame:
    """The item's level per group of ``by``: estimate, CI, n and each group's cells."""
    table = quietly(proportions, design, item["variable"], by=item["by"])
    table = table.loc[table["level"] == item["level"]].copy()
    table["cells"] = estimate_uses(table, wave, item["variable"], by=item["by"])
    return table.set_index("group")


def _direction(
    figure: Mapping[str, Any], spec: Mapping[str, Any], design: SurveyDesign, labels: Labels
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    holds, p_values, parts = [], [], []
    items = spec.get("compare") or spec.get("same") or []
    for item in items:
        shares = _shares(design, item, spec["wave"])
        p_values.append(float(rao_scott(design, item["variable"], item["by"]).iloc[0]["p_value"]))
        if "compare" in spec:
            order = [item["higher"], item["lower"]]
            holds.append(
                shares.loc[item["higher"], "estimate"] > shares.loc[item["lower"], "estimate"]
            )
        else:
            order = list(shares.index)
        parts.append((item, shares.loc[order]))
    adjusted = adjust_pvalues(np.asarray(p_values), "holm") if p_values else np.array([])
    evidence = [
        {
            "item": str(item["variable"]),
            "item_label": _label(labels, spec["wave"], str(item["variable"])),
            "level": item["level"],
            "group": group,
            **{k: row[k] for k in ("estimate", "ci_low", "ci_high", "n", "cells")},
            "p_value": p,
            "p_holm": a,
        }
        for (item, shares), p, a in zip(parts, p_values, adjusted, strict=True)
        for group, row in shares.iterrows()
    ]
    supported = all(holds) if "compare" in spec else bool((adjusted >= 0.05).all())
    row = {
        "published": figure.get("claim", ""),
        "published_value": np.nan,
        "precision": np.nan,
        "reproduced": "",
        "estimate": np.nan,
        "ci_low": np.nan,
        "ci_high": np.nan,
        "difference": np.nan,
        "n": int(design.n),
        "verdict": "supported" if supported else "not supported",
        "cells": tuple(u for e in evidence for u in e["cells"]),
    }
    return row, evidence


def reproduction_tables(
    designs: Mapping[str, SurveyDesign],
    published_path: str | Path,
    figure_map_path: str | Path,
    labels: Labels | None = None,
) -> dict[str, pd.DataFrame]:
    """Set every published figure beside the reproduced one, with a verdict and its evidence.

    Parameters
    ----------
    designs
        Wave -> design (calibrated where the study weights the wave).
    published_path
        The published figures YAML.
    figure_map_path
        ``config/figures.yaml``: how each figure is computed.
    labels
        Wave -> variable -> label (the codebooks'), for the evidence table; default the
        variable names.

    Returns
    -------
    dict
        ``{"main": ..., "evidence": ...}``: one row per published figure (:data:`COLUMNS`), and
        one row per group estimate behind a figure with several (:data:`EVIDENCE_COLUMNS`).

    Raises
    ------
    InputError
        A published figure without a computation in the figure map.
    """
    published = _checked(Path(published_path), Published, "config/published/")["figures"]
    figure_map = _checked(Path(figure_map_path), FigureMap, "config/figures.yaml")["figures"]
    rows, evidence = [], []
    for figure in published:
        spec = figure_map.get(figure["id"])
        if spec is None:
            raise InputError(
                f"{figure_map_path}: no computation for published figure '{figure['id']}'",
                "add it to config/figures.yaml",
            )
        if spec["wave"] not in designs:
            raise InputError(
                f"{figure_map_path}: figure '{figure['id']}' names wave '{spec['wave']}', which "
                "the study does not have",
                f"use one of: {', '.join(designs)}",
            )
        design = designs[spec["wave"]]
        compute = _direction if figure["kind"] == "direction" else _numeric
        result, behind = compute(figure, spec, design, labels or {})
        rows.append(
            {
                "id": figure["id"],
                "section": figure.get("section", ""),
                "measure": spec.get("en", figure.get("measure", figure.get("claim", ""))),
                "measure_nl": spec.get("nl", figure.get("measure", figure.get("claim", ""))),
                "base": figure.get("base", ""),
                "kind": figure["kind"],
                **result,
            }
        )
        described = {k: rows[-1][k] for k in ("id", "measure", "measure_nl")}
        evidence += [described | e for e in behind]
    return {
        "main": pd.DataFrame(rows, columns=COLUMNS),
        "evidence": pd.DataFrame(evidence, columns=EVIDENCE_COLUMNS),
    }


def reproduction_table(
    designs: Mapping[str, SurveyDesign], published_path: str | Path, figure_map_path: str | Path
) -> pd.DataFrame:
    """The main table of :func:`reproduction_tables`: one row per published figure.

    Parameters
    ----------
    designs
        Wave -> design.
    published_path
        The published figures YAML.
    figure_map_path
        ``config/figures.yaml``.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`COLUMNS`.
    """
    return reproduction_tables(designs, published_path, figure_map_path)["main"]


def failed_figures(table: pd.DataFrame) -> pd.DataFrame:
    """The rows of a reproduction table that neither match nor are supported.

    Parameters
    ----------
    table
        Output of :func:`reproduction_table`, published or not.

    Returns
    -------
    pandas.DataFrame
        Rows whose verdict is ``within CI``, ``differs`` or ``not supported``; a figure that
        disclosure control hides (verdict ``not_assessable``) is not a failure.
    """
    return table.loc[~table["verdict"].isin(["match", "supported", "not_assessable"])]
