"""Render a :class:`~survey.report.content.ReportContent` as one self-contained HTML file.

The HTML holds everything: inline CSS (screen and print, including the ``@page`` rules the PDF
uses), figures as inline SVG, no scripts and no external resources. Jinja2 escapes every value
(``autoescape``); only the SVG markup of the figures, which our own code draws, is inserted as
is. The output depends only on the content: the same content gives byte-identical HTML.

Accessibility (WCAG 2.1 AA, checked with axe-core in tests/e2e/test_report_axe.py): a skip link
to the ``<main>`` landmark, which holds the sections and the appendices; every table with a
caption, ``<th scope="col">`` headers and its first (key) column as ``<th scope="row">``, inside a
box that scrolls sideways when the table is wider than the screen (focusable and named by the
caption, its key column sticky); every figure's SVG one image (``role="img"``) named by a
``<title>`` holding the alt text, which is also the PDF figure's alternate text. Text in another
language than the report's, marked ``[nl: ...]``/``[en: ...]`` in any string
(:data:`survey.report.content.FOREIGN`), becomes ``<span lang="..">`` (:func:`language_marked`);
texts without markup (the ``<title>``, the PDF page header, the alt text) lose the marks.

The renderer suppresses nothing itself: its tables come out of disclosure control
(:func:`survey.disclosure.disclose`), which blanked every confidential value and set each row's
``status``. A blanked value of a ``[c]`` row is shown as ``[c]``, an estimate of a ``[u]`` row
(low reliability by the NCHS criteria) gets ``[u]``, a number that is missing otherwise reads
``[x]``; each table that uses a flag explains it in a note under it.
"""

from __future__ import annotations

import json
import math
import re
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import jinja2
import pandas as pd
from markupsafe import Markup, escape

from survey.disclosure import BLANKED, reliability_flag
from survey.errors import InputError
from survey.format import (
    MISSING,
    format_ci,
    format_count,
    format_number,
    format_percent,
    format_pvalue,
)
from survey.report.content import (
    CI_KINDS,
    COLUMN_KINDS,
    FOREIGN,
    ColumnSpec,
    ReportContent,
    ReportFigure,
    ReportSection,
    ReportTable,
    plain,
)
from survey.report.texts import load_text

__all__ = [
    "TEMPLATE_DIR",
    "flag_notes",
    "format_cell",
    "is_missing",
    "language_marked",
    "python_scalar",
    "render_html",
]

#: Where the Jinja2 templates are.
TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"

_NUMERIC_KINDS = ("percent", "percent1", "number", "number1", "pvalue", "count", *CI_KINDS)

#: The order flags are explained in, under a table or a figure.
_FLAG_ORDER = ("[c]", "[u]", "[x]")

#: The decimals each number kind is written with (a CI takes its estimate's, see
#: :func:`_ci_decimals`), and the scale it is on: a CI of percentages follows a percentage.
_DECIMALS = {"percent": 0, "percent1": 1, "number": 2, "number1": 1, "count": 0,
             "ci": 0, "ci1": 1, "ci_number": 2, "ci_count": 0}  # fmt: skip
_SCALE = {"percent": "percent", "percent1": "percent", "ci": "percent", "ci1": "percent",
          "number": "plain", "number1": "plain", "count": "plain", "ci_number": "plain",
          "ci_count": "plain"}  # fmt: skip


#: A word of a table cell joined by hyphens ("Noord-Brabant", "2006-2008") and short enough to
#: be kept on one line: breaking it after its hyphen reads as a hyphenation.
_COMPOUND = re.compile(r"(?<![\w&#-])\w+(?:-\w+)+(?![\w-])")
_COMPOUND_MAX = 20
#: A table with this many rows or fewer is kept on one page (with its caption and notes).
_KEEP_ROWS = 8
#: A text column whose every value is this short does not wrap.
_SHORT_TEXT = 16
#: A cell whose text has a word this long without a break (an id such as
#: ``wea.work_not_suitable.without.brabant``) may break it anywhere: else it widens its column
#: past the page.
_LONG_WORD = 22


def language_marked(text: str, lang: str, keep_compounds: bool = False) -> Markup:
    """Escaped text with each fragment in another language in ``<span lang="..">``.

    A fragment is marked ``[nl: ...]`` or ``[en: ...]`` (:data:`survey.report.content.FOREIGN`);
    a fragment in the report's own language loses its mark and needs no span. The text is
    escaped first, piece by piece, so that no markup from the text can reach the HTML.

    Parameters
    ----------
    text
        The text, with its marks.
    lang
        The report's language.
    keep_compounds
        Keep short hyphenated words ("Noord-Brabant") on one line (for table cells).

    Returns
    -------
    markupsafe.Markup
        HTML ready to insert.

    Examples
    --------
    >>> str(language_marked("the report [nl: Werk geven & nemen] (2012)", "en"))
    'the report <span lang="nl">Werk geven &amp; nemen</span> (2012)'
    >>> str(language_marked("[nl: Noord-Brabant]", "nl", keep_compounds=True))
    '<span class="nowrap">Noord-Brabant</span>'
    """

    def piece(part: str) -> Markup:
        escaped = str(escape(part))
        if keep_compounds:
            escaped = _COMPOUND.sub(
                lambda m: (
                    f'<span class="nowrap">{m.group(0)}</span>'
                    if len(m.group(0)) <= _COMPOUND_MAX
                    else m.group(0)
                ),
                escaped,
            )
        # escaped above: only the spans added here are markup
        return Markup(escaped)

    out: list[Markup] = []
    position = 0
    for match in FOREIGN.finditer(text):
        out.append(piece(text[position : match.start()]))
        fragment = piece(match.group(2))
        if match.group(1) == lang:
            out.append(fragment)
        else:
            out.append(Markup('<span lang="{}">{}</span>').format(match.group(1), fragment))
        position = match.end()
    out.append(piece(text[position:]))
    return Markup("").join(out)


def flag_notes(used: Iterable[str], text: Mapping[str, Any], min_cell_count: int) -> list[str]:
    """The notes that explain the flags used in a table or figure, in a fixed order.

    Parameters
    ----------
    used
        The flags used (``"[c]"``, ``"[u]"``, ``"[x]"``).
    text
        The report texts of the language (``marks``).
    min_cell_count
        The policy's minimum, printed in the note on ``[c]``.

    Returns
    -------
    list of str
        One note per used flag.
    """
    seen = set(used)
    return [
        str(text["marks"][flag]).format(min_cell_count=min_cell_count)
        for flag in _FLAG_ORDER
        if flag in seen
    ]


# --------------------------------------------------------------------------- cell formatting


def is_missing(value: Any) -> bool:
    """Whether a cell holds no value (None, NA, NaT, NaN or an infinite float).

    Examples
    --------
    >>> [is_missing(v) for v in (None, float("nan"), 0.0, "")]
    [True, True, False, False]
    """
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and not math.isfinite(value)


def python_scalar(value: Any) -> Any:
    """Numpy scalars as Python scalars; anything else as it is.

    Examples
    --------
    >>> import numpy as np
    >>> type(python_scalar(np.float64(0.5))).__name__
    'float'
    """
    if hasattr(value, "item") and not isinstance(value, str):
        return value.item()
    return value


def format_cell(value: Any, kind: str, lang: str, decimals: int | None = None) -> str:
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
    decimals
        For the ``ci`` kinds: the decimals of the interval's estimate, instead of the kind's
        own (a table gives a CI its estimate column's, see :func:`render_html`).

    Returns
    -------
    str
        The text shown, e.g. ``"26%"``, ``"21–29%"``, ``"< 0,001"``, ``"1.234"``; ``"[x]"``
        (not available) for a missing number, nothing for missing text.

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
    >>> format_cell((27.294, 36.706), "ci_number", "nl", decimals=1)
    '27,3–36,7'
    """
    if kind not in COLUMN_KINDS:
        raise InputError(
            f"unknown report column kind {kind!r}", hint=f"use one of: {', '.join(COLUMN_KINDS)}"
        )
    text = load_text(lang)
    missing = MISSING
    if kind in CI_KINDS:
        low, high = (python_scalar(v) for v in value)
        if is_missing(low) or is_missing(high):
            return missing
        places = _DECIMALS[kind] if decimals is None else decimals
        return format_ci(low, high, lang, places, percent=_SCALE[kind] == "percent")
    value = python_scalar(value)
    if kind == "flag":
        return f"[u] {value.strip()}" if reliability_flag(value) else ""
    if is_missing(value):
        return "" if kind == "text" else missing
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


def _ci_decimals(columns: list[ColumnSpec]) -> dict[int, int]:
    """The decimals of each CI column: those of the nearest number column before it on its scale.

    A CI of percentages follows the percentage before it (``percent1`` -> one decimal), a CI
    of numbers the number before it (a mean ``number1`` -> one decimal): an estimate and its
    interval are written alike. A CI with no such column keeps its kind's decimals.
    """
    decimals: dict[int, int] = {}
    for i, col in enumerate(columns):
        if col.kind not in CI_KINDS:
            continue
        before = [c for c in columns[:i] if c.kind not in CI_KINDS and c.kind in _SCALE]
        same = [c for c in before if _SCALE[c.kind] == _SCALE[col.kind]]
        decimals[i] = _DECIMALS[same[-1].kind] if same else _DECIMALS[col.kind]
    return decimals


def _column_class(col: ColumnSpec) -> str:
    return "num" if col.kind in _NUMERIC_KINDS else "text"


def _cell_text(
    record: Mapping[str, Any],
    col: ColumnSpec,
    lang: str,
    marked: bool,
    used: set[str],
    decimals: int | None = None,
) -> tuple[str, list[str]]:
    """The text and classes of one cell: ``[c]`` for a blanked value of a suppressed row."""
    classes = [_column_class(col)]
    values = [record[name] for name in col.source_columns]
    if (
        record["status"] == "[c]"
        and any(name in BLANKED or name == "n" for name in col.source_columns)
        and all(is_missing(v) for v in values)
    ):
        used.add("[c]")
        return "[c]", [*classes, "suppressed"]
    value: Any = tuple(values) if col.kind in CI_KINDS else values[0]
    shown = format_cell(value, col.kind, lang, decimals)
    used.update(flag for flag in _FLAG_ORDER if flag in shown)
    if classes == ["text"] and any(len(word) > _LONG_WORD for word in plain(shown).split()):
        classes.append("long-word")
    if marked and record["status"] == "[u]":
        used.add("[u]")
        return f"{shown} [u]", [*classes, "flag-u"]
    return shown, classes


def _table_view(
    table: ReportTable, number: int, content: ReportContent, text: Mapping[str, Any]
) -> dict[str, Any]:
    frame = table.frame
    lang = content.lang
    columns = list(table.columns)
    shown = {name for col in columns for name in col.source_columns}
    if "estimate" in frame.columns and "n" in frame.columns and "n" not in shown:
        columns.append(ColumnSpec("n", str(text["report"]["n_column"]), "count"))
    marker_at = _marker_column(columns)
    ci_decimals = _ci_decimals(columns)
    used: set[str] = set()
    shown_rows = [
        [
            _cell_text(record, col, lang, i == marker_at, used, ci_decimals.get(i))
            for i, col in enumerate(columns)
        ]
        for record in frame.to_dict("records")
    ]
    short = {
        i
        for i, col in enumerate(columns)
        if _column_class(col) == "text"
        and all(len(plain(row[i][0])) <= _SHORT_TEXT for row in shown_rows)
    }
    rows = [
        [
            {
                "text": language_marked(shown_text, lang, keep_compounds=True),
                "cls": " ".join([*classes, "short"] if i in short else classes),
                "header": i == 0,
            }
            for i, (shown_text, classes) in enumerate(row)
        ]
        for row in shown_rows
    ]
    notes = flag_notes(used, text, content.min_cell_count)
    notes += [str(note) for note in table.notes]
    stem = str(text["report"]["table_stem"]).format(number=number)
    return {
        "id": table.id,
        "stem": stem,
        "caption": language_marked(table.caption, lang),
        "headers": [
            {
                "label": language_marked(col.label, lang, keep_compounds=True),
                "cls": _column_class(col),
            }
            for col in columns
        ],
        "rows": rows,
        "notes": [language_marked(note, lang) for note in notes],
        "keep": len(rows) <= _KEEP_ROWS,
    }


_ID_ATTR = re.compile(r"""\sid=["']([^"']+)["']""")
_SVG_START = re.compile(r"<svg\b", re.IGNORECASE)
_SVG_METADATA = re.compile(r"<metadata\b.*?</metadata>", re.IGNORECASE | re.DOTALL)
#: Elements an inlined SVG must not have: scripts, HTML inside SVG, and the animation and
#: handler elements, which can set an attribute (an ``href``) to a script URL.
_SVG_FORBIDDEN = frozenset(
    {"script", "foreignobject", "handler", "listener", "set", "animate", "animatemotion",
     "animatetransform", "discard", "iframe", "embed", "object"}
)  # fmt: skip
#: HTML elements that end SVG content when the HTML parser meets them inside an inline
#: ``<svg>`` (HTML Living Standard, "the rules for parsing tokens in foreign content"): after
#: one, the markup that follows is read as HTML, not as the SVG the checks below saw.
_HTML_BREAKOUT = frozenset(
    {"b", "big", "blockquote", "body", "br", "center", "code", "dd", "div", "dl", "dt", "em",
     "embed", "font", "h1", "h2", "h3", "h4", "h5", "h6", "head", "hr", "i", "img", "li",
     "listing", "menu", "meta", "nobr", "ol", "p", "pre", "ruby", "s", "small", "span", "strong",
     "strike", "sub", "sup", "table", "tt", "u", "ul", "var"}
)  # fmt: skip
#: SVG elements whose content the HTML parser reads as HTML ("HTML integration points").
_HTML_INSIDE = frozenset({"title", "desc"})
#: The only references an ``href`` or ``src`` may make: a fragment of the page, or an image
#: embedded as data (matplotlib embeds raster images so).
_LOCAL_REF = re.compile(r"#\S*|data:image/(?:png|jpeg|gif|webp);base64,[A-Za-z0-9+/=\s]*")
#: CSS (a style sheet, a ``style`` or presentation attribute) that loads something: ``url()``
#: other than ``url(#id)``, ``@import``, and the functions that take a URL as a string.
_CSS_EXTERNAL = re.compile(
    r"url\(\s*['\"]?\s*(?!#)|@import|(?:image-set|image|src)\(", re.IGNORECASE
)
_CSS_ESCAPE = re.compile(r"\\(?:([0-9a-fA-F]{1,6})[ \t\n\r\f]?|\n|(.))", re.DOTALL)


def _css_unescaped(text: str) -> str:
    """CSS text with its escapes (``u\\72l(`` is ``url(``) decoded, as a browser reads it."""

    def decode(match: re.Match[str]) -> str:
        if match.group(1):
            code = int(match.group(1), 16)
            return chr(code) if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else "\ufffd"
        return match.group(2) or ""

    return _CSS_ESCAPE.sub(decode, text)


def _local_name(name: str) -> str:
    """An element or attribute name without namespace, in lower case as HTML compares it."""
    return name.rsplit("}", 1)[-1].lower()


def _svg_problem(svg: str) -> str | None:
    """What in the SVG's markup makes it unsafe to inline in HTML, or ``None``.

    Only markup is looked at (elements, attributes, style sheets), never character data: a
    label reading "javascript: cursus" or "<script>" is text, escaped by the SVG writer. The
    markup must be well-formed XML and read the same by the HTML parser, so CDATA sections,
    processing instructions and comments the HTML parser ends early are refused as well.
    """
    if "<![CDATA[" in svg:
        return "a CDATA section"
    parser = ET.XMLParser(target=ET.TreeBuilder(insert_comments=True, insert_pis=True))
    try:
        parser.feed(svg)
        root = parser.close()
    except ET.ParseError as exc:
        return f"markup that is not well-formed XML ({exc})"
    for node in root.iter():
        if node.tag is ET.ProcessingInstruction:
            return "a processing instruction"
        if node.tag is ET.Comment:
            if (node.text or "").startswith((">", "->")):
                return "a comment that HTML ends early (<!--> or <!--->)"
            continue
        name = _local_name(node.tag)
        shown = node.tag.rsplit("}", 1)[-1]
        if name in _SVG_FORBIDDEN or name in _HTML_BREAKOUT:
            return f"a <{shown}> element"
        if name in _HTML_INSIDE and len(node):
            return f"elements inside <{shown}>"
        if name == "style" and _CSS_EXTERNAL.search(_css_unescaped("".join(node.itertext()))):
            return "a style sheet that loads an external resource"
        for attribute, value in node.attrib.items():
            key = _local_name(attribute)
            if key.startswith("on"):
                return f"an event handler attribute {key}="
            if key in ("href", "src") and not _LOCAL_REF.fullmatch(value):
                return f"a reference {key}={value[:60]!r} outside the page"
            if _CSS_EXTERNAL.search(_css_unescaped(value)):
                return f"an attribute {key}={value[:60]!r} that loads an external resource"
    return None


#: The start tag of the SVG element (attribute values may hold ``>``).
_SVG_START_TAG = re.compile(r"""<svg\b(?:[^>"']|"[^"]*"|'[^']*')*>""", re.IGNORECASE)


#: A name the SVG file gave itself: its role and label reference, and its leading title.
_OWN_NAME = re.compile(r"""\s(?:role|aria-labelledby)=(?:"[^"]*"|'[^']*')""")
_OWN_TITLE = re.compile(r"^\s*<title\b[^>]*>.*?</title>", re.DOTALL)


def _inline_svg(figure: ReportFigure) -> Markup:
    """The SVG markup ready to inline: no XML prolog, no metadata (it may hold a date).

    The SVG becomes one image for assistive technology: ``role="img"``, named by a ``<title>``
    holding the figure's alt text (without language marks). The title is the SVG's accessible
    name in the browser and the PDF figure's alternate text (WeasyPrint reads it).
    """
    match = _SVG_START.search(figure.svg)
    if match is None:  # checked by ReportFigure already
        raise InputError(f"report figure {figure.id!r} holds no <svg> element")
    svg = _SVG_METADATA.sub("", figure.svg[match.start() :]).strip()
    problem = _svg_problem(svg)
    if problem:
        raise InputError(
            f"report figure {figure.id!r}: its SVG holds {problem}, which a self-contained "
            "report must not have (scripts, event handlers, external resources)",
            hint="draw the figure with survey.figures, which makes plain SVG",
        )
    start = _SVG_START_TAG.match(svg)
    if start is None:
        raise InputError(f"report figure {figure.id!r}: its <svg> start tag does not end")
    # the figure file may name itself already (survey.figures.save_figure): the report's alt
    # text is the one name, so the file's role, label reference and title give way to it
    tag = _OWN_NAME.sub("", svg[4 : start.end()])
    body = _OWN_TITLE.sub("", svg[start.end() :], count=1)
    named = f'<svg role="img"{tag}<title>{escape(plain(figure.alt))}</title>{body}'

    # Checked above: the markup holds no script, handler or external reference, and reads the
    # same to the HTML parser as to the XML parser that checked it; its text is escaped, and
    # so is the title added to it.
    return Markup(named)


def _figure_view(
    figure: ReportFigure, number: int, text: Mapping[str, Any], lang: str
) -> dict[str, Any]:
    return {
        "id": figure.id,
        "stem": str(text["report"]["figure_stem"]).format(number=number),
        "caption": language_marked(figure.caption, lang),
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
    lang = content.lang
    counters = {"table": 0, "figure": 0}

    def section_view(section: ReportSection, appendix: bool) -> dict[str, Any]:
        tables = []
        for table in section.tables:
            counters["table"] += 1
            tables.append(_table_view(table, counters["table"], content, text))
        figures = []
        for figure in section.figures:
            counters["figure"] += 1
            figures.append(_figure_view(figure, counters["figure"], text, lang))
        return {
            "id": section.id,
            "title": language_marked(section.title, lang),
            "paragraphs": [language_marked(p, lang) for p in section.paragraphs],
            "tables": tables,
            "figures": figures,
            "appendix": appendix,
        }

    sections = [section_view(s, appendix=False) for s in content.sections]
    appendices = [section_view(s, appendix=True) for s in content.appendices]
    template = _environment().get_template("report.html.j2")
    html = template.render(
        title=language_marked(content.title, lang),
        plain_title=plain(content.title),
        skip_link=text["report"]["skip_link"],
        lang=lang,
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
