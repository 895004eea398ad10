"""Rebuild templates/submission.docx, the Word template of the national submission.

Run from the repository root:  python templates/make_template.py

The .docx is committed; a council may open it in Word and restyle it (fonts, colours, logo,
heading styles, table style) and point `ehsg build --template` at its copy. Keep the {{ … }} and
{% … %} tags intact; `ehsg check-template FILE.docx` says if a field is unknown or unused.
"""

from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
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


def styled(doc):
    """Styles a council can restyle in Word: the form's labels, answers and notes have their own."""
    styles = doc.styles
    styles["Normal"].font.name = "Arial"
    styles["Normal"].font.size = Pt(10.5)
    styles["Normal"].paragraph_format.space_after = Pt(6)
    for name, size in (("Title", 22), ("Subtitle", 14), ("Heading 1", 16), ("Heading 2", 11.5), ("Heading 3", 11)):
        styles[name].font.name = "Arial"
        fonts = styles[name].element.rPr.rFonts
        for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
            fonts.attrib.pop(qn(theme), None)  # the theme's heading font would win over Arial
        styles[name].font.size = Pt(size)
        styles[name].font.color.rgb = NAVY
        styles[name].paragraph_format.keep_with_next = True
    styles["Heading 2"].paragraph_format.space_before = Pt(14)
    label = styles.add_style("Form label", WD_STYLE_TYPE.PARAGRAPH)
    label.base_style = styles["Normal"]
    label.font.bold = True
    label.font.color.rgb = NAVY
    label.paragraph_format.keep_with_next = True
    label.paragraph_format.space_before = Pt(8)
    label.paragraph_format.space_after = Pt(3)
    answer = styles.add_style("Form answer", WD_STYLE_TYPE.PARAGRAPH)
    answer.base_style = styles["Normal"]
    answer.paragraph_format.left_indent = Cm(0.4)
    note = styles.add_style("Form note", WD_STYLE_TYPE.PARAGRAPH)
    note.base_style = styles["Normal"]
    note.font.italic = True
    note.font.color.rgb = RGBColor(0x59, 0x59, 0x59)
    section = doc.sections[0]
    section.left_margin = section.right_margin = Cm(2)
    section.top_margin = section.bottom_margin = Cm(2)


def header_footer(doc, header_text, footer_tail="{{ draft_footer }}"):
    """The header's text on the right; "Page X of Y" centred in the footer, then `footer_tail`."""
    section = doc.sections[0]
    header = section.header.paragraphs[0]
    header.text = header_text
    header.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    footer.add_run("Page ")
    field(footer, "PAGE")
    footer.add_run(" of ")
    field(footer, "NUMPAGES")
    if footer_tail:
        footer.add_run(footer_tail)


def draft_block(doc):
    """Draft marking and the list of problems, only when built with --draft."""
    para(doc, "{%p if draft %}")
    para(doc, "{{ draft_banner }}", bold=True, color=RGBColor(0xC0, 0x00, 0x00), size=20)
    para(doc, "{{ draft_note }}")
    para(doc, "{%p for problem in draft_problems %}")
    para(doc, "{{ problem }}", style="List Bullet")
    para(doc, "{%p endfor %}")
    para(doc, "{%p endif %}")


def each(doc, loop, text, style=None):
    """One paragraph per item of a list."""
    para(doc, f"{{%p for {loop} %}}")
    para(doc, text, style=style)
    para(doc, "{%p endfor %}")


def keep_row(row, with_next=False):
    """A row Word may not split across pages; with_next keeps it on the page of the row after it."""
    tr_pr = row._tr.get_or_add_trPr()
    el = OxmlElement("w:cantSplit")
    el.set(qn("w:val"), "true")
    tr_pr.append(el)
    if with_next:
        for cell in row.cells:
            for p in cell.paragraphs:
                p.paragraph_format.keep_with_next = True


def properties(doc, title):
    """Document properties: the area and guide, nothing about the tool that made the file."""
    core = doc.core_properties
    core.title = title
    core.subject = "Supporting Families: Early Help System Guide"
    core.author = ""
    core.comments = ""
    core.last_modified_by = ""


def build() -> Document:
    doc = Document()
    styled(doc)
    header_footer(doc, "{{ area }} · {{ guide_title }}")
    draft_block(doc)

    para(doc, "{{ guide_title }}", style="Title")
    para(doc, "{{ area }}", style="Subtitle")
    para(doc, "{%p if date %}")
    para(doc, "{{ date }}")
    para(doc, "{%p endif %}")

    # The form's opening parts: Purpose, Background, System transformation, How to use this Guide.
    para(doc, "{%p for part in front %}")
    para(doc, "{{ part.heading }}", style="Heading 1")
    para(doc, "{%p for b in part.blocks %}")
    para(doc, '{%p if b.kind == "heading" %}')
    para(doc, "{{ b.text }}", style="Heading 2")
    para(doc, '{%p elif b.kind == "lost" %}')
    para(doc, "{{ b.text }}", style="Form note")
    para(doc, "{%p else %}")
    para(doc, "{{ b.text }}")
    para(doc, "{%p endif %}")
    para(doc, "{%p endfor %}")
    para(doc, "{%p endfor %}")

    # The Early Help vision and the Early Help system.
    para(doc, "{{ vision.heading }}", style="Heading 1")
    para(doc, "{{ vision.subtitle }}", style="Heading 3")
    para(doc, "{{ vision.statement }}")
    para(doc, "{%p for v in vision.sections %}")
    para(doc, "{{ v.name }}", style="Heading 3")
    each(doc, "s in v.statements", "{{ s }}", style="Form answer")
    para(doc, "{%p endfor %}")
    para(doc, "{{ system.heading }}", style="Heading 1")
    para(doc, "{{ system.subtitle }}", style="Heading 3")
    para(doc, "{{ system.intro }}")
    each(doc, "s in system.services", "{{ s }}")

    # Multi-Agency Workforce and the self-assessment's introduction with its scale.
    para(doc, "{{ workforce.heading }}", style="Heading 1")
    para(doc, "{{ workforce.intro }}")
    para(doc, "{{ workforce.lost }}", style="Form note")
    para(doc, "{{ workforce.instruction }}")
    para(doc, "{{ assessment.heading }}", style="Heading 1")
    para(doc, "{{ assessment.intro }}")
    para(doc, "{{ assessment.scale_heading }}", style="Form label")
    each(doc, "level in assessment.scale_levels", "{{ level }}")
    para(doc, "{%p if assessment.scale_lost %}")
    para(doc, "{{ assessment.scale_lost }}", style="Form note")
    para(doc, "{%p endif %}")

    # The five sections: per descriptor its heading, the score, and the two narratives.
    para(doc, "{%p for s in sections %}")
    para(doc, "{{ s.heading }}", style="Heading 1").paragraph_format.page_break_before = True
    para(doc, "{%p for d in s.descriptors %}")
    para(doc, "{{ d.heading }}", style="Heading 2")
    para(doc, "{{ prompts.score }}", style="Form label")
    para(doc, "{{ d.score }}", style="Form answer")
    para(doc, "{{ prompts.working_well }}", style="Form label")
    each(doc, "para in d.working_well", "{{ para }}", style="Form answer")
    para(doc, "{{ prompts.next }}", style="Form label")
    each(doc, "para in d.next", "{{ para }}", style="Form answer")
    # The partnership's own workforce table, under the descriptor it supports, when filled in.
    para(doc, "{%p if d.workforce_rows %}")
    para(doc, "{{ workforce.heading }}: {{ workforce.instruction }}", style="Form label")
    t = table(doc, ["Kind of service", "Practitioner group", "How often they act as lead practitioner",
                    "Their role in whole family working", "Evidence and notes"], [2.8, 3.2, 3.6, 3.6, 3.8])
    loop_rows(t, "for w in d.workforce_rows", [f"{{{{ w.{key} }}}}" for key in ("kind", "group", "lead", "role",
                                                                             "notes")])
    for row in t.rows:
        keep_row(row)
    para(doc, "{%p endif %}")
    para(doc, "{%p endfor %}")
    para(doc, "{%p endfor %}")

    # Earned Autonomy: the criteria table's own wording, grouped by section, with its minimum score.
    para(doc, "{{ ea.heading }}", style="Heading 1").paragraph_format.page_break_before = True
    para(doc, "{{ ea.note }}")
    para(doc, "{{ ea.stage1 }}", style="Form label")
    t = doc.add_table(rows=0, cols=2)
    t.style = "Table Grid"
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    cell_text(t.add_row().cells[0], "{%tr for e in ea.criteria %}")
    row = t.add_row()
    cell_text(row.cells[0], "{{ e.heading }}", bold=True)
    cell_text(row.cells[1], "{{ ea.minimum_label }}", bold=True)
    for cell in row.cells:
        shade(cell)
    keep_row(row, with_next=True)
    row = t.add_row()
    cell_text(row.cells[0], "{{ e.criterion }}")
    cell_text(row.cells[1], "{{ e.minimum }}", bold=True).alignment = WD_ALIGN_PARAGRAPH.CENTER
    keep_row(row)
    cell_text(t.add_row().cells[0], "{%tr endfor %}")
    set_widths(t, [13.5, 3.5])

    # Selection of Descriptors, with the area's data model, the changed question and its three choices.
    para(doc, "{{ selection.heading }}", style="Heading 1").paragraph_format.space_before = Pt(18)
    para(doc, "{{ selection.intro }}")
    each(doc, "line in selection.rule", "{{ line }}", style="Form answer")
    para(doc, "{{ selection.free_choice }}")
    para(doc, "{{ selection.reference }}")
    para(doc, "{{ selection.survey_model }}", style="Form label")
    para(doc, "{{ selection.reminder }}")
    each(doc, "m in selection.models", "{{ m }}", style="Form answer")
    para(doc, "{{ selection.changed }}", style="Form label")
    para(doc, "{%p if selection.current %}")
    para(doc, "{{ selection.current }}", style="Form label")
    para(doc, "{%p endif %}")
    each(doc, "c in selection.chosen", "{{ c }}", style="Form label")

    # How the submissions are used, and Permission to Share with the area's three answers.
    para(doc, "{{ uses.heading }}", style="Heading 1")
    para(doc, "{{ uses.intro }}")
    each(doc, "point in uses.points", "{{ point }}", style="Form answer")
    para(doc, "{{ uses.contact }}")
    para(doc, "{{ permissions.heading }}", style="Heading 1")
    para(doc, "{%p for p in permissions.answers %}")
    para(doc, "{{ p.statement }}").paragraph_format.keep_with_next = True
    para(doc, "{{ p.line }}", style="Form label")
    para(doc, "{%p endfor %}")

    properties(doc, "Early Help System Guide self-assessment")
    return doc


def build_briefing() -> Document:
    """The briefing: one or two pages of results for a director or a scrutiny committee; not the form."""
    doc = Document()
    styled(doc)
    header_footer(doc, "{{ area }} · Early Help System Guide self-assessment{% if year %} {{ year }}{% endif %} · briefing")
    para(doc, "{%p if draft %}")
    para(doc, "{{ draft_banner }}", bold=True, color=RGBColor(0xC0, 0x00, 0x00), size=16)
    para(doc, "{%p endif %}")
    para(doc, "{{ area }}: Early Help System Guide self-assessment", style="Title")
    para(doc, "{%p if date %}")
    para(doc, "{{ date }}", style="Subtitle")
    para(doc, "{%p endif %}")
    t = doc.add_table(rows=0, cols=2)
    t.style = "Table Grid"
    for label, value in (("Guide", "{{ guide_title }}"), ("Earned Autonomy", "{{ ea_summary }}"),
                         ("Data model", "{{ data_model }}"), ("Priority rule", "{{ priority_verdict }}")):
        row = t.add_row()
        cell_text(row.cells[0], label, bold=True)
        shade(row.cells[0], "F2F2F2")
        cell_text(row.cells[1], value)
        keep_row(row)
    set_widths(t, [4.5, 12.5])
    para(doc, "Score profile", style="Heading 2")
    para(doc, "{{ chart }}", align=WD_ALIGN_PARAGRAPH.CENTER)
    para(doc, "{{ chart_caption }}", size=9)
    t = table(doc, ["Section", "Descriptors", "Average score", "Lowest – highest"], [6.5, 3, 3.5, 4])
    loop_rows(t, "for s in sections", ("{{ s.name }}", "{{ s.count }}", "{{ s.mean }}", "{{ s.range }}"))
    for row in t.rows:
        keep_row(row)
    para(doc, "{{ scale_note }}", size=9).paragraph_format.space_before = Pt(4)
    para(doc, "Earned Autonomy minimum scores", style="Heading 2").paragraph_format.page_break_before = True
    para(doc, "{{ ea_note }}", size=9)
    t = table(doc, ["Descriptor", "Minimum score", "Our score", "Result"], [9.5, 2.5, 2.5, 2.5])
    loop_rows(t, "for e in ea_items", ("{{ e.descriptor }}", "{{ e.minimum }}", "{{ e.score }}", "{{ e.result }}"))
    for row in t.rows:
        keep_row(row)
    para(doc, "Priority descriptors for the coming year", style="Heading 2")
    each(doc, "c in chosen", "{{ c }}", style="List Bullet")
    each(doc, "reason in priority_reasons", "{{ reason }}", style="Form note")
    properties(doc, "Early Help System Guide self-assessment: briefing")
    return doc


if __name__ == "__main__":
    build().save(OUT)
    print(f"Wrote {OUT}")
    build_briefing().save(OUT.with_name("briefing.docx"))
    print(f"Wrote {OUT.with_name('briefing.docx')}")
