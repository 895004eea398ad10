"""examples/make_sefton.py: the bundled example holds Sefton's published answers as written."""

from __future__ import annotations

import re
import sys

from conftest import EXAMPLE, REPO

from ehsg.reader import load_workbook_file

sys.path.insert(0, str(REPO / "examples"))
from make_sefton import is_wrap, parse_seed, unwrap  # noqa: E402


def _published_blocks(seed: str) -> dict[str, str]:
    """Each descriptor's published text between its heading and the next, words only."""
    lines = seed.split("\n")
    heads = [i for i, line in enumerate(lines) if re.match(r"^\d\.\d - ", line)]
    end = next(i for i, line in enumerate(lines) if line.startswith("Earned Autonomy Criteria"))
    return {lines[h].split(" - ", 1)[0]: "\n".join(lines[h:(heads[k + 1] if k + 1 < len(heads) else end)])
            for k, h in enumerate(heads)}


def test_the_example_is_what_the_generator_makes_from_the_seed(guide, seed_text):
    published = parse_seed(seed_text, guide)
    example = load_workbook_file(EXAMPLE, guide).assessment
    for r in example.responses:
        p = published[r.descriptor]
        assert (r.score, r.working_well, r.next) == (p.score, p.working_well, p.next), r.descriptor


def test_every_published_word_arrives_in_order(guide, seed_text):
    blocks = _published_blocks(seed_text)
    example = load_workbook_file(EXAMPLE, guide).assessment
    for r in example.responses:
        block = " ".join(blocks[r.descriptor].split())
        first, second = (" ".join(x.split()) for x in (r.working_well, r.next))
        assert first in block and second in block, r.descriptor
        assert block.index(first) + len(first) <= block.rindex(second), r.descriptor


def test_sentences_are_whole_and_paragraphs_kept(guide):
    a = load_workbook_file(EXAMPLE, guide).assessment
    text = "\n".join(f"{r.working_well}\n{r.next}" for r in a.responses)
    for whole in ("re referrals into early help.", "who do not need Intensive, whole family led support.",
                  "Liverpool Football Club"):
        assert whole in text
    assert len(a.response("7.5").working_well.split("\n\n")) == 4
    assert not any(line.strip() == "" and line for line in text.split("\n"))  # no lines of spaces
    wraps = [(r.descriptor, x, y) for r in a.responses for t in (r.working_well, r.next)
             for x, y in zip(t.split("\n"), t.split("\n")[1:]) if is_wrap(x, y)]
    assert wraps == []
    bullets = a.response("6.6").working_well.split("\n")
    assert "• Housing options" in bullets and "• Access to the bond scheme." in bullets  # a real list stays a list


def test_unwrap_keeps_real_breaks():
    wrapped = "We will work with partners across the whole borough to\nimprove outcomes."
    assert unwrap(wrapped) == "We will work with partners across the whole borough to improve outcomes."
    assert unwrap("Next steps\nMore training.") == "Next steps\nMore training."
    assert unwrap("• one item without a stop at all here\n• two") == "• one item without a stop at all here\n• two"
    assert unwrap("First paragraph.\n   \nSecond.") == "First paragraph.\n\nSecond."
    assert unwrap("It ends here.\nA new line of the writer's own.") == "It ends here.\nA new line of the writer's own."
