"""The shopper's "my account" over HTTP: what it lists, what it asks first, and what it refuses.

A hostile shopper tries another shopper's subscription and payment method ids in URLs and
forms, GETs the pages that act, posts without the CSRF token and sends nonsense: nothing of
anyone's changes, and each answer is a 4xx, never a 500.
"""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
import requests

from .conftest import DemoShop, approve

SCHEDULE = "select status, status_reason, token_id from smartpay_chargeschedule where id = ?"
TOKEN_STATUS = "select status from smartpay_token where smartpay_id = ?"


def _text(page: requests.Response) -> str:
    """The page's visible text, roughly (tags dropped, entities decoded, spaces folded)."""
    body = page.text.split("<main>", 1)[-1]
    text = re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", body)))
    return re.sub(r" ([.,:])", r"\1", text)


@pytest.fixture(scope="module")
def owner(demo_shop: DemoShop) -> tuple[requests.Session, int, str]:
    """A subscriber: their session, their schedule's id and its token's id."""
    http = demo_shop.signup("mei")
    schedule_id, token_id = demo_shop.subscribe(http, "mei")
    return http, schedule_id, token_id


@pytest.fixture(scope="module")
def intruder(demo_shop: DemoShop) -> requests.Session:
    return demo_shop.signup("mallory")


def test_the_account_lists_item_names_human_statuses_and_only_real_orders(demo_shop: DemoShop):
    http = demo_shop.signup("aoi")
    demo_shop.subscribe(http, "aoi")
    bought = demo_shop.post(http, "/buy/hojicha/", allow_redirects=False)
    assert http.get(approve(bought.headers["Location"]), timeout=30).status_code == 200
    # A checkout started and left on Smartpay's page: an order awaiting authorization, not placed.
    left = demo_shop.post(http, "/buy/tea-set/", allow_redirects=False)
    assert left.status_code == 302
    abandoned = demo_shop.query(
        "select o.smartpay_id from smartpay_order o join auth_user u on u.id = o.user_id "
        "where u.username = 'aoi' and o.status = 'requires_authorization'"
    )
    assert len(abandoned) == 1

    page = http.get(demo_shop.url + "/account/", timeout=10)
    text = _text(page)
    assert page.status_code == 200
    assert text.count("Hojicha, 100 g") == 1 and "Tea set" not in text
    assert "Matcha Club — monthly box" in text
    assert "Confirmed — charged when it ships" in text and "Paid" in text
    for raw in (
        "requires_capture",
        "requires_authorization",
        "succeeded",
        "li_test_",
        "paytok_test_",
        "order_test_",
    ):
        assert raw not in text, raw
    assert abandoned[0][0] not in page.text
    assert re.findall(r'class="order" data-status="(\w+)"', page.text) == ["requires_capture", "succeeded"]
    # The payment method and what it pays for; dates as dates, not ISO text.
    assert "Pays for Matcha Club — monthly box" in text
    assert not re.search(r"\d{4}-\d{2}-\d{2}", text.split("Demo:")[0])


def test_a_rejected_payment_method_is_not_offered(demo_shop: DemoShop):
    http = demo_shop.signup("riku")
    start = demo_shop.post(http, "/subscribe/", allow_redirects=False)
    rejected = requests.post(
        start.headers["Location"], data={"action": "reject"}, allow_redirects=False, timeout=10
    )
    [(token_id,)] = demo_shop.query(
        "select t.smartpay_id from smartpay_token t join auth_user u on u.id = t.user_id where u.username = 'riku'"
    )
    demo_shop.webhooks.wait_for("token.rejected", token_id)
    assert rejected.status_code in (302, 303)
    assert demo_shop.query(TOKEN_STATUS, token_id) == [("rejected",)]
    page = http.get(demo_shop.url + "/account/", timeout=10)
    assert token_id not in page.text
    assert "None. You save one when you subscribe." in _text(page)
    # …nor can it be removed through a crafted URL.
    assert http.get(f"{demo_shop.url}/account/tokens/{token_id}/remove/", timeout=10).status_code == 404


def test_cancelling_asks_first_and_get_never_cancels(demo_shop: DemoShop):
    http = demo_shop.signup("sora")
    schedule_id, _token = demo_shop.subscribe(http, "sora")
    question = http.get(f"{demo_shop.url}/account/schedules/{schedule_id}/cancel/", timeout=10)
    assert question.status_code == 200
    text = _text(question)
    assert "Cancel your subscription?" in text
    assert "Yes, cancel my subscription" in text and "No, keep my subscription" in text
    assert demo_shop.query(SCHEDULE, schedule_id)[0][0] == "active"

    done = demo_shop.post(http, f"/account/schedules/{schedule_id}/cancel/")
    assert "Your subscription is canceled." in _text(done)
    assert demo_shop.query(SCHEDULE, schedule_id)[0][0] == "canceled"
    # A canceled subscription offers nothing more, and cannot be "canceled" again.
    again = demo_shop.post(http, f"/account/schedules/{schedule_id}/cancel/", allow_redirects=False)
    assert again.status_code == 404


def test_removing_the_token_of_a_subscription_explains_and_offers_a_way_back(demo_shop: DemoShop):
    http = demo_shop.signup("yuna")
    schedule_id, token_id = demo_shop.subscribe(http, "yuna")
    question = http.get(f"{demo_shop.url}/account/tokens/{token_id}/remove/", timeout=10)
    text = _text(question)
    assert "It pays for your subscription Matcha Club — monthly box." in text
    assert "the subscription is put on hold" in text
    assert f'id="replace-{schedule_id}"' in question.text
    assert demo_shop.query(TOKEN_STATUS, token_id) == [("active",)]  # GET removed nothing

    removed = demo_shop.post(http, f"/account/tokens/{token_id}/remove/")
    assert "Your subscription is on hold until you choose a new payment method" in _text(removed)
    assert demo_shop.query(TOKEN_STATUS, token_id) == [("deleted",)]
    assert demo_shop.query(SCHEDULE, schedule_id)[0][:2] == ("paused", "token.deleted")
    # Not "paused —" with no way out: the account says why and offers a new payment method.
    account = http.get(demo_shop.url + "/account/", timeout=10)
    assert "Paused because its payment method was removed" in _text(account)
    assert f'id="update-payment-{schedule_id}"' in account.text
    assert token_id not in account.text  # a deleted payment method is not listed

    update = demo_shop.post(http, f"/account/schedules/{schedule_id}/payment-method/", allow_redirects=False)
    page = http.get(approve(update.headers["Location"]), timeout=30)
    assert "your subscription is active again" in _text(page)
    status, _reason, new_token = demo_shop.query(SCHEDULE, schedule_id)[0]
    assert status == "active" and new_token != token_id
    assert demo_shop.query(TOKEN_STATUS, new_token) == [("active",)]


def test_replacing_a_payment_method_keeps_the_subscription_and_removes_the_old_one(demo_shop: DemoShop):
    http = demo_shop.signup("nao")
    schedule_id, token_id = demo_shop.subscribe(http, "nao")
    update = demo_shop.post(
        http,
        f"/account/schedules/{schedule_id}/payment-method/",
        data={"replace": "1"},
        allow_redirects=False,
    )
    page = http.get(approve(update.headers["Location"]), timeout=30)
    text = _text(page)
    assert "The old payment method was removed." in text
    status, _reason, new_token = demo_shop.query(SCHEDULE, schedule_id)[0]
    assert (status, new_token != token_id) == ("active", True)
    assert demo_shop.query(TOKEN_STATUS, token_id) == [("deleted",)]
    # One charge only: the month already paid is not charged again with the new payment method.
    assert demo_shop.query(
        "select count(*) from smartpay_tokencharge where schedule_id = ?", schedule_id
    ) == [(1,)]


def test_another_shoppers_ids_are_404_and_nothing_of_theirs_changes(
    demo_shop: DemoShop, owner: tuple[requests.Session, int, str], intruder: requests.Session
):
    _owner, schedule_id, token_id = owner
    tries = [
        ("get", f"/account/schedules/{schedule_id}/cancel/"),
        ("post", f"/account/schedules/{schedule_id}/cancel/"),
        ("post", f"/account/schedules/{schedule_id}/payment-method/"),
        ("post", f"/account/schedules/{schedule_id}/renew-now/"),
        ("get", f"/account/tokens/{token_id}/remove/"),
        ("post", f"/account/tokens/{token_id}/remove/"),
    ]
    for method, path in tries:
        if method == "get":
            response = intruder.get(demo_shop.url + path, allow_redirects=False, timeout=10)
        else:
            response = demo_shop.post(intruder, path, allow_redirects=False)
        assert response.status_code == 404, (method, path, response.status_code)
    assert demo_shop.query(SCHEDULE, schedule_id)[0][:2] == ("active", "")
    assert demo_shop.query(TOKEN_STATUS, token_id) == [("active",)]
    account = intruder.get(demo_shop.url + "/account/", timeout=10)
    assert token_id not in account.text and f"schedule-{schedule_id}" not in account.text


def test_bad_input_is_a_4xx(demo_shop: DemoShop, owner: tuple[requests.Session, int, str]):
    http, schedule_id, token_id = owner
    expected = {
        ("get", "/account/schedules/99999999999999999999999/cancel/"): 404,  # beyond a 64-bit id
        ("get", "/account/schedules/-1/cancel/"): 404,
        ("get", "/account/tokens/paytok_test_%27%3B--/remove/"): 404,
        ("get", "/account/tokens/order_test_abc/remove/"): 404,
        ("get", f"/account/schedules/{schedule_id}/payment-method/"): 405,  # POST only
        ("get", f"/account/schedules/{schedule_id}/renew-now/"): 405,
        ("post", "/buy/no-such-thing/"): 404,
    }
    for (method, path), status in expected.items():
        if method == "post":
            response = demo_shop.post(http, path, allow_redirects=False)
        else:
            response = http.request(method, demo_shop.url + path, allow_redirects=False, timeout=10)
        assert response.status_code == status, (method, path, response.status_code)
    for replace in ("2", "yes", "1" * 1000):
        response = demo_shop.post(
            http, f"/account/schedules/{schedule_id}/payment-method/", data={"replace": replace}
        )
        assert response.status_code == 400, replace
    assert demo_shop.query(SCHEDULE, schedule_id)[0][:3] == ("active", "", token_id)


def test_csrf_is_on(demo_shop: DemoShop, owner: tuple[requests.Session, int, str]):
    http, schedule_id, token_id = owner
    for path in (f"/account/schedules/{schedule_id}/cancel/", f"/account/tokens/{token_id}/remove/"):
        forged = http.post(demo_shop.url + path, headers={"Referer": demo_shop.url + "/"}, timeout=10)
        assert forged.status_code == 403, path
    assert demo_shop.query(SCHEDULE, schedule_id)[0][0] == "active"
    assert demo_shop.query(TOKEN_STATUS, token_id) == [("active",)]


def test_anonymous_visitors_are_sent_to_log_in(demo_shop: DemoShop, owner: tuple[requests.Session, int, str]):
    _http, schedule_id, _token = owner
    response = requests.get(
        f"{demo_shop.url}/account/schedules/{schedule_id}/cancel/", allow_redirects=False, timeout=10
    )
    assert response.status_code == 302 and response.headers["Location"].startswith("/login/")


def test_the_account_offers_the_renewal_command_in_debug(
    demo_shop: DemoShop, owner: tuple[requests.Session, int, str]
):
    http, schedule_id, _token = owner
    page = http.get(demo_shop.url + "/account/", timeout=10)
    [command] = re.findall(r'<pre class="command">([^<]+)</pre>', page.text)
    command = html.unescape(command)
    assert "manage.py smartpay_charge_due --as-of " in command
    assert f"DEMO_DATABASE={demo_shop.database}" in command  # the same database as the demo's
    assert "sk_test" not in command
    [(next_run,)] = demo_shop.query(
        "select next_run_at from smartpay_chargeschedule where id = ?", schedule_id
    )
    as_of = dt.datetime.fromisoformat(command.rsplit(" ", 1)[1])
    due = dt.datetime.fromisoformat(next_run).replace(tzinfo=dt.UTC)
    assert as_of.utcoffset() == dt.timedelta(hours=9)  # the project's zone, Asia/Tokyo
    assert dt.timedelta(0) <= as_of - due < dt.timedelta(seconds=1)
