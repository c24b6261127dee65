"""Check a raw file against its codebook, reporting every problem at once.

:func:`validate` checks that every codebook variable is present with the right type, that values
are known codes or lie in the valid range, that routing holds, that the identifier is present and
unique and that "none of these" answers stand alone; :class:`ValidationReport` lists the problems.
:func:`asked_mask` and :func:`is_blank` are the routing and emptiness rules that cleaning and
describing share.

It does not change data: applying a codebook is ``clean.py``'s job.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from survey.codebook.schema import SYSMIS, Codebook, MultipleResponseSet, Variable
from survey.errors import InputError
from survey.io.meta import FileMeta

__all__ = [
    "Problem",
    "ValidationReport",
    "asked_mask",
    "format_code",
    "is_blank",
    "validate",
]


@dataclass(frozen=True)
class Problem:
    """One way in which a raw file does not fit its codebook.

    Attributes
    ----------
    kind
        ``missing_variable``, ``type_mismatch``, ``unknown_code``, ``out_of_range``, ``routing``,
        ``duplicate_id``, ``missing_id``, ``mr_inconsistent``, ``missing_codes_differ``,
        ``all_missing`` or ``extra_variable``.
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


def _check_answered(frame: pd.DataFrame, var: Variable, file: str) -> list[Problem]:
    """A variable without a single valid answer (every case empty or missing) is reported."""
    series = frame[var.raw]
    if len(series) == 0:
        return []
    valid = ~is_blank(series, var) & ~series.isin(list(var.missing))
    if valid.any():
        return []
    return [
        Problem(
            "all_missing",
            var.raw,
            f"{file}: variable '{var.raw}' ({var.name}) has no valid answer in any of the "
            f"{len(series)} case(s); analyses of it will fail (check the export or the routing)",
            None,
            len(series),
            "warning",
        )
    ]


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
        Raw data as read by :func:`survey.io.read_spss`.
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
    >>> import tempfile
    >>> from pathlib import Path
    >>> from survey.codebook import load_codebook
    >>> from survey.io import frame_meta
    >>> path = Path(tempfile.mkdtemp()) / "w1.yaml"
    >>> _ = path.write_text("wave: w1\\nsurvey: s\\nid: resp\\nvariables:\\n"
    ...     "  resp: {raw: id, role: id}\\n  q: {raw: q1, values: {1: Ja, 2: Nee}}\\n")
    >>> frame = pd.DataFrame({"id": [1.0, 2.0, 3.0], "q1": [1.0, 2.0, 1.0]})
    >>> report = validate(frame, frame_meta(frame), load_codebook(path))
    >>> report.ok
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
        problems += _check_answered(frame, var, file)
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
