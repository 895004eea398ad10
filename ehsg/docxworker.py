"""What runs in the bounded worker of a Word template (ehsg.docxrender starts it): docxtpl and Jinja, sandboxed.

Only a template that passed ehsg.docxrender's inspection reaches these functions. Every part's Jinja source is
made and parsed once, searched for refused constructs, compiled, then rendered with plain values; anything the
template provokes comes back as a located problem. Jinja, docxtpl and python-docx are imported here, in the
worker, never by the process that starts it.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import os
import re
import zipfile

from .office.docxsave import FIXED_DATE, deflated_members, members, reproducible_zip
from .office.package import DOCX
from .problems import Problem
from .terminal import quoted

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_PARA_MARK = re.compile(r"\{#ehsg:p(\d+)#\}")
_PARAGRAPH = re.compile(r"<w:p(?: [^>]*)?>.*?</w:p>", re.DOTALL)  # a paragraph, as docxtpl's resolve_listing finds it
_LISTING_CHARS = re.compile(r"[\t\a\n\f]")  # what docxtpl's resolve_listing rewrites in a paragraph
_PROPERTIES = ("author", "comments", "identifier", "language", "subject", "title")


def check(data, label, job, pictures):
    """check-template's work: ("ok", the fields the template uses) or ("problems", [...])."""
    return _reported(label, _check_job, data, label, job, pictures)


def check_in_two_steps(channel, data, label, probe):
    """check-template's work in one worker: ("fields", the fields used with the `probe` picture names) sent;
    then, given (job, pictures), check's answer for them."""
    kind, fields = check(data, label, {"sample": None, "provided": []}, dict.fromkeys(probe, b""))
    if kind == "problems":
        return kind, fields
    channel.send(("fields", fields))
    job, pictures = channel.receive()
    return check(data, label, job, pictures)


def _reported(label, step, *args):
    """("ok", what step(*args) returns), or ("problems", [...]) for whatever the template provoked."""
    try:
        return "ok", step(*args)
    except _Refused as e:
        return "problems", e.problems
    except BaseException as e:  # anything a template provokes is reported as a problem of the template
        return "problems", [_problem_from(e, label)]


def load() -> None:
    """The libraries a render uses, loaded before the worker is given its template (and before its memory
    bound is set): Jinja (through the sandbox), docxtpl, python-docx, lxml."""
    import docx.shared  # noqa: F401
    import docx.text.paragraph  # noqa: F401
    import jinja2.meta  # noqa: F401

    from . import templatebox  # noqa: F401

    _template_class()


def prepare_and_render(channel, picture_names):
    """The worker of a Rendering: once given the inspected template (its bytes and label), the template opened
    and checked, then ("ready", None) sent; once the values arrive, the document rendered."""
    data, label = channel.receive()
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
    import traceback

    line = getattr(e, "lineno", None)
    if line:
        return line
    frames = [f for f in traceback.extract_tb(e.__traceback__) if f.filename == "<template>"]
    return frames[-1].lineno if frames else None


@functools.cache
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

        def resolve_listing(self, xml):
            # docxtpl rewrites tabs, line breaks, \a and \f in each paragraph's text, and gives any other paragraph
            # back unchanged: only paragraphs holding one go through it (the same paragraphs, the same result).
            if not _LISTING_CHARS.search(xml):
                return xml
            resolve = super(Template, self).resolve_listing
            return _PARAGRAPH.sub(lambda m: resolve(m.group(0)) if _LISTING_CHARS.search(m.group(0)) else m.group(0),
                                  xml)

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


def _check_job(data, label, job, pictures) -> list[str]:
    from .templatebox import sandbox

    tpl = _opened(data, label)
    env = sandbox()
    used = _checked(tpl, env, pictures)
    if job["sample"] is not None and used <= set(job["provided"]):
        _rendered(tpl, env, label, job["sample"], pictures, None)  # a trial: the result is not kept
    return sorted(used)


def _rendered(tpl, env, label, context, pictures, epoch) -> bytes:
    with zipfile.ZipFile(tpl.template_file) as z:
        had_properties = "docProps/core.xml" in z.namelist()
    nonce = f"{int.from_bytes(os.urandom(16), 'big') % 10 ** 24:024d}"  # 24 random digits
    markers = {name: f"EHSG-PICTURE-{nonce}-{i}" for i, name in enumerate(sorted(pictures))}
    tpl.render({**context, **markers}, jinja_env=env, autoescape=True)
    _place_pictures(tpl, markers, pictures)
    _date_properties(tpl.docx.core_properties, epoch, had_properties)
    names, parts = members(tpl.docx)
    for name in names:
        if nonce.encode() in parts[name]:
            raise _Refused([Problem("template-picture-misplaced", "error", f"{label}: {name}",
                                    "A picture field ({{ " + ", ".join(sorted(pictures)) + " }}) must be alone "
                                    "in its own paragraph, not in a heading, property or changed by a filter.")])
    tpl.template_file.seek(0)
    return reproducible_zip(names, parts, epoch, deflated_members(tpl.template_file.read()))


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
