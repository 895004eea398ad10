"""`ehsg build`: a checked workbook → the Word submission in the national form's order and wording."""

from __future__ import annotations

import datetime as dt
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .check import CheckReport, check_file
from .errors import RefusedError
from .guide import Guide, packaged_guides_dir
from .outputs import refuse_overwriting_inputs
from .problems import Problem

DRAFT_BANNER = "DRAFT – not valid for submission"
PICTURES = frozenset({"chart"})  # fields the template holds alone in a paragraph, where ehsg places a picture

# XML 1.0 cannot hold these; Word refuses a document that contains them.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def default_template() -> Path:
    here = packaged_guides_dir().parent / "templates" / "submission.docx"
    return here


def xml_safe(text: str) -> tuple[str, list[str]]:
    """Text Word can hold: line endings normalised, characters XML forbids removed and named."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    removed = [f"U+{ord(c):04X}" for c in _XML_ILLEGAL.findall(text)]
    return (_XML_ILLEGAL.sub("", text) if removed else text), removed


def paragraphs(text: str) -> list[str]:
    """A narrative as Word paragraphs: a blank line starts a new paragraph; a single line break stays one.

    Joining the result with blank lines gives back the text exactly (the round trip the tests prove).
    """
    return text.split("\n\n") if text else [""]


@dataclass(frozen=True)
class BuildResult:
    path: Path
    report: CheckReport
    warnings: tuple[Problem, ...]


def build_context(report: CheckReport, guide: Guide, draft: bool,
                  produced: dt.date | None = None) -> tuple[dict, list[Problem]]:
    """Every field the template may use, as plain pre-formatted values. Narratives are lists of paragraphs."""
    a = report.assessment
    ea = report.earned_autonomy
    pr = report.priorities
    warnings: list[Problem] = []
    produced = produced or dt.date.today()

    def narrative(text: str, cell: str, did: str) -> list:
        clean, removed = xml_safe(text)
        if removed:
            warnings.append(Problem("narrative-control-characters", "warning", cell,
                                    f"{did}: removed {len(removed)} character(s) Word cannot hold "
                                    f"({', '.join(sorted(set(removed)))}); the rest of the text is kept."))
        return paragraphs(clean)

    def score_text(score):
        return "Not scored" if score is None else str(score)

    workforce = []
    for w in a.workforce:
        if w.filled:
            cells = []
            for text in (w.kind, w.group, w.lead, w.role, w.notes):
                clean, removed = xml_safe(text)
                if removed:
                    warnings.append(Problem("narrative-control-characters", "warning", w.row,
                                            f"Workforce table: removed {len(removed)} character(s) Word cannot hold."))
                cells.append(clean)
            workforce.append(dict(zip(("kind", "group", "lead", "role", "notes"), cells)))

    sections = []
    for s in guide.sections:
        descriptors = []
        for d in s.descriptors:
            r = a.response(d.id)
            descriptors.append({
                "id": d.id, "text": d.text, "title": d.title, "heading": f"{d.id} - {d.text}",
                "workforce_rows": workforce if d.id == guide.workforce_evidence_for else [],
                "score": score_text(r.score if r else None),
                "working_well": narrative(r.working_well if r else "", r.cells[1] if r else "", d.id),
                "next": narrative(r.next if r else "", r.cells[2] if r else "", d.id),
            })
        sections.append({"number": s.number, "name": s.name, "heading": s.name, "descriptors": descriptors})

    section_summary = []
    for s in guide.sections:
        scores = [a.score(d.id) for d in s.descriptors if a.score(d.id) is not None]
        section_summary.append({
            "name": f"{s.number} {s.name}", "count": str(len(s.descriptors)),
            "mean": f"{sum(scores) / len(scores):.1f}" if scores else "–",
            "range": f"{min(scores)} – {max(scores)}" if scores else "–"})

    ea_items = []
    for item in ea.items:
        d = guide.descriptor(item.id)
        result = "Met" if item.met else ("Not scored" if item.score is None else f"Short by {item.short_by}")
        ea_items.append({"id": item.id, "descriptor": f"{item.id} {d.text}", "minimum": str(item.minimum),
                         "score": score_text(item.score), "result": result})

    ordinals = ("Descriptor one", "Descriptor two", "Descriptor three", "Descriptor four", "Descriptor five")
    chosen = []
    for i, did in enumerate(a.priorities):
        d = guide.descriptor(did)
        section = guide.section(d.section).name if d else "(not a descriptor of the guide)"
        chosen.append({"ordinal": ordinals[i] if i < len(ordinals) else f"Descriptor {i + 1}", "id": did,
                       "section": section, "text": d.text if d else ""})

    def yes_no(v):
        return "Yes" if v is True else ("No" if v is False else "Not answered")

    area, removed = xml_safe(a.area or "(area not given)")
    if removed:
        warnings.append(Problem("narrative-control-characters", "warning", "Area",
                                f"Area name: removed {len(removed)} character(s) Word cannot hold."))
    models = {m.number: m for m in guide.data_models}

    def model_text(n):
        return f"{n} ({models[n].name})" if n in models else "not given"

    survey = f"{area}'s data model ({guide.data_survey or 'from the data survey'}): {model_text(a.data_model)}"
    changed = (f"Do you think that {area}'s data model has changed since you submitted the data survey? "
               f"{yes_no(a.data_model_changed)}.")
    current = (f"Current data model: {model_text(a.current_data_model)}. The priority rule follows the current "
               "data model." if a.data_model_changed else "")
    scale = guide.scale
    scale_note = (f"Scores are whole numbers from {scale.minimum} to {scale.maximum}."
                  + ("" if scale.levels else " The guide's wording for each score level is not reproduced in "
                     "this document."))
    ctx = {
        "area": area, "year": str(a.year or ""), "year_suffix": f" {a.year}" if a.year else "",
        "guide_title": guide.title, "guide_stamp": guide.stamp, "produced": produced.strftime("%d %B %Y").lstrip("0"),
        "draft": draft, "draft_banner": DRAFT_BANNER if draft else "",
        "draft_footer": f" · {DRAFT_BANNER}" if draft else "",
        "draft_note": (f"ehsg check found {len(report.errors)} error(s) and {len(report.warnings)} warning(s) in "
                       f"{Path(report.file).name}. Fix them and build again without --draft before submitting."
                       if draft else ""),
        "draft_problems": [f"{p.location}: {p.message}" for p in report.problems] if draft else [],
        "prompts": {"score": guide.prompts.score, "working_well": guide.prompts.working_well,
                    "next": guide.prompts.next},
        "sections": sections, "section_summary": section_summary, "scale_note": scale_note,
        "chart_caption": (f"Scores of the {len(guide.descriptors)} descriptors, out of {scale.maximum}, coloured by "
                          "section. A black bar marks an Earned Autonomy minimum score."),
        "ea_summary": ea.summary, "ea_note": guide.thresholds(ea.year).note, "ea_source": ea.source,
        "ea_items": ea_items,
        "rule_text": list(guide.priority_rule.text),
        "data_model_survey": survey, "data_model_changed": changed, "data_model_current": current,
        "chosen": chosen,
        "priorities_summary": "; ".join(f"{c['id']} {c['section']}" for c in chosen) or "None chosen",
        "priority_verdict": ("The three descriptors obey the selection rule." if pr.valid
                             else "The chosen descriptors do NOT obey the selection rule."),
        "priority_reasons": list(pr.reasons),
        "permissions": [{"id": p.id, "statement": p.statement, "question": p.question,
                         "answer": yes_no(a.permissions.get(p.id))} for p in guide.permissions],
    }
    return ctx, warnings


def context_fields() -> set[str]:
    """The top-level names every build provides to a template (the chart is a picture placed by ehsg)."""
    return {"area", "year", "year_suffix", "guide_title", "guide_stamp", "produced", "draft", "draft_banner",
            "draft_footer", "draft_note", "draft_problems", "prompts", "sections", "section_summary", "scale_note",
            "chart", "chart_caption", "ea_summary", "ea_note", "ea_source", "ea_items", "rule_text",
            "data_model_survey", "data_model_changed", "data_model_current", "chosen", "priorities_summary",
            "priority_verdict", "priority_reasons", "permissions"}


def sample_context(guide: Guide) -> dict:
    """What a build from a blank workbook gives a template: check-template renders with it to find faults."""
    from .workbook import write_template

    with tempfile.TemporaryDirectory(prefix="ehsg-") as tmp:
        blank = write_template(guide, Path(tmp) / "blank.xlsx")
        report = check_file(blank, guide)
    return build_context(report, guide, draft=True)[0]


def render_chart(report: CheckReport, guide: Guide, out: Path) -> Path:
    """The score profile: one bar per descriptor, coloured by section, Earned Autonomy minima marked."""
    from .chart import Bar, Group, bar_chart

    a = report.assessment
    minima = {t.descriptor: t.minimum for t in guide.thresholds(report.earned_autonomy.year).thresholds}
    groups = [Group(f"{s.number} {s.name}", tuple(Bar(d.id, (a.score(d.id),), minima.get(d.id))
                                                  for d in s.descriptors)) for s in guide.sections]
    return bar_chart(groups, guide.scale.maximum, out, minimum=guide.scale.minimum)


def build_submission(workbook: str | Path, output: str | Path, guide: Guide, template: str | Path | None = None,
                     draft: bool = False, produced: dt.date | None = None) -> BuildResult:
    """Check the workbook, then render the Word submission; refuses (writes nothing) on errors unless draft."""
    from .docxrender import render_docx

    refuse_overwriting_inputs(output, [workbook] + ([template] if template else []))
    template_path = Path(template) if template else default_template()
    report = check_file(workbook, guide)
    if report.assessment is None or (report.errors and not draft):
        lines = "\n".join(f"  {p}" for p in report.errors)
        hint = "" if report.assessment is None else "\nFix them, or build with --draft for a marked draft."
        raise RefusedError(f"{workbook}: {len(report.errors)} error(s); no document was written.\n{lines}{hint}")
    context, warnings = build_context(report, guide, draft, produced)
    with tempfile.TemporaryDirectory(prefix="ehsg-") as tmp:
        chart = render_chart(report, guide, Path(tmp) / "profile.png")
        render_docx(template_path, context, Path(output), images={"chart": chart})
    return BuildResult(Path(output), report, tuple(warnings))
