"""``diagnose explain CODE``: what a code means, its causes, fixes and prevention."""

from __future__ import annotations

import click

from ..errors import DiagnoseError, InputError
from ._common import (
    color_option,
    echo,
    fail,
    format_option,
    knowledge_option,
    load_kb,
    output_width,
    parse_code,
    use_color,
)


@click.command("explain")
@click.argument("code", required=False)
@click.option("--list", "list_", is_flag=True, help="List every code that has full knowledge.")
@format_option
@color_option
@knowledge_option
def command(code: str | None, list_: bool, fmt: str, color: str, knowledge_dirs: tuple[str, ...]) -> None:
    """Explain an error code: meaning, causes, fixes and prevention."""
    from ..knowledge import lookup_error
    from ..render import render_explain, render_index_entry

    try:
        kb = load_kb(knowledge_dirs)
        if list_:
            for entry in kb.entries():
                click.echo(f"{entry.code}  {entry.title}")
            return
        if code is None:
            raise InputError("give an error code, e.g. `diagnose explain 21408`, or --list")
        number = parse_code(code)
        entry = kb.get(number)
        colored = use_color(color)
        if entry is not None:
            echo(render_explain(entry, fmt, color=colored, width=output_width()), colored)
            return
        index = lookup_error(number)
        if index is None:
            raise InputError(
                f"{number} is not a Twilio error code we know (see https://www.twilio.com/docs/api/errors)"
            )
        echo(render_index_entry(index, fmt, color=colored, width=output_width()), colored)
    except DiagnoseError as err:
        fail(err)
