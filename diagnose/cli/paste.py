"""Pasted errors and logs on the command line: ``diagnose -``, ``diagnose FILE``, ``diagnose 'text'``,
``diagnose 21408`` and ``diagnose triage FILE…|-``.

The edge: reads stdin or files as bytes (any bytes), decides online or offline
from the credentials in the environment, prints, redacts secrets (and phone
numbers with ``--redact-numbers``) from every output and error message, and
maps the result to an exit code. Parsing and diagnosis are in
``diagnose.paste`` and ``diagnose.pipeline``.
"""

from __future__ import annotations

import contextlib
import functools
import io
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any

import click

from ..errors import DiagnoseError, InputError, WorkerDiedError
from ..formats import size_text
from ..safe_text import clean, json_controls
from . import exit_codes
from ._common import (
    api_url_option,
    color_option,
    knowledge_option,
    load_kb,
    output_width,
    timeout_option,
    use_color,
)
from ._router import CodeArg, FileArg, SidArg, StdinArg, TextArg, route

if TYPE_CHECKING:
    from ..paste import WordingTable

NO_ERROR_FOUND = "no Twilio error found in the input"
_CREDENTIAL_VARS = ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_API_KEY", "TWILIO_API_SECRET")


def kind_of(arg: str) -> str:
    """What a bare argument is, as the input router decides: ``sid``, ``stdin``, ``file``, ``code`` or ``text``."""
    routed = route(arg)
    return {SidArg: "sid", StdinArg: "stdin", FileArg: "file", CodeArg: "code", TextArg: "text"}[type(routed)]


def _scrub(
    text: str,
    redact_numbers: bool,
    evidence: Sequence[Any] = (),
    report: Any = None,
    knowledge: Callable[[], Any] | None = None,
) -> str:
    """``text`` without secrets and, ``redact_numbers``, without phone numbers: those of ``evidence`` too,
    as the paste wrote them (without '+', in national format); the examples ``report``'s knowledge writes stay."""
    from ..paste import mask_numbers, redact_secrets

    text = redact_secrets(text)
    if not redact_numbers:
        return text
    from ..redaction import evidence_numbers, mask_report

    known = evidence_numbers(evidence)
    if report is None or knowledge is None:
        return mask_numbers(text, known=known)
    return mask_report(text, report, knowledge(), known)


def _fail(message: str, code: int, redact_numbers: bool = False) -> None:
    click.echo(f"diagnose: error: {clean(_scrub(message, redact_numbers))}", err=True)  # never raw to a terminal
    sys.exit(code)


def _open(arg: str, kind: str) -> IO[bytes]:
    if kind == "stdin":
        if sys.stdin.isatty():  # typed, not piped: without this it waits in silence, and looks hung
            end = "Ctrl-Z then Enter" if sys.platform == "win32" else "Ctrl-D on a line of its own"
            click.echo(f"diagnose: paste the error text, then press {end}", err=True)
            return io.BufferedReader(_TypedEnd(sys.stdin.buffer.raw))
        return sys.stdin.buffer
    try:
        return open(arg, "rb")
    except IsADirectoryError as err:  # worded as a paste's argument that names a folder is
        raise InputError(f"cannot read {arg}: it is a folder, not a file") from err
    except OSError as err:
        raise InputError(f"cannot read {arg}: {err.strerror or err}") from err


class _TypedEnd(io.RawIOBase):
    """A terminal's input, whose first end (Ctrl-D) ends it for good, as a file's end does: a terminal's is
    one read long, and a reader that reads again after a short read would wait for a second Ctrl-D."""

    def __init__(self, raw: Any) -> None:
        self._raw = raw
        self._ended = False

    def readable(self) -> bool:
        return True

    def fileno(self) -> int:
        return int(self._raw.fileno())

    def readinto(self, buffer: Any) -> int:
        if self._ended:
            return 0
        got = self._raw.readinto(buffer) or 0
        self._ended = got == 0
        return got


class _Progress:
    """Bytes read, as a bar on stderr (``cli.progress``): only on a terminal, only for big inputs (> 32 MB)."""

    def __init__(self, total: int | None, label: str) -> None:
        from .progress import Progress

        self.done = 0
        big = total is not None and total > 32 * 1024 * 1024
        # counted in MB so the bar's counter stays short
        self._bar = Progress(
            total=(total or 0) // 1_000_000 or None, label=f"{label} (MB)", enabled=None if big else False
        )
        self._mb = 0

    def __call__(self, size: int) -> None:
        self.done += size
        mb = self.done // 1_000_000
        if mb > self._mb:
            self._bar.advance(mb - self._mb)
            self._mb = mb

    def relabel(self, label: str) -> None:
        self._bar.relabel(f"{label} (MB)")

    def close(self) -> None:
        self._bar.close()


def _size(handle: IO[bytes]) -> int | None:
    try:
        return os.fstat(handle.fileno()).st_size or None
    except (OSError, ValueError, AttributeError):
        return None


def read_evidence(args: Sequence[str], table: WordingTable | None = None) -> list[Any]:
    """Every error in the pasted arguments, in order (``table``: the wordings to know them by)."""
    from ..models import Evidence
    from ..paste import extract, scan

    found: list[Evidence] = []
    for arg in args:
        kind = kind_of(arg)
        if kind == "sid":
            raise InputError(f"{arg} is a SID: diagnose SIDs and pasted text in separate runs")
        if kind == "code":
            found.append(Evidence(kind="paste", code=int(arg.strip()), format="code", code_source="printed"))
        elif kind == "text":
            errors = extract(arg, table=table)
            if not errors:
                _refuse_a_missing_file(arg)
            found.extend(errors)
        else:
            handle = _open(arg, kind)
            try:
                name = arg if kind == "file" else "standard input"
                progress = _Progress(_size(handle), arg if kind == "file" else "stdin")
                text, unpacked = _unpacked(handle, name, progress)
                found.extend(scan(text, progress=None if unpacked else progress, table=table))
                progress.close()
                if unpacked is not None and unpacked.problem:
                    click.echo(f"diagnose: {clean(name)}: {unpacked.problem}: what came before it is read", err=True)
            finally:
                if kind == "file":
                    handle.close()
    return found


def _unpacked(handle: IO[bytes], name: str, progress: _Progress) -> tuple[Any, Any]:
    """The text of ``handle``, decompressed when it is a gzip, bzip2 or xz file (said on stderr), and the
    :class:`~diagnose.paste.Decompressed` reader then (it counts the compressed bytes for ``progress``)."""
    from ..paste import decompressed

    text, unpacked = decompressed(handle, name, progress)
    if unpacked is not None:
        click.echo(f"diagnose: reading {clean(name)} as {unpacked.kind}-compressed text", err=True)
    return text, unpacked


def _refuse_a_missing_file(arg: str) -> None:
    """Text with no error in it that names a file or folder: say why the file was not read, not "no error"."""
    from ._router import looks_like_path

    word = arg.strip()
    if os.path.isdir(word):
        raise InputError(f"cannot read {word}: it is a folder, not a file")
    if looks_like_path(word):
        raise InputError(f"cannot read {word}: no such file (and as text it holds no Twilio error)")


def _unknown_codes(args: Sequence[str], knowledge: Callable[[], Any]) -> None:
    """A bare code that neither the index nor the knowledge has is refused, as ``diagnose explain`` refuses it."""
    from ..codes import unknown_code
    from ..knowledge import lookup_error

    for arg in args:
        routed = route(arg)
        if isinstance(routed, CodeArg) and knowledge().get(routed.code) is None and lookup_error(routed.code) is None:
            raise InputError(unknown_code(routed.code))


def _has_credentials() -> bool:
    return any(os.environ.get(name) for name in _CREDENTIAL_VARS)


@dataclass(frozen=True)
class PasteRun:
    """The options ``diagnose -|FILE|TEXT|CODE`` and ``diagnose triage`` share: how to diagnose, how to print."""

    fmt: str
    offline: bool
    api_url: str | None
    timeout: float
    knowledge: Callable[[], Any]  # loads the KnowledgeBase when first needed
    redact_numbers: bool
    color: bool = False
    own_knowledge: bool = False  # --knowledge DIR: its codes' wordings are read in pastes too
    account: str | None = None  # --account: the account that sent the errors whose text names none

    def table(self) -> WordingTable | None:
        """The wordings errors are known by: the built-in ones (None), or with those of --knowledge folders."""
        from ..paste import table_for

        return table_for(self.knowledge()) if self.own_knowledge else None

    @property
    def lacks_credentials(self) -> bool:
        """Offline only for want of credentials (not --offline): the report then says how to confirm."""
        return not self.offline and not _has_credentials()

    def diagnose(self, evidence: Sequence[Any]) -> Any:
        """Offline without credentials (or with --offline), else through the read planner."""
        from ..pipeline import diagnose_pasted, diagnose_pasted_online

        evidence = _with_account(evidence, self.account)
        if self.offline:
            return diagnose_pasted(evidence, self.knowledge())
        if self.lacks_credentials:
            return _say_how_to_confirm(diagnose_pasted(evidence, self.knowledge()))
        from ..gateway import TwilioAccess, credentials_from_env

        creds = credentials_from_env(os.environ)
        with TwilioAccess(creds, api_url=self.api_url, timeout=self.timeout) as access:
            return diagnose_pasted_online(evidence, access, self.knowledge)

    def fail(self, err: DiagnoseError) -> None:
        _fail(str(err), exit_codes.for_error(err), self.redact_numbers)

    def finish(self, text: str, report: Any) -> None:
        """Print ``text`` (secrets, and numbers if asked, redacted) and exit with the worst verdict's code."""
        evidence = [d.evidence for d in report.diagnoses]
        click.echo(_scrub(text, self.redact_numbers, evidence, report, self.knowledge), color=self.color or None)
        sys.exit(exit_codes.for_diagnoses(report.diagnoses))


_HOW_TO_CONFIRM = (
    " Offline: no Twilio credentials were set. With TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN of the account"
    " that sent it (or of its parent), the same command reads its geo permissions and confirms the cause."
)


_HOW_TO_CONFIRM_ALL = (
    "Offline: no Twilio credentials were set. With TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN of the account that"
    " sent them (or of its parent), the same command reads each account's geo permissions once and confirms the"
    " cause of every group."
)


def _say_how_to_confirm(report: Any) -> Any:
    """An answer that reading the account would decide says so in its first lines, not only in the notes."""
    import dataclasses

    out = [
        dataclasses.replace(d, summary=d.summary + _HOW_TO_CONFIRM)
        if d.verdict in ("likely", "inconclusive") and d.evidence.format != "code"  # a code alone: no country to read
        else d
        for d in report.diagnoses
    ]
    return dataclasses.replace(report, diagnoses=tuple(out))


def _with_account(evidence: Sequence[Any], account: str | None) -> Sequence[Any]:
    """--account: the account of every error whose text names none (one that names its own keeps it)."""
    if not account:
        return evidence
    return [_account_of(e, account) for e in evidence]


def _account_of(evidence: Any, account: str | None) -> Any:
    """One error, given ``account`` (--account) when its text names none."""
    import dataclasses

    return evidence if evidence.account_sid or not account else dataclasses.replace(evidence, account_sid=account)


def _say_which_account(report: Any) -> Any:
    """An error that names no account was read as the credentials' account: its first lines say so.

    A confirmed cause on the wrong account (the parent's, when a subaccount sent it) would be
    acted on as it stands, so the assumption is not left to the facts far below.
    """
    import dataclasses

    out = []
    for d in report.diagnoses:
        fact = d.facts.get("account_sid") or {}  # the report's facts are plain dicts, as JSON writes them
        read = fact.get("value") if fact.get("known") else None
        if d.evidence.account_sid is None and isinstance(read, str) and read:
            note = (
                f" The pasted error names no account: {read}, the account of the credentials, was read. If another"
                " account (a subaccount) sent it, run again with `--account AC…`."
            )
            d = dataclasses.replace(d, summary=d.summary + note)
        out.append(d)
    return dataclasses.replace(report, diagnoses=tuple(out))


def _say_what_decides_a_code(report: Any, args: Sequence[str]) -> Any:
    """A bare code: say in the first lines what would decide it (credentials alone cannot: no country, no
    account) and where the full explanation is."""
    import dataclasses

    codes = {int(a) for a in args if kind_of(a) == "code"}
    if not codes:
        return report
    out = []
    for d in report.diagnoses:
        if d.evidence.format == "code" and d.evidence.code in codes and d.verdict != "no-knowledge":
            note = (
                f" Diagnosed from the code alone: paste the error text (it names the 'To' number) or pass the"
                f" message or call SID to decide between the causes; `diagnose explain {d.evidence.code}` explains"
                " the code in full."
            )
            d = dataclasses.replace(d, summary=d.summary + note)
        out.append(d)
    return dataclasses.replace(report, diagnoses=tuple(out))


def run_paste(args: Sequence[str], run: PasteRun) -> None:
    """``diagnose -|FILE|TEXT|CODE``: one diagnosis per distinct error, then exit with the worst verdict."""
    from ..render import render_report

    try:
        evidence = read_evidence(args, run.table())
        _unknown_codes(args, run.knowledge)
        if not evidence:
            click.echo(f"diagnose: {NO_ERROR_FOUND}", err=True)
            sys.exit(exit_codes.UNRESOLVED)
        report = run.diagnose(evidence)
        if not (run.offline or run.lacks_credentials):
            report = _say_which_account(report)
        report = _say_what_decides_a_code(report, args)
        text = render_report(report, run.fmt, color=run.color)
    except DiagnoseError as err:
        run.fail(err)
        return
    run.finish(text, report)


# --------------------------------------------------------------------------- triage


def _workers() -> int:
    """Processes that read a big log's errors: one per core this process may run on (at most 4)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(4, cores))


@dataclass
class _Named:
    """One input a triage names, checked (its compression told) before any is read.

    A regular file is only held open while it is read (:meth:`opened`): a rotated set may name more
    files than a process may hold open. Standard input, a FIFO or a device stays open from the check on,
    its first bytes kept: it cannot be opened again where it was."""

    name: str  # as the report shows it: the path as given, or "standard input"
    path: str | None = None  # a regular file's, opened again to be read; None: ``held`` is read
    held: IO[bytes] | None = None  # standard input, a FIFO or a device, open since the check
    inode: tuple[int, int] | None = None  # a regular file's device and inode when checked
    size: int = 0  # a regular file's size when checked (the bar's total)
    bytes: int = 0  # read so far (of a compressed file, its compressed bytes)
    errors: int = 0
    text: Any = None  # what scan reads: the handle, or the Decompressed reader over it
    unpacked: Any = None  # that Decompressed reader, or None
    problem: str | None = None
    bar: _Progress | None = None

    def __call__(self, size: int) -> None:
        """Bytes read from this file: counted here and on the overall bar."""
        self.bytes += size
        if self.bar is not None:
            self.bar(size)

    @contextlib.contextmanager
    def opened(self) -> Iterator[bool]:
        """``text`` and ``unpacked`` set while the file is open: a regular file opened again for this, and
        closed after, so that one file at a time is open (and forked workers inherit no other). True when
        it can be read; else ``problem`` says why (it went, or became zstd, since it was checked)."""
        if self.path is None:
            yield True
            return
        try:
            handle = _open(self.path, "file")
        except InputError as err:  # gone (or locked) since the check: the others are still read
            self.problem = f"{err} (it could be read when the files were checked)"
            yield False
            return
        with handle:
            if _inode(handle) != self.inode:  # rotated meanwhile: what the name holds now is read
                click.echo(
                    f"diagnose: {clean(self.name)} was replaced after it was checked: read as it is now", err=True
                )
            try:
                self.text, self.unpacked = _decompressed(self, handle)
            except InputError as err:
                self.problem = str(err)
                yield False
                return
            try:
                yield True
            finally:
                self.text = None  # the handle is closed: nothing reads it any more


def _check_all(sources: Sequence[str]) -> list[_Named]:
    """Every named file checked before any is read (it exists, is no folder, may be read, its compression is
    one diagnose reads), so that a missing, unreadable or refused one stops the run before it prints anything
    (as ``diagnose FILE FILE`` does), naming each: a file read and then thrown away would be worse. A regular
    file is opened, looked at and closed again (:meth:`_Named.opened` opens it to read it), so a set of more
    files than the open-file limit is read. A file named twice (the same inode) is read once, and stderr says so."""
    from ..paste._compressed import HEAD, refuse

    checked: list[_Named] = []
    refused: list[str] = []
    seen: dict[tuple[int, int], str] = {}
    several = ": nothing was read" if len(sources) > 1 else ""
    for source in sources:
        stdin = source == "-"
        name = "standard input" if stdin else source
        try:
            handle = _open(source, "stdin" if stdin else "file")
        except InputError as err:
            refused.append(str(err))
            continue
        same = _inode(handle)
        if same is None or stdin:  # kept open: a pipe's first bytes, once read, are read here
            named = _Named(name, held=handle)
        else:
            with handle:
                size = _size(handle) or 0
                head = os.pread(handle.fileno(), HEAD, 0)
            named = _Named(name, path=source, inode=same, size=size)
            try:
                refuse(head, name)
            except InputError as err:  # zstd or zip: the command that reads it
                refused.append(str(err))
                continue
        if same is not None and same in seen:
            again = "named twice" if seen[same] == name else f"{clean(seen[same])} (the same file)"
            click.echo(f"diagnose: {clean(name)} is {again}: read once", err=True)
            continue
        if same is not None:
            seen[same] = name
        checked.append(named)
    if refused:
        raise InputError("; ".join(refused) + several)
    for named in checked:
        if named.held is not None:
            try:
                named.text, named.unpacked = _decompressed(named, named.held)
            except InputError as err:
                refused.append(str(err))
    if refused:
        raise InputError("; ".join(refused) + several)
    return checked


def _decompressed(named: _Named, handle: IO[bytes]) -> tuple[Any, Any]:
    from ..paste import decompressed

    return decompressed(handle, named.name, named)


def _inode(handle: IO[bytes]) -> tuple[int, int] | None:
    """A regular file's device and inode (the same file under two names, or on stdin too), else None."""
    import stat

    try:
        info = os.fstat(handle.fileno())
    except (OSError, ValueError, AttributeError):
        return None
    return (info.st_dev, info.st_ino) if stat.S_ISREG(info.st_mode) else None


def _not_read(opened: Sequence[_Named], started: int) -> str:
    rest = [n.name for n in opened[started:]]
    return f" (not read: {', '.join(rest)})" if rest else ""


def run_triage(sources: Sequence[str], run: PasteRun) -> None:
    """``diagnose triage FILE…|-``: stream each log in turn into one grouping, diagnose each group once."""
    import dataclasses
    import datetime
    import json

    from ..next_steps import gather
    from ..paste import Groups, scan
    from ..render.triage import SourceRead, TriageView, triage_data, triage_html, triage_markdown, triage_text

    several = len(sources) > 1
    try:
        with contextlib.ExitStack() as stack:
            try:
                opened = _check_all(sources)
            except KeyboardInterrupt:  # standard input's first bytes were waited for: nothing was read
                click.echo(f"diagnose: interrupted after {size_text(0)}: {NO_ERROR_FOUND} so far", err=True)
                sys.exit(exit_codes.INTERRUPTED)
            for named in opened:  # a FIFO named among the files is closed at the end, not standard input
                if named.held is not None and named.name != "standard input":
                    stack.callback(named.held.close)
            several = len(opened) > 1
            # one bar over all the files; none when a pipe's size is not known
            pipe = any(n.held is not None and _inode(n.held) is None for n in opened)
            total_size = None if pipe else sum(n.size if n.held is None else _size(n.held) or 0 for n in opened)
            progress = _Progress(total_size, "stdin" if opened[0].name == "standard input" else opened[0].name)
            for named in opened:
                named.bar = progress
            # now: the year of a syslog timestamp, which has none
            now = datetime.datetime.now(datetime.timezone.utc)
            groups = Groups(now=now)
            interrupted = False
            died: WorkerDiedError | None = None
            started = 0
            table = run.table()
            try:
                for named in opened:
                    started += 1
                    if several:
                        progress.relabel(named.name)
                    with named.opened() as readable:
                        if not readable:
                            continue
                        if named.unpacked is not None:
                            kind = named.unpacked.kind
                            progress.close()  # the bar's line cleared, so that this line stands alone; it comes back
                            click.echo(f"diagnose: reading {clean(named.name)} as {kind}-compressed text", err=True)
                        found = scan(
                            named.text,
                            progress=None if named.unpacked else named,
                            workers=_workers(),
                            merge=True,
                            now=now,
                            table=table,
                        )
                        for evidence in found:
                            evidence = _account_of(evidence, run.account)  # --account: grouped as if the log named it
                            groups.add(evidence, named.name)
                            named.errors += evidence.count
                        if named.unpacked is not None and named.unpacked.problem:
                            named.problem = named.unpacked.problem
            except KeyboardInterrupt:
                # Ctrl-C: what was read so far is still reported, diagnosed offline (no read is started now)
                interrupted, run = True, dataclasses.replace(run, offline=True)
                if started:
                    opened[started - 1].problem = "interrupted (Ctrl-C)"
            except WorkerDiedError as err:
                died = err  # what the workers handed back before it is still reported, then one line says why
                opened[started - 1].problem = str(err)
            finally:
                progress.close()
        bytes_read = sum(n.bytes for n in opened)  # the bar missed standard input's first bytes, read to open it
        mb = size_text(bytes_read)
        where = f", in {opened[max(started, 1) - 1].name}{_not_read(opened, started)}" if several else ""
        read_so_far = f"interrupted after {mb}{where}"
        problem = f"{died} after {mb} read{where}" if died else None
        if problem is None and not interrupted:
            damaged = [n for n in opened if n.problem]
            if damaged:
                problem = "; ".join(f"{n.name}: {n.problem}" if several else n.problem or "" for n in damaged)
        if not groups.total:
            if problem:
                found = "in what was read" if several else "before it"
                _fail(f"{problem}; no Twilio error found {found}", exit_codes.WORKER_DIED)
            click.echo(f"diagnose: {read_so_far}: " if interrupted else "diagnose: ", nl=False, err=True)
            click.echo(NO_ERROR_FOUND + (" so far" if interrupted else ""), err=True)
            sys.exit(exit_codes.INTERRUPTED if interrupted else exit_codes.UNRESOLVED)
        rows = groups.rows()
        merged = [row.evidence for row in rows]
        try:
            report = run.diagnose(merged)
        except KeyboardInterrupt:
            # Ctrl-C while the accounts are read: what was read is still reported, diagnosed offline.
            interrupted, run = True, dataclasses.replace(run, offline=True)
            report = run.diagnose(merged)
        if not (run.offline or run.lacks_credentials):
            report = _say_which_account(report)  # as a paste says it: the group names no account
        failures = [row.failures for row in rows]
        steps = gather(merged, report.diagnoses, run.knowledge().get, [row.record_share for row in rows], failures)
        name = ", ".join(n.name for n in opened)
        preface = ""  # why the report holds less than the whole input, said before it
        if interrupted:
            preface = f"diagnose triage was {read_so_far}: what was read so far, diagnosed offline."
        elif problem:
            also = " and in the other files" if several and not died else ""
            preface = f"diagnose triage stopped short: {problem}. The errors read before it{also}:"
        view = TriageView(
            merged,
            report,
            steps,
            source=name,
            bytes_read=bytes_read,
            total=groups.total,
            sources=[SourceRead(n.name, n.bytes, n.errors, _kind(n), n.problem) for n in opened[:started]],
            origins=[row.origin for row in rows],
            failures=failures,
            all_failures=groups.failed(),
            offline_hint=_HOW_TO_CONFIRM_ALL if run.lacks_credentials else "",
            preface=preface,
            interrupted=interrupted,
            problem=problem,
        )
        if run.fmt == "json":
            text = json_controls(json.dumps(triage_data(view), indent=2, ensure_ascii=False, default=str))
        elif run.fmt in ("markdown", "html"):
            text = triage_markdown(view)
            if run.fmt == "html":
                text = triage_html(text, f"{name}: {groups.total:,} Twilio errors")
        else:
            text = triage_text(view, width=output_width(), color=run.color)
            if preface:
                text = f"{preface}\n\n{text}"
    except DiagnoseError as err:
        run.fail(err)
        return
    if interrupted:
        click.echo(_scrub(text, run.redact_numbers, merged, report, run.knowledge), color=run.color or None)
        sys.exit(exit_codes.INTERRUPTED)
    if problem:
        click.echo(_scrub(text, run.redact_numbers, merged, report, run.knowledge), color=run.color or None)
        also = " and in the other files" if several and not died else ""
        _fail(f"{problem}: the report holds the errors read before it{also}", exit_codes.WORKER_DIED)
    run.finish(text, report)


def _kind(named: _Named) -> str | None:
    return named.unpacked.kind if named.unpacked is not None else None


def _one_stdin(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]) -> tuple[str, ...]:
    if value.count("-") > 1:
        raise click.BadParameter("'-' (standard input) may be named once", ctx=ctx, param=param)
    return value


@click.command("triage")
@click.argument("sources", metavar="FILE...|-", nargs=-1, required=True, callback=_one_stdin)
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json", "markdown", "html"]), default="text", show_default=True
)
@click.option("--offline", is_flag=True, help="Diagnose from the log alone, even with credentials.")
@click.option("--redact-numbers", is_flag=True, help="Mask phone numbers in the output (+33*******78).")
@click.option(
    "--account",
    metavar="AC…",
    help="The account that sent the errors whose log names none (default: the credentials' account).",
)
@api_url_option
@timeout_option
@color_option
@knowledge_option
def triage_command(
    sources: tuple[str, ...],
    fmt: str,
    offline: bool,
    redact_numbers: bool,
    account: str | None,
    api_url: str | None,
    timeout: float,
    color: str,
    knowledge_dirs: tuple[str, ...],
) -> None:
    """Read logs of any size (gzip, bzip2 or xz too); group their Twilio errors by code, country and account;
    diagnose each group.

    Several files (a rotated set: app.log*) are read in the order named into one summary; - is standard
    input, alone or among them, at most once. A file that cannot be read (missing, a folder, no permission)
    stops the run before any is read (exit 2). --format markdown gives the report for a ticket or a chat,
    html a self-contained page, json the stable contract."""
    knowledge = functools.cache(functools.partial(load_kb, knowledge_dirs))  # diagnosis and next steps share it
    from ..evidence import check_account_sid

    try:  # before anything is read, as `diagnose - --account` refuses it
        account = check_account_sid(account) if account else None
    except InputError as err:
        _fail(str(err), exit_codes.BAD_INPUT)
    run = PasteRun(
        fmt, offline, api_url, timeout, knowledge, redact_numbers, color=use_color(color) and fmt == "text",
        own_knowledge=bool(knowledge_dirs), account=account,
    )  # fmt: skip
    run_triage(sources, run)


__all__ = ["PasteRun", "kind_of", "run_paste", "run_triage", "triage_command"]
