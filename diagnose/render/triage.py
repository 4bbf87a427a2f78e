"""``diagnose triage`` output: text (what to do first, then the groups) and the JSON document
(described in docs/report-format.md, "Other JSON outputs")."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..countries import country_name
from ..formats import counted, size_text
from ..models import Diagnosis, Evidence
from ..next_steps import NextStep, Target, step_to_dict
from ..report import NOT_CONFIRMED_ONLINE
from ..safe_text import clean
from ._text import KEEP, WIDTH, Styler, plain_emphasis, wrap
from ._views import _known_value

if TYPE_CHECKING:
    from ..paste import Failures

_PRODUCT = {"sms": "SMS", "voice": "Voice"}
_NO_ACCOUNT = "the account that sent them (not in the log)"
_UNKNOWN_ACCOUNT = "an account not known (their messages or calls were not read)"
_SHOWN_GROUPS = 8  # group numbers listed in a step's line before "…"
_SHOWN_TARGETS = 12  # accounts listed in a step's text; JSON lists them all
_SHOWN_SOURCES = 20  # files listed under the text's first line; JSON lists them all
_SHOWN_REASONS = 2  # why the reads did not decide a step, before "… and N more"


@dataclass(frozen=True)
class SourceRead:
    """One file (or standard input) a triage read: its bytes (compressed ones, of a compressed file), the
    Twilio errors found in it, its compression (``gzip``, ``bzip2``, ``xz`` or None) and why its reading
    stopped short (None when it was read to the end)."""

    name: str
    bytes: int
    errors: int
    compressed: str | None = None
    problem: str | None = None


@dataclass(frozen=True)
class TriageView:
    """What a triage report shows, in every format: the groups (one evidence each, biggest first, with its
    count and span), their report (one diagnosis per group, same order) and the steps gathered from them
    (:func:`diagnose.next_steps.gather`); what was read (``source``: the names; ``bytes_read``; ``total``: the
    errors; ``sources``: each file, listed under the first line when more than one); per group, the file its
    first error (its diagnosis' evidence, ``line`` and ``excerpt``) was read from (``origins``; ``source``
    for every group when None) and its distinct failures (``failures``, :meth:`diagnose.paste.Groups.failures`;
    each occurrence one when None); the distinct failures of them all (``all_failures``,
    :meth:`diagnose.paste.Groups.failed`: a SID in two groups once; the groups' added up when None);
    ``offline_hint``: one sentence saying how to confirm the causes, when nothing could be read; ``preface``: a
    sentence above it all (why the reading stopped short)."""

    groups: Sequence[Evidence]
    report: Any
    steps: Sequence[NextStep]
    source: str
    bytes_read: int
    total: int
    sources: Sequence[SourceRead] = ()
    origins: Sequence[str | None] | None = None
    failures: Sequence[Failures] | None = None
    offline_hint: str = ""
    preface: str = ""
    interrupted: bool = False  # Ctrl-C stopped the reading (JSON's ``interrupted``)
    problem: str | None = None  # why the reading stopped short otherwise (JSON's ``problem``)
    all_failures: Failures | None = None

    def told(self) -> Sequence[Failures]:
        """Per group, its distinct failures; each occurrence one when they were not told."""
        if self.failures is not None:
            return self.failures
        from ..paste import Failures

        return [Failures(e.count) for e in self.groups]

    def failed(self) -> tuple[int, bool]:
        """The distinct failures of every group together, and whether that is a lower bound (past the cap)."""
        if self.all_failures is not None:
            return self.all_failures.count, self.all_failures.at_least
        told = self.told()
        return sum(f.count for f in told), any(f.at_least for f in told)


def sources_data(sources: Sequence[SourceRead]) -> list[dict[str, Any]]:
    return [
        {"name": s.name, "bytes": s.bytes, "errors": s.errors, "compressed": s.compressed, "problem": s.problem}
        for s in sources
    ]


def triage_data(view: TriageView) -> dict[str, Any]:
    """The JSON document (docs/report-format.md, "Other JSON outputs")."""
    from ._json import report_data

    data = report_data(view.report)["diagnoses"]
    origins = [view.source] * len(view.groups) if view.origins is None else view.origins
    failures, at_least = view.failed()
    return {
        "source": view.source,
        "sources": sources_data(view.sources),
        "bytes": view.bytes_read,
        "errors": view.total,
        "next_steps": [step_to_dict(step) for step in view.steps],
        "groups": [
            {
                "code": e.code,
                "country": e.country,
                "account_sid": e.account_sid,
                "count": e.count,
                "failures": f.count,
                "failures_at_least": f.at_least,
                "first_seen": e.first_seen,
                "last_seen": e.last_seen,
                "source": origin,
                "diagnosis": d,
            }
            for e, d, origin, f in zip(view.groups, data, origins, view.told(), strict=True)
        ],
        "interrupted": view.interrupted,
        "problem": view.problem,
        "failures": failures,
        "failures_at_least": at_least,
    }


def triage_text(view: TriageView, *, width: int = WIDTH, color: bool = False) -> str:
    """The answer first (what to do, gathered by action), then the table of groups, then each group's diagnosis.

    ``color``: the first line and the headings in bold, each group's verdict in the table in its colour, as a
    pasted error's report has them. Each group says its distinct failures beside its occurrences where they
    differ. ``view.preface`` is the command's to print above it (after the colours)."""
    groups, report, steps = view.groups, view.report, view.steps
    lines = [_headline(view)]
    if len(view.sources) > 1:
        lines += _sources(view.sources)
    lines.append("")
    if steps:
        lines += _what_to_do(steps, view.offline_hint, width, report.diagnoses)
        lines.append("")
    table_at = sum(item.count("\n") + 1 for item in lines)  # the table's header line, in the text's lines
    lines += _table(groups, report.diagnoses, view.told())
    lines += ["", "Groups"]
    for i, (e, d, f) in enumerate(zip(groups, report.diagnoses, view.told(), strict=True), 1):
        lines += _group(i, e, d, width, f)
    text = clean("\n".join(lines))  # what a log or a knowledge file holds never reaches a terminal raw
    return _colored(text, table_at, report.diagnoses) if color else text


def _colored(text: str, table_at: int, diagnoses: Sequence[Diagnosis]) -> str:
    """``text`` (already clean) with its first line and headings bold and the table's verdicts coloured."""
    style = Styler(True)
    out = text.split("\n")
    for at, line in enumerate(out):
        if at == 0 or (line in ("What to do", "Groups") and at != table_at):
            out[at] = style(line, "bold")
    out[table_at] = style(out[table_at], "bold")
    for at, d in enumerate(diagnoses, table_at + 1):
        said = clean(_verdict(d))
        if at < len(out) and out[at].endswith(said):
            out[at] = out[at][: -len(said)] + style.verdict(d.verdict) + said[len(d.verdict) :]
    return "\n".join(out)


def _headline(view: TriageView, name: Callable[[str], str] = str) -> str:
    """The first line: what was read (``name`` shows a file's name), how many errors and groups, how much."""
    several = len(view.sources) > 1
    return (
        f"{f'{len(view.sources):,} files' if several else name(view.source)}: "
        f"{_told(*view.failed(), view.total, 'Twilio error')} in {counted(len(view.groups), 'group')} "
        f"({size_text(view.bytes_read)} read)"
    )


def triage_markdown(view: TriageView) -> str:
    """The text report's content as Markdown, for a ticket, an issue or a chat: the same order (what to do,
    the groups, each group's diagnosis), every value from the log escaped or in a code span, ``view.preface``
    quoted above it all."""
    from ._markdown import code, escape, item, prose

    groups, report, steps, sources = view.groups, view.report, view.steps, view.sources
    offline_hint = view.offline_hint
    out = [f"# {_headline(view, name=code)}", ""]
    if view.preface:
        out += [f"> {escape(view.preface)}", ""]
    if len(sources) > 1:
        out += ["| file | errors | size | |", "|---|---:|---|---|"]
        for s in sources[:_SHOWN_SOURCES]:
            size = size_text(s.bytes) + (f" {s.compressed}" if s.compressed else "")
            short = "stopped short" if s.problem else ""
            out.append(f"| {code(s.name, cell=True)} | {s.errors:,} | {size} | {short} |")
        if len(sources) > _SHOWN_SOURCES:
            out += ["", f"… and {len(sources) - _SHOWN_SOURCES:,} more files (`--format json` lists them all)."]
        out.append("")
    if steps:
        out += ["## What to do", ""]
        if offline_hint and any(step.kind == "check" for step in steps):
            out += [escape(offline_hint), ""]
        for n, step in enumerate(steps, 1):
            seen = f" · {_told(step.failures, step.failures_at_least, step.errors)} · {escape(_groups(step.groups))}"
            if step.kind == "fix":
                likely = "likely: " if step.verdict == "likely" else ""
                head = f"**{likely}{escape(step.title)}** ({code(step.cause)}, {step.code}){seen}"
            elif step.kind == "check":
                head = f"**No cause confirmed for {step.code}** ({escape(step.title)}){seen}"
            else:
                head = f"**{_explained(step)}**{seen}"
            out.append(f"{n}. {head}")
            # a step's lines are indented by its marker's width ("10. " is 4), or they fall out of its item
            sub = " " * len(f"{n}. ")
            if step.kind == "check":  # why reading the accounts did not decide it, as the text report says
                reasons = _unread_reasons(step, report.diagnoses)
                out += [f"{sub}- {escape(reason)}" for reason in reasons[:_SHOWN_REASONS]]
                if more := _more_reasons(reasons):
                    out.append(f"{sub}- {escape(more)}")
            for target in step.targets[:_SHOWN_TARGETS]:
                product = _PRODUCT.get(step.product or "", "")
                where = f"on {code(target.account_sid)}" if target.account_sid else f"on {_owner(target)}"
                countries = ", ".join(
                    f"{escape(iso or 'unknown country')} {failures:,}" for iso, _, failures in target.countries
                )
                line = f"{sub}- {f'{product} {where}'.strip()}: {countries}"
                # the command on a line of its own (a hard break), as the text report has it
                out += [f"{line}\\", f"{sub}  {code(target.command)}"] if target.command else [line]
                if hint := _read_first(step, target):
                    out.append(f"{sub}  {escape(hint)}")
            if len(step.targets) > _SHOWN_TARGETS:
                more = len(step.targets) - _SHOWN_TARGETS
                out.append(f"{sub}- … and {more:,} more accounts (`--format json` lists them all).")
            for number, text in step.advice:
                label = f"Group {number}: " if len(step.groups) > 1 else ""
                out.append(f"{sub}- {label}{item(text, len(sub) + 2)}")
            if len(step.groups) > len(step.advice) > 0:
                out.append(f"{sub}- The other groups' steps are in the groups below.")
            if step.command:
                lead = "Check every account at once (read-only): " if step.kind == "check" else ""
                out.append(f"{sub}- {lead}{code(step.command)}")
        if any(t.command for step in steps for t in step.targets):
            out += ["", "`diagnose fix` prints its plan and changes nothing without `--apply`."]
        out.append("")
    out += ["## Groups", ""]
    heads, counts = _counts(groups, view.told())
    out += [f"| # | {' | '.join(heads)} | code | country | account | first seen | last seen | diagnosis |"]
    out += [f"|---:|{'---:|' * len(heads)}---|---|---|---|---|---|"]
    for i, (e, d, count) in enumerate(zip(groups, report.diagnoses, counts, strict=True), 1):
        cells = (
            str(i),
            *count,
            _shown(e.code),
            escape(_where(e, d)),
            code(e.account_sid, cell=True) if e.account_sid else "-",
            escape(_seen(e.first_seen)),
            escape(_seen(e.last_seen)),
            escape(_verdict(d)),
        )
        out.append("| " + " | ".join(cells) + " |")
    for i, (e, d, f) in enumerate(zip(groups, report.diagnoses, view.told(), strict=True), 1):
        account = code(e.account_sid) if e.account_sid else "no account in the log"
        where = escape(_where(e, d))
        out += ["", f"### {i}. {_shown(e.code)} · {where} · {account} · {_times(e, f)} · {escape(_verdict(d))}", ""]
        open_causes = [c.id for c in d.causes if c.status in ("possible", "unknown")]
        if d.verdict == "inconclusive":
            if open_causes:
                unread = f" {escape(why)}" if (why := _unread(d)) else ""
                out.append(f"No cause confirmed; open: {', '.join(code(c) for c in open_causes)}.{unread}")
        elif d.summary:
            out.append(prose(d.summary))
        if d.fix[:3]:
            out.append("")
        for n, fix in enumerate(d.fix[:3], 1):
            out.append(f"{n}. {item(' '.join(fix.text.split()), 3)}")
        if e.code is not None:  # an unknown code has nothing to explain
            out += ["", f"More: {code(f'diagnose explain {e.code}')}"]
    return clean("\n".join(out))


def triage_html(markdown: str, title: str) -> str:
    """:func:`triage_markdown` as one self-contained page (raw HTML in it is escaped, never rendered)."""
    from ._env import render_html
    from ._markdown import to_html

    return render_html("triage.html.j2", {"stylesheet": "", "home": "", "title": title, "body": to_html(markdown)})


def _sources(sources: Sequence[SourceRead]) -> list[str]:
    shown = sources[:_SHOWN_SOURCES]
    rows = [
        (
            s.name,
            counted(s.errors, "error"),
            size_text(s.bytes) + (f" {s.compressed}" if s.compressed else ""),
            "(stopped short)" if s.problem else "",
        )
        for s in shown
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    lines = [
        f"  {name.ljust(widths[0])}  {errors.rjust(widths[1])}  {size.ljust(widths[2])}  {short}".rstrip()
        for name, errors, size, short in rows
    ]
    if len(sources) > len(shown):
        lines.append(f"  … and {len(sources) - len(shown):,} more files (--format json lists them all)")
    return lines


def _unread(d: Diagnosis) -> str:
    """Why the accounts' reads did not decide a group (its summary's last sentence), or ""."""
    at = d.summary.find(NOT_CONFIRMED_ONLINE)
    return d.summary[at:] if at >= 0 else ""


def _unread_reasons(step: NextStep, diagnoses: Sequence[Diagnosis]) -> list[str]:
    """The distinct reasons the accounts' reads did not decide a step's groups, in group order."""
    unread = [_unread(diagnoses[g - 1]) for g in step.groups if 0 < g <= len(diagnoses)]
    return list(dict.fromkeys(r for r in unread if r))


def _more_reasons(reasons: Sequence[str]) -> str:
    """What a step says of the reasons it does not show (text and Markdown alike), or ""."""
    more = len(reasons) - _SHOWN_REASONS
    return f"… and {counted(more, 'more reason')}: see the groups below." if more > 0 else ""


def _what_to_do(
    steps: Sequence[NextStep], offline_hint: str, width: int, diagnoses: Sequence[Diagnosis] = ()
) -> list[str]:
    lines = ["What to do"]
    if offline_hint and any(step.kind == "check" for step in steps):
        lines.append(wrap(offline_hint, indent=4, width=width))
    planned = False
    for n, step in enumerate(steps, 1):
        head = f"{n:>2}. "
        seen = f" · {_told(step.failures, step.failures_at_least, step.errors)} · {_groups(step.groups)}"
        if step.kind == "fix":
            likely = "likely: " if step.verdict == "likely" else ""
            text = f"{likely}{step.title} ({step.cause}, {step.code}){seen}"
        elif step.kind == "check":
            text = f"No cause confirmed for {step.code} ({step.title}){seen}"
        else:
            text = f"{_explained(step)}{seen}"
        lines.append(wrap(plain_emphasis(text), width=width, first=head, indent=len(head)))
        pad = " " * (len(head) + 2)
        if step.kind == "check":  # why reading the accounts did not decide it: what to fix first
            reasons = _unread_reasons(step, diagnoses)
            for reason in reasons[:_SHOWN_REASONS]:
                lines.append(wrap(reason, indent=len(pad), width=width))
            if more := _more_reasons(reasons):
                lines.append(wrap(more, indent=len(pad), width=width))
        for target in step.targets[:_SHOWN_TARGETS]:
            product = _PRODUCT.get(step.product or "", "")
            where = f"on {target.account_sid}" if target.account_sid else f"on {_owner(target)}"
            countries = ", ".join(  # "NL 1" is one item: a wrap between them reads as two
                f"{iso or f'unknown{KEEP}country'}{KEEP}{failures:,}" for iso, _, failures in target.countries
            )
            lines.append(wrap(f"{product} {where}: {countries}".strip(), indent=len(pad), width=width))
            if target.command:
                lines.append(f"{pad}  {target.command}")
                planned = True
            if hint := _read_first(step, target):
                lines.append(wrap(hint, indent=len(pad) + 2, width=width))
        if len(step.targets) > _SHOWN_TARGETS:
            more = len(step.targets) - _SHOWN_TARGETS
            lines.append(
                wrap(f"… and {more:,} more accounts (--format json lists them all).", indent=len(pad), width=width)
            )
        for number, text in step.advice:
            label = f"{pad}Group {number}: " if len(step.groups) > 1 else pad
            lines.append(wrap(plain_emphasis(text), width=width, first=label, indent=len(label)))
        if len(step.groups) > len(step.advice) > 0:
            lines.append(wrap("The other groups' steps are in the groups below.", indent=len(pad), width=width))
        if step.command:
            if step.kind == "check":
                lines.append(wrap("Check every account at once (read-only):", indent=len(pad), width=width))
            lines.append(f"{pad}  {step.command}")  # never wrapped: it is copied as it stands
    if planned:
        lines.append(wrap("`diagnose fix` prints its plan and changes nothing without --apply.", indent=4, width=width))
    return lines


def _table(groups: Sequence[Evidence], diagnoses: Sequence[Diagnosis], told: Sequence[Failures]) -> list[str]:
    heads, counts = _counts(groups, told)
    header = ("#", *heads, "code", "country", "account", "first seen", "last seen", "diagnosis")
    rows = []
    for i, (e, d, count) in enumerate(zip(groups, diagnoses, counts, strict=True), 1):
        rows.append(
            (
                str(i),
                *count,
                _shown(e.code),
                _where(e, d),
                e.account_sid or "-",
                _seen(e.first_seen),
                _seen(e.last_seen),
                _verdict(d),
            )
        )
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    return ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip() for row in [header, *rows]]


def _owner(target: Target) -> str:
    """Who sent a target's errors when no account is named: the one assumed, or one not known."""
    return _UNKNOWN_ACCOUNT if target.account_unknown else _NO_ACCOUNT


def _read_first(step: NextStep, target: Target) -> str:
    """For errors whose account is not known, in a step whose other accounts get a ``diagnose fix``: how to
    learn it first (a fix without ``--account`` would plan the credentials' own account), else ""."""
    if not target.account_unknown or not any(t.command for t in step.targets):
        return ""
    isos = ",".join(iso for iso, _, _ in target.countries if iso)
    return (
        "Diagnose one of their message or call SIDs to read the account that sent it; then"
        f" diagnose fix --account AC… --country {isos} --product {step.product} plans its change."
    )


def _counts(groups: Sequence[Evidence], told: Sequence[Failures]) -> tuple[tuple[str, ...], list[tuple[str, ...]]]:
    """The table's count columns and each group's cells: ``count`` when every error is a failure of its own, else
    ``failures`` first (``≥4,096`` past the cap) and ``errors``, the lines that logged them."""
    if all(f.count == e.count and not f.at_least for e, f in zip(groups, told, strict=True)):
        return ("count",), [(f"{e.count:,}",) for e in groups]
    cells = [(f"{'≥' if f.at_least else ''}{f.count:,}", f"{e.count:,}") for e, f in zip(groups, told, strict=True)]
    return ("failures", "errors"), cells


def _told(failures: int, at_least: bool, errors: int, noun: str = "error") -> str:
    """How many failed, then how often that was logged: ``31 errors`` when each error is a failure of its own,
    else ``14 failures (31 errors logged)`` (one failure logged as a callback, a webhook and an exception);
    ``at least`` past the cap."""
    if failures == errors and not at_least:
        return counted(errors, noun)
    least = "at least " if at_least else ""
    return f"{least}{counted(failures, 'failure')} ({counted(errors, noun)} logged)"


def _times(e: Evidence, f: Failures) -> str:
    """How often a group's error was seen: ``31×``, or, when its lines tell fewer failures, as :func:`_told`."""
    if f.count == e.count and not f.at_least:
        return f"{e.count:,}×"
    return _told(f.count, f.at_least, e.count)


def _shown(error_code: int | None) -> str:
    """A group's code as its table and heading show it: a Twilio error that printed no code has none."""
    return "code unknown" if error_code is None else str(error_code)


def _explained(step: NextStep) -> str:
    """The head of a step for codes without rules (what ``diagnose explain`` is for)."""
    if step.code is None:
        return f"{step.title}: print the exception's code, or paste the message's or call's SID, to diagnose it"
    return f"{step.code} ({step.title}): diagnose has no rules for it yet"


def _group(i: int, e: Evidence, d: Diagnosis, width: int, f: Failures) -> list[str]:
    head = f"{i}. "
    account = e.account_sid or "no account in the log"
    title = f"{_shown(e.code)} · {_where(e, d)} · {account} · {_times(e, f)} · {_verdict(d)}"
    lines = [wrap(title, width=width, first=head, indent=len(head))]
    pad = len(head)
    open_causes = [c.id for c in d.causes if c.status in ("possible", "unknown")]
    if d.verdict == "inconclusive":
        # the group's own summary points at a list of checks this view does not repeat: `What to do` and
        # `diagnose explain` have them
        if open_causes:
            text = f"No cause confirmed; open: {', '.join(open_causes)}."
            # why the accounts' reads did not decide it, when they failed (its summary's last sentence)
            if _unread(d):
                text += " " + _unread(d)
            lines.append(wrap(text, indent=pad, width=width))
    elif d.summary:
        lines.append(wrap(plain_emphasis(d.summary), indent=pad, width=width))
    for n, step in enumerate(d.fix[:3], 1):
        label = f"Fix {n}. "
        lines.append(
            wrap(
                plain_emphasis(" ".join(step.text.split())),
                width=width,
                first=" " * pad + label,
                indent=pad + len(label),
            )
        )
    if e.code is not None:  # an unknown code has nothing to explain
        lines.append(f"{' ' * pad}More: diagnose explain {e.code}")
    return lines


def _where(e: Evidence, d: Diagnosis) -> str:
    """A group's country, and what sets it apart from another group of that country, code and account: a number
    sent malformed (``, sent as +49 0 …``) or with a wrong prefix (``, meant CA?``), each a group of its own."""
    where = f"{e.country} ({country_name(e.country)})" if e.country else "unknown"
    malformed = _known_value(d.facts, "to_malformed")
    if isinstance(malformed, str) and malformed:
        # 'kept its national trunk 0 (+49 0 …)': the shape in its brackets
        shape = malformed[malformed.rfind("(") + 1 : -1] if malformed.endswith(")") else malformed
        return f"{where}, sent as {shape}"
    meant = _known_value(d.facts, "suggested_country")
    if _known_value(d.facts, "wrong_prefix_suspected") is True and isinstance(meant, str) and meant:
        return f"{where}, meant {meant}?"
    return where


def _verdict(d: Diagnosis) -> str:
    return f"{d.verdict}: {d.cause}" if d.cause else d.verdict


def _seen(stamp: str | None) -> str:
    """A first or last seen time as the text report shows it: one form (UTC) whatever the log wrote."""
    from ..paste._time import parse_timestamp, shown

    when = parse_timestamp(stamp) if stamp else None
    return shown(when) if when is not None else (stamp or "-")


def _groups(numbers: Sequence[int]) -> str:
    shown = ", ".join(str(n) for n in numbers[:_SHOWN_GROUPS])
    more = f", … ({len(numbers) - _SHOWN_GROUPS} more)" if len(numbers) > _SHOWN_GROUPS else ""
    return f"{'group' if len(numbers) == 1 else 'groups'} {shown}{more}"


__all__ = ["SourceRead", "TriageView", "sources_data", "triage_data", "triage_html", "triage_markdown", "triage_text"]
