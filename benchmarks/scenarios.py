"""The benchmark jobs: what ehsg does, and the floor each is compared with.

Each floor is the least work that could give the same result with the libraries alone, and shares
none of ehsg's own costs: calamine reading the same workbooks (check, merge, cohort), calamine and
python-docx saving the same text (build), and an empty Python (start-up).
"""

from __future__ import annotations

import io
import shutil
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable


@dataclass
class Job:
    name: str
    command: list[str]
    floor_name: str
    floor: list[str]
    target: str
    limit: float | None = None          # the ratio the target allows, when there is one
    prepare: Callable[[], None] = field(default=lambda: None)
    repeats: int | None = None
    memory_like: str | None = None      # a figure whose peak memory this one's must stay within 10% of


FLOOR_READ = """
import sys, pathlib
from python_calamine import CalamineWorkbook
target = pathlib.Path(sys.argv[1])
for f in sorted(target.glob("*.xlsx")) if target.is_dir() else [target]:
    with CalamineWorkbook.from_path(str(f)) as wb:
        for name in wb.sheet_names:
            wb.get_sheet_by_name(name).to_python()
"""

FLOOR_BUILD = """
import sys
import docx
from python_calamine import CalamineWorkbook
doc = docx.Document()
with CalamineWorkbook.from_path(sys.argv[1]) as wb:
    for name in wb.sheet_names:
        for row in wb.get_sheet_by_name(name).to_python():
            for value in row:
                if isinstance(value, str) and value:
                    doc.add_paragraph(value)
doc.save(sys.argv[2])
"""


def ehsg(python: str, *args: str) -> list[str]:
    return [python, "-m", "ehsg", *args]


def jobs(work: Path, python: str) -> list[Job]:
    example = str(work / "example.xlsx")
    long = work / "long-narratives.xlsx"
    out = [
        Job("start-up (ehsg --help)", ehsg(python, "--help"), "python -c pass", [python, "-c", "pass"],
            "ratio ≤ 2.5", 2.5),
        Job("start-up (ehsg --version)", ehsg(python, "--version"), "python -c pass", [python, "-c", "pass"],
            "as low as --help"),
        Job("check (example)", ehsg(python, "check", example), "calamine reading the same workbook",
            [python, "-c", FLOOR_READ, example], "ratio ≤ 3", 3.0),
        Job("check (narratives ×20)", ehsg(python, "check", str(long)), "calamine reading the same workbook",
            [python, "-c", FLOOR_READ, str(long)], "grows with the text, as the floor does",
            prepare=lambda: in_child(python, "make_long_narratives", work / "example.xlsx", long, 20)),
        Job("build (example)", ehsg(python, "build", example, "-o", str(work / "built.docx")),
            "calamine + python-docx saving the same text",
            [python, "-c", FLOOR_BUILD, example, str(work / "floor.docx")], "ratio ≤ 1.6", 1.6),
    ]
    for count, target, limit in ((40, "grows linearly with partners", None), (200, "ratio ≤ 4", 4.0)):
        partners = work / f"partners-{count}"
        out.append(Job(f"merge ({count} partners)",
                       ehsg(python, "merge", str(partners), "-o", str(work / f"merged-{count}.xlsx")),
                       f"calamine reading the same {count} workbooks", [python, "-c", FLOOR_READ, str(partners)],
                       target, limit, prepare=lambda partners=partners, count=count: in_child(python, "make_partners", partners, count),
                       repeats=3 if count < 100 else 5))
    for count, target, limit, repeats in ((153, "grows linearly with areas", None, 3), (1000, "ratio ≤ 1.5", 1.5, 5),
                                          (5000, "peak memory within 10% of the 1,000-area run", None, 1)):
        folder = work / f"cohort-{count}"
        out.append(Job(f"cohort ({count} areas)", ehsg(python, "cohort", str(folder), "--for", "coordinators", "--format", "json"),
                       "calamine reading the same files", [python, "-c", FLOOR_READ, str(folder)], target, limit,
                       prepare=lambda folder=folder, count=count: in_child(python, "make_cohort", python, work, folder,
                                                                           count),
                       repeats=repeats, memory_like="cohort (1000 areas)" if count == 5000 else None))
    return out


def in_child(python: str, name: str, *args) -> None:
    """Run a preparation in its own process: the benchmark stays small, and a measured command's peak memory,
    which Linux carries over from the process it was forked from, is then its own."""
    import json
    import subprocess

    code = "import json, sys; sys.path.insert(0, sys.argv[1]); import scenarios; " \
           f"scenarios.{name}(*json.loads(sys.argv[2]))"
    values = [a if isinstance(a, int) else str(a) for a in args]
    subprocess.run([python, "-c", code, str(Path(__file__).resolve().parent), json.dumps(values)], check=True)


def make_long_narratives(src: str, out: str, times: int) -> None:
    """The example with every narrative written out `times` over (still one area, one workbook)."""
    import openpyxl

    if Path(out).exists():
        return
    wb = openpyxl.load_workbook(src)
    for ws in wb.worksheets:
        if ws.cell(row=3, column=3).value == "Score":
            for row in ws.iter_rows(min_row=4, min_col=4, max_col=5):
                for c in row:
                    if isinstance(c.value, str) and c.value:
                        c.value = ("\n\n".join([c.value] * times))[:32_000]
    wb.save(out)


def make_cohort(python: str, work: str, folder: str, count: int) -> None:
    """`count` distinct areas' exports: 1,000 made by ehsg's exporter, the rest copies with their own names."""
    import subprocess

    work, folder = Path(work), Path(folder)
    if folder.exists():
        return
    base = work / "cohort-base"
    if not base.exists():
        script = Path(__file__).resolve().parent / "make_cohort.py"
        subprocess.run([python, str(script), str(base), "1000"], check=True)
    folder.mkdir()
    sources = sorted(base.glob("*.xlsx"))
    for i in range(1, count + 1):
        src = sources[(i - 1) % len(sources)]
        if i <= len(sources):
            shutil.copy(src, folder / src.name)
        else:
            renamed(src, folder / f"area-{i:04}.xlsx", src.stem.replace("area-", "Area ").encode(),
                    f"Area {i:04}".encode())


def renamed(src: Path, out: Path, old: bytes, new: bytes) -> None:
    """A copy of an export whose area name is replaced in every part (same length, so nothing else moves)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            zout.writestr(item, zin.read(item.filename).replace(old, new))
    out.write_bytes(buf.getvalue())


def make_partners(folder: str, count: int) -> None:
    """Distinct partner workbooks (different organisations and scores) from the invented examples."""
    import openpyxl

    folder = Path(folder)
    if folder.exists():
        return
    repo = Path(__file__).resolve().parent.parent
    sources = [openpyxl.load_workbook(p) for p in sorted((repo / "examples" / "workshop").glob("*.xlsx"))]
    folder.mkdir()
    for i in range(count):
        wb = sources[i % len(sources)]
        wb["Respondent"]["B3"] = f"Benchmark partner {i}"
        wb["Respondent"]["B2"] = f"Person {i}"
        for ws in wb.worksheets:
            if ws.cell(row=3, column=3).value == "Score":
                for r in range(4, ws.max_row + 1):
                    if ws.cell(row=r, column=1).value:
                        ws.cell(row=r, column=3).value = (r + i) % 6
        wb.save(folder / f"partner-{i:03}.xlsx")
