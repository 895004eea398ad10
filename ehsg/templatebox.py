"""The Jinja sandbox Word templates run in: no live objects, no includes, bounded loops, strings and output."""

from __future__ import annotations

from jinja2 import StrictUndefined, nodes
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup, escape

from .xmlsafe import XML_ILLEGAL

# A form is rendered from lists of a few hundred items; a template never needs more than this.
MAX_RANGE = 10_000
# One string built inside a template (a narrative is at most ~40,000 characters).
MAX_VALUE_CHARS = 5_000_000
# The rendered XML of one part of the document (the bundled form renders to about 1 MB).
MAX_OUTPUT_CHARS = 50_000_000
MAX_POWER = 64

# Method calls a template may make on plain values; anything else is refused by check-template.
ALLOWED_METHODS = frozenset({
    "items", "keys", "values", "get", "upper", "lower", "title", "capitalize", "strip", "lstrip", "rstrip",
    "split", "join", "replace", "startswith", "endswith", "count", "index", "cycle", "changed"})
REFUSED_TAGS = {nodes.Include: "include", nodes.Import: "import", nodes.FromImport: "from … import",
                nodes.Extends: "extends"}
# Filters that would let markup from a template or from the data into the XML unescaped.
# `attr` reaches attributes by a name built at render time, which no form template needs.
REFUSED_FILTERS = ("safe", "urlize", "attr")
_REMOVED_GLOBALS = ("lipsum", "cycler", "joiner")
# str.format reaches attributes of its arguments by names inside the string, out of the sandbox's sight unless
# it is called directly; a template may not even name it (older Jinja let `{% set f = s.format %}` through).
REFUSED_ATTRS = ("format", "format_map")
# Filters that reach an attribute named by a string: the name is checked like any other attribute.
_ATTRIBUTE_FILTERS = ("map", "select", "reject", "selectattr", "rejectattr", "sort", "groupby", "sum", "unique",
                      "min", "max", "dictsort")


class TemplateLimit(Exception):
    """Raised inside a render when a template goes past a bound (loop length, string size, output size)."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


class RefusedTemplateLoad(Exception):
    """Raised when a template asks for another template ({% include %}, {% import %}, {% extends %})."""


class _NoLoader:
    """A loader that refuses every load: a Word template is one file and may not pull in others."""

    def load(self, environment, name, globals=None):
        raise RefusedTemplateLoad(name)

    def get_source(self, environment, name):
        raise RefusedTemplateLoad(name)


def _bounded_range(*args: int) -> range:
    rng = range(*args)
    if len(rng) > MAX_RANGE:
        raise TemplateLimit("template-loop-too-long", f"The template asks for a range of {len(rng):,} numbers; "
                            f"at most {MAX_RANGE:,} are allowed.")
    return rng


def _refused_filter(name: str):
    def refuse(*args, **kwargs):
        raise SecurityError(f"the filter |{name} is not allowed in a Word template")
    return refuse


def _length(value) -> int:
    return len(value) if isinstance(value, (str, list, tuple)) else 0


class TemplateSandbox(ImmutableSandboxedEnvironment):
    """The sandbox, with `*`, `+` and `**` checked before they run so a template cannot fill memory."""

    intercepted_binops = frozenset({"*", "+", "**"})

    def call_binop(self, context, operator, left, right):
        if operator == "*" and isinstance(left, int) != isinstance(right, int):
            seq, times = (left, right) if isinstance(right, int) else (right, left)
            if isinstance(times, int) and _length(seq) * max(times, 0) > MAX_VALUE_CHARS:
                raise TemplateLimit("template-too-large", f"The template repeats a text or list {times:,} times, "
                                    f"making more than {MAX_VALUE_CHARS:,} characters or items.")
        elif operator == "+" and _length(left) + _length(right) > MAX_VALUE_CHARS:
            raise TemplateLimit("template-too-large", f"The template joins texts into more than "
                                f"{MAX_VALUE_CHARS:,} characters.")
        elif operator == "**" and isinstance(right, (int, float)) and abs(right) > MAX_POWER:
            raise TemplateLimit("template-too-large", f"The template raises a number to the power {right}; at most "
                                f"{MAX_POWER} is allowed.")
        return super().call_binop(context, operator, left, right)


def xml_text(value) -> Markup:
    """What a template prints, as XML text that arrives exactly: escaped, braces as character references.

    docxtpl turns `{_{` into `{{` and \\a or \\f into new paragraphs in the whole rendered XML; data written
    as character references (and without characters XML cannot hold) can never match those replacements.
    """
    text = str(value) if isinstance(value, Markup) else str(escape(str(value)))
    text = XML_ILLEGAL.sub("", text)
    return Markup(text.replace("{", "&#123;").replace("}", "&#125;"))


def plain_text(value) -> str:
    """What a template prints into a document property (plain text, escaped later by python-docx)."""
    return XML_ILLEGAL.sub("", str(value))


def too_much() -> TemplateLimit:
    return TemplateLimit("template-too-large", f"The template produces more than {MAX_OUTPUT_CHARS:,} characters "
                         "of document text.")


def sandbox() -> TemplateSandbox:
    """A fresh sandbox for one render: what it prints is counted, so a runaway loop is stopped where it runs."""
    printed = 0

    def finalize(value) -> Markup:
        nonlocal printed
        text = xml_text(value)
        printed += len(text)
        if printed > MAX_OUTPUT_CHARS:
            raise too_much()
        return text

    env = TemplateSandbox(undefined=StrictUndefined, autoescape=True, finalize=finalize, loader=_NoLoader())
    for name in REFUSED_FILTERS:
        env.filters[name] = _refused_filter(name)
    for name in _REMOVED_GLOBALS:
        env.globals.pop(name, None)
    env.globals["range"] = _bounded_range
    return env


def properties_sandbox(env: TemplateSandbox) -> TemplateSandbox:
    return env.overlay(autoescape=False, finalize=plain_text)


def refused_constructs(tree: nodes.Template, pictures: set[str] = frozenset()) -> list[tuple[int, str, str]]:
    """(line, code, what) for every tag or expression a Word template may not hold (one walk of the tree)."""
    found = []
    for node in tree.find_all(nodes.Node):
        if isinstance(node, (nodes.Getattr, nodes.Getitem)):
            found += _refused_access(node, pictures)
        elif isinstance(node, nodes.Filter):
            found += _refused_filter_use(node)
        elif isinstance(node, nodes.Call):
            if isinstance(node.node, nodes.Getattr) and node.node.attr not in ALLOWED_METHODS \
                    and not node.node.attr.startswith("_"):
                found.append((node.lineno, "template-unsafe", f"The template calls '{shown(node.node.attr)}()', "
                              "which a form template has no need of; this is unsafe and not allowed."))
        else:
            for kind, tag in REFUSED_TAGS.items():
                if isinstance(node, kind):
                    found.append((node.lineno, "template-refused-tag",
                                  f"The tag {{% {tag} %}} is not allowed: a Word template is one file and may not "
                                  "pull in another."))
    return sorted(found)


def _refused_access(node, pictures: set[str]) -> list[tuple[int, str, str]]:
    """A field reached by `.name` or `[key]`: into a picture, into Python itself, or to str.format."""
    found = []
    if isinstance(node.node, nodes.Name) and node.node.name in pictures:
        found.append((node.lineno, "template-unknown-field", f"{{{{ {node.node.name} }}}} is a picture placed by "
                      "ehsg: it has no parts to reach into. Put it alone in its own paragraph."))
    if isinstance(node, nodes.Getattr):
        name = node.attr
    elif isinstance(node.arg, nodes.Const):
        name = node.arg.value
    else:
        return found
    if isinstance(name, str) and name.startswith("_"):
        found.append((node.lineno, "template-unsafe", f"The field reaches into '{shown(name)}', a part "
                      "of Python itself, not of the data; this is unsafe and not allowed."))
    if name in REFUSED_ATTRS:
        found.append((node.lineno, "template-unsafe", f"The template reaches '{name}', which can read parts of "
                      "Python itself through the text it is given; this is unsafe and not allowed."))
    return found


def _refused_filter_use(node: nodes.Filter) -> list[tuple[int, str, str]]:
    found = []
    if node.name in _ATTRIBUTE_FILTERS:
        positional = node.args[1:] if node.name in ("map", "select", "reject") else node.args  # [0]: a filter
        for arg in [*positional, *(kw.value for kw in node.kwargs)]:
            if isinstance(arg, nodes.Const) and isinstance(arg.value, str) and \
                    any(part.startswith("_") or part in REFUSED_ATTRS for part in arg.value.split(".")):
                found.append((node.lineno, "template-unsafe", f"The filter |{node.name} is asked for "
                              f"'{shown(arg.value)}', a part of Python itself, not of the data; this is unsafe "
                              "and not allowed."))
    if node.name in REFUSED_FILTERS:
        found.append((node.lineno, "template-unsafe", f"The filter |{node.name} is not allowed in a Word "
                      "template: it would let markup or Python internals into the document."))
    return found


def shown(text: str, limit: int = 80) -> str:
    """Text from a file made safe for a terminal: control and formatting characters shown as escapes."""
    from .terminal import quoted

    return quoted(text, limit)
