"""Benchmark ``survey.analysis.estimate.estimate`` on a large synthetic survey, against R's survey.

``make bench`` runs ``python benchmarks/run.py``: 1,000,000 rows, 200 strata x 10 PSUs, 20
categorical variables (3-6 levels, ~2% missing), proportions by a 12-level domain.

What is measured
----------------
* Python wall time: ``estimate(design, v1..v20, stat="proportion", by="domain")`` repeated
  ``--repeats`` times in this process (design built once beforehand and timed separately);
  median and minimum of ``time.perf_counter``.
* Python peak memory, in a fresh subprocess that reads the same data from a Parquet file:
  ``tracemalloc`` peak of one ``estimate`` call above what was allocated before it (numpy,
  pandas and scipy report their buffers to tracemalloc), and, on Linux, the growth of the
  resident set: ``VmHWM`` (peak RSS, reset through ``/proc/self/clear_refs`` just before the
  call) minus the RSS before the call. ``ru_maxrss`` of that whole process is reported too.
* R (only where ``Rscript`` and the ``survey`` package exist): ``svydesign(ids=~psu,
  strata=~stratum, weights=~w, nest=TRUE)`` then, for each of the 20 variables,
  ``svyby(~vK, ~domain, des, svymean, na.rm=TRUE)``; R's own ``system.time`` of that loop, file
  reading and ``svydesign`` excluded (reported separately in the JSON). By default R runs on the
  same 1,000,000 rows (about 2-3 minutes here). ``--r-rows N`` runs R on a smaller data set of
  the same design instead (slow machines); Python is then timed on exactly that data too, so the
  ratio is always on equal data. R's time is largely a fixed cost per domain and stratum (35 s
  at 10,000 rows), so ratios from small data overstate the gap.
* Agreement: the largest absolute difference between Python's and R's estimates and standard
  errors on the data R ran on.

Results go to stdout as a markdown table and to ``benchmarks/results/estimate.json``.

Raking (``--only rake``; both benchmarks run by default): ``survey.weighting.rake`` on ``--rows``
rows (``data.make_rake_data``: margins a, b, c with 100 + 40 + 10 levels, correlated, non-uniform
base weights, consistent targets unlike the sample) to tolerance 1e-8 relative; R's ``rake()``
(``benchmarks/rake.R``, epsilon chosen as 1e-8 times the smallest target on R's joint-table scale)
and ``weightipy`` (if importable; it starts from weights of 1, so it is compared with ``rake()``
from weights of 1) on the same data; agreement as the largest relative weight difference. A pilot
on 20,000 rows guards the run time: if one ``rake()`` call is projected above ``--rake-max-call``
seconds, all three run on ``--rake-fallback-rows`` rows. Results: ``benchmarks/results/rake.json``.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import gc
import io
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from data import (  # noqa: E402
    DOMAINS,
    PSU_PER_STRATUM,
    RAKE_LEVELS,
    RAKE_POPULATION,
    ROWS,
    STRATA,
    VARIABLES,
    make_data,
    make_rake_data,
)

from survey.analysis.design import SurveyDesign  # noqa: E402
from survey.analysis.estimate import estimate  # noqa: E402
from survey.weighting import Margin, rake  # noqa: E402

SEED = 20240611
R_ROWS = 0  # 0: R on the main data set
RESULTS = HERE / "results" / "estimate.json"
RAKE_RESULTS = HERE / "results" / "rake.json"
RAKE_TOLERANCE = 1e-8  # relative, on every margin level
RAKE_MAX_ITER = 100
RAKE_PILOT_ROWS = 20_000
RAKE_MAX_CALL_S = 60.0  # projected seconds per rake() call above which --rake-fallback-rows is used
RAKE_FALLBACK_ROWS = 50_000
MIB = 1024 * 1024


def _variables(frame: pd.DataFrame) -> list[str]:
    return [c for c in frame.columns if c.startswith("v") and c[1:].isdigit()]


def _design(frame: pd.DataFrame) -> SurveyDesign:
    return SurveyDesign(frame, weight="w", strata="stratum", cluster="psu")


def _run(design: SurveyDesign, variables: list[str]) -> pd.DataFrame:
    return estimate(design, variables, stat="proportion", by="domain")


# ---------------------------------------------------------------------------------- Python


def time_python(frame: pd.DataFrame, repeats: int) -> tuple[dict[str, Any], pd.DataFrame]:
    """Wall times of the whole table, ``repeats`` times, on one design."""
    variables = _variables(frame)
    start = time.perf_counter()
    design = _design(frame)
    design_s = time.perf_counter() - start
    times = []
    table = pd.DataFrame()
    for _ in range(repeats):
        gc.collect()
        start = time.perf_counter()
        table = _run(design, variables)
        times.append(time.perf_counter() - start)
    return {
        "design_s": design_s,
        "times_s": times,
        "median_s": statistics.median(times),
        "min_s": min(times),
        "estimates": len(table),
    }, table


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
    variables = _variables(frame)
    design = _design(frame)
    _report_peak_memory(lambda: _run(design, variables), frame)


def measure_memory(frame: pd.DataFrame, tmp: Path) -> dict[str, Any]:
    path = tmp / f"data_{len(frame)}.parquet"
    frame.to_parquet(path, index=False)
    done = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--memory-worker", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    path.unlink()
    if done.returncode != 0:
        return {"error": done.stderr.strip().splitlines()[-1] if done.stderr else "failed"}
    return json.loads(done.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------------------------- R


def r_available() -> tuple[bool, str]:
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


# ---------------------------------------------------------------------------------- report


def _fmt(value: Any, spec: str = ".2f") -> str:
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return "-"
    return format(value, spec)


def markdown(runs: list[dict[str, Any]]) -> str:
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


def _git() -> dict[str, Any]:
    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            cwd=HERE.parent,
            check=True,
        ).stdout.strip()
        dirty = (
            subprocess.run(
                ["git", "status", "--porcelain", "--", "src"],
                capture_output=True,
                text=True,
                cwd=HERE.parent,
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


def measure(frame: pd.DataFrame, repeats: int, tmp: Path, log: Any) -> dict[str, Any]:
    rows = len(frame)
    log(f"[python] {rows:,} rows: timing {repeats} run(s)")
    py, table = time_python(frame, repeats)
    log(f"[python] median {py['median_s']:.2f} s, min {py['min_s']:.2f} s; measuring memory")
    memory = measure_memory(frame, tmp)
    return {
        "rows": rows,
        "variables": len(_variables(frame)),
        "domains": int(frame["domain"].nunique()),
        "python": py,
        "memory": memory,
        "_table": table,
    }


# ---------------------------------------------------------------------------------- rake


def _rake_margins(targets: list[dict[str, float]]) -> list[Margin]:
    return [Margin((name,), t) for name, t in zip("abc", targets, strict=False)]


def _margin_error(
    frame: pd.DataFrame, weights: np.ndarray, targets: list[dict[str, float]]
) -> float:
    """Largest relative difference between a weighted level count and its target."""
    worst = 0.0
    for name, t in zip("abc", targets, strict=False):
        codes = frame[name].cat.codes.to_numpy()
        want = np.array([t[c] for c in frame[name].cat.categories])
        got = np.bincount(codes, weights=weights, minlength=len(want))
        worst = max(worst, float(np.max(np.abs(got - want) / want)))
    return worst


def _rel_diff(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.max(np.abs(a - b) / np.abs(b)))


def _rake_call(frame: pd.DataFrame, margins: list[Margin], base: str | None) -> Any:
    return rake(frame, base, margins, tolerance=RAKE_TOLERANCE, max_iter=RAKE_MAX_ITER)


def time_rake_python(
    frame: pd.DataFrame, targets: list[dict[str, float]], repeats: int, base: str | None = "w"
) -> tuple[dict[str, Any], np.ndarray]:
    margins = _rake_margins(targets)
    times = []
    result = None
    for _ in range(repeats):
        gc.collect()
        start = time.perf_counter()
        result = _rake_call(frame, margins, base)
        times.append(time.perf_counter() - start)
    assert result is not None
    weights = result.weights.to_numpy()
    return {
        "times_s": times,
        "median_s": statistics.median(times),
        "min_s": min(times),
        "iterations": result.diagnostics.iterations,
        "converged": result.diagnostics.converged,
        "max_rel_margin_error": _margin_error(frame, weights, targets),
    }, weights


def rake_memory_worker(rows: int, seed: int) -> None:
    """In a fresh process: peak memory of one rake() call on the raking data (regenerated)."""
    frame, targets = make_rake_data(rows, seed=seed)
    margins = _rake_margins(targets)
    _report_peak_memory(lambda: _rake_call(frame, margins, "w"), frame)


def measure_rake_memory(rows: int, seed: int) -> dict[str, Any]:
    done = subprocess.run(
        [
            sys.executable,
            str(Path(__file__).resolve()),
            "--rake-memory-worker",
            str(rows),
            "--seed",
            str(seed),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        return {"error": done.stderr.strip().splitlines()[-1] if done.stderr else "failed"}
    return json.loads(done.stdout.strip().splitlines()[-1])


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
    result["max_rel_margin_error"] = _margin_error(frame, weights, targets)
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
        "max_rel_margin_error": _margin_error(frame, weights, targets),
    }, weights


def rake_markdown(run: dict[str, Any]) -> str:
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


def run_rake(args: argparse.Namespace, log: Any) -> None:
    """The raking benchmark (``--only rake``)."""
    began = time.perf_counter()
    notes: list[str] = []
    rows = args.rows
    pilot_rows = min(RAKE_PILOT_ROWS, rows)
    frame, targets = make_rake_data(pilot_rows, seed=args.seed)
    start = time.perf_counter()
    _rake_call(frame, _rake_margins(targets), "w")
    pilot_s = time.perf_counter() - start
    projected = pilot_s * rows / pilot_rows
    log(
        f"[rake] pilot: rake() on {pilot_rows:,} rows {pilot_s:.2f} s; projected {projected:.0f} s at {rows:,}"
    )
    pilot = {"rows": pilot_rows, "seconds": pilot_s, "projected_s_at_rows": projected}
    if args.rake_max_call > 0 and projected > args.rake_max_call and args.rake_fallback_rows < rows:
        notes.append(
            f"rake() was projected to take {projected:.0f} s per call at {rows:,} rows (one call on "
            f"{pilot_rows:,} rows: {pilot_s:.1f} s, scaled linearly), over the {args.rake_max_call:.0f} s "
            f"limit (--rake-max-call), so Python, R and weightipy were all measured on "
            f"{args.rake_fallback_rows:,} rows (same generator and seed) instead."
        )
        rows = args.rake_fallback_rows
    gc.collect()
    log(f"[rake] generating {rows:,} rows (seed {args.seed})")
    frame, targets = make_rake_data(rows, seed=args.seed)
    run: dict[str, Any] = {
        "rows": rows,
        "margins": " + ".join(str(len(t)) for t in targets),
        "base_weights": {
            "min": float(frame["w"].min()),
            "max": float(frame["w"].max()),
            "sum": float(frame["w"].sum()),
        },
        "population_total": RAKE_POPULATION,
    }
    log(f"[rake/python] timing {args.repeats} run(s)")
    py, w_py = time_rake_python(frame, targets, args.repeats)
    run["python"] = py
    log(
        f"[rake/python] median {py['median_s']:.2f} s ({py['iterations']} sweeps); measuring memory"
    )
    run["memory"] = measure_rake_memory(rows, args.seed)

    r_ok, r_info = (False, "disabled with --no-r") if args.no_r else r_available()
    if r_ok:
        with tempfile.TemporaryDirectory(prefix="survey-bench-") as name:
            log(f"[rake/R] {rows:,} rows: writing CSV and running Rscript")
            r, w_r = run_r_rake(r_info, frame, targets, Path(name), args.r_timeout)
        run["r"] = r
        if w_r is not None:
            run["ratio_r_over_python"] = r["rake_s"] / py["median_s"]
            run["max_rel_diff_python_r"] = _rel_diff(w_py, w_r)
            log(f"[rake/R] {r['rake_s']:.2f} s")
        else:
            notes.append(f"R: {r['error']}")
            log(f"[rake/R] {r['error']}")
    else:
        run["r"] = {"error": r_info}
        notes.append(f"R was not measured: {r_info}.")

    log("[rake/weightipy] timing")
    wp, w_wp = time_weightipy(frame, targets, args.repeats)
    run["weightipy"] = wp
    if w_wp is None:
        notes.append(f"weightipy was not measured: {wp['error']}.")
        log(f"[rake/weightipy] {wp['error']}")
    else:
        # weightipy cannot start from base weights: compare it with our rake() from weights of 1
        log("[rake/python] timing rake() from weights of 1, for the comparison with weightipy")
        uni, w_uni = time_rake_python(frame, targets, args.repeats, base=None)
        run["python_uniform"] = uni
        run["ratio_weightipy_over_python_uniform"] = wp["median_s"] / uni["median_s"]
        run["max_rel_diff_python_uniform_weightipy"] = _rel_diff(w_uni, w_wp)
        if wp["max_rel_margin_error"] > RAKE_TOLERANCE:
            notes.append(
                f"weightipy did not reach the margins within {RAKE_TOLERANCE:g} "
                f"(max relative error {wp['max_rel_margin_error']:.1e})."
            )
        log(f"[rake/weightipy] {wp['median_s']:.3f} s")

    print(rake_markdown(run))
    for note in notes:
        print(f"\n{note}")
    epsilon_text = ""
    if r_ok and "epsilon_given" in run["r"]:
        epsilon_text = (
            f" R: rake(svydesign(ids=~1, weights=~w), list(~a, ~b, ~c), ..., control=list(maxit="
            f"{RAKE_MAX_ITER}, epsilon={run['r']['epsilon_given']:.3g})), i.e. it stops when no cell "
            f"of the a x b x c table changes by {run['r']['epsilon_absolute']:.3g} or more in a sweep "
            f"({RAKE_TOLERANCE:g} times the smallest target); system.time of rake() only."
        )
    print(
        f"\nPython: survey.weighting.rake(frame, 'w', margins, tolerance={RAKE_TOLERANCE:g}, "
        f"max_iter={RAKE_MAX_ITER}) from non-uniform base weights; margin errors are the largest "
        "|achieved - target| / target over all levels. Peak memory as for estimate (fresh "
        f"subprocess).{epsilon_text} weightipy: weight(df, scheme_from_dict(targets)) with "
        f"max_iterations={RAKE_MAX_ITER}; it always starts from weights of 1 and returns weights of "
        "mean 1 (scaled here to the population total), so it is compared with rake() started from "
        "weights of 1 ('Python, start 1')."
    )
    result = {
        "benchmark": "rake to three one-way margins",
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "seed": args.seed,
        "repeats": args.repeats,
        "shape": {
            "levels": list(RAKE_LEVELS),
            "population_total": RAKE_POPULATION,
            "tolerance": RAKE_TOLERANCE,
            "max_iter": RAKE_MAX_ITER,
            "requested_rows": args.rows,
        },
        "pilot": pilot,
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
        "runs": [run],
        "notes": notes,
        "total_runtime_s": time.perf_counter() - began,
    }
    args.rake_out.parent.mkdir(parents=True, exist_ok=True)
    args.rake_out.write_text(json.dumps(result, indent=2, default=float) + "\n")
    print(f"\nwritten {args.rake_out} (total {result['total_runtime_s']:.0f} s)")


def run_estimate(args: argparse.Namespace, log: Any) -> None:
    """The estimate benchmark (``--only estimate``)."""
    began = time.perf_counter()
    shape = {
        "strata": STRATA,
        "psu_per_stratum": PSU_PER_STRATUM,
        "variables": VARIABLES,
        "domains": DOMAINS,
        "levels": "3-6",
        "missing": 0.02,
    }
    notes = []
    r_ok, r_info = (False, "disabled with --no-r") if args.no_r else r_available()
    r_rows = args.rows if args.r_rows <= 0 or args.r_rows >= args.rows else args.r_rows
    runs = []
    with tempfile.TemporaryDirectory(prefix="survey-bench-") as name:
        tmp = Path(name)
        log(f"[data] generating {args.rows:,} rows (seed {args.seed})")
        frame = make_data(args.rows, seed=args.seed)
        runs.append(measure(frame, args.repeats, tmp, log))
        if r_ok:
            if r_rows != args.rows:
                del frame
                gc.collect()
                log(f"[data] generating {r_rows:,} rows for the comparison with R")
                frame = make_data(r_rows, seed=args.seed)
                runs.append(measure(frame, args.repeats, tmp, log))
                notes.append(
                    f"R was measured on {r_rows:,} rows (same design and seed), not on "
                    f"{args.rows:,} (--r-rows). The ratio R/Python is "
                    f"on those {r_rows:,} rows, Python timed on exactly the same data."
                )
            log(f"[R] {r_rows:,} rows: writing CSV and running Rscript (this takes a while)")
            r = run_r(r_info, frame, tmp, args.r_timeout)
            target = runs[-1]
            if "error" in r:
                notes.append(f"R: {r['error']}")
                target["r"] = {"error": r["error"]}
                log(f"[R] {r['error']}")
            else:
                table = r.pop("table")
                target["r"] = r
                target["ratio_r_over_python"] = r["estimate_s"] / target["python"]["median_s"]
                target["agreement"] = agreement(target["_table"], table)
                log(f"[R] {r['estimate_s']:.1f} s")
        else:
            notes.append(f"R was not measured: {r_info}.")
    for run in runs:
        del run["_table"]

    report = markdown(runs)
    print(report)
    for note in notes:
        print(f"\n{note}")
    print(
        "\nPython time: estimate(design, v1..vK, stat='proportion', by='domain'), design built "
        "beforehand. Peak memory: tracemalloc peak of one call above the allocations before it; "
        "RSS growth: Linux VmHWM (reset before the call) minus RSS before it; both in a fresh "
        "subprocess. R time: system.time of the loop of svyby(~vK, ~domain, des, svymean, "
        "na.rm=TRUE) over the variables, file reading and svydesign excluded."
    )
    result = {
        "benchmark": "estimate proportions by domain",
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "seed": args.seed,
        "repeats": args.repeats,
        "shape": shape,
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
        "runs": runs,
        "notes": notes,
        "total_runtime_s": time.perf_counter() - began,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, default=float) + "\n")
    print(f"\nwritten {args.out} (total {result['total_runtime_s']:.0f} s)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=ROWS, help="rows of the main data set")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs (median reported)")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument(
        "--only",
        choices=["estimate", "rake"],
        action="append",
        help="run only this benchmark (repeatable); default: both",
    )
    parser.add_argument(
        "--r-rows",
        type=int,
        default=R_ROWS,
        help="rows of the data set R runs on (Python is timed on it too); "
        "0 or >= --rows: R on the main data set (estimate benchmark only)",
    )
    parser.add_argument("--no-r", action="store_true", help="do not run R even if installed")
    parser.add_argument("--r-timeout", type=float, default=900, help="seconds before R is given up")
    parser.add_argument("--out", type=Path, default=RESULTS, help="JSON results file (estimate)")
    parser.add_argument(
        "--rake-out", type=Path, default=RAKE_RESULTS, help="JSON results file (rake)"
    )
    parser.add_argument(
        "--rake-max-call",
        type=float,
        default=RAKE_MAX_CALL_S,
        help=f"if one rake() call is projected (from a pilot on {RAKE_PILOT_ROWS:,} rows) to take "
        "longer than this many seconds at --rows, the raking comparison runs on "
        "--rake-fallback-rows instead; 0: never fall back",
    )
    parser.add_argument("--rake-fallback-rows", type=int, default=RAKE_FALLBACK_ROWS)
    parser.add_argument("--memory-worker", help=argparse.SUPPRESS)
    parser.add_argument("--rake-memory-worker", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.memory_worker:
        memory_worker(args.memory_worker)
        return 0
    if args.rake_memory_worker:
        rake_memory_worker(args.rake_memory_worker, args.seed)
        return 0
    if args.rows < 1000 or args.repeats < 1:
        parser.error("--rows must be at least 1000 and --repeats at least 1")

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    only = args.only or ["estimate", "rake"]
    if "estimate" in only:
        run_estimate(args, log)
    if "rake" in only:
        if "estimate" in only:
            print()
        run_rake(args, log)
    return 0


if __name__ == "__main__":
    sys.exit(main())
