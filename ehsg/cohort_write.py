"""The cohort workbook: every figure of ehsg.cohort.analyse, complete lists, native Excel charts."""

from __future__ import annotations

from pathlib import Path

from .guide import Guide
from .outputs import atomic_save


def write_xlsx(result: dict, guide: Guide, path: str | Path) -> Path:
    return atomic_save(path, lambda tmp: _xlsx(result, guide, tmp))


def _xlsx(result: dict, guide: Guide, tmp: str) -> None:
    from openpyxl import Workbook
    from openpyxl.chart import BarChart, Reference

    from .sheetlayout import fit_sheet
    from .workbook import write_table

    wb = Workbook()

    def sheet(title, header, rows, first=False, **fit):
        ws = wb.active if first else wb.create_sheet(title)
        ws.title = title
        write_table(ws, header, rows)
        fit_sheet(ws, **fit)
        return ws

    lo, hi = guide.scale.minimum, guide.scale.maximum
    levels = list(range(lo, hi + 1))
    ds = result["descriptors"]
    desc = sheet("Descriptors", ["ID", "Descriptor", "Areas", *[f"Scored {k}" for k in levels], "Median", "Mean",
                                 "Highest score", "Number with the highest score", "Areas with the highest score"],
                 [(d["id"], guide.descriptor(d["id"]).text, d["areas"], *d["distribution"].values(), d["median"],
                   d["mean"], d["highest"], d["highest_count"], ", ".join(d["highest_areas"])) for d in ds],
                 first=True, widths={"B": 50, _letter(6 + len(levels) + 2): 60})
    chart = BarChart()
    chart.type, chart.grouping, chart.overlap = "bar", "percentStacked", 100
    chart.title = "How many areas gave each score, per descriptor"
    chart.x_axis.title, chart.y_axis.title = "Descriptor", "Share of areas"
    chart.add_data(Reference(desc, min_col=4, max_col=3 + len(levels), min_row=1, max_row=len(ds) + 1),
                   titles_from_data=True)
    chart.set_categories(Reference(desc, min_col=1, min_row=2, max_row=len(ds) + 1))
    chart.x_axis.scaling.orientation = "maxMin"   # 5.1 at the top, as in the table
    chart.width, chart.height = 24, 22
    chart.x_axis.tickLblSkip = 1   # every descriptor named
    _chart_sheet(wb, "Score distribution", chart, 1)

    ea = result["earned_autonomy"]
    ea_ws = sheet("Earned Autonomy", ["ID", "Criterion", "Minimum", "Areas meeting it"],
                  [(t["id"], guide.descriptor(t["id"]).text if guide.descriptor(t["id"]) else "", t["minimum"],
                    t["areas_meeting"]) for t in ea["thresholds"]]
                  + [("All minima", f"Minimum scores of the {ea['year']} prospectus", None, ea["areas_meeting_all"])],
                  widths={"B": 60})
    n = len(ea["thresholds"])
    start = n + 4
    ea_ws.cell(row=start, column=1, value="Minima met")
    ea_ws.cell(row=start, column=2, value="Areas")
    for i, (k, count) in enumerate(ea["areas_by_minima_met"].items(), start=start + 1):
        ea_ws.cell(row=i, column=1, value=f"{k} of {n}")
        ea_ws.cell(row=i, column=2, value=count)
    met = BarChart()
    met.type = "col"
    met.title = f"Areas meeting each Earned Autonomy minimum ({ea['year']} prospectus)"
    met.add_data(Reference(ea_ws, min_col=4, min_row=1, max_row=n + 1), titles_from_data=True)
    met.set_categories(Reference(ea_ws, min_col=1, min_row=2, max_row=n + 1))
    met.legend = None
    how_many = BarChart()
    how_many.type = "col"
    how_many.title = "Areas by the number of minima they meet"
    how_many.add_data(Reference(ea_ws, min_col=2, min_row=start, max_row=start + n + 1), titles_from_data=True)
    how_many.set_categories(Reference(ea_ws, min_col=1, min_row=start + 1, max_row=start + n + 1))
    how_many.legend = None
    met.width, met.height, how_many.width, how_many.height = 24, 9, 24, 9
    _chart_sheet(wb, "Minima met chart", met, 3)
    _chart_sheet(wb, "Minima per area chart", how_many, 4)

    sets = result["action_learning_sets"]
    sheet("Action learning sets", ["Priority descriptor", "Descriptor", "Number of areas", "Areas", "Sheet"],
          [(s["descriptor"], guide.descriptor(s["descriptor"]).text, len(s["areas"]), ", ".join(s["areas"]),
            _set_title(s["descriptor"])) for s in sets], widths={"B": 50, "D": 60})
    for s in sets:
        sheet(_set_title(s["descriptor"]), ["Area", "Year", f"Score on {s['descriptor']}", "Data model",
                                            "Their other priorities"],
              [(m["area"], m["year"], m["score"], m["data_model"], ", ".join(m["other_priorities"]))
               for m in s["members"]])
    sheet("Areas", ["Area", "Year", "Read from", "File", "Mean score", "Rank", "Descriptors above the cohort median",
                    "Descriptors below the cohort median", "Earned Autonomy minima met",
                    "Meets all Earned Autonomy minima", "Priorities"],
          [(p["area"], p["year"], p["read_from"], p["file"], p["mean"], p["rank"], p["above_median"],
            p["below_median"], p["minima_met"], "Yes" if p["meets_all_minima"] else "No", ", ".join(p["priorities"]))
           for p in result["positions"]], max_width=40)
    sheet("Left out", ["File", "Why", "Code"], [(x["file"], x["why"], x["code"]) for x in result["left_out"]],
          widths={"B": 90})
    _about(wb, result, guide)
    wb.save(tmp)


def _about(wb, result: dict, guide: Guide) -> None:
    """The first sheet: what the cohort is, and every warning about its figures, where a reader opening the
    workbook sees them (the terminal and the JSON carry the same warnings)."""
    from openpyxl.styles import Alignment, PatternFill

    from .cellwrite import write_table
    from .sheetlayout import fit_sheet

    ws = wb.create_sheet("About", 0)
    wb.active = 0
    ea = result["earned_autonomy"]
    audience = next((p.audience for p in guide.permissions if p.id == result["audience"]), result["audience"])
    left_out = len(result["left_out"])
    rows = [("Areas", result["areas"]), ("Year", result["year"] if result["year"] is not None else "No year given"),
            ("Made for", f"{audience}: scores and priorities only, never narrative"),
            ("Earned Autonomy minima", f"Those of the {ea['year']} prospectus ({ea['source']})"),
            ("Files left out", f"{left_out}, each with its reason on the sheet 'Left out'" if left_out else "None")]
    warnings = [("Warning", f"{w['message']} [{w['code']}]") for w in result["warnings"]]
    write_table(ws, ["About this cohort", ""], rows + (warnings or [("Warnings", "None")]))
    fit_sheet(ws, widths={"A": 26, "B": 90})
    left = Alignment(horizontal="left", vertical="top", wrap_text=True)   # the numbers beside the words
    for r in range(2, len(rows) + 2):
        ws.cell(row=r, column=2).alignment = left
    mark = PatternFill("solid", fgColor="FCE4D6")
    for r in range(len(rows) + 2, len(rows) + 2 + len(warnings)):
        for c in (1, 2):
            ws.cell(row=r, column=c).fill = mark


def _chart_sheet(wb, title: str, chart, index: int) -> None:
    """A worksheet holding one chart: it prints as one page (LibreOffice shows charts on chart sheets tiny)."""
    ws = wb.create_sheet(title, index)
    _print_setup(ws)
    ws.page_setup.fitToHeight = 1
    ws.add_chart(chart, "A1")


def _print_setup(ws) -> None:
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def _letter(column: int) -> str:
    from .office.xlsx import column_letter as get_column_letter

    return get_column_letter(column)


def _set_title(did: str) -> str:
    return f"Set {did}"
