"""The WEA/BESO analyses of the report: one function per report section, tidy tables out.

:func:`run_study` loads the processed waves of the configured study, builds their designs (WEA:
stratified by sector x size class, raked to the population margins, with calibration-aware
standard errors; BESO: unweighted, as published) and runs every section. Each section function
takes the designs and returns tidy data frames whose columns are documented in
:data:`TABLE_COLUMNS`; proportions are 0-1. Comparisons between the groups with and without
experience carry a test (Rao-Scott), a Holm adjustment across the section's family of tests and
the minimum detectable difference at 80% power, so that "no difference" can be told apart from
"too few respondents to tell".

Figures and the report are made elsewhere (``figures.py``, ``report/``); this module writes
nothing.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from survey.analysis.design import SurveyDesign
from survey.analysis.estimate import (
    compare_domains,
    compare_independent,
    means,
    proportions,
    quietly,
)
from survey.analysis.inference import adjust_pvalues, rao_scott
from survey.analysis.models import cronbach_alpha, logistic_regression
from survey.codebook import Codebook, load_codebook
from survey.config import StudyConfig
from survey.errors import InputError
from survey.io import read_parquet
from survey.weighting import WeightingResult, margins_from_population, rake, read_margins, weigh

__all__ = [
    "GROUPS",
    "TABLE_COLUMNS",
    "StudyResults",
    "beso_alpha",
    "beso_culture",
    "beso_differences",
    "beso_model",
    "beso_obstacles",
    "beso_organisations",
    "beso_sensitivity",
    "group_comparison",
    "load_designs",
    "minimum_detectable_difference",
    "run_study",
    "shares",
    "wea_brabant",
    "wea_trend",
]

#: The two BESO groups, in report order.
GROUPS = ("Met ervaring", "Zonder ervaring")
EXPERIENCE = "experience_group"
ESTIMATE = ["estimate", "se", "ci_low", "ci_high", "n", "n_level", "df", "flag"]
TEST = ["difference", "se", "ci_low", "ci_high", "p_value", "p_holm", "mdd", "verdict"]

#: Columns of every table :func:`run_study` returns (proportions are 0-1).
TABLE_COLUMNS: dict[str, list[str]] = {
    "wea_trend": ["measure", "measure_label", "region", "year", *ESTIMATE],
    "wea_trend_change": [
        "measure",
        "measure_label",
        "region",
        "estimate_2008",
        "estimate_2010",
        "difference",
        "se",
        "ci_low",
        "ci_high",
        "p_value",
    ],
    "wea_region_difference": [
        "measure",
        "measure_label",
        "year",
        "estimate_brabant",
        "estimate_rest",
        "difference",
        "se",
        "ci_low",
        "ci_high",
        "p_value",
    ],
    "wea_brabant": ["measure", "measure_label", "base_label", *ESTIMATE],
    "beso_experience": ["level", *ESTIMATE],
    "beso_motives": ["level", *ESTIMATE],
    "beso_obstacles": ["item", "item_label", "group", *ESTIMATE],
    "beso_obstacles_tests": ["item", "item_label", "estimate_with", "estimate_without", *TEST],
    "beso_organisations": ["item", "item_label", "group", *ESTIMATE],
    "beso_organisations_tests": ["item", "item_label", "estimate_with", "estimate_without", *TEST],
    "beso_sectors": ["item", "item_label", "group", *ESTIMATE],
    "beso_low_educated": ["group", "estimate", "se", "ci_low", "ci_high", "n", "df"],
    "beso_culture": ["item", "item_label", "group", *ESTIMATE],
    "beso_culture_tests": ["item", "item_label", "estimate_with", "estimate_without", *TEST],
    "beso_differences": ["domain", "item", "item_label", "group", *ESTIMATE],
    "beso_differences_tests": [
        "domain",
        "item",
        "item_label",
        "estimate_with",
        "estimate_without",
        *TEST,
    ],
    "beso_alpha": ["battery", "label", "k", "n", "alpha", "alpha_weighted"],
    "beso_model": [
        "term",
        "term_label",
        "estimate",
        "se",
        "p_value",
        "odds_ratio",
        "or_ci_low",
        "or_ci_high",
        "n",
    ],
    "beso_sensitivity": ["item", "item_label", "group", "unweighted", "weighted"],
    "weighting": [
        "wave",
        "method",
        "iterations",
        "converged",
        "min",
        "median",
        "max",
        "kish_deff",
        "effective_n",
    ],
}

#: A non-significant difference counts as "no difference" only when the minimum detectable
#: difference is at most this (a share, 0-1); otherwise there were too few respondents to tell.
SUBSTANTIVE_DIFFERENCE = 0.10


@dataclass(frozen=True)
class StudyResults:
    """Everything the report shows.

    Attributes
    ----------
    tables
        Table name -> tidy frame (see :data:`TABLE_COLUMNS`).
    weights
        Weighted wave -> final weights (for the weight-distribution figure).
    diagnostics
        Weighted wave -> weighting diagnostics (``WeightingDiagnostics.to_dict()``).
    provenance
        Wave -> provenance record of the processed data.
    codebooks
        Wave -> codebook summary (variable, raw name, label, valid and missing counts).
    synthetic
        Whether any input file is synthetic.
    settings
        Confidence level, CI method, minimum cell count, language and the study config.
    """

    tables: dict[str, pd.DataFrame]
    weights: dict[str, np.ndarray] = field(default_factory=dict)
    diagnostics: dict[str, dict[str, Any]] = field(default_factory=dict)
    provenance: dict[str, dict[str, Any]] = field(default_factory=dict)
    codebooks: dict[str, pd.DataFrame] = field(default_factory=dict)
    synthetic: bool = False
    settings: dict[str, Any] = field(default_factory=dict)


# --------------------------------------------------------------------------- designs


def _stratum(frame: pd.DataFrame, columns: Sequence[str]) -> pd.Series:
    return frame[list(columns)].astype(str).agg(" | ".join, axis=1)


def load_designs(study: StudyConfig) -> tuple[dict[str, SurveyDesign], dict[str, WeightingResult]]:
    """Build the design of every processed wave.

    WEA waves: strata = the wave's ``strata`` setting (sector x size class by default), weights
    raked to the wave's margins, remembered so that standard errors account for the raking. BESO:
    every respondent weight 1 (the published figures are unweighted shares).

    Parameters
    ----------
    study
        The study config (processed data must exist: run ingest first).

    Returns
    -------
    tuple of dict
        Wave -> design, and weighted wave -> its weighting result.
    """
    designs: dict[str, SurveyDesign] = {}
    results: dict[str, WeightingResult] = {}
    for name, wave in study.waves.items():
        path = study.processed_dir / f"{name}.parquet"
        if not path.exists():
            raise InputError(f"{study.relative(path)}: not found", "run `make ingest` first")
        frame, meta = read_parquet(path)
        if wave.weighting is None:
            designs[name] = SurveyDesign(frame, source=study.relative(path), meta=meta)
            continue
        frame = frame.assign(stratum=_stratum(frame, wave.strata)) if wave.strata else frame
        design = SurveyDesign(
            frame, strata="stratum" if wave.strata else None, source=study.relative(path), meta=meta
        )
        spec = wave.weighting
        result = weigh(
            frame,
            read_margins(spec.margins),
            method=spec.method,
            base_weight=spec.base_weight,
            trim=spec.trim,
            meta=meta,
            tolerance=spec.tolerance,
            max_iter=spec.max_iter,
            id_column=load_codebook(wave.codebook).id,
            hierarchy=spec.collapse,
        )
        designs[name] = design.calibrate(result)
        results[name] = result
    return designs, results


# --------------------------------------------------------------------------- helpers


def _pick(table: pd.DataFrame, level: str) -> pd.DataFrame:
    return table.loc[table["level"] == level]


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
    return float((stats.t.ppf(1 - alpha / 2, df) + stats.t.ppf(power, df)) * se)


def _verdict(p_holm: float, mdd: float) -> str:
    if p_holm < 0.05:
        return "difference"
    if mdd <= SUBSTANTIVE_DIFFERENCE:
        return "no_difference"
    return "underpowered"


def group_comparison(
    design: SurveyDesign, items: Mapping[str, tuple[str, str]], by: str = EXPERIENCE
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Shares of one level of several items in the two experience groups, with tests.

    Parameters
    ----------
    design
        The BESO design.
    items
        Variable -> (level whose share is shown, label of the item).
    by
        The group variable.

    Returns
    -------
    tuple of pandas.DataFrame
        The estimates (one row per item and group) and the tests: difference with CI (same-design
        covariance), Rao-Scott p-value, Holm-adjusted across the items, minimum detectable
        difference at 80% power, and a verdict (``difference``, ``no_difference`` or
        ``underpowered``).
    """
    rows, tests = [], []
    for item, (level, label) in items.items():
        table = _pick(quietly(proportions, design, item, by=by), level)
        for group in GROUPS:
            row = table.loc[table["group"] == group].iloc[0]
            rows.append(
                {"item": item, "item_label": label, "group": group, **{k: row[k] for k in ESTIMATE}}
            )
        contrast = compare_domains(design, item, by, GROUPS[0], GROUPS[1], level_value=level)
        test = rao_scott(design, item, by).iloc[0]
        tests.append(
            {
                "item": item,
                "item_label": label,
                "estimate_with": contrast["estimate_a"],
                "estimate_without": contrast["estimate_b"],
                "difference": contrast["difference"],
                "se": contrast["se"],
                "ci_low": contrast["ci_low"],
                "ci_high": contrast["ci_high"],
                "p_value": float(test["p_value"]),
                "mdd": minimum_detectable_difference(contrast["se"], contrast["df"]),
            }
        )
    test_frame = pd.DataFrame(tests)
    test_frame["p_holm"] = adjust_pvalues(test_frame["p_value"].to_numpy(), "holm")
    test_frame["verdict"] = [
        _verdict(p, m) for p, m in zip(test_frame["p_holm"], test_frame["mdd"], strict=True)
    ]
    test_frame = test_frame[["item", "item_label", "estimate_with", "estimate_without", *TEST]]
    return pd.DataFrame(rows), test_frame


def _labels(book: Codebook, names: Sequence[str], suffix: str = "") -> dict[str, str]:
    out = {}
    for name in names:
        base = name.removesuffix(suffix) if suffix else name
        if base in book.variables:
            out[name] = book.variables[base].label
        elif base in book.derived:
            out[name] = book.derived[base].label
        else:
            out[name] = name
    return out


# --------------------------------------------------------------------------- WEA


def wea_trend(designs: Mapping[str, SurveyDesign], book: Codebook) -> dict[str, pd.DataFrame]:
    """Deliberate hiring from vulnerable groups and mission, Brabant and the Netherlands, 2008-2010.

    Parameters
    ----------
    designs
        ``wea2008`` and ``wea2010`` designs (weighted).
    book
        A WEA codebook, for the measures' labels.

    Returns
    -------
    dict
        ``wea_trend`` (estimates), ``wea_trend_change`` (2010 minus 2008, independent samples) and
        ``wea_region_difference`` (Brabant minus the rest of the country, same design).
    """
    measures = ("hired_vulnerable", "mission_vulnerable")
    rows, changes, regions = [], [], []
    for measure in measures:
        label = book.variables[measure].label
        by_year: dict[tuple[str, int], pd.Series] = {}
        for wave, year in (("wea2008", 2008), ("wea2010", 2010)):
            design = designs[wave]
            brabant = _pick(quietly(proportions, design, measure, by="region"), "Ja")
            brabant = brabant.loc[brabant["group"] == "Noord-Brabant"].iloc[0]
            national = _pick(quietly(proportions, design, measure), "Ja").iloc[0]
            for region, row in (("Noord-Brabant", brabant), ("Nederland", national)):
                by_year[(region, year)] = row
                rows.append(
                    {
                        "measure": measure,
                        "measure_label": label,
                        "region": region,
                        "year": year,
                        **{k: row[k] for k in ESTIMATE},
                    }
                )
            contrast = compare_domains(
                design, measure, "region", "Noord-Brabant", "Overig Nederland", level_value="Ja"
            )
            regions.append(
                {
                    "measure": measure,
                    "measure_label": label,
                    "year": year,
                    "estimate_brabant": contrast["estimate_a"],
                    "estimate_rest": contrast["estimate_b"],
                    **{
                        k: contrast[k] for k in ("difference", "se", "ci_low", "ci_high", "p_value")
                    },
                }
            )
        for region in ("Noord-Brabant", "Nederland"):
            change = compare_independent(by_year[(region, 2010)], by_year[(region, 2008)])
            changes.append(
                {
                    "measure": measure,
                    "measure_label": label,
                    "region": region,
                    "estimate_2008": change["estimate_b"],
                    "estimate_2010": change["estimate_a"],
                    **{k: change[k] for k in ("difference", "se", "ci_low", "ci_high", "p_value")},
                }
            )
    return {
        "wea_trend": pd.DataFrame(rows),
        "wea_trend_change": pd.DataFrame(changes),
        "wea_region_difference": pd.DataFrame(regions),
    }


def wea_brabant(design: SurveyDesign, book: Codebook) -> pd.DataFrame:
    """WEA 2010 Brabant: satisfaction of those with experience; "work does not lend itself".

    Parameters
    ----------
    design
        The weighted ``wea2010`` design.
    book
        Its codebook.

    Returns
    -------
    pandas.DataFrame
        One row per measure, with its base.
    """
    data = design.data
    brabant = data["region"] == "Noord-Brabant"
    specs = [
        (
            "satisfied",
            "(Zeer) tevreden",
            brabant & (data["experience"] == "Met ervaring"),
            "Brabant, met ervaring",
        ),
        (
            "reason_work_not_suitable",
            "Genoemd",
            brabant & (data["experience"] == "Zonder ervaring"),
            "Brabant, zonder ervaring",
        ),
    ]
    rows = []
    for measure, level, mask, base in specs:
        domain_design = design.with_domain(mask.fillna(False), "base", base)
        table = _pick(quietly(proportions, domain_design, measure, by="base"), level)
        row = table.loc[table["group"] == base].iloc[0]
        label = (
            book.variables[measure].label
            if measure in book.variables
            else book.derived[measure].label
        )
        rows.append(
            {
                "measure": measure,
                "measure_label": label,
                "base_label": base,
                **{k: row[k] for k in ESTIMATE},
            }
        )
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- BESO


def shares(design: SurveyDesign, variable: str) -> pd.DataFrame:
    """Every level's share of one variable (the experience split, the motives).

    Parameters
    ----------
    design
        The BESO design.
    variable
        A categorical variable; its base is the respondents with a valid answer (e.g. for the
        motives: those with experience, who were asked).

    Returns
    -------
    pandas.DataFrame
        One row per level.
    """
    table = quietly(proportions, design, variable)
    return table[["level", *ESTIMATE]].reset_index(drop=True)


def beso_obstacles(design: SurveyDesign, book: Codebook) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every obstacle and "no obstacles", by experience group, with Holm-adjusted tests.

    Parameters
    ----------
    design
        The BESO design.
    book
        Its codebook (the obstacles' multiple-response set and labels).

    Returns
    -------
    tuple of pandas.DataFrame
        Estimates and tests (see :func:`group_comparison`).
    """
    mr = book.mr_sets["obstacles"]
    names = [mr.none_item, *mr.items] if mr.none_item else list(mr.items)
    labels = _labels(book, names)
    return group_comparison(design, {n: ("Genoemd", labels[n]) for n in names})


def beso_organisations(design: SurveyDesign, book: Codebook) -> dict[str, pd.DataFrame]:
    """Which organisations: size, profit/non-profit, work, low-educated staff, sector.

    Parameters
    ----------
    design
        The BESO design.
    book
        Its codebook.

    Returns
    -------
    dict
        ``beso_organisations`` and ``beso_organisations_tests`` (shares by group with tests),
        ``beso_low_educated`` (mean percentage by group) and ``beso_sectors`` (sector
        distribution by group).
    """
    items = {
        "size_over_10": ("Meer dan tien", book.derived["size_over_10"].label),
        "nonprofit": ("Non-profit", book.variables["nonprofit"].label),
        "work_complexity": ("Overwegend complex", book.variables["work_complexity"].label),
        "simple_varied_work": ("Ja", book.variables["simple_varied_work"].label),
    }
    estimates, tests = group_comparison(design, items)
    low = quietly(means, design, "low_educated_pct", by=EXPERIENCE)
    low_table = low.rename(columns={"group": "group"})[
        ["group", "estimate", "se", "ci_low", "ci_high", "n", "df"]
    ]
    sectors = quietly(proportions, design, "sector", by=EXPERIENCE)
    sector_table = sectors.assign(item=sectors["level"], item_label=sectors["level"])[
        ["item", "item_label", "group", *ESTIMATE]
    ]
    return {
        "beso_organisations": estimates,
        "beso_organisations_tests": tests,
        "beso_low_educated": low_table.reset_index(drop=True),
        "beso_sectors": sector_table.reset_index(drop=True),
    }


def beso_culture(design: SurveyDesign, book: Codebook) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The six inclusive-culture items (share agreeing), overall and by group, with tests.

    Parameters
    ----------
    design
        The BESO design.
    book
        Its codebook (the culture battery).

    Returns
    -------
    tuple of pandas.DataFrame
        Estimates (groups "Alle", "Met ervaring", "Zonder ervaring") and tests.
    """
    items = [f"{i}_agree" for i in book.batteries["culture"].items]
    labels = _labels(book, items, "_agree")
    estimates, tests = group_comparison(design, {i: ("Mee eens", labels[i]) for i in items})
    overall = []
    for item in items:
        row = _pick(quietly(proportions, design, item), "Mee eens").iloc[0]
        overall.append(
            {
                "item": item,
                "item_label": labels[item],
                "group": "Alle",
                **{k: row[k] for k in ESTIMATE},
            }
        )
    return pd.concat([pd.DataFrame(overall), estimates], ignore_index=True), tests


def beso_differences(design: SurveyDesign, book: Codebook) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Knowledge, attitude and HR policy by group (share agreeing / having the measure).

    Parameters
    ----------
    design
        The BESO design.
    book
        Its codebook.

    Returns
    -------
    tuple of pandas.DataFrame
        Estimates and tests (Holm across all items of the three domains), with a ``domain``
        column (``knowledge``, ``attitude``, ``hr_policy``).
    """
    groups = {
        "knowledge": {f"{i}_agree": "Mee eens" for i in book.batteries["knowledge"].items},
        "attitude": {f"{i}_agree": "Mee eens" for i in book.batteries["attitude"].items},
        "hr_policy": {name: "Ja" for name in book.variables if name.startswith("hr_")},
    }
    items = {}
    domain_of = {}
    for domain, members in groups.items():
        labels = _labels(book, list(members), "_agree")
        for item, level in members.items():
            items[item] = (level, labels[item])
            domain_of[item] = domain
    estimates, tests = group_comparison(design, items)
    estimates.insert(0, "domain", estimates["item"].map(domain_of))
    tests.insert(0, "domain", tests["item"].map(domain_of))
    return estimates, tests


def beso_alpha(
    design: SurveyDesign, book: Codebook, weights: np.ndarray | None = None
) -> pd.DataFrame:
    """Cronbach's alpha of each Likert battery (reversed items scored the other way round).

    Parameters
    ----------
    design
        The BESO design.
    book
        Its codebook.
    weights
        Optional weights for the weighted alpha (e.g. the sensitivity weights).

    Returns
    -------
    pandas.DataFrame
        One row per battery.
    """
    rows = []
    for name, battery in book.batteries.items():
        items = [f"{i}_score" for i in battery.items]
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
                "label": battery.label,
                "k": len(items),
                "n": int(plain["n"]),
                "alpha": float(plain["alpha"]),
                "alpha_weighted": weighted,
            }
        )
    return pd.DataFrame(rows)


def _scale_means(data: pd.DataFrame, book: Codebook) -> pd.DataFrame:
    out = data.copy()
    for battery in ("knowledge", "attitude"):
        columns = [f"{i}_score" for i in book.batteries[battery].items]
        out[f"{battery}_scale"] = data[columns].mean(axis=1, skipna=False)
    hr = [name for name in book.variables if name.startswith("hr_")]
    answered = data[hr].notna().all(axis=1)
    out["hr_measures"] = (data[hr] == "Ja").sum(axis=1).where(answered)
    return out


def beso_model(design: SurveyDesign, book: Codebook) -> pd.DataFrame:
    """Logistic regression of experience on knowledge, attitude, HR policy, size and sector.

    Parameters
    ----------
    design
        The BESO design.
    book
        Its codebook.

    Returns
    -------
    pandas.DataFrame
        Coefficients with design-based SEs, p-values and odds ratios with CIs (R ``svyglm``).
    """
    data = _scale_means(design.data, book)
    model = logistic_regression(
        design.update(data=data),
        EXPERIENCE,
        numeric=["knowledge_scale", "attitude_scale", "hr_measures"],
        categorical=["size_over_10", "sector_group"],
        event=GROUPS[0],
    )
    names = {
        "(Intercept)": "(Intercept)",
        "knowledge_scale": "Kennis (schaal 1-5)",
        "attitude_scale": "Attitude (schaal 1-5, hoog = positief)",
        "hr_measures": "Aantal HR-maatregelen (0-3)",
    }
    model["term_label"] = [names.get(t, _term_label(t, book)) for t in model["term"]]
    return model[
        [
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
    ]


def _term_label(term: str, book: Codebook) -> str:
    for name in ("size_over_10", "sector_group"):
        if term.startswith(name):
            return f"{book.derived[name].label}: {term[len(name) :]}"
    return term


def beso_sensitivity(
    design: SurveyDesign, wea2010: SurveyDesign, population: pd.DataFrame | None
) -> tuple[pd.DataFrame, np.ndarray | None]:
    """BESO weighted to the WEA Brabant population (sector group x size class), as a sensitivity check.

    The publication reports unweighted BESO shares and says they are not representative. Here the
    BESO respondents get the WEA 2010 size class through the establishment link and are raked to
    the Brabant population by sector group and size class; the key shares are shown both ways.

    Parameters
    ----------
    design
        The BESO design.
    wea2010
        The WEA 2010 design (for the size class of each BESO respondent).
    population
        The WEA 2010 population table (labels), or None to skip.

    Returns
    -------
    tuple
        The comparison table and the weights (None when skipped).
    """
    if population is None:
        return pd.DataFrame(columns=TABLE_COLUMNS["beso_sensitivity"]), None
    brabant = population.loc[population["province"] == "Noord-Brabant"].copy()
    link = wea2010.data[["establishment_id", "size_class", "sector_group"]].rename(
        columns={"size_class": "wea_size_class", "sector_group": "wea_sector_group"}
    )
    data = design.data.merge(link, on="establishment_id", how="left")
    groups = wea2010.data.drop_duplicates("sector")[["sector", "sector_group"]].astype(str)
    brabant["sector_group"] = brabant["sector"].map(
        dict(zip(groups["sector"], groups["sector_group"], strict=True))
    )
    margins = margins_from_population(
        brabant.rename(
            columns={"size_class": "wea_size_class", "sector_group": "wea_sector_group"}
        ),
        [["wea_sector_group"], ["wea_size_class"]],
        count="establishments",
    )
    weights = rake(
        data.astype({"wea_size_class": str, "wea_sector_group": str}), margins
    ).weights.to_numpy()
    weighted = SurveyDesign(data.assign(sensitivity_weight=weights), weight="sensitivity_weight")
    rows = []
    checks = {
        EXPERIENCE: ("Met ervaring", "Ervaring"),
        "obstacle_none": ("Genoemd", "Geen belemmeringen"),
        "obstacle_work_not_suitable": ("Genoemd", "Werk leent zich niet"),
    }
    for item, (level, label) in checks.items():
        by = None if item == EXPERIENCE else EXPERIENCE
        plain = _pick(quietly(proportions, design, item, by=by), level)
        heavy = _pick(quietly(proportions, weighted, item, by=by), level)
        for (_, a), (_, b) in zip(plain.iterrows(), heavy.iterrows(), strict=True):
            rows.append(
                {
                    "item": item,
                    "item_label": label,
                    "group": a["group"] or "Alle",
                    "unweighted": a["estimate"],
                    "weighted": b["estimate"],
                }
            )
    return pd.DataFrame(rows), weights


def _margins_population(study: StudyConfig, wave: str) -> pd.DataFrame | None:
    config = study.waves.get(wave)
    if config is None or config.population is None or not config.population.exists():
        return None
    return pd.read_csv(config.population, comment="#")


def _codebook_summary(book: Codebook, frame: pd.DataFrame) -> pd.DataFrame:
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
    return pd.DataFrame(rows)


def _weighting_table(results: Mapping[str, WeightingResult]) -> pd.DataFrame:
    rows = []
    for wave, result in results.items():
        summary = result.diagnostics.summary
        rows.append(
            {
                "wave": wave,
                "method": result.diagnostics.method,
                "iterations": result.diagnostics.iterations,
                "converged": result.diagnostics.converged,
                **{k: summary[k] for k in ("min", "median", "max", "kish_deff")},
                "effective_n": summary["effective_n"],
            }
        )
    return pd.DataFrame(rows, columns=TABLE_COLUMNS["weighting"])


def run_study(study: StudyConfig, level: float = 0.95) -> StudyResults:
    """Run every analysis of the report on the processed data of the configured study.

    Parameters
    ----------
    study
        The study config; ``survey ingest`` must have run.
    level
        Confidence level.

    Returns
    -------
    StudyResults
        The tables (see :data:`TABLE_COLUMNS`), weights, diagnostics and provenance.
    """
    from survey.analysis.reproduce import reproduction_table

    designs, weighting = load_designs(study)
    wea_book = load_codebook(study.waves["wea2010"].codebook)
    beso_book = load_codebook(study.waves["beso2011"].codebook)
    beso = designs["beso2011"]
    tables: dict[str, pd.DataFrame] = {}
    tables.update(wea_trend(designs, wea_book))
    tables["wea_brabant"] = wea_brabant(designs["wea2010"], wea_book)
    tables["beso_experience"] = shares(beso, EXPERIENCE)
    tables["beso_motives"] = shares(beso, "motive")
    tables["beso_obstacles"], tables["beso_obstacles_tests"] = beso_obstacles(beso, beso_book)
    tables.update(beso_organisations(beso, beso_book))
    tables["beso_culture"], tables["beso_culture_tests"] = beso_culture(beso, beso_book)
    tables["beso_differences"], tables["beso_differences_tests"] = beso_differences(beso, beso_book)
    sensitivity, sensitivity_weights = beso_sensitivity(
        beso, designs["wea2010"], _margins_population(study, "wea2010")
    )
    tables["beso_sensitivity"] = sensitivity
    tables["beso_alpha"] = beso_alpha(beso, beso_book, sensitivity_weights)
    tables["beso_model"] = beso_model(beso, beso_book)
    tables["weighting"] = _weighting_table(weighting)
    tables["reproduction"] = reproduction_table(designs, study.published_figures, study.figure_map)
    provenance = {}
    for name in study.waves:
        path = study.processed_dir / f"{name}.provenance.json"
        if path.exists():
            provenance[name] = json.loads(path.read_text(encoding="utf-8"))
    codebooks = {
        name: _codebook_summary(load_codebook(study.waves[name].codebook), designs[name].data)
        for name in study.waves
    }
    return StudyResults(
        tables=tables,
        weights={name: r.weights.to_numpy() for name, r in weighting.items()},
        diagnostics={name: r.diagnostics.to_dict() for name, r in weighting.items()},
        provenance=provenance,
        codebooks=codebooks,
        synthetic=any(p.get("synthetic") for p in provenance.values()) or study.synthetic,
        settings={
            "level": level,
            "ci_method": "logit",
            "min_cell_count": study.min_cell_count,
            "language": study.language,
            "config": study.relative(study.path),
            "substantive_difference": SUBSTANTIVE_DIFFERENCE,
        },
    )
