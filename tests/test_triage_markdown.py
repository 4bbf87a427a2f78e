"""``diagnose triage --format markdown|html``: the text report's content for a ticket, an issue or a chat.

Before, triage had text and JSON only (``--format markdown`` was refused), while a triage is what a support
engineer attaches to a ticket. The Markdown says what the text says, in the same order, with the same
commands; what comes from the log or the command line (a file's name) is escaped, and the HTML holds no
markup from them.
"""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from diagnose.cli import main
from diagnose.knowledge import load_knowledge
from diagnose.next_steps import gather
from diagnose.paste import extract, merge_duplicates
from diagnose.pipeline import diagnose_pasted
from diagnose.render.triage import TriageView, triage_markdown
from diagnose.simulator import DEMO_SCENARIO, Simulator, load_scenario
from tests.shared import OFFLINE_ENV
from tests.test_triage_next_steps import _demo_log


def run(args: list[str], env: dict[str, str] | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(main, args, env={**OFFLINE_ENV, **(env or {})}, catch_exceptions=False)
    return result.exit_code, result.stdout


@pytest.fixture(scope="module")
def demo():
    with Simulator(load_scenario(DEMO_SCENARIO), port=0) as sim:
        yield sim


def _code_spans(markdown: str) -> list[str]:
    return re.findall(r"`([^`\n]+)`", markdown)


def test_markdown_says_what_the_text_says_with_the_same_commands(demo: Simulator, tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    env = _demo_log(demo, log)
    text_code, text = run(["triage", str(log)], env)
    md_code, md = run(["triage", str(log), "--format", "markdown"], env)
    _, out = run(["triage", str(log), "--format", "json"], env)
    doc = json.loads(out)
    assert md_code == text_code
    assert md.startswith(f"# `{log}`: {doc['errors']:,} Twilio errors in {len(doc['groups']):,} groups")
    assert md.index("## What to do") < md.index("## Groups") < md.index("### 1. ")
    lines = [line.strip() for line in text.splitlines()]
    text_commands = [" ".join(shlex.split(line)[1:]) for line in lines if re.match(r"diagnose (fix|audit) ", line)]
    # What to do's commands: a group's fix steps below name their own `diagnose fix` as prose, in both formats
    what_to_do = md[: md.index("## Groups")]
    md_commands = [
        span.removeprefix("diagnose ") for span in _code_spans(what_to_do) if re.match(r"diagnose (fix|audit) ", span)
    ]
    assert md_commands and md_commands == text_commands
    tokens = MarkdownIt("commonmark").enable("table").parse(md)
    rows = [t for t in tokens if t.type == "tr_open"]
    assert len(rows) == len(doc["groups"]) + 1  # the header and one row a group
    for i, group in enumerate(doc["groups"], 1):
        assert f"### {i}. {group['code']} · " in md
        assert f"{group['count']:,}×" in md


def test_html_is_one_page_with_the_same_content(demo: Simulator, tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    env = _demo_log(demo, log)
    code, page = run(["triage", str(log), "--format", "html"], env)
    _, md = run(["triage", str(log), "--format", "markdown"], env)
    assert code in (0, 1)
    assert page.startswith("<!doctype html>") and page.rstrip().endswith("</html>")
    assert "<link" not in page and "<script" not in page  # self-contained, nothing to run
    assert page.count("<tr>") == md.count("\n| ")  # the header and the rows (the delimiter row is "|---")
    for span in _code_spans(md):
        if span.startswith("diagnose fix "):
            assert f"<code>{span}</code>" in page


NAMES = st.text(st.characters(blacklist_categories=["Cs", "Cc"], blacklist_characters="/\x00"), min_size=1, max_size=24)


@settings(max_examples=15, deadline=None)
@given(NAMES)
def test_a_files_name_is_shown_never_read_as_markup(tmp_path_factory: pytest.TempPathFactory, name: str) -> None:
    if name in (".", ".."):
        return
    folder = tmp_path_factory.mktemp("logs")
    log = folder / name
    try:
        log.write_text("2026-11-30T10:00:00Z ERROR sms failed code=21408 to=+33612345678\n")
    except OSError:
        return  # a name this file system refuses
    hostile = folder / "<img src=x onerror=alert(1)>|x`y.log"
    hostile.write_text(log.read_text())
    for path in (log, hostile):
        _, md = run(["triage", str(path), "--format", "markdown"])
        _, page = run(["triage", str(path), "--format", "html"])
        assert "<img" not in page  # shown as text (&lt;img), in a code span
        rendered = MarkdownIt("commonmark", {"html": True}).enable("table").render(md)  # HTML allowed: none there
        assert "<img" not in rendered
        (title,) = re.findall(r"<h1>(.*)</h1>", rendered)
        assert "1 Twilio error in 1 group" in title


def test_redact_numbers_masks_markdown_and_html(demo: Simulator, tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    env = _demo_log(demo, log)
    numbers = set(re.findall(r"to=(\+\d+)", log.read_text()))
    for fmt in ("markdown", "html"):
        _, out = run(["triage", str(log), "--format", fmt, "--redact-numbers"], env)
        assert not [n for n in numbers if n in out], fmt


def test_a_report_whose_reading_stopped_short_says_so_first(tmp_path: Path) -> None:
    import gzip

    log = tmp_path / "app.log.gz"
    whole = gzip.compress(b"2026-11-30T10:00:00Z ERROR sms failed code=21408 to=+33612345678\n" * 2000)
    log.write_bytes(whole[: len(whole) - 40])  # ends early
    code, md = run(["triage", str(log), "--format", "markdown"])
    assert code == 4
    assert md.split("\n")[2].startswith("> diagnose triage stopped short: ")


def test_markdown_of_a_stripped_down_report_holds_no_raw_html() -> None:
    kb = load_knowledge()
    groups = merge_duplicates(extract("2026-11-30T10:00:00Z ERROR code=21408 to=+2348031234567\n"))
    report = diagnose_pasted(groups, kb)
    steps = gather(groups, report.diagnoses, kb.get)
    md = triage_markdown(TriageView(groups, report, steps, source="<b>x</b>", bytes_read=1, total=1))
    rendered = MarkdownIt("commonmark", {"html": True}).enable("table").render(md)
    assert "<b>" not in rendered


# Measures, in the page as Chromium lays it out, every cell of the groups table whose text is one word (a
# count, a code, a header): how many lines the word takes. Written into the page, read back with --dump-dom.
_MEASURE_CELLS = """<script>
addEventListener("load", () => {
  const broken = [];
  for (const cell of document.querySelectorAll("article.triage table th, article.triage table td")) {
    const word = cell.textContent.trim();
    if (!word || /\\s/.test(word) || cell.querySelector("code")) continue;
    const range = document.createRange();
    range.selectNodeContents(cell);
    const lines = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
    if (lines.size > 1) broken.push(word);
  }
  const out = document.createElement("pre");
  out.id = "broken-words";
  out.textContent = JSON.stringify(broken);
  document.body.append(out);
});
</script>"""


def test_html_groups_table_keeps_each_count_and_code_whole(demo: Simulator, tmp_path: Path) -> None:
    # The groups table has eight columns in a page 60rem wide; cells that may break a word anywhere gave
    # "count" and each code a column one or two characters wide: "cou/nt", "214/08" on two lines.
    from tests.browser import run_chromium

    log = tmp_path / "app.log"
    env = _demo_log(demo, log)
    _, page = run(["triage", str(log), "--format", "html"], env)
    probe = tmp_path / "probe.html"
    probe.write_text(page.replace("</body>", _MEASURE_CELLS + "</body>"), encoding="utf-8")
    dom = run_chromium(tmp_path, "--window-size=1280,900", "--dump-dom", probe.as_uri())
    found = re.search(r'<pre id="broken-words">(.*?)</pre>', dom)
    assert found, "the measuring script did not run"
    assert json.loads(found.group(1)) == []


def test_every_steps_lines_stay_in_its_item_from_the_tenth_on(tmp_path: Path) -> None:
    # Ten codes with no rules give ten steps. Their lines were indented by three spaces whatever the number,
    # so from "10. " (four wide) on, a step's command fell out of its item: the HTML closed the numbered list
    # after step 9 and showed step 10's `diagnose explain` in a list of its own below it.
    codes = [30003, 30005, 30007, 21610, 21211, 21614, 20404, 20429, 30006, 30008, 30004]
    lines = [f"2026-11-30T10:00:{i:02d}Z ERROR sms failed code={c} to=+4474001234{i:02d}" for i, c in enumerate(codes)]
    log = tmp_path / "app.log"
    log.write_text("\n".join(lines) + "\n")
    _, md = run(["triage", str(log), "--offline", "--format", "markdown"])
    what_to_do = md.split("## What to do", 1)[1].split("## Groups", 1)[0]
    tokens = MarkdownIt("commonmark").parse(what_to_do)
    assert [t.type for t in tokens].count("ordered_list_open") == 1
    items = [t for t in tokens if t.type == "list_item_open" and t.level == 1]
    assert len(items) == len(codes)
    # each step's command is inside its own item: a bullet list nested in the numbered one, one per step
    nested = [t for t in tokens if t.type == "bullet_list_open"]
    assert len(nested) == len(codes) and all(t.level == 2 for t in nested)


def test_groups_of_one_country_code_and_account_are_told_apart(tmp_path: Path) -> None:
    # A number sent with a wrong prefix, or with its trunk 0 kept, is a group of its own beside the country's
    # well-formed numbers (same code, country and account). The table showed them as the same row twice,
    # "21408  DE (Germany)  AC827…", as though the merging had failed, and the headings below alike.
    account, other = "AC" + "a" * 32, "AC" + "b" * 32
    tos = [(account, "+4165550123"), (account, "+4165550124"), (account, "+41791234567")]
    tos += [(other, "+49015123456789"), (other, "+4915123456789"), (other, "+4915123456780")]
    lines = [
        f"2026-11-30T10:00:0{i}Z ERROR sms failed code=21408 to={to} account={ac}" for i, (ac, to) in enumerate(tos)
    ]
    log = tmp_path / "app.log"
    log.write_text("\n".join(lines) + "\n")
    _, text = run(["triage", str(log), "--offline"])
    rows = [re.split(r"\s{2,}", line)[2:5] for line in text.splitlines() if re.match(r"\d+\s+\d+\s+21408\s", line)]
    assert len(rows) == 4 and len({tuple(r) for r in rows}) == 4
    assert ["21408", "CH (Switzerland), meant CA?", account] in rows
    assert ["21408", "DE (Germany), sent as +49 0 …", other] in rows
    assert ["21408", "DE (Germany)", other] in rows
    _, md = run(["triage", str(log), "--offline", "--format", "markdown"])
    headings = [line for line in md.splitlines() if line.startswith("### ")]
    assert len({h.split(" ", 2)[2] for h in headings}) == 4
    assert any("DE (Germany), sent as +49 0 …" in h for h in headings)
