"""The Area sheet (and a partner's Respondent sheet): the area's name, year, data model, priorities and
permissions, and who responded, each answer located to its cell."""

from __future__ import annotations

from typing import Any

from . import workbook as wbk
from .cells import FORMULA_NO_VALUE, cell_ref, cell_value, find_header, norm, whole, yes_no
from .guide import Guide
from .model import Respondent
from .priorities import parse_priority_cell
from .problems import Problems
from .rules import data_model_answer_problems


def label_cells(ws) -> dict[str, tuple[int, int]]:
    """Label → (row, column of its value), by a Label/Value header row, else the cell to the right."""
    header = find_header(ws, (wbk.HEADER_LABEL, wbk.HEADER_VALUE))
    cells: dict[str, tuple[int, int]] = {}
    if header:
        hrow, cols = header
        lcol, vcol = cols[norm(wbk.HEADER_LABEL)], cols[norm(wbk.HEADER_VALUE)]
        for r in range(hrow + 1, min(ws.max_row, hrow + 200) + 1):
            key = norm(ws.cell(row=r, column=lcol).value)
            if key and key not in cells:
                cells[key] = (r, vcol)
    else:
        for row in ws.iter_rows(min_row=1, max_row=min(ws.max_row, 200)):
            for c in row:
                key = norm(c.value)
                if key and key not in cells and isinstance(c.value, str):
                    cells[key] = (c.row, c.column + 1)
    return cells


def read_respondent(wb, problems: Problems) -> Respondent:
    """Who filled a partner's workbook: name, organisation (required) and sector."""
    sheet = next((n for n in wb.sheetnames if norm(n) == norm(wbk.RESPONDENT_SHEET)), None)
    if sheet is None:
        problems.error("respondent-sheet-missing", wb.sheetnames[0], f"There is no '{wbk.RESPONDENT_SHEET}' sheet "
                       "saying who responded.")
        return Respondent()
    ws = wb[sheet]
    cells = label_cells(ws)

    def get(label):
        pos = cells.get(norm(label))
        v = ws.cell(row=pos[0], column=pos[1]).value if pos else None
        return ("" if v is None else str(v).strip()), (cell_ref(ws, *pos) if pos else ws.title)

    name, _ = get(wbk.LABEL_NAME)
    org, where = get(wbk.LABEL_ORGANISATION)
    if not org:
        problems.error("organisation-missing", where, "Say which organisation this partner responds for, so "
                       "their scores and evidence can be attributed.")
    sector, where = get(wbk.LABEL_SECTOR)
    known = {norm(s): s for s in wbk.SECTORS}
    if sector and norm(sector) not in known:
        problems.warning("sector-unknown", where, f"'{sector}' is not one of: {', '.join(wbk.SECTORS)}; it is kept "
                         "as typed.")
    return Respondent(name, org, known.get(norm(sector), sector))


def read_area(wb, guide: Guide, problems: Problems, formulas: dict, partner: bool = False) -> dict:
    """The Area sheet's answers by name (area, year, data_model, changed, current, priorities, permissions)."""
    sheet = next((n for n in wb.sheetnames if norm(n) == norm(wbk.AREA_SHEET)), None)
    if sheet is None and partner:  # a partner's workbook gives the area and year on its Respondent sheet
        sheet = next((n for n in wb.sheetnames if norm(n) == norm(wbk.RESPONDENT_SHEET)), None)
    if sheet is None:
        problems.error("area-sheet-missing", wbk.AREA_SHEET,
                       f"There is no '{wbk.AREA_SHEET}' sheet with the area's name, data model, priorities and "
                       "permissions.")
        return {}
    ws = wb[sheet]
    cells = label_cells(ws)

    def get(label: str, required: bool = True):
        pos = cells.get(norm(label))
        if pos is None:
            if required:
                problems.error("area-label-missing", f"{ws.title}", f"The row labelled '{label}' is missing.")
            return None, f"{ws.title}"
        v = cell_value(ws, pos[0], pos[1], formulas, problems, f"'{label}'")
        v = None if v is FORMULA_NO_VALUE else v
        return v, cell_ref(ws, *pos)

    out: dict[str, Any] = {}
    area, where = get(wbk.LABEL_AREA)
    out["area"] = "" if area is None else str(area).strip()
    if not out["area"] and norm(wbk.LABEL_AREA) in cells and not partner:
        problems.error("area-missing", where, "The area's name is missing.")
    from .xmlsafe import xml_safe  # the one definition of what a Word document cannot hold

    removed = sorted(set(xml_safe(out["area"])[1]))
    if removed:
        problems.warning("area-control-characters", where,
                         f"The area's name holds character(s) that cannot be shown or printed ({', '.join(removed)}); "
                         "they are left out of the documents made from this workbook. Retype the name to remove them.")
    year, where = get(wbk.LABEL_YEAR, required=False)
    if year not in (None, ""):
        y = whole(year)
        if y is None or not 2000 <= y <= 2100:
            problems.error("year-invalid", where, f"The year must be a year such as 2022, not {year!r}.")
        else:
            out["year"] = y
    if partner:  # a partner's workbook carries scores and evidence only
        if norm(ws.title) == norm(wbk.AREA_SHEET):   # an older partner's workbook still had the Area questions
            asked = (wbk.LABEL_DATA_MODEL, wbk.LABEL_CHANGED, wbk.LABEL_CURRENT, *wbk.LABEL_PRIORITIES,
                     *(q.label for q in guide.permissions))
            answered = [label for label in asked if norm(label) in cells
                        and ws.cell(row=cells[norm(label)][0], column=cells[norm(label)][1]).value not in (None, "")]
            if answered:
                problems.warning("partner-area-ignored", ws.title, "This partner answered the partnership's own "
                                 f"questions ({', '.join(answered)}). A partner's workbook gives scores and evidence "
                                 "only: these answers are not used. Agree them together and type them on the Area "
                                 "sheet of the consolidated workbook.")
        return out
    numbers = [m.number for m in guide.data_models]
    span = f"{min(numbers)} to {max(numbers)}"
    model, where = get(wbk.LABEL_DATA_MODEL)
    if model in (None, ""):
        if norm(wbk.LABEL_DATA_MODEL) in cells:
            problems.error("data-model-missing", where, f"The data model is missing (a whole number {span}).")
    elif whole(model) not in numbers:
        problems.error("data-model-invalid", where, f"The data model must be a whole number {span}, not {model!r}.")
    else:
        out["data_model"] = whole(model)
    changed, where = get(wbk.LABEL_CHANGED)
    yn = yes_no(changed)
    if yn == "bad":
        problems.error("yes-no-invalid", where, f"Answer Yes or No, not {changed!r}.")
    else:
        out["changed"] = yn
    changed_where = where
    current, where = get(wbk.LABEL_CURRENT)
    if current not in (None, ""):
        if whole(current) not in numbers:
            problems.error("data-model-invalid", where,
                           f"The current data model must be a whole number {span}, not {current!r}.")
        else:
            out["current"] = whole(current)
    if out.get("changed") and "current" not in out and "data-model-invalid" not in {p.code for p in problems}:
        problems.error("current-data-model-missing", where,
                       "The data model has changed, so give the current data model: the priority rule follows it.")
    if yn != "bad" and norm(wbk.LABEL_CHANGED) in cells:
        for code, severity, field, message in data_model_answer_problems(out.get("data_model"), yn, out.get("current")):
            getattr(problems, severity)(code, changed_where if field == "changed" else where, message)
    priorities = []
    for label in wbk.LABEL_PRIORITIES:
        value, where = get(label)
        if value in (None, ""):
            if norm(label) in cells:
                problems.error("priority-missing", where, f"{label} is missing.")
            continue
        ids, problem = parse_priority_cell(value, guide)
        did = ids[0] if ids else ""
        if problem:
            problems.error(problem[0], where, f"{label}: {problem[1]}")
        elif did in priorities:
            problems.error("priority-duplicate", where, f"{label}: {did} is already chosen; choose three different "
                           "descriptors.")
        priorities.append(did)
    out["priorities"] = priorities
    perms = {}
    for p in guide.permissions:
        value, where = get(p.label)
        yn = yes_no(value)
        if yn == "bad":
            problems.error("yes-no-invalid", where, f"Answer Yes or No, not {value!r}.")
            yn = None
        elif yn is None and norm(p.label) in cells:
            problems.warning("permission-missing", where, f"No answer to '{p.label}'; it is treated as No.")
        perms[p.id] = yn
    out["permissions"] = perms
    return out
