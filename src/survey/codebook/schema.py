"""The codebook schema: what a raw SPSS export should hold, parsed into frozen dataclasses.

A codebook (``config/codebooks/<wave>.yaml``) describes one wave's raw file: for every canonical
variable the raw name, type, label, the codes that may occur and which of them are missing,
routing (who was asked), recodes onto canonical codes, multiple-response sets, Likert batteries
and derived variables. :func:`load_codebook` parses that YAML into frozen dataclasses and checks
the codebook itself, listing every mistake at once.

It does not look at data: checking a raw file against a codebook is ``validate.py``'s job, and
applying a codebook is ``clean.py``'s.
"""

from __future__ import annotations

import difflib
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import msgspec
import numpy as np
import yaml

from survey import strict
from survey.errors import InputError

__all__ = [
    "SYSMIS",
    "Battery",
    "Codebook",
    "Derived",
    "MultipleResponseSet",
    "Variable",
    "load_codebook",
    "match_file_names",
]

SYSMIS = "sysmis"
_DERIVED_KINDS = ("map", "bins", "any")

# --------------------------------------------------------------------------- the file's schema
# Keys and types of a codebook file (msgspec, checked by survey.strict before anything is
# parsed): an unknown key anywhere is an error with a suggestion, a wrong type names its key path.
# Codes are numbers or text; a label may be a number (a year); true/false is never a code or a
# label (YAML reads an unquoted Ja/Nee as text but yes/no as true/false).

_Code = str | int | float
_Conditions = dict[str, _Code | list[_Code]]


class _VariableFile(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    raw: str | None = None
    type: str | None = None
    label: _Code | None = None
    values: dict[_Code, _Code] | None = None
    missing: list[_Code] | None = None
    not_applicable: _Code | None = None
    range: tuple[float, float] | None = None
    recode: dict[_Code, _Code] | None = None
    labels: dict[_Code, _Code] | None = None
    asked_if: _Conditions | None = None
    asked_if_any: _Conditions | None = None
    measure: str | None = None
    format: str | None = None
    role: str | None = None
    scale: str | None = None


class _SetFile(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    label: _Code | None = None
    items: list[str] = msgspec.field(default_factory=list)
    counted: _Code | None = None
    none_item: str | None = None


class _BatteryFile(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    label: _Code | None = None
    items: list[str] = msgspec.field(default_factory=list)
    agree: list[_Code] | None = None
    reversed: list[str] | None = None
    agree_labels: dict[_Code, _Code] | None = None


class _DerivedFile(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    kind: str | None = None
    label: _Code | None = None
    values: dict[_Code, _Code] | None = None
    source: str | None = msgspec.field(name="from", default=None)
    map: dict[_Code, _Code] | None = None
    default: _Code | None = None
    edges: list[float] | None = None
    any_of: _Conditions | None = None
    none_if: _Conditions | None = None


class _LinkFile(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    wave: str
    key: str | None = None


class _CodebookFile(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    wave: str | int | None = None
    survey: str | int | None = None
    title: _Code | None = None
    id: str | None = None
    weighted: bool | None = None
    link: _LinkFile | None = None
    scales: dict[str, _VariableFile] | None = None
    variables: dict[str, _VariableFile] | None = None
    mr_sets: dict[str, _SetFile] | None = None
    batteries: dict[str, _BatteryFile] | None = None
    derived: dict[str, _DerivedFile] | None = None


@dataclass(frozen=True)
class Variable:
    """One canonical variable and how it appears in the raw file.

    Attributes
    ----------
    name
        Canonical name (the same in every wave).
    raw
        Name in the raw file.
    type
        ``"numeric"`` or ``"string"``.
    label
        Variable label.
    values
        Every code the raw file may hold -> its label (raw codes).
    missing
        Raw codes that mean "no valid answer".
    not_applicable
        The raw code written when routing skipped the question, :data:`SYSMIS` for empty.
    valid_range
        For numeric variables without a closed code list: the inclusive range of valid values.
    recode
        Raw code -> canonical code, for codes that change.
    labels
        Canonical code -> label of the valid categories after recoding.
    asked_if
        Routing: canonical variable -> raw codes; asked when every condition holds.
    asked_if_any
        Routing: asked when at least one condition holds.
    measure
        ``"nominal"``, ``"ordinal"`` or ``"scale"``.
    format
        SPSS format to write, if fixed.
    role
        ``"id"``, ``"stratum"`` or ``None``.
    """

    name: str
    raw: str
    type: str = "numeric"
    label: str = ""
    values: Mapping[Any, str] = field(default_factory=dict)
    missing: tuple[Any, ...] = ()
    not_applicable: Any = SYSMIS
    valid_range: tuple[float, float] | None = None
    recode: Mapping[Any, Any] = field(default_factory=dict)
    labels: Mapping[Any, str] = field(default_factory=dict)
    asked_if: Mapping[str, tuple[Any, ...]] = field(default_factory=dict)
    asked_if_any: Mapping[str, tuple[Any, ...]] = field(default_factory=dict)
    measure: str = "nominal"
    format: str | None = None
    role: str | None = None

    @property
    def is_categorical(self) -> bool:
        """True when the valid values form a closed list of labelled codes."""
        return self.valid_range is None and bool(self.canonical_labels)

    @property
    def is_routed(self) -> bool:
        """True when only some respondents were asked the question."""
        return bool(self.asked_if or self.asked_if_any)

    @property
    def valid_codes(self) -> tuple[Any, ...]:
        """Raw codes that are valid answers (labelled and not missing)."""
        return tuple(code for code in self.values if code not in self.missing)

    @property
    def canonical_labels(self) -> dict[Any, str]:
        """Canonical code -> label of the valid categories, in code order."""
        if self.labels:
            return dict(sorted(self.labels.items()))
        if self.valid_range is not None:
            return {}
        return {self.recode.get(c, c): self.values[c] for c in sorted(self.valid_codes)}


@dataclass(frozen=True)
class MultipleResponseSet:
    """A question with several answers, stored as one 0/1 variable per answer.

    Attributes
    ----------
    name
        Name of the set.
    label
        The question.
    items
        Canonical names of the answer variables.
    counted
        The code that means "mentioned".
    none_item
        Optional "none of these" answer; whoever names it may name nothing else.
    """

    name: str
    label: str
    items: tuple[str, ...]
    counted: Any = 1
    none_item: str | None = None


@dataclass(frozen=True)
class Battery:
    """Likert items that form a scale.

    Attributes
    ----------
    name
        Name of the battery.
    label
        What the scale measures.
    items
        Canonical names of the items.
    agree
        Codes that count as agreeing (for the ``<item>_agree`` indicators).
    reversed
        Items worded the other way round, scored ``min + max - code``.
    agree_labels
        Labels of the ``<item>_agree`` indicators, code 0.0 (does not agree) first, then 1.0
        (agrees); the codebook's ``agree_labels``, required for a battery with items. Empty only
        for a battery built in code without them.
    """

    name: str
    label: str
    items: tuple[str, ...]
    agree: tuple[Any, ...] = (4, 5)
    reversed: tuple[str, ...] = ()
    agree_labels: Mapping[float, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Derived:
    """A variable computed from cleaned variables (canonical codes).

    Attributes
    ----------
    name
        Name of the new variable.
    kind
        ``"map"`` (codes of one variable onto new codes), ``"bins"`` (a numeric variable cut at
        ``edges``, left-closed) or ``"any"`` (1 when any condition of ``any_of`` holds, 2 when all of
        ``none_if`` hold, else missing).
    label
        Variable label.
    values
        New code -> label.
    source
        The variable it is computed from (``map``, ``bins``).
    mapping
        Old code -> new code (``map``).
    default
        New code for codes not in ``mapping`` (``map``); ``None`` leaves them missing.
    edges
        Lower class bounds (``bins``).
    any_of
        Conditions, canonical variable -> codes (``any``).
    none_if
        Conditions that together give code 2 (``any``).
    """

    name: str
    kind: str
    label: str
    values: Mapping[Any, str]
    source: str | None = None
    mapping: Mapping[Any, Any] = field(default_factory=dict)
    default: Any = None
    edges: tuple[float, ...] = ()
    any_of: Mapping[str, tuple[Any, ...]] = field(default_factory=dict)
    none_if: Mapping[str, tuple[Any, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class Codebook:
    """The codebook of one wave.

    Attributes
    ----------
    wave
        Wave name, e.g. ``"wave2010"``.
    survey
        Survey name, e.g. ``"lfs"``.
    title
        Human-readable title.
    id
        Canonical name of the unit identifier, or None (``id: null``) for a file with none:
        then rows keep the file's order and the file cannot be linked to another wave.
    variables
        Canonical name -> :class:`Variable`, in codebook order.
    mr_sets
        Multiple-response sets.
    batteries
        Likert batteries.
    derived
        Derived variables, computed in this order.
    weighted
        Whether the survey's published figures are weighted.
    link
        For a follow-up survey: the wave and key it links to.
    source
        Path of the YAML file.
    """

    wave: str
    survey: str
    title: str
    id: str | None
    variables: Mapping[str, Variable]
    mr_sets: Mapping[str, MultipleResponseSet] = field(default_factory=dict)
    batteries: Mapping[str, Battery] = field(default_factory=dict)
    derived: Mapping[str, Derived] = field(default_factory=dict)
    weighted: bool = False
    link: Mapping[str, str] | None = None
    source: str | None = None

    @property
    def raw_to_canonical(self) -> dict[str, str]:
        """Raw name -> canonical name."""
        return {v.raw: v.name for v in self.variables.values()}

    def variable(self, name: str) -> Variable:
        """Return a variable by canonical name, suggesting close names when it is unknown.

        Parameters
        ----------
        name
            Canonical name.

        Returns
        -------
        Variable
            The variable.

        Raises
        ------
        InputError
            No such variable.
        """
        if name in self.variables:
            return self.variables[name]
        close = difflib.get_close_matches(name, list(self.variables), n=3)
        hint = f"did you mean {', '.join(close)}?" if close else "check the codebook's variables"
        raise InputError(f"{self.source or self.wave}: no variable '{name}' in the codebook", hint)


# --------------------------------------------------------------------------- loading


def _code(value: Any) -> Any:
    """Normalise a code from YAML: numbers become floats, text stays text."""
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float | np.integer | np.floating):
        return float(value)
    if isinstance(value, str):
        stripped = value.strip()
        try:
            return float(stripped)
        except ValueError:
            return value
    return value


def _codes(values: Iterable[Any] | None) -> tuple[Any, ...]:
    return tuple(_code(v) for v in (values or ()))


def _code_map(mapping: Mapping[Any, Any] | None, text_values: bool = True) -> dict[Any, Any]:
    return {_code(k): (str(v) if text_values else _code(v)) for k, v in (mapping or {}).items()}


def _conditions(mapping: Mapping[str, Any] | None) -> dict[str, tuple[Any, ...]]:
    return {
        str(k): _codes(v if isinstance(v, list | tuple) else [v])
        for k, v in (mapping or {}).items()
    }


_HINT = (
    "correct the codebook YAML; its schema is described in the README (section 'Codebooks') "
    "and in survey.codebook.schema"
)


class _Fail:
    """Collects mistakes in a codebook so that one error lists all of them."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.messages: list[str] = []

    def add(self, message: str) -> None:
        self.messages.append(message)

    def raise_if_any(self) -> None:
        if self.messages:
            listing = "\n".join(f"  - {m}" for m in self.messages)
            raise InputError(
                f"{self.source}: the codebook has {len(self.messages)} problem(s):\n{listing}",
                _HINT,
            )


def _parse_variable(
    name: str, spec: Mapping[str, Any], scales: Mapping[str, Any], fail: _Fail
) -> Variable:
    merged: dict[str, Any] = {}
    if "scale" in spec:
        scale = scales.get(spec["scale"])
        if scale is None:
            fail.add(
                f"variable '{name}': unknown scale '{spec['scale']}' (known: {', '.join(scales)})"
            )
        else:
            merged.update(scale)
    merged.update({k: v for k, v in spec.items() if k != "scale"})
    if "raw" not in merged:
        fail.add(f"variable '{name}': no raw name given (key 'raw')")
    vtype = merged.get("type", "numeric")
    if vtype not in ("numeric", "string"):
        fail.add(f"variable '{name}': type must be numeric or string, not '{vtype}'")
    text = vtype == "string"
    values = {
        (str(k) if text else _code(k)): str(v) for k, v in (merged.get("values") or {}).items()
    }
    missing = (
        tuple(str(m) for m in merged.get("missing", ())) if text else _codes(merged.get("missing"))
    )
    not_applicable = merged.get("not_applicable", SYSMIS)
    if not_applicable != SYSMIS:
        not_applicable = _code(not_applicable)
        if not_applicable not in missing:
            fail.add(
                f"variable '{name}': not_applicable code {not_applicable:g} must also be a missing code"
            )
    for code in missing:
        if values and code not in values:
            fail.add(f"variable '{name}': missing code {code} has no label in 'values'")
    recode = _code_map(merged.get("recode"), text_values=False)
    labels = _code_map(merged.get("labels"))
    if not text:
        texts = [c for c in (*recode.values(), *labels) if isinstance(c, str)]
        if texts:
            fail.add(
                f"variable '{name}': recodes onto the text code {texts[0]!r}, but the variable "
                "is numeric: canonical codes of a numeric variable are numbers (recode onto "
                "numbers and give their labels under `labels`)"
            )
    valid_range = merged.get("range")
    if valid_range is not None:
        valid_range = (float(valid_range[0]), float(valid_range[1]))
    measure = merged.get("measure") or (
        "scale" if valid_range or (vtype == "numeric" and not values) else "nominal"
    )
    return Variable(
        name=name,
        raw=str(merged.get("raw", name)),
        type=vtype,
        label=str(merged.get("label", "")),
        values=values,
        missing=missing,
        not_applicable=not_applicable,
        valid_range=valid_range,
        recode=recode,
        labels=labels,
        asked_if=_conditions(merged.get("asked_if")),
        asked_if_any=_conditions(merged.get("asked_if_any")),
        measure=measure,
        format=merged.get("format"),
        role=merged.get("role"),
    )


_AGREE_LABELS_EXAMPLE = 'agree_labels: {0: "<does not agree>", 1: "<agrees>"}'


def _parse_agree_labels(name: str, spec: Mapping[str, Any], fail: _Fail) -> dict[float, str]:
    """The two labels of a battery's ``<item>_agree`` indicators, code 0.0 first.

    There is no default: the labels are the study's words, and they become the categories of the
    cleaned indicators.
    """
    given = spec.get("agree_labels")
    if given is None:
        fail.add(
            f"battery '{name}': no labels for its <item>_agree indicators (key 'agree_labels'); "
            f"add {_AGREE_LABELS_EXAMPLE}"
        )
        return {}
    if not isinstance(given, Mapping):
        fail.add(
            f"battery '{name}': 'agree_labels' must map the codes 0 and 1 to labels, not "
            f"{given!r}; write {_AGREE_LABELS_EXAMPLE}"
        )
        return {}
    labels = _code_map(given)
    if set(labels) != {0.0, 1.0}:
        codes = ", ".join(str(k) for k in given)
        fail.add(
            f"battery '{name}': 'agree_labels' must label exactly the codes 0 and 1, not "
            f"[{codes}]; write {_AGREE_LABELS_EXAMPLE}"
        )
        return {}
    if labels[0.0] == labels[1.0] or not all(label.strip() for label in labels.values()):
        fail.add(
            f"battery '{name}': 'agree_labels' needs two different, non-empty labels, not "
            f"{labels[0.0]!r} and {labels[1.0]!r}"
        )
        return {}
    return {0.0: labels[0.0], 1.0: labels[1.0]}


def _parse_battery(name: str, spec: Mapping[str, Any], fail: _Fail) -> Battery:
    items = tuple(spec.get("items", ()))
    return Battery(
        name=name,
        label=str(spec.get("label", "")),
        items=items,
        agree=_codes(spec.get("agree", (4, 5))),
        reversed=tuple(spec.get("reversed", ())),
        # every item gets an <item>_agree indicator, so a battery with items needs the labels
        agree_labels=_parse_agree_labels(name, spec, fail) if items else {},
    )


def _parse_derived(name: str, spec: Mapping[str, Any], fail: _Fail) -> Derived:
    kind = spec.get("kind")
    if kind not in _DERIVED_KINDS:
        fail.add(f"derived '{name}': kind must be one of {', '.join(_DERIVED_KINDS)}, not {kind!r}")
    edges = tuple(float(e) for e in spec.get("edges", ()))
    values = _code_map(spec.get("values"))
    if kind == "bins" and len(edges) != len(values):
        fail.add(
            f"derived '{name}': {len(edges)} edges but {len(values)} labels; give one label per class"
        )
    default = spec.get("default")
    mapping = _code_map(spec.get("map"), text_values=False)
    texts = [c for c in (*values, *mapping.values(), default) if isinstance(c, str)]
    if texts:
        fail.add(
            f"derived '{name}': the text code {texts[0]!r}; derived variables are numeric, so "
            "their codes are numbers (give the texts as labels under `values`)"
        )
    return Derived(
        name=name,
        kind=str(kind),
        label=str(spec.get("label", "")),
        values=values,
        source=spec.get("from"),
        mapping=mapping,
        default=None if default is None else _code(default),
        edges=edges,
        any_of=_conditions(spec.get("any_of")),
        none_if=_conditions(spec.get("none_if")),
    )


def _routing_cycle(book: Codebook) -> list[str]:
    """A chain of routing conditions that comes back to where it started, or []."""
    graph = {
        name: [o for o in (*var.asked_if, *var.asked_if_any) if o in book.variables]
        for name, var in book.variables.items()
    }
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(name: str, path: list[str]) -> list[str]:
        state[name] = 1
        for other in graph[name]:
            if state.get(other) == 1:
                return [*path[path.index(other) :], other] if other in path else [name, other]
            if other not in state:
                found = visit(other, [*path, other])
                if found:
                    return found
        state[name] = 2
        return []

    for name in graph:
        if name not in state:
            found = visit(name, [name])
            if found:
                return found
    return []


def _check_references(book: Codebook, fail: _Fail) -> None:
    names = set(book.variables)
    if book.id is not None and book.id not in names:
        fail.add(f"id '{book.id}' is not one of the variables")
    if book.link and not book.link.get("key") and book.id is None:
        fail.add("the link to another wave needs `key:` (the codebook has no id)")
    raws: dict[str, str] = {}
    for var in book.variables.values():
        if var.raw in raws:
            fail.add(f"raw name '{var.raw}' is used by both '{raws[var.raw]}' and '{var.name}'")
        raws[var.raw] = var.name
        for other in list(var.asked_if) + list(var.asked_if_any):
            if other not in names:
                fail.add(f"variable '{var.name}': routing refers to unknown variable '{other}'")
    cycle = _routing_cycle(book)
    if cycle:
        fail.add(f"routing is circular: {' -> '.join(cycle)} (who is asked can never be decided)")
    for mr in book.mr_sets.values():
        for item in (*mr.items, *([mr.none_item] if mr.none_item else [])):
            if item not in names:
                fail.add(f"multiple-response set '{mr.name}': unknown item '{item}'")
    for battery in book.batteries.values():
        for item in (*battery.items, *battery.reversed):
            if item not in names:
                fail.add(f"battery '{battery.name}': unknown item '{item}'")
    seen = set(names)
    for derived in book.derived.values():
        sources = [derived.source] if derived.source else []
        sources += list(derived.any_of) + list(derived.none_if)
        for src in sources:
            if src not in seen:
                fail.add(f"derived '{derived.name}': unknown or later-defined variable '{src}'")
        if derived.name in names:
            fail.add(f"derived '{derived.name}' has the name of a raw variable")
        seen.add(derived.name)


def load_codebook(path: str | Path) -> Codebook:
    """Load and check a codebook YAML file.

    Parameters
    ----------
    path
        The YAML file.

    Returns
    -------
    Codebook
        The parsed codebook.

    Raises
    ------
    InputError
        The file is missing, not YAML, or the codebook is inconsistent (all mistakes listed).

    Examples
    --------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "wave1.yaml"
    >>> _ = path.write_text(
    ...     "wave: wave1\\nsurvey: demo\\nid: respondent_id\\nvariables:\\n"
    ...     "  respondent_id: {raw: resp, role: id}\\n"
    ...     "  smokes: {raw: q1, values: {1: Ja, 2: Nee, 9: Onbekend}, missing: [9]}\\n"
    ... )
    >>> book = load_codebook(path)
    >>> book.variables["smokes"].raw
    'q1'
    """
    source = Path(path)
    if not source.exists():
        raise InputError(
            f"{source}: codebook not found", "check the codebook path in config/study.yaml"
        )
    try:
        data = yaml.safe_load(source.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise InputError(f"{source}: not valid YAML ({exc})", "fix the YAML syntax") from None
    if not isinstance(data, Mapping) or "variables" not in data:
        raise InputError(
            f"{source}: not a codebook (no 'variables' section)", "see config/codebooks/"
        )
    strict.convert(data, _CodebookFile, source, _HINT)
    fail = _Fail(str(source))
    scales = data.get("scales") or {}
    variables = {
        str(name): _parse_variable(str(name), spec, scales, fail)
        for name, spec in (data.get("variables") or {}).items()
    }
    mr_sets = {
        str(name): MultipleResponseSet(
            name=str(name),
            label=str(spec.get("label", "")),
            items=tuple(spec.get("items", ())),
            counted=_code(spec.get("counted", 1)),
            none_item=spec.get("none_item"),
        )
        for name, spec in (data.get("mr_sets") or {}).items()
    }
    batteries = {
        str(name): _parse_battery(str(name), spec, fail)
        for name, spec in (data.get("batteries") or {}).items()
    }
    derived = {
        str(name): _parse_derived(str(name), spec, fail)
        for name, spec in (data.get("derived") or {}).items()
    }
    for key in ("wave", "survey", "id"):
        if key not in data:
            fail.add(f"missing top-level key '{key}'")
    book = Codebook(
        wave=str(data.get("wave", source.stem)),
        survey=str(data.get("survey", "")),
        title=str(data.get("title", "")),
        id=None if data.get("id") is None else str(data["id"]),
        variables=variables,
        mr_sets=mr_sets,
        batteries=batteries,
        derived=derived,
        weighted=bool(data.get("weighted", False)),
        link=data.get("link"),
        source=str(source),
    )
    _check_references(book, fail)
    fail.raise_if_any()
    return book


def match_file_names(book: Codebook, columns: Iterable[Any], file: str = "the file") -> Codebook:
    """The codebook with each ``raw`` name spelled as the file spells it.

    SPSS variable names are case-insensitive: ``raw: q1`` finds ``Q1`` in the file. An exact
    spelling wins; the file's spelling is kept in every message and output.

    Parameters
    ----------
    book
        The codebook.
    columns
        The file's variable names.
    file
        The file, for the message.

    Returns
    -------
    Codebook
        The same codebook, or a copy whose variables carry the file's spelling.

    Raises
    ------
    InputError
        A raw name matches two names of the file that differ only in case.

    Examples
    --------
    >>> book = Codebook("w", "s", "t", None, {"q": Variable("q", "q1", "Vraag")})
    >>> match_file_names(book, ["ID", "Q1"]).variables["q"].raw
    'Q1'
    """
    names = [str(c) for c in columns]
    exact = set(names)
    folded: dict[str, list[str]] = defaultdict(list)
    for name in names:
        folded[name.casefold()].append(name)
    changed = {}
    for canonical, var in book.variables.items():
        if var.raw in exact:
            continue
        found = folded.get(var.raw.casefold(), [])
        if len(found) > 1:
            raise InputError(
                f"{file}: variable '{var.raw}' ({canonical}) matches {', '.join(found)}, names "
                "that differ only in case (SPSS treats them as one name)",
                f"set `raw:` of {canonical} in the codebook to the exact spelling",
            )
        if found:
            changed[canonical] = replace(var, raw=found[0])
    if not changed:
        return book
    return replace(book, variables={n: changed.get(n, v) for n, v in book.variables.items()})
