"""`ehsg import`: a submission made on the national form (Word, PDF or text) → the same Assessment a workbook gives."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..errors import InputFileError
from ..guide import Guide
from ..inputfile import require_regular_file
from ..model import Assessment
from ..office.package import MAX_FILE_BYTES, read_bounded
from ..problems import Problem, Problems
from .blocks import Block
from .landmarks import landmarks
from .text import read_blocks
from .unwrap import pdf_blocks, text_blocks

KINDS = {".docx": "Word document", ".pdf": "PDF", ".txt": "text file", ".doc": "old Word document"}


@dataclass(frozen=True)
class ImportResult:
    """What was read from a submission: the assessment (None when the file could not be read as the form),
    every located problem, and what was found of what the form asks for."""

    source: Path
    assessment: Assessment | None
    problems: tuple[Problem, ...]
    counts: dict  # e.g. {"scores": (31, 31), "narratives": (62, 62), ...}

    @property
    def complete(self) -> bool:
        return self.assessment is not None and not any(p.is_error for p in self.problems)

    def summary(self) -> list[str]:
        """One line per fact of the form: '31 of 31 scores', …"""
        return [f"{found} of {expected} {name}" for name, (found, expected) in self.counts.items()]


def import_submission(source: str | Path, guide: Guide, area: str | None = None,
                      year: int | None = None) -> ImportResult:
    """Read a submission made on the national form. Raises InputFileError only when the file cannot be opened
    at all (missing, a folder) or is of a kind ehsg does not import; everything else is a located problem."""
    path = require_regular_file(source, "submission")
    problems = Problems()
    blocks = read_source(path, guide, problems)
    found = None
    if blocks is not None:
        found = read_blocks(blocks, guide, problems, source=path.name, area=area, year=year)
    return ImportResult(path, found.assessment if found else None, tuple(problems),
                        found.counts if found else {})


def import_to_workbook(source: str | Path, output: str | Path, guide: Guide, area: str | None = None,
                       year: int | None = None) -> ImportResult:
    """Import a submission and write it as an ehsg workbook (written atomically; nothing is written when the
    file could not be read as the national form). What was not found stays blank for `ehsg check` to report."""
    from ..outputs import refuse_overwriting_inputs
    from ..workbook import write_assessment

    refuse_overwriting_inputs(output, [source])
    result = import_submission(source, guide, area=area, year=year)
    if result.assessment is not None:
        write_assessment(guide, result.assessment, output)
    return result


def read_source(path: Path, guide: Guide, problems: Problems) -> list[Block] | None:
    """The document's paragraphs in order, whatever kind of file it is."""
    ending = path.suffix.lower()
    lm = landmarks(guide)
    if ending in (".docx", ".doc", ".docm"):
        from .docx import docx_blocks

        return docx_blocks(path, problems)
    if ending == ".pdf":
        from .pdf import pdf_lines

        read = pdf_lines(path, problems)
        return pdf_blocks(read, lm.standalone, lm.starts_landmark) if read is not None else None
    if ending in (".txt", ".text"):
        data = read_bounded(path)
        if data is None:
            problems.error("text-too-large", path.name,
                           f"The file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB; it was not read.")
            return None
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as e:
            problems.error("text-not-utf8", f"{path.name}: byte {e.start}",
                           "The text file is not in UTF-8. Save it again as UTF-8 text and import that file.")
            return None
        return text_blocks(text, lm.standalone)
    raise InputFileError(f"{path}: ehsg imports a Word document (.docx), a PDF (.pdf) or text extracted from one "
                         f"(.txt); '{path.suffix or 'no ending'}' is none of these.")


__all__ = ["ImportResult", "import_submission", "import_to_workbook", "read_source"]
