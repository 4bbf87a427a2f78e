"""Properties of the knowledge loader: it never crashes, lint and load agree, round trips are stable."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from diagnose.conditions import UNKNOWN
from diagnose.errors import KnowledgeError
from diagnose.facts import FACTS
from diagnose.knowledge import Entry, lint_paths, load_knowledge, render_template
from diagnose.knowledge._yaml import parse

FIXTURES = Path(__file__).parent / "data" / "knowledge"
VALID_TEXT = (FIXTURES / "valid" / "21408.yaml").read_text(encoding="utf-8")
VALID_DATA: dict[str, Any] = parse(VALID_TEXT).data

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@contextmanager
def knowledge_file(text: str | bytes, name: str = "21408.yaml") -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8", errors="surrogatepass")
        yield Path(folder)


def assert_lint_and_load_agree(folder: Path) -> None:
    """lint_paths never raises; load fails exactly when lint finds an error, on the same spot."""
    problems = lint_paths([folder])
    assert all(p.severity in ("error", "warning") for p in problems)
    errors = [p for p in problems if p.severity == "error"]
    try:
        kb = load_knowledge([folder], include_builtin=False)
    except KnowledgeError as err:
        assert errors, f"load failed but lint found no error: {err}"
        first = errors[0]
        assert (err.path, err.line, err.key) == (first.path, first.line, first.key)
    else:
        assert not errors, f"lint found errors but load succeeded: {errors}"
        assert all(isinstance(entry, Entry) for entry in kb.entries())


# --------------------------------------------------------------------------- garbage text

YAMLISH = st.lists(
    st.sampled_from([*"abc123 :-[]{}#&*!|>'\"\n\t,?%@`.", "code", "causes", "id", "- ", "  ", "!!python/name:os"]),
    max_size=60,
).map("".join)


@SETTINGS
@given(st.one_of(st.text(max_size=300), YAMLISH, st.binary(max_size=200)))
def test_garbage_never_raises(text: str | bytes) -> None:
    with knowledge_file(text) as folder:
        assert_lint_and_load_agree(folder)


# --------------------------------------------------------------------------- mutations of a valid file


@st.composite
def mutated_text(draw: st.DrawFn) -> str:
    lines = VALID_TEXT.splitlines(keepends=True)
    for _ in range(draw(st.integers(1, 4))):
        if not lines:
            break
        i = draw(st.integers(0, len(lines) - 1))
        action = draw(st.sampled_from(["delete", "duplicate", "indent", "dedent", "insert", "truncate", "swap"]))
        if action == "delete":
            del lines[i]
        elif action == "duplicate":
            lines.insert(i, lines[i])
        elif action == "indent":
            lines[i] = "  " + lines[i]
        elif action == "dedent":
            lines[i] = lines[i].lstrip(" ")
        elif action == "insert":
            lines.insert(i, draw(YAMLISH) + "\n")
        elif action == "truncate":
            lines[i] = lines[i][: draw(st.integers(0, len(lines[i])))]
        else:
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
    return "".join(lines)


@SETTINGS
@given(mutated_text())
def test_mutated_text_never_raises(text: str) -> None:
    with knowledge_file(text) as folder:
        assert_lint_and_load_agree(folder)


SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=False),
    st.text(max_size=30),
    st.sampled_from(["{{ country }}", "{{ nope }}", "{% include 'x' %}", "country == 'IN'", "a ==", "missing-country"]),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=10), inner, max_size=3)),
    max_leaves=8,
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found += _paths(item, (*prefix, i))
    return found


@st.composite
def mutated_data(draw: st.DrawFn) -> dict[str, Any]:
    data = yaml.safe_load(yaml.safe_dump(VALID_DATA))
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(_paths(data)[1:]))
        parent = data
        for part in path[:-1]:
            parent = parent[part]
        action = draw(st.sampled_from(["replace", "delete", "add"]))
        if action == "replace":
            parent[path[-1]] = draw(VALUES)
        elif action == "delete":
            del parent[path[-1]]
        elif isinstance(parent, dict):
            parent[draw(st.sampled_from(["extends", "retired", "zzz", "when", "related", "id"]))] = draw(VALUES)
        else:
            parent.append(draw(VALUES))
    return data


@SETTINGS
@given(mutated_data())
def test_mutated_data_never_raises(data: dict[str, Any]) -> None:
    with knowledge_file(yaml.safe_dump(data, allow_unicode=True, sort_keys=False)) as folder:
        assert_lint_and_load_agree(folder)


# --------------------------------------------------------------------------- round trip


def entry_to_data(entry: Entry) -> dict[str, Any]:
    """The YAML data a loaded entry corresponds to (a canonical form of its file)."""
    causes = []
    for c in entry.causes:
        cause: dict[str, Any] = {
            "id": c.id,
            "title": c.title,
            "explanation": c.explanation,
            "confirmed_when": c.confirmed_when.text,
            "confirmed_because": c.confirmed_because,
            "ruled_out_because": c.ruled_out_because,
            "check": {"console": c.check.console, "api": c.check.api},
            "fix": [
                {"text": s.text, "console": s.console, "api": s.api, **({"when": s.when.text} if s.when else {})}
                for s in c.fix
            ],
            "verify": list(c.verify),
            "prevention": list(c.prevention),
        }
        if c.ruled_out_when is not None:
            cause["ruled_out_when"] = c.ruled_out_when.text
        if c.retired:
            cause["retired"] = c.retired
        causes.append(cause)
    return {
        "code": entry.code,
        "title": entry.title,
        "summary": entry.summary,
        "products": list(entry.products),
        "channels": list(entry.channels),
        "log_level": entry.log_level,
        "related": list(entry.related),
        "docs_url": entry.docs_url,
        "meaning": entry.meaning,
        "impact": entry.impact,
        "diagnosis": entry.diagnosis,
        "causes": causes,
        "escalation": {"when": list(entry.escalation.when), "send": list(entry.escalation.send)},
        "references": [{"title": r.title, "url": r.url, "checked": r.checked} for r in entry.references],
    }


def _without_source(entry: Entry) -> Entry:
    from dataclasses import replace

    return replace(entry, source="")


def test_round_trip_of_every_fixture_entry() -> None:
    for folder in ("valid", "extends", "retired"):
        kb = load_knowledge([FIXTURES / folder], include_builtin=False)
        for entry in kb.entries():
            text = yaml.safe_dump(entry_to_data(entry), allow_unicode=True, sort_keys=False)
            with knowledge_file(text, f"{entry.code}.yaml") as again:
                assert [p for p in lint_paths([again]) if p.severity == "error"] == []
                reloaded = load_knowledge([again], include_builtin=False).get(entry.code)
            assert reloaded is not None
            assert _without_source(reloaded) == _without_source(entry)


def test_a_yaml_line_break_inside_a_string_is_refused_with_its_line() -> None:
    # NEL (U+0085) is a line break to YAML: a title holding one would not survive a dump and reload.
    data = yaml.safe_load(yaml.safe_dump(VALID_DATA))
    data["causes"][0]["title"] = "Bad\x85title"
    text = yaml.safe_dump(data, allow_unicode=False, sort_keys=False)
    line = next(i for i, row in enumerate(text.splitlines(), 1) if "Bad" in row)
    with knowledge_file(text) as folder:
        errors = [p for p in lint_paths([folder]) if p.severity == "error"]
        assert [(p.line, "U+0085" in p.message) for p in errors] == [(line, True)]
        with pytest.raises(KnowledgeError, match=r"U\+0085"):
            load_knowledge([folder], include_builtin=False)


@SETTINGS
@given(
    title=st.text(min_size=1, max_size=40).filter(lambda t: t.strip() != ""),
    explanation=st.text(max_size=80),
    condition=st.sampled_from(["messaging_enabled == false", "is_trial and not is_subaccount", "country in ['IN']"]),
)
@example(title="\x850\r", explanation="", condition="messaging_enabled == false")  # NEL: a YAML line break
@example(title="a\u2028b", explanation="", condition="messaging_enabled == false")
def test_round_trip_is_stable_for_generated_text(title: str, explanation: str, condition: str) -> None:
    data = yaml.safe_load(yaml.safe_dump(VALID_DATA))
    data["causes"][0].update(title=title, explanation=explanation, confirmed_when=condition)
    with knowledge_file(yaml.safe_dump(data, allow_unicode=True)) as folder:
        problems = [p for p in lint_paths([folder]) if p.severity == "error"]
        if problems:  # e.g. a title YAML cannot keep (control characters): lint and load must agree
            assert_lint_and_load_agree(folder)
            return
        first = load_knowledge([folder], include_builtin=False).get(21408)
    assert first is not None
    with knowledge_file(yaml.safe_dump(entry_to_data(first), allow_unicode=True)) as folder:
        second = load_knowledge([folder], include_builtin=False).get(21408)
    assert second is not None
    assert _without_source(second) == _without_source(first)


# --------------------------------------------------------------------------- rendering

FACT_VALUES = st.one_of(
    st.just(UNKNOWN),
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(max_size=40),
    st.lists(st.text(max_size=5), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
)


def fixture_templates() -> list[str]:
    templates = ["{{ calling_code + 1 }}", "{{ country|upper }} {{ to[1:] }}", "{% if is_trial %}t{% endif %}"]
    for folder in ("valid", "extends", "retired", "template-escape"):
        for path in (FIXTURES / folder).glob("*.yaml"):
            data = parse(path.read_text()).data
            for cause in data.get("causes", []):
                templates += [cause.get("confirmed_because", ""), cause.get("ruled_out_because", "")]
                templates += [step.get("text", "") for step in cause.get("fix", [])]
    return [t for t in templates if t]


@SETTINGS
@given(
    template=st.sampled_from(fixture_templates()),
    facts=st.dictionaries(st.sampled_from(sorted(FACTS)), FACT_VALUES, max_size=8),
)
def test_render_never_raises(template: str, facts: dict[str, object]) -> None:
    text = render_template(template, facts)
    assert isinstance(text, str)
    for name, value in facts.items():
        if value is UNKNOWN and "{{ " + name + " }}" in template and text != template:
            assert f"<{name}>" in text
