"""Rebuild examples/sefton-2022.xlsx from Sefton's published 2022 submission (shared seed 004).

Run from the repository root:  python examples/make_sefton.py [SEED.txt]
The narratives are the published answers as written: every word in order, sentences whole, real paragraphs
and bullet lists kept. The published text is a PDF extraction, so two things are undone: a line that ends
mid-sentence and goes on in the next line is the page's wrap, not the writer's (joined with a space), and a
line of spaces between paragraphs is a blank line (a paragraph break).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from ehsg.guide import load_guide
from ehsg.model import Assessment, Response
from ehsg.workbook import write_assessment

HERE = Path(__file__).resolve().parent
DEFAULT_SEED = HERE.parent.parent / "shared" / "seeds" / "004_d9c2f1ded2bd0d1f.txt"
SECTION_NAMES = {"Family voice and experience", "Workforce", "Communities", "Leaders", "Data"}
END_MARK = "Earned Autonomy Criteria and Eligibility"
# A line this long that stops without closing punctuation was cut by the page width; shorter ones are
# the writer's own short lines (sub-headings such as "Next steps").
WRAP_WIDTH = 40
_ENDS = tuple(".!?:;)”\"")
_ITEM = re.compile(r"^\s*(•|[-*·]\s|[a-z]\)|\d+[.)]\s)")


def is_wrap(line: str, following: str) -> bool:
    """Whether the break between two published lines is the PDF's wrap inside a sentence."""
    text = line.rstrip()
    return (bool(text) and bool(following.strip()) and len(text) >= WRAP_WIDTH and not text.endswith(_ENDS)
            and not _ITEM.match(line) and not _ITEM.match(following))


def unwrap(text: str) -> str:
    """The answer as written: the PDF's wraps joined, lines of spaces made blank, real breaks kept."""
    lines = ["" if not line.strip() else line for line in text.split("\n")]
    out: list[str] = []
    for line in lines:
        if out and is_wrap(out[-1], line):
            out[-1] = out[-1].rstrip() + " " + line.lstrip()
        else:
            out.append(line)
    return re.sub(r"\n{3,}", "\n\n", "\n".join(out))


def _trim(lines: list[str]) -> str:
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    return "\n".join(lines)


def parse_seed(text: str, guide) -> dict[str, Response]:
    """The score and both narratives of each descriptor, as published."""
    lines = text.split("\n")
    heads = [i for i, line in enumerate(lines) if re.match(r"^\d\.\d - ", line)]
    end = next(i for i, line in enumerate(lines) if line.startswith(END_MARK))
    out = {}
    for k, start in enumerate(heads):
        stop = heads[k + 1] if k + 1 < len(heads) else end
        block = lines[start:stop]
        did = block[0].split(" - ", 1)[0]
        i = next(j for j, line in enumerate(block) if line.strip() == guide.prompts.working_well)
        i += 1
        while not block[i].strip():
            i += 1
        score = int(block[i].strip())
        nxt = next(j for j, line in enumerate(block) if line.strip() == guide.prompts.next)
        first = block[i + 1:nxt]
        if first and first[0].startswith("\t"):
            first[0] = first[0][1:]
        second = block[nxt + 1:]
        second_text = _trim(second)
        tail = second_text.rsplit("\n", 1)
        if len(tail) == 2 and tail[1] in SECTION_NAMES:  # the next section's heading
            second_text = _trim(tail[0].split("\n"))
        out[did] = Response(did, score, unwrap(_trim(first)), unwrap(second_text))
    return out


def main(argv: list[str]) -> int:
    seed = Path(argv[1]) if len(argv) > 1 else DEFAULT_SEED
    guide = load_guide()
    responses = parse_seed(seed.read_text(encoding="utf-8"), guide)
    assessment = Assessment(
        area="Sefton", guide_id=guide.id, guide_version=guide.version, year=2022,
        responses=tuple(responses[d.id] for d in guide.descriptors),
        data_model=3, data_model_changed=False, priorities=("7.3", "6.4", "9.4"),
        permissions={"dfe": True, "coordinators": True, "ogd": True})
    out = HERE / "sefton-2022.xlsx"
    write_assessment(guide, assessment, out)
    print(f"Wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
