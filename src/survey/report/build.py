"""The glue between the study's results and the report: figures and report content.

:func:`build_figures` draws every chart of the report (``survey.figures``) and saves it as SVG and
PNG; :func:`build_content` turns :class:`~survey.analysis.study.StudyResults` and those figures into
the :class:`~survey.report.content.ReportContent` the renderer takes, with the report's texts in
the chosen language. The sections follow the publication. Nothing here computes statistics.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import yaml
from matplotlib.figure import Figure

from survey import figures as charts
from survey.analysis.study import GROUPS, StudyResults
from survey.report.content import (
    ColumnSpec,
    ReportContent,
    ReportFigure,
    ReportSection,
    ReportTable,
)
from survey.report.render import format_cell
from survey.report.texts import load_text

__all__ = ["build_content", "build_figures"]

LAYOUT = Path(__file__).with_name("layout.yaml")


def _layout() -> dict[str, Any]:
    return yaml.safe_load(LAYOUT.read_text(encoding="utf-8"))


def build_figures(
    results: StudyResults, folder: str | Path, lang: str = "nl"
) -> dict[str, ReportFigure]:
    """Draw and save every chart of the report (the ``figures`` of ``report/layout.yaml``).

    Parameters
    ----------
    results
        The study's results.
    folder
        Where ``<name>.svg`` and ``<name>.png`` go (``reports/figures``).
    lang
        ``"nl"`` or ``"en"``.

    Returns
    -------
    dict
        Chart name -> :class:`ReportFigure` (inline SVG, caption, alt text).
    """
    text = load_text(lang)
    made = {}
    for name, spec in _layout()["figures"].items():
        data = results.weights if spec["table"] == "weights" else results.tables[spec["table"]]
        extra = [results.tables[spec["tests"]]] if "tests" in spec else []
        size = (charts.FIGURE_WIDTH_CM / 2.54, float(spec["height_cm"]) / 2.54)
        fig = Figure(figsize=size, layout="constrained")
        draw = getattr(charts, spec["chart"])
        draw(data, *extra, ax=fig.add_subplot(), lang=lang, synthetic=results.synthetic)
        alt = charts.alt_text(spec["chart"], data, lang)
        files = charts.save_figure(fig, Path(folder) / name, alt=alt)
        made[name] = ReportFigure(id=name, caption=text["figures"][name], svg=files.svg, alt=alt)
    return made


def _columns(
    text: Mapping[str, Any],
    spec: list[Any],
    shortcuts: Mapping[str, Any],
    available: Sequence[str] = (),
) -> list[ColumnSpec]:
    labels = text["columns"]
    expanded: list[Any] = []
    for item in spec:
        expanded += shortcuts[item] if isinstance(item, str) else [item]
    columns = []
    for name, label, kind in expanded:
        if "{lang}" in name:
            localised = name.format(lang=text["lang"])
            name = localised if localised in available else name.replace("_{lang}", "")
        columns.append(ColumnSpec(name, labels.get(label, label), kind))
    return columns


def _suppress_tests(tests: pd.DataFrame, estimates: pd.DataFrame, min_count: int) -> pd.DataFrame:
    """Mark a test row suppressed when either group's cell has too few respondents."""
    small = estimates.loc[estimates["n_level"] < min_count, "item"]
    return tests.assign(suppressed=tests["item"].isin(set(small)))


def _section(
    spec: Mapping[str, Any],
    results: StudyResults,
    figures: Mapping[str, ReportFigure],
    text: Mapping[str, Any],
    shortcuts: Mapping[str, Any],
    min_count: int,
) -> ReportSection:
    tables = []
    for table in spec.get("tables", []):
        frame = results.tables[table.get("table", table["id"])]
        if "suppress_from" in table:
            frame = _suppress_tests(frame, results.tables[table["suppress_from"]], min_count)
        columns = _columns(text, table["columns"], shortcuts, list(frame.columns))
        tables.append(
            ReportTable(
                table["id"], text["tables"][table["id"]], frame.reset_index(drop=True), columns, []
            )
        )
    if "codebooks" in spec:
        columns = _columns(text, spec["codebooks"]["columns"], shortcuts)
        for wave, frame in results.codebooks.items():
            caption = text["tables"]["codebook"].format(wave=wave)
            tables.append(
                ReportTable(f"codebook_{wave}", caption, frame.reset_index(drop=True), columns, [])
            )
    shown = [figures[name] for name in spec.get("figures", [])]
    return ReportSection(spec["id"], text["sections"][spec["id"]], [], tables, shown)


def _percent(value: float, lang: str) -> str:
    return format_cell(value, "percent", lang)


def _p_text(p: float, lang: str) -> str:
    shown = format_cell(p, "pvalue", lang)
    return shown if shown.startswith("<") else f"= {shown}"


def _summary(results: StudyResults, text: Mapping[str, Any], lang: str) -> list[str]:
    tables = results.tables
    trend = tables["wea_trend"].set_index(["measure", "region", "year"])
    change = tables["wea_trend_change"].set_index(["measure", "region"])
    hired = change.loc[("hired_vulnerable", "Noord-Brabant")]
    experience = tables["beso_experience"].set_index("level")
    motives = tables["beso_motives"].set_index("level")
    reproduction = tables["reproduction"]
    reproduced = int(reproduction["verdict"].isin(["match", "supported"]).sum())
    values = {
        "hired_brabant_2008": _percent(
            trend.loc[("hired_vulnerable", "Noord-Brabant", 2008), "estimate"], lang
        ),
        "hired_brabant_2010": _percent(
            trend.loc[("hired_vulnerable", "Noord-Brabant", 2010), "estimate"], lang
        ),
        "hired_nl_2008": _percent(
            trend.loc[("hired_vulnerable", "Nederland", 2008), "estimate"], lang
        ),
        "hired_nl_2010": _percent(
            trend.loc[("hired_vulnerable", "Nederland", 2010), "estimate"], lang
        ),
        "hired_brabant_change": format_cell(100 * hired["difference"], "number1", lang),
        "hired_brabant_p": _p_text(hired["p_value"], lang),
        "beso_n": int(experience["n"].iloc[0]),
        "experience_with": _percent(experience.loc[GROUPS[0], "estimate"], lang),
        "experience_without": _percent(experience.loc[GROUPS[1], "estimate"], lang),
        "motive_social": _percent(motives["estimate"].iloc[0], lang),
        "n_figures": len(reproduction),
        "n_reproduced": reproduced,
        "n_other": len(reproduction) - reproduced,
        "reproduction_title": text["tables"]["reproduction"],
    }
    return [paragraph.format(**values) for paragraph in text["summary"]]


def _methods(results: StudyResults, text: Mapping[str, Any]) -> list[str]:
    values = {
        "source_title": "Werk geven en nemen - lessons learned",
        "source_year": 2012,
        "wea_waves": "2008 en 2010" if text["lang"] == "nl" else "2008 and 2010",
        "beso_year": 2011,
        "beso_n": int(results.tables["beso_experience"]["n"].iloc[0]),
        "weighting_method": ", ".join(sorted(set(results.tables["weighting"]["method"]))) or "-",
        "min_cell_count": results.settings.get("min_cell_count", 10),
    }
    paragraphs = [p.format(**values) for p in text["methods"]]
    if results.synthetic:
        paragraphs.append(text["synthetic_methods"])
    return paragraphs


def build_content(
    results: StudyResults, figures: Mapping[str, ReportFigure], lang: str = "nl"
) -> ReportContent:
    """Turn the study's results and figures into the content of the report.

    Parameters
    ----------
    results
        Output of :func:`survey.analysis.study.run_study`.
    figures
        Output of :func:`build_figures`.
    lang
        ``"nl"`` or ``"en"``.

    Returns
    -------
    ReportContent
        Sections in the order of the publication, the reproduction table, and appendices
        (weighting, sensitivity, codebooks; provenance is added by the renderer).
    """
    text = load_text(lang)
    layout = _layout()
    shortcuts = layout["shortcuts"]
    min_count = int(results.settings.get("min_cell_count", 10))
    sections = [
        ReportSection(
            "summary", text["sections"]["summary"], _summary(results, text, lang), [], []
        ),
        ReportSection(
            "data_methods", text["sections"]["data_methods"], _methods(results, text), [], []
        ),
    ]
    sections += [
        _section(spec, results, figures, text, shortcuts, min_count) for spec in layout["sections"]
    ]
    appendices = [
        _section(spec, results, figures, text, shortcuts, min_count)
        for spec in layout["appendices"]
    ]
    provenance = {
        "settings": {k: v for k, v in results.settings.items()},
        "inputs": {
            wave: {
                "file": record["input"]["path"],
                "sha256": record["input"]["sha256"],
                "file_label": record["input"]["file_label"],
                "codebook": record["codebook"]["path"],
                "codebook_sha256": record["codebook"]["sha256"],
            }
            for wave, record in results.provenance.items()
        },
        "package": next(iter(results.provenance.values()), {}).get("package", {}),
        "weighting": {
            wave: {
                "iterations": d["iterations"],
                "converged": d["converged"],
                "kish_deff": round(float(d["summary"]["kish_deff"]), 6),
            }
            for wave, d in results.diagnostics.items()
        },
    }
    return ReportContent(
        title=text["report"]["title"],
        lang=lang,
        synthetic=results.synthetic,
        sections=sections,
        appendices=appendices,
        provenance=provenance,
        min_cell_count=min_count,
    )
