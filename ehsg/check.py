"""`ehsg check`: one report of everything wrong with a workbook, plus the Earned Autonomy and priority results."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .guide import Guide, minima_note
from .model import Assessment
from .problems import Problem, Problems
from .reader import load_workbook_file
from .rules import EarnedAutonomyResult, PriorityResult, check_priorities, earned_autonomy


@dataclass(frozen=True, eq=False)
class CheckReport:
    """Everything `ehsg check` found in one workbook, and the rules' results."""

    file: str
    guide: Guide
    assessment: Assessment | None
    problems: tuple[Problem, ...]
    earned_autonomy: EarnedAutonomyResult | None
    priorities: PriorityResult | None

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if not p.is_error]

    @property
    def valid(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict:
        a = self.assessment
        return {
            "file": self.file, "valid": self.valid, "guide": {"id": self.guide.id, "version": self.guide.version},
            "area": a.area if a else None, "year": a.year if a else None,
            "errors": len(self.errors), "warnings": len(self.warnings),
            "problems": [p.as_dict() for p in self.problems],
            "earned_autonomy": self.earned_autonomy.as_dict() if self.earned_autonomy else None,
            "priorities": self.priorities.as_dict() if self.priorities else None,
            "permissions": dict(a.permissions) if a else None,
        }


def evaluate(assessment: Assessment, guide: Guide, problems: Problems | None = None, file: str = "") -> CheckReport:
    """Apply the rules to an assessment already loaded; the rule failures join the problems."""
    problems = problems if problems is not None else Problems()
    ea = earned_autonomy(assessment, guide)
    pr = check_priorities(assessment, guide)
    if assessment.kind == "consolidated":
        for w in assessment.workforce:
            if w.partner_entries and not w.filled:
                problems.warning("workforce-not-agreed", w.row, f"Workforce table, {w.group or w.kind}: partners wrote "
                                 f"{w.partner_entries} entr{'y' if w.partner_entries == 1 else 'ies'} (Evidence "
                                 "sheet) but the agreed columns are empty, so the submission shows nothing for it.")
    if assessment.year is not None and (note := minima_note(assessment.year, ea.year)):
        problems.warning("minima-of-another-year", "Area", note)
    already = {p.code for p in problems.errors}
    if not pr.valid and not already & {"priority-missing", "priority-unknown", "priority-duplicate",
                                       "data-model-missing", "data-model-invalid"}:
        problems.error("priority-rule", "Area", " ".join(r for r in pr.reasons if not r.startswith("The area says")))
    return CheckReport(file or assessment.source, guide, assessment, tuple(problems.items), ea, pr)


def check_file(path: str | Path, guide: Guide) -> CheckReport:
    result = load_workbook_file(path, guide)
    if result.assessment is None:
        return CheckReport(str(path), guide, None, tuple(result.problems.items), None, None)
    return evaluate(result.assessment, guide, result.problems, str(path))


def render_json(report: CheckReport) -> str:
    import json

    return json.dumps(report.as_dict(), ensure_ascii=False, indent=2)


def render_text(report: CheckReport, guide: Guide) -> str:
    a = report.assessment
    out = [f"{report.file}"]
    if a is not None:
        out.append(f"Area: {a.area or '(not given)'}    Guide: {guide.stamp}" + (f"    Year: {a.year}" if a.year else ""))
    out.append("")
    if report.problems and a is not None and a.kind == "consolidated":
        out += _consolidated_problems(report)
    elif report.problems:
        out.append(f"Problems: {len(report.errors)} error(s), {len(report.warnings)} warning(s)")
        width = max(len(p.location) for p in report.problems)
        for p in sorted(report.problems, key=lambda p: (not p.is_error,)):
            out.append(f"  {p.severity.upper():7} {p.location:<{width}}  {p.message}  [{p.code}]")
    else:
        out.append("Problems: none")
    if report.earned_autonomy is not None:
        ea = report.earned_autonomy
        out += ["", f"Earned Autonomy minimum scores ({ea.year} prospectus)"]
        for item in ea.items:
            d = guide.descriptor(item.id)
            score = "—" if item.score is None else str(item.score)
            state = "met" if item.met else ("no score" if item.score is None else f"short by {item.short_by}")
            out.append(f"  {item.id:5} {d.short[:48]:<48}  score {score:>2}  minimum {item.minimum}  {state}")
        out.append(f"  {ea.summary}")
    if report.priorities is not None:
        pr = report.priorities
        out += ["", "Priority descriptors"]
        chosen = ", ".join(pr.chosen) if pr.chosen else "(none chosen)"
        out.append(f"  Data model: {pr.data_model if pr.data_model is not None else '(missing)'}    Chosen: {chosen}")
        for reason in pr.reasons:
            out.append(f"  {reason}")
        out.append(f"  The choice {'obeys' if pr.valid else 'does NOT obey'} the rule.")
    out += ["", "Result: " + ("valid" if report.valid else f"NOT valid: {len(report.errors)} error(s) to fix")]
    return "\n".join(out)


def _consolidated_problems(report: CheckReport) -> list[str]:
    """A consolidated workshop workbook: the open scores first, then the other problems grouped by code."""
    open_scores = [p for p in report.problems if p.code == "score-missing"]
    rest = [p for p in report.problems if p.code != "score-missing"]
    out = []
    if open_scores:
        out.append(f"Open scores: {len(open_scores)} descriptor(s) still need the score the partnership agrees "
                   "('ehsg agree' can fill them from the proposals)")
        width = max(len(p.location) for p in open_scores)
        out += [f"  {p.location:<{width}}  {p.message}" for p in open_scores]
        out.append("")
    groups: dict[str, list[Problem]] = {}
    for p in sorted(rest, key=lambda p: not p.is_error):
        groups.setdefault(p.code, []).append(p)
    errors = sum(1 for p in rest if p.is_error)
    out.append(f"Other problems: {errors} error(s), {len(rest) - errors} warning(s)" if rest else "Other problems: none")
    for code, items in groups.items():
        first = items[0]
        if len(items) == 1:
            out.append(f"  {first.severity.upper():7} {first.location}  {first.message}  [{code}]")
            continue
        places = ", ".join(p.location for p in items[:6]) + (f" and {len(items) - 6} more" if len(items) > 6 else "")
        out.append(f"  {first.severity.upper():7} [{code}] {len(items)} times, e.g. {first.message}")
        out.append(f"          at {places}")
    return out
