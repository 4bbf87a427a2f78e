"""Properties of the gateway's pure parts: URL rewriting, Retry-After, backoff, credentials."""

from __future__ import annotations

import email.utils
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from diagnose.errors import CredentialsError, InputError
from diagnose.gateway import Credentials, RetryPolicy, check_api_url, credentials_from_env, rewrite_url
from diagnose.gateway._http import with_query

PRODUCTS = st.sampled_from(["api", "accounts", "voice", "monitor", "messaging", "lookups"])
HOSTS = st.one_of(
    st.just("127.0.0.1"),
    st.just("localhost"),
    st.from_regex(r"[a-z0-9]([a-z0-9-]{0,8}[a-z0-9])?(\.[a-z]{2,6}){0,2}", fullmatch=True),
)
SEGMENT = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~%:@!$&'()*+,;=", min_size=1, max_size=12
)
PATHS = st.lists(SEGMENT, min_size=1, max_size=6).map(lambda parts: "/" + "/".join(parts))
QUERIES = st.one_of(
    st.just(""),
    st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789=&%+,:/?-._~", max_size=40),
)


@st.composite
def api_urls(draw: st.DrawFn) -> str:
    scheme = draw(st.sampled_from(["http", "https"]))
    host = draw(HOSTS)
    port = draw(st.one_of(st.just(""), st.integers(1, 65535).map(lambda p: f":{p}")))
    prefix = draw(st.lists(SEGMENT.filter(lambda s: s not in {".", ".."}), max_size=3))
    slash = draw(st.sampled_from(["", "/"]))
    return f"{scheme}://{host}{port}" + "".join("/" + p for p in prefix) + slash


@given(api_urls(), PRODUCTS, PATHS, QUERIES)
def test_rewrite_keeps_path_and_query_exactly(api_url: str, product: str, path: str, query: str) -> None:
    twilio = f"https://{product}.twilio.com{path}" + (f"?{query}" if query else "")
    rewritten = rewrite_url(twilio, check_api_url(api_url))
    assert rewritten == api_url.rstrip("/") + path + (f"?{query}" if query else "")


@given(PRODUCTS, PATHS, QUERIES)
def test_no_api_url_leaves_the_url_alone(product: str, path: str, query: str) -> None:
    url = f"https://{product}.twilio.com{path}" + (f"?{query}" if query else "")
    assert rewrite_url(url, None) == url


@pytest.mark.parametrize(
    ("api_url", "expected"),
    [
        ("http://proxy/twilio", "http://proxy/twilio/2010-04-01/Accounts.json?PageSize=50"),
        ("http://proxy/twilio/", "http://proxy/twilio/2010-04-01/Accounts.json?PageSize=50"),
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080/2010-04-01/Accounts.json?PageSize=50"),
    ],
)
def test_rewrite_examples(api_url: str, expected: str) -> None:
    url = "https://api.twilio.com/2010-04-01/Accounts.json?PageSize=50"
    assert rewrite_url(url, check_api_url(api_url)) == expected


@pytest.mark.parametrize("bad", ["ftp://host", "127.0.0.1:8080", "http://", "http://host/?x=1", "http://host/#f"])
def test_bad_api_url_is_an_input_error(bad: str) -> None:
    with pytest.raises(InputError):
        check_api_url(bad)


@given(st.dictionaries(st.sampled_from(["PageSize", "CountryCode", "StartDate"]), st.text(max_size=10)))
def test_with_query_appends_every_parameter(params: dict[str, str]) -> None:
    from urllib.parse import parse_qsl, urlsplit

    shown = with_query("https://monitor.twilio.com/v1/Alerts", params)
    assert dict(parse_qsl(urlsplit(shown).query, keep_blank_values=True)) == params


# --- Retry-After and backoff -------------------------------------------------------


@given(st.text(max_size=40))
def test_retry_after_never_raises(value: str) -> None:
    from diagnose.gateway import parse_retry_after

    seconds = parse_retry_after(value)
    assert seconds is None or seconds >= 0


@given(st.floats(min_value=0, max_value=1e6, allow_nan=False))
def test_retry_after_seconds(value: float) -> None:
    from diagnose.gateway import parse_retry_after

    assert parse_retry_after(repr(value)) == pytest.approx(value)


def test_retry_after_http_date() -> None:
    from diagnose.gateway import parse_retry_after

    now = time.time()
    date = email.utils.formatdate(now + 30, usegmt=True)
    assert parse_retry_after(date, now=now) == pytest.approx(30, abs=1)
    assert parse_retry_after(email.utils.formatdate(now - 30, usegmt=True), now=now) == 0


@given(st.integers(1, 30), st.floats(0, 1, exclude_max=True))
def test_backoff_is_bounded_and_jittered(attempt: int, rand: float) -> None:
    policy = RetryPolicy(backoff_base=0.5, backoff_max=8.0)
    delay = policy.backoff(attempt, lambda: rand)
    ceiling = min(8.0, 0.5 * 2 ** (attempt - 1))
    assert ceiling / 2 <= delay <= ceiling


# --- credentials ---------------------------------------------------------------------

ENV_KEYS = ["TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_API_KEY", "TWILIO_API_SECRET", "TWILIO_REGION"]
ENV_VALUES = st.one_of(
    st.just(""),
    st.just("AC" + "0123456789abcdef" * 2),
    st.just("SK" + "fedcba9876543210" * 2),
    st.text(max_size=20),
)


@given(st.dictionaries(st.sampled_from(ENV_KEYS), ENV_VALUES))
def test_credentials_from_any_env_are_credentials_or_a_credentials_error(env: dict[str, str]) -> None:
    try:
        creds = credentials_from_env(env)
    except CredentialsError as err:
        assert "TWILIO_" in str(err)
        return
    assert isinstance(creds, Credentials)
    assert creds.account_sid.startswith("AC")
    secret = env.get("TWILIO_AUTH_TOKEN") if creds.kind == "auth_token" else env.get("TWILIO_API_SECRET")
    assert creds.password == (secret or "").strip()
    assert "password" not in repr(creds)
