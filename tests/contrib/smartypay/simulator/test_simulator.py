"""The SmartyPay simulator: authentication, routes, the document's rules, lifecycle, control calls, server."""

from __future__ import annotations

import base64
import io
import json
import subprocess
import sys
from decimal import Decimal
from wsgiref.util import setup_testing_defaults

import pytest
import requests

from django_smartpay.contrib.smartypay.client import Money, SmartyPayClient, SmartyPayInvalidRequestError
from django_smartpay.contrib.smartypay.simulator import API_KEY, MERCHANT_ID, SECRET, SmartyPaySimulator
from django_smartpay.contrib.smartypay.simulator.server import main, parse_args


def basic(api_key: str = API_KEY, secret: str = SECRET) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{api_key}:{secret}".encode()).decode()}


def create_body(**extra):
    return {"merchantId": MERCHANT_ID, "amount": {"value": "15", "currency": "bUSDT"}, **extra}


@pytest.fixture
def http(sim):
    return sim.session()


@pytest.mark.parametrize(
    "headers",
    [
        {},
        basic(secret="wrong"),
        basic(api_key="unknown"),
        {"Authorization": "Basic !!!not-base64"},
        {"Authorization": "Basic " + base64.b64encode(API_KEY.encode()).decode()},  # no colon
        {"Authorization": f"Bearer {SECRET}"},
    ],
    ids=["none", "wrong-secret", "unknown-key", "bad-base64", "no-colon", "bearer"],
)
def test_every_call_needs_the_api_key_and_secret(sim, http, headers):
    for method, path in [
        ("POST", "/v1/payments"),
        ("POST", "/v1/payments/search"),
        ("GET", "/v1/payments/x"),
    ]:
        response = http.request(method, sim.base_url + path, json=create_body(), headers=headers)
        assert response.status_code == 401
        assert response.json()["code"] == "Unauthorized"
        assert SECRET not in response.text
    assert sim.payments() == []


def test_the_example_of_the_document(sim, http):
    response = http.post(sim.base_url + "/v1/payments", json=create_body(), headers=basic())
    assert response.status_code == 200
    payment = response.json()
    assert set(payment) == {"id", "amount", "createdAt", "expiresAt", "status"}
    assert payment["amount"] == {"value": "15", "currency": "bUSDT"} and payment["status"] == "Created"
    assert len(payment["id"]) == 22
    assert payment["createdAt"].endswith("Z") and payment["expiresAt"] > payment["createdAt"]
    search = http.post(
        sim.base_url + "/v1/payments/search",
        json={
            "predicates": {"statusIn": ["Created", "InProgress"], "merchantId": MERCHANT_ID},
            "page": {"limit": 5},
        },
        headers=basic(),
    ).json()
    assert search == {"list": [payment], "page": {"limit": 5, "offset": 0}}
    assert http.get(sim.base_url + f"/v1/payments/{payment['id']}", headers=basic()).json() == payment


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [
        ("GET", "/v1/payments", 405, "MethodNotAllowed"),
        ("PUT", "/v1/payments/x", 405, "MethodNotAllowed"),
        ("GET", "/v1/invoices", 404, "RouteNotFound"),
        ("GET", "/v2/payments/x", 404, "RouteNotFound"),
        ("GET", "/v1/payments/a/b", 404, "RouteNotFound"),
    ],
)
def test_unknown_routes_and_methods(sim, http, method, path, status, code):
    response = http.request(method, sim.base_url + path, headers=basic())
    assert (response.status_code, response.json()["code"]) == (status, code)


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[1, 2]",
        b'{"amount": {"value": "1", "currency": "bUSDT"}}',
        b'{"merchantId": 5, "amount": {"value": "1", "currency": "bUSDT"}}',
        b'{"merchantId": "RgFw2p65CQn3pE8uriL53d"}',
        b'{"merchantId": "RgFw2p65CQn3pE8uriL53d", "amount": {"value": "1", "currency": "bUSDT"}, "metadata": [1]}',
        b'{"merchantId": "RgFw2p65CQn3pE8uriL53d", "amount": {"value": "1", "currency": "bUSDT"}, "description": 7}',
        b'{"merchantId": "RgFw2p65CQn3pE8uriL53d", "amount": {"value": NaN, "currency": "bUSDT"}}',
    ],
)
def test_malformed_creates_are_request_invalid(sim, http, body):
    response = http.post(sim.base_url + "/v1/payments", data=body, headers=basic())
    assert (response.status_code, response.json()["code"]) == (400, "RequestInvalid")
    assert sim.payments() == []


@pytest.mark.parametrize(
    "body",
    [
        {"predicates": []},
        {"predicates": {"statusIn": "Created"}},
        {"predicates": {"idIn": [1]}},
        {"predicates": {"merchantId": 3}},
        {"page": {"limit": 0}},
        {"page": {"limit": 101}},
        {"page": {"limit": True}},
        {"page": {"offset": -1}},
        {"page": "all"},
    ],
)
def test_malformed_searches_are_request_invalid(sim, http, body):
    response = http.post(sim.base_url + "/v1/payments/search", json=body, headers=basic())
    assert (response.status_code, response.json()["code"]) == (400, "RequestInvalid")


def test_search_defaults_and_unknown_predicates(sim, http):
    for _ in range(25):
        http.post(sim.base_url + "/v1/payments", json=create_body(), headers=basic())
    answer = http.post(
        sim.base_url + "/v1/payments/search", json={"predicates": {"colour": "red"}}, headers=basic()
    ).json()
    assert answer["page"] == {"limit": 20, "offset": 0} and len(answer["list"]) == 20
    empty = http.post(sim.base_url + "/v1/payments/search", data=b"", headers=basic()).json()
    assert len(empty["list"]) == 20


def test_lifecycle_created_in_progress_succeeded(smarty, sim):
    payment = smarty.create_payment(Money(Decimal("15"), "bUSDT"))
    assert sim.set_status(payment.id, "InProgress")["status"] == "InProgress"
    assert sim.set_status(payment.id, "Succeeded")["status"] == "Succeeded"
    assert smarty.get_payment(payment.id).status == "Succeeded"
    for status in ("Created", "InProgress", "Expired", "Refunded"):
        with pytest.raises(Exception, match="cannot move"):
            sim.set_status(payment.id, status)


def test_created_payments_expire_when_their_time_comes(smarty, sim):
    payment = smarty.create_payment(Money(Decimal("15"), "bUSDT"))
    paying = smarty.create_payment(Money(Decimal("16"), "bUSDT"))
    sim.set_status(paying.id, "InProgress")
    sim.advance(24 * 3600 - 1)
    assert smarty.get_payment(payment.id).status == "Created"
    sim.advance(1)
    assert smarty.get_payment(payment.id).status == "Expired"
    assert smarty.get_payment(paying.id).status == "InProgress"  # a payment under way does not expire
    assert [p.id for p in smarty.search_payments(status_in=["Expired"]).payments] == [payment.id]


def test_an_error_code_on_a_payment(smarty, sim):
    payment = smarty.create_payment(Money(Decimal("15"), "bUSDT"))
    sim.set_status(payment.id, "Expired", error_code="PaymentExpired")
    assert smarty.get_payment(payment.id).error_code == "PaymentExpired"


def test_only_documented_codes_can_be_injected(sim):
    with pytest.raises(ValueError):
        sim.inject_error("SomethingElse")


def test_reset_forgets_everything(smarty, sim):
    smarty.create_payment(Money(Decimal("15"), "bUSDT"))
    sim.faults.add(method="GET", path="/v1/payments/*", status=503)
    sim.reset()
    assert sim.payments() == [] and sim.requests == [] and sim.faults.rules() == []


def test_ids_are_reproducible_with_a_seed():
    first, second = SmartyPaySimulator(seed=3), SmartyPaySimulator(seed=3)
    ids = []
    for sim in (first, second):
        client = SmartyPayClient(
            API_KEY, SECRET, merchant_id=MERCHANT_ID, base_url=sim.base_url, session=sim.session()
        )
        ids.append(client.create_payment(Money(Decimal("1"), "bUSDT")).id)
    assert ids[0] == ids[1]


# --- over loopback HTTP, with the control calls ----------------------------------------------------


def test_the_server_and_its_control_calls(smartypay_server):
    base = smartypay_server.base_url
    assert base.startswith("http://127.0.0.1:")
    client = SmartyPayClient(API_KEY, SECRET, merchant_id=MERCHANT_ID, base_url=base)
    payment = client.create_payment(Money(Decimal("15.25"), "bUSDT"))
    moved = requests.post(
        f"{base}/_smartypay/payments/{payment.id}/status", json={"status": "InProgress"}, timeout=5
    )
    assert moved.status_code == 200 and moved.json()["status"] == "InProgress"
    refused = requests.post(
        f"{base}/_smartypay/payments/{payment.id}/status", json={"status": "Created"}, timeout=5
    )
    assert (refused.status_code, refused.json()["code"]) == (400, "RequestInvalid")
    assert (
        requests.post(f"{base}/_smartypay/payments/nope/status", json={"status": "X"}, timeout=5).status_code
        == 404
    )
    assert (
        requests.post(
            f"{base}/_smartypay/errors", json={"code": "CompensationDisabled"}, timeout=5
        ).status_code
        == 200
    )
    with pytest.raises(SmartyPayInvalidRequestError) as caught:
        client.create_payment(Money(Decimal("1"), "bUSDT"))
    assert caught.value.code == "CompensationDisabled"
    assert requests.post(f"{base}/_smartypay/errors", json={"code": "Nope"}, timeout=5).status_code == 400
    assert (
        requests.post(f"{base}/_smartypay/clock", json={"advanceSeconds": 90000}, timeout=5).status_code
        == 200
    )
    assert (
        requests.post(f"{base}/_smartypay/clock", json={"advanceSeconds": -1}, timeout=5).status_code == 400
    )
    listed = requests.get(f"{base}/_smartypay/payments", timeout=5).json()["list"]
    assert [(p["id"], p["status"]) for p in listed] == [(payment.id, "InProgress")]
    assert client.get_payment(payment.id).amount.value == Decimal("15.25")
    assert requests.post(f"{base}/_smartypay/reset", timeout=5).json() == {"reset": True}
    assert requests.get(f"{base}/_smartypay/payments", timeout=5).json()["list"] == []
    assert requests.post(f"{base}/_smartypay/unknown", timeout=5).status_code == 404


def test_the_command_line_refuses_a_public_address():
    with pytest.raises(SystemExit):
        parse_args(["--host", "0.0.0.0"])
    assert parse_args(["--port", "0", "--merchant", "M1"]).merchant == ["M1"]
    assert callable(main)


def test_the_app_is_plain_wsgi_too(sim):
    environ: dict = {}
    setup_testing_defaults(environ)
    environ.update(
        REQUEST_METHOD="POST",
        PATH_INFO="/v1/payments/search",
        HTTP_AUTHORIZATION=basic()["Authorization"],
        CONTENT_LENGTH="2",
        **{"wsgi.input": io.BytesIO(b"{}")},
    )
    started = []
    body = b"".join(sim.app(environ, lambda status, headers: started.append(status)))
    assert started == ["200 OK"]
    assert json.loads(body) == {"list": [], "page": {"limit": 20, "offset": 0}}


def test_the_command_line_serves_until_stopped():
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "django_smartpay.contrib.smartypay.simulator",
            "--port",
            "0",
            "--merchant",
            "M1",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        base = line.split(" at ")[1].split()[0]
        client = SmartyPayClient(API_KEY, SECRET, merchant_id="M1", base_url=base)
        assert client.create_payment(Money(Decimal("3"), "bUSDT")).status == "Created"
    finally:
        process.terminate()
    assert process.wait(10) == 0  # SIGTERM closes the server and exits cleanly
