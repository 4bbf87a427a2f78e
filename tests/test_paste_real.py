"""Errors as people really paste them: the shapes seen in public threads and in the helper libraries'
sources (docs/sources.md, "Real pastes"), each read right whatever number, country or code it holds.

The corpus (tests/data/paste, 65-98) holds one sample of each; these tests generate the rest.
"""

from __future__ import annotations

import io
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from diagnose.paste import extract, scan
from diagnose.paste._parse import labelled_destination, number_in_message

# Valid numbers of several countries (documented examples and numbering-plan ranges), and their country
NUMBERS = {
    "+2348031234567": "NG",
    "+33612345678": "FR",
    "+447400123456": "GB",
    "+4915123456789": "DE",
    "+61491570156": "AU",
    "+5511987654321": "BR",
    "+819012345678": "JP",
    "+923001234567": "PK",
    "+14155550123": "US",
    "+17875551234": "PR",
}
number = st.sampled_from(sorted(NUMBERS))
senders = st.sampled_from(["+15017122661", "+15005550006", "+447700900999", "+61255501234"])
REAL = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])  # tables load once


# --------------------------------------------------------------------------- the sender is never the destination

# Twilio's messages that name the sender, not the destination (21212 as pasted in twilio/twilio-ruby#348,
# twilio/twilio-node#456 and #270; 21606 in laravel-notification-channels/twilio#100, aloha/laravel-twilio#182)
SENDER_MESSAGES = (
    (21212, "The 'From' number {n} is not a valid phone number, shortcode, or alphanumeric sender ID."),
    (
        21606,
        "The From phone number {n} is not a valid, SMS-capable inbound phone number or short code for your account.",
    ),
    # lesleyornelas/Twilio-#34 (both, with their codes) and chadsmith/OpenVBX-Android#10
    (21212, "From is not a valid phone number: {n}"),
    (
        21210,
        "The source phone number provided, {n}, is not yet verified for your account. You may only make calls from"
        " phone numbers that you've verified or purchased from Twilio.",
    ),
)
# How a printed code reaches a paste with Twilio's message beside it
CODE_WRAPPERS = (
    "Status: 400 - ApiError {code}: {m} (null) More info: https://www.twilio.com/docs/errors/{code}",
    '{{"code": {code}, "message": "{m}", "more_info": "https://www.twilio.com/docs/errors/{code}", "status": 400}}',
    "RestException [Error]: {m}\n    at success (/app/node_modules/twilio/lib/base/Version.js:79:23) {{\n"
    "  status: 400,\n  code: {code},\n  moreInfo: 'https://www.twilio.com/docs/errors/{code}',\n"
    "  details: undefined\n}}",
    "Twilio::REST::RestError: [HTTP 400] {code} : Unable to create record\n{m}\nhttps://www.twilio.com/docs/errors/{code}",
    "[object] (Twilio\\Exceptions\\RestException(code: {code}): [HTTP 400] Unable to create record: {m} "
    "at /v/Version.php:88)",
    "            [Code] => {code}\n            [Message] => {m}\n            [Status] => 400",
)


@REAL
@given(st.sampled_from(SENDER_MESSAGES), st.sampled_from(CODE_WRAPPERS), senders)
def test_a_sender_named_in_the_message_is_never_the_destination(
    message: tuple[int, str], wrapper: str, sender: str
) -> None:
    code, text = message
    paste = wrapper.format(code=code, m=text.format(n=sender))
    (found,) = extract(paste)
    assert found.code == code
    assert found.to is None and found.to_raw is None and found.country is None, paste
    assert found.from_ == sender  # and it is read as the sender


@REAL
@given(number, senders, st.sampled_from(["sms to {n} failed: ", "notify {n}: ", ""]))
def test_the_destination_beside_a_sender_is_still_read(to: str, sender: str, prefix: str) -> None:
    # both numbers in one message, the To first (21612's wording with its numbers: unverified, docs/sources.md)
    text = f"The 'To' phone number: {to}, is not currently reachable using the 'From' phone number: {sender} via SMS."
    assert number_in_message(text) == to
    paste = f"{prefix.format(n=to)}Status: 400 - ApiError 21612: {text} (null) More info: https://www.twilio.com/docs/errors/21612"
    (found,) = extract(paste)
    assert (found.code, found.to, found.country) == (21612, to, NUMBERS[to])


@REAL
@given(senders)
def test_a_log_line_labelling_only_a_sender_lends_no_destination(sender: str) -> None:
    assert labelled_destination(f"The 'From' number {sender} is not a valid phone number") is None
    assert labelled_destination(f"The From phone number {sender} is not valid") is None
    assert labelled_destination(f"sms to {sender} failed") == sender


# --------------------------------------------------------------------------- SDK errors read as their SDK's

GEO_MESSAGES = (
    (21408, "Permission to send an SMS has not been enabled for the region indicated by the 'To' number: {n}."),
    (21215, "Account not authorized to call {n}. Perhaps you need to enable some international permissions: "
     "https://www.twilio.com/console/voice/calls/geo-permissions/low-risk"),
)  # fmt: skip
# (shape, format, HTTP status read, code printed): each as its library or framework prints it
SDK_SHAPES = (
    # twilio-php's message as Laravel logs it, with the class and code in its context
    ('[2026-11-30 09:12:01] production.ERROR: [HTTP 400] Unable to create record: {m} {{"exception":"[object] '
     '(Twilio\\\\Exceptions\\\\RestException(code: {code}): [HTTP 400] Unable to create record: {m} at '
     '/var/www/vendor/twilio/sdk/src/Twilio/Version.php:88)', "php-exception", 400, True),
    # CodeIgniter's uncaught-exception page (bcit-ci/CodeIgniter#5821)
    ("Type:        Twilio\\Exceptions\\RestException\n\nMessage:     [HTTP 400] Unable to create record: {m}\n\n"
     "Filename: /var/www/html/vendor/twilio/sdk/src/Twilio/Version.php", "php-exception", 400, False),
    # twilio-php 4 (twilio/twilio-php#265)
    ("PHP Fatal error:  Uncaught exception 'Services_Twilio_RestException' with message '{m}' in "
     "/var/www/lib/Services/Twilio.php:297", "php-exception", None, False),
    # twilio-python 5 and older (twilio/twilio-python#139, arachnys/cabot#395)
    ("twilio.TwilioRestException: HTTP ERROR 400: {code}: {m}\n\n    Please see: "
     "https://api.twilio.com/docs/errors/{code} for more information.", "python-exception", 400, True),
    # twilio-ruby 5 in a Rails log (twilio/twilio-ruby#348), and 4's RequestError uncaught (twilio/twilio-ruby#29)
    ("Twilio::REST::RestError (Unable to create record: {m}):\n/box/gems/twilio-ruby-5.2.3/lib/twilio-ruby/"
     "framework/version.rb:157:in `create'", "ruby-exception", None, False),
    ("/gems/twilio-ruby-4.13.0/lib/twilio-ruby/rest/client.rb:226:in `connect_and_send': {m} "
     "(Twilio::REST::RequestError)", "ruby-exception", None, False),
    # twilio-java 6 and older (twilio/twilio-java#185)
    ('Exception in thread "main" com.twilio.sdk.TwilioRestException: {m}\n\tat com.twilio.sdk.TwilioRestException'
     ".parseResponse(TwilioRestException.java:74)", "java-exception", None, False),
    # Node before 10 (twilio/twilio-node#270)
    ("{{ [Error: {m}]\n  status: 400,\n  message: '{q}',\n  code: {code},\n"
     "  moreInfo: 'https://www.twilio.com/docs/errors/{code}',\n  detail: undefined }}", "node-exception", 400, True),
)  # fmt: skip


@REAL
@given(st.sampled_from(GEO_MESSAGES), st.sampled_from(SDK_SHAPES), number)
def test_sdk_errors_are_read_as_their_sdk_prints_them(
    message: tuple[int, str], shape: tuple[str, str, int | None, bool], to: str
) -> None:
    code, text = message
    template, fmt, status, printed = shape
    m = text.format(n=to)
    paste = template.format(code=code, m=m, q=m.replace("'", "\\'"))
    (found,) = extract(paste)
    assert (found.code, found.format, found.http_status) == (code, fmt, status), paste
    assert found.code_source == ("printed" if printed else "wording")
    assert (found.to, found.country) == (to, NUMBERS[to])
    assert list(scan(io.BytesIO(paste.encode()))) == [found]  # diagnose triage reads it alike


@REAL
@given(number, st.sampled_from(["21211", "21614", "21408"]))
def test_ruby_puts_twilios_message_on_the_next_line(to: str, code: str) -> None:
    # twilio-ruby's RestError#message: "[HTTP 400] 21211 : Unable to create record\n<message>\n<more_info>"
    paste = (
        f"I, [2026-11-30T08:41:02.117735 #7] ERROR -- : Twilio::REST::RestError ([HTTP 400] {code} : Unable to "
        f"create record\nThe 'To' number {to} is not a valid phone number.\nhttps://www.twilio.com/docs/errors/{code}\n"
    )
    (found,) = extract(paste)
    assert (found.code, found.http_status, found.to) == (int(code), 400, to)
    assert found.message == f"The 'To' number {to} is not a valid phone number."
    assert list(scan(io.BytesIO(paste.encode()))) == [found]


# --------------------------------------------------------------------------- fields in other notations


@REAL
@given(number, st.sampled_from([21215, 21408, 21211]))
def test_the_2010_apis_xml_body_is_read_as_its_json(to: str, code: int) -> None:
    # <TwilioResponse><RestException>…: the 2010 API's .xml answer (instedd/verboice#564)
    xml = (
        f"<TwilioResponse><RestException><Code>{code}</Code><Message>Account not authorized to call {to}."
        f"</Message><MoreInfo>https://www.twilio.com/docs/errors/{code}</MoreInfo><Status>400</Status>"
        "</RestException></TwilioResponse>"
    )
    (found,) = extract(xml)
    assert (found.code, found.code_source, found.http_status, found.to) == (code, "printed", 400, to)
    assert found.message == f"Account not authorized to call {to}."


@REAL
@given(number, senders, st.sampled_from(["30003", "30007", "30008"]))
def test_flask_request_form_pairs_are_fields(to: str, sender: str, code: str) -> None:
    line = (
        f"INFO status ImmutableMultiDict([('SmsSid', 'SM{'a' * 32}'), ('MessageStatus', 'undelivered'), "
        f"('To', '{to}'), ('From', '{sender}'), ('ErrorCode', '{code}')])"
    )
    for paste in (line, f"2026-11-30T10:00:00Z INFO hook\n{line}\n2026-11-30T10:00:01Z INFO done"):
        (found,) = extract(paste)
        assert (found.code, found.to, found.from_, found.status) == (int(code), to, sender, "undelivered")
        assert found.format == "status-callback"
        assert list(scan(io.BytesIO(paste.encode()))) == [found]


@REAL
@given(number)
def test_a_json_message_inside_a_json_string_is_the_message(to: str) -> None:
    # CloudWatch: a structured logger's "message" holding the error body, its quotes escaped
    inner = (
        f'{{\\"code\\":21408,\\"message\\":\\"Permission to send an SMS has not been enabled for the region '
        f'indicated by the \'To\' number: {to}.\\",\\"status\\":400}}'
    )
    (found,) = extract(f'{{"level":"ERROR","message":"twilio send failed {inner}"}}')
    assert (found.code, found.http_status, found.to) == (21408, 400, to)
    assert found.message is not None and found.message.startswith("Permission to send")


def test_a_successful_send_around_no_error_is_no_error() -> None:
    # curl -v of a message Twilio accepted, then its delivered callback: "error_code": null, a body with
    # five digits ("code is 48291"), HTTP 201: nothing is an error
    paste = (
        "> POST /2010-04-01/Accounts/AC4d5e6f708192a3b4c5d6e7f8091a2b3c/Messages.json HTTP/2\n"
        "< HTTP/2 201\n"
        '{"account_sid": "AC4d5e6f708192a3b4c5d6e7f8091a2b3c", "body": "Your verification code is 48291", '
        '"error_code": null, "error_message": null, "from": "+15017122661", '
        '"sid": "SM4d5e6f708192a3b4c5d6e7f8091a2b3c", "status": "queued", "to": "+4915123456780"}\n'
        "2026-11-30T11:23:00Z INFO status callback MessageSid=SM4d5e6f708192a3b4c5d6e7f8091a2b3c"
        "&MessageStatus=delivered&To=%2B4915123456780&From=%2B15017122661&ApiVersion=2010-04-01\n"
    )
    assert extract(paste) == []
    assert list(scan(io.BytesIO(paste.encode()))) == []


@REAL
@given(st.sampled_from(GEO_MESSAGES), number, st.sampled_from(["value", "stack", "exception"]), st.booleans())
def test_an_sdk_error_inside_a_json_string_keeps_only_its_message(
    message: tuple[int, str], to: str, key: str, escaped_newline: bool
) -> None:
    # Sentry's event ("value": "HTTP 400 error: …", "module": …), pino's err.stack, structlog's exception
    code, text = message
    m = text.format(n=to)
    tail = '\\n  File \\"/app/x.py\\", line 3' if escaped_newline else ""
    error = f"twilio.base.exceptions.TwilioRestException: HTTP 400 error: Unable to create record: {m}{tail}"
    paste = f'{{"{key}": "{error}", "module": "twilio.base.exceptions"}}'
    (found,) = extract(paste)
    assert (found.code, found.to, found.message) == (code, to, m)


PASSCODE_PHRASES = (
    "sent verification code {c} to {n}",
    "Your Acme code: {c} (to {n})",
    "otp: verification code={c} recipient={n}",
    "login code {c} delivered to {n}",
    "zip code {c} matched store 12",
)


@REAL
@given(st.sampled_from(PASSCODE_PHRASES), st.sampled_from(["21408", "30008", "21610", "30007"]), number)
def test_a_passcode_that_looks_like_an_error_code_is_no_error(phrase: str, code: str, to: str) -> None:
    # a five-digit one-time code is often one of Twilio's 1,953 codes: the words before "code" tell
    line = "2026-11-30T10:00:00Z INFO " + phrase.format(c=code, n=to)
    assert extract(line) == []
    assert list(scan(io.BytesIO(line.encode()))) == []
    # an error on the same line is still read
    (found,) = extract(line + " failed: twilio error 21211")
    assert found.code == 21211


# --------------------------------------------------------------------------- codes without a knowledge file

# (code, Twilio's message with its number, which number it names): knowledge/wordings.yaml
OTHER_MESSAGES = (
    (21211, "The 'To' number {n} is not a valid phone number.", "to"),
    (21212, "The 'From' number {n} is not a valid phone number, shortcode, or alphanumeric sender ID.", "from"),
    (21606, "The From phone number {n} is not a valid, SMS-capable inbound phone number or short code for your "
     "account.", "from"),
    (21212, "From is not a valid phone number: {n}", "from"),
    (21210, "The source phone number provided, {n}, is not yet verified for your account. You may only make calls "
     "from phone numbers that you've verified or purchased from Twilio.", "from"),
)  # fmt: skip
NO_CODE_SHAPES = (
    "twilio.base.exceptions.TwilioRestException: HTTP 400 error: Unable to create record: {m}",
    "PHP Fatal error:  Uncaught Twilio\\Exceptions\\RestException: [HTTP 400] Unable to create record: {m} "
    "in /v/V.php:88",
    "com.twilio.exception.ApiException: {m}\n\tat com.twilio.http.TwilioRestClient.request(TwilioRestClient.java:121)",
    "Twilio.Exceptions.ApiException: {m}\n   at Twilio.Clients.TwilioRestClient.ProcessResponse(Response response)",
)


@REAL
@given(st.sampled_from(OTHER_MESSAGES), st.sampled_from(NO_CODE_SHAPES), number)
def test_a_code_without_knowledge_is_recognised_from_what_the_api_writes(
    message: tuple[int, str, str], shape: str, n: str
) -> None:
    # the index's official messages ("Invalid 'To' Phone Number") are not what the API sends
    code, text, which = message
    paste = shape.format(m=text.format(n=n))
    (found,) = extract(paste)
    assert (found.code, found.code_source, found.code_wording) == (code, "wording", "older")
    assert (found.to, found.from_) == ((n, None) if which == "to" else (None, n))
    assert list(scan(io.BytesIO(paste.encode()))) == [found]


@REAL
@given(
    number,
    st.sampled_from(
        [
            "INFO user typed {n}, which is not a valid phone number",
            "ValueError: {n} is not a valid phone number",
            "INFO the number {n} is not yet verified for your account",
            "ValueError: From is not a valid phone number: {n}",
        ]
    ),
)
def test_a_line_that_only_words_like_those_codes_is_no_error(n: str, line: str) -> None:
    # their wordings count only where a line already looks like a Twilio error (an SDK's exception)
    assert extract(line.format(n=n)) == []


def test_the_other_wordings_file_is_checked() -> None:
    import yaml

    from diagnose.knowledge import BUILTIN_DIR, check_other_wordings, error_index, load_knowledge

    index = set(error_index())
    knowledge = {entry.code for entry in load_knowledge().entries()}
    doc = yaml.safe_load((BUILTIN_DIR / "wordings.yaml").read_text(encoding="utf-8"))
    assert check_other_wordings(doc, knowledge, index) == []
    bad = {
        99999: [{"text": "a wording of no code", "source": "x"}],
        21408: [{"text": "has its own knowledge file", "source": "x"}],
        21211: [
            {"text": "is not a valid phone number"},  # no source, not marked unverified
            {"text": "too short", "source": "x"},
            {"text": "Invalid 'To' Phone Number", "source": "x"},  # the index's message: names it already
            {"text": "Attempt to send to unsubscribed recipient", "source": "x"},  # 21610's official message
        ],
        21212: [{"text": "is not a valid phone number", "source": "x"}],  # also listed for 21211
    }
    problems = "\n".join(check_other_wordings(bad, knowledge, index))
    for expected in (
        "99999: not a code",
        "21408: it has a knowledge file",
        "21211[0]: a wording names its source",
        "21211[1]: 15 to 300 characters",
        "21211[3]: wording is Twilio's official message for 21610",
        "21212[0]: wording also listed for 21211",
    ):
        assert expected in problems, problems


def test_knowledge_lint_checks_the_other_wordings_file(tmp_path: Path) -> None:
    from diagnose.knowledge import BUILTIN_DIR, lint_paths

    assert [p for p in lint_paths([BUILTIN_DIR]) if "wordings.yaml" in p.path] == []
    (tmp_path / "wordings.yaml").write_text('21211:\n  - text: "too short"\n99999:\n  - "a bare wording of no code"\n')
    for target in (tmp_path, tmp_path / "wordings.yaml"):
        found = [(p.severity, p.message) for p in lint_paths([target]) if p.path.endswith("wordings.yaml")]
        assert ("error", "99999: not a code of Twilio's error index") in found, found
        assert any(message.startswith("21211[0]: 15 to 300 characters") for _, message in found), found


_COUNTRY_NUMBERS = st.sampled_from([("+33612345678", "FR"), ("+4915123456789", "DE"), ("+2348031234567", "NG")])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_COUNTRY_NUMBERS, st.sampled_from(["error_code", "code", "ErrorCode"]), st.sampled_from(["recipient", "to"]))
def test_an_apps_line_inside_a_json_log_record_keeps_its_fields(number: tuple[str, str], code: str, to: str) -> None:
    # Docker's json-file record ({"log": "…\n"}) and a structured logger's msg hold the app's own line:
    # its key=value fields are read as in the line itself, by a paste and triage alike
    to_number, country = number
    line = f"SMS failed: {code}=21408 {to}={to_number} account=AC{'17' * 16}"
    expected = [(21408, to_number, country, "AC" + "17" * 16)]
    assert [(e.code, e.to, e.country, e.account_sid) for e in extract(line)] == expected
    for record in (
        f'{{"log": "2026-11-30T10:16:01Z {line}\\n", "stream": "stderr", "time": "2026-11-30T10:16:01.5Z"}}',
        f'{{"level": "error", "msg": "{line}", "ts": 1764497761.5}}',
    ):
        found = extract(record)
        assert [(e.code, e.to, e.country, e.account_sid) for e in found] == expected, record
        assert list(scan(io.BytesIO(record.encode()))) == found
