"""``diagnose runbook``: the support runbook of one or more codes, or a static site of all."""

from __future__ import annotations

from pathlib import Path

import click

from ..errors import DiagnoseError, InputError
from ._common import fail, knowledge_option, load_kb, parse_code


@click.command("runbook")
@click.argument("codes", nargs=-1)
@click.option("--all", "all_", is_flag=True, help="Every code with knowledge; with --out, a folder with an index.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["markdown", "html"]),
    default="markdown",
    show_default=True,
    help="Markdown, or HTML (with --all --out: a static site with a stylesheet).",
)
@click.option("--out", type=click.Path(file_okay=False), help="Write files into DIR instead of printing.")
@knowledge_option
def command(codes: tuple[str, ...], all_: bool, fmt: str, out: str | None, knowledge_dirs: tuple[str, ...]) -> None:
    """Write the support runbook: Meaning / Impact / Diagnosis / Mitigation / Prevention / Escalation."""
    from ..render.runbook import build_site, page_name, render_runbook

    try:
        kb = load_kb(knowledge_dirs)
        if all_:
            entries = kb.entries()
        elif codes:
            entries = []
            for text in codes:
                entry = kb.get(parse_code(text))
                if entry is None:
                    raise InputError(f"no knowledge for {text}; `diagnose explain --list` shows the codes that have it")
                entries.append(entry)
        else:
            raise InputError("give one or more codes, or --all")
        if out is None:
            if fmt == "html" and len(entries) > 1:
                # One HTML page after another on stdout is no page at all (a second <!doctype> mid-document).
                raise InputError(
                    f"{len(entries)} runbooks in HTML are {len(entries)} pages: give --out DIR to write them "
                    "(with --all, a site with an index), or one code at a time"
                )
            for entry in entries:
                click.echo(render_runbook(entry, fmt))
            return
        if all_:
            files = build_site(entries, fmt)
        else:
            files = {page_name(e.code, fmt): render_runbook(e, fmt) + "\n" for e in entries}
    except DiagnoseError as err:
        fail(err)
    target = Path(out)
    try:
        target.mkdir(parents=True, exist_ok=True)
        for name, text in files.items():
            (target / name).write_text(text, encoding="utf-8")
    except OSError as err:  # only the files: a closed stdout is not a write error of DIR
        fail(InputError(f"cannot write to {out}: {err.strerror or err}"))
    click.echo(f"wrote {len(files)} file{'' if len(files) == 1 else 's'} to {target}")
