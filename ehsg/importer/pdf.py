"""A PDF submission as lines with positions, read with pdfplumber, bounded and with every failure located."""

from __future__ import annotations

import io
from pathlib import Path

from ..office.package import MAX_FILE_BYTES, read_bounded, require_regular_file
from ..problems import Problems
from .unwrap import Line

MAX_PAGES = 500  # a submission on the national form runs to 40 or 50 pages


def pdf_lines(path: Path, problems: Problems) -> tuple[list[Line], dict[int, float]] | None:
    """Every line of text in page order and each page's right text edge; None (with a problem) on failure."""
    path = require_regular_file(path, "PDF")
    label = path.name
    data = read_bounded(path)
    if data is None:
        problems.error("pdf-too-large", label, f"The file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB; a "
                       "submission is far smaller. It was not opened.")
        return None
    if not data.lstrip()[:5] == b"%PDF-":
        problems.error("not-a-pdf", label, "This is not a PDF file (it does not start as a PDF does).")
        return None
    import pdfplumber

    lines: list[Line] = []
    edges: dict[int, float] = {}
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            pages = pdf.pages
            if len(pages) > MAX_PAGES:
                problems.error("pdf-too-many-pages", label, f"The PDF has {len(pages):,} pages; a submission has "
                               f"far fewer than {MAX_PAGES}. It was not read.")
                return None
            for n, page in enumerate(pages, start=1):
                found = page.extract_text_lines(strip=True, return_chars=True)
                for item in found:
                    lines.append(Line(item["text"], n, item["x0"], item["x1"], item["top"], item["bottom"],
                                      _first_word(item.get("chars") or [])))
                if found:
                    edges[n] = max(item["x1"] for item in found)
                page.flush_cache()
    except Exception as e:  # pdfminer raises many kinds of error on damaged or protected files
        if _encrypted(e):
            problems.error("pdf-password-protected", label, "The PDF is protected with a password, so its text "
                           "cannot be read. Save a copy without the password (or import the Word document).")
        else:
            problems.error("pdf-damaged", label, f"The PDF is damaged and cannot be read ({type(e).__name__}).")
        return None
    if not any(line.text.strip() for line in lines):
        problems.error("pdf-no-text", label, "The PDF holds no text, only images (a scan?). ehsg reads text: "
                       "import the Word document it was made from, or a PDF saved from Word.")
        return None
    return lines, edges


def _first_word(chars: list[dict]) -> float:
    """Width of a line's first word. Many PDFs draw no space characters, so a word ends where the gap to the
    next character is wider than a fifth of the font size."""
    glyphs = [c for c in chars if not c.get("text", "").isspace()]
    if not glyphs:
        return 0.0
    end = glyphs[0]
    for c in glyphs[1:]:
        if c["x0"] - end["x1"] > 0.2 * max(end.get("size", 10.0), 1.0):
            break
        end = c
    return end["x1"] - glyphs[0]["x0"]


def _encrypted(e: BaseException) -> bool:
    seen = e
    while seen is not None:
        name = type(seen).__name__.lower()
        if "password" in name or "encrypt" in name or "password" in str(seen).lower():
            return True
        seen = seen.__cause__ or seen.__context__ or (seen.args[0] if seen.args and isinstance(
            seen.args[0], BaseException) else None)
    return False
