"""`ehsg check-template`: which document a Word template is for, and its fields judged against that document's."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable

from .guide import Guide


@dataclass(frozen=True)
class DocumentKind:
    """One document ehsg makes from a Word template: what it provides the template, and how to name it."""

    name: str           # what --kind takes
    document: str       # the document, as a council officer would call it
    command: str        # the command that makes it
    bundled: str        # the template ehsg ships for it
    fields: frozenset[str]
    pictures: frozenset[str]
    context: Callable   # (check report, guide, draft) -> (what the template is given, warnings)

    @property
    def described(self) -> str:
        return f"{self.document} ('{self.command}'; ehsg's own template for it is {self.bundled})"


@dataclass(frozen=True)
class TemplateCheck:
    """check-template's finding: the kind the template was judged as, how that kind was chosen, and its fields."""

    kind: DocumentKind
    how: str                     # "told" (from its fields), "given" (--kind) or "assumed"
    candidates: tuple[str, ...]  # the kinds its fields point to (none, one, or several equally)
    unknown: tuple[str, ...]     # fields it uses that the document does not provide: making it would fail
    unused: tuple[str, ...]      # fields the document provides that it does not use

    @property
    def kind_line(self) -> str:
        """Which kind the template was judged as, and why, in words for the person who restyled it."""
        k = self.kind
        if self.how == "given":
            line = f"Judged as a template for {k.described}, as you asked with --kind {k.name}."
            others = [c for c in self.candidates if c != k.name]
            if others and k.name not in self.candidates:
                line += (f" Its fields are those of {' or '.join(KINDS[c].document for c in others)}: if that is what "
                         f"it is for, use --kind {' or --kind '.join(others)}.")
            return line
        if self.how == "told":
            return f"Judged as a template for {k.described}, told by the fields it uses."
        rest = [c for c in KINDS if c != k.name]
        why = (f"it uses fields of {' and of '.join(KINDS[c].document for c in self.candidates)} alike"
               if len(self.candidates) > 1 else "it uses none of the fields that belong to one document only")
        return (f"ehsg cannot tell from this template which document it is for ({why}), so it was judged as a "
                f"template for {k.described}. If it is for another, check it again with "
                f"--kind {' or --kind '.join(rest)}.")


def _submission_context(report, guide: Guide, draft: bool = True) -> tuple[dict, list]:
    from .submission import build_context

    return build_context(report, guide, draft)


def _briefing_context(report, guide: Guide, draft: bool = True) -> tuple[dict, list]:
    from .brief import brief_context

    return brief_context(report, guide, draft)


SAMPLE_AREAS = ("Area A", "Area B")


def comparison_sample_context(report, guide: Guide, draft: bool = True, date: str = "") -> tuple[dict, list]:
    """What comparing two areas whose workbooks are blank gives templates/comparison.docx."""
    from .compare import compare
    from .compare_write import context

    c = compare([replace(report.assessment, area=name) for name in SAMPLE_AREAS], guide, over_time=False)
    return context(c, guide), []


def _kinds() -> dict[str, DocumentKind]:
    from .brief import PICTURES as BRIEF_PICTURES, brief_fields
    from .submission import PICTURES, context_fields

    kinds = (
        DocumentKind("submission", "the national form", "ehsg build", "templates/submission.docx",
                     frozenset(context_fields()), PICTURES, _submission_context),
        DocumentKind("briefing", "the briefing", "ehsg brief", "templates/briefing.docx",
                     frozenset(brief_fields()), BRIEF_PICTURES, _briefing_context),
        DocumentKind("comparison", "the comparison", "ehsg compare -o FILE.docx", "templates/comparison.docx",
                     COMPARISON_FIELDS, COMPARISON_PICTURES, comparison_sample_context),
    )
    return {k.name: k for k in kinds}


# The top-level names ehsg.compare_write.context gives templates/comparison.docx, and the chart it places.
COMPARISON_PICTURES = frozenset({"chart"})
COMPARISON_FIELDS = frozenset({"kind", "title", "guide_stamp", "column_heading", "difference_heading",
                               "difference_note", "summary", "chart_caption", "scores", "earned_autonomy", "ea_totals",
                               "priorities"}) | COMPARISON_PICTURES
KINDS = _kinds()
KIND_NAMES = tuple(KINDS)


def kinds_of(used: set[str]) -> tuple[str, ...]:
    """Pure: the kinds a template's fields point to: those using the most fields that only one kind provides.

    None when it uses no such field; several when it uses as many of one kind's own fields as of another's.
    """
    hits = {}
    for name, k in KINDS.items():
        others = set().union(*(o.fields for o in KINDS.values() if o is not k))
        hits[name] = len(used & (k.fields - others))
    most = max(hits.values())
    return tuple(name for name, n in hits.items() if n == most) if most else ()


def _assumed(names: tuple[str, ...], used: set[str]) -> str:
    """Pure: of the kinds `names` (in order), the first that provides every field `used`, else the first."""
    return next((name for name in names if used <= KINDS[name].fields | KINDS[name].pictures), names[0])


def check_template(path: str | Path, guide: Guide, kind: str | None = None) -> TemplateCheck:
    """A Word template judged as the template of one document: its kind as given, or told by its fields.

    Everything making the document would refuse (damage, macros, outside content, unsafe fields, a failed trial
    render with the values of a blank workbook) raises TemplateError with each problem located.
    """
    from . import docxrender
    from .submission import blank_report

    if kind is not None and kind not in KINDS:
        raise ValueError(f"unknown template kind {kind!r}")
    every_picture = frozenset().union(*(k.pictures for k in KINDS.values()))
    with docxrender.TemplateCheck(path, every_picture) as checking:
        report = blank_report(guide)  # made while the worker loads its libraries and finds the template's fields
        used = checking.fields()
        candidates = kinds_of(used)
        if kind is not None:
            how, chosen = "given", KINDS[kind]
        elif len(candidates) == 1:
            how, chosen = "told", KINDS[candidates[0]]
        else:  # the national form, the template most often restyled, unless its fields point elsewhere: to
            # the first document (of those they point to) that gives every field the template uses
            how, chosen = "assumed", KINDS[_assumed(candidates or KIND_NAMES, used)]
        found = checking.finish(set(chosen.fields), chosen.pictures, chosen.context(report, guide, True)[0])
    return TemplateCheck(chosen, how, candidates, tuple(found["unknown"]), tuple(found["unused"]))
