"""Time `survey report` (the whole pipeline) on a warm environment, for `make bench`.

The first run warms the caches (synthetic data generated, imports compiled); the timed runs that
follow are what a researcher waits for on a second `make report`. Results go to
`benchmarks/results/report.json`.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SURVEY = Path(sys.executable).with_name("survey")


def _run() -> float:
    start = time.perf_counter()
    subprocess.run([str(SURVEY), "report"], cwd=ROOT, check=True, capture_output=True, text=True)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "report.json")
    args = parser.parse_args()
    _run()  # warm-up
    times = [_run() for _ in range(args.repeats)]
    result = {
        "command": "survey report (synthetic data: ingest, weight, analyses, figures, HTML and PDF)",
        "repeats": args.repeats,
        "median_s": statistics.median(times),
        "min_s": min(times),
        "times_s": times,
        "machine": platform.platform(),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print("| make report, warm | median | min |")
    print("|---|---|---|")
    print(f"| {args.repeats} runs | {result['median_s']:.1f} s | {result['min_s']:.1f} s |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
