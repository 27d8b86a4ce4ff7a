"""The ``/_simulator`` control API (JSON, no auth) and the Python facade around it."""

from __future__ import annotations

import time

from django_smartpay.simulator import Simulator

from .conftest import Api, session_payload, token_session_payload

COUPON = {"name": "x", "discountType": "percentage", "discountPercentage": 5}


def control(api: Api, method: str, path: str, json=None):
    return api.http.request(method, api.sim.origin + "/_simulator" + path, json=json)


def test_faults_over_http(api: Api) -> None:
    added = control(
        api, "POST", "/faults", {"method": "POST", "path": "/v1/coupons", "status": 502, "count": 1}
    )
    assert added.status_code == 200 and added.json()["id"] == "fault_1"
    assert control(api, "GET", "/faults").json()["data"][0]["status"] == 502
    assert api.post("/coupons", COUPON).status_code == 502
    control(api, "POST", "/faults", {"path": "/v1/coupons", "status": 500, "count": 5})
    assert control(api, "DELETE", "/faults").json() == {"data": []}
    assert api.post("/coupons", COUPON).status_code == 200
    bad = control(api, "POST", "/faults", {"status": 42})
    assert bad.status_code == 400 and bad.json()["errorCode"] == "request.invalid"


def test_ledger_and_objects(api: Api) -> None:
    api.post("/coupons", COUPON, headers={"Idempotency-Key": "k1"})
    api.as_key("sk_test_other").post("/coupons", COUPON)
    ledger = control(api, "GET", "/ledger").json()["data"]
    assert [(e["method"], e["path"], e["idempotency_key"], e["status"]) for e in ledger] == [
        ("POST", "/v1/coupons", "k1", 200),
        ("POST", "/v1/coupons", None, 200),
    ]
    label = api.sim.account_label(api.key)
    assert ledger[0]["account"] == label and ledger[0]["object_ids"][0].startswith("coupon_test_")
    assert label.startswith("acct_test_") and api.key not in str(ledger)
    mine = control(api, "GET", f"/objects?kind=coupon&account={label}").json()["data"]
    assert [c["id"] for c in mine] == ledger[0]["object_ids"]
    assert len(control(api, "GET", "/objects?kind=coupons").json()["data"]) == 2
    one = control(api, "GET", f"/objects/{mine[0]['id']}")
    assert one.json() == mine[0] and control(api, "GET", "/objects/nope").status_code == 404


def test_clock_and_shopper_helpers(api: Api) -> None:
    before = control(api, "GET", "/clock").json()["now"]
    after = control(api, "POST", "/clock/advance", {"seconds": 3600}).json()["now"]
    assert 3600_000 <= after - before < 3610_000
    assert control(api, "POST", "/clock/advance", {"seconds": "soon"}).status_code == 400
    order_id = api.ok("POST", "/checkout-sessions", session_payload())["order"]["id"]
    assert control(api, "POST", f"/orders/{order_id}/authorize").json()["status"] == "succeeded"
    token_id = api.ok("POST", "/checkout-sessions", token_session_payload())["token"]["id"]
    assert control(api, "POST", f"/tokens/{token_id}/reject").json()["status"] == "rejected"
    again = control(api, "POST", f"/tokens/{token_id}/approve")
    assert again.status_code == 409 and again.json()["errorCode"] == "token.cannot-authorize"
    assert control(api, "POST", "/orders/order_test_x/authorize").status_code == 404


def test_reset_wipes_everything(sim: Simulator, api: Api) -> None:
    api.post("/coupons", COUPON, headers={"Idempotency-Key": "k"})
    sim.faults.add(path="/v1/orders", status=500, count=None)
    api.ok("POST", "/webhook-endpoints", {"url": "https://a.example/h"})
    sim.clock.advance(999)
    assert control(api, "POST", "/reset").json() == {"reset": True}
    assert sim.objects() == [] and sim.ledger == [] and sim.faults.rules() == [] and sim.delivery_log() == []
    assert abs(sim.clock.now_ms() - time.time_ns() // 1_000_000) < 5000
    fresh = api.post("/coupons", COUPON, headers={"Idempotency-Key": "k"})
    assert "Idempotent-Replayed" not in fresh.headers and len(sim.objects(kind="coupon")) == 1


def test_return_page_and_unknown_control_routes(api: Api) -> None:
    page = control(api, "GET", "/return?status=ok")
    assert page.status_code == 200 and "Returned" in page.text and "status = ok" in page.text
    assert control(api, "GET", "/nothing").status_code == 404


def test_get_object_is_a_copy(sim: Simulator, api: Api) -> None:
    coupon = api.ok("POST", "/coupons", COUPON)
    copy = sim.get_object(coupon["id"])
    copy["name"] = "changed"
    assert sim.get_object(coupon["id"])["name"] == "x"


def test_plain_wsgi_call_and_delivery_on_close(sim: Simulator) -> None:
    import io
    from wsgiref.util import setup_testing_defaults

    received = []
    sim.webhook_sender = lambda url, headers, body: received.append(url) or 200
    key = sim.register_key("sk_test_wsgiCaller") and "sk_test_wsgiCaller"

    def call(method: str, path: str, body: bytes = b"") -> tuple[str, bytes]:
        environ: dict = {}
        setup_testing_defaults(environ)
        environ.update(
            REQUEST_METHOD=method,
            PATH_INFO=path,
            HTTP_AUTHORIZATION=f"Basic {key}",
            CONTENT_LENGTH=str(len(body)),
        )
        environ["wsgi.input"] = io.BytesIO(body)
        statuses = []
        result = sim(environ, lambda status, headers: statuses.append(status))
        payload = b"".join(result)
        result.close()
        return statuses[0], payload

    status, _ = call("POST", "/v1/webhook-endpoints", b'{"url":"https://hooks.example.jp/x"}')
    assert status == "200 OK" and received == []
    status, payload = call(
        "POST", "/v1/coupons", b'{"name":"w","discountType":"percentage","discountPercentage":1}'
    )
    assert status == "200 OK" and payload.startswith(b'{"id":"coupon_test_')
    assert received == ["https://hooks.example.jp/x"]
    assert sim.wsgi_app is sim.app and call("GET", "/v1/nothing")[0] == "404 Not Found"


def test_control_api_never_shows_or_searches_by_a_key_or_a_secret(api: Api) -> None:
    endpoint = api.post(
        "/webhook-endpoints", {"url": "https://shop.example/hook", "eventSubscriptions": ["order.authorized"]}
    ).json()
    secret = endpoint["signingSecret"]  # the API itself, authenticated by the key, returns it
    api.post("/coupons", COUPON)
    answers = [
        control(api, "GET", "/ledger"),
        control(api, "GET", "/objects"),
        control(api, "GET", "/objects?kind=webhook-endpoints"),
        control(api, "GET", f"/objects/{endpoint['id']}"),
        control(api, "GET", "/webhooks/deliveries"),
    ]
    for answer in answers:
        assert answer.status_code == 200
        assert api.key not in answer.text and secret not in answer.text
    shown = control(api, "GET", f"/objects/{endpoint['id']}").json()["signingSecret"]
    assert shown.startswith("***") and len(shown) <= 7
    # Searching by the key (or a prefix of it) is refused, not answered.
    for probe in (api.key, api.key[:9], "sk_test_"):
        refused = control(api, "GET", f"/objects?account={probe}")
        assert refused.status_code == 400 and api.key not in refused.text
    other = api.sim.account_label("sk_test_someoneElse")
    assert control(api, "GET", f"/objects?account={other}").json()["data"] == []


def test_delivery_log_hides_credentials_of_an_endpoint_url(api: Api) -> None:
    api.sim.webhook_sender = lambda url, headers, body: 500
    api.post(
        "/webhook-endpoints",
        {"url": "https://hook:CredentialInUrl99@shop.example/hook", "eventSubscriptions": ["coupon.created"]},
    )
    api.post("/coupons", COUPON)
    log = control(api, "GET", "/webhooks/deliveries")
    attempts = [attempt for delivery in log.json()["data"] for attempt in delivery["attempts"]]
    assert attempts and "CredentialInUrl99" not in log.text
    assert attempts[0]["url"] == "https://***@shop.example/hook"
