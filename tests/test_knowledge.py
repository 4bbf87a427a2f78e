"""The knowledge loader and linter, against real fixture files in tests/data/knowledge/."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from diagnose.conditions import UNKNOWN
from diagnose.errors import KnowledgeError
from diagnose.knowledge import (
    BUILTIN_DIR,
    Entry,
    KnowledgeBase,
    Problem,
    lint_paths,
    load_knowledge,
    render_template,
)

FIXTURES = Path(__file__).parent / "data" / "knowledge"
ROOT = Path(__file__).parent.parent


def errors(problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity == "error"]


def only_error(folder: str) -> Problem:
    found = errors(lint_paths([FIXTURES / folder]))
    assert len(found) == 1, "\n".join(map(str, found))
    return found[0]


# --------------------------------------------------------------------------- valid files


def test_valid_file_lints_clean() -> None:
    assert lint_paths([FIXTURES / "valid"]) == []


def test_valid_file_loads_into_entry() -> None:
    kb = load_knowledge([FIXTURES / "valid"], include_builtin=False)
    assert isinstance(kb, KnowledgeBase)
    assert kb.codes() == [21408]
    entry = kb.get(21408)
    assert isinstance(entry, Entry)
    assert kb.entries() == [entry]
    assert kb.get(99999) is None
    assert 21408 in kb and len(kb) == 1
    assert entry.title.startswith("Permission to send an SMS")
    assert entry.products == ("Programmable Messaging",)
    assert entry.channels == ("sms", "mms")
    assert entry.related == (21215,)
    assert entry.docs_url == "https://www.twilio.com/docs/api/errors/21408"  # from the error index
    assert entry.source.endswith("valid/21408.yaml")
    assert entry.references[0].checked == "2026-11-01"  # a YAML date becomes its ISO string
    (cause,) = entry.causes
    assert cause.id == "missing-country"
    assert cause.confirmed_when.names == {"messaging_enabled"}
    assert cause.confirmed_when.evaluate({"messaging_enabled": False}) is True
    assert cause.ruled_out_when is not None
    assert cause.names == {"messaging_enabled"}
    assert cause.fix[0].when is None
    assert cause.fix[1].when is not None and cause.fix[1].when.names == {"is_subaccount"}
    assert cause.check.api.startswith('curl -u "$TWILIO_ACCOUNT_SID')
    assert "{{ country }}" in cause.check.api
    assert cause.verify == ("Send the message to {{ to }} again.",)
    assert entry.escalation.when == ("The country is enabled and the error persists.",)
    assert entry.meaning == "Twilio refused the message before sending it."  # trailing newline dropped


def test_templates_of_a_loaded_entry_render() -> None:
    entry = load_knowledge([FIXTURES / "valid"], include_builtin=False).get(21408)
    assert entry is not None
    text = render_template(entry.causes[0].confirmed_because, {"country": "IN", "account_sid": UNKNOWN})
    assert text == "<country_name> (IN) is disabled on <account_sid>."


def test_extends_merges_causes_by_id() -> None:
    kb = load_knowledge([FIXTURES / "extends"], include_builtin=False)
    base, child = kb.get(21215), kb.get(13227)
    assert base is not None and child is not None
    assert [c.id for c in child.causes] == ["missing-country", "trial-account", "subaccount-mismatch"]
    assert child.causes[0] == base.causes[0]  # inherited
    assert child.causes[1].title == "A trial account dialed a high-risk range from <Dial>"  # replaced
    assert child.summary == base.summary and child.meaning == base.meaning  # top-level keys inherited
    assert child.log_level == "WARNING"  # given in the child
    assert child.docs_url == "https://www.twilio.com/docs/api/errors/13227"  # never inherited
    assert child.source.endswith("extends/13227.yaml")
    assert lint_paths([FIXTURES / "extends"]) == []


def test_extends_own_code_adds_to_the_entry_it_overrides(tmp_path: Path) -> None:
    (tmp_path / "21408.yaml").write_text(
        textwrap.dedent(
            """\
            code: 21408
            extends: 21408
            summary: Our own summary.
            causes:
              - id: company-blocklist
                title: Our gateway blocks the country
                explanation: The company blocks some countries before Twilio.
                confirmed_when: country == 'KP'
                confirmed_because: Blocked by our gateway.
                ruled_out_because: Not on our blocklist.
            """
        )
    )
    kb = load_knowledge([FIXTURES / "valid", tmp_path], include_builtin=False)
    entry = kb.get(21408)
    assert entry is not None
    assert [c.id for c in entry.causes] == ["missing-country", "company-blocklist"]
    assert entry.summary == "Our own summary."
    assert entry.meaning == "Twilio refused the message before sending it."
    assert entry.source == str(tmp_path / "21408.yaml")

    with pytest.raises(KnowledgeError) as caught:
        load_knowledge([tmp_path], include_builtin=False)
    assert caught.value.key == "extends" and caught.value.line == 2
    assert "no earlier entry" in caught.value.message


def test_later_folder_overrides_a_code(tmp_path: Path) -> None:
    text = (FIXTURES / "valid" / "21408.yaml").read_text()
    (tmp_path / "21408.yaml").write_text(text.replace("The country is not enabled", "Overridden"))
    kb = load_knowledge([FIXTURES / "valid", tmp_path], include_builtin=False)
    entry = kb.get(21408)
    assert entry is not None and entry.causes[0].title == "Overridden"


def test_retired_causes_are_kept_without_conditions() -> None:
    problems = lint_paths([FIXTURES / "retired"])
    assert errors(problems) == []
    (warning,) = problems
    assert warning.severity == "warning"
    assert warning.key == "causes[2].confirmed_when"
    assert "legacy_number_flag" in warning.message
    entry = load_knowledge([FIXTURES / "retired"], include_builtin=False).get(21408)
    assert entry is not None
    assert [c.id for c in entry.causes] == ["missing-country", "old-shortcode-route", "legacy-country-flag"]
    old = entry.causes[1]
    assert old.retired.startswith("2026-05")
    assert old.confirmed_when.evaluate({}) is False and old.ruled_out_when is None
    assert entry.causes[2].confirmed_when.names == frozenset()  # unknown facts are not kept


# --------------------------------------------------------------------------- broken files

BROKEN = [
    # folder, file, line, column, key, words in the message
    ("bad-yaml", "21408.yaml", 7, 10, "", "invalid YAML"),
    ("missing-key", "21408.yaml", 2, 1, "summary", "missing required key 'summary'"),
    ("unknown-key", "21408.yaml", 27, 5, "causes[0].fixes", "did you mean 'fix'?"),
    ("bad-id", "21408.yaml", 14, 9, "causes[0].id", "not kebab-case"),
    ("duplicate-id", "21408.yaml", 36, 9, "causes[1].id", "duplicate cause id 'missing-country'"),
    ("duplicate-key", "21408.yaml", 16, 5, "causes[0].title", "given twice"),
    ("unknown-fact-condition", "21408.yaml", 18, 21, "causes[0].confirmed_when", "unknown fact 'messaging_enabeld'"),
    ("bad-condition", "21408.yaml", 18, 47, "causes[0].confirmed_when", "unmatched ')'"),
    ("unknown-fact-template", "21408.yaml", 21, None, "causes[0].ruled_out_because", "unknown fact 'contry_name'"),
    ("code-mismatch", "21408.yaml", 2, 7, "code", "does not match the file name"),
    ("python-tag", "21408.yaml", 4, 10, "", "python/object/apply:os.system"),
    ("wrong-type", "21408.yaml", 5, 11, "products", "expected a list, got a string"),
    ("extends-missing", "13227.yaml", 3, 10, "extends", "no knowledge file for 10001"),
    ("bad-filename", "notes.yaml", None, None, "", "named <code>.yaml"),
]


@pytest.mark.parametrize(("folder", "name", "line", "column", "key", "words"), BROKEN, ids=[b[0] for b in BROKEN])
def test_broken_file_lint(folder: str, name: str, line: int | None, column: int | None, key: str, words: str) -> None:
    problem = only_error(folder)
    assert problem.path == str(FIXTURES / folder / name)
    assert (problem.line, problem.column, problem.key) == (line, column, key)
    assert words in problem.message
    assert words in str(problem)


@pytest.mark.parametrize(("folder", "name", "line", "column", "key", "words"), BROKEN, ids=[b[0] for b in BROKEN])
def test_broken_file_load_raises_with_location(
    folder: str, name: str, line: int | None, column: int | None, key: str, words: str
) -> None:
    with pytest.raises(KnowledgeError) as caught:
        load_knowledge([FIXTURES / folder], include_builtin=False)
    err = caught.value
    assert (err.path, err.line, err.key) == (str(FIXTURES / folder / name), line, key)
    assert words in err.message
    assert err.__cause__ is None or isinstance(err.__cause__, KnowledgeError)
    assert err.__suppress_context__ or err.__context__ is None


def test_condition_error_reports_its_column() -> None:
    problem = only_error("bad-condition")
    assert "column 27" in problem.message  # within the condition
    assert problem.column == 47  # within the file
    line = (FIXTURES / "bad-condition" / "21408.yaml").read_text().splitlines()[problem.line - 1]
    assert line[problem.column - 1] == ")"


def test_unknown_fact_column_points_at_the_name() -> None:
    problem = only_error("unknown-fact-condition")
    line = (FIXTURES / "unknown-fact-condition" / "21408.yaml").read_text().splitlines()[problem.line - 1]
    assert line[problem.column - 1 :].startswith("messaging_enabeld")


def test_extends_cycle_is_reported_on_both_files() -> None:
    problems = errors(lint_paths([FIXTURES / "extends-cycle"]))
    assert sorted((Path(p.path).name, p.line, p.key) for p in problems) == [
        ("13227.yaml", 3, "extends"),
        ("21215.yaml", 3, "extends"),
    ]
    assert all("extends cycle" in p.message for p in problems)
    with pytest.raises(KnowledgeError, match="extends cycle"):
        load_knowledge([FIXTURES / "extends-cycle"], include_builtin=False)


def test_python_tag_is_never_executed() -> None:
    marker = Path("/tmp/diagnose-pwned")
    marker.unlink(missing_ok=True)
    lint_paths([FIXTURES / "python-tag"])
    with pytest.raises(KnowledgeError):
        load_knowledge([FIXTURES / "python-tag"], include_builtin=False)
    assert not marker.exists()


def test_template_escapes_fail_lint() -> None:
    problems = errors(lint_paths([FIXTURES / "template-escape"]))
    keys = {(p.key, p.line) for p in problems}
    assert ("causes[0].confirmed_because", 20) in keys
    assert ("causes[0].fix[0].text", 28) in keys
    messages = " ".join(p.message for p in problems)
    assert "'__class__' is not allowed" in messages
    assert "'include' is not allowed" in messages


@pytest.mark.parametrize(
    "template",
    [
        "{{ ''.__class__.__mro__ }}",
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{% include '/etc/passwd' %}",
        "{% import '/etc/passwd' as p %}{{ p }}",
        "{% extends '/etc/passwd' %}",
        "{{ country.__class__.__init__.__globals__ }}",
        "{{ cycler.__init__.__globals__.os }}",
        "{{ self.__init__.__globals__ }}",
        "{{ lipsum.__globals__ }}",
        "{{ 'a' * 100000000 }}",
        "{{ 9 ** 99999999 }}",
    ],
)
def test_template_escapes_render_safely(template: str) -> None:
    text = render_template(template, {"country": "IN"})
    assert "root:" not in text
    assert "<class" not in text and "module" not in text and "function" not in text
    assert len(text) < 1000


def test_lint_reports_missing_paths_and_empty_folders(tmp_path: Path) -> None:
    problems = lint_paths([tmp_path / "nope", tmp_path])
    assert [(p.path, p.severity) for p in problems] == [
        (str(tmp_path / "nope"), "error"),
        (str(tmp_path), "warning"),
    ]


def test_load_rejects_a_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(KnowledgeError) as caught:
        load_knowledge([tmp_path / "nope"])
    assert caught.value.path == str(tmp_path / "nope")


def test_lint_a_single_file_and_mixed_paths() -> None:
    problems = lint_paths([FIXTURES / "valid" / "21408.yaml", FIXTURES / "code-mismatch"])
    assert [p.key for p in errors(problems)] == ["code"]


def test_related_code_unknown_everywhere_is_a_warning(tmp_path: Path) -> None:
    text = (FIXTURES / "valid" / "21408.yaml").read_text().replace("related: [21215]", "related: [21215, 30699]")
    (tmp_path / "21408.yaml").write_text(text)
    (warning,) = lint_paths([tmp_path])
    assert (warning.severity, warning.key, warning.line) == ("warning", "related[1]", 8)
    assert "30699" in warning.message
    kb = load_knowledge([tmp_path], include_builtin=False)  # a warning does not stop loading
    assert kb.problems == (warning,)


def test_title_and_log_level_are_checked_against_the_index(tmp_path: Path) -> None:
    text = (FIXTURES / "valid" / "21408.yaml").read_text()
    text = text.replace("log_level: ERROR", "log_level: WARNING").replace('title: "Permission', 'title: "No permission')
    (tmp_path / "21408.yaml").write_text(text)
    problems = lint_paths([tmp_path])
    assert [(p.severity, p.key) for p in problems] == [("warning", "title"), ("warning", "log_level")]


@pytest.mark.parametrize(
    ("yaml_text", "line", "key", "words"),
    [
        ("", 1, "", "empty"),
        ("- 1\n- 2\n", 1, "", "must be a mapping"),
        ("code: 21408\n---\ncode: 21408\n", 2, "", "invalid YAML"),
        ("code: 21408\ntitle: 'x'\tbad\n", 2, "", "found character '\\t'"),
        ("code: true\n", 1, "code", "expected an integer, got true/false"),
        ("code: 21408\nchannels: [sms, fax]\n", 2, "channels[1]", "'fax' is not one of"),
        ("code: 21408\nchannels: [sms, sms]\n", 2, "channels[1]", "listed twice"),
        ("code: 21408\ntitle: 12\n", 2, "title", "quote it"),
        ("code: 21408\nlog_level: error\n", 2, "log_level", "not one of: ERROR, WARNING"),
        ("code: 21408\ncauses: []\n", 2, "causes", "at least 1 item"),
        ("code: 21408\ncauses: [{id: abc}]\n", 2, "causes[0].id", "shorter than 4"),
        ("code: 21408\ncauses:\n  - id: " + "a" * 41 + "\n", 3, "causes[0].id", "longer than 40"),
        (
            "code: 21408\nreferences: [{title: t, url: ftp://x, checked: 2026-01-01}]\n",
            2,
            "references[0].url",
            "pattern",
        ),
        ("code: 21408\n1: x\n", 2, "1", "unknown key 1"),
        ("code: 21408\na: &a [1, 2]\nb: *a\n", 2, "a", "unknown key 'a'"),
        (
            "a: &a [x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
            "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
            "f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]\ng: [*f, *f, *f, *f, *f, *f, *f, *f, *f]\n",
            6,
            "",
            "too large",
        ),
        ('code: 21408\ntitle: "\x07"\n', 2, "", "unacceptable character #x0007"),
        ("code: 21408\n" + "[" * 3000 + "]" * 3000 + "\n", 2, "", "invalid YAML"),
        ("? [a, b]\n: c\n", 1, "", "unhashable key"),
        ("!!binary aGVsbG8=\n", 1, "", "not a bytes"),
    ],
)
def test_problems_in_small_documents(tmp_path: Path, yaml_text: str, line: int | None, key: str, words: str) -> None:
    path = tmp_path / "21408.yaml"
    path.write_text(yaml_text)
    problems = errors(lint_paths([path]))
    match = [p for p in problems if words in p.message]
    assert match, "\n".join(map(str, problems))
    assert (match[0].line, match[0].key) == (line, key)


def test_non_utf8_file(tmp_path: Path) -> None:
    path = tmp_path / "21408.yaml"
    path.write_bytes(b"code: 21408\ntitle: \xff\xfe\n")
    (problem,) = lint_paths([path])
    assert (problem.line, problem.message) == (2, "the file is not UTF-8 text")


def test_retired_cause_still_needs_id_and_title(tmp_path: Path) -> None:
    text = (FIXTURES / "retired" / "21408.yaml").read_text()
    (tmp_path / "21408.yaml").write_text(
        text.replace("    title: The message went through a retired short-code route\n", "")
    )
    problems = errors(lint_paths([tmp_path]))
    assert [(p.key, p.message) for p in problems] == [("causes[1].title", "missing required key 'title'")]


def test_problem_formats() -> None:
    problem = Problem("k/21408.yaml", 3, "causes[0].id", "bad", "error", 7)
    assert str(problem) == "k/21408.yaml:3:7: error: bad [causes[0].id]"
    err = problem.to_error()
    assert (err.path, err.line, err.key) == ("k/21408.yaml", 3, "causes[0].id")
    assert "column 7" in str(err)


# --------------------------------------------------------------------------- laziness


def test_import_reads_no_files_and_loads_no_twilio_or_click() -> None:
    code = textwrap.dedent(
        """
        import sys
        sys.modules["twilio"] = None
        sys.modules["click"] = None
        opened = []
        def hook(event, args):
            if event == "open" and isinstance(args[0], str) and args[0].endswith((".yaml", ".json")):
                opened.append(args[0])
        sys.addaudithook(hook)
        import diagnose.knowledge
        assert opened == [], opened
        from diagnose.knowledge import lookup_error, load_knowledge, lint_paths, render_template
        assert opened == [], opened
        assert lookup_error(21408).message.startswith("Permission to send an SMS")
        assert any(p.endswith("error_index.json") for p in opened), opened
        assert not any("shared" in p for p in opened), opened
        print("ok")
        """
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd="/", env=env, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_default_knowledge_is_cached() -> None:
    if not list(BUILTIN_DIR.glob("[0-9]*.yaml")):
        assert load_knowledge().codes() == []
    try:
        first = load_knowledge()
    except KnowledgeError as err:  # the content is being written; the guard test reports it
        pytest.skip(f"built-in knowledge does not load yet: {err}")
    assert load_knowledge() is first
    assert load_knowledge(()) is first


def test_load_reports_the_root_error_before_its_consequences(tmp_path: Path) -> None:
    base = tmp_path / "base"
    base.mkdir()
    for name in ("21215.yaml", "13227.yaml"):
        (base / name).write_text((FIXTURES / "extends" / name).read_text())
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "21215.yaml").write_text((FIXTURES / "extends" / "21215.yaml").read_text().replace("summary:", "sumary:"))
    with pytest.raises(KnowledgeError) as caught:
        load_knowledge([base, broken], include_builtin=False)
    assert caught.value.path == str(broken / "21215.yaml")
    problems = errors(lint_paths([base, broken]))
    assert {(Path(p.path).parent.name, p.key) for p in problems} == {
        ("base", "extends"),  # 13227 extends the broken 21215 that overrides the base one
        ("broken", "sumary"),
        ("broken", "summary"),
    }


# The facts sheet's "Errors in this family" table (../shared/reference/geo-permissions-facts.md), which
# wins over any other source: each code's official message, copied here so a clone without ../shared
# runs the check too.
FACTS_SHEET_MESSAGES = {
    21408: "Permission to send an SMS has not been enabled for the region indicated by the 'To' number",
    21215: "Geo Permission configuration is not permitting call",
    13227: "Geo Permission configuration is not permitting call",
    32205: "SIP Trunking: Geo Permission configuration is not permitting call",
    30649: "Failed to Update Geo Permissions",
    30648: "Geo Permissions update restricted for subaccounts",
}


@pytest.mark.parametrize("code", sorted(FACTS_SHEET_MESSAGES))
def test_each_title_is_the_facts_sheets_official_message(code: int) -> None:
    entry = load_knowledge().get(code)
    assert entry is not None and entry.title == FACTS_SHEET_MESSAGES[code]


@pytest.mark.parametrize("code", [30648, 32224])
def test_a_log_level_no_source_gives_is_not_claimed(code: int) -> None:
    # docs/sources.md: neither page gives a log level ("ERROR assumed"); explain printed "Log level: ERROR" as fact.
    entry = load_knowledge().get(code)
    assert entry is not None and entry.log_level is None
    result = subprocess.run(
        [sys.executable, "-m", "diagnose", "explain", str(code)], capture_output=True, text=True, check=True
    )
    assert "Log level" not in result.stdout


def _words(text: str) -> set[str]:
    import re

    return set(re.findall(r"[a-z0-9+]+", text.lower()))


@pytest.mark.parametrize("code", [e.code for e in load_knowledge().entries()])
def test_prevention_merged_per_code_repeats_no_advice(code: int) -> None:
    # A batch report merges the prevention of every cause of a code; two causes giving the same advice
    # in other words ("Keep a list … run `diagnose audit`" twice) read as a repeated bullet.
    entry = load_knowledge().get(code)
    assert entry is not None
    items = list(dict.fromkeys(p for cause in entry.causes for p in cause.prevention))
    for i, a in enumerate(items):
        for b in items[i + 1 :]:
            shared = len(_words(a) & _words(b)) / len(_words(a) | _words(b))
            assert shared < 0.35, (a, b)


def test_who_21408_affects_accounts_for_inheritance() -> None:
    # The facts sheet: a subaccount inherits its parent's SMS permissions by default. The impact said
    # "only that account: other subaccounts have their own lists", which is true only with inheritance off.
    impact = " ".join(load_knowledge().get(21408).impact.split())  # type: ignore[union-attr]
    assert "other subaccounts have their own lists" not in impact
    assert "every subaccount that inherits" in impact
