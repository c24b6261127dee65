"""Read and write SPSS (.sav, .zsav) files with all their metadata.

This is the only module that talks to pyreadstat. It reads a file into a data frame of raw codes
(user-missing values are kept as codes, never turned into NaN) plus a typed :class:`FileMeta`,
and writes frames back without losing variable labels, value labels (also on string variables),
user-missing values and ranges, measure levels, formats or the file label. It detects files whose
header declares no code page or the wrong one, reads large files in chunks, and fixes the
header's creation stamp so that equal data give equal bytes.

It deliberately does not interpret the data: which codes are missing, what a variable means and
how it is recoded is the codebook's business (``survey.codebook``, ``survey.clean``).
"""

from __future__ import annotations

import codecs
import os
import re
import unicodedata
from pathlib import Path
from typing import Any

import pandas as pd
import pyreadstat

from survey.errors import InputError
from survey.io.files import atomic_output
from survey.io.meta import FileMeta, VariableMeta

__all__ = [
    "CANDIDATE_ENCODINGS",
    "CHUNK_THRESHOLD",
    "SPSS_SUFFIXES",
    "read_spss",
    "read_spss_meta",
    "write_sav",
]


#: Code pages tried when a file's declared encoding does not decode its text, or decodes it into
#: garbage. The cleanest decoding wins; on a tie the earlier one. UTF-8 first (SPSS Unicode mode,
#: and it almost never decodes single-byte text), then Windows-1252, what SPSS for Windows wrote in
#: Western Europe before Unicode mode, before its subset Latin-1 and the DOS code page 850.
CANDIDATE_ENCODINGS: tuple[str, ...] = ("utf-8", "cp1252", "latin1", "cp850")

#: Files with more rows than this are read in chunks, with a progress bar when asked.
CHUNK_THRESHOLD = 200_000

#: Fixed creation stamp written into every .sav header, so that equal data gives equal bytes.
_FIXED_DATE = b"01 Jan 12"
_FIXED_TIME = b"00:00:00"
_HEADER_DATE_OFFSET = 92

#: File suffixes read and written as SPSS system files (``.zsav``: compressed).
SPSS_SUFFIXES = frozenset({".sav", ".zsav"})

#: Rows read, besides the dictionary, to judge which code page decodes a file's text.
_PROBE_ROWS = 500

_STRING_FORMAT = re.compile(r"^A(\d+)$", re.IGNORECASE)


# --------------------------------------------------------------------------- reading SPSS


def _check_readable(path: Path) -> None:
    if not path.exists():
        raise InputError(
            f"{path}: file not found",
            "check the path (in config/study.yaml for the study's files); run `make data` "
            "to generate the synthetic files",
        )
    if path.is_dir():
        raise InputError(f"{path}: is a folder, not an SPSS file", "give the path of a .sav file")
    if path.suffix.lower() not in SPSS_SUFFIXES:
        raise InputError(
            f"{path}: not an SPSS file (suffix '{path.suffix}')",
            "give a .sav or .zsav file, or a .parquet file written by this package",
        )
    with open(path, "rb") as handle:
        magic = handle.read(4)
    if magic not in (b"$FL2", b"$FL3"):
        raise InputError(
            f"{path}: not an SPSS system file (it starts with {magic!r}, not '$FL2' or '$FL3')",
            "export the data from SPSS as .sav, or check that the file was not damaged in transfer",
        )


def _is_encoding_problem(exc: BaseException) -> bool:
    """Tell whether a pyreadstat failure comes from decoding text.

    ReadStat reports iconv failures as ``ReadstatError`` ("Unable to convert string to the
    requested encoding"); when ReadStat does not convert at all (the file declares no code page)
    pyreadstat's own UTF-8 decoding fails, which surfaces as a ``SystemError`` naming
    ``UnicodeDecodeError`` with the decode error in its ``__cause__``/``__context__``.
    """
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, UnicodeError):
            return True
        text = str(current).lower()
        if any(
            marker in text
            for marker in ("encoding", "invalid byte sequence", "iconv", "unicodedecodeerror")
        ):
            return True
        current = current.__cause__ or current.__context__
    return False


def _read_raw(path: Path, encoding: str | None, **kwargs: Any) -> tuple[pd.DataFrame, Any]:
    return pyreadstat.read_sav(
        str(path), user_missing=True, encoding=encoding, disable_datetime_conversion=True, **kwargs
    )


def _probe(path: Path, encoding: str | None) -> tuple[Any, pd.DataFrame]:
    """Read the dictionary and the first rows with ``encoding`` (None: as the file declares)."""
    sample, raw_meta = _read_raw(path, encoding, row_limit=_PROBE_ROWS)
    return raw_meta, sample


def _texts(raw_meta: Any, sample: pd.DataFrame) -> list[str]:
    """All decoded text of a probe that is not plain ASCII: names, labels and string values."""
    texts: list[str] = [raw_meta.file_label or "", *(raw_meta.notes or ())]
    texts.extend(raw_meta.column_names)
    texts.extend(label for label in raw_meta.column_names_to_labels.values() if label)
    for labels in raw_meta.variable_value_labels.values():
        for code, label in labels.items():
            texts.append(str(label))
            if isinstance(code, str):
                texts.append(code)
    for name, kind in raw_meta.readstat_variable_types.items():
        if kind == "string" and name in sample.columns:
            texts.extend(str(value) for value in sample[name].dropna().unique())
    return [text for text in texts if text and not text.isascii()]


def _is_mojibake(text: str) -> bool:
    """UTF-8 bytes decoded one byte per character, e.g. 'Ã©' for 'é'."""
    for codec in ("cp1252", "latin1"):
        try:
            repaired = text.encode(codec).decode("utf-8")
        except UnicodeError:
            continue
        if repaired != text:
            return True
    return False


def _implausibility(texts: list[str]) -> int:
    """Score how unlike natural text a decoding is: 0 is clean, higher is worse.

    Counts control, unassigned and replacement characters (what a wrong single-byte code page
    makes of another one's letters, e.g. latin1 turning cp1252's curly quotes into C1 controls),
    whole strings that are UTF-8 read byte by byte ('geÃ¯nteresseerd'), and symbols or modifier
    letters wedged between two letters ('ge‹nteresseerd', 'Enquˆte': cp850 read as cp1252).
    """
    score = 0
    for text in texts:
        if _is_mojibake(text):
            score += 5
        for i, char in enumerate(text):
            if char.isascii():
                continue
            category = unicodedata.category(char)
            if category in ("Cc", "Cn", "Co", "Cs") or char == "\ufffd":
                score += 10
            elif (
                (category[0] not in "LM" or category == "Lm")
                and char not in "\u2018\u2019"
                and 0 < i < len(text) - 1
                and text[i - 1].isalpha()
                and text[i + 1].isalpha()
            ):
                score += 1
    return score


def _check_code_page_name(path: Path, encoding: str) -> None:
    """Refuse names that are no code page, or code pages an SPSS file cannot be written in."""
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise InputError(
            f"{path}: unknown code page {encoding!r}",
            "name a code page such as cp1252, latin1, cp850 or utf-8",
        ) from None
    # SPSS system files keep their dictionary in an ASCII-compatible code page: a name such as
    # utf-16 would "decode" the bytes into nonsense instead of failing.
    if "SPSS".encode(encoding, errors="replace") != b"SPSS":
        raise InputError(
            f"{path}: {encoding!r} is not a code page SPSS files are written in (it is not "
            "ASCII-compatible)",
            "name a single-byte code page such as cp1252, latin1 or cp850, or utf-8",
        )


def _choose_encoding(path: Path, encoding: str | None) -> tuple[str | None, str | None]:
    """Find the code page that decodes the file's text.

    Returns the encoding to pass to pyreadstat (None: the one the file declares) and a note when
    that is not the declared one. An explicit ``encoding`` is used as given.
    """
    if encoding is not None:
        _check_code_page_name(path, encoding)
        try:
            _probe(path, encoding)
        except Exception as exc:
            if _is_encoding_problem(exc):
                raise InputError(
                    f"{path}: its text cannot be decoded as {encoding!r} ({_describe(exc)})",
                    "leave out --encoding to let the reader detect the code page, or name "
                    "another one (e.g. cp1252)",
                ) from None
            raise _unreadable(path, exc) from None
        return encoding, None

    declared_error: Exception | None = None
    declared_name: str | None = None
    try:
        raw_meta, sample = _probe(path, None)
    except Exception as exc:
        if not _is_encoding_problem(exc):
            raise _unreadable(path, exc) from None
        declared_error = exc
        best_score = None
    else:
        declared_name = raw_meta.file_encoding
        best_score = _implausibility(_texts(raw_meta, sample))
        if best_score == 0:
            return None, None

    best: str | None = None
    for candidate in CANDIDATE_ENCODINGS:
        try:
            raw_meta, sample = _probe(path, candidate)
        except Exception:  # any failure means: this is not the code page
            continue
        score = _implausibility(_texts(raw_meta, sample))
        if best_score is None or score < best_score:
            best, best_score = candidate, score
        if score == 0:
            break

    if declared_error is None:
        if best is None:  # the declared code page reads at least as cleanly as any other
            return None, None
        return best, (
            f"{path.name}: its text decoded as the declared code page {declared_name} looks "
            f"garbled; {best} decodes it cleanly, so it was read as {best}"
        )
    if best is None:
        raise InputError(
            f"{path}: its text is in none of the code pages tried "
            f"({', '.join(CANDIDATE_ENCODINGS)}); the declared one fails: "
            f"{_describe(declared_error)}",
            "name the code page explicitly, e.g. `--encoding cp1252` or `encoding:` in the study "
            "config",
        )
    return best, (
        f"{path.name}: the file declares no code page or a wrong one (decoding failed: "
        f"{_describe(declared_error)}); read as {best}"
    )


def _describe(exc: BaseException) -> str:
    """One line about a pyreadstat failure, naming the underlying decode error if there is one."""
    current: BaseException | None = exc
    while current is not None:
        if isinstance(current, UnicodeError):
            return f"{type(current).__name__}: {current}"
        current = current.__cause__ or current.__context__
    return str(exc) or type(exc).__name__


def _unreadable(path: Path, exc: Exception) -> InputError:
    return InputError(
        f"{path}: cannot be read as an SPSS file ({exc})",
        "the file is truncated or damaged; export it again from SPSS or restore it from a backup",
    )


def _variable_meta(raw_meta: Any) -> dict[str, VariableMeta]:
    variables: dict[str, VariableMeta] = {}
    for name in raw_meta.column_names:
        is_string = raw_meta.readstat_variable_types.get(name) == "string"
        discrete: list[Any] = []
        ranges: list[tuple[Any, Any]] = []
        for rng in raw_meta.missing_ranges.get(name, []):
            low, high = rng["lo"], rng["hi"]
            if low == high:
                discrete.append(low)
            else:
                ranges.append((low, high))
        labels = raw_meta.variable_value_labels.get(name, {})
        if is_string:
            labels = {str(k): v for k, v in labels.items()}
        else:
            labels = {float(k): v for k, v in labels.items()}
        variables[name] = VariableMeta(
            name=name,
            label=raw_meta.column_names_to_labels.get(name),
            type="string" if is_string else "numeric",
            format=raw_meta.original_variable_types.get(name),
            measure=raw_meta.variable_measure.get(name, "unknown"),
            value_labels=labels,
            missing_values=tuple(discrete),
            missing_ranges=tuple(ranges),
            display_width=raw_meta.variable_display_width.get(name),
        )
    return variables


def read_spss_meta(
    path: str | os.PathLike[str], encoding: str | None = None
) -> tuple[FileMeta, str | None]:
    """Read only the metadata of an SPSS file.

    Parameters
    ----------
    path
        A ``.sav`` or ``.zsav`` file.
    encoding
        Code page to decode text with (any name iconv knows, e.g. ``"cp1252"``). ``None`` uses
        the one the file declares; if that fails, or its text comes out garbled (control
        characters, UTF-8 read byte by byte, symbols inside words), each of
        :data:`CANDIDATE_ENCODINGS` is tried and the one that decodes the dictionary and the
        first rows most cleanly is used, with :attr:`FileMeta.encoding_note` saying so.

    Returns
    -------
    tuple of (FileMeta, str or None)
        The metadata and the encoding to pass to the data reader (None: as declared).

    Raises
    ------
    InputError
        The file is missing, not SPSS, damaged, or in no known code page.
    """
    source = Path(path)
    _check_readable(source)
    used, note = _choose_encoding(source, encoding)
    try:
        _, raw_meta = _read_raw(source, used, metadataonly=True)
    except Exception as exc:
        raise _unreadable(source, exc) from None
    meta = FileMeta(
        variables=_variable_meta(raw_meta),
        file_label=raw_meta.file_label or None,
        encoding=used or raw_meta.file_encoding,
        encoding_note=note,
        n_rows=int(raw_meta.number_rows or 0),
        notes=tuple(raw_meta.notes or ()),
        source=str(source),
    )
    return meta, used


def read_spss(
    path: str | os.PathLike[str],
    encoding: str | None = None,
    progress: bool = False,
    chunksize: int | None = None,
) -> tuple[pd.DataFrame, FileMeta]:
    """Read an SPSS file into raw codes plus full metadata.

    User-missing codes stay in the data as codes; system-missing values are NaN. String variables
    are ``object`` columns; numeric variables are ``float64``.

    Parameters
    ----------
    path
        A ``.sav`` or ``.zsav`` file.
    encoding
        Code page override; see :func:`read_spss_meta`.
    progress
        Show a progress bar (on stderr) when the file is read in chunks.
    chunksize
        Rows per chunk. By default files above :data:`CHUNK_THRESHOLD` rows are read in chunks of
        that size and smaller files in one go.

    Returns
    -------
    tuple of (pandas.DataFrame, FileMeta)
        The data and its metadata.

    Raises
    ------
    InputError
        The file is missing, not SPSS, truncated or damaged, or in no known code page.

    Examples
    --------
    >>> import tempfile
    >>> from survey.io import frame_meta
    >>> frame = pd.DataFrame({"q1": pd.Categorical(["Ja, op dit moment", "Nee, nooit"])})
    >>> path = write_sav(frame, frame_meta(frame), Path(tempfile.mkdtemp()) / "w1.sav")
    >>> df, meta = read_spss(path)
    >>> meta.variables["q1"].value_labels[1.0]
    'Ja, op dit moment'
    >>> df["q1"].tolist()
    [1.0, 2.0]
    """
    source = Path(path)
    meta, used = read_spss_meta(source, encoding)
    size = chunksize or CHUNK_THRESHOLD
    try:
        if meta.n_rows > size or chunksize is not None:
            frame = _read_chunked(source, used, size, meta.n_rows, progress)
        else:
            frame, _ = _read_raw(source, used)
    except InputError:
        raise
    except Exception as exc:
        if _is_encoding_problem(exc):
            raise InputError(
                f"{source}: text beyond the first {_PROBE_ROWS} cases cannot be decoded as "
                f"{meta.encoding} ({_describe(exc)})",
                "name the file's code page explicitly, e.g. `--encoding cp1252` or `encoding:` "
                "in the study config",
            ) from None
        raise _unreadable(source, exc) from None
    if meta.n_rows and len(frame) != meta.n_rows:
        raise InputError(
            f"{source}: the header announces {meta.n_rows} cases but only {len(frame)} could be "
            "read",
            "the file is truncated; export it again from SPSS",
        )
    frame = _normalise_types(frame, meta)
    return frame, meta.replace(n_rows=len(frame))


def _read_chunked(
    path: Path, encoding: str | None, size: int, n_rows: int, progress: bool
) -> pd.DataFrame:
    from tqdm.auto import tqdm

    parts = []
    with tqdm(
        total=n_rows or None, unit="rows", desc=path.name, disable=not progress, leave=False
    ) as bar:
        for part, _ in pyreadstat.read_file_in_chunks(
            pyreadstat.read_sav,
            str(path),
            chunksize=size,
            user_missing=True,
            encoding=encoding,
            disable_datetime_conversion=True,
        ):
            parts.append(part)
            bar.update(len(part))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def _normalise_types(frame: pd.DataFrame, meta: FileMeta) -> pd.DataFrame:
    out = {}
    for name, var in meta.variables.items():
        column = frame[name]
        if var.type == "string":
            out[name] = column.astype(object).where(column.notna(), "")
        else:
            out[name] = pd.to_numeric(column, errors="coerce").astype("float64")
    return pd.DataFrame(out, index=pd.RangeIndex(len(frame)))


# --------------------------------------------------------------------------- writing SPSS


def _codes_for_spss(frame: pd.DataFrame, meta: FileMeta) -> pd.DataFrame:
    out = {}
    for name in meta.variables:
        if name not in frame.columns:
            raise InputError(
                f"metadata names variable '{name}' but the data has no such column",
                "pass metadata that describes this frame (see frame_meta)",
            )
        column = frame[name]
        var = meta.variables[name]
        if isinstance(column.dtype, pd.CategoricalDtype):
            by_label = {label: code for code, label in var.value_labels.items()}
            codes = column.astype(object).map(by_label)
            if var.type == "string":
                out[name] = _pad_to_width(codes.where(codes.notna(), "").astype(str), var)
            else:
                out[name] = pd.to_numeric(codes, errors="coerce").astype("float64")
        elif var.type == "string":
            out[name] = _pad_to_width(
                column.astype(object).where(column.notna(), "").astype(str), var
            )
        else:
            out[name] = pd.to_numeric(column, errors="coerce").astype("float64")
    return pd.DataFrame(out)


def _declared_width(var: VariableMeta) -> int | None:
    match = _STRING_FORMAT.match(var.format or "")
    return int(match.group(1)) if match else None


def _pad_to_width(column: pd.Series, var: VariableMeta) -> pd.Series:
    """Pad the first value with blanks so that pyreadstat gives the variable its declared width.

    pyreadstat sizes a string variable by its longest value and ignores the ``A`` format, so an
    ``A20`` variable holding short answers would come back as ``A5``. SPSS stores strings
    blank-padded to their width and readers strip the blanks, so the file is what SPSS writes.
    """
    width = _declared_width(var)
    if width is None or column.empty:
        return column
    first = column.iloc[0]
    missing = width - len(first.encode("utf-8"))
    if missing <= 0:
        return column
    column = column.copy()
    column.iloc[0] = first + " " * missing
    return column


def _missing_for_pyreadstat(var: VariableMeta) -> list[Any]:
    spec: list[Any] = list(var.missing_values)
    spec.extend({"lo": low, "hi": high} for low, high in var.missing_ranges)
    return spec


def write_sav(frame: pd.DataFrame, meta: FileMeta, path: str | os.PathLike[str]) -> Path:
    """Write a frame as an SPSS file, keeping every piece of metadata in ``meta``.

    A ``.zsav`` suffix writes a compressed file. The write is atomic and the header's creation
    stamp is fixed, so that equal data and metadata give byte-identical files.

    Parameters
    ----------
    frame
        The data: raw codes, or labelled categoricals whose categories are the value labels.
    meta
        Variables to write (in this order) and their metadata.
    path
        Destination ``.sav`` or ``.zsav``.

    Returns
    -------
    pathlib.Path
        The written file.
    """
    target = Path(path)
    data = _codes_for_spss(frame, meta)
    variables = meta.variables.values()
    kwargs: dict[str, Any] = {
        "file_label": meta.file_label or "",
        "column_labels": {v.name: v.label for v in variables if v.label},
        "variable_value_labels": {
            v.name: dict(v.value_labels) for v in variables if v.value_labels
        },
        "missing_ranges": {
            v.name: _missing_for_pyreadstat(v)
            for v in variables
            if v.missing_values or v.missing_ranges
        },
        "variable_measure": {v.name: v.measure for v in variables if v.measure != "unknown"},
        "variable_format": {v.name: v.format for v in variables if v.format},
        "variable_display_width": {v.name: v.display_width for v in variables if v.display_width},
        "compress": target.suffix.lower() == ".zsav",
    }
    if meta.notes:
        kwargs["note"] = list(meta.notes)
    with atomic_output(target) as tmp:
        pyreadstat.write_sav(data, str(tmp), **kwargs)
        _fix_header_stamp(tmp)
    return target


def _fix_header_stamp(path: Path) -> None:
    with open(path, "r+b") as handle:
        handle.seek(_HEADER_DATE_OFFSET)
        handle.write(_FIXED_DATE + _FIXED_TIME)
