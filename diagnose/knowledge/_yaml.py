"""Safe YAML parsing that keeps the node tree, so every problem gets a line.

Only :class:`yaml.SafeLoader` is used: a tag such as ``!!python/object`` is an
error, never code. The composed node tree is kept beside the data, and
:meth:`Document.locate` maps a key path such as ``("causes", 2, "confirmed_when")``
to the line (and column) where that value starts.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml

from ._where import KeyPath, Position, YamlProblem

MAX_NODES = 50_000
"""The most nodes a document may expand to (aliases count each time they are used)."""


@dataclass
class Document:
    """A parsed knowledge file: the data, its node tree and its lines."""

    data: Any
    node: yaml.Node
    lines: Sequence[str]
    duplicates: list[tuple[KeyPath, str, Position, Position]] = field(default_factory=list)

    def node_at(self, path: KeyPath) -> tuple[yaml.Node, int]:
        """The deepest node on ``path``, and how many parts of the path it matched."""
        node = self.node
        for depth, part in enumerate(path):
            child = _child(node, part)
            if child is None:
                return node, depth
            node = child[1]
        return node, len(path)

    def locate(self, path: KeyPath, *, key: bool = False) -> Position:
        """Where the value at ``path`` starts (or its key, with ``key=True``).

        A path that does not exist (a missing key) gives the start of the deepest
        mapping or list that does.
        """
        if key and path:
            parent, matched = self.node_at(path[:-1])
            if matched == len(path) - 1:
                child = _child(parent, path[-1])
                if child is not None:
                    return _mark(child[0])
        node, _ = self.node_at(path)
        return _mark(node)

    def locate_in_scalar(self, path: KeyPath, offset: int, text: str) -> Position:
        """Where character ``offset`` of the string value at ``path`` is in the file.

        Exact for one-line plain or quoted scalars and for literal (``|``) blocks;
        otherwise the start of the value, without a column.
        """
        node, matched = self.node_at(path)
        start = _mark(node)
        if matched != len(path) or not isinstance(node, yaml.ScalarNode) or start.line is None:
            return Position(start.line)
        offset = max(0, min(offset, len(text)))
        if node.style == "|":
            row = text.count("\n", 0, offset)
            line_index = node.start_mark.line + 1 + row
            if line_index >= len(self.lines):
                return Position(start.line)
            raw = self.lines[line_index]
            indent = len(raw) - len(raw.lstrip(" "))
            in_row = offset - (text.rfind("\n", 0, offset) + 1)
            return Position(line_index + 1, indent + in_row + 1)
        if node.style in (None, "", "'", '"') and node.start_mark.line == node.end_mark.line:
            quote = 1 if node.style in ("'", '"') else 0
            if node.style == '"' and "\\" in self.lines[node.start_mark.line][node.start_mark.column :]:
                return Position(start.line)  # escapes shift columns
            return Position(start.line, node.start_mark.column + quote + offset + 1)
        if node.style in (None, "", ">"):
            return self._locate_folded(node, offset) or Position(start.line)
        return Position(start.line)

    def _locate_folded(self, node: yaml.ScalarNode, offset: int) -> Position | None:
        """A folded (``>``) or multi-line plain scalar: its lines joined by single spaces."""
        first = node.start_mark.line
        segments: list[tuple[int, int, str]] = []  # (line index, column of the text, text)
        if node.style == ">":
            rows = range(first + 1, min(node.end_mark.line + 1, len(self.lines)))
        else:
            raw = self.lines[first][node.start_mark.column :] if first < len(self.lines) else ""
            segments.append((first, node.start_mark.column, raw.rstrip()))
            rows = range(first + 1, min(node.end_mark.line + 1, len(self.lines)))
        for row in rows:
            raw = self.lines[row]
            if raw.strip():
                indent = len(raw) - len(raw.lstrip(" "))
                segments.append((row, indent, raw.strip()))
        position = 0
        for row, column, content in segments:
            if offset <= position + len(content):
                return Position(row + 1, column + offset - position + 1)
            position += len(content) + 1
        return None


def _child(node: yaml.Node, part: str | int) -> tuple[yaml.Node, yaml.Node] | None:
    """(key node, value node) of ``part`` in a mapping, or (item, item) in a list."""
    if isinstance(node, yaml.MappingNode) and not isinstance(part, int):
        found = None
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.value == part:
                found = (key_node, value_node)  # the last one wins, as in the data
        return found
    if isinstance(node, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
        item = node.value[part]
        return item, item
    return None


def _mark(node: yaml.Node) -> Position:
    mark = node.start_mark
    if mark is None:
        return Position(None)
    return Position(mark.line + 1, mark.column + 1)


def parse(text: str) -> Document:
    """Parse one YAML document with the safe loader; raises :class:`YamlProblem`."""
    try:
        loader = yaml.SafeLoader(text)
    except yaml.YAMLError as exc:  # the reader refuses control characters up front
        raise _problem(exc, text) from None
    try:
        try:
            node = loader.get_single_node()
        except RecursionError:
            raise YamlProblem("the YAML is nested too deeply") from None
        except yaml.YAMLError as exc:
            raise _problem(exc, text) from None
        if node is None:
            raise YamlProblem("the file is empty", 1)
        _check_size(node)
        document = Document(data=None, node=node, lines=text.splitlines())
        document.duplicates = _duplicate_keys(node)
        try:
            data = loader.construct_document(node)
        except RecursionError:
            raise YamlProblem("the YAML is nested too deeply") from None
        except yaml.YAMLError as exc:
            raise _problem(exc, text) from None
    finally:
        loader.dispose()
    document.data = _plain(data)
    return document


def _problem(exc: yaml.YAMLError, text: str) -> YamlProblem:
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        parts = [p for p in (exc.context, exc.problem) if p]
        message = "; ".join(parts) or "invalid YAML"
        if "could not determine a constructor" in message:
            message += " (knowledge files are plain YAML: tags such as !!python/object are not allowed)"
        if mark is None:
            return YamlProblem(f"invalid YAML: {message}")
        return YamlProblem(f"invalid YAML: {message}", mark.line + 1, mark.column + 1)
    if isinstance(exc, yaml.reader.ReaderError):
        position = max(0, min(exc.position, len(text)))
        line = text.count("\n", 0, position) + 1
        column = position - (text.rfind("\n", 0, position) + 1) + 1
        return YamlProblem(f"invalid YAML: unacceptable character #x{exc.character:04x}: {exc.reason}", line, column)
    return YamlProblem(f"invalid YAML: {exc}")


def _check_size(root: yaml.Node) -> None:
    """Refuse documents whose aliases expand to too many nodes (a "billion laughs")."""
    sizes: dict[int, int] = {}
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        if id(node) in sizes:
            continue
        children = _children(node)
        if isinstance(node, yaml.ScalarNode) and not done:
            _check_scalar(node)
        if not done:
            stack.append((node, True))
            stack.extend((c, False) for c in children if id(c) not in sizes)
            continue
        total = 1 + sum(sizes.get(id(c), 0) for c in children)
        if total > MAX_NODES:
            raise YamlProblem(
                f"the document is too large: it expands to more than {MAX_NODES} values (check its aliases)",
                _mark(node).line,
            )
        sizes[id(node)] = total


# YAML reads NEL and the Unicode line/paragraph separators as line breaks, so a string holding one
# does not survive a dump and reload; C1 controls have no place in prose either.
_LINE_BREAKS_AND_C1 = re.compile("[\x80-\x9f\u2028\u2029]")


def _check_scalar(node: yaml.ScalarNode) -> None:
    found = _LINE_BREAKS_AND_C1.search(node.value)
    if found is not None:
        position = _mark(node)
        raise YamlProblem(
            f"character U+{ord(found.group()):04X} (a C1 control or Unicode line separator) is not allowed "
            "in a knowledge file: write a plain line break or a space",
            position.line,
            position.column,
        )


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _duplicate_keys(root: yaml.Node) -> list[tuple[KeyPath, str, Position, Position]]:
    """Every key given twice in one mapping: (path of the mapping, key, first, repeat)."""
    found: list[tuple[KeyPath, str, Position, Position]] = []
    seen_nodes: set[int] = set()
    stack: list[tuple[yaml.Node, KeyPath]] = [(root, ())]
    while stack:
        node, path = stack.pop()
        if id(node) in seen_nodes:
            continue
        seen_nodes.add(id(node))
        if isinstance(node, yaml.MappingNode):
            first: dict[str, Position] = {}
            for key_node, value_node in node.value:
                if isinstance(key_node, yaml.ScalarNode):
                    name = key_node.value
                    if name == "<<" and key_node.tag == "tag:yaml.org,2002:merge":
                        continue
                    if name in first:
                        found.append((path, name, first[name], _mark(key_node)))
                    else:
                        first[name] = _mark(key_node)
                    stack.append((value_node, (*path, name)))
                else:
                    stack.append((value_node, path))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((item, (*path, i)) for i, item in enumerate(node.value))
    found.sort(key=lambda d: (d[3].line or 0, d[3].column or 0))
    return found


def _plain(value: Any) -> Any:
    """Dates become ISO strings (``checked: 2026-11-01``); everything else is kept.

    Shared sub-structures (aliases) stay shared, and the walk is iterative.
    """
    if not isinstance(value, (dict, list, datetime.date)):
        return value
    done: dict[int, Any] = {}
    return _plain_walk(value, done)


def _plain_walk(root: Any, done: dict[int, Any]) -> Any:
    def convert(v: Any) -> Any:
        if isinstance(v, datetime.date):
            return v.isoformat()
        return v

    root = convert(root)
    stack = [root]
    while stack:
        current = stack.pop()
        if id(current) in done:
            continue
        done[id(current)] = current
        if isinstance(current, dict):
            for k, v in list(current.items()):
                current[k] = convert(v)
                if isinstance(current[k], (dict, list)):
                    stack.append(current[k])
        elif isinstance(current, list):
            for i, v in enumerate(current):
                current[i] = convert(v)
                if isinstance(current[i], (dict, list)):
                    stack.append(current[i])
    return root
