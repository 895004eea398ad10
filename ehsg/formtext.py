"""The national form's own text (form.yaml): loaded, checked field by field, edition names filled in."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

_NAME = re.compile(r"\{([^{}]*)\}")

# Every field of form.yaml, by part: the names of the area's answers it may contain.
# Edition names ({data_survey_date}, …) are allowed everywhere and filled in when the guide is loaded.
FIELDS: dict[str, dict[str, tuple[str, ...]]] = {
    "vision": {"heading": (), "subtitle": ()},
    "system": {"heading": (), "subtitle": (), "intro": ()},
    "workforce": {"heading": (), "intro": (), "lost": ()},
    "self_assessment": {"heading": (), "intro": (), "scale_heading": (), "scale_lost": ("minimum", "maximum"),
                        "scale_line": ("score", "wording")},
    "earned_autonomy": {"heading": (), "stage1": (), "minimum_label": ()},
    "selection": {"heading": (), "intro": (), "free_choice": (), "reference": (),
                  "survey_model": ("area", "data_model"), "reminder": (),
                  "model_line": ("number", "name", "definition"), "changed_question": ("area", "answer"),
                  "current_model": ("area", "current_data_model"), "chosen": ("ordinal", "id", "section")},
    "uses": {"heading": (), "intro": (), "contact": ()},
    "permissions": {"heading": (), "line": ("question", "answer")},
    "answers": {"yes": (), "no": (), "none": ()},
}
LISTS = {"selection": "ordinals", "uses": "points"}
BLOCK_KINDS = ("text", "heading", "lost")
TOP = ("edition", "front") + tuple(FIELDS)


@dataclass(frozen=True, eq=False)
class Block:
    """One paragraph of the form's front matter."""

    kind: str  # text, heading or lost (see BLOCK_KINDS)
    text: str


@dataclass(frozen=True, eq=False)
class FrontPart:
    """One headed part of the form's front matter."""

    heading: str
    blocks: tuple[Block, ...]


@dataclass(frozen=True, eq=False)
class FormText:
    """The form's text apart from descriptors, vision, services, data models and rules."""

    year: int
    edition: dict  # name -> value, e.g. data_survey_date -> "September 2021"
    front: tuple[FrontPart, ...]
    fields: dict   # "part.key" -> text, edition names already filled in
    lists: dict    # "part.key" -> tuple of texts

    def get(self, key: str, **answers: Any) -> str:
        """A field with the area's answers put in its {names}; an answer is never read as a name itself."""
        return fill(self.fields[key], {k: str(v) for k, v in answers.items()})

    def yes_no(self, value: bool | None) -> str:
        return self.fields["answers.yes" if value is True else "answers.no" if value is False else "answers.none"]


def fill(text: str, values: dict[str, str]) -> str:
    """Put values in a text's {names} in one pass: text inside a value is never filled in again."""
    return _NAME.sub(lambda m: values.get(m.group(1), m.group(0)), text)


def names_in(text: str) -> set[str]:
    return set(_NAME.findall(text))


def load_form(r) -> FormText:
    """Read form.yaml through the guide's field reader (ehsg.guidecheck), every problem recorded with its YAML path."""
    top = r.mapping(r.src.data, "", TOP)
    ed = r.get(top, "edition", "", dict, default={}) or {}  # any names: an edition chooses its own
    year = r.get(ed, "year", "edition", int, default=0)
    edition = {}
    for key, value in ed.items():
        if key == "year":
            continue
        if not isinstance(value, str) or not value.strip():
            r.p.error("guide-type", r.src.where(f"edition.{key}"), f"'{key}' must be text.")
        elif names_in(value):
            r.p.error("guide-placeholder", r.src.where(f"edition.{key}"), "An edition's value cannot name another.")
        else:
            edition[str(key)] = value

    def text(value: str, ypath: str, allowed: tuple[str, ...]) -> str:
        unknown = names_in(value) - set(allowed) - set(edition)
        if unknown:
            r.p.error("guide-placeholder", r.src.where(ypath),
                      f"Unknown name(s) in braces: {', '.join('{' + n + '}' for n in sorted(unknown))}; allowed here: "
                      f"{', '.join('{' + n + '}' for n in sorted(set(allowed) | set(edition))) or 'none'}.")
        return fill(value, edition)

    front = []
    for ypath, item in r.items(top, "front", ""):
        m = r.mapping(item, ypath, ("heading", "blocks"))
        blocks = []
        for bpath, b in r.items(m, "blocks", ypath):
            bm = r.mapping(b, bpath, BLOCK_KINDS)
            if len(bm) != 1:
                r.p.error("guide-type", r.src.where(bpath),
                          f"Each block is one of {', '.join(BLOCK_KINDS)} with its text.")
                continue
            kind = next(iter(bm))
            if kind in BLOCK_KINDS:
                blocks.append(Block(kind, text(r.get(bm, kind, bpath, str, default=""), f"{bpath}.{kind}", ())))
        front.append(FrontPart(text(r.get(m, "heading", ypath, str, default=""), f"{ypath}.heading", ()),
                               tuple(blocks)))

    fields, lists = {}, {}
    for part, spec in FIELDS.items():
        keys = tuple(spec) + ((LISTS[part],) if part in LISTS else ())
        m = r.mapping(r.get(top, part, "", dict, default={}), part, keys)
        for key, allowed in spec.items():
            fields[f"{part}.{key}"] = text(r.get(m, key, part, str, default=""), f"{part}.{key}", allowed)
        if part in LISTS:
            key = LISTS[part]
            items = []
            for ipath, item in r.items(m, key, part):
                if not isinstance(item, str) or not item.strip():
                    r.p.error("guide-type", r.src.where(ipath), "Each entry must be text.")
                else:
                    items.append(text(item, ipath, ()))
            lists[f"{part}.{key}"] = tuple(items)
    return FormText(year, edition, tuple(front), fields, lists)


def expand_edition(r, value: str, ypath: str, edition: dict) -> str:
    """A text of another guide file that may name the edition's dates and names."""
    unknown = names_in(value) - set(edition)
    if unknown:
        r.p.error("guide-placeholder", r.src.where(ypath),
                  f"Unknown name(s) in braces: {', '.join('{' + n + '}' for n in sorted(unknown))}; allowed here: "
                  f"{', '.join('{' + n + '}' for n in sorted(edition)) or 'none'} (from form.yaml's edition).")
    return fill(value, edition)
