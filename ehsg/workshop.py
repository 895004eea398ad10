"""Workshops: many partners' workbooks → per-descriptor statistics, flags and attributed evidence."""

from __future__ import annotations

import hashlib
import math
import statistics
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from .errors import InputFileError
from .guide import Guide
from .model import Assessment, Respondent, WorkforceRow
from .problems import Problem, Problems
from .reader import LoadResult, load_workbook_file
from .terminal import quoted
from .workbook import KIND_CONSOLIDATED, KIND_RESPONDENT

ROUNDING_RULE = "the mean of the partners' scores, rounded to the nearest whole number (a half rounds up)"
DEFAULT_FLAG_RANGE = 2


def proposed(mean: float | None) -> int | None:
    """Rounded mean, halves up (Python's round() would send 2.5 to 2)."""
    return None if mean is None else math.floor(mean + 0.5)


@dataclass(frozen=True)
class PartnerScore:
    respondent: Respondent
    file: str
    score: int | None
    working_well: str
    next: str


@dataclass(frozen=True)
class DescriptorStats:
    id: str
    responses: tuple[PartnerScore, ...]  # every partner, blank scores included

    @cached_property
    def _scores(self) -> tuple[int, ...]:   # the statistics below ask for the scores many times each
        return tuple(r.score for r in self.responses if r.score is not None)

    @property
    def scores(self) -> list[int]:
        return list(self._scores)

    @property
    def n(self) -> int:
        return len(self._scores)

    @property
    def blanks(self) -> int:
        return len(self.responses) - self.n

    @property
    def mean(self) -> float | None:
        return statistics.fmean(self._scores) if self._scores else None

    @property
    def median(self) -> float | None:
        return statistics.median(self._scores) if self._scores else None

    @property
    def minimum(self) -> int | None:
        return min(self._scores) if self._scores else None

    @property
    def maximum(self) -> int | None:
        return max(self._scores) if self._scores else None

    @property
    def spread(self) -> int | None:
        return self.maximum - self.minimum if self._scores else None

    @property
    def proposed(self) -> int | None:
        return proposed(self.mean)


@dataclass(frozen=True)
class Workshop:
    area: str
    year: int | None
    partners: tuple[tuple[Respondent, str], ...]   # (who, file)
    stats: tuple[DescriptorStats, ...]
    flag_range: int
    workforce: tuple[tuple[Respondent, WorkforceRow], ...]
    previous: Assessment | None = None   # last time's agreed answers, for the Discussion sheet and the pack

    def flagged(self) -> list[DescriptorStats]:
        return [s for s in self.stats if s.spread is not None and s.spread >= self.flag_range]

    def discussion_order(self) -> list[DescriptorStats]:
        """Flagged descriptors first (widest spread first), then the rest in the guide's order."""
        flagged = sorted(self.flagged(), key=lambda s: -(s.spread or 0))
        ids = {s.id for s in flagged}
        return flagged + [s for s in self.stats if s.id not in ids]

    def by_id(self, descriptor_id: str) -> DescriptorStats:
        return next(s for s in self.stats if s.id == descriptor_id)


def name_key(text: str) -> str:
    """How names are compared: NFKC, whitespace collapsed, case-folded (a no-break space is a space)."""
    return " ".join(unicodedata.normalize("NFKC", text or "").split()).casefold()


def agreed_area(partners: list[tuple[Assessment, str]], area: str | None = None, year: int | None = None
                ) -> tuple[str, int | None, list[Problem]]:
    """The area and year the partners agree on (or the ones given), and an error for each file that differs.

    Partners who left them blank do not count. Given an area or year, every partner that names one must match it."""
    problems: list[Problem] = []
    chosen_area, chosen_year = area or "", year
    said = [(f, a.area) for a, f in partners if a.area.strip()]
    keys = {name_key(v) for _, v in said}
    if area:
        for f, v in said:
            if name_key(v) != name_key(area):
                problems.append(Problem("area-differs", "error", f"{f}: Area",
                                        f"This workbook is for the area '{quoted(v)}', not '{quoted(area)}' (given with --area). "
                                        "Correct it, or leave this file out of the merge."))
    elif len(keys) > 1:
        names = ", ".join(f"'{quoted(v)}'" for v in dict.fromkeys(v for _, v in said))
        for f, v in said:
            problems.append(Problem("area-differs", "error", f"{f}: Area",
                                    f"This workbook is for the area '{quoted(v)}'; the partners' workbooks name "
                                    f"{len(keys)} different areas ({names}). Every partner must assess the same "
                                    "area: correct the Area on the Respondent sheet, or leave the file out."))
    elif said:
        chosen_area = said[0][1]
    years = [(f, a.year) for a, f in partners if a.year is not None]
    if year is not None:
        for f, y in years:
            if y != year:
                problems.append(Problem("year-differs", "error", f"{f}: Year",
                                        f"This workbook is for {y}, not {year} (given with --year). Correct it, "
                                        "or leave this file out of the merge."))
    elif len({y for _, y in years}) > 1:
        listed = ", ".join(str(y) for y in sorted({y for _, y in years}))
        for f, y in years:
            problems.append(Problem("year-differs", "error", f"{f}: Year",
                                    f"This workbook is for {y}; the partners' workbooks name different years "
                                    f"({listed}). Correct the Year on the Respondent sheet, or give the year the workshop is for."))
    elif years:
        chosen_year = years[0][1]
    return chosen_area, chosen_year, problems


def aggregate(partners: list[tuple[Assessment, str]], guide: Guide, flag_range: int = DEFAULT_FLAG_RANGE,
              area: str | None = None, year: int | None = None, previous: Assessment | None = None) -> Workshop:
    """Pure: combine partners' assessments (already loaded and checked) into per-descriptor statistics."""
    stats = []
    for d in guide.descriptors:
        rows = []
        for a, file in partners:
            r = a.response(d.id)
            rows.append(PartnerScore(a.respondent or Respondent(), file, r.score if r else None,
                                     r.working_well if r else "", r.next if r else ""))
        stats.append(DescriptorStats(d.id, tuple(rows)))
    area, year, _ = agreed_area(partners, area, year)
    workforce = tuple((a.respondent or Respondent(), row) for a, _ in partners for row in a.workforce if row.filled)
    return Workshop(area, year, tuple((a.respondent or Respondent(), f) for a, f in partners), tuple(stats),
                    flag_range, workforce, previous)


def merge(files: list[Path], guide: Guide, flag_range: int = DEFAULT_FLAG_RANGE, area: str | None = None,
          year: int | None = None, previous: str | Path | None = None,
          progress: Callable[[int, int], None] | None = None) -> tuple[Workshop | None, list[Problem]]:
    """Load and check every partner's workbook (see collect_files; and last time's, if given); the workshop, or None when any
    input has an error. Every problem found is returned, errors and warnings.

    progress, if given, is called as progress(done, total) once each partner's workbook has been read."""
    partners, problems = load_partners(files, guide, progress)
    chosen_area, _, differs = agreed_area(partners, area, year)
    problems.extend(differs)
    last = None
    if previous is not None:
        last, more = load_previous(previous, guide, chosen_area)
        problems.extend(more)
    if any(p.is_error for p in problems) or not partners:
        return None, problems
    return aggregate(partners, guide, flag_range, area, year, last), problems


def load_previous(path: str | Path, guide: Guide, area: str = "") -> tuple[Assessment | None, list[Problem]]:
    """Last time's agreed workbook: its scores and 'prioritising next' are shown beside this year's. Given the
    area it is for, a workbook of another area is pointed out (a warning: names do change)."""
    path = Path(path)
    if not path.exists():
        raise InputFileError(f"{path}: no such file.")
    result = load_workbook_file(path, guide)
    a = result.assessment
    problems = [Problem(p.code, p.severity, f"{path.name}: {p.location}", p.message)
                for p in result.problems if p.is_error]
    if a is not None and a.kind == KIND_RESPONDENT:
        problems.append(Problem("previous-is-partner", "error", path.name, "This is one partner's workbook, not "
                                "the partnership's agreed self-assessment from last time."))
    if a is not None and area and a.area and name_key(a.area) != name_key(area):
        problems.append(Problem("previous-other-area", "warning", path.name,
                                f"Last time's workbook is for '{quoted(a.area)}', this one for '{quoted(area)}'."))
    return (None if any(p.is_error for p in problems) else a), problems


def section_means(workshop: Workshop, guide: Guide) -> list[tuple[str, int, float | None]]:
    out = []
    for s in guide.sections:
        scores = [x for st in workshop.stats if st.id.split(".")[0] == str(s.number) for x in st.scores]
        out.append((f"{s.number} {s.name}", len(scores), statistics.fmean(scores) if scores else None))
    return out


def sector_section_means(workshop: Workshop, guide: Guide) -> tuple[list[str], list[tuple[str, list]]]:
    """Mean score of each sector in each section (None where a sector gave no score there)."""
    sectors = sorted({r.sector or "Not given" for r, _ in workshop.partners})
    rows = []
    for s in guide.sections:
        cells = []
        for sector in sectors:
            scores = [p.score for st in workshop.stats if st.id.split(".")[0] == str(s.number)
                      for p in st.responses if p.score is not None and (p.respondent.sector or "Not given") == sector]
            cells.append(statistics.fmean(scores) if scores else None)
        rows.append((f"{s.number} {s.name}", cells))
    return sectors, rows


def collect_files(inputs: list[str]) -> list[Path]:
    """Files named, and every .xlsx in folders named (not hidden, not Excel's ~$ lock files), in order."""
    files: list[Path] = []
    for item in inputs:
        p = Path(item)
        if p.is_dir():
            found = sorted(x for x in p.iterdir() if x.suffix.lower() == ".xlsx" and not x.name.startswith((".", "~$")))
            if not found:
                raise InputFileError(f"{p}: this folder has no .xlsx workbooks.")
            files.extend(found)
        elif p.exists():
            files.append(p)
        else:
            raise InputFileError(f"{p}: no such file or folder.")
    return files


def _reporting(files: list[Path], progress: Callable[[int, int], None] | None):
    """The files in order; after each one's turn (however it ended), progress(done, total)."""
    for done, f in enumerate(files, start=1):
        yield f
        if progress is not None:
            progress(done, len(files))


def load_partners(files: list[Path], guide: Guide, progress: Callable[[int, int], None] | None = None
                  ) -> tuple[list[tuple[Assessment, str]], list[Problem]]:
    """Load every partner workbook; problems are prefixed with the file so each can be found.

    Many workbooks are read in parallel (see partnerread); what is found, and its order, is as if they were
    read one by one."""
    from .office.package import read_bounded
    from .partnerread import read_in_order

    seen_hash: dict[str, str] = {}
    same_as: list[str | None] = []   # for each file, the earlier file it is identical to
    for f in files:   # an identical file is not read at all: it is the same partner's response twice
        data = read_bounded(f)   # a file over the size limit is not read here; the reader says why
        if data is None:
            same_as.append(None)
            continue
        digest = hashlib.sha256(data).hexdigest()
        same_as.append(seen_hash.get(digest))
        seen_hash.setdefault(digest, f.name)
    results = read_in_order([f for f, same in zip(files, same_as) if same is None], guide)
    try:
        return _partners(files, same_as, results, progress)
    finally:
        results.close()   # any workers are stopped now, however the reading ended (Ctrl-C included)


def _partners(files: list[Path], same_as: list[str | None], results: Iterator[LoadResult],
              progress: Callable[[int, int], None] | None) -> tuple[list[tuple[Assessment, str]], list[Problem]]:
    """Each file's partner and problems, from its turn in results (identical files are not in results)."""
    partners, problems = [], []
    seen_who: dict[tuple, str] = {}
    for f, same in zip(_reporting(files, progress), same_as):
        if same is not None:
            problems.append(Problem("duplicate-respondent", "error", f.name,
                                    f"This file is identical to {same}: the same partner's response "
                                    "would be counted twice. Remove one."))
            continue
        result = next(results)
        file_problems = Problems()
        for p in result.problems:
            if p.code.startswith(_AREA_CODES):  # a partner's view is scores and evidence only
                continue
            file_problems.items.append(Problem(p.code, p.severity, f"{f.name}: {p.location}", p.message))
        a = result.assessment
        if a is not None and a.kind == KIND_CONSOLIDATED:
            problems.append(Problem("consolidated-as-partner", "error", f.name,
                                    "This is a consolidated workbook from an earlier merge, not a partner's response. "
                                    "Move it out of the partners' folder."))
            continue
        if a is not None and a.kind != KIND_RESPONDENT:
            file_problems.warning("not-a-partner-workbook", f.name, "This workbook was not made as a partner's "
                                  "workbook by ehsg; it is read as one partner's response.")
        if a is not None and a.respondent is not None:
            key = (name_key(a.respondent.name), name_key(a.respondent.organisation))
            if key in seen_who and any(key):
                file_problems.error("duplicate-respondent", f"{f.name}: Respondent",
                                    f"{quoted(a.respondent.label)} already responded in {seen_who[key]}. If two people from "
                                    "one organisation responded, give each their name.")
            seen_who[key] = f.name
        problems.extend(file_problems.items)
        if a is not None:
            if a.respondent is None:
                a = _with_respondent(a, Respondent(organisation=f.stem))
            partners.append((a, f.name))
    return partners, problems


_AREA_CODES = ("area-", "data-model", "current-data-model", "priority-", "permission-", "year-", "yes-no-")


def _with_respondent(a: Assessment, who: Respondent) -> Assessment:
    from dataclasses import replace

    return replace(a, respondent=who)
