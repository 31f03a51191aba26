"""Webhook signatures, and the URL and address rules every delivery checks."""

import hashlib
import hmac

import pytest

from myna.backends.webhooks import check_url, public_address
from myna.lib.errors import ValidationFailed
from myna.lib.signing import sign, verify


def test_the_signature_is_hmac_sha256_over_timestamp_dot_body() -> None:
    body = b'{"event":"mention"}'
    expected = hmac.new(b"s3cret", b"1700000000." + body, hashlib.sha256).hexdigest()
    assert sign("s3cret", 1700000000, body) == f"sha256={expected}"
    assert verify("s3cret", 1700000000, body, f"sha256={expected}")


@pytest.mark.parametrize(
    ("secret", "timestamp", "body"),
    [("other", 1700000000, b"{}"), ("s3cret", 1700000001, b"{}"), ("s3cret", 1700000000, b"{ }")],
)
def test_any_change_breaks_the_signature(secret: str, timestamp: int, body: bytes) -> None:
    assert not verify(secret, timestamp, body, sign("s3cret", 1700000000, b"{}"))


def test_urls() -> None:
    assert check_url("https://bot.example/hooks?x=1").host == "bot.example"
    assert check_url("http://127.0.0.1:8080/h").port == 8080
    assert check_url("http://[::1]/h").host == "::1"
    for bad in (
        "ftp://bot.example/",
        "https://",
        "/relative",
        "http://bot.example/plain-http",
        "https://user:pw@bot.example/",
        "https://bot.example/#frag",
        "https://bot.example:99999/",
        "https://bot.example/" + "x" * 2000,
    ):
        with pytest.raises(ValidationFailed):
            check_url(bad)


def test_only_public_addresses() -> None:
    assert public_address("93.184.216.34")
    assert public_address("2606:2800:220:1:248:1893:25c8:1946")
    for private in (
        "127.0.0.1",
        "10.0.0.1",
        "172.16.5.4",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "::1",
        "fe80::1",
        "fc00::1",
        "::ffff:10.0.0.1",
        "224.0.0.1",
    ):
        assert not public_address(private), private
