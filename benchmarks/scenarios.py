"""The benchmark jobs: what ehsg does, and the floor each is compared with."""

from __future__ import annotations

import shutil
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
    prepare: Callable[[], None] = field(default=lambda: None)
    repeats: int | None = None


FLOOR_LOAD = """
import sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1], data_only=True)
for ws in wb.worksheets:
    for row in ws.iter_rows(values_only=True):
        pass
"""

FLOOR_BUILD = """
import sys, openpyxl, docx
wb = openpyxl.load_workbook(sys.argv[1], data_only=True)
doc = docx.Document()
for ws in wb.worksheets:
    for row in ws.iter_rows(values_only=True):
        for value in row:
            if isinstance(value, str):
                doc.add_paragraph(value)
doc.save(sys.argv[2])
"""


def ehsg(python: str, *args: str) -> list[str]:
    return [python, "-m", "ehsg.cli", *args]


def jobs(work: Path, python: str) -> list[Job]:
    example = str(work / "example.xlsx")
    out = []
    out.append(Job("start-up (ehsg --help)", ehsg(python, "--help"), "python -c pass", [python, "-c", "pass"],
                   "ratio as low as imports allow; heavy libraries load only in the commands that need them"))
    out.append(Job("check (example)", ehsg(python, "check", example), "openpyxl load of the same workbook",
                   [python, "-c", FLOOR_LOAD, example], "ratio ≤ 1.5"))
    out.append(Job("build (example)", ehsg(python, "build", example, "-o", str(work / "built.docx")),
                   "openpyxl load + python-docx save of the same text",
                   [python, "-c", FLOOR_BUILD, example, str(work / "floor.docx")], "ratio ≤ 1.5 and < 1.5 s"))
    partners = work / "partners"
    out.append(Job("merge (40 partners)", ehsg(python, "merge", str(partners), "-o", str(work / "merged.xlsx")),
                   "openpyxl load of the same 40 workbooks",
                   [python, "-c", FLOOR_LOAD_MANY, str(partners)], "ratio ≤ 1.5",
                   prepare=lambda: make_partners(work, partners, 40), repeats=3))
    for count in (153, 1000):
        folder = work / f"cohort-{count}"
        out.append(Job(f"cohort ({count} areas)", ehsg(python, "cohort", str(folder), "--for", "coordinators", "-o",
                                                       str(work / f"cohort-{count}.xlsx")),
                       "pandas.read_excel loop over the same files", [python, "-c", FLOOR_PANDAS, str(folder)],
                       "ratio < 1 (faster than the floor); " + ("< 5 s" if count == 153 else "< 30 s"),
                       prepare=lambda folder=folder, count=count: make_cohort(python, folder, count), repeats=3))
    return out


FLOOR_PANDAS = """
import sys, pathlib, pandas
for f in sorted(pathlib.Path(sys.argv[1]).glob("*.xlsx")):
    pandas.read_excel(f, sheet_name="Scores")
"""


def make_cohort(python: str, folder: Path, count: int) -> None:
    import subprocess

    if not folder.exists():
        script = Path(__file__).resolve().parent / "make_cohort.py"
        subprocess.run([python, str(script), str(folder), str(count)], check=True)


FLOOR_LOAD_MANY = """
import sys, pathlib, openpyxl
for f in sorted(pathlib.Path(sys.argv[1]).glob("*.xlsx")):
    wb = openpyxl.load_workbook(f, data_only=True)
    for ws in wb.worksheets:
        for row in ws.iter_rows(values_only=True):
            pass
"""


def make_partners(work: Path, folder: Path, count: int) -> None:
    """Forty distinct partner workbooks (different organisations and scores) from the invented examples."""
    import openpyxl

    repo = Path(__file__).resolve().parent.parent
    sources = sorted((repo / "examples" / "workshop").glob("*.xlsx"))
    folder.mkdir(exist_ok=True)
    for i in range(count):
        wb = openpyxl.load_workbook(sources[i % len(sources)])
        wb["Respondent"]["B3"] = f"Benchmark partner {i}"
        wb["Respondent"]["B2"] = f"Person {i}"
        for ws in wb.worksheets:
            if ws.cell(row=3, column=3).value == "Score":
                for r in range(4, ws.max_row + 1):
                    if ws.cell(row=r, column=1).value:
                        ws.cell(row=r, column=3).value = (r + i) % 6
        wb.save(folder / f"partner-{i:02}.xlsx")


def copy_many(src: Path, folder: Path, count: int) -> None:
    folder.mkdir(exist_ok=True)
    for i in range(count):
        shutil.copy(src, folder / f"{i:04}.xlsx")
