"""The full subscribe flow of the example shop in a real browser, against the real simulator.

Log in as the demo customer, subscribe, approve on the simulator's checkout page, land on
the success page, and find the schedule and its first (succeeded) charge on "my account";
meanwhile the simulator's signed webhooks reach the shop and are applied.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
import requests

from tests.browser import chromium_executable

from .conftest import ROOT, DemoShop

CHROMIUM = chromium_executable()  # $SMARTPAY_CHROMIUM or /usr/bin/chromium
SCREENSHOTS = ROOT / "test-results" / "example"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture
def browser():
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def _shot(page, name: str) -> Path:
    path = SCREENSHOTS / name
    page.screenshot(path=str(path), full_page=True)
    return path


@pytest.mark.browser
def test_subscribe_through_the_real_pages(browser, demo_shop: DemoShop):
    page = browser.new_page()
    page.set_default_timeout(30_000)
    before = demo_shop.webhooks.mark()

    page.goto(demo_shop.url + "/login/")
    page.fill("#id_username", "alice")
    page.fill("#id_password", "alice")
    page.click("#login")
    page.wait_for_url(demo_shop.url + "/")
    assert page.locator("#api-status").inner_text() == "reachable"
    assert "¥1,980" in page.locator("#plan").inner_text()
    _shot(page, "01-home.png")

    page.click("#subscribe")
    page.wait_for_url(re.compile(re.escape(demo_shop.simulator) + r"/checkout/checkout_test_\w+\..+"))
    assert "Save Smartpay as a payment method" in page.content()
    _shot(page, "02-simulator-checkout.png")

    page.click("#approve")
    page.wait_for_url(demo_shop.url + "/subscribe/success/")
    assert page.locator("#subscribed").is_visible()
    assert page.locator("#first-charge-status").inner_text() == "succeeded"
    first, following = (
        page.locator("#first-charge-date").inner_text(),
        page.locator("#next-charge").inner_text(),
    )
    assert following > first  # ISO dates: the schedule moved on to its next month
    _shot(page, "03-subscribed.png")

    page.click("#to-account")
    page.wait_for_url(demo_shop.url + "/account/")
    schedule = page.locator("tr.schedule")
    assert schedule.count() == 1
    assert schedule.get_attribute("data-status") == "active"
    assert "¥1,980" in schedule.inner_text()
    assert schedule.locator(".charge").get_attribute("data-status") == "succeeded"
    order = page.locator("tr.order")
    assert order.count() == 1 and order.get_attribute("data-status") == "succeeded"
    assert page.locator("tr.token").get_attribute("data-status") == "active"
    screenshot = _shot(page, "04-account.png")
    assert screenshot.stat().st_size > 0

    # The simulator's signed webhooks reached the shop and were applied (to its own database).
    kinds = ("order.authorized", "payment.created", "token.approved")
    sent = [demo_shop.webhooks.wait_for(kind, after=before) for kind in kinds]
    assert [webhook.status for webhook in sent] == [200, 200, 200]
    events = demo_shop.query(
        "select type, status from smartpay_webhookevent where event_id in (?, ?, ?) order by type",
        *(webhook.event_id for webhook in sent),
    )
    assert events == [
        ("order.authorized", "processed"),
        ("payment.created", "processed"),
        ("token.approved", "processed"),
    ]


@pytest.mark.browser
def test_a_purchase_is_authorized_at_checkout_and_captured_from_the_admin(browser, demo_shop: DemoShop):
    shopper = browser.new_context().new_page()
    shopper.set_default_timeout(30_000)
    shopper.goto(demo_shop.url + "/signup/")
    shopper.fill("#id_username", "hanako")
    shopper.fill("#id_email", "hanako@example.jp")
    shopper.fill("#id_password1", "a-long-demo-password-1")
    shopper.fill("#id_password2", "a-long-demo-password-1")
    shopper.click("#signup")
    shopper.wait_for_url(demo_shop.url + "/")

    shopper.click("#buy-tea-set")
    shopper.wait_for_url(re.compile(re.escape(demo_shop.simulator) + r"/checkout/.+"))
    assert shopper.locator("#total").inner_text() == "¥5,300"  # ¥4,800 + ¥500 shipping
    _shot(shopper, "05-simulator-checkout-purchase.png")
    shopper.click("#approve")
    shopper.wait_for_url(demo_shop.url + "/purchase/success/")
    assert shopper.locator("#order-status").inner_text() == "requires_capture"
    order_id = shopper.locator("#order-id").inner_text()
    _shot(shopper, "06-purchased.png")

    staff = browser.new_context().new_page()
    staff.set_default_timeout(30_000)
    staff.goto(demo_shop.url + "/admin/login/")
    staff.fill("#id_username", "admin")
    staff.fill("#id_password", "admin")
    staff.click("input[type=submit]")
    staff.goto(f"{demo_shop.url}/admin/smartpay/order/?q={order_id}")
    staff.check("input.action-select")
    staff.select_option("select[name=action]", "capture_orders")
    staff.click("button[name=index]")
    staff.wait_for_selector("#smartpay-confirm-form")
    _shot(staff, "07-admin-capture-confirm.png")
    staff.click("input[name=_smartpay_submit]")
    staff.wait_for_selector("ul.messagelist")
    _shot(staff, "08-admin-captured.png")

    shopper.goto(demo_shop.url + "/account/")
    order = shopper.locator("tr.order")
    assert order.get_attribute("data-status") == "succeeded"
    assert "¥5,300" in order.locator("td.n").nth(1).inner_text()  # captured
    _shot(shopper, "09-account-after-capture.png")
    at_smartpay = requests.get(f"{demo_shop.simulator}/_simulator/objects/{order_id}", timeout=10).json()
    assert (at_smartpay["status"], len(at_smartpay["payments"])) == ("succeeded", 1)


@pytest.mark.browser
def test_a_declined_renewal_is_fixed_with_a_new_payment_method(browser, demo_shop: DemoShop):
    """Subscribe, the renewal is declined ("payment failed"), approve a new token, the schedule recovers."""
    http = demo_shop.signup("sakura")
    page = browser.new_page()
    page.set_default_timeout(30_000)
    page.context.add_cookies(
        [{"name": name, "value": value, "url": demo_shop.url} for name, value in http.cookies.items()]
    )
    page.goto(demo_shop.url + "/")
    page.click("#subscribe")
    page.wait_for_url(re.compile(re.escape(demo_shop.simulator) + r"/checkout/.+"))
    page.click("#approve")
    page.wait_for_url(demo_shop.url + "/subscribe/success/")
    page.click("#to-account")
    page.wait_for_url(demo_shop.url + "/account/")
    schedule = page.locator("tr.schedule")
    schedule_id = int(schedule.locator("button[id^=renew-now-]").get_attribute("id").rsplit("-", 1)[1])
    [(token_id,)] = demo_shop.query("select token_id from smartpay_chargeschedule where id = ?", schedule_id)
    # The card behind the token is declined from now on (the simulator's control API).
    declined = requests.post(
        f"{demo_shop.simulator}/_simulator/tokens/{token_id}/outcome", json={"outcome": "decline"}, timeout=10
    )
    assert declined.status_code == 200

    page.click(f"#renew-now-{schedule_id}")
    page.wait_for_url(demo_shop.url + "/account/")
    assert schedule.get_attribute("data-status") == "past_due"
    assert (
        page.locator(f"#payment-failed-{schedule_id}")
        .inner_text()
        .startswith("Payment failed — update your payment method.")
    )
    _shot(page, "10-payment-failed.png")

    page.click(f"#update-payment-{schedule_id}")
    page.wait_for_url(re.compile(re.escape(demo_shop.simulator) + r"/checkout/.+"))
    page.click("#approve")
    page.wait_for_url(demo_shop.url + "/account/")
    assert "your subscription is active again" in page.content()
    assert page.locator("tr.schedule").get_attribute("data-status") == "active"
    assert page.locator(f"#payment-failed-{schedule_id}").count() == 0
    _shot(page, "11-recovered.png")
