"""Codebooks: what a raw SPSS export should hold, and the check of a file against it.

A codebook (``config/codebooks/<wave>.yaml``) describes one wave's raw file: for every canonical
variable the raw name, type, label, the codes that may occur and which of them are missing,
routing (who was asked), recodes onto canonical codes, multiple-response sets, Likert batteries
and derived variables. This module parses that YAML into frozen dataclasses, checks the codebook
itself, and validates a raw file against it, reporting every problem at once.

It also writes a codebook skeleton from any SPSS file (``survey codebook --format yaml``), the
starting point for a user's own files. It does not change data: applying a codebook is
``clean.py``'s job.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from survey.errors import InputError
from survey.ingest import FileMeta

__all__ = [
    "Battery",
    "Codebook",
    "Derived",
    "MultipleResponseSet",
    "Problem",
    "ValidationReport",
    "Variable",
    "asked_mask",
    "format_code",
    "is_blank",
    "load_codebook",
    "validate",
]

SYSMIS = "sysmis"
_DERIVED_KINDS = ("map", "bins", "any")


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
    """

    name: str
    label: str
    items: tuple[str, ...]
    agree: tuple[Any, ...] = (4, 5)
    reversed: tuple[str, ...] = ()


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
        Wave name, e.g. ``"wea2010"``.
    survey
        Survey name, e.g. ``"wea"``.
    title
        Human-readable title.
    id
        Canonical name of the unit identifier.
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
    id: str
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
                "correct the codebook YAML; its schema is described at the top of "
                "config/codebooks/wea2010.yaml",
            )


_VARIABLE_KEYS = {
    "raw",
    "type",
    "label",
    "values",
    "missing",
    "not_applicable",
    "range",
    "recode",
    "labels",
    "asked_if",
    "asked_if_any",
    "measure",
    "format",
    "role",
    "scale",
}


def _parse_variable(
    name: str, spec: Mapping[str, Any], scales: Mapping[str, Any], fail: _Fail
) -> Variable:
    if not isinstance(spec, Mapping):
        fail.add(f"variable '{name}': expected a mapping, got {spec!r}")
        return Variable(name=name, raw=name)
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
    unknown = set(merged) - _VARIABLE_KEYS
    if unknown:
        fail.add(f"variable '{name}': unknown key(s) {', '.join(sorted(unknown))}")
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
        recode=_code_map(merged.get("recode"), text_values=False),
        labels=_code_map(merged.get("labels")),
        asked_if=_conditions(merged.get("asked_if")),
        asked_if_any=_conditions(merged.get("asked_if_any")),
        measure=measure,
        format=merged.get("format"),
        role=merged.get("role"),
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
    return Derived(
        name=name,
        kind=str(kind),
        label=str(spec.get("label", "")),
        values=values,
        source=spec.get("from"),
        mapping=_code_map(spec.get("map"), text_values=False),
        default=None if default is None else _code(default),
        edges=edges,
        any_of=_conditions(spec.get("any_of")),
        none_if=_conditions(spec.get("none_if")),
    )


def _check_references(book: Codebook, fail: _Fail) -> None:
    names = set(book.variables)
    if book.id not in names:
        fail.add(f"id '{book.id}' is not one of the variables")
    raws: dict[str, str] = {}
    for var in book.variables.values():
        if var.raw in raws:
            fail.add(f"raw name '{var.raw}' is used by both '{raws[var.raw]}' and '{var.name}'")
        raws[var.raw] = var.name
        for other in list(var.asked_if) + list(var.asked_if_any):
            if other not in names:
                fail.add(f"variable '{var.name}': routing refers to unknown variable '{other}'")
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
    >>> book = load_codebook("config/codebooks/beso2011.yaml")  # doctest: +SKIP
    >>> book.variables["experience_detail"].raw  # doctest: +SKIP
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
        str(name): Battery(
            name=str(name),
            label=str(spec.get("label", "")),
            items=tuple(spec.get("items", ())),
            agree=_codes(spec.get("agree", (4, 5))),
            reversed=tuple(spec.get("reversed", ())),
        )
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
        id=str(data.get("id", "")),
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


# --------------------------------------------------------------------------- validation


@dataclass(frozen=True)
class Problem:
    """One way in which a raw file does not fit its codebook.

    Attributes
    ----------
    kind
        ``missing_variable``, ``type_mismatch``, ``unknown_code``, ``out_of_range``, ``routing``,
        ``duplicate_id``, ``missing_id``, ``mr_inconsistent``, ``missing_codes_differ`` or
        ``extra_variable``.
    variable
        Raw variable name (canonical name in brackets in the message).
    message
        What is wrong, naming values and counts.
    value
        The offending value, where there is one.
    count
        How many cases show the problem.
    severity
        ``"error"`` stops the pipeline; ``"warning"`` is reported and the run goes on.
    """

    kind: str
    variable: str
    message: str
    value: Any = None
    count: int = 0
    severity: str = "error"


@dataclass(frozen=True)
class ValidationReport:
    """All problems found when checking one file against its codebook.

    Attributes
    ----------
    file
        The data file.
    codebook
        The codebook file.
    problems
        Every problem found, errors first.
    n_rows
        Cases in the file.
    """

    file: str
    codebook: str
    problems: tuple[Problem, ...]
    n_rows: int = 0

    @property
    def errors(self) -> list[Problem]:
        """Problems that stop the pipeline."""
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        """Problems that are reported but do not stop the pipeline."""
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def ok(self) -> bool:
        """True when there are no errors."""
        return not self.errors

    def to_frame(self) -> pd.DataFrame:
        """Return the problems as a table, one row each.

        Returns
        -------
        pandas.DataFrame
            Columns ``severity, kind, variable, value, count, message``.
        """
        rows = [
            {
                "severity": p.severity,
                "kind": p.kind,
                "variable": p.variable,
                "value": p.value,
                "count": p.count,
                "message": p.message,
            }
            for p in self.problems
        ]
        return pd.DataFrame(
            rows, columns=["severity", "kind", "variable", "value", "count", "message"]
        )

    def format(self) -> str:
        """Return a readable listing of every problem.

        Returns
        -------
        str
            One line per problem under a heading that names the file and the codebook.
        """
        head = (
            f"{self.file}: {len(self.errors)} error(s), {len(self.warnings)} warning(s) "
            f"against codebook {self.codebook}"
        )
        lines = [head] + [f"  {p.severity}: {p.message}" for p in self.problems]
        return "\n".join(lines)

    def raise_for_errors(self) -> None:
        """Raise an :class:`InputError` listing every error, if there are any.

        Raises
        ------
        InputError
            The file does not fit its codebook.
        """
        if self.errors:
            raise InputError(
                self.format(),
                "correct the codebook (config/codebooks/) where the file is right, or the export "
                "where the file is wrong; `survey codebook FILE` shows what the file holds",
            )


def format_code(code: Any) -> str:
    """Show a code as users write it: ``1`` rather than ``1.0``, text in quotes."""
    if isinstance(code, float) and code.is_integer():
        return str(int(code))
    return repr(code) if isinstance(code, str) else str(code)


def _condition_mask(
    frame: pd.DataFrame, book: Codebook, conditions: Mapping[str, tuple[Any, ...]], any_: bool
) -> pd.Series:
    masks = []
    for canonical, codes in conditions.items():
        raw = book.variables[canonical].raw
        if raw not in frame.columns:
            masks.append(pd.Series(False, index=frame.index))
            continue
        masks.append(frame[raw].isin(list(codes)))
    if not masks:
        return pd.Series(True, index=frame.index)
    combined = masks[0]
    for mask in masks[1:]:
        combined = (combined | mask) if any_ else (combined & mask)
    return combined


def asked_mask(frame: pd.DataFrame, book: Codebook, var: Variable) -> pd.Series:
    """Return who was asked a routed question, from raw codes.

    Parameters
    ----------
    frame
        Raw data (raw names, raw codes).
    book
        The codebook.
    var
        The routed variable.

    Returns
    -------
    pandas.Series
        Boolean, True for respondents who were asked.
    """
    mask = pd.Series(True, index=frame.index)
    if var.asked_if:
        mask &= _condition_mask(frame, book, var.asked_if, any_=False)
    if var.asked_if_any:
        mask &= _condition_mask(frame, book, var.asked_if_any, any_=True)
    return mask


def is_blank(series: pd.Series, var: Variable) -> pd.Series:
    """Flag empty values: system-missing numbers, or empty text for string variables."""
    if var.type == "string":
        return series.isna() | (series.astype(str).str.strip() == "")
    return series.isna()


def _is_whole_number_format(spss_format: str | None) -> bool:
    """True for numeric formats without decimals (``F5.0``, ``F3``): fractions are out of range."""
    return bool(spss_format) and re.fullmatch(r"[A-Z]+\d+(\.0)?", str(spss_format)) is not None


def _check_values(
    frame: pd.DataFrame, var: Variable, file: str, file_format: str | None = None
) -> list[Problem]:
    """Unknown codes, and values outside the valid range (fractions too, for whole-number formats).

    The codebook's ``format`` decides whether fractions are allowed; without one, the file's.
    """
    series = frame[var.raw]
    problems: list[Problem] = []
    present = ~is_blank(series, var)
    if var.type == "string":
        if not var.values:
            return problems
        observed = series[present].astype(str).str.rstrip()
        unknown = observed[~observed.isin(list(var.values))]
    elif var.valid_range is not None:
        low, high = var.valid_range
        values = series[present]
        coded = values.isin(list(var.values))
        outside = ~coded & ((values < low) | (values > high))
        if _is_whole_number_format(var.format or file_format):
            outside |= ~coded & (values != np.floor(values))
        unknown = values[outside]
        for value, count in unknown.value_counts().sort_index().items():
            problems.append(
                Problem(
                    "out_of_range",
                    var.raw,
                    f"{file}: variable '{var.raw}' ({var.name}) has value {format_code(value)} in {count} "
                    f"case(s), outside the valid range {format_code(low)}-{format_code(high)} "
                    "and not a declared code",
                    value,
                    int(count),
                )
            )
        return problems
    elif var.values:
        unknown = series[present & ~series.isin(list(var.values))]
    else:
        return problems
    for value, count in unknown.value_counts().sort_index().items():
        known = ", ".join(format_code(c) for c in list(var.values)[:12])
        problems.append(
            Problem(
                "unknown_code",
                var.raw,
                f"{file}: variable '{var.raw}' ({var.name}) has code {format_code(value)} in {count} case(s), "
                f"not in the codebook (known codes: {known})",
                value,
                int(count),
            )
        )
    return problems


def _check_routing(frame: pd.DataFrame, book: Codebook, var: Variable, file: str) -> list[Problem]:
    if not var.is_routed:
        return []
    asked = asked_mask(frame, book, var)
    series = frame[var.raw]
    blank = is_blank(series, var)
    if var.not_applicable == SYSMIS:
        skipped_code = blank
    else:
        skipped_code = series == var.not_applicable
    problems = []
    answered_not_asked = ~asked & ~skipped_code & ~blank
    if answered_not_asked.any():
        problems.append(
            Problem(
                "routing",
                var.raw,
                f"{file}: variable '{var.raw}' ({var.name}) has an answer in {int(answered_not_asked.sum())} "
                f"case(s) that routing skips ({_routing_text(var)})",
                None,
                int(answered_not_asked.sum()),
            )
        )
    # With system-missing as "not applicable", an empty answer from someone asked is simply no
    # answer; only an explicit not-applicable code contradicts the routing.
    if var.not_applicable != SYSMIS:
        skipped_but_asked = asked & skipped_code
        if skipped_but_asked.any():
            problems.append(
                Problem(
                    "routing",
                    var.raw,
                    f"{file}: variable '{var.raw}' ({var.name}) is coded not applicable "
                    f"({format_code(var.not_applicable)}) in {int(skipped_but_asked.sum())} case(s) that "
                    f"routing asks ({_routing_text(var)})",
                    var.not_applicable,
                    int(skipped_but_asked.sum()),
                )
            )
    return problems


def _routing_text(var: Variable) -> str:
    def condition(name: str, codes: tuple[Any, ...]) -> str:
        return f"{name} in [{', '.join(format_code(c) for c in codes)}]"

    parts = []
    if var.asked_if:
        parts.append(" and ".join(condition(k, v) for k, v in var.asked_if.items()))
    if var.asked_if_any:
        parts.append(" or ".join(condition(k, v) for k, v in var.asked_if_any.items()))
    return "asked if " + " and ".join(f"({p})" for p in parts)


def _check_mr(
    frame: pd.DataFrame, book: Codebook, mr: MultipleResponseSet, file: str
) -> list[Problem]:
    if not mr.none_item:
        return []
    none_raw = book.variables[mr.none_item].raw
    item_raws = [book.variables[i].raw for i in mr.items if book.variables[i].raw in frame.columns]
    if none_raw not in frame.columns or not item_raws:
        return []
    none = frame[none_raw] == mr.counted
    some = (frame[item_raws] == mr.counted).any(axis=1)
    both = none & some
    if not both.any():
        return []
    return [
        Problem(
            "mr_inconsistent",
            none_raw,
            f"{file}: multiple-response set '{mr.name}': {int(both.sum())} case(s) name "
            f"'{none_raw}' ({mr.none_item}, none of these) together with another answer",
            None,
            int(both.sum()),
        )
    ]


def _check_id(frame: pd.DataFrame, var: Variable, file: str) -> list[Problem]:
    series = frame[var.raw]
    problems = []
    blank = is_blank(series, var)
    if blank.any():
        problems.append(
            Problem(
                "missing_id",
                var.raw,
                f"{file}: identifier '{var.raw}' is empty in {int(blank.sum())} case(s)",
                None,
                int(blank.sum()),
            )
        )
    counts = series[~blank].value_counts()
    for value, count in counts[counts > 1].sort_index().items():
        problems.append(
            Problem(
                "duplicate_id",
                var.raw,
                f"{file}: identifier '{var.raw}' has value {format_code(value)} in {count} cases; "
                "ids must be unique",
                value,
                int(count),
            )
        )
    return problems


def _check_declared_missing(meta: FileMeta, var: Variable, file: str) -> list[Problem]:
    declared = meta.variables.get(var.raw)
    if declared is None or var.type == "string":
        return []
    in_file = set(declared.missing_values)
    for low, high in declared.missing_ranges:
        in_file |= {c for c in var.values if isinstance(c, float) and low <= c <= high}
    if not declared.missing_values and not declared.missing_ranges:
        return []
    if in_file != set(var.missing):
        listed = ", ".join(format_code(c) for c in sorted(in_file))
        book = ", ".join(format_code(c) for c in sorted(var.missing))
        return [
            Problem(
                "missing_codes_differ",
                var.raw,
                f"{file}: variable '{var.raw}' ({var.name}) declares missing codes [{listed}] in the file, "
                f"the codebook [{book}]; the codebook is used",
                None,
                0,
                "warning",
            )
        ]
    return []


def validate(frame: pd.DataFrame, meta: FileMeta, book: Codebook) -> ValidationReport:
    """Check a raw file against its codebook and report every problem at once.

    Checks: every codebook variable is present with the right type; every value is a known code
    or lies in the valid range; routing holds (answers only from those asked, no "not applicable"
    for those asked); the identifier is present and unique; "none of these" answers stand alone.
    Variables in the file that the codebook does not name, and missing codes declared differently
    in the file, are warnings.

    Parameters
    ----------
    frame
        Raw data as read by :func:`survey.ingest.read_spss`.
    meta
        Its metadata.
    book
        The codebook.

    Returns
    -------
    ValidationReport
        All problems; call :meth:`ValidationReport.raise_for_errors` to stop on errors.

    Examples
    --------
    >>> report = validate(frame, meta, load_codebook("config/codebooks/beso2011.yaml"))  # doctest: +SKIP
    >>> report.ok  # doctest: +SKIP
    True
    """
    file = meta.source or "data"
    problems: list[Problem] = []
    present = []
    for var in book.variables.values():
        if var.raw not in frame.columns:
            close = difflib.get_close_matches(var.raw, [str(c) for c in frame.columns], n=3)
            hint = f"; similar names in the file: {', '.join(close)}" if close else ""
            problems.append(
                Problem(
                    "missing_variable",
                    var.raw,
                    f"{file}: variable '{var.raw}' ({var.name}) is not in the file{hint}",
                )
            )
            continue
        file_type = meta.variables[var.raw].type if var.raw in meta.variables else None
        if file_type is not None and file_type != var.type:
            problems.append(
                Problem(
                    "type_mismatch",
                    var.raw,
                    f"{file}: variable '{var.raw}' ({var.name}) is {file_type} in the file, "
                    f"{var.type} in the codebook",
                )
            )
            continue
        present.append(var)
    for var in present:
        declared = meta.variables.get(var.raw)
        problems += _check_values(frame, var, file, declared.format if declared else None)
        problems += _check_declared_missing(meta, var, file)
        if var.role == "id":
            problems += _check_id(frame, var, file)
    routing_ok = {v.name for v in present}
    for var in present:
        needed = set(var.asked_if) | set(var.asked_if_any)
        if needed <= routing_ok:
            problems += _check_routing(frame, book, var, file)
    for mr in book.mr_sets.values():
        problems += _check_mr(frame, book, mr, file)
    known = set(book.raw_to_canonical)
    for column in frame.columns:
        if column not in known:
            problems.append(
                Problem(
                    "extra_variable",
                    str(column),
                    f"{file}: variable '{column}' is in the file but not in the codebook; it is left out",
                    None,
                    0,
                    "warning",
                )
            )
    ordered = sorted(problems, key=lambda p: p.severity != "error")
    return ValidationReport(
        file=file, codebook=book.source or book.wave, problems=tuple(ordered), n_rows=len(frame)
    )
