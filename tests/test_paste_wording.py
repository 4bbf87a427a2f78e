"""Recognising an error from its wording: every code, every wording, with the noise of real pastes.

The corpus (tests/data/paste/45-…63-wording-*) holds hand-written samples without a code; here
Hypothesis builds many more from the knowledge itself, checks that recognition never raises and
does work linear in the message (counted, not timed), and that a body with its code removed is
still recognised.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from diagnose.knowledge import error_index, lint_paths, load_knowledge
from diagnose.paste import extract, scan
from diagnose.paste._extract import is_anchor
from diagnose.paste._wording import MIN_TAIL_WORDS, build_table, default_table, normalise

CORPUS = Path(__file__).parent / "data" / "paste"
KB = load_knowledge()
INDEX = error_index()
SHARED = {21215: 13227, 13227: 21215}  # one official message for both: the origin tells them apart


def _wordings() -> list[tuple[int, str, str]]:
    """(code, wording, kind) for every code the knowledge has: official message, title, older wordings."""
    out = []
    for entry in KB.entries():
        known = INDEX.get(entry.code)
        out.append((entry.code, known.message if known else entry.title, "official"))
        for w in entry.wording_info:
            out.append((entry.code, w.text, "unverified" if w.unverified else "older"))
    return out


WORDINGS = _wordings()
NUMBERS = ["+2348031234567", "+33612345678", "+17875550123", "+525512345678", "+4915123456789", "+919812345678"]
FRAMES = [
    "twilio.base.exceptions.TwilioRestException: HTTP 400 error: Unable to create record: {m}",
    "Twilio\\Exceptions\\RestException: [HTTP 400] Unable to create record: {m}",
    "com.twilio.exception.ApiException: {m}",
    "2026-11-30T10:00:00Z ERROR sms worker: {m}",
    '{{"message": "{m}", "status": 400}}',
    "{m}",
]


# --------------------------------------------------------------------------- data


def test_every_knowledge_code_is_recognised_from_each_of_its_wordings() -> None:
    table = default_table()
    for code, text, kind in WORDINGS:
        found = table.recognise(f"Error: {text}: +33612345678", True)
        assert found is not None, (code, text)
        assert found.code in (code, SHARED.get(code)), (code, text, found)
        if found.code == code:
            wording = "unverified" if found.unverified else found.how
            assert wording == kind, (code, text, found)


def test_every_wording_names_its_source_or_says_unverified() -> None:
    assert all(code in {e.code for e in KB.entries()} for code, _, _ in WORDINGS)
    sources = (Path(__file__).parents[1] / "docs" / "sources.md").read_text(encoding="utf-8")
    for entry in KB.entries():
        for w in entry.wording_info:
            assert w.unverified or w.source, (entry.code, w)
            # docs/sources.md quotes every wording in its "Wordings" table
            assert w.text in sources, (entry.code, w.text)


def test_every_code_and_wording_has_a_corpus_sample_without_a_printed_code() -> None:
    samples = []
    for path in sorted(CORPUS.glob("*.txt")):
        rows = json.loads(path.with_suffix(".expected.json").read_text(encoding="utf-8"))
        samples.append((normalise(path.read_text(encoding="utf-8")), rows))
    for code, text, _kind in WORDINGS:
        words = normalise(text)
        hit = [
            rows
            for body, rows in samples
            if words in body and any(r.get("code") == code and r.get("code_source") == "wording" for r in rows)
        ]
        truncated = [
            rows
            for body, rows in samples
            if " ".join(words.split()[:MIN_TAIL_WORDS]) in body
            and any(r.get("code") == code and r.get("code_confidence") == "medium" for r in rows)
        ]
        assert hit or truncated, f"no wording-only sample for {code}: {text!r}"


def test_every_wording_line_is_read_by_paste_and_triage() -> None:
    for code, text, _ in WORDINGS:
        assert is_anchor(text), (code, text)


def test_a_bare_string_wording_still_loads_as_unverified_with_a_warning(tmp_path: Path) -> None:
    source = (Path(__file__).parent / "data" / "knowledge" / "valid" / "21408.yaml").read_text(encoding="utf-8")
    text = source.replace(
        "\ncauses:",
        '\nwordings:\n  - "Some old words for this error"\n  - text: "Other old words for this error"\n'
        '    source: a public issue\n  - text: "Third old words for this error"\ncauses:',
        1,
    )
    (tmp_path / "21408.yaml").write_text(text, encoding="utf-8")
    problems = lint_paths([tmp_path])
    warnings = [p.message for p in problems if p.severity == "warning"]
    errors = [p.message for p in problems if p.severity == "error"]
    assert any("counts as unverified" in m for m in warnings), warnings
    assert errors == [next(m for m in errors if "names its source" in m)], errors  # the third has neither


def test_too_many_wordings_is_a_lint_error(tmp_path: Path) -> None:
    source = (Path(__file__).parent / "data" / "knowledge" / "valid" / "21408.yaml").read_text(encoding="utf-8")
    many = "".join(f"  - text: Old words number {i} for this\n    unverified: true\n" for i in range(41))
    (tmp_path / "21408.yaml").write_text(source.replace("\ncauses:", "\nwordings:\n" + many + "causes:", 1))
    assert any("at most 40 wordings" in p.message for p in lint_paths([tmp_path]) if p.severity == "error")


# --------------------------------------------------------------------------- the report says how


def test_an_unverified_wording_says_so_in_every_format() -> None:
    from click.testing import CliRunner

    from diagnose.cli import main

    paste = "12:03:55 call-worker | twilio refused: Call blocked by Twilio blocklist: +2250701234567\n"
    env = {"NO_COLOR": "1", "TWILIO_ACCOUNT_SID": "", "TWILIO_AUTH_TOKEN": "", "DIAGNOSE_API_URL": ""}
    for fmt in ("text", "markdown", "html", "json"):
        result = CliRunner().invoke(main, ["-", "--format", fmt], input=paste, env=env, catch_exceptions=False)
        assert "unverified" in result.stdout, (fmt, result.stdout)
    result = CliRunner().invoke(main, ["-", "--format", "json"], input=paste, env=env, catch_exceptions=False)
    evidence = json.loads(result.stdout)["diagnoses"][0]["evidence"]
    assert (evidence["code"], evidence["code_source"], evidence["code_wording"], evidence["code_confidence"]) == (
        21216,
        "wording",
        "unverified",
        "low",
    )


def test_a_printed_code_is_high_confidence_with_no_reason() -> None:
    found = extract('{"code": 21408, "message": "Permission to send an SMS has not been enabled", "status": 400}')
    assert [(e.code_source, e.code_wording, e.code_confidence, e.code_reason) for e in found] == [
        ("printed", None, "high", "")
    ]


def test_a_shared_wording_goes_by_origin_with_medium_confidence() -> None:
    table = default_table()
    rest = table.recognise("Geo Permission configuration is not permitting call", True)
    dial = table.recognise("Geo Permission configuration is not permitting call", False)
    assert (rest.code, dial.code) == (21215, 13227)
    # an HTTP error response decides (medium); text of no known origin does not (low, naming the other code):
    # tests/test_paste_shared_wording.py reads both through a paste
    assert (rest.confidence, rest.shared_with, rest.undecided) == ("medium", (13227,), False)
    assert (dial.confidence, dial.shared_with, dial.undecided) == ("low", (21215,), True)
    sip = table.recognise("SIP Trunking: Geo Permission configuration is not permitting call", True)
    assert (sip.code, sip.confidence) == (32205, "high")  # the longest match wins


def _beside() -> list[tuple[int, str]]:
    """(code, wording): every wording, with each code whose own wordings hold it (13227's words are 21215's,
    and inside 32205's "SIP Trunking: Geo Permission…"), the code a log may print beside it."""
    texts: dict[int, list[str]] = {}
    for code, text, _ in WORDINGS:
        texts.setdefault(code, []).append(f" {normalise(text)} ")
    return sorted(
        {
            (code, text)
            for _, text, _ in WORDINGS
            for code, own in texts.items()
            if any(f" {normalise(text)} " in t for t in own)
        }
    )


BESIDE = _beside()
SPELLED = ["{c} {m}", "{c}: {m}", "{c} - {m}", "[{c}] {m}", "{m} ({c})", "{m} - {c}", "{m}: {c}"]
LOG_HEADS = ["", "2026-11-30T10:00:00Z ERROR ", "WARN ", "[worker-3] ", "Nov 30 10:00:01 app[42]: "]


def test_the_codes_printed_beside_a_wording_include_those_that_share_it() -> None:
    geo = normalise(INDEX[13227].message)
    assert {c for c, t in BESIDE if normalise(t) == geo} >= {13227, 21215, 32205}


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(BESIDE),
    st.sampled_from(SPELLED),
    st.sampled_from(LOG_HEADS),
    st.sampled_from(["", " to +93701234567", ": +33612345678"]),
)
def test_a_code_printed_beside_its_wording_is_the_code(
    case: tuple[int, str], spelled: str, head: str, tail: str
) -> None:
    # "21215 Geo Permission configuration is not permitting call" was read as 13227 (the words' code by their
    # origin), its reason saying "No code was printed"; "32205 Geo Permission…" as 13227 too
    code, text = case
    paste = head + spelled.format(c=code, m=text) + tail + "\n"
    found = extract(paste)
    assert list(scan(io.BytesIO(paste.encode()))) == found
    assert [(e.code, e.code_source, e.code_reason) for e in found] == [(code, "printed", "")], (paste, found)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(WORDINGS),
    st.sampled_from(["12345", "99999", "54321", "31337", "80443"]),  # no code of the index
    st.sampled_from(SPELLED),
    st.sampled_from(LOG_HEADS),
)
def test_another_number_beside_a_wording_is_no_printed_code(
    wording: tuple[int, str, str], other: str, spelled: str, head: str
) -> None:
    # a number that is no code (an id, a port) does not rename the error the words name
    code, text, _ = wording
    paste = head + spelled.format(c=other, m=text) + " to +33612345678\n"
    found = extract(paste)
    assert list(scan(io.BytesIO(paste.encode()))) == found
    assert [e.code for e in found if e.code_source == "printed"] == [], (paste, found)
    assert [e.code for e in found] in ([code], [SHARED.get(code)]), (paste, found)


# --------------------------------------------------------------------------- noise


@st.composite
def noisy(draw: st.DrawFn) -> tuple[int, str, str]:
    """(code, kind, paste): a wording with a number, framed like a real paste, with noise."""
    code, text, kind = draw(st.sampled_from(WORDINGS))
    number = draw(st.sampled_from(NUMBERS))
    message = text + draw(st.sampled_from([f": {number}.", f" {number}", f": {number}", " to " + number]))
    case = draw(st.sampled_from(["same", "upper", "lower", "title"]))
    message = {"same": message, "upper": message.upper(), "lower": message.lower(), "title": message.title()}[case]
    if draw(st.booleans()):
        message = message.replace("'", "&#39;").replace('"', "&quot;")
    if draw(st.booleans()):
        message = re.sub(" ", lambda _: draw(st.sampled_from([" ", "  ", "\t", " "])), message)
    paste = draw(st.sampled_from(FRAMES)).format(m=message)
    # a terminal's line wrap before a lower-case word, mid-sentence (a line ending in ':' or '.' is
    # never joined to the next: _extract.unwrap): the continuation starts with one space
    words = paste.split(" ")
    cut = draw(st.integers(1, max(1, len(words) - 1)))
    if cut < len(words) and words[cut][:1].islower() and case != "upper" and words[cut - 1][-1:] not in ".:;{}[](),":
        paste = " ".join(words[:cut]) + "\n " + " ".join(words[cut:])
    return code, kind, paste


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(noisy())
def test_a_wording_is_recognised_through_the_noise(case: tuple[int, str, str]) -> None:
    code, _kind, paste = case
    found = extract(paste)
    assert found, paste
    assert found[0].code in (code, SHARED.get(code)), (paste, found[0])
    assert found[0].code_source == "wording"
    assert found[0].code_confidence in ("high", "medium", "low")
    assert "No code was printed" in found[0].code_reason


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(WORDINGS), st.sampled_from(NUMBERS), st.integers(0, 40))
def test_a_truncated_tail_is_still_recognised(wording: tuple[int, str, str], number: str, cut: int) -> None:
    code, text, _ = wording
    words = text.split(" ")
    keep = max(MIN_TAIL_WORDS, -(-len(words) // 2))
    if len(words) <= keep:
        return  # too short to cut and still name an error
    shown = " ".join(words[: keep + cut % (len(words) - keep)])
    shown = shown[: len(shown) - cut % 3] + "…"  # cut inside the last word too
    if len(normalise(shown).split()) < keep:
        return  # the cut took a whole short word: fewer words than a truncated match needs
    found = extract(f"2026-11-30 WARN to {number} failed: {shown}")
    assert found and found[0].code in (code, SHARED.get(code)), shown
    assert found[0].code_confidence in ("medium", "low")


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(WORDINGS), st.sampled_from(NUMBERS), st.integers(0, 300), st.sampled_from(FRAMES[:4]))
def test_a_hard_wrap_inside_the_wording_keeps_code_and_number(
    wording: tuple[int, str, str], number: str, at: int, frame: str
) -> None:
    # a terminal wraps at its width, without a leading space, even inside a word: the line above
    # ends partway through the message and the line below holds the rest and the number
    code, text, _ = wording
    keep = max(MIN_TAIL_WORDS, -(-len(text.split()) // 2))
    head_min = len(" ".join(text.split()[:keep]))
    if head_min >= len(text):
        return  # too short to wrap inside and keep enough words above
    cut = head_min + at % (len(text) - head_min)
    paste = frame.format(m=text[:cut]) + "\n" + text[cut:].lstrip() + f": {number}\n"
    found = extract(paste)
    assert found and found[0].code in (code, SHARED.get(code)), paste
    assert found[0].to == number, paste
    assert found[0].code_confidence in ("high", "medium", "low") and found[0].code_source == "wording"


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(WORDINGS), st.sampled_from(NUMBERS), st.booleans())
def test_a_body_with_its_code_removed_is_still_recognised(
    wording: tuple[int, str, str], number: str, pretty: bool
) -> None:
    code, text, _ = wording
    body = {
        "code": code,
        "message": f"{text}: {number}",
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": 400,
    }
    with_code = extract(json.dumps(body, indent=2 if pretty else None))
    assert with_code and with_code[0].code == code and with_code[0].code_source == "printed"
    del body["code"], body["more_info"]
    without = extract(json.dumps(body, indent=2 if pretty else None))
    assert without, body
    # the same code (an HTTP error: the REST API's code of a shared wording), the same destination
    assert without[0].code in (code, SHARED.get(code))
    assert (without[0].to, without[0].country) == (with_code[0].to, with_code[0].country)
    assert without[0].code_source == "wording"


# --------------------------------------------------------------------------- never raises, linear


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=600), st.booleans())
def test_recognition_never_raises(text: str, rest: bool) -> None:
    found = default_table().recognise(text, rest)
    assert found is None or found.code in INDEX or found.code in {e.code for e in KB.entries()}


PIECES = [w for _, t, _ in WORDINGS for w in normalise(t).split()] + ["+", "{", "}", "&#39;", "\\u0027", "999"]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=400), st.booleans())
def test_work_is_linear_in_the_message(words: list[str], rest: bool) -> None:
    # word comparisons, counted: at most the table's bound per word, whatever the words are
    table = default_table()
    message = " ".join(words)
    _found, steps = table.scan(message, rest)
    assert steps <= table.bound * max(1, len(normalise(message).split()))


@pytest.mark.parametrize("size", [1_000, 100_000])
def test_adversarial_repeats_stay_linear(size: int) -> None:
    table = default_table()
    for text in ("permission to send an sms has not been " * size, "geo permission " * size, "+1 " * size):
        message = text[: size * 8]
        _found, steps = table.scan(message, True)
        assert steps <= table.bound * len(normalise(message).split())
        # and in practice far below the bound: a handful of comparisons per word
        assert steps <= 64 * len(normalise(message).split())


def test_a_hostile_knowledge_wording_cannot_slow_matching() -> None:
    # wordings are words, never patterns: regex syntax in one is just more words
    table = build_table({}, {21408: ["(a+)+$ (a|aa)*b " * 10]})
    _found, steps = table.scan("a" * 5000 + " " + "a " * 5000, True)
    assert steps <= table.bound * 5001


def test_the_readme_paste_example_is_what_diagnose_prints() -> None:
    # the README's first example is pasting an error (before any SID); its output must stay current
    from click.testing import CliRunner

    from diagnose.cli import main

    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    first_sid = readme.index("diagnose SM")
    start = readme.index('$ diagnose "')
    assert start < first_sid
    block = readme[start : readme.index("```", start)]
    command, *shown = block.splitlines()
    paste = command.removeprefix('$ diagnose "').removesuffix('"')
    env = {"NO_COLOR": "1", "COLUMNS": "100", "TWILIO_ACCOUNT_SID": "", "TWILIO_AUTH_TOKEN": "", "DIAGNOSE_API_URL": ""}
    out = CliRunner().invoke(main, [paste], env=env, catch_exceptions=False).stdout.splitlines()
    for line in shown:
        if line != "…":
            assert line in out, line


@pytest.mark.parametrize("fmt", ["text", "markdown", "html"])
def test_explain_lists_the_other_wordings_with_their_sources(fmt: str) -> None:
    from click.testing import CliRunner

    from diagnose.cli import main

    out = CliRunner().invoke(main, ["explain", "21216", "--format", fmt], env={"NO_COLOR": "1"}).stdout
    assert "Other wordings of the message" in out
    assert "Account not allowed to call" in out and "twilio-node" in out
    assert "Call blocked by Twilio blocklist" in out and "(unverified)" in out
    assert "Other wordings" not in CliRunner().invoke(main, ["explain", "21211", "--format", fmt]).stdout


# --------------------------------------------------------------------------- wrapped early


@pytest.mark.parametrize("frame", FRAMES[:4])
def test_a_wording_a_terminal_wrapped_at_any_space_is_read_by_triage_too(frame: str) -> None:
    # every wording, wrapped at each space before a lower-case word as unwrap() joins it back (" number" below
    # "…Forbidden phone"): triage missed "Dial: Forbidden phone" / " number" and "Account not allowed (to)" /
    # " (to) call", whose only anchor ("phone number", "allowed to call") the wrap cut, while a paste read them
    # (test_paste_stream's line-break property drew the first)
    missed = []
    for code, text, _ in WORDINGS:
        words = f"{text}: +33612345678".split(" ")
        for cut in range(1, len(words)):
            if not words[cut][:1].islower():
                continue
            paste = frame.format(m=" ".join(words[:cut]) + "\n " + " ".join(words[cut:])) + "\n"
            found = extract(paste)
            if [(e.code, e.to) for e in found] != [(code if code not in SHARED else found[0].code, "+33612345678")]:
                missed.append(("paste", paste))
            elif list(scan(io.BytesIO(paste.encode()))) != found:
                missed.append(("triage", paste))
    assert not missed, missed


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(WORDINGS), st.sampled_from([*NUMBERS, ""]), st.integers(1, 10_000), st.sampled_from(FRAMES[:4]))
def test_a_wording_wrapped_anywhere_keeps_code_and_number(
    wording: tuple[int, str, str], number: str, at: int, frame: str
) -> None:
    # a terminal's hard wrap at any character of the message, after its first word or its first letter
    # too ("Permission to send an" / "SMS has not been enabled…"): paste and triage read the code and
    # the number as from the message on one line
    code, text, _ = wording
    cut = 1 + at % (len(text) - 1)
    paste = frame.format(m=text[:cut]) + "\n" + text[cut:].lstrip() + (f": {number}" if number else "") + "\n"
    found = extract(paste)
    head, tail = paste.split("\n")[:2]
    if not (is_anchor(head) or is_anchor(tail)):
        # the wrap cut the message's only anchor word ("Dial: F" / "orbidden phone number") in a frame
        # that has none: triage, which finds a log's candidate lines one by one, cannot start from it (nor
        # from a truncated "…blocked by T", which a paste reads as a cut-off tail: not this test's matter)
        return
    assert list(scan(io.BytesIO(paste.encode()))) == found  # triage reads it as a paste does
    assert [(e.code, e.to) for e in found] == [
        (e.code, e.to) for e in extract(frame.format(m=text) + (f": {number}" if number else ""))
    ]
    assert found and found[0].code in (code, SHARED.get(code)) and found[0].to == (number or None), paste
    assert found[0].code_source == "wording"


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(WORDINGS),
    st.sampled_from([*NUMBERS, ""]),
    st.integers(1, 10_000),
    st.integers(1, 10_000),
    st.sampled_from(FRAMES[:4]),
)
def test_a_wording_wrapped_twice_keeps_code_and_number(
    wording: tuple[int, str, str], number: str, at: int, again: int, frame: str
) -> None:
    # a narrow terminal or a long log prefix: the message over three lines, its middle line all wording
    code, text, _ = wording
    if len(text) < 3:
        return
    first = 1 + at % (len(text) - 2)
    second = first + 1 + again % (len(text) - first - 1)
    lines = [
        frame.format(m=text[:first]),
        text[first:second].strip(),
        text[second:].lstrip() + (f": {number}" if number else ""),
    ]
    if not lines[1]:
        return
    paste = "\n".join(lines) + "\n"
    found = extract(paste)
    if not any(is_anchor(line) for line in lines):
        return  # both wraps spared no anchor word whole, in a frame without one: triage cannot see it
    assert list(scan(io.BytesIO(paste.encode()))) == found, paste
    assert found and found[0].code in (code, SHARED.get(code)) and found[0].to == (number or None), paste
    assert found[0].code_source == "wording"


def test_a_wording_over_four_narrow_lines_keeps_its_code() -> None:
    # a terminal 22 columns wide: "Dial:" / "Call blocked by Twilio" / "block" / "list" read 21216 ("Call
    # blocked by Twilio blocklist", the last three lines joined) where the four lines hold 13225 whole
    for sep in ("\n", "\\n"):
        paste = sep.join(["Dial:", "Call blocked by Twilio", "block", "list"])
        found = extract(paste)
        assert [e.code for e in found] == [13225], paste
        assert list(scan(io.BytesIO((paste + "\n").encode()))) == extract(paste + "\n")


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(WORDINGS), st.lists(st.integers(1, 10_000), min_size=3, max_size=3), st.sampled_from(FRAMES[:4]))
def test_a_wording_wrapped_at_three_spaces_keeps_its_code(
    wording: tuple[int, str, str], at: list[int], frame: str
) -> None:
    # a narrow terminal wraps at spaces: the message over four lines reads as on one line
    code, text, _ = wording
    spaces = [i for i, c in enumerate(text) if c == " "]
    cuts = sorted({spaces[k % len(spaces)] for k in at}) if len(spaces) >= 3 else []
    if len(cuts) < 3:
        return
    pieces = [text[a:b].strip() for a, b in zip([0, *cuts], [*cuts, len(text)], strict=True)]
    paste = "\n".join([frame.format(m=pieces[0]), *pieces[1:]]) + "\n"
    if not any(is_anchor(line) for line in paste.splitlines()):
        return  # the wraps spared no anchor word whole, in a frame without one: triage cannot see it
    found = extract(paste)
    assert [e.code for e in found] == [e.code for e in extract(frame.format(m=text))], paste
    assert found and found[0].code in (code, SHARED.get(code)), paste
    assert list(scan(io.BytesIO(paste.encode()))) == found, paste


# Ordinary English with the words of the wordings, none of them whole: wrapped anywhere, no error
ORDINARY = [
    "Permission to send an invitation was granted by the admin yesterday",
    "We asked for permission to send an SMS reminder to every customer",
    "The SMS has not been sent because the queue was paused for the night",
    "Account owners are not authorized to change billing without a second approval",
    "Each call is recorded; the account is not allowed to disable that",
    "Dial the number again and wait for the forwarded line to pick up",
    "The region indicated by the user was not enabled in our settings",
    "Geo maps: permission configuration is stored per workspace",
    "Failed to update the permissions cache, retrying in 20ms",
    "Message sent; the destination region permissions were checked before",
]


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(ORDINARY), st.integers(1, 10_000), st.sampled_from(["{m}", FRAMES[3]]))
def test_ordinary_english_wrapped_anywhere_is_no_error(sentence: str, at: int, frame: str) -> None:
    assert extract(frame.format(m=sentence)) == []
    cut = 1 + at % (len(sentence) - 1)
    paste = frame.format(m=sentence[:cut]) + "\n" + sentence[cut:].lstrip()
    assert extract(paste) == [], paste


VOCABULARY = sorted({word for _, text, _ in WORDINGS for word in text.split()} | {"the", "user", "was", "after"})


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(VOCABULARY), min_size=2, max_size=14), st.integers(1, 13))
def test_a_wrap_never_makes_an_error_the_one_line_text_does_not_hold(words: list[str], at: int) -> None:
    # two lines that are no error each: together, wrapped, they name only what they name on one line
    cut = 1 + at % (len(words) - 1)
    first, second = " ".join(words[:cut]), " ".join(words[cut:])
    if extract(first) or extract(second):
        return
    wrapped = {e.code for e in extract(first + "\n" + second)}
    assert wrapped <= {e.code for e in extract(first + " " + second)}, (first, second)
