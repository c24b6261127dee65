"""Small file utilities every stage needs: content hashes, atomic writes, staged sets, locks.

:func:`atomic_output` gives a temporary path beside the destination and moves it into place only
when the write succeeded, with the permissions a new file gets under the umask; :func:`staged_outputs`
does the same for a set of files (all are written into a staging folder first and only then
renamed into place, in the order given, so that a failure leaves the previous complete set);
:func:`output_lock` keeps two runs from writing the same folder at once; :func:`sha256_file`
hashes a file's bytes for provenance records.

It deliberately does not know any file format (``spss.py``, ``parquet.py`` and the report writers
use it).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from survey.errors import InputError

__all__ = ["Staging", "atomic_output", "output_lock", "sha256_file", "staged_outputs"]

#: The lock file a writing run holds in each output folder (it stays; it is empty when free).
LOCK_NAME = ".survey.lock"


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


class Staging:
    """Files being written for one publication: where to write each, and where it goes.

    Parameters
    ----------
    folder
        The folder of the final files (the staging folder is made inside it, on the same file
        system, so that publishing is a rename).
    """

    def __init__(self, folder: str | os.PathLike[str]) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.dir = Path(tempfile.mkdtemp(prefix=".staging-", dir=self.folder))
        self.planned: list[tuple[Path, Path]] = []

    def path(self, final: str | os.PathLike[str]) -> Path:
        """The path to write ``final`` to now; it is moved to ``final`` on publication."""
        target = Path(final)
        staged = self.dir / f"{len(self.planned):04d}-{target.name}"
        self.planned.append((staged, target))
        return staged

    def publish(self) -> None:
        """Move every staged file into place, in the order the paths were asked for."""
        missing = [str(final) for staged, final in self.planned if not staged.exists()]
        if missing:
            raise InputError(
                f"nothing was written for {', '.join(missing)}; the previous files are kept",
                "this is a bug in the stage that wrote them; please report it",
            )
        mode = _default_file_mode()
        for staged, final in self.planned:
            final.parent.mkdir(parents=True, exist_ok=True)
            os.chmod(staged, mode)
            os.replace(staged, final)


@contextlib.contextmanager
def staged_outputs(folder: str | os.PathLike[str]) -> Iterator[Staging]:
    """Write a set of files into a staging folder and publish them together on success.

    Parameters
    ----------
    folder
        Where the files go (a staging folder is made inside it and always removed).

    Yields
    ------
    Staging
        Ask it for the path of each file (:meth:`Staging.path`); write records that describe
        the others (provenance) last.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp())
    >>> with staged_outputs(out) as staging:
    ...     _ = staging.path(out / "a.txt").write_text("a")
    ...     _ = staging.path(out / "b.txt").write_text("b")
    >>> sorted(p.name for p in out.iterdir())
    ['a.txt', 'b.txt']
    """
    staging = Staging(folder)
    try:
        yield staging
        staging.publish()
    finally:
        shutil.rmtree(staging.dir, ignore_errors=True)


_HELD: dict[Path, tuple[int, int]] = {}

#: What a run that was killed may leave: staging folders and temporary files.
_LEFTOVERS = (".staging-*", ".report-*", ".*.tmp")


def _sweep(folder: Path) -> None:
    """Remove what killed runs left in a folder whose lock this run now holds.

    Only the folder itself and its ``tables``/``figures`` subfolders are looked at (an output
    folder may be a big tree, e.g. the project's root).
    """
    places = [folder, *(folder / sub for sub in ("tables", "figures") if (folder / sub).is_dir())]
    for pattern in _LEFTOVERS:
        for path in sorted(p for place in places for p in place.glob(pattern)):
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                with contextlib.suppress(OSError):
                    path.unlink()


@contextlib.contextmanager
def output_lock(folders: Iterable[str | os.PathLike[str]], what: str) -> Iterator[None]:
    """Hold the write lock of output folders; a second run gets exit 3 naming the first.

    The lock is an ``fcntl`` lock on ``<folder>/.survey.lock``: the system drops it when the run
    ends, also when it is killed, so it never goes stale. Within one process it is re-entrant.
    Taking it removes what a killed run left in the folder (staging folders, temporary files).

    Parameters
    ----------
    folders
        The folders this run writes (created if missing).
    what
        What this run is (``"survey report"``), written into the lock file for the message.

    Raises
    ------
    InputError
        Another run holds a lock: its process id and what it is are named.
    """
    import fcntl

    taken: list[Path] = []
    try:
        for folder in sorted({Path(f).resolve() for f in folders}):
            if folder in _HELD:
                fd, count = _HELD[folder]
                _HELD[folder] = (fd, count + 1)
                taken.append(folder)
                continue
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / LOCK_NAME
            fd = os.open(path, os.O_RDWR | os.O_CREAT, _default_file_mode())
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = os.pread(fd, 400, 0).decode("utf-8", "replace").strip() or "another run"
                os.close(fd)
                raise InputError(
                    f"{folder} is being written by {holder}",
                    "wait until that run has finished (or stop it), then run this again",
                ) from None
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{what} (process {os.getpid()})\n".encode(), 0)
            _HELD[folder] = (fd, 1)
            _sweep(folder)
            taken.append(folder)
        yield
    finally:
        for folder in reversed(taken):
            fd, count = _HELD[folder]
            if count > 1:
                _HELD[folder] = (fd, count - 1)
                continue
            del _HELD[folder]
            with contextlib.suppress(OSError):
                os.ftruncate(fd, 0)
            os.close(fd)
