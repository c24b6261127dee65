"""Time ``survey.io.read_spss`` against a bare ``pyreadstat.read_sav`` on a 1,000,000-row file.

``read_spss`` reads in a child process (``survey.io.isolated``), so that a damaged file on which
ReadStat crashes cannot take the caller down; it also reads every case past the header's count
and sends the data back through a temporary file. This benchmark measures what that costs.

What is measured
----------------
* The file: ``pyreadstat.write_sav`` of ``--rows`` rows (default 1,000,000) and 20 variables: 14
  labelled 1-5 items (one with user-missing code 9, 2% system-missing), 4 continuous variables
  and 2 short string variables. It is written once to ``--file`` (default: in the temporary
  folder) and reused.
* Bare: ``pyreadstat.read_sav(path, user_missing=True, disable_datetime_conversion=True)``, the
  call ``read_spss`` makes. Ours: ``read_spss(path)``.
* ``--repeats`` rounds (default 5), bare and ours in alternating order, ``gc.collect()`` before
  each, ``time.perf_counter`` wall time. The helper process is started before the rounds; its
  start-up, paid once per Python process, is reported separately (``cold_start_s``: first minus
  second ``read_spss`` of a 10-row file).
* ``ratio``: median of ours over median of bare; ``paired_ratio``: median of the per-round ratios.
* CPU time (Linux): bare, this process's (``time.process_time``); ours, this process's plus the
  reading child's (the helper process waits for its children, so their time is in its
  ``cutime``/``cstime`` in ``/proc``). ``cpu_ratio`` is the ratio of the medians. On a shared
  machine wall time swings by 10-20 % from round to round; CPU time hardly depends on what else
  runs, so it is the steadier measure of what the isolation costs. (On a virtual machine whose
  neighbours are busy it swings too.)
* ``added_steps_s``: each step ``read_spss`` adds to the bare read, timed on its own in this
  process, best of 5 (robust to other work on the machine): the copy that leaves the case count
  open, the code page probe and metadata, the look for cases beyond the declared number (run
  beside the read, on another core, for large compressed files: listed, but not in
  ``added_pct``), packing the text columns, writing and mapping the result, and a fork with its
  messages. ``added_pct`` is their sum over the best bare read. These use private functions of
  ``survey.io.spss`` and ``survey.io.isolated``: update them with those modules.

Run: ``python benchmarks/spss_read.py`` (about 3 minutes, plus 20 s to write the file once);
``--file`` times another file instead, e.g. a compressed export.
Results go to stdout and to ``benchmarks/results/spss_read.json``.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyreadstat

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))

from survey.io import isolated, read_spss, spss  # noqa: E402

SEED = 20120101
LIKERT = {1.0: "Helemaal oneens", 2.0: "Oneens", 3.0: "Neutraal", 4.0: "Eens", 5.0: "Helemaal eens"}


def make_file(path: Path, rows: int) -> Path:
    """Write the benchmark file (20 variables, some labelled) unless it is there already."""
    if path.exists():
        return path
    rng = np.random.default_rng(SEED)
    data: dict[str, Any] = {}
    for i in range(1, 15):
        values = rng.integers(1, 6, rows).astype("float64")
        values[rng.random(rows) < 0.02] = np.nan
        data[f"q{i}"] = values
    data["q1"][rng.random(rows) < 0.01] = 9.0
    for i in range(1, 5):
        data[f"x{i}"] = rng.normal(50, 10, rows).round(2)
    data["regio"] = rng.choice(["N", "O", "Z", "W"], rows)
    data["toelichting"] = rng.choice(["", "geen", "één zin", "iets anders"], rows)
    labels = {f"q{i}": LIKERT | ({9.0: "Weet niet"} if i == 1 else {}) for i in range(1, 15)}
    tmp = path.with_suffix(".tmp.sav")
    pyreadstat.write_sav(
        pd.DataFrame(data), str(tmp), variable_value_labels=labels, missing_ranges={"q1": [9.0]}
    )
    tmp.replace(path)
    return path


def _timed(call: Callable[[], object]) -> tuple[float, float]:
    """Wall and CPU seconds of ``call()``; CPU includes the reading children of the helper."""
    gc.collect()
    start, cpu, children = time.perf_counter(), time.process_time(), _helper_children_cpu()
    call()
    wall = time.perf_counter() - start
    return wall, time.process_time() - cpu + _helper_children_cpu() - children


def _helper_children_cpu() -> float:
    """CPU seconds of the finished children of ``read_spss``'s helper process (0 off Linux)."""
    process = isolated._SERVER._process
    stat = Path(f"/proc/{process.pid}/stat") if process is not None else None
    if stat is None or not stat.exists():
        return 0.0
    fields = stat.read_text().rsplit(")", 1)[1].split()
    return (int(fields[13]) + int(fields[14])) / os.sysconf("SC_CLK_TCK")


def cold_start(folder: Path) -> float:
    """Seconds the first read in this process takes longer than the second (the helper's start)."""
    small = folder / "small.sav"
    pyreadstat.write_sav(pd.DataFrame({"q": np.arange(10.0)}), str(small))
    first, _ = _timed(lambda: read_spss(small))
    second, _ = _timed(lambda: read_spss(small))
    return first - second


def measure(path: Path, repeats: int) -> dict[str, Any]:
    """Alternating rounds of bare and ours; medians, ratios and the per-round times."""

    def bare() -> object:
        return pyreadstat.read_sav(str(path), user_missing=True, disable_datetime_conversion=True)

    def ours() -> object:
        return read_spss(path)

    bare_times, ours_times = [], []
    for round_ in range(repeats):
        if round_ % 2:
            ours_times.append(_timed(ours))
            bare_times.append(_timed(bare))
        else:
            bare_times.append(_timed(bare))
            ours_times.append(_timed(ours))
    bare_s, bare_cpu = (list(t) for t in zip(*bare_times, strict=True))
    ours_s, ours_cpu = (list(t) for t in zip(*ours_times, strict=True))
    ratio = statistics.median(ours_s) / statistics.median(bare_s)
    return {
        "bare_median_s": round(statistics.median(bare_s), 3),
        "ours_median_s": round(statistics.median(ours_s), 3),
        "ratio": round(ratio, 3),
        "overhead_pct": round(100 * (ratio - 1), 1),
        "paired_ratio": round(
            statistics.median(o / b for o, b in zip(ours_s, bare_s, strict=True)), 3
        ),
        "bare_cpu_median_s": round(statistics.median(bare_cpu), 3),
        "ours_cpu_median_s": round(statistics.median(ours_cpu), 3),
        "cpu_ratio": round(statistics.median(ours_cpu) / statistics.median(bare_cpu), 3),
        "bare_s": [round(t, 3) for t in bare_s],
        "ours_s": [round(t, 3) for t in ours_s],
        "bare_cpu_s": [round(t, 3) for t in bare_cpu],
        "ours_cpu_s": [round(t, 3) for t in ours_cpu],
    }


def _best(call: Callable[[], object], times: int = 5) -> float:
    return min(_timed(call)[0] for _ in range(times))


def added_steps(path: Path) -> dict[str, Any]:
    """Seconds of each step read_spss adds to a bare read, best of 5; their share of the bare read."""
    header = spss._check_readable(path)
    meta, used = spss._read_meta_in_child(path, None)
    frame, _ = spss._read_raw(path, used)
    columns = spss._pack_columns(frame, meta)
    beside = bool(header.cases and header.cases > spss._PROBE_BESIDE_CASES and header.compressed)
    with tempfile.TemporaryDirectory() as scratch:
        tempfile.tempdir, saved = scratch, tempfile.tempdir
        try:
            copies = spss._Uncounted(path, header)
            beyond = copies.beyond()
            folder = isolated._memory_folders() or [scratch]
            result = ("ok", (columns, meta), [])
            steps = {
                "uncounted copy": _best(lambda: spss._Uncounted(path, header).beyond().unlink()),
                "code page probe and metadata": _best(lambda: spss._read_meta_in_child(path, None)),
                "cases beyond the declared number": _best(
                    lambda: spss._holds_a_case_after(beyond, used, header.cases or 0), 3
                ),
                "pack text columns": _best(lambda: spss._pack_columns(frame, meta)),
                "write result": _best(lambda: isolated._dump_result(result, folder)),
                "map result and unpack": _best(
                    lambda: spss._unpack_columns(
                        isolated._load_result(f"{folder[0]}/{isolated._RESULT_NAME}")[1][0], meta
                    )
                ),
                "fork and messages": _best(lambda: isolated.call_isolated(len, (), timeout=60), 10),
            }
            copies.remove()
        finally:
            tempfile.tempdir = saved
            for extra in folder:
                if extra != scratch:
                    shutil.rmtree(extra, ignore_errors=True)
    bare = _best(
        lambda: pyreadstat.read_sav(str(path), user_missing=True, disable_datetime_conversion=True),
        3,
    )
    serial = sum(v for k, v in steps.items() if not (beside and k.startswith("cases beyond")))
    return {
        "added_steps_s": {k: round(v, 3) for k, v in steps.items()},
        "beyond_runs_beside": beside,
        "bare_best_s": round(bare, 3),
        "added_pct": round(100 * serial / bare, 1),
    }


def check_same_data(path: Path) -> None:
    """Refuse to report times of a read that does not return the data pyreadstat returns."""
    raw, _ = pyreadstat.read_sav(str(path), user_missing=True, disable_datetime_conversion=True)
    frame, meta = read_spss(path)
    if frame.shape != raw.shape or meta.n_rows != len(raw):
        raise SystemExit(f"read_spss gave {frame.shape}, pyreadstat {raw.shape}")
    for name in raw.columns:
        if pd.api.types.is_numeric_dtype(raw[name]):
            same = np.array_equal(frame[name], raw[name], equal_nan=True)
        else:
            same = frame[name].tolist() == raw[name].fillna("").tolist()
        if not same:
            raise SystemExit(f"read_spss and pyreadstat differ in {name}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--file", type=Path, help="the benchmark file (written if missing)")
    parser.add_argument("--out", type=Path, default=HERE / "results" / "spss_read.json")
    args = parser.parse_args()
    folder = Path(tempfile.gettempdir())
    path = make_file(args.file or folder / f"survey-bench-spss-{args.rows}.sav", args.rows)
    with tempfile.TemporaryDirectory() as scratch:
        start_s = cold_start(Path(scratch))
    check_same_data(path)
    result = {
        "benchmark": "spss_read",
        "rows": args.rows,
        "variables": 20,
        "file_mb": round(path.stat().st_size / 1e6, 1),
        "repeats": args.repeats,
        "cold_start_s": round(start_s, 3),
        **measure(path, args.repeats),
        **added_steps(path),
        "python": platform.python_version(),
        "pyreadstat": pyreadstat.__version__,
        "pandas": pd.__version__,
        "machine": platform.machine(),
    }
    text = json.dumps(result, indent=2)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text + "\n", encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
