"""Whether a path names an ordinary file ehsg may open: the first thing asked of every input."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from .errors import InputFileError


def problem(path: str | os.PathLike, code: str, message: str) -> InputFileError:
    """A refusal about one named file (or folder), with its stable code."""
    return InputFileError(f"{path}: {message} [{code}]")


def require_regular_file(path: str | os.PathLike, what: str = "file") -> Path:
    """Refuse at once anything that is not an ordinary file: missing, a folder, a pipe, a device, a socket.

    Reading a named pipe or a device would wait for ever or never end; every input ehsg opens is a file.
    """
    p = Path(path)
    try:
        st = p.stat()
    except FileNotFoundError:
        raise problem(path, "input-missing", f"no such {what}.") from None
    except OSError as e:
        raise problem(path, "input-unreadable", f"this {what} cannot be read ({e.strerror or e}).") from None
    if stat.S_ISDIR(st.st_mode):
        raise problem(path, "input-is-folder", f"this is a folder; {'an' if what[:1] in 'AEIOUaeiou' else 'a'} "
                      f"{what} was expected here.")
    if not stat.S_ISREG(st.st_mode):
        raise problem(path, "input-not-a-file", f"this is not an ordinary file (a pipe, device or socket); "
                      f"ehsg reads only ordinary files. Save the {what} to disk and give its name.")
    return p
