"""The labels logs give a phone number, and which number each names: the destination (To) or the sender (From).

One table, :data:`LABELS`, read by every reader of a label: the key readers (``_parse._KEYS``: logfmt, JSON,
``key: value``, query strings and forms), the log-line reader's patterns (``_parse._LOG_TO``, ``_LOG_FROM``),
the window gate (``_parse._KEY_ENDS``), a bare code's label (``_parse.BARE_CODE``, ``_stream.PREFILTER``) and
``--redact-numbers`` (``_redact._LABELLED_NUMBER``). A label is written here in snake_case; every spelling of it
is read alike: ``to_number``, ``toNumber``, ``ToNumber``, ``TO_NUMBER``, ``to-number``, ``tonumber``.

Roles (how ``_parse.parse_fields`` takes the value):

- ``to``: Twilio's own ``To`` and the two labels read with it from the start (``recipient``, ``destination``):
  the destination; a second one on a line starts another error, as a second ``To`` does.
- ``to_other``: any other label of the destination. Taken when no ``to`` names one, and only when its value is a
  number (digits, or a mask of them): ``dst=10.0.0.5`` or ``destination_queue=sms`` is no phone number.
- ``to_alt``: a number that is not obviously the destination (``phone``, ``number``, ``mobile``, ``msisdn``):
  taken as the To only when nothing names one more surely (a To label, or the number Twilio's message names),
  and never when it is the sender's (see ``_extract.to_evidence``). Why not a To: Twilio's own ``phone_number``
  is a Twilio number (IncomingPhoneNumber, the sender) or the number a Lookup read; an inbound webhook of another
  provider names its sender ``msisdn``; an app's ``phone`` or ``mobile`` is a user's number, most often the one
  a message went to, not always.
  A key the table does not hold that ends with one of these words after a stem of its own (``customer_phone``,
  ``user_mobile``, ``recipientPhone``, ``contact_number``) is read the same way (:func:`suffix_role`), unless its
  stem names the sender (``twilio_number``, ``sender_phone``, ``caller_mobile``); a ``…_number`` only when its
  value is written with '+' (``to_alt_plus``): ``order_number=12345678901`` is an order's.
- ``from``: Twilio's ``From`` and ``sender``: the sender, whatever the value (an alphanumeric sender ID).
- ``from_other``: another label of the sender (``caller``, ``src``, ``source``, ``from_number``…): taken when
  no ``from`` names one, and only when its value is a number (``source=api`` names no sender).
- ``from_id``: a sender that may be an alphanumeric sender ID (``sender_id=ACME``, ``originator=ACME``, as
  MessageBird names it): taken when no ``from`` names one, a number or an ID of letters and digits.

Twilio's voice fields decide ``called`` and ``caller``: a call's status callback and its Debugger request
variables carry ``Called`` (the same number as ``To``, the number dialled) and ``Caller`` (the same as ``From``).
``CalledVia`` and ``ForwardedFrom`` (numbers a forwarded inbound call came through) name neither the failed
destination nor the sender, and are not read; an inbound message's or call's ``To`` is a Twilio number, which
``Direction=inbound`` or ``SmsStatus=received`` tells (``_parse.parse_fields``), and is never the destination.
Labels of other APIs that apps log as they are: Plivo's ``src`` and ``dst``, MessageBird's ``originator``,
Amazon Pinpoint's ``origination_number`` and ``destination_phone_number``, telecom's ``callee``.
"""

from __future__ import annotations

import re

from ._rx import rx

LABELS: dict[str, str] = {
    # the destination
    "to": "to",
    "recipient": "to",
    "destination": "to",
    "called": "to_other",  # Twilio voice: the number dialled (= To)
    "to_number": "to_other",
    "to_phone": "to_other",
    "to_phone_number": "to_other",
    "to_num": "to_other",
    "recipient_number": "to_other",
    "recipient_phone": "to_other",
    "destination_number": "to_other",
    "destination_phone_number": "to_other",
    "dest": "to_other",
    "dest_number": "to_other",
    "dst": "to_other",
    "callee": "to_other",
    "callee_number": "to_other",
    # a number, not surely the destination
    "number": "to_alt",
    "phone": "to_alt",
    "phone_number": "to_alt",
    "mobile": "to_alt",
    "mobile_number": "to_alt",
    "msisdn": "to_alt",
    # the sender
    "from": "from",
    "sender": "from",
    "caller": "from_other",  # Twilio voice: the calling number (= From)
    "caller_id": "from_other",  # TwiML <Dial callerId>: the number the called party sees
    "from_number": "from_other",
    "from_phone": "from_other",
    "from_phone_number": "from_other",
    "from_num": "from_other",
    "sender_number": "from_other",
    "src": "from_other",
    "source": "from_other",
    "source_number": "from_other",
    "origination_number": "from_other",
    "sender_id": "from_id",
    "originator": "from_id",
}

# Fields that name the destination's country, in which a To written without a country code (07400123456) is read
# (_numbers.read_number): Twilio's ``ToCountry`` (and ``CalledCountry``, a call's), which its webhooks and the
# Debugger's request variables carry; an app's ``country``, ``to_country``, ``countryCode``. Not a phone number's
# label: no reader of LABELS reads these. ``FromCountry`` is the sender's, and not one of them.
COUNTRY_HINTS = (
    "to_country",
    "called_country",
    "country",
    "country_code",
    "recipient_country",
    "destination_country",
    "dest_country",
)

# Words of free text (no key is spelled so) before the number a message went out through, the sender's: "sent via
# +1415…", "using +1415…" (_parse._LOG_FROM)
SENDER_WORDS = ("via", "using")

TO_ROLES = ("to", "to_other")
FROM_ROLES = ("from", "from_other", "from_id")


# The last words of a key that names a phone, after a stem of its own ("customer_phone", "userMobile"): a number,
# not surely the destination (to_alt). "number" alone names anything numbered (order_number, job_number): such a
# key names a phone only when its value is written with '+' (to_alt_plus)
_PHONE_SUFFIXES = ("phone", "mobile", "msisdn", "phonenumber", "mobilenumber")
SUFFIX_ENDS = ("phone", "mobile", "msisdn", "number")  # how every key suffix_role reads ends, once normed
# Stems that name the sender, or a number of the sender's side, whose phone is never the destination
_SENDER_STEMS = frozenset(
    (
        *("from", "sender", "sending", "sent", "caller", "calling", "source", "src", "origin", "originating"),
        *("origination", "originator", "twilio", "service", "messaging", "business", "company", "support"),
        *("our", "my", "own", "reply", "callback", "outbound", "inbound", "forwarded", "forwarding", "host"),
    )
)
_WORD = rx(r"[A-Z]{2,}(?![a-z])|[A-Z]?[a-z]+|[0-9]+")  # the words of a key: snake, kebab or camel case


def suffix_role(key: str) -> str | None:
    """The role of a key :data:`LABELS` does not hold, by its last word: ``to_alt`` for a phone's (``customer_phone``,
    ``user_mobile``, ``recipientMsisdn``, ``contact_phone_number``), ``to_alt_plus`` for a ``…_number``
    (``contact_number``), None for any other key, and for one whose stem names the sender (``twilio_number``,
    ``senderPhone``, ``from_mobile``)."""
    if len(key) > 64:
        return None
    words = [word.lower() for word in _WORD.findall(key)]
    if len(words) < 2:
        return None  # "phone", "number" alone are in LABELS; a stem is needed
    joined = "".join(words)
    if joined.endswith(_PHONE_SUFFIXES):
        role = "to_alt"
    elif words[-1] == "number":
        role = "to_alt_plus"
    else:
        return None
    if any(word in _SENDER_STEMS for word in words[:-1]):
        return None
    return role


def norm(label: str) -> str:
    """A label as the key readers compare it: lower case, without ``_`` and ``-``."""
    return label.replace("_", "").replace("-", "").lower()


def spelled(label: str) -> str:
    """A regex (lower case) for every spelling of ``label``: its words joined by ``_``, ``-`` or nothing."""
    return "[_-]?".join(label.split("_"))


def alternation(roles: tuple[str, ...]) -> str:
    """A regex alternation of the labels of ``roles``, longest first (``to_number`` before ``to``)."""
    names = sorted((name for name, role in LABELS.items() if role in roles), key=len, reverse=True)
    return "|".join(spelled(name) for name in names)


def spellings(label: str) -> list[str]:
    """The lower-case spellings of ``label`` in bytes a pre-filter reads (case aside): ``to_number``,
    ``to-number``, ``tonumber``."""
    words = label.split("_")
    return sorted({sep.join(words) for sep in ("_", "-", "")})


# What may stand right before a bare code: nothing (the line's start), or the end of a log's prefix (a space, a tab,
# a tag's ']', a '|'); never a key's '=' or ':' ("job_id=21408 to=+33…": a value, not a code)
BARE_BEFORE = r"(?<![^\n \t\]|])"
BARE_SEPARATORS = ("=", ":", ": ")  # between a bare code's label and its '+' number ("to=+33…", "to: +33…")
# or the words that say whose number follows, and a space: "21408 for +44 7400 123456", "21408 to +33…"
BARE_WORDS = ("for", "to")


# The destination's country in brackets right after a national number, upper case ("07400 123456 (GB)"): in free text,
# what a country field is in a record (COUNTRY_HINTS); a bare code may stand before such a number as before a '+' one
COUNTRY_AFTER = r"[ \t]?\((?-i:[A-Z]{2})\)"
# _stream's pass for it, over lower-cased bytes: led by the bracket, a digit (maybe and a space) before it
NATIONAL_PASS = rb"\((?:(?<=[0-9] \()|(?<=[0-9]\())[a-z]{2}\)"


def bare_code_pass() -> bytes:
    """The byte pattern (over lower-cased bytes) of the stream's pre-filter pass for a bare code: every line
    ``_parse._BARE_CODE`` finds holds five digits (after :data:`BARE_BEFORE`), a space or tab, a label and a separator
    of :data:`BARE_SEPARATORS` (or a word of :data:`BARE_WORDS` and a space), and ``+`` with a digit after it. Led by
    the ``+`` (a search as fast as a pass goes; most lines hold none) and looking back from it, label by label, in one
    fixed-width look-behind per length, so a line holds a match only when all of it is there: a log of messages sent
    to ``to=+33…`` makes no candidates."""

    tails = {spelling + sep for label in LABELS for spelling in spellings(label) for sep in BARE_SEPARATORS}
    tails |= {word + " " for word in BARE_WORDS}
    by_width: dict[int, list[str]] = {}
    for tail in sorted(tails):
        by_width.setdefault(len(tail), []).append(re.escape(tail))
    looks = "|".join(
        r"(?<=" + BARE_BEFORE + r"[0-9]{5}[ \t](?:" + "|".join(group) + r")\+)" for _, group in sorted(by_width.items())
    )
    return (r"\+(?:" + looks + r")[1-9]").encode()
