"""``manage.py smartypay_sync``: pages through the search; bad input is a CommandError."""

from __future__ import annotations

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from django_smartpay.contrib.smartypay.client import Money
from django_smartpay.contrib.smartypay.models import SmartyPayment
from django_smartpay.contrib.smartypay.simulator import SECRET

pytestmark = pytest.mark.django_db


def run(*args):
    out = StringIO()
    call_command("smartypay_sync", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def five(smartypay_client, smartypay_simulator):
    ids = [smartypay_client.create_payment(Money(Decimal(n + 1), "bUSDT")).id for n in range(5)]
    smartypay_simulator.set_status(ids[0], "InProgress")
    return ids


def test_sync_everything_in_pages(five, smartypay_simulator):
    smartypay_simulator.requests.clear()
    assert run("--page-size", "2") == "5 SmartyPay payment(s) synced, 5 with a new status.\n"
    assert set(SmartyPayment.objects.values_list("smartypay_id", flat=True)) == set(five)
    assert [path for _m, path, _s in smartypay_simulator.requests] == ["/v1/payments/search"] * 3
    assert run() == "5 SmartyPay payment(s) synced, 0 with a new status.\n"


def test_sync_by_status_and_id(five):
    assert run("--status", "InProgress").startswith("1 ")
    assert run("--id", five[1], "--id", five[2]).startswith("2 ")
    assert run("--status", "Created", "--id", five[0]).startswith("0 ")
    assert SmartyPayment.objects.count() == 3


def test_a_payment_that_cannot_be_stored_is_reported_and_the_rest_synced(smartypay_client):
    bad = smartypay_client.create_payment(Money(Decimal("1"), "bUSDT"), metadata={"x": "\x00"})
    smartypay_client.create_payment(Money(Decimal("2"), "bUSDT"))
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError, match="1 SmartyPay payment"):
        call_command("smartypay_sync", stdout=out, stderr=err)
    assert out.getvalue().startswith("1 SmartyPay payment(s) synced")
    assert bad.id in err.getvalue()
    assert SmartyPayment.objects.count() == 1


@pytest.mark.parametrize("size", ["0", "101", "ten", "-1"])
def test_a_bad_page_size_is_refused(smartypay_simulator, size):
    with pytest.raises(CommandError, match="--page-size"):
        run("--page-size", size)
    assert smartypay_simulator.requests == []


def test_a_failing_smartypay_is_a_command_error_without_secrets(smartypay_simulator):
    smartypay_simulator.faults.add(method="POST", path="/v1/payments/search", status=503, count=1)
    with pytest.raises(CommandError) as caught:
        run()
    assert "503" in str(caught.value) and SECRET not in str(caught.value)


def test_missing_settings_are_a_command_error(smartypay_simulator, settings):
    settings.SMARTYPAY = {"API_KEY": "k"}
    with pytest.raises(CommandError) as caught:
        run()
    assert "SECRET" in str(caught.value)
