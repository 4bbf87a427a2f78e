"""Turning any bytes into clean, bounded lines: decoding, terminal colours, HTML escapes.

Nothing here raises on any input; every loop is linear in the input size.
"""

from __future__ import annotations

import html
import re

from ._rx import rx
from ._time import parse_timestamp

MAX_LINE = 8192  # bytes in UTF-8: a longer line is read in windows around its candidates (._stream), never whole
MAX_BLOCK_LINES = 60  # an error record never spans more lines than this

# CSI (colours, cursor moves) and OSC (titles, hyperlinks) escape sequences.
_ANSI = rx(r"\x1b\[[0-9;?]{0,32}[ -/]{0,4}[@-~]|\x1b\][^\x07\x1b]{0,512}(?:\x07|\x1b\\)|\x1b[@-Z\\-_]")
_CONTROL = rx(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_HTML_ENTITY = rx(r"&(?:#\d{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z]{2,8});")
_MON = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
# The timestamp forms ._time.parse_timestamp reads: ISO 8601 (its offset after a space too, as gunicorn writes
# "2024-05-14 10:22:31 +0000"; not a number's digits), RFC 2822 (Twilio's date_created), syslog, Apache/NCSA, and
# epoch seconds or milliseconds after a label that says so.
_LABEL = r"(?i:(?:ts|time|timestamp|epoch|date_?created|created_?at)[\"']?[ \t]{0,2}[:=])"  # before an epoch number
_TIMESTAMP_TEXT = (
    r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d{1,9})?(?:Z|[+-]\d\d:?\d\d| [+-]\d\d:?\d\d(?!\d))?"
    r"|\b(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{1,2} " + _MON + r" \d{4} \d\d:\d\d:\d\d(?: [+-]\d{4}| GMT| UTC)?"
    r"|\b" + _MON + r" [ \d]\d \d\d:\d\d:\d\d(?:\.\d{1,6})?"
    r"|\b\d\d/" + _MON + r"/\d{4}:\d\d:\d\d:\d\d(?: [+-]\d{4})?"
    r"|(?i:\b" + _LABEL + r"[ \t]{0,2}[\"']?)"
    r"\d{10}(?:\d{3}|\.\d{1,6})?\b"
)
_TIMESTAMP = rx(_TIMESTAMP_TEXT)
# A log's own line opens with its time, after at most a container's name (``web-1  | ``), a syslog
# priority (``<13>``), a bracket or a logfmt label (``time="``). Such a line starts a log event: a
# pasted error never runs on into the next event's line. ASCII only: ``\d`` matches no other digits. The
# bracket closing the stamp is the stamp's (Python logging's "[2026-11-30 10:00:00,118] ERROR"): left to the
# text after it, it read as a line that closes an object, one going on with the traceback above.
#
# Other loggers open each line with a time that names no instant this reader takes for an event's time, but
# that says as well that the line starts an event (their sources: docs/sources.md, "Log lines"): Go's log
# package ("2009/01/23 01:23:23", ".123123" with Lmicroseconds), glog and klog with their header up to its
# bracket ("E0514 10:22:31.118123   12 main.go:40]", "E20240514 …" since glog 0.5), Ruby's Logger
# ("E, [2024-05-14T10:22:31.118000 #123] ERROR -- : …"), a time of day in milliseconds or finer (logback's
# "%d{HH:mm:ss.SSS} [%thread]", with its thread; pino-pretty's "[10:22:31.118]"; a time to the second alone may
# be a page's value, ._console), and AWS Lambda's Python runtime, whose level comes first and its request's id
# after the time ("[ERROR]\t2024-05-14T10:22:31.118Z\t<request id>\t…").
_OTHER_STAMPS_TEXT = (
    r"\d{4}/\d\d/\d\d \d\d:\d\d:\d\d(?:\.\d{1,9})?(?![\d:])"
    r"|[IWEF]\d{4}(?:\d{4})? \d\d:\d\d:\d\d\.\d{6} {1,8}\d{1,10} [^\s\]]{1,200}:\d{1,7}\]"
    r"|\d\d:\d\d:\d\d[.,]\d{3,9}(?![\d:])(?: \[[^\]\n]{1,60}\])?"
)
_LEADING = rx(
    r"(?:[A-Za-z0-9_.-]{1,40} +\| )?(?:<\d{1,3}>)?"
    r"(?:[DIWEFAU], \[\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,9})? ?#\d{1,10}\]"
    r"|\[(?:DEBUG|INFO|WARNING|ERROR|CRITICAL)\]\t\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,9})?Z"
    r"(?:\t[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})?"
    r"|[\[(]?(?:[a-z_]{1,12}=[\"']?)?(?:" + _TIMESTAMP_TEXT + "|" + _OTHER_STAMPS_TEXT + r")[\])]?)",
    re.ASCII,
)


def decode(data: bytes) -> str:
    """Bytes to text: UTF-8, or UTF-16 or UTF-32 when its first bytes say so (:func:`wide_codec`), invalid
    sequences replaced; never raises."""
    codec = wide_codec(data[:SNIFF])
    return data.decode(codec or "utf-8", errors="replace")


SNIFF = 1024  # the first bytes of a text that tell UTF-16 from UTF-8 (a stream reads as many before it decides)


def wide_codec(head: bytes) -> str | None:
    """The codec of a text that starts with ``head`` (its first :data:`SNIFF` bytes) when it is UTF-16 or
    UTF-32 rather than UTF-8, or None.

    A byte-order mark says which (Windows PowerShell 5's ``>`` writes UTF-16LE with one; UTF-32LE's starts
    as UTF-16LE's does). Without one, UTF-8 text has no zero byte, and:

    - a text that is mostly ASCII in UTF-16 has a zero byte in nearly every code unit, always on the same
      side: three units in four with a zero high byte and a non-zero low one (little-endian; the other way
      round, big-endian), in at least 8 units;
    - else (UTF-32, UTF-16 in another script: Cyrillic, Chinese…) the reading of ``head`` that gives the
      most text (:func:`_text_share`), when at least three characters in four are text and UTF-8's
      reading is at most 80 % text (a zero byte or a control in every unit, or invalid sequences) and a fifth
      less than that reading, in at least 64 bytes. A NUL-padded log (logrotate's copytruncate) reads as U+0000
      in every one.
    """
    if head.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        return "utf-32"  # the codec reads the mark, then drops it
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    units = len(head) // 2
    if units < 8 or b"\x00" not in head:  # the common case, UTF-8 text, ends here
        return None
    even, odd = head[0 : 2 * units : 2], head[1 : 2 * units : 2]
    if sum(1 for lo, hi in zip(even, odd, strict=True) if lo and not hi) * 4 >= units * 3:
        return "utf-16-le"
    if sum(1 for hi, lo in zip(even, odd, strict=True) if lo and not hi) * 4 >= units * 3:
        return "utf-16-be"
    utf8 = _text_share(head, "utf-8", 1) if len(head) >= 64 else 1.0
    if utf8 > 0.8:
        # a few bytes tell nothing; UTF-8 with a stray zero byte: UTF-16 and UTF-32 read as UTF-8 are a third
        # controls or worse (Japanese kana in UTF-16 the least: their high byte 0x30 is "0", the low one a
        # letter as often as not, so near 60 % text)
        return None
    best, most = None, max(0.75, utf8 + 0.2)  # and a wide reading wins only by far
    for codec, width in (("utf-32-le", 4), ("utf-32-be", 4), ("utf-16-le", 2), ("utf-16-be", 2)):
        share = _text_share(head, codec, width)
        if share > most:
            best, most = codec, share
    return best


_NOT_TEXT = frozenset({"Cc", "Cn", "Co", "Cs", "Zl", "Zp"})  # controls, unassigned, private use, surrogates
_TEXT_CONTROLS = "\t\n\r\x1b\x07"  # but a log's tabs, line breaks and colours (ESC … m, BEL)


def _text_share(head: bytes, codec: str, width: int) -> float:
    """The share of the characters ``head`` decodes to with ``codec`` (units of ``width`` bytes; a character
    cut by the end left out) that are text: not U+0000 nor another control (but :data:`_TEXT_CONTROLS`),
    an undecodable unit, an unassigned or private-use code point. 0 for fewer than 8 characters."""
    import unicodedata

    size = len(head) - len(head) % width
    text = head[: max(0, size - 4)].decode(codec, errors="replace")
    if len(text) < 8:
        return 0.0
    bad = sum(1 for c in text if c == "\ufffd" or (unicodedata.category(c) in _NOT_TEXT and c not in _TEXT_CONTROLS))
    return 1 - bad / len(text)


def decode_utf8(data: bytes) -> str:
    """:func:`decode` of a piece of UTF-8 text (a line of a stream: the stream, not its lines, may be UTF-16)."""
    return data.decode("utf-8", errors="replace")


def clean(line: str) -> str:
    """One line without colours, control characters or HTML escapes, its curled quotes straight."""
    if not line.isascii():  # checked in C: most log lines are ASCII
        line = line.translate(_STRAIGHT_QUOTES)
    if line.isprintable():  # the common case, checked in C
        return _unescape(line) if "&" in line and _HTML_ENTITY.search(line) else line
    if "\x1b" in line:
        line = _ANSI.sub("", line)
    line = _CONTROL.sub("", line.replace("\x1b", ""))
    if "&" in line and _HTML_ENTITY.search(line):
        line = _unescape(line)
    return line


# Quotes a chat or a mail client curled as it was pasted there ({“ErrorCode”: “30007”, “To”: …}, the ‘To’
# number): a JSON key or value, a quoted word, read as the straight quotes the log wrote
_STRAIGHT_QUOTES = str.maketrans(dict.fromkeys("“”„‟″", '"') | dict.fromkeys("‘’‚‛′", "'"))


# What an escaped line break (&#10;, &NewLine;, &#8232;) unescapes to: a space. A line stays one line (the
# readers count lines, and join a window's lines with "\n"), as a JSON string's "\n" escapes leave it.
_BREAK_TO_SPACE = str.maketrans(dict.fromkeys("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029", " "))


def _unescape(line: str) -> str:
    return html.unescape(line).translate(_BREAK_TO_SPACE)


def timestamp(line: str) -> str | None:
    """The first timestamp of ``line``; but after syslog's (which has no year) and its header, the app's own
    line's stamp when that names the year: "May 14 10:22:31 web01 gunicorn[123]: [2024-05-14 10:22:31 +0000] …"
    is of 2024, in that zone."""
    match = _TIMESTAMP.search(line)
    while match is not None and _EPOCH_LABEL.match(match.group()):
        if parse_timestamp(match.group()) is not None:
            break
        match = _TIMESTAMP.search(line, match.end())  # a labelled number outside the years a log's time is in
    if match is None:
        return None
    if _YEARLESS.match(match.group()):
        header = _SYSLOG_HEADER.match(line, match.end())
        inner = _LEADING.match(line, header.end()) if header is not None else None
        found = _TIMESTAMP.search(inner.group()) if inner is not None else None
        if found is not None and not _YEARLESS.match(found.group()):
            return found.group()
    return match.group()


_EPOCH_LABEL = rx(_LABEL)  # what an epoch's match opens with (every other form opens with a digit, a day or a month)
_YEARLESS = rx(r"[A-Z][a-z]{2} [ \d]\d \d\d:")  # syslog's stamp, as _TIMESTAMP finds it
# After syslog's stamp, the host and the app that logged the line (" web01 gunicorn[123]: ", " web01 cron: ")
_SYSLOG_HEADER = rx(r" (?:[\w.-]{1,64} )?[\w./-]{1,64}(?:\[[\w.-]{1,32}\])?: ")


def leading_stamp(line: str) -> str | None:
    """The timestamp a log line opens with, or None (an indented line, a JSON member, a message)."""
    match = _LEADING.match(line)
    return match.group() if match else None


def new_event(line: str, above: str | None) -> bool:
    """Whether ``line`` starts a log event of its own, ``above`` being the line before it (None: none).

    A line opening with a timestamp does, unless the line above opens with the same one: a log that
    stamps every line of a traceback (journald, ``docker logs -t``) writes them at one instant; or unless
    what follows its stamp goes on with the line above (:func:`goes_on`): a log that stamps each line as it
    is written (Heroku's ``app[web.1]:``) gives a traceback's lines times a few microseconds apart.
    """
    return starts_event(leading_stamp(line), None if above is None else leading_stamp(above), line, above)


def starts_event(stamp: str | None, above: str | None, line: str | None = None, above_line: str | None = None) -> bool:
    """:func:`new_event` from the two lines' leading stamps (and the lines, for :func:`goes_on`), for callers
    that read each line's once."""
    if stamp is None:
        # a log that stamps no line still names each event's level first ("INFO sending…", "ERROR:root:…",
        # "[error] …"): such a line is an event of its own, not the end of the line above
        return line is not None and above_line is not None and _LEVEL_FIRST.match(line) is not None
    if stamp == above:
        # one instant: a traceback's lines as journald or `docker logs -t` stamp them, unless this line is a log
        # event's own, naming its level after the stamp (two events logged within one second of a stamp to the
        # second: "10:22:31 INFO sending…", "10:22:31 ERROR … 21408")
        return line is not None and _LEVEL_FIRST.match(_shape(line[len(stamp) :])[1]) is not None
    if line is None:
        return True
    # The common lines, spared goes_on()'s calls (nothing it reads can say otherwise): one space after the stamp
    # and no source, then a level ("… INFO GET /"), or a word that names no exception with no Ruby header above
    n = len(stamp)
    if line[n : n + 1] == " " and line.find("]:", n, n + 140) < 0:
        if _LEVEL.match(line, n + 1) is not None and not line.startswith(("Error", "Exception"), n + 1):
            return True
        if (
            line[n + 1 : n + 2].isalpha()
            and not line.startswith("http", n + 1)
            and line.find("rror", n, n + 210) < 0
            and line.find("xception", n, n + 210) < 0
            and (above_line is None or above_line.find("Unable to") < 0)
        ):
            return True
    return not goes_on(line[len(stamp) :], None if above_line is None or above is None else above_line[len(above) :])


# After a line's stamp, the log's source of it: Heroku's " app[web.1]: ", syslog's " host app[42]: "
_SOURCE = rx(r" (?:[\w.-]{1,64} )?[\w.-]{1,64}\[[\w.-]{1,32}\]: ?")
# A traceback's last line, the exception itself ("twilio.base.exceptions.TwilioRestException: …")
_EXCEPTION_LINE = rx(r"[\w.$\\]{0,200}(?:Exception|Error)\b")
# A log event's own line names its level first ("INFO", "[error]", Rails' "E, [")
_LEVEL = rx(r"(?i)\[?(?:trace|debug|info|notice|warn|warning|error|err|fatal|critical|crit|severe)\b|[DIWEF], \[")
# A level as a log event's own line opens with it: in capitals ("INFO ", "ERROR:root:", "WARN\t") or in brackets
# ("[error] ", "[ERROR]"); not JavaScript's "Error: <message>" or a word of a sentence ("Error sending …")
_LEVEL_FIRST = rx(
    r"(?:TRACE|DEBUG|INFO|NOTICE|WARN|WARNING|ERROR|FATAL|CRITICAL|SEVERE)(?:[ \t]|:[A-Za-z_ ])"
    r"|\[(?i:trace|debug|info|notice|warn|warning|error|fatal|critical|severe)\][ \t]"
)
# twilio-ruby's error, whose message goes on below it ("[HTTP 400] 21211 : Unable to create record")
_RUBY_HEADER = rx(r"\[HTTP \d{3}\] \d{5} : Unable to \w{1,10} record$")


def goes_on(rest: str, above: str | None) -> bool:
    """Whether a stamped line whose text after its stamp is ``rest`` goes on with the line above (whose text after
    its own stamp is ``above``; None: no stamped line above) rather than starting an event: it is indented (a
    traceback's frame, an error's properties) or closes one (``}``); or it is the exception below a traceback's
    indented frames, or the message below twilio-ruby's "[HTTP 400] 21211 : Unable to create record"."""
    inside, text = _shape(rest)
    if inside or text.startswith(_MORE_INFO):
        return True  # a frame, a property, a closing brace; the more-info link an SDK prints below its error
    if above is None:
        return False
    # (the substring tests, in C, spare most lines the regex)
    named = text.find("Error", 0, 210) >= 0 or text.find("Exception", 0, 210) >= 0
    if named and _EXCEPTION_LINE.match(text) is not None and _shape(above)[0]:
        return True  # the exception below a traceback's frames
    # twilio-ruby's message below its header, unless the line is a log event's own (it names its level)
    return "Unable to" in above and _RUBY_HEADER.search(_shape(above)[1]) is not None and _LEVEL.match(text) is None


_MORE_INFO = ("https://www.twilio.com/docs/errors/", "http://www.twilio.com/docs/errors/")


def after_stamp(line: str) -> str:
    """``line`` without its leading stamp and the log's source after it (``app[web.1]: ``), stripped."""
    stamp = leading_stamp(line)
    return line.strip() if stamp is None else _shape(line[len(stamp) :])[1].rstrip()


def _shape(rest: str) -> tuple[bool, str]:
    """Whether a stamped line's text after its stamp (``rest``) is indented or closes an object, and that text
    without its source (``app[web.1]: ``) and indentation. Without a source, one space after the stamp is a
    separator and one more may pad a log level (Spring's "  INFO"): indentation is two spaces more, or a tab."""
    source = _SOURCE.match(rest) if rest.find("]:", 0, 140) >= 0 else None  # the common line has none: no regex
    if source is not None:
        after = rest[source.end() :]
        indented = after[:1] in (" ", "\t")
    elif rest[:8] in (" stdout ", " stderr ") and rest[8:10] in ("F ", "P "):
        # a container runtime's log file (CRI, Kubernetes' /var/log/pods): "<stamp> stderr F <the app's line>"
        after = rest[10:]
        indented = after[:1] in (" ", "\t")
    else:
        after = rest[1:] if rest[:1] in (" ", "\t") else rest
        indented = after[:2] == "  " or after[:1] == "\t"
    text = after.lstrip()
    return indented or text[:1] in ("}", "]", ")"), text
