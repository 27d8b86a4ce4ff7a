"""A create is sent once: a lost answer is settled by searching for the merchant reference."""

from __future__ import annotations

from decimal import Decimal

import pytest

from django_smartpay.contrib.smartypay.client import (
    REFERENCE_KEY,
    Money,
    PaymentAmountNotSupportedError,
    SmartyPayClient,
    SmartyPayNotCreatedError,
    SmartyPayOutcomeUnknownError,
)
from django_smartpay.contrib.smartypay.simulator import API_KEY, MERCHANT_ID, SECRET

AMOUNT = Money(Decimal("15"), "bUSDT")


def creates(sim):
    return [request for request in sim.requests if request[:2] == ("POST", "/v1/payments")]


def test_a_dropped_answer_is_found_by_its_reference(smarty, sim, sleeps):
    sim.faults.add(method="POST", path="/v1/payments", drop_response=True, count=1)
    payment = smarty.create_payment(AMOUNT, reference="order-1002112")
    assert len(sim.payments()) == 1  # created once, never twice
    assert sim.payments()[0]["id"] == payment.id
    assert payment.metadata[REFERENCE_KEY] == "order-1002112"
    assert len(creates(sim)) == 1
    assert ("POST", "/v1/payments/search", 200) in sim.requests
    assert sleeps == []


def test_a_timed_out_create_is_found_by_its_reference(sim):
    client = SmartyPayClient(
        API_KEY, SECRET, merchant_id=MERCHANT_ID, base_url=sim.base_url, session=sim.session(), timeout=0.05
    )
    sim.faults.add(method="POST", path="/v1/payments", status=None, latency=1.0, count=1)
    payment = client.create_payment(AMOUNT)
    assert [p["id"] for p in sim.payments()] == [payment.id]
    assert len(creates(sim)) == 1


def test_the_reference_is_found_among_many_pages(smarty, sim):
    for n in range(5):
        smarty.create_payment(Money(Decimal(n + 1), "bUSDT"))
    client = SmartyPayClient(
        API_KEY, SECRET, merchant_id=MERCHANT_ID, base_url=sim.base_url, session=sim.session(), page_size=2
    )
    sim.faults.add(method="POST", path="/v1/payments", drop_response=True, count=1)
    payment = client.create_payment(AMOUNT, reference="late")
    assert payment.metadata[REFERENCE_KEY] == "late" and len(sim.payments()) == 6


def test_a_gateway_error_is_proven_unapplied_then_sent_again(smarty, sim, sleeps):
    """503 before processing: the search finds nothing (complete), so a second create is safe."""
    sim.faults.add(method="POST", path="/v1/payments", status=503, count=1)
    payment = smarty.create_payment(AMOUNT)
    assert [p["id"] for p in sim.payments()] == [payment.id]
    assert [status for *_r, status in creates(sim)] == [503, 200]
    assert len(sleeps) == 1


def test_every_attempt_lost_and_proven_unapplied(smarty, sim):
    sim.faults.add(method="POST", path="/v1/payments", status=503, count=3)
    with pytest.raises(SmartyPayNotCreatedError) as caught:
        smarty.create_payment(AMOUNT, reference="never")
    assert caught.value.reference == "never" and not caught.value.outcome_unknown
    assert sim.payments() == [] and len(creates(sim)) == 3


def test_a_failed_search_leaves_the_outcome_unknown(sim):
    client = SmartyPayClient(
        API_KEY, SECRET, merchant_id=MERCHANT_ID, base_url=sim.base_url, session=sim.session(), max_retries=0
    )
    sim.faults.add(method="POST", path="/v1/payments", drop_response=True, count=1)
    sim.faults.add(method="POST", path="/v1/payments/search", status=503, count=1)
    with pytest.raises(SmartyPayOutcomeUnknownError) as caught:
        client.create_payment(AMOUNT)
    assert caught.value.outcome_unknown and caught.value.__cause__ is None
    assert len(creates(sim)) == 1 and len(sim.payments()) == 1
    found = client.find_by_reference(caught.value.reference)  # later, SmartyPay answers again
    assert found.complete and found.payment is not None and found.payment.id == sim.payments()[0]["id"]


def test_an_incomplete_search_never_creates_again(smarty, sim):
    for n in range(3):
        smarty.create_payment(Money(Decimal(n + 1), "bUSDT"))
    client = SmartyPayClient(
        API_KEY,
        SECRET,
        merchant_id=MERCHANT_ID,
        base_url=sim.base_url,
        session=sim.session(),
        page_size=1,
        recovery_scan_limit=2,
    )
    sim.faults.add(method="POST", path="/v1/payments", status=503, count=1)
    with pytest.raises(SmartyPayOutcomeUnknownError) as caught:
        client.create_payment(AMOUNT)
    assert "2 payments searched" in str(caught.value)
    assert len(sim.payments()) == 3  # no second create
    assert [status for *_r, status in creates(sim)][-1] == 503


def test_refused_creates_are_never_searched_for(smarty, sim):
    with pytest.raises(PaymentAmountNotSupportedError):
        smarty.create_payment(Money(Decimal("15"), "DOGE"))
    assert [path for _m, path, _s in sim.requests] == ["/v1/payments"]
