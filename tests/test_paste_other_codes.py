"""Codes without a knowledge file, recognised from what the API writes for them when no code is printed
(knowledge/wordings.yaml; sources in docs/sources.md, "Real pastes"): 21612 and 21614 with their numbers in the
middle, 20404's "The requested resource /2010-04-01/… was not found", and 20003's whole message "Authenticate"
(a ``whole`` wording: a word that names an error only when it is all the message says). Each is diagnosed as a
code without rules, which points to ``diagnose explain``."""

from __future__ import annotations

import io
import json
import subprocess
import sys

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from diagnose.paste import extract, scan
from tests.test_paste_real import NO_CODE_SHAPES, NUMBERS

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SENDER = "+15017122661"


@SETTINGS
@given(st.sampled_from(NO_CODE_SHAPES), st.sampled_from(sorted(NUMBERS)))
def test_21612_and_21614_are_recognised_from_the_apis_message(shape: str, to: str) -> None:
    for code, message, sender in (
        # twilio/twilio-php#254: the destination first, then the sender
        (21612, f"The 'To' phone number: {to}, is not currently reachable using the 'From' phone number: {SENDER} "
         "via SMS.", SENDER),
        (21614, f"'To' number: {to}, is not a valid mobile number", None),  # daddyz/phonelib#320
    ):  # fmt: skip
        paste = shape.format(m=message)
        (found,) = extract(paste)
        assert (found.code, found.code_source, found.code_wording) == (code, "wording", "older"), paste
        assert (found.to, found.country, found.from_) == (to, NUMBERS[to], sender), paste
        assert list(scan(io.BytesIO(paste.encode()))) == [found]


# 20003's whole message as each SDK prints it (twilio/twilio-node#559, twilio/twilio-python#830,
# twilio/twilio-php#380 and #301, twilio/twilio-ruby#29)
AUTHENTICATE = (
    "twilio.base.exceptions.TwilioRestException: HTTP 401 error: Unable to create record: Authenticate",
    "PHP Fatal error:  Uncaught Twilio\\Exceptions\\RestException: [HTTP 401] Unable to create record: Authenticate "
    "in /v/V.php:88",
    "Uncaught exception 'Services_Twilio_RestException' with message 'Authenticate' in /srv/Services/Twilio.php:297",
    "/gems/twilio-ruby-3.8.0/lib/twilio-ruby/rest/client.rb:226:in `connect_and_send': Authenticate "
    "(Twilio::REST::RequestError)",
    "com.twilio.exception.ApiException: Authenticate\n\tat com.twilio.http.TwilioRestClient.request(Client.java:121)",
    "Twilio.Exceptions.ApiException: Authenticate\n   at Twilio.Clients.TwilioRestClient.ProcessResponse(Response r)",
    # twilio-node 3 printed a plain Error: the SDK's frame below says whose it is
    "D:\\app\\node_modules\\q\\q.js:876\n    throw error;\n    ^\n\nError: Authenticate\n"
    "    at success (D:\\New folder (6)\\node_modules\\twilio\\lib\\base\\Version.js:129:15)\n"
    "    at Promise_then_fulfilled (D:\\New folder (6)\\node_modules\\q\\q.js:766:44)",
    # and for a list, its frame in Page.js (lib/base/Page.js of twilio-node 3.84.1 throws it in processResponse)
    "Error: Authenticate\n    at MessagePage.processResponse (/app/node_modules/twilio/lib/base/Page.js:156:11)\n"
    "    at MessagePage.Page (/app/node_modules/twilio/lib/base/Page.js:40:24)",
)


def test_20003s_whole_message_names_it_in_every_sdks_exception() -> None:
    for paste in AUTHENTICATE:
        found = extract(paste)
        assert [(e.code, e.code_source, e.message) for e in found] == [(20003, "wording", "Authenticate")], paste
        assert list(scan(io.BytesIO(paste.encode()))) == found


def test_a_whole_message_names_nothing_inside_other_words_or_outside_an_sdk() -> None:
    for text in (
        "INFO user clicked Authenticate",
        "Error: Authenticate",  # no SDK's frame: any program's error
        "Error: Authenticate\n    at login (/app/src/auth.js:12:9)",
        "ValueError: Authenticate",
    ):
        assert extract(text) == [], text
    # an SDK's exception is a Twilio error whatever its words: of a code unknown, not 20003
    (found,) = extract(
        "twilio.base.exceptions.TwilioRestException: HTTP 401 error: Unable to create record: Authenticate first"
    )
    assert (found.code, found.code_source) == (None, "unknown")


def test_20404_is_recognised_with_the_resource_it_names() -> None:
    account, sid = "AC475463f2a2fc6828b1d32769febd680d", "SM6674ad59daf7455c9722f38b730f1f93"
    path = f"/2010-04-01/Accounts/{account}/Messages/{sid}.json"
    for paste in (
        f"twilio.base.exceptions.TwilioRestException: HTTP 404 error: Unable to fetch record: The requested resource "
        f"{path} was not found",
        f"Twilio.Exceptions.ApiException: The requested resource {path} was not found at "
        "Twilio.Clients.TwilioRestClient.ProcessResponse(Response response)",  # twilio/twilio-csharp#416
        f"Unhandled rejection Error: The requested resource {path} was not found\n"
        " at success (/Users/x/node_modules/twilio/lib/base/Version.js:88:15)",  # nash-md/twilio-contact-center#31
    ):
        (found,) = extract(paste)
        assert (found.code, found.code_source, found.account_sid, found.message_sid) == (20404, "wording", account, sid)
        assert list(scan(io.BytesIO(paste.encode()))) == [found]
    # an application's own "requested resource" is not Twilio's
    assert extract(f"ValueError: The requested resource {path} was not found") == []


def test_a_code_without_knowledge_points_to_diagnose_explain() -> None:
    # what a pasted error of a code without rules prints: the verdict, then where the code is explained
    mobile = NO_CODE_SHAPES[0].format(m="'To' number: +4915123456789, is not a valid mobile number")
    for paste, code in ((AUTHENTICATE[0], 20003), (mobile, 21614)):
        done = subprocess.run(
            [sys.executable, "-m", "diagnose", paste, "--offline"], capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 1, done.stderr
        assert f"{code} · no-knowledge" in done.stdout
        assert f"`diagnose explain {code}`" in done.stdout
        assert f"recognised from what the API writes for {code}" in " ".join(done.stdout.split())
        explained = subprocess.run(
            [sys.executable, "-m", "diagnose", "explain", str(code)], capture_output=True, text=True, timeout=120
        )
        assert explained.returncode == 0 and str(code) in explained.stdout
    as_json = subprocess.run(
        [sys.executable, "-m", "diagnose", AUTHENTICATE[0], "--offline", "--format", "json"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    (entry,) = json.loads(as_json.stdout)["diagnoses"]
    assert (entry["verdict"], entry["evidence"]["code"], entry["evidence"]["code_source"]) == (
        "no-knowledge",
        20003,
        "wording",
    )


def test_a_whole_wording_is_checked_as_one() -> None:
    from diagnose.knowledge import check_other_wordings, error_index, load_knowledge

    index = set(error_index())
    knowledge = {entry.code for entry in load_knowledge().entries()}
    assert (
        check_other_wordings({20003: [{"text": "Authenticate", "whole": True, "source": "x"}]}, knowledge, index) == []
    )
    problems = "\n".join(
        check_other_wordings(
            {
                20003: [
                    {"text": "Auth", "whole": True, "source": "x"},  # too short
                    {"text": "Authenticate", "source": "x"},  # one word: a whole message, or nothing
                    {"text": "Authenticate", "whole": "yes", "source": "x"},
                ]
            },
            knowledge,
            index,
        )
    )
    for expected in ("20003[0]: a whole message is 5 to 300", "20003[1]: 15 to 300 characters", "20003[2]: whole is"):
        assert expected in problems, problems


# What the API wrote for these codes, as pasted (docs/sources.md, "Real pastes"); {n}: the destination. The index's
# official messages ("The 'to' phone number provided is not yet verified for this account.", "Attempt to send to
# unsubscribed recipient", "'To' number is not a valid mobile number") are worded otherwise.
UNCODED_MESSAGES = (
    (  # openware/baseapp#181, twilio/twilio-php#246, takeyourmeds/takeyourmeds-web#85
        21608,
        "The number {n} is unverified. Trial accounts cannot send messages to unverified numbers; verify {n} at "
        "twilio.com/user/account/phone-numbers/verified, or purchase a Twilio number to send messages to unverified "
        "numbers.",
    ),
    (21610, "The message From/To pair violates a blacklist rule."),  # twilio/twilio-csharp#231
    (21614, "To number: {n}, is not a mobile number"),  # aloha/laravel-twilio#145, justarrived/just_match_api#1359
    (21219, "The number {n} is unverified. Trial accounts may only make calls to verified numbers."),  # bmh1cker/…#1
)
# twilio-node's RestException without its code (util.inspect's first line), and the other SDKs' shapes
UNCODED_SHAPES = (*NO_CODE_SHAPES, "RestException [Error]: {m}", "HTTP 400 error: Unable to create record: {m}")


@SETTINGS
@given(st.sampled_from(UNCODED_MESSAGES), st.sampled_from(UNCODED_SHAPES), st.sampled_from(sorted(NUMBERS)))
def test_older_api_wordings_of_codes_without_knowledge_name_their_code(
    message: tuple[int, str], shape: str, to: str
) -> None:
    code, text = message
    paste = shape.format(m=text.format(n=to))
    (found,) = extract(paste)
    assert (found.code, found.code_source, found.code_wording) == (code, "wording", "older"), paste
    assert (found.to, found.from_) == ((to, None) if "{n}" in text else (None, None)), paste
    assert list(scan(io.BytesIO(paste.encode()))) == [found]


def test_triage_counts_an_older_api_wording_as_its_code() -> None:
    # a log of the three, each once: a group per code, as a paste of each line reads it
    lines = [
        f"2026-12-01T10:00:0{i}Z ERROR send failed: {UNCODED_SHAPES[-2].format(m=text.format(n='+33612345678'))}"
        for i, (_, text) in enumerate(UNCODED_MESSAGES[:3])
    ]
    done = subprocess.run(
        [sys.executable, "-m", "diagnose", "triage", "-", "--offline", "--format", "json"],
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1, done.stderr
    groups = json.loads(done.stdout)["groups"]
    assert sorted((g["code"], g["count"]) for g in groups) == [(21608, 1), (21610, 1), (21614, 1)]
