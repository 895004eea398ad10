"""Peer review: areas side by side, or one area over the years, as an Excel workbook or a Word document."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from pathlib import Path

from .errors import InputFileError
from .guide import Guide
from .model import Assessment
from .outputs import atomic_save
from .rules import EarnedAutonomyResult, earned_autonomy

STRONGER_BY = 2  # a descriptor where one area scores this much higher is a candidate for sharing practice


@dataclass(frozen=True)
class Comparison:
    """Pure result of comparing assessments; every output reads it."""

    columns: tuple[str, ...]                 # area names, or years for one area over time
    assessments: tuple[Assessment, ...]
    over_time: bool
    rows: tuple[tuple[str, tuple[int | None, ...]], ...]   # descriptor id, score per column
    sections: tuple[tuple[str, tuple[float | None, ...]], ...]
    ea: tuple[EarnedAutonomyResult, ...]
    not_comparable: tuple[str, ...]          # descriptor ids missing from at least one input

    def change(self, scores: tuple) -> int | None:
        """Last minus first (over time), or highest minus lowest (areas)."""
        present = [s for s in scores if s is not None]
        if len(present) < 2:
            return None
        if self.over_time:
            return scores[-1] - scores[0] if scores[-1] is not None and scores[0] is not None else None
        return max(present) - min(present)

    def stronger(self) -> list[tuple[str, str, int]]:
        """(descriptor, area, by how much) where one area is markedly stronger than the others."""
        if self.over_time:
            return []
        out = []
        for did, scores in self.rows:
            present = [(s, c) for s, c in zip(scores, self.columns) if s is not None]
            if len(present) < 2:
                continue
            top = max(s for s, _ in present)
            others = [s for s, _ in present]
            others.remove(top)
            gap = top - max(others)
            if gap >= STRONGER_BY:
                out.append((did, next(c for s, c in present if s == top), gap))
        return out

    def priority_moves(self) -> list[tuple[str, str, int | None, int | None]]:
        """Over time: each earlier year's priorities, with the score then and in the next year."""
        out = []
        for (a, b) in zip(self.assessments, self.assessments[1:]):
            for did in a.priorities:
                out.append((f"{a.year}", did, a.score(did), b.score(did)))
        return out

    def ea_changes(self) -> list[tuple[str, str]]:
        """Over time: (descriptor, 'newly met' | 'lost') between the first and last year."""
        if not self.over_time or len(self.ea) < 2:
            return []
        first = {i.id: i.met for i in self.ea[0].items}
        last = {i.id: i.met for i in self.ea[-1].items}
        out = []
        for did in last:
            if last[did] and not first.get(did, False):
                out.append((did, "newly met"))
            elif first.get(did) and not last[did]:
                out.append((did, "lost"))
        return out


def compare(assessments: list[Assessment], guide: Guide, over_time: bool | None = None) -> Comparison:
    if len(assessments) < 2:
        raise InputFileError("Give at least two files to compare.")
    names = [a.area.strip() for a in assessments]
    if over_time is None:  # the same area named in every file: a comparison over time
        over_time = len({n.casefold() for n in names}) == 1 and all(a.year for a in assessments)
    if over_time:
        assessments = sorted(assessments, key=lambda a: a.year or 0)
        columns = tuple(str(a.year or f"file {i + 1}") for i, a in enumerate(assessments))
        if len(set(columns)) != len(columns):
            raise InputFileError("Two files are for the same year; over time, give one file per year.")
    else:
        columns = tuple(n or Path(a.source).stem for n, a in zip(names, assessments))
        if len({c.casefold() for c in columns}) != len(columns):
            raise InputFileError("The same area appears twice; to compare an area with itself over the years use "
                                 "--over-time and give each file's year.")
    rows, missing = [], []
    for d in guide.descriptors:
        have = [a.response(d.id) is not None for a in assessments]
        if not all(have):
            missing.append(d.id)
        rows.append((d.id, tuple(a.score(d.id) for a in assessments)))
    sections = []
    for s in guide.sections:
        means = []
        for a in assessments:
            scores = [a.score(d.id) for d in s.descriptors if a.score(d.id) is not None]
            means.append(statistics.fmean(scores) if scores else None)
        sections.append((f"{s.number} {s.name}", tuple(means)))
    return Comparison(columns, tuple(assessments), over_time, tuple(rows), tuple(sections),
                      tuple(earned_autonomy(a, guide) for a in assessments), tuple(missing))


def summary_lines(c: Comparison, guide: Guide) -> list[str]:
    """A short written summary a peer reviewer can read first."""
    lines = []
    what = f"{c.assessments[0].area} over {', '.join(c.columns)}" if c.over_time else ", ".join(c.columns)
    lines.append(f"Comparing {what}: {len(c.rows)} descriptors in {len(c.sections)} sections.")
    for name, means in c.sections:
        parts = [f"{col} {m:.1f}" if m is not None else f"{col} –" for col, m in zip(c.columns, means)]
        lines.append(f"{name}: average {'; '.join(parts)}.")
    for col, ea in zip(c.columns, c.ea):
        lines.append(f"{col}: {ea.summary}")
    if c.over_time:
        ups = [(d, c.change(s)) for d, s in c.rows if (c.change(s) or 0) > 0]
        downs = [(d, c.change(s)) for d, s in c.rows if (c.change(s) or 0) < 0]
        lines.append(f"Scores rose on {len(ups)} descriptor(s)" + (f" ({', '.join(f'{d} +{x}' for d, x in ups)})"
                                                                    if ups else "") + ".")
        lines.append(f"Scores fell on {len(downs)} descriptor(s)" + (f" ({', '.join(f'{d} {x}' for d, x in downs)})"
                                                                      if downs else "") + ".")
        for did, change in c.ea_changes():
            lines.append(f"Earned Autonomy minimum for {did}: {change}.")
        for year, did, before, after in c.priority_moves():
            moved = "no score" if before is None or after is None else (
                f"moved from {before} to {after}" if before != after else f"stayed at {before}")
            lines.append(f"Priority {did} chosen in {year}: {moved}.")
    else:
        for did, area, gap in c.stronger():
            lines.append(f"{did}: {area} scores {gap} or more above the others, a candidate for sharing practice.")
    if c.not_comparable:
        lines.append(f"Not in every file, so not compared: {', '.join(c.not_comparable)}.")
    return lines


def write_comparison(c: Comparison, guide: Guide, path: str | Path) -> Path:
    path = Path(path)
    if path.suffix.lower() == ".xlsx":
        return atomic_save(path, lambda tmp: _xlsx(c, guide, tmp))
    if path.suffix.lower() == ".docx":
        return atomic_save(path, lambda tmp: _docx(c, guide, tmp))
    raise InputFileError(f"{path}: choose an output ending in .xlsx or .docx.")


def _xlsx(c: Comparison, guide: Guide, tmp: str) -> None:
    from openpyxl import Workbook
    from openpyxl.chart import BarChart, RadarChart, Reference
    from openpyxl.styles import Alignment, Font

    from .workbook import set_text, write_table

    wb = Workbook()
    ws = wb.active
    ws.title = "Summary"
    ws.column_dimensions["A"].width = 120
    for i, line in enumerate(summary_lines(c, guide), start=1):
        set_text(ws.cell(row=i, column=1), line)
        ws.cell(row=i, column=1).alignment = Alignment(wrap_text=True)
    ws.cell(row=1, column=1).font = Font(bold=True)

    change = "Change" if c.over_time else "Difference (highest − lowest)"
    scores = wb.create_sheet("Scores")
    write_table(scores, ["ID", "Descriptor", "Section", *c.columns, change],
          [(did, guide.descriptor(did).short, guide.section(guide.descriptor(did).section).name, *s, c.change(s))
           for did, s in c.rows])
    scores.column_dimensions["B"].width = 50
    secs = wb.create_sheet("Sections")
    write_table(secs, ["Section", *c.columns], [(n, *[None if m is None else round(m, 2) for m in means])
                                         for n, means in c.sections])
    secs.column_dimensions["A"].width = 32
    n = len(c.sections)
    bar = BarChart()
    bar.type, bar.grouping = "col", "clustered"
    bar.title = "Average score per section"
    bar.y_axis.scaling.min, bar.y_axis.scaling.max = guide.scale.minimum, guide.scale.maximum
    bar.add_data(Reference(secs, min_col=2, max_col=1 + len(c.columns), min_row=1, max_row=n + 1),
                 titles_from_data=True)
    bar.set_categories(Reference(secs, min_col=1, min_row=2, max_row=n + 1))
    bar.width, bar.height = 24, 10
    secs.add_chart(bar, "A10")
    radar = RadarChart()
    radar.type = "marker"
    radar.title = "Scores of all descriptors"
    radar.y_axis.scaling.min, radar.y_axis.scaling.max = guide.scale.minimum, guide.scale.maximum
    radar.add_data(Reference(scores, min_col=4, max_col=3 + len(c.columns), min_row=1, max_row=len(c.rows) + 1),
                   titles_from_data=True)
    radar.set_categories(Reference(scores, min_col=1, min_row=2, max_row=len(c.rows) + 1))
    radar.width, radar.height = 20, 14
    scores.add_chart(radar, f"{chr(ord('E') + len(c.columns))}2")
    ea = wb.create_sheet("Earned Autonomy")
    items = c.ea[0].items
    write_table(ea, ["ID", "Minimum", *c.columns], [(it.id, it.minimum, *[
        ("met" if r.items[k].met else ("no score" if r.items[k].score is None else f"{r.items[k].score}, short by "
                                       f"{r.items[k].short_by}")) for r in c.ea]) for k, it in enumerate(items)]
          + [("All met", None, *["Yes" if r.eligible else f"No ({r.met_count} of {len(r.items)})" for r in c.ea])])
    pri = wb.create_sheet("Priorities")
    write_table(pri, ["", *c.columns], [(f"Priority {i + 1}", *[a.priorities[i] if i < len(a.priorities) else None
                                                           for a in c.assessments]) for i in range(3)]
          + [("Data model", *[a.effective_data_model for a in c.assessments])])
    wb.save(tmp)


def _docx(c: Comparison, guide: Guide, tmp: str) -> None:
    import tempfile

    from docx import Document
    from docx.shared import Mm

    from .chart import Bar, Group, bar_chart
    from .submission import xml_safe

    doc = Document()
    title = "Over time: " + c.assessments[0].area if c.over_time else "Peer review: " + " and ".join(c.columns)
    doc.add_heading(xml_safe(title)[0], level=0)
    doc.add_paragraph(f"Guide: {guide.stamp}.")
    doc.add_heading("Summary", level=1)
    for line in summary_lines(c, guide):
        doc.add_paragraph(xml_safe(line)[0], style="List Bullet")
    with tempfile.TemporaryDirectory(prefix="ehsg-") as d:
        groups = [Group(s.name, tuple(Bar(x.id, dict(c.rows)[x.id]) for x in s.descriptors)) for s in guide.sections]
        png = bar_chart(groups, guide.scale.maximum, Path(d) / "compare.png", series=list(c.columns),
                        minimum=guide.scale.minimum)
        doc.add_picture(str(png), width=Mm(170))
    doc.add_heading("Scores", level=1)
    t = doc.add_table(rows=1, cols=2 + len(c.columns) + 1)
    t.style = "Table Grid"
    change = "Change" if c.over_time else "Difference"
    for cell, h in zip(t.rows[0].cells, ["ID", "Descriptor", *c.columns, change]):
        cell.text = xml_safe(h)[0]
    for did, scores in c.rows:
        cells = t.add_row().cells
        values = [did, guide.descriptor(did).short, *["–" if s is None else str(s) for s in scores],
                  "" if c.change(scores) is None else f"{c.change(scores):+d}"]
        for cell, v in zip(cells, values):
            cell.text = v
    doc.save(tmp)
