"""``diagnose explain CODE``: what a code means, its causes, fixes and prevention.

The rendered output is kept in the caches handed in (``outputs/``), under a key of
everything it is made of: the package's code, templates and error index, the bytes
of every knowledge file the loader would read, the versions of the libraries that
render it, and the arguments (code, format, colour, width). A repeated command
prints it without importing the loader, the model or Jinja2; anything that would
change the output changes the key, so a stale output is never printed.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

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

# What renders the output besides diagnose's own code: a new version of one of them is a new key.
_RENDERERS = ("jinja2", "markupsafe", "markdown_it", "yaml", "click")


@click.command("explain")
@click.argument("code", required=False)
@click.option("--list", "list_", is_flag=True, help="List every code that has full knowledge (text or json).")
@format_option
@color_option
@knowledge_option
def command(code: str | None, list_: bool, fmt: str, color: str, knowledge_dirs: tuple[str, ...]) -> None:
    """Explain an error code: meaning, causes, fixes and prevention."""
    try:
        if list_:
            if code is not None:
                raise InputError(f"--list lists every code: give it no code ({code}), or drop --list")
            if fmt not in ("text", "json"):  # it printed text, whatever --format said
                raise InputError(
                    f"--list prints text or json, not {fmt}: `diagnose runbook --all --out DIR` writes an index"
                )
            from ..render import render_code_list

            click.echo(render_code_list(load_kb(knowledge_dirs).entries(), fmt))
            return
        colored = use_color(color)
        width = output_width()
        key = _output_key(code, fmt, colored, width, knowledge_dirs) if code is not None else None
        text = _recall(key)
        if text is None:
            text = _explain(code, fmt, colored, width, knowledge_dirs)
            _remember(key, text)
        echo(text, colored)
    except DiagnoseError as err:
        fail(err)


def _explain(code: str | None, fmt: str, colored: bool, width: int, knowledge_dirs: Sequence[str]) -> str:
    from ..knowledge import lookup_error
    from ..render import render_explain, render_index_entry

    kb = load_kb(knowledge_dirs)  # first: a broken knowledge file is reported before a bad code
    if code is None:
        raise InputError("give an error code, e.g. `diagnose explain 21408`, or --list")
    number = parse_code(code)
    entry = kb.get(number)
    if entry is not None:
        return render_explain(entry, fmt, color=colored, width=width)
    index = lookup_error(number)
    if index is None:
        from ..codes import unknown_code

        raise InputError(unknown_code(number))
    return render_index_entry(index, fmt, color=colored, width=width)


def _output_key(code: str, fmt: str, colored: bool, width: int, knowledge_dirs: Sequence[str]) -> str | None:
    """The content key of this output, or None (nothing cached) when caching is off or a file cannot be read."""
    from ..cache import current_caches

    if current_caches().folder is None:
        return None
    import hashlib

    from .._data import data_path, knowledge_dir
    from ..cache import digest_tree
    from ..knowledge._files import layer_paths, read_bounded

    digest = hashlib.sha256()

    def update(part: bytes) -> None:
        digest.update(len(part).to_bytes(8, "big") + part)  # length first: no two sequences feed the same bytes

    update(repr(("explain", code, fmt, colored, width, sys.version, _renderer_versions())).encode())
    package = Path(data_path())
    try:
        digest_tree(update, package)  # code, templates, the error index (and an installed built-in knowledge)
        builtin = knowledge_dir()
        if not builtin.is_relative_to(package):
            digest_tree(update, builtin)  # a checkout's knowledge/: every code, schema.json, countries.yaml
        for folder in knowledge_dirs:
            update(str(Path(folder).resolve()).encode("utf-8", "surrogateescape"))
            for path in layer_paths(Path(folder)):  # the files the loader reads, read as it reads them
                update(path.name.encode("utf-8", "surrogateescape"))
                update(read_bounded(path))
    except OSError:
        return None  # the loader will say what is wrong
    return digest.hexdigest()


def _renderer_versions() -> list[str]:
    """The installed distributions (``name-version.dist-info``) beside the libraries that render the output."""
    import importlib.util
    import os

    folders: set[str] = set()
    for name in _RENDERERS:
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.origin:
            folders.add(os.path.dirname(os.path.dirname(spec.origin)))
    found = []
    for folder in sorted(folders):
        try:
            found += sorted(n for n in os.listdir(folder) if n.endswith((".dist-info", ".egg-info")))
        except OSError:
            found.append(folder)
    return found


def _recall(key: str | None) -> str | None:
    from ..cache import current_caches, read_entry

    folder = current_caches().outputs if key is not None else None
    return None if folder is None else read_entry(folder, f"{key}.txt")


def _remember(key: str | None, text: str) -> None:
    from ..cache import OUTPUT_ENTRIES, current_caches, write_entry

    folder = current_caches().outputs if key is not None else None
    if folder is not None:
        write_entry(folder, f"{key}.txt", text, OUTPUT_ENTRIES)
