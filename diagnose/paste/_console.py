"""A page of the Twilio Console's error log (or its Debugger) copied whole: one page, one error.

Such a copy opens with its heading, ``Error - 21408`` (``Warning - 13227`` for a warning, the error's title after
another `` - `` or not), then the alert's text, and below it the parts of the page, in whatever order and with
whatever the browser copied between them (blank lines, buttons' words):

- labels alone on a line (``Properties``, ``Request``, ``Request URL``, ``Response Body``…), their value on the
  next line;
- rows, a label and its value on one line (a tab between them, as a browser copies a table; or ``: ``, or two
  spaces): ``Timestamp``, ``Sid``, ``Resource Sid``, and the request's parameters (``To``, ``From``, ``Body``)
  or the response's headers below their section's label;
- the request's URL (``https://api.twilio.com/2010-04-01/Accounts/AC…/Messages.json``), its method, a status;
- the body Twilio answered with (JSON on one line or pretty-printed), below its label.

What the Console shows is the Monitor Alert of the error (docs/sources.md: an alert holds the request's URL, method
and variables and the response's body); the labels and the layout here are an assumption, read generously.

The page ends at the first line that is none of these: a log line (a timestamp and text after it), an exception,
a second body below the same label, another heading (the next page). Its lines are one block
(:func:`pages`): :func:`._extract.group` merges every hit of a page into one record and never a hit of the page
with one outside it, so two pages with the same code, or a page and a log's own line of that code after it, stay
two errors however close they are. The rows' labels are read by the key readers of JSON and logfmt
(:func:`._parse.read_pairs`), so a ``To`` row is read as a ``"To": …`` field is.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from ._labels import norm
from ._parse import _KEYS, Hit, opened, read_pairs
from ._rx import rx
from ._text import after_stamp, leading_stamp

FORMAT = "console-page"

# the heading, on a line of its own once stripped: "Error - 21408", "Warning - 13227 - <title>"
_HEADING = rx(r"(?i)(?:error|warning) - [0-9]{5}(?: - [^\n]{1,300})?")
_URL = rx(r"(?:(?:GET|POST|PUT|DELETE|PATCH|HEAD) )?https?://[^\s]{1,4000}")
_SHORT_VALUE = rx(r"GET|POST|PUT|DELETE|PATCH|HEAD|[1-5][0-9][0-9](?: [A-Za-z][A-Za-z ]{0,40})?")
_KEY = rx(r"[A-Za-z][A-Za-z0-9 _./()-]{0,39}")
_TOKEN = rx(r"[A-Za-z][A-Za-z0-9-]{0,40}")  # a cell of a table's first column (a parameter's, a header's name)
# a program's exception or a logger's level opening a line: a log's own line, never a part of a page
_NOT_ALERT = rx(r"[\w.$\\]{0,200}(?:Exception\b|Error:)|\[?(?:TRACE|DEBUG|INFO|NOTICE|WARN|WARNING|ERROR|FATAL)\b")

# labels, as _label writes them: lower case, letters and digits only
_SECTIONS = frozenset(
    (
        *("properties", "details", "errordetails", "eventdetails", "logproperties", "request", "response"),
        *("requestinspector", "requestdetails", "responsedetails", "headers", "requestheaders", "responseheaders"),
        *("parameters", "requestparameters", "requestvariables", "variables", "requestbody", "responsebody"),
        *("messagetext", "payload", "alerttext", "description"),
    )
)
# the sections a pretty-printed or one-line JSON body may stand in, below their label
_BODIES = frozenset(("response", "requestbody", "responsebody", "messagetext", "payload", "alerttext"))
# the sections whose rows may have any name (a request's parameters, a response's headers)
_TABLES = frozenset(
    ("headers", "requestheaders", "responseheaders", "parameters", "requestparameters", "requestvariables")
)
_TABLES |= {"variables", "properties", "details", "errordetails", "eventdetails", "logproperties"}
_FIELDS = frozenset(
    (
        *("to", "from", "body", "accountsid", "account", "parentaccountsid", "sid", "resourcesid", "messagesid"),
        *("callsid", "servicesid", "requestsid", "timestamp", "timestamplocal", "time", "date", "datecreated"),
        *("dategenerated", "dateupdated", "errorcode", "code", "level", "loglevel", "product", "source"),
        *("eventtype", "type", "url", "requesturl", "method", "requestmethod", "status", "statuscode"),
        *("httpstatus", "responsecode", "responsestatus", "contenttype", "apiversion", "moreinfo", "duration"),
        *("message", "errormessage"),
    )
)
# the words of a page's buttons and toggles, which a copy of it holds
_NOISE = frozenset(
    (
        *("copy", "copied", "copytoclipboard", "showmore", "showless", "expand", "expandall", "collapse"),
        *("collapseall", "download", "raw", "pretty", "view", "close", "back", "hide", "show"),
    )
)
MAX_PAGE = 150  # lines: a page is never longer (a log's reader reads this far below a heading)


def _label(text: str) -> str:
    """``text`` as a label compares: lower case, only its letters and digits ("Request URL:" is "requesturl")."""
    return "".join(c for c in norm(text) if c.isalnum())


def _row(text: str) -> tuple[str, str, bool] | None:
    """A stripped line split into a label and its value (and whether a tab parted them), or None."""
    for sep in ("\t", ": ", "  "):
        at = text.find(sep)
        if at > 0:
            key, value = text[:at].strip(), text[at + len(sep) :].strip()
            if value and _KEY.fullmatch(key) is not None:
                return key, value, sep == "\t"
            return None
    return None


def _stamp_only(text: str) -> bool:
    """A time alone on its line (a property's value): no log line's text after it."""
    return leading_stamp(text) is not None and len(after_stamp(text)) <= 6 and " " not in after_stamp(text)


def _logged(text: str) -> bool:
    """A line a log wrote (its time, then text): never a page's."""
    return leading_stamp(text) is not None and not _stamp_only(text)


def _depth(text: str, depth: int) -> int:
    """The nesting of JSON brackets after ``text``, from ``depth`` before it (brackets in strings not counted)."""
    if '"' not in text:  # most lines of a body: no string, counted in C
        return depth + text.count("{") + text.count("[") - text.count("}") - text.count("]")
    quoted = escaped = False
    for c in text:
        if quoted:
            if escaped:
                escaped = False
            elif c == "\\":
                escaped = True
            elif c == '"':
                quoted = False
        elif c == '"':
            quoted = True
        elif c in "{[":
            depth += 1
        elif c in "}]":
            depth -= 1
    return depth


class Pages:
    """The Console pages among a window's lines: which page each line is part of, and the hits of their rows."""

    def __init__(self, first: dict[int, int], hits: list[Hit]) -> None:
        self._first = first  # absolute line number -> the line number of its page's heading
        self.hits = hits

    def __bool__(self) -> bool:
        return bool(self._first)

    def of(self, number: int) -> int | None:
        return self._first.get(number)


NO_PAGES = Pages({}, [])


def is_heading(line: str) -> bool:
    """Whether ``line`` is a page's heading ("Error - 21408", "Warning - 13227 - <title>")."""
    return " - " in line and _HEADING.fullmatch(line.strip()) is not None


def page_end(lines: Sequence[str], head: int, end: int) -> int:
    """The index of the line after the page whose heading is ``lines[head]`` (``end`` at most)."""
    return _page(lines, head, end, 0, {}, [])


def pages(lines: Sequence[str], start: int, end: int, base: int = 0, heads: Iterable[int] = ()) -> Pages:
    """The pages of ``lines[start:end]`` that open at ``heads`` (indexes of ``lines``: the headings among a
    window's anchors), line numbers absolute (``base`` is that of ``lines[0]``). A page's lines are looked at
    only within the window: a reader of a paste and one of a log see the same ones."""
    first: dict[int, int] = {}
    hits: list[Hit] = []
    after = start  # a heading inside a page above is that page's end, never read twice
    for head in sorted(heads):
        if start <= head < end and head >= after:
            after = _page(lines, head, end, base, first, hits)
    return Pages(first, hits) if first else NO_PAGES


def _page(lines: Sequence[str], head: int, end: int, base: int, first: dict[int, int], hits: list[Hit]) -> int:
    """Reads the page whose heading is ``lines[head]`` into ``first`` and ``hits``; the index of the line after it."""
    page = base + head
    first[page] = page
    hits.append(Hit(format=FORMAT, line=page, excerpt=lines[head]))
    section = ""  # the section the lines below stand in
    pending = ""  # a label alone on its line: the next line is its value
    alert = True  # the alert's text may come next (right below the heading)
    body_done = False  # the section's body was read: a second one is no part of this page
    i = head + 1
    limit = min(end, head + MAX_PAGE)
    while i < limit:
        line = lines[i]
        text = line.strip()
        label = _label(text.rstrip(":")) if len(text) <= 60 else ""
        if not text or label in _NOISE:
            first[base + i] = page
            i += 1
            continue
        if _HEADING.fullmatch(text) is not None:
            return i  # the next page
        if text[:1] in "{[" and (pending or section in _BODIES) and not body_done:
            # the body, on its line or pretty-printed over several: its brackets say where it ends
            depth, j = 0, i
            while j < limit:
                depth = _depth(lines[j], depth)
                first[base + j] = page
                j += 1
                if depth <= 0:
                    break
            body_done, pending, alert = True, "", False
            i = j
            continue
        if _logged(text):
            return i  # a log's own line
        if label in _SECTIONS or label in _FIELDS:
            first[base + i] = page
            alert = False
            if label in _SECTIONS:
                section, body_done = label, False
            else:
                pending = label
            i += 1
            continue
        if pending:
            # the value of the label above it (read as that field is, when the key readers know the label)
            hits += _pairs(pending, text, base + i, line)
            first[base + i] = page
            pending = ""
            i += 1
            continue
        row = _row(text)
        if row is not None:
            key, value, tabbed = row
            name = _label(key)
            plain = " " not in key and not name.endswith(("error", "exception"))
            if name in _FIELDS or name in _SECTIONS or tabbed or (section in _TABLES and plain):
                hits += _pairs(name, value, base + i, line)
                first[base + i] = page
                alert = False
                i += 1
                continue
        if _URL.fullmatch(text) is not None or _SHORT_VALUE.fullmatch(text) is not None or _stamp_only(text):
            first[base + i] = page
            alert = False
            i += 1
            continue
        if alert and _NOT_ALERT.match(text) is None and text[:1] not in "{[":
            first[base + i] = page  # the alert's text, right below the heading
            alert = False
            i += 1
            continue
        if section in _TABLES and _TOKEN.fullmatch(text) is not None and not label.endswith(("error", "exception")):
            first[base + i] = page  # a table copied a cell a line: a name, its value on the next line
            pending, alert = label, False
            i += 1
            continue
        return i  # none of a page's parts: the page ended above
    return i


def _pairs(label: str, value: str, number: int, line: str) -> list[Hit]:
    """The hits of a row (or of a label and the value below it), read as the key readers read that field."""
    key = _KEYS.get(label)
    if key is None:
        return []
    found = read_pairs(opened(key, value), number)
    for hit in found:
        hit.excerpt = line
    return found


def page_of(found: Pages) -> Callable[[int], int | None] | None:
    """:meth:`Pages.of`, or None when the window holds no page (``group`` then reads as it always did)."""
    return found.of if found else None
