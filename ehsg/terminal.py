"""Text from a file made safe for a terminal: control and bidirectional-override characters shown as escapes."""

from __future__ import annotations

import re

# C0 and C1 controls (a terminal acts on ESC sequences), DEL, and the bidi controls that reorder what is shown
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """The text with each unsafe character written as \\xNN or \\uNNNN; line breaks and tabs are kept."""
    return _UNSAFE.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100
                       else f"\\u{ord(m.group()):04x}", text)
