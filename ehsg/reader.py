"""Loading a filled workshop workbook into an Assessment, with every problem located to its cell."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import workbook as wbk
from .priorities import parse_priority_cell
from .guide import Guide
from .model import Assessment, Respondent, Response, WorkforceRow
from .office.sheets import Book
from .office.xlsx import column_letter, read_workbook
from .problems import Problems
from .rules import data_model_answer_problems

HEADER_SCAN_ROWS = 30
# Rows read below a header: far more than any guide has descriptors, bounded so a
# sheet padded to a million rows cannot stall the check.
MAX_DESCRIPTOR_ROWS = 2_000


def norm(value: Any) -> str:
    """Header and label matching: case, spacing and a trailing colon do not matter."""
    if value is None:
        return ""
    return " ".join(str(value).split()).rstrip(":").strip().casefold()


def cell_ref(ws, row: int, col: int) -> str:
    return f"{ws.title}!{column_letter(col)}{row}"


@dataclass
class LoadResult:
    """A workbook read: the assessment (None when unreadable), every problem, and its ehsg sheet's values."""

    assessment: Assessment | None
    problems: Problems
    meta: dict

    @property
    def ok(self) -> bool:
        return self.assessment is not None and not self.problems.errors


def load_workbook_file(path: str | Path, guide: Guide) -> LoadResult:
    """Read a workbook; never raises for a problem in the file itself, only for an unusable path."""
    path = Path(path)
    problems = Problems()
    wb = read_workbook(path, problems)
    if wb is None:
        return LoadResult(None, problems, {})
    return read_book(path, wb, guide, problems)


def read_book(path: Path, wb: Book, guide: Guide, problems: Problems) -> LoadResult:
    """An assessment from a workbook already read (see ehsg.office.xlsx.read_workbook)."""
    formulas = {ws.title: ws for ws in wb.worksheets if ws.formulas}
    return _read(Path(path), wb, formulas, guide, problems)


def _read(path: Path, wb, formulas: dict, guide: Guide, problems: Problems) -> LoadResult:
    meta = _read_meta(wb)
    name = path.name
    stamp_id, stamp_version = meta.get("guide_id"), meta.get("guide_version")
    if not stamp_id:
        problems.warning("no-guide-stamp", name, "This workbook was not made by ehsg (it has no guide "
                         f"stamp); it is read by its headers and checked against {guide.stamp}.")
    elif (stamp_id, str(stamp_version)) != (guide.id, guide.version):
        problems.error("guide-version-mismatch", f"{wbk.META_SHEET}!B3",
                       f"This workbook was made from guide {stamp_id} {stamp_version}, but it is being checked "
                       f"against {guide.stamp}. Check it with the matching guide data, or copy the answers into a "
                       "workbook made from this guide.")
    kind = str(meta.get("kind") or wbk.KIND_ASSESSMENT)
    partner = kind == wbk.KIND_RESPONDENT
    area = _read_area(wb, guide, problems, formulas, partner=partner)
    responses = _read_descriptors(wb, guide, problems, formulas, partner=partner)
    assessment = Assessment(
        kind=kind, workforce=_read_workforce(wb), respondent=_read_respondent(wb, problems) if partner else None,
        area=area.get("area") or "", guide_id=stamp_id or guide.id, guide_version=str(stamp_version or guide.version),
        responses=tuple(responses), data_model=area.get("data_model"), data_model_changed=area.get("changed"),
        current_data_model=area.get("current"), priorities=tuple(area.get("priorities", ())),
        permissions=area.get("permissions", {}), year=area.get("year"), source=str(path))
    return LoadResult(assessment, problems, meta)


def _read_meta(wb) -> dict:
    if wbk.META_SHEET not in wb.sheetnames:
        return {}
    ws = wb[wbk.META_SHEET]
    out = {}
    for row in ws.iter_rows(min_row=1, max_row=20, max_col=2, values_only=True):
        if row and row[0] in wbk.META_KEYS:
            out[row[0]] = row[1]
    return out


def _value(ws, row: int, col: int, formulas: dict, problems: Problems, what: str):
    """A cell's value; for a formula, its last calculated value, said plainly."""
    value = ws.cell(row=row, column=col).value
    fws = formulas.get(ws.title)
    if fws is not None:
        raw = fws.formula(row, col)
        if raw is not None:
            ref = cell_ref(ws, row, col)
            if value is None:
                problems.error("formula-no-value", ref,
                               f"The {what} is a formula ({raw}) with no calculated value saved. Open the workbook "
                               "in Excel or LibreOffice, let it calculate and save, or type the value in.")
                return _FORMULA_NO_VALUE
            problems.warning("formula", ref, f"The {what} is a formula ({raw}); using its last calculated value, "
                             f"{value!r}. Type the value in to be sure.")
    return value


_FORMULA_NO_VALUE = object()


def _find_header(ws, required: tuple[str, ...]) -> tuple[int, dict[str, int]] | None:
    wanted = {norm(h) for h in required}
    for r, row in enumerate(ws.iter_rows(min_row=1, max_row=HEADER_SCAN_ROWS, values_only=True), start=1):
        found = {}
        for c, v in enumerate(row, start=1):
            key = norm(v)
            if key and key not in found:
                found[key] = c
        if wanted <= found.keys():
            return r, found
    return None


def _yes_no(value: Any) -> bool | None | str:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        return value
    key = norm(value)
    if key in ("yes", "y", "true"):
        return True
    if key in ("no", "n", "false"):
        return False
    return "bad"


def _label_cells(ws) -> dict[str, tuple[int, int]]:
    """Label → (row, column of its value), by a Label/Value header row, else the cell to the right."""
    header = _find_header(ws, (wbk.HEADER_LABEL, wbk.HEADER_VALUE))
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


def _read_respondent(wb, problems: Problems) -> Respondent:
    sheet = next((n for n in wb.sheetnames if norm(n) == norm(wbk.RESPONDENT_SHEET)), None)
    if sheet is None:
        problems.error("respondent-sheet-missing", wb.sheetnames[0], f"There is no '{wbk.RESPONDENT_SHEET}' sheet "
                       "saying who responded.")
        return Respondent()
    ws = wb[sheet]
    cells = _label_cells(ws)

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


def _read_workforce(wb) -> tuple[WorkforceRow, ...]:
    sheet = next((n for n in wb.sheetnames if norm(n) == norm(wbk.WORKFORCE_SHEET)), None)
    if sheet is None:
        return ()
    ws = wb[sheet]
    header = _find_header(ws, (wbk.WF_GROUP,))
    if header is None:
        return ()
    hrow, cols = header
    partners_col = cols.get(norm(wbk.WF_PARTNER_ENTRIES))  # in a consolidated workbook
    out = []
    for r in range(hrow + 1, min(ws.max_row, hrow + MAX_DESCRIPTOR_ROWS) + 1):
        values = []
        for name in wbk.WF_HEADERS:
            col = cols.get(norm(name))
            v = ws.cell(row=r, column=col).value if col else None
            values.append("" if v is None else str(v))
        if any(v.strip() for v in values):
            entries = _whole(ws.cell(row=r, column=partners_col).value) if partners_col else None
            out.append(WorkforceRow(*values, row=cell_ref(ws, r, cols[norm(wbk.WF_GROUP)]),
                                    partner_entries=entries or 0))
    return tuple(out)


def _read_area(wb, guide: Guide, problems: Problems, formulas: dict, partner: bool = False) -> dict:
    sheet = next((n for n in wb.sheetnames if norm(n) == norm(wbk.AREA_SHEET)), None)
    if sheet is None and partner:  # a partner's workbook gives the area and year on its Respondent sheet
        sheet = next((n for n in wb.sheetnames if norm(n) == norm(wbk.RESPONDENT_SHEET)), None)
    if sheet is None:
        problems.error("area-sheet-missing", wbk.AREA_SHEET,
                       f"There is no '{wbk.AREA_SHEET}' sheet with the area's name, data model, priorities and "
                       "permissions.")
        return {}
    ws = wb[sheet]
    cells = _label_cells(ws)

    def get(label: str, required: bool = True):
        pos = cells.get(norm(label))
        if pos is None:
            if required:
                problems.error("area-label-missing", f"{ws.title}", f"The row labelled '{label}' is missing.")
            return None, f"{ws.title}"
        v = _value(ws, pos[0], pos[1], formulas, problems, f"'{label}'")
        v = None if v is _FORMULA_NO_VALUE else v
        return v, cell_ref(ws, *pos)

    out: dict[str, Any] = {}
    area, where = get(wbk.LABEL_AREA)
    out["area"] = "" if area is None else str(area).strip()
    if not out["area"] and norm(wbk.LABEL_AREA) in cells and not partner:
        problems.error("area-missing", where, "The area's name is missing.")
    from .submission import xml_safe  # the one definition of what a Word document cannot hold

    removed = sorted(set(xml_safe(out["area"])[1]))
    if removed:
        problems.warning("area-control-characters", where,
                         f"The area's name holds character(s) that cannot be shown or printed ({', '.join(removed)}); "
                         "they are left out of the documents made from this workbook. Retype the name to remove them.")
    year, where = get(wbk.LABEL_YEAR, required=False)
    if year not in (None, ""):
        y = _whole(year)
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
    elif _whole(model) not in numbers:
        problems.error("data-model-invalid", where, f"The data model must be a whole number {span}, not {model!r}.")
    else:
        out["data_model"] = _whole(model)
    changed, where = get(wbk.LABEL_CHANGED)
    yn = _yes_no(changed)
    if yn == "bad":
        problems.error("yes-no-invalid", where, f"Answer Yes or No, not {changed!r}.")
    else:
        out["changed"] = yn
    changed_where = where
    current, where = get(wbk.LABEL_CURRENT)
    if current not in (None, ""):
        if _whole(current) not in numbers:
            problems.error("data-model-invalid", where,
                           f"The current data model must be a whole number {span}, not {current!r}.")
        else:
            out["current"] = _whole(current)
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
        yn = _yes_no(value)
        if yn == "bad":
            problems.error("yes-no-invalid", where, f"Answer Yes or No, not {value!r}.")
            yn = None
        elif yn is None and norm(p.label) in cells:
            problems.warning("permission-missing", where, f"No answer to '{p.label}'; it is treated as No.")
        perms[p.id] = yn
    out["permissions"] = perms
    return out


def descriptor_id(value: Any) -> str:
    """A descriptor id as typed: '7.3', ' 7.3 ', the number 7.3, or '7.3 – Communities'."""
    if isinstance(value, float):
        return f"{value:g}"
    text = str(value).strip()
    head = text.split()[0] if text.split() else text
    return head.rstrip(":-–,")


def _whole(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    # ASCII digits only ('²' is a digit to isdigit() but not to int()), and few: no year or number is longer
    if isinstance(value, str) and re.fullmatch(r"-?[0-9]{1,18}", value.strip()):
        return int(value.strip())
    return None


def parse_score(value: Any, guide: Guide) -> tuple[int | None, str | None, str]:
    """(score, problem code, message). Scores are whole numbers on the guide's scale."""
    lo, hi = guide.scale.minimum, guide.scale.maximum
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, "score-missing", "The score is missing."
    if isinstance(value, bool):
        return None, "score-not-number", f"The score is {value!r} (a true/false value), not a number {lo} to {hi}."
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return None, "score-not-number", (f"The score cell holds a date or time ({value}), not a number {lo} to {hi}. "
                                          "Set the cell's format to Number and type the score.")
    text_note = ""
    if isinstance(value, str):
        stripped = value.strip()
        try:
            number = float(stripped)
        except ValueError:
            return None, "score-not-number", f"The score is '{value}', not a number {lo} to {hi}."
        text_note = "text"
        value = int(number) if number.is_integer() else number
    if isinstance(value, float):
        if not value.is_integer():
            return None, "score-not-whole", f"The score is {value:g}; scores are whole numbers {lo} to {hi}."
        value = int(value)
    if not isinstance(value, int):
        return None, "score-not-number", f"The score is {value!r}, not a number {lo} to {hi}."
    if not lo <= value <= hi:
        return None, "score-out-of-range", f"The score is {value}; scores are whole numbers {lo} to {hi}."
    if text_note:
        return value, "score-as-text", f"The score {value} is stored as text; it is read as {value}."
    return value, None, ""


def _read_descriptors(wb, guide: Guide, problems: Problems, formulas: dict, partner: bool = False) -> list[Response]:
    wanted = (wbk.HEADER_ID, wbk.HEADER_SCORE)
    skip = {norm(wbk.AREA_SHEET), norm(wbk.INSTRUCTIONS_SHEET), norm(wbk.META_SHEET), norm(wbk.RESPONDENT_SHEET),
            norm(wbk.WORKFORCE_SHEET)}
    responses: list[Response] = []
    seen: dict[str, str] = {}
    found_any = False
    ww, nx = norm(guide.prompts.working_well), norm(guide.prompts.next)
    for ws in wb.worksheets:
        if norm(ws.title) in skip:
            continue
        header = _find_header(ws, wanted)
        if header is None:
            continue
        found_any = True
        hrow, cols = header
        id_col, score_col = cols[norm(wbk.HEADER_ID)], cols[norm(wbk.HEADER_SCORE)]
        ww_col, nx_col = cols.get(ww), cols.get(nx)
        proposed_col = cols.get(norm("Proposed score"))  # in a consolidated workshop workbook
        for label, col in ((guide.prompts.working_well, ww_col), (guide.prompts.next, nx_col)):
            if col is None:
                problems.error("column-missing", cell_ref(ws, hrow, 1),
                               f"The header row has no column '{label}'.")
        merged = _merged_lookup(ws)
        last = min(ws.max_row, hrow + MAX_DESCRIPTOR_ROWS)
        if ws.max_row > last:
            problems.warning("sheet-too-long", ws.title, f"Only the first {MAX_DESCRIPTOR_ROWS:,} rows under the "
                             f"header were read; the sheet runs to row {ws.max_row:,}.")
        for r in range(hrow + 1, last + 1):
            raw_id = ws.cell(row=r, column=id_col).value
            if raw_id is None or (isinstance(raw_id, str) and not raw_id.strip()):
                continue
            did = descriptor_id(raw_id)
            at = cell_ref(ws, r, id_col)
            if guide.descriptor(did) is None:
                problems.error("unknown-descriptor", at, f"'{raw_id}' is not a descriptor of {guide.stamp}.")
                continue
            if did in seen:
                problems.error("duplicate-descriptor", at, f"Descriptor {did} appears again (first at {seen[did]}); "
                               "keep one row per descriptor.")
                continue
            seen[did] = at
            if ws.row_dimensions[r].hidden:
                problems.warning("hidden-row", at, f"The row for descriptor {did} is hidden; it is read all the same.")
            score_ref = cell_ref(ws, r, score_col)
            if (r, score_col) in merged:
                problems.error("merged-cell", score_ref, f"The score cell of {did} is merged with other cells "
                               f"({merged[(r, score_col)]}). Unmerge it and give each descriptor its own score.")
                score = None
            else:
                raw = _value(ws, r, score_col, formulas, problems, f"score of {did}")
                if raw is _FORMULA_NO_VALUE:
                    score = None
                else:
                    score, code, message = parse_score(raw, guide)
                    if code == "score-missing" and partner:
                        problems.warning("no-response", score_ref, f"{did}: no score from this partner; it is "
                                         "counted as no response, not as 0.")
                    elif code == "score-missing" and proposed_col:
                        hint = ws.cell(row=r, column=proposed_col).value
                        problems.error(code, score_ref, f"{did}: no agreed score yet"
                                       + (f" (proposed from partners' scores: {hint})" if hint is not None else "")
                                       + ". Type the score the partnership agreed.")
                    elif code == "score-as-text":
                        problems.warning(code, score_ref, f"{did}: {message}")
                    elif code:
                        problems.error(code, score_ref, f"{did}: {message}")
            texts = []
            for col, prompt in ((ww_col, guide.prompts.working_well), (nx_col, guide.prompts.next)):
                texts.append(_narrative(ws, r, col, did, prompt, merged, formulas, problems, quiet_if_blank=partner))
            cells = (score_ref, cell_ref(ws, r, ww_col) if ww_col else "", cell_ref(ws, r, nx_col) if nx_col else "")
            responses.append(Response(did, score, texts[0], texts[1], at, cells))
    if not found_any:
        problems.error("score-sheet-missing", wb.sheetnames[0] if wb.sheetnames else "",
                       f"No sheet has a header row with '{wbk.HEADER_ID}' and '{wbk.HEADER_SCORE}', so no "
                       "descriptor could be read. Was the sheet deleted, renamed or its header row changed?")
        return responses
    _locate_missing(wb, guide, seen, wanted, skip, problems)
    return responses


def _locate_missing(wb, guide: Guide, seen: dict[str, str], wanted: tuple[str, ...], skip: set[str],
                    problems: Problems) -> None:
    """Descriptors not read, located where the user must look: a section sheet that is gone is named once;
    otherwise each missing descriptor is placed on its section's sheet (or where its neighbours were read)."""
    titles = {norm(t): t for t in wb.sheetnames}
    for section in guide.sections:
        missing = [d for d in section.descriptors if d.id not in seen]
        if not missing:
            continue
        expected = wbk.section_sheet_name(section.number, section.name)
        found = [seen[d.id].split("!")[0] for d in section.descriptors if d.id in seen]
        sheet = titles.get(norm(expected)) or (found[0] if found else None)
        if sheet is None:
            ids = ", ".join(d.id for d in missing)
            problems.error("section-sheet-missing", expected, f"The sheet '{expected}' is missing, so descriptors "
                           f"{ids} are not in the workbook. Was it deleted or renamed? Copy it back from a workbook "
                           "made by ehsg.")
            continue
        ws = wb[sheet]
        header = _find_header(ws, wanted)
        hint = "" if header or norm(sheet) in skip else (
            f" The sheet '{sheet}' has no header row with '{wbk.HEADER_ID}' and '{wbk.HEADER_SCORE}' in its first "
            f"{HEADER_SCAN_ROWS} rows, so none of its rows could be read.")
        for d in missing:
            problems.error("descriptor-missing", sheet, f"Descriptor {d.id} ({d.short}) is not in the workbook.{hint}")


def _narrative(ws, r: int, col: int | None, did: str, prompt: str, merged: dict, formulas: dict,
               problems: Problems, quiet_if_blank: bool = False) -> str:
    if col is None:
        return ""
    ref = cell_ref(ws, r, col)
    if (r, col) in merged:
        problems.error("merged-cell", ref, f"The narrative cell of {did} is merged with other cells "
                       f"({merged[(r, col)]}); unmerge it so each descriptor has its own text.")
        return ""
    value = _value(ws, r, col, formulas, problems, f"narrative of {did}")
    if value is _FORMULA_NO_VALUE or value is None or (isinstance(value, str) and not value.strip()):
        if value is not _FORMULA_NO_VALUE and not quiet_if_blank:
            problems.warning("narrative-missing", ref, f"{did}: no answer to '{prompt}'.")
        return "" if not isinstance(value, str) else value
    if isinstance(value, str):
        return value
    problems.warning("narrative-not-text", ref, f"{did}: the narrative is a {type(value).__name__} ({value}); it is "
                     "read as text.")
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _merged_lookup(ws) -> "_MergedCells":
    """Every cell inside a merged range, mapped to the range; looked up, never expanded."""
    return _MergedCells(ws.merged_cells.ranges)


class _MergedCells:
    """(row, column) in merged → inside a merged range; merged[(row, column)] → the range's name ('C5:C6')."""

    def __init__(self, ranges) -> None:
        self._ranges = tuple(ranges)

    def _find(self, key):
        row, col = key
        return next((rng for rng in self._ranges
                     if rng.min_row <= row <= rng.max_row and rng.min_col <= col <= rng.max_col), None)

    def __contains__(self, key) -> bool:
        return self._find(key) is not None

    def __getitem__(self, key) -> str:
        rng = self._find(key)
        if rng is None:
            raise KeyError(key)
        return rng.coord
