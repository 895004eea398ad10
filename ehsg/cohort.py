"""Cohorts: many areas' scores-only exports → distributions, high scorers, action learning sets."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from .guide import Guide
from .problems import Problem

TOP_AREAS = 5


@dataclass(frozen=True)
class AreaScores:
    """Only what a cohort keeps of an area: memory grows with areas × descriptors, never with files."""

    area: str
    year: int | None
    file: str
    scores: dict
    priorities: tuple[str, ...]


@dataclass
class Cohort:
    areas: list[AreaScores] = field(default_factory=list)
    left_out: list[tuple[str, str]] = field(default_factory=list)   # (file, why)
    problems: list[Problem] = field(default_factory=list)


def gather(files: Iterable[Path], guide: Guide, progress: Callable[[Path], None] | None = None) -> Cohort:
    """Read every file; a bad one is reported and left out, never hiding the rest."""
    from .export import load_scores

    cohort = Cohort()
    seen: dict[tuple[str, int | None], str] = {}
    for f in files:
        if progress:
            progress(f)
        try:
            a, problems = load_scores(f, guide)
        except Exception as e:  # an unreadable file must not stop a cohort of hundreds
            cohort.left_out.append((f.name, f"cannot be read ({type(e).__name__}: {e})"))
            continue
        cohort.problems.extend(Problem(p.code, p.severity, p.location if p.location.startswith(f.name)
                                       else f"{f.name}: {p.location}", p.message) for p in problems)
        errors = [p for p in problems if p.is_error]
        if a is None or errors:
            why = errors[0].message if errors else "not readable"
            more = f" (and {len(errors) - 1} more problem(s))" if len(errors) > 1 else ""
            cohort.left_out.append((f.name, why + more))
            continue
        key = (a.area.casefold(), a.year)
        if key in seen:
            cohort.left_out.append((f.name, f"{a.area} {a.year or ''} is already in the cohort from {seen[key]}"))
            continue
        seen[key] = f.name
        cohort.areas.append(AreaScores(a.area, a.year, f.name, {r.descriptor: r.score for r in a.responses},
                                       tuple(a.priorities)))
    return cohort


def analyse(cohort: Cohort, guide: Guide, year: int | None = None) -> dict:
    """Pure: the cohort's figures, as plain data for Excel, JSON and the terminal alike."""
    areas = cohort.areas
    lo, hi = guide.scale.minimum, guide.scale.maximum
    descriptors = []
    for d in guide.descriptors:
        scores = [(a.scores.get(d.id), a.area) for a in areas if a.scores.get(d.id) is not None]
        values = [s for s, _ in scores]
        top = max(values) if values else None
        leaders = sorted((name for s, name in scores if s == top), key=str.casefold)
        descriptors.append({
            "id": d.id, "areas": len(values),
            "distribution": {str(k): values.count(k) for k in range(lo, hi + 1)},
            "median": statistics.median(values) if values else None,
            "mean": round(statistics.fmean(values), 2) if values else None,
            "highest": top, "highest_areas": leaders[:TOP_AREAS], "highest_count": len(leaders),
        })
    sets = []
    for d in guide.descriptors:
        members = sorted((a.area for a in areas if d.id in a.priorities), key=str.casefold)
        if members:
            sets.append({"descriptor": d.id, "areas": members})
    sets.sort(key=lambda s: -len(s["areas"]))
    thresholds = guide.thresholds(year).thresholds

    def meets(a: AreaScores, t) -> bool:
        score = a.scores.get(t.descriptor)
        return score is not None and score >= t.minimum

    ea = [{"id": t.descriptor, "minimum": t.minimum, "areas_meeting": sum(1 for a in areas if meets(a, t))}
          for t in thresholds]
    all_met = [a.area for a in areas if all(meets(a, t) for t in thresholds)]
    means = [statistics.fmean([s for s in a.scores.values() if s is not None] or [0]) for a in areas]
    order = sorted(range(len(areas)), key=lambda i: -means[i])
    rank = {i: place for place, i in enumerate(order, start=1)}
    positions = []
    cohort_median = {d["id"]: d["median"] for d in descriptors}
    for i, a in enumerate(areas):
        above = sum(1 for did, s in a.scores.items() if s is not None and cohort_median.get(did) is not None
                    and s > cohort_median[did])
        below = sum(1 for did, s in a.scores.items() if s is not None and cohort_median.get(did) is not None
                    and s < cohort_median[did])
        positions.append({"area": a.area, "year": a.year, "mean": round(means[i], 2), "rank": rank[i], "above_median": above, "below_median": below,
                          "meets_all_minima": all(meets(a, t) for t in thresholds), "priorities": list(a.priorities)})
    return {"areas": len(areas), "descriptors": descriptors, "action_learning_sets": sets,
            "earned_autonomy": {"year": guide.thresholds(year).year, "thresholds": ea,
                                "areas_meeting_all": len(all_met), "which": sorted(all_met, key=str.casefold)},
            "positions": positions,
            "left_out": [{"file": f, "why": w} for f, w in cohort.left_out]}


def write_xlsx(result: dict, guide: Guide, path: str | Path) -> Path:
    from openpyxl import Workbook
    from .outputs import atomic_save
    from .workbook import write_table

    wb = Workbook()

    def sheet(title, header, rows, first=False):
        ws = wb.active if first else wb.create_sheet(title)
        ws.title = title
        write_table(ws, header, rows)
        return ws

    lo, hi = guide.scale.minimum, guide.scale.maximum
    sheet("Descriptors", ["ID", "Descriptor", "Areas", *[f"Scored {k}" for k in range(lo, hi + 1)], "Median", "Mean",
                          "Highest score", "Areas with the highest score"],
          [(d["id"], guide.descriptor(d["id"]).short, d["areas"], *d["distribution"].values(), d["median"], d["mean"],
            d["highest"], ", ".join(d["highest_areas"]) + (f" and {d['highest_count'] - TOP_AREAS} more"
                                                           if d["highest_count"] > TOP_AREAS else ""))
           for d in result["descriptors"]], first=True).column_dimensions["B"].width = 45
    sheet("Action learning sets", ["Priority descriptor", "Descriptor", "Areas", "Which areas"],
          [(s["descriptor"], guide.descriptor(s["descriptor"]).short, len(s["areas"]), ", ".join(s["areas"]))
           for s in result["action_learning_sets"]])
    ea = result["earned_autonomy"]
    sheet("Earned Autonomy", ["ID", "Minimum", "Areas meeting it"],
          [(t["id"], t["minimum"], t["areas_meeting"]) for t in ea["thresholds"]]
          + [("All minima", None, ea["areas_meeting_all"])])
    sheet("Areas", ["Area", "Year", "Mean score", "Rank", "Descriptors above the cohort median",
                    "Descriptors below the cohort median", "Meets all Earned Autonomy minima", "Priorities"],
          [(p["area"], p["year"], p["mean"], p["rank"], p["above_median"], p["below_median"],
            "Yes" if p["meets_all_minima"] else "No", ", ".join(p["priorities"])) for p in result["positions"]])
    sheet("Left out", ["File", "Why"], [(x["file"], x["why"]) for x in result["left_out"]])
    return atomic_save(path, wb.save)
