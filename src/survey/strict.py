"""Parsing configuration data strictly against a typed schema (msgspec structs).

Every config file of a study (``study.yaml``, codebooks, ``analyses.yaml``, the figure map, the
published figures, the report layout) is described by :mod:`msgspec` structs. :func:`convert`
turns the YAML data into those structs and refuses two kinds of mistakes with one readable
message that names the file and the key path:

- an unknown key, with the closest known key as a suggestion (``min_cel_count`` -> did you mean
  ``min_cell_count``?); every unknown key of the file is listed at once;
- a value of the wrong type, with the expected type and the value found, at its full key path
  (``waves.wea2010.weighting.max_iter: expected int, got str 'ten'``), where msgspec alone would
  say ``$.waves[...]``.

Checks of values that types cannot express (a method name, files that must exist) stay with the
module that knows the meaning; this module only knows shapes.
"""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, TypeVar

import msgspec

from survey.errors import InputError

__all__ = ["convert", "fields", "unknown", "unknown_keys"]

T = TypeVar("T")

#: YAML 1.1 reads these words without quotes as true/false.
_YAML_BOOLEANS = "yes, no, on, off, true, false"


def fields(schema: type[msgspec.Struct]) -> dict[str, Any]:
    """The keys a struct accepts (as written in the file) and their types.

    Parameters
    ----------
    schema
        A msgspec struct class.

    Returns
    -------
    dict
        Key -> type annotation, in declaration order.

    Examples
    --------
    >>> class Rule(msgspec.Struct):
    ...     from_: str = msgspec.field(name="from")
    ...     n: int = 1
    >>> list(fields(Rule))
    ['from', 'n']
    """
    tag_field = schema.__struct_config__.tag_field
    tag = {tag_field: str} if tag_field else {}
    return tag | {f.encode_name: f.type for f in msgspec.structs.fields(schema)}


def _is_struct(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, msgspec.Struct)


def _members(tp: Any) -> tuple[Any, ...]:
    """The alternatives of a union type, or the type itself."""
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        return typing.get_args(tp)
    return (tp,)


def _tags(tp: Any) -> tuple[str | None, dict[Any, Any]]:
    """The tag field of a tagged union of structs and its tag -> struct, or (None, {})."""
    structs = [m for m in _members(tp) if _is_struct(m) and m.__struct_config__.tag_field]
    if len(structs) < 2:
        return None, {}
    field_name = structs[0].__struct_config__.tag_field
    return field_name, {m.__struct_config__.tag: m for m in structs}


def _shaped(data: Any, tp: Any) -> Any:
    """The member of a union that a value's shape (a mapping, a list) or its tag selects."""
    tag_field, tagged = _tags(tp)
    if tag_field and isinstance(data, Mapping):
        return tagged.get(data.get(tag_field))
    for member in _members(tp):
        origin = typing.get_origin(member) or member
        if isinstance(data, Mapping) and (_is_struct(member) or origin in (dict, Mapping)):
            return member
        if isinstance(data, list | tuple) and origin in (list, tuple):
            return member
    return None


def _children(data: Any, tp: Any, path: str) -> Iterator[tuple[Any, Any, str]]:
    """The known parts of a value with their types and key paths, one level down."""
    tp = _shaped(data, tp)
    if tp is None:
        return
    if _is_struct(tp):
        known = fields(tp)
        for key, value in data.items():
            if key in known:
                yield value, known[key], f"{path}.{key}" if path else str(key)
        return
    args = typing.get_args(tp)
    if isinstance(data, Mapping):
        for key, value in data.items():
            yield value, args[1] if len(args) == 2 else Any, f"{path}.{key}" if path else str(key)
    elif args:
        item = args[0]
        for index, value in enumerate(data):
            yield (
                value,
                args[index] if len(args) > 1 and args[1] is not ... else item,
                (f"{path}[{index}]"),
            )


def unknown(keys: Any, known: Any, path: str = "") -> list[str]:
    """A message for every key not among the known ones, suggesting the closest known key.

    Parameters
    ----------
    keys
        The keys found (e.g. a mapping).
    known
        The keys allowed, in the order to list them.
    path
        Key path of the mapping, for the messages.

    Returns
    -------
    list of str
        One message per unknown key.

    Examples
    --------
    >>> unknown({"data_sorce": "real"}, ["title", "data_source"])
    ["unknown key 'data_sorce' (did you mean 'data_source'?); known: title, data_source"]
    """
    known = [str(k) for k in known]
    found = []
    for key in keys:
        if str(key) not in known:
            close = difflib.get_close_matches(str(key), known, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            where = f"{path}.{key}" if path else str(key)
            found.append(f"unknown key '{where}'{hint}; known: {', '.join(known)}")
    return found


def unknown_keys(data: Any, schema: Any, path: str = "") -> list[str]:
    """Every key of ``data`` (at any depth) that its schema does not know, with a suggestion.

    Structs declared with ``forbid_unknown_fields=True`` know only their fields; others (a file
    whose top level may carry descriptive keys) accept any key.

    Parameters
    ----------
    data
        Parsed YAML.
    schema
        The msgspec struct (or a dict/list/union type of structs) it should match.
    path
        Key path of ``data`` itself, for the messages.

    Returns
    -------
    list of str
        One message per unknown key, in file order.

    Examples
    --------
    >>> class Policy(msgspec.Struct, forbid_unknown_fields=True):
    ...     min_cell_count: int = 10
    >>> unknown_keys({"min_cel_count": 300}, Policy, "report.disclosure")
    ["unknown key 'report.disclosure.min_cel_count' (did you mean 'min_cell_count'?); known: min_cell_count"]
    """
    shaped = _shaped(data, schema)
    found = []
    if _is_struct(shaped) and shaped.__struct_config__.forbid_unknown_fields:
        found = unknown(data, fields(shaped), path)
    for value, tp, where in _children(data, schema, path):
        found += unknown_keys(value, tp, where)
    return found


def _type_name(tp: Any) -> str:
    names = []
    for member in _members(tp):
        if member is type(None):
            continue
        origin = typing.get_origin(member) or member
        if origin is typing.Literal:
            names.append("one of " + ", ".join(repr(v) for v in typing.get_args(member)))
        elif _is_struct(member) or origin in (dict, Mapping):
            names.append("a mapping")
        elif origin in (list, tuple):
            names.append("a list")
        else:
            names.append(getattr(member, "__name__", str(member)))
    unique = list(dict.fromkeys(names))
    if not unique:
        return "nothing (leave it out)"
    return " or ".join([", ".join(unique[:-1]), unique[-1]] if len(unique) > 1 else unique)


def _wrong_type(data: Any, tp: Any, path: str) -> str | None:
    """The deepest key path whose value does not have its type, with what was expected."""
    try:
        msgspec.convert(data, tp, str_keys=True)
    except msgspec.ValidationError as exc:
        tag_field, tagged = _tags(tp)
        if tag_field and isinstance(data, Mapping) and data.get(tag_field) not in tagged:
            value = data.get(tag_field)
            where = f"{path}.{tag_field}" if path else tag_field
            close = difflib.get_close_matches(str(value), [str(t) for t in tagged], n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            return f"{where}: unknown value {value!r}{hint}; known: {', '.join(map(str, tagged))}"
        for value, sub, where in _children(data, tp, path):
            deeper = _wrong_type(value, sub, where)
            if deeper:
                return deeper
        if _shaped(data, tp) is not None and "Object missing required field" in str(exc):
            field_name = str(exc).split("`")[1]
            return f"{path or 'the file'}: required key '{field_name}' is missing"
        got = "true/false" if isinstance(data, bool) else type(data).__name__
        text = f"{path or 'the file'}: expected {_type_name(tp)}, got {got} {data!r}"
        if isinstance(data, bool):
            text += f" (YAML reads {_YAML_BOOLEANS} without quotes as true/false: quote it)"
        return text
    return None


def convert(data: Any, schema: type[T], source: str | Path, hint: str) -> T:
    """Parse YAML data into a schema, refusing unknown keys and wrong types.

    Parameters
    ----------
    data
        Parsed YAML (``yaml.safe_load``).
    schema
        The msgspec struct type of the whole file.
    source
        The file, named in the message.
    hint
        What to do, e.g. where the example file or the README section is.

    Returns
    -------
    T
        The parsed struct.

    Raises
    ------
    InputError
        Unknown keys (all listed, with suggestions) or a value of the wrong type (its key path,
        the expected type and the value).

    Examples
    --------
    >>> class Weighting(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    ...     method: str = "rake"
    ...     max_iter: int | None = None
    >>> convert({"method": "linear"}, Weighting, "study.yaml", "see the README")
    Weighting(method='linear', max_iter=None)
    >>> convert({"max_iter": "ten"}, Weighting, "study.yaml", "see the README")
    Traceback (most recent call last):
    survey.errors.InputError: study.yaml: max_iter: expected int, got str 'ten'
      what to do: see the README
    """
    unknown = unknown_keys(data, schema)
    if unknown:
        listing = "\n".join(f"  - {message}" for message in unknown)
        raise InputError(f"{source}: {len(unknown)} unknown key(s):\n{listing}", hint)
    try:
        return msgspec.convert(data, schema, str_keys=True)
    except msgspec.ValidationError as exc:
        raise InputError(f"{source}: {_wrong_type(data, schema, '') or exc}", hint) from None
