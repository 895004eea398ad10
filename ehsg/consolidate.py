"""Writing a workshop's result: the consolidated workbook (with a native spread chart) and the discussion pack."""

from __future__ import annotations

from pathlib import Path

from . import workbook as wbk
from .guide import Guide
from .outputs import atomic_save
from .submission import xml_safe
from .workshop import ROUNDING_RULE, Workshop, sector_section_means, section_means

HEADER_PROPOSED = "Proposed score"
STAT_HEADERS = ("Responses", "Mean", "Median", "Lowest", "Highest", "Spread", HEADER_PROPOSED, "Discuss?",
                "Partners' scores", "Partners' evidence: working well", "Partners' evidence: prioritising next")


def _fmt(x: float | None) -> float | None:
    return None if x is None else round(x, 2)


def attributed(stat, field: str) -> str:
    """Each partner's text under its organisation, separated by blank lines, for the facilitator to edit."""
    parts = []
    for p in stat.responses:
        text = getattr(p, field)
        if text and text.strip():
            parts.append(f"[{p.respondent.label}]\n{text}")
    return "\n\n".join(parts)


def partner_scores(stat) -> str:
    return "\n".join(f"{p.respondent.label}: {'no response' if p.score is None else p.score}" for p in stat.responses)


def write_consolidated(workshop: Workshop, guide: Guide, path: str | Path) -> Path:
    from openpyxl.styles import Alignment, Font, PatternFill

    wb = wbk.build_template(guide, area=workshop.area, year=workshop.year, kind=wbk.KIND_CONSOLIDATED)
    wrap = Alignment(wrap_text=True, vertical="top")
    bold = Font(bold=True)
    flag_fill = PatternFill("solid", fgColor="F8CBAD")
    header_fill = PatternFill("solid", fgColor="D9E2F3")
    flagged = {s.id for s in workshop.flagged()}
    for section in guide.sections:
        ws = wb[wbk.section_sheet_name(section.number, section.name)]
        first = ws.max_column + 1
        for i, h in enumerate(STAT_HEADERS):
            c = ws.cell(row=3, column=first + i, value=h)
            c.font, c.fill, c.alignment = bold, header_fill, wrap
            ws.column_dimensions[c.column_letter].width = 40 if i >= 8 else 11
        ws.cell(row=2, column=1).value = (
            f"Score: the AGREED score, filled in after discussion. {HEADER_PROPOSED}: {ROUNDING_RULE}. "
            f"'Discuss?' marks descriptors where partners' scores are {workshop.flag_range} or more apart.")
        for r in range(4, ws.max_row + 1):
            did = ws.cell(row=r, column=1).value
            if did is None or guide.descriptor(str(did)) is None:
                continue
            st = workshop.by_id(str(did))
            values = (st.n, _fmt(st.mean), _fmt(st.median), st.minimum, st.maximum, st.spread, st.proposed,
                      "Yes" if st.id in flagged else "No", partner_scores(st), attributed(st, "working_well"),
                      attributed(st, "next"))
            for i, v in enumerate(values):
                c = ws.cell(row=r, column=first + i)
                wbk.set_text(c, v)
                c.alignment = wrap
                if st.id in flagged:
                    c.fill = flag_fill
    _discussion_sheet(wb.create_sheet("Discussion", 1), workshop, guide)
    _summary_sheet(wb.create_sheet("Summary", 2), workshop, guide)
    _responses_sheet(wb.create_sheet("Responses"), workshop, guide)
    _chart_sheet(wb.create_sheet("Spread chart", 3), workshop)
    _workforce(wb[wbk.WORKFORCE_SHEET], workshop)
    return atomic_save(path, wb.save)


def _discussion_sheet(ws, workshop: Workshop, guide: Guide) -> None:
    rows = []
    flagged = {s.id for s in workshop.flagged()}
    for st in workshop.discussion_order():
        d = guide.descriptor(st.id)
        rows.append((st.id, d.short, "Yes" if st.id in flagged else "No", st.n, st.blanks, _fmt(st.mean),
                     st.minimum, st.maximum, st.spread, st.proposed, partner_scores(st)))
    wbk.write_table(ws, ("ID", "Descriptor", "Discuss?", "Responses", "No response", "Mean", "Lowest", "Highest", "Spread",
                HEADER_PROPOSED, "Partners' scores"), rows, (6, 40, 9, 10, 10, 8, 8, 8, 8, 10, 50))


def _summary_sheet(ws, workshop: Workshop, guide: Guide) -> None:
    from openpyxl.styles import Font

    ws["A1"] = "Workshop summary"
    ws["A1"].font = Font(bold=True, size=14)
    ws["A2"] = (f"{len(workshop.partners)} partner(s). Proposed score: {ROUNDING_RULE}. Descriptors flagged for "
                f"discussion: {len(workshop.flagged())} (spread of {workshop.flag_range} or more).")
    wbk.write_table(ws, ("Section", "Scores given", "Mean score"),
           [(name, n, _fmt(mean)) for name, n, mean in section_means(workshop, guide)], (34, 14, 12), start_row=4)
    sectors, rows = sector_section_means(workshop, guide)
    start = 6 + len(guide.sections)
    ws.cell(row=start - 1, column=1, value="Mean score by sector and section").font = Font(bold=True)
    wbk.write_table(ws, ("Section", *sectors), [(name, *[_fmt(v) for v in cells]) for name, cells in rows],
           start_row=start)
    ws.freeze_panes = None
    ws.cell(row=start + len(rows) + 2, column=1, value="Partners").font = Font(bold=True)
    for i, (who, file) in enumerate(workshop.partners, start=start + len(rows) + 3):
        for col, value in enumerate((who.label, who.name or None, file), start=1):
            wbk.set_text(ws.cell(row=i, column=col), value)


def _responses_sheet(ws, workshop: Workshop, guide: Guide) -> None:
    rows = [(st.id, p.respondent.organisation, p.respondent.sector, p.respondent.name, p.score, p.file)
            for st in workshop.stats for p in st.responses]
    wbk.write_table(ws, ("ID", "Organisation", "Sector", "Name", "Partner's score", "File"), rows, (6, 30, 26, 20, 10, 30))


def _chart_sheet(ws, workshop: Workshop) -> None:
    """A native Excel chart: a floating bar from lowest to highest score, with the mean marked."""
    from openpyxl.chart import BarChart, LineChart, Reference

    wbk.write_table(ws, ("ID", "Lowest", "Spread", "Mean"),
           [(st.id, st.minimum or 0, st.spread or 0, _fmt(st.mean)) for st in workshop.stats], (8, 10, 10, 10))
    n = len(workshop.stats)
    bars = BarChart()
    bars.type, bars.grouping, bars.overlap = "col", "stacked", 100
    bars.title = "Partners' scores per descriptor: lowest to highest, with the mean"
    bars.y_axis.title, bars.x_axis.title = "Score", "Descriptor"
    bars.y_axis.scaling.min, bars.y_axis.scaling.max = 0, 5
    bars.add_data(Reference(ws, min_col=2, max_col=3, min_row=1, max_row=n + 1), titles_from_data=True)
    bars.set_categories(Reference(ws, min_col=1, min_row=2, max_row=n + 1))
    bars.series[0].graphicalProperties.noFill = True          # the invisible base up to the lowest score
    bars.series[0].graphicalProperties.line.noFill = True
    bars.series[1].graphicalProperties.solidFill = "5B9BD5"
    mean = LineChart()
    mean.add_data(Reference(ws, min_col=4, min_row=1, max_row=n + 1), titles_from_data=True)
    mean.series[0].marker.symbol = "diamond"
    mean.series[0].marker.size = 8
    mean.series[0].graphicalProperties.line.noFill = True
    bars += mean
    bars.width, bars.height = 32, 12
    ws.add_chart(bars, "F2")


def _workforce(ws, workshop: Workshop) -> None:
    """Gather partners' words per practitioner group into the consolidated workforce sheet."""
    from openpyxl.styles import Alignment

    gathered: dict[tuple[str, str], list[list[str]]] = {}
    for who, row in workshop.workforce:
        cells = gathered.setdefault((row.kind, row.group), [[], [], []])
        for i, text in enumerate((row.lead, row.role, row.notes)):
            if text.strip():
                cells[i].append(f"[{who.label}] {text}")
    if not gathered:
        return
    positions = {}
    first_spare = None
    for r in range(4, ws.max_row + 1):
        key = (ws.cell(row=r, column=1).value, ws.cell(row=r, column=2).value)
        if key == (None, None) and first_spare is None:
            first_spare = r
        positions[key] = r
    next_row = first_spare or ws.max_row + 1
    for (kind, group), cols in gathered.items():
        r = positions.get((kind or None, group or None))
        if r is None:
            r = next_row
            next_row += 1
            wbk.set_text(ws.cell(row=r, column=1), kind or None)
            wbk.set_text(ws.cell(row=r, column=2), group or None)
        for i, texts in enumerate(cols):
            c = ws.cell(row=r, column=3 + i)
            wbk.set_text(c, "\n\n".join(texts) or None)
            c.alignment = Alignment(wrap_text=True, vertical="top")


def write_discussion_pack(workshop: Workshop, guide: Guide, path: str | Path) -> Path:
    """A printable pack: each flagged descriptor's wording, scores by organisation, and evidence side by side."""
    from docx import Document
    from docx.shared import Cm, Pt

    doc = Document()
    doc.styles["Normal"].font.size = Pt(10)
    sec = doc.sections[0]
    sec.left_margin = sec.right_margin = Cm(1.5)
    doc.add_heading(f"Workshop discussion pack{': ' + workshop.area if workshop.area else ''}", level=0)
    flagged = sorted(workshop.flagged(), key=lambda s: -(s.spread or 0))
    doc.add_paragraph(f"{len(workshop.partners)} partner(s) responded. {len(flagged)} descriptor(s) have scores "
                      f"{workshop.flag_range} or more points apart and are listed below, widest spread first. "
                      f"Proposed score: {ROUNDING_RULE}. Guide: {guide.stamp}.")
    if not flagged:
        doc.add_paragraph("Partners' scores are within "
                          f"{workshop.flag_range - 1} point(s) of each other on every descriptor.")
    for st in flagged:
        d = guide.descriptor(st.id)
        doc.add_heading(f"{d.id} - {d.text}", level=1)
        doc.add_paragraph(f"Scores from {st.n} partner(s): lowest {st.minimum}, highest {st.maximum}, mean "
                          f"{st.mean:.1f}, proposed {st.proposed}." + (f" {st.blanks} gave no score." if st.blanks else ""))
        t = doc.add_table(rows=1, cols=4)
        t.style = "Table Grid"
        for cell, h in zip(t.rows[0].cells, ("Partner", "Score", guide.prompts.working_well, guide.prompts.next)):
            cell.text = h
            cell.paragraphs[0].runs[0].bold = True
        ordered = sorted(st.responses, key=lambda p: (p.score is None, -(p.score or 0)))
        for p in ordered:
            row = t.add_row().cells
            row[0].text = xml_safe(p.respondent.label)[0]
            row[1].text = "no response" if p.score is None else str(p.score)
            row[2].text = xml_safe(p.working_well)[0]
            row[3].text = xml_safe(p.next)[0]
        for row in t.rows:
            for cell, width in zip(row.cells, (3.5, 1.8, 6.6, 6.6)):
                cell.width = Cm(width)
    return atomic_save(path, doc.save)
