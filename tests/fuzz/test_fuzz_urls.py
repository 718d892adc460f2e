"""Property-based tests of the two URL gates: Dwolla's Location header and the configured base URL.

A Location decides which exchange id we store as created, and the base URL decides where tokens and
credentials are sent; both must accept exactly one shape and refuse every look-alike.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
import requests
from hypothesis import example, given
from hypothesis import strategies as st

from exchange_linker.adapters.dwolla_http import DwollaHttpApi
from exchange_linker.adapters.secrets_manager import ClientCredentials
from exchange_linker.errors import ConfigurationError
from exchange_linker.settings import is_loopback, validate_base_url
from tests.fuzz.strategies import fuzz_settings

EXCHANGE_ID = re.compile(r"[A-Za-z0-9-]{1,64}")
BASES = ["https://api.dwolla.com", "https://api-sandbox.dwolla.com", "http://127.0.0.1:8089"]


def api(base: str) -> DwollaHttpApi:
    return DwollaHttpApi(base, lambda: ClientCredentials("k", "s"), session=requests.Session())


# ------------------------------------------------------------------------------------------- Location


def hostile_locations(base: str) -> st.SearchStrategy[str]:
    netloc = urlsplit(base).netloc
    host = urlsplit(base).hostname or ""
    schemes = st.sampled_from(["https", "http", "HTTPS", "ftp", "javascript", "file", "", "https:"])
    separators = st.sampled_from(["://", ":/", ":", ":///", "//", ":\\\\"])
    hosts = st.sampled_from(
        [
            netloc,
            netloc.upper(),
            f"{netloc}@evil.example",
            f"evil.example@{netloc}",
            f"{netloc}:443",
            f"{host}.",
            f"{host}.evil.example",
            f"{netloc}%2F@evil.example",
            f"{netloc}\\@evil.example",
            "evil.example",
            "127.0.0.1",
            "",
        ]
    )
    paths = st.sampled_from(
        [
            "/exchanges/x",
            "/exchanges/x/",
            "/exchanges/../customers/x",
            "/exchanges/%2F..%2Fx",
            "/exchanges/a%2Fb",
            "/exchanges//x",
            "/exchanges/" + "a" * 65,
            "/Exchanges/x",
            "/exchanges/x?y=1",
            "/exchanges/x#y",
            "/exchanges/x;y",
            "/exchanges/x.y",
            "/exchanges/",
            "/customers/x/exchanges",
            "/exchanges/x\x00",
            "/exchanges/é",
            "",
        ]
    )
    composed = st.builds(lambda s, sep, h, p: f"{s}{sep}{h}{p}", schemes, separators, hosts, paths)
    return st.one_of(
        composed,
        st.builds(lambda prefix, p: prefix + p, st.sampled_from(["//evil.example", "/", "", "//" + netloc]), paths),
        st.text(max_size=80),
        st.builds(lambda junk: f"{base}/exchanges/{junk}", st.text(max_size=20)),
    )


@fuzz_settings(500)
@given(st.data(), st.sampled_from(BASES))
@example(data=None, base="https://api.dwolla.com")
def test_only_base_exchanges_id_is_accepted(data: st.DataObject | None, base: str) -> None:
    locations = (
        [
            "https://api.dwolla.com@evil.example/exchanges/x",
            "//evil.example/exchanges/x",
            "https://evil.example/exchanges/x",
            "http://api.dwolla.com/exchanges/x",
            "https://api.dwolla.com/exchanges/..%2Fx",
            "https://api.dwolla.com/exchanges/x%2F..",
            "https://api.dwolla.com.evil.example/exchanges/x",
            "https://api.dwolla.com:444/exchanges/x",
            "https://api.dwolla.com./exchanges/x",
            "https://api.dwolla.com:/exchanges/x",
            "javascript://api.dwolla.com/exchanges/x",
            "/exchanges/x",
        ]
        if data is None
        else [data.draw(hostile_locations(base))]
    )
    for location in locations:
        exchange_id = api(base)._exchange_id(location)
        if exchange_id is not None:
            # The base in another spelling (scheme and host case, default port: RFC 3986 6.2.3), then
            # exactly /exchanges/{id}: nothing a parser could drop or reinterpret.
            origin, _, rest = location.rpartition("/exchanges/")
            assert rest == exchange_id
            assert EXCHANGE_ID.fullmatch(exchange_id)
            assert not set("@\\%") & set(origin)
            assert validate_base_url(origin) == base
            assert urlsplit(location).hostname == urlsplit(base).hostname


@fuzz_settings(200)
@given(st.sampled_from(BASES), st.from_regex(EXCHANGE_ID, fullmatch=True))
def test_a_genuine_location_is_accepted(base: str, exchange_id: str) -> None:
    assert api(base)._exchange_id(f"{base}/exchanges/{exchange_id}") == exchange_id


@pytest.mark.parametrize(
    ("base", "location"),
    [
        ("https://api.dwolla.com", "https://api.dwolla.com:443/exchanges/abc"),
        ("https://api.dwolla.com", "HTTPS://API.DWOLLA.COM/exchanges/abc"),
        ("https://api.dwolla.com", "Https://Api.Dwolla.Com:443/exchanges/abc"),
        ("https://API.Dwolla.com:443/", "https://api.dwolla.com/exchanges/abc"),
        ("http://127.0.0.1:8089/", "HTTP://127.0.0.1:8089/exchanges/abc"),
        ("http://LOCALHOST:8089", "http://localhost:8089/exchanges/abc"),
        ("http://[::1]:8089", "http://[::1]:8089/exchanges/abc"),
        ("https://dwolla.internal.example:8443", "https://DWOLLA.internal.example:08443/exchanges/abc"),
    ],
)
def test_our_host_in_another_spelling_is_accepted(base: str, location: str) -> None:
    """Scheme and host case and a default port do not make another host (issue 11, item 5)."""
    assert api(base)._exchange_id(location) == "abc"


@pytest.mark.parametrize(
    "location",
    [
        "https://api.dwolla.com/exchanges/ab\tc",
        " https://api.dwolla.com/exchanges/abc",
        "https://api.dwolla.com/exch\nanges/abc",
    ],
)
def test_locations_urlsplit_rewrites_are_rejected(location: str) -> None:
    """urlsplit() used to drop tab/CR/LF and leading blanks: an id for a Location that was not exact."""
    assert api("https://api.dwolla.com")._exchange_id(location) is None


def test_a_malformed_location_host_is_rejected_not_raised() -> None:
    """urlsplit() used to raise ValueError here, out of create_exchange."""
    assert api("https://api.dwolla.com")._exchange_id("https://[/exchanges/x") is None


# ------------------------------------------------------------------------------------------- base URL


def hostile_base_urls() -> st.SearchStrategy[str]:
    schemes = st.sampled_from(["https", "http", "HTTP", "ftp", "ws", "", "https:/", "file"])
    userinfo = st.sampled_from(["", "user@", "user:pw@", "api.dwolla.com@", "127.0.0.1@"])
    hosts = st.sampled_from(
        [
            "api.dwolla.com",
            "127.0.0.1",
            "127.0.0.2",
            "127.1",
            "0x7f000001",
            "2130706433",
            "0.0.0.0",
            "localhost",
            "LOCALHOST",
            "localhost.evil.example",
            "127.0.0.1.evil.example",
            "[::1]",
            "[::ffff:127.0.0.1]",
            "10.0.0.1",
            "169.254.169.254",
            "evil.example",
            "",
        ]
    )
    ports = st.sampled_from(["", ":8089", ":0", ":65535", ":65536", ":abc", ":", ":-1"])
    suffixes = st.sampled_from(["", "/", "/x", "/..", "?a=1", "#f", "@evil.example", "\\@evil.example", "%2F"])
    composed = st.builds(lambda s, u, h, p, x: f"{s}://{u}{h}{p}{x}", schemes, userinfo, hosts, ports, suffixes)
    return st.one_of(composed, st.text(max_size=60))


@fuzz_settings(600)
@given(hostile_base_urls())
@example("http://127.0.0.1.evil.example:8089")
@example("http://localhost@evil.example")
@example("https://api.dwolla.com@evil.example")
@example("http://169.254.169.254")
def test_base_url_is_https_or_loopback_http_and_nothing_else(url: str) -> None:
    try:
        accepted = validate_base_url(url)
    except ConfigurationError:
        return
    parts = urlsplit(accepted)
    assert accepted == f"{parts.scheme}://{parts.netloc}"
    assert parts.scheme == "https" or (parts.scheme == "http" and is_loopback(parts.hostname or ""))
    assert "@" not in parts.netloc
    assert not parts.path
    assert not parts.query
    assert not parts.fragment
    assert parts.hostname
    assert validate_base_url(accepted) == accepted  # stable: what we accept is what we use


@fuzz_settings(150)
@given(st.integers(1, 65535), st.sampled_from(["127.0.0.1", "localhost", "[::1]", "127.8.9.10"]))
def test_loopback_http_with_any_port_is_accepted(port: int, host: str) -> None:
    assert validate_base_url(f"http://{host}:{port}") == f"http://{host}:{port}"


@pytest.mark.parametrize("host", ["api.dwolla.com", "10.0.0.1", "evil.example", "0.0.0.0", "127.0.0.1.nip.io"])
def test_plain_http_off_loopback_is_refused(host: str) -> None:
    with pytest.raises(ConfigurationError):
        validate_base_url(f"http://{host}:8089")


def test_a_malformed_ipv6_base_url_is_a_configuration_error() -> None:
    """It used to be a ValueError."""
    with pytest.raises(ConfigurationError):
        validate_base_url("http://[::1")
