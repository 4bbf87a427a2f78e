"""The report formats, in a module with no imports: the CLI offers them without loading the renderers (jinja2)."""

from __future__ import annotations

FORMATS: tuple[str, ...] = ("text", "markdown", "html", "json")
"""Every ``fmt`` the report renderers accept."""
