"""Writing a comparison: an Excel workbook, or a Word document rendered from templates/comparison.docx."""

from __future__ import annotations

import tempfile
from pathlib import Path

from .compare import Comparison, ea_cell, priorities_of, priority_label, signed, summary_lines
from .guide import Guide
from .outputs import atomic_save

SIGNED_FORMAT = '+0;"−"0;0'   # Excel shows +1 / −1 / 0 and keeps the number a number


def write_xlsx(c: Comparison, guide: Guide, path: Path) -> Path:
    return atomic_save(path, lambda tmp: _xlsx(c, guide, tmp))


def _xlsx(c: Comparison, guide: Guide, tmp: str) -> None:
    from openpyxl import Workbook
    from openpyxl.chart import BarChart, RadarChart, Reference
    from openpyxl.styles import Font

    from .sheetlayout import fit_sheet
    from .workbook import set_text, write_table

    wb = Workbook()
    ws = wb.active
    ws.title = "Summary"
    for i, line in enumerate(summary_lines(c, guide), start=1):
        set_text(ws.cell(row=i, column=1), line)
    ws.cell(row=1, column=1).font = Font(bold=True)
    fit_sheet(ws, title_rows=0, max_width=110)

    n = len(c.columns)
    scores = wb.create_sheet("Scores")
    write_table(scores, ["ID", "Descriptor", "Section", *c.columns, *c.difference_labels()],
                [(did, guide.descriptor(did).text, guide.section(guide.descriptor(did).section).name, *s,
                  *c.differences(s)) for did, s in c.rows])
    for row in scores.iter_rows(min_row=2, min_col=4 + n, max_col=3 + n + len(c.others)):
        for cell in row:
            cell.number_format = SIGNED_FORMAT
    note = len(c.rows) + 3
    set_text(scores.cell(row=note, column=2), c.difference_note())
    fit_sheet(scores, widths={"B": 60, **{_col(4 + i): 12 for i in range(n)},
                              **{_col(4 + n + i): 18 for i in range(len(c.others))}})
    radar = RadarChart()
    radar.type = "marker"
    radar.title = "Scores of all descriptors"
    radar.y_axis.scaling.min, radar.y_axis.scaling.max = guide.scale.minimum, guide.scale.maximum
    radar.add_data(Reference(scores, min_col=4, max_col=3 + n, min_row=1, max_row=len(c.rows) + 1),
                   titles_from_data=True)
    radar.set_categories(Reference(scores, min_col=1, min_row=2, max_row=len(c.rows) + 1))
    radar.width, radar.height = 20, 14
    profile = wb.create_sheet("Profile", 2)  # an ordinary sheet: LibreOffice shows charts on chart sheets tiny
    profile.page_setup.orientation = "landscape"
    profile.page_setup.fitToWidth = profile.page_setup.fitToHeight = 1
    profile.sheet_properties.pageSetUpPr.fitToPage = True
    profile.add_chart(radar, "A1")

    secs = wb.create_sheet("Sections")
    write_table(secs, ["Section", *c.columns], [(name, *[None if m is None else round(m, 2) for m in means])
                                                for name, means in c.sections])
    fit_sheet(secs)
    bar = BarChart()
    bar.type, bar.grouping = "col", "clustered"
    bar.title = "Average score per section"
    bar.y_axis.scaling.min, bar.y_axis.scaling.max = guide.scale.minimum, guide.scale.maximum
    bar.add_data(Reference(secs, min_col=2, max_col=1 + n, min_row=1, max_row=len(c.sections) + 1),
                 titles_from_data=True)
    bar.set_categories(Reference(secs, min_col=1, min_row=2, max_row=len(c.sections) + 1))
    bar.width, bar.height = 24, 10
    secs.add_chart(bar, f"A{len(c.sections) + 3}")

    ea = wb.create_sheet("Earned Autonomy")
    items = c.ea[0].items
    write_table(ea, ["ID", "Criterion", "Minimum", *c.columns],
                [(it.id, guide.descriptor(it.id).text if guide.descriptor(it.id) else "", it.minimum,
                  *[ea_cell(r.items[k]) for r in c.ea]) for k, it in enumerate(items)]
                + [("All met", "", None, *["Yes" if r.eligible else f"No ({r.met_count} of {len(r.items)})"
                                           for r in c.ea])])
    fit_sheet(ea, max_width=45)

    pri = wb.create_sheet("Priorities")
    count = guide.priority_rule.count
    write_table(pri, ["Year" if c.over_time else "Area", "Data model", *[f"Priority {i + 1}" for i in range(count)]],
                [(col, a.effective_data_model, *[priority_label(a.priorities[i], guide, full=True) if i < len(a.priorities)
                                                 else None for i in range(count)])
                 for col, a in zip(c.columns, c.assessments)])
    fit_sheet(pri, max_width=40)
    wb.save(tmp)


def _col(i: int) -> str:
    from .office.xlsx import column_letter as get_column_letter

    return get_column_letter(i)


def context(c: Comparison, guide: Guide) -> dict:
    """Everything templates/comparison.docx shows, as plain, pre-formatted values."""
    area = c.assessments[0].area
    title = (f"{area}: {c.baseline} to {c.columns[-1]}" if c.over_time
             else ", ".join(c.columns[:-1]) + " and " + c.columns[-1])
    by_id = {i.id: k for k, i in enumerate(c.ea[0].items)}
    return {
        "kind": "Over time" if c.over_time else "Peer review",
        "title": title,
        "guide_stamp": guide.stamp,
        "column_heading": "Year" if c.over_time else "Area",
        "difference_heading": f"Change since {c.baseline}" if c.over_time else f"{c.baseline} compared with",
        "difference_note": c.difference_note(),
        "summary": summary_lines(c, guide),
        "chart_caption": "Scores per descriptor, out of {0}, grouped by section; one bar per {1}.".format(
            guide.scale.maximum, "year" if c.over_time else "area"),
        "scores": [{
            "id": did, "text": guide.descriptor(did).text,
            "per_column": [{"column": col, "score": "–" if s is None else str(s)} for col, s in zip(c.columns, scores)],
            "differences": [{"column": o, "value": signed(x)} for o, x in zip(c.others, c.differences(scores))],
        } for did, scores in c.rows],
        "earned_autonomy": [{
            "id": it.id, "criterion": guide.descriptor(it.id).text if guide.descriptor(it.id) else it.id,
            "minimum": str(it.minimum),
            "per_column": [{"column": col, "result": ea_cell(r.items[by_id[it.id]])} for col, r in zip(c.columns, c.ea)],
        } for it in c.ea[0].items],
        "ea_totals": [{"column": col, "result": r.summary} for col, r in zip(c.columns, c.ea)],
        "priorities": [{"column": col, "data_model": "not given" if a.effective_data_model is None
                        else str(a.effective_data_model), "chosen": chosen or ["none given"]}
                       for (col, chosen), a in zip(priorities_of(c, guide, full=True), c.assessments)],
    }


def default_template() -> Path:
    """templates/comparison.docx, inside the installed package or the repository."""
    from .guide import packaged_guides_dir

    return packaged_guides_dir().parent / "templates" / "comparison.docx"


def comparison_chart(c: Comparison, guide: Guide, out: Path) -> Path:
    """The scores per descriptor as a PNG, grouped by section, one bar per area (or year)."""
    from .chart import Bar, Group, bar_chart

    scores = dict(c.rows)
    groups = [Group(s.name, tuple(Bar(x.id, scores[x.id]) for x in s.descriptors)) for s in guide.sections]
    return bar_chart(groups, guide.scale.maximum, out, series=list(c.columns), minimum=guide.scale.minimum)


def write_docx(c: Comparison, guide: Guide, path: Path, template: str | Path | None = None) -> Path:
    from .docxrender import render_docx

    with tempfile.TemporaryDirectory(prefix="ehsg-") as d:
        png = comparison_chart(c, guide, Path(d) / "compare.png")
        render_docx(Path(template) if template else default_template(), context(c, guide), path, {"chart": png})
    return path
