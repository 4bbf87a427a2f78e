"""Knowledge templates: Jinja2 strings over fact names, rendered in a sandbox.

A template such as ``Enable {{ country_name }} ({{ country }})`` is rendered with
the fact values of one diagnosis. The environment is an
:class:`~jinja2.sandbox.ImmutableSandboxedEnvironment` with no loader (so
``include``, ``import`` and ``extends`` cannot read anything) and autoescape off
(renderers escape the result for their format). A fact that is missing, unknown
or null renders as a visible placeholder, ``<country_name>``; it is never an
error and never empty.

:func:`check_template` is what the knowledge linter runs; :func:`render_template`
is what reports call. Neither reads a file.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from jinja2 import Template, TemplateSyntaxError, Undefined, meta, nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

from ..cache import template_bytecode_cache
from ..conditions import UNKNOWN
from ..errors import KnowledgeError
from ..facts import FACTS
from ..models import Fact

__all__ = ["Placeholder", "TemplateIssue", "check_template", "placeholder", "render_template", "template_names"]

MAX_SEQUENCE = 10_000
"""The longest string or list that ``*`` may build inside a template."""
MAX_EXPONENT = 64
"""The largest exponent ``**`` accepts inside a template."""


def placeholder(name: str) -> str:
    """How a missing or unknown fact is shown: ``<name>``."""
    return f"<{name}>"


class Placeholder(Undefined):
    """An undefined value that renders as ``<name>`` and tolerates attribute and item access."""

    __slots__ = ()

    def __str__(self) -> str:
        return placeholder(self._undefined_name or "unknown")

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return self

    def __getitem__(self, key: Any) -> Any:
        return self

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self


class _Environment(ImmutableSandboxedEnvironment):
    """The sandbox, with unsafe attribute access an error and ``*``/``**`` bounded."""

    intercepted_binops = frozenset({"*", "**"})

    def unsafe_undefined(self, obj: Any, attribute: str) -> Undefined:
        raise SecurityError(f"access to attribute {attribute!r} of {type(obj).__name__!r} object is unsafe")

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "**" and isinstance(right, (int, float)) and abs(right) > MAX_EXPONENT:
            raise SecurityError(f"exponent {right} is too large")
        if operator == "*":
            for seq, times in ((left, right), (right, left)):
                if isinstance(seq, (str, list, tuple)) and isinstance(times, int) and len(seq) * times > MAX_SEQUENCE:
                    raise SecurityError("the result of '*' would be too long")
        return super().call_binop(context, operator, left, right)


GLOBALS = ("range", "dict", "namespace")
"""The only Jinja globals kept (``lipsum``, ``cycler`` and ``joiner`` are removed)."""


@functools.cache
def _environment() -> _Environment:
    env = _Environment(loader=None, autoescape=False, undefined=Placeholder)
    env.globals = {name: env.globals[name] for name in GLOBALS}
    return env


@functools.lru_cache(maxsize=1024)
def _compiled(template: str) -> Template:
    env = _environment()
    cache = template_bytecode_cache()
    if cache is None:
        return env.from_string(template)
    # Jinja2 caches only loader templates; its bucket API works for strings too (keyed by source).
    # The bucket key is the name, so each distinct template needs its own.
    name = "knowledge-" + hashlib.sha256(template.encode("utf-8", "surrogatepass")).hexdigest()
    bucket = cache.get_bucket(env, name, None, template)
    if bucket.code is None:
        bucket.code = env.compile(template)
        cache.set_bucket(bucket)
    return env.template_class.from_code(env, bucket.code, env.make_globals(None))


@dataclass(frozen=True)
class TemplateIssue:
    """A problem with a template's text; ``line`` counts from 1 within the template."""

    message: str
    line: int = 1


_NO_LOADER = (nodes.Include, nodes.Import, nodes.FromImport, nodes.Extends)


def check_template(template: str, known: Mapping[str, object] | None = None) -> list[TemplateIssue]:
    """Every problem with ``template``: syntax, includes, private attributes, unknown names.

    ``known`` is the registry of names a template may use (default: ``FACTS``).
    """
    names = FACTS if known is None else known
    env = _environment()
    try:
        tree = env.parse(template)
    except TemplateSyntaxError as exc:
        return [TemplateIssue(f"template syntax error: {exc.message}", exc.lineno or 1)]
    except RecursionError:
        return [TemplateIssue("the template is nested too deeply")]

    issues: list[TemplateIssue] = []
    for node in tree.find_all(_NO_LOADER):
        word = type(node).__name__.lower().replace("fromimport", "import")
        issues.append(TemplateIssue(f"'{word}' is not allowed: a template cannot read other templates", node.lineno))
    for node in tree.find_all((nodes.Getattr, nodes.Getitem)):
        attr = node.attr if isinstance(node, nodes.Getattr) else _constant(node.arg)
        if isinstance(attr, str) and attr.startswith("_"):
            issues.append(TemplateIssue(f"attribute {attr!r} is not allowed (names starting with '_')", node.lineno))

    for node in tree.find_all((nodes.Filter, nodes.Test)):
        kind, known_names = ("filter", env.filters) if isinstance(node, nodes.Filter) else ("test", env.tests)
        if node.name not in known_names:
            issues.append(TemplateIssue(f"no {kind} named {node.name!r}", node.lineno))
    for node in tree.find_all(nodes.Name):
        if node.name == "self" and node.ctx == "load":
            issues.append(TemplateIssue("'self' is not allowed in a template", node.lineno))
            break

    try:
        undeclared = meta.find_undeclared_variables(tree)
    except TemplateSyntaxError as exc:  # unknown filters and tests are found when compiling
        return [*issues, TemplateIssue(f"template error: {exc.message}", exc.lineno or 1)]
    except RecursionError:
        return [*issues, TemplateIssue("the template is nested too deeply")]
    for name in sorted(undeclared - set(names)):
        line = next((n.lineno for n in tree.find_all(nodes.Name) if n.name == name), 1)
        issues.append(TemplateIssue(f"unknown fact {name!r} in template{_suggest(name, names)}", line))

    if not issues:
        try:
            _compiled(template)
        except TemplateSyntaxError as exc:
            issues.append(TemplateIssue(f"template error: {exc.message}", exc.lineno or 1))
        except RecursionError:
            issues.append(TemplateIssue("the template is nested too deeply"))
    return issues


@functools.lru_cache(maxsize=4096)
def template_names(template: str) -> frozenset[str]:
    """The fact names ``template`` reads; empty for a template that does not parse."""
    if not template:
        return frozenset()
    try:
        return frozenset(meta.find_undeclared_variables(_environment().parse(template)))
    except (TemplateSyntaxError, RecursionError):
        return frozenset()


def _constant(node: nodes.Node) -> object:
    return node.value if isinstance(node, nodes.Const) else None


def _suggest(name: str, names: Mapping[str, object]) -> str:
    import difflib

    close = difflib.get_close_matches(name, list(names), n=1, cutoff=0.7)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _value(name: str, value: object) -> object:
    if isinstance(value, Fact):
        value = value.value if value.known else UNKNOWN
    if value is UNKNOWN or value is None:
        return Placeholder(name=name)
    return value


def render_template(template: str, facts: Mapping[str, object]) -> str:
    """``template`` rendered with these fact values.

    ``facts`` maps fact names to values; a value may be :data:`~diagnose.conditions.UNKNOWN`,
    ``None`` or a :class:`~diagnose.models.Fact`. A missing, unknown or null fact renders
    as ``<name>``. Whatever the values, this never raises: if rendering fails (comparing
    an unknown, a filter given the wrong type, a sandbox violation) the template's text
    is returned as written. Only a template that does not parse raises
    :class:`~diagnose.errors.KnowledgeError`; the linter rejects those before they load.
    """
    if not template:
        return ""
    try:
        compiled = _compiled(template)
    except TemplateSyntaxError as exc:
        raise KnowledgeError(f"template syntax error: {exc.message}", line=exc.lineno) from None
    except RecursionError:
        raise KnowledgeError("the template is nested too deeply") from None
    values = {name: _value(name, value) for name, value in facts.items() if isinstance(name, str)}
    try:
        return compiled.render(values)
    except Exception:
        return template
