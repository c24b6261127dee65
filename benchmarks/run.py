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

This file is the entry point: the command line, the order of the steps and the fallbacks
(``--r-rows``, the raking pilot). The workloads are defined in ``cases.py`` (data in
``data.py``), timing and peak memory in ``measure.py``, R and weightipy in ``peers.py``, the
tables and the JSON record in ``table.py``; this file measures and formats nothing itself.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from cases import RAKE_MAX_ITER, RAKE_TOLERANCE, SEED, rake_call, rake_margins  # noqa: E402
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
from measure import measure, measure_rake_memory, time_rake_python  # noqa: E402
from peers import agreement, r_available, rel_diff, run_r, run_r_rake, time_weightipy  # noqa: E402
from table import (  # noqa: E402
    ESTIMATE_METHOD,
    environment,
    markdown,
    rake_markdown,
    rake_method,
    report,
    write_results,
)

R_ROWS = 0  # 0: R on the main data set
RESULTS = HERE / "results" / "estimate.json"
RAKE_RESULTS = HERE / "results" / "rake.json"
RAKE_PILOT_ROWS = 20_000
RAKE_MAX_CALL_S = 60.0  # projected seconds per rake() call above which --rake-fallback-rows is used
RAKE_FALLBACK_ROWS = 50_000


def run_rake(args: argparse.Namespace, log: Any) -> None:
    """The raking benchmark (``--only rake``)."""
    began = time.perf_counter()
    notes: list[str] = []
    rows = args.rows
    pilot_rows = min(RAKE_PILOT_ROWS, rows)
    frame, targets = make_rake_data(pilot_rows, seed=args.seed)
    start = time.perf_counter()
    rake_call(frame, rake_margins(targets), "w")
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
            run["max_rel_diff_python_r"] = rel_diff(w_py, w_r)
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
        run["max_rel_diff_python_uniform_weightipy"] = rel_diff(w_uni, w_wp)
        if wp["max_rel_margin_error"] > RAKE_TOLERANCE:
            notes.append(
                f"weightipy did not reach the margins within {RAKE_TOLERANCE:g} "
                f"(max relative error {wp['max_rel_margin_error']:.1e})."
            )
        log(f"[rake/weightipy] {wp['median_s']:.3f} s")

    report(rake_markdown(run), notes, rake_method(run["r"], r_ok))
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
        **environment(r_ok, r_info),
        "runs": [run],
        "notes": notes,
        "total_runtime_s": time.perf_counter() - began,
    }
    write_results(args.rake_out, result)


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
                r_table = r.pop("table")
                target["r"] = r
                target["ratio_r_over_python"] = r["estimate_s"] / target["python"]["median_s"]
                target["agreement"] = agreement(target["_table"], r_table)
                log(f"[R] {r['estimate_s']:.1f} s")
        else:
            notes.append(f"R was not measured: {r_info}.")
    for run in runs:
        del run["_table"]

    report(markdown(runs), notes, ESTIMATE_METHOD)
    result = {
        "benchmark": "estimate proportions by domain",
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "seed": args.seed,
        "repeats": args.repeats,
        "shape": shape,
        **environment(r_ok, r_info),
        "runs": runs,
        "notes": notes,
        "total_runtime_s": time.perf_counter() - began,
    }
    write_results(args.out, result)


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
    args = parser.parse_args(argv)
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
