"""Make tests/data/import/: one published submission laid out as areas really lay out the national form.

    python tests/data/make_import_layouts.py [OUT_DIR]

Reads the published 2022 submission (../shared/seeds/004_….txt beside the checkout) and writes:

- reference.json     what the submission says, read from the seed here, on its own terms (line by line,
                     with the seed's PDF line wraps joined back into sentences); it shares no code with ehsg
- tables.docx        each descriptor's score and first answer in a two-column table, as on the form, the
                     second answer in paragraphs below with blank paragraphs between them, priorities in
                     a table, permission answers in their own paragraphs
- paragraphs.docx    everything in paragraphs, no heading styles, the score on its label's line, each
                     section on a new page, a running page header and a page-number footer
- paragraphs.pdf     paragraphs.docx printed to PDF by LibreOffice (when LibreOffice is installed)
- tables.pdf         tables.docx printed likewise: table cells side by side on the page

The tests import each layout and compare it with reference.json, fact by fact.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
SEED_NAME = "004_d9c2f1ded2bd0d1f.txt"
# beside the checkout (../shared/seeds), or beside the folder of checkouts it sits in
SEED = next((p for p in (REPO.parent / "shared" / "seeds" / SEED_NAME, REPO.parent.parent / "shared" / "seeds" /
                         SEED_NAME) if p.exists()), REPO.parent / "shared" / "seeds" / SEED_NAME)
OUT = HERE / "import"

SCORE_LABEL = "Self-Assessment Score – Answer 0 to 5 – see scale above"
WW_LABEL = "What is working well and what evidence do you have?"
NEXT_LABEL = "What are you prioritising next?"
SECTIONS = ["Family voice and experience", "Workforce", "Communities", "Leaders", "Data"]
EA_HEADING = "Earned Autonomy Criteria and Eligibility – for information only"
YEAR = 2022


# --- The reference: read from the seed, line by line. ---

def seed_lines() -> list[str]:
    return SEED.read_text(encoding="utf-8").split("\n")


def join_wrapped(lines: list[str]) -> str:
    """The seed's narrative lines as paragraphs: blank lines separate paragraphs; a line the PDF broke
    mid-sentence (no closing punctuation, next line not a list item) is joined with a space; any other
    line end is kept as a line break."""
    paragraphs, current = [], []
    for raw in lines + [""]:
        line = raw.strip()
        if not line:
            if current:
                paragraphs.append("".join(current))
                current = []
            continue
        if not current:
            current.append(line)
            continue
        before = current[-1].split("\n")[-1]
        ends = re.search(r"[.!?:;][\"'’”)]*$", before)
        item = re.match(r"(•|-|–|\*|[a-z0-9]{1,2}[.)]) ", line)
        current.append(("\n" if ends or item else " ") + line)
    return "\n\n".join(paragraphs)


def reference() -> dict:
    lines = seed_lines()
    heading = re.compile(r"^(\d)\.(\d) - (.*)$")
    starts = [i for i, line in enumerate(lines) if heading.match(line)]
    ea = next(i for i, line in enumerate(lines) if line.startswith("Earned Autonomy Criteria and Eligibility"))
    descriptors = []
    for k, start in enumerate(starts):
        end = starts[k + 1] if k + 1 < len(starts) else ea
        block = [line.strip() for line in lines[start + 1:end]]
        while block and (not block[-1] or block[-1] in SECTIONS):
            block.pop()
        ww_at, next_at = block.index(WW_LABEL), block.index(NEXT_LABEL)
        score_at = next(i for i in range(ww_at + 1, next_at) if block[i].isdigit())
        ww = [line for i, line in enumerate(block[ww_at + 1:next_at], start=ww_at + 1) if i != score_at]
        m = heading.match(lines[start])
        descriptors.append({"id": f"{m.group(1)}.{m.group(2)}", "heading": lines[start].strip(),
                            "score": int(block[score_at]), "working_well": join_wrapped(ww),
                            "next": join_wrapped(block[next_at + 1:])})
    text = "\n".join(lines)
    model = re.search(r"^(\w+)'s data model \(as submitted in the September 2021 data survey\): (\d)$", text, re.M)
    changed = re.search(r"has changed since you submitted the data survey in September 2021\? (Yes|No)\.", text)
    priorities = re.findall(r"^Descriptor (?:one|two|three): (\d\.\d) – ", text, re.M)
    answers = re.findall(r"^Please (?:acknowledge|confirm) that .*: (Yes|No)\.\s*$", text, re.M)
    return {"area": model.group(1), "year": YEAR, "data_model": int(model.group(2)),
            "data_model_changed": changed.group(1) == "Yes", "current_data_model": None,
            "priorities": priorities,
            "permissions": dict(zip(("dfe", "coordinators", "ogd"), (a == "Yes" for a in answers))),
            "descriptors": descriptors}


def parts(lines: list[str]) -> dict:
    """The seed's non-descriptor text, by part: front matter and the parts after the descriptors."""
    first = next(i for i, line in enumerate(lines) if re.match(r"^5\.1 - ", line))
    ea = next(i for i, line in enumerate(lines) if line.startswith("Earned Autonomy Criteria and Eligibility"))
    selection = next(i for i, line in enumerate(lines) if line.startswith("Selection of Descriptors"))
    permission = next(i for i, line in enumerate(lines) if line.startswith("Permission to Share"))

    def paras(a, b):
        return [line.strip() for line in lines[a:b] if line.strip()]
    front = [p for p in paras(0, first) if p not in SECTIONS[:1]]
    return {"front": front, "ea": paras(ea, selection), "selection": paras(selection, permission),
            "permissions": paras(permission, len(lines))}


# --- The layouts. ---

def _doc():
    from docx import Document
    from docx.shared import Pt

    doc = Document()
    normal = doc.styles["Normal"]
    normal.font.name, normal.font.size = "Arial", Pt(11)
    normal.paragraph_format.space_after = Pt(8)
    return doc


def _para(doc_or_cell, text: str, bold: bool = False, style: str | None = None):
    p = doc_or_cell.add_paragraph(style=style) if style else doc_or_cell.add_paragraph()
    if text:
        run = p.add_run(text)  # python-docx writes "\n" as a line break inside the paragraph
        run.bold = bold
    return p


def _narrative_paragraphs(text: str) -> list[str]:
    return text.split("\n\n")


def tables_layout(ref: dict, seed: dict, path: Path) -> None:
    doc = _doc()
    _para(doc, "Early Help System Guide self-assessment", style="Title")
    _para(doc, f"{ref['area']} {ref['year']}", style="Subtitle")
    for text in seed["front"]:
        _para(doc, text)
    section = None
    for d in ref["descriptors"]:
        number = int(d["id"].split(".")[0])
        if number != section:
            section = number
            _para(doc, SECTIONS[number - 5], style="Heading 1")
        _para(doc, d["heading"], style="Heading 2")
        t = doc.add_table(rows=2, cols=2)
        t.style = "Table Grid"
        t.cell(0, 0).text, t.cell(0, 1).text = SCORE_LABEL, WW_LABEL
        t.cell(1, 0).text = str(d["score"])
        cell = t.cell(1, 1)
        first, *rest = _narrative_paragraphs(d["working_well"])
        cell.paragraphs[0].add_run(first)
        for text in rest:
            cell.add_paragraph().add_run(text)
        _para(doc, NEXT_LABEL, bold=True)
        for text in _narrative_paragraphs(d["next"]):
            _para(doc, text)
            _para(doc, "")  # a blank paragraph between paragraphs, as many people type
    for text in seed["ea"]:
        _para(doc, text, style="Heading 1" if text == EA_HEADING else None)
    chosen = [t for t in seed["selection"] if t.startswith("Descriptor ")]
    for text in seed["selection"]:
        if text not in chosen:
            _para(doc, text)
    t = doc.add_table(rows=len(chosen), cols=2)
    t.style = "Table Grid"
    for r, text in enumerate(chosen):
        label, value = text.split(": ", 1)
        t.cell(r, 0).text, t.cell(r, 1).text = label + ":", value
    for text in seed["permissions"]:
        m = re.match(r"^(Please .*): (Yes\.|No\.)$", text)
        if m:  # the question, then its answer in a paragraph of its own
            _para(doc, m.group(1))
            _para(doc, m.group(2), bold=True)
        else:
            _para(doc, text)
    doc.save(path)


def paragraphs_layout(ref: dict, seed: dict, path: Path) -> None:
    from docx.enum.text import WD_BREAK

    doc = _doc()
    _para(doc, f"Early Help System Guide self-assessment: {ref['area']} {ref['year']}", bold=True)
    _para(doc, f"{ref['area']} {ref['year']}")
    for text in seed["front"]:
        _para(doc, text)
    section = None
    for d in ref["descriptors"]:
        number = int(d["id"].split(".")[0])
        if number != section:
            section = number
            _para(doc, SECTIONS[number - 5], bold=True).runs[0].add_break(WD_BREAK.PAGE)
        _para(doc, d["heading"], bold=True)
        _para(doc, f"{SCORE_LABEL}: {d['score']}", bold=True)
        _para(doc, WW_LABEL, bold=True)
        for text in _narrative_paragraphs(d["working_well"]):
            _para(doc, text)
        _para(doc, NEXT_LABEL, bold=True)
        for text in _narrative_paragraphs(d["next"]):
            _para(doc, text)
    for part in ("ea", "selection", "permissions"):
        for text in seed[part]:
            _para(doc, text)
    _page_header_and_footer(doc, f"{ref['area']} – Early Help System Guide self-assessment {ref['year']}")
    doc.save(path)


def _page_header_and_footer(doc, title: str) -> None:
    """A running header with the title and a footer "Page N", as council documents have."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    section = doc.sections[0]
    section.header.paragraphs[0].text = title
    p = section.footer.paragraphs[0]
    p.add_run("Page ")
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    field.append(run)
    p._p.append(field)


def to_pdf(docx: Path, out_dir: Path) -> Path | None:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        return None
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run([soffice, "--headless", f"-env:UserInstallation=file://{profile}", "--convert-to", "pdf",
                        "--outdir", str(out_dir), str(docx)], check=True, capture_output=True, timeout=300)
    return out_dir / (docx.stem + ".pdf")


def make(out: Path = OUT, pdf: bool = True) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    ref = reference()
    seed = parts(seed_lines())
    (out / "reference.json").write_text(json.dumps(ref, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    tables_layout(ref, seed, out / "tables.docx")
    paragraphs_layout(ref, seed, out / "paragraphs.docx")
    if pdf:
        to_pdf(out / "paragraphs.docx", out)
        to_pdf(out / "tables.docx", out)
    return out


if __name__ == "__main__":
    print(make(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT))
