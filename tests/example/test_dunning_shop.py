"""A declined renewal in the example shop: "payment failed", a new payment method, the schedule recovers.

Over HTTP (the browser walk is in ``test_browser.py``): the simulator's control API declines the
subscriber's token, the demo's "renew now" runs the scheduler, and approving a new token on the
simulator's checkout page pays the unpaid month.
"""

from __future__ import annotations

import requests

from .conftest import DemoShop

SCHEDULE_OF = (
    "select s.id, s.status, s.token_id from smartpay_chargeschedule s join smartpay_token t "
    "on t.smartpay_id = s.token_id join auth_user u on u.id = t.user_id where u.username = ?"
)


def _approve(checkout_url: str) -> str:
    """What the simulator's Approve button posts; the URL Smartpay sends the shopper back to."""
    response = requests.post(checkout_url, data={"action": "approve"}, allow_redirects=False, timeout=10)
    return response.headers["Location"]


def test_a_declined_renewal_recovers_with_a_new_payment_method(demo_shop: DemoShop):
    http = demo_shop.signup("haruto")
    start = demo_shop.post(http, "/subscribe/", allow_redirects=False)
    assert http.get(_approve(start.headers["Location"]), timeout=30).status_code == 200
    [(schedule_id, status, old_token)] = demo_shop.query(SCHEDULE_OF, "haruto")
    assert status == "active"

    declined = requests.post(
        f"{demo_shop.simulator}/_simulator/tokens/{old_token}/outcome",
        json={"outcome": "decline"},
        timeout=10,
    )
    assert declined.status_code == 200, declined.text
    renewed = demo_shop.post(http, f"/account/schedules/{schedule_id}/renew-now/")
    assert "Payment failed — update your payment method." in renewed.text
    assert demo_shop.query(SCHEDULE_OF, "haruto")[0][1] == "past_due"

    update = demo_shop.post(http, f"/account/schedules/{schedule_id}/payment-method/", allow_redirects=False)
    assert update.status_code == 302 and update.headers["Location"].startswith(demo_shop.simulator)
    back = _approve(update.headers["Location"])
    assert back == demo_shop.url + "/account/payment-method/success/"
    page = http.get(back, timeout=30)
    assert "your subscription is active again" in page.text
    assert "Payment failed" not in page.text
    [(_, status, new_token)] = demo_shop.query(SCHEDULE_OF, "haruto")
    assert (status, new_token != old_token) == ("active", True)
    charges = demo_shop.query(
        "select period_attempt, status, token_id from smartpay_tokencharge where schedule_id = ? "
        "order by period_date, period_attempt",
        schedule_id,
    )
    assert charges == [(1, "succeeded", old_token), (1, "rejected", old_token), (2, "succeeded", new_token)]
