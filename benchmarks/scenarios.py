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
    return out


def copy_many(src: Path, folder: Path, count: int) -> None:
    folder.mkdir(exist_ok=True)
    for i in range(count):
        shutil.copy(src, folder / f"{i:04}.xlsx")
