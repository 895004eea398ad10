"""`ehsg brief`: a one-or-two-page briefing on a self-assessment for a director or a scrutiny committee."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from .submission import DRAFT_BANNER, BuildResult, _Warnings, checked, xml_safe

if TYPE_CHECKING:  # imported where used: a briefing starts its template's worker before loading them
    from .check import CheckReport
    from .guide import Guide

PICTURES = frozenset({"chart"})  # where the briefing's template holds {{ chart }}, ehsg places the chart


def default_brief_template() -> Path:
    from .guide import packaged_guides_dir

    return packaged_guides_dir().parent / "templates" / "briefing.docx"


def render_chart(report: CheckReport, guide: Guide, out: Path) -> Path:
    """The score profile: one bar per descriptor, coloured by section, Earned Autonomy minima marked."""
    from .chart import Bar, Group, bar_chart

    a = report.assessment
    minima = {t.descriptor: t.minimum for t in guide.thresholds(report.earned_autonomy.year).thresholds}
    groups = [Group(f"{s.number} {s.name}", tuple(Bar(d.id, (a.score(d.id),), minima.get(d.id))
                                                  for d in s.descriptors)) for s in guide.sections]
    return bar_chart(groups, guide.scale.maximum, out, minimum=guide.scale.minimum)


def brief_fields() -> set[str]:
    """The top-level names every briefing provides to its template."""
    return {"area", "year", "guide_title", "date", "draft", "draft_banner", "draft_footer", "chart", "chart_caption",
            "sections", "ea_summary", "ea_note", "ea_items", "data_model", "chosen", "priority_verdict",
            "priority_reasons", "scale_note"}


def brief_context(report: CheckReport, guide: Guide, draft: bool = False, date: str = "") -> tuple[dict, list]:
    """The briefing's fields as plain values: the same results `ehsg check` reports, summarised."""
    a = report.assessment
    ea = report.earned_autonomy
    pr = report.priorities
    warnings = _Warnings()
    area = xml_safe(a.area)[0] or "(area not given)"  # the reader warns of what is removed, at the Area cell

    def score_text(score):
        return "Not scored" if score is None else str(score)

    sections = []
    for s in guide.sections:
        scores = [a.score(d.id) for d in s.descriptors if a.score(d.id) is not None]
        sections.append({"name": f"{s.number} {s.name}", "count": str(len(s.descriptors)),
                         "mean": f"{sum(scores) / len(scores):.1f}" if scores else "–",
                         "range": f"{min(scores)} – {max(scores)}" if scores else "–"})
    ea_items = []
    for item in ea.items:
        d = guide.descriptor(item.id)
        result = "Met" if item.met else ("Not scored" if item.score is None else f"Short by {item.short_by}")
        ea_items.append({"descriptor": f"{item.id} {d.title or guide.section(d.section).name}", "minimum": str(item.minimum),
                         "score": score_text(item.score), "result": result})
    chosen = []
    for did in a.priorities:
        d = guide.descriptor(did)
        chosen.append(f"{did} {guide.section(d.section).name}: {d.title or d.text}" if d else did)
    scale = guide.scale
    ctx = {
        "area": area, "year": str(a.year or ""), "guide_title": guide.title, "date": date,
        "draft": draft, "draft_banner": DRAFT_BANNER if draft else "",
        "draft_footer": f" · {DRAFT_BANNER}" if draft else "",
        "chart_caption": (f"Scores of the {len(guide.descriptors)} descriptors, out of {scale.maximum}, coloured by "
                          "section. A black line marks an Earned Autonomy minimum score."),
        "sections": sections,
        "ea_summary": ea.summary, "ea_note": guide.thresholds(ea.year).note, "ea_items": ea_items,
        "data_model": (f"{pr.data_model}" if pr.data_model is not None else "not given")
        + (f" (changed since the data survey, from {pr.survey_data_model})" if a.data_model_changed else ""),
        "chosen": chosen or ["None chosen"],
        "priority_verdict": ("The chosen descriptors follow the selection rule for the area's data model."
                             if pr.valid else "The chosen descriptors do NOT follow the selection rule."),
        "priority_reasons": [r for r in pr.reasons],
        "scale_note": f"Scores are whole numbers from {scale.minimum} to {scale.maximum}.",
    }
    return ctx, list(warnings)


def start_brief(template: str | Path | None = None):
    """The briefing's template made ready in its bounded worker (docxrender.Rendering) while the caller does
    other work (loads the guide data); give it to build_brief, and end it with `with`."""
    from .docxrender import Rendering

    return Rendering(Path(template) if template else default_brief_template, PICTURES)


def build_brief(workbook: str | Path, output: str | Path, guide: Guide, template: str | Path | None = None,
                draft: bool = False, date: str = "", rendering=None) -> BuildResult:
    """Check the workbook, then write the briefing; refuses (writes nothing) on errors unless draft.
    `rendering`: start_brief(template), when it was started earlier."""
    from .outputs import refuse_overwriting_inputs

    refuse_overwriting_inputs(output, [workbook] + ([template] if template else []))
    if rendering is None:
        with start_brief(template) as rendering:
            return build_brief(workbook, output, guide, template, draft, date, rendering)
    # the template is made ready in its worker while the workbook is checked and the chart drawn
    report = checked(workbook, guide, draft)
    context, warnings = brief_context(report, guide, draft, date)
    with tempfile.TemporaryDirectory(prefix="ehsg-") as tmp:
        chart = render_chart(report, guide, Path(tmp) / "profile.png")
        rendering.render(context, Path(output), images={"chart": chart})
    return BuildResult(Path(output), report, tuple(report.warnings) + tuple(warnings))
