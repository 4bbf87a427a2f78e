"""Hostile knowledge cannot burn time or memory: template limits, lint agreeing with render, file limits.

Every template below passed lint and could hang a report or take gigabytes before the limits
existed (issue 8). Each one is now refused by lint, with file, line and key, and rendering it
stops at a limit and shows the template as written.
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from diagnose.codes import error_code
from diagnose.errors import KnowledgeError
from diagnose.knowledge import lint_paths, render_template, templating
from diagnose.knowledge._bounds import (
    MAX_ITERATIONS,
    MAX_NESTING,
    MAX_OUTPUT,
    MAX_SOURCE,
    MAX_STRING,
    MAX_WIDTH,
    TemplateLimitError,
)
from diagnose.knowledge._files import MAX_FILE_BYTES
from diagnose.knowledge.templating import check_template

VALID = Path(__file__).parent / "data" / "knowledge" / "valid" / "21408.yaml"
ORIGINAL_TEMPLATE = '"{{ country_name }} ({{ country }}) is disabled on {{ account_sid }}."'

ATTACKS = {
    "nested loops": "{% for i in range(999) %}{% for j in range(999) %}{{ i }}{% endfor %}{% endfor %}",
    "huge range": "{% for i in range(99999) %}x{% endfor %}",
    "str.format width": "{{ '{:999999999}'.format(1) }}",
    "str.format width from an argument": "{{ '{:{w}}'.format(1, w=999999999) }}",
    "str.format precision": "{{ '{:.999999999f}'.format(1.5) }}",
    "format filter": "{{ '%999999999s'|format(1) }}",
    "percent operator": "{{ '%999999999s' % 1 }}",
    "percent star width": "{{ '%*s'|format(999999999, 'x') }}",
    "center filter": "{{ 'x'|center(999999999) }}",
    "center method": "{{ 'x'.center(999999999) }}",
    "ljust method": "{{ country.ljust(999999999) }}",
    "replace": "{{ ('x'*10000)|replace('x','x'*10000) }}",
    "replace method": "{{ ('x'*10000).replace('x','x'*10000) }}",
    "tower of powers": "{{ ((10**64)**64)**64 }}",
    "power of a big base": "{{ (2**4000) ** 2 }}",
    "namespace doubling": (
        "{% set ns = namespace(s='ab') %}{% for i in range(60) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s }}"
    ),
    "namespace doubling with +": (
        "{% set ns = namespace(s='ab') %}{% for i in range(60) %}{% set ns.s = ns.s + ns.s %}{% endfor %}{{ ns.s }}"
    ),
    "set doubling": "{% set s = 'abcdefgh' %}" + "{% set s = s ~ s %}" * 40 + "{{ s }}",
    "join of a big list": "{{ (['x' * 10000] * 10000)|join }}",
    "sum of lists": "{{ ([[1] * 100] * 100)|sum(start=[]) }}",
    "to_bytes": "{{ (1).to_bytes(999999999, 'big') }}",
    "batch fill": "{{ [1]|batch(999999999, 'x')|list|length }}",
    "indent": "{{ 'a\\nb'|indent(999999999) }}",
    "tojson indent": "{{ [1, 2]|tojson(indent=999999999) }}",
    "long output": "{% for i in range(1000) %}{{ 'x' * 1000 }}{% endfor %}",
    "recursive loop": (
        "{% for x in range(1000) recursive %}{% if x < 20 %}{{ loop(range(x + 1, x + 999)) }}{% endif %}{% endfor %}"
    ),
    "recursive macro calls": ("{% macro f(n) %}{% for i in range(10) %}{{ f(n) }}{% endfor %}{% endmacro %}{{ f(1) }}"),
}


@pytest.mark.parametrize("template", ATTACKS.values(), ids=ATTACKS.keys())
def test_lint_refuses_each_attack(template: str) -> None:
    issues = check_template(template)
    assert issues, template
    assert all(issue.line >= 1 for issue in issues)


@pytest.mark.parametrize("template", ATTACKS.values(), ids=ATTACKS.keys())
def test_rendering_stops_at_a_limit(template: str) -> None:
    text = render_template(template, {"country": "IN", "country_name": "India"})
    assert text == template  # the template as written: bounded by MAX_SOURCE


def test_an_attack_in_a_branch_lint_does_not_render_is_still_found() -> None:
    template = "{% if country == 'XX' %}{{ 'x'|center(999999999) }}{% endif %}"
    (issue,) = check_template(template)
    assert issue.message == f"center width of 999999999: at most {MAX_WIDTH} is allowed"


def test_limit_issues_name_the_line() -> None:
    template = "line one\n{% for i in range(999) %}{% for j in range(999) %}x{% endfor %}{% endfor %}"
    (issue,) = check_template(template)
    assert issue.line == 2 and str(MAX_ITERATIONS) in issue.message


@pytest.mark.parametrize("count", [MAX_NESTING + 5, 5000])
def test_deep_filter_chains_are_a_lint_error_not_a_recursion_error(count: int) -> None:
    template = "{{ country" + "|e" * count + " }}"
    (issue,) = check_template(template)
    assert "nests more than" in issue.message or "characters long" in issue.message
    with pytest.raises(KnowledgeError):
        render_template(template, {})


def test_deep_brackets_are_a_lint_error() -> None:
    (issue,) = check_template("{{ " + "(" * 500 + "1" + ")" * 500 + " }}")
    assert "nested too deeply" in issue.message or "nests more than" in issue.message


def test_long_templates_are_refused() -> None:
    (issue,) = check_template("x" * (MAX_SOURCE + 1))
    assert f"at most {MAX_SOURCE}" in issue.message


@pytest.mark.parametrize(
    "template",
    [
        "{% for i in range(90) %}{% for j in range(99) %}{% endfor %}{% endfor %}",
        "{{ '{:>10}'.format(country) }} {{ '%5s'|format(country) }} {{ country|center(40) }}",
        "{{ 2 ** 64 }} {{ ('ab' * 50)|replace('a', 'xyz') }} {{ ['a', 'b']|join(', ') }} {{ [1, 2]|sum }}",
        "{% set ns = namespace(s='') %}{% for i in range(100) %}{% set ns.s = ns.s ~ i %}{% endfor %}{{ ns.s }}",
    ],
)
def test_reasonable_templates_stay_allowed(template: str) -> None:
    assert check_template(template) == []
    assert render_template(template, {"country": "IN"}) != template


def test_the_compiler_does_not_fold_constants() -> None:
    # Folding ran the filter at compile time, before any limit: lint itself ran out of memory.
    assert templating._environment().optimized is False


# --------------------------------------------------------------------------- lint: file, line and key


@pytest.fixture
def folder() -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as name:
        yield Path(name)


def _knowledge_with(folder: Path, template: str) -> Path:
    text = VALID.read_text(encoding="utf-8")
    assert ORIGINAL_TEMPLATE in text
    path = folder / "21408.yaml"
    path.write_text(text.replace(ORIGINAL_TEMPLATE, "|\n      first line\n      " + template), encoding="utf-8")
    return path


@pytest.mark.parametrize("name", ["center filter", "nested loops", "tower of powers", "namespace doubling"])
def test_lint_reports_file_line_and_key(folder: Path, name: str) -> None:
    path = _knowledge_with(folder, ATTACKS[name])
    errors = [p for p in lint_paths([path]) if p.severity == "error"]
    assert len(errors) == 1, errors
    (error,) = errors
    assert error.path == str(path)
    assert error.key == "causes[0].confirmed_because"
    line = path.read_text(encoding="utf-8").splitlines()[error.line - 1]
    assert ATTACKS[name] in line


def test_a_file_over_the_size_limit_is_refused_unparsed(folder: Path) -> None:
    path = folder / "21408.yaml"
    path.write_bytes(b"#" * (MAX_FILE_BYTES + 1))
    (problem,) = [p for p in lint_paths([path]) if p.severity == "error"]
    assert f"at most {MAX_FILE_BYTES:,}" in problem.message


def test_lint_on_a_fifo_is_a_clear_error(folder: Path) -> None:
    path = folder / "21408.yaml"
    os.mkfifo(path)
    assert stat.S_ISFIFO(path.stat().st_mode)
    (problem,) = [p for p in lint_paths([path]) if p.severity == "error"]
    assert "not a regular file" in problem.message


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero on this system")
def test_lint_on_dev_zero_is_a_clear_error() -> None:
    messages = [p.message for p in lint_paths([Path("/dev/zero")])]
    assert any("not a regular file" in m for m in messages)


@pytest.mark.parametrize("name", ["9999999999999999999999999", "1234567", "021408", "²¹⁴⁰⁸", " 21408"])
def test_a_file_name_explain_would_not_accept_is_refused(folder: Path, name: str) -> None:
    path = folder / f"{name}.yaml"
    path.write_text(VALID.read_text(encoding="utf-8"), encoding="utf-8")
    messages = [p.message for p in lint_paths([path]) if p.severity == "error"]
    assert any("is named <code>.yaml" in m for m in messages), messages


STEMS = st.one_of(
    st.text(alphabet=st.characters(blacklist_characters="/\0"), max_size=12),
    st.from_regex(r"\d{1,9}", fullmatch=True),
)


@given(STEMS)
def test_lint_and_explain_share_one_definition_of_a_code(stem: str) -> None:
    from diagnose.knowledge._files import code_from_name

    code = code_from_name(Path(f"{stem}.yaml"))
    if code is not None:
        assert error_code(stem) == code and str(code) == stem
    elif stem == stem.strip() and not stem.startswith("0"):
        assert error_code(stem) is None


# --------------------------------------------------------------------------- fuzz: the limits hold


PIECES = st.sampled_from(
    [
        "{{ country }}",
        "x",
        "{% for i in range(N) %}",
        "{% endfor %}",
        "{{ 'ab' * N }}",
        "{{ country|center(N) }}",
        "{{ '{:N}'.format(1) }}",
        "{{ '%Ns'|format(1) }}",
        "{{ ('x' * N)|replace('x', 'x' * N) }}",
        "{{ N ** N }}",
        "{% set ns = namespace(s='ab') %}",
        "{% set ns.s = ns.s ~ ns.s %}",
        "{% set ns.s = ns.s + ns.s %}",
        "{{ (['x' * N] * N)|join }}",
        "{{ ns.s }}",
    ]
)
NUMBERS = st.sampled_from([0, 1, 7, 64, 999, 1000, 1001, 10_000, 99_999, 999_999_999])


@st.composite
def hostile_templates(draw: st.DrawFn) -> str:
    pieces = draw(st.lists(st.tuples(PIECES, NUMBERS), max_size=12))
    text = "{% set ns = namespace(s='ab') %}" + "".join(p.replace("N", str(n)) for p, n in pieces)
    loops = text.count("{% for") - text.count("{% endfor")
    return text + "{% endfor %}" * max(0, loops)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(template=hostile_templates())
def test_rendering_is_bounded_and_lint_agrees(template: str) -> None:
    issues = check_template(template)
    if any(i.message.startswith("template syntax error") for i in issues):
        return
    text = render_template(template, {"country": "IN"})
    assert len(text) <= max(MAX_OUTPUT, len(template))
    compiled = templating._compiled(template)
    try:
        rendered = templating._render(compiled, {})
    except TemplateLimitError:
        assert issues, "rendering stops at a limit, but lint passed the template"
    except Exception:
        return
    else:
        assert len(rendered) <= MAX_OUTPUT
        assert all(len(part) <= MAX_STRING for part in [rendered])


@pytest.mark.parametrize("text", ["9999999999999999999999999", "1234567", "²¹⁴⁰⁸", "21408", " 21408 ", "0"])
def test_explain_and_lint_agree_on_what_a_code_is(folder: Path, text: str) -> None:
    from click.testing import CliRunner

    from diagnose.cli import main

    result = CliRunner().invoke(main, ["explain", text], catch_exceptions=False)
    explain_refuses = "is not an error code" in result.stderr
    path = folder / f"{text.strip()}.yaml"
    path.write_text(VALID.read_text(encoding="utf-8"), encoding="utf-8")
    lint_refuses = any("is named <code>.yaml" in p.message for p in lint_paths([path]))
    assert explain_refuses == lint_refuses, (result.stderr, lint_paths([path]))
