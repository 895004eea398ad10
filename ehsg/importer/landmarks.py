"""The form's own wording an importer looks for, taken from the guide data in one place."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from ..guide import Descriptor, Guide

_DASHES = str.maketrans({"–": "-", "—": "-", "‒": "-", "−": "-", "‐": "-", "‑": "-",
                         "‘": "'", "’": "'", "‚": "'", "“": '"', "”": '"', "\u00a0": " "})


def norm(text: str) -> str:
    """Text as compared with the form: dashes, quotes and spacing evened out, case ignored, end colon dropped."""
    text = unicodedata.normalize("NFKC", text).translate(_DASHES)
    text = " ".join(text.split()).casefold()
    return text.rstrip(" :")


def _template_regex(template: str, groups: dict[str, str]) -> re.Pattern:
    """A form sentence with {placeholders} as a regex over norm()-ed text; other placeholders match anything."""
    out = []
    for part in re.split(r"(\{\w+\})", template):
        if re.fullmatch(r"\{\w+\}", part):
            out.append(groups.get(part[1:-1], r".*?"))
        elif norm(part):
            out.append(r"\s*" + r"\s+".join(map(re.escape, norm(part).split())) + r"\s*")
    return re.compile("^" + "".join(out), re.S)


@dataclass(frozen=True)
class Landmarks:
    """Everything the importer recognises, compared in norm() form."""

    guide: Guide
    score_label: str
    working_well_label: str
    next_label: str
    section_names: dict[int, str]          # section number -> norm(name)
    stops: tuple[str, ...]                 # parts of the form that follow the descriptors
    permissions: tuple[tuple[str, str], ...]   # (permission id, norm(question))
    survey: re.Pattern                     # "<area>'s data model (as submitted in …): N"
    changed: re.Pattern                    # the changed question with its answer
    chosen: re.Pattern                     # "Descriptor one: 7.3 – Communities"
    ordinals: tuple[str, ...]
    yes: str
    no: str

    def descriptor_heading(self, text: str) -> Descriptor | None:
        """The descriptor a heading `N.M - wording` names, when the wording is the guide's."""
        m = _HEADING.match(text)
        if not m:
            return None
        d = self.guide.descriptor(f"{int(m.group(1))}.{int(m.group(2))}")
        if d is None:
            return None
        said, wording = norm(m.group(3)), norm(d.text)
        probe = min(len(wording), 60)
        if said[:probe] == wording[:probe] or (len(said) >= 20 and wording.startswith(said)):
            return d
        return None

    def standalone(self, text: str) -> bool:
        """A landmark of the form: always a paragraph of its own, never joined to the text around it."""
        t = norm(text)
        if not t:
            return False
        if t in (self.working_well_label, self.next_label) or t.startswith(self.score_label):
            return True
        if t in self.section_names.values() or any(t == s or (len(s) > 30 and t.startswith(s)) for s in self.stops):
            return True
        return self.descriptor_heading(text) is not None

    def starts_landmark(self, text: str) -> bool:
        """The first line of a label that a narrow table cell broke over several lines."""
        t = norm(text)
        return len(t) >= 12 and any(label.startswith(t) for label in
                                    (self.score_label, self.working_well_label, self.next_label))

    def answer(self, text: str) -> bool | None:
        """Yes / No at the start of an answer, or None."""
        words = re.findall(r"[a-z]+", norm(text))
        if not words:
            return None
        if words[0] == norm(self.yes).strip("."):
            return True
        if words[0] == norm(self.no).strip("."):
            return False
        return None


_HEADING = re.compile(r"^\s*(\d{1,2})\.(\d{1,2})\s*[-–—‒−]\s*(\S.*)$", re.S)


def landmarks(guide: Guide) -> Landmarks:
    survey_wording = re.escape(norm(guide.data_survey))
    survey = re.compile(r"^(?P<area>.+?)'s data model \(" + survey_wording + r"\)\s*:?\s*(?P<value>.*)$", re.S)
    fields = guide.form.fields
    yes, no = fields["answers.yes"], fields["answers.no"]
    changed = _template_regex(fields["selection.changed_question"],
                              {"area": r"(?P<area>.+?)", "answer": r"(?P<answer>.*)$"})
    ordinals = guide.form.lists["selection.ordinals"]
    # only the part up to the descriptor's id is needed; what follows it (the section) is not read
    chosen = _template_regex(fields["selection.chosen"].split("{id}")[0] + "{id}",
                             {"ordinal": r"(?P<ordinal>" + "|".join(re.escape(norm(o)) for o in ordinals) + r"|\d)",
                              "id": r"(?P<rest>.*)$"})
    stops = [norm(fields[k]) for k in
             ("earned_autonomy.heading", "selection.heading", "permissions.heading")]
    stops += [norm(e.note) for e in guide.earned_autonomy]
    stops += [norm(t) for t in guide.priority_rule.text]
    stops += [norm(p.statement) for p in guide.permissions] + [norm(p.question) for p in guide.permissions]
    return Landmarks(
        guide=guide,
        score_label=norm(guide.prompts.score), working_well_label=norm(guide.prompts.working_well),
        next_label=norm(guide.prompts.next),
        section_names={s.number: norm(s.name) for s in guide.sections},
        stops=tuple(s for s in stops if s),
        permissions=tuple((p.id, norm(p.question)) for p in guide.permissions),
        survey=survey, changed=changed, chosen=chosen, ordinals=tuple(norm(o) for o in ordinals), yes=yes, no=no)
