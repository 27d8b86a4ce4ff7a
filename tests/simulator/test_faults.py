"""Injected faults: status for k requests, probability with a seed, latency, drop after commit."""

from __future__ import annotations

import time

import pytest
import requests

from django_smartpay.simulator import Simulator

from .conftest import Api, active_token, order_payload

COUPON = {"name": "x", "discountType": "percentage", "discountPercentage": 5}


def test_status_for_the_next_k_requests(api: Api) -> None:
    rule = api.sim.faults.add(method="POST", path="/v1/coupons", status=503, count=2)
    statuses = [api.post("/coupons", COUPON).status_code for _ in range(3)]
    assert statuses == [503, 503, 200]
    assert api.ok("GET", "/coupons")["results"] == 1
    assert api.sim.ledger[0]["fault"] == rule and api.sim.ledger[0]["errorCode"] == "simulator.fault"
    assert api.sim.faults.rules() == []


def test_rules_match_method_and_path_pattern(api: Api) -> None:
    api.sim.faults.add(method="GET", path="/v1/coupons/*", status=500, count=None)
    assert api.get("/coupons").status_code == 200
    assert api.get("/coupons/coupon_test_x").status_code == 500
    assert api.post("/coupons", COUPON).status_code == 200
    api.sim.faults.clear()
    assert api.get("/coupons/coupon_test_x").status_code == 404


def run_probability(seed: int) -> list[int]:
    sim = Simulator(seed=seed)
    api = Api(sim, sim.session())
    sim.faults.add(method="*", path="/v1/coupons", status=502, count=None, probability=0.5)
    return [api.get("/coupons").status_code for _ in range(40)]


def test_probability_is_reproducible_with_a_seed() -> None:
    first, second, other = run_probability(7), run_probability(7), run_probability(8)
    assert first == second
    assert first != other
    assert 5 < first.count(502) < 35 and set(first) == {200, 502}


def test_latency_delays_and_can_outlast_a_read_timeout(api: Api) -> None:
    api.sim.faults.add(method="POST", path="/v1/coupons", latency=0.3, count=1)
    started = time.perf_counter()
    assert api.post("/coupons", COUPON).status_code == 200
    assert time.perf_counter() - started >= 0.3
    api.sim.faults.add(method="POST", path="/v1/coupons", latency=5.0, count=1)
    started = time.perf_counter()
    with pytest.raises(requests.exceptions.ReadTimeout):
        api.post("/coupons", COUPON, timeout=(1, 0.2))
    assert time.perf_counter() - started < 2
    assert len(api.sim.objects(kind="coupon")) == 2  # the server finished the work anyway


def test_drop_response_after_commit(api: Api) -> None:
    token_id = active_token(api)
    api.sim.faults.add(method="POST", path="/v1/orders", drop_response=True)
    with pytest.raises(requests.exceptions.ConnectionError):
        api.post("/orders", order_payload(token_id), headers={"Idempotency-Key": "charge-1"})
    orders = api.sim.objects(kind="order")
    assert len(orders) == 1 and orders[0]["status"] == "succeeded"
    entry = api.sim.ledger[-1]
    assert (entry["path"], entry["status"], entry["idempotency_key"]) == ("/v1/orders", 200, "charge-1")
    assert orders[0]["id"] in entry["object_ids"]
    retry = api.post("/orders", order_payload(token_id), headers={"Idempotency-Key": "charge-1"})
    assert retry.headers["Idempotent-Replayed"] == "true" and retry.json()["id"] == orders[0]["id"]
    assert len(api.sim.objects(kind="order")) == 1


def test_fault_arguments_are_checked(sim: Simulator) -> None:
    with pytest.raises(ValueError):
        sim.faults.add(status=99)
    with pytest.raises(ValueError):
        sim.faults.add(probability=1.5)
    with pytest.raises(ValueError):
        sim.faults.add(count=0)


def test_probability_can_be_reseeded_over_http(api: Api) -> None:
    def outcomes() -> list[int]:
        seeded = api.http.post(api.sim.origin + "/_simulator/faults/seed", json={"seed": 11})
        assert seeded.json() == {"seed": 11}
        api.sim.faults.clear()
        api.sim.faults.add(method="GET", path="/v1/coupons", status=500, count=None, probability=0.3)
        return [api.get("/coupons").status_code for _ in range(30)]

    assert outcomes() == outcomes()
    assert api.http.post(api.sim.origin + "/_simulator/faults/seed", json={"seed": "x"}).status_code == 400


def test_drop_applies_to_a_replay_as_well(api: Api) -> None:
    api.post("/coupons", COUPON, headers={"Idempotency-Key": "same"})
    api.sim.faults.add(method="POST", path="/v1/coupons", drop_response=True)
    with pytest.raises(requests.exceptions.ConnectionError):
        api.post("/coupons", COUPON, headers={"Idempotency-Key": "same"})
    assert api.sim.ledger[-1]["replayed"] is True and len(api.sim.objects(kind="coupon")) == 1
