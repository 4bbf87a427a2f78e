"""Text → records → :class:`~diagnose.models.Evidence`.

1. Lines are cleaned (colours, HTML escapes, control characters) and bounded.
2. Anchor lines, those that can hold part of a Twilio error, are found; each
   opens a window of nearby lines (a traceback, a pretty-printed JSON body).
3. Every parser reads every line of a window into hits.
4. Hits of neighbouring lines merge into one record while they agree and add
   something; a hit that conflicts with the record (another code, another
   number) or repeats it starts a new record.
5. A record with a code (printed, or recognised from its wording) becomes
   evidence, with the destination read by :func:`._numbers.read_number`.

The same functions serve a paste (:func:`extract`) and a streamed log
(:mod:`._stream`), so both find the same errors.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace

from ..models import Evidence
from ._console import NO_PAGES, is_heading, page_end, page_of, pages
from ._numbers import read_number
from ._parse import (
    PAREN_CODE_TEXT,
    SDK_REST,
    Hit,
    bare_anchor,
    beside_fields,
    better_format,
    classify,
    hit_lines,
    labelled_destination,
    listed_below,
    message_after,
    number_in_message,
    parse_curl,
    parse_dial,
    parse_exceptions,
    parse_fields,
    parse_log_line,
    parse_urls,
    sender_in_message,
    unlabelled_destination,
)
from ._redact import redact_secrets
from ._rx import rx
from ._text import MAX_LINE, after_stamp, clean, leading_stamp, new_event, starts_event, timestamp
from ._wording import FROM_CALLBACK, WordingMatch, WordingTable, cut_words, default_table, normalise

# A line worth reading: one that can hold part of a Twilio error. Every shape carries one of these: a
# code field or "code" word, "twilio", an SDK exception or error class, an HTTP 4xx/5xx status, a
# Debugger payload, the words of the geo-permission messages, or "error"/"failed" right before a
# five-digit code. _stream.PREFILTER is the byte-level superset used to skip everything else quickly.
_STRONG = ("code", "twilio", "xception", "permi", "authoriz", "payload", "apierror", "resterror", "errors/")
# Older wordings that hold none of those ("Account not allowed to call", "Dial: Forbidden phone number").
_STRONG += ("allowed to call", "forbidden phone number")
# or a code in brackets after a failure's words ("failed to send to 4474… (21408)", _parse.PAREN_CODE_TEXT)
_WEAK = rx(
    r"http/?[0-9. ]{0,4}[45][0-9][0-9]|(?:error|err|failed|failure)(?: with)?[^a-z0-9\n]{1,4}[0-9]{5}|"
    + PAREN_CODE_TEXT
)
BEFORE = 8  # lines read above an anchor (a traceback's call with to=…)
AFTER = 14  # and below (a Node error's properties, a Ruby error's message line)
MERGE_DISTANCE = 16  # hits further apart than this are never one error
_MERGEABLE = ("code", "http_status", "message", "account_sid", "parent_account_sid", "message_sid", "call_sid", "to")


@dataclass
class Record:
    hits: list[Hit]
    first_line: int
    last_line: int
    page: int | None = None  # the Console page it is read from (._console): its heading's line number


def is_anchor(line: str) -> bool:
    low = line.lower()
    # or a code no word names, with a labelled '+' number right after it (_parse._BARE_CODE); or a Console page's
    # heading of a warning ("Warning - 13227", which holds no other anchor: its page is read from it, ._console)
    return (
        any(token in low for token in _STRONG)
        or _WEAK.search(low) is not None
        or bare_anchor(low)
        or ("warning - " in low and is_heading(line))
    )


def windows(anchors: Sequence[int], total: int) -> list[tuple[int, int]]:
    """Merged [start, end) line windows around anchor line indexes, each at most MAX_BLOCK_LINES… joined."""
    out: list[tuple[int, int]] = []
    for i in anchors:
        start, end = max(0, i - BEFORE), min(total, i + AFTER + 1)
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def is_complete(hits: Sequence[Hit], line: str) -> bool:
    """One line that is a whole error by itself: a code or a message, and the destination.

    An indented line or a lone ``"key": value`` member is part of something bigger (pretty-printed
    JSON, a stack trace) whatever it holds: its neighbours carry the account and the SIDs.
    """
    if line[:1].isspace() or line.startswith('"'):
        return False
    return any((h.code is not None or h.message is not None) and h.to is not None for h in hits)


def hits_of(line: str, number: int, known_code: Callable[[int], bool]) -> list[Hit]:
    hits = parse_exceptions(line, number)
    hits += parse_curl(line, number)
    hits += _beside_sdk(parse_fields(line, number), hits)
    fielded = any(h.code for h in hits)  # an error the fields (or an SDK's error) name: free text is read beside it
    if not fielded:
        hits += parse_log_line(line, number, known_code)
    hits += parse_urls(line, number)
    hits += parse_dial(line, number)
    for hit in hits:
        hit.excerpt = line
        if hit.to is None and hit.message:
            hit.to = number_in_message(hit.message)
    if fielded:
        # another error free text writes beside it ("code=13227 to=+49… ERROR 21408 to +336…"), read last, so that
        # a more-info link or an account URL of the line goes with the fields' error
        for hit in beside_fields(line, number, known_code, hits):
            hit.excerpt = line
            hits.append(hit)
    if any(hit.listed for hit in hits):
        # "Twilio error 21408 for 4155550100, 4155550111": a failure to each number the list names
        hits = [each for hit in hits for each in (hit, *(replace(hit, to=to, listed=()) for to in hit.listed))]
    return hits


def _beside_sdk(fields: list[Hit], sdk: Sequence[Hit]) -> list[Hit]:
    """The field hits of a line, without a log record's own message where an SDK's error on the line holds
    Twilio's: ``{"msg": "send failed", "error": "Status: 400 - ApiError 21408: …"}`` (zap, logrus) is one error,
    not a second one worded "send failed". A message that names a destination, or one beside a printed code
    other than the SDK's, is kept."""
    said = [h for h in sdk if h.message]
    if not said:
        return fields
    codes = {h.code for h in sdk}
    for hit in fields:
        words = hit.message
        if (
            words is not None
            and number_in_message(words) is None
            and (hit.code is None or hit.code_source != "printed" or hit.code in codes or None in codes)
            and not any(words in str(h.message) or str(h.message) in words for h in said)
        ):
            hit.message = None
    return fields


def _conflicts(merged: dict[str, object], hit: Hit, weak_to: bool = False) -> bool:
    """Whether ``hit`` names another error than the record whose fields are ``merged`` (``weak_to``: the record's
    To came from a "number" or "phone" field of the hit's line, which no more tells two errors of one line apart
    than the hit's own would)."""
    if hit.names is not None and merged.get("code") not in (None, hit.names):
        return True  # a line that is another code's message ("Error - 21408" above "Account not authorized…")
    for name in _MERGEABLE:
        new = getattr(hit, name)
        old = merged.get(name)
        if name == "to" and weak_to:
            continue
        if name == "to" and new is not None and old is not None:
            new, old = _digits(str(new)), _digits(str(old))
        if new is not None and old is not None and new != old:
            # the Twilio message may be quoted in part ("Unable to create record" then the message)
            if name == "message" and (str(new) in str(old) or str(old) in str(new)):
                continue
            # or worded otherwise below its printed code: the Console's "Error - 13227 - <title>" above the
            # alert's text ("Dial: No International Authorization: +33…"), one error
            if name == "message" and hit.names is not None and hit.names == merged.get("code"):
                continue
            return True
    return False


def _digits(text: str) -> str:
    return "".join(c for c in text if c.isdigit() or c in "*xX•")


def _merged_fields(record: Record) -> dict[str, object]:
    out: dict[str, object] = {}
    for h in record.hits:
        for name, value in h.filled().items():
            out.setdefault(name, value)
    return out


def _adds(record: Record, merged: dict[str, object], hit: Hit) -> bool:
    seen: frozenset[str] = frozenset().union(*(h.keys for h in record.hits))
    return (
        any(name not in merged for name in hit.filled())
        or not hit.keys <= seen
        or (hit.format is not None and all(h.format in (None, "wording") for h in record.hits))
    )


def _complete(merged: dict[str, object]) -> bool:
    return "code" in merged and ("message" in merged or "to" in merged)


def group(
    hits: Iterable[Hit],
    event_of: Callable[[int], int] | None = None,
    block_of: Callable[[int], int] | None = None,
    page_of: Callable[[int], int | None] | None = None,
) -> list[Record]:
    """Neighbouring, agreeing hits become one record; never hits of two log events (``event_of``: the
    event a line number belongs to, see :func:`events`), so an unrelated log line next to an error
    lends it nothing; nor does a received message (Twilio calling the app's incoming-SMS URL), a record of
    its own line or pretty-printed JSON (``block_of``, see :func:`blocks`): its SID, status, account and
    numbers are that message's, never those of an error logged near it, even where no timestamp tells the
    two apart. A Console page (``page_of``: the page a line is part of, see :func:`._console.pages`) is one
    record whatever its lines' distance, times or repeats, and never shares one with a hit outside it."""
    hits = list(hits)
    block = block_of or (lambda line: line)
    received = {block(h.line) for h in hits if h.status == "received" and h.code is None}
    records: list[Record] = []
    # a Console page's records, by the code they name (None: the page's own, its heading's code)
    in_page: dict[tuple[int, int | None], Record] = {}
    page_code: dict[int, int] = {}
    for hit in hits:
        last = records[-1] if records else None
        page = page_of(hit.line) if page_of is not None else None
        if page is not None:
            # one page, one error: every part of it is read into its record, whatever lines apart; but a line of
            # it that names another code (an alert's text of another error) is that error's
            named = hit.code if hit.code is not None else hit.names
            own = page_code.setdefault(page, named) if named is not None else page_code.get(page)
            key = (page, None if named is None or named == own else named)
            record = in_page.get(key)
            if record is None:
                record = in_page[key] = Record(hits=[], first_line=hit.line, last_line=hit.line, page=page)
                records.append(record)
            record.hits.append(hit)
            record.last_line = max(record.last_line, hit.line)
            continue
        if last is not None and last.page is not None:
            records.append(Record(hits=[hit], first_line=hit.line, last_line=hit.line))  # never a page's part
            continue
        if last is not None and event_of is not None and event_of(hit.line) != event_of(last.last_line):
            last = None
        if last is not None and (
            (hit.dialled and hit.line != last.last_line)
            or (hit.line - last.last_line > 1 and all(h.dialled for h in last.hits))
        ):
            # a PBX's dial line names the number of the call whose error is on its line or the next, no other's
            last = None
        if last is not None and received:
            apart = {block(last.first_line), block(last.last_line)}
            if (block(hit.line) in received or apart & received) and apart != {block(hit.line)}:
                last = None
        if last is not None and hit.continues and hit.line == last.last_line + 1 and hit.to is None:
            # "…call +65 9123 4567." then "Perhaps you need to enable…": one message over two lines
            last.hits.append(hit)
            last.last_line = hit.line
            continue
        if last is not None and hit.line - last.last_line <= MERGE_DISTANCE:
            standalone = hit.code is not None and (hit.to is not None or hit.message is not None)
            merged = _merged_fields(last)  # once per hit: the tests below only read it
            # a "number" or "phone" field beside the error on its own line tells no second error (a log record's)
            weak_to = hit.line == last.last_line and (
                hit.weak_to or next((h.weak_to for h in last.hits if h.to is not None), False)
            )
            conflicts, adds = _conflicts(merged, hit, weak_to), _adds(last, merged, hit)
            if not standalone and not adds and not conflicts:
                continue  # a fragment repeating the record (its more-info link, its account URL)
            if not conflicts and adds and not (_complete(merged) and standalone):
                last.hits.append(hit)
                last.last_line = max(last.last_line, hit.line)
                continue
        records.append(Record(hits=[hit], first_line=hit.line, last_line=hit.line))
    return records


def _received(hit: Hit) -> bool:
    """A message Twilio received (an inbound webhook, ``SmsStatus=received``), with no error of its own."""
    return hit.status == "received" and hit.code is None


def blocks(lines: Sequence[str], start: int, end: int, base: int = 0) -> Callable[[int], int]:
    """The block of each line of ``lines[start:end]`` (by absolute line number, as :func:`events`): a line
    that opens pretty-printed JSON (it ends with ``{`` or ``[``), the indented lines below it and the
    bracket that closes it are one, numbered by its first line; any other line is a block of its own. Indented
    lines at ``start`` go on with a block opened above it (a window may open inside an object)."""
    first: list[int] = []
    current: int | None = start if start < end and lines[start][:1].isspace() else None
    for i in range(start, end):
        line = lines[i]
        if current is not None and (line[:1].isspace() or line.lstrip()[:1] in ("}", "]")):
            first.append(current)
            if not line[:1].isspace():  # the closing bracket, at the margin the object opened at
                current = None
            continue
        current = i if line.rstrip().endswith(("{", "[")) else None
        first.append(i)
    return lambda number: first[number - base - start]


def events(lines: Sequence[str], start: int, end: int, base: int = 0) -> Callable[[int], int]:
    """The log event of each line of ``lines[start:end]`` (by absolute line number, ``base`` being that
    of ``lines[0]``), as the number of the line it starts on: see :func:`._text.new_event`. Lines
    before the first event start share one of their own."""
    first = [start] * (end - start)
    current = start
    above = leading_stamp(lines[start - 1]) if start > 0 else None
    for i in range(start, end):
        stamp = leading_stamp(lines[i])
        if starts_event(stamp, above, lines[i], lines[i - 1] if i > 0 else None):
            current = i
        first[i - start] = current
        above = stamp
    return lambda number: first[number - base - start]


def to_evidence(
    record: Record,
    lines: Sequence[str],
    table: WordingTable,
    base: int = 0,
    memo: Memo | None = None,
    head: int | None = None,
) -> Evidence | None:
    """The evidence of one record, or None when it names no error code; ``head``: the line its log event starts
    on (an index of ``lines``, as :func:`events` gives it), whose timestamp is the error's when the record's
    own first line holds none."""
    f: dict[str, object] = {}
    fmt: str | None = None
    code_source = None
    inbound = False
    status = None
    channel = None
    weak_to = False  # the To came from a "number" or "phone" field: a number Twilio's message names wins
    bare_to = ""  # the word before a To no label names ("send to 4474…"): without '+', read at low confidence
    for h in record.hits:
        fmt = better_format(fmt, h.format)
        inbound = inbound or h.inbound
        status = status or h.status
        channel = channel or h.channel
        for name, value in h.filled().items():
            if name == "code" and "code" in f:
                continue
            if name == "to" and "to" not in f:
                weak_to, bare_to = h.weak_to, h.bare_to
            f.setdefault(name, value)
            if name == "code":
                code_source = h.code_source
    keys: frozenset[str] = frozenset().union(*(h.keys for h in record.hits))
    if keys:
        whole = Hit(
            code=_int(f.get("code")),
            code_source=code_source,
            http_status=_int(f.get("http_status")),
            call_sid=_str(f.get("call_sid")),
        )
        fmt = better_format(fmt, classify(keys, whole))
    message = f.get("message")
    if fmt == "node-exception" and (message is None or _from_wording_line(record, message)):
        # twilio-node 3: "Error: <message>" above the SDK's frame, which the error's line and excerpt start at
        above = _node_message(record, lines, base)
        if above is not None:
            message = above[1]
            record = replace(record, first_line=min(record.first_line, above[0]))
    code = f.get("code")
    recognised: WordingMatch | None = None
    sdk = (fmt or "").endswith(("exception", "error"))
    rest = f.get("http_status") is not None or sdk  # an HTTP error response: the REST API's answer
    if code is None and isinstance(message, str):
        # the first line of a paste may start inside the wording (a paste cut there): record.first_line 0
        recognised = table.recognise(message, rest, record.first_line == 0) or table.recognise_whole(message)
    if code is None and recognised is None:
        # a line that is nothing but a known wording (a Ruby error's message line, a log line)
        found = _wording_line(record, table, rest)
        if found is not None:
            recognised, line, excerpt = found
            if message is None or (isinstance(message, str) and number_in_message(message) is None):
                # an error a JSON log keeps as a string, beside the log's own words or none ({"msg": "send
                # failed", "err": "Error: Account not authorized to call +55…"}): Twilio's message is the piece of
                # that string which holds it, with its To (the whole line, cut at 500 characters, may cut the To)
                message = _wording_piece(excerpt, table, recognised.code) or message
            message = message or line
    if recognised is not None and recognised.source == "other" and not sdk:
        # a code without a knowledge file: its wordings ("is not a valid phone number") are common English,
        # Twilio's only in an SDK's exception ("ValueError: +1… is not a valid phone number" is the app's)
        recognised, message = None, f.get("message")
    if recognised is not None and (printed := table.printed_code(recognised)) is not None:
        code, code_source, recognised = printed, "printed", None  # "21215 Geo Permission…": the code it says
    elif recognised is not None:
        callback = fmt == "status-callback" or "dial_status" in keys
        if recognised.undecided and callback:
            # words codes share (13227's and 21215's): a call's callback means a call was placed, so no REST
            # request was refused; the WARNING-level code the table read them as is the one
            recognised = replace(recognised, decided_by=FROM_CALLBACK)
        elif (
            ("dial_status" in keys or (callback and f.get("call_sid") is not None))
            and not recognised.shared
            and (dial := table.dial_form.get(recognised.code)) is not None
        ):
            # a REST API code's own words (21216's "Call blocked by Twilio blocklist") in a <Dial> action callback
            # or a call's status callback: no REST request was refused, a <Dial> was, and its code is the other
            recognised = replace(recognised, code=dial, worded_for=recognised.code, decided_by=FROM_CALLBACK)
        code, code_source = recognised.code, "wording"
    if not isinstance(code, int):
        if not (sdk and isinstance(message, str) and message.strip() and _sdk_rest(record, lines, base)):
            return None
        # a helper library's REST exception that printed no code, in words no wording names: a Twilio error
        # all the same, whose code is unknown (not "no error"); docs/report-format.md, "A code not printed"
        code, code_source = None, "unknown"
    if status in _NOT_FAILED and code_source != "printed":
        return None  # a delivered message quoting an error's wording is no failure
    if message is None and fmt == "ruby-exception":
        message = _ruby_message(record, lines, base)
    # a <Dial>'s action callback (DialCallStatus=…) carries the parent call's To and Called (the number called in,
    # or that of the REST call that ran the TwiML), never the number the <Dial> dialled: only Twilio's message
    # may name that one
    dial_action = "dial_status" in keys and not inbound
    to_raw = None if inbound or dial_action else f.get("to")
    if message is None and not inbound and (to_raw is None or record.last_line > record.first_line):
        # a printed code with Twilio's message after it, unlabelled ("code=21215 Account not authorized to
        # call +49…"): the message, and the number it names, as for the same line without its code; or on a
        # line of its own below the code (the Console's "Error - 21408" above the alert's text)
        found = _wording_line(record, table, f.get("http_status") is not None, code)
        message = (_wording_piece(found[2], table, code) or found[1]) if found is not None else None
    elif (
        (message is None or (isinstance(message, str) and number_in_message(message) is None))
        and not inbound
        and "\\n" in record.hits[0].excerpt
    ):
        # a JSON log's own words ("msg": "send failed"), or none, beside its code and the SDK's error as a string
        # (Node's inspect of it: "…call +55…\n    at …\n  code: 21215,"): Twilio's message is that string's
        found = _wording_line(record, table, f.get("http_status") is not None, code)
        message = (_wording_piece(found[2], table, code) if found is not None else None) or message
    if (to_raw is None or weak_to) and isinstance(message, str) and not inbound:
        named = number_in_message(message, str(to_raw) if weak_to else None)
        if named is not None:
            to_raw, bare_to = named, ""
    if to_raw is None and not inbound and not dial_action:
        to_raw = _labelled_to(record)
    from_raw = f.get("from_")
    if from_raw is None and isinstance(message, str) and ("rom" in message or "ource" in message):
        from_raw = sender_in_message(message)  # 21212, 21606, 21210: the message names the sender
    if to_raw is None and not inbound and not dial_action:
        # digits after "for" on the error's line, no label and no '+' ("error 21408 for 17877315170")
        bare = _unlabelled_to(record, _str(from_raw), _str(f.get("to_country")))
        if bare is not None:
            bare_to, to_raw = bare
    from_country = read_number(str(from_raw)).country if isinstance(from_raw, str) else None
    hint = _str(f.get("to_country"))  # the destination's country a field names beside it (ToCountry=GB)
    reading = read_number(str(to_raw), from_country=from_country, hint=hint) if isinstance(to_raw, str) else None
    if reading is not None and from_raw and reading.e164 and reading.e164 == read_number(str(from_raw)).e164:
        reading, to_raw = None, None  # the sender is never the failed destination, nor shown as one
    if reading is not None and bare_to and reading.confidence == "medium" and reading.reason.startswith(_NO_PLUS):
        # no label names it and it has no '+': a number, likely the To, whose country is a guess from its digits
        reading = replace(
            reading,
            confidence="low",
            reason=f"no label names it (a number after '{bare_to}' on the error's line) and it has no '+'; "
            + reading.reason[len(_NO_PLUS) + 2 :],
        )
    elif reading is not None and bare_to and reading.reason.startswith(_NANP):
        # ten digits read in North America (already low): the reason says too that no label names them
        reading = replace(
            reading, reason=f"no label names it (a number after '{bare_to}' on the error's line); " + reading.reason
        )
    start = max(0, record.first_line - base)
    end = min(len(lines), record.last_line - base + 1)
    message_sid = f.get("message_sid")
    call_sid = f.get("call_sid")
    memo = Memo() if memo is None else memo
    if any(len(line) > EXCERPT for line in lines[start:end]):
        # a line of kilobytes (a window of a line over 8 KB, a JSON list on one line): the part around this
        # error, found by what names it most narrowly, not the line's start (errors there share no excerpt)
        needles = (message_sid, call_sid, to_raw, message, f.get("account_sid"), code)
        excerpt, stamp = _excerpt(lines, start, end, [str(n) for n in needles if n], memo.taken)
    else:
        if (start, end) not in memo.excerpts:  # errors sharing a line share its excerpt and timestamp
            memo.excerpts[(start, end)] = _excerpt(lines, start, end, [])
        excerpt, stamp = memo.excerpts[(start, end)]
    told = next((h.time for h in record.hits if h.time is not None), None)
    if told is not None:
        stamp = told  # the error's own time (a Debugger webhook's Timestamp), not that of the line it was logged on
    elif stamp is None:
        stamp = _event_stamp(lines, start, end, head)
    if reading is not None and reading.channel in ("whatsapp", "rcs", "messenger", "sip"):
        channel = reading.channel
    elif channel is None and call_sid:
        channel = "voice"
    elif channel is None and message_sid:
        channel = "sms"
    elif channel is None and isinstance(code, int):
        channel = table.sole_channel.get(code)  # 21215 is a call whatever the paste says
    reason = reading.reason if reading is not None else ""
    listed = max((h.recipients for h in record.hits), default=0)
    if reading is None and listed > 1 and not inbound:
        # {"recipients": ["+234…", "+336…"], "error": {…}}: which one failed, neither the error nor Twilio's message
        # says, and none is picked
        reason = f"the error names {listed} recipients and not which one failed: no destination is read"
    elif reading is None and dial_action:
        reason = (
            "a <Dial> action callback's To is the parent call's (the number called in, or the REST call's),"
            " not the number dialled: no destination is read; the <Dial> in your TwiML names it"
        )
    return Evidence(
        kind="paste",
        sid=str(message_sid or call_sid) if (message_sid or call_sid) else None,
        code=code,
        http_status=_int(f.get("http_status")),
        message_sid=_str(message_sid),
        call_sid=_str(call_sid),
        account_sid=_str(f.get("account_sid")),
        to=reading.e164 if reading is not None and not reading.masked else None,
        from_=_str(from_raw),
        country=reading.country if reading is not None else None,
        format=fmt or "log-line",
        status=status,
        channel=channel,
        excerpt=excerpt,
        message=_str(message),
        code_source=code_source,
        to_raw=_str(to_raw),
        to_sent=reading.sent if reading is not None and not reading.masked else None,
        country_confidence=reading.confidence if reading is not None else None,
        country_reason=reason,
        parent_account_sid=_str(f.get("parent_account_sid")),
        line=record.first_line + 1,
        timestamp=stamp,
        code_wording=_wording_kind(recognised),
        code_confidence=None if code is None else "high" if recognised is None else recognised.confidence,
        code_reason=UNKNOWN_CODE_REASON if code is None else "" if recognised is None else recognised.reason,
        code_alternatives=recognised.shared_with if recognised is not None and recognised.undecided else (),
    )


UNKNOWN_CODE_REASON = (
    "No code was printed, and the message matches no wording of a code the knowledge or the error index names: a"
    " Twilio REST API error (a helper library's exception) whose code is unknown. Print the exception's code, or"
    " paste the message's or call's SID, to diagnose it."
)


def _sdk_rest(record: Record, lines: Sequence[str], base: int) -> bool:
    """Whether the record's lines hold what only a helper library's REST exception writes (:data:`._parse.SDK_REST`)."""
    start, end = max(0, record.first_line - base), min(len(lines), record.last_line - base + 1)
    return any(SDK_REST.search(line) is not None for line in lines[start:end])


def _event_stamp(lines: Sequence[str], start: int, end: int, head: int | None) -> str | None:
    """The time of an error whose first line holds none: that of the line its log event starts on (the
    "[2026-11-30 10:00:00,118] ERROR …" above a traceback), else the first a line of it holds (a Monitor
    alert's "date_created")."""
    if head is not None and 0 <= head < start and leading_stamp(lines[head]) is not None:
        found = timestamp(lines[head][:160])
        if found is not None:
            return found
    for line in lines[start + 1 : end]:
        found = timestamp(line[:160])
        if found is not None:
            return found
    return None


EXCERPT = 1200  # characters of a line an error's excerpt shows at most


@dataclass
class Memo:
    """What the errors read from the same lines share: the excerpt and timestamp of each span of short lines;
    in a line of kilobytes, where the last error that named a needle ((line, needle): the same number, twice
    or more in one line) found it, so that the next one shows the next place it is named, not the first again."""

    excerpts: dict[tuple[int, int], tuple[str, str | None]] = field(default_factory=dict)
    taken: dict[tuple[int, str], int] = field(default_factory=dict)


def _excerpt(
    lines: Sequence[str], start: int, end: int, needles: Sequence[str], taken: dict[tuple[int, str], int] | None = None
) -> tuple[str, str | None]:
    """The excerpt of the record on ``lines[start:end]`` (each line over ``EXCERPT`` characters shown around
    the first of ``needles`` it holds, past where an error before found it: ``taken``, see :class:`Memo`),
    redacted, and the timestamp its first line holds."""
    excerpt = "\n".join(_around(line, needles, taken, i) for i, line in enumerate(lines[start:end], start))
    if len(excerpt) > EXCERPT:
        excerpt = _around(excerpt, needles) if needles else excerpt[:EXCERPT] + "…"
    first = lines[start] if start < len(lines) else ""
    return redact_secrets(excerpt), timestamp(first[:160])


def _around(line: str, needles: Sequence[str], taken: dict[tuple[int, str], int] | None = None, i: int = 0) -> str:
    """``line``, or, when longer than ``EXCERPT``, that many of its characters around the first of ``needles``
    it holds (a number URL-encoded in it is found by its digits; with ``taken``, past the place an error before
    found it on line ``i``, when it is named there again), else its start; "…" marks a cut."""
    if len(line) <= EXCERPT:
        return line
    at = 0
    for needle in needles:
        found = _named(line, needle, 0)
        if found < 0 and needle.startswith("+"):
            needle = needle[1:]
            found = _named(line, needle, 0)  # "%2B33…" in a form, "0033…"
        if found >= 0:
            if taken is not None:
                last = taken.get((i, needle), -1)
                later = _named(line, needle, last + 1) if last >= 0 else found
                found = later if later >= 0 else found
                taken[(i, needle)] = found
            at = found
            break
    lo = max(0, min(at - EXCERPT // 4, len(line) - EXCERPT))
    piece = line[lo : lo + EXCERPT]
    if lo:
        piece = "…" + piece[1:]
    if lo + EXCERPT < len(line):
        piece = piece[:-1] + "…"
    return piece


def _named(line: str, needle: str, start: int) -> int:
    """Where ``line`` names ``needle`` from ``start`` on: first where it is at least ``EXCERPT // 4`` characters from
    either end of the line (a window of a long line may start or end inside another error naming it too, cut
    there), else first anywhere; -1 when nowhere."""
    margin = EXCERPT // 4
    found = line.find(needle, max(start, margin), len(line) - margin)
    return found if found >= 0 else line.find(needle, start)


def _ruby_message(record: Record, lines: Sequence[str], base: int) -> str | None:
    """Twilio's message, which twilio-ruby's RestError puts on the line after "[HTTP 400] 21211 : Unable to
    create record" (its message is "[HTTP …] code : header\nmessage\nmore_info")."""
    for h in record.hits:
        if h.format == "ruby-exception" and h.code is not None:
            i = h.line - base + 1
            # the line below, in the same log event (an unrelated log line lends an error nothing)
            text = after_stamp(lines[i]) if 0 < i < len(lines) and not new_event(lines[i], lines[i - 1]) else ""
            if len(text) > 10 and " " in text and not text.startswith(("http", "/", "from ", "#")):
                return text[:500]
    return None


def _from_wording_line(record: Record, message: object) -> bool:
    """Whether ``message`` is a whole line read as a Twilio message (with whatever the line printed before it)."""
    return any(h.format == "wording" and h.message == message for h in record.hits)


def _node_message(record: Record, lines: Sequence[str], base: int) -> tuple[int, str] | None:
    """The line number and Twilio's message of a twilio-node 3 error: a plain "Error: <message>" on the line
    above the SDK's frame ("    at success (…/twilio/lib/base/Version.js:129:15)"), in the same log event."""
    for h in record.hits:
        if h.format == "node-exception" and not h.filled():
            i = h.line - base - 1
            if 0 <= i < len(lines) - 1 and not new_event(lines[i + 1], lines[i]):
                found = _PLAIN_ERROR.search(lines[i])
                if found is not None:
                    return h.line - 1, _strip_prefix(found.group(1))
    return None


# a message a program printed as JavaScript prints an Error ("Error: Authenticate", "Unhandled rejection Error: …")
_PLAIN_ERROR = rx(r"(?:^|[\s:])Error: ([^\n]{1,500})$")


def _wording_line(
    record: Record, table: WordingTable, rest: bool, code: int | None = None
) -> tuple[WordingMatch, str, str] | None:
    """The first hit's line that holds a wording (of ``code``, when given), that line as a message, and the line
    as the wording was found in it."""
    for h in record.hits:
        found = table.recognise(h.excerpt, rest, h.line == 0)
        if found is not None and code not in (None, found.code) and found.shared:
            # words two codes share: the printed code is the other
            found = table.recognise(h.excerpt, not rest, h.line == 0)
        if found is not None and code in (None, found.code):
            return found, _strip_prefix(h.excerpt), h.excerpt
    return None


# where a piece of a line ends: a JSON string's escaped break or colour code (twilio-python's on a terminal), or
# its closing quote
_PIECE_END = rx(r'\\[nrt]|\\u001[bB]\[[0-9;]{0,12}m|(?<!\\)"')


_EXCEPTION_HEAD = rx(r"^[\w.$\\]{1,200}(?:Exception|Error)(?: \[Error\])?: ")


def _wording_piece(line: str, table: WordingTable, code: int) -> str | None:
    """The piece of ``line`` (between a JSON string's quotes or escaped breaks) that holds ``code``'s wording and
    names a destination, without the level or exception's word before it ("Error: ")."""
    if '"' not in line:
        return None
    for piece in _PIECE_END.split(line[:2000]):
        if len(piece) > 20 and number_in_message(piece) is not None:
            found = table.recognise(piece, False)
            if found is not None and found.code == code:
                # without the exception's name ("RestException [Error]: ") nor the SDK's "Unable to create record: "
                return message_after(_EXCEPTION_HEAD.sub("", _strip_prefix(piece), count=1))
    return None


_NO_PLUS = "written without '+'"  # how read_number's reason starts for digits it read with a '+' put before them
_NANP = "ten digits without a country code"  # and for ten digits it read as a North American number


def _unlabelled_to(record: Record, sender: str | None, hint: str | None) -> tuple[str, str] | None:
    """The words and the number no label names, after "for" on a line of the record that holds its code, read in the
    destination's country a field names (``hint``) or the sender's (:func:`._parse.unlabelled_destination`)."""
    for h in record.hits:
        if h.code is not None:
            found = unlabelled_destination(h.excerpt[:2000], sender, hint)
            if found is not None:
                return found
    return None


def _labelled_to(record: Record) -> str | None:
    """A destination the log line around an exception labels ("sms to +49… failed: Status: 400 - ApiError
    21610: …"): read only for an error whose fields and message name none."""
    for h in record.hits:
        if h.code is not None or h.format is not None:
            found = labelled_destination(h.excerpt[:2000])
            if found is not None:
                return found
    return None


def _wording_kind(found: WordingMatch | None) -> str | None:
    if found is None:
        return None
    return "unverified" if found.unverified else found.how


_NOT_FAILED = frozenset({"delivered", "sent", "queued", "accepted", "sending", "completed", "received", "read"})


def _wording_hit(line: str, number: int, table: WordingTable) -> list[Hit]:
    """A line that is nothing but a Twilio message (a Ruby error's second line, a bare log line); the first line of a
    paste (``number`` 0) may start inside its wording (a paste cut there)."""
    found = table.recognise(line, False, number == 0)
    if found is None:
        return []
    return [
        Hit(
            format="wording",
            line=number,
            message=_strip_prefix(line),
            excerpt=line,
            continues=found.at_start,
            # words two codes share name neither for sure; a code without a knowledge file's are common English
            names=None if found.shared or found.source == "other" else found.code,
            to=number_in_message(line),  # as hits_of reads a message's number
        )
    ]


def _is_wording(line: str, table: WordingTable, head: bool = False) -> bool:
    """A line that is a Twilio message of a code the knowledge explains, whatever words it uses (``head``: the
    first line of a paste, which may start inside the wording: a paste cut there).

    Other codes' official messages ("Unsupported public key algorithm") are ordinary English often
    enough that they count only near another anchor, as before.
    """
    if not 20 <= len(line) <= 2000:
        return False
    found = table.recognise(line, False, head)
    return found is not None and found.code in table.known_codes


def _strip_prefix(text: str) -> str:
    """A line read as a Twilio message, without what the log put before it: its timestamp and source
    (``2026-11-30T10:00:00Z``, ``app[web.1]:``) and its level (``WARN``, ``[error]``)."""
    text = after_stamp(text)
    level = _LEVEL_PREFIX.match(text)
    return (text[level.end() :] if level is not None else text).strip()[:500]


_LEVEL_PREFIX = rx(
    r"(?i)\[?(?:trace|debug|info|notice|warn|warning|error|err|fatal|critical|crit|severe)\]?[ \t:|-]{1,4}"
)


def _str(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _int(value: object) -> int | None:
    return value if isinstance(value, int) else None


def known_code_of(table: WordingTable) -> Callable[[int], bool]:
    from ..knowledge import lookup_error

    def known(code: int) -> bool:  # the index, or the knowledge (32224 is not in the 2023 index)
        return code in table.known_codes or lookup_error(code) is not None

    return known


def line_evidence(line: str, hits: list[Hit], number: int, table: WordingTable) -> list[Evidence]:
    """The errors of one line read alone, from the hits already parsed out of it."""
    memo = Memo()
    out = []
    for record in group(hits):
        evidence = to_evidence(record, [line], table, number, memo)
        if evidence is not None:
            out.append(evidence)
    return out


def extract_lines(
    lines: Sequence[str], *, base: int = 0, table: WordingTable | None = None, anchors: Sequence[int] | None = None
) -> list[Evidence]:
    """Evidence from cleaned lines; ``base`` is the absolute index of ``lines[0]``."""
    table = table or default_table()
    known = known_code_of(table)
    # the words a line needs to match a wording, over all the lines: reused by every window below
    keywords = table.keywords_in("\n".join(lines)) if len(lines) > 1 else None
    joined = rejoin_wordings(lines, table, keywords)
    if joined is not lines:
        keywords = None  # a join can make a word no line held: each window finds its own
    if anchors is not None and joined is not lines:  # a line joined onto the one above: that one holds it now
        anchors = sorted({i - 1 if i and joined[i] == "" and lines[i] != "" else i for i in anchors})
    lines = joined
    if anchors is None:
        # a line that is a Twilio message by itself opens a window too, whatever words it uses
        anchors = [i for i, line in enumerate(lines) if is_anchor(line) or _is_wording(line, table, head=base + i == 0)]
    heads = [i for i in anchors if is_heading(lines[i])]
    if heads:
        # a Console page is read whole: each of its lines is an anchor, so one window holds it all (a heading
        # inside a page above, in its body, is none: each line is read for one page at most, in linear time)
        extra: set[int] = set()
        after = 0
        for i in heads:
            if i >= after:
                after = page_end(lines, i, len(lines))
                extra.update(range(i + 1, after))
        heads = [i for i in heads if i not in extra]
        anchors = sorted(extra.union(anchors))
    out: list[Evidence] = []
    memo = Memo()
    for start, end in windows(anchors, len(lines)):
        hits: list[Hit] = []
        if end - start == 1:  # one line, most often an anchor: the gates below would cost what they save
            line = lines[start]
            found = hits_of(line, base + start, known)
            first = base + start == 0  # a paste's first line, which may start inside a wording (a cut paste)
            if not found and 20 <= len(line) <= 2000 and (first or table.may_match(line)):
                found = _wording_hit(line, base + start, table)
            hits = found
        else:
            # Most lines of a window are the log around the error: two tests over the whole window, in C
            # where they can be, pick the lines that may hold something (each a superset: nothing is lost).
            flagged, found_words = _worth_reading(lines, start, end, table, keywords)
            for i in range(start, end):
                line = lines[i]
                found = hits_of(line, base + i, known) if i in flagged else []
                if not found and base + i == 0 and 20 <= len(line) <= 2000:
                    found = _wording_hit(line, 0, table)  # a paste's first line: it may start inside a wording
                elif not found and found_words and 20 <= len(line) <= 2000:
                    low = line.lower()
                    escaped = "&" in low or "\\u" in low  # normalise() decodes these: the substring test cannot tell
                    if (escaped or any(word in low for word in found_words)) and table.may_match(line):
                        found = _wording_hit(line, base + i, table)
                hits.extend(found)
        found_pages = pages(lines, start, end, base, heads) if heads else NO_PAGES
        if found_pages:
            hits = sorted([*hits, *found_pages.hits], key=lambda h: h.line)  # stable: a line's own hits first
        event_of = events(lines, start, end, base)
        for record in group(hits, event_of, blocks(lines, start, end, base), page_of(found_pages)):
            # a page's time is its own (a Timestamp row, a time among its lines), never a log line's above it
            head = None if record.page is not None else event_of(record.first_line)
            evidence = to_evidence(record, lines, table, base, memo, head)
            if evidence is not None:
                out.append(evidence)
    return out


def _worth_reading(
    lines: Sequence[str], start: int, end: int, table: WordingTable, keywords: list[str] | None = None
) -> tuple[set[int], list[str]]:
    """The lines of ``lines[start:end]`` a parser may find something on, and the words a line must hold
    for a wording to match it (none: no line can match one); ``keywords``: those words, already found
    over more lines than these (a superset)."""
    text = "\n".join(lines[start:end])
    return {start + i for i in hit_lines(text)}, table.keywords_in(text) if keywords is None else keywords


def unwrap(lines: Sequence[str]) -> list[str]:
    """Join a line broken by a terminal or a log viewer back onto the line it continues.

    A continuation starts with one space and a lower-case word, and the line before
    ends mid-sentence; stack frames (``    at …``, ``  File …``) never qualify.
    The joined line keeps its place; the continuation becomes empty, so line numbers hold. A destination's
    list that pretty-printed JSON spreads over lines (``"to": [`` / ``"+33612345678"`` / ``]``) is joined so too.
    """
    out = list(lines)
    for i, line in enumerate(out):
        if line[-1:] in ("[", " ", "\t") and (listed := listed_below(out, i)) is not None:
            out[i] = listed[0]
            out[i + 1 : i + 1 + listed[1]] = [""] * listed[1]
    for i in range(1, len(out)):
        line = out[i]
        if not _is_continuation(line):
            continue
        j = i - 1
        while j > 0 and out[j] == "":
            j -= 1
        if continues(out[j], line):
            out[j] = out[j] + line
            out[i] = ""
    return out


def _is_continuation(line: str) -> bool:
    return _CONTINUATION.match(line) is not None and not line.lstrip().startswith(("at ", "in ", "from "))


def continues(prev: str, line: str) -> bool:
    """Whether :func:`unwrap` joins ``line`` onto ``prev``, the line above it."""
    return (
        _is_continuation(line)
        and bool(prev)
        and prev[-1:] not in ".:;{}[](),"
        and len(prev) + len(line) <= 2 * MAX_LINE_JOIN
    )


_CONTINUATION = rx(r"^ [a-z']")


def rejoin_wordings(
    lines: Sequence[str], table: WordingTable, keywords: list[str] | None = None, within_line: bool = False
) -> list[str] | Sequence[str]:
    """Join a line that stops partway through a Twilio message to the next line, when together
    they hold the whole message: a terminal's hard wrap ("…indicated by the 'To' num" / "ber: +234…").

    Two kinds of line are looked at: one whose tail is at least half of a wording (a truncated tail:
    ``recognise`` finds it, cached), and one that ends with only the first few words of a wording of a
    code the knowledge explains ("Permission to send an" / "SMS has not been enabled…"), when the two
    lines together hold that wording whole and neither holds it alone (the words on both sides of the
    break are then the wording's own, in order), and one of them holds an anchor word whole. The joined
    line keeps its place while the continuation becomes empty. A message wrapped inside a JSON string of
    a line (a ``\\n`` escape between its words) is joined within the line the same way (:func:`_rejoin_escaped`:
    ``lines`` are then the pieces of one line, which a log's reader reads as one: no anchor word is needed).
    """
    out: list[str] | None = None
    # a line holding part of a wording holds its first words: one test over all the lines finds which
    if keywords is None:
        # one line: only a JSON string of it can wrap a message (its escaped line breaks)
        many = len(lines) > 1 or (not within_line and len(lines) == 1 and wraps_inside(lines[0]))
        keywords = table.keywords_in("\n".join(lines)) if many else []
    cut = " ".join(cut_words(lines))
    if not within_line:
        # and those a JSON string's escaped line break cuts inside a line ("Permi\\nssion")
        cut = " ".join([cut, *(" ".join(cut_words(_pieces(line))) for line in lines if wraps_inside(line))])
    if cut.strip() and table.holds_need_words(cut):
        # and those a word cut by a wrap makes whole again ("Dial: C" / "all blocked by Twilio…")
        keywords = [*keywords, *table.keywords_in("\n".join(lines) + "\n" + cut)]
    if not keywords:
        return lines
    if not within_line:
        lines = _rejoin_escaped(lines, table, keywords)
    for i in range(len(lines) - 1):
        line = (out or lines)[i]
        nxt = lines[i + 1].strip()
        if not line or not nxt or len(line) > 2000 or len(nxt) > 2000 or len(line) + len(nxt) < 20:
            continue
        # A wording this line holds (whole, or at least half of it at its end) holds one of the words a
        # wording needs here (escapes aside: normalise() decodes them); one that starts in this line and
        # goes on below ends it with (the start of) one of its words, and has such a word below.
        whole_here = _holds_any(line.lower(), keywords)
        head = _last_word(line) in table.word_heads
        if not (whole_here or head) or new_event(lines[i + 1], lines[i]):
            continue  # no wording here, or the next line is a log event of its own
        if not (whole_here or _holds_any((line + "".join(lines[i + 1 : i + MAX_WRAPPED])).lower(), keywords)):
            continue
        found = table.recognise(line, False) if whole_here and len(line) >= 20 else None
        joined = None
        if found is not None and found.partial:
            joined = _completed(line, nxt, table, found.code)
        early = joined is None and (found is None or found.partial) and head
        if early and (within_line or is_anchor(line) or is_anchor(nxt)):
            # an anchor word whole on one of the lines, as triage needs to find them (_stream reads a log's
            # candidate lines one by one: a wrap cutting "Dial: F" / "orbidden phone number" hides both)
            joined = _wrapped_early(line, nxt, table)
        if early and joined is None and i + 2 < len(lines):
            # over three lines or more: a narrow terminal ("Dial:" / "Call blocked by Twilio" / "block" / "list")
            for n in range(3, min(MAX_WRAPPED, len(lines) - i) + 1):
                joined = _wrapped_over([line, *lines[i + 1 : i + n]], table, within_line)
                if joined is not None:
                    out = out if out is not None else list(lines)
                    out[i : i + n] = [joined, *[""] * (n - 1)]
                    break
            if joined is not None:
                continue
        if joined is not None:
            out = out if out is not None else list(lines)
            out[i], out[i + 1] = joined, ""
    return lines if out is None else out


# A line break inside a JSON string: "\n", "\r\n", "\r", and each escaped once more (JSON inside JSON)
_ESCAPED_LINE_BREAK = rx(r"(\\{1,2}(?:r\\{1,2})?n|\\{1,2}r)")
# one with more text right after it (a wrap), not the break that ends a record's string (Docker's "…\n",")
_INNER_BREAK = rx(r"\\{1,2}[nr](?=[\w'(+ ])")


def wraps_inside(line: str) -> bool:
    """Whether a JSON string of ``line`` may wrap a message: an escaped line break with text right after it."""
    return "\\" in line and _INNER_BREAK.search(line) is not None


def _rejoin_escaped(lines: Sequence[str], table: WordingTable, keywords: list[str]) -> Sequence[str]:
    """``lines`` with each Twilio message that a JSON string's escaped line break wraps (a Docker json-file
    record of a traceback, a logger's message: "…enabled for the\\nregion indicated…") on one line again:
    the pieces of a line between such escapes are joined as :func:`rejoin_wordings` joins lines, the
    escapes it keeps left as they were. ``lines`` itself when none is joined."""
    out: list[str] | None = None
    for i, line in enumerate(lines):
        if not wraps_inside(line) or len(line) > MAX_LINE:
            continue
        # a wording's words, or (an escape inside a word) the words the line holds once its escapes are gone
        if not _holds_any(line.lower(), keywords) and not _holds_any("".join(_pieces(line.lower())), keywords):
            continue
        parts = _ESCAPED_LINE_BREAK.split(line)
        if len(parts) < 3:
            continue
        pieces, breaks = parts[0::2], parts[1::2]
        joined = _number_below(pieces, rejoin_wordings(pieces, table, within_line=True), table)
        if joined is pieces:
            continue
        text = [joined[0]]
        for k in range(1, len(pieces)):
            if joined[k] == "" and pieces[k] != "":
                continue  # joined onto the piece above, with its escape
            text += [breaks[k - 1], joined[k]]
        out = out if out is not None else list(lines)
        out[i] = "".join(text)
    return lines if out is None else out


def _pieces(line: str) -> list[str]:
    """The pieces of ``line`` between its escaped line breaks."""
    return _ESCAPED_LINE_BREAK.split(line)[0::2]


_NUMBER_START = rx(r"[ \t]{0,8}\+?[0-9*xX•(][0-9*xX• ().-]{5,22}")


def _number_below(pieces: Sequence[str], joined: Sequence[str], table: WordingTable) -> Sequence[str]:
    """``joined`` (the pieces of a line between escaped line breaks, as :func:`rejoin_wordings` left them) with
    a piece that starts with a number joined onto the one above when that one is a whole Twilio message
    naming no number: the number the message ends with, wrapped below it ("…not authorized to call\\n+33…")."""
    out: list[str] | None = None
    for k in range(len(pieces) - 1):
        above, below = (out or joined)[k], joined[k + 1]
        if not above or not below or not _NUMBER_START.match(below) or number_in_message(above) is not None:
            continue
        found = table.recognise(above, False)
        if found is None or found.partial:
            continue
        out = out if out is not None else list(joined)
        out[k], out[k + 1] = above + " " + below.strip(), ""
    return joined if out is None else out


def _last_word(line: str) -> str:
    """The last run of letters and digits of ``line``, in lower case ("…record: Dial: " gives "dial")."""
    end = len(line)
    while end and not line[end - 1].isalnum():
        end -= 1
    start = end
    while start and line[start - 1].isalnum() and end - start < 32:
        start -= 1
    return line[start:end].lower()


def _holds_any(low: str, keywords: Sequence[str]) -> bool:
    return "&" in low or "\\u" in low or any(word in low for word in keywords)


# The most lines one wording is read across: its longest (21408's official message, 87 characters) on a
# terminal some 20 columns wide
MAX_WRAPPED = 6


def _wrapped_over(lines: Sequence[str], table: WordingTable, within_line: bool = False) -> str | None:
    """``lines`` (three to :data:`MAX_WRAPPED`) joined, when a wording of a code the knowledge explains starts
    in the first and ends in the last (a narrow terminal, a long log prefix: "…: Permission" / "to send an
    SMS … 'To' n" / "umber: +234…"): each line between is part of it and holds none whole, and no later run
    of the lines holds as long a wording without the first. One line keeps an anchor word whole (see
    rejoin_wordings)."""
    rest = [line.strip() for line in lines[1:]]
    if not all(rest) or sum(map(len, rest)) > 2000:
        return None
    if any(new_event(lines[k + 1], lines[k]) for k in range(1, len(lines) - 1)):
        return None
    if not (within_line or any(is_anchor(line) for line in lines)):
        return None
    for middle in rest[:-1]:
        found = table.recognise(middle, False)
        if found is not None and not found.partial:
            return None
    joined = _longest(_joinings(lines[0], rest), table, None)
    if joined is None:
        return None
    whole = table.recognise(joined, False)
    assert whole is not None
    for k in range(len(rest)):
        for later in _joinings(rest[k], rest[k + 1 :]):
            found = table.recognise(later, False)
            if found is not None and not found.partial and _size(found) >= _size(whole):
                return None  # it starts further down: those lines are joined on their own
    return joined


def _joinings(first: str, rest: Sequence[str]) -> list[str]:
    """``first`` and ``rest`` as one line, each break a wrap inside a word or at a space."""
    readings = [first]
    for line in rest:
        readings = [reading + gap + line for reading in readings for gap in ("", " ")]
    return readings


def _completed(line: str, nxt: str, table: WordingTable, code: int | None, beyond: int = 0) -> str | None:
    """``line`` and ``nxt`` as one line (cut mid-word or at a space) when that holds a wording of ``code``
    (None: of a code the knowledge explains, longer than ``beyond`` words) whole; of the two readings,
    the one with the longer match, as on one line."""
    # a wrap beside punctuation ("Dial:" / "Call blocked…", "the" / "'To' number") took a space's place, as
    # most wraps do: of two readings as good, the spaced one
    inside_word = line[-1:].isalnum() and nxt[:1].isalnum()
    readings = [line + nxt, line + " " + nxt] if inside_word else [line + " " + nxt, line + nxt]
    return _longest(readings, table, code, beyond)


def _longest(readings: Sequence[str], table: WordingTable, code: int | None, beyond: int = 0) -> str | None:
    """The reading holding the longest whole wording of ``code`` (None: of a known code, longer than
    ``beyond`` words)."""
    best, size = None, beyond
    for joined in readings:
        whole = table.recognise(joined, False)
        if whole is None or whole.partial or (whole.code != code if code else whole.code not in table.known_codes):
            continue
        if _size(whole) > size or (code and best is None):
            best, size = joined, _size(whole)
    return best


def _wrapped_early(line: str, nxt: str, table: WordingTable) -> str | None:
    """The two lines joined, when ``line`` (which holds no wording whole) ends with the first words of a
    wording of a code the knowledge explains and ``nxt`` starts with the rest: together they hold it
    whole and ``line`` alone does not, so it spans the break. A wording ``nxt`` holds by itself keeps
    it apart, unless the joined one is longer (as on one line, the longest match wins: "SIP Trunking" /
    "Geo Permission configuration is not permitting call" is 32205, not 13227)."""
    alone = table.recognise(nxt, False)  # most often cached: the line was read on its own
    if alone is None or alone.partial:
        return _completed(line, nxt, table, None)
    if not table.inside_longer(alone.written):
        return None  # the next line is a message by itself, and no longer wording holds it
    return _completed(line, nxt, table, None, _size(alone))


def _size(found: WordingMatch) -> int:
    return len(normalise(found.written).split())


MAX_LINE_JOIN = 4096


def extract(text: str, *, table: WordingTable | None = None) -> list[Evidence]:
    """Every Twilio error in ``text``, in order. Never raises, whatever the text."""
    lines = text.splitlines()
    if any("," in line or "\t" in line or ";" in line for line in lines[:8]):  # ._csv.HEAD_LINES
        from ._csv import find_header, read_lines  # a CSV export: its rows read by its header

        header = find_header(lines)
        if header is not None:
            return read_lines(lines, header, table)[0]
    return extract_run(lines, table=table)


def extract_run(lines: list[str], *, base: int = 0, table: WordingTable | None = None) -> list[Evidence]:
    """:func:`extract` of ``lines``, ``base`` being the index of the first in the text. A line over ``MAX_LINE``
    bytes in UTF-8 is read as a log's reader reads it, in windows around its candidates, alone
    (:func:`._stream.read_around_long_lines`); the lines between such lines by :func:`read_run`."""
    if any(len(line) > MAX_LINE // 4 for line in lines):  # (a character is 4 bytes at most: most lines end here)
        from ._stream import read_around_long_lines

        return read_around_long_lines(lines, table or default_table(), base)
    return read_run(lines, base=base, table=table)


def read_run(lines: list[str], *, base: int = 0, table: WordingTable | None = None) -> list[Evidence]:
    """:func:`extract_run` of ``lines`` none of which is over ``MAX_LINE`` bytes in UTF-8."""
    return extract_lines(unwrap([clean(line) for line in lines]), base=base, table=table)


def with_count(evidence: Evidence, count: int, first: str | None, last: str | None) -> Evidence:
    return replace(evidence, count=count, first_seen=first, last_seen=last)
