"""Webhook events and deliveries: shape, signatures, subscriptions, retries and the log (§7, §11)."""

from __future__ import annotations

import hashlib
import hmac
import json

from django_smartpay.client import base62
from django_smartpay.simulator import Simulator
from django_smartpay.simulator.delivery import sign

from .conftest import Api, Inbox, authorized_order, session_payload, token_session_payload

COUPON = {"name": "x", "discountType": "percentage", "discountPercentage": 5}


def endpoint(api: Api, **extra) -> dict:
    return api.ok("POST", "/webhook-endpoints", {"url": "https://shop.example.jp/smartpay/webhook", **extra})


def verify(delivery: dict, secret: str) -> dict:
    headers, body = delivery["headers"], delivery["body"]
    timestamp = headers["Smartpay-Signature-Timestamp"]
    expected = hmac.new(base62.decode(secret), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers["Smartpay-Signature"], expected)
    event = json.loads(body)
    assert headers["Smartpay-Event-Id"] == event["id"]
    assert headers["Content-Type"] == "application/json"
    return event


def test_signing_matches_the_official_vectors() -> None:
    body = (
        b'{"id":"evt_test_dwPfFKu5iSEKyHR2LFj9Lx","object":"event","createdAt":1653028523052,"test":true,'
        b'"eventData":{"type":"payment.created","version":"2022-02-18","data":{"id":"payment_test_35LxgmF5KM22XKG38BjpJg",'
        b'"object":"payment","test":true,"createdAt":1653028523020,"updatedAt":1653028523020,"amount":200,'
        b'"currency":"JPY","order":"order_test_RiYq2rthzRHrkKVGeucSwn","reference":"order_ref_1234567",'
        b'"status":"processed","metadata":{}}}}'
    )
    assert (
        sign("gybcsjixKyBW2d4z6iNPlaYzHUMtawnodwZt3W0q", "1653028612220", body)
        == "68007ada8485ea0ceca7c5e879ae860a50412b7af95ab8e81b32a3e13f3c0832"
    )


def test_delivery_is_signed_and_shaped_as_the_spec_says(api: Api, inbox: Inbox) -> None:
    hook = endpoint(api)
    coupon = api.ok("POST", "/coupons", COUPON)
    assert len(inbox.received) == 1
    delivery = inbox.received[0]
    assert delivery["url"] == hook["url"]
    assert delivery["headers"]["Smartpay-Subscription-Id"] == hook["id"]
    event = verify(delivery, hook["signingSecret"])
    assert list(event) == ["id", "object", "createdAt", "test", "eventData"]
    assert event["id"].startswith("evt_test_") and event["object"] == "event" and event["test"] is True
    assert event["eventData"] == {"type": "coupon.created", "version": "2022-02-18", "data": coupon}
    assert delivery["body"] == json.dumps(event, separators=(",", ":"), ensure_ascii=False).encode()
    assert abs(int(delivery["headers"]["Smartpay-Signature-Timestamp"]) - api.sim.clock.now_ms()) < 5000
    assert len(base62.decode(hook["signingSecret"])) == 30


def test_every_state_change_emits_its_event(api: Api, inbox: Inbox) -> None:
    endpoint(api)
    coupon = api.ok("POST", "/coupons", COUPON)
    api.ok("PATCH", f"/coupons/{coupon['id']}", {"active": False})
    code = api.ok("POST", "/promotion-codes", {"coupon": coupon["id"], "code": "C1"})
    api.ok("PATCH", f"/promotion-codes/{code['id']}", {"active": False})
    token_id = api.ok("POST", "/checkout-sessions", token_session_payload())["token"]["id"]
    api.sim.approve_token(token_id)
    api.put(f"/tokens/{token_id}/disable")
    api.put(f"/tokens/{token_id}/enable")
    api.delete(f"/tokens/{token_id}")
    rejected = api.ok("POST", "/checkout-sessions", token_session_payload())["token"]["id"]
    api.sim.reject_token(rejected)
    order = authorized_order(api, 1000)
    api.ok(
        "POST",
        "/payments",
        {"order": order["id"], "amount": 400, "currency": "JPY", "cancelRemainder": "manual"},
    )
    payment_id = api.ok("GET", f"/orders/{order['id']}")["payments"][0]
    api.ok(
        "POST", "/refunds", {"payment": payment_id, "amount": 100, "currency": "JPY", "reason": "fraudulent"}
    )
    api.ok("PUT", f"/orders/{order['id']}/cancellation")
    declined = api.ok("POST", "/checkout-sessions", session_payload())["order"]["id"]
    api.sim.reject_order(declined)
    assert inbox.types() == [
        "coupon.created",
        "coupon.updated",
        "promotion_code.created",
        "promotion_code.updated",
        "token.created",
        "token.approved",
        "token.disabled",
        "token.enabled",
        "token.deleted",
        "token.created",
        "token.rejected",
        "order.authorized",
        "payment.created",
        "refund.created",
        "order.canceled",
        "order.rejected",
    ]
    canceled = json.loads(inbox.received[14]["body"])["eventData"]["data"]
    assert canceled["status"] == "succeeded" and isinstance(canceled["lineItems"][0], str)


def test_subscriptions_filter_and_inactive_endpoints_get_nothing(api: Api, inbox: Inbox) -> None:
    only_authorized = endpoint(api, eventSubscriptions=["order.authorized"])
    everything = endpoint(api, eventSubscriptions=[])
    paused = endpoint(api)
    api.ok("PATCH", f"/webhook-endpoints/{paused['id']}", {"active": False})
    deleted = endpoint(api)
    api.delete(f"/webhook-endpoints/{deleted['id']}")
    api.as_key("sk_test_someoneElse").ok("POST", "/webhook-endpoints", {"url": "https://else.example/h"})
    authorized_order(api, 1000, "automatic")
    by_endpoint: dict[str, list[str]] = {}
    for delivery in inbox.received:
        hook_id = delivery["headers"]["Smartpay-Subscription-Id"]
        by_endpoint.setdefault(hook_id, []).append(json.loads(delivery["body"])["eventData"]["type"])
    assert by_endpoint == {
        only_authorized["id"]: ["order.authorized"],
        everything["id"]: ["order.authorized", "payment.created"],
    }


def test_retries_follow_the_schedule_and_are_signed_again(sim: Simulator, api: Api, inbox: Inbox) -> None:
    sim.clock.freeze()
    hook = endpoint(api)
    inbox.answers = [500, 500, 503]
    api.ok("POST", "/coupons", COUPON)
    assert len(inbox.received) == 1
    sim.clock.advance(4.9)
    assert sim.deliver_webhooks() == []
    sim.clock.advance(0.1)
    assert [a["attempt"] for a in sim.deliver_webhooks()] == [2]
    sim.clock.advance(24)
    assert sim.deliver_webhooks() == []
    sim.clock.advance(1)
    assert [a["status"] for a in sim.deliver_webhooks()] == [503]
    sim.clock.advance(90)
    assert [a["ok"] for a in sim.deliver_webhooks()] == [True]
    timestamps = [int(d["headers"]["Smartpay-Signature-Timestamp"]) for d in inbox.received]
    assert [t - timestamps[0] for t in timestamps] == [0, 5000, 30000, 120000]
    assert len({d["headers"]["Smartpay-Signature"] for d in inbox.received}) == 4
    for delivery in inbox.received:
        verify(delivery, hook["signingSecret"])
    [log] = sim.delivery_log()
    assert log["status"] == "succeeded" and [a["status"] for a in log["attempts"]] == [500, 500, 503, 200]
    assert log["attempts"][0]["error"] == "HTTP 500" and log["attempts"][3]["error"] is None


def test_gives_up_after_the_last_attempt(sim: Simulator, api: Api, inbox: Inbox) -> None:
    sim.clock.freeze()
    endpoint(api)
    inbox.answers = [500] * 10
    api.ok("POST", "/coupons", COUPON)
    for seconds in (5, 25, 90, 480, 3000):
        sim.clock.advance(seconds)
        assert len(sim.deliver_webhooks()) == 1
    sim.clock.advance(86400)
    assert sim.deliver_webhooks() == []
    [log] = sim.delivery_log()
    assert log["status"] == "failed" and len(log["attempts"]) == 6


def test_speed_factor_compresses_the_schedule() -> None:
    sim = Simulator(webhook_speed=100.0)
    inbox = Inbox(answers=[500])
    sim.webhook_sender = inbox
    sim.clock.freeze()
    api = Api(sim, sim.session())
    endpoint(api)
    api.ok("POST", "/coupons", COUPON)
    sim.clock.advance(0.05)
    assert [a["attempt"] for a in sim.deliver_webhooks()] == [2]


def test_sender_exceptions_are_logged_and_retried(sim: Simulator, api: Api) -> None:
    calls = []

    def broken(url: str, headers: dict, body: bytes) -> int:
        calls.append(url)
        if len(calls) == 1:
            raise ConnectionRefusedError("nobody listening")
        return 204 if len(calls) == 2 else 200  # only 200 is a success (Smartpay's docs)

    sim.webhook_sender = broken
    sim.clock.freeze()
    endpoint(api)
    api.ok("POST", "/coupons", COUPON)
    assert "ConnectionRefusedError" in sim.delivery_log()[0]["attempts"][0]["error"]
    sim.clock.advance(5)
    assert sim.deliver_webhooks()[0]["error"] == "HTTP 204"
    sim.clock.advance(25)
    assert sim.deliver_webhooks()[0]["ok"] is True


def test_delivery_happens_after_the_request_not_during_it(sim: Simulator, api: Api) -> None:
    seen = []

    def sender(url: str, headers: dict, body: bytes) -> int:
        seen.append([entry["path"] for entry in sim.ledger])
        return 200

    sim.webhook_sender = sender
    endpoint(api)
    api.ok("POST", "/coupons", COUPON)
    assert seen == [["/v1/webhook-endpoints", "/v1/coupons"]]


def test_without_auto_delivery_nothing_is_sent_until_asked() -> None:
    sim = Simulator(auto_deliver_webhooks=False)
    inbox = Inbox()
    sim.webhook_sender = inbox
    api = Api(sim, sim.session())
    endpoint(api)
    api.ok("POST", "/coupons", COUPON)
    assert inbox.received == []
    assert len(sim.deliver_webhooks()) == 1 and len(inbox.received) == 1


def test_delivery_log_and_redelivery_through_the_control_api(sim: Simulator, api: Api, inbox: Inbox) -> None:
    endpoint(api)
    api.ok("POST", "/coupons", COUPON)
    log = api.http.get(sim.origin + "/_simulator/webhooks/deliveries").json()["data"]
    assert (
        len(log) == 1 and log[0]["eventType"] == "coupon.created" and log[0]["attempts"][0]["status"] == 200
    )
    again = api.http.post(sim.origin + f"/_simulator/webhooks/deliveries/{log[0]['id']}/redeliver").json()
    assert again["attempt"] == 2 and again["manual"] is True and again["ok"] is True
    assert len(inbox.received) == 2 and inbox.received[0]["body"] == inbox.received[1]["body"]
    missing = api.http.post(sim.origin + "/_simulator/webhooks/deliveries/nope/redeliver")
    assert missing.status_code == 404
    flushed = api.http.post(sim.origin + "/_simulator/webhooks/deliver").json()
    assert flushed == {"data": []}


def test_sign_keeps_leading_zero_bytes_of_the_secret() -> None:
    """The base-x rule: each leading ``A`` is a zero byte (vector leading-A-secret-41)."""
    body = (
        b'{"id":"evt_test_leadingZeroSecret01","object":"event","createdAt":1763699999000,"test":true,'
        b'"eventData":{"type":"token.approved","version":"2022-02-18","data":{"id":"paytok_test_zAo001ZRfyjz1F4rMyYPnL",'
        b'"object":"token","status":"active","test":true,"createdAt":1763699000000,"updatedAt":1763699999000,'
        b'"metadata":{}}}}'
    )
    assert (
        sign("AAybcsjixKyBW2d4z6iNPlaYzHUMtawnodwZt3W0q", "1763700000000", body)
        == "5302e1c70999695ecf32f3c527595f616a6ee4e52af1778638a6f2af0722575c"
    )
