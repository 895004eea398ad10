"""Rebuild the invented partner workbooks in examples/workshop/ (run from the repository root).

THESE ARE INVENTED EXAMPLES for trying `ehsg merge`: no real partner wrote them. The organisations are
fictional, the scores are made up, and every narrative says it is invented.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl

from ehsg.guide import load_guide
from ehsg.workbook import KIND_RESPONDENT, WORKFORCE_SHEET, write_template

HERE = Path(__file__).resolve().parent

PARTNERS = [
    # file, name, organisation, sector, score offset, descriptors left blank
    ("council.xlsx", "A. Example", "Exampleshire Council (invented)", "Council", 0, ()),
    ("health.xlsx", "", "Exampleshire Health Trust (invented)", "Health", 1, ()),
    ("police.xlsx", "B. Example", "Exampleshire Police (invented)", "Police", -1, ("7.4",)),
    ("vcs.xlsx", "", "Exampleshire Voluntary Sector Network (invented)", "Voluntary and community sector", 0,
     ("9.6", "9.7")),
]
# A base profile, so the partners agree on most descriptors and disagree on a few.
BASE = {"5": 3, "6": 2, "7": 2, "8": 2, "9": 3}
DISAGREE = {"7.1": {"Voluntary and community sector": -2, "Council": 1}, "5.2": {"Health": 1, "Police": -1}}


def score_for(did: str, sector: str, offset: int) -> int:
    base = BASE[did.split(".")[0]] + (offset if did.endswith(("1", "2")) else 0)
    return max(0, min(5, base + DISAGREE.get(did, {}).get(sector, 0)))


def main() -> None:
    guide = load_guide()
    for file, name, org, sector, offset, blanks in PARTNERS:
        path = HERE / file
        write_template(guide, path, area="Exampleshire (invented)", year=2024, kind=KIND_RESPONDENT)
        wb = openpyxl.load_workbook(path)
        ws = wb["Respondent"]
        for r in range(2, ws.max_row + 1):
            label = ws.cell(row=r, column=1).value
            value = {"Name": name or None, "Organisation": org, "Sector": sector}.get(label)
            if value:
                ws.cell(row=r, column=2).value = value
        for sheet in wb.worksheets:
            if sheet.cell(row=3, column=1).value != "ID" or sheet.title == WORKFORCE_SHEET:
                continue
            for r in range(4, sheet.max_row + 1):
                did = sheet.cell(row=r, column=1).value
                if not did or did in blanks:
                    continue
                sheet.cell(row=r, column=3).value = score_for(did, sector, offset)
                sheet.cell(row=r, column=4).value = (f"Invented example text from {org} about {did}.\n"
                                                     "• an invented point of evidence\n• another invented point")
                sheet.cell(row=r, column=5).value = f"Invented example: what {org} would prioritise next on {did}."
        wf = wb[WORKFORCE_SHEET]
        wf["C4"] = f"Invented example: how often, in {org}'s view."
        wf["D4"] = "Invented example: their role in whole family working."
        wb.save(path)
        print(f"Wrote {path}")


if __name__ == "__main__":
    main()
