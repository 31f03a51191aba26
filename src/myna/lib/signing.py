"""Webhook signatures: HMAC-SHA256 over the timestamp and the body, as receivers check them."""

import hashlib
import hmac

PREFIX = "sha256="


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The `X-Myna-Signature` header: `sha256=` and the hex HMAC-SHA256, keyed with the
    subscription's secret, of `{timestamp}.{body}`. The timestamp inside the signed text lets a
    receiver refuse an old delivery replayed by someone who recorded it."""
    message = str(timestamp).encode() + b"." + body
    return PREFIX + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def verify(secret: str, timestamp: int, body: bytes, signature: str) -> bool:
    """What a receiver does (in constant time); Myna's tests use it as receivers."""
    return hmac.compare_digest(sign(secret, timestamp, body), signature)
