"""A partner's workbook for a workshop: instructions written for a partner, who is responding, and last
time's agreed answers shown for reference."""

from __future__ import annotations

from . import __version__
from .guide import Guide
from .workbook import (LABEL_AREA, LABEL_NAME, LABEL_ORGANISATION, LABEL_SECTOR, LABEL_YEAR, SECTORS, _label_value_header,
                       _styles, fit_row, print_setup, set_text)


def previous_headers(previous) -> tuple[str, str]:
    """Headers of last year's two read-only columns; neither matches a header ehsg reads answers from."""
    when = f"in {previous.year}" if previous.year else "last year"
    return (f"Agreed score {when} (for reference, not read back)",
            f"Prioritising next {when} (for reference, not read back)")


def partner_instructions(ws, guide: Guide, area: str, previous) -> None:
    """Instructions written for a partner: who they are, what a score means, where evidence goes, send it back."""
    st = _styles()
    ws.column_dimensions["A"].width = 100
    scale = guide.scale
    span = f"{scale.minimum} to {scale.maximum}"
    if scale.levels:
        scale_text = "\n".join(f"{k}: {v}" for k, v in sorted(scale.levels.items()))
    else:
        scale_text = (f"A score is a whole number from {span}: the higher, the better your organisation sees the area "
                      "doing on that descriptor. The guide's wording for each level is not included in this workbook: "
                      "use your copy of the published Early Help System Guide.")
    whose = f"{area}'s" if area else "the area's"
    lines = [
        ("Early Help System Guide self-assessment: your organisation's view", st["title"]),
        (guide.title, st["bold"]),
        ("", None),
        ("Why you have this workbook", st["bold"]),
        (f"You are one of the partners in {whose} early help system. The partnership assesses the system together "
         "against the guide's descriptors. Before the workshop, each partner gives its own view in a workbook like "
         "this one. The facilitator puts every partner's workbook side by side, and at the workshop the partnership "
         "agrees one score for each descriptor. Your scores are your organisation's view, one among several.", None),
        ("", None),
        ("What to do", st["bold"]),
        ("1. On the Respondent sheet, give your organisation and choose its sector. Your name is optional.", None),
        (f"2. On each section's sheet (5 to 9), give each descriptor a score from {span} in the Score column, "
         "from the drop-down. Leave it blank where you cannot judge: a blank is counted as no response, never as 0.",
         None),
        (f"3. Write your evidence in the column \"{guide.prompts.working_well}\": what your organisation sees "
         f"working well, and how you know. Write what you would work on next in \"{guide.prompts.next}\". "
         "Write as much as you need; line breaks (Alt+Enter) are kept. Your words are shown at the workshop under "
         "your organisation's name.", None),
        ("4. On the Workforce table sheet, describe in your own words the practitioner groups you know.", None),
        ("5. Save the workbook and send it back to the facilitator. Please do not change the ID column, the "
         "header rows or the sheet names: they are how your answers are found.", None),
        ("", None),
        ("What a score means", st["bold"]),
        (scale_text, None),
        ("", None),
        ("How the partnership agrees a score", st["bold"]),
        (guide.guidance, None),
    ]
    if previous is not None:
        lines += [("", None), ("Last time's answers", st["bold"]),
                  ("The grey columns on each section's sheet show the score the partnership agreed "
                   f"{'in ' + str(previous.year) if previous.year else 'last time'} and what it chose to prioritise "
                   "next, for reference. They are not read back: give your organisation's view today.", None)]
    lines += [("", None), (f"Guide data: {guide.stamp}. Made by ehsg {__version__}.", None)]
    for i, (text, font) in enumerate(lines, start=1):
        cell = ws.cell(row=i, column=1)
        set_text(cell, text)
        cell.alignment = st["wrap"]
        if font is not None:
            cell.font = font
        fit_row(ws, i, {1: 100}, minimum=20 if i == 1 else 15)
    print_setup(ws, fit_height=1)


def respondent_sheet(ws, area: str = "", year: int | None = None) -> None:
    from openpyxl.worksheet.datavalidation import DataValidation

    st = _styles()
    ws.column_dimensions["A"].width = 20
    ws.column_dimensions["B"].width = 40
    ws.column_dimensions["C"].width = 70
    _label_value_header(ws, st)
    rows = ((LABEL_NAME, None, "Optional: who is responding."),
            (LABEL_ORGANISATION, None, "The organisation you respond for, e.g. 'Sefton Council' or "
             "'Merseyside Police'. Your scores and evidence are shown at the workshop under this name."),
            (LABEL_SECTOR, None, "Choose from the list: " + ", ".join(SECTORS) + "."),
            (LABEL_AREA, area or None, "The area whose early help system you are assessing, filled in by the "
             "facilitator. If it is wrong, tell the facilitator rather than changing it."),
            (LABEL_YEAR, year, "The year of the self-assessment, filled in by the facilitator."))
    for r, (label, value, guidance) in enumerate(rows, start=2):
        a = ws.cell(row=r, column=1, value=label)
        a.font, a.border, a.alignment = st["bold"], st["border"], st["wrap"]
        b = ws.cell(row=r, column=2)
        set_text(b, value)
        b.fill, b.border, b.alignment = st["input_fill"], st["border"], st["wrap"]
        c = ws.cell(row=r, column=3, value=guidance)
        c.alignment, c.border = st["wrap"], st["border"]
        fit_row(ws, r, {3: 70})
    dv = DataValidation(type="list", formula1='"' + ",".join(SECTORS) + '"', allow_blank=True)
    ws.add_data_validation(dv)
    dv.add("B4")
    print_setup(ws, "1:1")
