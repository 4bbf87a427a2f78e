"""A helper library's REST exception that prints no code, in words no wording names (``HTTP 400 error: Unable to
create record: <words>``, twilio-node's ``RestException [Error]: <words>`` without its ``code:`` line, twilio-php's
``[HTTP 400] Unable to create record: <words>``): a Twilio error all the same, whose code is unknown. A paste says
so (verdict no-knowledge, exit 1), not "no Twilio error found"; triage counts such errors in a group of their own.
docs/report-format.md, "A code not printed"."""

from __future__ import annotations

import io
import json
import subprocess
import sys

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from diagnose.paste import extract, scan
from diagnose.paste._wording import default_table
from tests.test_paste_real import NO_CODE_SHAPES

SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# twilio-node 3's RestException as its err.stack (or an unhandled rejection) prints it: a plain "Error: <message>"
# (the class sets no name) above the SDK's frame that threw it, Version.js's success() (lib/base/Version.js of
# 3.84.1; twilio/twilio-node#559) or, for a list, Page.js's processResponse() (lib/base/Page.js of 3.84.1; its
# frame as Node 20 wrote it here)
NODE3_SHAPES = (
    "Error: {m}\n    at success (/app/node_modules/twilio/lib/base/Version.js:135:15)\n"
    "    at Promise_then_fulfilled (/app/node_modules/q/q.js:766:44)",
    "Unhandled rejection Error: {m}\n    at success (C:\\app\\node_modules\\twilio\\lib\\base\\Version.js:88:15)",
    "Error: {m}\n    at MessagePage.processResponse (/app/node_modules/twilio/lib/base/Page.js:156:11)\n"
    "    at MessagePage.Page (/app/node_modules/twilio/lib/base/Page.js:40:24)",
    # a log that stamps each line as it is written (Heroku's)
    "2026-11-30T10:00:00.101234+00:00 app[web.1]: Error: {m}\n"
    "2026-11-30T10:00:00.101301+00:00 app[web.1]:     at success (/app/node_modules/twilio/lib/base/Version.js:135:15)",
)
# what each SDK prints when the API's answer held no code it shows (docs/sources.md, "Real pastes")
SHAPES = (
    *NO_CODE_SHAPES,
    "HTTP 400 error: Unable to create record: {m}",  # twilio-python's str(), without its class
    "[HTTP 400] Unable to create record: {m}",  # twilio-php's message in a Laravel log
    "RestException [Error]: {m}",  # twilio-node's inspect, its code: line absent
    "Twilio::REST::RestError (Unable to create record: {m}):",  # twilio-ruby 5 in a Rails log
    *NODE3_SHAPES,
)
# words of no Twilio wording (the test checks it), in the sentences an API message makes
WORDS = st.lists(
    st.sampled_from(["the", "queue", "frobnicator", "is", "out", "of", "order", "widget", "value", "stale", "lamp"]),
    min_size=2,
    max_size=10,
).map(lambda ws: " ".join(ws).capitalize() + ".")


def _cli(args: list[str], stdin: str) -> tuple[int, str, str]:
    done = subprocess.run(
        [sys.executable, "-m", "diagnose", *args, "--offline"], input=stdin, capture_output=True, text=True, timeout=120
    )
    return done.returncode, done.stdout, done.stderr


@SETTINGS
@given(st.sampled_from(SHAPES), WORDS)
def test_an_sdks_exception_in_unknown_words_is_a_twilio_error_of_unknown_code(shape: str, words: str) -> None:
    assume(default_table().recognise(words, True) is None)
    paste = shape.format(m=words)
    (found,) = extract(paste)
    assert (found.code, found.code_source, found.code_confidence) == (None, "unknown", None), paste
    assert found.message == words and "unknown" in found.code_reason
    # the error starts on the line that holds its message (twilio-node 3's "Error: …" above the frame)
    assert found.line == 1 and words in found.excerpt.splitlines()[0]
    # triage reads it as a paste does
    assert list(scan(io.BytesIO(paste.encode()))) == [found]
    # and a JSON round trip keeps it
    from dataclasses import asdict

    assert json.loads(json.dumps(asdict(found)))["code"] is None


# a plain Error whose first frame is not the SDK's: the application's own, or another error the SDK's frame
# raised (JSON.parse of a body that is no JSON, a TypeError), or the SDK's frame further down
NOT_NODE3 = (
    "Error: {m}\n    at login (/app/src/auth.js:12:9)",
    "TypeError: {m}\n    at success (/app/node_modules/twilio/lib/base/Version.js:135:15)",
    "SyntaxError: {m}\n    at JSON.parse (<anonymous>)\n"
    "    at success (/app/node_modules/twilio/lib/base/Version.js:139:21)",
    "Error: {m}\n    at notify (/app/src/notify.js:40:11)\n"
    "    at success (/app/node_modules/twilio/lib/base/Version.js:135:15)",
    "Error: {m}\n    at Page.processResponse (/app/lib/base/Page.js:156:11)",  # not the twilio package's
)


@SETTINGS
@given(
    WORDS,
    st.sampled_from(["ERROR {m}", "HTTP 503 error: {m}", "ValueError: {m}", "Error: Unable to {m}", *NOT_NODE3]),
)
def test_the_same_words_outside_an_sdks_exception_are_no_twilio_error(words: str, shape: str) -> None:
    # only what a helper library alone writes (its class, its "Unable to create record") makes them Twilio's
    text = shape.format(m=words)
    assert extract(text) == []
    assert list(scan(io.BytesIO(text.encode()))) == []


UNKNOWN = "HTTP 400 error: Unable to create record: The frobnicator is out of order."


def test_a_paste_says_a_twilio_error_of_unknown_code_not_no_error_found() -> None:
    code, out, err = _cli(["-"], UNKNOWN + "\n")
    assert code == 1, err
    assert "no Twilio error found" not in err
    assert "Code unknown:" in out and "Twilio error, code unknown" in out and "diagnose explain" not in out
    code, out, err = _cli(["-", "--format", "json"], UNKNOWN + "\n")
    (entry,) = json.loads(out)["diagnoses"]
    got = (entry["verdict"], entry["error"]["code"], entry["evidence"]["code_source"])
    assert got == ("no-knowledge", None, "unknown")
    assert entry["facts"]["error_code"]["known"] is False and entry["facts"]["failed"]["value"] is True


def test_triage_counts_errors_of_unknown_code_in_a_group_of_their_own() -> None:
    log = "\n".join(
        [
            f"2026-12-01T10:00:00Z ERROR sms failed: {UNKNOWN}",
            "2026-12-01T10:00:01Z ERROR sms failed: RestException [Error]: Some other words nobody knows",
            "2026-12-01T10:00:02Z ERROR sms failed code=21408 to=+33612345678",
            "2026-12-01T10:00:03Z ERROR upstream said HTTP 503 error: try later",  # no SDK's: not Twilio's
        ]
    )
    code, out, err = _cli(["triage", "-", "--format", "json"], log + "\n")
    assert code == 1, err
    data = json.loads(out)
    assert data["errors"] == 3
    assert sorted((g["code"] or 0, g["count"]) for g in data["groups"]) == [(0, 2), (21408, 1)]
    code, text, _ = _cli(["triage", "-"], log + "\n")
    assert "code unknown" in text and "diagnose explain None" not in text
    # a paste of the same log agrees: the same two errors of unknown code
    _, pasted, _ = _cli(["-", "--format", "json"], log + "\n")
    unknown = [d for d in json.loads(pasted)["diagnoses"] if d["evidence"]["code"] is None]
    assert sum(d["evidence"]["count"] for d in unknown) == 2
