"""Writing a workshop's result: the consolidated workbook, with every partner's words kept whole."""

from __future__ import annotations

from pathlib import Path

from . import workbook as wbk
from .guide import Guide
from .partnerbook import previous_headers
from .workshop import ROUNDING_RULE, DescriptorStats, Workshop, sector_section_means, section_means

HEADER_PROPOSED = "Proposed score"
HEADER_PARTNER_ENTRIES = wbk.WF_PARTNER_ENTRIES
EVIDENCE_SHEET = "Evidence"
STAT_HEADERS = ("Responses", "Mean", "Median", "Lowest", "Highest", "Spread", HEADER_PROPOSED, "Discuss?",
                "Partners' scores", "Partners' evidence")
EVIDENCE_HEADERS = ("ID", "About", "Organisation", "Sector", "Name", "Partner's score", "Question", "Part", "Text")
# Excel holds at most 32,767 characters in a cell; longer text is split over continuation rows.
CELL_LIMIT = 32_767
# A partner's column on the Discussion sheet: room for a score and "no response", and for the longest word of a
# name up to this width (a longer word is broken, as it would be in any column)
PARTNER_MIN_WIDTH, PARTNER_MAX_WIDTH = 12, 24
# The most characters escaping makes of one character (a control character becomes _xHHHH_)
_MOST_ESCAPED = 7
# A split looks this far back from the limit for a line break or space, so a part does not end mid-word.
_SPLIT_LOOKBACK = 500


def _fmt(x: float | None) -> float | None:
    return None if x is None else round(x, 2)


def split_for_cell(text: str, limit: int = CELL_LIMIT) -> list[str]:
    """Split text into parts that each fit one cell, as Excel stores it (escaped); joined, they are the text."""
    if len(text) * _MOST_ESCAPED <= limit:   # fits however it is escaped: the usual case, decided without escaping
        return [text]
    parts, i = [], 0
    while i < len(text):
        n = min(limit, len(text) - i)
        excess = len(wbk.ooxml_escape(text[i:i + n])) - limit   # escaping can lengthen a part
        while excess > 0 and n > 1:
            n = max(1, n - excess)                                # each character dropped shortens it by 1 or more
            excess = len(wbk.ooxml_escape(text[i:i + n])) - limit
        if i + n < len(text):
            window = text[i + max(1, n - _SPLIT_LOOKBACK):i + n]
            cut = max(window.rfind("\n"), window.rfind(" "))
            if cut >= 0:
                n = max(1, n - _SPLIT_LOOKBACK) + cut + 1
            if text[i + n - 1] == "\r" and text[i + n:i + n + 1] == "\n":  # keep a \r\n together
                n = n - 1 if n > 1 else 2
        parts.append(text[i:i + n])
        i += n
    return parts or [""]


def partner_scores(stat: DescriptorStats) -> str:
    return "\n".join(f"{p.respondent.label}: {'no response' if p.score is None else p.score}" for p in stat.responses)


def evidence_rows(workshop: Workshop, guide: Guide) -> list[tuple]:
    """One row per partner, descriptor and question (long format, for filtering); a text too long for one cell
    goes on continuation rows marked 'Part 2 of 3 (continued)'. Workforce entries are listed under the
    descriptor the guide attaches the table to."""
    rows = []

    def add(did, about, who, score, question, text):
        parts = split_for_cell(text)
        for i, part in enumerate(parts, start=1):
            mark = None if len(parts) == 1 else (f"{i} of {len(parts)}" + (" (continued)" if i > 1 else ""))
            rows.append((did, about, who.organisation or who.label, who.sector or None, who.name or None, score,
                         question, mark, part))

    for st in workshop.stats:
        short = guide.descriptor(st.id).short
        for p in st.responses:
            for question, text in ((guide.prompts.working_well, p.working_well), (guide.prompts.next, p.next)):
                if text.strip():
                    add(st.id, short, p.respondent, p.score, question, text)
    wf_id = guide.workforce_evidence_for or None
    for who, row in workshop.workforce:
        for question, text in ((wbk.WF_LEAD, row.lead), (wbk.WF_ROLE, row.role), (wbk.WF_NOTES, row.notes)):
            if text.strip():
                add(wf_id, f"Workforce table: {row.group or row.kind}", who, None, f"Workforce table: {question}", text)
    return rows


def build_consolidated(workshop: Workshop, guide: Guide, accept_proposed: bool = False):
    """The consolidated workbook in memory. With accept_proposed, the agreed Score of every descriptor NOT
    flagged for discussion is filled with its proposal (the facilitator's choice); flagged ones stay open."""
    from openpyxl.styles import Alignment, Font, PatternFill

    wb = wbk.build_template(guide, area=workshop.area, year=workshop.year, kind=wbk.KIND_CONSOLIDATED)
    wrap = Alignment(wrap_text=True, vertical="top")
    bold = Font(bold=True)
    flag_fill = PatternFill("solid", fgColor="F8CBAD")
    header_fill = PatternFill("solid", fgColor="D9E2F3")
    stat_cell, flagged_cell = wbk.Stamp(alignment=wrap), wbk.Stamp(alignment=wrap, fill=flag_fill)
    flagged = {s.id for s in workshop.flagged()}
    evidence = evidence_rows(workshop, guide)
    entries: dict[str, int] = {}
    for row in evidence:
        if row[7] is None or row[7].startswith("1 of"):
            entries[row[0]] = entries.get(row[0], 0) + 1
    for section in guide.sections:
        ws = wb[wbk.section_sheet_name(section.number, section.name)]
        first = ws.max_column + 1
        header = {c.value: c.column for c in ws[3]}
        for i, h in enumerate(STAT_HEADERS):
            c = ws.cell(row=3, column=first + i, value=h)
            c.font, c.fill, c.alignment = bold, header_fill, wrap
            ws.column_dimensions[c.column_letter].width = \
                (28 if i == 8 else 18) if i >= 8 else wbk.heading_width(h, 8.5, 14)
        for letter, width in zip("BDE", (40, 40, 35)):   # narrower than a partner's: this sheet also holds the stats
            ws.column_dimensions[letter].width = width
        wbk.fit_heading_row(ws, 3, {c.column: ws.column_dimensions[c.column_letter].width for c in ws[3]})
        ws.cell(row=2, column=1).value = (
            f"Score and the two questions: what the partnership AGREES, filled in after discussion. "
            f"{HEADER_PROPOSED}: {ROUNDING_RULE}. 'Discuss?' marks descriptors where partners' scores are "
            f"{workshop.flag_range} or more apart. Every partner's own words are on the {EVIDENCE_SHEET} sheet.")
        ws.unmerge_cells(start_row=2, start_column=1, end_row=2, end_column=5)
        ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=first + len(STAT_HEADERS) - 1)
        for r in range(4, ws.max_row + 1):
            did = ws.cell(row=r, column=1).value
            if did is None or guide.descriptor(str(did)) is None:
                continue
            st = workshop.by_id(str(did))
            n_evidence = entries.get(st.id, 0)
            values = (st.n, _fmt(st.mean), _fmt(st.median), st.minimum, st.maximum, st.spread, st.proposed,
                      "Yes" if st.id in flagged else "No", partner_scores(st),
                      f"{n_evidence} entr{'y' if n_evidence == 1 else 'ies'} on the {EVIDENCE_SHEET} sheet "
                      f"(filter ID = {st.id})" if n_evidence else "None written")
            for i, v in enumerate(values):
                c = ws.cell(row=r, column=first + i)
                wbk.set_text(c, v)
                (flagged_cell if st.id in flagged else stat_cell)(c)
            if accept_proposed and st.id not in flagged and st.proposed is not None:
                ws.cell(row=r, column=header[wbk.HEADER_SCORE]).value = st.proposed
            wbk.fit_row(ws, r, {2: 40, first + 8: 28, first + 9: 18}, minimum=90)
        wbk.print_setup(ws, "3:3", workshop.area)
    _discussion_sheet(wb.create_sheet("Discussion", 1), workshop, guide)
    _summary_sheet(wb.create_sheet("Summary", 2), workshop, guide)
    _chart_sheet(wb.create_sheet("Spread chart", 3), workshop)
    _evidence_sheet(wb.create_sheet(EVIDENCE_SHEET, 4), evidence, workshop)
    _responses_sheet(wb.create_sheet("Responses"), workshop)
    _workforce(wb[wbk.WORKFORCE_SHEET], workshop, guide, entries_by_group(evidence))
    wb.active = 1
    return wb


def entries_by_group(evidence: list[tuple]) -> dict[str, int]:
    out: dict[str, int] = {}
    for row in evidence:
        if row[1].startswith("Workforce table: ") and (row[7] is None or row[7].startswith("1 of")):
            key = row[1].removeprefix("Workforce table: ")
            out[key] = out.get(key, 0) + 1
    return out


def _discussion_sheet(ws, workshop: Workshop, guide: Guide) -> None:
    """One row per descriptor, flagged first; one column per partner, each as wide as the longest word of the
    partner's name (names wrap between words, never inside one). Printed one page wide while that stays
    readable; with more partners, across pages with the ID and descriptor repeated on each."""
    from openpyxl.styles import Alignment, Font

    flagged = {s.id for s in workshop.flagged()}
    last = workshop.previous
    who = [f"{p.label} – {p.name}" if p.name else p.label for p, _ in workshop.partners]
    stats = ["Discuss?", "Responses", "No response", "Mean", "Lowest", "Highest", "Spread", HEADER_PROPOSED]
    headers = ["ID", "Descriptor", *stats, *who]
    widths = [6, 34, *[wbk.heading_width(h, 6, 14) for h in stats],
              *[wbk.heading_width(w, PARTNER_MIN_WIDTH, PARTNER_MAX_WIDTH) for w in who]]
    if last is not None:
        headers += list(previous_headers(last))
        widths += [wbk.heading_width(headers[-2], 10, 14), 60]
    rows = []
    for st in workshop.discussion_order():
        d = guide.descriptor(st.id)
        row = [st.id, d.short, "Yes" if st.id in flagged else "No", st.n, st.blanks, _fmt(st.mean),
               st.minimum, st.maximum, st.spread, st.proposed,
               *["no response" if p.score is None else p.score for p in st.responses]]
        if last is not None:
            r = last.response(st.id)
            row += [r.score if r else None, (r.next or None) if r else None]
        rows.append(row)
    ws["A1"] = ("Descriptors to discuss: widest spread of partners' scores first, then the rest in the guide's "
                "order. One column per partner.")
    ws["A1"].font = Font(bold=True, size=13)
    ws["A1"].alignment = Alignment(wrap_text=True, vertical="top")
    ws.merge_cells("A1:B1")   # wrapped within the columns printed on every page
    # 13-point bold: fewer characters a line than an 11-point heading, and taller lines
    ws.row_dimensions[1].height = 18 * wbk.word_lines(ws["A1"].value, sum(widths[:2]) * wbk.BOLD_CHARS * 11 / 13)
    wbk.write_table(ws, headers, rows, widths, start_row=2)
    body = {2: widths[1], **{i: widths[i - 1] for i in range(11, 11 + len(who))}}   # and "no response"
    wbk.fit_rows(ws, {**body, **({len(headers): 60} if last is not None else {})}, 3)
    ws.auto_filter.ref = f"A2:{ws.cell(row=2, column=len(headers)).column_letter}{ws.max_row}"
    wbk.print_setup(ws, "2:2", workshop.area)
    wbk.print_wide(ws, widths, "A:B")


def _summary_sheet(ws, workshop: Workshop, guide: Guide) -> None:
    from openpyxl.styles import Alignment, Font

    ws["A1"] = "Workshop summary"
    ws["A1"].font = Font(bold=True, size=14)
    ws["A2"] = (f"{len(workshop.partners)} partner(s). Proposed score: {ROUNDING_RULE}. Descriptors flagged for "
                f"discussion: {len(workshop.flagged())} (spread of {workshop.flag_range} or more).")
    ws["A2"].alignment = Alignment(wrap_text=True, vertical="top")
    wbk.write_table(ws, ("Section", "Scores given", "Mean score"),
                    [(name, n, _fmt(mean)) for name, n, mean in section_means(workshop, guide)], (34, 14, 12),
                    start_row=4)
    sectors, rows = sector_section_means(workshop, guide)
    start = 6 + len(guide.sections)
    ws.cell(row=start - 1, column=1, value="Mean score by sector and section").font = Font(bold=True)
    wbk.write_table(ws, ("Section", *sectors), [(name, *[_fmt(v) for v in cells]) for name, cells in rows],
                    (34, *[14] * len(sectors)), start_row=start)
    ws.freeze_panes = None
    ws.cell(row=start + len(rows) + 2, column=1, value="Partners").font = Font(bold=True)
    widths = {1: 34, 2: 14, 3: 12}
    wrap = wbk.Stamp(alignment=Alignment(wrap_text=True, vertical="top"))
    for i, (who, file) in enumerate(workshop.partners, start=start + len(rows) + 3):
        for col, value in enumerate((who.label, who.name or None, file), start=1):
            c = ws.cell(row=i, column=col)
            wbk.set_text(c, value)
            wrap(c)
    last_col = max(3, 1 + len(sectors))
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=last_col)
    wbk.fit_rows(ws, widths, 4)
    wbk.fit_row(ws, 2, {1: 34 + 14 * (last_col - 1)})
    wbk.fit_heading_row(ws, start, {i: 14 for i in range(1, 2 + len(sectors))})   # sector names head the columns
    wbk.print_setup(ws, None, workshop.area)


def _evidence_sheet(ws, rows: list[tuple], workshop: Workshop) -> None:
    from openpyxl.styles import Font

    ws["A1"] = ("Every partner's own words, one row per partner, descriptor and question. Use the filter arrows to "
                "see one descriptor or one partner. A text longer than a cell can hold continues on the next row "
                "(Part '2 of 3 (continued)').")
    ws["A1"].font = Font(italic=True)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(EVIDENCE_HEADERS))
    widths = (5, 22, 22, 12, 10, 11, 22, 9, 70)   # each heading's longest word whole on a line
    wbk.write_table(ws, EVIDENCE_HEADERS, rows, widths, start_row=2)
    ws.auto_filter.ref = f"A2:I{max(2, ws.max_row)}"
    ws.row_dimensions[1].height = 30
    wbk.fit_rows(ws, dict(enumerate(widths, start=1)), 3)
    wbk.print_setup(ws, "2:2", workshop.area)


def _responses_sheet(ws, workshop: Workshop) -> None:
    rows = [(st.id, p.respondent.organisation, p.respondent.sector, p.respondent.name, p.score, p.file)
            for st in workshop.stats for p in st.responses]
    wbk.write_table(ws, ("ID", "Organisation", "Sector", "Name", "Partner's score", "File"), rows,
                    (6, 30, 26, 20, 10, 30))
    ws.auto_filter.ref = f"A1:F{max(1, ws.max_row)}"
    wbk.fit_rows(ws, {2: 30, 3: 26, 4: 20, 6: 30}, 2)   # the heading row is fitted by write_table
    wbk.print_setup(ws, "1:1", workshop.area)


def _chart_sheet(ws, workshop: Workshop) -> None:
    wbk.write_table(ws, ("ID", "Lowest", "Spread", "Mean"),
                    [(st.id, st.minimum or 0, st.spread or 0, _fmt(st.mean)) for st in workshop.stats],
                    (8, 10, 10, 10))
    add_spread_chart(ws)
    # the chart (anchored at F2, 24 cm by 13 cm) lies beyond the table's cells: print them both on one page
    wbk.print_setup(ws, None, workshop.area, fit_height=1, area=f"A1:S{max(33, ws.max_row)}")


def add_spread_chart(ws) -> None:
    """A native Excel chart of the table on the sheet: a floating bar from lowest to highest, the mean marked."""
    from openpyxl.chart import BarChart, LineChart, Reference

    n = ws.max_row - 1
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
    bars.width, bars.height = 24, 13
    ws.add_chart(bars, "F2")


def _workforce(ws, workshop: Workshop, guide: Guide, entries: dict[str, int]) -> None:
    """The agreed columns stay the partnership's to fill (only they reach the submission); a count beside each
    group points to the partners' own words on the Evidence sheet."""
    from openpyxl.styles import Alignment, Font, PatternFill

    col = len(wbk.WF_HEADERS) + 1
    c = ws.cell(row=3, column=col, value=HEADER_PARTNER_ENTRIES)
    c.font, c.fill = Font(bold=True), PatternFill("solid", fgColor="D9E2F3")
    c.alignment = Alignment(wrap_text=True, vertical="top")
    ws.column_dimensions[c.column_letter].width = 24
    wbk.fit_heading_row(ws, 3, {c.column: ws.column_dimensions[c.column_letter].width for c in ws[3]})
    ws.cell(row=2, column=1).value = (
        f"{ws.cell(row=2, column=1).value} The three answer columns are for what the partnership AGREES: only they "
        f"go into the submission (under descriptor {guide.workforce_evidence_for}). Partners' own words are on the "
        f"{EVIDENCE_SHEET} sheet; the last column counts them.")
    ws.unmerge_cells(start_row=2, start_column=1, end_row=2, end_column=5)
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=col)
    positions = {}
    first_spare = None
    for r in range(4, ws.max_row + 1):
        kind, group = ws.cell(row=r, column=1).value, ws.cell(row=r, column=2).value
        if (kind, group) == (None, None):
            first_spare = first_spare or r
        else:
            positions[group or kind] = r
    next_row = first_spare or ws.max_row + 1
    for who, row in workshop.workforce:   # groups partners added themselves get a row of their own
        key = row.group or row.kind
        if key not in positions:
            positions[key] = next_row
            wbk.set_text(ws.cell(row=next_row, column=1), row.kind or None)
            wbk.set_text(ws.cell(row=next_row, column=2), row.group or None)
            next_row += 1
    for key, r in positions.items():
        n = entries.get(key, 0)
        cell = ws.cell(row=r, column=col, value=n or None)
        cell.alignment = Alignment(horizontal="center", vertical="top")
    wbk.fit_row(ws, 2, {1: 24 + 36 + 34 + 34 + 60 + 24}, minimum=30)
    wbk.print_setup(ws, "3:3", workshop.area)


def write_workshop(workshop: Workshop, guide: Guide, output: str | Path, pack: str | Path | None = None,
                   accept_proposed: bool = False) -> list[Path]:
    """Write the consolidated workbook (and the pack): both are fully built before either is written, and they
    are moved into place together, so a merge leaves both or neither."""
    from .pack import build_pack

    wb = build_consolidated(workshop, guide, accept_proposed)
    outputs = [(Path(output), wb.save)]
    if pack:
        outputs.append((Path(pack), build_pack(workshop, guide).save))
    return save_all(outputs)


def save_all(outputs) -> list[Path]:
    """Save every output in one transaction: each goes to a temporary file, and all are moved into place
    together only when every one has been written (removed on any failure or signal)."""
    from .outputs import atomic_save, writing

    with writing([path for path, _ in outputs]):
        for path, save in outputs:
            atomic_save(path, save)
    return [p for p, _ in outputs]
