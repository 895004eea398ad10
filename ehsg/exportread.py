"""Reading an area's scores back from a workbook or any export (.xlsx, .csv, .json), every value checked."""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from pathlib import Path
from typing import Any

from .guide import Guide
from .model import Assessment, Response
from .priorities import parse_priority_cell
from .problems import Problems

MAX_TEXT_BYTES = 20 * 1024 * 1024   # a 31-descriptor export with every narrative is well under 1 MB
MAX_JSON_DEPTH = 6                  # an export nests three levels deep (narratives → id → field)
COL_WORKING, COL_NEXT = "What is working well and what evidence do you have?", "What are you prioritising next?"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_BOM = b"\xef\xbb\xbf"


def name_key(name: str) -> str:
    """How names are compared: Unicode NFKC, whitespace collapsed, case folded ("Ynys  Môn" = "ynys môn")."""
    return " ".join(unicodedata.normalize("NFKC", name).split()).casefold()


def _reads_as_marked(text: str) -> bool:
    """Text an export marks with a leading apostrophe: what begins like a formula, after the mark."""
    return text.startswith("'") and text[1:].startswith(_FORMULA_START + ("'",))


def unneutralise(text: str) -> str:
    """Undo the apostrophe an export puts before text a spreadsheet would run as a formula, or before text
    that itself begins with an apostrophe and would otherwise read as marked ('+44 151 is kept as typed)."""
    return text[1:] if _reads_as_marked(text) else text


def escape_mark(text: str) -> str:
    """Typed text that already looks marked gets one more apostrophe, so unneutralise gives it back whole."""
    return "'" + text if _reads_as_marked(text) else text


def load_scores(path: str | Path, guide: Guide) -> tuple[Assessment | None, Problems]:
    """An area's scores and priorities from a workbook or any export; problems located by file and cell."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in (".json", ".csv"):
        problems = Problems()
        text = _read_text(path, problems)
        if text is None:
            return None, problems
        if suffix == ".json":
            return _from_json(path, text, guide, problems)
        try:  # newline="" lets the csv module read line breaks inside quoted cells, and a bare \r, itself
            rows = list(csv.reader(io.StringIO(text, newline="")))
        except csv.Error as e:
            problems.error("export-damaged", path.name, f"The file cannot be read as CSV ({_plain(e)}).")
            return None, problems
        return _from_rows(path, rows, guide, "row", problems)
    from .office.xlsx import read_workbook

    problems = Problems()
    book = read_workbook(path, problems)
    if book is None:
        return None, problems
    if "Scores" in book and "About" in book:
        return _from_rows(path, book["Scores"].rows(), guide, "Scores!", problems)
    from .reader import read_book

    result = read_book(path, book, guide, problems)
    return result.assessment, result.problems


def _cell_value(v: Any) -> Any:
    """A cell of an export as it was meant: blank is None, a neutralised formula-like text given back as typed."""
    if isinstance(v, str):
        if not v:
            return None
        if v[0] == "'":
            return unneutralise(v) or None
    return None if v == "" else v


def _plain(e: Exception) -> str:
    return " ".join(str(e).split())[:200] or type(e).__name__


def _read_text(path: Path, problems: Problems) -> str | None:
    """UTF-8 text, with or without a byte order mark; anything else is refused, never patched with U+FFFD."""
    try:
        size = path.stat().st_size
        if size > MAX_TEXT_BYTES:
            problems.error("export-too-large", path.name, f"The file is {size / 1e6:.0f} MB; an export is well under "
                           f"{MAX_TEXT_BYTES // 1_000_000} MB, so it was not read.")
            return None
        data = path.read_bytes()
    except OSError as e:
        problems.error("file-unreadable", path.name, f"The file cannot be opened ({e.strerror or e}).")
        return None
    if data.startswith(_BOM):
        data = data[len(_BOM):]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data[:e.start].count(b"\n") + 1
        problems.error("export-not-utf8", f"{path.name}: line {line}",
                       f"The file is not UTF-8 text (byte 0x{data[e.start]:02X} on line {line}). Save it again as "
                       "UTF-8 (in Excel: \"CSV UTF-8\"), or export it again with ehsg.")
        return None


def _whole(v: Any) -> int | None | str:
    """A whole number, None for blank, or 'bad'. Booleans and fractions are bad; '3' and 3.0 are 3."""
    if v is None or (isinstance(v, str) and not v.strip()):
        return None
    if isinstance(v, bool):
        return "bad"
    if isinstance(v, int):
        return v
    if isinstance(v, float):
        return int(v) if v.is_integer() else "bad"
    if isinstance(v, str) and re.fullmatch(r"\s*[+-]?\d{1,18}(\.0*)?\s*", v):  # longer: no score or year
        return int(v.strip().split(".")[0])
    return "bad"


class _Values:
    """Checks each field of an export into a typed value, with a located, coded problem for each wrong one."""

    def __init__(self, guide: Guide, problems: Problems, name: str, typed: bool = False):
        # typed: JSON carries numbers as numbers, so "3" where a number belongs is wrong; CSV cells are all text
        self.guide, self.problems, self.name, self.typed = guide, problems, name, typed
        self.models = [m.number for m in guide.data_models]

    def text(self, v, where: str, field: str) -> str:
        if v is None:
            return ""
        if isinstance(v, str):
            return v
        self.problems.error("export-type", where, f"{field} must be text, not {_kind(v)}.")
        return ""

    def number(self, v):
        return "bad" if self.typed and isinstance(v, str) and v.strip() else _whole(v)

    def year(self, v, where: str) -> int | None:
        y = self.number(v)
        if y is None:
            return None
        if y == "bad" or not isinstance(v, (int, float, str)) or not 2000 <= y <= 2100:
            self.problems.error("year-invalid", where, f"The year must be a year such as 2022, not {_show(v)}.")
            return None
        return y

    def model(self, v, where: str, what: str) -> int | None:
        m = self.number(v)
        if m is None:
            return None
        if m not in self.models:
            self.problems.error("data-model-invalid", where, f"The {what} must be a whole number {min(self.models)} "
                                f"to {max(self.models)}, not {_show(v)}.")
            return None
        return m

    def yes_no(self, v, where: str) -> bool | None:
        if v is None or v == "":
            return None
        if isinstance(v, bool):
            return v
        if isinstance(v, str) and v.strip().lower() in ("yes", "no"):
            return v.strip().lower() == "yes"
        self.problems.error("yes-no-invalid", where, f"Answer Yes or No, not {_show(v)}.")
        return None

    def score(self, v, where: str, did: str) -> int | None:
        lo, hi = self.guide.scale.minimum, self.guide.scale.maximum
        s = self.number(v)
        if s is None:
            self.problems.error("score-missing", where, f"{did}: the score is missing.")
            return None
        if s == "bad" or not isinstance(v, (int, float, str)):
            self.problems.error("score-invalid", where, f"{did}: the score {_show(v)} is not a whole number {lo} "
                                f"to {hi}.")
            return None
        if not lo <= s <= hi:
            self.problems.error("score-out-of-range", where, f"{did}: the score {_show(v)} is outside {lo} to {hi}.")
            return None
        return s

    def audience(self, v, where: str) -> str | None:
        if v in (None, ""):
            return None
        ids = [p.id for p in self.guide.permissions]
        if not isinstance(v, str) or v.strip() not in ids:
            self.problems.error("audience-unknown", where, f"The audience must be one of {', '.join(ids)}, not "
                                f"{_show(v)}.")
            return None
        return v.strip()


def _kind(v) -> str:
    return {bool: "true/false", int: "a number", float: "a number", list: "a list", dict: "a group of fields",
            str: "text"}.get(type(v), type(v).__name__)


def _show(v) -> str:
    if isinstance(v, (list, dict)):
        return _kind(v)
    if isinstance(v, str):
        return repr(v[:60])
    text = ascii(v)
    return text if len(text) <= 60 else text[:60] + "…"


# --- CSV and the export workbook's Scores sheet: one row per descriptor ---

def _from_rows(path: Path, rows: list[list], guide: Guide, where: str,
               problems: Problems) -> tuple[Assessment | None, Problems]:
    name = path.name
    if not rows:
        problems.error("export-empty", name, "The file has no rows.")
        return None, problems
    header = [str(h).strip() if h is not None else "" for h in rows[0]]
    missing = [c for c in ("Area", "ID", "Score") if c not in header]
    if missing:
        problems.error("export-columns", name, f"This is not an ehsg export: no column {', '.join(missing)}.")
        return None, problems
    col = {h: i for i, h in enumerate(header) if h}
    values = _Values(guide, problems, name)

    def cell(row, key):
        i = col.get(key)
        if i is None or i >= len(row):
            return None
        v = row[i]
        kind = type(v)  # the usual values, as _cell_value would give them back, without the call
        if v is None or kind is int or (kind is str and v and v[0] != "'"):
            return v
        return _cell_value(v)

    if where != "row":
        from .office.xlsx import column_letter

        letters = {key: column_letter(i + 1) for key, i in col.items()}

    def loc(i, key):
        if where == "row":
            return f"{name}: row {i + 1}, column {key}"
        return f"{name}: Scores!{letters[key]}{i + 1}"

    responses, priorities, seen = [], {}, set()
    narrative = COL_WORKING in col
    # A row with any value in it (row.count: the comparisons `v in (None, "")` makes, done in C)
    body = [(i, row) for i, row in enumerate(rows[1:], start=1) if row.count(None) + row.count("") < len(row)]
    lo, hi = guide.scale.minimum, guide.scale.maximum
    has_priority, has_next = "Priority" in col, COL_NEXT in col
    known = {d.id for d in guide.descriptors}
    for i, row in body:
        raw = cell(row, "ID")
        did = f"{raw:g}" if isinstance(raw, float) else str(raw or "").strip()
        if did not in known:
            problems.warning("descriptor-not-comparable", loc(i, "ID"),
                             f"'{did}' is not a descriptor of {guide.stamp}; it cannot be compared.")
            continue
        if did in seen:
            problems.error("duplicate-descriptor", loc(i, "ID"), f"Descriptor {did} appears twice.")
            continue
        seen.add(did)
        # A cell's location is written out only for a problem: a whole score in range, blank or text where text
        # belongs, is what values.score and values.text would give back without one.
        score = cell(row, "Score")
        if type(score) is not int or not lo <= score <= hi:
            score = values.score(score, loc(i, "Score"), did)
        if has_priority and (given := cell(row, "Priority")) is not None:
            rank = _whole(given)
            count = guide.priority_rule.count
            if rank == "bad" or (rank is not None and not 1 <= rank <= count):
                problems.error("priority-rank-invalid", loc(i, "Priority"), f"{did}: the priority must be a rank "
                               f"1 to {count}, not {_show(given)}.")
            elif rank is not None:
                if rank in priorities:
                    problems.error("priority-duplicate", loc(i, "Priority"), f"{did}: priority {rank} is already "
                                   f"given to {priorities[rank]}.")
                else:
                    priorities[rank] = did
        ww = _text(values, cell(row, COL_WORKING), i, COL_WORKING, loc) if narrative else ""
        nx = _text(values, cell(row, COL_NEXT), i, COL_NEXT, loc) if has_next else ""
        responses.append(Response(did, score, ww, nx, loc(i, "ID")))
    for d in guide.descriptors:
        if d.id not in seen:
            problems.error("descriptor-missing", name, f"Descriptor {d.id} is not in this file.")
    first_i, first = body[0] if body else (1, [])

    def at(key):
        return loc(first_i, key) if key in col else name

    for key in ("Area", "Year", "Guide", "Guide version", "Audience"):  # one area, one year: every row agrees
        if key in col:
            k = col[key]  # each distinct value once (its type kept: 1 and 1.0 are shown apart), then as read
            given = {(type(v), v) for v in [r[k] if k < len(r) else None for _, r in body]}
            differ = sorted({str(_cell_value(v)) for _, v in given} - {str(cell(first, key))})
            if differ:
                problems.error("export-rows-disagree", f"{name}: column {key}", f"The rows do not agree on {key}: "
                               f"{_show(cell(first, key))} and {', '.join(differ[:5])}.")
    area = values.text(cell(first, "Area"), at("Area"), "Area")
    if not area.strip():
        problems.error("area-missing", at("Area"), "The area's name is missing.")
    audience = values.audience(cell(first, "Audience"), at("Audience"))
    a = Assessment(area=area.strip(),
                   guide_id=values.text(cell(first, "Guide"), at("Guide"), "Guide") or guide.id,
                   guide_version=str(cell(first, "Guide version") or guide.version), responses=tuple(responses),
                   data_model=values.model(cell(first, "Data model"), at("Data model"), "data model"),
                   data_model_changed=values.yes_no(cell(first, "Data model changed"), at("Data model changed")),
                   current_data_model=values.model(cell(first, "Current data model"), at("Current data model"),
                                                   "current data model"),
                   priorities=tuple(priorities[k] for k in sorted(priorities)),
                   permissions={audience: True} if audience else {},
                   year=values.year(cell(first, "Year"), at("Year")), source=str(path),
                   has_narrative=narrative, kind="export")
    _check_guide(a, guide, problems, name)
    return a, problems


def _text(values: _Values, v, i: int, key: str, loc) -> str:
    """values.text of a row's cell, its location written out only when the cell is not text."""
    if v is None:
        return ""
    if type(v) is str:
        return v
    return values.text(v, loc(i, key), key)


# --- JSON ---

def _depth(value, limit: int) -> bool:
    """True when value nests deeper than limit (checked without recursion)."""
    stack = [(value, 1)]
    while stack:
        v, d = stack.pop()
        if isinstance(v, (list, dict)):
            if d > limit:
                return True
            stack.extend((x, d + 1) for x in (v.values() if isinstance(v, dict) else v))
    return False


def _no_repeats(pairs: list, repeated: list[str]) -> dict:
    """A JSON object as a dict, noting each name given twice (json.loads would keep the last silently)."""
    out: dict = {}
    for key, value in pairs:
        if key in out:
            repeated.append(key)
        out[key] = value
    return out


def _from_json(path: Path, text: str, guide: Guide, problems: Problems) -> tuple[Assessment | None, Problems]:
    name = path.name
    repeated: list[str] = []
    try:
        data = json.loads(text, object_pairs_hook=lambda pairs: _no_repeats(pairs, repeated))
    except json.JSONDecodeError as e:
        problems.error("export-unreadable", f"{name}: line {e.lineno}, column {e.colno}",
                       f"This is not a JSON export ({e.msg}).")
        return None, problems
    except ValueError:  # a number of thousands of digits, which Python refuses to read
        problems.error("export-unreadable", name, "This JSON file holds a number thousands of digits long; an "
                       "export never does, so it was not read.")
        return None, problems
    except RecursionError:
        problems.error("export-too-deep", name, "The JSON nests far deeper than an export ever does; it was not read.")
        return None, problems
    if repeated:
        for key in dict.fromkeys(repeated):
            problems.error("export-repeated-key", name, f"The name {_show(key)} appears twice in one group of this "
                           "JSON file; programs disagree on which value counts, so the file was not read. Export "
                           "it again with ehsg.")
        return None, problems
    if _depth(data, MAX_JSON_DEPTH):
        problems.error("export-too-deep", name, f"The JSON nests deeper than {MAX_JSON_DEPTH} levels; an export "
                       "nests three, so it was not read.")
        return None, problems
    if not isinstance(data, dict) or not isinstance(data.get("scores"), dict):
        problems.error("export-columns", name, "This JSON file is not an ehsg export (no 'scores').")
        return None, problems
    values = _Values(guide, problems, name, typed=True)

    def at(*keys) -> str:
        return f"{name}: " + "".join(f"[{json.dumps(k, ensure_ascii=False)}]" if isinstance(k, str) and "." in k
                                     else (f"[{k}]" if isinstance(k, int) else f".{k}") for k in keys).lstrip(".")

    narratives = data.get("narratives")
    if narratives is not None and not isinstance(narratives, dict):
        problems.error("export-type", at("narratives"), f"narratives must be a group of fields by descriptor, not "
                       f"{_kind(narratives)}.")
        narratives = None
    narratives = narratives or {}
    responses = []
    for d in guide.descriptors:
        if d.id not in data["scores"]:
            problems.error("descriptor-missing", at("scores"), f"Descriptor {d.id} is not in this file.")
            continue
        score = values.score(data["scores"][d.id], at("scores", d.id), d.id)
        n = narratives.get(d.id)
        if n is not None and not isinstance(n, dict):
            problems.error("export-type", at("narratives", d.id), f"The narrative of {d.id} must be a group of "
                           f"fields (working_well, next), not {_kind(n)}.")
            n = None
        n = n or {}
        responses.append(Response(d.id, score,
                                  values.text(n.get("working_well"), at("narratives", d.id, "working_well"),
                                              "working_well"),
                                  values.text(n.get("next"), at("narratives", d.id, "next"), "next"),
                                  at("scores", d.id)))
    for extra in sorted(set(data["scores"]) - {d.id for d in guide.descriptors}):
        problems.warning("descriptor-not-comparable", at("scores", extra),
                         f"'{extra}' is not a descriptor of {guide.stamp}; it cannot be compared.")
    g = data.get("guide")
    if g is not None and not isinstance(g, dict):
        problems.error("export-type", at("guide"), f"guide must be a group of fields (id, version), not {_kind(g)}.")
        g = None
    g = g or {}
    raw_priorities = data.get("priorities")
    priorities: list[str] = []
    if raw_priorities is not None and not isinstance(raw_priorities, list):
        problems.error("export-type", at("priorities"), f"priorities must be a list of descriptor ids such as "
                       f"[\"7.3\", \"6.4\", \"9.4\"], not {_kind(raw_priorities)}.")
    for k, p in enumerate(raw_priorities if isinstance(raw_priorities, list) else ()):
        if not isinstance(p, str):
            problems.error("export-type", at("priorities", k), f"A priority must be a descriptor id as text such "
                           f"as \"7.3\", not {_kind(p)}.")
            continue
        ids, problem = parse_priority_cell(p, guide)
        if problem:
            problems.error(problem[0], at("priorities", k), problem[1])
        elif ids[0] in priorities:
            problems.error("priority-duplicate", at("priorities", k), f"{ids[0]} is already chosen.")
        else:
            priorities.append(ids[0])
    area = values.text(data.get("area"), at("area"), "area")
    if not area.strip():
        problems.error("area-missing", at("area"), "The area's name is missing.")
    audience = values.audience(data.get("audience"), at("audience"))
    a = Assessment(area=area.strip(), guide_id=values.text(g.get("id"), at("guide", "id"), "guide id") or guide.id,
                   guide_version=values.text(g.get("version"), at("guide", "version"), "guide version")
                   or guide.version, responses=tuple(responses),
                   data_model=values.model(data.get("data_model"), at("data_model"), "data model"),
                   data_model_changed=values.yes_no(data.get("data_model_changed"), at("data_model_changed")),
                   current_data_model=values.model(data.get("current_data_model"), at("current_data_model"),
                                                   "current data model"),
                   priorities=tuple(priorities), permissions={audience: True} if audience else {},
                   year=values.year(data.get("year"), at("year")), source=str(path),
                   has_narrative=bool(narratives), kind="export")
    _check_guide(a, guide, problems, name)
    return a, problems


def _check_guide(a: Assessment, guide: Guide, problems: Problems, name: str) -> None:
    if a.guide_id != guide.id:
        problems.warning("other-guide-version", name, f"Made with guide {a.guide_id} {a.guide_version}, compared "
                         f"with {guide.stamp}: only descriptors whose ids match are compared.")
