"""Writing outputs safely: atomically, never over an input, never leaving a partial file."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Callable, Iterable

from .errors import InputFileError


def refuse_overwriting_inputs(output: str | Path, inputs: Iterable[str | Path]) -> None:
    """An output path that names one of the inputs is refused before any work is done."""
    out = Path(output).resolve()
    for item in inputs:
        if Path(item).resolve() == out:
            raise InputFileError(f"{output}: this is one of the input files; choose another output name "
                                 "(ehsg never overwrites its inputs).")


def atomic_save(path: str | Path, write: Callable[[str], object]) -> Path:
    """Call write(tmp_path) on a temporary file beside the target, then move it into place.

    If write fails, the temporary file is removed and any existing target is left untouched.
    """
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise InputFileError(f"{path}: the folder {folder} does not exist.")
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=folder)
    os.close(fd)
    try:
        write(tmp)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes the file private; outputs are ordinary files
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    return target


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write_bytes(path: str | Path, data: bytes) -> Path:
    return atomic_save(path, lambda tmp: Path(tmp).write_bytes(data))


def atomic_write_text(path: str | Path, text: str) -> Path:
    return atomic_save(path, lambda tmp: Path(tmp).write_text(text, encoding="utf-8", newline=""))
