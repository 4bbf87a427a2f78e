"""``diagnose fix``: plan, and with ``--apply`` make, the geo-permission changes the knowledge names.

The planning is pure (:mod:`diagnose.fixes`); this module reads the accounts,
prints the plan, asks for confirmation (or takes ``--yes``), sends the changes
through the gateway (parents first, then the subaccounts are read again), reads
each change back, and appends every change made to the audit log.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any, TextIO

import click

from ..errors import DiagnoseError, InputError
from ..safe_text import clean
from ._common import api_url_option, knowledge_option, timeout_option
from .prompts import yes_option

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


def gaps_from_audit(text: str, source: str) -> list[tuple[str, str, str]]:
    """(account, country, product) for every gap of a ``diagnose audit --format json`` document (schema 1)."""
    from ..evidence import check_account_sid

    try:
        doc = json.loads(text)
    except ValueError as err:
        raise InputError(f"{source}: not JSON from `diagnose audit --format json` ({err})") from err
    if not isinstance(doc, dict) or doc.get("kind") != "audit" or doc.get("schema") != 1:
        raise InputError(f"{source}: not the output of `diagnose audit --format json` (kind audit, schema 1)")
    gaps = doc.get("gaps")
    if not isinstance(gaps, list):
        raise InputError(f"{source}: the audit has no 'gaps' list")
    out: list[tuple[str, str, str]] = []
    for i, gap in enumerate(gaps):
        if not isinstance(gap, dict):
            raise InputError(f"{source}: gaps[{i}] is not an object")
        account, country, product = gap.get("account"), gap.get("country"), gap.get("product")
        if not isinstance(account, str) or not isinstance(country, str) or product not in PRODUCTS:
            raise InputError(f"{source}: gaps[{i}] needs account, country and product (sms or voice)")
        check_account_sid(account)
        (iso,) = parse_countries([country]) or [""]
        pair = (account, iso, str(product))
        if pair not in out:
            out.append(pair)
    return out


# --------------------------------------------------------------------------- text


def _label(product: str) -> str:
    return "SMS" if product == "sms" else "voice"


def _values(state: Any) -> str:
    if not isinstance(state, dict):
        return "unknown"
    return ", ".join(f"{k}={'unknown' if v is None else str(v).lower()}" for k, v in state.items())


def render_plan(plan: Any, *, applying: bool) -> str:
    """The plan as text: changes in order, then what the tool will not send, then the totals."""
    from ..countries import country_name

    lines: list[str] = []
    n = len(plan.changes)
    accounts = len({c.account for c in plan.changes})
    if n:
        head = f"{n} change{'s' if n != 1 else ''} on {accounts} account{'s' if accounts != 1 else ''}"
        lines.append(head + ("" if applying else " planned (dry run: nothing is sent without --apply)"))
    else:
        lines.append("Nothing to change through the API.")
    for i, change in enumerate(plan.changes, 1):
        name = f"{country_name(change.country)} ({change.country})"
        lines.append(f"  {i}. {change.account}  {_label(change.product)}  {name}  {change.action}  [{change.cause}]")
        lines.append(f"     {change.request}")
        for key, value in change.form:
            lines.append(f"       {key}={value}")
        lines.append(f"     before: {_values(dict(change.before))}  →  after: {_values(dict(change.after))}")
        others = [a for a in change.for_accounts if a != change.account]
        if others:
            lines.append(f"     also for: {', '.join(others)}")
    recheck = plan.recheck
    if recheck:
        lines.append(
            f"Then {len(recheck)} subaccount{'s' if len(recheck) != 1 else ''} are read again: one that inherits "
            "from its parent is fixed by the parent's change; one with its own list gets a change of its own "
            "(shown and confirmed before it is sent)."
        )
        lines.extend(f"  - {sid}" for sid in recheck)
    lines.extend(_not_sent(plan.items))
    ok = len(plan.by_status("ok"))
    lines.append(f"Already usable: {ok} of {len(plan.items)} (account × country × product).")
    return clean("\n".join(lines))


_HEADINGS = {
    "console": "Console only (the tool sends no request for these; do it in the Console):",
    "blocked": "Cannot be enabled (no request is sent):",
    "outside-scope": "Fixed on an account that was not named (nothing is sent to it):",
    "manual": "No action the tool can take (the knowledge's steps):",
    "undecided": "Not decided (no request is sent):",
    "unknown": "Could not be read (no request is sent):",
}


def _not_sent(items: Sequence[Any]) -> list[str]:
    lines: list[str] = []
    for status, heading in _HEADINGS.items():
        chosen = [i for i in items if i.status == status]
        if not chosen:
            continue
        lines.append(heading)
        shown_steps: set[tuple[str, str, str | None]] = set()
        shared = {}
        for item in chosen:
            key = (item.country, item.product, item.cause)
            shared[key] = shared.get(key, 0) + 1
        for item in chosen:
            lines.append(f"  {item.account}  {_label(item.product)}  {item.country}: {item.summary}")
            key = (item.country, item.product, item.cause)
            if status in ("console", "manual", "blocked") and key not in shown_steps:
                shown_steps.add(key)
                if shared[key] > 1 and item.steps:
                    lines.append(
                        f"     (the same steps for the {shared[key] - 1} other accounts below, each on its own)"
                    )
                for n, step in enumerate(item.steps, 1):
                    lines.append(f"     {n}. {' '.join(step.text.split())}")
                    if step.console:
                        lines.append(f"        Console: {' '.join(step.console.split())}")
    return lines


# --------------------------------------------------------------------------- applying


def _tiers(changes: Sequence[Any], parents: dict[str, str | None]) -> list[list[Any]]:
    """Main accounts' changes first, then subaccounts' (each tier sent with bounded concurrency)."""
    mains = [c for c in changes if not parents.get(c.account)]
    subs = [c for c in changes if parents.get(c.account)]
    return [t for t in (mains, subs) if t]


def audit_record(result: Any, who: dict[str, str], when: str) -> dict[str, Any]:
    """The audit-log line for a change that was made."""
    change = result.change
    return {
        "time": when,
        "who": who,
        "account": change.account,
        "country": change.country,
        "product": change.product,
        "action": change.action,
        "request": change.request,
        "form": dict(change.form),
        "cause": change.cause,
        "before": dict(change.before),
        "after": result.read_back,
        "expected": dict(change.after),
        "verified": result.verified,
        "for_accounts": list(change.for_accounts),
    }


def apply_changes(access: Any, changes: Sequence[Any], parents: dict[str, str | None], log: Any, who: dict) -> list:
    """Send the changes (parents first), read each back, log each one made; one failure never stops the others.

    Each change is logged by the worker that made it, as soon as it is read back, so an
    interruption later in the run never loses the record of a change already made.
    """
    from ..gateway._fix import ChangeResult, apply_change
    from .audit_log import utc_now

    def send(change: Any) -> Any:
        result = apply_change(access, change)
        if result.outcome == "done":
            log.append(audit_record(result, who, utc_now()))
        return result

    results: list[Any] = []
    for tier in _tiers(changes, parents):
        outcomes = access.run_concurrently([lambda c=c: send(c) for c in tier])
        for change, outcome in zip(tier, outcomes, strict=True):
            ok = outcome.ok and outcome.value is not None
            # apply_change turns access errors into results; an outcome error is the exception
            results.append(outcome.value if ok else ChangeResult(change, "failed", str(outcome.error)))
    return results


def render_results(results: Sequence[Any], parents: dict[str, str | None]) -> str:
    from ..countries import country_name
    from ..fixes import inherits_message

    lines: list[str] = []
    for r in results:
        c = r.change
        name = f"{country_name(c.country)} ({c.country})"
        where = f"{c.account}  {_label(c.product)}  {name}"
        if r.outcome == "done" and r.verified:
            lines.append(f"changed   {where}: {c.action}; read back: {_values(r.read_back)}")
        elif r.outcome == "done":
            lines.append(
                f"unverified {where}: Twilio accepted {c.action}, but reading it back shows "
                f"{_values(r.read_back)} (expected {_values(dict(c.after))})"
            )
        elif r.outcome == "inherits":
            lines.append(f"inherits  {where}: {inherits_message(c.account, parents.get(c.account), c.country)}")
        elif r.outcome == "refused":
            lines.append(f"refused   {where}: Twilio answered {r.code} ({r.message}); only the Console can change it")
        else:
            lines.append(f"failed    {where}: {r.message}")
    return clean("\n".join(lines))


# --------------------------------------------------------------------------- the command

MAX_AUDIT_BYTES = 256 * 1024 * 1024  # a 2,000-account audit is a few MB; refuse anything absurd


def _read_audit(source: str) -> tuple[str, str]:
    if source == "-":
        data = sys.stdin.buffer.read(MAX_AUDIT_BYTES + 1)
        name = "standard input"
    else:
        try:
            with open(source, "rb") as handle:
                data = handle.read(MAX_AUDIT_BYTES + 1)
        except OSError as err:
            raise InputError(f"cannot read {source}: {err.strerror or err}") from err
        name = source
    if len(data) > MAX_AUDIT_BYTES:
        raise InputError(f"{name}: more than {MAX_AUDIT_BYTES // (1024 * 1024)} MB; not an audit document")
    try:
        return data.decode("utf-8"), name
    except UnicodeDecodeError as err:
        raise InputError(f"{name}: not UTF-8 text") from err


def _confirm(question: str, *, yes: bool) -> bool:
    """Ask on the terminal, or take --yes; without a terminal, refuse (exit 2) before anything is sent."""
    from .prompts import confirm

    return confirm(question, assume_yes=yes)


def _exit_code(items: Sequence[Any], results: Sequence[Any]) -> int:
    from . import exit_codes

    if any(r.outcome == "failed" or (r.outcome == "done" and not r.verified) for r in results):
        return exit_codes.INCOMPLETE  # a change failed or could not be verified
    if any(i.status == "unknown" for i in items):
        return exit_codes.INCOMPLETE  # some account could not be read
    if any(i.status != "ok" for i in items):
        return exit_codes.UNRESOLVED  # gaps remain
    return exit_codes.OK


def _who(access: Any) -> dict[str, str]:
    creds = access.credentials
    return {"credential": creds.username, "kind": creds.kind, "account": creds.account_sid}


def _rows(access: Any, accounts: Sequence[str] | None, subaccounts: Any) -> tuple[list[Any], list[str]]:
    """Account rows of the scope, plus the parents of its subaccounts (read to compare, never changed)."""
    from ..gateway._fix import account_rows

    if subaccounts == "all":
        rows = list(account_rows(access, None))
    else:
        sids = list(accounts or ()) + list(subaccounts or ())
        rows = list(account_rows(access, list(dict.fromkeys(sids)) or [access.credentials.account_sid]))
    # A closed or suspended account can neither send nor be changed: skipped, as the audit does.
    rows = [r for r in rows if not (r.ok and r.value.get("status") in INACTIVE)]
    scope = [str(r.value.get("sid")) for r in rows if isinstance(r.value, dict)]
    have = set(scope)
    parents = []
    for row in rows:
        owner = row.value.get("owner_account_sid") if row.ok else None
        if isinstance(owner, str) and owner not in have and owner != row.value.get("sid"):
            have.add(owner)
            parents.append(owner)
    if parents:
        rows.extend(account_rows(access, parents))
    return rows, scope


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
) -> int:
    """The whole of ``diagnose fix``: read, plan, print; with ``apply``, confirm, send, read back, log."""
    from ..fixes import plan_fix
    from ..gateway._fix import read_states

    rows, scope = _rows(access, accounts, subaccounts)
    states = read_states(access, rows, countries, products)
    parents = {s.sid: s.parent for s in states}
    plan = plan_fix(states, countries, products, kb, scope=scope, pairs=pairs, prefer=prefer)
    document: dict[str, Any] = {"kind": "fix", "schema": 1, "applied": False, "plan": _plan_dict(plan)}
    if fmt == "text":
        print(render_plan(plan, applying=apply), file=out)
    if not apply or not plan.changes:
        if fmt == "json":
            document["items"] = [_item_dict(i) for i in plan.items]
            print(json.dumps(document, indent=2), file=out)
        return _exit_code(plan.items, [])

    n = len(plan.changes)
    if not _confirm(f"Send these {n} change{'s' if n != 1 else ''} to Twilio?", yes=yes):
        print("Nothing was changed.", file=out if fmt == "text" else sys.stderr)
        return _exit_code(plan.items, [])
    from .audit_log import AuditLog

    who = _who(access)
    with AuditLog(audit_log_path) as log:
        results = apply_changes(access, plan.changes, parents, log, who)
        final = _settle({(i.account, i.country, i.product): i for i in plan.items}, results)
        second = None
        recheck = [sid for sid in plan.recheck if any(r.change.account == parents.get(sid) for r in results)]
        if recheck:
            # Parents first, then read the subaccounts again: an inheriting one now has the country.
            reread = [s for s in rows if isinstance(s.value, dict) and s.value.get("sid") in set(recheck)]
            parent_rows = [s for s in rows if isinstance(s.value, dict) and s.value.get("sid") in set(parents.values())]
            fresh = read_states(access, [*reread, *parent_rows], countries, products)
            wanted = [k for k in final if k[0] in set(recheck) and final[k].status == "via-parent"]
            second = plan_fix(fresh, countries, products, kb, scope=recheck, pairs=wanted, prefer=prefer)
            for item in second.items:
                final[(item.account, item.country, item.product)] = (
                    _through_parent(item) if item.status == "ok" else item
                )
            if second.changes:
                if fmt == "text":
                    print("\nRead again after the parents' changes:", file=out)
                    print(render_plan(second, applying=True), file=out)
                m = len(second.changes)
                if _confirm(f"Send these {m} change{'s' if m != 1 else ''} to Twilio?", yes=yes):
                    results.extend(apply_changes(access, second.changes, parents, log, who))
                    final = _settle(final, results)
    items = list(final.values())
    items = [_after_result(i, results, parents) for i in items]
    if fmt == "text":
        print("\nResults (each change read back from Twilio):", file=out)
        print(render_results(results, parents), file=out)
        through = [i for i in items if i.status == "ok" and "through its parent" in i.summary]
        for item in through:
            print(
                clean(
                    f"inherited {item.account}  {_label(item.product)}  {item.country}: fixed by its parent's change"
                ),
                file=out,
            )
        print(f"Audit log: {audit_log_path}", file=out)
        remaining = [i for i in items if i.status != "ok"]
        if remaining:
            print(f"Still not usable: {len(remaining)} (see above).", file=out)
        else:
            print("Every account named can now use every country asked for.", file=out)
    else:
        document.update(
            applied=True,
            second_plan=_plan_dict(second) if second is not None else None,
            results=[_result_dict(r, parents) for r in results],
            items=[_item_dict(i) for i in items],
            audit_log=str(audit_log_path),
        )
        print(json.dumps(document, indent=2), file=out)
    return _exit_code(items, results)


def _settle(final: dict[tuple[str, str, str], Any], results: Sequence[Any]) -> dict[tuple[str, str, str], Any]:
    """Items whose change (their own, or a shared one) was made and read back are now ``ok``."""
    from ..fixes import change_key

    made = {change_key(r.change): r for r in results if r.outcome == "done" and r.verified}
    out = {}
    for key, item in final.items():
        result = made.get(change_key(item.change)) if item.status == "change" and item.change else None
        out[key] = _fixed(item, result) if result is not None else item
    return out


def _fixed(item: Any, result: Any) -> Any:
    from dataclasses import replace

    how = "" if result.change.account == item.account else f" through {result.change.account}"
    return replace(item, status="ok", summary=f"fixed{how}: {result.change.action}, verified by reading back")


def _through_parent(item: Any) -> Any:
    from dataclasses import replace

    return replace(item, summary=f"{item.summary}, through its parent's change (it inherits)")


def _after_result(item: Any, results: Sequence[Any], parents: dict[str, str | None]) -> Any:
    """An item whose own change was refused or answered 30648 says so."""
    from dataclasses import replace

    from ..fixes import change_key, inherits_message

    if item.status != "change" or item.change is None:
        return item
    key = change_key(item.change)
    for r in results:
        if change_key(r.change) == key:
            if r.outcome == "inherits":
                text = inherits_message(item.account, parents.get(item.account), item.country)
                return replace(item, status="inherits", summary=text)
            if r.outcome in ("refused", "failed"):
                return replace(item, status="unknown" if r.outcome == "failed" else "console", summary=r.message)
    return item


def _plan_dict(plan: Any) -> dict[str, Any]:
    return {
        "changes": [_change_dict(c) for c in plan.changes],
        "recheck": list(plan.recheck),
    }


def _change_dict(change: Any) -> dict[str, Any]:
    data = asdict(change)
    data["form"] = dict(change.form)
    data["request"] = change.request
    return data


def _item_dict(item: Any) -> dict[str, Any]:
    data = asdict(item)
    data["change"] = _change_dict(item.change) if item.change is not None else None
    return data


def _result_dict(result: Any, parents: dict[str, str | None]) -> dict[str, Any]:
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
        "explanation": inherits_message(c.account, parents.get(c.account), c.country)
        if result.outcome == "inherits"
        else None,
    }


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
    help="Prefer this fix action where the knowledge offers several (e.g. set-voice-inheritance).",
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
@click.option(
    "--concurrency", type=click.IntRange(1, 100), default=8, show_default=True, help="Requests in flight at once."
)
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
    concurrency: int,
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
    2 bad input or no confirmation, 3 Twilio unreachable, a change failed or an account unreadable.
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
            text, name = _read_audit(from_audit)
            pairs = [p for p in gaps_from_audit(text, name) if p[2] in products]
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
        with TwilioAccess(creds, api_url=api_url, timeout=timeout, max_workers=concurrency) as access:
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
            )
    except DiagnoseError as err:
        fail(err)
    sys.exit(code)
