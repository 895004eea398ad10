"""The server's temporary folder: one private sub-folder per upload, removed when the server stops."""

from __future__ import annotations

import re
import secrets
import shutil
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path

_UNSAFE = re.compile(r"[^\w .()+-]")
_JOB_ID = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


def safe_name(filename: str, fallback: str = "upload") -> str:
    """A browser-given file name reduced to one harmless path part, keeping what a person would recognise."""
    name = Path(filename.replace("\\", "/")).name.strip()
    name = _UNSAFE.sub("_", name).lstrip(".") or fallback
    if len(name) > 120:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: 110] + dot + ext[:9]) if dot else name[:120]
    return name


@dataclass
class Job:
    """One upload's folder: the files as uploaded, and every output made from them."""

    id: str
    folder: Path
    state: dict = field(default_factory=dict)   # what a page needs to show the job again
    lock: threading.Lock = field(default_factory=threading.Lock)

    def save(self, filename: str, data_file, taken: set[str] | None = None) -> Path:
        """Copy an uploaded file into the job's inputs folder under a safe, unique name."""
        inputs = self.folder / "in"
        inputs.mkdir(exist_ok=True)
        name = safe_name(filename)
        taken = taken if taken is not None else set()
        base, n = name, 2
        while name.casefold() in taken:
            stem, dot, ext = base.rpartition(".")
            name = f"{stem} ({n}).{ext}" if dot else f"{base} ({n})"
            n += 1
        taken.add(name.casefold())
        target = inputs / name
        with open(target, "wb") as out:
            shutil.copyfileobj(data_file, out, 1024 * 1024)
        return target

    def make(self, out: Path, build) -> Path:
        """Build an output once (in a worker thread); a second request for it waits and gets the same file."""
        with self.lock:
            if not out.exists():
                build()
        return out

    def output(self, name: str) -> Path:
        out = self.folder / "out"
        out.mkdir(exist_ok=True)
        return out / safe_name(name)


class Jobs:
    """Every job of this server, in one temporary folder that close() removes."""

    def __init__(self, parent: str | None = None, keep: int = 200):
        self.keep = keep
        self.root = Path(tempfile.mkdtemp(prefix="ehsg-serve-", dir=parent))
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()

    def new(self) -> Job:
        job_id = secrets.token_urlsafe(24)
        folder = self.root / job_id
        self.root.mkdir(mode=0o700, exist_ok=True)  # again after a close(), if the app is started once more
        folder.mkdir()
        job = Job(job_id, folder)
        with self._lock:
            self._jobs[job_id] = job
            while len(self._jobs) > self.keep:  # a server left running all day does not fill the disk
                old = self._jobs.pop(next(iter(self._jobs)))
                shutil.rmtree(old.folder, ignore_errors=True)
        return job

    def get(self, job_id: str) -> Job | None:
        if not _JOB_ID.match(job_id):
            return None
        with self._lock:
            return self._jobs.get(job_id)

    def close(self) -> None:
        with self._lock:
            self._jobs.clear()
        shutil.rmtree(self.root, ignore_errors=True)
