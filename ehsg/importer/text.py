"""Reading the national form's landmarks, in document order, into an Assessment and located problems."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..guide import Guide
from ..model import Assessment, Response
from ..problems import Problems
from ..terminal import quoted
from .blocks import Block
from .landmarks import Landmarks, landmarks, norm

_NUMBER = re.compile(r"^\s*[-+]?\d+(?:[.,]\d+)?\s*$")
_ID = re.compile(r"\b(\d{1,2})\.(\d{1,2})\b")
_AREA = re.compile(r"^\s*(?P<area>.+?)\s*['’]s\s+data\s+model\b", re.I | re.S)


@dataclass(frozen=True)
class Found:
    """What the document says, read by landmarks, and the counts of what was found."""

    assessment: Assessment
    counts: dict  # name -> (found, expected)


def read_blocks(blocks: list[Block], guide: Guide, problems: Problems, source: str = "",
                area: str | None = None, year: int | None = None) -> Found | None:
    """The assessment a submission's blocks hold; None (with a problem) when they are not the national form."""
    lm = landmarks(guide)
    headings = _headings(blocks, lm)
    if not headings:
        problems.error("import-not-the-form", source or "document",
                       "No descriptor heading of the national form (for example "
                       f"'{guide.descriptors[0].id} - {guide.descriptors[0].text[:40]}…') was found, so this does "
                       f"not look like a submission made on the form of {guide.title}. Nothing was written.")
        return None
    end = _end_of_descriptors(blocks, headings[-1][0] + 1, lm)
    responses, scores, narratives = [], 0, 0
    found_at = {d.id: i for i, d in headings}
    order = [i for i, _ in headings]
    for d in guide.descriptors:
        if d.id not in found_at:
            problems.error("import-descriptor-missing", source or "document",
                           f"Descriptor {d.id} ('{d.short}') was not found: its heading '{d.id} - …' is not in the "
                           "document, so its score and narratives are left blank.")
            responses.append(Response(d.id, None))
            continue
        start = found_at[d.id]
        nxt = next((j for j in order if j > start), end)
        r = _descriptor(blocks, start, min(nxt, end) if nxt > start else end, d.id, lm, guide, problems)
        scores += r.score is not None
        narratives += bool(r.working_well.strip()) + bool(r.next.strip())
        responses.append(r)
    tail = blocks[end:]
    front = blocks[:headings[0][0]]
    facts = _form_facts(tail, lm, guide, problems, source)
    found_area = facts.pop("area", None)
    area = area if area is not None else found_area
    if not area:
        problems.error("import-area-missing", source or "document",
                       "The area's name was not found (the form gives it in \"<area>'s data model (…)\"). "
                       "Give the area's name when you import it.")
    if year is None and area:
        year = _year(front, area)
    if year is None:
        problems.warning("import-year-missing", source or "document",
                         "The year of the self-assessment was not found in the document. Give the year when you import it.")
    a = Assessment(area=area or "", guide_id=guide.id, guide_version=guide.version, responses=tuple(responses),
                   year=year, source=source, **facts)
    n = len(guide.descriptors)
    counts = {
        "scores": (scores, n), "narratives": (narratives, 2 * n),
        "data model": (int(a.data_model is not None), 1),
        "changed question": (int(a.data_model_changed is not None), 1),
        "priorities": (len(a.priorities), guide.priority_rule.count),
        "permissions": (sum(v is not None for v in a.permissions.values()), len(guide.permissions)),
    }
    return Found(a, counts)


def _headings(blocks: list[Block], lm: Landmarks) -> list[tuple[int, object]]:
    """Each descriptor's heading, first occurrence only, in document order."""
    seen, out = set(), []
    for i, b in enumerate(blocks):
        d = lm.descriptor_heading(b.text)
        if d is not None and d.id not in seen:
            seen.add(d.id)
            out.append((i, d))
    return out


def _end_of_descriptors(blocks: list[Block], start: int, lm: Landmarks) -> int:
    """Where the form's later parts (Earned Autonomy, selection, permissions) begin."""
    for i in range(start, len(blocks)):
        t = norm(blocks[i].text)
        if t and any(t == s or (len(s) > 30 and t.startswith(s)) for s in lm.stops):
            return i
    return len(blocks)


def _descriptor(blocks: list[Block], start: int, stop: int, did: str, lm: Landmarks, guide: Guide,
                problems: Problems) -> Response:
    heading = blocks[start]
    seg = list(range(start + 1, stop))
    # The heading of the next section (and blank lines) sits at the end of the last descriptor of a section.
    names = set(lm.section_names.values())
    while seg and not blocks[seg[-1]].cell and (blocks[seg[-1]].blank or blocks[seg[-1]].heading
                                                or norm(blocks[seg[-1]].text) in names):
        seg.pop()
    texts = {i: norm(blocks[i].text) for i in seg}
    sl = next((i for i in seg if texts[i].startswith(lm.score_label)), None)
    wl = next((i for i in seg if texts[i] == lm.working_well_label), None)
    nl = next((i for i in seg if texts[i] == lm.next_label and (wl is None or i > wl)), None)
    labels = {i for i in (sl, wl, nl) if i is not None}
    where = heading.where
    for name, at in (("score", sl), ("working well", wl), ("prioritising next", nl)):
        if at is None:
            label = {"score": guide.prompts.score, "working well": guide.prompts.working_well,
                     "prioritising next": guide.prompts.next}[name]
            problems.error("import-label-missing", where,
                           f"{did}: the label '{label}' was not found under the descriptor's heading.")
    score, score_at, score_where = None, None, where
    if sl is not None:
        score_where = blocks[sl].where
        inline = _after_label(blocks[sl].text, guide.prompts.score)
        candidate = None
        if inline.strip():
            candidate = (sl, inline)
        else:
            limit = nl if nl is not None else stop
            for i in seg:
                if i <= sl or i >= limit or i in labels or blocks[i].blank:
                    continue
                # Between the score label and the first narrative label lies the score's own box; after it, a
                # bare number is the score (the form's table puts the score under the narrative label).
                if (wl is not None and sl < i < wl) or _NUMBER.match(blocks[i].text) or _score_box(blocks, i, limit):
                    candidate = (i, blocks[i].text)
                break
        if candidate is not None:
            at, text = candidate
            score_at, score_where = at, blocks[at].where
            score = _score(text.strip(), did, blocks[at].where, guide, problems)
        else:
            problems.error("import-score-missing", score_where,
                           f"{did}: no score was found after its label; it is left blank.")
    if score_at == sl:
        score_at = None  # the score shared the label's paragraph; nothing more to leave out
    ww = [i for i in seg if wl is not None and wl < i < (nl if nl is not None else stop) and i != score_at]
    nx = [i for i in seg if nl is not None and i > nl and i != score_at]
    working_well, next_ = _narrative(blocks, ww), _narrative(blocks, nx)
    for label, text, at in ((guide.prompts.working_well, working_well, wl), (guide.prompts.next, next_, nl)):
        if at is not None and not text.strip():
            problems.error("import-narrative-missing", blocks[at].where,
                           f"{did}: nothing is written under '{label}'.")
    cells = (score_where, blocks[ww[0]].where if ww else where, blocks[nx[0]].where if nx else where)
    return Response(did, score, working_well, next_, row=where, cells=cells)


def _score_box(blocks: list[Block], i: int, limit: int) -> bool:
    """True when block i fills a small table cell of its own just before the answer's cell: the form's score box
    (the form's table puts the score under its label, beside the first answer)."""
    b = blocks[i]
    if not b.cell or len(b.text.strip()) > 30:
        return False
    same = [x for x in blocks[i + 1:limit] if x.cell == b.cell]
    after = [x for x in blocks[i + 1:limit] if x.cell != b.cell and not x.blank]
    return all(x.blank for x in same) and bool(after)


def _after_label(text: str, label: str) -> str:
    """What follows the score label in the same paragraph ("… see scale above: 3")."""
    n = len(norm(label))
    # walk the original text until its normalised prefix covers the label
    for cut in range(len(label) - 5, len(text) + 1):
        if len(norm(text[:cut])) >= n:
            return text[cut:].lstrip(" :\t–-")
    return ""


def _score(text: str, did: str, where: str, guide: Guide, problems: Problems) -> int | None:
    lo, hi = guide.scale.minimum, guide.scale.maximum
    if re.fullmatch(r"[-+]?\d{1,9}", text) and lo <= int(text) <= hi:
        return int(text)
    problems.error("import-score-unreadable", where,
                   f"{did}: the score '{printable(text)}' is not a whole number from {lo} to {hi}; it is left blank.")
    return None


def _narrative(blocks: list[Block], idx: list[int]) -> str:
    """The answer's paragraphs joined by blank lines. A table cell's paragraphs are kept exactly, blank ones
    too; blank paragraphs outside tables are spacing, not text, and so is a blank cell before or after it."""
    cells: list[list[Block]] = []
    for i in idx:
        b = blocks[i]
        if not b.cell and b.blank:
            continue
        if cells and b.cell and cells[-1][0].cell == b.cell:
            cells[-1].append(b)
        else:
            cells.append([b])
    while len(cells) > 1 and all(b.blank for b in cells[0]):
        cells.pop(0)
    while len(cells) > 1 and all(b.blank for b in cells[-1]):
        cells.pop()
    if cells and cells[0][0].cell:
        # an answer typed into a table cell is that cell; what follows the table (ehsg's own submission puts
        # the workforce table under 6.1) is not part of it
        cells = cells[:1]
    return "\n\n".join(b.text for group in cells for b in group)


def _form_facts(tail: list[Block], lm: Landmarks, guide: Guide, problems: Problems, source: str) -> dict:
    """The data model, the changed answer (and current model), the priorities and the permission answers."""
    facts: dict = {"priorities": (), "permissions": {p.id: None for p in guide.permissions}}
    texts = [norm(b.text) for b in tail]
    where_end = tail[0].where if tail else (source or "document")
    models = {m.number for m in guide.data_models}

    for i, t in enumerate(texts):
        m = lm.survey.match(t)
        if m:
            a = _AREA.match(tail[i].text)
            if a:
                facts["area"] = a.group("area").strip()
            value = m.group("value").strip() or _next_text(tail, i)
            n = re.match(r"\d{1,9}(?!\d)", value or "")
            if n and int(n.group()) in models:
                facts["data_model"] = int(n.group())
            else:
                problems.error("import-data-model-unreadable", tail[i].where,
                               f"The data model '{printable(value or '')}' is not one of {min(models)} to {max(models)}.")
            break
    else:
        problems.error("import-data-model-missing", where_end,
                       f"The sentence giving the area's data model ({guide.data_survey}) was not found.")

    for i, t in enumerate(texts):
        m = lm.changed.match(t)
        if not m:
            continue
        answer_text = m.group("answer")
        if not answer_text.strip():
            answer_text = _next_text(tail, i) or ""
        answer = lm.answer(answer_text)
        if answer is None:
            problems.error("import-changed-unreadable", tail[i].where,
                           f"The answer to whether the data model has changed ('{printable(answer_text)}') is not "
                           f"{lm.yes} or {lm.no}.")
            break
        facts["data_model_changed"] = answer
        if answer:
            current = _current_model(answer_text, tail[i + 1:i + 4], models)
            if current is None:
                problems.error("import-current-model-missing", tail[i].where,
                               "The area says its data model has changed, but its current data model (a number "
                               f"from {min(models)} to {max(models)}) was not found next to the answer.")
            facts["current_data_model"] = current
        break
    else:
        problems.error("import-changed-missing", where_end,
                       "The question whether the data model has changed since the data survey was not found.")

    # "Descriptor one: 7.3 – Communities"; in a table the id may sit in the next cell, or (from a PDF whose
    # table columns are read one after the other) after all the labels: each label takes the next id in turn
    slots: list[list] = []  # [block, id or None while waiting for it]
    for i, t in enumerate(texts):
        m = lm.chosen.match(t)
        if m:
            rest = m.group("rest").strip(" :-\t")
            slots.append([tail[i], _descriptor_id(rest, guide) if rest else None])
            if rest and slots[-1][1] is None:
                slots[-1][1] = ""
                problems.error("import-priority-unreadable", tail[i].where,
                               f"The priority descriptor '{printable(tail[i].text)}' does not name a descriptor "
                               "of the guide.")
            continue
        waiting = next((s for s in slots if s[1] is None), None)
        if waiting is not None and re.match(r"^\s*\d{1,2}\.\d{1,2}\b", t):
            waiting[1] = _descriptor_id(t, guide) or ""
            if not waiting[1]:
                problems.error("import-priority-unreadable", tail[i].where,
                               f"The priority descriptor '{printable(tail[i].text)}' does not name a descriptor "
                               "of the guide.")
    chosen: list[str] = []
    for block, did in slots:
        if did is None:
            problems.error("import-priority-unreadable", block.where,
                           f"No descriptor was found for '{printable(block.text)}'.")
        elif did and did not in chosen:
            chosen.append(did)
    if len(chosen) < guide.priority_rule.count:
        problems.error("import-priorities-missing", where_end,
                       f"{len(chosen)} of {guide.priority_rule.count} priority descriptors were found "
                       f"('Descriptor {lm.ordinals[0]}: …').")
    facts["priorities"] = tuple(chosen)

    for pid, question in lm.permissions:
        q = question.rstrip("?.")
        for i, t in enumerate(texts):
            if not t.startswith(q):
                continue
            rest = t[len(q):].strip(" ?:.\t") or norm(_next_text(tail, i) or "")
            answer = lm.answer(rest)
            facts["permissions"][pid] = answer
            if answer is None:
                problems.error("import-permission-unreadable", tail[i].where,
                               f"The answer to '{printable(question[:60])}…' is not {lm.yes} or {lm.no}.")
            break
        else:
            problems.error("import-permission-missing", where_end,
                           f"The permission question '{printable(question[:60])}…' was not found.")
    return facts


def _descriptor_id(text: str, guide: Guide) -> str:
    """The guide's descriptor id at the start of a text ("7.3 – Communities"), or ""."""
    m = re.match(r"^\s*(\d{1,2})\.(\d{1,2})\b", text)
    did = f"{int(m.group(1))}.{int(m.group(2))}" if m else ""
    return did if guide.descriptor(did) is not None else ""


def _current_model(answer_text: str, after: list[Block], models: set[int]) -> int | None:
    """The current data model given beside a Yes: in the answer itself or in the lines that follow it."""
    found = re.findall(r"data model\D{0,12}?(\d+)", norm(answer_text)) or re.findall(r"^\D{0,12}(\d+)\b",
                                                                                  norm(answer_text))
    for b in after:
        found += re.findall(r"data model\D{0,12}?(\d+)", norm(b.text))
    return next((int(n) for n in found if len(n) <= 9 and int(n) in models), None)  # int() refuses 4,300 digits


def _next_text(blocks: list[Block], i: int) -> str | None:
    """The next non-blank block's text (an answer in the next table cell or paragraph)."""
    for b in blocks[i + 1:i + 3]:
        if not b.blank:
            return b.text
    return None


def _year(front: list[Block], area: str) -> int | None:
    """The year written right after the area's name before the descriptors ("Sefton 2022", "Sefton · 2022"):
    a title, a subtitle, a page header. A year elsewhere (the guide's edition, a date) is not the area's."""
    pattern = re.compile(r"(?:^|\s)" + re.escape(norm(area)) + r"[\s·,:–-]*((?:19|20)\d\d)(?!\d)(?:\s|$)")
    for b in front:
        text = norm(b.text)
        m = pattern.search(text) if len(text) <= 200 else None
        if m:
            return int(m.group(1))
    return None


def printable(text: str, limit: int = 80) -> str:
    """Text from a document as quoted in a message: control characters shown as escapes, long text cut."""
    return quoted(text, limit)
