"""A Twilio Console error-log page copied whole is one error: its heading ("Error - 21408"), the alert's text, its
properties (Timestamp, Sid, Resource Sid), the request (its URL names the account, its parameters the To) and the
response body Twilio answered with (docs/sources.md, "Real pastes"; the layout of the parts is an assumption).

The page is one block, delimited by its heading and its parts (diagnose/paste/_console.py), never by how close
its hits are: so two pages with the same code, or a page and a log line of the same code after it, stay two
errors, whatever parts a page shows, in whatever order, with whatever noise between them, CRLF or tabs."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from diagnose.paste import extract, scan
from diagnose.paste._stream import BLOCK

ACCOUNT = "AC0123456789abcdef0123456789abcdef"
OTHER_ACCOUNT = "ACfedcba9876543210fedcba9876543210"
SM = "SM0123456789abcdef0123456789abcdef"
OTHER_SM = "SMfedcba9876543210fedcba9876543210"
ALERT = "NO0123456789abcdef0123456789abcdef"
MESSAGE = "Permission to send an SMS has not been enabled for the region indicated by the 'To' number: {to}"

PAGE = """Error - 21408
Permission to send an SMS has not been enabled for the region indicated by the 'To' number: +33612345678

Properties
Timestamp\t2026-11-30 10:00:00 UTC
Sid\tNO0123456789abcdef0123456789abcdef
Resource Sid\tSM0123456789abcdef0123456789abcdef

Request
Request URL
https://api.twilio.com/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/Messages.json
Request Method
POST
Request Parameters
To\t+33612345678
From\t+15005550006
Body\thello

Response
Response Body
{"code": 21408, "message": "Permission to send an SMS has not been enabled for the region indicated by the 'To' \
number: +33612345678", "more_info": "https://www.twilio.com/docs/errors/21408", "status": 400}
"""


def _agree(text: str, chunk_size: int = 257) -> list:  # type: ignore[type-arg]
    found = extract(text)
    assert list(scan(io.BytesIO(text.encode()), chunk_size=chunk_size)) == found
    return found


def test_a_console_page_is_one_error_with_everything_it_shows() -> None:
    (found,) = _agree(PAGE)  # failed before: two errors, one without the account, one with it but no SID
    assert (found.code, found.to, found.country, found.account_sid) == (21408, "+33612345678", "FR", ACCOUNT)
    assert (found.message_sid, found.from_, found.format, found.line) == (SM, "+15005550006", "console-page", 1)
    assert found.timestamp is not None and found.timestamp.startswith("2026-11-30")
    assert found.message == MESSAGE.format(to="+33612345678")


def test_the_to_of_the_request_parameters_when_no_message_names_it() -> None:
    page = PAGE.replace(": +33612345678", "")  # the alert and the body name no number: the parameter is the To
    (found,) = _agree(page)
    assert (found.to, found.country, found.account_sid, found.message_sid) == ("+33612345678", "FR", ACCOUNT, SM)


def test_the_same_page_twice_is_two_errors() -> None:
    found = _agree(PAGE + "\n" + PAGE)  # an error that happened twice, copied twice: counted twice
    assert [(e.code, e.to, e.account_sid, e.line) for e in found] == [
        (21408, "+33612345678", ACCOUNT, 1),
        (21408, "+33612345678", ACCOUNT, 23),
    ]


def test_a_loggers_line_after_a_page_is_not_part_of_it() -> None:
    text = PAGE + "2026-11-30T10:05:00Z ERROR sms failed code=21408 to=+33612345678\n"
    assert [(e.code, e.format) for e in _agree(text)] == [(21408, "console-page"), (21408, "log-line")]


# --------------------------------------------------------------------------- generated pages

NUMBERS = ("+33612345678", "+4915123456789", "+2348031234567")
HEADS = (
    "Error - 21408",
    "ERROR - 21408",
    "Warning - 21408",
    "Error - 21408 - Permission to send an SMS has not been enabled",
)
NOISE = ("", " ", "\t", "  \t ", "Copy", "Show more", "Expand all", "Collapse")


def _rows(pairs: list[tuple[str, str]], tabs: bool) -> list[str]:
    """A table as a browser copies it: a row per line with a tab between the cells, or a cell per line."""
    out: list[str] = []
    for key, value in pairs:
        out += [f"{key}\t{value}"] if tabs else [key, value]
    return out


@st.composite
def pages(draw: st.DrawFn, to: str, account: str, sid: str) -> tuple[str, dict[str, object]]:
    """One Console page of 21408 with some of its parts, in any order, and what a reader must find in it."""
    tabs = draw(st.booleans())
    message = MESSAGE.format(to=to)
    parts: dict[str, list[str]] = {
        "properties": [
            "Properties",
            *_rows([("Timestamp", "2026-11-30 10:00:00 UTC"), ("Sid", ALERT), ("Resource Sid", sid)], tabs),
        ],
        "url": ["Request URL", f"https://api.twilio.com/2010-04-01/Accounts/{account}/Messages.json"],
        "method": ["Request Method", "POST"],
        "parameters": ["Request Parameters", *_rows([("To", to), ("From", "+15005550006"), ("Body", "hi")], tabs)],
        "body": [
            "Response Body",
            *draw(
                st.sampled_from(
                    [
                        [f'{{"code": 21408, "message": "{message}", "more_info": null, "status": 400}}'],
                        ["{", '  "code": 21408,', f'  "message": "{message}",', '  "status": 400', "}"],
                    ]
                )
            ),
        ],
    }
    chosen = draw(st.lists(st.sampled_from(sorted(parts)), unique=True, min_size=1))
    # a browser's copy may end a cell's line with its tab or a space
    trail = draw(st.sampled_from(["", " ", "\t"]))
    parts = {name: [line + trail if line else line for line in part] for name, part in parts.items()}
    alert = draw(st.booleans())
    lines = [draw(st.sampled_from(HEADS))]
    if alert:
        lines.append(message)
    for name in chosen:
        lines += draw(st.lists(st.sampled_from(NOISE), max_size=2))
        lines += parts[name]
    expect: dict[str, object] = {"code": 21408}
    if alert or {"parameters", "body"} & set(chosen):
        expect["to"] = to
    if "url" in chosen:
        expect["account_sid"] = account
    if "properties" in chosen:
        expect["message_sid"] = sid
    return "\n".join(lines), expect


def _check(found: object, expect: dict[str, object]) -> None:
    for name, value in expect.items():
        assert getattr(found, name) == value, (name, found)


def _text(lines: list[str], crlf: bool) -> str:
    return ("\r\n" if crlf else "\n").join(lines) + ("\r\n" if crlf else "\n")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data(), st.sampled_from(NUMBERS), st.booleans(), st.sampled_from([97, 257, 4096]))
def test_a_page_with_any_of_its_parts_is_one_error(data: st.DataObject, to: str, crlf: bool, chunk: int) -> None:
    page, expect = data.draw(pages(to, ACCOUNT, SM))
    found = _agree(_text(page.split("\n"), crlf), chunk)
    assert len(found) == 1, [(e.code, e.line, e.to, e.account_sid) for e in found]
    _check(found[0], expect)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data(), st.booleans(), st.sampled_from(["", "\n", "\n\n"]), st.booleans())
def test_two_pages_with_the_same_code_are_two_errors(data: st.DataObject, same: bool, gap: str, crlf: bool) -> None:
    first, one = data.draw(pages(NUMBERS[0], ACCOUNT, SM))
    if same:  # the same error twice (same To, account and message): still two occurrences
        second, two = data.draw(pages(NUMBERS[0], ACCOUNT, SM))
    else:
        second, two = data.draw(pages(NUMBERS[1], OTHER_ACCOUNT, OTHER_SM))
    text = _text((first + "\n" + gap + second).split("\n"), crlf)
    found = _agree(text)
    assert len(found) == 2, [(e.code, e.line, e.to, e.account_sid) for e in found]
    _check(found[0], one)
    _check(found[1], two)


# a log's own error of the same code, after the page (a separate event, never one of the page's parts)
AFTER = (
    "2026-11-30T10:05:00Z ERROR sms failed code=21408 to={to}",
    "[2026-11-30 10:05:00,120] ERROR twilio: HTTP 400 error: Unable to create record: " + MESSAGE,
    "twilio.base.exceptions.TwilioRestException: HTTP 400 error: Unable to create record: " + MESSAGE,
    '2026-11-30T10:05:00Z {{"level":"error","code":21408,"to":"{to}"}}',
    "Error - 21408",
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data(), st.sampled_from(AFTER), st.sampled_from(["", "\n", "\nINFO ok\n"]), st.booleans())
def test_a_log_line_with_the_same_code_after_a_page_is_another_error(
    data: st.DataObject, after: str, gap: str, crlf: bool
) -> None:
    page, expect = data.draw(pages(NUMBERS[0], ACCOUNT, SM))
    text = _text((page + "\n" + gap + after.format(to=NUMBERS[0])).split("\n"), crlf)
    found = _agree(text)
    assert len(found) == 2, [(e.code, e.line, e.to, e.format) for e in found]
    _check(found[0], expect)
    assert found[1].code == 21408


@settings(max_examples=40, deadline=None)
@given(st.integers(min_value=20, max_value=120), st.sampled_from([97, 1000, 1 << 20]))
def test_a_long_page_is_read_whole(headers: int, chunk: int) -> None:
    # many response headers between the request and the body: no line a log's reader looks for among them
    rows = [f"X-Header-{i}\tvalue {i}" for i in range(headers)]
    page = PAGE.replace("Response\nResponse Body", "Response\nResponse Headers\n" + "\n".join(rows) + "\nResponse Body")
    (found,) = _agree(page + "INFO ok\n", chunk)
    assert (found.code, found.to, found.account_sid, found.message_sid) == (21408, "+33612345678", ACCOUNT, SM)
    assert found.http_status == 400  # the body's, 20 lines and more below the heading


def test_a_line_of_a_page_naming_another_code_is_that_errors() -> None:
    # the alert's text of another error below the heading: its code's, never the page's message (the body's is)
    page = PAGE.replace(
        MESSAGE.format(to="+33612345678") + "\n\nProperties",
        "Account not authorized to call +4915123456789\n\nProperties",
        1,
    )
    found = _agree(page)
    assert [(e.code, e.format) for e in found] == [(21408, "console-page"), (21215, "wording")]
    assert (found[0].to, found[0].account_sid) == ("+33612345678", ACCOUNT)
    assert found[0].message == MESSAGE.format(to="+33612345678")
    assert found[0].http_status == 400 and found[1].to == "+4915123456789"


def test_a_page_below_a_log_line_has_its_own_time() -> None:
    above = "2026-11-30T09:00:00Z INFO deploy finished\n"
    (found,) = _agree(above + "Error - 21408\n" + MESSAGE.format(to="+33612345678") + "\n")
    assert found.timestamp is None  # failed before: the log line's time, 09:00, which is not the error's
    page = PAGE.replace("Timestamp\t2026-11-30 10:00:00 UTC\n", "")
    (found,) = _agree(above + page)
    assert found.timestamp is None and found.account_sid == ACCOUNT


@pytest.mark.parametrize("back", [0, 600])
def test_a_page_across_a_workers_block_end_is_one_error(back: int, tmp_path: Path) -> None:
    # its heading just before where a block of a big log may end, and 100 rows below it that no reader anchors
    # on: a block ended inside the page, whose two halves were two errors (failed before), in a file and a pipe
    rows = "\n".join(f"X-Header-{i}\tvalue {i}" for i in range(100))
    page = PAGE.replace("Request\nRequest URL", "Request Headers\n" + rows + "\nRequest\nRequest URL")
    filler = "2026-11-30T10:00:00Z INFO GET / 200 ok\n"
    text = filler * ((BLOCK - back) // len(filler)) + page + filler * (2 * BLOCK // len(filler) + 10)
    path = tmp_path / "app.log"
    path.write_text(text)
    alone = list(scan(io.BytesIO(text.encode())))
    assert [(e.code, e.account_sid, e.message_sid, e.http_status) for e in alone] == [(21408, ACCOUNT, SM, 400)]
    with path.open("rb") as log:
        assert list(scan(log, workers=2)) == alone
    assert list(scan(io.BytesIO(text.encode()), workers=2)) == alone
