"""The limits a knowledge template runs within: time (iterations), memory (sizes), and source size.

A template comes from a YAML file anyone may write, so every operation that can
make a value much larger than its inputs is checked *before* it runs (a width,
a repeat count, an exponent, a replacement), every operation that joins values
is checked right after (its inputs are already bounded, so the excess is
small), and every loop iteration and call is counted against one budget per
render. Crossing a limit raises :class:`TemplateLimitError`.

The same checks run in two places: while rendering, and in the linter on every
operation whose arguments are literals (so a limit in a branch the linter's
trial render does not take is still found). See ``docs/knowledge-format.md``.
"""

from __future__ import annotations

import contextvars
import re
import string
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from jinja2.sandbox import SecurityError

__all__ = [
    "MAX_INT_BITS",
    "MAX_ITERATIONS",
    "MAX_NESTING",
    "MAX_OUTPUT",
    "MAX_RANGE",
    "MAX_SOURCE",
    "MAX_STRING",
    "MAX_WIDTH",
    "Budget",
    "TemplateLimitError",
]

MAX_SOURCE = 20_000
"""The longest template text, in characters (the longest built-in one is under 1,000)."""
MAX_NESTING = 60
"""The deepest a template's syntax tree may nest (filters chained, brackets, blocks)."""
MAX_ITERATIONS = 10_000
"""Loop iterations plus calls in one render."""
MAX_RANGE = 1_000
"""The most numbers ``range()`` may produce."""
MAX_OUTPUT = 100_000
"""The longest rendered text, in characters."""
MAX_STRING = 100_000
"""The longest string or list any operation may build."""
MAX_WIDTH = 1_000
"""The largest width, precision, padding or repeat count an argument may ask for."""
MAX_INT_BITS = 4_096
"""The largest integer (in bits) arithmetic may build: about 1,200 decimal digits."""


class TemplateLimitError(SecurityError):
    """A template asked for more work or memory than a knowledge template may use."""


# --------------------------------------------------------------------------- the per-render budget


@dataclass
class Budget:
    """What one render has used so far."""

    steps: int = 0
    output: int = 0

    def step(self, count: int = 1) -> None:
        self.steps += count
        if self.steps > MAX_ITERATIONS:
            raise TemplateLimitError(f"the template runs more than {MAX_ITERATIONS} loop iterations and calls")

    def emit(self, text: str) -> None:
        self.output += len(text)
        if self.output > MAX_OUTPUT:
            raise TemplateLimitError(f"the template's output is longer than {MAX_OUTPUT} characters")


_BUDGET: contextvars.ContextVar[Budget | None] = contextvars.ContextVar("diagnose_template_budget", default=None)


def current() -> Budget:
    """The budget of the render in progress (a throwaway one outside a render, e.g. while linting literals)."""
    budget = _BUDGET.get()
    return budget if budget is not None else Budget()


def begin() -> contextvars.Token[Budget | None]:
    return _BUDGET.set(Budget())


def end(token: contextvars.Token[Budget | None]) -> None:
    _BUDGET.reset(token)


def bounded_iter(iterable: Any) -> Iterator[Any]:
    """``iterable``, each item counted against the budget (every ``{% for %}`` goes through this)."""
    budget = current()
    for item in iterable:
        budget.step()
        yield item


def bounded_range(*args: int) -> range:
    """``range`` with at most :data:`MAX_RANGE` numbers."""
    rng = range(*args)
    if len(rng) > MAX_RANGE:
        raise TemplateLimitError(f"range() of {len(rng)} numbers: at most {MAX_RANGE} are allowed")
    return rng


# --------------------------------------------------------------------------- sizes


def size(value: object) -> int:
    """How long a string, list or mapping is (0 for anything else)."""
    return len(value) if isinstance(value, (str, bytes, list, tuple, dict, set, frozenset)) else 0


def check_size(value: Any, what: str = "a value") -> Any:
    """``value``, or :class:`TemplateLimitError` if it is longer than :data:`MAX_STRING` or too large an int."""
    if size(value) > MAX_STRING:
        raise TemplateLimitError(f"{what} would be longer than {MAX_STRING} characters or items")
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > MAX_INT_BITS:
        raise TemplateLimitError(f"{what} would be an integer larger than {MAX_INT_BITS} bits")
    return value


def check_width(value: object, what: str) -> None:
    """A width, padding, precision or count argument must be at most :data:`MAX_WIDTH`."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_WIDTH:
        raise TemplateLimitError(f"{what} of {value}: at most {MAX_WIDTH} is allowed")
    if isinstance(value, str) and len(value) > MAX_WIDTH:
        raise TemplateLimitError(f"{what} of {len(value)} characters: at most {MAX_WIDTH} are allowed")


_DIGITS = re.compile(r"\d+")


def check_format_spec(spec: str) -> None:
    """The width and precision in a ``str.format`` spec such as ``>10.2f``."""
    for number in _DIGITS.findall(spec):
        if len(number) > 6 or int(number) > MAX_WIDTH:
            raise TemplateLimitError(f"the format spec {spec[:40]!r} asks for a width over {MAX_WIDTH}")


_PERCENT = re.compile(r"%(?:\([^)]*\))?[#0\- +]*(\*|\d+)?(?:\.(\*|\d*))?[hlL]?(.)", re.DOTALL)


def check_percent_format(text: str) -> None:
    """The widths in a ``%``-format string such as ``%10s`` (``*`` widths are refused)."""
    for match in _PERCENT.finditer(text):
        if match.group(3) == "%":
            continue
        for number in match.group(1, 2):
            if number == "*":
                raise TemplateLimitError("'*' widths in a %-format are not allowed")
            if number and (len(number) > 6 or int(number) > MAX_WIDTH):
                raise TemplateLimitError(f"the %-format {match.group(0)[:40]!r} asks for a width over {MAX_WIDTH}")


def check_brace_format(text: str) -> None:
    """Every literal spec in a ``str.format`` string (specs built from arguments are checked when used)."""
    try:
        fields = list(string.Formatter().parse(text))
    except ValueError:
        return  # str.format will say what is wrong with it
    for _, _, spec, _ in fields:
        if spec:
            check_format_spec(spec)


def check_power(base: object, exponent: object) -> None:
    """``base ** exponent`` must stay within :data:`MAX_INT_BITS`."""
    if not isinstance(exponent, (int, float)) or isinstance(exponent, bool):
        return
    if isinstance(base, int) and not isinstance(base, bool) and isinstance(exponent, int):
        if exponent > 0 and abs(base) > 1 and (abs(base).bit_length() - 1) * exponent > MAX_INT_BITS:
            raise TemplateLimitError(f"the power {base}**{exponent} would be larger than {MAX_INT_BITS} bits")
        return
    if abs(exponent) > MAX_INT_BITS:
        raise TemplateLimitError(f"the exponent {exponent} is too large")


def check_binop(operator: str, left: Any, right: Any) -> None:
    """What :meth:`call_binop` checks before it computes ``left <operator> right``."""
    if operator == "**":
        check_power(left, right)
    elif operator == "*":
        for seq, times in ((left, right), (right, left)):
            if size(seq) and isinstance(times, int) and not isinstance(seq, dict) and size(seq) * times > MAX_STRING:
                raise TemplateLimitError(f"'*' would build more than {MAX_STRING} characters or items")
    elif operator == "%" and isinstance(left, str):
        check_percent_format(left)


# --------------------------------------------------------------------------- calls (methods and filters)


def _replaced_size(text: object, old: object, new: object, count: object = -1) -> int:
    if not (isinstance(text, str) and isinstance(old, str) and isinstance(new, str)):
        return 0
    hits = text.count(old) if old else len(text) + 1
    if isinstance(count, int) and count >= 0:
        hits = min(hits, count)
    return len(text) + hits * max(0, len(new) - len(old))


def _joined_size(separator: object, items: object) -> int:
    if not isinstance(items, (list, tuple)):
        return 0  # a lazy sequence is checked on the result
    parts = sum(size(item) if isinstance(item, str) else 20 for item in items)
    return parts + max(0, len(items) - 1) * size(separator)


def _too_long(length: int, what: str) -> None:
    if length > MAX_STRING:
        raise TemplateLimitError(f"{what} would be longer than {MAX_STRING} characters")


def check_method(obj: Any, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """The arguments of a method called from a template, e.g. ``'x'.center(9)``."""
    if isinstance(obj, str):
        if name in ("center", "ljust", "rjust", "zfill"):
            check_width(args[0] if args else kwargs.get("width"), f"{name}() width")
        elif name == "expandtabs":
            tab = args[0] if args else kwargs.get("tabsize", 8)
            check_width(tab, "expandtabs() tab size")
            if isinstance(tab, int):
                _too_long(len(obj) + obj.count("\t") * tab, "expandtabs()")
        elif name == "replace" and len(args) >= 2:
            _too_long(_replaced_size(obj, *args[:3]), "replace()")
        elif name == "join" and args:
            _too_long(_joined_size(obj, args[0]), "join()")
    elif isinstance(obj, int) and name == "to_bytes":
        check_width(args[0] if args else kwargs.get("length", 1), "to_bytes() length")
    for value in (*args, *kwargs.values()):
        if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > MAX_INT_BITS:
            raise TemplateLimitError(f"an integer argument larger than {MAX_INT_BITS} bits")


def _value_arg(args: tuple[Any, ...], kwargs: dict[str, Any], index: int, name: str, default: Any = None) -> Any:
    return args[index] if len(args) > index else kwargs.get(name, default)


def check_filter(name: str, value: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """The arguments of a filter, before it runs (``value`` is what is being filtered)."""
    if name == "center":
        check_width(_value_arg(args, kwargs, 0, "width", 80), "center width")
    elif name == "indent":
        width = _value_arg(args, kwargs, 0, "width", 4)
        check_width(width, "indent width")
        if isinstance(value, str):
            pad = width if isinstance(width, int) else size(width)
            _too_long(len(value) + (value.count("\n") + 1) * max(0, pad), "indent")
    elif name == "format":
        if isinstance(value, str):
            check_percent_format(value)
    elif name == "replace":
        _too_long(_replaced_size(str(value) if not isinstance(value, str) else value, *args[:3]), "replace")
    elif name == "join":
        _too_long(_joined_size(_value_arg(args, kwargs, 0, "d", ""), value), "join")
    elif name in ("batch", "slice"):
        check_width(_value_arg(args, kwargs, 0, "linecount" if name == "batch" else "slices"), f"{name} count")
    elif name == "tojson":
        check_width(_value_arg(args, kwargs, 0, "indent"), "tojson indent")
    elif name in ("wordwrap", "truncate", "urlize", "filesizeformat", "round", "int"):
        pass  # none of these can make their input much larger
    elif name == "sum":
        start = kwargs.get("start", args[1] if len(args) > 1 else 0)
        if not isinstance(start, (int, float)):
            raise TemplateLimitError("sum() of lists or strings is not allowed: use join")


def bounded_filter(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    """``function`` (a Jinja filter) with its arguments checked before and its result after."""
    from functools import wraps

    from jinja2.utils import _PassArg

    pass_arg = _PassArg.from_obj(function)

    @wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        lead = 1 if pass_arg is not None else 0  # the context or environment Jinja passes first
        value = args[lead] if len(args) > lead else None
        check_filter(name, value, tuple(args[lead + 1 :]), kwargs)
        current().step()
        return check_size(function(*args, **kwargs), f"the filter {name!r}")

    return wrapper
