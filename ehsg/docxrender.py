"""The one place a Word document is rendered from a template: inspected, sandboxed, bounded, reproducible.

The template file passes the Office inspection (size, members, packing, entity declarations) and a check of
its parts (no macros, no external or pulled-in content, no fetching fields) before docxtpl sees its bytes.
Rendering runs in a worker process with a deadline and a memory bound, with plain values only: pictures are
placed by ehsg after rendering, where the template has a paragraph holding only `{{ name }}`.

A build starts its worker (`Rendering`) first of all: the worker loads Jinja and docxtpl while ehsg inspects
the template, then opens, checks and compiles the inspected template while ehsg checks the workbook, and renders
once it is given the values. Only the worker imports Jinja, docxtpl and what runs them (ehsg.docxworker); this
module imports little, so that the worker starts early.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

from .errors import TemplateError
from .problems import Problem, Problems

# Seconds a template may take to render, and memory the rendering may use beyond what is already in use.
RENDER_SECONDS = 60
RENDER_MEMORY = 1536 * 1024 * 1024


def render_docx(template: Path, context: dict, output: Path, images: dict[str, Path] | None = None) -> None:
    """Render `template` with `context` (plain values only) into `output`, atomically.

    `images` names pictures to place where the template has a paragraph holding only `{{ name }}`.
    Raises TemplateError (with located, coded problems) when the template cannot be used safely.
    """
    _check_image_names(images, context)  # before the worker is started for them; render checks the rest
    with Rendering(template, frozenset(images or {})) as rendering:
        rendering.render(context, output, images)


class Rendering:
    """A render started before its values are known: `render` finishes it, the `with` block ends the worker.

    The template is inspected at once (a refusal is held, and raised by `render`, so that whatever the caller
    checks meanwhile is reported first, as when the template is looked at last); only a template that passed
    the inspection reaches the worker, which opens it with docxtpl and checks every part, then waits for the
    values. `pictures` are the names `render` will be given images for.

    The worker is started before the inspection, to load its libraries meanwhile; it is given the template's
    bytes (those inspected, never the file again) once they passed, and is ended at once if they did not.
    """

    def __init__(self, template: Path | Callable[[], Path], pictures: frozenset[str] = frozenset()):
        from .bounded import BoundedWorker, LimitExceeded

        self.pictures = frozenset(pictures)
        self._refusal: BaseException | None = None
        self._used = False
        _shared_libraries()
        self._worker = BoundedWorker(_prepare_and_render, (sorted(self.pictures),), RENDER_MEMORY,
                                     prepare=_load_libraries)
        self.template: Path | None = None
        try:
            # `template` may be a function giving the file (a packaged template), asked once the worker has started
            self.template = Path(template() if callable(template) else template)
            pkg, self.label = _inspected(self.template)
        except Exception as e:  # the template is missing, unreadable or refused
            self._refusal = e
            self._worker.stop()
            self._worker = None
            return
        except BaseException:  # interrupted (Ctrl-C, exit): no `with` block will end the worker, so end it here
            self._worker.stop()
            raise
        try:
            self._worker.send((pkg.data, self.label))
        except LimitExceeded:  # the worker is gone already: `render` reports it
            pass
        except BaseException:  # interrupted while a large template was handed over
            self._worker.stop()
            raise

    def __enter__(self) -> Rendering:
        return self

    def __exit__(self, *exc) -> None:
        if self._worker is not None:
            self._worker.stop()

    def render(self, context: dict, output: Path, images: dict[str, Path] | None = None) -> None:
        """Render with `context` (plain values only) into `output`, atomically; raises TemplateError (with
        located, coded problems) when the template cannot be used safely. Once only."""
        if self._used:
            raise RuntimeError("a Rendering renders once; start another for another document")
        self._used = True
        check_plain(context)
        _check_image_names(images, context)
        if set(images or {}) != self.pictures:
            raise TypeError(f"images {sorted(images or {})} are not the pictures {sorted(self.pictures)} "
                            "the rendering was started for")
        if self._refusal is not None:
            raise self._refusal
        from .outputs import atomic_write_bytes

        pictures = {name: Path(path).read_bytes() for name, path in (images or {}).items()}
        epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
        epoch = epoch if epoch.isdigit() else None  # unset or not a number of seconds: fixed dates
        atomic_write_bytes(output, self._rendered(context, pictures, epoch))

    def _rendered(self, context: dict, pictures: dict[str, bytes], epoch: str | None) -> bytes:
        """The worker's document, or its problems raised; RENDER_SECONDS from now for the rest of its work."""
        from .bounded import LimitExceeded

        deadline = time.monotonic() + RENDER_SECONDS
        try:
            kind, payload = self._worker.receive(RENDER_SECONDS)
            if kind == "ready":
                self._worker.send((context, pictures, epoch))
                kind, payload = self._worker.receive(max(0.0, deadline - time.monotonic()))
        except LimitExceeded as e:
            kind, payload = "problems", [_limit_problem(e, self.label)]
        if kind == "problems":
            raise _error(self.template, payload)
        return payload


def _check_image_names(images: dict | None, context: dict) -> None:
    for name in images or {}:
        if not isinstance(name, str) or not name.isidentifier() or name in context:
            raise TypeError(f"image name {name!r} must be an identifier not already in the context")


def check_template(template: str | Path, provided: set[str], pictures: frozenset[str] = frozenset(),
                   sample: dict | None = None) -> dict:
    """Fields a template uses that are not provided, and fields provided but unused.

    Everything a build would refuse (damage, macros, outside content, refused tags, unsafe calls, parts of a
    picture field) raises TemplateError with each problem located. With a `sample` context, the template is
    also rendered in memory (nothing is written), so loops, sizes and errors that show only when rendering
    are found too.
    """
    if sample is not None:
        check_plain(sample)
    with TemplateCheck(template, pictures) as checking:
        checking.fields()
        return checking.finish(provided, pictures, sample)


class TemplateCheck:
    """A template checked in two steps, in one bounded worker (check_template is both steps at once).

    Started, the worker loads its libraries and finds the fields the template uses (with the picture names
    `probe`) while the caller makes its sample; `fields()` waits for them; `finish(provided, pictures, sample)`
    has the worker check the template and render it on trial with the sample. Each step has RENDER_SECONDS.
    A template refused by the inspection raises TemplateError at once; the `with` block ends the worker.
    """

    def __init__(self, template: str | Path, probe: frozenset[str]):
        from .bounded import BoundedWorker

        self.template = Path(template)
        pkg, self.label = _inspected(self.template)
        _shared_libraries()
        self._worker = BoundedWorker(_check_in_two_steps, (pkg.data, self.label, sorted(probe)), RENDER_MEMORY,
                                     prepare=_load_libraries)

    def __enter__(self) -> TemplateCheck:
        return self

    def __exit__(self, *exc) -> None:
        self._worker.stop()

    def fields(self) -> set[str]:
        """The fields the template uses; raises TemplateError for a template that cannot be used."""
        kind, payload = self._step(None)
        return set(payload)

    def finish(self, provided: set[str], pictures: frozenset[str], sample: dict | None) -> dict:
        """As check_template(template, provided, pictures, sample); after fields(), once."""
        if sample is not None:
            check_plain(sample)
        used = set(self._step(({"sample": sample, "provided": sorted(provided)}, dict.fromkeys(pictures, b"")))[1])
        return {"unknown": sorted(used - provided), "unused": sorted(provided - used)}

    def _step(self, message):
        from .bounded import LimitExceeded

        try:
            if message is not None:
                self._worker.send(message)
            kind, payload = self._worker.receive(RENDER_SECONDS)
        except LimitExceeded as e:
            kind, payload = "problems", [_limit_problem(e, self.label)]
        if kind == "problems":
            raise _error(self.template, payload)
        return kind, payload


def check_plain(value, where: str = "context", depth: int = 0) -> None:
    """Templates receive plain values only (text, numbers, lists, dicts): never a live object."""
    if depth > 50:
        raise TypeError(f"{where}: nested more than 50 levels deep (a value that contains itself?)")
    if type(value) in (str, int, float, bool, type(None)):
        return
    if type(value) in (list, tuple):
        for i, item in enumerate(value):
            check_plain(item, f"{where}[{i}]", depth + 1)
        return
    if type(value) is dict:
        for key, item in value.items():
            if type(key) is not str:
                raise TypeError(f"{where}: key {key!r} is not text")
            check_plain(item, f"{where}.{key}", depth + 1)
        return
    raise TypeError(f"{where}: {type(value).__name__} is not a plain value a template may receive")


# --- Inspection, before any parser of Word documents sees the file ---------------------------------------

def _inspected(template: Path):
    from .office.docxparts import check_parts
    from .office.package import DOCX, inspect_package

    template = Path(template)
    label = template.name
    problems = Problems()
    pkg = inspect_package(template, problems, DOCX, label=label)  # InputFileError when missing or unreadable
    if pkg is not None:
        check_parts(pkg.members, label, problems)
    if problems.errors:
        raise _error(template, problems.errors)
    return pkg, label


def _error(template: Path, problems: list[Problem]) -> TemplateError:
    lines = "\n".join(f"  {p}" for p in problems)
    return TemplateError(f"{template}: the Word template cannot be used ({len(problems)} problem(s)); no document "
                         f"was written.\n{lines}", problems)


# --- The worker (ehsg.docxworker): everything docxtpl and Jinja do happens there, bounded --------------------

def _limit_problem(e, label: str) -> Problem:
    if e.kind == "time":
        return Problem("template-too-slow", "error", label, f"Rendering the template took longer than "
                       f"{RENDER_SECONDS} seconds and was stopped (a loop that runs too long?).")
    return Problem("template-too-large", "error", label, "Rendering the template stopped without "
                   "finishing (it used more memory than allowed?); nothing was written.")


def _shared_libraries() -> None:
    """What this process and the worker both load, loaded here before the worker starts, so that it inherits
    them rather than loading them again (it would load them first thing; here they are needed soon after):
    zipfile for the template's inspection, pickle for what is sent to the worker, lxml for python-docx in the
    worker and for the workbook's reader here."""
    import pickle  # noqa: F401

    import lxml.etree  # noqa: F401

    from .office import package  # noqa: F401


def _load_libraries():
    from .docxworker import load  # imported in the worker, not before it starts

    load()


def _prepare_and_render(channel, *args):
    from .docxworker import prepare_and_render

    return prepare_and_render(channel, *args)


def _check_in_two_steps(channel, *args):
    from .docxworker import check_in_two_steps

    return check_in_two_steps(channel, *args)
