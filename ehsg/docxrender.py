"""The one place a Word document is rendered from a template: inspected, sandboxed, bounded, reproducible.

The template file passes the Office inspection (size, members, packing, entity declarations) and a check of
its parts (no macros, no external or pulled-in content, no fetching fields) before docxtpl sees its bytes.
Rendering runs in a worker process with a deadline and a memory bound, with plain values only: pictures are
placed by ehsg after rendering, where the template has a paragraph holding only `{{ name }}`.

A build starts its worker (`Rendering`) before it reads the workbook: the worker loads docxtpl and opens and
checks the inspected template while ehsg checks the workbook, then renders once it is given the values. Only
the worker imports Jinja and docxtpl.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import secrets
import time
import traceback
import zipfile
from pathlib import Path

from .errors import TemplateError
from .office.docxparts import check_parts
from .office.package import DOCX, inspect_package
from .outputs import atomic_write_bytes
from .problems import Problem, Problems
from .terminal import quoted

# Seconds a template may take to render, and memory the rendering may use beyond what is already in use.
RENDER_SECONDS = 60
RENDER_MEMORY = 1536 * 1024 * 1024
FIXED_DATE = (2000, 1, 1, 0, 0, 0)  # zip member dates when SOURCE_DATE_EPOCH is not set

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_PARA_MARK = re.compile(r"\{#ehsg:p(\d+)#\}")
_PROPERTIES = ("author", "comments", "identifier", "language", "subject", "title")


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
    """

    def __init__(self, template: Path, pictures: frozenset[str] = frozenset()):
        self.template, self.pictures = Path(template), frozenset(pictures)
        self._refusal: BaseException | None = None
        self._worker = None
        self._used = False
        try:
            pkg, self.label = _inspected(self.template)
        except Exception as e:  # the template is missing, unreadable or refused
            self._refusal = e
            return
        from .bounded import BoundedWorker

        self._worker = BoundedWorker(_prepare_and_render, (pkg.data, self.label, sorted(self.pictures)),
                                     RENDER_MEMORY)

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


def template_fields(template: Path, pictures: frozenset[str] = frozenset()) -> set[str]:
    """The top-level fields a template uses; raises TemplateError for a template that cannot be used."""
    pkg, label = _inspected(template)
    job = {"sample": None, "provided": []}
    return set(_in_worker(template, "check", pkg.data, label, job, dict.fromkeys(pictures, b""), None))


def check_template(template: str | Path, provided: set[str], pictures: frozenset[str] = frozenset(),
                   sample: dict | None = None) -> dict:
    """Fields a template uses that are not provided, and fields provided but unused.

    Everything a build would refuse (damage, macros, outside content, refused tags, unsafe calls, parts of a
    picture field) raises TemplateError with each problem located. With a `sample` context, the template is
    also rendered in memory (nothing is written), so loops, sizes and errors that show only when rendering
    are found too.
    """
    template = Path(template)
    if sample is not None:
        check_plain(sample)
    pkg, label = _inspected(template)
    job = {"sample": sample, "provided": sorted(provided)}
    used = set(_in_worker(template, "check", pkg.data, label, job, dict.fromkeys(pictures, b""), None))
    return {"unknown": sorted(used - provided), "unused": sorted(provided - used)}


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


# --- The worker: everything docxtpl and Jinja do happens here, under a deadline and a memory bound --------

def _in_worker(template: Path, job: str, data: bytes, label: str, context: dict, pictures: dict, epoch):
    from .bounded import LimitExceeded, run_bounded

    try:
        kind, payload = run_bounded(_work, (job, data, label, context, pictures, epoch), RENDER_SECONDS,
                                    RENDER_MEMORY)
    except LimitExceeded as e:
        kind, payload = "problems", [_limit_problem(e, label)]
    if kind == "problems":
        raise _error(template, payload)
    return payload


def _limit_problem(e, label: str) -> Problem:
    if e.kind == "time":
        return Problem("template-too-slow", "error", label, f"Rendering the template took longer than "
                       f"{RENDER_SECONDS} seconds and was stopped (a loop that runs too long?).")
    return Problem("template-too-large", "error", label, "Rendering the template stopped without "
                   "finishing (it used more memory than allowed?); nothing was written.")


def _work(job, data, label, context, pictures, epoch):
    return _reported(label, _JOBS[job], data, label, context, pictures, epoch)


def _reported(label, step, *args):
    """("ok", what step(*args) returns), or ("problems", [...]) for whatever the template provoked."""
    try:
        return "ok", step(*args)
    except _Refused as e:
        return "problems", e.problems
    except BaseException as e:  # anything a template provokes is reported as a problem of the template
        return "problems", [_problem_from(e, label)]


def _prepare_and_render(channel, data, label, picture_names):
    """The worker of a Rendering: the template opened and checked, then ("ready", None) sent; once the values
    arrive, the document rendered."""
    kind, prepared = _reported(label, _prepared, data, label, picture_names)
    if kind == "problems":
        return kind, prepared
    channel.send(("ready", None))
    context, pictures, epoch = channel.receive()
    tpl, env = prepared
    return _reported(label, _rendered, tpl, env, label, context, pictures, epoch)


def _prepared(data, label, picture_names):
    from .templatebox import sandbox

    tpl = _opened(data, label)
    env = sandbox()
    _checked(tpl, env, picture_names, fields=False)
    # Compiled before the values arrive (compiling runs nothing of the template); in render order, so a part
    # that cannot be compiled is reported as the render would report it.
    for where, source in _page_sources(tpl):
        if source not in tpl.compiled:
            try:
                tpl.compiled[source] = env.from_string(tpl.trees.pop(source, None) or source)
            except BaseException as e:
                e.ehsg_where = _paragraph_at(source, _template_line(e), where)
                raise
    return tpl, env


class _Refused(Exception):
    def __init__(self, problems: list[Problem]):
        super().__init__(problems)
        self.problems = problems


def _problem_from(e: BaseException, label: str) -> Problem:
    from jinja2 import TemplateSyntaxError, UndefinedError
    from jinja2.exceptions import SecurityError

    from .templatebox import RefusedTemplateLoad, TemplateLimit, shown

    where = getattr(e, "ehsg_where", None) or label
    if isinstance(e, TemplateLimit):
        return Problem(e.code, "error", where, e.message)
    if isinstance(e, RecursionError):
        return Problem("template-recursion", "error", where, "The template calls itself without end (a macro "
                       "that calls itself?) and was stopped.")
    if isinstance(e, MemoryError):
        return Problem("template-too-large", "error", where, "Rendering the template used more memory than "
                       "allowed and was stopped.")
    if isinstance(e, RefusedTemplateLoad):
        return Problem("template-refused-tag", "error", where, "The template tried to load another template; "
                       "a Word template is one file and may not pull in another.")
    if isinstance(e, UndefinedError):
        return Problem("template-unknown-field", "error", where, f"The template uses a field ehsg does not "
                       f"provide ({shown(e.message or '')}). Run 'ehsg check-template' on it.")
    if isinstance(e, SecurityError):
        return Problem("template-unsafe", "error", where, f"The template tried something unsafe and was stopped "
                       f"({shown(str(e))}).")
    if isinstance(e, TemplateSyntaxError):
        detail = shown((e.message or "").rstrip("."))
        return Problem("template-broken-tag", "error", where, f"A template tag is broken: {detail}.")
    return Problem("template-failed", "error", where, f"The template could not be rendered "
                   f"({type(e).__name__}: {shown(str(e))}).")


def _paragraph_at(source: str, line: int | None, where: str) -> str:
    """'FILE: paragraph N' for a line of a part's Jinja source (paragraphs are marked before patching)."""
    if not line:
        return where
    before = "\n".join(source.split("\n")[:line])
    marks = _PARA_MARK.findall(before)
    return f"{where}, paragraph {marks[-1]}" if marks else where


def _template_line(e: BaseException) -> int | None:
    line = getattr(e, "lineno", None)
    if line:
        return line
    frames = [f for f in traceback.extract_tb(e.__traceback__) if f.filename == "<template>"]
    return frames[-1].lineno if frames else None


def _template_class():
    from docx.opc.oxml import parse_xml
    from docxtpl import DocxTemplate
    from lxml import etree

    from . import templatebox

    def marked(xml: str) -> str:
        count = iter(range(1, 1 << 30))
        # Each paragraph starts a line with a Jinja comment naming it, so a line number names a paragraph.
        return re.sub(r"<w:p(?=[ >])", lambda m: f"\n{{#ehsg:p{next(count)}#}}<w:p", xml)

    class Template(DocxTemplate):
        """docxtpl with paragraph marks for locations, and output counted as it is produced.

        Each part's Jinja source is made once and parsed once: the check (_checked) and the render share
        them, so a render compiles exactly the trees that were checked.
        """

        label = ""

        def __init__(self, template_file):
            self.made = {}    # what a part's source was made from → the source
            self.trees = {}   # a checked source → its parsed tree, compiled (once) by the render
            self.compiled = {}  # a source → its compiled template, when compiled before the render
            super().__init__(template_file)

        def _made(self, key, make):
            # the object the source was made from is kept with it: a key is never a reused id
            if key not in self.made:
                self.made[key] = make()
            return self.made[key]

        def get_xml(self):
            body = self.docx._element.body
            return self._made(("body", body), lambda: marked(etree.tostring(body, encoding="unicode")))

        def get_part_xml(self, part):
            return self._made(("part", part),
                              lambda: marked(etree.tostring(parse_xml(part.blob), encoding="unicode")))

        def patch_xml(self, src_xml):
            return self._made(("patched", src_xml), lambda: super(Template, self).patch_xml(src_xml))

        def render_xml_part(self, src_xml, part, context, jinja_env=None):
            where = f"{self.label}{_part_name(part)}"
            try:
                template = self.compiled.get(src_xml)
                if template is None:
                    template = jinja_env.from_string(self.trees.pop(src_xml, None) or src_xml)
                produced, chunks = 0, []
                for chunk in template.generate(context):
                    produced += len(chunk)
                    # Printed values are counted (and located) as they are printed; this bounds literal text too.
                    if produced > 2 * templatebox.MAX_OUTPUT_CHARS:
                        raise templatebox.too_much()
                    chunks.append(chunk)
            except BaseException as e:
                e.ehsg_where = _paragraph_at(src_xml, _template_line(e), where)
                raise
            xml = re.sub(r"\n<w:p([ >])", r"<w:p\1", "".join(chunks))
            # The template's own `{_{` stands for a literal `{{`; data never matches (its braces are references).
            xml = xml.replace("{_{", "{{").replace("}_}", "}}").replace("{_%", "{%").replace("%_}", "%}")
            return self.resolve_listing(xml)

        def render_properties(self, context, jinja_env=None):
            plain = templatebox.properties_sandbox(jinja_env)
            for prop in _PROPERTIES:
                initial = getattr(self.docx.core_properties, prop)
                try:
                    value = plain.from_string(initial).render(context)
                except BaseException as e:
                    e.ehsg_where = f"{self.label}: document properties ({prop})"
                    raise
                setattr(self.docx.core_properties, prop, value)

    return Template


def _part_name(part) -> str:
    name = str(part.partname)
    return "" if name == "/word/document.xml" else f": {name.lstrip('/')}"


def _sources(tpl) -> list[tuple[str, str]]:
    """(where, Jinja source) of every part docxtpl renders: body, headers, footers, footnotes, properties."""
    out = _page_sources(tpl)
    for part in tpl.docx.part.package.parts:
        if part.content_type.endswith("wordprocessingml.footnotes+xml"):
            out.append((f"{tpl.label}{_part_name(part)}", tpl.patch_xml(part.blob.decode("utf-8"))))
    for prop in _PROPERTIES:
        out.append((f"{tpl.label}: document properties ({prop})", getattr(tpl.docx.core_properties, prop) or ""))
    return out


def _page_sources(tpl) -> list[tuple[str, str]]:
    """(where, Jinja source) of the body, headers and footers: what docxtpl renders first, in its order."""
    out = [(tpl.label, tpl.patch_xml(tpl.get_xml()))]
    for uri in (tpl.HEADER_URI, tpl.FOOTER_URI):
        for _, part in tpl.get_headers_footers(uri):
            out.append((f"{tpl.label}{_part_name(part)}", tpl.patch_xml(tpl.get_part_xml(part))))
    return out


def _opened(data: bytes, label: str):
    tpl = _template_class()(io.BytesIO(data))
    tpl.label = label
    try:
        tpl.init_docx()
    except Exception as e:
        raise _Refused([Problem("not-a-word-document", "error", label, f"This is not a Word document that can be "
                                f"used as a template ({quoted(str(e), 80)}). {DOCX.save_as}")]) from None
    return tpl


def _checked(tpl, env, pictures, fields: bool = True) -> set[str]:
    """Every part parsed and searched for refused constructs; the fields used (when `fields`), when nothing is
    refused."""
    from jinja2 import TemplateSyntaxError, meta

    from .templatebox import refused_constructs

    problems, used, trees = [], set(), {}
    for where, source in _sources(tpl):
        try:
            tree = env.parse(source)
        except TemplateSyntaxError as e:
            e.ehsg_where = _paragraph_at(source, e.lineno, where)
            problems.append(_problem_from(e, tpl.label))
            continue
        for line, code, message in refused_constructs(tree, set(pictures)):
            problems.append(Problem(code, "error", _paragraph_at(source, line, where), message))
        if fields:
            used |= meta.find_undeclared_variables(tree)
        trees[source] = tree
    if problems:
        raise _Refused(problems)
    tpl.trees = trees  # the render compiles these very trees; a source met twice is parsed again
    return used - set(env.globals)


def _check_job(data, label, job, pictures, epoch) -> list[str]:
    from .templatebox import sandbox

    tpl = _opened(data, label)
    env = sandbox()
    used = _checked(tpl, env, pictures)
    if job["sample"] is not None and used <= set(job["provided"]):
        _rendered(tpl, env, label, job["sample"], pictures, epoch)  # a trial: the result is not kept
    return sorted(used)


def _rendered(tpl, env, label, context, pictures, epoch) -> bytes:
    with zipfile.ZipFile(tpl.template_file) as z:
        had_properties = "docProps/core.xml" in z.namelist()
    nonce = "".join(str(secrets.randbelow(10)) for _ in range(24))
    markers = {name: f"EHSG-PICTURE-{nonce}-{i}" for i, name in enumerate(sorted(pictures))}
    tpl.render({**context, **markers}, jinja_env=env, autoescape=True)
    _place_pictures(tpl, markers, pictures)
    _date_properties(tpl.docx.core_properties, epoch, had_properties)
    names, members = _members(tpl.docx)
    for name in names:
        if nonce.encode() in members[name]:
            raise _Refused([Problem("template-picture-misplaced", "error", f"{label}: {name}",
                                    "A picture field ({{ " + ", ".join(sorted(pictures)) + " }}) must be alone "
                                    "in its own paragraph, not in a heading, property or changed by a filter.")])
    tpl.template_file.seek(0)
    return _reproducible_zip(names, members, epoch, _deflated_members(tpl.template_file.read()))


_JOBS = {"check": _check_job}


def _place_pictures(tpl, markers: dict[str, str], pictures: dict[str, bytes]) -> None:
    """Each paragraph holding only a picture's marker becomes that picture, as wide as the text."""
    from docx.shared import Mm
    from docx.text.paragraph import Paragraph

    if not markers:
        return
    doc = tpl.docx
    section = doc.sections[0]
    width = Mm(160)
    if section.page_width and section.left_margin is not None and section.right_margin is not None:
        width = section.page_width - section.left_margin - section.right_margin
    stories = [doc._body] + [part for s in doc.sections for part in (s.header, s.footer, s.first_page_header,
                                                                      s.first_page_footer, s.even_page_header,
                                                                      s.even_page_footer)
                             if not part.is_linked_to_previous]
    by_marker = {marker: name for name, marker in markers.items()}
    seen = set()
    for story in stories:
        if id(story._element) in seen:
            continue
        seen.add(id(story._element))
        for p_el in list(story._element.iter(f"{{{_W}}}p")):
            paragraph = Paragraph(p_el, story)
            name = by_marker.get(paragraph.text.strip())
            if name is None:
                continue
            for child in list(p_el):
                if not child.tag.endswith("}pPr"):
                    p_el.remove(child)
            if pictures[name]:  # a trial render (check-template) has names only, no pictures
                paragraph.add_run().add_picture(io.BytesIO(pictures[name]), width=width)


def _date_properties(props, epoch: str | None, had_properties: bool) -> None:
    if epoch is not None:
        when = dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc).replace(tzinfo=None)
        props.created = props.modified = when
    elif not had_properties:  # python-docx stamps a new properties part with the time of day
        props.created = props.modified = dt.datetime(*FIXED_DATE)


class _Collected:
    """Stands in for python-docx's zip writer: keeps each member's bytes, compressing nothing."""

    def __init__(self):
        self.written: list[tuple[str, bytes]] = []

    def write(self, pack_uri, blob: bytes) -> None:
        self.written.append((pack_uri.membername, blob))


def _members(document) -> tuple[list[str], dict[str, bytes]]:
    """The members python-docx's save writes (its own steps, in its order), in a stable order, uncompressed:
    the document is compressed once, by _reproducible_zip, not zipped by python-docx and then zipped again."""
    from docx.opc.pkgwriter import PackageWriter

    package = document.part.package
    for part in package.parts:
        part.before_marshal()
    collected = _Collected()
    PackageWriter._write_content_types_stream(collected, package.parts)
    PackageWriter._write_pkg_rels(collected, package.rels)
    PackageWriter._write_parts(collected, package.parts)
    names = sorted((name for name, _ in collected.written), key=lambda n: (n != "[Content_Types].xml", n))
    return names, dict(collected.written)  # a name written twice keeps its last bytes, as a zip reader does


def _reproducible_zip(names: list[str], members: dict[str, bytes], epoch: str | None,
                      deflated: dict[str, bytes] | None = None) -> bytes:
    """The members in the order given, with fixed dates: the same inputs give the same bytes.

    A member that is still byte for byte as the template has it keeps the template's own compressed form
    (`deflated`), checked to unpack to exactly its bytes; every other member is compressed here.
    """
    stamp = FIXED_DATE if epoch is None else max(time.gmtime(int(epoch))[:6], (1980, 1, 1, 0, 0, 0))
    deflated = deflated or {}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for name in names:
            info = zipfile.ZipInfo(name, stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            data, stream = members[name], deflated.get(name)
            if stream is not None and _unpacks_to(stream, data):
                info.file_size = len(data)
                info._compresslevel = 6  # as writestr(…, compresslevel=6) leaves it
                with zout.open(info, "w") as dest:
                    dest._compressor = _Deflated(stream)  # zipfile still counts the size and the checksum
                    dest.write(data)
            else:
                zout.writestr(info, data, compresslevel=6)
    return out.getvalue()


class _Deflated:
    """In place of zipfile's compressor: hands over a stream compressed already."""

    def __init__(self, stream: bytes):
        self.stream = stream

    def compress(self, data: bytes) -> bytes:
        stream, self.stream = self.stream, b""
        return stream

    def flush(self) -> bytes:
        return b""


def _deflated_members(package: bytes) -> dict[str, bytes]:
    """Each deflated member of an (inspected) package: its compressed stream, as stored."""
    import struct

    out = {}
    with zipfile.ZipFile(io.BytesIO(package)) as z:
        for info in z.infolist():
            start = info.header_offset
            header = package[start:start + 30]
            if info.compress_type != zipfile.ZIP_DEFLATED or info.flag_bits & 0x1 or len(header) < 30 \
                    or header[:4] != b"PK\x03\x04":
                continue
            name_length, extra_length = struct.unpack("<HH", header[26:30])
            start += 30 + name_length + extra_length
            out[info.filename] = package[start:start + info.compress_size]
    return out


def _unpacks_to(stream: bytes, data: bytes) -> bool:
    import zlib

    if len(stream) > len(data) + 1024:  # never larger than the data, give or take a few bytes of framing
        return False
    unpack = zlib.decompressobj(-zlib.MAX_WBITS)
    try:
        return unpack.decompress(stream, len(data) + 1) == data and not unpack.unconsumed_tail \
            and unpack.eof and not unpack.unused_data
    except zlib.error:
        return False
