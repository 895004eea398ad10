"""Share-scoped exports (.xlsx, .csv, .json): only what each audience may see. Reading them back: exportread."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from .check import CheckReport, check_file
from .errors import InputFileError, RefusedError
from .guide import Guide
from .model import Assessment
from .outputs import atomic_save, atomic_write_text, refuse_overwriting_inputs
from .exportread import (  # noqa: F401  (reading lives there)
    COL_NEXT, COL_WORKING, escape_mark, load_scores, unneutralise)

FORMAT_VERSION = 1
FORMATS = (".xlsx", ".csv", ".json")
COLUMNS = ("Area", "Year", "Guide", "Guide version", "Audience", "Data model", "Data model changed",
           "Current data model", "ID", "Section", "Score", "Priority")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    """Text a spreadsheet would run as a formula gets a leading apostrophe (CSV only; see write_xlsx), as does
    text that begins with an apostrophe before such a character or another apostrophe (see escape_mark)."""
    return "'" + text if text.startswith(_FORMULA_START) else escape_mark(text)


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

    cell.value = ooxml_escape(escape_mark(value)) if isinstance(value, str) else value
    if isinstance(value, str):
        cell.data_type = "s"
        if value.startswith(_FORMULA_START):
            cell.quotePrefix = True
