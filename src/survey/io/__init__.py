"""Read and write data files with all their metadata: SPSS (.sav, .zsav) and Parquet.

:func:`read_data` and :func:`write_data` choose the format by the file's suffix. The pieces:
``meta`` (the typed, frozen :class:`FileMeta`), ``spss`` (the only module that talks to
pyreadstat: code-page detection, chunked reads, byte-stable writes), ``parquet`` (Parquet with the
metadata in the schema) and ``files`` (hashes and atomic writes).

It deliberately does not interpret the data: which codes are missing, what a variable means and
how it is recoded is the codebook's business (``survey.codebook``, ``survey.clean``).
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from survey.errors import InputError
from survey.io.files import Staging, atomic_output, output_lock, sha256_file, staged_outputs
from survey.io.meta import FileMeta, VariableMeta, frame_meta
from survey.io.parquet import read_parquet, write_parquet
from survey.io.spss import (
    CANDIDATE_ENCODINGS,
    CHUNK_THRESHOLD,
    SPSS_SUFFIXES,
    GarbledTextWarning,
    read_spss,
    read_spss_meta,
    write_sav,
)

__all__ = [
    "CANDIDATE_ENCODINGS",
    "CHUNK_THRESHOLD",
    "SPSS_SUFFIXES",
    "FileMeta",
    "GarbledTextWarning",
    "Staging",
    "VariableMeta",
    "atomic_output",
    "frame_meta",
    "output_lock",
    "read_data",
    "read_parquet",
    "read_spss",
    "read_spss_meta",
    "sha256_file",
    "staged_outputs",
    "write_data",
    "write_parquet",
    "write_sav",
]


def read_data(
    path: str | os.PathLike[str], encoding: str | None = None, progress: bool = False
) -> tuple[pd.DataFrame, FileMeta]:
    """Read ``.sav``, ``.zsav`` or ``.parquet`` with metadata, chosen by the file's suffix.

    Parameters
    ----------
    path
        The file.
    encoding
        Code page override for SPSS files.
    progress
        Show a progress bar for large SPSS files.

    Returns
    -------
    tuple of (pandas.DataFrame, FileMeta)
        The data and its metadata.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> frame = pd.DataFrame({"q1": [1.0, 2.0, 9.0]})
    >>> meta = FileMeta({"q1": VariableMeta("q1", "Vraag 1", value_labels={1.0: "Ja", 2.0: "Nee"},
    ...                                     missing_values=(9.0,))})
    >>> path = write_data(frame, meta, pathlib.Path(tempfile.mkdtemp()) / "q.sav")
    >>> data, read_meta = read_data(path)
    >>> data["q1"].tolist(), read_meta.variables["q1"].missing_values
    ([1.0, 2.0, 9.0], (9.0,))
    """
    source = Path(path)
    if source.suffix.lower() == ".parquet":
        return read_parquet(source)
    return read_spss(source, encoding=encoding, progress=progress)


def write_data(frame: pd.DataFrame, meta: FileMeta, path: str | os.PathLike[str]) -> Path:
    """Write ``.sav``, ``.zsav`` or ``.parquet``, chosen by the suffix of ``path``.

    Parameters
    ----------
    frame
        The data.
    meta
        Its metadata.
    path
        Destination.

    Returns
    -------
    pathlib.Path
        The written file.

    Raises
    ------
    InputError
        The suffix is none of ``.sav``, ``.zsav`` and ``.parquet``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> frame = pd.DataFrame({"region": pd.Categorical(["Noord", "Zuid", "Noord"])})
    >>> path = write_data(frame, frame_meta(frame), pathlib.Path(tempfile.mkdtemp()) / "r.parquet")
    >>> read_data(path)[1].variables["region"].value_labels
    {1.0: 'Noord', 2.0: 'Zuid'}
    """
    target = Path(path)
    if target.suffix.lower() == ".parquet":
        return write_parquet(frame, meta, target)
    if target.suffix.lower() in SPSS_SUFFIXES:
        return write_sav(frame, meta, target)
    raise InputError(
        f"{target}: unknown output type '{target.suffix}'",
        "write to a .sav, .zsav or .parquet file",
    )
