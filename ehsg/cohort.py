"""Cohorts: many areas' scores → distributions, high scorers, Earned Autonomy, action learning sets."""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from .errors import RefusedError
from .guide import Guide
from .problems import Problem

SCORES_ONLY = ("coordinators", "ogd")   # the audiences a cohort may be made for: scores, never narrative
STRICTEST = "ogd"                       # other government departments: the widest audience, so the default


@dataclass(frozen=True)
class AreaScores:
    """Only what a cohort keeps of an area: memory grows with areas × descriptors, never with files."""

    area: str
    year: int | None
    file: str
    scores: dict
    priorities: tuple[str, ...]
    data_model: int | None = None
    source: str = ""          # what the file was: a scores-only export, or the area's full workbook


@dataclass
class Cohort:
    areas: list[AreaScores] = field(default_factory=list)
    left_out: list[tuple[str, str, str]] = field(default_factory=list)   # (file, why, code)
    problems: list[Problem] = field(default_factory=list)
    audience: str = STRICTEST
    year: int | None = None


def gather(files: Iterable[Path], guide: Guide, audience: str = STRICTEST, year: int | None = None,
           progress: Callable[[Path], None] | None = None) -> Cohort:
    """Read every file; a file that is not an area's, not shared with the audience, of another year, a repeat
    or unreadable is left out and listed with the reason, never hiding the rest.

    Raises RefusedError when areas of several years are mixed and no year is chosen.
    """
    from .exportread import load_scores, name_key

    if audience not in SCORES_ONLY:
        raise RefusedError(f"A cohort is made for {' or '.join(SCORES_ONLY)} (scores and priorities only), "
                           f"not '{audience}'.")
    permission = next(p for p in guide.permissions if p.id == audience)
    cohort = Cohort(audience=audience, year=year)
    seen: dict[tuple[str, int | None], str] = {}
    # Kept per area: the guide's own id strings and one copy of each description, not one per file.
    ids = {d.id: d.id for d in guide.descriptors}
    sources = {"export": f"scores-only export for {audience}",
               "": "full self-assessment workbook (scores and priorities only taken)"}
    for f in files:
        if progress:
            progress(f)
        try:
            a, problems = load_scores(f, guide)
        except Exception as e:  # an unreadable file must not stop a cohort of hundreds
            cohort.left_out.append((f.name, f"cannot be read ({type(e).__name__}: {e})", "file-unreadable"))
            continue
        cohort.problems.extend(Problem(p.code, p.severity, p.location if p.location.startswith(f.name)
                                       else f"{f.name}: {p.location}", p.message) for p in problems)
        if a is not None and a.kind == "respondent":
            who = a.respondent.label if a.respondent else "a partner"
            cohort.left_out.append((f.name, f"a partner's response workbook ({who}) from a workshop, not an area's "
                                    "self-assessment; merge the partners' workbooks into the area's first.",
                                    "partner-workbook"))
            continue
        errors = [p for p in problems if p.is_error]
        if a is None or errors:
            listed = "; ".join(f"{p.location}: {p.message} [{p.code}]" for p in errors) or "not readable"
            cohort.left_out.append((f.name, listed, "file-problems"))
            continue
        if a.permissions.get(audience) is not True:
            if a.kind == "export":
                said = next(iter(a.permissions), None)
                why = (f"exported for {said}, not for {permission.audience}" if said else
                       "an export that does not say its audience")
            else:
                answer = a.permissions.get(audience)
                why = (f"{a.area} answered '{'No' if answer is False else 'no answer'}' to \"{permission.label}\"")
            cohort.left_out.append((f.name, f"{why}: not shared with {permission.audience}.", "not-shared"))
            continue
        if year is not None and a.year != year:
            cohort.left_out.append((f.name, f"{a.area} {a.year or '(no year given)'}: this cohort is for {year}.",
                                    "other-year"))
            continue
        key = (name_key(a.area), a.year)
        if key in seen:
            cohort.left_out.append((f.name, f"{a.area} {a.year or ''} is already in the cohort from {seen[key]}.",
                                    "duplicate-area"))
            continue
        seen[key] = f.name
        source = sources["export" if a.kind == "export" else ""]
        cohort.areas.append(AreaScores(a.area, a.year, f.name,
                                       {ids.get(r.descriptor, r.descriptor): r.score for r in a.responses},
                                       tuple(ids.get(d, d) for d in a.priorities), a.effective_data_model, source))
    years = Counter(a.year for a in cohort.areas)
    if year is None and len(years) > 1:
        listed = ", ".join(f"{y or 'no year given'} ({n} area(s))" for y, n in sorted(years.items(),
                                                                                     key=lambda x: x[0] or 0))
        raise RefusedError(f"The files are from more than one year: {listed}. Each year is judged against its own "
                           "Earned Autonomy prospectus, so choose one with --year. Nothing was written.")
    if year is None and years:
        cohort.year = next(iter(years))
    return cohort


def analyse(cohort: Cohort, guide: Guide) -> dict:
    """Pure: the cohort's figures, as plain data for Excel, JSON and the terminal alike. Every list is complete."""
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
            "highest": top, "highest_areas": leaders, "highest_count": len(leaders),
        })
    sets = []
    for d in guide.descriptors:
        members = sorted((a for a in areas if d.id in a.priorities), key=lambda a: a.area.casefold())
        if members:
            sets.append({"descriptor": d.id, "areas": [a.area for a in members],
                         "members": [{"area": a.area, "year": a.year, "score": a.scores.get(d.id),
                                      "data_model": a.data_model,
                                      "other_priorities": [p for p in a.priorities if p != d.id]} for a in members]})
    sets.sort(key=lambda s: -len(s["areas"]))
    ea_set = guide.thresholds(cohort.year)
    thresholds = ea_set.thresholds

    def meets(a: AreaScores, t) -> bool:
        score = a.scores.get(t.descriptor)
        return score is not None and score >= t.minimum

    ea = [{"id": t.descriptor, "minimum": t.minimum, "areas_meeting": sum(1 for a in areas if meets(a, t))}
          for t in thresholds]
    all_met = [a.area for a in areas if all(meets(a, t) for t in thresholds)]
    met_counts = Counter(sum(1 for t in thresholds if meets(a, t)) for a in areas)
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
        positions.append({"area": a.area, "year": a.year, "file": a.file, "read_from": a.source,
                          "mean": round(means[i], 2), "rank": rank[i], "above_median": above, "below_median": below,
                          "minima_met": sum(1 for t in thresholds if meets(a, t)),
                          "meets_all_minima": all(meets(a, t) for t in thresholds), "priorities": list(a.priorities)})
    return {"areas": len(areas), "year": cohort.year, "audience": cohort.audience,
            "descriptors": descriptors, "action_learning_sets": sets,
            "earned_autonomy": {"year": ea_set.year, "source": ea_set.source, "thresholds": ea,
                                "areas_meeting_all": len(all_met), "which": sorted(all_met, key=str.casefold),
                                "areas_by_minima_met": {str(k): met_counts.get(k, 0)
                                                        for k in range(len(thresholds) + 1)}},
            "positions": positions,
            "left_out": [{"file": f, "why": w, "code": c} for f, w, c in cohort.left_out]}


def write_xlsx(result: dict, guide: Guide, path: str | Path) -> Path:
    from .cohort_write import write_xlsx as write

    return write(result, guide, path)
