"""Webhook signatures: lowercase hex HMAC-SHA256 keyed with the base62-decoded secret.

Smartpay signs ``"<Smartpay-Signature-Timestamp>.<raw body>"`` (spec §7.2).
:func:`calculate_webhook_signature` and :func:`verify_webhook_signature` mirror the
official reference (the caller builds the message); :func:`verify_webhook` does the whole
check on the raw request bytes: headers present, timestamp well formed, signature
matching one of several secrets (compared in constant time), and the timestamp within a
tolerance in both directions, which the official receivers never check (spec §9 item 7).
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Iterable
from functools import lru_cache
from typing import Final

from . import base62, defaults
from .constants import HEADER_SIGNATURE, HEADER_SIGNATURE_TIMESTAMP
from .defaults import DEFAULT_WEBHOOK_TOLERANCE as DEFAULT_TOLERANCE
from .errors import WebhookSignatureError

ERROR_MISSING_HEADER: Final = "webhook.missing-header"
ERROR_INVALID_TIMESTAMP: Final = "webhook.invalid-timestamp"
ERROR_STALE_TIMESTAMP: Final = "webhook.timestamp-too-old"
ERROR_FUTURE_TIMESTAMP: Final = "webhook.timestamp-in-future"
ERROR_INVALID_SIGNATURE: Final = "webhook.invalid-signature"

# Timestamps below this are taken as seconds, above as milliseconds (Smartpay sends ms).
_SECONDS_LIMIT: Final = 10**11


def _signing_key(secret: str) -> bytes:
    if not isinstance(secret, str) or not secret.strip():
        raise ValueError("a webhook signing secret must be a non-empty base62 string")
    return _decoded(secret.strip())


@lru_cache(maxsize=64)
def _decoded(secret: str) -> bytes:
    """The key of a secret, decoded once per process (it is used on every delivery)."""
    return base62.decode(secret)


def _as_bytes(data: str | bytes | bytearray | memoryview) -> bytes:
    return data.encode("utf-8") if isinstance(data, str) else bytes(data)


def calculate_webhook_signature(data: str | bytes, secret: str) -> str:
    """Lowercase hex HMAC-SHA256 of ``data`` (``"<timestamp>.<body>"``) under ``secret``.

    Raises :class:`ValueError` when ``secret`` is empty or not base62 (a configuration
    mistake, not a bad request).
    """
    return hmac.new(_signing_key(secret), _as_bytes(data), hashlib.sha256).hexdigest()


def verify_webhook_signature(data: str | bytes, secret: str, signature: str | bytes | None) -> bool:
    """Whether ``signature`` is the signature of ``data`` under ``secret`` (constant time)."""
    if not signature:
        return False
    given = signature.strip().lower() if isinstance(signature, str) else bytes(signature).strip().lower()
    if isinstance(given, str):
        if not given.isascii():
            return False
        given = given.encode("ascii")
    expected = calculate_webhook_signature(data, secret).encode("ascii")
    return hmac.compare_digest(expected, given)


def verify_webhook(
    body: bytes | str,
    *,
    timestamp: str | None,
    signature: str | None,
    secrets: str | Iterable[str],
    tolerance: float | None = DEFAULT_TOLERANCE,
    now_ms: int | None = None,
) -> str:
    """Verify a webhook delivery from its raw body and headers; return the matching secret.

    ``timestamp`` and ``signature`` are the ``Smartpay-Signature-Timestamp`` and
    ``Smartpay-Signature`` header values (``None`` when absent).  ``secrets`` is one
    signing secret or several (during a rotation, or one per endpoint).  The timestamp is
    in milliseconds (values below 10**11 are read as seconds) and must be within
    ``tolerance`` seconds of ``now_ms`` (default: the clock), in the past or the future;
    ``tolerance=None`` turns that check off explicitly; any other value that is not a
    positive, finite number of seconds (NaN, infinity, a bool, a string, a negative
    number) raises :class:`ValueError` instead of weakening the check.

    Raises :class:`WebhookSignatureError` whose ``error_code`` says what failed
    (``webhook.missing-header``, ``webhook.invalid-timestamp``, ``webhook.invalid-signature``,
    ``webhook.timestamp-too-old``, ``webhook.timestamp-in-future``), and
    :class:`ValueError` when no secret is configured or one is not base62.
    """
    limit = None if tolerance is None else defaults.webhook_tolerance(tolerance)
    secret_list = [secrets] if isinstance(secrets, str) else list(secrets)
    if not secret_list:
        raise ValueError("no webhook signing secret is configured")
    keys = [_signing_key(secret) for secret in secret_list]  # fail early on a bad secret
    if timestamp is None or not timestamp.strip():
        raise WebhookSignatureError(
            f"missing {HEADER_SIGNATURE_TIMESTAMP} header", error_code=ERROR_MISSING_HEADER
        )
    if signature is None or not signature.strip():
        raise WebhookSignatureError(f"missing {HEADER_SIGNATURE} header", error_code=ERROR_MISSING_HEADER)
    stamp = timestamp.strip()
    if not (stamp.isascii() and stamp.isdigit() and len(stamp) <= 16):
        raise WebhookSignatureError(
            f"{HEADER_SIGNATURE_TIMESTAMP} must be milliseconds since the epoch",
            error_code=ERROR_INVALID_TIMESTAMP,
        )
    message = stamp.encode("ascii") + b"." + _as_bytes(body)
    given = signature.strip().lower()
    given_bytes = given.encode("ascii") if given.isascii() else b""
    matched: str | None = None
    for secret, key in zip(secret_list, keys, strict=True):
        expected = hmac.new(key, message, hashlib.sha256).hexdigest().encode("ascii")
        # Every secret is tried, so the time taken does not reveal which one matched.
        if hmac.compare_digest(expected, given_bytes) and matched is None:
            matched = secret
    if matched is None:
        raise WebhookSignatureError(f"{HEADER_SIGNATURE} does not match any signing secret")
    if limit is not None:
        sent_ms = int(stamp)
        if sent_ms < _SECONDS_LIMIT:
            sent_ms *= 1000
        now = int(time.time() * 1000) if now_ms is None else now_ms
        if now - sent_ms > limit * 1000:
            raise WebhookSignatureError(
                f"{HEADER_SIGNATURE_TIMESTAMP} is more than {limit:g} s old",
                error_code=ERROR_STALE_TIMESTAMP,
            )
        if sent_ms - now > limit * 1000:
            raise WebhookSignatureError(
                f"{HEADER_SIGNATURE_TIMESTAMP} is more than {limit:g} s in the future",
                error_code=ERROR_FUTURE_TIMESTAMP,
            )
    return matched
