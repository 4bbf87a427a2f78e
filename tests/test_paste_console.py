"""An error copied from the Twilio Console's debugger or error log: "Error - 21408" (with the error's title after
another " - ", or not), then the alert's text on the next line (docs/sources.md, "Real pastes": the debugger's
"Error - 11205 - HTTP connection failure" above its description in chadsmith/OpenVBX-Plugin-Subscriptions#9).
The code is printed; the message below it is the error's message, and the number it names the destination,
for a paste and a log's reader alike."""

from __future__ import annotations

import io

from hypothesis import given, settings
from hypothesis import strategies as st

from diagnose.paste import extract, scan
from diagnose.paste._wording import default_table


def _messages() -> list[tuple[int, str, str]]:
    """(code, title, a wording of it) for every code the knowledge explains: the title is its official message."""
    from diagnose.knowledge import load_knowledge

    table = default_table()
    titles = {entry.code: entry.title for entry in load_knowledge().entries()}
    return sorted(
        (w.code, titles[w.code], w.written)
        for bucket in table._by_bigram.values()
        for _, w in bucket
        if w.code in table.known_codes and w.code in titles
    )


MESSAGES = _messages()
NUMBERS = st.sampled_from([("+33612345678", "FR"), ("+2348031234567", "NG"), ("+4915123456789", "DE")])
HEADS = st.sampled_from(["Error - {code}", "ERROR - {code}", "Warning - {code}", "Error - {code} - {title}"])
AROUND = st.lists(st.sampled_from(["2026-11-30T10:00:00Z INFO GET / 200", "INFO ok", ""]), max_size=10)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(MESSAGES), NUMBERS, HEADS, st.sampled_from(["\n", "\n\n"]), AROUND, AROUND)
def test_a_console_copy_keeps_the_message_below_its_code(
    message: tuple[int, str, str],
    number: tuple[str, str],
    head: str,
    gap: str,
    before: list[str],
    after: list[str],
) -> None:
    code, title, written = message
    to, country = number
    paste = head.format(code=code, title=title) + gap + f"{written}: {to}"
    (found,) = extract(paste)
    assert (found.code, found.code_source, found.to, found.country) == (code, "printed", to, country)
    # the title on the heading's line is the error's official message; else the alert's text below it
    assert found.message == (title if "{title}" in head else f"{written}: {to}"), found.message
    text = "\n".join([*before, paste, *after]) + "\n"
    expected = extract(text)
    assert [(e.code, e.to, e.message) for e in expected] == [(found.code, found.to, found.message)]
    assert list(scan(io.BytesIO(text.encode()), chunk_size=257)) == expected


def test_the_console_copy_of_21408_names_its_message() -> None:
    message = (
        "Permission to send an SMS has not been enabled for the region indicated by the 'To' number: +2348031234567"
    )
    (found,) = extract("Error - 21408\n" + message)
    assert found.message == message
    assert (found.code, found.code_source, found.to, found.country) == (21408, "printed", "+2348031234567", "NG")


def test_a_loggers_warning_level_before_a_number_is_no_console_heading() -> None:
    # Python's "%(levelname)s - %(message)s": a count that happens to be a code is no warning of Twilio's
    assert extract("2026-11-30 10:00:00,120 - sync - WARNING - 20003 users synced, 12 skipped") == []


def test_a_message_of_another_code_below_a_console_heading_is_not_its_message() -> None:
    # the line below names another error: not the heading's message (a log's next event, a second alert)
    paste = "Error - 21408\nAccount not authorized to call +4915123456789"
    found = extract(paste)
    assert [(e.code, e.message) for e in found if e.code == 21408] in ([(21408, None)], [])
