"""The workshop discussion pack: a printable Word document with, per flagged descriptor, the partners' scores
and evidence side by side and a box to record what the partnership agreed."""

from __future__ import annotations

import datetime as dt

from .guide import Guide
from .xmlsafe import xml_safe
from .workshop import ROUNDING_RULE, Workshop

# Column widths in cm on A4 portrait with 1.5 cm margins (18 cm of text): partner, score, the two questions.
WIDTHS = (3.6, 1.5, 6.45, 6.45)


def _text(value: str) -> str:
    return xml_safe(value)[0]


def _page_field(paragraph, instr: str) -> None:
    """A Word field (PAGE, NUMPAGES) that Word and LibreOffice fill in when the document is laid out."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    fld = OxmlElement("w:fldSimple")
    fld.set(qn("w:instr"), instr)
    run = OxmlElement("w:r")
    t = OxmlElement("w:t")
    t.text = "1"
    run.append(t)
    fld.append(run)
    paragraph._p.append(fld)


def _repeat_header(row) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    tr_pr = row._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    tr_pr.append(el)


def _keep_rows_together(table) -> None:
    """No row splits across pages, and every row stays on the page with the next (a box prints whole)."""
    from docx.oxml import OxmlElement

    for i, row in enumerate(table.rows):
        row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
        if i < len(table.rows) - 1:
            for cell in row.cells:
                for paragraph in cell.paragraphs:
                    paragraph.paragraph_format.keep_with_next = True


def _widths(table, widths) -> None:
    """Column widths that Word and LibreOffice both honour: the table grid and every cell."""
    from docx.shared import Cm

    for column, width in zip(table.columns, widths):
        column.width = Cm(width)
    for row in table.rows:
        for cell, width in zip(row.cells, widths):
            cell.width = Cm(width)


def build_pack(workshop: Workshop, guide: Guide, produced: dt.date | None = None):
    """The pack as a python-docx Document, built from plain values."""
    from docx import Document
    from docx.enum.table import WD_ROW_HEIGHT_RULE
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    produced = produced or dt.date.today()
    area = _text(workshop.area) if workshop.area else "Area not given"
    doc = Document()
    doc.styles["Normal"].font.size = Pt(10)
    sec = doc.sections[0]
    sec.page_width, sec.page_height = Cm(21.0), Cm(29.7)
    sec.left_margin = sec.right_margin = Cm(1.5)
    sec.top_margin = sec.bottom_margin = Cm(1.8)
    head = sec.header.paragraphs[0]
    head.text = (f"{area}{' ' + str(workshop.year) if workshop.year else ''} – workshop discussion pack – "
                 f"{produced.day} {produced:%B %Y}")
    head.runs[0].font.size = Pt(8)
    foot = sec.footer.paragraphs[0]
    foot.alignment = WD_ALIGN_PARAGRAPH.CENTER
    foot.add_run("Page ")
    _page_field(foot, "PAGE")
    foot.add_run(" of ")
    _page_field(foot, "NUMPAGES")

    doc.add_heading(f"Workshop discussion pack: {area}", level=0)
    flagged = sorted(workshop.flagged(), key=lambda s: -(s.spread or 0))
    doc.add_paragraph(f"{len(workshop.partners)} partner(s) responded. {len(flagged)} descriptor(s) have scores "
                      f"{workshop.flag_range} or more points apart and are listed below, widest spread first. "
                      f"Proposed score: {ROUNDING_RULE}. Guide: {guide.stamp}.")
    doc.add_paragraph("For each descriptor, record in the box the score the partnership agrees and the actions "
                      "agreed; then type them into the consolidated workbook.")
    if not flagged:
        doc.add_paragraph("Partners' scores are within "
                          f"{workshop.flag_range - 1} point(s) of each other on every descriptor.")
    last = workshop.previous
    for number, st in enumerate(flagged):
        d = guide.descriptor(st.id)
        h = doc.add_heading(f"{d.id} - {d.text}", level=1)
        if number:
            h.paragraph_format.page_break_before = True
        doc.add_paragraph(f"Scores from {st.n} partner(s): lowest {st.minimum}, highest {st.maximum}, mean "
                          f"{st.mean:.1f}, proposed {st.proposed}." + (f" {st.blanks} gave no score." if st.blanks else ""))
        if last is not None:
            r = last.response(st.id)
            when = f"in {last.year}" if last.year else "last time"
            score = "no score" if r is None or r.score is None else str(r.score)
            p = doc.add_paragraph(f"Agreed {when}: {score}.")
            if r is not None and r.next.strip():
                p.add_run(f" Prioritising next {when}: ")
                p.add_run(_text(r.next)).italic = True
        t = doc.add_table(rows=1, cols=4)
        t.style = "Table Grid"
        t.autofit = False
        for cell, h_text in zip(t.rows[0].cells, ("Partner", "Score", guide.prompts.working_well, guide.prompts.next)):
            cell.text = h_text
            cell.paragraphs[0].runs[0].bold = True
        _repeat_header(t.rows[0])
        ordered = sorted(st.responses, key=lambda p: (p.score is None, -(p.score or 0)))
        for p in ordered:
            row = t.add_row().cells
            row[0].text = _text(p.respondent.label)
            row[1].text = "–" if p.score is None else str(p.score)
            row[2].text = _text(p.working_well)
            row[3].text = _text(p.next)
        _widths(t, WIDTHS)
        doc.add_paragraph("").paragraph_format.keep_with_next = True
        box = doc.add_table(rows=3, cols=2)
        box.style = "Table Grid"
        box.autofit = False
        for row, (label, height) in zip(box.rows, (("Agreed score (0 to 5)", 1.0),
                                                    ("Actions agreed (what, who, by when)", 3.5),
                                                    ("Evidence to record for the submission", 3.5))):
            row.cells[0].text = label
            row.cells[0].paragraphs[0].runs[0].bold = True
            row.height, row.height_rule = Cm(height), WD_ROW_HEIGHT_RULE.AT_LEAST
        _widths(box, (5.0, 13.0))
        _keep_rows_together(box)
    return doc
