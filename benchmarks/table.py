"""What a benchmark run reports: the markdown tables on stdout and the JSON record of the run.

:func:`markdown` (estimate) and :func:`rake_markdown` give the tables, :data:`ESTIMATE_METHOD`
and :func:`rake_method` the paragraph under them saying what was measured, :func:`report`
prints the three, :func:`environment` records the machine, versions, commit and R, and
:func:`write_results` writes the JSON record.

It measures nothing (``measure.py``, ``peers.py``) and decides nothing about what is run
(``run.py``).
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from cases import RAKE_MAX_ITER, RAKE_TOLERANCE

ROOT = Path(__file__).resolve().parent.parent

ESTIMATE_METHOD = (
    "Python time: estimate(design, v1..vK, stat='proportion', by='domain'), design built "
    "beforehand. Peak memory: tracemalloc peak of one call above the allocations before it; "
    "RSS growth: Linux VmHWM (reset before the call) minus RSS before it; both in a fresh "
    "subprocess. R time: system.time of the loop of svyby(~vK, ~domain, des, svymean, "
    "na.rm=TRUE) over the variables, file reading and svydesign excluded."
)


def _fmt(value: Any, spec: str = ".2f") -> str:
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return "-"
    return format(value, spec)


def markdown(runs: list[dict[str, Any]]) -> str:
    """The estimate table: one row per data set measured."""
    head = (
        "| rows | variables | domains | estimates | Python median (s) | Python min (s) "
        "| Python peak mem, tracemalloc (MiB) | Python RSS growth (MiB) | R time (s) "
        "| R/Python | max abs diff est | max abs diff SE |"
    )
    lines = [head, "|" + "---|" * head.count(" | ") + "---|"]
    for run in runs:
        py, mem, r, agree = run["python"], run.get("memory", {}), run.get("r"), run.get("agreement")
        r_time = r.get("estimate_s") if r and "error" not in r else None
        lines.append(
            f"| {run['rows']:,} | {run['variables']} | {run['domains']} | {py['estimates']} "
            f"| {_fmt(py['median_s'])} | {_fmt(py['min_s'])} "
            f"| {_fmt(mem.get('tracemalloc_peak_mib'), '.0f')} | {_fmt(mem.get('rss_increase_mib'), '.0f')} "
            f"| {_fmt(r_time) if r else 'not measured'} "
            f"| {_fmt(run.get('ratio_r_over_python'), '.1f')} "
            f"| {_fmt(agree['max_abs_diff_estimate'], '.1e') if agree else '-'} "
            f"| {_fmt(agree['max_abs_diff_se'], '.1e') if agree else '-'} |"
        )
    return "\n".join(lines)


def rake_markdown(run: dict[str, Any]) -> str:
    """The raking table: Python, R and weightipy on one data set."""
    py, mem, r, wp = (
        run["python"],
        run.get("memory", {}),
        run.get("r", {}),
        run.get("weightipy", {}),
    )
    uni = run.get("python_uniform", {})
    head = (
        "| rows | margins (levels) | Python median (s) | Python min (s) | sweeps | max rel margin err "
        "| peak mem, tracemalloc (MiB) | RSS growth (MiB) | R rake (s) | R/Python | R max rel margin err "
        "| max rel diff Python vs R | Python, start 1 (s) | weightipy (s) | weightipy/Python start 1 "
        "| weightipy sweeps | weightipy max rel margin err | max rel diff Python start 1 vs weightipy |"
    )
    r_ok = r and "error" not in r
    wp_ok = wp and "error" not in wp
    lines = [head, "|" + "---|" * head.count(" | ") + "---|"]
    lines.append(
        f"| {run['rows']:,} | {run['margins']} | {_fmt(py['median_s'])} | {_fmt(py['min_s'])} "
        f"| {py['iterations']} | {_fmt(py['max_rel_margin_error'], '.1e')} "
        f"| {_fmt(mem.get('tracemalloc_peak_mib'), '.0f')} | {_fmt(mem.get('rss_increase_mib'), '.0f')} "
        f"| {_fmt(r.get('rake_s')) if r_ok else 'not measured'} "
        f"| {_fmt(run.get('ratio_r_over_python'), '.2f')} "
        f"| {_fmt(r.get('max_rel_margin_error'), '.1e') if r_ok else '-'} "
        f"| {_fmt(run.get('max_rel_diff_python_r'), '.1e')} "
        f"| {_fmt(uni.get('median_s'))} "
        f"| {_fmt(wp.get('median_s'), '.3f') if wp_ok else 'not measured'} "
        f"| {_fmt(run.get('ratio_weightipy_over_python_uniform'), '.3f')} "
        f"| {wp.get('iterations', '-') if wp_ok else '-'} "
        f"| {_fmt(wp.get('max_rel_margin_error'), '.1e') if wp_ok else '-'} "
        f"| {_fmt(run.get('max_rel_diff_python_uniform_weightipy'), '.1e')} |"
    )
    return "\n".join(lines)


def rake_method(r: dict[str, Any], r_ok: bool) -> str:
    """The paragraph under the raking table (R's part only when R ran and said its epsilon)."""
    epsilon_text = ""
    if r_ok and "epsilon_given" in r:
        epsilon_text = (
            f" R: rake(svydesign(ids=~1, weights=~w), list(~a, ~b, ~c), ..., control=list(maxit="
            f"{RAKE_MAX_ITER}, epsilon={r['epsilon_given']:.3g})), i.e. it stops when no cell "
            f"of the a x b x c table changes by {r['epsilon_absolute']:.3g} or more in a sweep "
            f"({RAKE_TOLERANCE:g} times the smallest target); system.time of rake() only."
        )
    return (
        f"Python: survey.weighting.rake(frame, margins, base_weight='w', tolerance={RAKE_TOLERANCE:g}, "
        f"max_iter={RAKE_MAX_ITER}) from non-uniform base weights; margin errors are the largest "
        "|achieved - target| / target over all levels. Peak memory as for estimate (fresh "
        f"subprocess).{epsilon_text} weightipy: weight(df, scheme_from_dict(targets)) with "
        f"max_iterations={RAKE_MAX_ITER}; it always starts from weights of 1 and returns weights of "
        "mean 1 (scaled here to the population total), so it is compared with rake() started from "
        "weights of 1 ('Python, start 1')."
    )


def report(table: str, notes: list[str], method: str) -> None:
    """Print a table, its notes and the paragraph on method, a blank line between each."""
    print(table)
    for note in notes:
        print(f"\n{note}")
    print(f"\n{method}")


def _git() -> dict[str, Any]:
    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            cwd=ROOT,
            check=True,
        ).stdout.strip()
        dirty = (
            subprocess.run(
                ["git", "status", "--porcelain", "--", "src"],
                capture_output=True,
                text=True,
                cwd=ROOT,
                check=True,
            ).stdout.strip()
            != ""
        )
    except (OSError, subprocess.CalledProcessError):
        return {}
    return {"commit": head, "src_modified": dirty}


def _versions() -> dict[str, str]:
    import scipy

    import survey

    return {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "scipy": scipy.__version__,
        "survey": getattr(survey, "__version__", "?"),
    }


def environment(r_ok: bool, r_info: str) -> dict[str, Any]:
    """The ``machine``, ``versions``, ``git`` and ``r`` entries of the JSON record, in that order."""
    return {
        "machine": {
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "processor": platform.processor() or platform.machine(),
        },
        "versions": _versions(),
        "git": _git(),
        "r": {
            "available": r_ok,
            "rscript": r_info if r_ok else None,
            "reason": None if r_ok else r_info,
        },
    }


def write_results(path: Path, result: dict[str, Any]) -> None:
    """Write the JSON record of a run and say where, with the run's total time."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=2, default=float) + "\n")
    print(f"\nwritten {path} (total {result['total_runtime_s']:.0f} s)")
