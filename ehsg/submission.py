"""`ehsg build`: a checked workbook → the Word submission in the national form's order and wording."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import RefusedError
from .problems import Problem
from .xmlsafe import xml_safe

if TYPE_CHECKING:
    from .check import CheckReport
    from .guide import Guide

DRAFT_BANNER = "DRAFT – not valid for submission"



def default_template() -> Path:
    from .guide import packaged_guides_dir  # imported here: a build starts its worker before loading the guide

    here = packaged_guides_dir().parent / "templates" / "submission.docx"
    return here


def paragraphs(text: str) -> list[str]:
    """A narrative as Word paragraphs: a blank line starts a new paragraph; a single line break stays one.

    Joining the result with blank lines gives back the text exactly (the round trip the tests prove).
    """
    return text.split("\n\n") if text else [""]


@dataclass(frozen=True)
class BuildResult:
    path: Path
    report: CheckReport
    warnings: tuple[Problem, ...]  # every warning the build acted on: the check's and its own


class _Warnings(list):
    """Warnings raised while making the context: characters Word cannot hold."""

    def clean(self, text: str, where: str, what: str) -> str:
        clean, removed = xml_safe(text)
        if removed:
            self.append(Problem("narrative-control-characters", "warning", where,
                                f"{what}: removed {len(removed)} character(s) Word cannot hold "
                                f"({', '.join(sorted(set(removed)))}); the rest of the text is kept."))
        return clean


def build_context(report: CheckReport, guide: Guide, draft: bool = False,
                  date: str = "") -> tuple[dict, list[Problem]]:
    """Every field the submission template may use, as plain values: the national form with the area's answers.

    A narrative is a list of paragraph strings; a single line break inside one stays a line break.
    """
    a = report.assessment
    form = guide.form
    warnings = _Warnings()
    area = xml_safe(a.area)[0] or "(area not given)"  # the reader warns of what is removed, at the Area cell

    def narrative(text: str, cell: str, did: str) -> list[str]:
        return paragraphs(warnings.clean(text, cell, did)) if text else []

    workforce = []
    for w in a.workforce:
        if w.filled:
            workforce.append({key: warnings.clean(getattr(w, key), w.row, "Workforce table")
                              for key in ("kind", "group", "lead", "role", "notes")})

    sections = []
    for s in guide.sections:
        descriptors = []
        for d in s.descriptors:
            r = a.response(d.id)
            descriptors.append({
                "id": d.id, "heading": f"{d.id} - {d.text}",
                "workforce_rows": workforce if d.id == guide.workforce_evidence_for else [],
                "score": "" if r is None or r.score is None else str(r.score),
                "working_well": narrative(r.working_well if r else "", r.cells[1] if r else "", d.id),
                "next": narrative(r.next if r else "", r.cells[2] if r else "", d.id),
            })
        sections.append({"number": s.number, "heading": s.name, "descriptors": descriptors})

    ea = guide.thresholds(report.earned_autonomy.year if report.earned_autonomy else None)
    ea_items = [{"heading": t.heading or guide.section(guide.descriptor(t.descriptor).section).name,
                 "criterion": t.criterion or guide.descriptor(t.descriptor).text, "minimum": str(t.minimum)}
                for t in ea.thresholds]

    ordinals = form.lists["selection.ordinals"]
    chosen = []
    for i, did in enumerate(a.priorities):
        d = guide.descriptor(did)
        chosen.append(form.get("selection.chosen", ordinal=ordinals[i] if i < len(ordinals) else str(i + 1),
                               id=did, section=guide.section(d.section).name if d else ""))

    def model_number(n):
        return "" if n is None else str(n)

    scale = guide.scale
    levels = [form.get("self_assessment.scale_line", score=n, wording=scale.levels[n])
              for n in range(scale.minimum, scale.maximum + 1) if n in scale.levels]
    ctx = {
        "area": area, "year": str(a.year or ""), "guide_title": guide.title, "date": date,
        "draft": draft, "draft_banner": DRAFT_BANNER if draft else "",
        "draft_footer": f" · {DRAFT_BANNER}" if draft else "",
        "draft_note": (f"ehsg check found {len(report.errors)} error(s) and {len(report.warnings)} warning(s) in "
                       f"{Path(report.file).name}. Fix them and build it again, not as a draft, before submitting."
                       if draft else ""),
        "draft_problems": [f"{p.location}: {p.message}" for p in report.problems] if draft else [],
        "front": [{"heading": part.heading, "blocks": [{"kind": b.kind, "text": b.text} for b in part.blocks]}
                  for part in form.front],
        "vision": {"heading": form.get("vision.heading"), "subtitle": form.get("vision.subtitle"),
                   "statement": guide.vision_statement,
                   "sections": [{"name": v.name, "statements": [f"{i}. {s}" for i, s in enumerate(v.statements, 1)]}
                                for v in guide.vision]},
        "system": {"heading": form.get("system.heading"), "subtitle": form.get("system.subtitle"),
                   "intro": form.get("system.intro"), "services": [s.text for s in guide.services]},
        "workforce": {"heading": form.get("workforce.heading"),
                      "intro": " ".join(x for x in (form.get("workforce.intro"), guide.workforce_grouping_terms) if x),
                      "lost": form.get("workforce.lost"), "instruction": guide.workforce_instruction},
        "assessment": {"heading": form.get("self_assessment.heading"),
                       "intro": " ".join(x for x in (form.get("self_assessment.intro"), guide.guidance) if x),
                       "scale_heading": form.get("self_assessment.scale_heading"), "scale_levels": levels,
                       "scale_lost": "" if levels else form.get("self_assessment.scale_lost",
                                                                 minimum=scale.minimum, maximum=scale.maximum)},
        "prompts": {"score": guide.prompts.score, "working_well": guide.prompts.working_well,
                    "next": guide.prompts.next},
        "sections": sections,
        "ea": {"heading": form.get("earned_autonomy.heading"), "note": ea.note,
               "stage1": form.get("earned_autonomy.stage1"), "minimum_label": form.get("earned_autonomy.minimum_label"),
               "criteria": ea_items},
        "selection": {
            "heading": form.get("selection.heading"), "intro": form.get("selection.intro"),
            "rule": list(guide.priority_rule.text), "free_choice": form.get("selection.free_choice"),
            "reference": form.get("selection.reference"),
            "survey_model": form.get("selection.survey_model", area=area, data_model=model_number(a.data_model)),
            "reminder": form.get("selection.reminder"),
            "models": [form.get("selection.model_line", number=m.number, name=m.name, definition=m.definition)
                       for m in guide.data_models],
            "changed": form.get("selection.changed_question", area=area, answer=form.yes_no(a.data_model_changed)),
            "current": (form.get("selection.current_model", area=area,
                                 current_data_model=model_number(a.current_data_model))
                        if a.data_model_changed and a.current_data_model is not None else ""),
            "chosen": chosen},
        "uses": {"heading": form.get("uses.heading"), "intro": form.get("uses.intro"),
                 "points": list(form.lists["uses.points"]), "contact": form.get("uses.contact")},
        # a permission left blank is treated as No, as ehsg check warns
        "permissions": {"heading": form.get("permissions.heading"),
                        "answers": [{"statement": p.statement,
                                   "line": form.get("permissions.line", question=p.question,
                                                    answer=form.yes_no(a.permissions.get(p.id) is True))}
                                  for p in guide.permissions]},
    }
    if a.year and form.year and a.year != form.year:
        warnings.append(Problem(
            "form-edition-year", "warning", "Area",
            f"The self-assessment is for {a.year} but the guide data is the {form.year} edition of the form: its "
            f"dates and names ({', '.join(form.edition.values())}) are printed as that edition has them. Build "
            f"with the guide data of the {a.year} edition if there is one."))
    return ctx, list(warnings)


def context_fields() -> set[str]:
    """The top-level names every build provides to the submission template."""
    return {"area", "year", "guide_title", "date", "draft", "draft_banner", "draft_footer", "draft_note",
            "draft_problems", "front", "vision", "system", "workforce", "assessment", "prompts", "sections", "ea",
            "selection", "uses", "permissions"}


PICTURES = frozenset()  # the form has no picture; the briefing's template holds {{ chart }}


def blank_report(guide: Guide) -> CheckReport:
    """The check of a blank workbook: what sample contexts are made from."""
    import tempfile

    from .check import check_file
    from .workbook import write_template

    with tempfile.TemporaryDirectory(prefix="ehsg-") as tmp:
        blank = write_template(guide, Path(tmp) / "blank.xlsx")
        return check_file(blank, guide)


def start_submission(template: str | Path | None = None):
    """The submission's template made ready in its bounded worker (docxrender.Rendering) while the caller does
    other work (loads the guide data); give it to build_submission, and end it with `with`."""
    from .docxrender import Rendering

    return Rendering(Path(template) if template else default_template)


def build_submission(workbook: str | Path, output: str | Path, guide: Guide, template: str | Path | None = None,
                     draft: bool = False, date: str = "", rendering=None) -> BuildResult:
    """Check the workbook, then write the national form with its answers; refuses (writes nothing) on errors
    unless draft. `rendering`: start_submission(template), when it was started earlier."""
    from .outputs import refuse_overwriting_inputs

    refuse_overwriting_inputs(output, [workbook] + ([template] if template else []))
    if rendering is None:
        with start_submission(template) as rendering:
            return build_submission(workbook, output, guide, template, draft, date, rendering)
    # The template is made ready (in its bounded worker) while the workbook is checked; a workbook's errors
    # are still reported before any problem of the template.
    report = checked(workbook, guide, draft)
    context, warnings = build_context(report, guide, draft, date)
    rendering.render(context, Path(output))
    return BuildResult(Path(output), report, tuple(report.warnings) + tuple(warnings))


def checked(workbook: str | Path, guide: Guide, draft: bool = False) -> CheckReport:
    """The check of a workbook a document is built from; refuses when it has errors (unless draft)."""
    from .check import check_file

    report = check_file(workbook, guide)
    if report.assessment is None or (report.errors and not draft):
        lines = "\n".join(f"  {p}" for p in report.errors)
        hint = "" if report.assessment is None else "\nFix them, or build with --draft for a marked draft."
        raise RefusedError(f"{workbook}: {len(report.errors)} error(s); no document was written.\n{lines}{hint}")
    return report
