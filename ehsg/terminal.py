"""Text made safe for a terminal: control characters from a file are shown as escapes, never emitted."""

from __future__ import annotations

import io
import re

# C0 controls except tab and newline, DEL, C1 controls, and the bidirectional formatting characters
# that can reorder what a reader sees (Trojan Source): each is shown as a visible escape such as \x1b.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _escape(m: re.Match) -> str:
    code = ord(m.group())
    # C0 controls as \x1b; the rest as \u007f, which inside a JSON string is a valid escape of the same
    # character (json.dumps already escapes every C0 control, so \x never lands inside JSON).
    return f"\\x{code:02x}" if code < 0x20 else f"\\u{code:04x}"


def safe(text: str) -> str:
    """Text with every control and bidi-override character replaced by a visible escape."""
    return _UNSAFE.sub(_escape, text)


class SafeStream(io.TextIOBase):
    """A text stream that escapes unsafe characters before passing text to the real stream.

    Everything ehsg prints goes through one of these (installed by the CLI), so a value read from a
    file can never move the cursor, hide text or set the window title. JSON stays valid and lossless.
    """

    def __init__(self, stream):
        self._stream = stream

    def write(self, s: str) -> int:
        self._stream.write(safe(s))
        return len(s)

    def flush(self) -> None:
        self._stream.flush()

    def isatty(self) -> bool:
        return self._stream.isatty()

    def fileno(self) -> int:
        return self._stream.fileno()

    @property
    def encoding(self):
        return getattr(self._stream, "encoding", "utf-8")

    @property
    def buffer(self):  # click writes bytes to .buffer when it can; give it a text-only path instead
        raise AttributeError("buffer")

    def writable(self) -> bool:
        return True


def raw(stream):
    """The stream under a SafeStream, for ehsg's own cursor control (the progress bar)."""
    return stream._stream if isinstance(stream, SafeStream) else stream


def install() -> None:
    """Route everything printed to stdout and stderr through SafeStream (once)."""
    import sys

    if not isinstance(sys.stdout, SafeStream):
        sys.stdout = SafeStream(sys.stdout)
    if not isinstance(sys.stderr, SafeStream):
        sys.stderr = SafeStream(sys.stderr)


def quoted(text: str, limit: int | None = None) -> str:
    """Text from a file as quoted inside a message: every character that is not printable (controls, line
    breaks, bidi and other formatting characters) shown as an escape, and long text cut with '…'."""
    cut = text if limit is None or len(text) <= limit else text[:limit] + "…"
    return "".join(c if c.isprintable() else (f"\\x{ord(c):02x}" if ord(c) < 0x100 else f"\\u{ord(c):04x}")
                   for c in cut)
