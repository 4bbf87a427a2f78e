"""A validator for the small subset of JSON Schema that ``schema.json`` uses.

Supported keywords: ``type``, ``required``, ``properties``, ``additionalProperties``
(``false`` only), ``items``, ``enum``, ``pattern``, ``minLength``, ``maxLength``,
``minItems``, ``minimum``, ``uniqueItems`` and local ``$ref`` (``#/$defs/<name>``).
Annotations (``description``, ``title``...) are ignored. Any other keyword is refused
when the schema is read, so the schema can never say more than is checked.

Values are checked as YAML gives them: ``true`` is not an integer, and a date has
already become its ISO string.
"""

from __future__ import annotations

import difflib
import functools
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from .._data import read_knowledge_text
from ._where import KeyPath

CHECKED = frozenset(
    {
        "type",
        "required",
        "properties",
        "additionalProperties",
        "items",
        "enum",
        "pattern",
        "minLength",
        "maxLength",
        "minItems",
        "minimum",
        "uniqueItems",
        "$ref",
    }
)
ANNOTATIONS = frozenset({"$schema", "$id", "$defs", "$comment", "title", "description", "examples", "default"})

ErrorKind = Literal["missing", "unknown", "invalid"]

_TYPE_NAMES = {
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "array": "a list",
    "object": "a mapping",
    "null": "null",
}


@dataclass(frozen=True)
class SchemaError:
    """One way the data breaks the schema. For ``missing``, ``path`` ends with the missing key."""

    path: KeyPath
    message: str
    kind: ErrorKind = "invalid"


class SchemaDefinitionError(ValueError):
    """``schema.json`` uses a keyword the validator does not check."""


def describe(value: Any) -> str:
    """How a YAML value is named in messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return f"a {type(value).__name__}"


def _is_type(value: Any, name: str) -> bool:
    if name == "string":
        return isinstance(value, str)
    if name == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if name == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if name == "boolean":
        return isinstance(value, bool)
    if name == "array":
        return isinstance(value, list)
    if name == "object":
        return isinstance(value, dict)
    if name == "null":
        return value is None
    raise SchemaDefinitionError(f"unknown type {name!r}")


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


class Validator:
    """Checks data against one schema. ``marks`` records where named ``$defs`` applied."""

    def __init__(self, schema: Mapping[str, Any], marked: frozenset[str] = frozenset()) -> None:
        self.schema = schema
        self.defs: Mapping[str, Any] = schema.get("$defs", {})
        self.marked = marked
        _check_keywords(schema, "#")
        self._patterns: dict[str, re.Pattern[str]] = {}

    def validate(self, data: Any) -> tuple[list[SchemaError], list[tuple[KeyPath, str]]]:
        """Every schema error, and (path, def name) for each value a marked ``$def`` checked."""
        errors: list[SchemaError] = []
        marks: list[tuple[KeyPath, str]] = []
        self._check(data, self.schema, (), errors, marks)
        return errors, marks

    def _check(
        self,
        value: Any,
        schema: Mapping[str, Any],
        path: KeyPath,
        errors: list[SchemaError],
        marks: list[tuple[KeyPath, str]],
    ) -> None:
        ref = schema.get("$ref")
        if ref is not None:
            name = ref.removeprefix("#/$defs/")
            if name in self.marked:
                marks.append((path, name))
            before = len(errors)
            self._check(value, self.defs[name], path, errors, marks)
            if len(errors) > before:
                return

        types = schema.get("type")
        if types is not None:
            allowed = [types] if isinstance(types, str) else list(types)
            if not any(_is_type(value, t) for t in allowed):
                wanted = " or ".join(_TYPE_NAMES.get(t, t) for t in allowed)
                hint = " (quote it in YAML)" if "string" in allowed and not isinstance(value, (list, dict)) else ""
                errors.append(SchemaError(path, f"expected {wanted}, got {describe(value)}{hint}"))
                return

        if "enum" in schema and not any(value == option and type(value) is type(option) for option in schema["enum"]):
            options = ", ".join(str(o) for o in schema["enum"])
            errors.append(SchemaError(path, f"{_short(value)} is not one of: {options}"))
            return

        if isinstance(value, str):
            self._check_string(value, schema, path, errors)
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            minimum = schema.get("minimum")
            if minimum is not None and value < minimum:
                errors.append(SchemaError(path, f"must be at least {minimum}, got {value}"))
        elif isinstance(value, list):
            self._check_list(value, schema, path, errors, marks)
        elif isinstance(value, dict):
            self._check_object(value, schema, path, errors, marks)

    def _check_string(self, value: str, schema: Mapping[str, Any], path: KeyPath, errors: list[SchemaError]) -> None:
        min_length = schema.get("minLength")
        if min_length is not None and len(value) < min_length:
            if min_length == 1:
                errors.append(SchemaError(path, "must not be empty"))
            else:
                errors.append(SchemaError(path, f"{_short(value)} is shorter than {min_length} characters"))
            return
        max_length = schema.get("maxLength")
        if max_length is not None and len(value) > max_length:
            errors.append(SchemaError(path, f"{_short(value)} is longer than {max_length} characters"))
            return
        pattern = schema.get("pattern")
        if pattern is not None:
            compiled = self._patterns.get(pattern)
            if compiled is None:
                compiled = self._patterns[pattern] = re.compile(pattern)
            if not compiled.search(value):
                errors.append(SchemaError(path, f"{_short(value)} does not match the pattern {pattern}"))

    def _check_list(
        self,
        value: list[Any],
        schema: Mapping[str, Any],
        path: KeyPath,
        errors: list[SchemaError],
        marks: list[tuple[KeyPath, str]],
    ) -> None:
        min_items = schema.get("minItems")
        if min_items is not None and len(value) < min_items:
            errors.append(SchemaError(path, f"needs at least {min_items} item{'s' if min_items > 1 else ''}"))
        items = schema.get("items")
        if items is not None:
            for i, item in enumerate(value):
                self._check(item, items, (*path, i), errors, marks)
        if schema.get("uniqueItems"):
            seen: list[Any] = []
            for i, item in enumerate(value):
                if any(item == s and type(item) is type(s) for s in seen):
                    errors.append(SchemaError((*path, i), f"{_short(item)} is listed twice"))
                else:
                    seen.append(item)

    def _check_object(
        self,
        value: dict[Any, Any],
        schema: Mapping[str, Any],
        path: KeyPath,
        errors: list[SchemaError],
        marks: list[tuple[KeyPath, str]],
    ) -> None:
        properties: Mapping[str, Any] = schema.get("properties", {})
        for key in schema.get("required", ()):
            if key not in value:
                errors.append(SchemaError((*path, key), f"missing required key {key!r}", "missing"))
        for key, item in value.items():
            if isinstance(key, str) and key in properties:
                self._check(item, properties[key], (*path, key), errors, marks)
            elif schema.get("additionalProperties", True) is False:
                if not isinstance(key, str):
                    errors.append(SchemaError((*path, str(key)), f"unknown key {key!r} (keys are names)", "unknown"))
                    continue
                close = difflib.get_close_matches(key, list(properties), n=1, cutoff=0.7)
                hint = f"did you mean {close[0]!r}?" if close else "allowed keys: " + ", ".join(properties)
                errors.append(SchemaError((*path, key), f"unknown key {key!r} ({hint})", "unknown"))


def _check_keywords(schema: Any, where: str) -> None:
    """Refuse keywords the validator would silently ignore."""
    if not isinstance(schema, Mapping):
        raise SchemaDefinitionError(f"{where}: a schema must be an object")
    for keyword, value in schema.items():
        if keyword in ANNOTATIONS and keyword != "$defs":
            continue
        if keyword not in CHECKED and keyword != "$defs":
            raise SchemaDefinitionError(f"{where}: keyword {keyword!r} is not supported by the validator")
        if keyword == "additionalProperties" and value is not False:
            raise SchemaDefinitionError(f"{where}: only 'additionalProperties: false' is supported")
        if keyword == "$ref" and not (isinstance(value, str) and value.startswith("#/$defs/")):
            raise SchemaDefinitionError(f"{where}: only local '#/$defs/<name>' references are supported")
    for name, sub in schema.get("properties", {}).items():
        _check_keywords(sub, f"{where}/properties/{name}")
    for name, sub in schema.get("$defs", {}).items():
        _check_keywords(sub, f"{where}/$defs/{name}")
    if "items" in schema:
        _check_keywords(schema["items"], f"{where}/items")


@functools.cache
def knowledge_schema() -> Mapping[str, Any]:
    """``schema.json``, read once on first use."""
    text = read_knowledge_text("schema.json")
    schema: Mapping[str, Any] = json.loads(text)
    return schema


@functools.cache
def knowledge_validator() -> Validator:
    """The validator for knowledge files; it marks templates and conditions."""
    validator = Validator(knowledge_schema(), marked=frozenset({"template", "condition"}))
    for ref in _refs(knowledge_schema()):
        if ref.removeprefix("#/$defs/") not in validator.defs:
            raise SchemaDefinitionError(f"unresolved reference {ref}")
    return validator


def _refs(schema: Any) -> list[str]:
    found: list[str] = []
    stack = [schema]
    while stack:
        current = stack.pop()
        if isinstance(current, Mapping):
            if isinstance(current.get("$ref"), str):
                found.append(current["$ref"])
            stack.extend(current.values())
        elif isinstance(current, list):
            stack.extend(current)
    return found
