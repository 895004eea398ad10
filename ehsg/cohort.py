"""Cohorts: many areas' scores → distributions, high scorers, Earned Autonomy, action learning sets."""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator

from .errors import RefusedError
from .guide import Guide
from .problems import Problem

SCORES_ONLY = ("coordinators", "ogd")   # the audiences a cohort may be made for: scores, never narrative
STRICTEST = "ogd"                       # other government departments: the widest audience, so the default


@dataclass(frozen=True, slots=True)
class AreaScores:
    """Only what a cohort keeps of an area: its scores as one tuple in the guide's order, under the guide's own id
    strings (shared by every area), so memory grows by little more than the scores themselves."""

    area: str
    year: int | None
    file: str
    ids: tuple[str, ...]           # the guide's descriptor ids, one tuple shared by every area
    levels: tuple                  # the score of each of ids, _ABSENT where the file gave none
    priorities: tuple[str, ...]
    data_model: int | None = None
    source: str = ""          # what the file was: a scores-only export, or the area's full workbook
    extra: tuple = ()              # (id, score) of any descriptor outside the guide's list

    @property
    def scores(self) -> dict:
        out = {i: s for i, s in zip(self.ids, self.levels) if s is not _ABSENT}
        out.update(self.extra)
        return out


class _Absent:
    def __repr__(self) -> str:
        return "absent"

    def __reduce__(self):
        return "_ABSENT"


_ABSENT = _Absent()


@dataclass
class Cohort:
    areas: list[AreaScores] = field(default_factory=list)
    left_out: list[tuple[str, str, str]] = field(default_factory=list)   # (file, why, code)
    problems: list[Problem] = field(default_factory=list)
    audience: str = STRICTEST
    year: int | None = None


# Reading is spread over the computer's cores when there are many files (ehsg.fanout): each file is read in a
# worker process, results come back in the files' order, so the cohort, its problems and its messages are those of
# one process.
POOL_FROM_FILES = 64          # fewer files than this are read in this process (starting workers costs more)


def gather(files: Iterable[Path], guide: Guide, audience: str = STRICTEST, year: int | None = None,
           progress: Callable[[Path], None] | None = None, workers: int | None = None) -> Cohort:
    """Read every file; a file that is not an area's, not shared with the audience, of another year, a repeat
    or unreadable is left out and listed with the reason, never hiding the rest.

    workers: how many processes read the files (default: one per core, at most 8, for many files; 1 reads them
    here; never more than one where forking is unsafe, see ehsg.fanout).
    Raises RefusedError when areas of several years are mixed and no year is chosen.
    """
    from .exportread import name_key

    if audience not in SCORES_ONLY:
        raise RefusedError(f"A cohort is made for {' or '.join(SCORES_ONLY)} (scores and priorities only), "
                           f"not '{audience}'.")
    next(p for p in guide.permissions if p.id == audience)   # the guide knows the audience, before any file is read
    files = list(files)
    cohort = Cohort(audience=audience, year=year)
    seen: dict[tuple[str, int | None], str] = {}
    # Kept per area: the guide's own id strings and one copy of each description, not one per file.
    own = tuple(d.id for d in guide.descriptors)
    ids = {d: d for d in own}
    sources = {"export": f"scores-only export for {audience}",
               "": "full self-assessment workbook (scores and priorities only taken)"}
    results = _read_all(files, guide, audience, year, workers)
    try:
        for f, (problems, left_out, found) in zip(files, results):
            if progress:
                progress(f)
            cohort.problems.extend(problems)
            if left_out is not None:
                cohort.left_out.append(left_out)
                continue
            area, area_year, levels, extra, priorities, data_model, kind = found
            key = (name_key(area), area_year)
            if key in seen:
                cohort.left_out.append((f.name, f"{area} {area_year or ''} is already in the cohort from "
                                        f"{seen[key]}.", "duplicate-area"))
                continue
            seen[key] = f.name
            cohort.areas.append(AreaScores(area, area_year, f.name, own, levels,
                                           tuple(ids.get(d, d) for d in priorities), data_model, sources[kind], extra))
    finally:
        results.close()   # the workers are stopped now, whatever ended the loop (Ctrl-C included)
    years = Counter(a.year for a in cohort.areas)
    if year is None and len(years) > 1:
        listed = ", ".join(f"{y or 'no year given'} ({n} area(s))" for y, n in sorted(years.items(),
                                                                                     key=lambda x: x[0] or 0))
        raise RefusedError(f"The files are from more than one year: {listed}. Each year is judged against its own "
                           "Earned Autonomy prospectus, so choose one with --year. Nothing was written.")
    if year is None and years:
        cohort.year = next(iter(years))
    return cohort


def _read_one(f: Path, guide: Guide, audience: str, year: int | None) -> tuple:
    """One file's part of a cohort, as small plain data: (problems, why it is left out or None, the area or None).
    Everything but repeats across files is judged here, so it can be judged in a worker process."""
    from .exportread import load_scores

    try:
        a, problems = load_scores(f, guide)
    except Exception as e:  # an unreadable file must not stop a cohort of hundreds
        return [], (f.name, f"cannot be read ({type(e).__name__}: {e})", "file-unreadable"), None
    located = [Problem(p.code, p.severity, p.location if p.location.startswith(f.name)
                       else f"{f.name}: {p.location}", p.message) for p in problems]
    if a is not None and a.kind == "respondent":
        who = a.respondent.label if a.respondent else "a partner"
        return located, (f.name, f"a partner's response workbook ({who}) from a workshop, not an area's "
                         "self-assessment; merge the partners' workbooks into the area's first.",
                         "partner-workbook"), None
    errors = [p for p in problems if p.is_error]
    if a is None or errors:
        listed = "; ".join(f"{p.location}: {p.message} [{p.code}]" for p in errors) or "not readable"
        return located, (f.name, listed, "file-problems"), None
    if a.permissions.get(audience) is not True:
        permission = next(p for p in guide.permissions if p.id == audience)
        if a.kind == "export":
            said = next(iter(a.permissions), None)
            why = (f"exported for {said}, not for {permission.audience}" if said else
                   "an export that does not say its audience")
        else:
            answer = a.permissions.get(audience)
            why = (f"{a.area} answered '{'No' if answer is False else 'no answer'}' to \"{permission.label}\"")
        return located, (f.name, f"{why}: not shared with {permission.audience}.", "not-shared"), None
    if year is not None and a.year != year:
        return located, (f.name, f"{a.area} {a.year or '(no year given)'}: this cohort is for {year}.",
                         "other-year"), None
    given = {r.descriptor: r.score for r in a.responses}
    own = [d.id for d in guide.descriptors]
    levels = tuple(given.pop(d, _ABSENT) for d in own)
    return located, None, (a.area, a.year, levels, tuple(given.items()), a.priorities, a.effective_data_model,
                           "export" if a.kind == "export" else "")


def _read_all(files: list[Path], guide: Guide, audience: str, year: int | None, workers: int | None):
    """Each file's _read_one, in the files' order: in worker processes when there are many files and cores
    (ehsg.fanout: the same results, in the same order, as in this process)."""
    from .fanout import in_order

    # first_here=False: this process keeps every area; without the reader's libraries loaded it stays small
    return in_order(lambda f: _read_one(f, guide, audience, year), files, POOL_FROM_FILES, workers,
                    first_here=False)


def analyse(cohort: Cohort, guide: Guide) -> dict:
    """Pure: the cohort's figures, as plain data for Excel, JSON and the terminal alike. Every list is complete."""
    result = figures(cohort, guide)
    result["positions"] = list(result["positions"])
    for s in result["action_learning_sets"]:
        s["members"] = list(s["members"])
    return result


class Rows(list):
    """A list made as it is read, for writing JSON of thousands of areas in pieces (with json's indented encoder,
    which asks only its length and iterates it): each row is made, written and let go."""

    def __init__(self, count: int, make: Callable[[], Iterator[dict]]) -> None:
        super().__init__()
        self._count, self._make = count, make

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Iterator[dict]:
        return self._make()


def figures(cohort: Cohort, guide: Guide) -> dict:
    """analyse's figures, with each area's (its position, its places in action learning sets) made as they are
    read (Rows): what is kept while writing is the summary, never a row per area."""
    areas = cohort.areas
    lo, hi = guide.scale.minimum, guide.scale.maximum
    at = {d.id: k for k, d in enumerate(guide.descriptors)}   # each area's levels follow the guide's order

    def score(a: AreaScores, did: str):
        k = at.get(did)
        v = a.levels[k] if k is not None and k < len(a.levels) else dict(a.extra).get(did)
        return None if v is _ABSENT else v

    uniform = all(len(a.levels) == len(at) for a in areas)   # as gather makes them: every area in the guide's order

    def column(did: str) -> list:
        """The areas' scores on one descriptor, in the areas' order (None where a file gave none); made when
        needed and let go, so that memory holds one column at a time, whatever the number of areas."""
        k = at.get(did)
        if not uniform or k is None:
            return [score(a, did) for a in areas]
        return [None if (v := a.levels[k]) is _ABSENT else v for a in areas]

    descriptors = []
    for d in guide.descriptors:
        scores = [(s, a.area) for s, a in zip(column(d.id), areas) if s is not None]
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
                         "members": Rows(len(members), lambda members=members, did=d.id: (
                             {"area": a.area, "year": a.year, "score": score(a, did), "data_model": a.data_model,
                              "other_priorities": [p for p in a.priorities if p != did]} for a in members))})
    sets.sort(key=lambda s: -len(s["areas"]))
    ea_set = guide.thresholds(cohort.year)
    thresholds = ea_set.thresholds

    ea, met = [], [0] * len(areas)   # each area's count of minima met
    for t in thresholds:
        meets = [s is not None and s >= t.minimum for s in column(t.descriptor)]
        ea.append({"id": t.descriptor, "minimum": t.minimum, "areas_meeting": sum(meets)})
        met = [n + m for n, m in zip(met, meets)]
    all_met = [a.area for a, m in zip(areas, met) if m == len(thresholds)]
    met_counts = Counter(met)
    means = [statistics.fmean([s for s in _given(a) if s is not None] or [0]) for a in areas]
    order = sorted(range(len(areas)), key=lambda i: -means[i])
    rank = [0] * len(areas)
    for place, i in enumerate(order, start=1):
        rank[i] = place
    medians = [d["median"] for d in descriptors]

    def positions() -> Iterator[dict]:
        for i, a in enumerate(areas):
            pairs = [(s, m) for s, m in zip(a.levels, medians) if s is not _ABSENT and s is not None and m is not None]
            yield {"area": a.area, "year": a.year, "file": a.file, "read_from": a.source,
                   "mean": round(means[i], 2), "rank": rank[i],
                   "above_median": sum(1 for s, m in pairs if s > m), "below_median": sum(1 for s, m in pairs if s < m),
                   "minima_met": met[i], "meets_all_minima": met[i] == len(thresholds),
                   "priorities": list(a.priorities)}

    return {"areas": len(areas), "year": cohort.year, "audience": cohort.audience,
            "descriptors": descriptors, "action_learning_sets": sets,
            "earned_autonomy": {"year": ea_set.year, "source": ea_set.source, "thresholds": ea,
                                "areas_meeting_all": len(all_met), "which": sorted(all_met, key=str.casefold),
                                "areas_by_minima_met": {str(k): met_counts.get(k, 0)
                                                        for k in range(len(thresholds) + 1)}},
            "positions": Rows(len(areas), positions),
            "left_out": [{"file": f, "why": w, "code": c} for f, w, c in cohort.left_out],
            "warnings": [p.as_dict() for p in (minima_warnings(cohort.year, ea_set) if areas else [])]}


def write_json(result: dict, write: Callable[[str], None]) -> None:
    """The cohort's figures as JSON, written in pieces (a cohort of thousands of areas is never one string in
    memory): the outer fields one to a line, each list's records (a descriptor, an area's position, a member of a
    set) one to a line, each record encoded by json's fast encoder. The same data json.dumps gives, laid out
    for reading a line at a time."""
    import json

    record = json.JSONEncoder(ensure_ascii=False).encode   # no indent: json's encoder written in C
    pieces: list[str] = []
    size = 0

    def put(text: str) -> None:
        nonlocal pieces, size
        pieces.append(text)
        size += len(text)
        if size > 1 << 16:
            write("".join(pieces))
            pieces, size = [], 0

    def value(v, depth: int) -> None:
        # Rows (made as they are read) and the two outer levels are laid out; everything inside a record is
        # encoded whole. A Rows is never handed to the encoder: it holds its rows only while it is read.
        pad = " " * (depth + 1)
        if isinstance(v, Rows) or (isinstance(v, list) and depth < 2):
            opening = "[\n"
            for item in v:
                put(opening + pad)
                value(item, depth + 1)
                opening = ",\n"
            put("[]" if opening == "[\n" else "\n" + " " * depth + "]")
        elif isinstance(v, dict) and v and (depth < 2 or any(isinstance(x, Rows) for x in v.values())):
            put("{")
            for k, (key, item) in enumerate(v.items()):
                put(("\n" if k == 0 else ",\n") + pad + record(key) + ": ")
                value(item, depth + 1)
            put("\n" + " " * depth + "}")
        else:
            put(record(v))

    value(result, 0)
    put("\n")
    write("".join(pieces))


def minima_warnings(year: int | None, used) -> list[Problem]:
    """Pure: a warning when the cohort's year has no prospectus of its own in the guide data, so its areas are
    judged against another year's minima (used: the guide's EarnedAutonomy the figures were judged against)."""
    from .guide import minima_note

    note = minima_note(year, used.year, "the areas are")
    return [Problem("cohort-minima-of-another-year", "warning", "rules.yaml: earned_autonomy", note)] if note else []


def _given(a: AreaScores):
    """Every score the area's file gave, the guide's descriptors and any other."""
    yield from (s for s in a.levels if s is not _ABSENT)
    yield from (s for _, s in a.extra)


def write_xlsx(result: dict, guide: Guide, path: str | Path) -> Path:
    from .cohort_write import write_xlsx as write

    return write(result, guide, path)
