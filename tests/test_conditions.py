"""Tests for the safe, three-valued condition language (``diagnose/conditions.py``)."""

from __future__ import annotations

import ast
import builtins
import contextlib
import copy
import operator
import pickle
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from diagnose import conditions
from diagnose.conditions import (
    MAX_DEPTH,
    MAX_LENGTH,
    UNKNOWN,
    Condition,
    ConditionSyntaxError,
    TriBool,
    Unknown,
    compile_condition,
    kleene_and,
    kleene_not,
    kleene_or,
    truth,
)
from diagnose.errors import DiagnoseError

T, F, U = True, False, UNKNOWN


def ev(text: str, **values: object) -> TriBool:
    return compile_condition(text).evaluate(values)


# --------------------------------------------------------------------------- the UNKNOWN sentinel


def test_unknown_is_a_singleton_with_a_plain_repr() -> None:
    assert Unknown() is UNKNOWN
    assert repr(UNKNOWN) == "unknown"
    assert copy.copy(UNKNOWN) is UNKNOWN
    assert copy.deepcopy(UNKNOWN) is UNKNOWN
    assert pickle.loads(pickle.dumps(UNKNOWN)) is UNKNOWN
    assert isinstance(UNKNOWN, TriBool)
    assert isinstance(True, TriBool)


def test_unknown_cannot_be_taken_for_false() -> None:
    with pytest.raises(TypeError):
        bool(UNKNOWN)
    with pytest.raises(TypeError):
        if UNKNOWN:  # pragma: no cover - the test is that this raises
            pass


# --------------------------------------------------------------------------- truth tables

TRI = [T, F, U]
AND_TABLE = {
    (T, T): T, (T, F): F, (T, U): U,
    (F, T): F, (F, F): F, (F, U): F,
    (U, T): U, (U, F): F, (U, U): U,
}  # fmt: skip
OR_TABLE = {
    (T, T): T, (T, F): T, (T, U): T,
    (F, T): T, (F, F): F, (F, U): U,
    (U, T): T, (U, F): U, (U, U): U,
}  # fmt: skip
NOT_TABLE = {T: F, F: T, U: U}


def _as_values(**named: TriBool) -> Iterator[dict[str, object]]:
    """The same assignment twice: unknown as a missing name, and unknown as UNKNOWN."""
    yield {k: v for k, v in named.items() if v is not UNKNOWN}
    yield dict(named)


@pytest.mark.parametrize(("a", "b"), list(AND_TABLE))
def test_and_truth_table(a: TriBool, b: TriBool) -> None:
    for values in _as_values(a=a, b=b):
        assert compile_condition("a and b").evaluate(values) is AND_TABLE[a, b]
    assert kleene_and(a, b) is AND_TABLE[a, b]


@pytest.mark.parametrize(("a", "b"), list(OR_TABLE))
def test_or_truth_table(a: TriBool, b: TriBool) -> None:
    for values in _as_values(a=a, b=b):
        assert compile_condition("a or b").evaluate(values) is OR_TABLE[a, b]
    assert kleene_or(a, b) is OR_TABLE[a, b]


@pytest.mark.parametrize("a", TRI)
def test_not_truth_table(a: TriBool) -> None:
    for values in _as_values(a=a):
        assert compile_condition("not a").evaluate(values) is NOT_TABLE[a]
    assert kleene_not(a) is NOT_TABLE[a]


def test_kleene_helpers_on_many_and_no_operands() -> None:
    assert kleene_and() is True
    assert kleene_or() is False
    assert kleene_and(True, U, False) is False
    assert kleene_and(True, U, True) is U
    assert kleene_or(False, U, True) is True
    assert kleene_or(False, U, False) is U
    # truthiness of plain values, null is false
    assert kleene_and(1, "x", [0]) is True
    assert kleene_or(0, "", None, []) is False


def test_truth_never_raises() -> None:
    class Evil:
        def __bool__(self) -> bool:
            raise RuntimeError("no")

    assert truth(Evil()) is U
    assert truth(U) is U
    assert truth(None) is False
    assert truth("x") is True


def test_and_or_are_many_operand_and_left_to_right_irrelevant() -> None:
    assert ev("a and b and c", a=True, c=False) is False
    assert ev("c and b and a", a=True, c=False) is False
    assert ev("a or b or c", c=True) is True
    assert ev("a and b and c", a=True, b=True) is U


def test_precedence_is_pythons() -> None:
    # not binds tighter than and, which binds tighter than or
    assert ev("not a and b", a=False, b=True) is True
    assert ev("a or b and c", a=True, b=False, c=False) is True
    assert ev("not a == b", a=1, b=2) is True
    assert ev("(a or b) and c", a=True, c=False) is False


# --------------------------------------------------------------------------- literals


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("true", True),
        ("false", False),
        ("null", False),
        ("True", True),
        ("False", False),
        ("None", False),
        ("1", True),
        ("0", False),
        ("0.0", False),
        ("2.5", True),
        ("-1", True),
        ("'x'", True),
        ('""', False),
        ("[]", False),
        ("[1]", True),
        ("()", False),
        ("('a',)", True),
    ],
)
def test_literals_in_a_boolean_context(text: str, expected: bool) -> None:
    cond = compile_condition(text)
    assert cond.evaluate({}) is expected
    assert cond.names == frozenset()


@pytest.mark.parametrize(
    "text",
    [
        "x == null",
        "x == None",
        "x == -1.5",
        "x == 'IR'",
        'x == "IR"',
        "x in ['IR', 'SY', 'CU']",
        "x in ('IR', 'SY')",
        "x in [1, -2, 2.5, true, null]",
        "x == [1, 2]",
        "x == 1_000",
        "x == 0x10",
        "x == 'it''s'",
    ],
)
def test_literal_forms_compile(text: str) -> None:
    assert compile_condition(text).names == {"x"}


def test_literal_values() -> None:
    assert ev("x == null", x=None) is True
    assert ev("x == -1.5", x=-1.5) is True
    assert ev("x == 0x10", x=16) is True
    assert ev("x == [1, 2]", x=[1, 2]) is True
    assert ev("x == (1, 2)", x=(1, 2)) is True
    assert ev("x == 'a' 'b'", x="ab") is True


# --------------------------------------------------------------------------- comparisons


@pytest.mark.parametrize(
    ("op", "a", "b", "expected"),
    [
        ("==", 1, 1, True),
        ("==", 1, 2, False),
        ("==", "US", "US", True),
        ("==", None, None, True),
        ("==", 1, True, True),  # Python semantics
        ("==", "1", 1, False),
        ("!=", 1, 2, True),
        ("!=", "a", "a", False),
        ("<", 1, 2, True),
        ("<", 2, 1, False),
        ("<=", 2, 2, True),
        (">", 3, 2, True),
        (">=", 1, 2, False),
        ("<", "a", "b", True),
        ("in", "US", ["US", "CA"], True),
        ("in", "MX", ["US", "CA"], False),
        ("not in", "MX", ["US", "CA"], True),
        ("in", "+1", "+15551234567", True),  # substring when the right side is a string
        ("<", "a", 1, U),  # would raise in Python
        (">=", None, 1, U),
        ("in", 1, "abc", U),
        ("in", "a", 5, U),
    ],
)
def test_comparison_operators(op: str, a: object, b: object, expected: TriBool) -> None:
    assert ev(f"a {op} b", a=a, b=b) is expected


@pytest.mark.parametrize("op", ["==", "!=", "<", "<=", ">", ">=", "in", "not in"])
def test_any_comparison_with_an_unknown_operand_is_unknown(op: str) -> None:
    right = "[1, 2]" if "in" in op else "1"
    assert ev(f"x {op} {right}") is U
    assert ev(f"x {op} {right}", x=U) is U
    assert ev(f"1 {op} x") is U
    assert ev(f"x {op} y", x=1) is U


def test_membership_in_a_list_literal() -> None:
    cond = compile_condition('country in ["IR", "SY", "CU"]')
    assert cond.evaluate({"country": "IR"}) is True
    assert cond.evaluate({"country": "FR"}) is False
    assert cond.evaluate({"country": None}) is False
    assert cond.evaluate({}) is U


def test_membership_in_a_fact_list() -> None:
    assert ev("'US' in allowed", allowed=["US"]) is True
    assert ev("'US' in allowed", allowed=U) is U


def test_chained_comparisons() -> None:
    assert ev("1 < x < 3", x=2) is True
    assert ev("1 < x < 3", x=3) is False
    assert ev("1 < x < y", x=0) is False  # false and unknown = false
    assert ev("1 < x < y", x=2) is U
    assert ev("x < 1 < 'a'", x=5) is False  # false, whatever the type error after it
    assert ev("x < 1 < 'a'", x=0) is U  # true and type error = unknown
    assert ev("1 == x == y", x=1, y=1) is True


def test_comparisons_never_raise_with_hostile_values() -> None:
    class Evil:
        def __eq__(self, other: object) -> bool:
            raise RuntimeError("eq")

        def __lt__(self, other: object) -> bool:
            raise RuntimeError("lt")

        def __bool__(self) -> bool:
            raise RuntimeError("bool")

        def __contains__(self, item: object) -> bool:
            raise RuntimeError("contains")

        __hash__ = object.__hash__

    class NotBool:
        def __eq__(self, other: object) -> object:
            return Evil()

        __hash__ = object.__hash__

    for text in ["x == 1", "x != 1", "x < 1", "x in [1]", "1 in x", "x", "not x", "x and true", "x or false"]:
        assert compile_condition(text).evaluate({"x": Evil()}) is U, text
    assert ev("x == 1", x=NotBool()) is U
    assert ev("x == 1 or true", x=Evil()) is True
    assert ev("lower(x) == 'a'", x=Evil()) is U


def test_a_mapping_that_raises_reads_as_unknown() -> None:
    class Broken(Mapping[str, object]):
        def __getitem__(self, key: str) -> object:
            raise RuntimeError("broken")

        def get(self, key: str, default: object = None) -> object:
            raise RuntimeError("broken")

        def __iter__(self) -> Iterator[str]:
            return iter(())

        def __len__(self) -> int:
            return 0

    cond = compile_condition("x == 1 or known(x) or unknown(y)")
    assert cond.evaluate(Broken()) is True  # unknown(y) is true: y cannot be read
    assert compile_condition("x == 1 or known(x)").evaluate(Broken()) is U


# --------------------------------------------------------------------------- functions


def test_known_and_unknown_are_never_unknown() -> None:
    assert ev("known(x)", x=1) is True
    assert ev("known(x)", x=None) is True  # null is a known value
    assert ev("known(x)", x=False) is True
    assert ev("known(x)") is False
    assert ev("known(x)", x=U) is False
    assert ev("unknown(x)") is True
    assert ev("unknown(x)", x=U) is True
    assert ev("unknown(x)", x=0) is False
    assert ev("known(x) and x == 1") is False
    assert ev("unknown(x) or x == 1") is True


def test_startswith() -> None:
    assert ev("startswith(to, '+1')", to="+15551234567") is True
    assert ev("startswith(to, '+1')", to="+445551234") is False
    assert ev("startswith(to, ['+44', '+1'])", to="+15551234567") is True
    assert ev("startswith(to, ('+44', '+33'))", to="+15551234567") is False
    assert ev("startswith(to, p)", to="+1555", p="+1") is True
    assert ev("startswith(to, '+1')") is U
    assert ev("startswith(to, p)", to="+1555") is U
    assert ev("startswith(to, '+1')", to=None) is False  # null starts with nothing
    assert ev("startswith(to, '+1')", to=15551234567) is U  # not a string
    assert ev("startswith(to, 1)", to="1") is U
    assert ev("startswith(to, ['+1', 1])", to="+1") is U
    assert ev("startswith(to, p)", to=None, p=5) is U


def test_lower() -> None:
    assert ev("lower(x) == 'trial'", x="Trial") is True
    assert ev("lower(x) == 'trial'", x="Full") is False
    assert ev("lower(x) == null", x=None) is True  # null stays null
    assert ev("lower(x) == 'trial'") is U
    assert ev("lower(x) == 1", x=1) is U  # not a string
    assert ev("lower(lower(x)) in ['a', 'b']", x="A") is True
    assert ev("startswith(lower(x), 'ab')", x="ABC") is True


def test_lower_does_not_call_methods_of_the_value() -> None:
    class Sneaky(str):
        def lower(self) -> str:  # pragma: no cover - must never be called
            raise AssertionError("called")

        def startswith(self, *args: object) -> bool:  # pragma: no cover - must never be called
            raise AssertionError("called")

    assert ev("lower(x) == 'abc'", x=Sneaky("ABC")) is True
    assert ev("startswith(x, 'A')", x=Sneaky("ABC")) is True


# --------------------------------------------------------------------------- names


def test_names_lists_every_fact_referenced() -> None:
    cond = compile_condition(
        "messaging_enabled == false and not (is_subaccount and parent_messaging_enabled == true)"
        " and known(country) and unknown(to) and startswith(lower(status), 'fail') and x in ['a']"
    )
    assert cond.names == {
        "messaging_enabled",
        "is_subaccount",
        "parent_messaging_enabled",
        "country",
        "to",
        "status",
        "x",
    }
    assert compile_condition("true and 1 == 1").names == frozenset()


def test_the_brief_example() -> None:
    cond = compile_condition(
        "messaging_enabled == false and not (is_subaccount and parent_messaging_enabled == true)"
        " and country_high_risk != true"
    )
    base = {"messaging_enabled": False, "is_subaccount": False, "country_high_risk": False}
    assert cond.evaluate(base) is True
    assert cond.evaluate({**base, "messaging_enabled": True}) is False
    assert cond.evaluate({**base, "is_subaccount": True, "parent_messaging_enabled": True}) is False
    assert cond.evaluate({**base, "is_subaccount": True, "parent_messaging_enabled": False}) is True
    assert cond.evaluate({**base, "is_subaccount": True}) is U  # parent permissions unknown
    assert cond.evaluate({**base, "country_high_risk": U}) is U
    assert cond.evaluate({"messaging_enabled": True}) is False  # decided without the rest
    assert cond.evaluate({}) is U


def test_missing_name_and_unknown_value_are_the_same() -> None:
    cond = compile_condition("a == 1 or b")
    assert cond.evaluate({}) is cond.evaluate({"a": U, "b": U}) is U


# --------------------------------------------------------------------------- the compiled object


def test_condition_is_immutable_cached_and_compared_by_text() -> None:
    cond = compile_condition("a and b")
    assert isinstance(cond, Condition)
    assert cond.text == "a and b"
    assert compile_condition("a and b") is cond
    with pytest.raises(AttributeError):
        cond.text = "x"  # type: ignore[misc]
    assert "a and b" in repr(cond)
    assert hash(cond) == hash(compile_condition("a and b"))
    again = pickle.loads(pickle.dumps(cond))
    assert again == cond
    assert again.evaluate({"a": True, "b": True}) is True


def test_multi_line_conditions_are_allowed() -> None:
    cond = compile_condition("messaging_enabled == false\n  and is_trial\r\n  and country in ['US']\n")
    assert cond.evaluate({"messaging_enabled": False, "is_trial": True, "country": "US"}) is True
    assert compile_condition("  \t a").evaluate({"a": 1}) is True  # leading blanks are fine


def test_brackets_and_hashes_inside_strings_are_just_text() -> None:
    deep = "(" * (MAX_DEPTH + 10)
    assert ev(f"x == '{deep}'", x=deep) is True
    assert ev("x == '#'", x="#") is True
    assert ev('x == "it\'s (#"', x="it's (#") is True
    assert ev("x == '''a\"b'''", x='a"b') is True


# --------------------------------------------------------------------------- syntax errors


@pytest.mark.parametrize(
    ("text", "fragment", "offset"),
    [
        ("a.b", "attribute access", 1),
        ("().__class__", "attribute access", 2),
        ("  x[1]", "subscripts", 3),
        ("é.b", "attribute access", 1),  # offsets count characters, not UTF-8 bytes
        ("a and\n  b.c", "attribute access", 9),
        ("a + 1", "arithmetic ('+')", 1),
        ("a ** 2 == 4", "arithmetic ('**')", 1),
        ("a.b()", "attribute access", 1),
        ("open('/etc/passwd')", "unknown function 'open'", 0),
        ("known(x) and eval('1')", "unknown function 'eval'", 13),
        ("(lambda: 1)()", "can be called", 1),
        ("lambda: 1", "lambda", 0),
        ("[x for x in y]", "comprehensions", 0),
        ("{x for x in y}", "comprehensions", 0),
        ("{x: 1 for x in y}", "comprehensions", 0),
        ("any(x for x in y)", "unknown function 'any'", 0),
        ("f'{x}'", "f-strings", 0),
        ("f'plain'", "f-strings", 0),
        ("(x := 1)", "':='", 1),
        ("x if y else z", "and/or", 0),
        ("{'a': 1}", "dicts", 0),
        ("{1, 2}", "sets", 0),
        ("a is None", "'is' is not allowed", 1),
        ("a is not None", "'is not' is not allowed", 1),
        ("x in [y]", "list items must be literals", 6),
        ("x in [[1]]", "list items must be literals", 6),
        ("-x", "unary minus", 0),
        ("-true", "unary minus", 0),
        ("- -1", "unary minus", 0),
        ("~1", "unary '~'", 0),
        ("+1", "unary '+'", 0),
        ("1j", "complex literals", 0),
        ("b'x'", "bytes literals", 0),
        ("...", "'...'", 0),
        ("known(1)", "takes a fact name", 6),
        ("known(true)", "takes a fact name", 6),
        ("known(lower(x))", "takes a fact name", 6),
        ("known(x, y)", "takes 1 argument", 0),
        ("startswith(x)", "takes 2 arguments", 0),
        ("lower(x=1)", "no keyword arguments", 6),
        ("lower(*x)", "unpacking", 6),
        ("known", "is a function", 0),
        ("x == unknown", "is a function", 5),
        ("await x", "'await'", 0),
        ("a and", "invalid syntax", 5),
        ("a = 1", "invalid syntax", 2),
        ("(a", "never closed", 0),
        ("a)", "unmatched ')'", 1),
        ("'abc", "unterminated string", 0),
        ("x == 'a\nb'", "cannot span lines", 7),
        ("a # comment", "comments", 2),
        ("'\\d'", "invalid escape", 0),
        ("x\0", "NUL", 1),
        ("", "empty", 0),
        ("  \n\t", "empty", 0),
        ("a, b", "list items must be literals", 0),
        ("a; b", "invalid syntax", 1),
    ],
)
def test_syntax_errors(text: str, fragment: str, offset: int) -> None:
    with pytest.raises(ConditionSyntaxError) as info:
        compile_condition(text)
    err = info.value
    assert fragment in err.message
    assert err.text == text
    assert err.offset == offset
    assert 0 <= err.offset <= len(text)
    assert "\n" not in str(err)
    assert f"column {offset + 1}" in str(err)


def test_tuples_of_names_are_rejected() -> None:
    with pytest.raises(ConditionSyntaxError, match="list items must be literals"):
        compile_condition("x in (a, b)")


def test_syntax_error_is_a_diagnose_error_and_pickles() -> None:
    with pytest.raises(ConditionSyntaxError) as info:
        compile_condition("a.b")
    err = info.value
    assert isinstance(err, DiagnoseError)
    assert isinstance(err, ValueError)
    again = pickle.loads(pickle.dumps(err))
    assert (again.message, again.text, again.offset) == (err.message, err.text, err.offset)
    assert str(again) == str(err) == "attribute access ('.') is not allowed (column 2 of 'a.b', at '.b')"


def test_long_text_is_shown_around_the_problem() -> None:
    text = " and ".join(f"fact_{i}" for i in range(40)) + " and a.b"
    with pytest.raises(ConditionSyntaxError) as info:
        compile_condition(text)
    shown = str(info.value)
    assert "'.b'" in shown
    assert "..." in shown
    assert len(shown) < 200


@pytest.mark.parametrize("value", [True, 1, None, ["a"], {"a": 1}, b"a"])
def test_non_string_conditions(value: object) -> None:
    with pytest.raises(ConditionSyntaxError, match="must be a string"):
        compile_condition(value)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- limits


def test_length_limit() -> None:
    ok = "a" * MAX_LENGTH
    assert compile_condition(ok).names == {ok}
    with pytest.raises(ConditionSyntaxError, match="too long"):
        compile_condition("a" * (MAX_LENGTH + 1))


def test_bracket_depth_limit() -> None:
    ok = "(" * MAX_DEPTH + "x" + ")" * MAX_DEPTH
    assert compile_condition(ok).evaluate({"x": True}) is True
    with pytest.raises(ConditionSyntaxError, match="nested too deeply") as info:
        compile_condition("(" * (MAX_DEPTH + 1) + "x" + ")" * (MAX_DEPTH + 1))
    assert info.value.offset == MAX_DEPTH
    with pytest.raises(ConditionSyntaxError, match="nested too deeply"):
        compile_condition("[" * 500)


def test_expression_depth_limit() -> None:
    ok = "not " * (MAX_DEPTH - 1) + "x"
    assert compile_condition(ok).evaluate({"x": True}) is ((MAX_DEPTH - 1) % 2 == 0)
    with pytest.raises(ConditionSyntaxError, match="nested too deeply"):
        compile_condition("not " * MAX_DEPTH + "x")
    nested = "x"
    for i in range(MAX_DEPTH + 5):
        nested = f"(y{i} {'and' if i % 2 else 'or'} {nested})"
    with pytest.raises(ConditionSyntaxError, match="nested too deeply"):
        compile_condition(nested)


@pytest.mark.parametrize(
    "text",
    [
        "-" * 3000 + "1",  # RecursionError inside ast.parse
        "not " * 999 + "x",
        "x" + ".y" * 1999,
        "~" * 3999 + "x",
        "lambda: " * 499 + "1",
        "x if y else " * 333 + "z",
        "a" + " < a" * 999,
        "a" + " and a" * 665,
    ],
)
def test_hostile_shapes_fail_cleanly_or_compile(text: str) -> None:
    assert len(text) <= MAX_LENGTH
    try:
        cond = compile_condition(text)
    except ConditionSyntaxError as err:
        assert 0 <= err.offset <= len(text)
    else:
        assert cond.evaluate({}) in (True, False, U)


def test_recursion_limit_is_left_as_it_was() -> None:
    before = sys.getrecursionlimit()
    with pytest.raises(ConditionSyntaxError):
        compile_condition("-" * 3000 + "1")
    assert sys.getrecursionlimit() == before
    assert compile_condition("a and not b").evaluate({"a": True, "b": False}) is True


# --------------------------------------------------------------------------- safety

AuditLog = list[tuple[str, tuple[Any, ...]]]
_AUDIT_LOG: AuditLog | None = None
_AUDIT_INSTALLED = False


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if _AUDIT_LOG is not None:
        _AUDIT_LOG.append((event, args))


@contextlib.contextmanager
def audited() -> Iterator[AuditLog]:
    """Records every audit event (``sys.addaudithook``) raised inside the block."""
    global _AUDIT_LOG, _AUDIT_INSTALLED
    if not _AUDIT_INSTALLED:  # hooks cannot be removed: install one, gated by _AUDIT_LOG
        sys.addaudithook(_audit)
        _AUDIT_INSTALLED = True
    log: AuditLog = []
    _AUDIT_LOG = log
    try:
        yield log
    finally:
        _AUDIT_LOG = None


def _payloads(target: Path) -> list[str]:
    p = str(target)
    return [
        f"open({p!r}, 'w')",
        f"open({p!r}, 'w') and true",
        f"__import__('os').system('touch {p}')",
        f"__import__('pathlib').Path({p!r}).touch()",
        f"[__import__('os').mkdir({p!r})]",
        f"[open({p!r}, 'w') for _ in [1]]",
        f"(lambda: open({p!r}, 'w'))()",
        f"known(x) or open({p!r}, 'w')",
        f"x == f'{{open({p!r}, \"w\")}}'",
        f"().__class__.__base__.__subclasses__() and open({p!r}, 'w')",
        f"getattr(__builtins__, 'open')({p!r}, 'w')",
        f"exec(\"open({p!r}, 'w')\")",
        f"eval(\"open({p!r}, 'w')\")",
        f"x[open({p!r}, 'w')]",
        f"lower(open({p!r}, 'w'))",
        f"startswith(x, open({p!r}, 'w'))",
        f"x in [open({p!r}, 'w')]",
        f"(y := open({p!r}, 'w'))",
        f"x if open({p!r}, 'w') else y",
        f"{{open({p!r}, 'w')}}",
    ]


def test_the_payload_is_real(tmp_path: Path) -> None:
    """Control: Python itself would create the file, so the next test proves something."""
    target = tmp_path / "pwned"
    with audited() as audit:
        eval(_payloads(target)[0]).close()  # deliberately: Python's eval, on our own string
    assert target.exists()
    assert {"exec", "open"} <= {event for event, _ in audit}  # and the audit hook sees it


def test_hostile_conditions_are_rejected_and_nothing_runs(tmp_path: Path) -> None:
    target = tmp_path / "pwned"
    with audited() as audit:
        for text in _payloads(target):
            with pytest.raises(ConditionSyntaxError):
                compile_condition(text)
    assert not target.exists()
    assert audit
    # The only auditable action is parsing the text; nothing is executed, opened or imported.
    assert {event for event, _ in audit} <= {"compile"}
    assert all(args[1] == "<unknown>" for _, args in audit)


@pytest.mark.parametrize(
    "text",
    [
        "__import__('os').system('x')",
        "().__class__",
        "().__class__.__bases__[0].__subclasses__()",
        "x[0]",
        "x[1:2]",
        "lambda: 0",
        "[c for c in 'abc']",
        "(c for c in 'abc')",
        "print('x')",
        "getattr(x, 'y')",
        "breakpoint()",
        "globals()",
        "f'{x}'",
        "x.startswith('a')",
        "'abc'.upper()",
    ],
)
def test_forbidden_constructs(text: str) -> None:
    with audited() as audit, pytest.raises(ConditionSyntaxError):
        compile_condition(text)
    assert {event for event, _ in audit} <= {"compile"}


def test_evaluation_raises_no_audit_event() -> None:
    cond = compile_condition("startswith(lower(a), 'x') or b in [1, 2] or known(c) or not d")
    with audited() as audit:
        for values in ({}, {"a": "X"}, {"b": 1, "d": False}, {"a": U, "c": None}):
            cond.evaluate(values)
    assert audit == []


def test_compiling_needs_no_eval_or_exec(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("eval/exec must not be used")

    monkeypatch.setattr(builtins, "eval", refuse)
    monkeypatch.setattr(builtins, "exec", refuse)
    conditions._compile_cached.cache_clear()
    cond = compile_condition("a == 1 and not (b or c) and x in ['a', 'b'] and lower(y) == 'q'")
    assert cond.evaluate({"a": 1, "b": False, "c": False, "x": "a", "y": "Q"}) is True


def test_the_module_calls_no_dangerous_builtin() -> None:
    source = Path(conditions.__file__).read_text(encoding="utf-8")
    tree = ast.parse(source)
    forbidden = {"eval", "exec", "compile", "__import__", "getattr", "open", "globals", "locals", "vars"}
    called = {node.func.id for node in ast.walk(tree) if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)}
    assert not called & forbidden
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert imported <= {"__future__", "ast", "functools", "operator", "warnings", "collections.abc"} | {
        "dataclasses",
        "typing",
        "errors",
    }


# --------------------------------------------------------------------------- Hypothesis: generated ASTs

NAMES = ("a", "b", "c", "d")
CMP_OPS = ("==", "!=", "<", "<=", ">", ">=")
STRINGS = ("", "US", "us", "+1", "+1555", "IR", "é")

scalars = st.one_of(
    st.booleans(),
    st.none(),
    st.integers(-3, 3),
    st.sampled_from([0.5, -1.5, 2.0]),
    st.sampled_from(STRINGS),
)
fact_values = st.one_of(
    scalars,
    st.just(U),
    st.floats(allow_nan=True, allow_infinity=True),
    st.lists(scalars, max_size=3),
)
value_maps = st.dictionaries(st.sampled_from(NAMES), fact_values)
names = st.sampled_from(NAMES)

Node = tuple[Any, ...]


def _expressions(*, leaf_literals: st.SearchStrategy[Any], knowledge: bool, strings: bool) -> st.SearchStrategy[Node]:
    """Expression trees as nested tuples: ("lit", v), ("var", n), ("not", e), ("and", [e...]) ..."""
    leaves = [st.tuples(st.just("lit"), leaf_literals), st.tuples(st.just("var"), names)]
    if knowledge:
        leaves.append(st.tuples(st.sampled_from(["known", "unknown"]), names))

    def extend(children: st.SearchStrategy[Node]) -> st.SearchStrategy[Node]:
        options = [
            st.tuples(st.just("not"), children),
            st.tuples(st.sampled_from(["and", "or"]), st.lists(children, min_size=2, max_size=3)),
            st.tuples(
                st.just("cmp"),
                children,
                st.lists(st.tuples(st.sampled_from(CMP_OPS), children), min_size=1, max_size=2),
            ),
            st.tuples(
                st.just("in"),
                children,
                st.sampled_from(["in", "not in"]),
                st.lists(leaf_literals, max_size=3),
            ),
        ]
        if strings:
            options += [
                st.tuples(st.just("startswith"), children, st.one_of(children, st.lists(scalars, max_size=2))),
                st.tuples(st.just("lower"), children),
            ]
        return st.one_of(options)

    return st.recursive(st.one_of(leaves), extend, max_leaves=12)


general = _expressions(leaf_literals=scalars, knowledge=True, strings=True)
monotone = _expressions(leaf_literals=scalars, knowledge=False, strings=True)
boolean = _expressions(leaf_literals=st.booleans(), knowledge=True, strings=False)


def render_literal(value: object) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return "null"
    if isinstance(value, list):
        return "[" + ", ".join(render_literal(v) for v in value) + "]"
    return repr(value)


def render(node: Node) -> str:
    kind = node[0]
    if kind == "lit":
        return render_literal(node[1])
    if kind == "var":
        return node[1]
    if kind in ("known", "unknown"):
        return f"{kind}({node[1]})"
    if kind == "not":
        return f"(not {render(node[1])})"
    if kind in ("and", "or"):
        return "(" + f" {kind} ".join(render(c) for c in node[1]) + ")"
    if kind == "cmp":
        return "(" + render(node[1]) + "".join(f" {op} {render(r)}" for op, r in node[2]) + ")"
    if kind == "in":
        return f"({render(node[1])} {node[2]} {render_literal(node[3])})"
    if kind == "startswith":
        prefix = render_literal(node[2]) if isinstance(node[2], list) else render(node[2])
        return f"startswith({render(node[1])}, {prefix})"
    if kind == "lower":
        return f"lower({render(node[1])})"
    raise AssertionError(kind)


def node_names(node: Node) -> set[str]:
    kind = node[0]
    if kind in ("var", "known", "unknown"):
        return {node[1]}
    if kind == "lit":
        return set()
    if kind in ("not", "lower", "in"):
        return node_names(node[1])
    if kind in ("and", "or"):
        return set().union(*(node_names(child) for child in node[1]))
    if kind == "cmp":
        return node_names(node[1]).union(*(node_names(right) for _, right in node[2]))
    if kind == "startswith":
        prefix = set() if isinstance(node[2], list) else node_names(node[2])
        return node_names(node[1]) | prefix
    raise AssertionError(kind)


# An independent reference for three-valued evaluation: recursive, table-driven, no closures.

_PY_OPS = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "in": lambda a, b: a in b,
    "not in": lambda a, b: a not in b,
}


def _tri(value: object) -> TriBool:
    if value is U:
        return U
    try:
        return bool(value)
    except Exception:
        return U


def _compare(op: str, a: object, b: object) -> TriBool:
    if a is U or b is U:
        return U
    try:
        return _tri(_PY_OPS[op](a, b))
    except Exception:
        return U


def reference(node: Node, values: Mapping[str, object]) -> object:
    kind = node[0]
    if kind == "lit":
        return list(node[1]) if isinstance(node[1], list) else node[1]
    if kind == "var":
        return values.get(node[1], U)
    if kind == "known":
        return values.get(node[1], U) is not U
    if kind == "unknown":
        return values.get(node[1], U) is U
    if kind == "not":
        return NOT_TABLE[_tri(reference(node[1], values))]
    if kind in ("and", "or"):
        table = AND_TABLE if kind == "and" else OR_TABLE
        result = _tri(reference(node[1][0], values))
        for child in node[1][1:]:
            result = table[result, _tri(reference(child, values))]
        return result
    if kind == "cmp":
        left = reference(node[1], values)
        result = T
        for op, right_node in node[2]:
            right = reference(right_node, values)
            result = AND_TABLE[result, _compare(op, left, right)]
            left = right
        return result
    if kind == "in":
        return _compare(node[2], reference(node[1], values), list(node[3]))
    if kind == "lower":
        x = reference(node[1], values)
        return x.lower() if isinstance(x, str) else (None if x is None else U)
    if kind == "startswith":
        x = reference(node[1], values)
        prefix = list(node[2]) if isinstance(node[2], list) else reference(node[2], values)
        if x is U or prefix is U:
            return U
        if isinstance(prefix, (list, tuple)) and all(isinstance(p, str) for p in prefix):
            prefix = tuple(prefix)
        elif not isinstance(prefix, str):
            return U
        if x is None:
            return False
        return x.startswith(prefix) if isinstance(x, str) else U
    raise AssertionError(kind)


def python_semantics(node: Node, values: Mapping[str, object]) -> object:
    """Plain Python evaluation (short-circuit and/or, chained comparisons) for all-known values."""
    kind = node[0]
    if kind == "lit":
        return node[1]
    if kind == "var":
        return values[node[1]]
    if kind == "known":
        return node[1] in values
    if kind == "unknown":
        return node[1] not in values
    if kind == "not":
        return not python_semantics(node[1], values)
    if kind == "and":
        result: object = True
        for child in node[1]:
            result = python_semantics(child, values)
            if not result:
                return result
        return result
    if kind == "or":
        result = False
        for child in node[1]:
            result = python_semantics(child, values)
            if result:
                return result
        return result
    if kind == "cmp":
        left = python_semantics(node[1], values)
        for op, right_node in node[2]:
            right = python_semantics(right_node, values)
            if not _PY_OPS[op](left, right):
                return False
            left = right
        return True
    if kind == "in":
        return _PY_OPS[node[2]](python_semantics(node[1], values), node[3])
    raise AssertionError(kind)


HYPOTHESIS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

TOKENS = [
    "a", "b", "x_1", "known", "unknown", "startswith", "lower", "true", "false", "null", "None", "True",
    "1", "-", "2.5", "1e999", "0777", "'US'", '"x"', "(", ")", "[", "]", ",", "and", "or", "not", "in",
    "==", "!=", "<", "<=", ">", ">=", "is", ".", "__class__", "__import__", "lambda", ":", "if", "else",
    "for", "{", "}", "f'", "'", '"', "'''", "\\", "#", "\n", "\r", ":=", "*", "**", "@", "await", "yield",
    "\x00", "é", "0x1", "1j", "b''", "...", "open", "os", ";", "=", "\t", " ",
]  # fmt: skip

texts = st.one_of(
    st.text(max_size=200),
    st.lists(st.sampled_from(TOKENS), max_size=40).map(" ".join),
    st.lists(st.sampled_from(TOKENS), max_size=40).map("".join),
    general.map(render),
    st.tuples(general.map(render), st.integers(0, 200), st.sampled_from(TOKENS)).map(
        lambda t: t[0][: t[1]] + t[2] + t[0][t[1] :]
    ),
)


@HYPOTHESIS
@given(texts)
def test_compile_returns_a_condition_or_raises_a_syntax_error(text: str) -> None:
    """Property 1: nothing but a Condition or a ConditionSyntaxError, whatever the text."""
    try:
        cond = compile_condition(text)
    except ConditionSyntaxError as err:
        assert err.text == text
        assert 0 <= err.offset <= len(text)
        assert "\n" not in str(err)
    else:
        assert isinstance(cond, Condition)
        assert cond.evaluate({}) in (True, False) or cond.evaluate({}) is U


@given(st.text(st.characters(codec=None, exclude_categories=()), max_size=50))
@settings(deadline=None)
def test_compile_with_surrogates_and_control_characters(text: str) -> None:
    with contextlib.suppress(ConditionSyntaxError):
        compile_condition(text)


@HYPOTHESIS
@given(general, value_maps)
def test_generated_conditions_compile_and_evaluate_to_a_tribool(node: Node, values: dict[str, object]) -> None:
    """Property 2: evaluation never raises and yields True, False or UNKNOWN."""
    cond = compile_condition(render(node))
    assert cond.names == node_names(node)
    result = cond.evaluate(values)
    assert result is True or result is False or result is U


@HYPOTHESIS
@given(general, value_maps)
def test_agrees_with_an_independent_three_valued_reference(node: Node, values: dict[str, object]) -> None:
    assert compile_condition(render(node)).evaluate(values) is _tri(reference(node, values))


@settings(HYPOTHESIS, max_examples=1000)
@given(
    monotone,
    st.fixed_dictionaries({n: st.one_of(scalars, st.lists(scalars, max_size=2)) for n in NAMES}),
    st.sets(names),
    st.booleans(),
)
def test_monotonicity(node: Node, full: dict[str, object], hidden: set[str], as_missing: bool) -> None:
    """Property 3: a definite answer with some facts unknown stays the same once they are known."""
    cond = compile_condition(render(node))
    if as_missing:
        partial = {k: v for k, v in full.items() if k not in hidden}
    else:
        partial = {k: (U if k in hidden else v) for k, v in full.items()}
    result = cond.evaluate(partial)
    assert result is U or cond.evaluate(full) is result


def test_known_is_the_deliberate_exception_to_monotonicity() -> None:
    cond = compile_condition("unknown(x)")
    assert cond.evaluate({}) is True
    assert cond.evaluate({"x": 1}) is False


@HYPOTHESIS
@given(general, value_maps)
def test_determinism(node: Node, values: dict[str, object]) -> None:
    """Property 4: same text, same values, same answer; whatever the cache or the mapping's order."""
    text = render(node)
    first = compile_condition(text)
    answer = first.evaluate(values)
    assert first.evaluate(values) is answer
    assert first.evaluate(dict(reversed(list(values.items())))) is answer
    conditions._compile_cached.cache_clear()
    second = compile_condition(text)
    assert second is not first
    assert second == first
    assert second.evaluate(values) is answer


@HYPOTHESIS
@given(boolean, st.fixed_dictionaries({n: st.booleans() for n in NAMES}))
def test_agrees_with_python_when_everything_is_a_known_bool(node: Node, values: dict[str, bool]) -> None:
    """Property 5: with no unknown and only bools, the result is Python's (computed without eval)."""
    assert compile_condition(render(node)).evaluate(values) is bool(python_semantics(node, values))


# --- which operands decided ------------------------------------------------------------------------


def test_holding_names_the_true_operands_of_a_top_level_or() -> None:
    c = compile_condition("a == 1\n  or b == true\n  or (c == 2 and d)")
    assert c.holding({"b": True}) == ("b == true",)
    assert c.holding({"a": 1, "c": 2, "d": True}) == ("a == 1", "c == 2 and d")
    assert c.holding({"a": UNKNOWN, "b": True}) == ("b == true",)
    assert c.holding({}) == ()  # unknown: nothing decided it
    assert c.holding({"a": 2, "b": False, "c": 1}) == ()  # false
    assert c.failing({"a": 2, "b": False, "c": 1}) == ()  # not an and: its text is the one test


def test_failing_names_the_false_operands_of_a_top_level_and() -> None:
    c = compile_condition("a == 1 and (b or c) and not d")
    assert c.failing({"a": 2, "b": False, "c": False, "d": False}) == ("a == 1", "b or c")
    assert c.failing({"a": UNKNOWN, "b": True, "d": True}) == ("not d",)
    assert c.failing({"a": 1, "b": True, "d": False}) == ()  # true
    assert compile_condition("a == 1").failing({"a": 2}) == ()
    assert compile_condition("not (a or b)").holding({"a": False, "b": False}) == ()


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(["a", "not b", "c == 1", "(a and c == 2)", "known(d)", "(b or c == 3)"]), min_size=2, max_size=5
    ),
    st.sampled_from([" or ", " and "]),
    st.fixed_dictionaries({n: st.sampled_from([True, False, UNKNOWN, 1, 2, 3]) for n in "abcd"}),
)
def test_the_operands_named_decide_the_condition_alone(
    parts: list[str], joiner: str, values: dict[str, object]
) -> None:
    condition = compile_condition(joiner.join(parts))
    answer = joiner == " or "
    named = condition.holding(values) if answer else condition.failing(values)
    assert set(named) <= {part.strip("()") if part.startswith("(") else part for part in parts}
    if condition.evaluate(values) is answer:
        assert named, "a decided or/and names at least one operand"
    for part in named:
        assert compile_condition(part).evaluate(values) is answer
    assert pickle.loads(pickle.dumps(condition)).holding(values) == condition.holding(values)


def test_operand_text_is_how_holding_names_an_operand() -> None:
    from diagnose.conditions import operand_text

    c = compile_condition("a == 1\n  or ( b  and\n c == 2 )")
    assert c.alternatives == ("a == 1", "b and c == 2")
    assert operand_text("((b and   c == 2))") == "b and c == 2"
    assert operand_text("  a == 1 ") == "a == 1"
    assert operand_text("a ==") == "a =="  # no condition: only its blanks change
    assert compile_condition("a and b").alternatives == ()
