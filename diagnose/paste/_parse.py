"""One small parser per shape of pasted text. Each turns one cleaned line into hits.

A :class:`Hit` is what one parser saw on one line: a few fields of one error.
:mod:`._extract` merges the hits of neighbouring lines into records (a
traceback's exception line and its ``code: 21408`` property, a ``curl -v``
request line and the JSON body below it). Parsers are pure and bounded: they
only ever see one line of at most ``MAX_LINE`` bytes, or a window of a longer
line of at most twice that (:mod:`._stream`, :mod:`._overlap`).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, fields
from urllib.parse import unquote_plus

from ..evidence import twilio_form
from ._labels import (
    BARE_BEFORE,
    BARE_WORDS,
    COUNTRY_AFTER,
    COUNTRY_HINTS,
    FROM_ROLES,
    LABELS,
    NATIONAL_PASS,
    SENDER_WORDS,
    SUFFIX_ENDS,
    TO_ROLES,
    alternation,
    bare_code_pass,
    norm,
    suffix_role,
)
from ._numbers import country_hint, read_number
from ._rx import rx
from ._text import after_stamp
from ._time import epoch_time, parse_timestamp

# The formats a record can be recognised as, most specific first: a record made of several
# hits takes the first of its hits' formats in this order.
FORMATS: tuple[str, ...] = (
    "csv-row",  # a row of a CSV export read by its header (._csv): one row, one error, whatever its fields say
    "console-page",  # a page of the Twilio Console's error log copied whole (._console): one page, one error
    "debugger-webhook",
    "monitor-alert",
    "notification",
    "message-resource",
    "call-resource",
    "status-callback",
    "python-exception",
    "node-exception",
    "php-exception",
    "java-exception",
    "csharp-exception",
    "ruby-exception",
    "go-error",
    "curl-verbose",
    "problem-details",
    "rest-error",
    "log-line",
    "wording",
)
_RANK = {name: i for i, name in enumerate(FORMATS)}


@dataclass
class Hit:
    """Fields of one error seen by one parser on one line."""

    format: str | None = None  # None: a fragment that names no format by itself
    line: int = 0
    code: int | None = None
    code_source: str | None = None  # printed / more-info-url
    http_status: int | None = None
    message: str | None = None
    account_sid: str | None = None
    parent_account_sid: str | None = None
    message_sid: str | None = None
    call_sid: str | None = None
    to: str | None = None
    from_: str | None = None
    to_country: str | None = None  # the destination's country a field names (ToCountry=GB): a national To's
    status: str | None = None
    channel: str | None = None  # sms / voice from the resource or the keys
    inbound: bool = False
    continues: bool = False  # a line that starts with a Twilio message: the rest of the line above's
    names: int | None = None  # the code a line that is only a Twilio message names by its wording
    weak_to: bool = field(default=False, compare=False)  # ``to`` from a "number" or "phone" field, not a To
    # the word before ``to`` when no label names it (free text: "sms to 4474…", "error 21408 for 1787…"), read at
    # low confidence when it has no '+'
    bare_to: str = field(default="", compare=False)
    time: str | None = None  # the time a field names (a Debugger webhook's Timestamp), decoded
    # how many numbers a list of recipients names when it names several ({"recipients": ["+234…", "+336…"]}): none
    # is the To unless Twilio's message names one
    recipients: int = field(default=0, compare=False)
    # the numbers a list in free text names after ``to``, each a failure of the same error ("error 21408 for
    # 4155550100, 4155550111"): _extract.hits_of makes a hit of each
    listed: tuple[str, ...] = field(default=(), compare=False)
    # a PBX's dial line (parse_dial): the number called, an error's To only on its line or the next
    dialled: bool = field(default=False, compare=False)
    excerpt: str = field(default="", compare=False)
    keys: frozenset[str] = field(default=frozenset(), compare=False)  # the field names seen (classification)

    def filled(self) -> dict[str, object]:
        out = {}
        for name in _FIELDS:
            value = getattr(self, name)
            if value is not None and value is not False and value != "":
                out[name] = value
        return out


_META = frozenset(
    {
        *("format", "line", "excerpt", "code_source", "inbound", "continues", "names", "keys", "weak_to", "bare_to"),
        *("time", "recipients", "listed", "dialled"),
    }
)
_FIELDS = tuple(f.name for f in fields(Hit) if f.name not in _META)  # the error's own fields, in order


def better_format(a: str | None, b: str | None) -> str | None:
    if a is None:
        return b
    if b is None:
        return a
    return a if _RANK.get(a, 99) <= _RANK.get(b, 99) else b


# --------------------------------------------------------------------------- shared pieces

# A SID's hex digits in either case: Twilio writes them in lower case, and some log pipelines upper-case what
# they forward. What is read is Twilio's form (twilio_form), the one its API is asked for.
# A SID's two letters are upper-case as Twilio writes them, or both lower-case: a URL or a log someone lower-cased
# ('ac15bf…'), read in Twilio's form (twilio_form)
_ACCOUNT = rx(r"\b(?:AC|ac)[0-9a-fA-F]{32}\b")
_SID = rx(r"\b(?:SM|MM|CA|NO|sm|mm|ca|no)[0-9a-fA-F]{32}\b")
_RESOURCE_SID = rx(r"\b(?:SM|MM|CA|sm|mm|ca)[0-9a-fA-F]{32}\b")
_URL_RESOURCE = rx(
    r"/(?:Accounts|accounts)/((?:AC|ac)[0-9a-fA-F]{32})/(Messages|Calls|SMS/Messages|messages|calls|sms/messages)\b"
    r"(?:/((?:SM|MM|CA|sm|mm|ca)[0-9a-fA-F]{32}))?"
)


_MORE_INFO = rx(r"twilio\.com/docs/(?:api/)?errors/(\d{5})\b")
_NUMBER_IN_TEXT = rx(
    r"(?i)(?:'to' number|to number|\bto call|\bcalling|\bnumber|\bdialed|\bdialled|\bto|destination region)[ \t:=]{1,3}"
    r"((?:whatsapp:)?\+?[0-9*xX•][0-9*xX• ().-]{4,22}[0-9*xX•])"
)
_CODE_TOKEN = rx(r"^\d{5}$")

# A number Twilio's message labels as the sender: "The 'From' number", "The From phone number"
_FROM_LABEL = rx(r"(?i)\bfrom'?[ \t]{1,2}(?:phone[ \t]{1,2})?number\b")
# and the number in those messages, or in 21210's "The source phone number provided, +86…, is not yet verified for
# your account" and 21212's older "From is not a valid phone number: +0800…" (lesleyornelas/Twilio-#34)
_SENDER_IN_TEXT = rx(
    r"(?i)(?:\bfrom'?[ \t]{1,2}(?:phone[ \t]{1,2})?number[ \t:]{1,3}|\bsource phone number provided,?[ \t]{1,2}"
    r"|\bfrom is not a valid phone number:?[ \t]{1,3})(\+?[0-9*xX•][0-9*xX• ().-]{4,22}[0-9*xX•])"
)


def _code(value: object) -> int | None:
    text = str(value).strip().strip("\"'")
    if not _CODE_TOKEN.match(text):
        return None
    number = int(text)
    return number if number >= 10000 else None


def _status_int(value: object) -> int | None:
    text = str(value).strip().strip("\"'")
    if len(text) == 3 and text.isascii() and text.isdigit() and text[0] in "2345":
        return int(text)
    return None


def number_in_message(message: str, besides: str | None = None) -> str | None:
    """The destination a Twilio message names (``…'To' number: +33…``, ``…not authorized to call +44…``,
    ``…disabled for the destination region: +33…``).

    Failing a label, the last E.164 number of the message (Twilio puts it at the end) but ``besides`` (a
    number the text holds elsewhere: a "phone" field of the log record the message is in).
    """
    sender = sender_in_message(message)
    senders: set[str] = set() if sender is None else {_digits_of(sender)}
    for match in _NUMBER_IN_TEXT.finditer(message):
        number = _number_text(match.group(1))
        if _digits_of(number) in senders:
            continue  # "From is not a valid phone number: +0800…": the number the message names the sender
        if not _FROM_LABEL.search(message, max(0, match.start() - 16), match.start() + 8):
            return number
        # "The 'From' number +1… is not a valid phone number" (21212), "The From phone number +1… is not
        # a valid, SMS-capable inbound phone number" (21606): the sender, never the destination
        senders.add(_digits_of(number))
    if besides is not None:
        senders.add(_digits_of(besides))
    numbers = [n for n in _E164.findall(message) if _digits_of(n) not in senders]
    return numbers[-1] if numbers else None


def sender_in_message(message: str) -> str | None:
    """The sender a Twilio message names ("The 'From' number +1… is not a valid phone number", 21212; "The source
    phone number provided, +86…, is not yet verified for your account", 21210)."""
    match = _SENDER_IN_TEXT.search(message)
    return _number_text(match.group(1)) if match else None


# What follows "for" that is no phone number but a quantity ("for 30000000000 ms"): read only by unlabelled_destination
_UNIT_AFTER = rx(r"(?i)[ \t]{0,2}(?:ms|msec|millis|milliseconds|s|sec|secs|seconds|min|minutes|bytes|kb|mb|%)\b")


def unlabelled_destination(text: str, sender: str | None = None, hint: str | None = None) -> tuple[str, str] | None:
    """The words and the number ``text`` (a line that holds an error, none of whose numbers a label names) puts right
    after "for", "calling", "dialing" or "texting" (:data:`_FOR_NUMBER`), maybe after a person's word ("for customer
    …"): 10 to 15 digits, whole or in
    groups as people write a phone number (:func:`_written_ends`: "415-555-0100", "(415) 555-0100", "020 7183 8750"),
    that read as a valid
    number: with a '+' put before them, or as a national number of the destination's country a field names
    (``hint``), of the ``sender``'s country, or of North America (ten digits), as :func:`._numbers.read_number`
    reads them; not the ``sender``'s number, not an epoch time (``for 1764496800``), nor before a unit (``for
    30000000000 ms``). An order number or a job id is written after its own word ("for order 12345678901"), and is
    none."""
    found = _unlabelled_at(text, sender, hint)
    return None if found is None else found[:2]


def _unlabelled_at(text: str, sender: str | None = None, hint: str | None = None) -> tuple[str, str, int] | None:
    """:func:`unlabelled_destination`, and where the number ends in ``text``."""
    if not any(word in text.lower() for word in ("for", "call", "dial", "text")):
        return None
    from_country = read_number(sender).country if sender else None
    for found in _FOR_NUMBER.finditer(text):
        stop = _bare_number_at(text, found.end(), sender, from_country, hint)
        if stop is not None:
            return " ".join(word.lower() for word in found.group(1, 2) if word), text[found.end() : stop], stop
    return None


def _bare_number_at(
    text: str, start: int, sender: str | None, from_country: str | None, hint: str | None = None
) -> int | None:
    """Where a phone number written without '+' at ``start`` ends, when it is one (:func:`unlabelled_destination`)."""
    for stop in _written_ends(text, start):
        written = text[start:stop]
        digits = "".join(c for c in written if c.isdigit())
        longest = 19 if digits[:1] == "0" else 15  # with an international prefix for its '+': "011 234 803 123 4567"
        if not 10 <= len(digits) <= longest or _UNIT_AFTER.match(text, stop) is not None:
            continue
        if len(digits) in (10, 13) and digits[0] == "1" and epoch_time(digits) is not None:
            continue  # epoch seconds or milliseconds of 2001-2033 (later ones start with 2: a valid number wins)
        if sender is not None and _same_number(written, sender):
            continue
        reading = read_number(written, from_country=from_country, hint=hint or country_after(text, stop))
        if reading.e164 is not None and _valid(reading.e164):
            return stop
    return None


# Between two numbers of a list a line names one error for ("Twilio error 21408 for 4155550100, 4155550111", "to
# +336… and +55…"): a comma, "and" or '&'
_LIST_SEP = rx(r"[ \t]{0,2}(?:,[ \t]{0,2}(?:and[ \t]{1,2})?|[ \t](?:and|&)[ \t]{1,2})")


def listed_after(text: str, start: int, first: str, sender: str | None = None) -> tuple[str, ...]:
    """The numbers a list goes on with after its ``first``, a destination written at ``start`` in ``text``, each
    written as the first is: with '+' or as digits that make a phone number (:func:`_bare_number_at`); never the
    ``sender``'s, nor one named before. Each is a failure to that number, as the first is: the line names them all
    as the error's destinations."""
    out = [first]
    end, plus = start + len(first), first.startswith("+")
    from_country = read_number(sender).country if sender and not plus else None
    while (sep := _LIST_SEP.match(text, end)) is not None:
        if plus:
            found = _PLUS_NUMBER.match(text, sep.end())
            if found is None:
                break
            number, end = _number_text(found.group()), found.end()
            number_end = sep.end() + len(number)
            if number_end < end:  # the log's words after it, which _number_text cut ("+336… 2 attempts")
                end = number_end
        else:
            stop = _bare_number_at(text, sep.end(), sender, from_country)
            if stop is None:
                break
            number, end = text[sep.end() : stop], stop
        if (sender is None or not _same_number(number, sender)) and not any(_same_number(number, n) for n in out):
            out.append(number)
    return tuple(out[1:])


# A piece of a number as people write one: a group of digits, an area code in brackets, or a separator
_NUMBER_PIECE = rx(r"\([0-9]{1,5}\)|[0-9]{1,15}|[ .-]")
_TOKEN_END = rx(r"[\w+/]|[.:-]\S")  # after a number, what makes it part of a longer token ("17877315170.5", "…/s")


def _written_ends(text: str, start: int) -> list[int]:
    """Where a phone number written at ``start`` may end, longest first: groups of digits split by one space, '-'
    or '.' (a group after '-' or '.' of two digits at least: ".5" is a decimal's), an area code in brackets
    ("415-555-0100", "(415) 555-0100", "1 (415) 555-0100"), up to where that shape stops; then before each space
    (a group after a space may be another number: "for 4155550100 30 times"). None when the whole is part of a
    longer token ("17877315170.5", "415-555-0100/s")."""
    ends: list[int] = []
    last, at = "", start
    for piece in _NUMBER_PIECE.finditer(text, start, start + 40):
        word = piece.group()
        if piece.start() != at or (word in " .-" and last in ("", " ", ".", "-")):
            break
        if word[0].isdigit() and last in (".", "-") and len(word) < 2:
            break
        if word[0] == "(" and last in (".", "-"):
            break
        last, at = (word if word in " .-" else "d" if word[0].isdigit() else "b"), piece.end()
        if last == "d":
            ends.append(at)
    if not ends or _TOKEN_END.match(text, ends[-1]) is not None:
        return []
    return [ends[-1], *(end for end in reversed(ends[:-1]) if text[end : end + 1] == " ")]


def labelled_destination(text: str) -> str | None:
    """The first number ``text`` labels as a destination (``to +49…``, ``recipient=+33…``; failing one, ``phone``
    or ``number``), never one labelled as the sender ("The 'From' number +1…")."""
    sender = sender_in_message(text) if "rom" in text or "ource" in text else None
    for pattern in (_LOG_TO, _LOG_TO_WEAK):
        for found in pattern.finditer(text):
            if not _own_to(text, found):
                continue
            if sender is not None and _digits_of(found.group(1)) == _digits_of(sender):
                continue  # the number Twilio's message names as the sender ("From is not a valid phone number: +…")
            if not _FROM_LABEL.search(text, max(0, found.start() - 16), found.start() + 8):
                return _number_text(found.group(1))
    return None


def _own_to(text: str, found: re.Match[str]) -> bool:
    """Whether a label's match (:data:`_LOG_TO`) names a destination: always, but where a person's word stands
    between the label and a number written without '+' ("to customer 447400123456"): then only 10 to 15 digits that
    make a valid number once a '+' is put before them, as after "for" (an id: "to customer 12345")."""
    if found.re is not _LOG_TO or _PERSON_BEFORE.search(text, found.start(), found.start(1)) is None:
        return True
    number = found.group(1).split("(", 1)[0].strip()  # not a code in brackets after it ("… 4474… (21408)")
    if number.startswith(("+", "whatsapp:+")):
        return True
    digits = number.replace(" ", "").replace("-", "")
    return digits.isdigit() and 10 <= len(digits) <= 15 and _valid("+" + digits)


WHOLE_DIGITS = 10  # digits a number shows before a word of x's, at least, for that word to be no mask of it


def _number_text(found: str) -> str:
    """A number a pattern found in text, without what the log wrote after it: the patterns take ``x`` for a
    masked digit ("+1 415 555 xxxx") and a space for a group's ("+44 20 7183 8750"), but after a whole number
    (at least :data:`WHOLE_DIGITS` digits, none masked) a word that starts with ``x`` is the log's ("to +336…
    xx code=1", "X-Twilio-Request-Id", "(x2)") or an extension ("x123"), and a group of digits that makes a
    valid number invalid is another number ("+336… 400 Bad Request", "+336… 2 attempts")."""
    found = found.strip()
    at = found.find(" ")
    while at >= 0:
        head = found[:at]
        if sum(c.isdigit() for c in head) >= WHOLE_DIGITS and _MASKS.isdisjoint(head):
            nxt = found[at + 1 : at + 3].lstrip("(")[:1]
            if nxt in ("x", "X"):
                return head.rstrip(" (.-")
            if nxt.isdigit() and head.startswith("+") and _valid(head) and not _valid(found):
                return head.rstrip(" (.-")
        at = found.find(" ", at + 1)
    return found


def _valid(number: str) -> bool:
    """Whether ``number`` (written with '+') is a valid phone number."""
    return read_number(number).confidence == "high"


_MASKS = frozenset("*xX•")


def _digits_of(text: str) -> str:
    return "".join(c for c in text if c.isdigit() or c in "*xX•")


def _trim_message(text: str) -> str:
    text = text.strip()
    if text[:1] in ("'", '"') and text.count(text[0]) % 2 == 0 and text[-1:] != text[0]:
        # a quote that opens the message's own words ("'To' number: +55…, is not a valid mobile number"), kept
        return text.rstrip("\"'").strip()[:500]
    return text.strip("\"'").strip()[:500]


# --------------------------------------------------------------------------- key = value fields

# key: value / "key": "value" / key=value / 'key' => 'value' (JSON, Python and Ruby reprs,
# JavaScript objects, form encoding, query strings, logfmt).
# Key and value are matched separately: an unknown key (``failed: error_code=21408``) consumes
# nothing, so the known key after it is still seen. An unquoted value never holds '=', so keys
# cannot hide inside values and the scan stays linear.
# PHP's print_r writes a key in brackets: "[Code] => 21606"
# a structured log's dotted key ("twilio.error_code=", "message.to=") names its field by its last part
_KEY = rx(r"""(?<![\w.-])["'\[]?([A-Za-z][A-Za-z_.-]{0,61})["'\]]?[ \t]{0,3}(=>|:|=)[ \t]{0,3}""")
_VALUE = rx(r""""[^"\n]{0,2000}"|'[^'\n]{0,2000}'|[^\s,;&}'"\]=(]{1,400}""")
# a single-quoted value that holds \' (Node's inspect: 'The \'To\' number …'), read again when _VALUE stopped
# at one (the common value keeps _VALUE's one fast character class)
_ESCAPED_VALUE = rx(r"'(?:[^'\\\n]|\\[^\n]){0,2000}'")
_LINE_VALUE = rx(r"[^\n]{1,2000}")
_FORM_VALUE = rx(r"[^&\s]{0,8192}")  # form encoding: a value runs to the next '&' (Payload JSON is long)
# An unquoted number written in groups (`to=+44 20 7183 8750`, `to=+44 (0)20 7183 8750`): its first group,
# and the groups after it
_NUMBER_HEAD = rx(r"\+?\(?[0-9]{1,5}\)?")
_NUMBER_GROUPS = rx(r"(?:[ \t]?\(0\)[ \t]?|[ \t])[0-9][0-9 \t-]{0,40}(?![\w+*])")

_KEYS: dict[str, str] = {
    "code": "code",
    "errorcode": "code",
    "message": "message",
    "errormessage": "message",
    "detail": "message",
    "msg": "message",
    "title": "title",
    "status": "status",
    "httpstatus": "http_status",
    "statuscode": "http_status",
    "httpresponse": "http_status",
    "messagestatus": "resource_status",
    "smsstatus": "resource_status",
    "callstatus": "resource_status",
    # a <Dial>'s action callback: the leg it dialled, not this record's status; it says a call was placed
    "dialcallstatus": "dial_status",
    "accountsid": "account_sid",
    "account": "account_sid",
    "parentaccountsid": "parent_account_sid",
    "sid": "sid",
    "messagesid": "message_sid",
    "smssid": "message_sid",
    "smsmessagesid": "message_sid",
    "callsid": "call_sid",
    "resourcesid": "resource_sid",
    "direction": "direction",
    "moreinfo": "more_info",
    "type": "type",
    "payload": "payload",
    "alerttext": "nested",
    "messagetext": "nested",
    "requestvariables": "nested",
    "level": "level",
    "loglevel": "level",
    "log": "level",
    "requesturl": "request_url",
    "uri": "request_url",
    # the error's own time, where a field names it: each record of a line keeps its own (a JSON list of errors)
    "timestamp": "time",
    "time": "time",
    "ts": "time",
    "datecreated": "time",
    "createdat": "time",
    "epoch": "time",
    # the labels of a phone number: which names the destination, which the sender (_labels.LABELS)
    **{norm(label): role for label, role in LABELS.items()},
    # a list of destinations ({"recipients": ["+234…"]}): its one number is the To, as to_other's is (read_pairs)
    "recipients": "to_list",
    "destinations": "to_list",
    "tonumbers": "to_list",
    "recipientnumbers": "to_list",
    # the destination's country, in which a To written without a country code is read (_labels.COUNTRY_HINTS)
    **{norm(label): "to_country" for label in COUNTRY_HINTS},
}


def _norm_key(key: str) -> str:
    return norm(key.rsplit(".", 1)[-1] if "." in key else key)


def _key_role(key: str) -> str | None:
    """What a key names (:data:`_KEYS`); failing that, a key that names a person's phone by its last word
    (``customer_phone``, ``user_mobile``, ``contact_number``, ``recipientPhone``: :func:`._labels.suffix_role`)."""
    name = _norm_key(key)
    found = _KEYS.get(name)
    if found is None and name.endswith(SUFFIX_ENDS):  # most keys end otherwise: one test of the normed key
        found = suffix_role(key.rsplit(".", 1)[-1])
    return found


def _unquote_value(raw: str, form: bool) -> str:
    value = raw
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        value = value[1:-1]
        if raw[0] == "'" and "\\'" in value:
            value = value.replace("\\'", "'")
    if form:
        value = unquote_plus(value)
    return value


# the pseudo-pair _kv_pairs puts after the pairs of a record the text starts inside ('567", "status": 400} …')
RECORD_END = "record_end"
# the keys of a hit that name an error of their own (the rest, such as a status, only describe one)
_NAMES_AN_ERROR = frozenset({"code", "to", "to_other", "sid", "message_sid", "call_sid", "resource_sid", "message"})


def _kv_pairs(text: str, depth: int = 0) -> Iterator[tuple[str, str]]:
    """(canonical key, value) pairs of ``text``; nested encodings (Payload, alert_text) are opened.

    A value is form-encoded (and URL-decoded) when its key follows '&', '?' or a space in
    text that holds '&', and is written ``key=value``: a status callback, a query string.
    """
    if depth > 2:
        return
    has_amp = "&" in text
    pos = 0
    # a "}" that no "{" opens: the text starts inside a record (a truncated paste, a window of a long line)
    close = text.find("}")
    inside = close >= 0 and text.find("{", 0, close) < 0
    while True:
        match = _KEY.search(text, pos)
        if match is None or (inside and match.start() > close):
            if inside:
                inside = False
                yield RECORD_END, ""  # the pairs before it were that record's (read_pairs)
            if match is None:
                return
        pos = match.end()
        key = _key_role(match.group(1))
        if key is None:
            continue
        if key == "code" and match.group()[0] not in "\"'[" and _after_passcode_words(text, match.start()):
            continue  # "Your Acme code: 21610", "verification code=30008": a passcode, not Twilio's code
        before = text[match.start() - 1 : match.start()] if match.start() else ""
        form = has_amp and match.group(2) == "=" and before in ("", "&", "?", " ", "\t")
        if match.group(2) == "=>" and "]" in match.group():
            found = _LINE_VALUE.match(text, pos)  # print_r: "[Message] => The From phone number …" to the end
        elif key in _LIST_ROLES and text.startswith("[", pos) and (listed := _LIST_VALUE.match(text, pos)):
            found = listed  # a list of strings: a destination's numbers ("to": ["+33…"]), read whole (read_pairs)
        else:
            found = (_FORM_VALUE if form else _VALUE).match(text, pos)
            if found is not None and found.group().endswith("\\'"):
                found = _ESCAPED_VALUE.match(text, pos) or found
        if found is None:
            continue
        pos = found.end()  # a known key's value is read once: keys inside it belong to it
        value = _unquote_value(found.group(), form)
        if key in _NUMBER_ROLES and not form and _NUMBER_HEAD.fullmatch(value):
            # the value stopped at a space inside the number: the groups that follow are its digits
            groups = _NUMBER_GROUPS.match(text, pos)
            if groups is not None and 7 <= sum(c.isdigit() for c in value + groups.group()) <= 15:
                value += groups.group()
                pos = groups.end()
        if key == "level" and len(value) > 8 and " " in value:
            key = "nested"  # Docker's json-file lines: {"log": "<the app's line>\n", …}; a Notification's is "0"
        yield from opened(key, value, depth)


def opened(key: str, value: str, depth: int = 0) -> Iterator[tuple[str, str]]:
    """The pair, and the pairs inside its value when it holds fields: a form ("Msg=…&To=…"), or a structured
    log's msg holding the app's own line ({"msg": "SMS failed: error_code=21408 recipient=+33…"})."""
    yield key, value
    if key in ("payload", "nested") or (key == "message" and "=" in value):
        inner = value.replace('\\"', '"') if '\\"' in value else value
        if "\\" in inner:  # a JSON string's line breaks and tabs: spaces between its fields, not part of them
            inner = inner.replace("\\r", " ").replace("\\n", " ").replace("\\t", " ")
        yield from _kv_pairs(inner[:8192], depth + 1)


_XML_FIELD = rx(r"<([A-Z][A-Za-z]{1,29})>([^<>\n]{0,2000})</([A-Z][A-Za-z]{1,29})>")
_PAIR = rx(r"\('([A-Za-z][A-Za-z_]{0,29})', (?=')")


def _xml_as_field(m: re.Match[str]) -> str:
    if m.group(1) != m.group(3):
        return m.group()
    value = m.group(2).replace('"', "'")
    return f' {m.group(1)}: "{value}", '


def _is_code_name(value: str) -> bool:
    """A dotted or snake_case name of source code (settings.TWILIO_NUMBER): no number, and no alphanumeric
    sender ID either (those are letters, digits and spaces)."""
    return bool(value) and ("." in value or "_" in value) and value.replace(".", "").replace("_", "").isalpha()


def _is_variable(value: str) -> bool:
    """A name of source code given as a destination (``to=to``, ``to=to_number``, ``to=settings.ADMIN``): it
    holds no digit, and it is no mask (``[REDACTED]``, ``xxxxxxxx``), which keeps a number's place."""
    plain = value.replace(".", "_")
    return (
        plain.isidentifier()
        and not any(c.isdigit() for c in plain)
        and not _MASK_WORD.fullmatch(value)
        and set(value.lower()) != {"x"}
    )


_MASK_WORD = rx(r"(?i)redacted|masked|hidden|removed|filtered")
# A JSON or Python list of strings as a destination's value ("to": ["+33…", "+234…"]); a mask in brackets
# ("[REDACTED]") is no list: it holds no quote
_LIST_VALUE = rx(r"""\[[ \t]{0,3}["'][^\[\]{}\n]{0,2000}\]""")
_LIST_ITEM = rx(r""""([^"\n]{0,64})"|'([^'\n]{0,64})'""")
_LIST_ROLES = frozenset(("to", "to_other", "to_alt", "to_alt_plus", "to_list"))
# pretty-printed JSON: a destination label's list opened at a line's end ('"to": ['), its items one a line below,
# then its close ('],'); the end of the line only is searched (the label and the bracket)
_LIST_OPENED = rx(r"""["']?([A-Za-z_][\w.-]{0,60})["']?[ \t]{0,4}[:=][ \t]{0,4}\[[ \t]*$""")
_LIST_ITEM_LINE = rx(r"""[ \t]{0,40}("[^"\n]{0,64}"|'[^'\n]{0,64}')[ \t]{0,4},?[ \t]*""")
_LIST_CLOSE = rx(r"""[ \t]{0,40}\]""")
MAX_LISTED = 8  # items of such a list read (more name no one To: a list of several names none)


def listed_below(lines: Sequence[str], i: int) -> tuple[str, int] | None:
    """The destination list line ``i`` opens at its end, its items on the lines below (``"to": [`` /
    ``"+33612345678"`` / ``]``): line ``i`` with the list written on it whole (``"to": ["+33612345678"]``), as
    :func:`read_pairs` reads a list, and how many lines below it took. None for anything else: a list of other
    keys, of objects or numbers without quotes, or one that does not close within :data:`MAX_LISTED` items."""
    line = lines[i].rstrip()
    if not line.endswith("["):
        return None
    opened = _LIST_OPENED.search(line[-80:])
    if opened is None or _key_role(opened.group(1)) not in _LIST_ROLES:
        return None
    items: list[str] = []
    for j in range(i + 1, min(len(lines), i + MAX_LISTED + 2)):
        item = _LIST_ITEM_LINE.fullmatch(lines[j])
        if item is not None and len(items) < MAX_LISTED:
            items.append(item.group(1))
            continue
        close = _LIST_CLOSE.match(lines[j])
        if close is None or not items:
            return None
        return f"{line}{', '.join(items)}]{lines[j][close.end() :]}", j - i
    return None


# the roles of _labels.LABELS whose value is a number (its groups are read after a space, as "to=+44 20 7183 8750")
_NUMBER_ROLES = frozenset(("to", "to_other", "to_alt", "to_alt_plus", "to_list", "from", "from_other", "from_id"))
# An alphanumeric sender ID: up to 11 letters, digits and spaces, a letter among them (Twilio's rule for one)
_SENDER_ID = rx(r"(?=[0-9 ]{0,10}[A-Za-z])[A-Za-z0-9 ]{1,11}")
_IPV4 = rx(r"[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}")


def _is_number_value(value: str) -> bool:
    """Whether ``value`` can be a phone number as a log writes one: five digits at least (a mask's ``*``, ``x``
    and ``•`` count), no letter but a mask's ``x`` after a channel's prefix (``whatsapp:``), and no IPv4 address
    (``dst=10.0.0.5``); or a mask word that keeps a number's place. A SID (``sender_id=MG…``) is none."""
    value = value.strip()
    if _MASK_WORD.fullmatch(value.strip("[]")) is not None:
        return True
    number = value.rpartition(":")[2] if value[:1].isalpha() else value
    return (
        sum(c.isdigit() or c in _MASKS for c in number) >= 5
        and not any(c.isalpha() and c not in _MASKS for c in number)
        and _IPV4.fullmatch(number) is None
    )


def _before_escape(value: str) -> str:
    """A number's value up to an escape after it: a JSON string's line break (``+33612345678\\n"``) is none
    of its characters."""
    return _ESCAPED_BREAK.split(value, 1)[0] if "\\" in value else value


_ESCAPED_BREAK = rx(r"\\[nrt]")


def _better_message(hit: Hit, value: str) -> bool:
    """Whether ``value``, a message field, is the hit's message: the first, or a later one that names a
    destination where the first names none (an err object's message after the app's own: {"msg": "sms
    failed", "err": {"message": "… 'To' number: +33…"}})."""
    if hit.message is None:
        return True
    return hit.to is None and number_in_message(hit.message) is None and number_in_message(value) is not None


def parse_fields(line: str, number: int) -> list[Hit]:
    """JSON / repr / form / logfmt fields: REST bodies, resources, callbacks, alerts, webhooks."""
    text = line.replace('\\"', '"').replace("\\/", "/") if "\\" in line else line
    if "</" in text:  # the XML of the 2010 API's .xml answers: <Code>21215</Code><Message>…</Message>
        text = _XML_FIELD.sub(_xml_as_field, text)
    if "', '" in text:  # Flask's request.form: ImmutableMultiDict([('To', '+61…'), ('ErrorCode', '30003')])
        text = _PAIR.sub(r"'\1': ", text)
    return read_pairs(_kv_pairs(text), number)


def read_pairs(pairs: Iterable[tuple[str, str]], number: int) -> list[Hit]:
    """The hits of (canonical key, value) pairs, as :func:`_kv_pairs` reads them from a line or a CSV row names
    them (:mod:`._csv`): a key met again (a second code, To or SID) starts the next error."""
    hits: list[Hit] = []
    hit = Hit(line=number)
    keys: set[str] = set()
    title = ""
    to_alt: str | None = None

    def close() -> None:
        nonlocal hit, keys, title, to_alt
        if keys:
            if hit.message is None and title:
                hit.message = title
            if hit.to is None and to_alt and not (hit.message and number_in_message(hit.message)):
                hit.to, hit.weak_to = to_alt, True  # weaker than the number Twilio's message names
            hit.keys = frozenset(keys)
            hit.format = classify(hit.keys, hit)
            hits.append(hit)
        hit, keys, title, to_alt = Hit(line=number), set(), "", None

    for key, value in pairs:
        if key == RECORD_END:
            # fields with nothing that names an error, of a record the text starts inside ('567", "status": 400} …':
            # a truncated paste, a window of a long line): that record's, not the next error's
            if keys and not keys & _NAMES_AN_ERROR:  # a SID's "sid:message" comes with "sid" (keys.add(key))
                hit, keys, title, to_alt = Hit(line=number, time=hit.time), set(), "", None
            continue
        if key == "time":
            # a Debugger webhook's "Timestamp=2026-11-30T09%3A15%3A02Z", its colons encoded, a record's "time",
            # "ts" or "date_created": the error's time. Not one of the keys that classify or merge a record
            # epoch seconds or milliseconds ("timestamp": 1764496800) in ISO 8601 UTC: a number is no time to show
            when = value.strip() if parse_timestamp(value) is not None else epoch_time(value)
            if when is None:
                continue
            if hit.time is not None and "code" in keys:
                close()  # a second error's time, written before its code ([{"ts": …, "code": …}, {"ts": …, …}])
            if hit.time is None:
                hit.time = when
            continue
        if key in keys and key in ("code", "to", "sid", "resource_status"):
            close()
        if key == "code":
            code = _code(value)
            if code is None:
                continue
            hit.code, hit.code_source = code, "printed"
        elif key == "message":
            # a message has words: an unquoted logfmt token or a code fragment (`message = client…`) is none;
            # one that opens JSON ("twilio send failed {\"code\":…") holds the message, read next
            if " " in value.strip() and not value.startswith("{") and value[-1:] != "{" and _better_message(hit, value):
                hit.message = _trim_message(value)
        elif key == "title":
            title = _trim_message(value)
        elif key == "status":
            status = _status_int(value)
            if status is not None:
                hit.http_status = status
            elif value.isalpha() and len(value) <= 20:
                hit.status = value.lower()
                if hit.status == "received":
                    hit.inbound = True
        elif key == "http_status":
            hit.http_status = _status_int(value) or hit.http_status
        elif key == "resource_status":
            hit.status = value.lower()[:20]
            if hit.status == "received":
                hit.inbound = True
        elif key in _LIST_ROLES:
            if _LIST_VALUE.fullmatch(value):
                items = [a or b for a, b in _LIST_ITEM.findall(value)]
                numbers = [item for item in items if _is_number_value(item)]
                if len(numbers) > 1:
                    hit.recipients = max(hit.recipients, len(numbers))  # which one failed, the error does not say
                    keys.add(key)
                    continue
                if len(items) != 1 or not numbers:
                    continue  # an empty list, or one of names
                value = numbers[0]
            if key == "to_list":
                key = "to_other"  # "recipients": "+33…", or a list of one: its number, as another label's
            if value == "[":
                continue  # a list opened at the line's end (pretty-printed JSON): its items are on the lines below
            if value.startswith("[") and not value.endswith("]"):
                value += "]"  # [REDACTED]: the value pattern stops before a ']'
            if _is_variable(value.strip()):
                continue  # a source line inside a JSON string ("create(to=to_number, …)\n"): a name, no number
            if value.strip().isdigit() and len(value.strip()) < 5:
                continue  # a count or an id ({"number": 3}): no phone number, not even a short code
            to = _before_escape(value).strip("\"' ").rstrip(".,;:")[:64] or None
            if to and to.startswith("<") and ">" in to:
                to = to[1 : to.index(">")] or None  # a SIP header's address in brackets: "To: <sip:+234…@…>;tag=…"
            if to and value.startswith(" "):  # '+' lost to URL decoding: keep the space, read_number says so
                to = " " + to[:63]
            if key == "to":
                hit.to = to
            elif key == "to_other":
                # another label of the destination (to_number, callee, dst, Called): the To unless one is named,
                # and only a number (dst=10.0.0.5, destination_queue=sms are none)
                if hit.to is None and to is not None and _is_number_value(to):
                    hit.to = to
            elif key == "to_alt" or (to is not None and to.lstrip().startswith(("+", "whatsapp:+"))):
                to_alt = to_alt or to  # "to_alt_plus" (contact_number=…): only a number written with '+'
        elif key == "to_country":
            hit.to_country = hit.to_country or country_hint(value)
        elif key == "from":
            if _is_code_name(value.strip()):
                continue  # a traceback's source line, from_=settings.TWILIO_NUMBER: a name, not a sender
            hit.from_ = _before_escape(value).strip()[:64] or None
        elif key in ("from_other", "from_id"):
            # another label of the sender (caller, src, from_number; sender_id and originator, which may hold an
            # alphanumeric sender ID): the From unless "from" names one, and only a number or such an ID
            sender = _before_escape(value).strip().strip("\"'")[:64]
            if hit.from_ is None and (
                _is_number_value(sender) or (key == "from_id" and _SENDER_ID.fullmatch(sender) is not None)
            ):
                hit.from_ = sender
        elif key == "account_sid":
            if _ACCOUNT.fullmatch(value.strip()):
                hit.account_sid = twilio_form(value.strip())
        elif key == "parent_account_sid":
            if _ACCOUNT.fullmatch(value.strip()):
                hit.parent_account_sid = twilio_form(value.strip())
        elif key in ("sid", "message_sid", "call_sid", "resource_sid"):
            sid = value.strip()
            if not _SID.fullmatch(sid):
                continue
            sid = twilio_form(sid)
            if sid[:2] in ("SM", "MM"):
                hit.message_sid = sid
            elif sid[:2] == "CA":
                hit.call_sid = sid
            if key == "sid":
                keys.add({"SM": "sid:message", "MM": "sid:message", "CA": "sid:call", "NO": "sid:alert"}[sid[:2]])
        elif key == "direction":
            hit.inbound = value.lower().startswith("inbound")
        elif key == "more_info":
            found = _MORE_INFO.search(value)
            if found and hit.code is None:
                hit.code, hit.code_source = int(found.group(1)), "more-info-url"
        elif key == "type":
            found = _MORE_INFO.search(value)
            if found:
                keys.add("type:problem")
                if hit.code is None:
                    hit.code, hit.code_source = int(found.group(1)), "more-info-url"
            elif value.startswith(("http://", "https://", "about:blank")):
                keys.add("type:problem")
        elif key == "request_url":
            found = _URL_RESOURCE.search(value)
            if found:
                hit.account_sid = hit.account_sid or twilio_form(found.group(1))
                hit.channel = "voice" if found.group(2).lower() == "calls" else "sms"
        keys.add(key)
    close()
    return [h for h in hits if h.filled() or h.keys & _RECORD_KEYS or h.recipients]


_RECORD_KEYS = frozenset({"sid:alert", "sid:message", "sid:call", "payload", "resource_status", "type:problem"})


def classify(keys: frozenset[str], hit: Hit) -> str | None:
    """The format fields name: a hit on one line, or the union of a record's hits (pretty-printed JSON)."""
    if "payload" in keys and ("parent_account_sid" in keys or "level" in keys or "account_sid" in keys):
        return "debugger-webhook"
    if "sid:alert" in keys:
        return "notification" if "level" in keys and hit.call_sid else "monitor-alert"
    if "resource_status" in keys:
        return "status-callback"
    if ("sid:message" in keys or "sid:call" in keys) and ("status" in keys or "to" in keys) and hit.code:
        return "message-resource" if "sid:message" in keys else "call-resource"
    if "type:problem" in keys and hit.code:
        return "problem-details"
    if hit.code and "message" in keys and ("more_info" in keys or hit.http_status) and hit.code_source == "printed":
        return "rest-error"
    return None


# --------------------------------------------------------------------------- helper-library exceptions

# What only a helper library's REST exception writes: its class, the SDK's "Unable to create record", or the
# frame of twilio-node that throws its RestException (in twilio-node 3 a plain "Error: <message>" above it; only
# read as one right below such a line, _extract._node_message). An exception holding one is a Twilio error even
# when it prints no code and its words match no wording (the code is then unknown: _extract.to_evidence,
# docs/report-format.md); _stream's byte test reads it too
SDK_REST_TEXT = (
    r"Unable to (?:create|fetch|update|delete|read|page) record|TwilioRestException|RestException \[Error\]"
    r"|Twilio\\{1,2}Exceptions\\{1,2}RestException|Services_Twilio_RestException|Twilio::REST::Re(?:st|quest)Error"
    r"|com\.twilio\.(?:exception|sdk)\.|Twilio\.Exceptions\.ApiException"
    r"|[/\\]twilio[/\\]lib[/\\]base[/\\](?:Version|Page)\.js:[0-9]"
)
SDK_REST = rx(SDK_REST_TEXT)
_PY_EXC = rx(r"(?:TwilioRestException: )?HTTP (\d{3}) error: ([^\n]{1,2000})")
_PY_TTY = rx(r"(?:HTTP Error Your request was:|Twilio returned the following information:)")
_UNABLE = rx(r"Unable to (?:create|fetch|update|delete|read|page) record: ([^\n]{1,2000})")
_NODE_EXC = rx(r"\bRestException(?: \[Error\])?: ([^\n]{1,2000})")
_NODE_HTTP = rx(r"\[HTTP (\d{3})\] Failed to execute request")
_PHP_EXC = rx(r"Twilio\\{1,2}Exceptions\\{1,2}RestException:? \[HTTP (\d{3})\] ([^\n]{1,2000})")
# twilio-php's message without its class: Laravel's log line, CodeIgniter's "Message:", a var_dump's
# "#message:" ("[HTTP 400] Unable to create record: …"; no other SDK writes "[HTTP 400] Unable to");
# Laravel's "[object] (Twilio\Exceptions\RestException(code: 21408): [HTTP 400] …" names the code too
_PHP_MESSAGE = rx(r"\[HTTP (\d{3})\] (Unable to (?:create|fetch|update|delete|read|page) record[^\n]{0,2000})")
_PHP_CODE = rx(r"RestException\(code: (\d{5})\)")
# where the message ends on such a line: Laravel's context ({"exception": …), its "[object] (…) at /file:line",
# the next column of a tab-separated report
_PHP_END = rx(r' \{"| at /|\t')
_PHP_CLASS = rx(r"(?:^|[\s\[(])(?:Twilio\\{1,2}Exceptions\\{1,2}RestException|Services_Twilio_RestException)\b")
# twilio-php 4 and older: "Uncaught exception 'Services_Twilio_RestException' with message '…' in /…"
_PHP_LEGACY = rx(r"Services_Twilio_RestException' with message '([^\n]{1,2000})' in /")
# twilio-python 5 and older: "HTTP ERROR 400: 21215: Account not authorized to call +36…"
_PY_LEGACY = rx(r"HTTP ERROR (\d{3}): (?:(\d{5}): )?([^\n]{1,2000})")
# Node before 10 printed an error with properties as "{ [Error: message]" and the properties below
_NODE_LEGACY = rx(r"^\{ \[Error: ([^\n]{1,2000})\]$")
_PHP_WHERE = rx(r" in /[^ \n]{1,500}:\d{1,6}$")
# twilio-java 7+ (com.twilio.exception.ApiException), and before it com.twilio.sdk.TwilioRestException
_JAVA_EXC = rx(
    r"\bcom\.twilio\.(?:exception\.ApiException|sdk\.TwilioRestException|sdk\.exceptions\.ApiException): "
    r"([^\n]{1,2000})"
)
_CS_EXC = rx(r"\bTwilio\.Exceptions\.ApiException: ([^\n]{1,2000})")
_RUBY_EXC = rx(r"(?:Twilio::REST::RestError:? )?\[HTTP (\d{3})\] (\d{5}) : ([^\n]{0,2000})")
_RUBY_CLASS = rx(r"Twilio::REST::Re(?:st|quest)Error")  # RequestError: twilio-ruby 4 and older
# Ruby's uncaught report: the class after the message's first line, before a line break (escaped in a JSON string)
_ESCAPED_LEAD = rx(r"^(?:\\[rn])+")
_RUBY_TRAILER = rx(r" ?\(Twilio::REST::Re(?:st|quest)Error\)(?=$|\\[rn])")
_RUBY_HEAD = rx(r"^Unable to (?:create|fetch|update|delete|read|page) record\b[ :]{0,2}")
# twilio-node 3's error, printed as a plain "Error: <message>" above the SDK's frame that threw it: Version.js's
# success() for a create, fetch, update or remove (twilio/twilio-node#559), Page.js's processResponse() for a list
# or a page (lib/base/Page.js of twilio-node 3.84.1; "at MessagePage.processResponse (…/Page.js:156:11)")
_NODE_FRAME = rx(r"^[ \t]{1,8}at [^\n]{0,400}[/\\]twilio[/\\]lib[/\\]base[/\\](?:Version|Page)\.js:\d{1,6}:\d{1,6}\)?$")
_GO_ERR = rx(r"Status: (\d{3}) - ApiError (\d{5}): ([^\n]{1,2000})")
# the end of twilio-go's error: at the line's end, or at the close of the JSON string a log keeps it in
_GO_TAIL = rx(r" \((?:null|\{[^\n]{0,1000}\})\) More info: [^\s\"]{0,300}(?=$|\\?\")")
_CURL_REQUEST = rx(r"^> (?:POST|GET|PUT|DELETE) (\S{1,500}) HTTP/")
_CURL_RESPONSE = rx(r"^< HTTP/[\d.]{1,3} (\d{3})")
_ESCAPED_END = rx(r'\\n|(?<!\\)"')
_JSON_STRING_END = rx(r'(?<!\\)"[ \t]{0,3}[,}\]]')
_PHP_PREFIX = ("PHP Fatal error:  Uncaught ", "PHP Fatal error: Uncaught ", "Uncaught ")


def message_after(prefix_removed: str) -> str:
    """The Twilio message inside an SDK message: drop 'Unable to create record: ' and trailing noise."""
    inner = _UNABLE.search(prefix_removed)
    text = inner.group(1) if inner else prefix_removed
    return _trim_message(text)


def parse_exceptions(line: str, number: int) -> list[Hit]:
    hits: list[Hit] = []
    if "HTTP" in line:
        m = _PY_EXC.search(line)
        if m:
            hits.append(
                Hit(
                    format="python-exception",
                    line=number,
                    http_status=int(m.group(1)),
                    message=message_after(m.group(2)),
                )
            )
        m = _PHP_EXC.search(line)
        if m:
            text = _PHP_WHERE.sub("", m.group(2))
            hits.append(
                Hit(format="php-exception", line=number, http_status=int(m.group(1)), message=message_after(text))
            )
        m = _RUBY_EXC.search(line)
        if m:
            message = _trim_message(m.group(3))
            hits.append(
                Hit(
                    format="ruby-exception",
                    line=number,
                    http_status=int(m.group(1)),
                    code=_code(m.group(2)),
                    code_source="printed",
                    # "Unable to create record" is the SDK's; Twilio's message follows on the next line, or
                    # on the same one where a log joined them ("… : Unable to create record 'To' number: …")
                    message=_ruby_same_line(message),
                )
            )
        m = _NODE_HTTP.search(line)
        if m and not hits:
            hits.append(Hit(format="node-exception", line=number, http_status=int(m.group(1))))
        # substring tests first: these shapes are rare, and most lines holding "HTTP" are other SDKs'
        m = None
        if "] Unable to " in line and not any(h.format == "php-exception" for h in hits):
            m = _PHP_MESSAGE.search(line)
        if m:
            code = _PHP_CODE.search(line)
            hits.append(
                Hit(
                    format="php-exception",
                    line=number,
                    http_status=int(m.group(1)),
                    code=_code(code.group(1)) if code else None,
                    code_source="printed" if code else None,
                    message=message_after(_PHP_END.split(_PHP_WHERE.sub("", m.group(2)), 1)[0]),
                )
            )
        m = _PY_LEGACY.search(line) if "HTTP ERROR" in line else None
        if m:
            code = _code(m.group(2)) if m.group(2) else None
            # its str() ends with the request's URI after " \n " (a paste rejoins the two lines)
            text = m.group(3).split("  http", 1)[0]
            hits.append(
                Hit(
                    format="python-exception",
                    line=number,
                    http_status=int(m.group(1)),
                    code=code,
                    code_source="printed" if code else None,
                    message=_trim_message(text) or None,
                )
            )
    if ("RestError" in line or "RequestError" in line) and not any(h.format == "ruby-exception" for h in hits):
        message = _ruby_legacy_message(line)
        if message is not None:
            hits.append(Hit(format="ruby-exception", line=number, message=message_after(message)))
        elif _RUBY_CLASS.search(line):
            hits.append(Hit(format="ruby-exception", line=number))
    if _PY_TTY.search(line):
        hits.append(Hit(format="python-exception", line=number))
    elif "record: " in line and not hits:
        m = _UNABLE.search(line)
        if m:
            hits.append(Hit(line=number, message=_trim_message(m.group(1))))
    if "Exception" in line:
        m = _NODE_EXC.search(line)
        if m and "Twilio\\" not in line:
            hits.append(Hit(format="node-exception", line=number, message=message_after(m.group(1))))
        m = _JAVA_EXC.search(line)
        if m:
            hits.append(Hit(format="java-exception", line=number, message=message_after(m.group(1))))
        m = _CS_EXC.search(line)
        if m:
            hits.append(Hit(format="csharp-exception", line=number, message=message_after(m.group(1))))
    if ("Exceptions\\" in line or "Services_Twilio" in line) and not any(h.format == "php-exception" for h in hits):
        m = _PHP_LEGACY.search(line)
        if m:
            hits.append(Hit(format="php-exception", line=number, message=_trim_message(m.group(1))))
        elif _PHP_CLASS.search(line):
            hits.append(Hit(format="php-exception", line=number))  # the class alone (a dump's first line)
    if ("Version.js" in line or "Page.js" in line) and (
        _NODE_FRAME.match(line) or ((rest := after_stamp(line)) != line.strip() and _NODE_FRAME.match("  " + rest))
    ):
        # the message is on the line above (_extract); a log that stamps each line (Heroku's "… app[web.1]:    at
        # success (…)") writes the frame after its stamp, the event going on (_text.goes_on: it is indented)
        hits.append(Hit(format="node-exception", line=number))
    if line.startswith("{ [Error: "):
        m = _NODE_LEGACY.match(line)
        if m:
            hits.append(Hit(format="node-exception", line=number, message=_trim_message(m.group(1))))
    if "ApiError" in line:
        m = _GO_ERR.search(line)
        if m:
            text = _GO_TAIL.sub("", m.group(3))
            hits.append(
                Hit(
                    format="go-error",
                    line=number,
                    http_status=int(m.group(1)),
                    code=_code(m.group(2)),
                    code_source="printed",
                    message=_trim_message(text),
                )
            )
    if hits and ("\\n" in line or '\\"' in line):
        # the error inside a JSON string (pino's err.stack, structlog's "exception", CloudWatch): its
        # message ends at the first escaped newline or at the string's closing quote
        for hit in hits:
            if hit.message:
                hit.message = _ESCAPED_END.split(hit.message, 1)[0].rstrip() or None
    elif hits and '"' in line:
        # or at a JSON string's end: Sentry's event, "value": "HTTP 400 error: …", "module": …
        for hit in hits:
            if hit.message and '"' in hit.message:
                hit.message = _JSON_STRING_END.split(hit.message, 1)[0].rstrip() or None
    return hits


def _ruby_same_line(message: str) -> str | None:
    """The message of "[HTTP 400] 21614 : <message>": Twilio's, after the SDK's "Unable to create record" when
    a log joined its lines; None when only the SDK's words are there (Twilio's is on the next line). Ruby's
    report of an uncaught error puts the class after the message's first line ("… : Unable to create record
    (Twilio::REST::RestError)"): no words of Twilio's."""
    message = _RUBY_TRAILER.sub("", message)
    if not message.startswith("Unable to"):
        return message or None
    # in a JSON string ("stack": "…record\nAccount not authorized…"), Twilio's message is past the escaped break
    tail = _ESCAPED_LEAD.sub("", _RUBY_HEAD.sub("", message, count=1).strip(), count=1)
    return tail if len(tail) > 10 and tail != message else None


def _ruby_legacy_message(line: str) -> str | None:
    """The message of a Ruby error without "[HTTP 400] code :": Rails' log "Twilio::REST::RestError (msg):"
    (twilio-ruby 5.0-5.x) or Ruby's uncaught "file:226:in `m': msg (Twilio::REST::RequestError)" (4.x)."""
    text = line.rstrip()
    for cls in ("RestError", "RequestError"):
        head = f"Twilio::REST::{cls} ("
        at = text.find(head)
        if at >= 0 and text.endswith("):"):
            return text[at + len(head) : -2] or None
        tail = f" (Twilio::REST::{cls})"
        if text.endswith(tail):
            body = text[: -len(tail)]
            return body[body.find("': ") + 3 :] if "': " in body else body.rsplit(": ", 1)[-1] or None
    return None


def parse_curl(line: str, number: int) -> list[Hit]:
    m = _CURL_REQUEST.match(line)
    if m:
        hit = Hit(format="curl-verbose", line=number)
        found = _URL_RESOURCE.search(m.group(1))
        if found:
            hit.account_sid = twilio_form(found.group(1))
            hit.channel = "voice" if found.group(2).lower() == "calls" else "sms"
        return [hit]
    m = _CURL_RESPONSE.match(line)
    if m and m.group(1)[0] in "45":
        return [Hit(format="curl-verbose", line=number, http_status=int(m.group(1)))]
    return []


# The number a PBX dialled out through a SIP trunk, as it logs the dial: Asterisk's app_dial ("-- Called
# PJSIP/+4930123456@twilio-trunk", "Called SIP/twilio/+49…", "Called PJSIP/twilio-trunk/sip:+49…@…") and FreeSWITCH's
# outbound gateway leg ("New Channel sofia/gateway/twilio/+4930123456 [uuid]", "bridge(sofia/gateway/twilio/+49…)").
# Both name the number called, never the caller (Asterisk's "Called" is the dialled channel; a gateway leg is an
# outbound one), so a Twilio code on the same line or the next is that call's error (_extract.group)
_DIALLED = rx(
    r"\bCalled[ \t]{1,2}(?:PJSIP|SIP|IAX2)/(?:[\w.-]{1,64}/(?:sips?:)?)?(\+?[0-9]{6,17})(?=[@,;)/\s]|$)"
    r"|\bsofia/gateway/[\w.-]{1,64}/(?:sips?:)?(\+?[0-9]{6,17})(?=[@,;)\s]|$)"
)


def parse_dial(line: str, number: int) -> list[Hit]:
    """The number a PBX's dial line names (see _DIALLED), as a hit of its own (``dialled``)."""
    if "Called" not in line and "sofia/gateway/" not in line:
        return []
    found = _DIALLED.search(line)
    if found is None:
        return []
    return [Hit(line=number, to=found.group(1) or found.group(2), dialled=True)]


def parse_urls(line: str, number: int) -> list[Hit]:
    """Twilio URLs in any text: the account and resource of a request, the code of a more-info link."""
    hits: list[Hit] = []
    if "/Accounts/" in line or "/accounts/" in line:
        for m in _URL_RESOURCE.finditer(line):
            channel = "voice" if m.group(2).lower() == "calls" else "sms"
            hit = Hit(line=number, account_sid=twilio_form(m.group(1)), channel=channel)
            sid = twilio_form(m.group(3)) if m.group(3) else None
            if sid:
                if sid.startswith("CA"):
                    hit.call_sid = sid
                else:
                    hit.message_sid = sid
            hits.append(hit)
    if "/errors/" in line:
        for m in _MORE_INFO.finditer(line):
            hits.append(Hit(line=number, code=int(m.group(1)), code_source="more-info-url"))
    return hits


# --------------------------------------------------------------------------- plain log lines

# "', '": a Python pair, ('ErrorCode', '30003') in Flask's request.form
# "failed with 21408", "Twilio returned 21408": a verb between the word and the code, as apps write it
# "HTTP 400 21408", "[HTTP 400] 21408": a code right after the HTTP error status Twilio answered with; never after
# "HTTP/1.1" (an access log's request line, whose status may be followed by the bytes sent: "HTTP/1.1" 400 21408)
_LOG_CODE_TEXT = (
    r"(?:\berror(?:code)?|\berr|\bcode|\bfailed|\bfailure|\btwilio(?:[ \t]alert)?|\bhttp[ \t][45][0-9][0-9]\]?)"
    r"(?:[ \t](?:with|returned|responded))?[ \t:=#(\[,'-]{1,4}(?:code[ \t:=#(]{1,3})?(\d{5})\b"
)
_LOG_CODE = rx(_LOG_CODE_TEXT, re.IGNORECASE)
_LOG_CODE_LOW = rx(_LOG_CODE_TEXT)  # for ASCII text already in lower case (hit_lines)
# "Warning - 13227": the Twilio Console's heading of a warning (its errors read "Error - 21408"), alone on its
# line or before its title; a logger's "WARNING - 20003 users synced" is no such heading. A pattern of its own,
# searched only in a line that holds the words: _LOG_CODE, searched in many lines, keeps its few branches
_WARNING_HEADING = rx(r"(?i)\bwarning - (\d{5})(?= - |$)")
# "[twilio] alert 13227: …", "Twilio Debugger alert 13227 (warning) …": the Debugger calls each error it logs an
# alert, and a line may name it so with "Twilio" elsewhere before it ("Twilio alert 13227" is _LOG_CODE's). "alert"
# and five digits alone are any monitoring system's (an alert's number: "alert 21408 resolved", "alert #21408"), so
# the word counts only after "twilio" on its line, on a line that names what failed, a number written with '+' or a
# SID of Twilio's (_alert_code), and before a code of Twilio's
_ALERT_CODE = rx(r"(?i)\balert[ \t:=(\[,'-]{1,4}(\d{5})\b")
# "failed to send to 447400123456 (21408)", "Dial to +4930123456 blocked (13227)": a code in brackets after the words
# that say something failed or was blocked, on their line (not after a passcode's words: "failed to send your
# verification code (30008)"). Searched only in a line that holds "fail" or "blocked" and a bracket;
# _extract.is_anchor and _stream.PREFILTER take its lines too (PAREN_CODE_TEXT, which hit_lines searches in lower
# case: a superset, the word anywhere). The word may be part of an event's name in snake_case, kebab-case or camelCase
# ("sms_failed", "send-failed", "smsFailed", "SMS_FAILED", "sms_blocked", "callBlocked"): after no letter or digit,
# or capitalised after a small letter; not inside a word ("emailfail", "Xfail", "unblocked", "blockedness" are none)
#
# Or after the number the failure was for and a colon, ending its clause: "SMS failed for user 42 (+33612345678):
# 21408", "send failed for +336…: 21408" (a logger's "%s failed for %s: %s" with the error's code last). The number is
# a phone's (a valid one, or masked: _after_a_phone), so a date, an id or a count before the colon names no code
# ("failed on 2026-12-02: 21408", "rows processed: 21408"); the same passcode's words are none either
PAREN_CODE_TEXT = r"(?:fail|blocked)(?:[^\n()]{0,200}\(([0-9]{5})\)|[^\n]{0,200}:[ \t]{1,2}([0-9]{5}))"
_FAILURE_WORD = (
    r"(?:(?<![A-Za-z0-9])(?:[Ff](?:ail|AIL)|[Bb](?:locked|LOCKED)(?![a-z]))|(?<=[a-z])(?:Fail|Blocked(?![a-z])))"
)
_PAREN_CODE = rx(_FAILURE_WORD + r"[^\n()]{0,200}\(([0-9]{5})\)")
_COLON_CODE = rx(
    _FAILURE_WORD + r"[^\n]{0,200}?[0-9*xX•][)\]]?[ \t]?:[ \t]{1,2}([0-9]{5})(?=[ \t]{0,4}(?:$|[.;,|](?:[ \t]|$)))"
)
# the number before it, or what the brackets before it hold
_COLON_NUMBER = rx(
    r"(?:\(([^()\n]{1,30})\)|\[([^\[\]\n]{1,30})\]|(\+?[0-9][0-9*xX• .-]{4,22}[0-9*xX•]))[ \t]?:[ \t]{1,2}$"
)
_PAREN_CODE_ANY = rx(r"(?i)" + PAREN_CODE_TEXT)  # hit_lines' gate, over lines in lower case: a superset
# A label (_labels.LABELS, any spelling) and the number after it, in free text or as a key: "to +49…",
# "to_number=+234…", "callee: +234…". Not after a word and one '-' ("from-number": the sender's), nor inside a word
_LABEL_START = r"(?<!\w)(?<![^-]-)"
# A word for the person the message went to (or came from) may stand between the label and the number, in free
# text: "failed to send to customer 447400123456", "sending SMS to user +234…", "reply from customer +1415…". After
# "to", a number without '+' there is read only when it may be a phone's (_own_to); after "from", only one with '+'
PERSON_WORDS = (
    *("customer", "user", "recipient", "client", "contact", "subscriber", "member", "patient", "guest", "lead"),
    *("person", "driver", "rider", "buyer", "tenant", "student", "employee", "candidate", "applicant"),
)
_PERSON = r"(?:" + "|".join(PERSON_WORDS) + r")[ \t]{1,2}"
# or an arrow from the sender's number to the destination's, written with '+' ("sms +1415… -> +336… failed"; not
# "=>", a PHP or Ruby key's: "[From] => +1415…")
_LOG_TO = rx(
    r"(?i)(?:" + _LABEL_START + r"(?:" + alternation(TO_ROLES) + r")\b[ \t]{0,2}[:=]?[ \t]{0,2}(?:" + _PERSON + r")?"
    r"|(?:->|→)[ \t]{0,2}(?=\+|whatsapp:\+))((?:whatsapp:)?\+?[0-9*xX•][0-9*xX• ().-]{4,22}[0-9*xX•])"
)
# A number after "for", which no label names ("error 21408 for 17877315170"), or after the words that say it was
# called, dialled or texted ("21215 dialing 020 7183 8750"), maybe after a person's word ("for customer 4155550100",
# "calling customer 447400123456"): its start, which unlabelled_destination reads on from (_written_ends)
UNLABELLED_WORDS = ("for", "calling", "dialing", "dialling", "texting")
_FOR_NUMBER = rx(
    r"(?i)(?<![\w-])("
    + "|".join(UNLABELLED_WORDS)
    + r")[ \t]{1,2}(?:("
    + "|".join(PERSON_WORDS)
    + r")[ \t]{1,2})?(?=[0-9(])"
)
# The words right before the label of the number an inbound call was passed on to ("forwarded to +336…", "dial to
# +336…", "transferring the call to +336…")
_LEG_BEFORE = rx(
    r"(?i)\b(?:forward|forwarded|forwarding|dial|dialed|dialled|dialing|dialling|transfer|transferred|transferring)"
    r"(?:[ \t]{1,2}(?:the[ \t]{1,2})?call)?[ \t]{1,2}$"
)
_PERSON_BEFORE = rx(r"(?i)\b" + _PERSON + r"$")  # the person's word between a label and its number
# a number no label names surely the destination ("phone", "number", "msisdn"): read when no To label is there
_LOG_TO_WEAK = rx(
    r"(?i)" + _LABEL_START + r"(?:" + alternation(("to_alt",)) + r")\b[ \t]{0,2}[:=]?[ \t]{0,2}"
    r"((?:whatsapp:)?\+?[0-9*xX•][0-9*xX• ().-]{4,22}[0-9*xX•])"
)
_WEAK_WORDS = ("phone", "number", "mobile", "msisdn")  # what every _LOG_TO_WEAK label holds
# The sender in free text: a label of the sender (_labels.LABELS) or a word that says a message went out through a
# number ("via +1415…", "using +1415…": _labels.SENDER_WORDS), then a person's word before a '+' number ("from
# customer +1415…") or the words of a number the sender owns ("from our number", "using Twilio number", "caller ID",
# "sender id"); or those words alone with an owner's ("our number: +1415…", "Twilio number +1415…"); or a '+' number
# before an arrow ("+1415… -> +336…": _LOG_TO)
_OWNED = r"(?:our|my|twilio|sender|sending|business)[ \t]{1,2}(?:twilio[ \t]{1,2})?(?:phone[ \t]{1,2})?number"
_OWN_NUMBER = (
    r"(?:(?:the|our|my|twilio|business)[ \t]{1,2})?(?:twilio[ \t]{1,2})?(?:phone[ \t]{1,2}number|number|phone|id)"
)
_LOG_FROM = rx(
    r"(?i)" + _LABEL_START + r"(?:(?:" + alternation(FROM_ROLES) + "|" + "|".join(SENDER_WORDS) + r")\b"
    r"[ \t]{0,2}[:=]?[ \t]{0,2}(?:" + _PERSON + r"(?=\+)|" + _OWN_NUMBER + r"\b[ \t]{0,2}[:=]?[ \t]{0,2})?"
    r"|" + _OWNED + r"\b[ \t]{0,2}[:=]?[ \t]{0,2}|(?<![\w+])(?=\+[0-9][0-9 ().-]{4,22}[0-9][ \t]{0,2}(?:->|→)))"
    r"(\+?[0-9][0-9 ().-]{4,22}[0-9])"
)
_KEYED = rx(r"[:=]")  # between a label and its number: a key's ("to=4474…", "to: 4474…"), not a word's
_E164 = rx(r"(?<![\w+])\+[1-9][0-9*xX•]{5,16}(?![\w])")
# A number written with '+', whole or in groups ("+44 7911 123456", "+1 (876) 812-3456"), with the channel a WhatsApp
# address names before it ("whatsapp:+336…", as after a label): a log line's destination when no label names one
_PLUS_NUMBER = rx(r"(?:(?<![\w:])(?i:whatsapp):)?(?<![\w+])\+[1-9][0-9*xX• ().-]{4,22}[0-9*xX•](?![\w])")


# A national number (its trunk 0 first) with its country in brackets after it: "07400 123456 (GB)"
_NATIONAL = r"0[1-9][0-9 .-]{5,16}[0-9]" + COUNTRY_AFTER
_COUNTRY_AFTER = rx(COUNTRY_AFTER)
# A code no word names (a bare five-digit number) is read as one only when it opens the log message (after the
# log's stamp, source, a level that is no INFO or DEBUG and bracketed tags) and a label of a phone number
# (_labels.LABELS) written as a key, or "for" or "to" (_labels.BARE_WORDS), with a number written with '+', follows
# it at once: "21408 originator=+336… destination=+234…", "21408 for +44 7400 123456". A job's or a request's id is
# written otherwise ("job 21408 to=+33…", "job_id=21408 …", "[21408] to=…", "21408 messages to=…"), and a line
# saying the message went out is no failure. docs/report-format.md, "Which numbers are codes"; _stream's pre-filter
# finds these lines with _labels.bare_code_pass (ASCII only, as that pass reads bytes).
_BARE_CODE = rx(
    r"(?ai)"
    + BARE_BEFORE
    + r"([0-9]{5})[ \t](?:(?:"
    + alternation((*TO_ROLES, "to_alt", *FROM_ROLES))
    + r")(?:=|: ?)|(?:"
    + "|".join(BARE_WORDS)
    + r") )(?:\+[1-9]|"
    + _NATIONAL
    + r")"
)
_BARE_WORD = rx(r"[0-9][ \t](?:" + "|".join(BARE_WORDS) + r") [+0]")  # hit_lines' gate for _BARE_CODE's words
# what may stand before a bare code: a level of an error or warning (group 1), a bracketed tag ("[sms]", "[worker-3]")
_PREFIX_TOKEN = rx(
    r"(?ai)(?:(\[?(?:warn|warning|error|err|fatal|critical|crit|severe|alert|emerg)\]?)|\[[\w .:/-]{1,40}\])"
    r"[ \t:|-]{1,4}"
)
# and, after a level, the log's source: the logger, module or function that wrote the line ("WARN send_sms: 21408 for
# +55…", "ERROR app.sms[12]: …"), a name as code writes one (:func:`_names_code`), then ':'
_SOURCE_TOKEN = rx(r"(?a)([A-Za-z_][\w.$/-]{0,63})(?:\[[\w.-]{1,32}\])?:[ \t]{1,4}")
_CODE_NAME = rx(r"[_.$/-]|[0-9]|[a-z][A-Z]")  # what a name code writes holds and a word does not
_NAME_WORD = rx(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|[0-9]+")  # the words of such a name
# the last words of a key whose value the five digits are ("job_id: 21408", "retry_count: 21408"): an id or a count
_KEY_WORDS = frozenset(
    (
        *("id", "ids", "uid", "pid", "tid", "no", "nr", "num", "number", "count", "total", "seq", "idx", "index"),
        *("ref", "key", "batch", "job", "order", "ticket", "request", "req", "attempt", "attempts", "retry"),
        *("retries", "user", "port", "size", "len", "length", "line", "row", "rows", "offset", "code", "status"),
    )
)
_SENT = rx(r"(?i)\b(?:delivered|queued|accepted|succeeded|success|sent)\b")


def _bare_code(line: str) -> re.Match[str] | None:
    """The bare code a log line opens its message with, a label and a '+' number after it (see _BARE_CODE)."""
    found = _BARE_CODE.search(line)
    if found is None or _SENT.search(line) is not None:
        return None
    if found.group().endswith(")") and country_hint(found.group()[-3:-1]) is None:
        return None  # "21408 for 0612345678 (XX)": brackets that name no country make the digits no phone's
    head = line[: found.start()]
    text = after_stamp(head) + " " if head.strip() else ""
    pos, level, source = 0, False, False
    while pos < len(text.rstrip()):
        token = _PREFIX_TOKEN.match(text, pos)
        if token is None and level and not source:
            token = _SOURCE_TOKEN.match(text, pos)
            if token is None or not _names_code(token.group(1)):
                return None
            source = True
        elif token is None:
            return None
        else:
            level = level or token.group(1) is not None
        pos = token.end()
    return found


def _names_code(name: str) -> bool:
    """Whether a log's source is a name as code writes one (``send_sms``, ``app.sms``, ``SmsSender``, ``worker-3``),
    not a word ("WARN job: 21408 for +336…" names a job, whose id the number may be) nor a key of an id or a count
    (``job_id``, ``retry_count``, ``order.no``)."""
    if _CODE_NAME.search(name) is None:
        return False
    words = _NAME_WORD.findall(name)
    return not words or words[-1].lower() not in _KEY_WORDS


# _stream's pass over a line in lower case: led by the '+', it looks back for the code and the label; and the pass for
# a national number with its country in brackets ("21408 for 07400 123456 (GB)"), led by the bracket
_BARE_PASS = rx(bare_code_pass().decode())
_NATIONAL_PASS = rx(NATIONAL_PASS.decode())


def bare_anchor(low: str) -> bool:
    """Whether a line (in lower case) may hold a bare code: _extract.is_anchor's test, the pre-filter's passes
    themselves (a superset of _BARE_CODE), so a paste and triage take the same lines for anchors."""
    return ("+" in low and _BARE_PASS.search(low) is not None) or (
        "(" in low and _NATIONAL_PASS.search(low) is not None
    )


def country_after(text: str, end: int) -> str | None:
    """The destination's country written in brackets right after a number that ends at ``end`` in ``text`` ("07400
    123456 (GB)"), as a country field names it (:func:`._numbers.country_hint`), or None."""
    found = _COUNTRY_AFTER.match(text, end)
    return country_hint(found.group().strip(" \t()")) if found is not None else None


# What any parser above needs before it can return a hit (a superset, found in C over many lines at
# once): a log then skips the lines around an error that hold none. A known key is found by the shortest
# key it ends with (account_sid by "sid"), '_' allowed anywhere as _norm_key drops it; the text is read
# backwards so that the pattern starts at the rare ':' or '=', not at every letter.
_HIT_WORDS = (
    "HTTP", "record: ", "Exception", "RestError", "RequestError", "ApiError", "Twilio returned", "/Accounts/",
    "/errors/", "{ [Error: ", "Version.js", "Page.js", "Called ", "sofia/gateway/",
)  # fmt: skip
# "from_": twilio-python's keyword, in a traceback's source line (from_=settings.TWILIO_NUMBER)
_KEY_ENDS = (
    "code", "message", "detail", "msg", "title", "status", "response", "sid", "account", "direction", "info", "type",
    "payload", "text", "variables", "level", "log", "url", "uri", "from_", "country",
)  # fmt: skip
# and every label of a phone number (_labels.LABELS), but those a shorter one ends ("to_number" ends "number")
_KEY_ENDS += tuple(
    sorted(
        key
        for key in {norm(label) for label in LABELS}
        if not any(key != other and key.endswith(other) for other in {norm(label) for label in LABELS})
    )
)
# and the plural labels of a list of destinations ("recipients": on a line of its own in pretty-printed JSON)
_KEY_ENDS += tuple(sorted(key for key, role in _KEYS.items() if role == "to_list"))
_KEY_BACKWARDS_TEXT = (
    r"[:=][ \t]{0,3}[\\\"'\]]{0,3}(?:" + "|".join("[_-]*".join(reversed(key)) for key in _KEY_ENDS) + ")"
)
_KEY_BACKWARDS = rx(_KEY_BACKWARDS_TEXT, re.IGNORECASE)
# The same over ASCII text already in lower case: ignoring case costs the regex engine several times more
_KEY_BACKWARDS_LOW = rx(_KEY_BACKWARDS_TEXT)
_LOG_WORDS = ("err", "code", "fail", "twilio", "http")  # _LOG_CODE needs one, in any case
_PAREN_WORDS = ("fail", "blocked")  # and _PAREN_CODE and _COLON_CODE one of these


def hit_lines(text: str) -> set[int]:
    """Indexes of the lines of ``text`` (split at "\\n") on which a parser of this module may find something.

    Linear: after a hit, each search goes on from the next line."""
    starts = [0]
    pos = text.find("\n")
    while pos >= 0:
        starts.append(pos + 1)
        pos = text.find("\n", pos + 1)
    size = len(text)
    out: set[int] = set()

    def line_at(pos: int) -> int:
        return bisect_right(starts, pos) - 1

    def after(i: int) -> int:
        return starts[i + 1] if i + 1 < len(starts) else size

    for word in _HIT_WORDS:
        pos = text.find(word)
        while pos >= 0:
            i = line_at(pos)
            out.add(i)
            pos = text.find(word, after(i))
    for i, start in enumerate(starts):
        if text.startswith(("> ", "< "), start):
            out.add(i)
    low = text.lower()
    ascii_text = text.isascii()
    if ascii_text:  # lower() keeps every offset of ASCII text: search it without ignoring case
        backwards, keys = low[::-1], _KEY_BACKWARDS_LOW
    else:
        backwards, keys = text[::-1], _KEY_BACKWARDS
    pos = 0
    while (found := keys.search(backwards, pos)) is not None:
        i = line_at(size - 1 - found.start())
        out.add(i)
        pos = size - starts[i]
    lines: list[str] | None = None
    # the lowered lines of ASCII text, searched without IGNORECASE as above
    source, log_code = (low, _LOG_CODE_LOW) if ascii_text else (text, _LOG_CODE)
    for word in (*_LOG_WORDS, "blocked"):
        pos = low.find(word)
        while pos >= 0:
            i = line_at(pos)
            if i not in out:
                lines = source.split("\n") if lines is None else lines
                if (
                    log_code.search(lines[i])
                    or (word in _PAREN_WORDS and _PAREN_CODE_ANY.search(lines[i]))
                    or (word == "twilio" and _ALERT_CODE.search(lines[i]))
                ):
                    out.add(i)
            pos = low.find(word, after(i))
    pos = low.find("warning - ")
    while pos >= 0:  # the Console's warning heading (_WARNING_HEADING)
        i = line_at(pos)
        if i not in out and _WARNING_HEADING.search(text, starts[i], after(i)):
            out.add(i)
        pos = low.find("warning - ", after(i))
    pos = 0
    while (word := _BARE_WORD.search(low, pos)) is not None:  # a bare code before "for +44…" (_BARE_CODE): no key
        i = line_at(word.start())
        if i not in out and _BARE_CODE.search(text, starts[i], after(i)):
            out.add(i)
        pos = after(i)
    return out


def may_hit(line: str) -> bool:
    """False only when no parser of this module finds anything on ``line`` (a line without "\\n")."""
    return bool(hit_lines(line))


# Words before "code" that make its five digits a code sent to a person, not Twilio's error code: a
# one-time passcode ("verification code 30008", "Your Acme code: 21610"), a postal or promotion code
_PASSCODE_WORDS = frozenset(
    (
        *("verification", "verify", "otp", "auth", "authentication", "security", "login", "signin"),
        *("confirmation", "access", "activation", "reset", "one-time", "onetime", "2fa", "mfa", "pin"),
        *("passcode", "your", "zip", "postal", "post", "promo", "coupon", "discount", "voucher"),
        *("referral", "invite", "invitation", "gift"),
    )
)


def _names_a_passcode(line: str, m: re.Match[str]) -> bool:
    """Whether the code ``m`` found follows "code" alone (not "error code"), after a passcode's words."""
    return m.group()[:4].lower() == "code" and _after_passcode_words(line, m.start())


def _after_passcode_words(line: str, at: int) -> bool:
    """Whether one of the two words before ``at`` says the code there was sent to a person."""
    before = line[max(0, at - 40) : at].lower().split()[-2:]
    return any(word.strip("\"'(:,") in _PASSCODE_WORDS for word in before)


def _alert_code(line: str) -> re.Match[str] | None:
    """The code ``line`` names as a Twilio alert, "twilio" written before it on the line (see _ALERT_CODE)."""
    found = _ALERT_CODE.search(line)
    if found is None:
        return None
    if line.lower().find("twilio", 0, found.start()) < 0:
        return None  # "PagerDuty alert 21408 resolved"
    named = _PLUS_NUMBER.search(line) or _SID.search(line) or _ACCOUNT.search(line)
    return found if named is not None else None  # "twilio-sms: PagerDuty alert 21408 triggered": no failure named


def _failure_code(line: str, pos: int = 0) -> re.Match[str] | None:
    """The first code a failure's words put on ``line`` from ``pos`` on, in brackets (_PAREN_CODE) or after the
    failure's number and a colon (_COLON_CODE), not a passcode's."""
    low = line.lower()
    if "ail" not in low and "blocked" not in low:
        return None
    found = _PAREN_CODE.search(line, pos) if "(" in line else None
    while found is not None and _after_passcode_words(line, found.start(1) - 1):
        found = _PAREN_CODE.search(line, found.end())
    colon = _COLON_CODE.search(line, pos) if ":" in line else None
    while colon is not None and not _after_a_phone(line, colon):
        colon = _COLON_CODE.search(line, colon.end())
    return colon if found is None or (colon is not None and colon.start(1) < found.start(1)) else found


_PASSCODE_NAMES = frozenset(("code", "otp", "passcode", "pin", "2fa", "mfa", "verification", "verify"))


def _after_a_phone(line: str, found: re.Match[str]) -> bool:
    """Whether the colon before the code ``found`` (_COLON_CODE) follows a phone number: one written with '+' or as
    digits that make a valid number, or a mask of one; and no passcode's words stand between the failure and it."""
    before = _COLON_NUMBER.search(line, max(found.start(), found.start(1) - 40), found.start(1))
    if before is None:
        return False
    words = line[found.start() : before.start()].lower().replace("-", " ").split()
    if any(word.strip("\"'(:,.") in _PASSCODE_NAMES for word in words):
        return False  # "failed to send verification code to +336…: 30008": a code sent to a person
    number = (before.group(1) or before.group(2) or before.group(3)).strip()
    if not any(c.isdigit() for c in number) or any(c.isalpha() and c not in "xX" for c in number):
        return False  # "(retry 2)", "[sms]": no number
    reading = read_number(number)
    if reading.masked:
        return number.startswith("+") and reading.country is not None
    if number.startswith("+"):
        return reading.confidence == "high"
    # digits without '+': as many as a phone's, valid somewhere (read with a '+', or ten of North America), or a
    # national number with its trunk 0 ("(07400 123456)"), whose country the line may name
    digits = _digits_of(number)
    valid = reading.e164 is not None and _valid(reading.e164)
    return 10 <= len(digits) <= 15 and (valid or (digits[0] == "0" and reading.country is None))


def _codes_after(line: str, m: re.Match[str], known_code: Callable[[int], bool]) -> list[re.Match[str]]:
    """The known codes ``line`` prints after the first one, ``m``, as _LOG_CODE or _failure_code find them (the
    ways a line prints a code that more errors of one line are written in: "ERROR 21408 to +234…; ERROR 21408 to
    +336…", "failed to send to +234… (21408); failed to send to +336… (21408)"), in order, one per code written:
    each searched for from the end of the one before."""
    out: list[re.Match[str]] = []
    pos = m.end()
    while True:
        word = _LOG_CODE.search(line, pos)
        while word is not None and _names_a_passcode(line, word):
            word = _LOG_CODE.search(line, word.end())
        paren = _failure_code(line, pos)
        found = min((f for f in (word, paren) if f is not None), key=lambda f: f.start(1), default=None)
        if found is None:
            return out
        if known_code(int(found.group(1))):
            out.append(found)
        pos = found.end()


def parse_log_line(line: str, number: int, known_code: Callable[[int], bool]) -> list[Hit]:
    """A code and a number in free text: ``ERROR sms failed code=21408 to=+336…``.

    Several codes on one line, each with a destination of its own after it ("ERROR 21408 to +234…; ERROR
    21408 to +336…"), are an error each, as they are on lines of their own; a code with none after it goes on
    with the error before it (its code said again, or an error a window of a long line cuts at its end: "…
    ERROR 21408 to +2348"); a line whose first code has none is one error. A line that names each destination
    before its code ("to=+234… error 21408; to=+336… error 21408") is read so when that gives more errors of their
    own."""
    m = _LOG_CODE.search(line)
    while m is not None and _names_a_passcode(line, m):
        m = _LOG_CODE.search(line, m.end())  # "sent verification code 30008 to +33…" is a one-time code
    paren = _failure_code(line) if m is not None and m.start() > 0 else None
    if m is not None and paren is not None and paren.end() <= m.start() and known_code(int(paren.group(1))):
        m = paren  # "failed to send to +336… (21408); to=+234… error 21408": the line's first code is first
    if m is None and "arning - " in line:
        m = _WARNING_HEADING.search(line)
    if m is None and ("lert" in line or "LERT" in line):
        m = _alert_code(line)
    if m is None and ("+" in line or "(" in line):
        m = _bare_code(line)
    if m is None and ("(" in line or ":" in line):
        m = _failure_code(line)
    if not m:
        return []
    code = int(m.group(1))
    if not known_code(code):
        return []
    if m.re is _LOG_CODE or m.re is _PAREN_CODE or m.re is _COLON_CODE:
        others = _codes_after(line, m, known_code)
        if others:
            codes = [m, *others]
            starts = [0, *(found.start() for found in others), len(line)]  # each code up to the next: its To after it
            split, own = _pieces(line, codes, starts, number)
            if len(own) == len(split):
                return split
            # or each code with what is written before it, from the code before: a line that names each destination
            # first ("to=+336… error 21408; to=+234… error 21408", "+336…: Twilio error 21408, +234…: Twilio error …")
            ends = [0, *(found.end() for found in codes[:-1]), len(line)]
            split_first, own_first = _pieces(line, codes, ends, number)
            if own_first[:1] == [0] and len(own_first) > len(own):
                split, own, starts = split_first, own_first, ends
                if len(own) == len(split):
                    return split
            if len(own) > 1 and own[0] == 0:
                bounds = [starts[i] for i in own] + [len(line)]
                pieces_own = zip(own, bounds, bounds[1:], strict=False)
                joined = [_log_hit(line[lo:hi], codes[i], lo, number) for i, lo, hi in pieces_own]
                for i, hit in zip(own, joined, strict=True):
                    hit.to = split[i].to  # its own, even where the text joined to it names another number
                return joined
    return [_log_hit(line, m, 0, number)]


def _pieces(
    line: str, codes: Sequence[re.Match[str]], bounds: Sequence[int], number: int
) -> tuple[list[Hit], list[int]]:
    """The error of each piece of ``line`` between two ``bounds`` (one piece per code of ``codes``), and the indexes of
    those with an error of their own (:func:`_not_said_again`)."""
    pieces = zip(codes, bounds, bounds[1:], strict=False)
    split = [_log_hit(line[lo:hi], found, lo, number) for found, lo, hi in pieces]
    return split, _not_said_again(line, codes, split)


def _not_said_again(line: str, codes: Sequence[re.Match[str]], split: Sequence[Hit]) -> list[int]:
    """The indexes of the pieces of ``line`` (one per code ``codes`` found) that name an error of their own: a
    destination of their own, and not the error before said again inside what quotes it. The same code for the same
    To is the same error when the line quotes it: in a field's string value the first is not in (``to=+336… error
    21408 msg="Twilio error 21408 for +336…"``, ``{"msg": "… 21408 to +336…", "error": "Error 21408 for +336…"}``), in
    brackets opened after the first (``error 21408 (Twilio error 21408 to +336…)``), or in the same record (``{…}``).
    Written again outside any of these (a logger that batches its messages: ``ERROR 21408 to +336…; ERROR 21408 to
    +336…``), or in another record or another item of one list, it is an error again."""
    own = [i for i, hit in enumerate(split) if hit.to is not None]
    if len(own) < 2:
        return own
    kept = [own[0]]
    states: list[_Enclosed] | None = None
    for i in own[1:]:
        hit, before = split[i], split[kept[-1]]
        if hit.code == before.code and _same_number(str(hit.to), str(before.to)):
            states = _enclosures(line, [m.start() for m in codes]) if states is None else states
            if _quotes(states[kept[-1]], states[i], codes[kept[-1]].start()):
                continue
        kept.append(i)
    return kept


_ENCLOSER = rx(r'\\.|["(){}\[\]]')  # what opens or closes a string or a bracket, and an escape (\" opens none)
_CLOSES = {")": "(", "]": "[", "}": "{"}
# where a position is: the double-quoted string it is in (where it opens, -1: none), whether that string is a field's
# value (its quote right after '=' or ':'), and the brackets around it outside strings, outermost first (where each
# opens, which)
_Enclosed = tuple[int, bool, tuple[tuple[int, str], ...]]


def _enclosures(line: str, positions: Sequence[int]) -> list[_Enclosed]:
    """Where each of ``positions`` (ascending) in ``line`` is (:data:`_Enclosed`), in one pass. A line read in windows
    may start inside a string, which makes every quote after it seem to open what it closes: a field's value opens
    after '=' or ':', which such a quote never does."""
    out: list[_Enclosed] = []
    quote, valued, stack = -1, False, []
    found = _ENCLOSER.finditer(line, 0, positions[-1] if positions else 0)
    pending = next(found, None)
    for at in positions:
        while pending is not None and pending.start() < at:
            char, where = pending.group(), pending.start()
            if char == '"':
                opens = quote < 0
                quote = where if opens else -1
                valued = opens and line[max(0, where - 4) : where].rstrip(" \t")[-1:] in ("=", ":")
            elif quote < 0 and char in "({[":
                stack.append((where, char))
            elif quote < 0 and char in _CLOSES:
                while stack and stack[-1][1] != _CLOSES[char]:
                    stack.pop()  # an unclosed bracket inside: closed with its outer one
                if stack:
                    stack.pop()
            pending = next(found, None)
        out.append((quote, valued, tuple(stack)))
    return out


def _quotes(first: _Enclosed, then: _Enclosed, at: int) -> bool:
    """Whether the code where ``then`` says quotes the code at ``at``, where ``first`` says (see
    :func:`_not_said_again`)."""
    (quote, _, around), (quote_then, valued_then, around_then) = first, then
    records = [opened for opened in around if opened[1] == "{"]
    if records and records[-1] not in around_then:
        return False  # the first one's record closed before: another record
    if around and around_then and around[-1] == around_then[-1] and around[-1][1] == "[":
        return False  # two items of one list
    if quote_then >= 0 and valued_then and quote_then != quote:
        return True  # in a field's value the first is not in: a message quoting the error
    if any(opened[0] > at for opened in around_then):
        return True  # in brackets opened after it
    return bool(records) and records[-1] in around_then  # in the same record


def beside_fields(line: str, number: int, known_code: Callable[[int], bool], fields: Sequence[Hit]) -> list[Hit]:
    """The errors free text writes on ``line`` beside those its fields (or an SDK's error) hold, ``fields``, which
    name a code: ``twilio error code=13227 to=+49… ERROR 21408 to +336…`` is two errors. Each code the free text
    prints (``_LOG_CODE``, not a passcode's) is read from where it is written up to the next one, or to where the
    fields' code is written again after it; it is another error only with a destination of its own there, and
    when it is not the fields' error said again: the same code with the same To, or with the fields naming none
    (``code=21408 to=+336… Error 21408: Permission to send… +336…`` is one error). A code with no destination
    after it is the fields' error, or says nothing of one: no error of its own (as in :func:`parse_log_line`)."""
    said = [hit for hit in fields if hit.code is not None]
    if not said:
        return []
    found = [m for m in _LOG_CODE.finditer(line) if not _names_a_passcode(line, m) and known_code(int(m.group(1)))]
    if not found:
        return []
    codes = {str(hit.code) for hit in said}
    out: list[Hit] = []
    for i, m in enumerate(found):
        if _FIELD_CODE.search(m.group()) is not None:
            continue  # "code=13227", "error code: 13227": a code key's value, the fields' own error
        hi = found[i + 1].start() if i + 1 < len(found) else len(line)
        for code in codes:  # the fields' code written after this one: where the fields' error is written
            at = _code_at(line, code, m.end(), hi)
            if at >= 0:
                hi = at
        hit = _log_hit(line[m.start() : hi], m, m.start(), number)
        if hit.to is None or not _is_number_value(hit.to) or any(_said_again(hit, other) for other in said):
            continue  # no destination of its own (a label's value that is no number: "dst=10.0.0.5"), or said again
        out.append(hit)
    return out


# a code _LOG_CODE finds as a code key's value ("code=21408", "error code: 21408"), which parse_fields reads
_FIELD_CODE = rx(r"(?i)code[ \t]{0,3}[:=][ \t]{0,3}[0-9]{5}$")


def _code_at(line: str, code: str, start: int, end: int) -> int:
    """Where ``code`` (five digits) is written in ``line[start:end]`` as a number of its own, or -1."""
    at = line.find(code, start, end)
    while at >= 0:
        if not line[at - 1 : at].isdigit() and not line[at + 5 : at + 6].isdigit():
            return at
        at = line.find(code, at + 1, end)
    return -1


def _said_again(hit: Hit, fields: Hit) -> bool:
    """Whether ``hit`` (an error in free text) is the error ``fields`` holds, written again: the same code, and the
    same To or none the fields name."""
    if hit.code != fields.code:
        return False
    return fields.to is None or hit.to is None or _same_number(hit.to, fields.to)


def _same_number(a: str, b: str) -> bool:
    """Whether two numbers as written are one: the same digits, or one is the other written nationally or with an
    international prefix (``07400123456``, ``00447400123456`` and ``+447400123456``)."""
    one, other = sorted((_digits_of(a).lstrip("0"), _digits_of(b).lstrip("0")), key=len)
    return one == other or (len(one) >= 7 and other.endswith(one))


def _log_hit(text: str, m: re.Match[str], lo: int, number: int) -> Hit:
    """The error of ``text`` (a line, or the part of it that holds one of its errors, starting at ``lo`` in the
    line) whose code ``m`` found in the line."""
    hit = Hit(format="log-line", line=number, code=int(m.group(1)), code_source="printed")
    if m.group()[:4].lower() == "http":  # "HTTP 400 21408": the status Twilio answered with
        hit.http_status = int(m.group()[5:8])
    rest = text[m.end() - lo :]
    if rest[:2] in (": ", " -", " :") or rest[:3] == "): ":
        message = rest.lstrip(" :-)")
        if '"' in message:  # the line's error inside a JSON string: its message ends with the string
            message = _JSON_STRING_END.split(message, 1)[0]
        if len(message) > 10:
            hit.message = _trim_message(message)
    sender = _LOG_FROM.search(text)
    # the first label's number, but the sender's ("reply from recipient +1415… to user +234…")
    senders = _digits_of(sender.group(1)) if sender else None
    to = next(
        (found for found in _LOG_TO.finditer(text) if _own_to(text, found) and _digits_of(found.group(1)) != senders),
        None,
    )
    low = text.lower()
    leg = None
    if "inbound" in low or "received" in low or "incoming" in low:
        # an inbound call's To is a Twilio number: the failed destination is the number the call was forwarded, dialled
        # or transferred to ("inbound call from +234… to +1415…: error 13227 forwarding to +336…")
        leg = next(
            (
                found
                for found in _LOG_TO.finditer(text)
                if _LEG_BEFORE.search(text, max(0, found.start() - 24), found.start()) is not None
                and _own_to(text, found)
                and _digits_of(found.group(1)) != senders
            ),
            None,
        )
        to = leg or to
    if to is None and any(word in low for word in _WEAK_WORDS):
        weak = _LOG_TO_WEAK.search(text)  # "phone=+33…": the To, unless it is the sender's number
        if weak is not None and not (sender and _digits_of(weak.group(1)) == _digits_of(sender.group(1))):
            to = weak
    if to:
        number_text = to.group(1)
        code_at = m.start(1) - lo
        if to.start(1) < code_at < to.end(1):  # "to 4474… (21408)": the code in brackets is no digit of it
            number_text = text[to.start(1) : code_at].rstrip(" (")
        hit.to = _number_text(number_text)
        if to.re is _LOG_TO and not hit.to.startswith("+") and not _KEYED.search(text, to.start(), to.start(1)):
            hit.bare_to = text[to.start() : to.start(1)].strip().lower()  # "send to 4474…": a word, no key
        sent_by = _number_text(sender.group(1)) if sender else None
        hit.listed = listed_after(text, to.start(1), hit.to, sent_by)
        hit.to_country = country_after(text, to.start(1) + len(hit.to))  # "to 07400 123456 (GB)"
    else:
        code_at = m.start(1) - lo  # "dialing +4930123456 (13227)": the code in brackets is no digit of the number
        plus = [
            (n.start(), _number_text(n.group() if not n.start() < code_at < n.end() else text[n.start() : code_at]))
            for n in _PLUS_NUMBER.finditer(text)
        ]
        sent_by = _number_text(sender.group(1)) if sender else None
        if sent_by:
            plus = [(at, n) for at, n in plus if _digits_of(n) != _digits_of(sent_by)]
        numbers = [n.rstrip(" (") for _, n in plus]
        if len(numbers) == 1:
            hit.to = numbers[0]
        elif numbers:
            # several: the destinations of one error when they are one list ("for +336…, +55…"), else none is
            listed = (numbers[0], *listed_after(text, plus[0][0], numbers[0], sent_by))
            if all(any(_same_number(n, one) for one in listed) for n in numbers):
                hit.to, hit.listed = numbers[0], listed[1:]
        elif (bare := _unlabelled_at(text, sent_by)) is not None:
            hit.bare_to, hit.to = bare[:2]  # "error 21408 for 17877315170": no label, no '+'
            hit.listed = listed_after(text, bare[2] - len(hit.to), hit.to, sent_by)
            hit.to_country = country_after(text, bare[2])  # "for 07400 123456 (GB)"
    if sender:
        hit.from_ = _number_text(sender.group(1))
    if "AC" in text or "ac" in text:
        # "(account AC…)", "subaccount AC…: …": the account, written without a key, when the line names one only
        accounts = {twilio_form(a) for a in _ACCOUNT.findall(text)}
        if len(accounts) == 1:
            hit.account_sid = accounts.pop()
    if any(letters in text for letters in ("SM", "MM", "CA", "sm", "mm", "ca")):
        # "sms failed: error 21408 for +33… (SM…)": the resource, written without a key, when the line names
        # one message or one call only (online it is read, the strongest evidence there is)
        sids = {twilio_form(s) for s in _RESOURCE_SID.findall(text)}
        if len(sids) == 1:
            sid = sids.pop()
            if sid[:2] == "CA":
                hit.call_sid = sid
            else:
                hit.message_sid = sid
    if ("inbound" in low or "received" in low) and "forward" not in low and leg is None:
        # the To of an inbound message is a Twilio number; a forwarded inbound call's is the number it
        # was forwarded to, the failed destination (32224: "forward of inbound call to +44… failed")
        hit.inbound = True
    return hit
