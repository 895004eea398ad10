"""Rebuild templates/comparison.docx, the Word template of `ehsg compare … -o OUT.docx`.

Run from the repository root:  python templates/make_comparison_template.py

It shares the submission's font, page setup, header and footer (see make_template.py). The .docx is
committed; a council may restyle it in Word (fonts, colours, logo, table style) and pass its copy to
`ehsg compare --template`. Keep the {{ … }} and {% … %} tags intact.
"""

from __future__ import annotations

import sys
from pathlib import Path

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.shared import Cm, Pt

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_template import NAVY, cell_lines, cell_text, header_footer, para, set_widths, table  # noqa: E402

OUT = Path(__file__).resolve().parent / "comparison.docx"


def loop_rows(t, loop, cells):
    """A {%tr for %} row, the row of fields (each cell a list of lines), and a {%tr endfor %} row."""
    cell_text(t.add_row().cells[0], f"{{%tr {loop} %}}")
    row = t.add_row()
    row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))  # a row never breaks across pages
    for cell, lines in zip(row.cells, cells):
        if isinstance(lines, str):
            cell_text(cell, lines)
        else:
            cell_lines(cell, lines)
            for p in cell.paragraphs:
                p.paragraph_format.space_after = Pt(0)
    cell_text(t.add_row().cells[0], "{%tr endfor %}")
    set_widths(t, t.widths)


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
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2)
    section.top_margin = section.bottom_margin = Cm(2)
    header_footer(doc, "{{ kind }} · {{ title }} · Early Help System Guide · guide {{ guide_stamp }}", footer_tail="")

    para(doc, "Early Help System Guide: {{ kind }}", style="Title")
    para(doc, "{{ title }}", style="Subtitle")
    para(doc, "Summary", style="Heading 1")
    para(doc, "{%p for line in summary %}")
    para(doc, "{{ line }}", style="List Bullet")
    para(doc, "{%p endfor %}")

    para(doc, "Score profile", style="Heading 1")
    para(doc, "{{ chart }}", align=WD_ALIGN_PARAGRAPH.CENTER)
    para(doc, "{{ chart_caption }}", size=9)

    para(doc, "Scores", style="Heading 1")
    para(doc, "{{ difference_note }}").paragraph_format.keep_with_next = True  # never alone above the table
    t = table(doc, ["ID", "Descriptor", "Score", "{{ difference_heading }}"], [1.2, 9.6, 3.0, 3.2])
    loop_rows(t, "for d in scores", ["{{ d.id }}", "{{ d.text }}",
                                     ["{%p for v in d.per_column %}", "{{ v.column }}: {{ v.score }}", "{%p endfor %}"],
                                     ["{%p for x in d.differences %}", "{{ x.column }}: {{ x.value }}",
                                      "{%p endfor %}"]])

    para(doc, "Earned Autonomy minimum scores", style="Heading 1")
    t = table(doc, ["ID", "Criterion", "Minimum", "Result"], [1.2, 8.3, 2.2, 5.3])
    loop_rows(t, "for e in earned_autonomy", ["{{ e.id }}", "{{ e.criterion }}", "{{ e.minimum }}",
                                              ["{%p for v in e.per_column %}", "{{ v.column }}: {{ v.result }}",
                                               "{%p endfor %}"]])
    para(doc, "").paragraph_format.space_after = Pt(0)
    para(doc, "{%p for t in ea_totals %}")
    para(doc, "{{ t.column }}: {{ t.result }}", bold=True)
    para(doc, "{%p endfor %}")

    para(doc, "Priority descriptors", style="Heading 1")
    t = table(doc, ["{{ column_heading }}", "Data model", "Chosen priority descriptors"], [3.5, 2.5, 11.0])
    loop_rows(t, "for p in priorities", ["{{ p.column }}", "{{ p.data_model }}",
                                         ["{%p for c in p.chosen %}", "{{ c }}", "{%p endfor %}"]])

    doc.core_properties.title = "Early Help System Guide comparison"
    doc.core_properties.subject = "Supporting Families: Early Help System Guide"
    return doc


if __name__ == "__main__":
    build().save(OUT)
    print(f"Wrote {OUT}")
