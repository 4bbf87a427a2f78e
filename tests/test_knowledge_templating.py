"""Knowledge templates: placeholders for unknown facts, the sandbox, and the template linter."""

from __future__ import annotations

import pytest

from diagnose.conditions import UNKNOWN
from diagnose.errors import KnowledgeError
from diagnose.knowledge.templating import check_template, placeholder, render_template
from diagnose.models import Fact


def test_known_values_render() -> None:
    facts = {"country_name": "India", "country": "IN", "account_sid": "AC123"}
    assert render_template("{{ country_name }} ({{ country }}) on {{ account_sid }}", facts) == "India (IN) on AC123"


@pytest.mark.parametrize("value", [UNKNOWN, None])
def test_unknown_and_null_render_as_placeholders(value: object) -> None:
    assert render_template("{{ country_name }} ({{ country }})", {"country_name": value}) == (
        "<country_name> (<country>)"
    )
    assert placeholder("country") == "<country>"


def test_fact_objects_are_unwrapped() -> None:
    facts = {"country": Fact("country", "IN", source="GET /x"), "to": Fact.unknown("to", "no credentials")}
    assert render_template("{{ country }} {{ to }}", facts) == "IN <to>"


def test_placeholders_survive_attribute_item_and_call_access() -> None:
    text = render_template("{{ country.name }} {{ country['x'] }} {{ country() }} {{ country|lower }}", {})
    assert text == "<country> <country> <country> <country>"


def test_unknown_in_a_test_is_not_defined() -> None:
    template = "{% if is_trial is defined %}known{% else %}unknown{% endif %}"
    assert render_template(template, {"is_trial": UNKNOWN}) == "unknown"
    assert render_template(template, {"is_trial": False}) == "known"


def test_no_autoescape() -> None:
    assert render_template("{{ to }}", {"to": "<b>&"}) == "<b>&"


def test_runtime_errors_return_the_template_text() -> None:
    template = "{{ calling_code + 1 }}"
    assert render_template(template, {"calling_code": 91}) == "92"
    assert render_template(template, {"calling_code": "91"}) == template
    assert render_template(template, {"calling_code": UNKNOWN}) == template


def test_syntax_error_is_a_knowledge_error() -> None:
    with pytest.raises(KnowledgeError, match="template syntax error"):
        render_template("{{ country ", {})


def test_empty_template() -> None:
    assert render_template("", {"country": "IN"}) == ""


@pytest.mark.parametrize(
    ("template", "words"),
    [
        ("{{ country ", "syntax error"),
        ("{% include 'x' %}", "'include' is not allowed"),
        ("{% import 'x' as y %}", "'import' is not allowed"),
        ("{% from 'x' import y %}", "'import' is not allowed"),
        ("{% extends 'x' %}", "'extends' is not allowed"),
        ("{{ country.__class__ }}", "'__class__' is not allowed"),
        ("{{ country['_private'] }}", "'_private' is not allowed"),
        ("{{ contry }}", "unknown fact 'contry' in template (did you mean 'country'?)"),
        ("{{ self }}", "'self' is not allowed"),
        ("{{ country | shout }}", "no filter named 'shout'"),
        ("{% if country is loud %}{% endif %}", "no test named 'loud'"),
        ("{{ lipsum(1000000) }}", "unknown fact 'lipsum'"),
        ("{{ cycler }}", "unknown fact 'cycler'"),
    ],
)
def test_check_template_rejects(template: str, words: str) -> None:
    issues = check_template(template)
    assert any(words in issue.message for issue in issues), issues


@pytest.mark.parametrize(
    "template",
    [
        "plain text",
        "{{ country_name }} ({{ country }})",
        "{% for i in range(3) %}{{ loop.index }}{% endfor %}",
        "{% set x = country | lower %}{{ x }}",
        "{{ suggested_number or 'none' }}",
        "{{ country | default('?') | upper }}",
    ],
)
def test_check_template_accepts(template: str) -> None:
    assert check_template(template) == []


def test_check_template_line_numbers() -> None:
    (issue,) = check_template("line one\nline two {{ nope }}\n")
    assert issue.line == 2
