"""Read and write SPSS (.sav, .zsav) files with all their metadata.

This is the only module that talks to pyreadstat. It reads a file into a data frame of raw codes
(user-missing values are kept as codes, never turned into NaN) plus a typed :class:`FileMeta`,
and writes frames back without losing variable labels, value labels (also on string variables),
user-missing values and ranges, measure levels, formats or the file label. It detects files whose
header declares no code page or the wrong one, reads large files in chunks when a progress bar
is asked for, and fixes the header's creation stamp so that equal data give equal bytes.

Reading is strict about damage: every pyreadstat call runs in a child process
(:mod:`survey.io.isolated`), so that a file on which ReadStat crashes or loops gives an
:class:`~survey.errors.InputError` rather than taking the process down; every case in the file is
read and must match the number its header declares; and text read with a forced code page that
looks garbled gives a :class:`GarbledTextWarning`.

It deliberately does not interpret the data: which codes are missing, what a variable means and
how it is recoded is the codebook's business (``survey.codebook``, ``survey.clean``).
"""

from __future__ import annotations

import codecs
import os
import re
import shutil
import signal
import struct
import tempfile
import unicodedata
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

import numpy as np
import pandas as pd
import pyreadstat

from survey.errors import InputError, SurveyError
from survey.io.files import atomic_output
from survey.io.isolated import (
    ChildFailed,
    ChildTimedOut,
    call_isolated,
    check_beside,
    report_progress,
)
from survey.io.meta import FileMeta, VariableMeta

__all__ = [
    "CANDIDATE_ENCODINGS",
    "CHUNK_THRESHOLD",
    "SPSS_SUFFIXES",
    "GarbledTextWarning",
    "read_spss",
    "read_spss_meta",
    "write_sav",
]


#: Code pages tried when a file's declared encoding does not decode its text, or decodes it into
#: garbage. The cleanest decoding wins; on a tie the earlier one. UTF-8 first (SPSS Unicode mode,
#: and it almost never decodes single-byte text), then Windows-1252, what SPSS for Windows wrote in
#: Western Europe before Unicode mode, before its subset Latin-1 and the DOS code page 850.
CANDIDATE_ENCODINGS: tuple[str, ...] = ("utf-8", "cp1252", "latin1", "cp850")

#: Files with more rows than this are read in chunks of this size when a progress bar is asked
#: for, so that the bar moves; without one a file is read in one go (faster, and less memory).
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

#: The header record of an SPSS system file is 176 bytes; ``layout_code`` (2 or 3, which tells
#: the byte order) is the int32 at byte 64, ``nominal_case_size`` (8-byte slots a case takes) at
#: 68, ``compression`` (0 none, 1 bytecode, 2 zlib) at 72, ``ncases`` (the number of cases, -1
#: when the writer leaves it open) at 80.
_HEADER_SIZE = 176
_LAYOUT_OFFSET = 64
_CASE_SIZE_OFFSET = 68
_COMPRESSION_OFFSET = 72
_NCASES_OFFSET = 80

#: Compressed files with more cases than this are searched for cases beyond the declared number
#: beside the read, in another process (which costs some 30 ms); smaller ones before it.
_PROBE_BESIDE_CASES = 100_000

#: A read may take this many seconds, plus this many per megabyte of file, before the reader is
#: taken to hang on a damaged file: many times what ReadStat needs (20-100 MB a second).
_TIMEOUT_BASE = 120.0
_TIMEOUT_PER_MB = 1.0

T = TypeVar("T")


class GarbledTextWarning(UserWarning):
    """Text read with a code page given by the user looks garbled (e.g. 'Ã©' for 'é')."""


# --------------------------------------------------------------------------- reading SPSS


def read_spss_meta(
    path: str | os.PathLike[str], encoding: str | None = None
) -> tuple[FileMeta, str | None]:
    """Read only the metadata of an SPSS file.

    Like :func:`read_spss`, it reads in a child process, so that a damaged file that makes the
    reader crash or hang gives an :class:`~survey.errors.InputError` instead.

    Parameters
    ----------
    path
        A ``.sav`` or ``.zsav`` file.
    encoding
        Code page to decode text with (any name iconv knows, e.g. ``"cp1252"``). ``None`` uses
        the one the file declares; if that fails, or its text comes out garbled (control
        characters, UTF-8 read byte by byte, symbols inside words), each of
        :data:`CANDIDATE_ENCODINGS` is tried and the one that decodes the dictionary and the
        first rows most cleanly is used, with :attr:`FileMeta.encoding_note` saying so. A code
        page given here is used as given; if the text then looks garbled, a
        :class:`GarbledTextWarning` says where.

    Returns
    -------
    tuple of (FileMeta, str or None)
        The metadata and the encoding to pass to the data reader (None: as declared).

    Raises
    ------
    InputError
        The file is missing, not SPSS, damaged (the reader fails, crashes or hangs on it),
        declares no cases, or is in no known code page.

    Examples
    --------
    >>> import tempfile
    >>> from survey.io import frame_meta
    >>> frame = pd.DataFrame({"regio": pd.Categorical(["Noord", "Zuid"])})
    >>> path = write_sav(frame, frame_meta(frame), Path(tempfile.mkdtemp()) / "m.sav")
    >>> meta, _ = read_spss_meta(path)
    >>> meta.n_rows, meta.variables["regio"].value_labels
    (2, {1.0: 'Noord', 2.0: 'Zuid'})
    """
    source = Path(path)
    _check_has_cases(source, _check_readable(source).cases)
    return _isolated(source, _read_meta_in_child, source, encoding)


def read_spss(
    path: str | os.PathLike[str],
    encoding: str | None = None,
    progress: bool = False,
    chunksize: int | None = None,
) -> tuple[pd.DataFrame, FileMeta]:
    """Read an SPSS file into raw codes plus full metadata.

    User-missing codes stay in the data as codes; system-missing values are NaN. String variables
    are ``object`` columns; numeric variables are ``float64``.

    The file is read in a child process (see :mod:`survey.io.isolated`): ReadStat, the C library
    under pyreadstat, can crash or loop on a damaged file, and that must end neither the
    command nor the notebook. Every case in the file is read, also beyond the number the header
    declares, and the two counts must agree.

    Parameters
    ----------
    path
        A ``.sav`` or ``.zsav`` file.
    encoding
        Code page override; see :func:`read_spss_meta`.
    progress
        Show a progress bar (on stderr) while a file of more than :data:`CHUNK_THRESHOLD` rows
        is read; it is then read in chunks of that size.
    chunksize
        Read in chunks of this many rows (with ``progress``, the bar moves per chunk). By default
        a file is read in one go, unless ``progress`` asks for a bar.

    Returns
    -------
    tuple of (pandas.DataFrame, FileMeta)
        The data and its metadata.

    Raises
    ------
    InputError
        The file is missing, not SPSS, truncated or damaged (the reader fails, crashes or hangs
        on it, or the file holds another number of cases than its header declares), holds no
        cases, or is in no known code page.

    Warns
    -----
    GarbledTextWarning
        ``encoding`` was given and the text it decodes looks garbled.

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
    from tqdm import tqdm

    source = Path(path)
    declared = _check_readable(source).cases
    _check_has_cases(source, declared)
    if chunksize is None and progress and (declared or 0) > CHUNK_THRESHOLD:
        chunksize = CHUNK_THRESHOLD
    show = progress and chunksize is not None
    with tqdm(total=declared, unit="rows", desc=source.name, disable=not show, leave=False) as bar:
        columns, meta = _isolated(
            source, _read_in_child, source, encoding, chunksize, on_progress=bar.update
        )
    frame = _unpack_columns(columns, meta)
    _check_case_count(source, declared, len(frame))
    return frame, meta.replace(n_rows=len(frame))


class _Header(NamedTuple):
    """What the reader needs of the 176-byte header record of an SPSS system file."""

    cases: int | None  # None: the writer left the number open (-1)
    compressed: bool
    case_bytes: int | None  # None: not declared


def _check_readable(path: Path) -> _Header:
    """Check that ``path`` is an SPSS system file; return what its header declares."""
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
        header = handle.read(_HEADER_SIZE)
    magic = header[:4]
    if magic not in (b"$FL2", b"$FL3"):
        raise InputError(
            f"{path}: not an SPSS system file (it starts with {magic!r}, not '$FL2' or '$FL3')",
            "export the data from SPSS as .sav, or check that the file was not damaged in transfer",
        )
    if len(header) < _HEADER_SIZE:
        raise InputError(
            f"{path}: the file is {len(header)} bytes long, shorter than the {_HEADER_SIZE}-byte "
            "header of an SPSS system file",
            _damaged_hint(path),
        )
    return _parse_header(path, header)


def _parse_header(path: Path, header: bytes) -> _Header:
    """The header's int32 fields, in the byte order its layout code tells."""
    (layout,) = struct.unpack_from("<i", header, _LAYOUT_OFFSET)
    order = "<" if layout in (2, 3) else ">"
    (slots,) = struct.unpack_from(f"{order}i", header, _CASE_SIZE_OFFSET)
    (compression,) = struct.unpack_from(f"{order}i", header, _COMPRESSION_OFFSET)
    (cases,) = struct.unpack_from(f"{order}i", header, _NCASES_OFFSET)
    if cases < -1:
        raise InputError(f"{path}: the header declares {cases} cases", _damaged_hint(path))
    return _Header(
        cases=None if cases == -1 else int(cases),
        compressed=compression != 0,
        case_bytes=8 * slots if slots > 0 else None,
    )


def _check_has_cases(path: Path, declared: int | None) -> None:
    if declared == 0:
        raise _no_cases(path, "its header declares 0 cases")


def _check_case_count(path: Path, declared: int | None, actual: int) -> None:
    """Refuse a file without cases, or with another number of cases than its header declares.

    ``actual`` -1 means that the cases could not be counted: nothing to compare.
    """
    if actual < 0:
        return
    if actual == 0:
        raise _no_cases(path, "no case could be read")
    if declared is not None and actual != declared:
        raise InputError(
            f"{path}: the header declares {declared} cases but the file holds {actual}",
            "the file is truncated or damaged; " + _damaged_hint(path),
        )


def _no_cases(path: Path, why: str) -> InputError:
    return InputError(
        f"{path}: the file holds no cases ({why})",
        "export the data again from SPSS, with its cases; check that the export's filter did "
        "not exclude every case",
    )


def _damaged_hint(path: Path) -> str:
    return (
        "ask for a new export of the data (in SPSS: File > Save As, SPSS Statistics .sav); to see "
        f"what is wrong with this copy, open it in GNU PSPP, e.g. `pspp-convert {path} check.csv`"
    )


def _read_timeout(size: int) -> float:
    """Seconds a read of a file of ``size`` bytes may take before the reader is taken to hang."""
    return _TIMEOUT_BASE + _TIMEOUT_PER_MB * size / 1e6


def _isolated(
    path: Path,
    func: Callable[..., T],
    *args: Any,
    on_progress: Callable[[int], object] | None = None,
) -> T:
    """Run ``func(*args)`` in a child process; a crash or a hang there is an InputError here."""
    timeout = _read_timeout(path.stat().st_size)
    try:
        return call_isolated(
            func,
            *args,
            timeout=timeout,
            on_progress=on_progress,
            prepare=_warm_up_reader,
            stacklevel=3,  # the warnings point at the caller of read_spss or read_spss_meta
        )
    except ChildFailed as exc:
        if not _reader_works():
            raise SurveyError(
                f"the SPSS reader crashed on {path}, and also on a small file it wrote itself: "
                f"pyreadstat does not work here (the reading process {exc.how})",
                "reinstall it: `make setup`, or `pip install --force-reinstall pyreadstat`",
            ) from None
        memory = ", or the computer ran out of memory" if exc.returncode == -signal.SIGKILL else ""
        raise InputError(
            f"the SPSS reader crashed on {path}: the file is damaged{memory} (the reading "
            f"process {exc.how})",
            _damaged_hint(path),
        ) from None
    except ChildTimedOut:
        raise InputError(
            f"the SPSS reader did not finish reading {path} within {timeout:.0f} s: the file is "
            "damaged (it makes the reader loop)",
            _damaged_hint(path),
        ) from None


def _reader_works() -> bool:
    """Whether the reader reads a small file of its own: a crash is then the file's fault."""
    try:
        call_isolated(_warm_up_reader, timeout=_TIMEOUT_BASE)
    except (ChildFailed, ChildTimedOut):
        return False
    return True


@dataclass(frozen=True)
class _Columns:
    """The data on its way from the child: numbers as arrays, text as codes into its values.

    Pickle writes text value by value (a million strings take a second each way), but arrays as
    raw bytes; survey text variables hold few distinct values, so codes plus the distinct values
    travel fast. Code -1 is an empty value.
    """

    n_rows: int
    numbers: dict[str, np.ndarray]
    texts: dict[str, tuple[np.ndarray, np.ndarray]]


def _unpack_columns(columns: _Columns, meta: FileMeta) -> pd.DataFrame:
    data: dict[str, pd.Series] = {}
    for name in meta.variables:
        if name in columns.texts:
            codes, values = columns.texts[name]
            # code -1 takes the last value: the empty string SPSS stores for "no answer"
            data[name] = pd.Series(np.append(values, "").take(codes), dtype=object, copy=False)
        else:
            data[name] = pd.Series(columns.numbers[name], dtype="float64", copy=False)
    return pd.DataFrame(data, index=pd.RangeIndex(columns.n_rows), copy=False)


# --------------------------------------------------------------------------- reading SPSS: the child
# Everything below runs in the child process that _isolated starts: every pyreadstat call, so that
# a crash in ReadStat ends the child only.


def _warm_up_reader() -> None:
    """Read a small file of its own once (in the helper process, see :func:`_isolated`).

    pyreadstat and pandas load parts of themselves on first use; loaded in the helper, they need
    not be loaded again in every child (30 ms a read).
    """
    frame = pd.DataFrame({"q": [1.0, 2.0], "s": ["a", "\u00e9"]})
    meta = FileMeta({"q": VariableMeta("q"), "s": VariableMeta("s", type="string")})
    folder = Path(tempfile.mkdtemp(prefix="survey-warm-up-"))
    try:
        path = write_sav(frame, meta, folder / "warm-up.sav")
        _read_in_child(path, None, None)
        _read_in_child(path, "utf-8", 1)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _read_meta_in_child(
    source: Path, encoding: str | None, data_path: Path | None = None
) -> tuple[FileMeta, str | None]:
    """The metadata of ``source``, read from ``data_path`` (a copy of it) if given."""
    readable = data_path or source
    used, note = _choose_encoding(source, encoding, readable)
    try:
        _, raw_meta = _read_raw(readable, used, metadataonly=True)
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


def _read_in_child(
    source: Path, encoding: str | None, chunksize: int | None
) -> tuple[_Columns, FileMeta]:
    """Read the file (in chunks of ``chunksize`` rows, or in one go) and pack its data.

    The data come from the file itself: with the number of cases it declares, pyreadstat reads
    fastest. Copies that leave the number open (see :class:`_Uncounted`) serve to look for
    cases beyond that number, and to count the cases of a file that holds fewer.
    """
    header = _check_readable(source)
    if header.cases is None:  # the file itself leaves the number open
        meta, used = _read_meta_in_child(source, encoding)
        frame = _read_data(source, source, used, meta.encoding, chunksize)
        return _pack_columns(frame, meta), meta
    declared = header.cases
    copies = _Uncounted(source, header)
    try:
        try:
            meta, used = _read_meta_in_child(source, encoding)
        except InputError:  # e.g. a file holding fewer cases than the code page probe asks for
            meta, used = _read_meta_in_child(source, encoding, copies.whole())
        # Looking beyond the declared cases decodes a compressed file up to there: for a large one
        # that is done beside the read, on another core (0.4 s of a 7 s read of a million-row
        # .zsav); in an uncompressed file it is a seek, in a small one quick.
        slow = declared > _PROBE_BESIDE_CASES and header.compressed
        beyond = copies.beyond()
        with check_beside(_holds_a_case_after, beyond, used, declared, here=not slow) as more:
            try:
                frame = _read_data(source, source, used, meta.encoding, chunksize)
            except InputError:  # a file that holds fewer cases fails: say how many
                _check_case_count(source, declared, _count_cases(copies.whole(), used))
                raise
            if more():
                _check_case_count(source, declared, _count_cases(copies.whole(), used))
    finally:
        copies.remove()
    return _pack_columns(frame, meta), meta


class _Uncounted:
    """Temporary copies of a file whose header leaves the number of cases open (-1), as needed.

    ReadStat stops after the number of cases the header declares, so cases beyond a damaged count
    would be dropped without a word, and a file that holds fewer fails without saying how many;
    told -1, it reads to the end of the data. In a child of
    :func:`~survey.io.isolated.call_isolated` the copies go to the call's temporary folder, which
    goes when the call ends, also if the child crashes.
    """

    def __init__(self, source: Path, header: _Header) -> None:
        self.source = source
        self.header = header
        self._whole: Path | None = None
        self._made: list[Path] = []

    def whole(self) -> Path:
        """A copy of the whole file: to count its cases, or to probe one holding fewer."""
        if self._whole is None:
            self._whole = self._copy(None)
        return self._whole

    def beyond(self) -> Path:
        """A copy from which ReadStat can read the cases after the declared ones.

        ReadStat decodes a compressed file from its start, but seeks to a case in an
        uncompressed one: there the copy leaves out the declared cases (a hole, which takes
        neither disk space nor time to write). It keeps the first ``size - declared * width``
        bytes, which hold the header and the dictionary if the file holds at least the declared
        cases (else reading it fails first), and every byte from ``176 + declared * width`` on,
        the earliest that case ``declared + 1`` can begin.
        """
        width, declared = self.header.case_bytes, self.header.cases
        if self.header.compressed or width is None or declared is None:
            return self.whole()
        size = self.source.stat().st_size
        head = size - declared * width
        if head < _HEADER_SIZE:
            return self.whole()
        return self._copy((head, max(head, _HEADER_SIZE + declared * width)))

    def _copy(self, hole: tuple[int, int] | None) -> Path:
        descriptor, name = tempfile.mkstemp(suffix=self.source.suffix, prefix="survey-uncounted-")
        os.close(descriptor)
        copy = Path(name)
        self._made.append(copy)
        try:
            if hole is None:
                shutil.copyfile(self.source, copy)
            else:
                _copy_around(self.source, copy, *hole)
        except OSError as exc:
            warnings.warn(
                f"{self.source}: no temporary copy could be made to count its cases ({exc}); "
                "cases beyond the number its header declares would go unnoticed",
                UserWarning,
                stacklevel=3,
            )
            return self.source
        with open(copy, "r+b") as handle:
            handle.seek(_NCASES_OFFSET)
            handle.write(struct.pack("<i", -1))  # all bits set: -1 in either byte order
        return copy

    def remove(self) -> None:
        for copy in self._made:
            copy.unlink(missing_ok=True)


def _copy_around(source: Path, copy: Path, start: int, end: int) -> None:
    """Copy ``source`` but for the bytes from ``start`` to ``end``, which become a hole."""
    with open(source, "rb") as original, open(copy, "wb") as out:
        out.write(original.read(start))
        original.seek(end)
        out.seek(end)
        shutil.copyfileobj(original, out)
        out.truncate(source.stat().st_size)


def _holds_a_case_after(path: Path, encoding: str | None, row: int) -> bool:
    """Whether ``path`` (an uncounted copy) holds a case after the first ``row`` cases.

    ReadStat seeks to the row in an uncompressed file; a compressed one it decodes up to there
    (about a sixteenth of a full read for .zsav, less for compressed .sav).
    """
    try:
        after, _ = _read_raw(path, encoding, row_offset=row, row_limit=1)
    except Exception:  # the read of the data proper succeeded: nothing beyond is readable
        return False
    return len(after) > 0


def _count_cases(path: Path, encoding: str | None) -> int:
    """The number of cases in ``path`` (an uncounted copy), or -1 if they cannot be counted."""
    try:
        _, raw_meta = _read_raw(path, encoding, metadataonly=True)
        first, _ = _read_raw(path, encoding, usecols=raw_meta.column_names[:1])
    except Exception:
        return -1
    return len(first)


def _read_data(
    source: Path, path: Path, used: str | None, encoding: str | None, chunksize: int | None
) -> pd.DataFrame:
    """The data of ``source``, read from ``path`` with code page ``used`` (``encoding`` by name)."""
    try:
        if chunksize is not None:
            return _read_chunked(path, used, chunksize)
        frame, _ = _read_raw(path, used)
        return frame
    except Exception as exc:
        if _is_encoding_problem(exc):
            raise InputError(
                f"{source}: text beyond the first {_PROBE_ROWS} cases cannot be decoded as "
                f"{encoding} ({_describe(exc)})",
                "name the file's code page explicitly, e.g. `--encoding cp1252` or `encoding:` "
                "in the study config",
            ) from None
        raise _unreadable(source, exc) from None


def _pack_columns(frame: pd.DataFrame, meta: FileMeta) -> _Columns:
    numbers: dict[str, np.ndarray] = {}
    texts: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for name, var in meta.variables.items():
        # a file with no data rows comes back without columns
        column = frame[name] if name in frame.columns else pd.Series([], dtype=object)
        if var.type == "string":
            codes, values = pd.factorize(column)
            code_type = np.result_type(np.min_scalar_type(-1), np.min_scalar_type(len(values)))
            texts[name] = (codes.astype(code_type), np.asarray(values, dtype=object))
        elif column.dtype == "float64":
            numbers[name] = column.to_numpy()
        else:
            numbers[name] = pd.to_numeric(column, errors="coerce").to_numpy(dtype="float64")
    return _Columns(len(frame), numbers, texts)


def _read_chunked(path: Path, encoding: str | None, size: int) -> pd.DataFrame:
    """Read in chunks of ``size`` rows, reporting each to the parent's progress bar."""
    parts = []
    for part, _ in pyreadstat.read_file_in_chunks(
        pyreadstat.read_sav,
        str(path),
        chunksize=size,
        user_missing=True,
        encoding=encoding,
        disable_datetime_conversion=True,
    ):
        parts.append(part)
        report_progress(len(part))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


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


def _located_texts(raw_meta: Any, sample: pd.DataFrame) -> Iterator[tuple[str, str]]:
    """All decoded text of a probe with where it was found: labels, names and string values."""
    yield "file label", raw_meta.file_label or ""
    for note in raw_meta.notes or ():
        yield "document text", note
    for name in raw_meta.column_names:
        yield "variable name", name
        yield f"label of variable {name}", raw_meta.column_names_to_labels.get(name) or ""
    for name, labels in raw_meta.variable_value_labels.items():
        for code, label in labels.items():
            yield f"value label of code {code!r} of variable {name}", str(label)
            if isinstance(code, str):
                yield f"a labelled code of variable {name}", code
    for name, kind in raw_meta.readstat_variable_types.items():
        if kind == "string" and name in sample.columns:
            for value in sample[name].dropna().unique():
                yield f"a value of variable {name}", str(value)


def _texts(raw_meta: Any, sample: pd.DataFrame) -> list[str]:
    """All decoded text of a probe that is not plain ASCII: names, labels and string values."""
    return [text for _, text in _located_texts(raw_meta, sample) if text and not text.isascii()]


def _warn_if_garbled(path: Path, encoding: str, raw_meta: Any, sample: pd.DataFrame) -> None:
    """Warn when text decoded with a code page the user chose looks garbled; say where first."""
    for where, text in _located_texts(raw_meta, sample):
        if text.isascii():
            continue
        if _is_mojibake(text) or any(_is_broken_character(char) for char in text):
            warnings.warn(
                f"{path}: read as {encoding} (as asked), but its text looks garbled: the "
                f"{where} reads {text!r}\n  what to do: leave out the code page override "
                "(--encoding, or `encoding:` in the study config) to let the reader detect it, "
                "or name the file's real code page",
                GarbledTextWarning,
                stacklevel=2,
            )
            return


def _is_broken_character(char: str) -> bool:
    """A control, unassigned or replacement character: no natural text holds one."""
    return unicodedata.category(char) in ("Cc", "Cn", "Co", "Cs") or char == "\ufffd"


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
            if _is_broken_character(char):
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


def _choose_encoding(
    path: Path, encoding: str | None, readable: Path | None = None
) -> tuple[str | None, str | None]:
    """Find the code page that decodes the text of ``path`` (read from ``readable``, a copy).

    Returns the encoding to pass to pyreadstat (None: the one the file declares) and a note when
    that is not the declared one. An explicit ``encoding`` is used as given, with a
    :class:`GarbledTextWarning` if its text looks garbled.
    """
    if encoding is not None:
        _check_code_page_name(path, encoding)
        try:
            raw_meta, sample = _probe(readable or path, encoding)
        except Exception as exc:
            if _is_encoding_problem(exc):
                raise InputError(
                    f"{path}: its text cannot be decoded as {encoding!r} ({_describe(exc)})",
                    "leave out --encoding to let the reader detect the code page, or name "
                    "another one (e.g. cp1252)",
                ) from None
            raise _unreadable(path, exc) from None
        _warn_if_garbled(path, encoding, raw_meta, sample)
        return encoding, None

    declared_error: Exception | None = None
    declared_name: str | None = None
    try:
        raw_meta, sample = _probe(readable or path, None)
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
            raw_meta, sample = _probe(readable or path, candidate)
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

    Raises
    ------
    InputError
        pyreadstat refuses the data or metadata (e.g. text value labels on a numeric variable);
        no file is written.
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
        try:
            pyreadstat.write_sav(data, str(tmp), **kwargs)
        except pyreadstat.PyreadstatError as exc:  # nothing is published: tmp is removed
            raise InputError(
                f"{target}: the SPSS file cannot be written: {exc}",
                "SPSS value labels need codes of the variable's own type (numbers for a numeric "
                "variable); correct the codebook's recode/labels, or the variable's metadata",
            ) from None
        _fix_header_stamp(tmp)
    return target


def _fix_header_stamp(path: Path) -> None:
    with open(path, "r+b") as handle:
        handle.seek(_HEADER_DATE_OFFSET)
        handle.write(_FIXED_DATE + _FIXED_TIME)
