"""The guide's YAML files checked field by field into ehsg.guide's dataclasses, every problem located."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from .formtext import expand_edition, load_form
from .guide import (DataModel, Descriptor, EarnedAutonomy, Guide, Permission, PriorityBand, PriorityRule, Prompts,
                    Scale, Section, Service, Threshold, VisionSection)
from .problems import Problems
from .yamlsource import Source

SECTION_KINDS = ("service", "data")
_ID = re.compile(r"^(\d+)\.(\d+)$")


class _Reader:
    """Reads typed fields from one YAML mapping, recording every problem with its YAML path."""

    def __init__(self, src: Source, problems: Problems):
        self.src = src
        self.p = problems

    def mapping(self, value: Any, ypath: str, known: tuple[str, ...]) -> dict:
        if not isinstance(value, dict):
            self.p.error("guide-type", self.src.where(ypath), "Expected a mapping of names to values here.")
            return {}
        for key in value:
            if key not in known:
                self.p.warning("guide-unknown-key", self.src.where(_j(ypath, key)),
                               f"Unrecognised name '{key}' is ignored (expected one of: {', '.join(known)}).")
        return value

    def get(self, m: dict, key: str, ypath: str, kind: type | tuple, *, required: bool = True,
            default: Any = None) -> Any:
        where = _j(ypath, key)
        if key not in m:
            if required:
                self.p.error("guide-missing-field", self.src.where(ypath), f"The field '{key}' is missing.")
            return default
        value = m[key]
        kinds = kind if isinstance(kind, tuple) else (kind,)
        ok = isinstance(value, kinds) and not (isinstance(value, bool) and bool not in kinds)
        if not ok:
            names = " or ".join(_TYPE_NAMES.get(k, k.__name__) for k in kinds)
            self.p.error("guide-type", self.src.where(where), f"'{key}' must be {names}, not {value!r}.")
            return default
        if isinstance(value, str) and not value.strip() and required:
            self.p.error("guide-empty-field", self.src.where(where), f"'{key}' must not be empty.")
        return value

    def items(self, m: dict, key: str, ypath: str):
        seq = self.get(m, key, ypath, list, default=[])
        return [(f"{_j(ypath, key)}[{i}]", item) for i, item in enumerate(seq or [])]


_TYPE_NAMES = {str: "text", int: "a whole number", bool: "true or false", list: "a list", dict: "a mapping"}


def _j(ypath: str, key: Any) -> str:
    return f"{ypath}.{key}" if ypath else str(key)


def assemble(folder: Path, sources: dict[str, Source], p: Problems) -> Guide:
    """The guide from its parsed files; every problem is recorded in p (the caller raises on errors)."""
    g = _Reader(sources["guide.yaml"], p)
    top = g.mapping(g.src.data, "", ("id", "version", "title", "source", "prompts", "scale",
                                     "self_assessment_guidance", "permissions", "services", "workforce_table"))
    prompts_m = g.mapping(g.get(top, "prompts", "", dict, default={}), "prompts", ("score", "working_well", "next"))
    prompts = Prompts(*(g.get(prompts_m, k, "prompts", str, default="") for k in ("score", "working_well", "next")))
    _distinct_prompts(g, prompts)
    scale = _scale(g, g.get(top, "scale", "", dict, default={}))
    permissions = []
    for ypath, item in g.items(top, "permissions", ""):
        m = g.mapping(item, ypath, ("id", "label", "audience", "includes_narrative", "statement", "question"))
        permissions.append(Permission(
            g.get(m, "id", ypath, str, default=""), g.get(m, "label", ypath, str, default=""),
            g.get(m, "audience", ypath, str, default=""), g.get(m, "includes_narrative", ypath, bool, default=False),
            g.get(m, "statement", ypath, str, default=""), g.get(m, "question", ypath, str, default="")))
    _unique(g, [(f"permissions[{i}].id", x.id) for i, x in enumerate(permissions)], "permission id")
    _unique(g, [(f"permissions[{i}].label", x.label) for i, x in enumerate(permissions)], "permission label")
    services = []
    for ypath, item in g.items(top, "services", ""):
        m = g.mapping(item, ypath, ("id", "name", "text", "groups"))
        groups = []
        for gpath, group in g.items(m, "groups", ypath) if "groups" in m else []:
            if not isinstance(group, str) or not group.strip():
                p.error("guide-type", g.src.where(gpath), "A practitioner group must be text.")
            else:
                groups.append(group)
        services.append(Service(*(g.get(m, k, ypath, str, default="") for k in ("id", "name", "text")),
                                groups=tuple(groups)))
    wf = g.mapping(g.get(top, "workforce_table", "", dict, default={}), "workforce_table",
                   ("instruction", "evidence_for", "grouping_terms"))

    form = load_form(_Reader(sources["form.yaml"], p))
    for i, x in enumerate(permissions):
        permissions[i] = Permission(x.id, x.label, x.audience, x.includes_narrative,
                                    expand_edition(g, x.statement, f"permissions[{i}].statement", form.edition),
                                    expand_edition(g, x.question, f"permissions[{i}].question", form.edition))
    sections = _sections(_Reader(sources["sections.yaml"], p))
    known_ids = {d.id: d for s in sections for d in s.descriptors}
    evidence_for = str(g.get(wf, "evidence_for", "workforce_table", (str, float), required=False, default="") or "")
    if evidence_for and evidence_for not in known_ids:
        p.error("guide-bad-reference", g.src.where("workforce_table.evidence_for"),
                f"There is no descriptor '{evidence_for}' in sections.yaml.")
    dm = _Reader(sources["data-models.yaml"], p)
    data_survey, data_models = _data_models(dm)
    data_survey = expand_edition(dm, data_survey, "data_survey", form.edition)
    rule, ea = _rules(_Reader(sources["rules.yaml"], p), sections, known_ids,
                      {m.number for m in data_models}, scale)
    v = _Reader(sources["vision.yaml"], p)
    vtop = v.mapping(v.src.data, "", ("statement", "sections"))
    vision = []
    section_numbers = {s.number for s in sections}
    for ypath, item in v.items(vtop, "sections", ""):
        m = v.mapping(item, ypath, ("section", "name", "statements"))
        number = v.get(m, "section", ypath, int, default=0)
        if number and number not in section_numbers:
            p.error("guide-bad-reference", v.src.where(f"{ypath}.section"),
                    f"There is no scored section {number} in sections.yaml.")
        statements = []
        for spath, s in v.items(m, "statements", ypath):
            if not isinstance(s, str):
                p.error("guide-type", v.src.where(spath), "A vision statement must be text.")
            else:
                statements.append(s)
        vision.append(VisionSection(number, v.get(m, "name", ypath, str, default=""), tuple(statements)))

    return Guide(
        id=g.get(top, "id", "", str, default=""), version=str(g.get(top, "version", "", (str, int, float), default="")),
        title=g.get(top, "title", "", str, default=""), source=g.get(top, "source", "", str, default=""),
        path=str(folder), prompts=prompts, scale=scale,
        guidance=g.get(top, "self_assessment_guidance", "", str, default=""),
        permissions=tuple(permissions), services=tuple(services),
        workforce_instruction=g.get(wf, "instruction", "workforce_table", str, default=""),
        workforce_grouping_terms=g.get(wf, "grouping_terms", "workforce_table", str, default=""),
        workforce_evidence_for=evidence_for,
        sections=tuple(sections), data_survey=data_survey, data_models=tuple(data_models),
        priority_rule=rule, earned_autonomy=tuple(ea),
        vision_statement=v.get(vtop, "statement", "", str, default=""), vision=tuple(vision), form=form)


def _scale(g: _Reader, m: dict) -> Scale:
    m = g.mapping(m, "scale", ("minimum", "maximum", "levels"))
    lo = g.get(m, "minimum", "scale", int, default=0)
    hi = g.get(m, "maximum", "scale", int, default=5)
    if lo >= hi:
        g.p.error("guide-range", g.src.where("scale"), f"The scale's minimum ({lo}) must be below its maximum ({hi}).")
    levels_raw = g.get(m, "levels", "scale", dict, required=False, default={}) or {}
    levels = {}
    for key, text in levels_raw.items():
        where = g.src.where(f"scale.levels.{key}")
        if not isinstance(key, int) or isinstance(key, bool) or not lo <= key <= hi:
            g.p.error("guide-range", where, f"A level must be a whole number from {lo} to {hi}, not {key!r}.")
        elif not isinstance(text, str):
            g.p.error("guide-type", where, "A level's wording must be text.")
        else:
            levels[key] = text
    return Scale(lo, hi, levels)


def _sections(r: _Reader) -> list[Section]:
    top = r.mapping(r.src.data, "", ("sections",))
    sections = []
    for spath, item in r.items(top, "sections", ""):
        m = r.mapping(item, spath, ("number", "name", "kind", "descriptors"))
        number = r.get(m, "number", spath, int, default=0)
        kind = r.get(m, "kind", spath, str, default="service")
        if kind not in SECTION_KINDS:
            r.p.error("guide-bad-value", r.src.where(f"{spath}.kind"),
                      f"'kind' must be one of {', '.join(SECTION_KINDS)}, not '{kind}'.")
        descriptors = []
        for dpath, ditem in r.items(m, "descriptors", spath):
            dm = r.mapping(ditem, dpath, ("id", "title", "text"))
            did = str(r.get(dm, "id", dpath, (str, float), default=""))
            match = _ID.match(did)
            if not match:
                r.p.error("guide-bad-id", r.src.where(f"{dpath}.id"),
                          f"A descriptor id must look like \"5.1\" (section.number), not '{did}'.")
            elif int(match.group(1)) != number:
                r.p.error("guide-id-section", r.src.where(f"{dpath}.id"),
                          f"Descriptor {did} is listed under section {number}; its id must start with {number}.")
            title = r.get(dm, "title", dpath, str, required=False, default="") or ""
            text = r.get(dm, "text", dpath, str, default="")
            if title and text and not text.startswith(title):
                r.p.warning("guide-title-mismatch", r.src.where(f"{dpath}.title"),
                            f"The title '{title}' is not the start of the descriptor's wording.")
            descriptors.append(Descriptor(did, number, title, text))
        if not descriptors:
            r.p.error("guide-empty-section", r.src.where(spath), f"Section {number} has no descriptors.")
        sections.append(Section(number, r.get(m, "name", spath, str, default=""), kind, tuple(descriptors)))
    _unique(r, [(f"sections[{i}].number", s.number) for i, s in enumerate(sections)], "section number")
    _unique(r, [(f"sections[{i}].descriptors[{j}].id", d.id)
                for i, s in enumerate(sections) for j, d in enumerate(s.descriptors)], "descriptor id")
    if sections and not any(s.kind == "data" for s in sections):
        r.p.error("guide-no-data-section", r.src.where("sections"), "No section has kind 'data'.")
    return sections


def _data_models(r: _Reader) -> tuple[str, list[DataModel]]:
    top = r.mapping(r.src.data, "", ("data_survey", "data_models"))
    models = []
    for ypath, item in r.items(top, "data_models", ""):
        m = r.mapping(item, ypath, ("number", "name", "definition"))
        models.append(DataModel(r.get(m, "number", ypath, int, default=0), r.get(m, "name", ypath, str, default=""),
                                r.get(m, "definition", ypath, str, default="")))
    _unique(r, [(f"data_models[{i}].number", m.number) for i, m in enumerate(models)], "data model number")
    return r.get(top, "data_survey", "", str, required=False, default="") or "", models


def _rules(r: _Reader, sections: list[Section], ids: dict[str, Descriptor], model_numbers: set[int],
           scale: Scale):
    top = r.mapping(r.src.data, "", ("priority_selection", "earned_autonomy"))
    ps = r.mapping(r.get(top, "priority_selection", "", dict, default={}), "priority_selection",
                   ("count", "source", "text", "bands"))
    count = r.get(ps, "count", "priority_selection", int, default=3)
    bands = []
    covered: dict[int, str] = {}
    for ypath, item in r.items(ps, "bands", "priority_selection"):
        m = r.mapping(item, ypath, ("data_models", "data", "service"))
        models = r.get(m, "data_models", ypath, list, default=[])
        data = r.get(m, "data", ypath, int, default=0)
        service = r.get(m, "service", ypath, int, default=0)
        if data < 0 or service < 0 or data + service != count:
            r.p.error("guide-rule-count", r.src.where(ypath),
                      f"'data' ({data}) and 'service' ({service}) must add up to the count of {count}.")
        for i, n in enumerate(models):
            where = r.src.where(f"{ypath}.data_models[{i}]")
            if not isinstance(n, int) or isinstance(n, bool):
                r.p.error("guide-type", where, f"A data model must be a whole number, not {n!r}.")
            elif n not in model_numbers:
                r.p.error("guide-bad-reference", where, f"There is no data model {n!r} in data-models.yaml.")
            elif n in covered:
                r.p.error("guide-rule-overlap", where, f"Data model {n} is already covered by {covered[n]}.")
            else:
                covered[n] = ypath
        bands.append(PriorityBand(tuple(n for n in models if isinstance(n, int)), data, service))
    for n in sorted(model_numbers - set(covered)):
        r.p.error("guide-rule-gap", r.src.where("priority_selection.bands"),
                  f"No band says what an area with data model {n} may choose.")
    rule = PriorityRule(count, r.get(ps, "source", "priority_selection", str, default=""),
                        tuple(x for x in r.get(ps, "text", "priority_selection", list, required=False, default=[])
                              if isinstance(x, str)), tuple(bands))

    years = []
    for ypath, item in r.items(top, "earned_autonomy", ""):
        m = r.mapping(item, ypath, ("year", "source", "note", "thresholds"))
        thresholds = []
        for tpath, t in r.items(m, "thresholds", ypath):
            tm = r.mapping(t, tpath, ("descriptor", "minimum", "heading", "criterion"))
            did = str(r.get(tm, "descriptor", tpath, (str, float), default=""))
            minimum = r.get(tm, "minimum", tpath, int, default=0)
            if did not in ids:
                r.p.error("guide-bad-reference", r.src.where(f"{tpath}.descriptor"),
                          f"There is no descriptor '{did}' in sections.yaml.")
            if not scale.minimum <= minimum <= scale.maximum:
                r.p.error("guide-range", r.src.where(f"{tpath}.minimum"),
                          f"A minimum score must be within the scale, {scale.minimum} to {scale.maximum}.")
            thresholds.append(Threshold(did, minimum, r.get(tm, "heading", tpath, str, required=False, default="") or "",
                                        r.get(tm, "criterion", tpath, str, required=False, default="") or ""))
        _unique(r, [(f"{ypath}.thresholds[{i}].descriptor", t.descriptor) for i, t in enumerate(thresholds)],
                "threshold descriptor")
        years.append(EarnedAutonomy(r.get(m, "year", ypath, int, default=0), r.get(m, "source", ypath, str, default=""),
                                    r.get(m, "note", ypath, str, required=False, default="") or "", tuple(thresholds)))
    _unique(r, [(f"earned_autonomy[{i}].year", e.year) for i, e in enumerate(years)], "prospectus year")
    if not years:
        r.p.error("guide-missing-field", r.src.where("earned_autonomy"), "At least one year of minimum scores is needed.")
    return rule, years


def _distinct_prompts(g: _Reader, prompts: Prompts) -> None:
    """The three prompts label the columns a workbook's answers are read back by: two the same would mix them up."""
    from . import workbook  # the fixed column headers the narrative prompts sit beside

    fixed = {" ".join(h.split()).casefold() for h in (workbook.HEADER_ID, workbook.HEADER_DESCRIPTOR,
                                                       workbook.HEADER_SCORE)}
    seen: dict[str, str] = {}
    for key in ("score", "working_well", "next"):
        text = getattr(prompts, key)
        norm = " ".join(text.split()).casefold()
        if not norm:
            continue
        if key != "score" and norm in fixed:
            g.p.error("guide-duplicate-prompt", g.src.where(f"prompts.{key}"),
                      f"This prompt is the same as the workbook's fixed column header '{text.strip()}'; the "
                      "narrative columns would be confused with it. Use the guide's own question.")
        elif norm in seen:
            g.p.error("guide-duplicate-prompt", g.src.where(f"prompts.{key}"),
                      f"This prompt is the same as prompts.{seen[norm]}; each of the three prompts must differ, or "
                      "the answers to one would be read as the answers to the other.")
        else:
            seen[norm] = key


def _unique(r: _Reader, pairs: list[tuple[str, Any]], what: str) -> None:
    seen: dict[Any, str] = {}
    for ypath, value in pairs:
        if value in seen:
            r.p.error("guide-duplicate-id", r.src.where(ypath), f"The {what} '{value}' is used twice (first at {seen[value]}).")
        else:
            seen[value] = ypath
