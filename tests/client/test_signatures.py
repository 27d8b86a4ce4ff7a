"""Webhook signatures: the shared vectors, tolerance both ways, several secrets, constant time."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from django_smartpay.client import (
    SmartpayClient,
    WebhookSignatureError,
    base62,
    calculate_webhook_signature,
    signatures,
    verify_webhook,
    verify_webhook_signature,
)

# A copy of shared/vectors/webhook-signatures.json, so the suite runs from an sdist too;
# test_vector_copy_matches_the_shared_file keeps it honest wherever shared/ is beside us.
VECTORS_FILE = Path(__file__).with_name("webhook-signatures.json")
SHARED_VECTORS_FILE = Path(__file__).resolve().parents[3] / "shared" / "vectors" / "webhook-signatures.json"
VECTORS = json.loads(VECTORS_FILE.read_text())["vectors"]
SIGNED = [vector for vector in VECTORS if "timestamp" in vector]
OFFICIAL = VECTORS[0]
SECRET = OFFICIAL["secret"]
STAMP = OFFICIAL["timestamp"]
BODY = OFFICIAL["body"].encode()
SIGNATURE = OFFICIAL["signature"]
NOW = int(STAMP)
# The official timestamp in full-width digits: str.isdigit() is true for them.
FULLWIDTH_STAMP = STAMP.translate({ord(digit): 0xFF10 + int(digit) for digit in "0123456789"})
OTHER_SECRET = "Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZmdo"


def test_vector_file_has_the_four_expected_vectors():
    assert [vector["name"] for vector in VECTORS] == [
        "official-payment-created",
        "official-raw-message",
        "leading-A-secret-41",
        "leading-A-secret-40",
    ]


@pytest.mark.parametrize("vector", VECTORS, ids=[vector["name"] for vector in VECTORS])
def test_key_bytes_follow_the_base_x_rule(vector):
    assert base62.decode(vector["secret"]).hex() == vector["key_bytes_hex"]


@pytest.mark.parametrize("vector", SIGNED, ids=[vector["name"] for vector in SIGNED])
def test_signed_vectors(vector):
    message = f"{vector['timestamp']}.{vector['body']}"
    assert calculate_webhook_signature(message, vector["secret"]) == vector["signature"]
    assert calculate_webhook_signature(message.encode(), vector["secret"]) == vector["signature"]
    assert verify_webhook_signature(message, vector["secret"], vector["signature"]) is True
    matched = verify_webhook(
        vector["body"].encode(),
        timestamp=vector["timestamp"],
        signature=vector["signature"],
        secrets=vector["secret"],
        now_ms=int(vector["timestamp"]),
    )
    assert matched == vector["secret"]


def test_raw_message_vector_has_no_timestamp_prefix():
    vector = VECTORS[1]
    assert calculate_webhook_signature(vector["message"], vector["secret"]) == vector["signature"]
    assert calculate_webhook_signature("test data", "MOCKSECRETKEY") == vector["signature"]
    assert verify_webhook_signature(b"test data", "MOCKSECRETKEY", vector["signature"]) is True


def test_leading_zero_bytes_matter():
    """A decoder that drops leading zero bytes (pybase62) gives a different signature."""
    vector = VECTORS[2]
    message = f"{vector['timestamp']}.{vector['body']}".encode()
    import hashlib
    import hmac

    stripped_key = base62.decode(vector["secret"]).lstrip(b"\x00")
    wrong = hmac.new(stripped_key, message, hashlib.sha256).hexdigest()
    assert wrong != vector["signature"]
    assert calculate_webhook_signature(message, vector["secret"]) == vector["signature"]


@pytest.mark.parametrize(
    "signature",
    [SIGNATURE.upper(), f" {SIGNATURE} ", SIGNATURE.encode()],
    ids=["upper", "padded", "bytes"],
)
def test_verify_signature_accepts_harmless_variations(signature):
    assert verify_webhook_signature(f"{STAMP}.{OFFICIAL['body']}", SECRET, signature) is True


@pytest.mark.parametrize(
    "signature",
    ["", None, SIGNATURE[:-1], SIGNATURE[:-1] + "0", "é" * 64, "not-hex"],
    ids=["empty", "none", "short", "one-digit-off", "non-ascii", "garbage"],
)
def test_verify_signature_refuses(signature):
    assert verify_webhook_signature(f"{STAMP}.{OFFICIAL['body']}", SECRET, signature) is False


def test_tampered_body_is_refused():
    assert verify_webhook_signature(f"{STAMP}.{OFFICIAL['body']} ", SECRET, SIGNATURE) is False
    with pytest.raises(WebhookSignatureError) as info:
        verify_webhook(
            BODY.replace(b"200", b"900"), timestamp=STAMP, signature=SIGNATURE, secrets=SECRET, now_ms=NOW
        )
    assert info.value.error_code == "webhook.invalid-signature"


def test_timestamp_is_part_of_the_signed_message():
    with pytest.raises(WebhookSignatureError) as info:
        verify_webhook(BODY, timestamp=str(NOW + 1), signature=SIGNATURE, secrets=SECRET, now_ms=NOW)
    assert info.value.error_code == "webhook.invalid-signature"


@pytest.mark.parametrize("offset_ms", [0, 299_999, 300_000, -300_000, -1])
def test_within_tolerance_both_ways(offset_ms):
    assert (
        verify_webhook(BODY, timestamp=STAMP, signature=SIGNATURE, secrets=SECRET, now_ms=NOW + offset_ms)
        == SECRET
    )


def test_stale_timestamp_is_refused():
    with pytest.raises(WebhookSignatureError) as info:
        verify_webhook(BODY, timestamp=STAMP, signature=SIGNATURE, secrets=SECRET, now_ms=NOW + 300_001)
    assert info.value.error_code == "webhook.timestamp-too-old"
    assert "300 s old" in str(info.value)


def test_future_timestamp_is_refused():
    with pytest.raises(WebhookSignatureError) as info:
        verify_webhook(BODY, timestamp=STAMP, signature=SIGNATURE, secrets=SECRET, now_ms=NOW - 300_001)
    assert info.value.error_code == "webhook.timestamp-in-future"


def test_custom_tolerance_and_disabled_tolerance():
    with pytest.raises(WebhookSignatureError) as info:
        verify_webhook(
            BODY, timestamp=STAMP, signature=SIGNATURE, secrets=SECRET, tolerance=10, now_ms=NOW + 10_001
        )
    assert info.value.error_code == "webhook.timestamp-too-old"
    assert (
        verify_webhook(BODY, timestamp=STAMP, signature=SIGNATURE, secrets=SECRET, tolerance=None) == SECRET
    )


def test_default_clock_is_used_without_now_ms():
    """The official vector is from 2022: with the real clock it is stale."""
    with pytest.raises(WebhookSignatureError) as info:
        verify_webhook(BODY, timestamp=STAMP, signature=SIGNATURE, secrets=SECRET)
    assert info.value.error_code == "webhook.timestamp-too-old"
    fresh = str(int(time.time() * 1000))
    fresh_signature = calculate_webhook_signature(f"{fresh}.".encode() + BODY, SECRET)
    assert verify_webhook(BODY, timestamp=fresh, signature=fresh_signature, secrets=SECRET) == SECRET


def test_seconds_timestamps_are_read_as_seconds():
    seconds = str(NOW // 1000)
    signature = calculate_webhook_signature(f"{seconds}.".encode() + BODY, SECRET)
    assert verify_webhook(BODY, timestamp=seconds, signature=signature, secrets=SECRET, now_ms=NOW) == SECRET


def test_several_secrets_return_the_one_that_matched():
    assert (
        verify_webhook(BODY, timestamp=STAMP, signature=SIGNATURE, secrets=[OTHER_SECRET, SECRET], now_ms=NOW)
        == SECRET
    )
    assert (
        verify_webhook(BODY, timestamp=STAMP, signature=SIGNATURE, secrets=(s for s in [SECRET]), now_ms=NOW)
        == SECRET
    )
    with pytest.raises(WebhookSignatureError) as info:
        verify_webhook(
            BODY, timestamp=STAMP, signature=SIGNATURE, secrets=[OTHER_SECRET, "MOCKSECRETKEY"], now_ms=NOW
        )
    assert info.value.error_code == "webhook.invalid-signature"


@pytest.mark.parametrize(
    ("timestamp", "signature", "header"),
    [
        (None, SIGNATURE, "Smartpay-Signature-Timestamp"),
        ("", SIGNATURE, "Smartpay-Signature-Timestamp"),
        (STAMP, None, "Smartpay-Signature"),
        (STAMP, "  ", "Smartpay-Signature"),
    ],
)
def test_missing_headers(timestamp, signature, header):
    with pytest.raises(WebhookSignatureError) as info:
        verify_webhook(BODY, timestamp=timestamp, signature=signature, secrets=SECRET, now_ms=NOW)
    assert info.value.error_code == "webhook.missing-header"
    assert f"missing {header} header" in str(info.value)


@pytest.mark.parametrize(
    "timestamp", ["abc", "-1653028612220", "1.653e12", FULLWIDTH_STAMP, "12345678901234567"]
)
def test_malformed_timestamps(timestamp):
    with pytest.raises(WebhookSignatureError) as info:
        verify_webhook(BODY, timestamp=timestamp, signature=SIGNATURE, secrets=SECRET, now_ms=NOW)
    assert info.value.error_code == "webhook.invalid-timestamp"


@pytest.mark.parametrize("secrets", [[], "", "not base62!", [SECRET, "bad-secret"]])
def test_misconfigured_secrets_raise_value_error(secrets):
    with pytest.raises(ValueError):
        verify_webhook(BODY, timestamp=STAMP, signature=SIGNATURE, secrets=secrets, now_ms=NOW)


def test_comparisons_use_hmac_compare_digest(monkeypatch):
    calls = []
    real = signatures.hmac.compare_digest

    def spy(a, b):
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(signatures.hmac, "compare_digest", spy)
    assert verify_webhook_signature(f"{STAMP}.{OFFICIAL['body']}", SECRET, SIGNATURE) is True
    assert len(calls) == 1
    verify_webhook(
        BODY,
        timestamp=STAMP,
        signature=SIGNATURE,
        secrets=[OTHER_SECRET, SECRET, "MOCKSECRETKEY"],
        now_ms=NOW,
    )
    assert len(calls) == 4  # every secret compared, even after a match


def test_client_exposes_the_same_functions():
    client = SmartpayClient("sk_test_abc123")
    message = f"{STAMP}.{OFFICIAL['body']}"
    assert client.calculate_webhook_signature(message, SECRET) == SIGNATURE
    assert SmartpayClient.calculate_webhook_signature(message, SECRET) == SIGNATURE
    assert client.verify_webhook_signature(message, SECRET, SIGNATURE) is True
    assert (
        client.verify_webhook(BODY, timestamp=STAMP, signature=SIGNATURE, secrets=SECRET, now_ms=NOW)
        == SECRET
    )


def test_vector_copy_matches_the_shared_file():
    if not SHARED_VECTORS_FILE.exists():
        # Outside the project's workspace (an sdist): the copy is all there is.
        assert VECTORS_FILE.exists()
        return
    assert json.loads(SHARED_VECTORS_FILE.read_text()) == json.loads(VECTORS_FILE.read_text())
