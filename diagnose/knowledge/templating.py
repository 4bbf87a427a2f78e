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

import contextlib
import functools
import hashlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import CodeType
from typing import Any

from jinja2 import Template, TemplateSyntaxError, Undefined, meta, nodes
from jinja2.runtime import LoopContext
from jinja2.sandbox import (
    ImmutableSandboxedEnvironment,
    SandboxedEscapeFormatter,
    SandboxedFormatter,
    SecurityError,
)
from markupsafe import Markup

from ..cache import current_caches
from ..conditions import UNKNOWN
from ..errors import KnowledgeError
from ..facts import FACTS
from ..models import Fact
from . import _bounds

__all__ = [
    "Placeholder",
    "TemplateIssue",
    "check_template",
    "placeholder",
    "preload",
    "render_template",
    "template_names",
]

MAX_SEQUENCE = _bounds.MAX_STRING
"""The longest string or list that ``*`` may build inside a template."""
MAX_EXPONENT = 64
"""Kept for callers of the old name; powers are bounded by :data:`~._bounds.MAX_INT_BITS`."""


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


class _BoundedFormatter(SandboxedFormatter):
    """``str.format`` in the sandbox, with every width and precision bounded."""

    def format_field(self, value: Any, format_spec: str) -> Any:
        _bounds.check_format_spec(format_spec)
        return _bounds.check_size(super().format_field(value, format_spec), "str.format()")


class _BoundedEscapeFormatter(_BoundedFormatter, SandboxedEscapeFormatter):
    pass


class _Environment(ImmutableSandboxedEnvironment):
    """The sandbox, with unsafe attribute access an error and every operation bounded (see :mod:`._bounds`)."""

    intercepted_binops = frozenset({"*", "**", "+", "%", "//", "/"})

    def unsafe_undefined(self, obj: Any, attribute: str) -> Undefined:
        raise SecurityError(f"access to attribute {attribute!r} of {type(obj).__name__!r} object is unsafe")

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        _bounds.check_binop(operator, left, right)
        return _bounds.check_size(super().call_binop(context, operator, left, right), f"{operator!r}")

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        _bounds.current().step()
        if isinstance(__obj, LoopContext) and args:  # loop(children) in a recursive for: count those items too
            args = (_bounds.bounded_iter(args[0]), *args[1:])
        owner = getattr(__obj, "__self__", None)
        name = getattr(__obj, "__name__", "")
        if owner is not None and isinstance(name, str):
            _bounds.check_method(owner, name, args, kwargs)
        return _bounds.check_size(super().call(__context, __obj, *args, **kwargs), f"{name or 'the call'}()")

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        """``str.format`` and ``format_map`` through a formatter that bounds every spec."""
        checked = super().wrap_str_format(value)  # None, or the sandbox's own (unbounded) wrapper
        if checked is None:
            return None
        f_self = value.__self__
        escape = isinstance(f_self, Markup)
        formatter = _BoundedEscapeFormatter(self, escape=f_self.escape) if escape else _BoundedFormatter(self)
        is_format_map = value.__name__ == "format_map"

        def bounded(*args: Any, **kwargs: Any) -> str:
            _bounds.check_brace_format(f_self)
            if is_format_map:
                if kwargs or len(args) != 1:
                    return checked(*args, **kwargs)  # raises the sandbox's TypeError
                args, kwargs = (), args[0]
            return type(f_self)(formatter.vformat(f_self, args, kwargs))

        return bounded


GLOBALS = ("range", "dict", "namespace")
"""The only Jinja globals kept (``lipsum``, ``cycler`` and ``joiner`` are removed)."""

_LOOP = "bounded_loop"
_JOIN = "bounded_concat"
"""Filters the compiler wraps around every ``{% for %}`` iterable and every ``~``; see :func:`_instrument`."""


@functools.cache
def _environment() -> _Environment:
    # optimized=False: Jinja would otherwise fold constant expressions while compiling,
    # running an unbounded ``'x'|center(999999999)`` before any limit is checked.
    env = _Environment(loader=None, autoescape=False, undefined=Placeholder, optimized=False)
    env.globals = {name: env.globals[name] for name in GLOBALS}
    env.globals["range"] = _bounds.bounded_range
    env.filters = {name: _bounds.bounded_filter(name, function) for name, function in env.filters.items()}
    env.filters[_LOOP] = _bounds.bounded_iter
    env.filters[_JOIN] = lambda value: _bounds.check_size(value, "'~'")
    return env


def _depth(tree: nodes.Node) -> int:
    """How deep the syntax tree nests, found without recursion."""
    deepest = 0
    stack = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        if deepest > _bounds.MAX_NESTING:
            break
        stack.extend((child, depth + 1) for child in node.iter_child_nodes())
    return deepest


def _parse(template: str) -> nodes.Template:
    """The syntax tree of ``template``, refused if it is too long or nests too deeply to compile safely."""
    if len(template) > _bounds.MAX_SOURCE:
        raise _bounds.TemplateLimitError(
            f"the template is {len(template)} characters long: at most {_bounds.MAX_SOURCE} are allowed"
        )
    try:
        tree = _environment().parse(template)
    except RecursionError:
        raise _bounds.TemplateLimitError("the template is nested too deeply") from None
    if _depth(tree) > _bounds.MAX_NESTING:
        raise _bounds.TemplateLimitError(
            f"the template nests more than {_bounds.MAX_NESTING} levels deep (filters chained, brackets, blocks)"
        )
    return tree


def _instrument(tree: nodes.Template) -> nodes.Template:
    """Count every loop iteration and bound every ``~`` (the sandbox intercepts neither)."""

    def wrap(node: nodes.Node) -> nodes.Node:
        if isinstance(node, nodes.Concat):
            return nodes.Filter(node, _JOIN, [], [], None, None, lineno=node.lineno)
        return node

    for node in [tree, *tree.find_all(nodes.Node)]:
        for name in node.fields:
            value = getattr(node, name, None)
            if isinstance(value, nodes.Node):
                setattr(node, name, wrap(value))
            elif isinstance(value, list):
                value[:] = [wrap(item) if isinstance(item, nodes.Node) else item for item in value]
        if isinstance(node, nodes.For):
            node.iter = nodes.Filter(node.iter, _LOOP, [], [], None, None, lineno=node.lineno)
    return tree


_CODEGEN = hashlib.sha256(Path(__file__).read_bytes() + Path(_bounds.__file__).read_bytes()).hexdigest()[:16]
"""A change to how templates are compiled is a new cache key."""


_PRELOADED: dict[str, CodeType] = {}
"""Compiled templates :func:`preload` read from the template cache, by template text."""


def preload(templates: Iterable[str]) -> None:
    """Compile many templates at once, through one file of the template cache for the whole set.

    A report or an explanation renders many templates of one entry (~90 for 21408); reading one cache
    file each cost more than rendering them. A template that does not compile is left out here, and
    :func:`render_template` says why when it is used. Without a template cache this does nothing.
    """
    cache = current_caches().templates
    todo = sorted({t for t in templates if t and t not in _PRELOADED})
    if cache is None or not todo:
        return
    env = _environment()
    source = "\0".join(todo)
    name = "knowledge-set-" + hashlib.sha256((_CODEGEN + source).encode("utf-8", "surrogatepass")).hexdigest()
    bucket = cache.get_bucket(env, name, None, source)
    codes: Any = bucket.code
    if not isinstance(codes, dict):
        codes = {}
        for template in todo:
            with contextlib.suppress(TemplateSyntaxError, RecursionError, _bounds.TemplateLimitError):
                codes[template] = env.compile(_instrument(_parse(template)))
        bucket.code = codes  # Jinja marshals a bucket's code as it is: a dict of code objects too
        cache.set_bucket(bucket)
    _PRELOADED.update((t, c) for t, c in codes.items() if isinstance(t, str) and isinstance(c, CodeType))


@functools.lru_cache(maxsize=1024)
def _compiled(template: str) -> Template:
    env = _environment()
    if template in _PRELOADED:
        return env.template_class.from_code(env, _PRELOADED[template], env.make_globals(None))
    cache = current_caches().templates
    if cache is None:
        return env.template_class.from_code(env, env.compile(_instrument(_parse(template))), env.make_globals(None))
    # Jinja2 caches only loader templates; its bucket API works for strings too (keyed by source).
    # The bucket key is the name, so each distinct template needs its own.
    name = "knowledge-" + hashlib.sha256((_CODEGEN + template).encode("utf-8", "surrogatepass")).hexdigest()
    bucket = cache.get_bucket(env, name, None, template)
    if bucket.code is None:
        bucket.code = env.compile(_instrument(_parse(template)))
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
        tree = _parse(template)
    except TemplateSyntaxError as exc:
        return [TemplateIssue(f"template syntax error: {exc.message}", exc.lineno or 1)]
    except _bounds.TemplateLimitError as exc:
        return [TemplateIssue(str(exc))]

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

    issues.extend(_literal_limits(tree))
    if not issues:
        try:
            compiled = _compiled(template)
        except TemplateSyntaxError as exc:
            issues.append(TemplateIssue(f"template error: {exc.message}", exc.lineno or 1))
        except RecursionError:
            issues.append(TemplateIssue("the template is nested too deeply"))
        else:
            issues.extend(_trial_render(compiled))
    return issues


@functools.lru_cache(maxsize=4096)
def template_names(template: str) -> frozenset[str]:
    """The fact names ``template`` reads; empty for a template that does not parse."""
    if not template:
        return frozenset()
    try:
        return frozenset(meta.find_undeclared_variables(_parse(template)))
    except (TemplateSyntaxError, RecursionError, _bounds.TemplateLimitError):
        return frozenset()


_NOT_LITERAL = object()


def _literal(node: nodes.Node | None) -> Any:
    """The value of a literal (``'x'``, ``9``, ``[1, 2]``), else a marker."""
    if node is None:
        return _NOT_LITERAL
    try:
        return node.as_const(nodes.EvalContext(_environment())) if isinstance(node, _LITERALS) else _NOT_LITERAL
    except nodes.Impossible:
        return _NOT_LITERAL


_LITERALS = (nodes.Const, nodes.List, nodes.Tuple, nodes.Dict)


def _arguments(node: nodes.Filter | nodes.Call) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """The literal arguments of a call (others as None, which no check objects to)."""
    args = tuple(None if (v := _literal(a)) is _NOT_LITERAL else v for a in node.args)
    kwargs = {k.key: v for k in node.kwargs if (v := _literal(k.value)) is not _NOT_LITERAL}
    return args, kwargs


def _literal_limits(tree: nodes.Template) -> list[TemplateIssue]:
    """What rendering would refuse, found from literals in every branch (the trial render takes only one)."""
    issues: list[TemplateIssue] = []
    for node in tree.find_all((nodes.Filter, nodes.Call, nodes.BinExpr)):
        try:
            if isinstance(node, nodes.Filter):
                value = _literal(node.node)
                args, kwargs = _arguments(node)
                _bounds.check_filter(node.name, None if value is _NOT_LITERAL else value, args, kwargs)
            elif isinstance(node, nodes.Call):
                args, kwargs = _arguments(node)
                if isinstance(node.node, nodes.Name) and node.node.name == "range":
                    if args and all(isinstance(a, int) for a in args):
                        _bounds.bounded_range(*args)
                elif isinstance(node.node, nodes.Getattr):
                    owner = _literal(node.node.node)
                    if node.node.attr in ("format", "format_map") and isinstance(owner, str):
                        _bounds.check_brace_format(owner)
                    else:
                        _bounds.check_method("" if owner is _NOT_LITERAL else owner, node.node.attr, args, kwargs)
            else:
                left, right = _literal(node.left), _literal(node.right)
                if left is not _NOT_LITERAL and right is not _NOT_LITERAL:
                    _bounds.check_binop(node.operator, left, right)
                elif node.operator == "%" and isinstance(left, str):
                    _bounds.check_percent_format(left)
        except _bounds.TemplateLimitError as exc:
            issues.append(TemplateIssue(str(exc), node.lineno))
        except (TypeError, ValueError):
            continue  # not a limit: the trial render or the report shows the template as written
    return issues


def _trial_render(compiled: Template) -> list[TemplateIssue]:
    """Render with every fact unknown: a limit crossed there is crossed in every report."""
    try:
        _render(compiled, {})
    except _bounds.TemplateLimitError as exc:
        return [TemplateIssue(f"rendering stops: {exc}", _template_line(exc))]
    except RecursionError as exc:
        return [TemplateIssue("rendering stops: a macro or loop calls itself too deeply", _template_line(exc))]
    except Exception:
        return []  # a runtime error with unknown facts is normal; the report shows the template as written
    return []


def _template_line(exc: BaseException) -> int:
    """The template line the error was raised on (Jinja rewrites tracebacks to template lines)."""
    line = 1
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def _render(compiled: Template, values: Mapping[str, Any]) -> str:
    """``compiled`` rendered within one budget; stops as soon as the output is too long."""
    token = _bounds.begin()
    try:
        budget = _bounds.current()
        parts: list[str] = []
        for chunk in compiled.generate(values):
            budget.emit(chunk)
            parts.append(chunk)
        return "".join(parts)
    finally:
        _bounds.end(token)


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
    an unknown, a filter given the wrong type, a sandbox violation, a limit of
    :mod:`._bounds`) the template's text is returned as written. Only a template that does not parse (or is
    too long or too deeply nested to compile) raises :class:`~diagnose.errors.KnowledgeError`;
    the linter rejects those before they load.
    """
    if not template:
        return ""
    try:
        compiled = _compiled(template)
    except TemplateSyntaxError as exc:
        raise KnowledgeError(f"template syntax error: {exc.message}", line=exc.lineno) from None
    except RecursionError:
        raise KnowledgeError("the template is nested too deeply") from None
    except _bounds.TemplateLimitError as exc:
        raise KnowledgeError(str(exc)) from None
    values = {name: _value(name, value) for name, value in facts.items() if isinstance(name, str)}
    try:
        return _render(compiled, values)
    except Exception:
        return template
