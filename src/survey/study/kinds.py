"""The analysis kinds a study can declare, each a function from a declaration to tidy tables.

Every kind takes its declaration (:mod:`survey.study.spec`) and a :class:`Context` (the designs
of the waves, their codebooks, the confidence level and CI method) and returns table id ->
frame, with the columns of :data:`COLUMNS`; proportions are 0-1. Comparisons of two groups carry
a Rao-Scott test, a Holm adjustment across the analysis's family of tests and the minimum
detectable difference at 80% power, so that "no difference" can be told apart from "too few
respondents to tell". The registry :data:`KINDS` maps each declaration type to its function.

Every row that shows an estimate carries, in the column ``cells``, the cells of respondents it
rests on (:mod:`survey.disclosure.cells`), so that disclosure control can decide over all
tables at once; the report never shows that column.

Nothing here names a study's variable, label or wave, reads files (but the reproduction's
published figures) or renders anything.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from survey.analysis.contrast import compare_domains, compare_independent
from survey.analysis.design import SurveyDesign
from survey.analysis.estimate import means, quietly, totals
from survey.analysis.inference import adjust_pvalues, rao_scott
from survey.analysis.models import cronbach_alpha, logistic_regression
from survey.analysis.quantiles import quantiles
from survey.codebook import Codebook
from survey.disclosure import SUM, Use, estimate_uses
from survey.errors import InputError
from survey.study import spec as s
from survey.study.context import (
    Context,
    expand_items,
    item_set,
    row_values,
    share_rows,
    table_frame,
    variable_label,
)
from survey.study.reproduce import COLUMNS as REPRODUCTION_COLUMNS
from survey.study.reproduce import EVIDENCE_COLUMNS, reproduction_tables

__all__ = [
    "COLUMNS",
    "ESTIMATE",
    "KINDS",
    "SUBSTANTIVE_DIFFERENCE",
    "minimum_detectable_difference",
    "run_analysis",
]

ESTIMATE = ["estimate", "se", "ci_low", "ci_high", "n", "n_level", "df", "flag"]
TEST = ["difference", "se", "ci_low", "ci_high", "p_value", "p_holm", "mdd", "verdict"]
_CONTRAST = ["difference", "se", "ci_low", "ci_high", "p_value"]

#: Columns of each kind's tables, by table role (``main``, ``tests``, ``change``, ``contrast``).
COLUMNS: dict[str, dict[str, list[str]]] = {
    "shares": {"main": ["item", "item_label", "group", "level", *ESTIMATE, "cells"]},
    "means": {"main": ["item", "item_label", "group", *ESTIMATE, "cells"]},
    "totals": {"main": ["item", "item_label", "group", *ESTIMATE, "cells"]},
    "quantiles": {"main": ["item", "item_label", "group", "quantile", *ESTIMATE, "cells"]},
    "compare": {
        "main": ["domain", "item", "item_label", "level", "group", *ESTIMATE, "cells"],
        "tests": [
            "domain",
            "item",
            "item_label",
            "level",
            "estimate_a",
            "estimate_b",
            *TEST,
            "cells",
        ],
    },
    "trend": {
        "main": ["measure", "measure_label", "group", "period", *ESTIMATE, "cells"],
        "change": [
            "measure",
            "measure_label",
            "group",
            "period_from",
            "period_to",
            "estimate_from",
            "estimate_to",
            *_CONTRAST,
            "cells",
        ],
        "contrast": [
            "measure",
            "measure_label",
            "period",
            "estimate_a",
            "estimate_b",
            *_CONTRAST,
            "cells",
        ],
    },
    "model": {
        "main": [
            "term",
            "term_label",
            "estimate",
            "se",
            "p_value",
            "odds_ratio",
            "or_ci_low",
            "or_ci_high",
            "n",
        ]
    },
    "reliability": {"main": ["battery", "label", "k", "n", "alpha", "alpha_weighted"]},
    "reweight": {
        "main": [
            "item",
            "item_label",
            "group",
            "unweighted",
            "unweighted_low",
            "unweighted_high",
            "weighted",
            "weighted_low",
            "weighted_high",
            "n",
            "cells",
        ]
    },
    "weighting": {
        "main": [
            "wave",
            "method",
            "iterations",
            "converged",
            "min",
            "median",
            "max",
            "kish_deff",
            "effective_n",
        ]
    },
    "codebooks": {"main": ["variable", "raw", "label", "type", "valid", "missing"]},
    "reproduction": {"main": REPRODUCTION_COLUMNS, "evidence": EVIDENCE_COLUMNS},
}

#: A non-significant difference counts as "no difference" only when the minimum detectable
#: difference is at most this (a share, 0-1); otherwise there were too few respondents to tell.
SUBSTANTIVE_DIFFERENCE = 0.10


# --------------------------------------------------------------------------- helpers


def minimum_detectable_difference(
    se: float, df: float, alpha: float = 0.05, power: float = 0.80
) -> float:
    """Smallest true difference a two-sided test would detect with the given power.

    Parameters
    ----------
    se
        Standard error of the estimated difference.
    df
        Degrees of freedom of the test.
    alpha
        Significance level.
    power
        Power.

    Returns
    -------
    float
        :math:`(t_{1-\\alpha/2, df} + t_{power, df})\\, se`.

    References
    ----------
    Cohen, J. (1988). *Statistical Power Analysis for the Behavioral Sciences*, 2nd ed.

    Examples
    --------
    >>> round(minimum_detectable_difference(0.05, 1e9), 4)
    0.1401
    """
    from scipy import stats

    return float((stats.t.ppf(1 - alpha / 2, df) + stats.t.ppf(power, df)) * se)


def _verdict(p_holm: float, mdd: float) -> str:
    if p_holm < 0.05:
        return "difference"
    if mdd <= SUBSTANTIVE_DIFFERENCE:
        return "no_difference"
    return "underpowered"


# --------------------------------------------------------------------------- the kinds


def shares(a: s.Shares, ctx: Context) -> dict[str, pd.DataFrame]:
    """The share of every (or every listed) level of each item; by group or in a base."""
    design, what, wave = ctx.design(a), f"analysis '{a.id}'", ctx.wave(a)
    rows = []
    for item in expand_items(ctx, a, a.items):
        tables = []
        if a.overall is not None and a.by is not None:
            overall = share_rows(ctx, design, item.variable, item.level, what)
            uses = estimate_uses(overall, wave, item.variable)
            tables.append((overall.assign(group=a.overall), uses))
        by_group = share_rows(
            ctx, design, item.variable, item.level, what, by=a.by, where=item.where, base=item.base
        )
        by = None if item.where else a.by
        uses = estimate_uses(by_group, wave, item.variable, by=by, where=item.where)
        tables.append((by_group, uses))
        for table, cells in tables:
            for (_, row), use in zip(table.iterrows(), cells, strict=True):
                if a.levels and row["level"] not in a.levels:
                    continue
                rows.append(
                    {
                        "item": item.variable,
                        "item_label": item.label,
                        "group": row["group"],
                        "level": row["level"],
                        **row_values(row, ESTIMATE),
                        "cells": use,
                    }
                )
    return {a.id: table_frame(rows, COLUMNS["shares"]["main"])}


def means_kind(a: s.Means | s.Totals, ctx: Context) -> dict[str, pd.DataFrame]:
    """The mean (kind ``means``) or population total (kind ``totals``) of each numeric item."""
    design = ctx.design(a)
    estimator = totals if isinstance(a, s.Totals) else means
    rows = []
    for item in expand_items(ctx, a, a.items):
        table = quietly(estimator, design, item.variable, by=a.by, level=ctx.level)
        if "level" in table.columns and table["level"].notna().any():
            raise InputError(
                f"analysis '{a.id}': '{item.variable}' is categorical (labelled), so it has no "
                f"{kind_name(a)[:-1]}",
                "show its levels with kind: shares, or give the codebook variable a `range` "
                "if its codes are numbers",
            )
        flags = _dominated(ctx, design, item.variable, a.by, table)
        uses = estimate_uses(
            table, ctx.wave(a), item.variable, by=a.by, measure=SUM, dominated=flags
        )
        for (_, row), use in zip(table.iterrows(), uses, strict=True):
            rows.append(
                {
                    "item": item.variable,
                    "item_label": item.label,
                    "group": row["group"],
                    **row_values(row, ESTIMATE),
                    "cells": use,
                }
            )
    return {a.id: table_frame(rows, COLUMNS[kind_name(a)]["main"])}


def quantiles_kind(a: s.Quantiles, ctx: Context) -> dict[str, pd.DataFrame]:
    """Quantiles of each numeric item with Woodruff intervals (R ``svyquantile``)."""
    design = ctx.design(a)
    rows = []
    for item in expand_items(ctx, a, a.items):
        table = quantiles(
            design, item.variable, a.probs, by=a.by, level=ctx.level, qrule=a.qrule,
            interval_type=a.interval,
        )  # fmt: skip
        uses = estimate_uses(table, ctx.wave(a), item.variable, by=a.by)
        for (_, row), use in zip(table.iterrows(), uses, strict=True):
            rows.append(
                {
                    "item": item.variable,
                    "item_label": item.label,
                    "group": row["group"],
                    "quantile": row["quantile"],
                    **row_values(row, ESTIMATE),
                    "cells": use,
                }
            )
    return {a.id: table_frame(rows, COLUMNS["quantiles"]["main"])}


def compare(a: s.Compare, ctx: Context) -> dict[str, pd.DataFrame]:
    """Shares of one level per item in two groups, with tests (Holm across the items)."""
    design, what = ctx.design(a), f"analysis '{a.id}'"
    if len(a.groups) != 2:
        raise InputError(
            f"{what}: `groups` must name two groups of '{a.by}', not {len(a.groups)}",
            "list the two groups to compare",
        )
    first, second = a.groups
    items = expand_items(ctx, a, a.items)
    wave = ctx.wave(a)
    rows, overall, tests = [], [], []
    for item in items:
        base = {
            "domain": item.domain,
            "item": item.variable,
            "item_label": item.label,
            "level": item.level,
        }
        if a.overall is not None:
            whole = share_rows(ctx, design, item.variable, item.level, what).iloc[:1]
            (use,) = estimate_uses(whole, wave, item.variable)
            row = whole.iloc[0]
            overall.append({**base, "group": a.overall, **row_values(row, ESTIMATE), "cells": use})
        table = share_rows(ctx, design, item.variable, item.level, what, by=a.by)
        pair: list[Use] = []
        for group in a.groups:
            found = table.loc[table["group"] == group]
            if found.empty:
                raise InputError(
                    f"{what}: '{a.by}' has no group '{group}'",
                    f"use two of: {', '.join(map(str, pd.unique(table['group'])))}",
                )
            (use,) = estimate_uses(found.iloc[:1], wave, item.variable, by=a.by)
            pair += use
            rows.append(
                {**base, "group": group, **row_values(found.iloc[0], ESTIMATE), "cells": use}
            )
        contrast = compare_domains(
            design, item.variable, a.by, first, second, level_value=item.level, level=ctx.level
        )
        test = rao_scott(design, item.variable, a.by).iloc[0]
        tests.append(
            {
                **base,
                "estimate_a": contrast["estimate_a"],
                "estimate_b": contrast["estimate_b"],
                **{k: contrast[k] for k in ("difference", "se", "ci_low", "ci_high")},
                "p_value": float(test["p_value"]),
                "mdd": minimum_detectable_difference(contrast["se"], contrast["df"]),
                "cells": tuple(pair),
            }
        )
    test_frame = pd.DataFrame(tests)
    test_frame["p_holm"] = adjust_pvalues(test_frame["p_value"].to_numpy(), "holm")
    test_frame["verdict"] = [
        _verdict(p, m) for p, m in zip(test_frame["p_holm"], test_frame["mdd"], strict=True)
    ]
    return {
        a.id: table_frame(overall + rows, COLUMNS["compare"]["main"]),
        f"{a.id}_tests": test_frame[COLUMNS["compare"]["tests"]],
    }


def trend(a: s.Trend, ctx: Context) -> dict[str, pd.DataFrame]:
    """Shares of one level across waves per group; change first -> last wave; a contrast."""
    what = f"analysis '{a.id}'"
    for wave in a.waves:
        if wave not in ctx.designs:
            raise InputError(
                f"{what}: no wave '{wave}' in the study", f"use of: {', '.join(ctx.designs)}"
            )
    periods = list(a.waves.items())
    rows, changes, contrasts = [], [], []
    for measure in a.items:
        label = variable_label(ctx.books[periods[-1][0]], measure, what)
        found: dict[tuple[str, str], pd.Series] = {}
        cells: dict[tuple[str, str], tuple[Use, ...]] = {}
        head = {"measure": measure, "measure_label": label}
        for wave, period in periods:
            design = ctx.designs[wave]
            for group in a.groups:
                table = share_rows(
                    ctx, design, measure, a.level, what, where=group.where, base=group.label
                ).iloc[:1]
                row = table.iloc[0]
                found[(group.label, period)] = row
                (cells[(group.label, period)],) = estimate_uses(
                    table, wave, measure, where=group.where
                )
                rows.append(
                    {
                        **head, "group": group.label, "period": period,
                        **row_values(row, ESTIMATE), "cells": cells[(group.label, period)],
                    }
                )  # fmt: skip
            if a.contrast is not None:
                contrasts.append(
                    {**head, "period": period, **_contrast(ctx, design, wave, measure, a, what)}
                )
        (_, start), (_, end) = periods[0], periods[-1]
        for group in a.groups:
            c = compare_independent(
                found[(group.label, end)], found[(group.label, start)], level=ctx.level
            )
            changes.append(
                {
                    **head,
                    "group": group.label,
                    "period_from": start,
                    "period_to": end,
                    "estimate_from": c["estimate_b"],
                    "estimate_to": c["estimate_a"],
                    **{k: c[k] for k in _CONTRAST},
                    "cells": cells[(group.label, start)] + cells[(group.label, end)],
                }
            )
    out = {
        a.id: table_frame(rows, COLUMNS["trend"]["main"]),
        f"{a.id}_change": table_frame(changes, COLUMNS["trend"]["change"]),
    }
    if a.contrast is not None:
        out[f"{a.id}_contrast"] = table_frame(contrasts, COLUMNS["trend"]["contrast"])
    return out


def _contrast(
    ctx: Context, design: SurveyDesign, wave: str, measure: str, a: s.Trend, what: str
) -> dict[str, Any]:
    """The contrast of one wave: the two groups' shares, their difference and test, cells."""
    assert a.contrast is not None
    by, first, second = a.contrast.by, a.contrast.a, a.contrast.b
    c = compare_domains(design, measure, by, first, second, level_value=a.level, level=ctx.level)
    table = share_rows(ctx, design, measure, a.level, what, by=by)
    pair = table.loc[table["group"].isin([first, second])]
    uses = tuple(use for (use,) in estimate_uses(pair, wave, measure, by=by))
    return {
        "estimate_a": c["estimate_a"],
        "estimate_b": c["estimate_b"],
        **{k: c[k] for k in _CONTRAST},
        "cells": uses,
    }


def _dominated(
    ctx: Context, design: SurveyDesign, variable: str, by: str | None, table: pd.DataFrame
) -> list[bool]:
    """Per row of a means/totals table: whether the dominance rule flags its cell."""
    rule = ctx.dominance
    if rule is None:
        return [False] * len(table)
    values = pd.to_numeric(design.data[variable], errors="coerce")
    if by is None:
        return [rule.dominated(values.dropna())] * len(table)
    groups = design.column(by).astype(object).astype(str)
    return [rule.dominated(values[groups == str(g)].dropna()) for g in table["group"]]


def _scale(design: SurveyDesign, book: Codebook, scale: s.Scale, what: str) -> pd.Series:
    data = design.data
    items = scale.mean_of if scale.mean_of is not None else scale.count_of
    if items is None:
        raise InputError(f"{what}: a scale needs `mean_of` or `count_of`", "add one of them")
    columns = [c for c, _ in item_set(book, items, what)]
    if len(columns) != scale.items:
        raise InputError(
            f"{what}: the scale is declared with {scale.items} items, but the codebook of "
            f"{book.wave} provides {len(columns)} ({', '.join(columns)})",
            "restore the missing items in the codebook, or change the scale's `items` and its "
            "label to the items there are",
        )
    if scale.mean_of is not None:
        return data[columns].mean(axis=1, skipna=False)
    answered = data[columns].notna().all(axis=1)
    return (data[columns] == items.level).sum(axis=1).where(answered)


def model(a: s.Model, ctx: Context) -> dict[str, pd.DataFrame]:
    """Design-based logistic regression of ``outcome == event`` (R ``svyglm``, quasibinomial)."""
    design, book, what = ctx.design(a), ctx.book(a), f"analysis '{a.id}'"
    scales = {
        name: _scale(design, book, sc, f"{what}, scale '{name}'") for name, sc in a.scales.items()
    }
    data = design.data.assign(**scales)
    table = logistic_regression(
        design.update(data=data),
        a.outcome,
        numeric=a.numeric,
        categorical=a.categorical,
        event=a.event,
        level=ctx.level,
    )
    labels = {"(Intercept)": "(Intercept)", **{n: sc.label for n, sc in a.scales.items()}}
    for name in a.numeric:
        if name not in labels:
            labels[name] = variable_label(book, name, what)

    def term_label(term: str) -> str:
        if term in labels:
            return labels[term]
        for name in a.categorical:
            if term.startswith(name):
                return f"{variable_label(book, name, what)}: {term[len(name) :]}"
        return term

    table["term_label"] = [term_label(t) for t in table["term"]]
    return {a.id: table[COLUMNS["model"]["main"]].reset_index(drop=True)}


def reliability(a: s.Reliability, ctx: Context) -> dict[str, pd.DataFrame]:
    """Cronbach's alpha of each battery; weighted too when ``weights_from`` names a reweighting."""
    design, book, what = ctx.design(a), ctx.book(a), f"analysis '{a.id}'"
    names = a.batteries or list(book.batteries)
    weights = ctx.weights.get(a.weights_from) if a.weights_from else None
    rows = []
    for name in names:
        pairs = item_set(book, s.ItemSet(battery=name, column=a.column), what)
        items = [c for c, _ in pairs]
        plain = cronbach_alpha(design.data, items).iloc[0]
        weighted = np.nan
        if weights is not None:
            frame = design.data.assign(__w__=weights)
            weighted = float(
                cronbach_alpha(frame, items, weighted=True, weight="__w__").iloc[0]["alpha"]
            )
        rows.append(
            {
                "battery": name,
                "label": book.batteries[name].label,
                "k": len(items),
                "n": int(plain["n"]),
                "alpha": float(plain["alpha"]),
                "alpha_weighted": weighted,
            }
        )
    return {a.id: table_frame(rows, COLUMNS["reliability"]["main"])}


def reweight(a: s.Reweight, ctx: Context) -> dict[str, pd.DataFrame]:
    """Rake a wave to a linked wave's population margins and show the checks both ways.

    The respondents get the ``link.columns`` of the linked wave through ``link.key``; the
    population table of ``population.wave`` (filtered by ``where``; ``recode`` derives a column
    from another through the pairs seen in the linked wave's data) gives the margins.
    """
    from survey.weighting import margins_from_population, rake

    design, what = ctx.design(a), f"analysis '{a.id}'"
    if a.population.wave not in ctx.data.populations:
        raise InputError(
            f"{what}: wave '{a.population.wave}' has no population table",
            f"set `population:` of wave {a.population.wave} in study.yaml",
        )
    linked = ctx.designs[a.link.wave].data
    population = ctx.data.populations[a.population.wave]
    needed = {*a.population.where, *a.population.recode.values(), a.population.count}
    needed |= {c for c in a.link.columns if c not in a.population.recode}
    absent = sorted(needed - set(population.columns))
    if absent:
        raise InputError(
            f"{what}: the population table of wave {a.population.wave} has no column(s) "
            f"{', '.join(absent)} (it has {', '.join(map(str, population.columns))})",
            "correct the population table, or the analysis's `population:` and `link:`",
        )
    for variable, label in a.population.where.items():
        population = population.loc[population[variable].astype(str) == label]
    population = population.copy()
    for target, source in a.population.recode.items():
        pairs = linked.drop_duplicates(source)[[source, target]].astype(str)
        population[target] = (
            population[source].astype(str).map(dict(zip(pairs[source], pairs[target], strict=True)))
        )
    prefix = "linked_"
    link = linked[[a.link.key, *a.link.columns]].rename(
        columns={c: prefix + c for c in a.link.columns}
    )
    data = design.data.merge(link, on=a.link.key, how="left")
    margins = margins_from_population(
        population.rename(columns={c: prefix + c for c in a.link.columns}),
        [[prefix + v for v in cross] for cross in a.margins],
        count=a.population.count,
    )
    frame = data.astype({prefix + c: str for c in a.link.columns})
    weights = rake(frame, margins).weights.to_numpy()
    ctx.weights[a.id] = weights
    weighted = SurveyDesign(data.assign(__reweight__=weights), weight="__reweight__")
    rows = []
    for check in a.checks:
        plain = share_rows(ctx, design, check.variable, check.level, what, by=check.by)
        heavy = share_rows(ctx, weighted, check.variable, check.level, what, by=check.by)
        uses = estimate_uses(plain, ctx.wave(a), check.variable, by=check.by)
        for (_, x), (_, y), use in zip(plain.iterrows(), heavy.iterrows(), uses, strict=True):
            rows.append(
                {
                    "item": check.variable,
                    "item_label": check.label,
                    "group": x["group"] if x["group"] is not None else a.overall,
                    "unweighted": x["estimate"],
                    "unweighted_low": x["ci_low"],
                    "unweighted_high": x["ci_high"],
                    "weighted": y["estimate"],
                    "weighted_low": y["ci_low"],
                    "weighted_high": y["ci_high"],
                    "n": x["n"],
                    "cells": use,
                }
            )
    return {a.id: table_frame(rows, COLUMNS["reweight"]["main"])}


def reproduction(a: s.Reproduction, ctx: Context) -> dict[str, pd.DataFrame]:
    """Every published figure beside its reproduced value, and the evidence behind claims.

    See :mod:`survey.study.reproduce`; the evidence table names variables by their codebook
    labels.
    """

    def resolve(path: str) -> Path:
        candidate = Path(path)
        return candidate if candidate.is_absolute() else ctx.root / candidate

    labels = {wave: _column_labels(book) for wave, book in ctx.books.items()}
    tables = reproduction_tables(ctx.designs, resolve(a.published), resolve(a.figure_map), labels)
    return {a.id: tables["main"], f"{a.id}_evidence": tables["evidence"]}


def _column_labels(book: Any) -> dict[str, str]:
    """Processed column -> label: variables, derived variables, batteries' item indicators."""
    labels = {name: v.label for name, v in book.variables.items()}
    labels |= {name: d.label for name, d in book.derived.items()}
    for battery in book.batteries.values():
        for item in battery.items:
            if item in labels:
                labels |= {f"{item}_agree": labels[item], f"{item}_score": labels[item]}
    return labels


def weighting(a: s.Weighting, ctx: Context) -> dict[str, pd.DataFrame]:
    """One row per weighted wave: method, iterations, weights' spread, Kish deff, effective n."""
    rows = []
    for wave, diagnostics in ctx.data.diagnostics.items():
        summary = diagnostics["summary"]
        rows.append(
            {
                "wave": wave,
                "method": diagnostics["method"],
                "iterations": diagnostics["iterations"],
                "converged": diagnostics["converged"],
                **{k: summary[k] for k in ("min", "median", "max", "kish_deff", "effective_n")},
            }
        )
    return {a.id: table_frame(rows, COLUMNS["weighting"]["main"])}


def codebooks(a: s.Codebooks, ctx: Context) -> dict[str, pd.DataFrame]:
    """One table per wave (``<id>_<wave>``): every codebook variable, valid and missing counts."""
    out = {}
    for wave, book in ctx.books.items():
        frame = ctx.designs[wave].data
        rows = []
        for name, var in book.variables.items():
            column = frame[name] if name in frame.columns else pd.Series(dtype=float)
            rows.append(
                {
                    "variable": name,
                    "raw": var.raw,
                    "label": var.label,
                    "type": var.type,
                    "valid": int(column.notna().sum()),
                    "missing": int(column.isna().sum()),
                }
            )
        out[f"{a.id}_{wave}"] = table_frame(rows, COLUMNS["codebooks"]["main"])
    return out


#: Declaration type -> the function that computes it.
KINDS: dict[type, Callable[[Any, Context], dict[str, pd.DataFrame]]] = {
    s.Shares: shares,
    s.Means: means_kind,
    s.Totals: means_kind,
    s.Quantiles: quantiles_kind,
    s.Compare: compare,
    s.Trend: trend,
    s.Model: model,
    s.Reliability: reliability,
    s.Reweight: reweight,
    s.Reproduction: reproduction,
    s.Weighting: weighting,
    s.Codebooks: codebooks,
}


def kind_name(analysis: Any) -> str:
    """The declared ``kind`` of an analysis (its tag in the analyses file)."""
    return str(type(analysis).__struct_config__.tag)


def run_analysis(analysis: Any, ctx: Context) -> dict[str, pd.DataFrame]:
    """Compute one declared analysis.

    Parameters
    ----------
    analysis
        A declaration from :func:`survey.study.spec.load_analyses`.
    ctx
        The designs and settings.

    Returns
    -------
    dict
        Table id -> tidy frame.
    """
    return KINDS[type(analysis)](analysis, ctx)
