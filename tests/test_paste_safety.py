"""Hostile pastes: every regex is free of catastrophic backtracking, and big adversarial inputs end.

No timed assertions (speed is measured in bench/): the hang guard only checks that
each input finishes at all, with a limit far above what linear time needs.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from typing import Any

import pytest

try:  # Python 3.11+
    import re._constants as sre_constants
    import re._parser as sre_parse
except ImportError:  # pragma: no cover - Python 3.10
    import sre_constants  # type: ignore[no-redef]
    import sre_parse  # type: ignore[no-redef]

import diagnose.paste  # noqa: F401  (compiles every pattern)
from diagnose.paste import _rx, decode, extract, extract_bytes, mask_numbers, redact_secrets

REPEATS = {sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT}
if hasattr(sre_constants, "POSSESSIVE_REPEAT"):
    REPEATS.add(sre_constants.POSSESSIVE_REPEAT)
UNBOUNDED = sre_constants.MAXREPEAT
BIG = 64  # two overlapping repeats side by side may each be at most this long, or one of them at most 1
PROBE = [chr(c) for c in range(0x300)] + ["•", "\u2028"]


def _chars(node: tuple[Any, Any]) -> set[str] | None:
    """The characters one single-character item matches, or None when it is not one."""
    op, av = node
    if op == sre_constants.LITERAL:
        return {chr(av)}
    if op == sre_constants.NOT_LITERAL:
        return {c for c in PROBE if c != chr(av)}
    if op == sre_constants.ANY:
        return set(PROBE) - {"\n"}
    if op == sre_constants.IN:
        text = "".join(c for c in PROBE if _in(av, c))
        return set(text)
    return None


def _in(items: list[tuple[Any, Any]], c: str) -> bool:
    negate = False
    hit = False
    for op, av in items:
        if op == sre_constants.NEGATE:
            negate = True
        elif op == sre_constants.LITERAL:
            hit |= c == chr(av)
        elif op == sre_constants.RANGE:
            hit |= av[0] <= ord(c) <= av[1]
        elif op == sre_constants.CATEGORY:
            name = str(av).lower()
            if "digit" in name:
                ok = c.isdigit()
            elif "space" in name:
                ok = c.isspace()
            elif "word" in name:
                ok = c.isalnum() or c == "_"
            else:
                ok = True
            hit |= (not ok) if "not" in name else ok
        else:
            hit = True
    return hit != negate


def _repeat_body(node: tuple[Any, Any]) -> tuple[int, int, Any] | None:
    op, av = node
    if op in REPEATS:
        return av[0], av[1], av[2]
    return None


def _has_repeat(seq: Any) -> bool:
    for node in seq:
        op, av = node
        if _repeat_body(node) is not None and node[1][1] > 1:
            return True
        if op == sre_constants.SUBPATTERN and _has_repeat(av[-1]):
            return True
        if op == sre_constants.BRANCH and any(_has_repeat(b) for b in av[1]):
            return True
    return False


def problems(pattern: re.Pattern[Any]) -> list[str]:
    source = pattern.pattern if isinstance(pattern.pattern, str) else pattern.pattern.decode("latin-1")
    tree = sre_parse.parse(source, pattern.flags & ~re.UNICODE if isinstance(pattern.pattern, bytes) else pattern.flags)
    found: list[str] = []

    def walk(seq: Any) -> None:
        items = list(seq)
        for i, node in enumerate(items):
            op, av = node
            rep = _repeat_body(node)
            if rep is not None:
                _lo, hi, body = rep
                if hi > 1 and _has_repeat(body):
                    found.append(f"nested quantifier at item {i}")
                walk(body)
                nxt = items[i + 1] if i + 1 < len(items) else None
                nxt_rep = _repeat_body(nxt) if nxt is not None else None
                if nxt_rep is not None and len(body) == 1 and len(nxt_rep[2]) == 1:
                    a, b = _chars(body[0]), _chars(nxt_rep[2][0])
                    overlap = a is None or b is None or bool(a & b)
                    long_both = (hi == UNBOUNDED or hi > BIG) and (nxt_rep[1] == UNBOUNDED or nxt_rep[1] > BIG)
                    if overlap and long_both:
                        found.append(f"overlapping adjacent quantifiers at item {i}")
            elif op == sre_constants.SUBPATTERN:
                walk(av[-1])
            elif op == sre_constants.BRANCH:
                for branch in av[1]:
                    walk(branch)
            elif op in (sre_constants.ASSERT, sre_constants.ASSERT_NOT):
                walk(av[1])

    walk(tree)
    return found


def test_the_checker_catches_catastrophic_patterns() -> None:
    assert problems(re.compile(r"(a+)+b"))
    assert problems(re.compile(r"(?:\d+)*x"))
    assert problems(re.compile(r"\d+\d+x"))
    assert problems(re.compile(r"[\d ]+\d+x"))
    assert not problems(re.compile(r"\d+[a-z]+"))
    assert not problems(re.compile(r"[0-9]{1,5}[0-9]{1,3}"))


def test_every_paste_pattern_is_linear() -> None:
    patterns = [*_rx.ALL, *_rx.ALL_BYTES]
    assert len(patterns) >= 30
    bad = {p.pattern: problems(p) for p in patterns if problems(p)}
    assert not bad, bad


ADVERSARIAL: dict[str, Callable[[], str]] = {
    "digits": lambda: "error code " + "9" * 1_000_000,
    "plus": lambda: "To=" + "+" * 1_000_000,
    "plus digits": lambda: "error to " + "+1" * 300_000,
    "braces": lambda: "{" * 300_000 + "}" * 300_000,
    "nested json": lambda: '{"code": 21408, "a": ' * 20_000 + "1" + "}" * 20_000,
    "keys": lambda: "error " + "to:" * 200_000,
    "form keys": lambda: "error&" + "To=" * 100_000,
    "quotes": lambda: 'error "' + 'to:"' * 100_000,
    "codes": lambda: "error 21408 " * 50_000,
    "wording": lambda: "Permission to send an SMS " * 20_000,
    "masks": lambda: "error 21408 to +" + "*" * 1_000_000,
    "long line of errors": lambda: '{"code": 21408, "to": "+33612345678"} ' * 10_000,
    "ansi": lambda: "\x1b[" * 300_000 + "error",
    "entities": lambda: "&quot;" * 100_000 + "error 21408",
    "many lines": lambda: "ERROR code=21408 to=+2348031234567\n" * 10_000,
    # Console pages whose bodies never close, each heading inside the body above (._console reads a line once)
    "console pages": lambda: ("Error - 21408\nResponse Body\n{" + "[" * 4000 + "\nTo\t+33612345678\n") * 3_000,
}


def _finishes(fn: Callable[[], object], seconds: float = 300) -> bool:
    done = threading.Event()
    error: list[BaseException] = []

    def run() -> None:
        try:
            fn()
        except BaseException as exc:
            error.append(exc)
        done.set()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    finished = done.wait(seconds)
    if error:
        raise error[0]
    return finished


@pytest.mark.parametrize("name", list(ADVERSARIAL))
def test_adversarial_input_ends(name: str) -> None:
    text = ADVERSARIAL[name]()
    assert _finishes(lambda: extract(text)), f"{name}: extract did not finish"
    assert _finishes(lambda: redact_secrets(text[:1_000_000]))
    assert _finishes(lambda: mask_numbers(text[:1_000_000]))


def test_fifty_megabyte_single_line_ends_without_error() -> None:
    data = b"x" * 50_000_000 + b" error 21408 to +2348031234567"
    assert len(data) > 50_000_000
    found: list[Any] = []
    assert _finishes(lambda: found.extend(extract_bytes(data)))
    assert [e.code for e in found] == [21408]


def test_binary_and_invalid_utf8() -> None:
    assert extract_bytes(bytes(range(256)) * 1000) == []
    assert extract_bytes(b"\xff\xfe" + "error 21408 to +33612345678".encode("utf-16-le"))[0].country == "FR"
    assert decode(b"\xc3\x28 error") == "\ufffd( error"
    assert extract_bytes(b'{"code": 21408, "message": "\xe9\xff Permission to send') != []
