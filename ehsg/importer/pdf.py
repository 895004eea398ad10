"""A PDF submission as lines with positions, read with PDFium (pypdfium2), bounded, every failure located."""

from __future__ import annotations

from pathlib import Path

from ..inputfile import require_regular_file
from ..office.package import MAX_FILE_BYTES, read_bounded
from ..problems import Problems
from .bounded_read import read_in_worker
from .unwrap import Line

MAX_PAGES = 500  # a submission on the national form runs to 40 or 50 pages
# A PDF's pages are packed: a 1 MB file can hold gigabytes of page content. PDFium reads it in a worker
# process with a deadline and a memory bound (a 50-page submission reads in a second or two, in ~100 MB).
READ_SECONDS = 60
READ_MEMORY = 1024 * 1024 * 1024


def pdf_lines(path: Path, problems: Problems) -> list[Line] | None:
    """Every line of text in page order with its box; None (with a problem) on failure."""
    path = require_regular_file(path, "PDF")
    label = path.name
    data = read_bounded(path)
    if data is None:
        problems.error("pdf-too-large", label, f"The file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB; a "
                       "submission is far smaller. It was not opened.")
        return None
    if data.lstrip()[:5] != b"%PDF-":
        problems.error("not-a-pdf", label, "This is not a PDF file (it does not start as a PDF does).")
        return None
    return read_in_worker(_work, data, label, READ_SECONDS, READ_MEMORY, problems, _stopped, "pdf-too-large")


def _stopped(kind: str) -> str:
    if kind == "time":
        return (f"Reading the PDF took longer than {READ_SECONDS} seconds and was stopped; a submission reads in "
                "seconds. Import the Word document it was made from.")
    return ("Reading the PDF used more memory than allowed and was stopped (its pages unpack to far more than a "
            "submission holds). Import the Word document it was made from.")


def _work(data: bytes, label: str):
    problems = Problems()
    lines = _read(data, label, problems)
    return ("found", lines) if lines is not None else ("problems", list(problems))


def _read(data: bytes, label: str, problems: Problems) -> list[Line] | None:
    import pypdfium2 as pdfium

    lines: list[Line] = []
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as e:
        if "password" in str(e).lower():
            problems.error("pdf-password-protected", label, "The PDF is protected with a password, so its text "
                           "cannot be read. Save a copy without the password (or import the Word document).")
        else:
            problems.error("pdf-damaged", label, f"The PDF is damaged and cannot be read ({e}).")
        return None
    try:
        if len(pdf) > MAX_PAGES:
            problems.error("pdf-too-many-pages", label, f"The PDF has {len(pdf):,} pages; a submission has far "
                           f"fewer than {MAX_PAGES}. It was not read.")
            return None
        for n in range(len(pdf)):
            page = pdf[n]
            try:
                found = _page_lines(page, n + 1)
            finally:
                page.close()
            lines.extend(found)
    except pdfium.PdfiumError as e:
        problems.error("pdf-damaged", label, f"The PDF is damaged and cannot be read ({e}).")
        return None
    finally:
        pdf.close()
    if not any(line.text.strip() for line in lines):
        problems.error("pdf-no-text", label, "The PDF holds no text, only images (a scan?). ehsg reads text: "
                       "import the Word document it was made from, or a PDF saved from Word.")
        return None
    return lines


def _page_lines(page, number: int) -> list[Line]:
    """The page's lines as PDFium orders them, each with its box measured from the top of the page."""
    import pypdfium2.raw as pdfium_c

    height = page.get_height()
    tp = page.get_textpage()
    try:
        count = tp.count_chars()
        text = tp.get_text_range() if count else ""
        if len(text) != count:  # one character per box is what the positions below rely on
            return [Line(t, number, 0.0, 0.0, 0.0, 0.0, 0.0) for t in text.splitlines()]
        out, pos = [], 0
        for segment in text.split("\n"):  # PDFium ends each line it finds with "\r\n"
            chars = [(text[i], None if text[i].isspace() else tp.get_charbox(i, loose=True))
                     for i in range(pos, pos + len(segment))]
            first = next((i for i in range(pos, pos + len(segment)) if not text[i].isspace()), None)
            size = float(pdfium_c.FPDFText_GetFontSize(tp.raw, first)) if first is not None else 0.0
            pos += len(segment) + 1
            out.extend(_pieces(chars, number, height, size))
        return out
    finally:
        tp.close()


def _pieces(chars: list, number: int, height: float, size: float) -> list[Line]:
    """One line of the page as the pieces of text it is made of: side-by-side table cells come apart where
    the space between two characters is far wider than a space between words."""
    pieces: list[list] = [[]]
    last = None
    for c, box in chars:
        if box is not None:
            if last is not None and box[0] - last[2] > max(9.0, 0.9 * (last[3] - last[1])):
                pieces.append([])
            last = box
        pieces[-1].append((c, box))
    out = []
    for piece in pieces:
        boxes = [b for _, b in piece if b is not None]
        if not boxes:
            continue
        words = "".join(c for c, _ in piece).strip(" \r")
        first = next((i for i, (c, b) in enumerate(piece) if b is None and i > 0 and piece[i - 1][1] is not None),
                     None)
        first_end = piece[first - 1][1][2] if first is not None else boxes[-1][2]
        # PDFium marks a hyphen that ends a line as U+FFFE (or U+0002): it is the hyphen the page shows
        words = words.replace("\ufffe", "-").replace("\x02", "-")
        out.append(Line(words, number, min(b[0] for b in boxes), max(b[2] for b in boxes),
                        height - max(b[3] for b in boxes), height - min(b[1] for b in boxes), first_end - boxes[0][0],
                        size))
    return out
