"""The workshop workbook: its documented contract and the blank template a facilitator hands out."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from . import __version__
from .cellwrite import Stamp, ooxml_escape, set_text, write_table  # noqa: F401 (re-exported)
from .guide import Guide
from .sheetlayout import (BOLD_CHARS, fit_heading_row, fit_row, fit_rows, heading_width,  # noqa: F401 (re-exported)
                          print_setup, print_wide, word_lines)

# --- The contract. Scripts and other tools may rely on these names; see README. ---
HEADER_ID = "ID"
HEADER_DESCRIPTOR = "Descriptor"
HEADER_SCORE = "Score"
# The two narrative headers are the guide's own prompts (guide.prompts.working_well / .next).

AREA_SHEET = "Area"
INSTRUCTIONS_SHEET = "Instructions"
META_SHEET = "ehsg"
HEADER_LABEL = "Label"
HEADER_VALUE = "Value"
HEADER_GUIDANCE = "Guidance"

LABEL_AREA = "Area"
LABEL_YEAR = "Year"
LABEL_DATA_MODEL = "Data model"
LABEL_CHANGED = "Data model changed since the data survey?"
LABEL_CURRENT = "Current data model"
LABEL_PRIORITIES = ("Priority descriptor 1", "Priority descriptor 2", "Priority descriptor 3")

META_KEYS = ("kind", "guide_id", "guide_version", "ehsg_version", "created")
KIND_ASSESSMENT = "assessment"
KIND_RESPONDENT = "respondent"
KIND_CONSOLIDATED = "consolidated"

RESPONDENT_SHEET = "Respondent"
LABEL_NAME = "Name"
LABEL_ORGANISATION = "Organisation"
LABEL_SECTOR = "Sector"
# ehsg's own grouping of partners, for per-sector summaries (not the guide's wording).
SECTORS = ("Council", "Health", "Police", "Education", "Voluntary and community sector", "Other")

WORKFORCE_SHEET = "Workforce table"
WF_KIND = "Kind of service"
WF_GROUP = "Practitioner group"
WF_LEAD = "How often they act as lead practitioner"
WF_ROLE = "Their role in whole family working"
WF_NOTES = "Evidence and notes"
WF_HEADERS = (WF_KIND, WF_GROUP, WF_LEAD, WF_ROLE, WF_NOTES)
WF_PARTNER_ENTRIES = "Partners' entries"   # a consolidated workbook's count of partners' words per group
WF_SPARE_ROWS = 10

_INVALID_SHEET_CHARS = re.compile(r"[\\/*?:\[\]]")


def section_sheet_name(number: int, name: str) -> str:
    """The sheet name for a section: '5 Family voice and experience', within Excel's 31 characters."""
    return _INVALID_SHEET_CHARS.sub(" ", f"{number} {name}")[:31].rstrip()


def write_template(guide: Guide, path: str | Path, area: str = "", year: int | None = None,
                   kind: str = KIND_ASSESSMENT, previous=None) -> Path:
    """Write a blank workshop workbook for the guide (or a partner's, kind=respondent); returns its path."""
    wb = build_template(guide, area=area, year=year, kind=kind, previous=previous)
    from .outputs import atomic_save

    return atomic_save(path, wb.save)


def build_template(guide: Guide, area: str = "", year: int | None = None, kind: str = KIND_ASSESSMENT,
                   previous=None):
    """The workbook in memory. A partner's (kind=respondent) has no Area sheet: the area's details are the
    partnership's to give, not a partner's. `previous` (an Assessment) adds last year's answers, read-only."""
    from openpyxl import Workbook

    wb = Workbook()
    ins = wb.active
    ins.title = INSTRUCTIONS_SHEET
    partner = kind == KIND_RESPONDENT
    if partner:
        from .partnerbook import partner_instructions, respondent_sheet

        partner_instructions(ins, guide, area, previous)
        respondent_sheet(wb.create_sheet(RESPONDENT_SHEET), area, year)
    else:
        _instructions(ins, guide)
        _area_sheet(wb.create_sheet(AREA_SHEET), guide, area, year)
    for section in guide.sections:
        _section_sheet(wb.create_sheet(section_sheet_name(section.number, section.name)), guide, section,
                       partner=partner, previous=previous)
    _workforce_sheet(wb.create_sheet(WORKFORCE_SHEET), guide)
    _meta_sheet(wb.create_sheet(META_SHEET), guide, kind)
    wb.active = 1
    return wb


def _styles():
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

    thin = Side(style="thin", color="A6A6A6")
    return {
        "title": Font(size=14, bold=True, color="1F3864"),
        "bold": Font(bold=True),
        "header_fill": PatternFill("solid", fgColor="D9E2F3"),
        "input_fill": PatternFill("solid", fgColor="FFF9E5"),
        "wrap": Alignment(wrap_text=True, vertical="top"),
        "center": Alignment(horizontal="center", vertical="top"),
        "border": Border(left=thin, right=thin, top=thin, bottom=thin),
    }


def _instructions(ws, guide: Guide) -> None:
    st = _styles()
    ws.column_dimensions["A"].width = 100
    scale = guide.scale
    if scale.levels:
        scale_text = "\n".join(f"{k}: {v}" for k, v in sorted(scale.levels.items()))
    else:
        scale_text = (f"Score each descriptor with a whole number from {scale.minimum} to {scale.maximum}. "
                      "The guide's wording for each level is not included in this workbook: use your copy "
                      "of the published Early Help System Guide.")
    lines = [
        ("Early Help System Guide self-assessment", st["title"]),
        (guide.title, st["bold"]),
        ("", None),
        ("How to fill in this workbook", st["bold"]),
        ("1. On the Area sheet, give the area's name, its data model, whether it has changed since the data "
         "survey, the three priority descriptors and the answers to the three permission questions.", None),
        ("2. On each section's sheet, give every descriptor a score and write the two narratives: "
         f"\"{guide.prompts.working_well}\" and \"{guide.prompts.next}\".", None),
        ("3. Keep the ID column and the header row as they are: ehsg finds descriptors by the headers "
         f"'{HEADER_ID}', '{HEADER_SCORE}' and the two questions. Columns may be moved, hidden or widened.", None),
        ("4. Line breaks inside a cell (Alt+Enter in Excel) are kept in the Word submission, as are bullets.", None),
        ("5. Check the filled workbook with ehsg ('ehsg check', or Check and build in the browser) to see "
         "anything missing or wrong before building the submission.", None),
        ("", None),
        ("The score", st["bold"]),
        (scale_text, None),
        ("", None),
        ("Agreeing a score", st["bold"]),
        (guide.guidance, None),
        ("", None),
        ("Choosing three priority descriptors", st["bold"]),
        *[(t, None) for t in guide.priority_rule.text],
        ("", None),
        (f"Guide data: {guide.stamp}. Made by ehsg {__version__}. Do not copy sheets between workbooks of "
         "different guide versions.", None),
    ]
    for i, (text, font) in enumerate(lines, start=1):
        cell = ws.cell(row=i, column=1, value=text)
        cell.alignment = st["wrap"]
        if font is not None:
            cell.font = font
        fit_row(ws, i, {1: 100}, minimum=20 if i == 1 else 15)
    print_setup(ws, fit_height=1)


def _area_sheet(ws, guide: Guide, area: str, year: int | None) -> None:
    from openpyxl.worksheet.datavalidation import DataValidation

    st = _styles()
    ws.column_dimensions["A"].width = 48
    ws.column_dimensions["B"].width = 30
    ws.column_dimensions["C"].width = 90
    for col, text in enumerate((HEADER_LABEL, HEADER_VALUE, HEADER_GUIDANCE), start=1):
        c = ws.cell(row=1, column=col, value=text)
        c.font, c.fill, c.border = st["bold"], st["header_fill"], st["border"]
    models = "; ".join(f"{m.number} {m.name}" for m in guide.data_models)
    ids = [d.id for d in guide.descriptors]
    rows = [
        (LABEL_AREA, area or None, "The local authority area this self-assessment is for.", None),
        (LABEL_YEAR, year, "The year of this self-assessment (for Earned Autonomy minimum scores and comparisons).",
         None),
        (LABEL_DATA_MODEL, None, f"The data model {guide.data_survey or 'from the data survey'} ({models}).",
         "model"),
        (LABEL_CHANGED, None, "Yes or No. Has the area's data model changed since the data survey?", "yesno"),
        (LABEL_CURRENT, None, "Only if it has changed: the data model now. The priority rule then follows it.",
         "model"),
    ]
    rows += [(label, None, ("Choose three distinct descriptors by id, e.g. 7.3. " + " ".join(guide.priority_rule.text))
              if i == 0 else "", "ids") for i, label in enumerate(LABEL_PRIORITIES)]
    rows += [(p.label, None, f"Yes or No. {p.statement} {p.question}?", "yesno") for p in guide.permissions]
    validations = {
        "model": DataValidation(type="list", formula1='"' + ",".join(str(m.number) for m in guide.data_models) + '"',
                                allow_blank=True, showErrorMessage=True, errorTitle="Data model",
                                error="Choose a data model number from the list."),
        "yesno": DataValidation(type="list", formula1='"Yes,No"', allow_blank=True, showErrorMessage=True,
                                errorTitle="Yes or No", error="Answer Yes or No."),
        "ids": DataValidation(type="list", formula1='"' + ",".join(ids) + '"', allow_blank=True,
                              showErrorMessage=True, errorTitle="Descriptor", error="Choose a descriptor id."),
    }
    for dv in validations.values():
        ws.add_data_validation(dv)
    for r, (label, value, guidance, kind) in enumerate(rows, start=2):
        a = ws.cell(row=r, column=1, value=label)
        a.font, a.alignment, a.border = st["bold"], st["wrap"], st["border"]
        b = ws.cell(row=r, column=2)
        set_text(b, value)   # the area's name as the facilitator typed it
        b.fill, b.alignment, b.border = st["input_fill"], st["wrap"], st["border"]
        c = ws.cell(row=r, column=3, value=guidance or None)
        c.alignment, c.border = st["wrap"], st["border"]
        if kind:
            validations[kind].add(b.coordinate)
        fit_row(ws, r, {1: 48, 3: 90})
    ws.freeze_panes = "A2"
    print_setup(ws, "1:1", area)


def _section_sheet(ws, guide: Guide, section, partner: bool = False, previous=None) -> None:
    from openpyxl.styles import Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    st = _styles()
    headers = [HEADER_ID, HEADER_DESCRIPTOR, HEADER_SCORE, guide.prompts.working_well, guide.prompts.next]
    widths = [6, 45, 8, 60, 45]
    if previous is not None:
        from .partnerbook import previous_headers

        headers += previous_headers(previous)
        widths += [10, 40]
    span = f"{guide.scale.minimum} to {guide.scale.maximum}"
    if partner:
        heading = f"{section.number} - {section.name}: your organisation's view"
        note_text = (f"{HEADER_SCORE}: your organisation's view, a whole number from {span} ({guide.prompts.score}). "
                     "Leave it blank if you cannot judge: a blank is counted as no response, never as 0. "
                     "Write your evidence and what you would prioritise next in the two columns beside it.")
    else:
        heading = f"{section.number} - {section.name}"
        note_text = (f"{HEADER_SCORE}: {guide.prompts.score}. A whole number from {span}, agreed by the partnership.")
    if previous is not None:
        note_text += (" The grey columns show what was agreed last time, for reference: they are not read back and "
                      "changing them changes nothing.")
    title = ws.cell(row=1, column=1, value=heading)
    title.font = st["title"]
    note = ws.cell(row=2, column=1, value=note_text)
    note.alignment = st["wrap"]
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=len(headers))
    ws.row_dimensions[2].height = 32
    grey = PatternFill("solid", fgColor="E7E6E6")
    for col, (text, width) in enumerate(zip(headers, widths), start=1):
        c = ws.cell(row=3, column=col, value=text)
        c.font, c.fill, c.alignment, c.border = st["bold"], st["header_fill"], st["wrap"], st["border"]
        if col > 5:
            c.fill = grey
        ws.column_dimensions[c.column_letter].width = width
    fit_heading_row(ws, 3, dict(enumerate(widths, start=1)))
    # A list drop-down both offers the scores and refuses anything else typed in Excel.
    drop = DataValidation(type="list", formula1='"' + ",".join(
        str(n) for n in range(guide.scale.minimum, guide.scale.maximum + 1)) + '"', allow_blank=True,
        showErrorMessage=True, errorTitle="Score",
        error=f"A score is a whole number from {guide.scale.minimum} to {guide.scale.maximum}.")
    ws.add_data_validation(drop)
    for r, d in enumerate(section.descriptors, start=4):
        values = [d.id, d.text, None, None, None]
        if previous is not None:
            last = previous.response(d.id)
            values += [last.score if last else None, (last.next or None) if last else None]
        for col, value in enumerate(values, start=1):
            c = ws.cell(row=r, column=col)
            set_text(c, value)
            c.alignment, c.border = (st["center"] if col in (1, 3, 6) else st["wrap"]), st["border"]
            if col in (3, 4, 5):
                c.fill = st["input_fill"]
            elif col > 5:
                c.fill, c.font = grey, Font(italic=True, color="404040")
        ws.cell(row=r, column=1).data_type = "s"
        drop.add(ws.cell(row=r, column=3).coordinate)
        fit_row(ws, r, {2: widths[1], **({7: widths[6]} if previous is not None else {})}, minimum=120)
    ws.freeze_panes = "C4"
    print_setup(ws, "3:3")


def _label_value_header(ws, st) -> None:
    for col, text in enumerate((HEADER_LABEL, HEADER_VALUE, HEADER_GUIDANCE), start=1):
        c = ws.cell(row=1, column=col, value=text)
        c.font, c.fill, c.border = st["bold"], st["header_fill"], st["border"]


def _workforce_sheet(ws, guide: Guide) -> None:
    st = _styles()
    ws.cell(row=1, column=1, value="Multi-Agency Workforce").font = st["title"]
    intro = (f"{guide.workforce_instruction} {guide.workforce_grouping_terms}. The guide's own table is not "
             "reproduced here: describe each group in your own words. Rows list the services the guide names; add "
             "any other groups in the empty rows.")
    note = ws.cell(row=2, column=1, value=intro)
    note.alignment = st["wrap"]
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=5)
    widths = (24, 36, 34, 34, 60)
    for col, (text, width) in enumerate(zip(WF_HEADERS, widths), start=1):
        c = ws.cell(row=3, column=col, value=text)
        c.font, c.fill, c.alignment, c.border = st["bold"], st["header_fill"], st["wrap"], st["border"]
        ws.column_dimensions[c.column_letter].width = width
    fit_heading_row(ws, 3, dict(enumerate(widths, start=1)))
    r = 4
    rows = [(s.name, g) for s in guide.services for g in s.groups] + [(None, None)] * WF_SPARE_ROWS
    for kind, group in rows:
        for col, value in enumerate((kind, group, None, None, None), start=1):
            c = ws.cell(row=r, column=col, value=value)
            c.alignment, c.border = st["wrap"], st["border"]
            if col >= 3 or kind is None:
                c.fill = st["input_fill"]
        # room to write, and never less than the group's own name needs
        fit_row(ws, r, {1: widths[0], 2: widths[1]}, minimum=45)
        r += 1
    fit_row(ws, 2, {1: sum(widths)}, minimum=30)
    ws.freeze_panes = "C4"
    print_setup(ws, "3:3")


def _meta_sheet(ws, guide: Guide, kind: str) -> None:
    values = {"kind": kind, "guide_id": guide.id, "guide_version": guide.version, "ehsg_version": __version__,
              "created": dt.datetime.now().replace(microsecond=0).isoformat()}
    ws.cell(row=1, column=1, value="This sheet tells ehsg which guide this workbook was made from. Do not edit it.")
    for r, key in enumerate(META_KEYS, start=2):
        ws.cell(row=r, column=1, value=key)
        ws.cell(row=r, column=2, value=values[key])
    ws.sheet_state = "hidden"
    ws.protection.sheet = True


def write_assessment(guide: Guide, assessment, path: str | Path) -> Path:
    """Write an Assessment as a filled workbook (the round trip of loading one)."""
    wb = build_template(guide, area=assessment.area, year=assessment.year)
    fill_workbook(wb, guide, assessment)
    from .outputs import atomic_save

    return atomic_save(path, wb.save)


def fill_workbook(wb, guide: Guide, assessment) -> None:
    """Fill an ehsg workbook's cells from an Assessment, finding them by the documented headers and labels."""
    area = wb[AREA_SHEET]
    rows = {area.cell(row=r, column=1).value: r for r in range(2, area.max_row + 1)}

    def put(label, value):
        set_text(area.cell(row=rows[label], column=2), value)

    put(LABEL_AREA, assessment.area or None)
    put(LABEL_YEAR, assessment.year)
    put(LABEL_DATA_MODEL, assessment.data_model)
    if assessment.data_model_changed is not None:
        put(LABEL_CHANGED, "Yes" if assessment.data_model_changed else "No")
    put(LABEL_CURRENT, assessment.current_data_model)
    for label, did in zip(LABEL_PRIORITIES, assessment.priorities):
        put(label, did)
    for p in guide.permissions:
        answer = assessment.permissions.get(p.id)
        if answer is not None:
            put(p.label, "Yes" if answer else "No")
    by_id = {r.descriptor: r for r in assessment.responses}
    for ws in wb.worksheets:
        header = [c.value for c in ws[3]] if ws.max_row >= 3 else []
        if HEADER_ID not in header or HEADER_SCORE not in header:
            continue
        col = {name: i + 1 for i, name in enumerate(header)}
        for r in range(4, ws.max_row + 1):
            resp = by_id.get(ws.cell(row=r, column=col[HEADER_ID]).value)
            if resp is None:
                continue
            ws.cell(row=r, column=col[HEADER_SCORE]).value = resp.score
            set_text(ws.cell(row=r, column=col[guide.prompts.working_well]), resp.working_well or None)
            set_text(ws.cell(row=r, column=col[guide.prompts.next]), resp.next or None)
