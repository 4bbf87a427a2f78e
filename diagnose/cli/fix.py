"""``diagnose fix``: plan, and with ``--apply`` make, the geo-permission changes the knowledge names.

The planning is pure (:mod:`diagnose.fixes`); this module reads the accounts,
prints the plan, asks for confirmation (or takes ``--yes``), sends the changes
through the gateway (parents first, then the subaccounts are read again), reads
each change back, and appends every change made to the audit log.
"""

from __future__ import annotations

import json
import os
import re
import sys
import tempfile
import threading
from collections import Counter
from collections.abc import Callable, Container, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, TextIO

import click

from ..context import Fetched
from ..errors import DiagnoseError, InputError
from ..fixes import (
    INHERITS_CODE,
    AccountState,
    Change,
    FixItem,
    FixPlan,
    change_key,
    change_to_dict,
    item_from_dict,
    item_to_dict,
    plan_account,
)
from ..formats import counted, stopped_host
from ..safe_text import clean, json_controls
from ._common import api_url_option, concurrency_option, knowledge_option, timeout_option
from .prompts import yes_option

if TYPE_CHECKING:
    from ..gateway._fix import ChangeResult

PRODUCTS = ("sms", "voice")
TEXT_FORMATS = ("text", "json")


# --------------------------------------------------------------------------- inputs


def parse_countries(values: Iterable[str]) -> list[str]:
    """``--country FR --country de,Italy`` → ``["FR", "DE", "IT"]`` (the audit's parser: codes or names)."""
    from ..audit import parse_countries as parse

    out: list[str] = []
    for value in values:
        for iso in parse(value, where="--country"):
            if iso not in out:
                out.append(iso)
    return out


def gaps_from_audit(text: str | TextIO, source: str) -> list[tuple[str, str, str]]:
    """(account, country, product) for every gap of a ``diagnose audit --format json`` document (schema 1).

    The document is read as a stream (text or an open file): each of its ``accounts`` is decoded
    and dropped, only the ``gaps`` are kept, so an audit of thousands of subaccounts is not held.
    """
    import io

    stream = _JsonStream(io.StringIO(text) if isinstance(text, str) else text, source)
    head: dict[str, Any] = {}
    gaps: dict[tuple[str, str, str], None] = {}
    seen_gaps, first = False, True
    try:
        stream.expect("{")
        while stream.peek() != "}":
            if not first:
                stream.expect(",")
            first = False
            key = stream.value()
            stream.expect(":")
            if key in ("accounts", "gaps") and stream.peek() == "[":
                for i, element in enumerate(stream.array()):
                    if key == "gaps":
                        gaps.setdefault(_gap(element, i, source))
                seen_gaps = seen_gaps or key == "gaps"
            else:
                head[str(key)] = stream.value()
        stream.expect("}")
        stream.end()
    except (json.JSONDecodeError, RecursionError) as err:  # RecursionError: nested deeper than Python parses
        raise InputError(f"{source}: not JSON from `diagnose audit --format json` ({err})") from err
    if head.get("kind") != "audit" or head.get("schema") != 1:
        raise InputError(f"{source}: not the output of `diagnose audit --format json` (kind audit, schema 1)")
    if not seen_gaps:
        raise InputError(f"{source}: the audit has no 'gaps' list")
    return list(gaps)


def _gap(gap: Any, i: int, source: str) -> tuple[str, str, str]:
    from ..evidence import check_account_sid

    if not isinstance(gap, dict):
        raise InputError(f"{source}: gaps[{i}] is not an object")
    account, country, product = gap.get("account"), gap.get("country"), gap.get("product")
    if not isinstance(account, str) or not isinstance(country, str) or product not in PRODUCTS:
        raise InputError(f"{source}: gaps[{i}] needs account, country and product (sms or voice)")
    from ..audit import resolve_country

    try:
        account = check_account_sid(account)
    except InputError as err:
        raise InputError(f"{source}: gaps[{i}].account: {err}") from err
    # Where the value came from is the audit document, not an option the user gave.
    return account, resolve_country(country, where=f"{source}: gaps[{i}].country"), str(product)


class _JsonStream:
    """Just enough of a streaming JSON reader for one object whose arrays are long: values decoded one by one.

    Reads 64 KiB at a time; a value cut by the end of the buffer is decoded again once more has been
    read, the read size doubling each time, so a huge value costs O(n log n), not O(n²). At most
    :data:`MAX_AUDIT_BYTES` characters are read.
    """

    _SPACE = re.compile(r"[ \t\n\r]*")
    _END = re.compile(r"[ \t\n\r,\]}]")
    _DECODER = json.JSONDecoder()

    def __init__(self, handle: TextIO, source: str) -> None:
        self.handle, self.source = handle, source
        self.buf, self.pos, self.read = "", 0, 0

    def _fill(self, size: int = 1 << 16) -> bool:
        if self.read > MAX_AUDIT_BYTES:
            raise InputError(f"{self.source}: more than {MAX_AUDIT_BYTES // (1024 * 1024)} MB; not an audit document")
        try:
            chunk = self.handle.read(size)
        except UnicodeDecodeError as err:
            raise InputError(f"{self.source}: not UTF-8 text") from err
        if not chunk:
            return False
        self.read += len(chunk)
        self.buf, self.pos = self.buf[self.pos :] + chunk, 0
        return True

    def peek(self) -> str:
        while True:
            self.pos = self._SPACE.match(self.buf, self.pos).end()  # type: ignore[union-attr]
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if not self._fill():
                return ""

    def expect(self, char: str) -> None:
        found = self.peek()
        if found != char:
            raise json.JSONDecodeError(f"expected {char!r}", self.buf, self.pos)
        self.pos += 1

    def value(self) -> Any:
        first = self.peek()
        size = 1 << 16
        if first not in ('"', "[", "{"):
            # A number or literal ends only where a delimiter follows: "1" may be the start of "1.5".
            while not self._END.search(self.buf, self.pos) and self._fill(size):
                size *= 2
        while True:
            try:
                value, end = self._DECODER.raw_decode(self.buf, self.pos)
            except json.JSONDecodeError:
                if not self._fill(size):
                    raise
                size *= 2
                continue
            self.pos = end
            return value

    def array(self) -> Iterator[Any]:
        self.expect("[")
        if self.peek() == "]":
            self.pos += 1
            return
        while True:
            yield self.value()
            if self.peek() == "]":
                self.pos += 1
                return
            self.expect(",")

    def end(self) -> None:
        if self.peek() != "":
            raise json.JSONDecodeError("extra data after the document", self.buf, self.pos)


# --------------------------------------------------------------------------- the plan, streamed


class AllAccounts:
    """The scope of ``--subaccounts all``: every account the credentials reach."""

    def __contains__(self, sid: object) -> bool:
        return True


class ItemSpool:
    """Planned items as JSON lines in an unnamed temporary file: a plan of thousands of accounts is not held."""

    def __init__(self) -> None:
        self._file: IO[str] = tempfile.TemporaryFile("w+", encoding="utf-8")  # noqa: SIM115 (closed in close())

    def write(self, item: FixItem) -> None:
        self._file.write(json.dumps(item_to_dict(item), ensure_ascii=False) + "\n")

    def __iter__(self) -> Iterator[FixItem]:
        self._file.flush()
        self._file.seek(0)
        for line in self._file:
            yield item_from_dict(json.loads(line))
        self._file.seek(0, os.SEEK_END)

    def close(self) -> None:
        self._file.close()


@dataclass
class Planned:
    """What planning kept: the parents' changes, counts, and the items (on disk), never the accounts' states."""

    spool: ItemSpool
    keep_ok: bool
    of_gaps: bool = False
    """Planned from an audit's gaps (``--from-audit``): the items are those gaps, not every account × country."""
    parent_changes: dict[tuple[str, str, str, str], Change] = field(default_factory=dict)
    counts: Counter[str] = field(default_factory=Counter)
    own_changes: int = 0
    own_accounts: int = 0
    accounts: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    scope_problem: str | None = None
    stopped_hosts: list[str] = field(default_factory=list)
    """Each host the plan stopped asking (``GET … failed: why``): its later reads were not sent."""
    unsent_accounts: int = 0
    parents: dict[str, str | None] = field(default_factory=dict)
    """The parent of each account with a change of its own (what a 30648 answer is explained with)."""
    parent_problems: list[str] = field(default_factory=list)
    """Each parent that could not be read to compare with: whose read was refused, why, and what to run."""

    @property
    def parent_view(self) -> Mapping[tuple[str, str, str], Change]:
        """The parents' changes by (account, product, entry): a fresh mapping each time one is added,
        so workers planning subaccounts read it while the main thread records."""
        return self._parent_view

    def __post_init__(self) -> None:
        self._parent_view: Mapping[tuple[str, str, str], Change] = {}

    def record(self, items: Sequence[FixItem], *, parent: bool, parent_sid: str | None = None, ok: int = 0) -> None:
        """One account's items (``ok`` more already usable, not passed): counted, spooled (all of them
        for JSON, else those not ``ok``)."""
        self.accounts += 1
        self.counts["ok"] += ok
        own: set[tuple[str, str, str, str]] = set()
        for item in items:
            self.counts[item.status] += 1
            if item.status != "ok" or self.keep_ok:
                self.spool.write(item)
            if item.status != "change" or item.change is None:
                continue
            key = change_key(item.change)
            if parent or item.change.account != item.account:
                # A parent's change, or one a subaccount's fix puts on its parent: sent first.
                if key not in self.parent_changes:
                    self.parent_changes[key] = item.change
                    self._parent_view = {k[:3]: c for k, c in self.parent_changes.items()}
            else:
                own.add(key)
        self.own_changes += len(own)
        self.own_accounts += bool(own)
        if own and items:
            self.parents[items[0].account] = parent_sid

    def tier_two(self) -> Iterator[tuple[str, list[Change]]]:
        """Each subaccount's own changes, one group per account, in the order planned (from the spool)."""
        first = {c.account for c in self.parent_changes.values()}
        current: str | None = None
        group: dict[tuple[str, str, str, str], Change] = {}
        for item in self.spool:
            if item.status != "change" or item.change is None or item.change.account != item.account:
                continue
            if item.account in first:
                continue
            if item.account != current:
                if group:
                    yield current or "", list(group.values())
                current, group = item.account, {}
            group.setdefault(change_key(item.change), item.change)
        if group:
            yield current or "", list(group.values())


class PlanView:
    """The plan as the text renderer walks it: a streamed plan (spool) or one in memory (the second plan)."""

    def __init__(
        self,
        changes: Callable[[], Iterator[Change]],
        items: Callable[[], Iterator[FixItem]],
        *,
        n_changes: int,
        n_accounts: int,
        ok: int,
        total: int,
        of_gaps: bool = False,
    ) -> None:
        self.changes, self.items = changes, items
        self.n_changes, self.n_accounts, self.ok, self.total = n_changes, n_accounts, ok, total
        self.of_gaps = of_gaps

    @classmethod
    def of_plan(cls, plan: Any) -> PlanView:
        return cls(
            lambda: iter(plan.changes),
            lambda: iter(plan.items),
            n_changes=len(plan.changes),
            n_accounts=len({c.account for c in plan.changes}),
            ok=len(plan.by_status("ok")),
            total=len(plan.items),
        )

    @classmethod
    def of_planned(cls, planned: Planned) -> PlanView:
        def changes() -> Iterator[Change]:
            yield from planned.parent_changes.values()
            for _, group in planned.tier_two():
                yield from group

        return cls(
            changes,
            lambda: iter(planned.spool),
            n_changes=len(planned.parent_changes) + planned.own_changes,
            n_accounts=len({c.account for c in planned.parent_changes.values()}) + planned.own_accounts,
            ok=planned.counts["ok"],
            total=sum(planned.counts.values()),
            of_gaps=planned.of_gaps,
        )

    def recheck(self) -> Iterator[str]:
        """Subaccounts to read again once their parents' changes are made (an account's items are adjacent)."""
        last = None
        for item in self.items():
            if item.status == "via-parent" and item.account != last:
                last = item.account
                yield item.account


# --------------------------------------------------------------------------- text


def _label(product: str) -> str:
    return "SMS" if product == "sms" else "voice"


def _values(state: Any) -> str:
    if not isinstance(state, dict):
        return "unknown"
    return ", ".join(f"{k}={'unknown' if v is None else str(v).lower()}" for k, v in state.items())


def plan_lines(view: PlanView, *, applying: bool) -> Iterator[str]:
    """The plan as text, line by line: changes in order, then what the tool will not send, then the totals."""
    from ..countries import country_name
    from ..country_table import voice_entry_named

    n, accounts = view.n_changes, view.n_accounts
    if n:
        head = f"{n:,} change{'s' if n != 1 else ''} on {accounts:,} account{'s' if accounts != 1 else ''}"
        yield head + ("" if applying else " planned (dry run: nothing is sent without --apply)")
    else:
        yield "Nothing to change through the API."
    for i, change in enumerate(view.changes(), 1):
        name = f"{country_name(change.country)} ({change.country})"
        if change.product == "voice":  # a request for CA names US: say why
            name += voice_entry_named(change.country)
        yield clean(f"  {i}. {change.account}  {_label(change.product)}  {name}  {change.action}  [{change.cause}]")
        yield f"     {change.request}"
        for key, value in change.form:
            yield clean(f"       {key}={value}")
        yield clean(f"     before: {_values(dict(change.before))}  →  after: {_values(dict(change.after))}")
        others = [a for a in change.for_accounts if a != change.account]
        if others:
            yield f"     also for: {', '.join(others)}"
    recheck = list(view.recheck()) if view.total <= 100_000 else []
    if recheck:
        yield (
            f"Then {len(recheck):,} subaccount{'s' if len(recheck) != 1 else ''} are read again: one that inherits "
            "from its parent is fixed by the parent's change; one with its own list gets a change of its own "
            "(shown, and confirmed unless --yes, before it is sent). Which is which no API says before the "
            "parent's change, so those changes are not counted above."
        )
        yield from (f"  - {sid}" for sid in recheck[:SHOWN_ALIKE])
        if len(recheck) > SHOWN_ALIKE:  # thousands of subaccounts under a parent: the plan's end stays in view
            yield f"  … {len(recheck) - SHOWN_ALIKE:,} more (--format json lists every one: plan.recheck)"
    yield from _not_sent(view)
    if view.of_gaps:  # only the audit's gaps were read and planned: the rest of the platform was never counted
        yield f"Already usable: {view.ok:,} of the audit's {counted(view.total, 'gap')} (closed since the audit)."
    else:
        yield f"Already usable: {view.ok:,} of {view.total:,} (account × country × product)."


_HEADINGS = {
    "console": "Console only (the tool sends no request for these; do it in the Console):",
    "blocked": "Cannot be enabled (no request is sent):",
    "outside-scope": "Fixed on an account that was not named (nothing is sent to it):",
    "manual": "No action the tool can take (the knowledge's steps):",
    "undecided": "Not decided (no request is sent):",
    "unknown": "Could not be read (no request is sent):",
}


SHOWN_ALIKE = 10
"""Accounts listed per country × product × cause under a heading of what is not sent; the JSON has them all."""


def _not_sent(view: PlanView) -> Iterator[str]:
    # One pass to count the items that share their steps, one per heading to print them.
    shared: Counter[tuple[str, str, str, str | None]] = Counter(
        (i.status, i.country, i.product, i.cause) for i in view.items() if i.status in _HEADINGS
    )
    for status, heading in _HEADINGS.items():
        if not any(k[0] == status for k in shared):
            continue
        yield heading
        # Thousands of subaccounts lacking a Console-only or undeliverable country are one line each otherwise:
        # the plan's end (and the confirmation below it) pages away, for a line that says the same each time.
        listed: Counter[tuple[str, str, str | None]] = Counter()
        for item in view.items():
            if item.status != status:
                continue
            key = (item.country, item.product, item.cause)
            listed[key] += 1
            if listed[key] > SHOWN_ALIKE:
                continue
            yield clean(f"  {item.account}  {_label(item.product)}  {item.country}: {item.summary}")
            if status in ("console", "manual", "blocked") and listed[key] == 1:
                count = shared[(status, *key)]
                if count > 1 and item.steps:
                    below = "below" if count <= SHOWN_ALIKE else f"the first {SHOWN_ALIKE - 1:,} below"
                    yield f"     (the same steps for {count - 1:,} other accounts, each on its own; {below})"
                for n, step in enumerate(item.steps, 1):
                    yield clean(f"     {n}. {' '.join(step.text.split())}")
                    if step.console:
                        yield clean(f"        Console: {' '.join(step.console.split())}")
        for (country, product, _), count in listed.items():
            if count > SHOWN_ALIKE:
                yield (
                    f"  … {count - SHOWN_ALIKE:,} more accounts, {_label(product)} {country}, the same "
                    "(--format json lists every one)"
                )


# --------------------------------------------------------------------------- reading and planning


def _inactive(row: Fetched) -> str | None:
    status = row.value.get("status") if row.ok and isinstance(row.value, dict) else None
    return status if status in INACTIVE else None


def _unsent(row: Fetched, state: AccountState) -> bool:
    """Whether a read of the account was not sent (its host had stopped answering)."""
    from ..plan import NOT_SENT

    slots = [row, state.account, state.messaging, state.voice_settings, *state.voice.values()]
    return any(slot.error == NOT_SENT for slot in slots)


class Reader:
    """Reads accounts for planning, each in a worker; the parents' states are read once and kept."""

    def __init__(
        self,
        access: Any,
        countries: Sequence[str],
        products: Sequence[str],
        inheritance: Mapping[str, tuple[bool, str]] | None = None,
    ) -> None:
        from ..audit_reads import HOST_PATIENCE
        from ..gateway import HostFailures

        self.access, self.countries, self.products = access, countries, products
        # what Twilio's answers to earlier changes showed of each account's SMS inheritance (audit_log.sms_inheritance)
        self.inheritance = inheritance or {}
        self._parents: dict[str, AccountState | None] = {}
        self.unread_parents: dict[str, Fetched] = {}  # a parent's Account row that could not be read
        self._lock = threading.Lock()
        # The plan's, as an audit's: a host that stopped answering is asked nothing more, by any account.
        self.hosts = HostFailures(patience=HOST_PATIENCE, throttle_budget=None)
        self.unsent_accounts = 0

    def state(self, item: Mapping[str, Any] | str) -> tuple[Fetched, AccountState | None]:
        """The account's row, and its state (None for a closed or suspended account: not planned)."""
        from ..gateway._fix import account_row, read_state

        row = account_row(self.access, item, self.hosts)
        sid = row.value.get("sid") if isinstance(row.value, dict) else None
        try:
            if _inactive(row):
                return row, None
            state = self._known(read_state(self.access, row, self.countries, self.products, self.hosts))
            if _unsent(row, state):
                with self._lock:
                    self.unsent_accounts += 1
            return row, state
        finally:
            if isinstance(sid, str):
                self.access.forget(sid)  # its credentials are fetched again if a change is sent to it

    def _known(self, state: AccountState) -> AccountState:
        """The state with its SMS inheritance, where an earlier answer of Twilio's showed it."""
        known = self.inheritance.get(state.sid)
        if known is None or "sms" not in self.products:
            return state
        return replace(state, messaging_inheritance=Fetched(value=known[0], request=known[1]))

    def parent(self, sid: str | None) -> AccountState | None:
        """A parent's state, read the first time it is asked for (a parent is one account, read once)."""
        if not sid:
            return None
        with self._lock:
            if sid in self._parents:
                return self._parents[sid]
        from ..gateway._fix import account_row, read_state

        row = account_row(self.access, sid, self.hosts)
        state = read_state(self.access, row, self.countries, self.products, self.hosts) if row.ok else None
        with self._lock:
            if not row.ok:
                self.unread_parents.setdefault(sid, row)
            return self._parents.setdefault(sid, state)

    def keep_parent(self, state: AccountState) -> None:
        with self._lock:
            self._parents[state.sid] = state


def _listed(access: Any, main_sid: str, planned: Planned) -> Iterator[Mapping[str, Any]]:
    """Every subaccount, page by page, as the pool asks for them (closed and suspended ones counted, skipped)."""
    from ..errors import TwilioAccessError, reason_of

    try:
        for row in access.list_accounts():
            if not isinstance(row, dict) or row.get("sid") == main_sid:
                continue
            if row.get("status") in INACTIVE:
                planned.skipped[str(row["status"])] += 1
                access.forget(str(row.get("sid")))
                continue
            yield row
    except TwilioAccessError as err:
        planned.scope_problem = f"the list of subaccounts could not be read to the end ({reason_of(err)})"


def _main_account_or_fail(access: Any, sid: str) -> dict[str, Any] | None:
    """The authenticated account, read again after its first read failed, or None.

    Rejected credentials or no Twilio raise the typed error (one line, exit 3, as audit and
    scan say it). A standard API key may not read Accounts: as the audit does, a stand-in row
    lets its own account be read and fixed through the ``/v1`` APIs it may use.
    """
    from ..audit_reads import read_main_account
    from ..errors import CredentialsError, UnreachableError

    try:
        row, _reason = read_main_account(access, sid)
    except (CredentialsError, UnreachableError):
        raise
    except DiagnoseError:
        return None  # another answer (a 5xx after the retries): the account's items say so
    return row


def plan_streamed(
    access: Any,
    *,
    countries: Sequence[str],
    products: Sequence[str],
    named: Sequence[str] | None,
    every: bool,
    pairs: Container[tuple[str, str, str]] | None,
    prefer: str | None,
    kb: Any,
    concurrency: int,
    keep_ok: bool,
    progress: Any = None,
    inheritance: Mapping[str, tuple[bool, str]] | None = None,
) -> tuple[Planned, bool]:
    """Read and plan account by account, the authenticated account (the parent) first, then the others streamed.

    ``every``: the authenticated account and every subaccount (listed page by
    page); else ``named`` (default: the authenticated account). Returns what
    was planned, and whether Ctrl-C stopped the reading. ``progress`` (a
    :class:`~diagnose.cli.progress.Progress`) advances by one per account planned.
    """
    main_sid = access.credentials.account_sid
    wanted = list(named) if named else ([] if every else [main_sid])
    scope: Container[str] = AllAccounts() if every else frozenset(wanted)
    planned = Planned(spool=ItemSpool(), keep_ok=keep_ok, of_gaps=pairs is not None)
    reader = Reader(access, countries, products, inheritance)
    plan_options = {"scope": scope, "pairs": pairs, "prefer": prefer}
    try:
        # The parent first: it is one account, fixed first; its subaccounts are planned against its changes.
        row, main = reader.state(main_sid)
        if not row.ok:
            again = _main_account_or_fail(access, main_sid)
            if again is not None:
                row, main = reader.state(again)
        if main is not None and main.account.ok:
            reader.keep_parent(main)
        if every or main_sid in wanted:
            if main is None:
                planned.skipped[str(_inactive(row))] += 1
            else:
                parent = reader.parent(main.parent)
                items = plan_account(main, parent, countries, products, kb, **plan_options)
                planned.record(items, parent=True, parent_sid=main.parent)
                if progress is not None:
                    progress.advance()
    except KeyboardInterrupt:
        return planned, True

    def work(item: Any) -> tuple[Fetched, str | None, list[FixItem] | None, int]:
        # Read and planned in the worker: what waits to be handed over in order is the items, not the state.
        row, state = reader.state(item)
        if state is None:
            return row, None, None, 0
        items = plan_account(
            state, reader.parent(state.parent), countries, products, kb,
            parent_changes=planned.parent_view, **plan_options,
        )  # fmt: skip
        if keep_ok:
            return row, state.parent, items, 0
        kept = [i for i in items if i.status != "ok"]
        return row, state.parent, kept, len(items) - len(kept)

    def emit(result: tuple[Fetched, str | None, list[FixItem] | None, int]) -> None:
        row, parent_sid, items, ok = result
        if items is None:
            planned.skipped[str(_inactive(row))] += 1
            return
        planned.record(items, parent=False, parent_sid=parent_sid, ok=ok)
        if progress is not None:
            progress.advance()

    source: Iterable[Any] = _listed(access, main_sid, planned) if every else (s for s in wanted if s != main_sid)
    try:
        _pool(source, work, emit, concurrency)
    except KeyboardInterrupt:
        return planned, True
    finally:
        from ..gateway import stopped_hosts

        planned.stopped_hosts = stopped_hosts(access, reader.hosts)
        planned.unsent_accounts = reader.unsent_accounts
        own_parent = main.parent if main is not None else None
        planned.parent_problems = [
            _parent_problem(main_sid if sid == own_parent else None, sid, row)
            for sid, row in reader.unread_parents.items()
        ]
    return planned, False


def _parent_problem(auth: str | None, parent: str, row: Fetched) -> str:
    """Why ``parent`` was not compared with: the read that was refused and how (``auth``: the credentials' own
    account, when ``parent`` is its parent)."""
    from ..plan import parent_unread

    error = str(row.error or "it could not be read")
    rejected = "the credentials were rejected ("
    if error.startswith(rejected) and error.endswith(")"):  # accepted for their own account: refused for this one
        error = error[len(rejected) : -1]
    refused = f"{row.request} answered {error}" if row.request and error.startswith("HTTP ") else error
    if auth is not None:
        return parent_unread(auth, parent, refused)
    return f"the parent {parent} could not be read ({refused}), so its permissions are not compared with"


def _pool(items: Iterable[Any], work: Callable[[Any], Any], emit: Callable[[Any], None], concurrency: int) -> None:
    """The pool ``diagnose audit`` and ``scan`` use: items pulled as workers free up, results in order, bounded."""
    from ..audit_reads import run_pool
    from ..gateway import TwilioAccess

    # A marked worker runs its account's requests one after the other: the pool's size bounds those in flight.
    run_pool(
        items, work, emit, concurrency=concurrency, name="diagnose-fix", initializer=TwilioAccess.mark_worker
    )  # fmt: skip


# --------------------------------------------------------------------------- applying


def _change_fields(change: Change) -> dict[str, Any]:
    return {
        "account": change.account,
        "country": change.country,
        "product": change.product,
        "action": change.action,
        "request": change.request,
        "form": dict(change.form),
        "cause": change.cause,
        "before": dict(change.before),
    }


def attempt_record(change: Change, who: dict[str, str], when: str, key: str) -> dict[str, Any]:
    """The audit-log line written before a change is sent, its outcome not known yet: whatever ends the
    process while the change is in flight (a third Ctrl-C, ``kill -9``), the log keeps that it was tried."""
    return {
        "time": when,
        "event": "attempt",
        "change": key,
        "who": who,
        **_change_fields(change),
        "expected": dict(change.after),
        "for_accounts": list(change.for_accounts),
        "outcome": "unknown",
    }


def audit_record(result: Any, who: dict[str, str], when: str, key: str) -> dict[str, Any]:
    """The audit-log line of a change's outcome (``key``: its attempt's), once Twilio answered."""
    change = result.change
    return {
        "time": when,
        "event": "result",
        "change": key,
        "who": who,
        **_change_fields(change),
        "after": result.read_back,
        "expected": dict(change.after),
        "verified": result.verified,
        "for_accounts": list(change.for_accounts),
        "outcome": result.outcome,
        "message": result.message,
        "code": result.code,
    }


class Applier:
    """Sends changes, one account per worker, and keeps each result (the changed rows; nothing else).

    Each worker records its results itself, as they are made, so a change that was in flight
    when Ctrl-C came is reported once it finishes, like the others.
    """

    def __init__(self, access: Any, log: Any, who: dict[str, str], concurrency: int, progress: Any = None) -> None:
        self.access, self.log, self.who, self.concurrency = access, log, who, concurrency
        self.progress = progress  # advanced here, in the calling thread, by each account's changes
        self.results: dict[tuple[str, str, str, str], ChangeResult] = {}
        self.stopping = threading.Event()
        self.unknown: list[Change] = []
        # Subaccounts Twilio answered 30648 for in this run (the country of that change): they inherit their
        # parent's SMS list, so their other SMS changes would be refused too and are not sent
        self.inherits: dict[str, str] = {}
        self._in_flight: dict[int, Sequence[Change]] = {}
        self._changed = threading.Condition()

    def _send(self, group: tuple[str, Sequence[Change]]) -> int:
        import uuid

        from ..gateway._fix import ChangeResult, apply_change
        from .audit_log import utc_now

        account, changes = group
        with self._changed:
            self._in_flight[id(group)] = changes
        try:
            for change in changes:
                if self.stopping.is_set():
                    break  # Ctrl-C: no new change starts
                refused = self.inherits.get(account) if change.action == "enable-messaging-country" else None
                if refused is not None:
                    result = ChangeResult(change, "inherits", _inherited(refused), INHERITS_CODE, sent=False)
                else:
                    key = uuid.uuid4().hex
                    # On disk before the request leaves: a change in flight when the process ends reads "unknown"
                    self.log.append(attempt_record(change, self.who, utc_now(), key))
                    result = apply_change(self.access, change)
                    self.log.append(audit_record(result, self.who, utc_now(), key))
                    if result.outcome == "inherits":
                        self.inherits.setdefault(account, change.country)
                with self._changed:
                    self.results[change_key(change)] = result
        finally:
            with self._changed:
                del self._in_flight[id(group)]
                self._changed.notify_all()
            if account != self.access.credentials.account_sid:
                self.access.forget(account)
        return len(changes)

    def _advance(self, count: int) -> None:
        if self.progress is not None:
            self.progress.advance(count)

    def apply(self, groups: Iterable[tuple[str, Sequence[Change]]]) -> bool:
        """Send every group (an account's changes); False when Ctrl-C stopped it.

        On Ctrl-C no new change starts; the ones in flight are waited for (each within its
        timeout) and reported; a second Ctrl-C stops waiting, and those are reported unknown.
        """
        try:
            _pool(groups, self._send, self._advance, self.concurrency)
            return True
        except KeyboardInterrupt:
            self.stopping.set()
        with self._changed:
            try:
                while self._in_flight:
                    self._changed.wait(0.1)
            except KeyboardInterrupt:
                pass
            self.unknown = [
                c for changes in self._in_flight.values() for c in changes if change_key(c) not in self.results
            ]
        return False


def _inherited(country: str) -> str:
    """Why a subaccount's SMS change was not sent: the same account's change of ``country`` was refused."""
    return (
        f"not sent: Twilio answered {INHERITS_CODE} to this subaccount's change of {country} in this run, "
        "so it inherits its parent's SMS geo permissions and would refuse this one too"
    )


def _groups(changes: Iterable[Change]) -> list[tuple[str, list[Change]]]:
    by_account: dict[str, list[Change]] = {}
    for change in changes:
        by_account.setdefault(change.account, []).append(change)
    return list(by_account.items())


def render_result(r: Any, parents: Mapping[str, str | None]) -> str:
    from ..countries import country_name
    from ..fixes import inherits_message

    c = r.change
    name = f"{country_name(c.country)} ({c.country})"
    where = f"{c.account}  {_label(c.product)}  {name}"
    if r.outcome == "done" and r.verified:
        line = f"changed   {where}: {c.action}; read back: {_values(r.read_back)}"
    elif r.outcome == "done":
        line = (
            f"unverified {where}: Twilio accepted {c.action}, but reading it back shows "
            f"{_values(r.read_back)} (expected {_values(dict(c.after))})"
        )
    elif r.outcome == "inherits":
        said = inherits_message(c.account, parents.get(c.account), c.country)
        line = f"inherits  {where}: {said}" if r.sent else f"not sent  {where}: {r.message}. {said}"
    elif r.outcome == "refused":
        line = f"refused   {where}: Twilio answered {r.code} ({r.message}); only the Console can change it"
    else:
        line = f"failed    {where}: {r.message}"
    return clean(line)


# --------------------------------------------------------------------------- the audit document

MAX_AUDIT_BYTES = 256 * 1024 * 1024  # a 2,000-account audit is a few MB; refuse anything absurd


def _open_audit(source: str) -> tuple[TextIO, str]:
    """The audit document to read as a stream: standard input (``-``) or a file."""
    import io

    if source == "-":
        return io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", errors="strict"), "standard input"
    try:
        return open(source, encoding="utf-8", errors="strict"), source
    except OSError as err:
        raise InputError(f"cannot read {source}: {err.strerror or err}") from err


# --------------------------------------------------------------------------- the whole command


@dataclass
class Settled:
    """The final items' totals, counted as they are written (the items themselves stay on disk)."""

    counts: Counter[str] = field(default_factory=Counter)
    through_parent: list[FixItem] = field(default_factory=list)


def _settle(item: FixItem, results: Mapping[Any, ChangeResult], second: Mapping[Any, FixItem], parents: Any) -> FixItem:
    """An item after the run: fixed (read back), through its parent, or what stopped it."""
    from ..fixes import inherits_message

    if item.status == "via-parent":
        again = second.get((item.account, item.country, item.product))
        if again is None:
            return item
        if again.status == "ok":
            return replace(again, summary=f"{again.summary}, through its parent's change (it inherits)")
        item = again
    if item.status != "change" or item.change is None:
        return item
    r = results.get(change_key(item.change))
    if r is None:
        return item
    if r.outcome == "done" and r.verified:
        how = "" if r.change.account == item.account else f" through {r.change.account}"
        return replace(item, status="ok", summary=f"fixed{how}: {r.change.action}, verified by reading back")
    if r.outcome == "inherits":
        text = inherits_message(item.account, parents.get(item.account), item.country)
        return replace(item, status="inherits", summary=text)
    if r.outcome in ("refused", "failed"):
        return replace(item, status="unknown" if r.outcome == "failed" else "console", summary=r.message)
    return item


def _exit_code(counts: Counter[str], results: Iterable[Any], *, interrupted: bool, incomplete: bool) -> int:
    from . import exit_codes

    if interrupted:
        return exit_codes.INTERRUPTED
    if any(r.outcome == "failed" or (r.outcome == "done" and not r.verified) for r in results):
        return exit_codes.INCOMPLETE  # a change failed or could not be verified
    if counts["unknown"] or incomplete:
        return exit_codes.INCOMPLETE  # some account (or the account list) could not be read
    if any(n for status, n in counts.items() if status != "ok"):
        return exit_codes.UNRESOLVED  # gaps remain
    return exit_codes.OK


def _who(access: Any) -> dict[str, str]:
    creds = access.credentials
    return {"credential": creds.username, "kind": creds.kind, "account": creds.account_sid}


def _recheck_groups(planned: Planned, results: Mapping[Any, ChangeResult]) -> Iterator[tuple[str, set[Any]]]:
    """Subaccounts waiting for a parent's change that was sent: each with the items to plan again."""
    current, wanted = "", set()
    for item in planned.spool:
        if item.status != "via-parent" or item.change is None or change_key(item.change) not in results:
            continue
        if item.account != current:
            if wanted:
                yield current, wanted
            current, wanted = item.account, set()
        wanted.add((item.account, item.country, item.product))
    if wanted:
        yield current, wanted


def run_fix(
    access: Any,
    *,
    countries: Sequence[str],
    products: Sequence[str],
    accounts: Sequence[str],
    subaccounts: Any,
    pairs: Sequence[tuple[str, str, str]] | None,
    prefer: str | None,
    kb: Any,
    apply: bool,
    yes: bool,
    audit_log_path: Path,
    fmt: str,
    out: TextIO,
    concurrency: int = 8,
) -> int:
    """The whole of ``diagnose fix``: read and plan (streamed), print; with ``apply``, confirm, send, read back, log.

    Memory does not grow with the number of accounts: each account's state is
    planned and dropped, the items go to a temporary file, and only the
    parents' changes, the counts and the results of the changes made are kept.
    """
    every = subaccounts == "all"
    named = list(dict.fromkeys([*accounts, *(() if every or subaccounts is None else subaccounts)]))
    wanted_pairs = frozenset((a, c.upper(), p) for a, c, p in pairs) if pairs is not None else None
    from .audit_log import sms_inheritance
    from .progress import Progress

    # No API reads a subaccount's SMS inheritance: Twilio's answers to earlier changes (30648) are the only sign
    inheritance = sms_inheritance(audit_log_path) if "sms" in products else {}

    # On a terminal only (cli/progress.py decides): the accounts planned so far, out of those named.
    with Progress(total=None if every else len(named) or 1, label="reading accounts") as bar:
        planned, stopped = plan_streamed(
            access, countries=countries, products=products, named=named, every=every, pairs=wanted_pairs,
            prefer=prefer, kb=kb, concurrency=concurrency, keep_ok=fmt == "json", progress=bar,
            inheritance=inheritance,
        )  # fmt: skip
    try:
        if stopped:
            return _interrupted_reading(planned, fmt, out)
        scope = _Scope(access, countries, products, kb, prefer, concurrency, inheritance)
        return _after_plan(scope, planned, apply, yes, audit_log_path, fmt, out)
    finally:
        planned.spool.close()


def _interrupted_reading(planned: Planned, fmt: str, out: TextIO) -> int:
    from . import exit_codes

    text = f"Interrupted while reading the accounts ({planned.accounts:,} planned): nothing was changed."
    if fmt == "json":
        doc = {"kind": "fix", "schema": 1, "applied": False, "interrupted": True, "accounts": planned.accounts}
        print(json.dumps(doc, indent=2), file=out)
    else:
        print(text, file=out)
    return exit_codes.INTERRUPTED


@dataclass(frozen=True)
class _Scope:
    """What every step after the plan reads and plans with."""

    access: Any
    countries: Sequence[str]
    products: Sequence[str]
    kb: Any
    prefer: str | None
    concurrency: int
    inheritance: Mapping[str, tuple[bool, str]] = field(default_factory=dict)


def _after_plan(
    scope: _Scope, planned: Planned, apply: bool, yes: bool, audit_log_path: Path, fmt: str, out: TextIO
) -> int:
    view = PlanView.of_planned(planned)
    if fmt == "text":
        for line in plan_lines(view, applying=apply):
            print(line, file=out)
        if planned.skipped:
            kinds = ", ".join(f"{n:,} {status}" for status, n in sorted(planned.skipped.items()))
            print(f"Skipped (a closed or suspended account can neither send nor be changed): {kinds}.", file=out)
        if planned.scope_problem:
            print(clean(f"Incomplete: {planned.scope_problem}."), file=out)
        unsent = planned.unsent_accounts
        for stopped in planned.stopped_hosts:
            print(clean(stopped_host(stopped, "plan", unsent, note=" ('not sent' above)")), file=out)
        for problem in planned.parent_problems:
            print(clean(f"Not compared with the parent: {problem}."), file=out)
    n = view.n_changes
    applier: Applier | None = None
    second: dict[tuple[str, str, str], FixItem] = {}
    interrupted = False
    if apply and n and _confirm(_send_question(n), yes=yes):
        from .audit_log import AuditLog

        with AuditLog(audit_log_path) as log:
            from .progress import Progress

            with Progress(total=n, label="sending changes") as bar:
                applier = Applier(scope.access, log, _who(scope.access), scope.concurrency, progress=bar)
                try:
                    interrupted = _send_all(scope, planned, applier, second, yes, fmt, out)
                except KeyboardInterrupt:  # between two steps (each step handles its own)
                    interrupted = True
    elif apply and n:
        print("Nothing was changed.", file=out if fmt == "text" else sys.stderr)
    results = applier.results if applier is not None else {}
    return _report(planned, applier, results, second, interrupted, audit_log_path, fmt, out)


def _send_all(
    scope: _Scope,
    planned: Planned,
    applier: Applier,
    second: dict[tuple[str, str, str], FixItem],
    yes: bool,
    fmt: str,
    out: TextIO,
) -> bool:
    """Parents' changes, then each subaccount's own, then the subaccounts read again; True when interrupted."""
    # Parents first, then each subaccount's own changes.
    if not (applier.apply(_groups(planned.parent_changes.values())) and applier.apply(planned.tier_two())):
        return True
    interrupted, second_changes = _recheck(scope, planned, applier, second)
    if second_changes and not interrupted:
        if applier.progress is not None:
            applier.progress.close()  # the second plan and its question get a clean line
            applier.progress = None
        plan2 = PlanView.of_plan(FixPlan(tuple(second.values()), tuple(second_changes)))
        if fmt == "text":
            print("\nRead again after the parents' changes:", file=out)
            for line in plan_lines(plan2, applying=True):
                print(line, file=out)
        m = len(second_changes)
        if _confirm(_send_question(m), yes=yes):
            interrupted = not applier.apply(_groups(second_changes))
    return interrupted


def _recheck(
    scope: _Scope, planned: Planned, applier: Applier, second: dict[tuple[str, str, str], FixItem]
) -> tuple[bool, list[Change]]:
    """Read again, after the parents' changes, the subaccounts that waited for them; plan what is left."""
    groups = _recheck_groups(planned, applier.results)
    first = next(groups, None)
    if first is None:
        return False, []
    # Fresh: the parents' states from after their changes; and what this run's 30648 answers showed.
    answered = {
        sid: (True, f"Twilio answered {INHERITS_CODE} to its change of {iso} in this run")
        for sid, iso in applier.inherits.items()
    }
    reader = Reader(scope.access, scope.countries, scope.products, {**scope.inheritance, **answered})
    changes: dict[tuple[str, str, str, str], Change] = {}

    def work(group: tuple[str, set[Any]]) -> tuple[set[Any], AccountState | None]:
        _, state = reader.state(group[0])
        if state is not None:
            reader.parent(state.parent)
        return group[1], state

    def emit(result: tuple[set[Any], AccountState | None]) -> None:
        wanted, state = result
        if state is None:
            return
        items = plan_account(
            state, reader.parent(state.parent), scope.countries, scope.products, scope.kb,
            scope={state.sid}, pairs=wanted, prefer=scope.prefer,
        )  # fmt: skip
        for item in items:
            second[(item.account, item.country, item.product)] = item
            if item.status == "change" and item.change is not None:
                changes.setdefault(change_key(item.change), item.change)

    import itertools

    try:
        _pool(itertools.chain([first], groups), work, emit, scope.concurrency)
    except KeyboardInterrupt:
        return True, list(changes.values())
    return False, list(changes.values())


def _report(
    planned: Planned,
    applier: Applier | None,
    results: Mapping[Any, ChangeResult],
    second: Mapping[Any, FixItem],
    interrupted: bool,
    audit_log_path: Path,
    fmt: str,
    out: TextIO,
) -> int:
    parents = planned.parents
    settled = Settled()

    def final_items() -> Iterator[FixItem]:
        for item in planned.spool:
            final = _settle(item, results, second, parents) if applier is not None else item
            settled.counts[final.status] += 1
            again = second.get((item.account, item.country, item.product))
            if final.status == "ok" and item.status == "via-parent" and again is not None and again.status == "ok":
                settled.through_parent.append(final)  # usable when read again: not by a change of its own
            yield final

    if fmt == "json":
        _write_json(planned, applier, final_items(), interrupted, audit_log_path, out)
    else:
        for _ in final_items():
            pass
    counts = settled.counts
    if not planned.keep_ok:
        counts["ok"] += planned.counts["ok"]  # not spooled: they were usable already
    code = _exit_code(counts, results.values(), interrupted=interrupted, incomplete=planned.scope_problem is not None)
    if fmt == "text" and applier is not None:
        print("\nResults (each change read back from Twilio):", file=out)
        for r in results.values():
            print(render_result(r, parents), file=out)
        for c in applier.unknown:
            print(clean(f"unknown   {c.account}  {_label(c.product)}  {c.country}: interrupted while it was "
                        "being sent; the audit log has it if Twilio made it"), file=out)  # fmt: skip
        for item in settled.through_parent:
            print(
                clean(
                    f"inherited {item.account}  {_label(item.product)}  {item.country}: fixed by its parent's change"
                ),
                file=out,
            )
        print(f"Audit log: {audit_log_path}", file=out)
        if interrupted:
            made = sum(1 for r in results.values() if r.outcome == "done")
            planned_total = PlanView.of_planned(planned).n_changes
            left = max(0, planned_total - len(results) - len(applier.unknown))
            print(
                f"Interrupted: {made:,} change{'s' if made != 1 else ''} made (each in the audit log), "
                f"{len(applier.unknown):,} in flight with no answer, {left:,} not sent.",
                file=out,
            )
        remaining = sum(n for status, n in counts.items() if status != "ok")
        if remaining:
            print(f"Still not usable: {remaining:,} (see above).", file=out)
        elif not interrupted:
            print("Every account named can now use every country asked for.", file=out)
    return code


def _dumps(value: Any) -> str:
    # json.dumps escapes C0 controls only: C1 controls and bidi overrides from Twilio's answers never reach a terminal.
    return json_controls(json.dumps(value, ensure_ascii=False))


def _write_json(
    planned: Planned,
    applier: Applier | None,
    items: Iterator[FixItem],
    interrupted: bool,
    audit_log_path: Path,
    out: TextIO,
) -> None:
    """The JSON document, written piece by piece (its items and changes come from the spool)."""
    view = PlanView.of_planned(planned)

    def array(rows: Iterable[Any]) -> None:
        first = True
        out.write("[")
        for row in rows:
            out.write(("\n    " if first else ",\n    ") + _dumps(row))
            first = False
        out.write("\n  ]" if not first else "]")

    head = {"kind": "fix", "schema": 1, "applied": applier is not None, "interrupted": interrupted}
    out.write("{\n" + ",\n".join(f"  {_dumps(k)}: {_dumps(v)}" for k, v in head.items()))
    out.write(',\n  "plan": {"changes": ')
    array(change_to_dict(c) for c in view.changes())
    out.write(', "recheck": ')
    array(view.recheck())
    out.write('},\n  "items": ')
    array(item_to_dict(i) for i in items)
    extra: dict[str, Any] = {
        "accounts": planned.accounts,
        "skipped": dict(planned.skipped),
        "scope_problem": planned.scope_problem,
        "stopped_hosts": planned.stopped_hosts,
        "unsent_accounts": planned.unsent_accounts,
        "parent_problems": planned.parent_problems,
    }
    if applier is not None:
        extra["results"] = [_result_dict(r, planned.parents) for r in applier.results.values()]
        extra["unknown"] = [change_to_dict(c) for c in applier.unknown]
        extra["audit_log"] = str(audit_log_path)
    for key, value in extra.items():
        out.write(f",\n  {_dumps(key)}: {_dumps(value)}")
    out.write("\n}\n")


def _result_dict(result: Any, parents: Mapping[str, str | None]) -> dict[str, Any]:
    from ..fixes import inherits_message

    c = result.change
    return {
        "account": c.account,
        "country": c.country,
        "product": c.product,
        "action": c.action,
        "request": c.request,
        "outcome": result.outcome,
        "code": result.code,
        "message": result.message,
        "before": dict(c.before),
        "after": result.read_back,
        "verified": result.verified,
        "sent": result.sent,
        "explanation": inherits_message(c.account, parents.get(c.account), c.country)
        if result.outcome == "inherits"
        else None,
    }


def _send_question(n: int) -> str:
    return "Send this change to Twilio?" if n == 1 else f"Send these {n:,} changes to Twilio?"


def _confirm(question: str, *, yes: bool) -> bool:
    """Ask on the terminal, or take --yes; without a terminal, refuse (exit 2) before anything is sent."""
    from .prompts import confirm

    return confirm(question, assume_yes=yes)


INACTIVE = ("closed", "suspended")
WRITING_ACTIONS = ("enable-messaging-country", "enable-voice-country", "set-voice-inheritance")


@click.command("fix")
@click.option(
    "--country",
    "countries",
    multiple=True,
    metavar="FR[,DE…]",
    help="Countries to enable (ISO codes or names; repeatable).",
)
@click.option(
    "--account",
    "accounts",
    multiple=True,
    metavar="AC…",
    help="Fix this account (repeatable; default: the authenticated one).",
)
@click.option(
    "--subaccounts",
    metavar="all|AC…,AC…",
    help="'all': the authenticated account and every subaccount; or these subaccounts.",
)
@click.option(
    "--product", default="sms,voice", show_default=True, metavar="sms,voice", help="Which permissions to fix."
)
@click.option(
    "--from-audit",
    "from_audit",
    metavar="FILE|-",
    help="Fix exactly the gaps of `diagnose audit --format json` (a file, or - for stdin).",
)
@click.option(
    "--use",
    "prefer",
    type=click.Choice(WRITING_ACTIONS),
    help=(
        "Prefer this fix action where the knowledge offers several (e.g. set-voice-inheritance); "
        "enable-messaging-country also changes a subaccount's own SMS list where an earlier 30648 said it "
        "inherits (turn its inheritance off in the Console first)."
    ),
)
@click.option(
    "--apply",
    "apply",
    is_flag=True,
    help="Send the changes (after confirmation). Without it, only the plan is printed.",
)
@yes_option
@click.option(
    "--audit-log",
    "audit_log",
    type=click.Path(dir_okay=False),
    metavar="FILE",
    help="Append each change made to FILE, as JSON lines "
    "(default: $DIAGNOSE_AUDIT_LOG, else ~/.local/state/diagnose/fix-audit.jsonl).",
)
@click.option(
    "--format", "fmt", type=click.Choice(TEXT_FORMATS), default="text", show_default=True, help="Output format."
)
@api_url_option
@timeout_option
@concurrency_option
@knowledge_option
def fix_command(
    countries: tuple[str, ...],
    accounts: tuple[str, ...],
    subaccounts: str | None,
    product: str,
    from_audit: str | None,
    prefer: str | None,
    apply: bool,
    yes: bool,
    audit_log: str | None,
    fmt: str,
    api_url: str | None,
    timeout: float,
    concurrency: int | None,
    knowledge_dirs: tuple[str, ...],
) -> None:
    """Enable countries in geo permissions, as the knowledge's fix steps say: plan, then --apply.

    \b
      diagnose fix --country FR                         the plan for the authenticated account
      diagnose fix --country FR --subaccounts all       every subaccount too (parents first)
      diagnose fix --country FR --product sms --apply   send it, after confirmation
      diagnose audit --countries FR --format json | diagnose fix --from-audit - --apply --yes

    Console-only (high-risk) and blocked countries are never sent: their Console
    steps are printed. Every change is read back and appended to the audit log.
    Exit codes: 0 every country usable, 1 gaps remain (or a dry run with changes),
    2 bad input or no confirmation, 3 Twilio unreachable, a change failed or an account unreadable,
    130 interrupted (Ctrl-C: what was changed so far is printed, and is in the audit log).
    """
    from ..audit import parse_products
    from ..evidence import check_account_sid
    from ..gateway import TwilioAccess, credentials_from_env
    from . import exit_codes
    from ._common import fail, load_kb
    from .audit import _parse_subaccounts
    from .audit_log import default_audit_log_path

    try:
        products = list(parse_products(product))
        pairs = None
        if from_audit is not None:
            if countries or accounts or subaccounts:
                raise InputError(
                    "--from-audit takes the accounts and countries from the audit: "
                    "drop --country, --account and --subaccounts"
                )
            handle, name = _open_audit(from_audit)
            try:
                pairs = [p for p in gaps_from_audit(handle, name) if p[2] in products]
            finally:
                # Standard input stays open (a TextIOWrapper closes what it wraps when it goes).
                handle.detach() if from_audit == "-" else handle.close()
            countries_list = list(dict.fromkeys(p[1] for p in pairs))
            account_list = list(dict.fromkeys(p[0] for p in pairs))
            scope_subaccounts = None
            if not pairs:
                click.echo("The audit found nothing missing: nothing to fix.")
                sys.exit(exit_codes.OK)
        else:
            if not countries:
                raise InputError("give --country (e.g. --country FR), or --from-audit FILE")
            countries_list = parse_countries(countries)
            if accounts and subaccounts:
                raise InputError("give either --account or --subaccounts, not both")
            account_list = [check_account_sid(a) for a in accounts]
            scope_subaccounts = _parse_subaccounts(subaccounts)
        kb = load_kb(knowledge_dirs)
        log_path = Path(audit_log) if audit_log else default_audit_log_path(os.environ)
        creds = credentials_from_env(os.environ)
        from ..audit_reads import DEFAULT_CONCURRENCY

        workers = concurrency or DEFAULT_CONCURRENCY
        with TwilioAccess(creds, api_url=api_url, timeout=timeout, max_workers=workers) as access:
            code = run_fix(
                access,
                countries=countries_list,
                products=products,
                accounts=account_list,
                subaccounts=scope_subaccounts,
                pairs=pairs,
                prefer=prefer,
                kb=kb,
                apply=apply,
                yes=yes,
                audit_log_path=log_path,
                fmt=fmt,
                out=sys.stdout,
                concurrency=workers,
            )
    except DiagnoseError as err:
        fail(err)
    sys.exit(code)
