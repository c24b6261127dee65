"""Render a :class:`~survey.report.content.ReportContent` as one self-contained HTML file.

The HTML holds everything: inline CSS (screen and print, including the ``@page`` rules the PDF
uses), figures as inline SVG, no scripts and no external resources. Jinja2 escapes every value
(``autoescape``); only the SVG markup of the figures, which our own code draws, is inserted as
is. The output depends only on the content: the same content gives byte-identical HTML.

Small cells are suppressed by one rule, :func:`suppress_small_cells`, which the CSV export
(:mod:`survey.report.export`) uses as well. Estimates with an NCHS reliability flag are shown
with a mark and a footnote, not hidden.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import jinja2
import pandas as pd
from markupsafe import Markup

from survey.errors import InputError
from survey.format import format_ci, format_count, format_number, format_percent, format_pvalue
from survey.report.content import (
    CI_KINDS,
    COLUMN_KINDS,
    ColumnSpec,
    ReportContent,
    ReportFigure,
    ReportSection,
    ReportTable,
)
from survey.report.texts import load_text

__all__ = [
    "SUPPRESSED_COLUMNS",
    "TEMPLATE_DIR",
    "flag_kind",
    "format_cell",
    "render_html",
    "suppress_small_cells",
]

#: Where the Jinja2 templates are.
TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"

#: The columns blanked in a suppressed row: the estimates, everything that reveals them, and
#: the count of respondents with the answer. The base ``n`` and p-values stay.
SUPPRESSED_COLUMNS = (
    "estimate",
    "se",
    "ci_low",
    "ci_high",
    "n_level",
    "cv",
    "deff",
    "odds_ratio",
    "or_ci_low",
    "or_ci_high",
    # wide tables (tests, trends): blanked when the glue marks the row ``suppressed``
    "estimate_a",
    "estimate_b",
    "estimate_from",
    "estimate_to",
    "difference",
    "mdd",
)

_NUMERIC_KINDS = ("percent", "percent1", "number", "number1", "pvalue", "count", *CI_KINDS)


# --------------------------------------------------------------------------- suppression


def suppress_small_cells(
    frame: pd.DataFrame, min_count: int, columns: Iterable[str] = SUPPRESSED_COLUMNS
) -> pd.DataFrame:
    """Blank the estimates that rest on too few respondents.

    A row is suppressed when its ``n_level`` (respondents with the answer; for means, where
    ``n_level`` is absent or missing, ``n``, the respondents in the base) is below
    ``min_count``, or when the frame already marks it in a ``suppressed`` column. This is the
    one place the rule is applied; the HTML and the CSV export both use it.

    Parameters
    ----------
    frame
        Estimate rows.
    min_count
        The smallest count that is shown.
    columns
        The columns blanked in suppressed rows (those the frame has).

    Returns
    -------
    pandas.DataFrame
        A copy with the blanked values missing and a boolean column ``suppressed``; integer
        columns that get blanks become nullable ``Int64``.
    """
    out = frame.copy()
    count: pd.Series | None = None
    if "n_level" in out.columns:
        count = pd.to_numeric(out["n_level"], errors="coerce")
        if "n" in out.columns:
            count = count.fillna(pd.to_numeric(out["n"], errors="coerce"))
    elif "n" in out.columns:
        count = pd.to_numeric(out["n"], errors="coerce")
    small = pd.Series(False, index=out.index, dtype=bool)
    if count is not None:
        small = (count.notna() & (count < min_count)).astype(bool)
    if "suppressed" in out.columns:
        small = small | out["suppressed"].fillna(False).astype(bool)
    for name in columns:
        if name not in out.columns:
            continue
        column = out[name]
        if pd.api.types.is_integer_dtype(column) or pd.api.types.is_bool_dtype(column):
            column = column.astype("Int64")
        out[name] = column.mask(small)
    out["suppressed"] = small.to_numpy(dtype=bool)
    return out


# --------------------------------------------------------------------------- cell formatting


def _is_missing(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and not math.isfinite(value)


def _plain(value: Any) -> Any:
    """Numpy scalars as Python scalars."""
    if hasattr(value, "item") and not isinstance(value, str):
        return value.item()
    return value


def flag_kind(flag: Any) -> str | None:
    """Which reliability mark an NCHS flag text asks for.

    Parameters
    ----------
    flag
        The ``flag`` value of an estimate row.

    Returns
    -------
    str or None
        ``"suppress"`` or ``"review"`` (the prefix before the colon), ``None`` when unflagged.
    """
    if not isinstance(flag, str):
        return None
    head = flag.strip().lower()
    for kind in ("suppress", "review"):
        if head.startswith(kind + ":") or head == kind:
            return kind
    return None


def format_cell(value: Any, kind: str, lang: str) -> str:
    """Format one value for a report table, with the one number formatter (:mod:`survey.format`).

    Numbers are rounded half up; estimates and their intervals get the same decimals.

    Parameters
    ----------
    value
        The raw value; for the ``ci`` kinds a pair ``(low, high)`` of the same scale.
    kind
        One of :data:`survey.report.content.COLUMN_KINDS`.
    lang
        ``"nl"`` (decimal comma, thousands point) or ``"en"``.

    Returns
    -------
    str
        The text shown, e.g. ``"26%"``, ``"21–29%"``, ``"< 0,001"``, ``"1.234"``; a dash for a
        missing value.

    Examples
    --------
    >>> format_cell(0.4649, "percent", "nl")
    '46%'
    >>> format_cell(0.4651, "percent1", "nl")
    '46,5%'
    >>> format_cell((0.213, 0.291), "ci", "en")
    '21–29%'
    >>> format_cell(0.0004, "pvalue", "nl")
    '< 0,001'
    """
    if kind not in COLUMN_KINDS:
        raise InputError(
            f"unknown report column kind {kind!r}", hint=f"use one of: {', '.join(COLUMN_KINDS)}"
        )
    text = load_text(lang)
    missing = str(text["report"]["missing"])
    if kind in CI_KINDS:
        low, high = (_plain(v) for v in value)
        if _is_missing(low) or _is_missing(high):
            return missing
        if kind in ("ci_number", "ci_count"):
            return format_ci(low, high, lang, 2 if kind == "ci_number" else 0, percent=False)
        return format_ci(low, high, lang, 1 if kind == "ci1" else 0)
    value = _plain(value)
    if kind == "flag":
        mark = flag_kind(value)
        if mark is None:
            return ""
        return f"{text['marks'][mark]['mark']} {value.strip()}"
    if _is_missing(value):
        return missing
    if kind == "text":
        if isinstance(value, bool):
            return str(text["report"]["yes" if value else "no"])
        return str(value)
    if kind == "verdict":
        return str(text["verdicts"].get(value, value))
    try:
        number = float(value)
    except (TypeError, ValueError) as exc:
        raise InputError(
            f"report cell {value!r} is not a number but its column kind is {kind!r}",
            hint="give the column the kind 'text' or put numbers in it",
        ) from exc
    if kind == "percent":
        return format_percent(number, lang, 0)
    if kind == "percent1":
        return format_percent(number, lang, 1)
    if kind == "number":
        return format_number(number, lang, 2)
    if kind == "number1":
        return format_number(number, lang, 1)
    if kind == "pvalue":
        return format_pvalue(number, lang)
    # count
    return format_count(number, lang)


# --------------------------------------------------------------------------- view models


def _marker_column(columns: list[ColumnSpec]) -> int | None:
    """The column that carries the reliability mark: the estimate, else the first number."""
    for i, col in enumerate(columns):
        if col.name == "estimate":
            return i
    for i, col in enumerate(columns):
        if col.kind in ("percent", "percent1", "number", "number1", *CI_KINDS):
            return i
    return None


def _table_view(
    table: ReportTable, number: int, content: ReportContent, text: Mapping[str, Any]
) -> dict[str, Any]:
    frame = suppress_small_cells(table.frame, content.min_cell_count)
    columns = list(table.columns)
    shown = {name for col in columns for name in col.source_columns}
    if "estimate" in frame.columns and "n" in frame.columns and "n" not in shown:
        columns.append(ColumnSpec("n", str(text["report"]["n_column"]), "count"))
    marker_at = _marker_column(columns)
    marks = text["marks"]
    used: set[str] = set()
    rows = []
    for record in frame.to_dict("records"):
        suppressed = bool(record["suppressed"])
        flagged = flag_kind(record.get("flag"))
        cells = []
        for i, col in enumerate(columns):
            hidden = suppressed and any(c in SUPPRESSED_COLUMNS for c in col.source_columns)
            classes = []
            if col.kind in _NUMERIC_KINDS:
                classes.append("num")
            if hidden:
                shown_text = str(marks["suppressed"]["mark"])
                classes.append("suppressed")
                used.add("suppressed")
            else:
                if col.kind in CI_KINDS:
                    value: Any = tuple(record[name] for name in col.source_columns)
                else:
                    value = record[col.name]
                shown_text = format_cell(value, col.kind, content.lang)
                if col.kind == "flag" and flag_kind(value):
                    used.add(str(flag_kind(value)))
                if i == marker_at and flagged and not suppressed:
                    shown_text = f"{shown_text} {marks[flagged]['mark']}"
                    classes.append(f"flag-{flagged}")
                    used.add(flagged)
            cells.append({"text": shown_text, "cls": " ".join(classes), "header": i == 0})
        rows.append(cells)
    notes = [
        str(marks[mark]["note"]).format(min_cell_count=content.min_cell_count)
        for mark in ("suppressed", "suppress", "review")
        if mark in used
    ]
    notes += [str(note) for note in table.notes]
    stem = str(text["report"]["table_stem"]).format(number=number)
    return {
        "id": table.id,
        "stem": stem,
        "caption": table.caption,
        "headers": [
            {"label": col.label, "cls": "num" if col.kind in _NUMERIC_KINDS else ""}
            for col in columns
        ],
        "rows": rows,
        "notes": notes,
    }


_ID_ATTR = re.compile(r"""\sid=["']([^"']+)["']""")
_SVG_START = re.compile(r"<svg\b", re.IGNORECASE)
_SVG_METADATA = re.compile(r"<metadata\b.*?</metadata>", re.IGNORECASE | re.DOTALL)
_SVG_FORBIDDEN = re.compile(
    r"<script\b|<foreignObject\b|\bon[a-z]+\s*=|javascript:|"
    r"(?:href|src)\s*=\s*[\"']?\s*(?:https?:)?//|url\(\s*[\"']?\s*(?:https?:)?//|@import",
    re.IGNORECASE,
)


def _inline_svg(figure: ReportFigure) -> Markup:
    """The SVG markup ready to inline: no XML prolog, no metadata (it may hold a date)."""
    match = _SVG_START.search(figure.svg)
    if match is None:  # checked by ReportFigure already
        raise InputError(f"report figure {figure.id!r} holds no <svg> element")
    svg = _SVG_METADATA.sub("", figure.svg[match.start() :]).strip()
    bad = _SVG_FORBIDDEN.search(svg)
    if bad:
        raise InputError(
            f"report figure {figure.id!r}: its SVG holds {bad.group(0)!r}, which a "
            "self-contained report must not have (scripts, event handlers, external resources)",
            hint="draw the figure with survey.figures, which makes plain SVG",
        )
    # Our own drawing code made this markup (checked above): trusted, not data.
    return Markup(svg)


def _figure_view(figure: ReportFigure, number: int, text: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": figure.id,
        "stem": str(text["report"]["figure_stem"]).format(number=number),
        "caption": figure.caption,
        "alt": figure.alt,
        "svg": _inline_svg(figure),
    }


def _flatten(data: Mapping[str, Any], prefix: str = "") -> list[tuple[str, str]]:
    items: list[tuple[str, str]] = []
    for key in sorted(data, key=str):
        value = data[key]
        name = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            items.extend(_flatten(value, name + "."))
        elif isinstance(value, str):
            items.append((name, value))
        else:
            items.append((name, json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)))
    return items


def _css_string(value: Any) -> Markup:
    """A CSS string literal (for ``content:``) that cannot end the string or the style element."""
    out = ['"']
    for char in str(value):
        if char in '"\\<>&' or ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\{ord(char):x} ")
        else:
            out.append(char)
    out.append('"')
    # Every character that could end the string or the <style> element is escaped above.
    return Markup("".join(out))


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["css_string"] = _css_string
    return env


def render_html(content: ReportContent) -> str:
    """Render the report as one self-contained HTML document.

    Parameters
    ----------
    content
        What the report shows.

    Returns
    -------
    str
        The HTML text; byte-identical for the same content.
    """
    text = load_text(content.lang)
    counters = {"table": 0, "figure": 0}

    def section_view(section: ReportSection, appendix: bool) -> dict[str, Any]:
        tables = []
        for table in section.tables:
            counters["table"] += 1
            tables.append(_table_view(table, counters["table"], content, text))
        figures = []
        for figure in section.figures:
            counters["figure"] += 1
            figures.append(_figure_view(figure, counters["figure"], text))
        return {
            "id": section.id,
            "title": section.title,
            "paragraphs": list(section.paragraphs),
            "tables": tables,
            "figures": figures,
            "appendix": appendix,
        }

    sections = [section_view(s, appendix=False) for s in content.sections]
    appendices = [section_view(s, appendix=True) for s in content.appendices]
    template = _environment().get_template("report.html.j2")
    html = template.render(
        title=content.title,
        lang=content.lang,
        synthetic=content.synthetic,
        sections=sections,
        appendices=appendices,
        provenance=_flatten(content.provenance),
        text=text,
    )
    duplicates = sorted(i for i, count in Counter(_ID_ATTR.findall(html)).items() if count > 1)
    if duplicates:
        raise InputError(
            f"the report HTML would have duplicate ids: {', '.join(duplicates)}",
            hint="show each figure once; figure SVGs must carry ids unique to the figure "
            "(survey.figures.save_figure prefixes them)",
        )
    return html
