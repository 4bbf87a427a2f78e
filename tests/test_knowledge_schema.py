"""schema.json and the validator for the JSON-Schema subset it uses."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from diagnose.knowledge import BUILTIN_DIR
from diagnose.knowledge._schema import SchemaDefinitionError, Validator, knowledge_schema, knowledge_validator
from diagnose.knowledge._yaml import parse

SCHEMA_FILE = BUILTIN_DIR / "schema.json"


def walk(schema: Any, where: str = "#") -> list[tuple[str, dict[str, Any]]]:
    found = [(where, schema)]
    for name, sub in schema.get("properties", {}).items():
        found += walk(sub, f"{where}/properties/{name}")
    for name, sub in schema.get("$defs", {}).items():
        found += walk(sub, f"{where}/$defs/{name}")
    if "items" in schema:
        found += walk(schema["items"], f"{where}/items")
    return found


def test_schema_is_draft_2020_12_json() -> None:
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert knowledge_schema() == schema


def test_every_key_is_documented() -> None:
    for where, sub in walk(knowledge_schema()):
        if where != "#" and where.rsplit("/", 2)[-2] in ("properties", "$defs"):
            assert sub.get("description"), f"{where} has no description"


def test_objects_refuse_unknown_keys() -> None:
    for where, sub in walk(knowledge_schema()):
        if sub.get("type") == "object":
            assert sub.get("additionalProperties") is False, where


def test_validator_accepts_the_schema() -> None:
    assert knowledge_validator().marked == {"template", "condition"}


@pytest.mark.parametrize(
    "schema",
    [
        {"oneOf": [{"type": "string"}]},
        {"properties": {"a": {"format": "date"}}},
        {"additionalProperties": {"type": "string"}},
        {"$ref": "https://example.com/schema"},
        {"items": {"const": 1}},
    ],
)
def test_unsupported_keywords_are_refused(schema: dict[str, Any]) -> None:
    with pytest.raises(SchemaDefinitionError):
        Validator(schema)


def test_validator_subset() -> None:
    schema = {
        "type": "object",
        "required": ["a"],
        "additionalProperties": False,
        "properties": {
            "a": {"type": "integer", "minimum": 1},
            "b": {"type": "array", "minItems": 1, "uniqueItems": True, "items": {"$ref": "#/$defs/name"}},
            "c": {"enum": ["x", "y"]},
            "d": {"type": ["string", "null"], "minLength": 2, "maxLength": 3, "pattern": "^[a-z]+$"},
        },
        "$defs": {"name": {"type": "string"}},
    }
    validator = Validator(schema, marked=frozenset({"name"}))
    errors, marks = validator.validate({"a": 1, "b": ["p", "q"], "c": "x", "d": None})
    assert errors == []
    assert marks == [(("b", 0), "name"), (("b", 1), "name")]

    errors, _ = validator.validate({"a": True, "b": ["p", "p", 3], "c": "z", "d": "ABC", "e": 1})
    found = {(e.path, e.kind) for e in errors}
    assert found == {
        (("a",), "invalid"),
        (("b", 2), "invalid"),
        (("b", 1), "invalid"),
        (("c",), "invalid"),
        (("d",), "invalid"),
        (("e",), "unknown"),
    }
    errors, _ = validator.validate({"a": 0, "b": [], "d": "a"})
    assert [(e.path, e.message) for e in errors] == [
        (("a",), "must be at least 1, got 0"),
        (("b",), "needs at least 1 item"),
        (("d",), "'a' is shorter than 2 characters"),
    ]
    errors, _ = validator.validate({})
    assert [(e.path, e.kind) for e in errors] == [(("a",), "missing")]


def test_template_and_condition_fields_are_marked() -> None:
    text = (Path(__file__).parent / "data" / "knowledge" / "valid" / "21408.yaml").read_text()
    data = parse(text).data
    errors, marks = knowledge_validator().validate(data)
    assert errors == []
    assert sorted(marks, key=repr) == sorted(
        [
            (("causes", 0, "confirmed_when"), "condition"),
            (("causes", 0, "ruled_out_when"), "condition"),
            (("causes", 0, "confirmed_because"), "template"),
            (("causes", 0, "ruled_out_because"), "template"),
            (("causes", 0, "check", "console"), "template"),
            (("causes", 0, "check", "api"), "template"),
            (("causes", 0, "fix", 0, "text"), "template"),
            (("causes", 0, "fix", 0, "console"), "template"),
            (("causes", 0, "fix", 1, "text"), "template"),
            (("causes", 0, "fix", 1, "when"), "condition"),
            (("causes", 0, "verify", 0), "template"),
            (("causes", 0, "prevention", 0), "template"),
            (("escalation", "when", 0), "template"),
            (("escalation", "send", 0), "template"),
        ],
        key=repr,
    )
