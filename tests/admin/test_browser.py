"""A support person in Chromium: log in, refund a payment through the form, disable a token."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from django_smartpay.models import Payment, PaymentStatus, Refund, Token, TokenStatus
from tests.browser import chromium_executable

from .conftest import Shop, who

CHROMIUM = chromium_executable()  # $SMARTPAY_CHROMIUM or /usr/bin/chromium
REPO_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO_ROOT / "test-results" / "admin"
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


def run_action(page: Any, base: str, model: str, pk: int, action: str) -> None:
    """Tick one row of a changelist, choose the action and press Go."""
    page.goto(f"{base}/admin/smartpay/{model}/")
    page.check(f'input[name="_selected_action"][value="{pk}"]')
    page.select_option('select[name="action"]', action)
    page.click('button[name="index"]')
    page.wait_for_selector("#smartpay-confirm-form")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_support_refunds_and_disables_in_chromium(
    live_server, simulator, django_user_model, screenshots, monkeypatch
):
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(
            f"{CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium) to run this test"
        )
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls below are still synchronous.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    django_user_model.objects.create_superuser("support", "support@shop.example", "s3cret-pass")
    shop = Shop(simulator)
    payment = shop.payment(4800)
    token = shop.token()
    base = live_server.url

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(f"{base}/admin/login/?next=/admin/")
            page.fill("#id_username", "support")
            page.fill("#id_password", "s3cret-pass")
            page.click('input[type="submit"]')
            page.wait_for_selector("#site-name")

            page.goto(f"{base}/admin/smartpay/payment/")
            assert "¥4,800" in page.inner_text("#result_list")
            page.screenshot(path=str(screenshots / "01-payments.png"), full_page=True)

            run_action(page, base, "payment", payment.pk, "refund_payments")
            assert page.input_value("#id_smartpay-amount") == "4800"  # the refundable amount
            page.fill("#id_smartpay-amount", "1800")
            page.select_option("#id_smartpay-reason", "requested_by_customer")
            page.fill("#id_smartpay-description", "Damaged in transit")
            page.screenshot(path=str(screenshots / "02-refund-confirmation.png"), full_page=True)
            page.click('input[name="_smartpay_submit"]')
            page.wait_for_selector("ul.messagelist")
            message = page.text_content("ul.messagelist")
            assert f"{who(payment)}: Refunded ¥1,800 as refund" in message
            page.screenshot(path=str(screenshots / "03-refunded.png"), full_page=True)

            run_action(page, base, "token", token.pk, "disable_tokens")
            page.screenshot(path=str(screenshots / "04-disable-confirmation.png"), full_page=True)
            page.click('input[name="_smartpay_submit"]')
            page.wait_for_selector("ul.messagelist")
            assert f"{who(token)}: Token is now disabled." in page.text_content("ul.messagelist")
            page.screenshot(path=str(screenshots / "05-token-disabled.png"), full_page=True)
        finally:
            browser.close()

    payment = Payment.objects.get(pk=payment.pk)
    assert (payment.status, payment.refunded_amount) == (PaymentStatus.PROCESSED, 1800)
    refund = Refund.objects.get()
    assert (refund.amount, refund.reason, refund.description) == (
        1800,
        "requested_by_customer",
        "Damaged in transit",
    )
    assert simulator.get_object(refund.smartpay_id)["amount"] == 1800
    assert Token.objects.get(pk=token.pk).status == TokenStatus.DISABLED
    assert simulator.get_object(token.smartpay_id)["status"] == "disabled"
    for name in ("01-payments", "02-refund-confirmation", "03-refunded", "04-disable-confirmation"):
        assert (screenshots / f"{name}.png").stat().st_size > 0
