"""Corpus cases for inputs that are not ordinary files, outputs that cannot be written, output endings,
terminal injection and hostile guide folders. Each case is a whole command line.

A case carries "args" with placeholders the runner in tests/test_corpus.py fills in:
  {file}     the case's input, copied from the corpus (or made by "setup") into the run's input folder
  {example}  a private copy of examples/sefton-2022.xlsx in the input folder
  {in}       the input folder        {out}  the output file (named by "out") in an empty output folder
  {outdir}   the output folder
"setup" lists things the runner makes first, because git cannot hold them: ["fifo", NAME] (a named
pipe), ["folder", NAME], ["copy-example", NAME]; a NAME starting "out/" is made in the output folder.
"exit" is the exit status; "code" and "location" must appear in what the command prints; "terminal"
means nothing printed may contain a control character.
"""

from __future__ import annotations

import io
import json
import shutil
import zipfile
from pathlib import Path

import openpyxl

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
EXAMPLE = REPO / "examples" / "sefton-2022.xlsx"
GUIDE = REPO / "descriptors" / "ehsg-2022"
TEMPLATE = REPO / "templates" / "submission.docx"

ESC = "\x1b"


def make(out: Path, case) -> None:
    """Write this module's corpus files into `out` and register each case with `case`."""

    def cmd(name, file, args, exit, code, location, *, setup=(), out_name="out.xlsx", **extra):
        case(name, code, location, kind="command", args=args, exit=exit, input=file, setup=[list(s) for s in setup],
             out=out_name, **extra)

    _special_inputs(cmd)
    _outputs(cmd)
    _endings(cmd)
    _terminal(out, cmd)
    _guides(out, cmd)


def _special_inputs(cmd) -> None:
    """A named pipe would make a reader wait for ever; every kind of input refuses one at once."""
    fifo = [("fifo", "pipe.xlsx")]
    cmd("fifo-check", "pipe.xlsx", ["check", "{file}"], 2, "input-not-a-file", "pipe.xlsx", setup=fifo)
    cmd("fifo-suggest", "pipe.xlsx", ["suggest", "{file}"], 2, "input-not-a-file", "pipe.xlsx", setup=fifo)
    cmd("fifo-build", "pipe.xlsx", ["build", "{file}", "-o", "{out}"], 2, "input-not-a-file", "pipe.xlsx",
        setup=fifo, out_name="s.docx")
    cmd("fifo-build-template", "pipe.docx", ["build", "{example}", "-o", "{out}", "--template", "{file}"], 2,
        "input-not-a-file", "pipe.docx", setup=[("fifo", "pipe.docx")], out_name="s.docx")
    cmd("fifo-export", "pipe.xlsx", ["export", "{file}", "--for", "dfe", "-o", "{out}"], 2, "input-not-a-file",
        "pipe.xlsx", setup=fifo, out_name="e.json")
    cmd("fifo-compare", "pipe.json", ["compare", "{example}", "{file}", "-o", "{out}"], 2, "input-not-a-file",
        "pipe.json", setup=[("fifo", "pipe.json")])
    cmd("fifo-cohort-file", "pipe.csv", ["cohort", "{file}"], 2, "input-not-a-file", "pipe.csv",
        setup=[("fifo", "pipe.csv")])
    cmd("fifo-cohort-folder", "areas", ["cohort", "{file}", "-o", "{out}"], 2, "input-not-a-file", "b.csv",
        setup=[("folder", "areas"), ("fifo", "areas/b.csv")])
    cmd("fifo-merge-file", "pipe.xlsx", ["merge", "{example}", "{file}", "-o", "{out}"], 2, "input-not-a-file",
        "pipe.xlsx", setup=fifo)
    cmd("fifo-merge-folder", "partners", ["merge", "{file}", "-o", "{out}"], 2, "input-not-a-file", "b.xlsx",
        setup=[("folder", "partners"), ("copy-example", "partners/a.xlsx"), ("fifo", "partners/b.xlsx")])
    cmd("fifo-check-template", "pipe.docx", ["check-template", "{file}"], 2, "input-not-a-file", "pipe.docx",
        setup=[("fifo", "pipe.docx")])
    cmd("device-check", None, ["check", "/dev/zero"], 2, "input-not-a-file", "/dev/zero")
    cmd("device-export", None, ["export", "/dev/zero", "--for", "dfe", "-o", "{out}"], 2, "input-not-a-file",
        "/dev/zero")
    cmd("missing-compare-input", None, ["compare", "{example}", "{in}/nowhere.json", "-o", "{out}"], 2,
        "input-missing", "nowhere.json")
    guide_fifo = [("folder", "guide")] + [("copy-guide-file", f"guide/{f}") for f in
                                          ("guide.yaml", "sections.yaml", "data-models.yaml", "rules.yaml")]
    cmd("fifo-guide-file", "guide", ["template", "-o", "{out}", "--guide", "{file}"], 2, "guide-file-not-a-file",
        "vision.yaml", setup=guide_fifo + [("fifo", "guide/vision.yaml")])


def _outputs(cmd) -> None:
    """Outputs that cannot be written are refused before any work, each with its own code."""
    cmd("output-folder-missing", None, ["template", "-o", "{outdir}/nowhere/t.xlsx"], 2, "output-folder-missing",
        "nowhere")
    cmd("output-is-folder", None, ["template", "-o", "{outdir}/made.xlsx"], 2, "output-is-folder", "made.xlsx",
        setup=[("folder", "out/made.xlsx")])
    cmd("output-name-300", None, ["template", "-o", "{outdir}/" + "n" * 295 + ".xlsx"], 2, "output-name-too-long",
        "300 bytes")
    cmd("output-device", None, ["template", "-o", "/dev/null"], 2, "output-not-a-file", "/dev/null")
    cmd("output-pipe", None, ["template", "-o", "{in}/pipe.xlsx"], 2, "output-not-a-file", "pipe.xlsx",
        setup=[("fifo", "pipe.xlsx")])
    cmd("output-is-input", None, ["export", "{example}", "--for", "dfe", "-o", "{example}"], 2, "output-is-input",
        "example.xlsx")
    cmd("merge-pack-folder-missing", None, ["merge", "{example}", "-o", "{out}", "--pack",
                                            "{outdir}/nowhere/p.docx"], 2, "output-folder-missing", "p.docx")
    cmd("merge-pack-is-folder", None, ["merge", "{example}", "-o", "{out}", "--pack", "{outdir}/packs"], 2,
        "output-is-folder", "packs", setup=[("folder", "out/packs")])
    cmd("merge-pack-is-folder-docx", None, ["merge", "{example}", "-o", "{out}", "--pack", "{outdir}/p.docx"], 2,
        "output-is-folder", "p.docx", setup=[("folder", "out/p.docx")])
    cmd("option-area-control", None, ["template", "-o", "{out}", "--area", "\x01"], 2, "option-control-character",
        "--area")
    cmd("option-area-too-long", None, ["template", "-o", "{out}", "--area", "x" * 40_000], 2, "option-too-long",
        "--area")
    cmd("option-year-zero", None, ["template", "-o", "{out}", "--year", "0"], 2, None, "--year")
    cmd("option-top-zero", None, ["suggest", "{example}", "--top", "0"], 2, None, "--top")
    cmd("option-area-escape", None, ["template", "-o", "{out}", "--area", f"Sefton{ESC}[8m"], 2,
        "option-control-character", "--area", terminal=True)


def _endings(cmd) -> None:
    """Each command writes one kind of file; a name with another ending is refused, naming the endings accepted."""
    cmd("ending-build-txt", None, ["build", "{example}", "-o", "{out}"], 2, "output-ending", ".docx or .pdf",
        out_name="s.txt")
    cmd("ending-build-none", None, ["build", "{example}", "-o", "{out}"], 2, "output-ending", "no ending",
        out_name="submission")
    cmd("ending-template-docx", None, ["template", "-o", "{out}"], 2, "output-ending", ".xlsx", out_name="t.docx")
    cmd("ending-merge-docx", None, ["merge", "{example}", "-o", "{out}"], 2, "output-ending", ".xlsx",
        out_name="c.docx")
    cmd("ending-merge-pack-xlsx", None, ["merge", "{example}", "-o", "{outdir}/c.xlsx", "--pack", "{out}"], 2,
        "output-ending", ".docx", out_name="p.xlsx")
    cmd("ending-cohort-csv", None, ["cohort", "{example}", "-o", "{out}"], 2, "output-ending", ".xlsx",
        out_name="cohort.csv")
    cmd("ending-export-pdf", None, ["export", "{example}", "--for", "dfe", "-o", "{out}"], 2, "output-ending",
        ".xlsx or .csv or .json", out_name="e.pdf")
    cmd("ending-compare-csv", None, ["compare", "{example}", "{example}", "-o", "{out}"], 2, "output-ending",
        ".xlsx or .docx or .pdf", out_name="c.csv")


def _area_cell_edit(text: bytes, dst: Path) -> None:
    wb = openpyxl.load_workbook(EXAMPLE)
    member = f"xl/worksheets/sheet{wb.sheetnames.index('Area') + 1}.xml"
    buf = io.BytesIO()
    with zipfile.ZipFile(EXAMPLE) as zin, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == member:
                i = data.index(b'<c r="B2"')
                j = data.index(b"</c>", i) + 4
                data = data[:i] + b'<c r="B2" t="inlineStr"><is><t xml:space="preserve">%s</t></is></c>' % text + \
                    data[j:]
            zout.writestr(item, data)
    dst.write_bytes(buf.getvalue())


def _terminal(out: Path, cmd) -> None:
    """Text from a file that would hide the problem list or retitle the terminal is shown escaped."""
    _area_cell_edit(b"Sefton_x001B_[8m", out / "area-hides-text.xlsx")
    cmd("terminal-area-hides-text", "area-hides-text.xlsx", ["suggest", "{file}"], 0, None, "Sefton\\x1b[8m",
        terminal=True)
    _area_cell_edit(b"_x001B_]0;owned_x0007_Sefton", out / "area-sets-title.xlsx")
    cmd("terminal-area-sets-title", "area-sets-title.xlsx", ["check", "{file}"], 0, None,
        "\\x1b]0;owned\\x07Sefton", terminal=True)
    cmd("terminal-area-json", "area-sets-title.xlsx", ["check", "{file}", "--format", "json"], 0, None,
        "\\u001b]0;owned\\u0007Sefton", terminal=True, json=True)
    cmd("terminal-file-name", None, ["check", "{in}/" + f"a{ESC}[2Jb.xlsx"], 2, "input-missing", "a\\x1b[2Jb.xlsx",
        terminal=True)

    export = json.loads(_example_export())
    export["area"] = f"{ESC}]0;owned\x07Knowsley\u202e"
    (out / "export-area-escape.json").write_text(json.dumps(export, ensure_ascii=False, indent=1), encoding="utf-8")
    cmd("terminal-export-area", "export-area-escape.json", ["compare", "{example}", "{file}", "-o", "{out}"], 0,
        None, "\\x1b]0;owned\\x07Knowsley\\u202e", terminal=True)


def _example_export() -> str:
    """The example's scores-only export as JSON, made by ehsg itself."""
    import tempfile

    from ehsg.export import export
    from ehsg.guide import load_guide

    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "e.json"
        export(EXAMPLE, path, "ogd", load_guide(GUIDE))
        return path.read_text(encoding="utf-8")


def _guides(out: Path, cmd) -> None:
    """Guide folders built to exhaust memory, the stack or the terminal, or to mix up the narratives."""

    def folder(name, file, old, new):
        dst = out / name
        shutil.copytree(GUIDE, dst)
        text = (dst / file).read_text(encoding="utf-8")
        assert old in text, (file, old)
        (dst / file).write_text(text.replace(old, new, 1), encoding="utf-8")
        return name

    def guide_cmd(name, code, location, exit=2, **extra):
        cmd(name, name, ["template", "-o", "{out}", "--guide", "{file}"], exit, code, location, **extra)

    folder("guide-nested-5000", "vision.yaml", "sections:\n", "deep: " + "[" * 5000 + "]" * 5000 + "\nsections:\n")
    guide_cmd("guide-nested-5000", "guide-too-deep", "vision.yaml (line")
    # 30,000 aliases of a 10,000-character text: a 200 KB file that would expand to 300 MB
    folder("guide-alias-text", "vision.yaml", "sections:\n",
           "big: &big '" + "x" * 10_000 + "'\nmany: [" + ", ".join(["*big"] * 30_000) + "]\nsections:\n")
    guide_cmd("guide-alias-text", "guide-too-complex", "vision.yaml")
    folder("guide-same-prompts", "guide.yaml", '  next: "', '  next: "What is working well and what evidence do '
           'you have?"\n  unused_next: "')
    guide_cmd("guide-same-prompts", "guide-duplicate-prompt", "guide.yaml: prompts.next")
    folder("guide-prompt-is-header", "guide.yaml", '  working_well: "', '  working_well: "Score"\n'
           '  unused_working_well: "')
    guide_cmd("guide-prompt-is-header", "guide-duplicate-prompt", "guide.yaml: prompts.working_well")
    folder("guide-scale-text", "guide.yaml", "maximum: 5", 'maximum: "five"')
    guide_cmd("guide-scale-text", "guide-type", "guide.yaml: scale.maximum")
    folder("guide-scale-5000-digits", "guide.yaml", "maximum: 5", "maximum: " + "9" * 5000)  # int() refuses it
    guide_cmd("guide-scale-5000-digits", "guide-yaml-syntax", "guide.yaml (line")
    folder("guide-permissions-text", "guide.yaml", "permissions:\n", "permissions: none\nunused_permissions:\n")
    guide_cmd("guide-permissions-text", "guide-type", "guide.yaml: permissions")
    folder("guide-id-escape", "guide.yaml", "id: ehsg-2022", 'id: "ehsg-2022\\e]0;owned\\a"')
    guide_cmd("guide-id-escape", "guide-control-character", "guide.yaml: id", terminal=True)
