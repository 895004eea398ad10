"""Opening a workbook safely: recognise the wrong kind of file, damaged zips and zip bombs first."""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

from .errors import InputFileError
from .problems import Problems

# A filled self-assessment is well under 1 MB unpacked per sheet; these bounds leave
# wide room for long narratives while refusing a zip bomb before anything is inflated.
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
MAX_RATIO = 200
MAX_MEMBERS = 2_000
# A self-assessment sheet has a few dozen rows; a sheet with more than this many is refused
# before openpyxl builds it (a million-row sheet would take minutes and gigabytes).
MAX_SHEET_ROWS = 20_000


@dataclass(frozen=True)
class Inspected:
    """A workbook that is safe to open, and what the inspection learned on the way."""

    has_formulas: bool


def inspect(path: Path, problems: Problems) -> Inspected | None:
    """The inspection when the file looks like a workbook that is safe to open; else None, with a problem."""
    label = path.name
    if not path.exists():
        raise InputFileError(f"{path}: no such file.")
    if path.is_dir():
        raise InputFileError(f"{path}: this is a folder, not a workbook.")
    try:
        with path.open("rb") as f:
            head = f.read(8)
    except OSError as e:
        raise InputFileError(f"{path}: cannot be read ({e.strerror}).") from e
    if not head:
        problems.error("not-a-workbook", label, "The file is empty.")
        return None
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        problems.error("not-a-workbook", label, "This is an old-style Excel (.xls) or other Office 97 file. "
                       "Open it in Excel or LibreOffice and save it as an Excel Workbook (.xlsx).")
        return None
    if not head.startswith(b"PK"):
        hint = " It looks like text (perhaps a CSV file renamed .xlsx)." if _looks_like_text(path) else ""
        problems.error("not-a-workbook", label, f"This is not an Excel workbook (.xlsx).{hint}")
        return None
    try:
        with zipfile.ZipFile(path) as z:
            infos = z.infolist()
            names = {i.filename for i in infos}
    except (zipfile.BadZipFile, OSError, ValueError) as e:
        problems.error("damaged-workbook", label, f"The file is damaged or incomplete and cannot be opened ({e}).")
        return None
    if "xl/workbook.xml" not in names:
        if "word/document.xml" in names:
            what = "This is a Word document, not an Excel workbook."
        elif "ppt/presentation.xml" in names:
            what = "This is a PowerPoint file, not an Excel workbook."
        elif "content.xml" in names:
            what = "This is an OpenDocument file. In LibreOffice, save it as Excel 2007-365 (.xlsx)."
        else:
            what = "This zip file is not an Excel workbook."
        problems.error("not-a-workbook", label, what)
        return None
    if len(infos) > MAX_MEMBERS:
        problems.error("workbook-too-large", label, f"The workbook has {len(infos):,} parts; a self-assessment "
                       f"has a few dozen. It was not opened.")
        return None
    unpacked = sum(i.file_size for i in infos)
    packed = max(1, sum(i.compress_size for i in infos))
    if unpacked > MAX_UNPACKED_BYTES or (unpacked > 10 * 1024 * 1024 and unpacked / packed > MAX_RATIO):
        problems.error("workbook-too-large", label,
                       f"The workbook would unpack to {unpacked / 1024 / 1024:,.0f} MB (packed "
                       f"{packed / 1024 / 1024:,.1f} MB); a self-assessment is far smaller. It was not opened, "
                       "to protect this computer. Save the content into a fresh workbook from 'ehsg template'.")
        return None
    formulas = False
    with zipfile.ZipFile(path) as z:
        for info in infos:
            if info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml"):
                rows, has_formula = _scan_sheet(z, info.filename)
                if rows > MAX_SHEET_ROWS:
                    problems.error("workbook-too-large", f"{label}: {info.filename}",
                                   f"A sheet has more than {MAX_SHEET_ROWS:,} rows; a self-assessment has a few "
                                   "dozen. Delete the rows below the table and save, or copy the table into a "
                                   "fresh workbook from 'ehsg template'.")
                    return None
                formulas = formulas or has_formula
    return Inspected(formulas)


_FORMULA_TAGS = (b"<f>", b"<f ", b":f>", b":f ")


def _scan_sheet(z: zipfile.ZipFile, member: str) -> tuple[int, bool]:
    """One streaming pass over a sheet's XML: its row elements (stopping past the limit) and whether it
    holds a formula, without building a workbook."""
    count, formula = 0, False
    tail = b""  # the last 3 bytes: enough to catch a tag split between chunks, too short to hold a whole one
    with z.open(member) as f:
        while chunk := f.read(1 << 20):
            block = tail + chunk
            count += block.count(b"<row") + block.count(b":row")
            formula = formula or any(tag in block for tag in _FORMULA_TAGS)
            tail = block[-3:]
            if count > MAX_SHEET_ROWS:
                break
    return count, formula


def _looks_like_text(path: Path) -> bool:
    with path.open("rb") as f:
        sample = f.read(512)
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return b"\x00" not in sample
