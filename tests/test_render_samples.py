"""Hand-built documents shared by the render, runbook and site tests.

They stand in for what the pipeline and the knowledge loader produce, so the
renderers can be tested without either. The tests here only check that the
samples are what the other modules expect them to be.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import ClassVar

from diagnose.conditions import compile_condition
from diagnose.knowledge.model import Cause, Check, Entry, Escalation, FixTemplate, IndexEntry, Reference
from diagnose.models import CauseFinding, Diagnosis, ErrorInfo, Evidence, FixStep, Report, Subject

ACCOUNT = "AC11111111111111111111111111111111"
PARENT = "AC22222222222222222222222222222222"
MESSAGE = "SM0123456789abcdef0123456789abcdef"
TITLE_21408 = "Permission to send an SMS has not been enabled for the region indicated by the 'To' number"
GEO_API = "https://accounts.twilio.com/v1/Messaging/GeoPermissions"
CONSOLE_GEO = "https://console.twilio.com/us1/develop/sms/settings/geo-permissions"


def _fact(value: object, source: str = "", *, known: bool = True, reason: str = "") -> dict:
    """A fact row as diagnose.report.fact_table writes it."""
    return {"value": value, "known": known, "source": source, "reason": reason}


def sample_diagnosis() -> Diagnosis:
    """21408 on a subaccount: confirmed subaccount-mismatch, with every section filled in."""
    evidence = Evidence(
        kind="message",
        sid=MESSAGE,
        code=21408,
        http_status=400,
        message_sid=MESSAGE,
        account_sid=ACCOUNT,
        to="+4915123456789",
        from_="+15005550006",
        country="DE",
        status="failed",
        channel="sms",
    )
    facts = {
        "account_sid": _fact(ACCOUNT, f"GET /2010-04-01/Accounts/{ACCOUNT}.json"),
        "parent_account_sid": _fact(PARENT, f"GET /2010-04-01/Accounts/{ACCOUNT}.json"),
        "account_type": _fact("Full", f"GET /2010-04-01/Accounts/{ACCOUNT}.json"),
        "is_subaccount": _fact(True, f"GET /2010-04-01/Accounts/{ACCOUNT}.json"),
        "country": _fact("DE", "phonenumbers"),
        "country_name": _fact("Germany", "phonenumbers"),
        "messaging_enabled": _fact(False, f"GET {GEO_API}?CountryCode=DE"),
        "parent_messaging_enabled": _fact(True, f"GET {GEO_API}?CountryCode=DE"),
        "country_high_risk": _fact(
            "country_high_risk", None, known=False, reason="knowledge/countries.yaml has no entry for DE"
        ),
    }
    return Diagnosis(
        subject=Subject(kind="message", sid=MESSAGE),
        evidence=evidence,
        error=ErrorInfo(code=21408, title=TITLE_21408, docs_url="https://www.twilio.com/docs/api/errors/21408"),
        verdict="confirmed",
        cause="subaccount-mismatch",
        causes=(
            CauseFinding(
                id="country-disabled",
                title="The country is disabled on every account",
                status="ruled-out",
                reason="The parent account has Germany (DE) enabled.",
                evidence=(
                    "parent_messaging_enabled = true  [GET https://accounts.twilio.com/v1/Messaging/GeoPermissions]",
                ),
                facts=("parent_messaging_enabled",),
            ),
            CauseFinding(
                id="subaccount-mismatch",
                title="Enabled on the parent, not on the subaccount",
                status="confirmed",
                reason=f"Germany (DE) is disabled on subaccount `{ACCOUNT}`.",
                evidence=(
                    f"Germany (DE) is enabled on its parent `{PARENT}`; a subaccount's messaging geo "
                    "permissions are its own, so the parent's setting does not help the subaccount's requests.",
                ),
                facts=("messaging_enabled", "parent_messaging_enabled", "is_subaccount"),
            ),
            CauseFinding(
                id="high-risk-country",
                title="The country is high-risk",
                status="unknown",
                reason="Nothing this cause depends on could be read.",
                evidence=("country_high_risk = unknown (the country list could not be read)",),
                facts=("country_high_risk",),
            ),
        ),
        fix=(
            FixStep(
                text=f"Sign in as subaccount `{ACCOUNT}` and enable **Germany (DE)** in its Messaging geo permissions.",
                console=CONSOLE_GEO,
                api=(
                    f"curl -X POST {GEO_API} \\\n"
                    '  --data-urlencode \'Permissions={"country_code":"DE","type":"country","enabled":true}\' \\\n'
                    f'  -u "{ACCOUNT}:$SUBACCOUNT_AUTH_TOKEN"'
                ),
            ),
            FixStep(text="Send the message again."),
        ),
        verify=(f'`GET {GEO_API}?CountryCode=DE` as the subaccount shows `"enabled": true`.',),
        facts=facts,
        summary="The subaccount that sent the message has not enabled Germany, although its parent has.",
        explanation=(
            "Messaging geo permissions are kept per account. A subaccount has its own list, and the API "
            "answers for the account whose credentials make the request.\n\n"
            "Enabling a country on the parent therefore does not cover requests made with the subaccount's "
            "credentials."
        ),
        prevention=("List the countries each subaccount sends to and check them before launch.",),
        escalation=("The country is enabled on the subaccount and sending still fails with 21408.",),
        requests=(
            f"GET https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT}/Messages/{MESSAGE}.json → 200",
            f"GET {GEO_API}?CountryCode=DE → 200",
        ),
        notes=("The parent's permissions were read with the parent's credentials.",),
    )


def sample_report() -> Report:
    return Report(diagnoses=(sample_diagnosis(),))


def sample_entry(code: int = 21408, related: tuple[int, ...] = (21215, 13227, 30649)) -> Entry:
    """A knowledge entry like knowledge/21408.yaml, templates included."""
    return Entry(
        code=code,
        title=TITLE_21408 if code == 21408 else f"Error {code} title",
        summary="The account may not send messages to the destination's country.",
        products=("Messaging",),
        channels=("sms", "mms"),
        log_level="ERROR",
        meaning=(
            "Twilio refused the message because the destination country is not enabled in the "
            "**Messaging geo permissions** of the account that sent it.\n\n"
            "Geo permissions are a fraud control: each account opts in to the countries it sends to."
        ),
        impact="No message is sent to any number in that country until it is enabled. Nothing is charged.",
        diagnosis="Find the account that made the request first: with subaccounts it is often not the one you expect.",
        causes=(
            Cause(
                id="country-disabled",
                title="The country is disabled on the account",
                explanation="The destination country was never enabled, or was disabled again.",
                confirmed_when=compile_condition("messaging_enabled == false and not is_subaccount"),
                ruled_out_when=compile_condition("messaging_enabled == true"),
                confirmed_because="{{ country_name }} ({{ country }}) is disabled on {{ account_sid }}.",
                ruled_out_because="{{ country_name }} is enabled on {{ account_sid }}.",
                check=Check(
                    console="Open **Messaging → Settings → Geo permissions** and find {{ country_name }}.",
                    api=f'curl -s "{GEO_API}?CountryCode={{{{ country }}}}" -u "{{{{ account_sid }}}}:$AUTH_TOKEN"',
                ),
                fix=(
                    FixTemplate(
                        text="Enable {{ country_name }} ({{ country }}) in the Messaging geo permissions.",
                        console=CONSOLE_GEO,
                        api=(
                            f"curl -X POST {GEO_API} \\\n"
                            '  --data-urlencode \'Permissions={"country_code":"{{ country }}",'
                            '"type":"country","enabled":true}\' \\\n'
                            '  -u "{{ account_sid }}:$AUTH_TOKEN"'
                        ),
                    ),
                    FixTemplate(
                        text="Ask an Account Owner or Admin to accept the high-risk acknowledgement.",
                        when=compile_condition("country_high_risk == true"),
                    ),
                ),
                verify=("Send a test message to {{ to }}.",),
                prevention=("Check geo permissions for every new destination before launch.",),
            ),
            Cause(
                id="subaccount-mismatch",
                title="Enabled on the parent, not on the subaccount",
                explanation="A subaccount keeps its own messaging geo permissions.",
                confirmed_when=compile_condition("is_subaccount and messaging_enabled == false"),
                ruled_out_when=compile_condition("not is_subaccount or (messaging_enabled == true)"),
                confirmed_because="{{ country }} is disabled on subaccount {{ account_sid }}.",
                ruled_out_because="{{ account_sid }} is not a subaccount, or has {{ country }} enabled.",
                # one way with a line of its own, one shown with ruled_out_because
                ruled_out_reasons=(("not is_subaccount", "{{ account_sid }} is not a subaccount: it has no parent."),),
                check=Check(
                    console="Sign in as subaccount {{ account_sid }} and open its geo permissions.",
                    api=f'curl -s "{GEO_API}?CountryCode={{{{ country }}}}" -u "{{{{ account_sid }}}}:$SUB_TOKEN"',
                ),
                fix=(FixTemplate(text="Enable {{ country }} on subaccount {{ account_sid }}.", console=CONSOLE_GEO),),
                verify=("Retry with the subaccount's credentials.",),
                prevention=(
                    "Audit each subaccount's permissions separately.",
                    "Check geo permissions for every new destination before launch.",
                ),
            ),
            Cause(
                id="old-inheritance-rule",
                title="Inheritance switched off",
                explanation="",
                confirmed_when=compile_condition("false"),
                ruled_out_when=None,
                confirmed_because="",
                ruled_out_because="",
                retired="Messaging has no inheritance setting in the API; merged into subaccount-mismatch.",
            ),
        ),
        escalation=Escalation(
            when=("The country is enabled and 21408 persists for one operator or number range.",),
            send=("The message SID", "The account SID and the destination country"),
        ),
        references=(
            Reference(
                title="Error 21408",
                url="https://www.twilio.com/docs/api/errors/21408",
                checked="2026-04-14",
            ),
            Reference(
                title="SMS geo permissions",
                url="https://help.twilio.com/articles/223181108",
                checked="2026-04-14",
            ),
        ),
        related=related,
        docs_url="https://www.twilio.com/docs/api/errors/21408" if code == 21408 else "",
    )


def sample_index_entry() -> IndexEntry:
    return IndexEntry(
        code=21211,
        message="Invalid 'To' Phone Number",
        product="Programmable SMS",
        log_level="ERROR",
        log_type="APPLICATION",
        docs_url="https://www.twilio.com/docs/api/errors/21211",
    )


# --------------------------------------------------------------------------- HTML checks


class HTMLChecker(HTMLParser):
    """Collects tags, checks they nest properly, and records every element and attribute seen."""

    VOID: ClassVar[set[str]] = {"meta", "link", "br", "hr", "img", "input", "wbr", "col", "source", "area", "base"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str, str | None]] = []
        self.text: list[str] = []
        self.headings: dict[str, list[str]] = {}
        self._heading: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs.extend((tag, k, v) for k, v in attrs)
        if tag in self.VOID:
            return
        self.stack.append(tag)
        if re.fullmatch(r"h[1-6]", tag):
            self._heading = tag
            self.headings.setdefault(tag, []).append("")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"unexpected </{tag}> (open: {self.stack[-3:]})")
            return
        self.stack.pop()
        if tag == self._heading:
            self._heading = None

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._heading:
            self.headings[self._heading][-1] += data


def parse_html(html: str) -> HTMLChecker:
    checker = HTMLChecker()
    checker.feed(html)
    checker.close()
    assert not checker.errors, checker.errors
    assert not checker.stack, f"unclosed: {checker.stack}"
    return checker


def assert_valid_page(html: str) -> HTMLChecker:
    assert html.startswith("<!doctype html>\n")
    page = parse_html(html)
    assert page.tags[:1] == ["html"]
    assert page.tags.count("title") == 1 and page.tags.count("h1") == 1
    assert ("html", "lang", "en") in page.attrs
    return page


def test_sample_report_is_confirmed() -> None:
    (d,) = sample_report().diagnoses
    assert d.verdict == "confirmed"
    assert d.cause in {c.id for c in d.causes}


def test_sample_entry_has_a_retired_cause_and_templates() -> None:
    entry = sample_entry()
    assert any(c.retired for c in entry.causes)
    assert all("{{" in c.check.api for c in entry.causes if not c.retired)
