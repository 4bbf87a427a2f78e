"""Pasted text → evidence: read Twilio errors the way a support engineer does.

::

    from diagnose.paste import extract, extract_bytes

    extract("twilio.base.exceptions.TwilioRestException: HTTP 400 error: Unable to create record: "
            "Permission to send an SMS has not been enabled for the region indicated by the 'To' number: "
            "+2348031234567")
    # [Evidence(kind='paste', code=21408, http_status=400, to='+2348031234567', country='NG',
    #           format='python-exception', code_source='wording', country_confidence='high', ...)]

Pure: text in, :class:`~diagnose.models.Evidence` out (the error index and the
knowledge's older wordings are read once, lazily). Never raises and never
takes more than linear time, whatever the input. Formats: :data:`FORMATS`.
"""

from __future__ import annotations

from ._compressed import Decompressed, decompressed
from ._extract import extract, extract_lines
from ._group import MAX_FAILURE_SIDS, Failures, Groups, group_key, merge_duplicates
from ._numbers import Reading, read_number
from ._parse import FORMATS
from ._redact import mask_numbers, redact_secrets
from ._stream import scan
from ._text import decode
from ._wording import WordingTable, build_table, default_table, table_for

__all__ = [
    "FORMATS",
    "MAX_FAILURE_SIDS",
    "Decompressed",
    "Failures",
    "Groups",
    "Reading",
    "WordingTable",
    "build_table",
    "decode",
    "decompressed",
    "default_table",
    "extract",
    "extract_bytes",
    "extract_lines",
    "group_key",
    "mask_numbers",
    "merge_duplicates",
    "read_number",
    "redact_secrets",
    "scan",
    "table_for",
]


def extract_bytes(data: bytes) -> list:  # type: ignore[type-arg]
    """:func:`extract` for raw bytes (binary, invalid UTF-8, UTF-16 or UTF-32 with or without a byte-order mark),
    or such bytes compressed with gzip, bzip2 or xz, as ``diagnose FILE`` reads them (:func:`scan`: decompressed
    in bounded steps, so a small body that expands a thousandfold is not held whole). Never raises: zstd and
    zip, which the CLI refuses with the command that reads them, are read as the bytes they are (no error)."""
    from ._compressed import HEAD, kind_of

    if kind_of(data[:HEAD]) in ("gzip", "bzip2", "xz"):
        import io

        return list(scan(io.BytesIO(data)))
    return extract(decode(data))
