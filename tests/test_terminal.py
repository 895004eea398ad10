"""Everything ehsg prints is safe for a terminal: controls from a file are shown, never obeyed."""

from __future__ import annotations

import json

from click.testing import CliRunner

from ehsg.cli import main
from ehsg.terminal import safe


def test_controls_are_shown_as_escapes():
    assert safe("Sefton\x1b[8m") == "Sefton\\x1b[8m"
    assert safe("\x1b]0;owned\x07") == "\\x1b]0;owned\\x07"
    assert safe("a\x7fb\x9bc") == "a\\u007fb\\u009bc"
    assert safe("abc\u202edef\u2066") == "abc\\u202edef\\u2066"


def test_plain_text_tabs_newlines_and_accents_are_kept():
    text = "Sefton – St Helens\n\tWorking well: ‘yes’, naïve café 😀"
    assert safe(text) == text


def test_json_stays_valid_and_keeps_the_characters():
    value = {"area": "a\x7fb\u202ec\x85"}
    printed = safe(json.dumps(value, ensure_ascii=False))
    assert json.loads(printed) == value


def test_an_option_value_with_controls_is_refused_and_shown_escaped(tmp_path):
    res = CliRunner().invoke(main, ["template", "-o", str(tmp_path / "t.xlsx"), "--area", "Sef\x1b]0;x\x07ton"])
    assert res.exit_code == 2 and "[option-control-character]" in res.output
    assert safe(res.output) == res.output and "\\x1b" in res.output
    assert list(tmp_path.iterdir()) == []
