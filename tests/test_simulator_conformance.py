"""Every simulator response, checked against Twilio's own OpenAPI response schemas (twilio-oai).

The specs live outside the project, in ``../shared/twilio-oai``; without them
this module skips. The checker is a small JSON-schema subset (type, properties,
nullable, enum, items, pattern, length, the formats Twilio uses, ``$ref`` into
``components/schemas``): every field the simulator emits must be in the schema
with the right type, and every field the schema lists must be emitted.
"""

from __future__ import annotations

import base64
import datetime as dt
import email.utils
import functools
import json
import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from diagnose.simulator import DEMO_SCENARIO, Simulator, load_scenario
from diagnose.simulator._app import _ROUTES

SPEC_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "twilio-oai"
SPEC_FILES = {
    "api": "twilio_api_v2010.json",
    "accounts": "twilio_accounts_v1.json",
    "voice": "twilio_voice_v1.json",
    "monitor": "twilio_monitor_v1.json",
}

if not all((SPEC_DIR / name).is_file() for name in SPEC_FILES.values()):
    pytest.skip(
        f"Twilio's OpenAPI specs are not at {SPEC_DIR} (they ship in the project's ../shared folder, "
        "not in a clone of the project); the conformance checks need them",
        allow_module_level=True,
    )


# --- the spec -------------------------------------------------------------------------------------


@functools.cache
def spec(product: str) -> dict[str, Any]:
    return json.loads((SPEC_DIR / SPEC_FILES[product]).read_text(encoding="utf-8"))


def product_of(path: str) -> str:
    if path.startswith("/2010-04-01/"):
        return "api"
    if path.startswith("/v1/Messaging/"):
        return "accounts"
    if path.startswith("/v1/Alerts"):
        return "monitor"
    return "voice"


@functools.cache
def templates(product: str) -> list[tuple[re.Pattern[str], str]]:
    found = []
    for template in spec(product)["paths"]:
        pattern = re.escape(template).replace(r"\{", "{").replace(r"\}", "}")
        found.append((re.compile(re.sub(r"\{[^/]+?\}", "[^/]+", pattern) + "$"), template))
    # Prefer literal templates (…/Messages.json) over ones with a parameter in that place.
    return sorted(found, key=lambda item: item[1].count("{"))


def operation(method: str, path: str) -> dict[str, Any]:
    product = product_of(path)
    for pattern, template in templates(product):
        if pattern.match(path):
            op = spec(product)["paths"][template].get(method.lower())
            if op is not None:
                return op
    raise AssertionError(f"{method} {path} is not an operation of twilio_{product} spec")


def response_schema(method: str, path: str, status: int) -> tuple[dict[str, Any], dict[str, Any]]:
    op = operation(method, path)
    response = op["responses"].get(str(status))
    assert response is not None, f"the spec has no {status} response for {method} {path}: {list(op['responses'])}"
    media = response["content"]["application/json"]
    return media["schema"], media.get("examples", {})


# --- a JSON-schema subset -------------------------------------------------------------------------


def resolve(product: str, schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        ref = schema["$ref"]
        assert ref.startswith("#/components/schemas/"), ref
        schema = spec(product)["components"]["schemas"][ref.rsplit("/", 1)[1]]
    return schema


def _format_ok(fmt: str, value: str) -> bool:
    if fmt == "date-time-rfc-2822":
        try:
            return email.utils.parsedate_to_datetime(value).tzinfo is not None
        except (TypeError, ValueError):
            return False
    if fmt == "date-time":
        try:
            return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).tzinfo is not None
        except ValueError:
            return False
    if fmt == "uri":
        return value == "" or value.startswith(("/", "https://", "http://"))
    if fmt == "phone-number":
        return re.fullmatch(r"\+\d{2,15}", value) is not None
    if fmt == "currency":
        return re.fullmatch(r"[A-Z]{3}", value) is not None
    if fmt == "iso-country-code":
        return re.fullmatch(r"[A-Z]{2}", value) is not None
    return True


def check(product: str, value: Any, schema: dict[str, Any], where: str = "$") -> list[str]:
    """Problems of ``value`` against ``schema`` (empty when it conforms)."""
    schema = resolve(product, schema)
    if value is None:
        return [] if schema.get("nullable") or not schema else [f"{where}: null, but the spec does not allow null"]
    problems: list[str] = []
    kind = schema.get("type") or ("object" if "properties" in schema else None)
    if "enum" in schema and value not in schema["enum"]:
        problems.append(f"{where}: {value!r} is not one of {schema['enum']}")
    if kind == "object":
        if not isinstance(value, dict):
            return [f"{where}: expected an object, got {type(value).__name__}"]
        properties = schema.get("properties") or {}
        if properties:
            for key, item in value.items():
                if key not in properties:
                    problems.append(f"{where}.{key}: emitted, but not in the spec")
                else:
                    problems += check(product, item, properties[key], f"{where}.{key}")
            problems += [f"{where}.{key}: in the spec, but not emitted" for key in properties if key not in value]
        elif schema.get("format") == "uri-map":
            problems += [
                f"{where}.{k}: a uri-map value must be a string" for k, v in value.items() if not isinstance(v, str)
            ]
    elif kind == "array":
        if not isinstance(value, list):
            return [f"{where}: expected an array, got {type(value).__name__}"]
        for index, item in enumerate(value):
            problems += check(product, item, schema.get("items") or {}, f"{where}[{index}]")
    elif kind == "string":
        if not isinstance(value, str):
            return [f"{where}: expected a string, got {type(value).__name__} {value!r}"]
        if "pattern" in schema and not re.search(schema["pattern"], value):
            problems.append(f"{where}: {value!r} does not match {schema['pattern']}")
        if not schema.get("minLength", 0) <= len(value) <= schema.get("maxLength", len(value)):
            problems.append(f"{where}: {value!r} has the wrong length")
        if "format" in schema and not _format_ok(schema["format"], value):
            problems.append(f"{where}: {value!r} is not a {schema['format']}")
    elif kind == "integer":
        if isinstance(value, bool) or not isinstance(value, int):
            problems.append(f"{where}: expected an integer, got {type(value).__name__} {value!r}")
    elif kind == "number":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            problems.append(f"{where}: expected a number, got {type(value).__name__} {value!r}")
    elif kind == "boolean" and not isinstance(value, bool):
        problems.append(f"{where}: expected a boolean, got {type(value).__name__} {value!r}")
    return problems


# --- the simulator's responses --------------------------------------------------------------------

DEMO = load_scenario(DEMO_SCENARIO)
PARENT, SUPPORT, SANDBOX = (a.sid for a in DEMO.accounts[:3])
TOKENS = {a.sid: a.auth_token for a in DEMO.accounts}


@pytest.fixture(scope="module")
def conformance_sim() -> Iterator[Simulator]:
    with Simulator(DEMO) as running:
        yield running


def fetch(sim: Simulator, method: str, path: str, account: str, form: str = "") -> tuple[int, Any]:
    request = urllib.request.Request(sim.url + path, method=method, data=form.encode() or None)
    credentials = f"{account}:{TOKENS[account]}".encode()
    request.add_header("Authorization", "Basic " + base64.b64encode(credentials).decode())
    if form:
        request.add_header("Content-Type", "application/x-www-form-urlencoded")
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def _cases() -> list[tuple[str, str, str, str, int]]:
    """(method, path, account, form, expected status) for every endpoint, over the whole demo."""
    api = "/2010-04-01/Accounts"
    cases = [
        ("GET", f"{api}.json", PARENT, "", 200),
        ("GET", f"{api}.json?PageSize=1&Page=1", PARENT, "", 200),
        ("GET", f"{api}.json?FriendlyName=Acme+Sandbox&Status=active", PARENT, "", 200),
        ("POST", f"{api}/{PARENT}/Messages.json", PARENT, "To=%2B14155550123&From=%2B15017122661&Body=hi", 201),
        ("GET", "/v1/Messaging/GeoPermissions?CountryCode=US,PR,NG", PARENT, "", 200),
        ("GET", "/v1/Messaging/GeoPermissions", SUPPORT, "", 200),
        ("PATCH", "/v1/Messaging/GeoPermissions", SANDBOX,
         "Permissions=%7B%22country_code%22%3A%22FR%22%2C%22type%22%3A%22country%22%2C%22enabled%22%3Atrue%7D"
         "&Permissions=%7B%22country_code%22%3A%22NG%22%2C%22type%22%3A%22country%22%2C%22enabled%22%3Atrue%7D", 200),
        ("GET", "/v1/DialingPermissions/Countries", PARENT, "", 200),
        ("GET", "/v1/DialingPermissions/Countries?PageSize=3&Page=2&LowRiskNumbersEnabled=false", PARENT, "", 200),
        ("GET", "/v1/DialingPermissions/Countries/GB", SUPPORT, "", 200),
        ("GET", "/v1/DialingPermissions/Countries/PR", PARENT, "", 200),
        ("GET", "/v1/DialingPermissions/Countries/GB/HighRiskSpecialPrefixes", PARENT, "", 200),
        ("GET", "/v1/DialingPermissions/Countries/GB/HighRiskSpecialPrefixes?PageSize=1&Page=1", PARENT, "", 200),
        ("POST", "/v1/DialingPermissions/BulkCountryUpdates", SUPPORT,
         "UpdateRequest=%5B%7B%22iso_code%22%3A%22MX%22%2C%22low_risk_numbers_enabled%22%3A%22true%22%7D%5D", 201),
        ("GET", "/v1/Settings", SUPPORT, "", 200),
        ("POST", "/v1/Settings", SUPPORT, "DialingPermissionsInheritance=true", 202),
        ("GET", "/v1/Alerts?LogLevel=error&StartDate=2016-01-01", PARENT, "", 200),
    ]  # fmt: skip
    for account in DEMO.accounts:
        cases.append(("GET", f"{api}/{account.sid}.json", PARENT, "", 200))
        cases.append(("GET", "/v1/Alerts", account.sid, "", 200))
        cases.append(("GET", f"{api}/{account.sid}/Messages.json?PageSize=2", PARENT, "", 200))
        cases.append(("GET", f"{api}/{account.sid}/Notifications.json?Log=0", PARENT, "", 200))
        for message in account.messages:
            cases.append(("GET", f"{api}/{account.sid}/Messages/{message.sid}.json", PARENT, "", 200))
        for call in account.calls:
            cases.append(("GET", f"{api}/{account.sid}/Calls/{call.sid}.json", PARENT, "", 200))
            cases.append(("GET", f"{api}/{account.sid}/Calls/{call.sid}/Notifications.json", PARENT, "", 200))
    for alert in DEMO.alerts():
        cases.append(("GET", f"/v1/Alerts/{alert.sid}", alert.account_sid, "", 200))
    return cases


CASES = _cases()


@pytest.mark.parametrize(("method", "path", "account", "form", "status"), CASES, ids=[f"{c[0]} {c[1]}" for c in CASES])
def test_response_conforms_to_the_spec(conformance_sim, method, path, account, form, status):
    got_status, body = fetch(conformance_sim, method, path, account, form)
    assert got_status == status, body
    schema, _ = response_schema(method, path.split("?")[0], status)
    problems = check(product_of(path), body, schema)
    assert not problems, "\n".join(problems)


def test_every_route_is_a_spec_operation_and_is_covered():
    for method, pattern, _ in _ROUTES:
        covered = [path for m, path, *_ in CASES if m == method and pattern.fullmatch(path.split("?")[0])]
        assert covered, f"no conformance case for {method} {pattern.pattern}"
        operation(method, covered[0].split("?")[0])


def test_the_checker_accepts_the_specs_own_examples():
    checked = 0
    for method, path, *_, status in CASES:
        schema, examples = response_schema(method, path.split("?")[0], status)
        for name, example in examples.items():
            problems = check(product_of(path), example["value"], schema)
            # The spec's examples omit some listed fields; only wrong types and unknown fields count here.
            problems = [p for p in problems if not p.endswith("in the spec, but not emitted")]
            assert not problems, f"{method} {path} example {name}: {problems}"
            checked += 1
    assert checked > 10


def test_the_checker_rejects_wrong_types_unknown_and_missing_fields():
    schema = {"$ref": "#/components/schemas/api.v2010.account.call.call_notification"}
    note = fetch_first_notification()
    assert check("api", note, schema) == []
    assert check("api", {**note, "error_code": 21215}, schema) == ["$.error_code: expected a string, got int 21215"]
    assert check("api", {**note, "extra": 1}, schema) == ["$.extra: emitted, but not in the spec"]
    missing = {k: v for k, v in note.items() if k != "log"}
    assert check("api", missing, schema) == ["$.log: in the spec, but not emitted"]
    assert check("api", {**note, "request_method": "PUT"}, schema)
    assert check("api", {**note, "date_created": "2026-01-01"}, schema)


def fetch_first_notification() -> dict[str, Any]:
    from diagnose.simulator import _payloads

    return _payloads.notification(next(c for c in DEMO.calls() if c.notifications).notifications[0])


# --- what the spec leaves untyped: geo-permission entries, and error bodies -----------------------


def _example_entries(method: str) -> list[dict[str, Any]]:
    _, examples = response_schema(method, "/v1/Messaging/GeoPermissions", 200)
    return next(iter(examples.values()))["value"]["permissions"]


def _same_shape(entry: dict[str, Any], example: dict[str, Any]) -> None:
    assert set(entry) == set(example)
    for key, value in entry.items():
        assert type(value) is type(example[key]), key


def test_geo_permission_entries_have_the_shape_of_the_spec_examples(conformance_sim):
    _, body = fetch(conformance_sim, "GET", "/v1/Messaging/GeoPermissions?CountryCode=IN,PK,US", PARENT)
    example = _example_entries("GET")[0]
    assert [e["country_code"] for e in body["permissions"]] == ["IN", "PK", "US"]
    for entry in body["permissions"]:
        _same_shape(entry, example)
    assert body["permissions"][1]["message"] == _example_entries("GET")[1]["message"]  # "High Risk Country"
    form = "Permissions=" + "&Permissions=".join(
        urllib.request.quote(json.dumps({"country_code": c, "type": "country", "enabled": True})) for c in ("IN", "PK")
    )
    # Acme Support has SMS inheritance off (a list of its own); an inheriting subaccount would get 30648.
    status, body = fetch(conformance_sim, "PATCH", "/v1/Messaging/GeoPermissions", SUPPORT, form)
    assert status == 200
    expected = _example_entries("PATCH")
    for entry, spec_entry in zip(body["permissions"], expected, strict=True):
        _same_shape(entry, spec_entry)
        assert (entry["error_code"], entry["error_messages"]) == (
            0 if spec_entry["error_code"] == 0 else spec_entry["error_code"],
            spec_entry["error_messages"],
        )


@pytest.mark.parametrize(
    ("method", "path", "account", "status", "code"),
    [
        ("GET", "/v1/Alerts", "wrong", 401, 20003),
        ("GET", f"/2010-04-01/Accounts/{PARENT}/Messages/SM{'0' * 32}.json", PARENT, 404, 20404),
        ("GET", f"/2010-04-01/Accounts/{PARENT}.json", SUPPORT, 401, 20003),
        ("DELETE", "/v1/Settings", PARENT, 405, 20004),
        ("POST", "/v1/DialingPermissions/BulkCountryUpdates", PARENT, 400, 20422),
    ],
)
def test_error_bodies_have_twilios_shape(conformance_sim, method, path, account, status, code):
    if account == "wrong":
        TOKENS["wrong"] = "nope"
    got, body = fetch(conformance_sim, method, path, account, "UpdateRequest=%5B%5D" if method == "POST" else "")
    assert (got, body["code"], body["status"]) == (status, code, status)
    assert set(body) == {"code", "message", "more_info", "status"}
    assert body["more_info"] == f"https://www.twilio.com/docs/errors/{code}"
    assert isinstance(body["message"], str) and body["message"]
