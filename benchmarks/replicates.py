"""Benchmark quantiles and a JKn replicate design, whole processes, against R's survey.

``make bench`` runs ``python benchmarks/replicates.py``. The data are those of ``run.py``
(``data.make_data``: 200 strata x 10 PSUs = 2,000 PSUs, 12 domains) with one numeric variable
``x`` (log-normal, varying by PSU); ``--rows`` (default 1,000,000).

Workloads, each timed as a whole process (start to exit, ``time.perf_counter`` around
``subprocess.run``; the median of ``--repeats`` runs for Python):

* ``quantile``: ``survey estimate data.parquet --var x --stat quantile --quantiles
  0.25,0.5,0.75 --weight w --strata stratum --cluster psu``, against ``svyquantile(~x, des,
  c(0.25, 0.5, 0.75), ci = TRUE)`` (Woodruff intervals) in ``Rscript benchmarks/replicates.R``.
* ``jkn``: ``survey estimate ... --replicates JKn --var x --stat mean --by domain`` (2,000
  replicates), against ``as.svrepdesign(des, type = "JKn")`` and ``svyby(~x, ~domain, rep,
  svymean)``. R's ``as.svrepdesign`` computes the degrees of freedom from the QR decomposition of
  the dense rows x replicates weight matrix (16 GB at 1,000,000 rows and 2,000 replicates), which
  this machine cannot hold, so R runs this workload on ``--r-rows`` rows (default 50,000, the
  same 2,000 PSUs) and Python is timed on exactly that file too.

R reads a CSV copy with ``data.table::fread``; Python reads the Parquet file. R's own
``system.time`` of reading, the design, and the estimate are reported beside the process times.
Agreement: the largest relative difference of estimates, SEs and interval bounds on the data R
ran on. Results go to stdout as a markdown table and to ``benchmarks/results/replicates.json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from data import ROWS, make_data  # noqa: E402

SEED = 20261204
R_ROWS = 50_000
RESULTS = HERE / "results" / "replicates.json"
SURVEY = Path(sys.executable).with_name("survey")
DESIGN = ["--weight", "w", "--strata", "stratum", "--cluster", "psu"]
WORKLOADS: dict[str, list[str]] = {
    "quantile": ["--var", "x", "--stat", "quantile", "--quantiles", "0.25,0.5,0.75", *DESIGN],
    "jkn": ["--var", "x", "--stat", "mean", "--by", "domain", "--replicates", "JKn", *DESIGN],
}


def write_data(rows: int, folder: Path) -> tuple[Path, Path]:
    """The benchmark data with a numeric ``x``, as Parquet (Python) and CSV (R)."""
    frame = make_data(rows, seed=SEED, variables=1)
    rng = np.random.default_rng([SEED, rows])
    psu_level = np.random.default_rng(SEED).normal(0, 0.3, size=frame["stratum"].max() * 10 + 10)
    psu_index = (frame["stratum"] - 1) * 10 + frame["psu"] - 1
    frame["x"] = np.exp(3 + psu_level[psu_index] + rng.normal(0, 0.5, rows)).round(4)
    parquet, csv = folder / f"bench_{rows}.parquet", folder / f"bench_{rows}.csv"
    frame.to_parquet(parquet, index=False)
    frame.to_csv(csv, index=False)
    return parquet, csv


def time_python(
    data: Path, workload: str, repeats: int
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Median and minimum wall time of ``survey estimate`` as a process, and its estimates."""
    times, payload = [], {}
    for _ in range(repeats):
        start = time.perf_counter()
        done = subprocess.run(
            [str(SURVEY), "estimate", str(data), *WORKLOADS[workload], "--format", "json"],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        times.append(time.perf_counter() - start)
        if done.returncode != 0:
            raise SystemExit(f"survey estimate failed ({workload}): {done.stderr.strip()}")
        payload = json.loads(done.stdout)
    summary = {"median_s": statistics.median(times), "min_s": min(times), "runs": len(times)}
    return summary, payload["estimates"]


def time_r(rscript: str, csv: Path, workload: str, timeout: float) -> dict[str, Any]:
    """Wall time of ``Rscript benchmarks/replicates.R`` as a process, with R's own timings."""
    start = time.perf_counter()
    try:
        done = subprocess.run(
            [rscript, str(HERE / "replicates.R"), str(csv), workload],
            capture_output=True, text=True, check=False, timeout=timeout,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        return {"error": f"R did not finish within {timeout:.0f} s"}
    wall = time.perf_counter() - start
    line = next((x for x in done.stdout.splitlines() if x.startswith("BENCH ")), None)
    if done.returncode != 0 or line is None:
        return {"error": f"R failed (exit {done.returncode}): {done.stderr.strip()[-400:]}"}
    return {"process_s": wall, **json.loads(line[len("BENCH ") :])}


def agreement(ours: list[dict[str, Any]], theirs: list[dict[str, Any]], workload: str) -> float:
    """Largest relative difference of estimate, se and interval bounds."""
    if workload == "quantile":
        mine = {row["quantile"]: row for row in ours}
        pairs = [(mine[row["quantile"]], row) for row in theirs]
        names = ["estimate", "ci_low", "ci_high", "se"]
    else:
        mine = {str(row["group_code"]): row for row in ours}
        pairs = [(mine[row["group"]], row) for row in theirs]
        names = ["estimate", "se"]
    worst = 0.0
    for a, b in pairs:
        for name in names:
            worst = max(worst, abs(a[name] - b[name]) / max(abs(b[name]), 1e-300))
    return worst


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=ROWS)
    parser.add_argument(
        "--r-rows", type=int, default=R_ROWS, help="rows R runs the jkn workload on"
    )
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--r-timeout", type=float, default=1800)
    parser.add_argument("--no-r", action="store_true")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    rscript = None if args.no_r else shutil.which("Rscript")
    began = time.perf_counter()
    runs: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="survey-bench-") as name:
        folder = Path(name)
        print(f"[data] {args.rows:,} rows", file=sys.stderr, flush=True)
        big = write_data(args.rows, folder)
        small = write_data(args.r_rows, folder) if args.r_rows < args.rows else big
        for workload in WORKLOADS:
            sizes = [big] if workload == "quantile" else [big, small] if small != big else [big]
            for parquet, csv in sizes:
                rows = int(parquet.stem.split("_")[1])
                print(f"[{workload}] python on {rows:,} rows", file=sys.stderr, flush=True)
                python, estimates = time_python(parquet, workload, args.repeats)
                run: dict[str, Any] = {"workload": workload, "rows": rows, "python": python}
                r_here = rscript and (workload == "quantile" or (parquet, csv) == small)
                if r_here:
                    print(f"[{workload}] R on {rows:,} rows", file=sys.stderr, flush=True)
                    r = time_r(str(rscript), csv, workload, args.r_timeout)
                    run["r"] = {k: v for k, v in r.items() if k != "results"}
                    if "results" in r:
                        run["ratio_r_over_python"] = r["process_s"] / python["median_s"]
                        run["max_rel_diff"] = agreement(estimates, r["results"], workload)
                runs.append(run)
    lines = [
        "| workload | rows | Python process (median) | R process | R estimate (own) | R / Python | max rel. diff |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for run in runs:
        r = run.get("r", {})
        lines.append(
            f"| {run['workload']} | {run['rows']:,} | {run['python']['median_s']:.2f} s | "
            + (f"{r['process_s']:.1f} s | {r['estimate_s'] + r.get('replicates_s', 0):.1f} s | "
               f"{run['ratio_r_over_python']:.1f}x | {run['max_rel_diff']:.1e} |"
               if "process_s" in r else f"{r.get('error', 'not run')} | | | |")
        )  # fmt: skip
    print("\n".join(lines))
    result = {
        "benchmark": "quantiles and a JKn replicate design, whole processes",
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "seed": SEED,
        "repeats": args.repeats,
        "runs": runs,
        "total_runtime_s": time.perf_counter() - began,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
