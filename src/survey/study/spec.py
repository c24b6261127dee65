"""The study's analyses as data: the typed, strict schema of ``config/analyses.yaml``.

A study declares its report here: sections in order, in each section the analyses (a *kind* with
its parameters), the figure drawn from an analysis, and named values that the study's texts
(``config/texts.yaml``) print in sentences. :func:`load_analyses` parses the file with msgspec
into frozen structs; an unknown key, a wrong type or a missing required setting is an error that
names the file and the place in it. Nothing here touches data: the kinds are computed by
:mod:`survey.study.kinds`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import msgspec
import yaml

from survey import strict
from survey.errors import InputError

__all__ = [
    "Analyses",
    "Analysis",
    "Compare",
    "Figure",
    "Group",
    "Item",
    "ItemSet",
    "Means",
    "Model",
    "Quantiles",
    "Reliability",
    "Reproduction",
    "Reweight",
    "Scale",
    "Section",
    "Shares",
    "Totals",
    "Trend",
    "Value",
    "load_analyses",
    "parse_analyses",
]


class _Strict(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """Base of every struct: unknown keys are errors."""


class Figure(_Strict, frozen=True):
    """A chart drawn from an analysis's main table (``survey.figures`` function name)."""

    chart: str
    height_cm: float = 8.0


class Item(_Strict, frozen=True):
    """One variable of an analysis, or a set of them taken from the codebook.

    Exactly one of ``variable``, ``battery``, ``mr_set`` or ``match`` (a shell pattern over the
    codebook's variables, e.g. ``"hr_*"``). ``column`` is the processed column of each item of a
    set (``{item}`` is replaced by the item's name, e.g. ``"{item}_agree"``). ``level`` picks the
    answer whose share is shown; ``where`` restricts the base to rows whose variables have these
    labels, and ``base`` names that base in the table's group column; ``domain`` groups items
    into topics. ``include_none`` keeps a multiple-response set's "none of these" item.
    """

    variable: str | None = None
    battery: str | None = None
    mr_set: str | None = None
    match: str | None = None
    column: str = "{item}"
    level: str | None = None
    label: str | None = None
    where: dict[str, str] = msgspec.field(default_factory=dict)
    base: str | None = None
    domain: str | None = None
    include_none: bool = True

    @property
    def is_set(self) -> bool:
        """True for a battery, multiple-response set or pattern (several variables)."""
        return self.variable is None


#: An item set is an :class:`Item` naming a battery, a multiple-response set or a pattern.
ItemSet = Item


class Group(_Strict, frozen=True):
    """One line of a trend: a label and the base it rests on (no ``where``: every row)."""

    label: str
    where: dict[str, str] = msgspec.field(default_factory=dict)


class Contrast(_Strict, frozen=True):
    """Two groups of one variable compared within each wave of a trend."""

    by: str
    a: str
    b: str


class Scale(_Strict, frozen=True):
    """A model covariate computed from items: the mean of a battery or a count of answers.

    ``items`` is how many items the score is made of: when the codebook provides another number
    (an item was removed or added), the analysis stops, since the score would silently mean
    something else (a count of 0-2 under a label that says 0-3).
    """

    label: str
    items: int
    mean_of: ItemSet | None = None
    count_of: ItemSet | None = None


class Check(_Strict, frozen=True):
    """A share shown unweighted and reweighted in a reweighting analysis."""

    variable: str
    level: str
    label: str
    by: str | None = None


class PopulationSpec(_Strict, frozen=True):
    """Population counts for a reweighting: a wave's population table, filtered and recoded."""

    wave: str
    count: str
    where: dict[str, str] = msgspec.field(default_factory=dict)
    recode: dict[str, str] = msgspec.field(default_factory=dict)


class Link(_Strict, frozen=True):
    """Columns taken from another wave by a shared key."""

    wave: str
    key: str
    columns: list[str]


class _Kind(_Strict, tag_field="kind", kw_only=True, frozen=True):
    id: str
    wave: str | None = None
    figure: Figure | None = None
    columns: dict[str, list[str | list[str]]] = msgspec.field(default_factory=dict)


class Shares(_Kind, tag="shares", kw_only=True, frozen=True):
    """The share of every (or every listed) level of each item, overall or by group."""

    items: list[Item | str]
    by: str | None = None
    levels: list[str] = msgspec.field(default_factory=list)
    overall: str | None = None


class Means(_Kind, tag="means", kw_only=True, frozen=True):
    """The mean of each numeric item, overall or by group."""

    items: list[Item | str]
    by: str | None = None


class Totals(_Kind, tag="totals", kw_only=True, frozen=True):
    """The population total (weighted sum) of each numeric item, overall or by group."""

    items: list[Item | str]
    by: str | None = None


class Quantiles(_Kind, tag="quantiles", kw_only=True, frozen=True):
    """Quantiles of each numeric item (Woodruff intervals), overall or by group."""

    items: list[Item | str]
    by: str | None = None
    probs: list[float] = msgspec.field(default_factory=lambda: [0.25, 0.5, 0.75])
    qrule: str = "math"
    interval: str = "mean"


class Compare(_Kind, tag="compare", kw_only=True, frozen=True):
    """Shares in two groups with a Rao-Scott test, Holm adjustment and the MDD per item."""

    by: str
    groups: list[str]
    items: list[Item | str]
    overall: str | None = None


class Trend(_Kind, tag="trend", kw_only=True, frozen=True):
    """Shares of ``level`` across waves for several groups, with the change first -> last wave."""

    waves: dict[str, str]
    items: list[str]
    level: str
    groups: list[Group]
    contrast: Contrast | None = None


class Model(_Kind, tag="model", kw_only=True, frozen=True):
    """A design-based logistic regression of ``outcome == event`` on the covariates."""

    outcome: str
    event: str
    numeric: list[str] = msgspec.field(default_factory=list)
    categorical: list[str] = msgspec.field(default_factory=list)
    scales: dict[str, Scale] = msgspec.field(default_factory=dict)


class Reliability(_Kind, tag="reliability", kw_only=True, frozen=True):
    """Cronbach's alpha of the codebook's batteries (optionally also with reweighting weights)."""

    batteries: list[str] = msgspec.field(default_factory=list)
    column: str = "{item}"
    weights_from: str | None = None


class Reweight(_Kind, tag="reweight", kw_only=True, frozen=True):
    """A wave raked to population margins of a linked wave; checks shown both ways."""

    link: Link
    population: PopulationSpec
    margins: list[list[str]]
    checks: list[Check]
    overall: str | None = None


class Reproduction(_Kind, tag="reproduction", kw_only=True, frozen=True):
    """Every published figure beside its reproduced value (paths relative to the study folder)."""

    published: str
    figure_map: str


class Weighting(_Kind, tag="weighting", kw_only=True, frozen=True):
    """The weighting diagnostics of every weighted wave, and the weights' distribution."""


class Codebooks(_Kind, tag="codebooks", kw_only=True, frozen=True):
    """One table per wave: every codebook variable with its valid and missing counts."""


Analysis = (
    Shares
    | Means
    | Totals
    | Quantiles
    | Compare
    | Trend
    | Model
    | Reliability
    | Reweight
    | Reproduction
    | Weighting
    | Codebooks
)


class Section(_Strict, frozen=True):
    """One section of the report: its analyses in order."""

    id: str
    analyses: list[Analysis]


class Value(_Strict, frozen=True):
    """A number printed in a sentence of the study's texts.

    Either one cell (``table`` + ``where`` + ``column``, the first row when ``where`` is empty), a
    count of rows (``count: true``, rows matching ``where``; ``exclude`` drops rows matching it),
    the table's caption (``caption: TABLE``), or a report setting (``setting: min_cell_count``).
    ``format`` is a report column kind (``percent``, ``count``, ...), ``points1`` (a difference of
    proportions in percentage points, 1 decimal), ``p_text`` (``= 0,032`` or ``< 0,001``) or
    ``list`` (the distinct values joined by commas).
    """

    table: str | None = None
    where: dict[str, Any] = msgspec.field(default_factory=dict)
    exclude: dict[str, Any] = msgspec.field(default_factory=dict)
    column: str | None = None
    count: bool = False
    caption: str | None = None
    setting: str | None = None
    format: str = "text"


class Analyses(_Strict, frozen=True):
    """The parsed ``analyses.yaml``: sections, appendices and the named values of the texts."""

    sections: list[Section]
    appendices: list[Section] = msgspec.field(default_factory=list)
    values: dict[str, Value] = msgspec.field(default_factory=dict)
    path: str = ""

    def all(self) -> list[Analysis]:
        """Every analysis, sections first, in report order."""
        return [a for s in [*self.sections, *self.appendices] for a in s.analyses]


def parse_analyses(data: Any, source: str = "analyses.yaml") -> Analyses:
    """Check and parse an analyses declaration.

    Parameters
    ----------
    data
        The YAML document, parsed.
    source
        Its file name, for messages.

    Returns
    -------
    Analyses
        The declaration.

    Raises
    ------
    InputError
        An unknown key or kind, a wrong type, a missing setting or a repeated id.

    Examples
    --------
    >>> spec = parse_analyses({"sections": [{"id": "s", "analyses": [
    ...     {"id": "a", "kind": "shares", "items": ["q1"]}]}]})
    >>> spec.all()[0].items
    ['q1']
    >>> try:
    ...     parse_analyses({"sections": [], "colour": "red"})
    ... except InputError as exc:
    ...     print(exc.message)
    analyses.yaml: 1 unknown key(s):
      - unknown key 'colour'; known: sections, appendices, values, path
    """
    spec = strict.convert(
        data,
        Analyses,
        source,
        "see the study folder's README or config/analyses.yaml of the example study for the keys",
    )
    for analysis in spec.all():
        for item in getattr(analysis, "items", []):
            if isinstance(item, Item):
                chosen = [k for k in ("variable", "battery", "mr_set", "match") if getattr(item, k)]
                if len(chosen) != 1:
                    raise InputError(
                        f"{source}: analysis '{analysis.id}': an item needs exactly one of "
                        f"variable, battery, mr_set or match (it has {', '.join(chosen) or 'none'})",
                        "split it into one item per variable or set",
                    )
    ids = [a.id for a in spec.all()]
    tables = [t for a in spec.all() for t in table_ids(a)]
    repeated = sorted({i for i in tables if tables.count(i) > 1})
    if repeated:
        raise InputError(
            f"{source}: table id(s) used twice: {', '.join(repeated)}",
            "give every analysis its own id",
        )
    for analysis in spec.all():
        if isinstance(analysis, Reliability) and analysis.weights_from:
            if analysis.weights_from not in ids:
                raise InputError(
                    f"{source}: analysis '{analysis.id}': weights_from '{analysis.weights_from}' "
                    "names no analysis",
                    f"use one of: {', '.join(ids)}",
                )
    return msgspec.structs.replace(spec, path=source)


def table_ids(analysis: Analysis) -> list[str]:
    """The tables an analysis makes, main table first.

    Parameters
    ----------
    analysis
        One declared analysis.

    Returns
    -------
    list of str
        ``id`` and, by kind, ``id_tests`` (compare), ``id_change`` and ``id_contrast`` (trend),
        ``id_evidence`` (reproduction);
        ``codebooks`` makes one table per wave, named when the waves are known.

    Examples
    --------
    >>> table_ids(Compare(id="c", by="g", groups=["a", "b"], items=[]))
    ['c', 'c_tests']
    """
    if isinstance(analysis, Compare):
        return [analysis.id, f"{analysis.id}_tests"]
    if isinstance(analysis, Trend):
        extra = [f"{analysis.id}_contrast"] if analysis.contrast else []
        return [analysis.id, f"{analysis.id}_change", *extra]
    if isinstance(analysis, Reproduction):
        return [analysis.id, f"{analysis.id}_evidence"]
    return [analysis.id]


def load_analyses(path: str | Path) -> Analyses:
    """Read and check ``analyses.yaml``.

    Parameters
    ----------
    path
        The file.

    Returns
    -------
    Analyses
        The declaration.

    Raises
    ------
    InputError
        The file is missing, not YAML, or not a valid declaration.
    """
    path = Path(path)
    if not path.exists():
        raise InputError(
            f"{path}: the analyses file is not found",
            "set `analyses:` in study.yaml to the study's analyses file, or write one with "
            "`survey init`",
        )
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise InputError(f"{path}: not valid YAML ({exc})", "fix the YAML syntax") from None
    return parse_analyses(data, str(path))
