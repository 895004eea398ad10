"""Reading an untrusted workbook in one hardened pass: the package inspected, every worksheet part bounded,
then its values read with calamine from the same bytes.

The XML pass over each worksheet (found through the workbook's relationships, wherever it is stored)
bounds rows, cells, cell references, merged and hyperlink ranges and shared-string indexes before
calamine lays out a grid, and collects what calamine does not give: formulas, hidden rows and merged
cells. openpyxl is not used for reading at all.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from pathlib import Path

from ..problems import Problems
from ..terminal import quoted
from .package import XLSX, Package, inspect_package
from .sheets import Book, Range, Sheet

# A self-assessment sheet has a few dozen rows and a handful of columns. These bounds leave wide room
# for long narratives and spare rows while refusing, before any grid is laid out, a sheet built to
# exhaust this computer's memory or time.
MAX_SHEET_ROWS = 20_000
MAX_SHEET_COLUMNS = 1_000
MAX_SHEET_CELLS = 200_000
MAX_SHEETS = 250
MAX_RANGE_CELLS = 100_000
MAX_SHARED_STRINGS = 500_000
_EXCEL_ROWS, _EXCEL_COLUMNS = 1_048_576, 16_384

_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_STRICT_NS = "http://purl.oclc.org/ooxml/spreadsheetml/main"
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_WORKSHEET_REL = "/worksheet"
_REF = re.compile(r"^\$?([A-Za-z]{1,3})\$?([0-9]{1,7})$")
_RANGE = re.compile(r"^\$?([A-Za-z]{1,3})\$?([0-9]{1,7})(?::\$?([A-Za-z]{1,3})\$?([0-9]{1,7}))?$")
_SAVE_AS = "Open it in Excel or LibreOffice and save it as an Excel Workbook (.xlsx)."


class _Refused(Exception):
    """Raised inside the sheet pass when a bound is crossed: the problem is recorded, the pass stops."""


@dataclass(frozen=True)
class _SheetPart:
    title: str
    member: str


def read_workbook(path: str | Path, problems: Problems, label: str | None = None) -> Book | None:
    """The workbook's sheets, or None with located problems. Raises InputFileError only for an unusable path."""
    path = Path(path)
    label = label or path.name
    if _is_lock_file(path):
        owner = path.name[2:]
        problems.error("excel-lock-file", label, f"This is Excel's lock file for {owner}, made while {owner} is "
                       f"open in Excel; it holds no answers. Open {owner} instead.")
        return None
    pkg = inspect_package(path, problems, XLSX, label)
    if pkg is None:
        return None
    parts = _sheet_parts(pkg, label, problems)
    if parts is None:
        return None
    strings = _count_shared_strings(pkg, label, problems)
    if strings is None:
        return None
    scans = {}
    for part in parts:
        scan = _scan_sheet(pkg.members[part.member], part, label, strings, problems)
        if scan is not None:
            scans[part.title] = scan
    if problems.errors:
        return None
    return _with_values(pkg, parts, scans, label, problems)


def _is_lock_file(path: Path) -> bool:
    """Excel's owner file (~$name.xlsx): a few hundred bytes that are not a zip."""
    if not path.name.startswith("~$"):
        return False
    try:
        with path.open("rb") as f:
            head = f.read(4)
    except OSError:
        return False
    return not head.startswith(b"PK") and path.stat().st_size < 4096


def _parse(content: bytes, where: str, problems: Problems):
    """A small XML part (workbook, relationships) as a tree; entities were refused before, and stay off."""
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        return etree.fromstring(content, parser)
    except etree.XMLSyntaxError as e:
        problems.error("damaged-workbook", where, f"This part's XML is damaged ({_clean(str(e))}). {_SAVE_AS}")
        return None


def _clean(text: str) -> str:
    """A parser's message, safe to print: control characters shown as codes."""
    text = re.sub(r" \(<string>, line \d+\)$", "", text)
    return quoted(text, 200)


def _strict(label: str, problems: Problems) -> None:
    problems.error("strict-ooxml", label, "This workbook is saved as 'Strict Open XML Spreadsheet', which ehsg "
                   "does not read. Open it in Excel and save it as an ordinary 'Excel Workbook (.xlsx)'.")


def _sheet_parts(pkg: Package, label: str, problems: Problems) -> list[_SheetPart] | None:
    """Each worksheet's title and part, through workbook.xml and its relationships (wherever a part is stored)."""
    book = _parse(pkg.members["xl/workbook.xml"], f"{label}: xl/workbook.xml", problems)
    if book is None:
        return None
    ns = _namespace(book.tag)
    if ns == _STRICT_NS:
        _strict(label, problems)
        return None
    if ns != _MAIN_NS:
        problems.error("damaged-workbook", f"{label}: xl/workbook.xml", f"This part is not an Excel workbook's "
                       f"contents list. {_SAVE_AS}")
        return None
    rels_name = "xl/_rels/workbook.xml.rels"
    rels_xml = pkg.members.get(rels_name)
    if rels_xml is None:
        problems.error("damaged-workbook", f"{label}: {rels_name}", "This part, which says where each sheet is "
                       f"stored, is missing; the file is damaged. {_SAVE_AS}")
        return None
    rels = _parse(rels_xml, f"{label}: {rels_name}", problems)
    if rels is None:
        return None
    targets = {}
    for rel in rels.iter(f"{{{_PKG_REL_NS}}}Relationship"):
        if (rel.get("Type") or "").endswith(_WORKSHEET_REL) and rel.get("TargetMode") != "External":
            target = rel.get("Target") or ""
            member = target.lstrip("/") if target.startswith("/") else posixpath.normpath(f"xl/{target}")
            targets[rel.get("Id")] = member
    sheets = list(book.iter(f"{{{_MAIN_NS}}}sheet"))
    if len(sheets) > MAX_SHEETS:
        problems.error("workbook-too-large", label, f"The workbook has {len(sheets):,} sheets; a self-assessment "
                       "has about a dozen. It was not opened.")
        return None
    parts, seen = [], set()
    for sheet in sheets:
        title = sheet.get("name") or ""
        member = targets.get(sheet.get(f"{{{_REL_NS}}}id"))
        if member is None:
            continue  # a chart sheet or a macro sheet: no cells to read
        if member not in pkg.members:
            problems.error("damaged-workbook", f"{label}: {member}", f"The sheet '{_clean(title)}' is listed but its "
                           f"part is missing; the file is damaged. {_SAVE_AS}")
            continue
        if member in seen:
            problems.error("damaged-workbook", f"{label}: {member}", f"Two sheets share one part ('{_clean(title)}'); "
                           f"the file was not made by Excel. {_SAVE_AS}")
            continue
        seen.add(member)
        parts.append(_SheetPart(title, member))
    return None if problems.errors else parts


def _namespace(tag: str) -> str:
    return tag[1:].split("}", 1)[0] if tag.startswith("{") else ""


_SI = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?si[\s/>]")


def _count_shared_strings(pkg: Package, label: str, problems: Problems) -> int | None:
    """How many shared strings the workbook holds (cells may only point inside the table)."""
    name = next((n for n in pkg.members if n.lower() == "xl/sharedstrings.xml"), None)
    if name is None:
        return 0
    count = len(_SI.findall(pkg.members[name]))
    if count > MAX_SHARED_STRINGS:
        problems.error("workbook-too-large", f"{label}: {name}", f"The workbook holds {count:,} pieces of text; a "
                       "self-assessment holds a few hundred. It was not opened.")
        return None
    return count


# Opening tags of a cell, with or without a prefix: counted in the raw bytes (an over-count at worst).
_CELL_TAGS = (b"<c ", b"<c>", b"<c/", b"<c\t", b"<c\n", b"<c\r", b":c ", b":c>", b":c/", b":c\t", b":c\n", b":c\r")


def _scan_sheet(content: bytes, part: _SheetPart, label: str, strings: int, problems: Problems):
    """One pass over a worksheet part: rows and cells counted in the raw bytes before anything is built, then
    the part parsed and walked for cell positions, formulas, hidden rows, merged and hyperlink ranges."""
    from lxml import etree

    where = f"{label}: {part.member}"
    title = _clean(part.title)
    state = _ScanState()
    try:
        # Counted on the bytes (an over-count at worst), so a million rows are refused before a tree is built.
        # A row's tag takes at least 6 bytes and a cell's 4: a smaller part cannot cross either bound.
        if len(content) > 6 * MAX_SHEET_ROWS:
            if content.count(b"<row") + content.count(b":row") > MAX_SHEET_ROWS:
                state.too_many_rows(where, title, problems)
            if sum(content.count(tag) for tag in _CELL_TAGS) > MAX_SHEET_CELLS:
                state.too_many_cells(where, title, problems)
        parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                                 remove_comments=True)
        try:
            root = etree.fromstring(content, parser)
        except etree.XMLSyntaxError as e:
            problems.error("damaged-workbook", where, f"The sheet '{title}' is damaged ({_clean(str(e))}). {_SAVE_AS}")
            return None
        ns = _namespace(root.tag)
        if ns == _STRICT_NS:
            _strict(label, problems)
            return None
        q = f"{{{ns}}}" if ns else ""
        cell_tag, f_tag, v_tag = f"{q}c", f"{q}f", f"{q}v"
        fast = _fast_scan(content, root, ns, strings)
        if fast is not None:
            state = fast
            for tag in ("mergeCell", "hyperlink"):
                for el in root.iter(f"{q}{tag}"):
                    state.ranged(tag, el.get("ref") or "", where, title, problems)
            return state
        for row in root.iter(f"{q}row"):
            state.start_row(row.get("r"), row.get("hidden"), where, title, problems)
            for c in row.iterchildren(cell_tag):
                state.cell(c, f_tag, v_tag, where, title, strings, problems)
        if sum(1 for _ in root.iter(cell_tag)) != state.cells:
            problems.error("damaged-workbook", where, f"The sheet '{title}' has cells outside its rows, which Excel "
                           f"never writes; the file is damaged. {_SAVE_AS}")
            return None
        for tag in ("mergeCell", "hyperlink"):
            for el in root.iter(f"{q}{tag}"):
                state.ranged(tag, el.get("ref") or "", where, title, problems)
    except _Refused:
        return None
    return state


# Cells and rows as Excel, LibreOffice and openpyxl write them: the reference first, numbered.
_CELL_REF = re.compile(rb'<c r="([A-Z]{1,3})([1-9][0-9]{0,6})"[ />]')
_ROW_REF = re.compile(rb'<row r="([1-9][0-9]{0,6})"[ />]')
_SHARED_INDEX = re.compile(rb'<c r="[A-Z]{1,3}[1-9][0-9]{0,6}"(?: s="[0-9]+")? t="s"(?: s="[0-9]+")?>\s*<v>([0-9]+)</v>')
_QUERIES: dict[str, dict] = {}


def _queries(ns: str) -> dict:
    """Compiled queries for one namespace (the parser counts; Python handles only what they return)."""
    if ns not in _QUERIES:
        from lxml import etree

        def q(path, **kw):
            return etree.XPath(path, namespaces={"m": ns}, smart_strings=False, **kw)
        _QUERIES[ns] = {"cells": q("count(//m:c)"), "in_rows": q("count(//m:row/m:c)"), "rows": q("count(//m:row)"),
                        "formulas": q("//m:f"), "hidden": q("//m:row[@hidden='1' or @hidden='true']/@r")}
    return _QUERIES[ns]


def _fast_scan(content: bytes, root, ns: str, strings: int) -> "_ScanState | None":
    """The same findings as the cell-by-cell walk, read from the raw bytes and counted by the parser, for a sheet
    written as Excel, LibreOffice and openpyxl write it (every row and cell numbered, reference first) and within
    bounds. None when anything differs (a cell outside every row is numbered in the bytes but not counted in a
    row), and the walk then finds and reports what is wrong."""
    if not ns:
        return None
    q = _queries(ns)
    pairs = _CELL_REF.findall(content)
    rows = _ROW_REF.findall(content)
    cells = q["cells"](root)
    if len(pairs) != cells or cells != q["in_rows"](root) or len(rows) != q["rows"](root):
        return None
    state = _ScanState()
    state.cells = len(pairs)
    state.last_row = max([int(r) for r in {p[1] for p in pairs}.union(rows)] or [0])
    state.last_col = max([column_number(c.decode()) for c in {p[0] for p in pairs}] or [0])
    if state.cells > MAX_SHEET_CELLS or state.last_col > MAX_SHEET_COLUMNS or state.last_row > MAX_SHEET_ROWS:
        return None
    if b"t='s'" in content:
        return None
    shared = content.count(b' t="s"')  # an over-count (the same words typed in a cell) only sends us to the walk
    if shared:
        indexes = _SHARED_INDEX.findall(content)
        if len(indexes) != shared or max(map(int, indexes)) >= strings:
            return None
    for f in q["formulas"](root):
        m = _REF.match(f.getparent().get("r") or "")
        if m is None:
            return None
        state.formulas[(int(m.group(2)), column_number(m.group(1)))] = _formula(f, state.shared)
    state.hidden = {int(r) for r in q["hidden"](root)} if b"hidden" in content else set()
    return state


class _ScanState:
    """What one pass over a sheet learns; limits are checked as each row and cell arrives."""

    def __init__(self) -> None:
        self.row = 0
        self.col = 0
        self.rows = 0
        self.cells = 0
        self.last_row = 0
        self.last_col = 0
        self.formulas: dict[tuple[int, int], str] = {}
        self.shared: dict[str, str] = {}
        self.hidden: set[int] = set()
        self.merges: list[Range] = []

    def too_many_rows(self, where: str, title: str, problems: Problems) -> None:
        problems.error("workbook-too-large", where, f"The sheet '{title}' has more than {MAX_SHEET_ROWS:,} rows; "
                       "a self-assessment has a few dozen. Delete the rows below the table and save, or copy the "
                       "table into a fresh blank workbook made by ehsg.")
        raise _Refused

    def too_many_cells(self, where: str, title: str, problems: Problems) -> None:
        problems.error("workbook-too-large", where, f"The sheet '{title}' has more than {MAX_SHEET_CELLS:,} cells; "
                       "it was not opened, to protect this computer. Delete what lies beyond the table and save, or "
                       "copy the table into a fresh blank workbook made by ehsg.")
        raise _Refused

    def start_row(self, r: str | None, hidden: str | None, where: str, title: str, problems: Problems) -> None:
        self.rows += 1
        if r is None:
            self.row += 1
        elif re.fullmatch(r"[0-9]{1,7}", r) and 0 < int(r) <= _EXCEL_ROWS:  # not isdigit(): it takes '²'
            self.row = int(r)
        else:
            problems.error("damaged-workbook", where, f"The sheet '{title}' has a row numbered {_clean(r)!r}, which "
                           f"Excel never writes; the file is damaged. {_SAVE_AS}")
            raise _Refused
        self.col = 0
        if self.rows > MAX_SHEET_ROWS or self.row > MAX_SHEET_ROWS:
            self.too_many_rows(where, title, problems)
        if hidden in ("1", "true"):
            self.hidden.add(self.row)

    def cell(self, el, f_tag: str, v_tag: str, where: str, title: str, strings: int, problems: Problems) -> None:
        ref = el.get("r")
        if ref is None:
            self.col += 1
        else:
            m = _REF.match(ref)
            if m is None:
                problems.error("damaged-workbook", where, f"The sheet '{title}' has a cell named {_clean(ref)!r}, "
                               f"which is not a cell reference; the file is damaged. {_SAVE_AS}")
                raise _Refused
            self.col = column_number(m.group(1))
            self.row = int(m.group(2))
            if self.col > _EXCEL_COLUMNS or not 1 <= int(m.group(2)) <= _EXCEL_ROWS:
                problems.error("damaged-workbook", where, f"The sheet '{title}' has a cell {_clean(ref)} outside "
                               f"Excel's grid; the file is damaged. {_SAVE_AS}")
                raise _Refused
        self.cells += 1
        self.last_row = max(self.last_row, self.row)
        self.last_col = max(self.last_col, self.col)
        if self.cells > MAX_SHEET_CELLS or self.col > MAX_SHEET_COLUMNS or self.row > MAX_SHEET_ROWS:
            what = (f"more than {MAX_SHEET_CELLS:,} cells" if self.cells > MAX_SHEET_CELLS else
                    f"a cell at {column_letter(self.col)}{self.row}, far beyond any self-assessment table")
            problems.error("workbook-too-large", where, f"The sheet '{title}' has {what}; it was not opened, to "
                           "protect this computer. Delete what lies beyond the table and save, or copy the table "
                           "into a fresh blank workbook made by ehsg.")
            raise _Refused
        kind = el.get("t")
        formula = el.find(f_tag)
        value = el.findtext(v_tag) if kind == "s" else None
        if kind == "s" and value is not None:
            text = value.strip()
            if not re.fullmatch(r"[0-9]{1,12}", text) or int(text) >= strings:
                at = f"{title}!{column_letter(self.col)}{self.row}"
                problems.error("damaged-workbook", f"{where} ({at})", f"The cell {at} points to text number "
                               f"{_clean(text)!r}, but the workbook holds {strings:,}; the file is damaged. {_SAVE_AS}")
                raise _Refused
        if formula is not None:
            self.formulas[(self.row, self.col)] = _formula(formula, self.shared)

    def ranged(self, tag: str, ref: str, where: str, title: str, problems: Problems) -> None:
        what = "merged range" if tag == "mergeCell" else "hyperlink range"
        first = ref.split()[0] if ref.split() else ""
        m = _RANGE.match(first)
        if m is None:
            problems.error("damaged-workbook", where, f"The sheet '{title}' has a {what} {_clean(ref)!r} that is not "
                           f"a range of cells; the file is damaged. {_SAVE_AS}")
            raise _Refused
        c1, r1 = column_number(m.group(1)), int(m.group(2))
        c2, r2 = (column_number(m.group(3)), int(m.group(4))) if m.group(3) else (c1, r1)
        r1, r2, c1, c2 = min(r1, r2), max(r1, r2), min(c1, c2), max(c1, c2)
        size = (r2 - r1 + 1) * (c2 - c1 + 1)
        if size > MAX_RANGE_CELLS or r2 > MAX_SHEET_ROWS or c2 > MAX_SHEET_COLUMNS:
            problems.error("range-too-large", f"{title}!{_clean(first)}", f"This {what} covers {size:,} cells, far "
                           "beyond any self-assessment table; the workbook was not opened, to protect this "
                           f"computer. Remove the {what} and save.")
            raise _Refused
        if tag == "mergeCell":
            self.merges.append(Range(r1, c1, r2, c2))


def column_number(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


def column_letter(col: int) -> str:
    """1 → A, 28 → AB: the letters Excel shows above a column."""
    out = ""
    while col > 0:
        col, rem = divmod(col - 1, 26)
        out = chr(65 + rem) + out
    return out


def _with_values(pkg: Package, parts: list[_SheetPart], scans: dict, label: str, problems: Problems) -> Book | None:
    """Values from calamine, read from the inspected bytes, laid into sheets with what the pass found."""
    from python_calamine import CalamineWorkbook

    sheets = []
    where = label
    try:
        with CalamineWorkbook.from_filelike(pkg.open()) as wb:
            for part in parts:
                where = f"{label}: {part.member}"
                scan = scans[part.title]
                rows = wb.get_sheet_by_name(part.title).to_python(skip_empty_area=False) if scan.cells else []
                sheets.append(Sheet(part.title, rows, max(scan.last_row, len(rows)), scan.formulas,
                                    frozenset(scan.hidden), tuple(scan.merges)))
    except (KeyboardInterrupt, SystemExit, MemoryError):
        raise
    except BaseException as e:  # calamine's own errors, and a panic in its Rust code, which is no Exception
        problems.error("damaged-workbook", where, f"The workbook cannot be read: it is damaged ({_clean(str(e))}). "
                       f"{_SAVE_AS}")
        return None
    return Book(tuple(sheets))


def _formula(f, shared: dict[str, str]) -> str:
    """A cell's formula as typed (with its '='): a shared formula's later cells hold only its index, so the
    text its first cell gave is kept in `shared` and used for them."""
    text = f.text or ""
    si = f.get("si")
    if f.get("t") == "shared" and si is not None:
        if text:
            shared[si] = text
        else:
            text = shared.get(si, "")
    return "=" + text
