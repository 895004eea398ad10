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
# ehsg as it is in this checkout, whatever copy is installed (for the measured commands and the preparations)
os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))
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
    limit: float | None = None
    memory_limit_mb: float | None = None   # set when the target is a peak memory, not a ratio

    @property
    def ratio(self) -> float:
        return self.seconds / self.floor_seconds if self.floor_seconds else float("nan")

    @property
    def verdict(self) -> str:
        if self.memory_limit_mb is not None:
            return "met" if self.peak_mb <= self.memory_limit_mb else "NOT met"
        if self.limit is None:
            return ""
        return "met" if self.ratio <= self.limit else "NOT met"


def run_once(argv: list[str], cwd: Path) -> tuple[float, float]:
    """Wall seconds and peak resident memory (MB) of one fresh process.

    The child's output goes to a file, never a pipe: a pipe nobody reads while waiting fills up and
    blocks the child (a warning per file over a thousand files is enough)."""
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode not in (0, 1):
            err.seek(0)
            text = err.read().decode(errors="replace")[-4000:]
            raise SystemExit(f"benchmark command failed ({proc.returncode}): {' '.join(argv)}\n{text}")
    return elapsed, usage.ru_maxrss / 1024


def measure_pair(argv: list[str], floor: list[str], cwd: Path, repeats: int,
                 warm_up: bool = True) -> tuple[float, float, float, float]:
    """ehsg and its floor run alternately (after one unmeasured warm-up of each, for the short jobs), so that a
    busy moment on the machine falls on both: medians of time, peaks of memory."""
    if warm_up:
        run_once(argv, cwd)
        run_once(floor, cwd)
    ours, floors = [], []
    for _ in range(repeats):
        ours.append(run_once(argv, cwd))
        floors.append(run_once(floor, cwd))
    return (statistics.median(r[0] for r in ours), max(r[1] for r in ours),
            statistics.median(r[0] for r in floors), max(r[1] for r in floors))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    parser.add_argument("--only", default="", help="comma-separated figure names")
    parser.add_argument("--output", default=str(REPO / "benchmarks" / "RESULTS.md"))
    args = parser.parse_args()
    # A short job (a second or less) moves by a tenth either way from one run to the next on a shared machine,
    # so it is run many times; the largest jobs, whose runs vary less against their length, fewer.
    repeats = 3 if args.quick else 5
    short = 7 if args.quick else 21
    figures: list[Figure] = []
    # As installed, ehsg's modules are compiled once (pip does it); from a checkout they may not be, and with
    # PYTHONDONTWRITEBYTECODE set every measured run would compile them again.
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(REPO / "ehsg")], check=True)
    with tempfile.TemporaryDirectory(prefix="ehsg-bench-") as tmp:
        work = Path(tmp)
        shutil.copy(EXAMPLE, work / "example.xlsx")
        for job in scenarios.jobs(work, sys.executable):
            if args.only and job.name not in args.only.split(","):
                continue
            job.prepare()
            reps = max(1, short if job.repeats is None else min(repeats, job.repeats))
            seconds, mb, floor_s, floor_mb = measure_pair(job.command, job.floor, work, reps, job.repeats is None)
            fig = Figure(job.name, seconds, mb, job.floor_name, floor_s, floor_mb, job.target, job.limit)
            like = next((f for f in figures if f.name == job.memory_like), None)
            if like is not None:
                fig.memory_limit_mb = like.peak_mb * 1.10
            figures.append(fig)
            print(f"{fig.name:<28} {fig.seconds:7.3f} s {fig.peak_mb:6.1f} MB | floor ({fig.floor_name}) "
                  f"{fig.floor_seconds:7.3f} s {fig.floor_mb:6.1f} MB | ratio {fig.ratio:5.2f} | target: "
                  f"{fig.target} {fig.verdict}", flush=True)
    write_results(Path(args.output), figures, short, repeats)
    print(f"Wrote {args.output}")
    return 0


def write_results(path: Path, figures: list[Figure], short: int, repeats: int) -> None:
    import platform

    lines = [
        "# ehsg benchmark figures",
        "",
        f"Measured by `python benchmarks/run.py` on {platform.machine()} with {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, load average {os.getloadavg()[0]:.1f} at the end, on "
        f"{time.strftime('%Y-%m-%d')}. Each time is the median of {short} runs for the short jobs and of "
        f"{repeats} or fewer for the largest (merge, cohort), each run a fresh process, ehsg and its floor "
        "alternating after one warm-up of each; memory is the peak resident "
        "size. The ratio divides ehsg's time by the floor's, measured in the same run.",
        "",
        "| figure | ehsg | peak memory | floor | floor time | floor memory | ratio | target | |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for f in figures:
        lines.append(f"| {f.name} | {f.seconds:.3f} s | {f.peak_mb:.0f} MB | {f.floor_name} | {f.floor_seconds:.3f} s "
                     f"| {f.floor_mb:.0f} MB | {f.ratio:.2f} | {f.target} | {f.verdict} |")
    lines.append("")
    path.write_text("\n".join(lines), encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
