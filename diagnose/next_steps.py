"""What to do about many diagnoses at once (``diagnose triage``): the groups gathered by action. Pure.

A big log gives dozens of groups (code × country × account), each diagnosed on its own. A
support engineer acts on causes, not on groups: the countries to enable on each account, the
numbers to correct, the codes to read about. :func:`gather` puts the groups that call for the
same action together, most failures (then errors) first:

* ``fix``: groups whose cause is confirmed (or likely), per code and cause, with the countries
  each account needs. Where the cause's fix steps in the knowledge name an action that writes
  (:mod:`diagnose.knowledge.actions`), each account gets the ``diagnose fix`` command that plans
  exactly that change (it reads the account again and applies nothing without ``--apply``);
* ``check``: groups no cause could be confirmed for, per code, with the read-only
  ``diagnose audit`` that checks their countries on every account at once;
* ``explain``: codes the knowledge has no rules for.

Nothing here decides what a cause's fix is: the diagnoses and the knowledge do. The result is
plain data, which the text report shows first and JSON carries as ``next_steps``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from .knowledge.actions import ACTIONS
from .knowledge.model import Cause, Entry
from .models import Diagnosis, Evidence

if TYPE_CHECKING:
    from .paste import Failures

StepKind = Literal["fix", "check", "explain"]

_ACTED_ON = ("confirmed", "likely")
MAX_ADVICE = 3  # groups whose first step a step repeats; the others are in the report below it


@dataclass(frozen=True)
class Target:
    """One account's share of a step: its countries, most failures (then errors) first."""

    account_sid: str | None  # None: neither the log nor a record read for its errors names the account
    countries: tuple[tuple[str | None, int, int], ...]  # (ISO code, None when unknown; errors; failures)
    errors: int
    command: str | None = None  # the diagnose command that plans (fix) this account's change
    failures: int = 0  # distinct failures (messages or calls) of its errors, as its groups count them
    # errors naming a message or call whose record was not read, in a group diagnosed from another one's: their
    # account is not known (``account_sid`` None), and no command is given, which would change another account
    account_unknown: bool = False


@dataclass(frozen=True)
class NextStep:
    kind: StepKind
    code: int | None
    cause: str | None  # the cause's id, for kind "fix"
    title: str  # the cause's title, or the code's message
    verdict: str  # "confirmed" or "likely" for a fix; "inconclusive" or "no-knowledge" otherwise
    product: str | None  # "sms" or "voice": whose geo permissions the step is about, when one
    errors: int
    groups: tuple[int, ...]  # 1-based positions of its groups in the report
    targets: tuple[Target, ...]
    # what to do when no command does it: the first fix step of each group (up to three), with its number
    advice: tuple[tuple[int, str], ...] = ()
    command: str | None = None  # one command for the whole step (kind "check", "explain")
    failures: int = 0  # its groups' distinct failures (messages or calls); ``errors`` is their occurrences
    failures_at_least: bool = False  # a group told past MAX_FAILURE_SIDS: ``failures`` is a lower bound


def gather(
    groups: Sequence[Evidence],
    diagnoses: Sequence[Diagnosis],
    entry_of: Callable[[int], Entry | None],
    record_shares: Sequence[int | None] | None = None,
    failures: Sequence[Failures] | None = None,
) -> tuple[NextStep, ...]:
    """The steps that act on ``groups`` (each diagnosed by the diagnosis at the same position), most failures
    (messages or calls) first, then most errors.

    ``entry_of`` gives the knowledge entry of a code (None when the knowledge has none). ``record_shares``: per
    group, how many of its errors name the message or call whose record its diagnosis may read
    (:meth:`diagnose.paste.Groups.record_shares`); only those are acted on in that record's account, the others
    name another message or call, not read, so no account. None: all of them. ``failures``: per group, its distinct
    failures (:meth:`diagnose.paste.Groups.failures`); each error one when None."""
    shares = dict(enumerate(record_shares, 1)) if record_shares is not None else {}
    told = {n: (f.count, f.at_least) for n, f in enumerate(failures, 1)} if failures is not None else {}
    found: dict[tuple[str, int | None, str | None], list[tuple[int, Evidence, Diagnosis]]] = {}
    for number, (evidence, diagnosis) in enumerate(zip(groups, diagnoses, strict=True), 1):
        code = diagnosis.error.code
        if diagnosis.verdict in _ACTED_ON and diagnosis.cause:
            key: tuple[str, int | None, str | None] = ("fix", code, diagnosis.cause)
        elif diagnosis.verdict == "inconclusive":
            key = ("check", code, None)
        elif diagnosis.verdict == "no-knowledge":
            key = ("explain", code, None)
        else:
            continue  # no error, or nothing to act on
        found.setdefault(key, []).append((number, evidence, diagnosis))
    steps = [_step(kind, code, cause, rows, entry_of, shares, told) for (kind, code, cause), rows in found.items()]
    return tuple(sorted(steps, key=lambda s: (-s.failures, -s.errors, s.groups[0])))


def _step(
    kind: str,
    code: int | None,
    cause: str | None,
    rows: list[tuple[int, Evidence, Diagnosis]],
    entry_of: Callable[[int], Entry | None],
    shares: dict[int, int | None],
    told: dict[int, tuple[int, bool]],
) -> NextStep:
    entry = entry_of(code) if code is not None else None
    first = rows[0][2]
    errors = sum(e.count for _, e, _ in rows)
    numbers = tuple(n for n, _, _ in rows)
    failed = {n: told.get(n, (e.count, False)) for n, e, _ in rows}
    counted = {"failures": sum(f for f, _ in failed.values()), "failures_at_least": any(a for _, a in failed.values())}
    if kind == "fix":
        writes = _writing_product(entry, cause)
        title = next((c.title for c in first.causes if c.id == cause), cause or "")
        targets = _targets(rows, shares, failed, lambda account, isos: _fix_command(account, isos, writes))
        advice: list[tuple[int, str]] = []
        if writes is None:  # no command carries it out: each group's own first step says what to do
            for number, _, diagnosis in rows:
                text = _first_step(diagnosis)
                if text and all(text != seen for _, seen in advice) and len(advice) < MAX_ADVICE:
                    advice.append((number, text))
        product = writes or _entry_product(entry)
        return NextStep(
            "fix", code, cause, title, first.verdict, product, errors, numbers, targets, tuple(advice), **counted
        )
    title = first.error.title
    if kind == "explain":
        command = f"diagnose explain {code}" if code is not None else None
        return NextStep(
            "explain", code, None, title, first.verdict, None, errors, numbers, (), command=command, **counted
        )
    product = _entry_product(entry)
    targets = _targets(rows, shares, failed, lambda account, isos: None)
    audit = _audit(targets, product)
    return NextStep(
        "check", code, None, title, "inconclusive", product, errors, numbers, targets, command=audit, **counted
    )


def _targets(
    rows: list[tuple[int, Evidence, Diagnosis]],
    shares: dict[int, int | None],
    failed: dict[int, tuple[int, bool]],
    command: Callable[[str | None, list[str]], str | None],
) -> tuple[Target, ...]:
    """Per account named (then the errors that name none, then those whose account is unknown), its countries,
    most failures (then errors) first."""
    by_account: dict[tuple[str | None, bool], dict[str | None, tuple[int, int]]] = {}

    def add(account: str | None, country: str | None, count: int, failures: int, unknown: bool = False) -> None:
        if count:
            countries = by_account.setdefault((account, unknown), {})
            errors, told = countries.get(country, (0, 0))
            countries[country] = (errors + count, told + failures)

    for number, evidence, diagnosis in rows:
        account = _account(evidence, diagnosis)
        share = shares.get(number)
        failures = failed[number][0]
        if evidence.account_sid or account is None or share is None:
            add(account, evidence.country, evidence.count, failures)
            continue
        # the record read is one message's or call's (one failure): the group's errors that name another (or
        # none) may be another account's, which no read says: the credentials' own is not assumed for them
        add(account, evidence.country, share, 1)
        add(None, evidence.country, evidence.count - share, failures - 1, unknown=True)
    out = []
    for (account, unknown), countries in by_account.items():
        ordered = tuple(
            (iso, errors, told)
            for iso, (errors, told) in sorted(countries.items(), key=lambda i: (-i[1][1], -i[1][0], i[0] or "~"))
        )
        isos = [iso for iso, _, _ in ordered if iso]
        errors, failures = sum(e for _, e, _ in ordered), sum(f for _, _, f in ordered)
        planned = command(account, isos) if isos and not unknown else None
        out.append(Target(account, ordered, errors, planned, failures, unknown))
    return tuple(
        sorted(
            out, key=lambda t: (t.account_sid is None, t.account_unknown, -t.failures, -t.errors, t.account_sid or "")
        )
    )


def _account(evidence: Evidence, diagnosis: Diagnosis) -> str | None:
    """The account a group's errors are acted on in: the one the log names, else the one Twilio's record of the
    message or call the error names (read online: the diagnosis is then the record's, ``kind`` message or call).
    Never an account only assumed, the credentials' own: those errors name none (``None``)."""
    if evidence.account_sid:
        return evidence.account_sid
    read = diagnosis.evidence
    return read.account_sid if read.kind in ("message", "call") else None


def _writing_product(entry: Entry | None, cause: str | None) -> str | None:
    """The product whose permissions the cause's fix changes, when one of its steps names an action that writes."""
    found = next((c for c in entry.causes if c.id == cause), None) if entry is not None else None
    return _product_of(found) if found is not None else None


def _entry_product(entry: Entry | None) -> str | None:
    """The one product whose permissions some cause of the code is fixed in, else None."""
    if entry is None:
        return None
    products = {_product_of(cause) for cause in entry.causes} - {None}
    return products.pop() if len(products) == 1 else None


def _product_of(cause: Cause) -> str | None:
    for step in cause.fix:
        spec = ACTIONS.get(step.action)
        if spec is not None and spec.writes and spec.product:
            return spec.product
    return None


def _fix_command(account: str | None, isos: list[str], product: str | None) -> str | None:
    if product is None:
        return None
    where = f" --account {account}" if account else ""
    return f"diagnose fix{where} --country {','.join(isos)} --product {product}"


def _audit(targets: Sequence[Target], product: str | None) -> str | None:
    """``diagnose audit`` over the step's countries: every account when the log names any."""
    isos = sorted({iso for t in targets for iso, _, _ in t.countries if iso})
    if product is None or not isos:
        return None
    accounts = " --subaccounts all" if any(t.account_sid for t in targets) else ""
    return f"diagnose audit --product {product} --countries {','.join(isos)}{accounts}"


# what a fix step of the knowledge says when the step after it is part of it ("enable it too (next step)")
_POINTS_ON = "(next step)"


def _first_step(diagnosis: Diagnosis) -> str:
    """A group's first fix step, on one line; with the step after it when it points to that one: in "What to do"
    the next step is another group's, or none."""
    if not diagnosis.fix:
        return ""
    text = _one_line(diagnosis.fix[0].text)
    if _POINTS_ON in text and len(diagnosis.fix) > 1:
        text += f" Next step: {_one_line(diagnosis.fix[1].text)}"
    return text


def _one_line(text: str) -> str:
    return " ".join(text.split())


def step_to_dict(step: NextStep) -> dict[str, object]:
    """A step as JSON's ``next_steps`` carries it."""
    return {
        "kind": step.kind,
        "code": step.code,
        "cause": step.cause,
        "title": step.title,
        "verdict": step.verdict,
        "product": step.product,
        "errors": step.errors,
        "groups": list(step.groups),
        "targets": [
            {
                "account_sid": t.account_sid,
                "countries": [{"country": iso, "errors": n, "failures": f} for iso, n, f in t.countries],
                "errors": t.errors,
                "command": t.command,
                "failures": t.failures,
                "account_unknown": t.account_unknown,
            }
            for t in step.targets
        ],
        "advice": [{"group": number, "text": text} for number, text in step.advice],
        "command": step.command,
        "failures": step.failures,
        "failures_at_least": step.failures_at_least,
    }


__all__ = ["NextStep", "Target", "gather", "step_to_dict"]
