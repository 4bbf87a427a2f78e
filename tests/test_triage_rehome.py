"""`diagnose triage` counts a failure in one group: the lines of a message or call SID that name no country (a
callback, a line with the SID and code only) belong to the group that names that SID with its country, whatever
their order, however workers merged their blocks; where two groups name it (two countries, two accounts), or a
group past the SID cap might, they stay where they are."""

from __future__ import annotations

import json
import random
from collections import Counter
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from diagnose.cli import main
from diagnose.models import Evidence
from diagnose.paste import MAX_FAILURE_SIDS, Groups, merge_duplicates
from diagnose.paste._stream import BLOCK
from tests.shared import OFFLINE_ENV

SID = "SM0123456789abcdef0123456789abcdef"
OTHER = "SM0123456789abcdef0123456789abcdee"
ACCOUNT = "AC" + "a" * 32
FILLER = b"2026-11-30T10:00:01Z INFO GET /api/v1/users/42 200 12ms\n"


def _retry(sid: str, to: str = "+33612345678", account: str = "") -> str:
    named = f" account={account}" if account else ""
    return f"2026-11-30T10:00:00Z WARN retrying sms to={to} sid={sid}{named} error 21408"


def _bare(sid: str, second: int = 5, account: str = "") -> str:
    named = f" account {account}" if account else ""
    return f"2026-11-30T10:00:{second:02}Z ERROR Twilio error 21408 for message {sid}{named}"


def _groups(log: Path) -> list[dict[str, Any]]:
    result = CliRunner().invoke(
        main, ["triage", str(log), "--offline", "--format", "json"], env=OFFLINE_ENV, catch_exceptions=False
    )
    assert result.exit_code == 1, result.stderr
    return list(json.loads(result.stdout)["groups"])


def _told(groups: list[dict[str, Any]]) -> list[tuple[str | None, str | None, int, int]]:
    return [(g["country"], g["account_sid"], g["count"], g["failures"]) for g in groups]


def test_a_failures_lines_without_its_country_join_the_group_that_names_it(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.write_text("\n".join([_retry(SID), _bare(SID), _bare(OTHER, 6)]) + "\n")
    groups = _groups(log)
    assert _told(groups) == [("FR", None, 2, 1), (None, None, 1, 1)]
    assert (groups[0]["first_seen"], groups[0]["last_seen"]) == ("2026-11-30T10:00:00Z", "2026-11-30T10:00:05Z")
    # the other way round: the line without the country first, and it alone made the unknown group's evidence
    log.write_text("\n".join([_bare(SID, 0), _retry(SID).replace("10:00:00", "10:00:04"), _bare(OTHER, 6)]) + "\n")
    groups = _groups(log)
    assert _told(groups) == [("FR", None, 2, 1), (None, None, 1, 1)]
    assert groups[1]["diagnosis"]["evidence"]["message_sid"] == OTHER
    result = CliRunner().invoke(main, ["triage", str(log), "--offline"], env=OFFLINE_ENV, catch_exceptions=False)
    assert "FR (France) · no account in the log · 1 failure (2 errors logged) ·" in " ".join(result.stdout.split())


def test_the_account_a_line_names_is_kept_and_one_it_lacks_is_the_groups(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.write_text("\n".join([_retry(SID, account=ACCOUNT), _bare(SID)]) + "\n")
    assert _told(_groups(log)) == [("FR", ACCOUNT, 2, 1)]
    other = "AC" + "b" * 32  # the log says another account sent it: not moved on a guess
    log.write_text("\n".join([_retry(SID, account=ACCOUNT), _bare(SID, account=other)]) + "\n")
    assert sorted(_told(_groups(log)), key=str) == sorted([("FR", ACCOUNT, 1, 1), (None, other, 1, 1)], key=str)


def test_a_sid_two_countries_name_stays_where_it_is(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.write_text("\n".join([_retry(SID), _retry(SID, to="+4915123456789"), _bare(SID)]) + "\n")
    assert sorted(_told(_groups(log)), key=str) == sorted(
        [("FR", None, 1, 1), ("DE", None, 1, 1), (None, None, 1, 1)], key=str
    )


def test_the_workers_blocks_are_rehomed_as_one_reading(tmp_path: Path) -> None:
    """A log of three blocks and more is read by worker processes: the country in the first block, the SID alone
    in the last."""
    quiet = FILLER * (BLOCK // len(FILLER) + 100)
    sids = [f"SM{n:032x}" for n in range(30)]
    retries = "\n".join(_retry(sid) for sid in sids[:20]) + "\n"
    bare = "\n".join(_bare(sid) for sid in sids) + "\n"
    log = tmp_path / "big.log"
    log.write_bytes(retries.encode() + quiet + bare.encode() + quiet + bare.encode() + quiet)
    assert log.stat().st_size > 3 * BLOCK
    assert _told(_groups(log)) == [("FR", None, 60, 20), (None, None, 20, 10)]


def test_past_the_cap_a_group_that_may_name_the_sid_keeps_it_apart() -> None:
    groups = Groups()
    for n in range(MAX_FAILURE_SIDS + 1):
        groups.add(Evidence(kind="paste", code=21408, country="FR", message_sid=f"SM{n:032x}"))
    groups.add(Evidence(kind="paste", code=21408, country="DE", message_sid=SID))
    groups.add(Evidence(kind="paste", code=21408, message_sid=SID))
    told = {
        (e.country, e.count, f.count, f.at_least) for e, f in zip(groups.evidence(), groups.failures(), strict=True)
    }
    assert told == {("FR", MAX_FAILURE_SIDS + 1, MAX_FAILURE_SIDS, True), ("DE", 1, 1, False), (None, 1, 1, False)}


# an error: (message number or None, country or None, account or None, code, second)
_ERRORS = st.lists(
    st.tuples(
        st.none() | st.integers(0, 5),
        st.sampled_from([None, None, "FR", "DE"]),
        st.sampled_from([None, "AC" + "a" * 32, "AC" + "b" * 32]),
        st.sampled_from([21408, 21408, 13227]),
        st.integers(0, 59),
    ),
    max_size=30,
)


def _evidence(errors: list[tuple[int | None, str | None, str | None, int, int]]) -> list[Evidence]:
    return [
        Evidence(
            kind="paste",
            code=code,
            country=country,
            account_sid=account,
            message_sid=f"SM{n:032x}" if n is not None else None,
            timestamp=f"2026-11-30T10:00:{second:02}Z",
        )
        for n, country, account, code, second in errors
    ]


def _expected(evidence: list[Evidence]) -> Counter[tuple[object, ...]]:
    """Occurrences per (code, account, country), each line without a country moved to the one group of its code
    that names its SID with a country (and its account, when it names one)."""
    housed = {(e.code, e.account_sid, e.country, e.message_sid) for e in evidence if e.country and e.message_sid}
    out: Counter[tuple[object, ...]] = Counter()
    for e in evidence:
        key: tuple[object, ...] = (e.code, e.account_sid, e.country)
        if e.country is None and e.message_sid:
            homes = {
                (code, account, country)
                for code, account, country, sid in housed
                if (code, sid) == (e.code, e.message_sid) and e.account_sid in (None, account)
            }
            if len(homes) == 1:
                key = homes.pop()
        out[key] += 1
    return out


def _rows(groups: Groups) -> Counter[tuple[object, ...]]:
    return Counter(
        {
            (e.code, e.account_sid, e.country, e.first_seen, e.last_seen, f.count): e.count
            for e, f in zip(groups.evidence(), groups.failures(), strict=True)
        }
    )


@given(_ERRORS, st.integers(1, 4), st.randoms(use_true_random=False))
def test_each_line_is_counted_once_in_the_group_its_failure_names_whatever_the_order_or_blocks(
    errors: list[tuple[int | None, str | None, str | None, int, int]], blocks: int, shuffle: random.Random
) -> None:
    evidence = _evidence(errors)
    whole, parts, shuffled = Groups(), Groups(), Groups()
    for e in evidence:
        whole.add(e)
    for start in range(blocks):  # each worker merges its block by record, as scan(merge=True) does
        for merged in merge_duplicates(evidence[start::blocks]):
            parts.add(merged)
    for e in shuffle.sample(evidence, len(evidence)):
        shuffled.add(e)
    counts = Counter({(e.code, e.account_sid, e.country): e.count for e in whole.evidence()})
    assert counts == _expected(evidence)
    assert sum(counts.values()) == whole.total == len(evidence)
    assert _rows(whole) == _rows(parts) == _rows(shuffled)
    for e, f in zip(whole.evidence(), whole.failures(), strict=True):
        mine = [x for x in evidence if (x.code, x.country) == (e.code, e.country)]
        assert f.count <= e.count
        if e.country is not None:  # every SID of the group once, and each error naming none
            sids = {x.message_sid for x in mine if x.message_sid and x.account_sid == e.account_sid}
            assert f.count == len(sids) + sum(
                1 for x in mine if x.message_sid is None and x.account_sid == e.account_sid
            )


def _pasted(log: Path, *, stdin: bool = False) -> list[tuple[str | None, str | None, int]]:
    args = ["-"] if stdin else [str(log)]
    result = CliRunner().invoke(
        main,
        [*args, "--offline", "--format", "json"],
        input=log.read_text() if stdin else None,
        env=OFFLINE_ENV,
        catch_exceptions=False,
    )
    evidence = [d["evidence"] for d in json.loads(result.stdout)["diagnoses"]]
    return sorted(((e["country"], e["account_sid"], e["count"]) for e in evidence), key=str)


def test_a_paste_of_the_file_groups_it_as_triage_does(tmp_path: Path) -> None:
    # 'diagnose a.log' kept the line naming SM…cdef without its country in a group of its own ('unknown', 2×,
    # with SM…cdee's), counting it in FR too, where 'diagnose triage a.log' moves it to FR: the same file was
    # grouped two ways. A paste's merge now moves it as triage does.
    log = tmp_path / "app.log"
    for lines in ([_retry(SID), _bare(SID), _bare(OTHER, 6)], [_bare(SID, 0), _retry(SID), _bare(OTHER, 6)]):
        log.write_text("\n".join(lines) + "\n")
        triage = sorted(((g["country"], g["account_sid"], g["count"]) for g in _groups(log)), key=str)
        assert triage == sorted([("FR", None, 2), (None, None, 1)], key=str)
        assert _pasted(log) == _pasted(log, stdin=True) == triage
    # where triage leaves the lines (two countries name the SID), so does the paste
    log.write_text("\n".join([_retry(SID), _retry(SID, to="+4915123456789"), _bare(SID)]) + "\n")
    triage = sorted(((g["country"], g["account_sid"], g["count"]) for g in _groups(log)), key=str)
    assert _pasted(log) == triage == sorted([("FR", None, 1), ("DE", None, 1), (None, None, 1)], key=str)
