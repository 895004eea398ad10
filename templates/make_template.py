"""Rebuild templates/submission.docx, the Word template of the national submission.

Run from the repository root:  python templates/make_template.py

The .docx is committed; a council may open it in Word and restyle it (fonts, colours, logo,
heading styles, table style) and point `ehsg build --template` at its copy. Keep the {{ … }} and
{% … %} tags intact; `ehsg check-template FILE.docx` says if a field is unknown or unused.
"""

from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

OUT = Path(__file__).resolve().parent / "submission.docx"
NAVY = RGBColor(0x1F, 0x38, 0x64)


def para(doc_or_cell, text="", style=None, bold=False, color=None, size=None, align=None):
    p = doc_or_cell.add_paragraph(style=style)
    if text:
        run = p.add_run(text)
        run.bold = bold or None
        if color is not None:
            run.font.color.rgb = color
        if size is not None:
            run.font.size = Pt(size)
    if align is not None:
        p.alignment = align
    return p


def cell_text(cell, text, bold=False):
    cell.paragraphs[0].text = ""
    run = cell.paragraphs[0].add_run(text)
    run.bold = bold or None
    return cell.paragraphs[0]


def cell_lines(cell, lines):
    """Put control lines ({%p …%}) and text lines into a cell, one paragraph each."""
    first = True
    for line in lines:
        p = cell.paragraphs[0] if first else cell.add_paragraph()
        first = False
        p.add_run(line)
        p.paragraph_format.space_after = Pt(6)


def repeat_header(row):
    tr_pr = row._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    tr_pr.append(el)


def shade(cell, fill="D9E2F3"):
    tc_pr = cell._tc.get_or_add_tcPr()
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    tc_pr.append(shd)


def field(paragraph, instr):
    """A Word field such as PAGE or NUMPAGES, updated by Word as it lays out pages."""
    run = paragraph.add_run()
    for kind, text in (("begin", None), (None, instr), ("separate", None), (None, "1"), ("end", None)):
        if kind:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
            run._r.append(el)
        elif text == instr:
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = f" {instr} "
            run._r.append(el)
        else:
            el = OxmlElement("w:t")
            el.text = text
            run._r.append(el)


def loop_rows(t, loop, cells):
    """Rows repeated by docxtpl: a {%tr for … %} row, the row of fields, and a {%tr endfor %} row."""
    cell_text(t.add_row().cells[0], f"{{%tr {loop} %}}")
    for cell, text in zip(t.add_row().cells, cells):
        cell_text(cell, text)
    cell_text(t.add_row().cells[0], "{%tr endfor %}")
    set_widths(t, t.widths)


def set_widths(t, widths):
    """Fixed column widths on the grid and every cell: Word and LibreOffice then lay the table out alike."""
    t.autofit = False
    for column, width in zip(t.columns, widths):
        column.width = Cm(width)
    for row in t.rows:
        for cell, width in zip(row.cells, widths):
            cell.width = Cm(width)


def table(doc, headers, widths):
    t = doc.add_table(rows=1, cols=len(headers))
    t.style = "Table Grid"
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, text in zip(t.rows[0].cells, headers):
        cell_text(cell, text, bold=True)
        shade(cell)
    repeat_header(t.rows[0])
    t.widths = widths  # applied to every row once the table is complete (see loop_rows)
    return t


def build() -> Document:
    doc = Document()
    styles = doc.styles
    styles["Normal"].font.name = "Arial"
    styles["Normal"].font.size = Pt(10.5)
    for name, size in (("Title", 24), ("Heading 1", 16), ("Heading 2", 12), ("Heading 3", 11)):
        styles[name].font.name = "Arial"
        styles[name].font.size = Pt(size)
        styles[name].font.color.rgb = NAVY
    section = doc.sections[0]
    section.left_margin = section.right_margin = Cm(2)
    section.top_margin = section.bottom_margin = Cm(2)

    header = section.header.paragraphs[0]
    header.text = "{{ area }} · Early Help System Guide self-assessment{{ year_suffix }} · guide {{ guide_stamp }}"
    header.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    footer.add_run("Page ")
    field(footer, "PAGE")
    footer.add_run(" of ")
    field(footer, "NUMPAGES")
    footer.add_run("{{ draft_footer }}")

    # Draft marking and the list of problems, only when built with --draft.
    para(doc, "{%p if draft %}")
    para(doc, "{{ draft_banner }}", bold=True, color=RGBColor(0xC0, 0x00, 0x00), size=20)
    para(doc, "{{ draft_note }}")
    para(doc, "{%p for problem in draft_problems %}")
    para(doc, "{{ problem }}", style="List Bullet")
    para(doc, "{%p endfor %}")
    para(doc, "{%p endif %}")

    # Front summary page.
    para(doc, "Early Help System Guide self-assessment", style="Title")
    para(doc, "{{ area }}{{ year_suffix }}", style="Subtitle")
    t = doc.add_table(rows=0, cols=2)
    t.style = "Table Grid"
    for label, value in (("Area", "{{ area }}"), ("Guide", "{{ guide_title }} (data {{ guide_stamp }})"),
                         ("Produced", "{{ produced }}"), ("Earned Autonomy", "{{ ea_summary }}"),
                         ("Priority descriptors", "{{ priorities_summary }}"),
                         ("Priority rule", "{{ priority_verdict }}")):
        row = t.add_row()
        cell_text(row.cells[0], label, bold=True)
        shade(row.cells[0], "F2F2F2")
        cell_text(row.cells[1], value)
    set_widths(t, [4.5, 12.5])
    para(doc, "Score profile", style="Heading 2")
    para(doc, "{{ chart }}", align=WD_ALIGN_PARAGRAPH.CENTER)
    para(doc, "{{ chart_caption }}", size=9)
    t = table(doc, ["Section", "Descriptors", "Average score", "Lowest – highest"], [6.5, 3, 3.5, 4])
    loop_rows(t, "for s in section_summary", ("{{ s.name }}", "{{ s.count }}", "{{ s.mean }}",
                                              "{{ s.range }}"))
    para(doc, "{{ scale_note }}", size=9).paragraph_format.space_before = Pt(4)
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)

    # The self-assessment, section by section, in the national form's order and wording.
    para(doc, "{%p for s in sections %}")
    para(doc, "{{ s.heading }}", style="Heading 1")
    para(doc, "{%p for d in s.descriptors %}")
    para(doc, "{{ d.heading }}", style="Heading 2")
    t = doc.add_table(rows=5, cols=2)
    t.style = "Table Grid"
    cell_text(t.cell(0, 0), "{{ prompts.score }}", bold=True)
    shade(t.cell(0, 0), "F2F2F2")
    cell_text(t.cell(0, 1), "{{ d.score }}", bold=True)
    set_widths(t, [13, 4])
    for r, (label, key) in enumerate((("{{ prompts.working_well }}", "working_well"), ("{{ prompts.next }}", "next"))):
        top = t.cell(1 + 2 * r, 0).merge(t.cell(1 + 2 * r, 1))
        cell_text(top, label, bold=True)
        shade(top, "F2F2F2")
        body = t.cell(2 + 2 * r, 0).merge(t.cell(2 + 2 * r, 1))
        cell_lines(body, [f"{{%p for para in d.{key} %}}", "{{ para }}", "{%p endfor %}"])
    # The partnership's own workforce table, under the descriptor it supports, when filled in.
    para(doc, "{%p if d.workforce_rows %}")
    para(doc, "Workforce table (supporting evidence)", bold=True)
    t = table(doc, ["Kind of service", "Practitioner group", "How often they act as lead practitioner",
                    "Their role in whole family working", "Evidence and notes"], [2.8, 3.2, 3.6, 3.6, 3.8])
    loop_rows(t, "for w in d.workforce_rows",
              [f"{{{{ w.{key} }}}}" for key in ("kind", "group", "lead", "role", "notes")])
    para(doc, "{%p endif %}")
    para(doc, "")
    para(doc, "{%p endfor %}")
    para(doc, "{%p endfor %}")

    # Earned Autonomy.
    para(doc, "Earned Autonomy Criteria and Eligibility – for information only", style="Heading 1")
    para(doc, "{{ ea_note }}")
    para(doc, "Minimum scores from: {{ ea_source }}.", size=9)
    t = table(doc, ["Descriptor", "Minimum score", "Our score", "Result"], [9.5, 2.5, 2.5, 2.5])
    loop_rows(t, "for e in ea_items", ("{{ e.descriptor }}", "{{ e.minimum }}", "{{ e.score }}",
                                       "{{ e.result }}"))
    para(doc, "{{ ea_summary }}", bold=True).paragraph_format.space_before = Pt(6)

    # Selection of descriptors.
    para(doc, "Selection of Descriptors", style="Heading 1")
    para(doc, "{%p for line in rule_text %}")
    para(doc, "{{ line }}")
    para(doc, "{%p endfor %}")
    para(doc, "{{ data_model_survey }}")
    para(doc, "{{ data_model_changed }}")
    para(doc, "{{ data_model_current }}")
    t = table(doc, ["Priority", "Descriptor", "Section", "Wording"], [2.2, 2.3, 3.5, 9])
    loop_rows(t, "for c in chosen", ("{{ c.ordinal }}", "{{ c.id }}", "{{ c.section }}", "{{ c.text }}"))
    para(doc, "{{ priority_verdict }}", bold=True).paragraph_format.space_before = Pt(6)
    para(doc, "{%p for reason in priority_reasons %}")
    para(doc, "{{ reason }}", style="List Bullet")
    para(doc, "{%p endfor %}")

    # Permission to share.
    para(doc, "Permission to Share", style="Heading 1")
    para(doc, "{%p for p in permissions %}")
    para(doc, "{{ p.statement }}")
    para(doc, "{{ p.question }}: {{ p.answer }}", bold=True)
    para(doc, "{%p endfor %}")

    doc.core_properties.title = "Early Help System Guide self-assessment"
    doc.core_properties.subject = "Supporting Families: Early Help System Guide"
    return doc


if __name__ == "__main__":
    build().save(OUT)
    print(f"Wrote {OUT}")
