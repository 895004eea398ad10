"""Writing outputs safely: all or nothing, never over an input, never leaving a partial file.

A command opens one transaction for everything it writes (`with writing([out, pack]):`). Inside it,
atomic_save writes each output to a temporary file beside its target; only when the whole command
has succeeded are the temporaries moved into place, together. On any failure, Ctrl+C, SIGTERM or
SIGHUP the temporaries are removed and no target is touched.
"""

from __future__ import annotations

import contextlib
import contextvars
import errno
import os
import signal
import stat
import threading
from pathlib import Path
from typing import Callable, Iterable, Iterator

from .errors import EhsgError, InputFileError
from .inputfile import problem as _problem

# Longest file name most file systems accept (bytes); the temporary name is kept shorter still.
MAX_NAME_BYTES = 255
PDF_TIMEOUT_SECONDS = 180


class Stopped(EhsgError):
    """Raised when ehsg is told to stop (SIGTERM, SIGHUP) while writing; nothing is left behind."""

    def __init__(self, signum: int):
        self.exit_code = 128 + signum
        name = signal.Signals(signum).name
        super().__init__(f"stopped by {name}; no output was written.")


def refuse_overwriting_inputs(output: str | Path, inputs: Iterable[str | Path]) -> None:
    """An output path that names one of the inputs is refused before any work is done."""
    out = Path(output).resolve()
    for item in inputs:
        if Path(item).resolve() == out:
            raise InputFileError(f"{output}: this is one of the input files; choose another output name "
                                 "(ehsg never overwrites its inputs). [output-is-input]")


def check_output_path(path: str | Path) -> Path:
    """Refuse, before any work, an output ehsg could not write: every reason with its own code."""
    target = Path(path)
    name = target.name
    if not name or name in (".", ".."):
        raise _problem(path, "output-not-a-file-name", "give a file name to write, not a folder.")
    if len(os.fsencode(name)) > MAX_NAME_BYTES:
        raise _problem(path, "output-name-too-long", f"this file name is {len(os.fsencode(name))} bytes long; "
                       f"file systems accept at most {MAX_NAME_BYTES}. Choose a shorter name.")
    folder = target.parent if str(target.parent) else Path(".")
    try:
        folder_ok = folder.is_dir()
    except OSError:
        folder_ok = False
    if not folder_ok:
        raise _problem(path, "output-folder-missing", f"the folder {folder} does not exist; create it first "
                       "or choose another place.")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise _problem(path, "output-folder-read-only", f"ehsg may not write in the folder {folder} "
                       "(read-only); choose another place.")
    try:
        st = target.stat()
    except FileNotFoundError:
        return target
    except OSError as e:
        raise _problem(path, "output-unwritable", f"this output cannot be written ({e.strerror}).") from None
    if stat.S_ISDIR(st.st_mode):
        raise _problem(path, "output-is-folder", "this is a folder; give the name of a file to write.")
    if not stat.S_ISREG(st.st_mode):
        raise _problem(path, "output-not-a-file", "this is not an ordinary file (a pipe or device); "
                       "give the name of a file to write.")
    return target


def check_ending(path: str | Path, accepted: Iterable[str], what: str) -> str:
    """The output's ending, lower case, if `what` writes that kind of file; otherwise refused naming the endings."""
    check_output_path(path)  # a folder or a device named as output is refused for what it is
    accepted = tuple(accepted)
    ending = Path(path).suffix.lower()
    if ending not in accepted:
        shown = f"'{ending}'" if ending else "no ending"
        raise _problem(path, "output-ending", f"{what} writes {' or '.join(accepted)} files; this name has {shown}. "
                       f"Give a name ending in {' or '.join(accepted)}.")
    if ending == ".pdf" and not soffice():
        raise _problem(path, "pdf-unavailable", "a PDF is made by converting the Word document with LibreOffice, "
                       "and LibreOffice (soffice) is not installed here. Write .docx and convert it yourself, or "
                       "install LibreOffice.")
    return ending


def soffice() -> str | None:
    import shutil

    return shutil.which("soffice") or shutil.which("libreoffice")


class _Transaction:
    def __init__(self) -> None:
        self.pending: list[tuple[str, Path]] = []  # (temporary, target), in the order written

    def commit(self) -> None:
        # No signal may arrive between two moves: either every output is in place or none.
        blocked = _block_signals()
        try:
            for tmp, target in self.pending:
                os.replace(tmp, target)
            self.pending = []
        finally:
            _unblock_signals(blocked)

    def rollback(self) -> None:
        for tmp, _ in self.pending:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
        self.pending = []


_CURRENT: contextvars.ContextVar[_Transaction | None] = contextvars.ContextVar("ehsg_outputs", default=None)
_SIGNALS = tuple(s for s in (getattr(signal, "SIGTERM", None), getattr(signal, "SIGHUP", None)) if s is not None)


def _block_signals():
    if hasattr(signal, "pthread_sigmask"):
        return signal.pthread_sigmask(signal.SIG_BLOCK, {*_SIGNALS, signal.SIGINT})
    return None


def _unblock_signals(previous) -> None:
    if previous is not None:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _raise_stopped(signum, frame):
    raise Stopped(signum)


@contextlib.contextmanager
def writing(targets: Iterable[str | Path | None] = (), inputs: Iterable[str | Path] = ()) -> Iterator[_Transaction]:
    """Everything written inside goes to temporaries, moved into place together only if the block succeeds.

    `targets` are checked before any work (folder exists and is writable, not a folder, name not too
    long, not one of `inputs`); `None` entries (an optional output not asked for) are skipped. Inside
    another `writing()` block, the outer transaction is joined: nothing moves until the outer one ends.
    """
    targets = [Path(t) for t in targets if t is not None]
    inputs = list(inputs)
    for t in targets:
        check_output_path(t)
        refuse_overwriting_inputs(t, inputs)
    resolved = [t.resolve() for t in targets]
    if len(set(resolved)) != len(resolved):
        raise _problem(targets[-1], "output-twice", "the same file is named for two outputs; give each its own name.")
    outer = _CURRENT.get()
    if outer is not None:
        yield outer
        return
    tx = _Transaction()
    token = _CURRENT.set(tx)
    previous = {}
    if threading.current_thread() is threading.main_thread():
        for s in _SIGNALS:
            previous[s] = signal.signal(s, _raise_stopped)
    try:
        yield tx
        tx.commit()
    except BaseException:
        tx.rollback()
        raise
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
        _CURRENT.reset(token)


@contextlib.contextmanager
def _outside_transaction() -> Iterator[None]:
    token = _CURRENT.set(None)
    try:
        yield
    finally:
        _CURRENT.reset(token)


def atomic_save(path: str | Path, write: Callable[[str], object]) -> Path:
    """Call write(tmp_path) on a temporary file beside the target, then move it into place.

    Inside `writing()`, the move waits until the whole command has succeeded. If write fails, the
    temporary file is removed and any existing target is left untouched.
    """
    import tempfile  # here, not above: commands that only read never need it

    target = check_output_path(path)
    folder = target.parent if str(target.parent) else Path(".")
    tx = _CURRENT.get()
    blocked = _block_signals()  # a signal between creating the temporary and recording it would leave it behind
    try:
        try:
            fd, tmp = tempfile.mkstemp(prefix=f".{target.name[:60]}.", suffix=".part", dir=folder)
        except OSError as e:
            raise _unwritable(path, e) from None
        os.close(fd)
        if tx is not None:
            tx.pending.append((tmp, target))
    finally:
        _unblock_signals(blocked)
    try:
        try:
            write(tmp)
            os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes the file private; outputs are ordinary files
        except OSError as e:
            if e.errno in (errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM, errno.EIO):
                raise _unwritable(path, e) from None
            raise
        if tx is None:
            os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        if tx is not None:
            tx.pending = [(t, p) for t, p in tx.pending if t != tmp]
        raise
    return target


def _unwritable(path, e: OSError) -> InputFileError:
    reasons = {errno.ENOSPC: "the disk is full", errno.EROFS: "the folder is on a read-only disk",
               errno.EACCES: "permission denied", errno.EPERM: "permission denied",
               errno.ENAMETOOLONG: "the name is too long"}
    why = reasons.get(e.errno, e.strerror or str(e))
    return _problem(path, "output-unwritable", f"this output cannot be written ({why}). Nothing was written.")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write_bytes(path: str | Path, data: bytes) -> Path:
    return atomic_save(path, lambda tmp: Path(tmp).write_bytes(data))


def atomic_write_text(path: str | Path, text: str) -> Path:
    return atomic_save(path, lambda tmp: Path(tmp).write_text(text, encoding="utf-8", newline=""))


def save_as_pdf(output: str | Path, make_docx: Callable[[Path], object]) -> Path:
    """Write a Word document with make_docx(path) in a private folder, convert it with LibreOffice, save the PDF.

    The PDF then goes through atomic_save like any other output; the Word file and LibreOffice's
    profile are removed with the private folder whatever happens.
    """
    import shutil
    import subprocess
    import tempfile

    program = soffice()
    if not program:
        raise _problem(output, "pdf-unavailable", "a PDF is made by converting the Word document with LibreOffice, "
                       "and LibreOffice (soffice) is not installed here. Write .docx instead.")
    with tempfile.TemporaryDirectory(prefix="ehsg-pdf-") as work:
        docx = Path(work) / "document.docx"
        with _outside_transaction():
            make_docx(docx)
        cmd = [program, "--headless", "--norestore", f"-env:UserInstallation=file://{work}/profile",
               "--convert-to", "pdf", "--outdir", work, str(docx)]
        try:
            subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           timeout=PDF_TIMEOUT_SECONDS, check=False)
        except subprocess.TimeoutExpired:
            raise _problem(output, "pdf-conversion-failed", f"LibreOffice did not finish converting to PDF within "
                           f"{PDF_TIMEOUT_SECONDS} seconds. Nothing was written; write .docx instead.") from None
        pdf = Path(work) / "document.pdf"
        if not pdf.is_file() or pdf.stat().st_size == 0:
            raise _problem(output, "pdf-conversion-failed", "LibreOffice could not convert the document to PDF. "
                           "Nothing was written; write .docx instead.")
        return atomic_save(output, lambda tmp: shutil.copyfile(pdf, tmp))
