"""Run a function in a child process, so that a crash in native code cannot take this process down.

pyreadstat's C library (ReadStat) can crash with a segmentation fault, or loop, on a damaged file.
:func:`call_isolated` runs such a call in a child process and turns a crash into
:class:`ChildFailed` and a hang into :class:`ChildTimedOut`; an exception the function raises is
raised here, and the warnings it gives are given again here. The function can report progress
with :func:`report_progress`, which reaches the caller's ``on_progress``: the caller draws the
progress bar, where the user sees it (a terminal or a notebook). With :func:`check_beside` it can
run a second, independent check in one more process, on another core, while it works.

How: one helper process per Python process (a small fork server, started on first use, with a
single thread) imports the function's module once and forks a child for every call, so a call
costs a ``fork`` rather than a new interpreter. The child writes its result to a temporary file (in
memory, ``/dev/shm``, when there is room) as a pickle whose large buffers (NumPy arrays) are
stored raw beside it (pickle protocol 5); the caller maps the file, so a data frame comes back
without being encoded value by value or copied. Why not :mod:`multiprocessing`: its
children re-import the caller's main module (for the ``survey`` command that is the whole command
line interface, two seconds per call) and its ``fork`` method forks this process, threads and all.

It deliberately knows nothing of file formats or of the errors users see: the caller (``spss.py``)
decides what a crash or a hang means. It needs ``os.fork`` (Linux, macOS); elsewhere the function
runs in this process, with a warning that a crash will end it.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import faulthandler
import gc
import json
import mmap
import os
import pickle
import resource
import select
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NoReturn, TypeVar

__all__ = [
    "ChildFailed",
    "ChildTimedOut",
    "call_isolated",
    "check_beside",
    "report_progress",
    "start_helper",
]

T = TypeVar("T")

#: Seconds the fork server may take to start a child, including importing the function's module
#: into the server on its first call (pandas alone takes over a second on a busy machine).
STARTUP_TIMEOUT = 300.0

_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
_LENGTH = struct.Struct("<Q")
_ALIGNMENT = 64
_RESULT_NAME = "result.pickle"
_MEMORY = "/dev/shm"
#: Without the thread pools that start on import (NumPy's OpenBLAS, pyarrow's jemalloc purger) the
#: helper has a single thread, so forking it is safe; its children need none of them.
_ONE_THREAD = {
    "OPENBLAS_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "JE_ARROW_MALLOC_CONF": "background_thread:false",
}
#: In a child: the pipe that reaches the parent (see report_progress); None elsewhere.
_progress_pipe: int | None = None
_BOOT = (
    "import json, sys; sys.path[:0] = json.loads(sys.argv[1]); "
    "from survey.io.isolated import _serve; _serve()"
)


class ChildFailed(Exception):
    """The child process ended without a result: killed by a signal (a crash) or a non-zero exit.

    Parameters
    ----------
    returncode
        As :attr:`subprocess.Popen.returncode`: ``-N`` for a child killed by signal ``N``.
    """

    def __init__(self, returncode: int) -> None:
        self.returncode = returncode
        super().__init__(f"the child process {self.how}")

    @property
    def how(self) -> str:
        """How the child ended, e.g. ``"was killed by SIGSEGV"`` or ``"exited with code 1"``."""
        if self.returncode < 0:
            try:
                name = signal.Signals(-self.returncode).name
            except ValueError:
                name = f"signal {-self.returncode}"
            return f"was killed by {name}"
        return f"exited with code {self.returncode}"


class ChildTimedOut(Exception):
    """The child process did not finish in time and was killed.

    Parameters
    ----------
    timeout
        The seconds it was given.
    """

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        super().__init__(f"the child process did not finish within {timeout:.0f} s")


def call_isolated(
    func: Callable[..., T],
    *args: Any,
    timeout: float,
    on_progress: Callable[[int], object] | None = None,
    prepare: Callable[[], object] | None = None,
    stacklevel: int = 1,
) -> T:
    """Call ``func(*args)`` in a child process and return its result.

    Parameters
    ----------
    func
        A function importable by name (defined at module level), so that the child can find it.
    *args
        Its arguments; they and the result must be picklable.
    timeout
        Seconds the call may take once the child has started.
    on_progress
        Called here with each amount ``func`` passes to :func:`report_progress` there.
    prepare
        A function (importable by name) the helper process runs once, before the first child
        it starts with it, e.g. to load what ``func`` loads lazily, so that no child has to. It
        runs in the helper process itself: it must be safe (work on data it made itself).
    stacklevel
        Where the warnings of ``func`` are given again, as for :func:`warnings.warn` but counted
        from the caller: 1 is the line that calls this function, 2 the one that called that.

    Returns
    -------
    object
        What ``func`` returned.

    Raises
    ------
    ChildFailed
        The child crashed (e.g. a segmentation fault) or exited without a result.
    ChildTimedOut
        The child ran longer than ``timeout`` and was killed.
    Exception
        Whatever ``func`` raised, raised again here (its traceback in the child as a note).

    Examples
    --------
    >>> import math
    >>> call_isolated(math.factorial, 5, timeout=60)
    120
    >>> call_isolated(os.abort, timeout=60)
    Traceback (most recent call last):
    ...
    survey.io.isolated.ChildFailed: the child process was killed by SIGABRT
    """
    if not hasattr(os, "fork"):  # pragma: no cover - Windows
        warnings.warn(
            "this system cannot fork, so the call runs in this process: a crash ends it",
            RuntimeWarning,
            stacklevel=2,
        )
        return func(*args)
    payload = pickle.dumps((func, args), protocol=pickle.HIGHEST_PROTOCOL)
    preparation = None if prepare is None else pickle.dumps(prepare)
    kind, value, caught = _SERVER.call(payload, preparation, timeout, on_progress or _ignore)
    for category, message in caught:
        warnings.warn(message, category, stacklevel=stacklevel + 1)
    if kind == "raised":
        raise value
    return value  # type: ignore[no-any-return]


def report_progress(amount: int) -> None:
    """Pass ``amount`` to the ``on_progress`` of the :func:`call_isolated` this child runs for.

    Outside such a child it does nothing, so that a function can report progress wherever it runs.

    Parameters
    ----------
    amount
        E.g. the number of rows read since the last report.

    Examples
    --------
    >>> report_progress(100)  # not in a child: nothing happens
    """
    if _progress_pipe is not None:
        _send(_progress_pipe, ("progress", amount))


def start_helper() -> None:
    """Start the helper process now, so that the first :func:`call_isolated` need not wait for it.

    The helper imports what the calls need (pandas, pyreadstat: about a second); started early,
    e.g. before a command line program's own imports, that happens meanwhile. It returns at once.

    Examples
    --------
    >>> start_helper()
    """
    if hasattr(os, "fork"):
        with _SERVER.lock:
            _SERVER.running()


@contextlib.contextmanager
def check_beside(
    check: Callable[..., bool], *args: Any, here: bool = False
) -> Iterator[Callable[[], bool | None]]:
    """Run ``check(*args)`` in one more process beside this one, e.g. a second read of a file.

    Meant for a child of :func:`call_isolated` (a single thread: safe to fork) with two reads to
    do: pyreadstat holds the interpreter lock while it reads, so a thread would not help, but a
    process runs on another core. The process dies with this one (on Linux), so it cannot
    outlive a child killed for taking too long, and it is stopped when the block ends.

    Parameters
    ----------
    check
        Gives True or False.
    *args
        Its arguments.
    here
        Run the check here and now instead: for a quick one, as a process costs some 30 ms.

    Yields
    ------
    callable
        Waits for the check and gives its answer; None if it raised or crashed.

    Examples
    --------
    >>> with check_beside(os.path.isdir, "/") as answer:
    ...     answer()
    True
    """
    if here:
        try:
            result: bool | None = bool(check(*args))
        except Exception:
            result = None
        yield lambda: result
        return
    pid = os.fork()
    if pid == 0:  # pragma: no cover - measured in the process that forked
        code = 2
        try:
            _expect_crashes()
            _die_with_parent()
            code = 1 if check(*args) else 0
        finally:
            os._exit(code)
    answer: list[int] = []

    def wait() -> bool | None:
        if not answer:
            answer.append(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))
        return {0: False, 1: True}.get(answer[0])

    try:
        yield wait
    finally:
        if not answer:
            _kill_quietly(pid)
            wait()


def _expect_crashes() -> None:
    """A crash here is expected and reported by the caller: no core file, no fatal-error dump."""
    resource.setrlimit(resource.RLIMIT_CORE, (0, resource.getrlimit(resource.RLIMIT_CORE)[1]))
    faulthandler.disable()


def _die_with_parent() -> None:
    """Have the kernel kill this process when its parent dies (Linux; elsewhere nothing)."""
    if not sys.platform.startswith("linux"):
        return
    parent = os.getppid()
    ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(2)


def _ignore(amount: int) -> None:
    pass


# --------------------------------------------------------------------------- messages and results


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _send(fd: int, message: object) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    _write_all(fd, _LENGTH.pack(len(data)) + data)


def _read_exactly(fd: int, size: int, deadline: float | None) -> bytes:
    """Read ``size`` bytes; raise EOFError at end of file, TimeoutError after ``deadline``."""
    parts: list[bytes] = []
    while size:
        if deadline is not None and not _readable(fd, deadline - time.monotonic()):
            raise TimeoutError
        part = os.read(fd, size)
        if not part:
            raise EOFError
        parts.append(part)
        size -= len(part)
    return b"".join(parts)


def _readable(fd: int, seconds: float) -> bool:
    """Wait up to ``seconds`` for ``fd`` to have data or reach its end (poll: no limit on fds)."""
    if seconds <= 0:
        return False
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    return bool(poller.poll(seconds * 1000))


def _receive(fd: int, deadline: float | None = None) -> Any:
    (size,) = _LENGTH.unpack(_read_exactly(fd, _LENGTH.size, deadline))
    return pickle.loads(_read_exactly(fd, size, deadline))


def _aligned(offset: int) -> int:
    return -(-offset // _ALIGNMENT) * _ALIGNMENT


def _dump_result(value: object, folders: list[str]) -> None:
    """Write ``value`` as a pickle with its large buffers stored raw after it.

    It goes to the first folder with room for it: the call's folder in memory (``/dev/shm``),
    which spares the disk, else the one in the temporary folder.
    """
    buffers: list[pickle.PickleBuffer] = []
    data = pickle.dumps(value, protocol=5, buffer_callback=buffers.append)
    raws = [buffer.raw() for buffer in buffers]
    size = len(data) + sum(raw.nbytes + _ALIGNMENT for raw in raws)
    for folder in folders[:-1]:
        try:
            room = shutil.disk_usage(folder).free
            if room > 2 * size:
                _write_result(data, raws, os.path.join(folder, _RESULT_NAME))
                return
        except OSError:  # e.g. it filled up meanwhile: the next folder
            Path(folder, _RESULT_NAME).unlink(missing_ok=True)
    _write_result(data, raws, os.path.join(folders[-1], _RESULT_NAME))


def _write_result(data: bytes, raws: list[memoryview], path: str) -> None:
    with open(path, "wb") as handle:
        head = struct.pack(f"<QQ{len(raws)}Q", len(data), len(raws), *(r.nbytes for r in raws))
        handle.write(head)
        handle.write(data)
        offset = len(head) + len(data)
        for raw in raws:
            start = _aligned(offset)
            handle.write(b"\0" * (start - offset))
            handle.write(raw)
            offset = start + raw.nbytes


def _load_result(path: str) -> Any:
    """Read what :func:`_dump_result` wrote; the arrays map the file's bytes, without a copy.

    The mapping is private (copy-on-write): the arrays can be changed, and outlive the file.
    """
    with open(path, "rb") as handle:
        memory = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_COPY)
    view = memoryview(memory)
    size, count = struct.unpack_from("<QQ", view)
    lengths = struct.unpack_from(f"<{count}Q", view, 16)
    offset = 16 + 8 * count
    data = view[offset : offset + size]
    offset += size
    buffers = []
    for length in lengths:
        offset = _aligned(offset)
        buffers.append(view[offset : offset + length])
        offset += length
    return pickle.loads(data, buffers=buffers)


def _portable(exc: BaseException) -> BaseException:
    """``exc`` with its traceback as a note, or a RuntimeError saying what it was if not picklable."""
    exc.add_note("".join(traceback.format_exception(exc)).rstrip())
    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:
        return RuntimeError(f"{type(exc).__name__}: {exc}")
    return exc


# --------------------------------------------------------------------------- the fork server


def _serve() -> None:
    """Serve calls until the parent closes the request pipe (runs in the helper process)."""
    # The pipes to the parent get private descriptors; 0 and 1 become harmless, so that nothing
    # a child prints (C libraries print to stdout) can corrupt the replies.
    requests, replies = os.dup(0), os.dup(1)
    os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
    os.dup2(2, 1)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    prepared: set[bytes] = set()
    while True:
        try:
            sys_path, cwd, folders, payload, prepare = _receive(requests)
        except EOFError:
            return
        sys.path[:] = sys_path
        try:
            os.chdir(cwd)
        except OSError:  # the caller's folder is gone: relative paths fail in the child, not here
            pass
        try:  # import the function's module here once, so that later children find it loaded
            pickle.loads(payload)
            if prepare is not None and prepare not in prepared:
                prepared.add(prepare)
                pickle.loads(prepare)()
        except Exception:  # the child reports a function it cannot load; preparing is optional
            pass
        # Keep the collector off what the child inherits: collecting would touch (and so copy)
        # every page of it in the child, which doubled the time of a small read.
        gc.freeze()
        pid = os.fork()
        if pid == 0:
            _child(requests, replies, folders, payload)
        _send(replies, ("started", pid))
        code = _wait_for(pid, requests)
        if code is None:  # the parent is gone, and cannot clean up after the call
            for folder in folders:
                shutil.rmtree(folder, ignore_errors=True)
            return
        _send(replies, ("exited", code))


def _wait_for(pid: int, requests: int) -> int | None:
    """The child's exit code; or None, after killing it, if the parent goes away meanwhile.

    The parent sends nothing while a child runs, so the request pipe becomes readable only when
    the parent has closed it: it exited, or gave up on the call. A child stuck in a loop must not
    outlive it.
    """
    poller = select.poll()
    poller.register(requests, select.POLLIN)
    child: int | None = None
    try:
        child = os.pidfd_open(pid)  # readable when the child exits (Linux 5.3 and later)
        poller.register(child, select.POLLIN)
    except (AttributeError, OSError):
        pass
    try:
        while True:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                return os.waitstatus_to_exitcode(status)
            events = poller.poll(None if child is not None else 100)
            if any(fd == requests for fd, _ in events):
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                return None
    finally:
        if child is not None:
            os.close(child)


def _child(requests: int, replies: int, folders: list[str], payload: bytes) -> NoReturn:
    global _progress_pipe
    code = 70
    try:
        os.close(requests)
        _progress_pipe = replies  # messages up to 4 KiB reach the pipe whole (PIPE_BUF)
        _expect_crashes()
        signal.signal(signal.SIGINT, signal.default_int_handler)
        tempfile.tempdir = folders[-1]  # what the function leaves behind goes when the call ends
        outcome = _outcome(payload)
        try:
            _dump_result(outcome, folders)
        except Exception as exc:  # an unpicklable result
            _dump_result(("raised", _portable(exc), outcome[2]), folders[-1:])
        code = 0
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:
                pass
        os._exit(code)


def _outcome(payload: bytes) -> tuple[str, Any, list[tuple[type[Warning], str]]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            func, args = pickle.loads(payload)
            value = func(*args)
        except Exception as exc:
            return "raised", _portable(exc), _warning_list(caught)
    return "ok", value, _warning_list(caught)


def _warning_list(caught: list[warnings.WarningMessage]) -> list[tuple[type[Warning], str]]:
    return [(w.category, str(w.message)) for w in caught]


class _ForkServer:
    """The parent's end: starts the helper process and talks to it, one call at a time."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self._process: subprocess.Popen[bytes] | None = None
        self._owner = 0

    def running(self) -> subprocess.Popen[bytes]:
        """The helper process, started if it is not running (call with :attr:`lock` held)."""
        if self._process is not None and self._owner == os.getpid():
            if self._process.poll() is None:
                return self._process
            self._stop()
        self._owner = os.getpid()
        paths = [entry or os.getcwd() for entry in sys.path]
        self._process = subprocess.Popen(
            [sys.executable, "-c", _BOOT, json.dumps(paths)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            close_fds=True,
            env={**os.environ, **_ONE_THREAD},
        )
        return self._process

    def call(
        self,
        payload: bytes,
        prepare: bytes | None,
        timeout: float,
        on_progress: Callable[[int], object],
    ) -> tuple[str, Any, list[Any]]:
        try:
            return self._call_once(payload, prepare, timeout, on_progress)
        except ChildFailed as exc:
            if exc.returncode != 0:
                raise
        # The child exited cleanly but its result is gone (seen once under heavy load): start a
        # fresh helper process and try once more; a second such failure is reported.
        with self.lock:
            self._stop()
        return self._call_once(payload, prepare, timeout, on_progress)

    def _call_once(
        self,
        payload: bytes,
        prepare: bytes | None,
        timeout: float,
        on_progress: Callable[[int], object],
    ) -> tuple[str, Any, list[Any]]:
        with self.lock:
            requests, replies = _pipes(self.running())
            folders = [*_memory_folders(), tempfile.mkdtemp(prefix="survey-isolated-")]
            pid = 0
            try:
                paths = [p or os.getcwd() for p in sys.path]
                request = (paths, os.getcwd(), folders, payload, prepare)
                try:
                    _send(requests, request)
                except BrokenPipeError:  # the helper died since the last call: start another
                    self._stop()
                    requests, replies = _pipes(self.running())
                    _send(requests, request)
                pid, code = self._follow(replies, timeout, on_progress)
                results = [Path(f, _RESULT_NAME) for f in folders if Path(f, _RESULT_NAME).exists()]
                if code != 0 or not results:
                    raise ChildFailed(code)
                outcome: tuple[str, Any, list[Any]] = _load_result(str(results[0]))
                return outcome
            except (ChildFailed, ChildTimedOut):
                raise
            except EOFError:  # the helper process itself died
                self._stop()
                raise ChildFailed(-signal.SIGKILL) from None
            except TimeoutError:  # the helper process does not start the child
                self._stop()
                raise ChildTimedOut(STARTUP_TIMEOUT) from None
            except BaseException:  # e.g. Ctrl-C: the conversation is in an unknown state
                if pid > 0:
                    _kill_quietly(pid)
                self._stop()
                raise
            finally:
                for folder in folders:
                    shutil.rmtree(folder, ignore_errors=True)

    @staticmethod
    def _follow(
        replies: int, timeout: float, on_progress: Callable[[int], object]
    ) -> tuple[int, int]:
        """Relay the child's progress until it exits; kill it after ``timeout`` s. (pid, code)."""
        pid = 0
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while True:
            try:
                kind, value = _receive(replies, deadline)
            except TimeoutError:
                if pid == 0:  # the server does not answer
                    raise
                os.kill(pid, signal.SIGKILL)
                while _receive(replies, time.monotonic() + STARTUP_TIMEOUT)[0] != "exited":
                    pass
                raise ChildTimedOut(timeout) from None
            if kind == "started":
                pid, deadline = value, time.monotonic() + timeout
            elif kind == "progress":
                on_progress(value)
            else:
                return pid, value

    def _stop(self) -> None:
        process, self._process = self._process, None
        if process is None or self._owner != os.getpid():
            return
        if process.stdin is not None:
            try:
                process.stdin.close()  # the helper sees the end of its requests and exits
            except OSError:
                pass
        try:
            process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()


def _memory_folders() -> list[str]:
    """A new folder in ``/dev/shm`` (memory) for a call's result, if the system has one."""
    if not os.path.isdir(_MEMORY) or not os.access(_MEMORY, os.W_OK):
        return []
    try:
        return [tempfile.mkdtemp(prefix="survey-isolated-", dir=_MEMORY)]
    except OSError:
        return []


def _pipes(process: subprocess.Popen[bytes]) -> tuple[int, int]:
    """The descriptors of the helper's request and reply pipes."""
    if process.stdin is None or process.stdout is None:  # pragma: no cover - Popen with PIPE
        raise RuntimeError("the helper process has no pipes")
    return process.stdin.fileno(), process.stdout.fileno()


def _kill_quietly(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except OSError:
        pass


_SERVER = _ForkServer()
atexit.register(_SERVER._stop)
