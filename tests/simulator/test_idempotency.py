"""Idempotency-Key rules of spec §11, one test per rule."""

from __future__ import annotations

import threading

from .conftest import Api

COUPON = {"name": "x", "discountType": "percentage", "discountPercentage": 5}
SIX_HOURS = 6 * 3600


def post(api: Api, key: str, body: dict | None = None, path: str = "/coupons"):
    return api.post(path, body or COUPON, headers={"Idempotency-Key": key})


def test_same_key_same_body_replays_with_header_and_no_second_object(api: Api) -> None:
    first = post(api, "key-1")
    second = post(api, "key-1", {"discountPercentage": 5, "discountType": "percentage", "name": "x"})
    assert first.status_code == second.status_code == 200
    assert "Idempotent-Replayed" not in first.headers
    assert second.headers["Idempotent-Replayed"] == "true"
    assert second.content == first.content
    assert len(api.sim.objects(kind="coupon")) == 1
    assert [entry["replayed"] for entry in api.sim.ledger] == [False, True]


def test_same_key_different_body_is_a_conflict(api: Api) -> None:
    assert post(api, "key-2").status_code == 200
    changed = post(api, "key-2", {**COUPON, "discountPercentage": 6})
    assert changed.status_code == 409 and changed.json()["errorCode"] == "request.idempotency-key-reused"
    other_path = api.post(
        "/webhook-endpoints", {"url": "https://a.example/h"}, headers={"Idempotency-Key": "key-2"}
    )
    assert (
        other_path.status_code == 409 and other_path.json()["errorCode"] == "request.idempotency-key-reused"
    )
    assert len(api.sim.objects(kind="coupon")) == 1


def test_same_key_while_running_is_in_progress(api: Api) -> None:
    hold = api.sim.faults.hold("POST", "/v1/coupons")
    results: dict[str, object] = {}
    first = threading.Thread(target=lambda: results.setdefault("first", post(api, "key-3")))
    first.start()
    assert hold.entered.wait(10)  # the first request is inside its "in progress" window
    second = post(api, "key-3")
    hold.release()
    first.join()
    assert second.status_code == 409 and second.json()["errorCode"] == "request.in-progress"
    assert results["first"].status_code == 200
    assert post(api, "key-3").headers["Idempotent-Replayed"] == "true"
    assert len(api.sim.objects(kind="coupon")) == 1


def test_keys_expire_after_six_hours(api: Api) -> None:
    first = post(api, "key-4").json()
    api.sim.clock.advance(SIX_HOURS - 5)
    assert post(api, "key-4").json()["id"] == first["id"]
    api.sim.clock.advance(10)
    fresh = post(api, "key-4")
    assert fresh.status_code == 200 and "Idempotent-Replayed" not in fresh.headers
    assert fresh.json()["id"] != first["id"]
    assert len(api.sim.objects(kind="coupon")) == 2


def test_get_ignores_the_key(api: Api) -> None:
    listed = api.get("/coupons", headers={"Idempotency-Key": "key-5"})
    assert listed.status_code == 200 and listed.json()["data"] == []
    created = post(api, "key-5")
    assert created.status_code == 200 and "Idempotent-Replayed" not in created.headers
    again = api.get("/coupons", headers={"Idempotency-Key": "key-5"})
    assert again.json()["results"] == 1 and "Idempotent-Replayed" not in again.headers


def test_keys_are_scoped_per_secret_key(api: Api) -> None:
    mine = post(api, "key-6").json()
    theirs = post(api.as_key("sk_test_otherAccount"), "key-6")
    assert theirs.status_code == 200 and "Idempotent-Replayed" not in theirs.headers
    assert theirs.json()["id"] != mine["id"]


def test_client_errors_are_replayed_but_injected_failures_leave_the_key_free(api: Api) -> None:
    refused = post(api, "key-7", {"name": "x"})
    assert refused.status_code == 400
    replay = post(api, "key-7", {"name": "x"})
    assert replay.status_code == 400 and replay.headers["Idempotent-Replayed"] == "true"

    api.sim.faults.add(method="POST", path="/v1/coupons", status=503, count=1)
    failed = post(api, "key-8")
    assert failed.status_code == 503
    retried = post(api, "key-8")
    assert retried.status_code == 200 and "Idempotent-Replayed" not in retried.headers


def test_put_is_deduplicated_too(api: Api) -> None:
    from .conftest import authorized_order

    order = authorized_order(api, 1000)
    first = api.put(f"/orders/{order['id']}/cancellation", headers={"Idempotency-Key": "key-9"})
    second = api.put(f"/orders/{order['id']}/cancellation", headers={"Idempotency-Key": "key-9"})
    assert first.status_code == 200 and second.headers["Idempotent-Replayed"] == "true"
    assert second.json() == first.json()
