"""Share-scoped exports (.xlsx, .csv, .json) and reading them back: only what each audience may see."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from .check import CheckReport, check_file
from .errors import InputFileError, RefusedError
from .guide import Guide
from .model import Assessment, Response
from .outputs import atomic_save, atomic_write_text, refuse_overwriting_inputs
from .problems import Problems

FORMAT_VERSION = 1
FORMATS = (".xlsx", ".csv", ".json")
COL_WORKING, COL_NEXT = "What is working well and what evidence do you have?", "What are you prioritising next?"
COLUMNS = ("Area", "Year", "Guide", "Guide version", "Audience", "Data model", "Data model changed",
           "Current data model", "ID", "Section", "Score", "Priority")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    """Text a spreadsheet would run as a formula gets a leading apostrophe (CSV only; see write_xlsx)."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def unneutralise(text: str) -> str:
    return text[1:] if text.startswith("'") and text[1:2] and text[1:].startswith(_FORMULA_START) else text


def audience_permission(guide: Guide, audience: str):
    p = next((p for p in guide.permissions if p.id == audience), None)
    if p is None:
        raise InputFileError(f"Unknown audience '{audience}'; choose one of: "
                             f"{', '.join(x.id for x in guide.permissions)}.")
    return p


def rows_for(a: Assessment, guide: Guide, audience: str, narrative: bool) -> list[list]:
    rank = {did: i for i, did in enumerate(a.priorities, start=1)}
    out = []
    for d in guide.descriptors:
        r = a.response(d.id)
        row = [a.area, a.year, a.guide_id, a.guide_version, audience, a.data_model,
               None if a.data_model_changed is None else ("Yes" if a.data_model_changed else "No"),
               a.current_data_model, d.id, guide.section(d.section).name, r.score if r else None, rank.get(d.id)]
        if narrative:
            row += [r.working_well if r else "", r.next if r else ""]
        out.append(row)
    return out


def export(workbook: str | Path, output: str | Path, audience: str, guide: Guide) -> Path:
    """Write what `audience` may receive under the area's permission answers; refuse otherwise."""
    out = Path(output)
    fmt = out.suffix.lower()
    if fmt not in FORMATS:
        raise InputFileError(f"{output}: choose an output ending in {', '.join(FORMATS)}.")
    refuse_overwriting_inputs(out, [workbook])
    permission = audience_permission(guide, audience)
    report = check_file(workbook, guide)
    if report.assessment is None or report.errors:
        lines = "\n".join(f"  {p}" for p in report.errors)
        raise RefusedError(f"{workbook}: {len(report.errors)} error(s); nothing was exported.\n{lines}")
    a = report.assessment
    answer = a.permissions.get(permission.id)
    if answer is not True:
        said = "No" if answer is False else "no answer"
        raise RefusedError(f"{a.area or workbook} answered '{said}' to \"{permission.label}\", so nothing may be "
                           f"exported for {permission.audience}. Nothing was written.")
    narrative = permission.includes_narrative
    if fmt == ".json":
        return atomic_write_text(out, json.dumps(to_json(report, guide, audience, narrative), ensure_ascii=False,
                                                 indent=1))
    rows = rows_for(a, guide, audience, narrative)
    header = list(COLUMNS) + ([COL_WORKING, COL_NEXT] if narrative else [])
    if fmt == ".csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\r\n")
        w.writerow(header)
        for row in rows:
            w.writerow(["" if v is None else (neutralise(v) if isinstance(v, str) else v) for v in row])
        return atomic_save(out, lambda tmp: Path(tmp).write_bytes(("\ufeff" + buf.getvalue()).encode("utf-8")))
    return atomic_save(out, lambda tmp: write_xlsx(tmp, header, rows, report, guide, audience))


def to_json(report: CheckReport, guide: Guide, audience: str, narrative: bool) -> dict:
    a = report.assessment
    data = {
        "ehsg_export": FORMAT_VERSION, "audience": audience, "area": a.area, "year": a.year,
        "guide": {"id": a.guide_id, "version": a.guide_version},
        "data_model": a.data_model, "data_model_changed": a.data_model_changed,
        "current_data_model": a.current_data_model, "priorities": list(a.priorities),
        "earned_autonomy": report.earned_autonomy.as_dict(),
        "scores": {r.descriptor: r.score for r in a.responses},
    }
    if narrative:
        data["narratives"] = {r.descriptor: {"working_well": r.working_well, "next": r.next} for r in a.responses}
    return data


def write_xlsx(path: str, header: list, rows: list, report: CheckReport, guide: Guide, audience: str) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    a = report.assessment
    wb = Workbook()
    about = wb.active
    about.title = "About"
    facts = [("Export of", "Early Help System Guide self-assessment"), ("Area", a.area), ("Year", a.year),
             ("Guide", a.guide_id), ("Guide version", a.guide_version), ("Audience", audience),
             ("Includes narrative", "Yes" if len(header) > len(COLUMNS) else "No"),
             ("Priorities", ", ".join(a.priorities)),
             ("Earned Autonomy", report.earned_autonomy.summary), ("ehsg export format", FORMAT_VERSION)]
    for r, (k, v) in enumerate(facts, start=1):
        about.cell(row=r, column=1, value=k).font = Font(bold=True)
        _text(about.cell(row=r, column=2), v)
    about.column_dimensions["A"].width, about.column_dimensions["B"].width = 22, 70
    ws = wb.create_sheet("Scores")
    ws.append(header)
    for c in ws[1]:
        c.font = Font(bold=True)
    for i, row in enumerate(rows, start=2):
        for j, v in enumerate(row, start=1):
            c = ws.cell(row=i, column=j)
            _text(c, v)
            if j > len(COLUMNS):
                c.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A2"
    wb.save(path)


def _text(cell, value) -> None:
    """Text stays text: never a formula, and Excel keeps it text even when the cell is edited."""
    from .workbook import ooxml_escape

    cell.value = ooxml_escape(value) if isinstance(value, str) else value
    if isinstance(value, str):
        cell.data_type = "s"
        if value.startswith(_FORMULA_START):
            cell.quotePrefix = True


# --- Reading: workbooks and exports alike, for compare and cohort ---

def load_scores(path: str | Path, guide: Guide) -> tuple[Assessment | None, Problems]:
    """An area's scores and priorities from a workbook or any export; problems located by file and cell."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".json":
        return _from_json(path, guide)
    if suffix == ".csv":
        return _from_rows(path, _csv_rows(path), guide, "row")
    from .office.xlsx import read_workbook

    problems = Problems()
    book = read_workbook(path, problems)
    if book is None:
        return None, problems
    if "Scores" in book and "About" in book:
        return _from_rows(path, [list(r) for r in book["Scores"].iter_rows(values_only=True)], guide, "Scores!A")
    from .reader import read_book

    result = read_book(path, book, guide, problems)
    return result.assessment, result.problems


def _csv_rows(path: Path) -> list[list]:
    text = path.read_bytes().decode("utf-8-sig", errors="replace")
    return [list(r) for r in csv.reader(io.StringIO(text))]


def _int(v):
    if v in (None, ""):
        return None
    if isinstance(v, bool):
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        return "bad"
    return int(f) if f.is_integer() else "bad"


def _from_rows(path: Path, rows: list[list], guide: Guide, where: str) -> tuple[Assessment | None, Problems]:
    from .office.xlsx import column_letter

    problems = Problems()
    name = path.name
    if not rows:
        problems.error("export-empty", name, "The file has no rows.")
        return None, problems
    header = [str(h).strip() if h is not None else "" for h in rows[0]]
    missing = [c for c in ("Area", "ID", "Score") if c not in header]
    if missing:
        problems.error("export-columns", name, f"This is not an ehsg export: no column {', '.join(missing)}.")
        return None, problems
    col = {h: i for i, h in enumerate(header)}

    def cell(row, key):
        i = col.get(key)
        v = row[i] if i is not None and i < len(row) else None
        if isinstance(v, str):
            v = unneutralise(v)
        return None if v == "" else v

    def loc(i, key):
        if where == "row":
            return f"{name}: row {i + 1}, column {key}"
        return f"{name}: Scores!{column_letter(col[key] + 1)}{i + 1}"

    responses, priorities, seen = [], {}, set()
    first = rows[1] if len(rows) > 1 else []
    for i, row in enumerate(rows[1:], start=1):
        if not any(v not in (None, "") for v in row):
            continue
        did = str(cell(row, "ID") or "").strip()
        if isinstance(cell(row, "ID"), float):
            did = f"{cell(row, 'ID'):g}"
        if guide.descriptor(did) is None:
            problems.warning("descriptor-not-comparable", loc(i, "ID"),
                             f"'{did}' is not a descriptor of {guide.stamp}; it cannot be compared.")
            continue
        did = guide.descriptor(did).id  # the guide's own string: a cohort of thousands keeps one copy of each id
        if did in seen:
            problems.error("duplicate-descriptor", loc(i, "ID"), f"Descriptor {did} appears twice.")
            continue
        seen.add(did)
        score = _int(cell(row, "Score"))
        if score == "bad" or (score is not None and not guide.scale.minimum <= score <= guide.scale.maximum):
            problems.error("score-out-of-range", loc(i, "Score"), f"{did}: the score {cell(row, 'Score')!r} is not "
                           f"a whole number {guide.scale.minimum} to {guide.scale.maximum}.")
            score = None
        elif score is None:
            problems.error("score-missing", loc(i, "Score"), f"{did}: the score is missing.")
        rank = _int(cell(row, "Priority"))
        if isinstance(rank, int):
            priorities[rank] = did
        narrative = COL_WORKING in col
        responses.append(Response(did, score, str(cell(row, COL_WORKING) or "") if narrative else "",
                                  str(cell(row, COL_NEXT) or "") if narrative else "", loc(i, "ID")))
    for d in guide.descriptors:
        if d.id not in seen:
            problems.error("descriptor-missing", name, f"Descriptor {d.id} is not in this file.")
    def whole(key):  # a whole number from the first row, or None
        value = _int(cell(first, key))
        return value if isinstance(value, int) else None

    changed = cell(first, "Data model changed")
    a = Assessment(area=str(cell(first, "Area") or "").strip(), guide_id=str(cell(first, "Guide") or guide.id),
                   guide_version=str(cell(first, "Guide version") or guide.version), responses=tuple(responses),
                   data_model=whole("Data model"),
                   data_model_changed=None if changed is None else str(changed).strip().lower() == "yes",
                   current_data_model=whole("Current data model"),
                   priorities=tuple(priorities[k] for k in sorted(priorities)),
                   year=whole("Year"), source=str(path),
                   has_narrative=COL_WORKING in col, kind="export")
    _check_guide(a, guide, problems, name)
    return a, problems


def _from_json(path: Path, guide: Guide) -> tuple[Assessment | None, Problems]:
    problems = Problems()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        problems.error("export-unreadable", path.name, f"This is not a JSON export ({e}).")
        return None, problems
    if not isinstance(data, dict) or "scores" not in data or not isinstance(data.get("scores"), dict):
        problems.error("export-columns", path.name, "This JSON file is not an ehsg export (no 'scores').")
        return None, problems
    narratives = data.get("narratives") or {}
    responses = []
    for d in guide.descriptors:
        if d.id not in data["scores"]:
            problems.error("descriptor-missing", f"{path.name}: scores", f"Descriptor {d.id} is not in this file.")
            continue
        score = _int(data["scores"][d.id])
        if score == "bad" or (score is not None and not guide.scale.minimum <= score <= guide.scale.maximum):
            problems.error("score-out-of-range", f"{path.name}: scores.{d.id}", f"{d.id}: not a score 0 to 5.")
            score = None
        n = narratives.get(d.id) or {}
        responses.append(Response(d.id, score, str(n.get("working_well", "")), str(n.get("next", "")),
                                  f"{path.name}: scores.{d.id}"))
    for extra in set(data["scores"]) - {d.id for d in guide.descriptors}:
        problems.warning("descriptor-not-comparable", f"{path.name}: scores.{extra}",
                         f"'{extra}' is not a descriptor of {guide.stamp}; it cannot be compared.")
    g = data.get("guide") or {}
    a = Assessment(area=str(data.get("area") or ""), guide_id=str(g.get("id") or guide.id),
                   guide_version=str(g.get("version") or guide.version), responses=tuple(responses),
                   data_model=data.get("data_model"), data_model_changed=data.get("data_model_changed"),
                   current_data_model=data.get("current_data_model"),
                   priorities=tuple(str(p) for p in data.get("priorities") or ()), year=data.get("year"),
                   source=str(path), has_narrative=bool(narratives), kind="export")
    _check_guide(a, guide, problems, path.name)
    return a, problems


def _check_guide(a: Assessment, guide: Guide, problems: Problems, name: str) -> None:
    if a.guide_id != guide.id:
        problems.warning("other-guide-version", name, f"Made with guide {a.guide_id} {a.guide_version}, compared "
                         f"with {guide.stamp}: only descriptors whose ids match are compared.")
