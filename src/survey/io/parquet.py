"""Write and read Parquet files that carry the SPSS metadata along.

:func:`write_parquet` stores the :class:`FileMeta` as JSON in the file's schema metadata, so that
:func:`read_parquet` gives back exactly the metadata that was written; a Parquet file written
elsewhere gets metadata from :func:`frame_meta`.

It deliberately does not talk to pyreadstat (``spss.py`` does) and does not interpret the data.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from survey.errors import InputError
from survey.io.files import atomic_output
from survey.io.meta import FileMeta, frame_meta

__all__ = ["read_parquet", "write_parquet"]

_PARQUET_META_KEY = b"survey.meta"


def write_parquet(frame: pd.DataFrame, meta: FileMeta, path: str | os.PathLike[str]) -> Path:
    """Write a frame as Parquet with the SPSS metadata stored in the file's schema metadata.

    Parameters
    ----------
    frame
        The data (categoricals are kept as Arrow dictionaries).
    meta
        Its metadata; :func:`read_parquet` returns it unchanged.
    path
        Destination ``.parquet``.

    Returns
    -------
    pathlib.Path
        The written file.
    """
    target = Path(path)
    table = pa.Table.from_pandas(frame.reset_index(drop=True), preserve_index=False)
    encoded = json.dumps(meta.to_dict(), ensure_ascii=False, sort_keys=True).encode("utf-8")
    table = table.replace_schema_metadata(
        {**(table.schema.metadata or {}), _PARQUET_META_KEY: encoded}
    )
    with atomic_output(target) as tmp:
        pq.write_table(table, tmp, compression="zstd", write_statistics=True)
    return target


def read_parquet(path: str | os.PathLike[str]) -> tuple[pd.DataFrame, FileMeta]:
    """Read a Parquet file written by :func:`write_parquet`, with its metadata.

    Parameters
    ----------
    path
        A ``.parquet`` file. One written elsewhere gets metadata from :func:`frame_meta`.

    Returns
    -------
    tuple of (pandas.DataFrame, FileMeta)
        The data and its metadata.

    Raises
    ------
    InputError
        The file is missing or not Parquet.
    """
    source = Path(path)
    if not source.exists():
        raise InputError(f"{source}: file not found", "check the path, or run `make ingest`")
    if source.is_dir():
        raise InputError(
            f"{source}: is a folder, not a Parquet file", "give the path of a .parquet file"
        )
    try:
        table = pq.read_table(source)
    except Exception as exc:
        raise InputError(
            f"{source}: cannot be read as Parquet ({exc})",
            "the file is damaged; delete it and run `make ingest` again",
        ) from None
    frame = table.to_pandas()
    for name in frame.columns:
        if pd.api.types.is_string_dtype(frame[name].dtype) and frame[name].dtype != object:
            frame[name] = frame[name].astype(object)
    stored = (table.schema.metadata or {}).get(_PARQUET_META_KEY)
    if stored is None:
        meta = frame_meta(frame)
    else:
        meta = FileMeta.from_dict(json.loads(stored.decode("utf-8")))
    return frame, meta.replace(source=str(source), n_rows=len(frame))
