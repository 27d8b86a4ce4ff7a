"""The typed client against the simulator: money, search, retries of reads only, no secret anywhere."""

from __future__ import annotations

import base64
import json
import logging
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import requests

from django_smartpay.contrib.smartypay.client import (
    REFERENCE_KEY,
    Money,
    Payment,
    PaymentNotFoundError,
    SmartyPayClient,
    SmartyPayRateLimitError,
    SmartyPayResponseError,
    SmartyPayServerError,
    SmartyPayTimeoutError,
    SmartyPayValidationError,
)
from django_smartpay.contrib.smartypay.client.transport import BasicAuth
from django_smartpay.contrib.smartypay.simulator import API_KEY, MERCHANT_ID, SECRET
from django_smartpay.simulator.inprocess import InProcessAdapter


def test_decimal_round_trip_keeps_every_digit(smarty, sim):
    value = Decimal("123456789012345678.123456789012345678")
    payment = smarty.create_payment(Money(value, "bUSDT"))
    assert sim.payment(payment.id)["amount"] == {
        "value": "123456789012345678.123456789012345678",
        "currency": "bUSDT",
    }
    fetched = smarty.get_payment(payment.id)
    assert fetched.amount == Money(value, "bUSDT")
    assert isinstance(fetched.amount.value, Decimal)
    assert str(fetched.amount) == "123456789012345678.123456789012345678 bUSDT"


def test_an_exponent_is_sent_as_plain_decimal_text(smarty, sim):
    payment = smarty.create_payment(Money(Decimal("1.5E+2"), "bUSDT"))
    assert sim.payment(payment.id)["amount"]["value"] == "150"
    assert smarty.create_payment(Money(Decimal("0.10"), "bUSDT")).raw["amount"]["value"] == "0.10"


@pytest.mark.parametrize("value", [15.0, 15, "15", True, Decimal("NaN"), Decimal("Infinity")])
def test_money_refuses_anything_but_a_finite_decimal(value):
    with pytest.raises(SmartyPayValidationError):
        Money(value, "bUSDT")


def test_a_float_never_reaches_the_wire(smarty, sim):
    with pytest.raises(SmartyPayValidationError):
        smarty.create_payment(Money(15.5, "bUSDT"))  # type: ignore[arg-type]
    with pytest.raises(SmartyPayValidationError):
        smarty.create_payment((Decimal("15"), "bUSDT"))  # type: ignore[arg-type]
    assert sim.requests == []


def test_numbers_in_answers_are_decimals_not_floats(smarty, sim):
    payment = smarty.create_payment(Money(Decimal("1"), "bUSDT"), metadata={"rate": Decimal("0.1")})
    assert payment.metadata["rate"] == "0.1"  # a Decimal is sent as its text
    sim.set_extra_properties(fee=0.30)  # a JSON number on the wire
    fee = smarty.get_payment(payment.id).raw["fee"]
    assert type(fee) is Decimal and fee == Decimal("0.3")


def test_created_payment_mirrors_the_document(smarty, sim):
    expires = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=2)
    payment = smarty.create_payment(
        Money(Decimal("15"), "bUSDT"),
        expires_at=expires,
        metadata={"orderId": 1002112},
        description="Order 1002112",
    )
    assert payment.status == "Created"
    assert payment.expires_at == expires
    assert payment.created_at is not None and payment.created_at.tzinfo is not None
    assert payment.metadata["orderId"] == 1002112
    assert len(payment.metadata[REFERENCE_KEY]) == 32
    assert payment.description == "Order 1002112"
    assert payment.error_code is None


def test_unknown_properties_are_ignored(smarty, sim):
    sim.set_extra_properties(network="BSC", paymentUrl="https://example.test/pay", amount_aux=[1, 2])
    payment = smarty.create_payment(Money(Decimal("15"), "bUSDT"))
    assert smarty.get_payment(payment.id) == payment
    assert payment.raw["network"] == "BSC"


def test_a_naive_expiry_is_refused_locally(smarty, sim):
    with pytest.raises(SmartyPayValidationError):
        smarty.create_payment(Money(Decimal("1"), "bUSDT"), expires_at=datetime(2099, 1, 1))
    assert sim.requests == []


def test_the_reference_key_belongs_to_the_client(smarty, sim):
    with pytest.raises(SmartyPayValidationError):
        smarty.create_payment(
            Money(Decimal("1"), "bUSDT"), metadata={REFERENCE_KEY: "mine"}, reference="other"
        )
    payment = smarty.create_payment(
        Money(Decimal("1"), "bUSDT"), metadata={REFERENCE_KEY: "same"}, reference="same"
    )
    assert payment.metadata[REFERENCE_KEY] == "same"


def test_a_merchant_is_required(sim):
    client = SmartyPayClient(API_KEY, SECRET, base_url=sim.base_url, session=sim.session())
    with pytest.raises(SmartyPayValidationError):
        client.create_payment(Money(Decimal("1"), "bUSDT"))


@pytest.mark.parametrize(
    "options",
    [{"page_size": 0}, {"page_size": 101}, {"max_retries": -1}, {"timeout": 0}, {"base_url": "ftp://x"}],
)
def test_bad_options_are_refused(options):
    with pytest.raises(SmartyPayValidationError):
        SmartyPayClient(API_KEY, SECRET, **options)


@pytest.mark.parametrize(
    ("api_key", "secret"), [("", "s"), ("k", ""), ("a:b", "s"), (" k", "s"), ("k", None)]
)
def test_bad_credentials_are_refused_without_echo(api_key, secret):
    with pytest.raises(SmartyPayValidationError) as caught:
        SmartyPayClient(api_key, secret)
    assert "a:b" not in str(caught.value)


# --- search -------------------------------------------------------------------------------------


def _payments(smarty, count):
    return [smarty.create_payment(Money(Decimal(n + 1), "bUSDT")) for n in range(count)]


def test_search_predicates_combine_with_and(smarty, sim):
    a, b, c = _payments(smarty, 3)
    sim.set_status(a.id, "InProgress")
    sim.set_status(b.id, "InProgress")
    assert {p.id for p in smarty.search_payments(status_in=["InProgress"]).payments} == {a.id, b.id}
    assert {p.id for p in smarty.search_payments(id_in=[a.id, c.id]).payments} == {a.id, c.id}
    both = smarty.search_payments(status_in=["InProgress"], id_in=[a.id, c.id])
    assert [p.id for p in both.payments] == [a.id]
    assert smarty.search_payments(status_in=["Succeeded"]).payments == []
    assert smarty.search_payments(merchant_id="SomeoneElse").payments == []


def test_search_pages(smarty, sim):
    created = _payments(smarty, 5)
    first = smarty.search_payments(limit=2)
    assert (first.limit, first.offset, len(first.payments)) == (2, 0, 2)
    last = smarty.search_payments(limit=2, offset=4)
    assert (last.offset, len(last.payments)) == (4, 1)
    walked = list(smarty.iter_payments(page_size=2))
    assert sorted(p.id for p in walked) == sorted(p.id for p in created)
    searches = [r for r in sim.requests if r[1] == "/v1/payments/search"]
    assert len(searches) == 2 + 3  # the two pages above, then pages of 2, 2 and 1


def test_a_full_last_page_ends_with_an_empty_one(smarty, sim):
    _payments(smarty, 4)
    assert len(list(smarty.iter_payments(page_size=2))) == 4
    assert [r for r in sim.requests if r[1] == "/v1/payments/search"] == [
        ("POST", "/v1/payments/search", 200)
    ] * 3


@pytest.mark.parametrize("bad", [{"limit": 0}, {"limit": 101}, {"offset": -1}])
def test_search_refuses_a_bad_page_locally(smarty, sim, bad):
    with pytest.raises(SmartyPayValidationError):
        smarty.search_payments(**bad)
    assert sim.requests == []


def test_search_refuses_a_bare_string_list(smarty):
    with pytest.raises(SmartyPayValidationError):
        smarty.search_payments(status_in="Created")


# --- retries: reads and searches only ---------------------------------------------------------------


def test_a_read_is_retried_on_5xx(smarty, sim, sleeps):
    payment = _payments(smarty, 1)[0]
    sim.faults.add(method="GET", path="/v1/payments/*", status=503, count=2)
    assert smarty.get_payment(payment.id) == payment
    assert len(sleeps) == 2
    assert [
        status for _m, path, status in sim.requests if path.startswith("/v1/payments/") and _m == "GET"
    ] == [
        503,
        503,
        200,
    ]


def test_a_read_gives_up_after_max_retries(smarty, sim, sleeps):
    sim.faults.add(method="GET", path="/v1/payments/*", status=502, count=3)
    with pytest.raises(SmartyPayServerError) as caught:
        smarty.get_payment("x")
    assert caught.value.status_code == 502 and len(sleeps) == 2


def test_a_search_is_retried_on_429_with_retry_after(smarty, sim, sleeps):
    sim.faults.add(method="POST", path="/v1/payments/search", status=429, count=1)
    assert smarty.search_payments().payments == []
    assert len(sleeps) == 1


def test_a_read_is_retried_after_a_timeout(sim, sleeps):
    client = SmartyPayClient(
        API_KEY, SECRET, base_url=sim.base_url, session=sim.session(), timeout=0.05, sleep=sleeps.append
    )
    sim.faults.add(method="GET", path="/v1/payments/*", status=None, latency=1.0, count=1)
    with pytest.raises(PaymentNotFoundError):  # the second attempt got SmartyPay's answer
        client.get_payment("missing")
    assert len(sleeps) == 1


def test_a_create_refused_with_429_is_not_retried(smarty, sim, sleeps):
    sim.faults.add(method="POST", path="/v1/payments", status=429, count=1)
    with pytest.raises(SmartyPayRateLimitError) as caught:
        smarty.create_payment(Money(Decimal("1"), "bUSDT"))
    assert not caught.value.outcome_unknown
    assert sleeps == [] and sim.requests == [("POST", "/v1/payments", 429)]


def test_a_timeout_of_a_read_without_retries_is_typed(sim):
    client = SmartyPayClient(
        API_KEY, SECRET, base_url=sim.base_url, session=sim.session(), timeout=0.05, max_retries=0
    )
    sim.faults.add(method="GET", path="/v1/payments/*", status=None, latency=1.0, count=1)
    with pytest.raises(SmartyPayTimeoutError) as caught:
        client.get_payment("x")
    assert (
        caught.value.outcome_unknown and caught.value.__cause__ is None and caught.value.__context__ is None
    )


def test_a_success_that_is_not_a_payment_is_a_response_error():
    with pytest.raises(SmartyPayResponseError):
        Payment.from_api({"id": "x", "amount": {"value": 1.5, "currency": "bUSDT"}, "status": "Created"})
    with pytest.raises(SmartyPayResponseError):
        Payment.from_api(
            {
                "id": "x",
                "amount": {"value": "1", "currency": "bUSDT"},
                "status": "Created",
                "createdAt": "yesterday",
            }
        )
    with pytest.raises(SmartyPayResponseError):
        Payment.from_api(["not", "an", "object"])
    with pytest.raises(SmartyPayResponseError, match="errorCode"):
        Payment.from_api(
            {
                "id": "x",
                "amount": {"value": "1", "currency": "bUSDT"},
                "status": "Created",
                "errorCode": "E" * 101,
            }
        )


# --- secrets --------------------------------------------------------------------------------------


def test_secrets_never_show(sim, sleeps, caplog):
    client = SmartyPayClient(
        API_KEY,
        SECRET,
        merchant_id=MERCHANT_ID,
        base_url=sim.base_url,
        session=sim.session(),
        sleep=sleeps.append,
    )
    sim.faults.add(method="GET", path="/v1/payments/*", status=503, count=3)
    with caplog.at_level(logging.DEBUG), pytest.raises(SmartyPayServerError) as caught:
        client.get_payment("x")
    shown = " ".join(
        [repr(client), str(caught.value), repr(caught.value), caplog.text, repr(BasicAuth(API_KEY, SECRET))]
    )
    assert SECRET not in shown and API_KEY not in shown
    assert len(sleeps) == 2 and "retry" in caplog.text


def test_basic_auth_is_api_key_colon_secret(sim):
    session = sim.session()
    seen = []
    session.hooks["response"].append(
        lambda response, *a, **k: seen.append(response.request.headers["Authorization"])
    )
    client = SmartyPayClient(API_KEY, SECRET, base_url=sim.base_url, session=session)
    client.search_payments()
    assert seen == ["Basic " + base64.b64encode(f"{API_KEY}:{SECRET}".encode()).decode()]


def test_a_payment_shifted_onto_the_next_page_is_yielded_once(smarty, sim):
    _payments(smarty, 4)
    created_during_walk = []

    def new_payment_after_first_page(response, *args, **kwargs):
        if response.request.path_url == "/v1/payments/search" and not created_during_walk:
            created_during_walk.append(
                sim.state.create(
                    API_KEY, {"merchantId": MERCHANT_ID, "amount": {"value": "9", "currency": "bUSDT"}}
                )
            )

    smarty.session.hooks["response"].append(new_payment_after_first_page)
    walked = [payment.id for payment in smarty.iter_payments(page_size=2)]
    assert len(walked) == len(set(walked)) == 4  # the newest one came after the walk began


class OffsetIgnoringAdapter(InProcessAdapter):
    """The simulator behind a proxy that drops ``page.offset``: every page is the first one."""

    def send(self, request, *args, **kwargs):
        if request.path_url == "/v1/payments/search":
            body = json.loads(request.body)
            body["page"].pop("offset", None)
            request.prepare_body(data=json.dumps(body).encode(), files=None)
        return super().send(request, *args, **kwargs)


def test_a_page_that_repeats_stops_the_walk(sim):
    session = requests.Session()
    session.mount(sim.base_url + "/", OffsetIgnoringAdapter(sim))
    client = SmartyPayClient(API_KEY, SECRET, merchant_id=MERCHANT_ID, base_url=sim.base_url, session=session)
    for n in range(3):
        client.create_payment(Money(Decimal(n + 1), "bUSDT"))
    with pytest.raises(SmartyPayResponseError, match="does not advance"):
        list(client.iter_payments(page_size=2))
