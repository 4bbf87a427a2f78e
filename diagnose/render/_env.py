"""The two Jinja2 environments (plain text/Markdown, and autoescaped HTML), built on first use.

Templates live beside this module in ``templates/``; both environments use
``StrictUndefined`` so a typo in a template fails loudly in the tests rather
than printing nothing.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from typing import Any

import jinja2
from markupsafe import Markup

from ..cache import current_caches
from ..errors import RenderError
from . import _markdown as md
from ._text import WIDTH, Styled, clean, indent, one_line, tidy, wrap


def _finalize_text(value: Any) -> str:
    """Every ``{{ … }}`` in a text or Markdown template: control characters made visible."""
    if isinstance(value, Styled):
        return value
    return clean("" if value is None else value)


@jinja2.pass_context
def _wrap(
    ctx: jinja2.runtime.Context, text: object, indent: int = 0, width: int | None = None, first: str | None = None
) -> str:
    """The ``wrap`` filter: at the ``width`` the renderer was given (the terminal's), unless told otherwise."""
    given = ctx.get("width")
    return wrap(text, indent, width or (given if isinstance(given, int) else WIDTH), first)


def _environment(*, autoescape: bool, **options: Any) -> jinja2.Environment:
    """The settings both environments share: package templates, compiled once, strict about names.

    The bytecode cache is the one the edge handed in (:func:`diagnose.cache.use_caches`), if any.
    """
    return jinja2.Environment(
        loader=jinja2.PackageLoader("diagnose", "render/templates"),
        bytecode_cache=current_caches().templates,
        undefined=jinja2.StrictUndefined,
        autoescape=autoescape,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        **options,
    )


def text_env() -> jinja2.Environment:
    return _text_env(current_caches().templates)


@functools.lru_cache(maxsize=2)
def _text_env(_cache: object) -> jinja2.Environment:
    """One environment per bytecode cache, so that caches handed in later are used."""
    env = _environment(autoescape=False, finalize=_finalize_text)
    env.filters.update(
        wrap=_wrap,
        one_line=one_line,
        indent_lines=indent,
        md_escape=md.escape,
        md_code=md.code,
        md_fence=md.fence,
        md_prose=md.prose,
        md_item=md.item,
        is_url=md.is_url,
    )
    return env


def _token(value: object) -> str:
    """A value usable as part of a CSS class name: lowercase letters, digits and dashes only."""
    return re.sub(r"[^a-z0-9-]+", "-", str(value).lower()).strip("-") or "none"


def html_env() -> jinja2.Environment:
    return _html_env(current_caches().templates)


@functools.lru_cache(maxsize=2)
def _html_env(_cache: object) -> jinja2.Environment:
    env = _environment(autoescape=True)
    env.filters.update(
        md=md.to_html,
        md_inline=md.to_html_inline,
        safe_url=md.safe_url,
        is_url=md.is_url,
        token=_token,
    )
    env.globals["css"] = lambda: Markup(stylesheet())  # our own file, not data
    return env


@functools.lru_cache(maxsize=1)
def stylesheet() -> str:
    """The shared stylesheet (templates/style.css)."""
    loader = jinja2.PackageLoader("diagnose", "render/templates")
    source, _, _ = loader.get_source(text_env(), "style.css")
    return source


def render_text(name: str, context: Mapping[str, Any]) -> str:
    return tidy(_render(text_env(), name, context))


def render_html(name: str, context: Mapping[str, Any]) -> str:
    # Escaping stops markup, not control characters: data's escape sequences and bidi overrides
    # are made visible here, once, whichever filter or attribute carried them.
    return clean(_tidy_html(_render(html_env(), name, context)))


def _tidy_html(html: str) -> str:
    """Drop trailing spaces and blank lines, except inside ``<pre>`` where every character counts."""
    out: list[str] = []
    depth = 0
    for line in html.strip("\n").split("\n"):
        if depth == 0:
            line = line.rstrip()
            if not line:
                continue
        out.append(line)
        depth = max(0, depth + line.count("<pre") - line.count("</pre>"))
    return "\n".join(out) + "\n"


def _render(env: jinja2.Environment, name: str, context: Mapping[str, Any]) -> str:
    try:
        return env.get_template(name).render(**context)
    except jinja2.TemplateError as exc:
        raise RenderError(f"template {name}: {exc}") from exc
