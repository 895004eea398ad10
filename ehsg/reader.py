"""Loading a filled workshop workbook into an Assessment, with every problem located to its cell."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import workbook as wbk
from .areasheet import read_area, read_respondent
from .cells import FORMULA_NO_VALUE, HEADER_SCAN_ROWS, cell_ref, find_header, formula_value, norm, whole
from .guide import Guide
from .model import Assessment, Response, WorkforceRow
from .office.sheets import Book
from .office.xlsx import column_letter, read_workbook
from .problems import Problems

# Rows read below a header: far more than any guide has descriptors, bounded so a
# sheet padded to a million rows cannot stall the check.
MAX_DESCRIPTOR_ROWS = 2_000


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
    area = read_area(wb, guide, problems, formulas, partner=partner)
    responses = _read_descriptors(wb, guide, problems, formulas, partner=partner)
    assessment = Assessment(
        kind=kind, workforce=_read_workforce(wb), respondent=read_respondent(wb, problems) if partner else None,
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


_WORKFORCE_KEY = norm(wbk.WORKFORCE_SHEET)


def _read_workforce(wb) -> tuple[WorkforceRow, ...]:
    sheet = next((n for n in wb.sheetnames if norm(n) == _WORKFORCE_KEY), None)
    if sheet is None:
        return ()
    ws = wb[sheet]
    header = find_header(ws, (wbk.WF_GROUP,))
    if header is None:
        return ()
    hrow, cols = header
    partners_col = cols.get(norm(wbk.WF_PARTNER_ENTRIES))  # in a consolidated workbook
    columns = [cols.get(norm(name)) for name in wbk.WF_HEADERS]  # None where a header is absent
    group_col = cols[norm(wbk.WF_GROUP)]
    out = []
    # a row's values as read (the header row's columns are within every row read)
    rows = ws.iter_rows(min_row=hrow + 1, max_row=min(ws.max_row, hrow + MAX_DESCRIPTOR_ROWS), values_only=True)
    for r, cells in enumerate(rows, start=hrow + 1):
        values = []
        for col in columns:
            v = cells[col - 1] if col else None
            values.append("" if v is None else str(v))
        if any(v.strip() for v in values):
            entries = whole(cells[partners_col - 1]) if partners_col else None
            out.append(WorkforceRow(*values, row=cell_ref(ws, r, group_col), partner_entries=entries or 0))
    return tuple(out)


def descriptor_id(value: Any) -> str:
    """A descriptor id as typed: '7.3', ' 7.3 ', the number 7.3, or '7.3 – Communities'."""
    if isinstance(value, float):
        return f"{value:g}"
    text = str(value).strip()
    head = text.split()[0] if text.split() else text
    return head.rstrip(":-–,")


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


_SKIP_SHEETS = frozenset(norm(name) for name in (wbk.AREA_SHEET, wbk.INSTRUCTIONS_SHEET, wbk.META_SHEET,
                                                 wbk.RESPONDENT_SHEET, wbk.WORKFORCE_SHEET))


def _read_descriptors(wb, guide: Guide, problems: Problems, formulas: dict, partner: bool = False) -> list[Response]:
    wanted = (wbk.HEADER_ID, wbk.HEADER_SCORE)
    skip = set(_SKIP_SHEETS)
    responses: list[Response] = []
    seen: dict[str, str] = {}
    found_any = False
    ww, nx = norm(guide.prompts.working_well), norm(guide.prompts.next)
    for ws in wb.worksheets:
        if norm(ws.title) in skip:
            continue
        header = find_header(ws, wanted)
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
        # Each cell's place as Excel names it ('5 Family voice!C7'), made from the sheet's and columns' names
        at_id, at_score = f"{ws.title}!{column_letter(id_col)}", f"{ws.title}!{column_letter(score_col)}"
        at_ww = f"{ws.title}!{column_letter(ww_col)}" if ww_col else None
        at_nx = f"{ws.title}!{column_letter(nx_col)}" if nx_col else None
        fws = formulas.get(ws.title)
        # a row's values as read: the header row's columns are within every row read
        rows = ws.iter_rows(min_row=hrow + 1, max_row=last, values_only=True)
        for r, values in enumerate(rows, start=hrow + 1):
            raw_id = values[id_col - 1]
            if raw_id is None or (isinstance(raw_id, str) and not raw_id.strip()):
                continue
            did = descriptor_id(raw_id)
            at = f"{at_id}{r}"
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
            score_ref = f"{at_score}{r}"
            if merged and (r, score_col) in merged:
                problems.error("merged-cell", score_ref, f"The score cell of {did} is merged with other cells "
                               f"({merged[(r, score_col)]}). Unmerge it and give each descriptor its own score.")
                score = None
            else:
                formula = None if fws is None else fws.formula(r, score_col)
                raw = formula_value(values[score_col - 1], formula, ws, r, score_col, problems, f"score of {did}")
                if raw is FORMULA_NO_VALUE:
                    score = None
                else:
                    score, code, message = parse_score(raw, guide)
                    if code == "score-missing" and partner:
                        problems.warning("no-response", score_ref, f"{did}: no score from this partner; it is "
                                         "counted as no response, not as 0.")
                    elif code == "score-missing" and proposed_col:
                        hint = values[proposed_col - 1]
                        problems.error(code, score_ref, f"{did}: no agreed score yet"
                                       + (f" (proposed from partners' scores: {hint})" if hint is not None else "")
                                       + ". Type the score the partnership agreed.")
                    elif code == "score-as-text":
                        problems.warning(code, score_ref, f"{did}: {message}")
                    elif code:
                        problems.error(code, score_ref, f"{did}: {message}")
            texts, refs = [], [score_ref]
            for col, place, prompt in ((ww_col, at_ww, guide.prompts.working_well),
                                       (nx_col, at_nx, guide.prompts.next)):
                if col is None:
                    texts.append("")
                    refs.append("")
                    continue
                ref = f"{place}{r}"
                refs.append(ref)
                formula = None if fws is None else fws.formula(r, col)
                texts.append(_narrative(ws, r, col, values[col - 1], formula, ref, did, prompt, merged, problems,
                                        quiet_if_blank=partner))
            responses.append(Response(did, score, texts[0], texts[1], at, tuple(refs)))
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
        header = find_header(ws, wanted)
        hint = "" if header or norm(sheet) in skip else (
            f" The sheet '{sheet}' has no header row with '{wbk.HEADER_ID}' and '{wbk.HEADER_SCORE}' in its first "
            f"{HEADER_SCAN_ROWS} rows, so none of its rows could be read.")
        for d in missing:
            problems.error("descriptor-missing", sheet, f"Descriptor {d.id} ({d.short}) is not in the workbook.{hint}")


def _narrative(ws, r: int, col: int, value, formula: str | None, ref: str, did: str, prompt: str, merged,
               problems: Problems, quiet_if_blank: bool = False) -> str:
    """A narrative cell's text: its value as read (and its formula, if it holds one), located at ref."""
    if merged and (r, col) in merged:
        problems.error("merged-cell", ref, f"The narrative cell of {did} is merged with other cells "
                       f"({merged[(r, col)]}); unmerge it so each descriptor has its own text.")
        return ""
    value = formula_value(value, formula, ws, r, col, problems, f"narrative of {did}")
    if value is FORMULA_NO_VALUE or value is None or (isinstance(value, str) and not value.strip()):
        if value is not FORMULA_NO_VALUE and not quiet_if_blank:
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
        # the rows any range spans: a sheet's merged title rows are never a descriptor's
        self._rows = (min((rng.min_row for rng in self._ranges), default=0),
                      max((rng.max_row for rng in self._ranges), default=-1))

    def __bool__(self) -> bool:   # most sheets have no merged cells: nothing to look up
        return bool(self._ranges)

    def _find(self, key):
        row, col = key
        if not self._rows[0] <= row <= self._rows[1]:
            return None
        return next((rng for rng in self._ranges
                     if rng.min_row <= row <= rng.max_row and rng.min_col <= col <= rng.max_col), None)

    def __contains__(self, key) -> bool:
        return self._find(key) is not None

    def __getitem__(self, key) -> str:
        rng = self._find(key)
        if rng is None:
            raise KeyError(key)
        return rng.coord
