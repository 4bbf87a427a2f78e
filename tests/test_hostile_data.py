"""Data from the wire is data: no HTML from data reaches a Markdown renderer as a tag, HTML output
and stderr carry no raw control characters (escape sequences, bidi overrides)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from diagnose.cli import main
from diagnose.render._markdown import prose
from diagnose.safe_text import CONTROL
from diagnose.simulator import DEMO_SCENARIO, Simulator
from tests.hostile_servers import raw_server, respond

HOSTILE_TO = "+2125550143<img src=x onerror=alert(1)>"
TERMINAL_ATTACK = "\x1b]0;pwned\x07\x1b[2J\u202eevil\x9b31m"


@pytest.fixture(scope="module")
def hostile() -> Iterator[tuple[Simulator, str, dict[str, str]]]:
    data: dict[str, Any] = yaml.safe_load(DEMO_SCENARIO.read_text(encoding="utf-8"))
    main_account = data["accounts"][0]
    message = main_account["messages"][0]
    message["to"] = HOSTILE_TO + TERMINAL_ATTACK
    message["body"] = "hi " + TERMINAL_ATTACK
    env = {
        "NO_COLOR": "1",
        "TWILIO_ACCOUNT_SID": main_account["sid"],
        "TWILIO_AUTH_TOKEN": main_account["auth_token"],
        "TWILIO_API_KEY": "",
        "TWILIO_API_SECRET": "",
    }
    with Simulator(data, port=0) as sim:
        yield sim, message["sid"], {**env, "DIAGNOSE_API_URL": sim.url}


def run(args: list[str], env: dict[str, str]) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, args, env=env, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_markdown_output_carries_no_html_from_data(hostile: tuple[Simulator, str, dict[str, str]]) -> None:
    _, sid, env = hostile
    code, out, err = run([sid, "--format", "markdown"], env)
    assert code in (0, 1), err
    assert out.count("onerror") >= 2, "the hostile To is in the report (the template line and the country line)"
    # What a Markdown renderer that allows raw HTML (GitHub, most wikis) makes of it: no tag.
    html = MarkdownIt("commonmark", {"html": True}).enable("table").render(out)
    assert "<img" not in html
    assert html == MarkdownIt("commonmark", {"html": False}).enable("table").render(out)


def test_html_output_carries_no_raw_control_characters(hostile: tuple[Simulator, str, dict[str, str]]) -> None:
    _, sid, env = hostile
    code, out, err = run([sid, "--format", "html"], env)
    assert code in (0, 1), err
    assert "pwned" in out  # the data is shown…
    assert not CONTROL.search(out), [hex(ord(c)) for c in CONTROL.findall(out)]  # …but never raw
    assert "<img" not in out


def test_text_output_carries_no_raw_control_characters(hostile: tuple[Simulator, str, dict[str, str]]) -> None:
    _, sid, env = hostile
    _code, out, _err = run([sid], env)
    assert "pwned" in out and not CONTROL.search(out)


def test_json_output_escapes_control_characters_and_keeps_the_data(
    hostile: tuple[Simulator, str, dict[str, str]],
) -> None:
    _, sid, env = hostile
    _code, out, _err = run([sid, "--format", "json"], env)
    assert not CONTROL.search(out), [hex(ord(c)) for c in CONTROL.findall(out)]
    (d,) = json.loads(out)["diagnoses"]
    assert TERMINAL_ATTACK in d["evidence"]["to"]  # the same string, escaped only on the wire


@pytest.mark.parametrize(("status", "code"), [("401 Unauthorized", 20003), ("404 Not Found", 20404)])
def test_an_api_error_message_reaches_the_terminal_cleaned(status: str, code: int) -> None:
    body = json.dumps({"code": code, "message": "Nope " + TERMINAL_ATTACK, "status": int(status[:3])}).encode()
    with raw_server(respond(status, body)) as (url, _):
        env = {
            "NO_COLOR": "1",
            "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
            "TWILIO_AUTH_TOKEN": "token",
            "DIAGNOSE_API_URL": url,
        }
        # Through a real process: what a terminal would receive (a 401 is an error on stderr,
        # a SID not found an entry of the report on stdout).
        proc = subprocess.run(
            [sys.executable, "-m", "diagnose", "SM" + "0" * 32, "--account", "AC" + "1" * 32, "--timeout", "5"],
            env={**os.environ, **env},
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert proc.returncode == 3, proc.stderr
    assert "pwned" in proc.stdout + proc.stderr
    assert not CONTROL.search(proc.stdout + proc.stderr), repr(proc.stdout + proc.stderr)
    if code == 20003:
        assert "pwned" in proc.stderr


# --------------------------------------------------------------------------- fuzz

MARKUPISH = st.lists(
    st.sampled_from(
        [
            "<",
            ">",
            "/",
            "\\",
            "img",
            " src=x",
            " onerror=alert(1)",
            "a",
            "`",
            "*",
            "\n",
            "<!--",
            "-->",
            "&",
            "https://a.b",
            "``",
            "<b>",
            "# ",
            "\n\n",
        ]
    ),
    max_size=20,
).map("".join)


@settings(max_examples=300, deadline=None)
@given(st.one_of(MARKUPISH, st.text(max_size=40)))
def test_prose_never_lets_a_markdown_renderer_see_raw_html(text: str) -> None:
    escaped = prose(text)
    with_html = MarkdownIt("commonmark", {"html": True}).render(escaped)
    without_html = MarkdownIt("commonmark", {"html": False}).render(escaped)
    assert with_html == without_html
    assert not re.search(r"<(img|script)\b", with_html)


@pytest.mark.parametrize(
    "text",
    [
        "``<!--`-->",
        "`\n<!--`",
        "``x` <img src=x onerror=1>``",
        "` a ``<b>`` `",
        # an escaped backtick opens no span; the backtick after it may
        "\\`<!-->`",
        "\\``<b>`<b>`",
        "\\\\``<b>`",
        # a span over two lines; one that a heading ends
        "`\n`<b>`",
        "`a\n# h`x`<b>`",
    ],
)
def test_prose_reads_code_spans_as_markdown_does(text: str) -> None:
    escaped = prose(text)
    with_html = MarkdownIt("commonmark", {"html": True}).render(escaped)
    assert with_html == MarkdownIt("commonmark", {"html": False}).render(escaped)
