"""smartypayment_status_changed: on commit, once per change, never for an unchanged copy."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import transaction

from django_smartpay.contrib.smartypay import services
from django_smartpay.contrib.smartypay.models import SmartyPayment
from django_smartpay.contrib.smartypay.signals import smartypayment_status_changed

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def heard():
    calls = []

    def receiver(sender, instance, old_status, new_status, **kwargs):
        calls.append((sender, instance.smartypay_id, old_status, new_status))

    smartypayment_status_changed.connect(receiver)
    yield calls
    smartypayment_status_changed.disconnect(receiver)


def test_sent_for_each_change_only(smartypay_simulator, heard):
    row = services.create_payment(Decimal("15"), "bUSDT")
    assert heard == [(SmartyPayment, row.smartypay_id, None, "Created")]
    services.refresh_payment(row)
    assert len(heard) == 1  # nothing changed
    smartypay_simulator.set_status(row.smartypay_id, "InProgress")
    smartypay_simulator.set_status(row.smartypay_id, "Succeeded")
    services.refresh_payment(row)
    assert heard[1:] == [(SmartyPayment, row.smartypay_id, "Created", "Succeeded")]


def test_sent_after_commit_and_not_after_a_rollback(smartypay_simulator, heard):
    row = services.create_payment(Decimal("15"), "bUSDT")
    smartypay_simulator.set_status(row.smartypay_id, "InProgress")
    with transaction.atomic():
        services.refresh_payment(row)
        assert len(heard) == 1  # not yet
    assert heard[-1][2:] == ("Created", "InProgress")
    smartypay_simulator.set_status(row.smartypay_id, "Succeeded")
    with pytest.raises(RuntimeError), transaction.atomic():
        services.refresh_payment(row)
        raise RuntimeError("rolled back")
    assert len(heard) == 2
    assert SmartyPayment.objects.get().status == "InProgress"


def test_a_failing_receiver_does_not_break_the_sync(smartypay_simulator, heard):
    def broken(**kwargs):
        raise ValueError("receiver bug")

    smartypayment_status_changed.connect(broken)
    try:
        row = services.create_payment(Decimal("15"), "bUSDT")
    finally:
        smartypayment_status_changed.disconnect(broken)
    assert row.status == "Created" and len(heard) == 1
