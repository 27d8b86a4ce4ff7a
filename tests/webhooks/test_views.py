"""The webhook view at the HTTP level: bad input is refused with a clear JSON error and changes nothing.

These are the only tests that build bodies by hand: each starts from a real token made in
the simulator and mirrored locally, and sends a body that *would* change it if accepted.
"""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from django_smartpay.models import Token, WebhookEvent, WebhookEventStatus
from django_smartpay.sync import sync_object
from django_smartpay.webhooks import views
from django_smartpay.webhooks.verification import REDELIVERY_WINDOW

from .conftest import SECRET, SUBSCRIPTION_ID, WEBHOOK_PATH, event_body, now_ms, post, sign

pytestmark = pytest.mark.django_db


@pytest.fixture
def token(shop: Any, hand_signed: None) -> Token:
    """An active token, mirrored locally."""
    return sync_object(shop.client.get_token(shop.token()))


@pytest.fixture
def disabling_body(token: Token) -> bytes:
    """A token.disabled event for ``token``, newer than the mirrored state."""
    data = {**token.data, "status": "disabled", "updatedAt": token.data["updatedAt"] + 60_000}
    return event_body("token.disabled", data)


def assert_nothing_changed(token: Token) -> None:
    fresh = Token.objects.get(pk=token.pk)
    assert (fresh.status, fresh.data, fresh.updated) == (token.status, token.data, token.updated)
    assert not WebhookEvent.objects.filter(status=WebhookEventStatus.PROCESSED).exists()


def error_of(response: Any, status: int) -> str:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    body = json.loads(response.content)
    assert set(body) == {"error", "message"} and body["message"]
    assert SECRET not in response.content.decode()
    return body["error"]


def test_url_is_named_and_namespaced() -> None:
    assert reverse("smartpay:webhook") == WEBHOOK_PATH


def test_the_accepted_body_really_applies(token: Token, disabling_body: bytes) -> None:
    """The control for every refusal below: signed correctly, the same body is applied."""
    response = post(disabling_body, sign(disabling_body))
    assert response.status_code == 200, response.content
    assert response.json() == {"status": "processed", "event": json.loads(disabling_body)["id"]}
    assert Token.objects.get(pk=token.pk).status == "disabled"


@pytest.mark.parametrize("method", ["get", "put", "patch", "delete", "head", "options"])
def test_other_methods_are_405(client: Client, method: str, token: Token) -> None:
    response = getattr(client, method)(WEBHOOK_PATH)
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    if method != "head":
        assert response.json()["error"] == "webhook.method-not-allowed"
    assert_nothing_changed(token)


@pytest.mark.parametrize(
    "header",
    ["Smartpay-Signature", "Smartpay-Signature-Timestamp", "Smartpay-Event-Id", "Smartpay-Subscription-Id"],
)
def test_each_missing_header_is_400(token: Token, disabling_body: bytes, header: str) -> None:
    headers = sign(disabling_body)
    del headers[header]
    response = post(disabling_body, headers)
    assert error_of(response, 400) == "webhook.missing-header"
    assert header in response.json()["message"]
    assert_nothing_changed(token)
    assert not WebhookEvent.objects.exists()


def test_blank_header_counts_as_missing(token: Token, disabling_body: bytes) -> None:
    response = post(disabling_body, sign(disabling_body, **{"Smartpay-Signature": "  "}))
    assert error_of(response, 400) == "webhook.missing-header"
    assert_nothing_changed(token)


@pytest.mark.parametrize(
    "signature",
    [
        "0" * 64,
        "not-a-signature",
        "é" * 64,
        # signed with another secret:
        "other",
    ],
)
def test_wrong_signature_is_400(token: Token, disabling_body: bytes, signature: str) -> None:
    if signature == "other":
        headers = sign(disabling_body, secret="AnotherSecretThatSignsNothing01234567890")
    else:
        headers = sign(disabling_body, **{"Smartpay-Signature": signature})
    response = post(disabling_body, headers)
    assert error_of(response, 400) == "webhook.invalid-signature"
    assert_nothing_changed(token)
    assert not WebhookEvent.objects.exists()


def test_signature_of_another_body_is_400(token: Token, disabling_body: bytes) -> None:
    headers = sign(disabling_body)
    tampered = disabling_body.replace(b'"disabled"', b'"deleted"')
    assert error_of(post(tampered, headers), 400) == "webhook.invalid-signature"
    assert_nothing_changed(token)


@pytest.mark.parametrize(
    ("offset_s", "code"),
    [
        # an event never seen is accepted up to REDELIVERY_WINDOW old (its first deliveries may
        # have been lost: tests/webhooks/test_redelivery.py), not beyond
        (-(REDELIVERY_WINDOW + 1), "webhook.timestamp-too-old"),
        (-10 * REDELIVERY_WINDOW, "webhook.timestamp-too-old"),
        (301, "webhook.timestamp-in-future"),
    ],
)
def test_timestamp_outside_the_tolerance_is_400(
    token: Token, disabling_body: bytes, offset_s: int, code: str
) -> None:
    headers = sign(disabling_body, timestamp=now_ms() + offset_s * 1000)
    assert error_of(post(disabling_body, headers), 400) == code
    assert_nothing_changed(token)


@pytest.mark.parametrize("offset_s", [-290, 290])
def test_timestamp_inside_the_tolerance_is_accepted(
    token: Token, disabling_body: bytes, offset_s: int
) -> None:
    headers = sign(disabling_body, timestamp=now_ms() + offset_s * 1000)
    assert post(disabling_body, headers).status_code == 200


def test_tolerance_is_a_setting(settings: Any, token: Token, disabling_body: bytes) -> None:
    settings.SMARTPAY = {**settings.SMARTPAY, "WEBHOOK_TOLERANCE": 10}
    ahead = sign(disabling_body, timestamp=now_ms() + 20_000)
    assert error_of(post(disabling_body, ahead), 400) == "webhook.timestamp-in-future"
    assert_nothing_changed(token)
    assert post(disabling_body, sign(disabling_body, timestamp=now_ms() + 5_000)).status_code == 200


@pytest.mark.parametrize("timestamp", ["yesterday", "1.5e12", "-1653028612220", "12345678901234567890"])
def test_malformed_timestamp_is_400(token: Token, disabling_body: bytes, timestamp: str) -> None:
    headers = sign(disabling_body, **{"Smartpay-Signature-Timestamp": timestamp})
    assert error_of(post(disabling_body, headers), 400) == "webhook.invalid-timestamp"
    assert_nothing_changed(token)


def test_body_over_one_mebibyte_is_413(token: Token) -> None:
    body = b'{"id":"evt_test_big","padding":"' + b"x" * (1024 * 1024) + b'"}'
    response = post(body, sign(body))
    assert error_of(response, 413) == "webhook.body-too-large"
    assert_nothing_changed(token)
    assert not WebhookEvent.objects.exists()


class Unreadable(io.RawIOBase):
    """A request stream that must not be read."""

    def readable(self) -> bool:
        return True

    def read(self, *args: Any) -> bytes:
        raise AssertionError("the body was read")

    readline = read


class Recording(io.BytesIO):
    """A request stream that remembers how much was asked of it."""

    asked: list[int]

    def read(self, size: int | None = -1) -> bytes:
        self.asked.append(-1 if size is None else size)
        return super().read(size)


def test_content_length_over_the_limit_is_refused_before_reading(token: Token) -> None:
    request = RequestFactory().post(WEBHOOK_PATH, data=b"{}", content_type="application/json")
    request.META["CONTENT_LENGTH"] = str(50 * 1024 * 1024)
    request._stream = Unreadable()
    response = views.webhook(request)
    assert error_of(response, 413) == "webhook.body-too-large"


def test_reading_is_capped_whatever_content_length_says(token: Token) -> None:
    """A server that passes a body without a (true) length: at most 1 MiB + 1 byte is read."""
    body = b"x" * (3 * 1024 * 1024)
    request = RequestFactory().post(
        WEBHOOK_PATH, data=b"", content_type="application/json", headers=sign(body)
    )
    stream = Recording(body)
    stream.asked = []
    request._stream = stream
    response = views.webhook(request)
    assert error_of(response, 413) == "webhook.body-too-large"
    assert stream.asked == [views.MAX_BODY_BYTES + 1]


def test_malformed_json_with_a_valid_signature_is_400_and_recorded(
    token: Token, signal_log: Any, django_capture_on_commit_callbacks: Any
) -> None:
    body = b'{"id": "evt_test_brokenJson0000000001", "eventData": '
    headers = sign(body, **{"Smartpay-Event-Id": "evt_test_brokenJson0000000001"})
    with django_capture_on_commit_callbacks(execute=True):
        assert error_of(post(body, headers), 400) == "webhook.malformed-json"
    event = WebhookEvent.objects.get()
    assert event.event_id == "evt_test_brokenJson0000000001"
    assert event.status == WebhookEventStatus.FAILED
    assert event.attempts == 1
    assert event.error.startswith("webhook.malformed-json")
    assert event.body == body.decode()
    assert signal_log.names() == ["webhook_received", "webhook_failed"]
    assert_nothing_changed(token)
    # A redelivery of the same bytes counts a second failed attempt.
    assert error_of(post(body, headers), 400) == "webhook.malformed-json"
    assert WebhookEvent.objects.get().attempts == 2


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b'["evt_test_notAnObject000000001"]', "webhook.malformed-event"),
        (b'{"id":"evt_test_shape","object":"event"}', "webhook.malformed-event"),
        (
            b'{"id":"evt_test_shape","eventData":{"type":"token.approved","data":[]}}',
            "webhook.malformed-event",
        ),
        (
            b'{"id":"evt_test_shape","eventData":{"type":"token.approved","data":{"object":"order","id":"o"}}}',
            "webhook.malformed-event",
        ),
        (
            b'{"id":"evt_test_shape","eventData":{"type":"token.approved","data":{"object":"token"}}}',
            "webhook.malformed-event",
        ),
        (b'{"id":"evt_test_shape","x":NaN}', "webhook.malformed-json"),
        (b'{"id":"evt_test_shape","x":"\\u0000"}', "webhook.malformed-json"),
        (b'\xff\xfe{"id":"evt_test_shape"}', "webhook.malformed-json"),
    ],
)
def test_signed_bodies_that_are_not_events_are_400_and_recorded(token: Token, body: bytes, code: str) -> None:
    response = post(body, sign(body, **{"Smartpay-Event-Id": "evt_test_shape"}))
    assert error_of(response, 400) == code
    assert WebhookEvent.objects.get(event_id="evt_test_shape").status == WebhookEventStatus.FAILED
    assert_nothing_changed(token)


def test_header_and_body_event_ids_must_match(token: Token, disabling_body: bytes) -> None:
    headers = sign(disabling_body, **{"Smartpay-Event-Id": "evt_test_someOtherEvent000000001"})
    assert error_of(post(disabling_body, headers), 400) == "webhook.event-id-mismatch"
    assert_nothing_changed(token)
    assert not WebhookEvent.objects.exists()


@pytest.mark.parametrize(
    ("header", "value"),
    [
        ("Smartpay-Event-Id", "evt with spaces"),
        ("Smartpay-Event-Id", "e" * 256),
        ("Smartpay-Subscription-Id", "w" * 65),
    ],
)
def test_malformed_ids_in_headers_are_400(
    token: Token, disabling_body: bytes, header: str, value: str
) -> None:
    assert (
        error_of(post(disabling_body, sign(disabling_body, **{header: value})), 400)
        == "webhook.invalid-header"
    )
    assert_nothing_changed(token)


def test_unknown_subscription_without_a_secret_is_400(token: Token, disabling_body: bytes) -> None:
    headers = sign(disabling_body, **{"Smartpay-Subscription-Id": "webhookendpoint_test_nobodyKnowsMe00001"})
    response = post(disabling_body, headers)
    assert error_of(response, 400) == "webhook.unknown-subscription"
    assert_nothing_changed(token)


def test_unknown_event_type_is_stored_as_ignored(
    token: Token, signal_log: Any, django_capture_on_commit_callbacks: Any
) -> None:
    body = event_body("payout.generated", {"id": "payout_test_1", "object": "payout", "amount": 1})
    with django_capture_on_commit_callbacks(execute=True):
        response = post(body, sign(body))
    assert response.status_code == 200
    assert response.json()["status"] == "ignored"
    event = WebhookEvent.objects.get()
    assert (event.type, event.status, event.object_model, event.attempts) == (
        "payout.generated",
        "ignored",
        "",
        0,
    )
    assert signal_log.names() == ["webhook_received"]
    assert_nothing_changed(token)
    assert post(body, sign(body)).json()["status"] == "duplicate"


def test_signature_is_redacted_and_no_secret_is_stored(token: Token, disabling_body: bytes) -> None:
    headers = sign(disabling_body)
    post(
        disabling_body,
        headers,
        HTTP_AUTHORIZATION="Basic sk_test_leak",
        HTTP_X_WEBHOOK_SECRET="leak-secret",
        HTTP_X_API_KEY="leak-key",
        HTTP_COOKIE="sessionid=leak-cookie",
    )
    event = WebhookEvent.objects.get()
    assert event.headers["Smartpay-Signature"] == "[redacted]"
    assert event.headers["Authorization"] == "[redacted]"
    assert event.headers["X-Webhook-Secret"] == event.headers["X-Api-Key"] == "[redacted]"
    assert event.headers["Smartpay-Signature-Timestamp"] == headers["Smartpay-Signature-Timestamp"]
    assert event.headers["Smartpay-Subscription-Id"] == SUBSCRIPTION_ID
    stored = json.dumps([event.headers, event.body, event.error, event.traceback])
    assert headers["Smartpay-Signature"] not in stored and SECRET not in stored
    assert "leak" not in stored
    assert event.remote_addr == "127.0.0.1"


def test_misconfigured_secret_is_500_without_the_secret(
    settings: Any, token: Token, disabling_body: bytes
) -> None:
    settings.SMARTPAY = {**settings.SMARTPAY, "WEBHOOK_SECRETS": {SUBSCRIPTION_ID: "not base62!"}}
    response = post(disabling_body, sign(disabling_body))
    assert error_of(response, 500) == "webhook.misconfigured"
    assert "not base62!" not in response.content.decode()
    assert_nothing_changed(token)


def test_csrf_checks_do_not_apply(token: Token, disabling_body: bytes) -> None:
    response = post(disabling_body, sign(disabling_body), client=Client(enforce_csrf_checks=True))
    assert response.status_code == 200


def test_login_is_not_required_under_login_required_middleware(
    settings: Any, token: Token, disabling_body: bytes
) -> None:
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "django.contrib.auth.middleware.LoginRequiredMiddleware"]
    request = RequestFactory().post(WEBHOOK_PATH)
    request.user = AnonymousUser()
    middleware = LoginRequiredMiddleware(lambda request: HttpResponse())
    assert middleware.process_view(request, lambda request: HttpResponse(), (), {}).status_code == 302
    response = post(disabling_body, sign(disabling_body))
    assert response.status_code == 200
    assert Token.objects.get(pk=token.pk).status == "disabled"


@pytest.mark.django_db(transaction=True)
def test_not_wrapped_in_atomic_requests(monkeypatch: Any, token: Token, disabling_body: bytes) -> None:
    monkeypatch.setitem(connection.settings_dict, "ATOMIC_REQUESTS", True)
    with CaptureQueriesContext(connection) as queries:
        response = post(disabling_body, sign(disabling_body))
    assert response.status_code == 200
    # (PostgreSQL's first statement is a UNION, which Django writes "(SELECT …) UNION ALL (SELECT …)".)
    statements = [query["sql"].lstrip("(").split()[0] for query in queries.captured_queries]
    # The view's own transaction is the outermost one: no request-wide BEGIN first, no savepoints.
    assert statements[0] == "SELECT"
    assert statements[1] == "BEGIN"
    assert not any(statement in ("SAVEPOINT", "RELEASE") for statement in statements)


@pytest.mark.parametrize("tolerance", [None, float("nan"), float("inf"), "300", -1, True])
def test_a_tolerance_that_would_turn_replay_protection_off_is_refused(
    settings: Any, token: Token, disabling_body: bytes, tolerance: Any
) -> None:
    """Even a stale delivery is never accepted: the receiver says it is misconfigured (no traceback body)."""
    settings.SMARTPAY = {**settings.SMARTPAY, "WEBHOOK_TOLERANCE": tolerance}
    stale = sign(disabling_body, timestamp=now_ms() - 86_400_000)
    assert error_of(post(disabling_body, stale), 500) == "webhook.misconfigured"
    assert_nothing_changed(token)
