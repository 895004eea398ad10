"""Peer review: areas side by side, or one area over the years; the pure comparison every output reads."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from pathlib import Path

from .errors import InputFileError
from .exportread import name_key
from .guide import Guide
from .model import Assessment
from .problems import Problem
from .rules import EarnedAutonomyResult, earned_autonomy

STRONGER_BY = 2  # a descriptor where one area scores this much higher is a candidate for sharing practice


@dataclass(frozen=True)
class Comparison:
    """Pure result of comparing assessments; every output (text, JSON, Excel, Word) reads it.

    Differences are signed and stated from the first column's point of view: for areas, the first area named
    minus each other area (+1: the first area scores 1 more); over time, each later year minus the earliest
    (+1: the score rose by 1).
    """

    columns: tuple[str, ...]                 # area names, or years for one area over time
    assessments: tuple[Assessment, ...]
    over_time: bool
    rows: tuple[tuple[str, tuple[int | None, ...]], ...]   # descriptor id, score per column
    sections: tuple[tuple[str, tuple[float | None, ...]], ...]
    ea: tuple[EarnedAutonomyResult, ...]
    not_comparable: tuple[str, ...]          # descriptor ids missing from at least one input

    @property
    def baseline(self) -> str:
        return self.columns[0]

    @property
    def others(self) -> tuple[str, ...]:
        return self.columns[1:]

    def difference_labels(self) -> tuple[str, ...]:
        """A heading for each difference that says which way it points."""
        if self.over_time:
            return tuple(f"Change {self.baseline} to {o} (+ rose, − fell)" for o in self.others)
        return tuple(f"{self.baseline} compared with {o} (+ {self.baseline} higher)" for o in self.others)

    def differences(self, scores: tuple) -> tuple[int | None, ...]:
        """One signed difference per other column (see the class docstring), None where a score is missing."""
        first = scores[0]
        out = []
        for other in scores[1:]:
            if first is None or other is None:
                out.append(None)
            else:
                out.append(other - first if self.over_time else first - other)
        return tuple(out)

    def difference_note(self) -> str:
        if self.over_time:
            return (f"Change: the later year's score minus the {self.baseline} score. +1 means the score rose by 1; "
                    "−1 means it fell by 1.")
        return (f"Differences are from {self.baseline}'s point of view: {self.baseline}'s score minus the other "
                f"area's. +1 means {self.baseline} scores 1 more; −1 means 1 less.")

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


def signed(value: int | None) -> str:
    """+1, −1 (a true minus sign), 0, or – where there is nothing to compare."""
    if value is None:
        return "–"
    return f"+{value}" if value > 0 else (f"−{-value}" if value < 0 else "0")


def compare(assessments: list[Assessment], guide: Guide, over_time: bool | None = None) -> Comparison:
    if len(assessments) < 2:
        raise InputFileError("Give at least two files to compare.")
    names = [a.area.strip() for a in assessments]
    if over_time is None:  # the same area named in every file: a comparison over time
        over_time = len({name_key(n) for n in names}) == 1 and all(a.year for a in assessments)
    if over_time:
        assessments = sorted(assessments, key=lambda a: a.year or 0)
        columns = tuple(str(a.year or f"file {i + 1}") for i, a in enumerate(assessments))
        if len(set(columns)) != len(columns):
            raise InputFileError("Two files are for the same year; over time, give one file per year.")
    else:
        columns = tuple(n or Path(a.source).stem for n, a in zip(names, assessments))
        if len({name_key(c) for c in columns}) != len(columns):
            raise InputFileError("The same area appears twice. To compare one area over several years, compare it "
                                 "over time and give each file's year.")
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


def priority_label(did: str, guide: Guide, full: bool = False) -> str:
    """As the national form writes a priority ("7.3 – Communities"), with the descriptor's words when full."""
    d = guide.descriptor(did)
    if d is None:
        return did
    label = f"{did} – {guide.section(d.section).name}"
    return f"{label}: {d.text}" if full else (f"{label} ({d.title})" if d.title else label)


def priorities_of(c: Comparison, guide: Guide, full: bool = False) -> list[tuple[str, list[str]]]:
    """(column, its chosen priorities written out) for every area or year."""
    return [(col, [priority_label(p, guide, full) for p in a.priorities]) for col, a in zip(c.columns, c.assessments)]


def summary_lines(c: Comparison, guide: Guide) -> list[str]:
    """A short written summary a peer reviewer can read first."""
    lines = []
    what = f"{c.assessments[0].area} over {', '.join(c.columns)}" if c.over_time else ", ".join(c.columns)
    lines.append(f"Comparing {what}: {len(c.rows)} descriptors in {len(c.sections)} sections.")
    lines.append(c.difference_note())
    for name, means in c.sections:
        parts = [f"{col} {m:.1f}" if m is not None else f"{col} –" for col, m in zip(c.columns, means)]
        lines.append(f"{name}: average {'; '.join(parts)}.")
    for col, ea in zip(c.columns, c.ea):
        lines.append(f"{col}: {ea.summary}")
    for col, chosen in priorities_of(c, guide):
        who = f"Priorities chosen in {col}" if c.over_time else f"{col}'s priorities"
        lines.append(f"{who}: {'; '.join(chosen) if chosen else 'none given'}.")
    if c.over_time:
        last = len(c.others) - 1
        changes = [(d, c.differences(s)[last]) for d, s in c.rows]
        ups = [(d, x) for d, x in changes if (x or 0) > 0]
        downs = [(d, x) for d, x in changes if (x or 0) < 0]
        span = f"from {c.baseline} to {c.columns[-1]}"
        lines.append(f"Scores rose {span} on {len(ups)} descriptor(s)"
                     + (f" ({', '.join(f'{d} {signed(x)}' for d, x in ups)})" if ups else "") + ".")
        lines.append(f"Scores fell {span} on {len(downs)} descriptor(s)"
                     + (f" ({', '.join(f'{d} {signed(x)}' for d, x in downs)})" if downs else "") + ".")
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


def ea_cell(item) -> str:
    if item.met:
        return "met"
    return "no score" if item.score is None else f"{item.score}, short by {item.short_by}"


def to_dict(c: Comparison, guide: Guide) -> dict:
    """The comparison as plain data for scripts: the same numbers the workbook and the document show."""
    return {
        "over_time": c.over_time, "columns": list(c.columns), "baseline": c.baseline,
        "differences_are": c.difference_note(),
        "guide": {"id": guide.id, "version": guide.version},
        "descriptors": [{"id": did, "descriptor": guide.descriptor(did).text,
                         "section": guide.section(guide.descriptor(did).section).name,
                         "scores": dict(zip(c.columns, scores)),
                         "differences": dict(zip(c.others, c.differences(scores)))} for did, scores in c.rows],
        "sections": [{"section": name, "averages": {col: None if m is None else round(m, 2)
                                                    for col, m in zip(c.columns, means)}} for name, means in c.sections],
        "earned_autonomy": {col: {"eligible": r.eligible, "met": r.met_count, "of": len(r.items),
                                  "items": {i.id: ea_cell(i) for i in r.items}} for col, r in zip(c.columns, c.ea)},
        "priorities": {col: list(a.priorities) for col, a in zip(c.columns, c.assessments)},
        "data_models": {col: a.effective_data_model for col, a in zip(c.columns, c.assessments)},
        "stronger": [{"descriptor": d, "area": a, "by": g} for d, a, g in c.stronger()],
        "not_comparable": list(c.not_comparable),
        "summary": summary_lines(c, guide),
    }


def load_all(paths: list[str | Path], guide: Guide) -> tuple[list[Assessment] | None, list[Problem]]:
    """Every file's scores, as 'compare' reads them: workbooks and exports alike.

    Each problem's location starts with its file's name. Returns (assessments, problems); the
    assessments are None when any file could not be read or has errors, so nothing is compared.
    """
    from .exportread import load_scores

    loaded: list[Assessment] = []
    problems: list[Problem] = []
    failed = False
    for path in map(Path, paths):
        a, found = load_scores(path, guide)
        for p in found:
            where = p.location if p.location.startswith(path.name) else f"{path.name}: {p.location}"
            problems.append(Problem(p.code, p.severity, where, p.message))
        if a is None or found.errors:
            failed = True
        else:
            loaded.append(a)
    return (None if failed else loaded), problems


def write_comparison(c: Comparison, guide: Guide, path: str | Path, template: str | Path | None = None) -> Path:
    from .compare_write import write_docx, write_xlsx

    path = Path(path)
    if path.suffix.lower() == ".xlsx":
        return write_xlsx(c, guide, path)
    if path.suffix.lower() == ".docx":
        return write_docx(c, guide, path, template)
    raise InputFileError(f"{path}: choose an output ending in .xlsx or .docx.")
