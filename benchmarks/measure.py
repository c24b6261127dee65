"""Wall time and peak memory of the benchmark workloads in Python.

Time: ``time.perf_counter`` around each of ``repeats`` calls in this process, after
``gc.collect()``; median and minimum. Peak memory, in a fresh subprocess (this file run as a
script, ``--memory-worker PATH`` or ``--rake-memory-worker ROWS``): one warm-up call, then the
``tracemalloc`` peak of one call above what was allocated before it and, on Linux, the growth of
the resident set (``VmHWM``, reset through ``/proc/self/clear_refs``, minus the RSS before the
call); ``ru_maxrss`` of the whole process is reported too.

It does not define the workloads (``cases.py``), run R or weightipy (``peers.py``) or format
results (``table.py``).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from cases import (
    SEED,
    estimate_design,
    estimate_table,
    estimate_variables,
    margin_error,
    rake_call,
    rake_margins,
)
from data import make_rake_data

MIB = 1024 * 1024


def time_python(frame: pd.DataFrame, repeats: int) -> tuple[dict[str, Any], pd.DataFrame]:
    """Wall times of the whole table, ``repeats`` times, on one design."""
    variables = estimate_variables(frame)
    start = time.perf_counter()
    design = estimate_design(frame)
    design_s = time.perf_counter() - start
    times = []
    table = pd.DataFrame()
    for _ in range(repeats):
        gc.collect()
        start = time.perf_counter()
        table = estimate_table(design, variables)
        times.append(time.perf_counter() - start)
    return {
        "design_s": design_s,
        "times_s": times,
        "median_s": statistics.median(times),
        "min_s": min(times),
        "estimates": len(table),
    }, table


def time_rake_python(
    frame: pd.DataFrame, targets: list[dict[str, float]], repeats: int, base: str | None = "w"
) -> tuple[dict[str, Any], np.ndarray]:
    """Wall times of ``rake()``, ``repeats`` times, and the weights of the last call."""
    margins = rake_margins(targets)
    times = []
    result = None
    for _ in range(repeats):
        gc.collect()
        start = time.perf_counter()
        result = rake_call(frame, margins, base)
        times.append(time.perf_counter() - start)
    assert result is not None
    weights = result.weights.to_numpy()
    return {
        "times_s": times,
        "median_s": statistics.median(times),
        "min_s": min(times),
        "iterations": result.diagnostics.iterations,
        "converged": result.diagnostics.converged,
        "max_rel_margin_error": margin_error(frame, weights, targets),
    }, weights


def measure(frame: pd.DataFrame, repeats: int, tmp: Path, log: Any) -> dict[str, Any]:
    """Time and peak memory of the estimate workload on one data set (one row of the table)."""
    rows = len(frame)
    log(f"[python] {rows:,} rows: timing {repeats} run(s)")
    py, table = time_python(frame, repeats)
    log(f"[python] median {py['median_s']:.2f} s, min {py['min_s']:.2f} s; measuring memory")
    memory = measure_memory(frame, tmp)
    return {
        "rows": rows,
        "variables": len(estimate_variables(frame)),
        "domains": int(frame["domain"].nunique()),
        "python": py,
        "memory": memory,
        "_table": table,
    }


# ---------------------------------------------------------------------------------- memory


def _rss_bytes() -> int | None:
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return pages * os.sysconf("SC_PAGE_SIZE")


def _hwm_bytes() -> int | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        return None
    return None


def _reset_hwm() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def _maxrss_bytes() -> int:
    value = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return value if sys.platform == "darwin" else value * 1024  # KiB on Linux


def _report_peak_memory(call: Callable[[], object], frame: pd.DataFrame) -> None:
    """Run ``call`` twice (warm-up, then measured) and print its peak memory as JSON."""
    gc.collect()
    rss_before = _rss_bytes()
    reset = _reset_hwm()
    call()
    hwm = _hwm_bytes() if reset else None
    maxrss = _maxrss_bytes()
    gc.collect()
    tracemalloc.start()
    base, _ = tracemalloc.get_traced_memory()
    call()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        json.dumps(
            {
                "tracemalloc_peak_mib": (peak - base) / MIB,
                "rss_before_mib": rss_before / MIB if rss_before is not None else None,
                "rss_increase_mib": (hwm - rss_before) / MIB
                if hwm is not None and rss_before is not None
                else None,
                "process_maxrss_mib": maxrss / MIB,
                "data_mib": frame.memory_usage(deep=True).sum() / MIB,
            }
        )
    )


def memory_worker(path: str) -> None:
    """In a fresh process: peak memory of one estimate() call on the data in ``path``."""
    frame = pd.read_parquet(path)
    variables = estimate_variables(frame)
    design = estimate_design(frame)
    _report_peak_memory(lambda: estimate_table(design, variables), frame)


def rake_memory_worker(rows: int, seed: int) -> None:
    """In a fresh process: peak memory of one rake() call on the raking data (regenerated)."""
    frame, targets = make_rake_data(rows, seed=seed)
    margins = rake_margins(targets)
    _report_peak_memory(lambda: rake_call(frame, margins, "w"), frame)


def _in_fresh_process(*arguments: str) -> dict[str, Any]:
    """Run this file as a memory worker and return the JSON it prints last."""
    done = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), *arguments],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        return {"error": done.stderr.strip().splitlines()[-1] if done.stderr else "failed"}
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure_memory(frame: pd.DataFrame, tmp: Path) -> dict[str, Any]:
    """Peak memory of one estimate() call on ``frame`` (written to Parquet under ``tmp``)."""
    path = tmp / f"data_{len(frame)}.parquet"
    frame.to_parquet(path, index=False)
    try:
        return _in_fresh_process("--memory-worker", str(path))
    finally:
        path.unlink()


def measure_rake_memory(rows: int, seed: int) -> dict[str, Any]:
    """Peak memory of one rake() call on ``rows`` rows of the raking data."""
    return _in_fresh_process("--rake-memory-worker", str(rows), "--seed", str(seed))


def _worker(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="memory worker of benchmarks/run.py (internal)")
    worker = parser.add_mutually_exclusive_group(required=True)
    worker.add_argument("--memory-worker", metavar="PARQUET")
    worker.add_argument("--rake-memory-worker", type=int, metavar="ROWS")
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    if args.memory_worker:
        memory_worker(args.memory_worker)
    else:
        rake_memory_worker(args.rake_memory_worker, args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(_worker())
