"""Where a problem is: key paths, positions, and the YAML error type (no YAML import)."""

from __future__ import annotations

from dataclasses import dataclass

KeyPath = tuple[str | int, ...]


class YamlProblem(Exception):
    """The text is not usable YAML; ``line`` and ``column`` are 1-based (or None)."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


@dataclass(frozen=True)
class Position:
    line: int | None
    column: int | None = None
