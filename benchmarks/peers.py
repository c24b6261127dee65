"""The peers the benchmarks compare with: R's survey package and weightipy, and how far they agree.

R runs ``estimate.R`` (``svyby(~vK, ~domain, des, svymean, na.rm=TRUE)`` for each variable) and
``rake.R`` (``rake()`` with an ``epsilon`` chosen by :func:`r_epsilon`) through ``Rscript`` on
CSV copies of the data; each prints one ``BENCH {json}`` line with R's own ``system.time``.
weightipy's rim weighting is timed in this process. Agreement is the largest absolute
difference of estimates and standard errors (estimate) or the largest relative weight
difference (rake).

It does not time or measure our own code (``measure.py``) and reports nothing (``table.py``).
"""

from __future__ import annotations

import contextlib
import gc
import io
import json
import shutil
import statistics
import subprocess
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from cases import RAKE_MAX_ITER, RAKE_TOLERANCE, margin_error
from data import RAKE_POPULATION

HERE = Path(__file__).resolve().parent


def r_available() -> tuple[bool, str]:
    """Whether ``Rscript`` with the ``survey`` package is there: (True, its path) or (False, why not)."""
    rscript = shutil.which("Rscript")
    if rscript is None:
        return False, "Rscript not found"
    done = subprocess.run(
        [rscript, "-e", "cat(requireNamespace('survey', quietly = TRUE))"],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.stdout.strip() != "TRUE":
        return False, "R package 'survey' not installed"
    return True, rscript


# ---------------------------------------------------------------------------------- estimate


def run_r(rscript: str, frame: pd.DataFrame, tmp: Path, timeout: float) -> dict[str, Any]:
    """Time R on the same data; returns R's timings and its estimates (long format)."""
    data_csv = tmp / f"data_{len(frame)}.csv"
    out_csv = tmp / f"r_{len(frame)}.csv"
    frame.to_csv(data_csv, index=False, na_rep="NA")
    try:
        done = subprocess.run(
            [rscript, str(HERE / "estimate.R"), str(data_csv), str(out_csv)],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return {"error": f"R did not finish within {timeout:.0f} s"}
    finally:
        data_csv.unlink(missing_ok=True)
    lines = [line for line in done.stdout.splitlines() if line.startswith("BENCH ")]
    if done.returncode != 0 or not lines:
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        return {"error": "R failed: " + " | ".join(tail)}
    result = json.loads(lines[-1][len("BENCH ") :])
    result["table"] = pd.read_csv(out_csv)
    out_csv.unlink()
    return result


def agreement(python: pd.DataFrame, r: pd.DataFrame) -> dict[str, Any]:
    """Largest differences between Python's and R's estimates and standard errors."""
    left = pd.DataFrame(
        {
            "variable": python["variable"].astype(str),
            "domain": python["group_code"].astype(int),
            "level": python["code"].astype(int),
            "estimate": python["estimate"].astype(float),
            "se": python["se"].astype(float),
        }
    )
    right = r.assign(domain=r["domain"].astype(int), level=r["level"].astype(int))
    both = left.merge(
        right, on=["variable", "domain", "level"], suffixes=("_py", "_r"), how="outer"
    )
    matched = both["estimate_py"].notna() & both["estimate_r"].notna()
    d_est = (both["estimate_py"] - both["estimate_r"]).abs()[matched]
    d_se = (both["se_py"] - both["se_r"]).abs()[matched]
    rel_se = (d_se / both["se_r"][matched]).replace(np.inf, np.nan)
    return {
        "compared": int(matched.sum()),
        "unmatched": int((~matched).sum()),
        "max_abs_diff_estimate": float(d_est.max()),
        "max_abs_diff_se": float(d_se.max()),
        "max_rel_diff_se": float(rel_se.max()),
    }


# ---------------------------------------------------------------------------------- rake


def rel_diff(a: np.ndarray, b: np.ndarray) -> float:
    """Largest relative difference between two sets of weights (relative to ``b``)."""
    return float(np.max(np.abs(a - b) / np.abs(b)))


def r_epsilon(frame: pd.DataFrame, targets: list[dict[str, float]]) -> tuple[float, float]:
    """R's ``epsilon`` for a precision comparable to ours, and the absolute bound it means.

    R stops when no cell of the joint table a x b x c changes by ``epsilon`` or more between two
    sweeps (absolute if >= 1, else times the sum of the starting weights). We stop when every
    margin level is within ``RAKE_TOLERANCE`` of its target, relatively; the bound nearest to that
    on R's scale is ``RAKE_TOLERANCE`` times the smallest target, which is at least as strict.
    """
    absolute = RAKE_TOLERANCE * min(min(t.values()) for t in targets)
    if absolute >= 1:
        return absolute, absolute
    return absolute / float(frame["w"].sum()), absolute


def run_r_rake(
    rscript: str, frame: pd.DataFrame, targets: list[dict[str, float]], tmp: Path, timeout: float
) -> tuple[dict[str, Any], np.ndarray | None]:
    """Time R's ``rake()`` on the same data; returns R's timings and its weights (None on failure)."""
    data_csv = tmp / f"rake_{len(frame)}.csv"
    margins_csv = tmp / "rake_margins.csv"
    out_csv = tmp / f"rake_r_{len(frame)}.csv"
    frame[["a", "b", "c", "w"]].to_csv(data_csv, index=False, float_format="%.17g")
    pd.DataFrame(
        [
            (n, level, value)
            for n, t in zip("abc", targets, strict=False)
            for level, value in t.items()
        ],
        columns=["variable", "level", "target"],
    ).to_csv(margins_csv, index=False, float_format="%.17g")
    epsilon, absolute = r_epsilon(frame, targets)
    try:
        done = subprocess.run(
            [
                rscript,
                str(HERE / "rake.R"),
                str(data_csv),
                str(margins_csv),
                str(out_csv),
                repr(epsilon),
                str(RAKE_MAX_ITER),
            ],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return {"error": f"R did not finish within {timeout:.0f} s"}, None
    finally:
        data_csv.unlink(missing_ok=True)
        margins_csv.unlink(missing_ok=True)
    lines = [line for line in done.stdout.splitlines() if line.startswith("BENCH ")]
    if done.returncode != 0 or not lines:
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        return {"error": "R failed: " + " | ".join(tail)}, None
    result = json.loads(lines[-1][len("BENCH ") :])
    result["epsilon_absolute"] = absolute
    weights = pd.read_csv(out_csv)["weight"].to_numpy(dtype=float)
    out_csv.unlink()
    result["max_rel_margin_error"] = margin_error(frame, weights, targets)
    return result, weights


def time_weightipy(
    frame: pd.DataFrame, targets: list[dict[str, float]], repeats: int
) -> tuple[dict[str, Any], np.ndarray | None]:
    """weightipy's rim weighting of the same data; it always starts from weights of 1."""
    try:
        import weightipy
    except ImportError:
        return {"error": "weightipy is not installed (pip install weightipy to include it)"}, None
    distributions = {name: dict(t) for name, t in zip("abc", targets, strict=False)}
    data = frame[["a", "b", "c"]]
    times = []
    out = None
    messages = io.StringIO()
    scheme = None
    for _ in range(repeats):
        # convcrit: weightipy stops when a sweep changes the weights (L1) by no less than
        # (1 - convcrit) times the previous sweep did, i.e. when progress stalls; with its default
        # 0.01 it raked to rounding error here. max_iterations as ours and R's.
        scheme = weightipy.scheme_from_dict(
            distributions, name="bench", rim_params={"max_iterations": RAKE_MAX_ITER}
        )
        gc.collect()
        start = time.perf_counter()
        with contextlib.redirect_stdout(messages):
            out = weightipy.weight(data, scheme)
        times.append(time.perf_counter() - start)
    assert out is not None and scheme is not None
    # weightipy's weights have mean 1: scale them to the population total
    weights = out.to_numpy(dtype=float)
    weights = weights * (RAKE_POPULATION / weights.sum())
    iterations = [g.get("iterations") for g in scheme.groups.values()]
    return {
        "version": weightipy.__version__,
        "times_s": times,
        "median_s": statistics.median(times),
        "min_s": min(times),
        "iterations": iterations[0] if len(iterations) == 1 else iterations,
        "messages": messages.getvalue().strip() or None,
        "max_rel_margin_error": margin_error(frame, weights, targets),
    }, weights
