"""Measure ehsg's speed and memory against floors measured in the same run.

    python benchmarks/run.py            # all figures, written to benchmarks/RESULTS.md
    python benchmarks/run.py --quick    # fewer repeats

Each figure is the median wall time of several runs of a whole command (a fresh process, as a
user meets it), its peak memory, and its ratio to a floor: the least work that could produce the
same result with the underlying libraries alone. Ratios matter more than seconds on a noisy machine.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "examples" / "sefton-2022.xlsx"
sys.path.insert(0, str(Path(__file__).resolve().parent))

import scenarios  # noqa: E402  (benchmarks/scenarios.py: the jobs and their floors)


@dataclass
class Figure:
    name: str
    seconds: float
    peak_mb: float
    floor_name: str
    floor_seconds: float
    floor_mb: float
    target: str

    @property
    def ratio(self) -> float:
        return self.seconds / self.floor_seconds if self.floor_seconds else float("nan")


def run_once(argv: list[str], cwd: Path) -> tuple[float, float]:
    """Wall seconds and peak resident memory (MB) of one fresh process."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode(errors="replace")
    proc.stderr.close()
    if proc.returncode not in (0, 1):
        raise SystemExit(f"benchmark command failed ({proc.returncode}): {' '.join(argv)}\n{err}")
    return elapsed, usage.ru_maxrss / 1024


def measure(argv: list[str], cwd: Path, repeats: int) -> tuple[float, float]:
    runs = [run_once(argv, cwd) for _ in range(repeats)]
    return statistics.median(r[0] for r in runs), max(r[1] for r in runs)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    parser.add_argument("--only", default="", help="comma-separated figure names")
    parser.add_argument("--output", default=str(REPO / "benchmarks" / "RESULTS.md"))
    args = parser.parse_args()
    repeats = 3 if args.quick else 5
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory(prefix="ehsg-bench-") as tmp:
        work = Path(tmp)
        shutil.copy(EXAMPLE, work / "example.xlsx")
        for job in scenarios.jobs(work, sys.executable):
            if args.only and job.name not in args.only.split(","):
                continue
            job.prepare()
            reps = max(1, repeats if job.repeats is None else min(repeats, job.repeats))
            seconds, mb = measure(job.command, work, reps)
            floor_s, floor_mb = measure(job.floor, work, reps)
            fig = Figure(job.name, seconds, mb, job.floor_name, floor_s, floor_mb, job.target)
            figures.append(fig)
            print(f"{fig.name:<28} {fig.seconds:7.3f} s  {fig.peak_mb:7.1f} MB   floor {fig.floor_seconds:7.3f} s "
                  f"{fig.floor_mb:7.1f} MB   ratio {fig.ratio:5.2f}   target: {fig.target}", flush=True)
    write_results(Path(args.output), figures, repeats)
    print(f"Wrote {args.output}")
    return 0


def write_results(path: Path, figures: list[Figure], repeats: int) -> None:
    import platform

    lines = [
        "# ehsg benchmark figures",
        "",
        f"Measured by `python benchmarks/run.py` on {platform.machine()} with {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, on {time.strftime('%Y-%m-%d')}. Each time is the median of "
        f"{repeats} runs (fewer for the largest jobs) of a fresh process; memory is the peak resident size. "
        "The ratio divides ehsg's time by the floor's, measured in the same run.",
        "",
        "| figure | ehsg | peak memory | floor | floor time | floor memory | ratio | target |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for f in figures:
        lines.append(f"| {f.name} | {f.seconds:.3f} s | {f.peak_mb:.0f} MB | {f.floor_name} | {f.floor_seconds:.3f} s "
                     f"| {f.floor_mb:.0f} MB | {f.ratio:.2f} | {f.target} |")
    lines.append("")
    path.write_text("\n".join(lines), encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
