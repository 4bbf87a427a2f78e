"""The report formats and the text width, with no imports: the CLI uses them without the renderers (jinja2)."""

from __future__ import annotations

FORMATS: tuple[str, ...] = ("text", "markdown", "html", "json")
"""Every ``fmt`` the report renderers accept."""

WIDTH = 100
"""The column text output wraps prose at (where the output is no terminal)."""
