"""A support person in Chromium: finds a SmartyPay payment and refreshes it from SmartyPay."""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path

import pytest

from django_smartpay.contrib.smartypay import services
from django_smartpay.contrib.smartypay.models import SmartyPayment
from tests.browser import chromium_executable

CHROMIUM = chromium_executable()  # $SMARTPAY_CHROMIUM or /usr/bin/chromium
SCREENSHOTS = Path(__file__).resolve().parents[3] / "test-results" / "smartypay"
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_support_refreshes_a_payment_in_chromium(
    live_server, smartypay_simulator, django_user_model, monkeypatch
):
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(
            f"{CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium) to run this test"
        )
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    django_user_model.objects.create_superuser("support", "support@shop.example", "s3cret-pass")
    row = services.create_payment(Decimal("15.5"), "bUSDT", description="Order 1002112")
    smartypay_simulator.set_status(row.smartypay_id, "InProgress")
    base = live_server.url

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.goto(f"{base}/admin/login/?next=/admin/")
            page.fill("#id_username", "support")
            page.fill("#id_password", "s3cret-pass")
            page.click('input[type="submit"]')
            page.wait_for_selector("#site-name")
            page.goto(f"{base}/admin/smartypay/smartypayment/")
            listing = page.inner_text("#result_list")
            assert "15.5 bUSDT" in listing and "Created" in listing
            assert (
                page.locator('a[href$="/smartypay/smartypayment/add/"]').count() == 0
            )  # read-only: no "Add"
            page.screenshot(path=str(SCREENSHOTS / "01-payments.png"), full_page=True)
            page.check(f'input[name="_selected_action"][value="{row.pk}"]')
            page.select_option('select[name="action"]', "refresh_from_smartypay")
            page.click('button[name="index"]')
            page.wait_for_selector("ul.messagelist")
            assert "1 payment refreshed from SmartyPay." in page.text_content("ul.messagelist")
            assert "InProgress" in page.inner_text("#result_list")
            page.screenshot(path=str(SCREENSHOTS / "02-refreshed.png"), full_page=True)
            page.goto(f"{base}/admin/smartypay/smartypayment/{row.pk}/change/")
            assert page.locator('input[name="_save"]').count() == 0
            page.screenshot(path=str(SCREENSHOTS / "03-detail.png"), full_page=True)
        finally:
            browser.close()

    assert SmartyPayment.objects.get().status == "InProgress"
    for name in ("01-payments", "02-refreshed", "03-detail"):
        assert (SCREENSHOTS / f"{name}.png").stat().st_size > 0
