"""Workshops: many partners' workbooks → per-descriptor statistics, flags and attributed evidence."""

from __future__ import annotations

import hashlib
import math
import statistics
from dataclasses import dataclass
from pathlib import Path

from .errors import InputFileError
from .guide import Guide
from .model import Assessment, Respondent, WorkforceRow
from .problems import Problem, Problems
from .reader import load_workbook_file
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

    @property
    def scores(self) -> list[int]:
        return [r.score for r in self.responses if r.score is not None]

    @property
    def n(self) -> int:
        return len(self.scores)

    @property
    def blanks(self) -> int:
        return len(self.responses) - self.n

    @property
    def mean(self) -> float | None:
        return statistics.fmean(self.scores) if self.scores else None

    @property
    def median(self) -> float | None:
        return statistics.median(self.scores) if self.scores else None

    @property
    def minimum(self) -> int | None:
        return min(self.scores) if self.scores else None

    @property
    def maximum(self) -> int | None:
        return max(self.scores) if self.scores else None

    @property
    def spread(self) -> int | None:
        return self.maximum - self.minimum if self.scores else None

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

    def flagged(self) -> list[DescriptorStats]:
        return [s for s in self.stats if s.spread is not None and s.spread >= self.flag_range]

    def discussion_order(self) -> list[DescriptorStats]:
        """Flagged descriptors first (widest spread first), then the rest in the guide's order."""
        flagged = sorted(self.flagged(), key=lambda s: -(s.spread or 0))
        ids = {s.id for s in flagged}
        return flagged + [s for s in self.stats if s.id not in ids]

    def by_id(self, descriptor_id: str) -> DescriptorStats:
        return next(s for s in self.stats if s.id == descriptor_id)


def aggregate(partners: list[tuple[Assessment, str]], guide: Guide, flag_range: int = DEFAULT_FLAG_RANGE) -> Workshop:
    """Pure: combine partners' assessments (already loaded and checked) into per-descriptor statistics."""
    stats = []
    for d in guide.descriptors:
        rows = []
        for a, file in partners:
            r = a.response(d.id)
            rows.append(PartnerScore(a.respondent or Respondent(), file, r.score if r else None,
                                     r.working_well if r else "", r.next if r else ""))
        stats.append(DescriptorStats(d.id, tuple(rows)))
    area = next((a.area for a, _ in partners if a.area), "")
    year = next((a.year for a, _ in partners if a.year), None)
    workforce = tuple((a.respondent or Respondent(), row) for a, _ in partners for row in a.workforce if row.filled)
    return Workshop(area, year, tuple((a.respondent or Respondent(), f) for a, f in partners), tuple(stats),
                    flag_range, workforce)


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


def load_partners(files: list[Path], guide: Guide) -> tuple[list[tuple[Assessment, str]], list[Problem]]:
    """Load every partner workbook; problems are prefixed with the file so each can be found."""
    partners, problems = [], []
    seen_hash: dict[str, str] = {}
    seen_who: dict[tuple, str] = {}
    for f in files:
        digest = hashlib.sha256(f.read_bytes()).hexdigest()
        if digest in seen_hash:
            problems.append(Problem("duplicate-respondent", "error", f.name,
                                    f"This file is identical to {seen_hash[digest]}: the same partner's response "
                                    "would be counted twice. Remove one."))
            continue
        seen_hash[digest] = f.name
        result = load_workbook_file(f, guide)
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
            file_problems.warning("not-a-partner-workbook", f.name, "This workbook was not made with 'ehsg template "
                                  "--respondent'; it is read as one partner's response.")
        if a is not None and a.respondent is not None:
            key = (a.respondent.name.casefold(), a.respondent.organisation.casefold())
            if key in seen_who and any(key):
                file_problems.error("duplicate-respondent", f"{f.name}: Respondent",
                                    f"{a.respondent.label} already responded in {seen_who[key]}. If two people from "
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
