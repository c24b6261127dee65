"""What a report contains, as plain data: the only input of the renderer.

The renderer (:mod:`survey.report.render`), the PDF writer and the CSV export take a
:class:`ReportContent` and nothing else; they know nothing of how the study was analysed or how
the figures were drawn. The glue that turns study results into a :class:`ReportContent` lives
outside the renderer, so either side can change without the other.

Tables keep their numbers raw (proportions 0-1, unrounded); each :class:`ColumnSpec` says how a
column is shown. A table of estimates must have passed disclosure control
(:func:`survey.disclosure.disclose`): its confidential values are missing already and its
column ``status`` holds each row's flag (``[c]``, ``[u]`` or empty). Optionally ``flag`` holds the
NCHS reliability flag text (``"suppress: ..."`` or ``"review: ..."``).

Text in another language than the report's (a quoted source title, a label of the data that has
no translation) is marked inside any string as ``[nl: ...]`` or ``[en: ...]``
(:data:`FOREIGN`): the HTML gives it its ``lang`` attribute, and :func:`plain` removes the
marks for outputs without markup (CSV, XLSX, alt texts).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from survey.disclosure import is_disclosed
from survey.errors import InputError

__all__ = [
    "COLUMN_KINDS",
    "FOREIGN",
    "ColumnSpec",
    "ReportContent",
    "ReportFigure",
    "ReportSection",
    "ReportTable",
    "foreign",
    "plain",
]

#: A fragment in another language inside a report string: ``[nl: Werk geven en nemen]``.
FOREIGN = re.compile(r"\[(nl|en): ([^\[\]]*)\]")


def foreign(text: str, lang: str) -> str:
    """Mark a fragment as being in language ``lang`` (see :data:`FOREIGN`).

    Examples
    --------
    >>> foreign("Werk geven en nemen", "nl")
    '[nl: Werk geven en nemen]'
    """
    return f"[{lang}: {text}]"


def plain(text: str) -> str:
    """The text without its language marks (for CSV, XLSX and alt texts).

    Examples
    --------
    >>> plain("the report [nl: Werk geven en nemen] (2012)")
    'the report Werk geven en nemen (2012)'
    """
    return FOREIGN.sub(lambda m: m.group(2), text)


#: How a column can be shown (see :func:`survey.report.render.format_cell`):
#:
#: ``text``      the value as text (booleans as yes/no)
#: ``verdict``   a reproduction verdict (match, within CI, ...) in the report language
#: ``percent``   a proportion 0-1 as a percentage, 0 decimals ("26%"); ``percent1`` 1 decimal
#: ``ci``        the columns ``<name>_low``/``<name>_high`` (proportions; name ``ci`` reads
#:               ``ci_low``/``ci_high``) as "21–29%"; ``ci1`` 1 decimal; ``ci_number`` as plain
#:               numbers with 2 decimals ("0,12–0,45"; e.g. name ``or_ci`` for odds ratios);
#:               ``ci_count`` as whole numbers with thousands separators ("1.204–1.377")
#: ``number``    a number with 2 decimals; ``number1`` with 1 decimal
#: ``pvalue``    "< 0,001" or 3 decimals ("0,032")
#: ``count``     a whole number with thousands separators
#: ``flag``      the NCHS reliability flag: ``[u]`` and its text
COLUMN_KINDS = (
    "text",
    "verdict",
    "percent",
    "percent1",
    "ci",
    "ci1",
    "ci_number",
    "ci_count",
    "number",
    "number1",
    "pvalue",
    "count",
    "flag",
)

#: The kinds that read the two columns ``<name>_low`` and ``<name>_high`` instead of ``name``.
CI_KINDS = ("ci", "ci1", "ci_number", "ci_count")

_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")


def _check_id(value: str, what: str) -> None:
    if not isinstance(value, str) or not _ID.match(value):
        raise InputError(
            f"report {what} id {value!r} is not a valid id",
            hint="use a letter followed by letters, digits, '_' or '-' (it becomes an HTML id "
            "and a file name)",
        )


@dataclass(frozen=True)
class ColumnSpec:
    """One shown column of a report table.

    Parameters
    ----------
    name
        The column of the frame; for the ``ci`` kinds the stem of the pair of columns
        ``<name>_low`` and ``<name>_high`` (``ci`` -> ``ci_low``, ``ci_high``).
    label
        The column heading, in the report language.
    kind
        How the values are shown; one of :data:`COLUMN_KINDS`.
    """

    name: str
    label: str
    kind: str = "text"

    def __post_init__(self) -> None:
        if self.kind not in COLUMN_KINDS:
            raise InputError(
                f"report column {self.name!r} has unknown kind {self.kind!r}",
                hint=f"use one of: {', '.join(COLUMN_KINDS)}",
            )

    @property
    def source_columns(self) -> tuple[str, ...]:
        """The frame columns this column shows (two for a confidence interval)."""
        if self.kind in CI_KINDS:
            return (f"{self.name}_low", f"{self.name}_high")
        return (self.name,)


@dataclass(frozen=True, eq=False)
class ReportTable:
    """A table of the report: raw numbers plus how to show them.

    Parameters
    ----------
    id
        Unique among tables (CSV file name; the HTML id is ``tab-<id>``).
    caption
        The caption without its number ("Tabel 3." is added by the renderer).
    frame
        The raw rows; proportions 0-1, unrounded.
    columns
        The shown columns, in order.
    notes
        Footnotes under the table, as plain text.
    """

    id: str
    caption: str
    frame: pd.DataFrame
    columns: list[ColumnSpec]
    notes: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        _check_id(self.id, "table")
        if not is_disclosed(self.frame):
            raise InputError(
                f"report table {self.id!r} has not passed disclosure control "
                "(no 'status' column, or a 'cells' column left)",
                hint="publish the tables with survey.disclosure.disclose(...) first",
            )
        if not self.columns:
            raise InputError(f"report table {self.id!r} has no columns", hint="name at least one")
        titles = [col.label for col in self.columns]
        repeated = sorted({t for t in titles if titles.count(t) > 1})
        if repeated:
            raise InputError(
                f"report table {self.id!r}: two columns are titled {repeated[0]!r}",
                hint="give every shown column its own title (the header of its column spec)",
            )
        missing = sorted(
            {name for col in self.columns for name in col.source_columns} - set(self.frame.columns)
        )
        if missing:
            raise InputError(
                f"report table {self.id!r}: shown columns missing from its frame: "
                f"{', '.join(missing)}",
                hint=f"the frame has: {', '.join(map(str, self.frame.columns))}",
            )


@dataclass(frozen=True)
class ReportFigure:
    """A chart of the report.

    Parameters
    ----------
    id
        Unique among figures (the HTML id is ``figure-<id>``; ``survey.figures`` gives the
        SVG element itself the id ``fig-<stem>``).
    caption
        The caption without its number ("Figuur 2." is added by the renderer).
    svg
        The chart as SVG markup, made by our own code (:mod:`survey.figures`); it is inserted
        into the HTML unescaped, so it must never contain text from outside the project
        unescaped.
    alt
        A text alternative describing what the chart shows (the chart itself explains any
        ``[c]`` or ``[u]`` it shows, and so does its alt text).
    """

    id: str
    caption: str
    svg: str
    alt: str

    def __post_init__(self) -> None:
        _check_id(self.id, "figure")
        if "<svg" not in self.svg:
            raise InputError(
                f"report figure {self.id!r} holds no <svg> element",
                hint="pass the SVG text from survey.figures.save_figure(...).svg",
            )
        if not self.alt.strip():
            raise InputError(
                f"report figure {self.id!r} has no alt text",
                hint="describe in one sentence what the chart shows",
            )


@dataclass(frozen=True)
class ReportSection:
    """A section (or appendix) of the report: a heading, paragraphs, tables and figures.

    Parameters
    ----------
    id
        Unique among sections and appendices (the HTML id is ``sec-<id>``, the link target of
        the table of contents); ``provenance`` is taken by the renderer.
    title
        The heading.
    paragraphs
        Plain-text paragraphs, shown before the tables and figures.
    tables
        The tables of the section, in order.
    figures
        The figures of the section, in order (shown after the tables).
    """

    id: str
    title: str
    paragraphs: list[str] = field(default_factory=list)
    tables: list[ReportTable] = field(default_factory=list)
    figures: list[ReportFigure] = field(default_factory=list)

    def __post_init__(self) -> None:
        _check_id(self.id, "section")


@dataclass(frozen=True)
class ReportContent:
    """Everything the report shows.

    Parameters
    ----------
    title
        The report title.
    lang
        The report language, ``"nl"`` or ``"en"``; picks the fixed texts and number format.
    synthetic
        True when the data are synthetic: a banner on the first page and a note on every page.
    sections
        The body of the report.
    appendices
        Sections after the body (the provenance appendix is added by the renderer).
    provenance
        Where the numbers come from (input hashes, versions, settings); shown as an appendix
        with its keys sorted. Must not hold timestamps if the report is to be reproducible.
    min_cell_count
        Estimates resting on fewer respondents are suppressed.
    """

    title: str
    lang: str
    synthetic: bool
    sections: list[ReportSection]
    appendices: list[ReportSection] = field(default_factory=list)
    provenance: dict[str, Any] = field(default_factory=dict)
    min_cell_count: int = 10

    def __post_init__(self) -> None:
        if self.lang not in ("nl", "en"):
            raise InputError(
                f"report language {self.lang!r} is not supported", hint="use 'nl' or 'en'"
            )
        if isinstance(self.min_cell_count, bool) or not isinstance(self.min_cell_count, int):
            raise InputError(
                f"min_cell_count must be a whole number, got {self.min_cell_count!r}",
                hint="set report.min_cell_count in config/study.yaml to e.g. 10",
            )
        if self.min_cell_count < 0:
            raise InputError(
                f"min_cell_count must not be negative, got {self.min_cell_count}",
                hint="set report.min_cell_count in config/study.yaml to e.g. 10",
            )
        # Ids must be unique per kind; the HTML prefixes them (sec-, tab-, figure-).
        seen: set[tuple[str, str]] = set()
        for section in [*self.sections, *self.appendices]:
            items: list[tuple[str, str]] = [("section", section.id)]
            items += [("table", t.id) for t in section.tables]
            items += [("figure", f.id) for f in section.figures]
            for item in items:
                if item in seen or item == _PROVENANCE:
                    raise InputError(
                        f"report {item[0]} id {item[1]!r} is used twice"
                        + (
                            " (the renderer adds the provenance appendix)"
                            if item[1] == "provenance"
                            else ""
                        ),
                        hint=f"give every {item[0]} its own id",
                    )
                seen.add(item)

    @property
    def tables(self) -> list[ReportTable]:
        """All tables of the body and the appendices, in reading order."""
        return [t for s in [*self.sections, *self.appendices] for t in s.tables]


#: The id of the appendix the renderer adds itself.
_PROVENANCE = ("section", "provenance")
