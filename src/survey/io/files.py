"""Small file utilities every stage needs: content hashes and atomic writes.

:func:`atomic_output` gives a temporary path beside the destination and moves it into place only
when the write succeeded, with the permissions a new file gets under the umask; :func:`sha256_file`
hashes a file's bytes for provenance records.

It deliberately does not know any file format (``spss.py``, ``parquet.py`` and the report writers
use it).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

__all__ = ["atomic_output", "sha256_file"]


def sha256_file(path: str | os.PathLike[str]) -> str:
    """Return the SHA-256 hex digest of a file's bytes.

    Parameters
    ----------
    path
        The file.

    Returns
    -------
    str
        64 hexadecimal characters.
    """
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``path`` and move it into place only on success.

    Readers never see a half-written file: if the body raises, the temporary file is removed and
    ``path`` keeps whatever it held before.

    Parameters
    ----------
    path
        The final destination.

    Yields
    ------
    pathlib.Path
        Where to write.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "out.txt"
    >>> with atomic_output(target) as tmp:
    ...     _ = tmp.write_text("done")
    >>> target.read_text()
    'done'
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        # mkstemp creates the file readable by its owner only; give it the usual permissions.
        os.chmod(tmp, _default_file_mode())
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()


def _default_file_mode() -> int:
    """Permissions a newly created file gets under the process umask (rw for all, masked)."""
    mask = None
    with contextlib.suppress(OSError, ValueError):
        with open("/proc/self/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("Umask:"):
                    mask = int(line.split()[1], 8)
    if mask is None:  # not Linux: read the umask by setting it (and at once restoring it)
        mask = os.umask(0o022)
        os.umask(mask)
    return 0o666 & ~mask
