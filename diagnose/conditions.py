"""A safe, three-valued condition language for knowledge files.

Knowledge files carry rule conditions as strings::

    messaging_enabled == false and not (is_subaccount and parent_messaging_enabled == true)

:func:`compile_condition` turns such a string into an immutable :class:`Condition`.
The text is parsed with :func:`ast.parse` (``mode="eval"``) and the tree is walked
against a strict whitelist of node types, compiling once into a tree of small closures.
Nothing is ever ``eval``-ed, ``exec``-ed or compiled to a code object, no attribute is
looked up and only four built-in functions exist, so a knowledge file can neither run
code nor read files. Anything outside the language is a :class:`ConditionSyntaxError`.

Evaluation uses Kleene's three-valued logic. A fact missing from the values mapping, or
mapped to :data:`UNKNOWN`, is unknown: ``false and unknown`` is false, ``true or unknown``
is true, and everything else that depends on an unknown is unknown. Evaluating a compiled
condition never raises, whatever the values: an operation that makes no sense for the
values at hand (``"a" < 1``) is unknown too.

The user-facing reference is ``docs/conditions.md``. Pure: standard library only, no I/O.
"""

from __future__ import annotations

import ast
import functools
import operator
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from .errors import DiagnoseError

__all__ = [
    "FUNCTIONS",
    "MAX_DEPTH",
    "MAX_LENGTH",
    "UNKNOWN",
    "Condition",
    "ConditionSyntaxError",
    "TriBool",
    "Unknown",
    "compile_condition",
    "kleene_and",
    "kleene_not",
    "kleene_or",
    "operand_text",
    "truth",
]

MAX_LENGTH: Final = 4000
"""The longest condition text accepted, in characters."""

MAX_DEPTH: Final = 50
"""The deepest nesting accepted: brackets in the text, and expressions in the tree."""

FUNCTIONS: Final = frozenset({"known", "unknown", "startswith", "lower"})
"""The only names that can be called."""

_LITERAL_NAMES: Final[Mapping[str, object]] = {"true": True, "false": False, "null": None}


# --------------------------------------------------------------------------- the third value


class Unknown:
    """The third truth value: a fact that could not be learnt. Its one instance is ``UNKNOWN``.

    ``bool(UNKNOWN)`` raises :class:`TypeError`, so that unknown is never silently taken
    for false; test for it with ``x is UNKNOWN``.
    """

    __slots__ = ()
    _instance: Unknown | None = None

    def __new__(cls) -> Unknown:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __bool__(self) -> bool:
        raise TypeError("unknown is neither true nor false; test it with `is UNKNOWN`")

    def __repr__(self) -> str:
        return "unknown"

    def __reduce__(self) -> str:
        return "UNKNOWN"

    def __copy__(self) -> Unknown:
        return self

    def __deepcopy__(self, memo: object) -> Unknown:
        return self


UNKNOWN: Final = Unknown()

TriBool = bool | Unknown
"""What a condition evaluates to: ``True``, ``False`` or ``UNKNOWN``."""


def truth(value: object) -> TriBool:
    """The truth of one value: Python truthiness (``null`` is false), ``UNKNOWN`` stays unknown.

    Never raises: a value whose truthiness cannot be computed is unknown.
    """
    if value is UNKNOWN:
        return UNKNOWN
    if value is True or value is False:
        return value
    try:
        return bool(value)
    except Exception:
        return UNKNOWN


def kleene_not(value: object) -> TriBool:
    """``not``: true ↔ false, unknown stays unknown."""
    t = truth(value)
    return UNKNOWN if t is UNKNOWN else not t


def kleene_and(*values: object) -> TriBool:
    """``and`` of any number of values: false if any is false, else unknown if any is unknown."""
    result: TriBool = True
    for value in values:
        t = truth(value)
        if t is False:
            return False
        if t is UNKNOWN:
            result = UNKNOWN
    return result


def kleene_or(*values: object) -> TriBool:
    """``or`` of any number of values: true if any is true, else unknown if any is unknown."""
    result: TriBool = False
    for value in values:
        t = truth(value)
        if t is True:
            return True
        if t is UNKNOWN:
            result = UNKNOWN
    return result


# --------------------------------------------------------------------------- errors


class ConditionSyntaxError(DiagnoseError, ValueError):
    """A condition is not written in the condition language.

    ``message`` says what is wrong, ``text`` is the whole condition and ``offset`` the
    0-based character offset of the problem in it (``str(err)`` shows it 1-based, as
    editors count columns).
    """

    def __init__(self, message: str, text: str, offset: int) -> None:
        super().__init__(message, text, offset)
        self.message = message
        self.text = text
        self.offset = offset

    def __str__(self) -> str:
        text, offset = self.text, self.offset
        shown = text
        if len(shown) > 80:
            start = max(0, min(offset - 40, len(text) - 80))
            head = "..." if start else ""
            shown = head + text[start : start + 80] + ("..." if start + 80 < len(text) else "")
        tail = text[offset : offset + 20]
        at = f"at {tail!r}" if tail else "at the end"
        return f"{self.message} (column {offset + 1} of {shown!r}, {at})"


# --------------------------------------------------------------------------- compiled form

_Eval = Callable[[Mapping[str, object]], object]


@dataclass(frozen=True)
class Condition:
    """A compiled condition. Build it with :func:`compile_condition`; immutable and reusable."""

    text: str
    names: frozenset[str]
    """Every fact name the condition refers to, including inside ``known()``/``unknown()``."""
    _fn: _Eval = field(repr=False, compare=False)
    # The operands of a top-level ``or`` (``_any``) or ``and``, each with its text: a report names the
    # ones that decided the answer (holding, failing) rather than the whole condition
    _parts: tuple[tuple[str, _Eval], ...] = field(default=(), repr=False, compare=False)
    _any: bool = field(default=False, repr=False, compare=False)

    def evaluate(self, values: Mapping[str, object]) -> TriBool:
        """``True``, ``False`` or ``UNKNOWN`` for these fact values. Never raises.

        A name missing from ``values``, or mapped to ``UNKNOWN``, is unknown.
        """
        return truth(self._fn(values))

    @property
    def alternatives(self) -> tuple[str, ...]:
        """The operands of a top-level ``or``, as :meth:`holding` names them; ``()`` for any other condition."""
        return tuple(text for text, _ in self._parts) if self._any else ()

    def holding(self, values: Mapping[str, object]) -> tuple[str, ...]:
        """Which operands of a top-level ``or`` make the condition true, as their texts; ``()`` when it
        is not true, or not an ``or`` (its own text says what holds)."""
        return self._deciding(values, True)

    def failing(self, values: Mapping[str, object]) -> tuple[str, ...]:
        """Which operands of a top-level ``and`` make the condition false; ``()`` when it is not false,
        or not an ``and``."""
        return self._deciding(values, False)

    def _deciding(self, values: Mapping[str, object], answer: bool) -> tuple[str, ...]:
        if self._any is not answer or self.evaluate(values) is not answer:
            return ()
        return tuple(text for text, fn in self._parts if truth(fn(values)) is answer)

    def __reduce__(self) -> tuple[Callable[[str], Condition], tuple[str]]:
        # The closures do not pickle; the text recompiles to the same condition.
        return (compile_condition, (self.text,))


def operand_text(text: str) -> str:
    """``text`` as :meth:`Condition.holding` names an operand: without brackets around it, its blanks
    made single spaces. Text that is no condition comes back with only its blanks changed."""
    try:
        source, _ = _prescan(text)
        tree = ast.parse(source, mode="eval")
    except (ConditionSyntaxError, SyntaxError, ValueError, RecursionError, MemoryError):
        return " ".join(str(text).split())
    return _shown(source, tree.body)


def _shown(source: str, node: ast.expr) -> str:
    return " ".join((ast.get_source_segment(source, node) or "").split())


def compile_condition(text: str) -> Condition:
    """Parse and check ``text``; the result is cached, so compiling the same text twice is cheap.

    Raises :class:`ConditionSyntaxError` for anything outside the language, and nothing else.
    """
    if not isinstance(text, str):
        raise ConditionSyntaxError(
            f"a condition must be a string, not {type(text).__name__} (quote it in YAML)", repr(text), 0
        )
    return _compile_cached(text)


@functools.lru_cache(maxsize=1024)
def _compile_cached(text: str) -> Condition:
    source, shift = _prescan(text)
    try:
        with warnings.catch_warnings():
            # Deterministic whatever the global filters: e.g. an invalid escape is an error.
            warnings.simplefilter("error")
            tree = ast.parse(source, mode="eval")
    except SyntaxError as exc:
        msg = (exc.msg or "invalid syntax").replace(" (detected at line 1)", "")
        if not exc.offset or exc.offset < 1:  # Python reports "unexpected end of input" at column 0
            offset = len(text)
        else:
            offset = shift + _offset_in(source, exc.lineno or 1, exc.offset - 1, chars=True)
        raise ConditionSyntaxError(msg, text, _clamp(offset, text)) from None
    except (RecursionError, MemoryError):
        raise ConditionSyntaxError(
            f"the condition is nested too deeply (at most {MAX_DEPTH} levels)", text, 0
        ) from None
    except (ValueError, OverflowError) as exc:  # null bytes, surrogates, huge literals
        raise ConditionSyntaxError(f"the condition cannot be parsed: {exc}", text, 0) from None
    compiler = _Compiler(text, source, shift)
    body = tree.body
    parts: tuple[tuple[str, _Eval], ...] = ()
    if isinstance(body, ast.BoolOp):  # its operands compiled once, for the whole and for holding/failing
        parts = tuple((_shown(source, value), compiler.expr(value, 2)) for value in body.values)
        fn = compiler.joined(body, tuple(operand for _, operand in parts))
    else:
        fn = compiler.expr(body, 1)
    return Condition(
        text=text,
        names=frozenset(compiler.names),
        _fn=fn,
        _parts=parts,
        _any=isinstance(body, ast.BoolOp) and isinstance(body.op, ast.Or),
    )


def _clamp(offset: int, text: str) -> int:
    return max(0, min(offset, len(text)))


def _offset_in(source: str, lineno: int, col: int, *, chars: bool) -> int:
    """The character offset in ``source`` of a (1-based line, 0-based column) position.

    ``ast`` node columns count UTF-8 bytes; ``SyntaxError`` columns count characters.
    """
    lines = source.split("\n")
    lineno = max(1, min(lineno, len(lines)))
    before = sum(len(line) + 1 for line in lines[: lineno - 1])
    line = lines[lineno - 1]
    if not chars:
        col = len(line.encode("utf-8", "surrogatepass")[: max(col, 0)].decode("utf-8", "ignore"))
    return before + max(col, 0)


def _prescan(text: str) -> tuple[str, int]:
    """Cheap checks before the text reaches ``ast.parse``; returns the source to parse and its shift.

    Rejects over-long text, over-deep brackets, comments, NUL and strings spanning lines.
    Line breaks outside strings become spaces (so a condition may span lines in YAML), and
    leading blanks are dropped (``ast.parse`` would call them an indentation error).
    """
    if len(text) > MAX_LENGTH:
        raise ConditionSyntaxError(
            f"the condition is too long ({len(text)} characters; at most {MAX_LENGTH})", text, MAX_LENGTH
        )
    chars = list(text)
    depth = 0
    quote = ""
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "\0":
            raise ConditionSyntaxError("the condition contains a NUL character", text, i)
        if quote:
            if c in "\r\n":
                raise ConditionSyntaxError("a string cannot span lines", text, i)
            if c == "\\":
                i += 2 if i + 1 < n and text[i + 1] not in "\r\n\0" else 1
                continue
            if text.startswith(quote, i):
                i += len(quote)
                quote = ""
                continue
        elif c in "'\"":
            quote = c * 3 if text.startswith(c * 3, i) else c
            i += len(quote)
            continue
        elif c in "\r\n":
            chars[i] = " "
        elif c == "#":
            raise ConditionSyntaxError("comments ('#') are not allowed in a condition", text, i)
        elif c in "([{":
            depth += 1
            if depth > MAX_DEPTH:
                raise ConditionSyntaxError(
                    f"the condition is nested too deeply (at most {MAX_DEPTH} levels of brackets)", text, i
                )
        elif c in ")]}":
            depth = max(0, depth - 1)
        i += 1
    source = "".join(chars)
    stripped = source.lstrip(" \t\f")
    if not stripped.strip(" \t\f"):
        raise ConditionSyntaxError("the condition is empty", text, 0)
    return stripped, len(source) - len(stripped)


# --------------------------------------------------------------------------- the compiler

_COMPARE: Final[Mapping[type[ast.cmpop], Callable[[Any, Any], object]]] = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.In: lambda a, b: a in b,
    ast.NotIn: lambda a, b: a not in b,
}

_BINOP_SYMBOLS: Final[Mapping[type[ast.operator], str]] = {
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.MatMult: "@",
    ast.Div: "/",
    ast.FloorDiv: "//",
    ast.Mod: "%",
    ast.Pow: "**",
    ast.LShift: "<<",
    ast.RShift: ">>",
    ast.BitOr: "|",
    ast.BitXor: "^",
    ast.BitAnd: "&",
}

_REJECTED: Final[Mapping[str, str]] = {
    "Attribute": "attribute access ('.') is not allowed",
    "Subscript": "subscripts ('x[...]') are not allowed",
    "Slice": "slices are not allowed",
    "Lambda": "lambda is not allowed",
    "ListComp": "comprehensions are not allowed",
    "SetComp": "comprehensions are not allowed",
    "DictComp": "comprehensions are not allowed",
    "GeneratorExp": "comprehensions are not allowed",
    "JoinedStr": "f-strings are not allowed",
    "FormattedValue": "f-strings are not allowed",
    "NamedExpr": "assignment (':=') is not allowed",
    "IfExp": "'x if c else y' is not allowed; use and/or",
    "Dict": "dicts are not allowed",
    "Set": "sets are not allowed; use a list [...]",
    "Starred": "'*' unpacking is not allowed",
    "Await": "'await' is not allowed",
    "Yield": "'yield' is not allowed",
    "YieldFrom": "'yield' is not allowed",
}

_SCALARS: Final = (bool, int, float, str, type(None))
_LITERAL_HINT: Final = "strings, numbers, true, false, null"


class _Compiler:
    """Walks the whitelisted subset of a Python expression tree into closures."""

    def __init__(self, text: str, source: str, shift: int) -> None:
        self.text = text
        self.source = source
        self.shift = shift
        self.names: set[str] = set()

    # ------------------------------------------------------------ errors

    def fail(self, message: str, node: ast.expr | ast.keyword, *, end: bool = False) -> ConditionSyntaxError:
        """The error for ``node``, pointing at its start (or, with ``end``, just after it)."""
        if end:
            lineno, col = node.end_lineno or 1, node.end_col_offset or 0
        else:
            lineno, col = node.lineno, node.col_offset
        offset = self.shift + _offset_in(self.source, lineno, col, chars=False)
        return ConditionSyntaxError(message, self.text, _clamp(offset, self.text))

    def rejected(self, node: ast.expr) -> ConditionSyntaxError:
        kind = type(node).__name__
        if isinstance(node, ast.BinOp):
            symbol = _BINOP_SYMBOLS.get(type(node.op), "?")
            return self.fail(f"arithmetic ('{symbol}') is not allowed", node.left, end=True)
        if isinstance(node, (ast.Attribute, ast.Subscript)):
            return self.fail(_REJECTED[kind], node.value, end=True)
        message = _REJECTED.get(kind, f"this kind of expression ({kind}) is not allowed in a condition")
        return self.fail(message, node)

    # ------------------------------------------------------------ expressions

    def expr(self, node: ast.expr, depth: int) -> _Eval:
        if depth > MAX_DEPTH:
            raise self.fail(f"the condition is nested too deeply (at most {MAX_DEPTH} levels)", node)
        if isinstance(node, ast.BoolOp):
            return self.boolop(node, depth)
        if isinstance(node, ast.UnaryOp):
            return self.unaryop(node, depth)
        if isinstance(node, ast.Compare):
            return self.compare(node, depth)
        if isinstance(node, ast.Call):
            return self.call(node, depth)
        if isinstance(node, ast.Name):
            return self.name(node)
        if isinstance(node, (ast.Constant, ast.List, ast.Tuple)):
            return _constant(self.literal(node, depth))
        raise self.rejected(node)

    def boolop(self, node: ast.BoolOp, depth: int) -> _Eval:
        return self.joined(node, tuple(self.expr(value, depth + 1) for value in node.values))

    @staticmethod
    def joined(node: ast.BoolOp, operands: tuple[_Eval, ...]) -> _Eval:
        """``node``'s and/or over its compiled ``operands``."""
        if isinstance(node.op, ast.And):

            def evaluate_and(values: Mapping[str, object]) -> object:
                result: TriBool = True
                for operand in operands:
                    t = truth(operand(values))
                    if t is False:
                        return False
                    if t is UNKNOWN:
                        result = UNKNOWN
                return result

            return evaluate_and

        def evaluate_or(values: Mapping[str, object]) -> object:
            result: TriBool = False
            for operand in operands:
                t = truth(operand(values))
                if t is True:
                    return True
                if t is UNKNOWN:
                    result = UNKNOWN
            return result

        return evaluate_or

    def unaryop(self, node: ast.UnaryOp, depth: int) -> _Eval:
        if isinstance(node.op, ast.Not):
            operand = self.expr(node.operand, depth + 1)

            def evaluate_not(values: Mapping[str, object]) -> object:
                return kleene_not(operand(values))

            return evaluate_not
        if isinstance(node.op, ast.USub):
            return _constant(self.literal(node, depth))
        symbol = {ast.UAdd: "+", ast.Invert: "~"}.get(type(node.op), "?")
        raise self.fail(f"unary '{symbol}' is not allowed", node)

    def compare(self, node: ast.Compare, depth: int) -> _Eval:
        left = self.expr(node.left, depth + 1)
        steps: list[tuple[Callable[[Any, Any], object], _Eval]] = []
        previous: ast.expr = node.left
        for op, right_node in zip(node.ops, node.comparators, strict=True):
            function = _COMPARE.get(type(op))
            if function is None:
                word = "is not" if isinstance(op, ast.IsNot) else "is"
                raise self.fail(f"'{word}' is not allowed; use == or !=", previous, end=True)
            steps.append((function, self.expr(right_node, depth + 1)))
            previous = right_node
        chain = tuple(steps)

        def evaluate_compare(values: Mapping[str, object]) -> object:
            a = left(values)
            result: TriBool = True
            for function, right in chain:
                b = right(values)
                if a is UNKNOWN or b is UNKNOWN:
                    t: TriBool = UNKNOWN
                else:
                    try:
                        t = truth(function(a, b))
                    except Exception:
                        t = UNKNOWN
                if t is False:
                    return False
                if t is UNKNOWN:
                    result = UNKNOWN
                a = b
            return result

        return evaluate_compare

    def name(self, node: ast.Name) -> _Eval:
        name = node.id
        if name in _LITERAL_NAMES:
            return _constant(_LITERAL_NAMES[name])
        if name in FUNCTIONS:
            raise self.fail(f"{name} is a function: call it, as in {name}(...)", node)
        self.names.add(name)

        def lookup(values: Mapping[str, object]) -> object:
            try:
                return values.get(name, UNKNOWN)
            except Exception:
                return UNKNOWN

        return lookup

    def call(self, node: ast.Call, depth: int) -> _Eval:
        func = node.func
        if isinstance(func, ast.Attribute):
            raise self.rejected(func)
        if not isinstance(func, ast.Name):
            raise self.fail("only known(), unknown(), startswith() and lower() can be called", func)
        if func.id not in FUNCTIONS:
            raise self.fail(
                f"unknown function {func.id!r}: only known(), unknown(), startswith() and lower() exist",
                func,
            )
        if node.keywords:
            raise self.fail(f"{func.id}() takes no keyword arguments", node.keywords[0])
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                raise self.rejected(arg)
        arity = 2 if func.id == "startswith" else 1
        if len(node.args) != arity:
            raise self.fail(f"{func.id}() takes {arity} argument{'s' if arity > 1 else ''}, got {len(node.args)}", node)
        if func.id in ("known", "unknown"):
            return self.known(func.id, node.args[0])
        args = [self.expr(arg, depth + 1) for arg in node.args]
        if func.id == "lower":
            return _lower(args[0])
        return _startswith(args[0], args[1])

    def known(self, function: str, arg: ast.expr) -> _Eval:
        if not isinstance(arg, ast.Name) or arg.id in _LITERAL_NAMES or arg.id in FUNCTIONS:
            raise self.fail(f"{function}() takes a fact name, as in {function}(country)", arg)
        name = arg.id
        self.names.add(name)
        wanted = function == "known"

        def evaluate_known(values: Mapping[str, object]) -> object:
            try:
                is_known = values.get(name, UNKNOWN) is not UNKNOWN
            except Exception:
                is_known = False
            return is_known is wanted

        return evaluate_known

    # ------------------------------------------------------------ literals

    def literal(self, node: ast.expr, depth: int) -> object:
        """The value of a literal: a scalar, a negative number, or a list/tuple of scalars."""
        if isinstance(node, ast.Constant):
            if type(node.value) not in _SCALARS:
                kind = "'...' is" if node.value is Ellipsis else f"{type(node.value).__name__} literals are"
                raise self.fail(f"{kind} not allowed; use {_LITERAL_HINT}", node)
            return node.value
        if isinstance(node, ast.Name) and node.id in _LITERAL_NAMES:
            return _LITERAL_NAMES[node.id]
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            operand = node.operand
            if (
                isinstance(operand, ast.Constant)
                and type(operand.value) in (int, float)
                and not isinstance(operand.value, bool)
            ):
                return -operand.value
            raise self.fail("unary minus applies only to a number, as in -1", node)
        if isinstance(node, (ast.List, ast.Tuple)):
            if depth > MAX_DEPTH:
                raise self.fail(f"the condition is nested too deeply (at most {MAX_DEPTH} levels)", node)
            items = []
            for element in node.elts:
                if isinstance(element, (ast.List, ast.Tuple)) or not _is_scalar_literal(element):
                    raise self.fail(f"list items must be literals ({_LITERAL_HINT})", element)
                items.append(self.literal(element, depth + 1))
            return tuple(items) if isinstance(node, ast.Tuple) else items
        raise self.rejected(node)


def _is_scalar_literal(node: ast.expr) -> bool:
    return (
        isinstance(node, ast.Constant)
        or (isinstance(node, ast.Name) and node.id in _LITERAL_NAMES)
        or (isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub))
    )


def _constant(value: object) -> _Eval:
    if isinstance(value, list):
        # Kept as a tuple; each evaluation hands out a fresh list, so nothing can mutate the literal.
        items = tuple(value)

        def fresh_list(values: Mapping[str, object]) -> object:
            return list(items)

        return fresh_list

    def constant(values: Mapping[str, object]) -> object:
        return value

    return constant


# --------------------------------------------------------------------------- functions


def _lower(arg: _Eval) -> _Eval:
    """``lower(x)``: a string in lower case; null stays null; anything else is unknown."""

    def evaluate_lower(values: Mapping[str, object]) -> object:
        x = arg(values)
        if isinstance(x, str):
            return str.lower(x)
        if x is None:
            return None
        return UNKNOWN

    return evaluate_lower


def _startswith(arg: _Eval, prefix_arg: _Eval) -> _Eval:
    """``startswith(x, prefix)``: prefix is a string or a list of strings; null starts with nothing."""

    def evaluate_startswith(values: Mapping[str, object]) -> object:
        x = arg(values)
        prefix = prefix_arg(values)
        if x is UNKNOWN or prefix is UNKNOWN:
            return UNKNOWN
        if isinstance(prefix, (list, tuple)):
            if not all(isinstance(p, str) for p in prefix):
                return UNKNOWN
            prefix = tuple(prefix)
        elif not isinstance(prefix, str):
            return UNKNOWN
        if x is None:
            return False
        if not isinstance(x, str):
            return UNKNOWN
        return str.startswith(x, prefix)

    return evaluate_startswith
