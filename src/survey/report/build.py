"""The glue between a study's results and its report: figures and report content.

:func:`build_figures` draws the chart each analysis declares (``figure:`` in the study's
``analyses.yaml``) and saves it as SVG and PNG; :func:`build_content` turns
:class:`~survey.study.run.StudyResults` and those figures into the
:class:`~survey.report.content.ReportContent` the renderer takes: the study's sections in their
declared order, each table shown with the columns its analysis declares or its kind's default
(``report/layout.yaml``), captions and sentences from the study's texts over the package's. Both
take only published results (:func:`survey.study.run.publish`): every table, figure and sentence
shows what disclosure control let through, and a suppressed value reads ``[c]``. Nothing here
computes statistics or names a study's variable.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
from collections.abc import Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import msgspec
import pandas as pd
import yaml

from survey import figures as charts
from survey import strict
from survey.errors import InputError
from survey.format import format_number
from survey.report.content import (
    COLUMN_KINDS,
    ColumnSpec,
    ReportContent,
    ReportFigure,
    ReportSection,
    ReportTable,
)
from survey.report.render import format_cell
from survey.report.translate import missing_labels, translate_tables
from survey.study import spec as s
from survey.study.kinds import kind_name
from survey.study.run import StudyResults

__all__ = ["build_content", "build_figures", "formatted_values", "in_language"]


#: Conditions a fourth element of a column spec may name (see layout.yaml).
_CONDITIONS = ("several_items", "grouped", "per_level")

#: A column spec: a shortcut's name, or ``[column, header, kind]`` with an optional condition.
_Column = str | list[str]


class _Layout(msgspec.Struct, forbid_unknown_fields=True):
    """``layout.yaml``: shortcuts, and the table roles of every kind with their columns."""

    shortcuts: dict[str, list[list[str]]]
    kinds: dict[str, dict[str, list[_Column]]]
    labels: list[str]


@functools.cache
def _layout() -> _Layout:
    source = resources.files("survey.report").joinpath("layout.yaml")
    layout = strict.convert(
        yaml.safe_load(source.read_text(encoding="utf-8")),
        _Layout,
        "survey/report/layout.yaml",
        "the layout ships with the package: reinstall it, or correct the edited copy",
    )
    for kind, roles in layout.kinds.items():
        for role, spec in roles.items():
            _expand(spec, layout, f"survey/report/layout.yaml: kinds.{kind}.{role}")
    return layout


def _expand(spec: Sequence[_Column], layout: _Layout, where: str) -> list[list[str]]:
    """A table's column specs with shortcuts replaced by their columns, each spec checked."""
    expanded: list[list[str]] = []
    for item in spec:
        if isinstance(item, str):
            if item not in layout.shortcuts:
                raise InputError(
                    f"{where}: '{item}' is not a column shortcut",
                    f"use one of {', '.join(layout.shortcuts)} or [column, header, kind]",
                )
            expanded += layout.shortcuts[item]
        else:
            expanded.append(item)
    for entry in expanded:
        if len(entry) not in (3, 4) or (len(entry) == 4 and entry[3] not in _CONDITIONS):
            raise InputError(
                f"{where}: column {entry!r} is not [column, header, kind] or "
                "[column, header, kind, condition]",
                f"conditions: {', '.join(_CONDITIONS)}; kinds: {', '.join(COLUMN_KINDS)}",
            )
        if entry[2] not in COLUMN_KINDS:
            raise InputError(
                f"{where}: column {entry[0]!r} has kind {entry[2]!r}",
                f"use one of: {', '.join(COLUMN_KINDS)}",
            )
    return expanded


def _caption(text: Mapping[str, Any], group: str, key: str) -> str:
    try:
        return str(text[group][key])
    except KeyError:
        raise InputError(
            f"texts ({text['lang']}): no {group}.{key}",
            f"add `{group}: {{{key}: ...}}` under `{text['lang']}:` in the study's texts file",
        ) from None


def build_figures(
    results: StudyResults, folder: str | Path, text: Mapping[str, Any]
) -> dict[str, ReportFigure]:
    """Draw and save the chart of every analysis that declares one.

    Parameters
    ----------
    results
        The study's results.
    folder
        Where ``<id>.svg`` and ``<id>.png`` go (``reports/figures``).
    text
        The report texts of one language (:func:`survey.report.texts.load_text`).

    Returns
    -------
    dict
        Analysis id -> :class:`ReportFigure` (inline SVG, caption, alt text).
    """
    from matplotlib.figure import Figure

    _require_published(results)
    results = in_language(results, text)
    lang = str(text["lang"])
    made = {}
    for analysis in results.analyses.all():
        if analysis.figure is None:
            continue
        spec = analysis.figure
        if isinstance(analysis, s.Weighting):
            data: Any = results.weights
            if not data:
                continue
        else:
            data = results.tables[analysis.id]
        draw = charts.CHARTS.get(spec.chart)
        if draw is None:
            raise InputError(
                f"analysis '{analysis.id}': no chart '{spec.chart}'",
                f"use one of: {', '.join(charts.CHARTS)}",
            )
        size = (charts.FIGURE_WIDTH_CM / 2.54, float(spec.height_cm) / 2.54)
        fig = Figure(figsize=size, layout="constrained")
        options: dict[str, Any] = {}
        if "tests" in inspect.signature(draw).parameters:  # significance marks where drawn
            options["tests"] = results.tables.get(f"{analysis.id}_tests")
        draw(data, ax=fig.add_subplot(), lang=lang, synthetic=results.synthetic, **options)
        alt = charts.alt_text(spec.chart, data, lang, tests=options.get("tests"))
        files = charts.save_figure(fig, Path(folder) / analysis.id, alt=alt)
        caption = _caption(text, "figures", analysis.id)
        made[analysis.id] = ReportFigure(analysis.id, caption, files.svg, alt)
    return made


def in_language(results: StudyResults, text: Mapping[str, Any]) -> StudyResults:
    """The results with the labels of their tables in the texts' language.

    Labels are written in the study's ``data_language`` (``results.settings``); in another
    language every label column (``layout.yaml``, ``labels``) is shown through the texts'
    ``labels`` (:func:`survey.report.translate.translate_tables`), and a label without a
    translation is an error listing all of them.

    Parameters
    ----------
    results
        The published results.
    text
        The report texts of one language.

    Returns
    -------
    StudyResults
        The same results, or a copy whose tables show translated labels.
    """
    lang = str(text["lang"])
    if results.settings.get("data_language", lang) == lang:
        return results
    tables = translate_tables(
        results.tables,
        _layout().labels,
        text.get("labels") or {},
        f"the study's texts file, `{lang}: labels:`",
    )
    return dataclasses.replace(results, tables=tables)


def _require_published(results: StudyResults) -> None:
    if not results.published:
        raise InputError(
            "the report can only show published results (disclosure control not applied)",
            "pass survey.study.run.publish(results, study.disclosure) instead of the results",
        )


def _placeholders(analysis: Any) -> dict[str, str]:
    if isinstance(analysis, s.Compare):
        return {"a": analysis.groups[0], "b": analysis.groups[1]}
    if isinstance(analysis, s.Trend):
        periods = list(analysis.waves.values())
        out = {"from": periods[0], "to": periods[-1]}
        if analysis.contrast:
            out |= {"a": analysis.contrast.a, "b": analysis.contrast.b}
        return out
    return {}


def _conditions(analysis: Any) -> set[str]:
    items = getattr(analysis, "items", [])
    held = set()
    if len(items) > 1 or any(isinstance(i, s.Item) and i.is_set for i in items):
        held.add("several_items")
    if getattr(analysis, "by", None) or any(isinstance(i, s.Item) and i.where for i in items):
        held.add("grouped")
    if not items or any(isinstance(i, str) or i.level is None for i in items):
        held.add("per_level")
    return held


def _columns(
    text: Mapping[str, Any],
    spec: Sequence[Any],
    analysis: Any,
    settings: Mapping[str, Any],
    available: Sequence[str],
) -> list[ColumnSpec]:
    labels = text["columns"]
    translated = settings.get("data_language", text["lang"]) != text["lang"]
    names = (text.get("labels") or {}) if translated else {}
    groups = _placeholders(analysis)
    if translated:
        absent = missing_labels({"": pd.DataFrame({"g": list(groups.values())})}, ["g"], names)
        if absent:
            raise InputError(
                f"analysis '{analysis.id}': the group(s) {', '.join(map(repr, absent))} have no "
                f"translation in the study's texts file, `{text['lang']}: labels:`",
                "add them under `labels:`, each with its translation",
            )
        groups = {k: names.get(v, v) for k, v in groups.items()}
    fill = {**groups, "confidence_level": _level_text(settings, text)}
    held = _conditions(analysis)
    columns = []
    for entry in _expand(spec, _layout(), f"analysis '{analysis.id}', columns"):
        name, label, kind, *when = entry
        if when and when[0] not in held:
            continue
        if "{lang}" in name:
            localised = name.format(lang=text["lang"])
            name = localised if localised in available else name.replace("_{lang}", "")
        header = str(labels.get(label, label))
        columns.append(ColumnSpec(name, header.format(**fill) if "{" in header else header, kind))
    return columns


def _level_text(settings: Mapping[str, Any], text: Mapping[str, Any]) -> str:
    return format_cell(float(settings.get("confidence_level", 0.95)), "percent", str(text["lang"]))


def _roles(analysis: Any) -> list[tuple[str, str]]:
    """(table id, role) of every table the analysis shows, main table first."""
    ids = s.table_ids(analysis)
    roles = ["main", *(i.removeprefix(f"{analysis.id}_") for i in ids[1:])]
    return list(zip(ids, roles, strict=True))


def _tables(analysis: Any, results: StudyResults, text: Mapping[str, Any]) -> list[ReportTable]:
    kind = kind_name(analysis)
    defaults = _layout().kinds[kind]
    unknown = sorted(set(analysis.columns) - set(defaults))
    if unknown:
        raise InputError(
            f"analysis '{analysis.id}': no table role(s) {', '.join(unknown)} for kind '{kind}'",
            f"use: {', '.join(defaults)}",
        )
    if isinstance(analysis, s.Codebooks):
        spec = analysis.columns.get("main", defaults["main"])
        shown = []
        for table_id, frame in results.tables.items():
            if table_id.startswith(f"{analysis.id}_"):
                wave = table_id.removeprefix(f"{analysis.id}_")
                caption = _caption(text, "tables", analysis.id).format(wave=wave)
                columns = _columns(text, spec, analysis, results.settings, list(frame.columns))
                shown.append(
                    ReportTable(table_id, caption, frame.reset_index(drop=True), columns, [])
                )
        return shown
    shown = []
    for table_id, role in _roles(analysis):
        frame = results.tables[table_id]
        if isinstance(analysis, s.Weighting) and frame.empty:
            continue
        if isinstance(analysis, s.Reproduction) and role == "main":
            frame = _published_shown(frame, text)
        spec = analysis.columns.get(role, defaults[role])
        columns = _columns(text, spec, analysis, results.settings, list(frame.columns))
        caption = _caption(text, "tables", table_id)
        shown.append(ReportTable(table_id, caption, frame.reset_index(drop=True), columns, []))
    return shown


def _published_shown(frame: pd.DataFrame, text: Mapping[str, Any]) -> pd.DataFrame:
    """The reproduction table with each published figure as the report's language writes it."""
    lang = str(text["lang"])

    def shown(row: pd.Series) -> str:
        if row["kind"] == "direction":
            return str(text["reproduction"]["claim"])
        value = f"{format_number(float(row['published_value']), lang, int(row['precision']))}%"
        return {"at_least": f"> {value}", "approx": f"≈ {value}"}.get(str(row["kind"]), value)

    return frame.assign(published_shown=[shown(row) for _, row in frame.iterrows()])


def _section(
    section: s.Section,
    results: StudyResults,
    figures: Mapping[str, ReportFigure],
    text: Mapping[str, Any],
) -> ReportSection:
    tables = [t for a in section.analyses for t in _tables(a, results, text)]
    shown = [figures[a.id] for a in section.analyses if a.id in figures]
    reproduces = any(isinstance(a, s.Reproduction) for a in section.analyses)
    paragraphs = [str(text["synthetic_reproduction"])] if results.synthetic and reproduces else []
    return ReportSection(
        section.id, _caption(text, "sections", section.id), paragraphs, tables, shown
    )


def _reproduces(results: StudyResults) -> bool:
    """Whether the study sets published figures beside reproduced ones."""
    return any(isinstance(a, s.Reproduction) for a in results.analyses.all())


def _matches(frame: pd.DataFrame, where: Mapping[str, Any]) -> pd.Series:
    mask = pd.Series(True, index=frame.index)
    for column, wanted in where.items():
        if column not in frame.columns:
            raise KeyError(column)
        values = wanted if isinstance(wanted, list) else [wanted]
        mask &= frame[column].astype(str).isin([str(v) for v in values])
    return mask


def _value(name: str, value: s.Value, results: StudyResults, text: Mapping[str, Any]) -> str:
    lang = str(text["lang"])
    what = f"value '{name}' (analyses file, `values`)"
    if value.setting is not None:
        if value.setting not in results.settings:
            raise InputError(
                f"{what}: no setting '{value.setting}'",
                f"use one of: {', '.join(sorted(results.settings))}",
            )
        return str(results.settings[value.setting])
    if value.caption is not None:
        return _caption(text, "tables", value.caption)
    if value.table not in results.tables:
        raise InputError(
            f"{what}: no table '{value.table}'", f"use one of: {', '.join(results.tables)}"
        )
    frame = results.tables[str(value.table)]
    try:
        rows = frame.loc[_matches(frame, value.where)]
        if value.exclude:
            rows = rows.loc[~_matches(rows, value.exclude)]
    except KeyError as exc:
        raise InputError(
            f"{what}: table '{value.table}' has no column {exc}",
            f"use one of: {', '.join(frame.columns)}",
        ) from None
    if value.count:
        return format_cell(len(rows), "count", lang)
    if value.column not in frame.columns:
        raise InputError(
            f"{what}: table '{value.table}' has no column '{value.column}'",
            f"use one of: {', '.join(frame.columns)}",
        )
    if value.format == "list":
        return ", ".join(sorted(map(str, pd.unique(rows[value.column].dropna())))) or "–"
    if rows.empty:
        raise InputError(
            f"{what}: no row of table '{value.table}' matches {dict(value.where)}",
            "correct `where:` of the value",
        )
    cell = rows[value.column].iloc[0]
    if "status" in rows.columns and rows["status"].iloc[0] == "[c]" and pd.isna(cell):
        return "[c]"
    if value.format == "points1":
        return format_cell(100 * float(cell), "number1", lang)
    if value.format == "p_text":
        shown = format_cell(cell, "pvalue", lang)
        return shown if shown.startswith("<") else f"= {shown}"
    return format_cell(cell, value.format, lang)


def formatted_values(results: StudyResults, text: Mapping[str, Any]) -> dict[str, Any]:
    """Every value the study's sentences may print, formatted in the texts' language.

    The report's own values (``strata``, ``min_cell_count``, ``confidence_level``,
    ``weighting_method``, ``waves``, ``n_waves``, ``wave_word``) and the study's declared
    ``values``.

    Parameters
    ----------
    results
        The study's results.
    text
        The report texts of one language.

    Returns
    -------
    dict
        Name -> text.
    """
    waves = list(results.provenance) or list(results.settings.get("waves", []))
    methods = sorted({d["method"] for d in results.diagnostics.values()})
    singular, plural = text["wave_word"]
    joined = ", ".join(waves)
    if len(waves) > 1:
        joined = f"{', '.join(waves[:-1])} {text['and']} {waves[-1]}"
    own = {
        "strata": _strata_text(results.settings, text),
        "min_cell_count": results.settings.get("min_cell_count", 10),
        "confidence_level": _level_text(results.settings, text),
        "weighting_method": ", ".join(methods) or "–",
        "waves": joined,
        "n_waves": len(waves),
        "wave_word": singular if len(waves) == 1 else plural,
    }
    declared = {n: _value(n, v, results, text) for n, v in results.analyses.values.items()}
    return own | declared


def _strata_text(settings: Mapping[str, Any], text: Mapping[str, Any]) -> str:
    """The strata of the design as the config declares them: ``A × B`` (per wave if they differ)."""
    translated = settings.get("data_language", text["lang"]) != text["lang"]
    names = (text.get("labels") or {}) if translated else {}
    per_wave = {
        wave: " × ".join(names.get(label, label) for label in labels)
        for wave, labels in (settings.get("strata") or {}).items()
    }
    if len(set(per_wave.values())) <= 1:
        return next(iter(per_wave.values()), "–")
    return "; ".join(f"{wave}: {shown}" for wave, shown in per_wave.items())


def _paragraphs(key: str, values: Mapping[str, Any], text: Mapping[str, Any]) -> list[str]:
    out = []
    for paragraph in text[key]:
        try:
            out.append(str(paragraph).format(**values))
        except KeyError as exc:
            raise InputError(
                f"texts ({text['lang']}), {key}: no value {exc} for the sentence {paragraph!r}",
                "declare it under `values:` in the analyses file, or remove the placeholder",
            ) from None
    return out


def build_content(
    results: StudyResults, figures: Mapping[str, ReportFigure], text: Mapping[str, Any]
) -> ReportContent:
    """Turn the study's results and figures into the content of the report.

    Parameters
    ----------
    results
        Output of :func:`survey.study.run.run_study`.
    figures
        Output of :func:`build_figures`.
    text
        The report texts of one language (package texts with the study's over them).

    Returns
    -------
    ReportContent
        Summary, data and methods, the declared sections in order, and the appendices
        (provenance is added by the renderer).
    """
    _require_published(results)
    min_count = int(results.settings.get("min_cell_count", 10))
    values = formatted_values(results, text)
    methods = _paragraphs("methods", values, text)
    if results.synthetic:
        methods.append(str(text["synthetic_methods"]))
    summary = _paragraphs("summary", values, text)
    if results.synthetic and _reproduces(results):
        summary.append(str(text["synthetic_reproduction"]))
    sections = [
        ReportSection("summary", _caption(text, "sections", "summary"), summary, [], []),
        ReportSection("data_methods", _caption(text, "sections", "data_methods"), methods, [], []),
    ]  # fmt: skip
    shown = in_language(results, text)
    sections += [_section(x, shown, figures, text) for x in results.analyses.sections]
    appendices = [_section(x, shown, figures, text) for x in results.analyses.appendices]
    provenance = {
        # the strata are the config's (recorded by its path); their labels are the methods text's
        "settings": {
            k: v for k, v in results.settings.items() if k not in ("disclosure", "strata")
        },
        "disclosure": {
            **results.settings.get("disclosure", {}),
            "cells_suppressed": len(results.decision.reasons) if results.decision else 0,
        },
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
        title=str(text["report"]["title"]),
        lang=str(text["lang"]),
        synthetic=results.synthetic,
        sections=sections,
        appendices=appendices,
        provenance=provenance,
        min_cell_count=min_count,
    )
