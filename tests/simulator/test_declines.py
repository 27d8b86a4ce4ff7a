"""Declines on demand: token orders, checkout orders, the control API and the checkout page."""

from __future__ import annotations

import json
import re

import pytest

from .conftest import Api, Inbox, active_token, order_payload, session_payload


def endpoint(api: Api) -> None:
    api.ok("POST", "/webhook-endpoints", {"url": "https://shop.example.jp/smartpay/webhook"})


def events(inbox: Inbox) -> list[tuple[str, str]]:
    """(type, status of the object) of every delivery, in order."""
    out = []
    for delivery in inbox.received:
        data = json.loads(delivery["body"])["eventData"]
        out.append((data["type"], data["data"].get("status")))
    return out


def test_token_orders_follow_the_rule_for_count_charges_then_approve(api: Api, inbox: Inbox) -> None:
    token_id = active_token(api)
    endpoint(api)
    api.sim.set_token_outcome(token_id, "decline", count=2)
    assert api.sim.token_outcome(token_id) == ("decline", 2)
    first = api.ok("POST", "/orders", order_payload(token_id))
    second = api.ok("POST", "/orders", order_payload(token_id))
    third = api.ok("POST", "/orders", order_payload(token_id))
    assert [first["status"], second["status"], third["status"]] == ["rejected", "rejected", "succeeded"]
    assert first["payments"] == [] and first["lineItems"][0]["object"] == "lineItem"
    assert api.sim.token_outcome(token_id) == ("approve", None)
    assert events(inbox)[:2] == [("order.rejected", "rejected"), ("token.used", "active")]
    assert api.ok("GET", f"/tokens/{token_id}")["status"] == "active"


def test_soft_decline_leaves_the_order_awaiting_authorization_and_the_shopper_may_retry(
    api: Api, inbox: Inbox
) -> None:
    token_id = active_token(api)
    endpoint(api)
    api.sim.set_token_outcome(token_id, "soft_decline")
    order = api.ok("POST", "/orders", order_payload(token_id))
    again = api.ok("POST", "/orders", order_payload(token_id))
    assert order["status"] == again["status"] == "requires_authorization"
    assert events(inbox)[0] == ("order.rejected", "requires_authorization")
    retried = api.sim.authorize_order(order["id"])  # the shopper retries: approved by default
    assert retried["status"] == "succeeded" and len(retried["payments"]) == 1
    assert ("order.authorized", "succeeded") in events(inbox)
    api.sim.set_token_outcome(token_id, "approve")
    assert api.ok("POST", "/orders", order_payload(token_id))["status"] == "succeeded"


def test_unusable_token_rejects_the_order_and_disables_the_token(api: Api, inbox: Inbox) -> None:
    token_id = active_token(api)
    endpoint(api)
    api.sim.set_token_outcome(token_id, "unusable", count=1)
    order = api.ok("POST", "/orders", order_payload(token_id))
    assert order["status"] == "rejected"
    assert [kind for kind, _ in events(inbox)] == ["order.rejected", "token.used", "token.disabled"]
    assert api.ok("GET", f"/tokens/{token_id}")["status"] == "disabled"
    refused = api.post("/orders", order_payload(token_id))
    assert refused.status_code == 404 and refused.json()["errorCode"] == "token.not-found"
    api.put(f"/tokens/{token_id}/enable")
    assert api.ok("POST", "/orders", order_payload(token_id))["status"] == "succeeded"


def test_refused_requests_and_idempotent_replays_do_not_consume_the_rule(api: Api) -> None:
    token_id = active_token(api)
    api.sim.set_token_outcome(token_id, "decline", count=1)
    bad = api.post("/orders", {**order_payload(token_id), "currency": "USD"})
    assert bad.status_code == 400
    headers = {"Idempotency-Key": "charge-1"}
    first = api.post("/orders", order_payload(token_id), headers=headers)
    replay = api.post("/orders", order_payload(token_id), headers=headers)
    assert first.json()["status"] == replay.json()["status"] == "rejected"
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert api.ok("POST", "/orders", order_payload(token_id))["status"] == "succeeded"


def test_bad_rules_are_refused(api: Api) -> None:
    token_id = active_token(api)
    with pytest.raises(ValueError):
        api.sim.set_token_outcome(token_id, "maybe")
    with pytest.raises(ValueError):
        api.sim.set_token_outcome(token_id, "decline", count=0)
    with pytest.raises(KeyError):
        api.sim.set_token_outcome("paytok_test_unknown0000000000000000", "decline")
    order_id = api.ok("POST", "/checkout-sessions", session_payload())["order"]["id"]
    with pytest.raises(ValueError):
        api.sim.set_order_outcome(order_id, "unusable")
    with pytest.raises(ValueError):
        api.sim.reject_order(order_id, kind="medium")


def test_checkout_order_outcome_and_soft_reject(api: Api, inbox: Inbox) -> None:
    endpoint(api)
    order_id = api.ok("POST", "/checkout-sessions", session_payload())["order"]["id"]
    assert api.sim.reject_order(order_id, kind="soft")["status"] == "requires_authorization"
    api.sim.set_order_outcome(order_id, "soft_decline", count=1)
    assert api.sim.authorize_order(order_id)["status"] == "requires_authorization"
    assert api.sim.authorize_order(order_id)["status"] == "succeeded"
    assert [kind for kind, _ in events(inbox)][:3] == ["order.rejected", "order.rejected", "order.authorized"]
    other = api.ok("POST", "/checkout-sessions", session_payload())["order"]["id"]
    api.sim.set_order_outcome(other, "decline")
    assert api.sim.authorize_order(other)["status"] == "rejected"


def test_control_api_sets_outcomes_and_rejects(api: Api) -> None:
    token_id = active_token(api)
    control = api.sim.origin + "/_simulator"
    answer = api.http.post(f"{control}/tokens/{token_id}/outcome", json={"outcome": "decline", "count": 1})
    assert answer.status_code == 200 and answer.json() == {"id": token_id, "outcome": "decline", "count": 1}
    assert api.http.get(f"{control}/tokens/{token_id}/outcome").json()["outcome"] == "decline"
    assert api.ok("POST", "/orders", order_payload(token_id))["status"] == "rejected"
    bad = api.http.post(f"{control}/tokens/{token_id}/outcome", json={"outcome": "nope"})
    assert bad.status_code == 400 and bad.json()["errorCode"] == "request.invalid"
    missing = api.http.post(f"{control}/tokens/paytok_test_none/outcome", json={"outcome": "decline"})
    assert missing.status_code == 404

    order_id = api.ok("POST", "/checkout-sessions", session_payload())["order"]["id"]
    soft = api.http.post(f"{control}/orders/{order_id}/reject", json={"kind": "soft"})
    assert soft.status_code == 200 and soft.json()["status"] == "requires_authorization"
    hard = api.http.post(f"{control}/orders/{order_id}/reject")
    assert hard.status_code == 200 and hard.json()["status"] == "rejected"
    api.http.post(f"{control}/orders/{order_id}/outcome", json={"outcome": "decline"})
    assert api.http.post(f"{control}/orders/{order_id}/reject", json={"kind": "x"}).status_code == 400


def _press(api: Api, url: str, action: str):
    path = re.search(r'<form method="post" action="([^"]+)"', api.http.get(url).text).group(1)
    return api.http.post(api.sim.origin + path, data={"action": action}, allow_redirects=False)


def test_checkout_page_soft_decline_then_approve(api: Api, inbox: Inbox) -> None:
    endpoint(api)
    session = api.ok("POST", "/checkout-sessions", session_payload())
    soft = _press(api, session["url"], "soft_decline")
    assert soft.status_code == 303 and soft.headers["Location"].endswith("?declined=soft")
    shown = api.http.get(soft.headers["Location"]).text
    assert 'id="message"' in shown and 'id="approve"' in shown
    assert api.sim.get_object(session["order"]["id"])["status"] == "requires_authorization"
    approved = _press(api, session["url"], "approve")
    assert approved.status_code == 303 and approved.headers["Location"] == session["successUrl"]
    assert [kind for kind, _ in events(inbox)][:2] == ["order.rejected", "order.authorized"]


def test_checkout_page_approve_declined_by_the_order_rule_goes_to_cancel(api: Api) -> None:
    session = api.ok("POST", "/checkout-sessions", session_payload())
    api.sim.set_order_outcome(session["order"]["id"], "decline")
    declined = _press(api, session["url"], "approve")
    assert declined.status_code == 303 and declined.headers["Location"] == session["cancelUrl"]
    assert api.sim.get_object(session["order"]["id"])["status"] == "rejected"
