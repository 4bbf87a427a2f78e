"""Knowledge templates rendered without facts: every fact name becomes a ``<name>`` placeholder.

Runbooks and ``explain`` have no account to look at, so they show each
template through the knowledge package's sandboxed
:func:`~diagnose.knowledge.templating.render_template` with no facts.
"""

from __future__ import annotations

from ..errors import DiagnoseError


def placeholders(template: str) -> str:
    """``template`` rendered with no facts. A template that does not parse is shown as written."""
    if not template:
        return ""
    from ..knowledge.templating import render_template

    try:
        return render_template(template, {})
    except DiagnoseError:
        return template
