"""Support staff in Chromium at 1280 px: whose order it is, a refund from the order page, a cancel
confirmation with its two buttons, and the same pages in Japanese.

Screenshots go to ``$SMARTPAY_SCREENSHOTS`` when it is set (else ``test-results/admin``).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from django_smartpay import charging, services
from django_smartpay.models import Order, OrderStatus, Payment, Refund

from .conftest import ADDRESS, Shop, mutating
from .test_browser import CHROMIUM, LAUNCH_ARGS, REPO_ROOT

WIDTH, HEIGHT = 1280, 800
#: Words allowed to stay in Latin letters on a Japanese page: names, codes and what the shop typed.
LATIN_OK = re.compile(
    r"^(Smartpay|Django|JSON|API|ID|JPY|Webhook|URL|Matcha|Sencha|Gyokuro|support|hanako|taro)$"
)


@pytest.fixture
def shots() -> Path:
    folder = Path(os.environ.get("SMARTPAY_SCREENSHOTS") or REPO_ROOT / "test-results" / "admin")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def no_horizontal_scroll(page: Any) -> dict[str, int]:
    sizes = page.evaluate(
        """() => {
            const box = document.querySelector('#changelist .results') || document.querySelector('#content');
            return {
                pageScroll: document.documentElement.scrollWidth,
                pageClient: document.documentElement.clientWidth,
                boxScroll: box.scrollWidth,
                boxClient: box.clientWidth,
            };
        }"""
    )
    assert sizes["pageScroll"] <= sizes["pageClient"], sizes
    assert sizes["boxScroll"] <= sizes["boxClient"], sizes
    return sizes


def untranslated(page: Any) -> list[str]:
    """Visible text of a Japanese page that reads as English: two Latin words in a row, names aside."""
    texts = page.evaluate(
        """() => {
            const out = [];
            const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
            while (walker.nextNode()) {
                const node = walker.currentNode;
                const el = node.parentElement;
                if (!el || el.closest('script,style,pre,.smartpay-id,[title],#djDebug,.collapsed')) continue;
                if (el.offsetParent === null && getComputedStyle(el).position !== 'fixed') continue;
                const text = node.textContent.trim();
                if (text) out.push(text);
            }
            return out;
        }"""
    )
    found = []
    for text in texts:
        words = [w for w in re.findall(r"[A-Za-z][A-Za-z'-]+", text) if not LATIN_OK.match(w)]
        words = [w for w in words if not re.search(r"_(test|live)_|^(paytok|order|payment|refund)", w)]
        if len(words) >= 2 and re.search(r"[a-z]{2,} [a-z]{2,}", text):
            found.append(text)
    return found


def login(page: Any, base: str) -> None:
    page.goto(f"{base}/admin/login/?next=/admin/")
    page.fill("#id_username", "support")
    page.fill("#id_password", "s3cret-pass")
    page.click('input[type="submit"]')
    page.wait_for_selector("#site-name")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_support_works_from_the_order_page_in_chromium(
    live_server, simulator, django_user_model, shots, monkeypatch, settings
):
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    django_user_model.objects.create_superuser("support", "support@shop.example", "s3cret-pass")
    hanako = django_user_model.objects.create_user("hanako", "hanako.yamada@example.jp")
    taro = django_user_model.objects.create_user("taro", "taro.suzuki.long-address@example.co.jp")
    shop = Shop(simulator)
    paid = services.capture_order(shop.order(4800, user=hanako, name="Gyokuro"))
    order = Order.objects.get(smartpay_id=paid.order_id)
    waiting = [shop.order(1980 + n, user=taro, name="Sencha") for n in range(3)]
    token = shop.token()
    token.user = hanako
    token.save(update_fields=["user"])
    now = timezone.now()
    schedule = charging.create_schedule(
        token,
        1980,
        interval="monthly",
        start_at=now,
        now=now,
        items=[{"name": "Matcha", "amount": 1980}],
        shipping_info={"address": ADDRESS},
        customer_info={},
    )
    charge = charging.charge_token(
        token,
        1980,
        items=[{"name": "Matcha", "amount": 1980}],
        shipping_info={"address": ADDRESS},
        customer_info={},
    )
    charging.run_charge(charge.pk)
    services.refund_payment(services.capture_order(waiting.pop()), 500, reason="requested_by_customer")
    waiting.append(shop.order(2400, user=taro, name="Sencha"))
    base = live_server.url

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        try:
            for language in ("en", "ja"):
                context = browser.new_context(
                    viewport={"width": WIDTH, "height": HEIGHT},
                    locale=language,
                    extra_http_headers={"Accept-Language": language},
                )
                page = context.new_page()
                login(page, base)

                # The order list: whose order it is, without scrolling sideways at 1280 px.
                page.goto(f"{base}/admin/smartpay/order/")
                header = page.inner_text("#result_list thead")
                assert ("CUSTOMER" if language == "en" else "顧客") in header.upper()
                assert "hanako" in page.inner_text("#result_list") and "taro" in page.inner_text(
                    "#result_list"
                )
                page.screenshot(path=str(shots / f"admin-{language}-01-orders.png"))
                no_horizontal_scroll(page)

                # The order page: items, address, money, and the buttons.
                page.goto(f"{base}/admin/smartpay/order/{order.pk}/change/")
                body = page.inner_text("#content")
                assert "Gyokuro" in body and "〒100-0005" in body and "¥4,800" in body
                no_horizontal_scroll(page)
                page.screenshot(path=str(shots / f"admin-{language}-02-order.png"), full_page=True)

                # A cancel confirmation of three orders: two unambiguous buttons.
                page.goto(f"{base}/admin/smartpay/order/")
                for row in [*waiting, order]:
                    page.check(f'input[name="_selected_action"][value="{row.pk}"]')
                page.select_option('select[name="action"]', "cancel_orders")
                page.click('button[name="index"]')
                page.wait_for_selector("#smartpay-confirm-form")
                yes = page.input_value('input[name="_smartpay_submit"]')
                back = page.inner_text("a.smartpay-back")
                if language == "en":
                    assert (yes, back) == ("Yes, cancel 3 orders", "No, take me back")
                else:
                    # Our own wording (a message context keeps Django's shorter 「戻る」 out).
                    assert (yes, back) == ("はい、3 件の注文をキャンセルします", "いいえ、前の画面に戻る")
                assert order.smartpay_id in page.inner_text("#smartpay-left-out")  # listed apart, before
                page.screenshot(
                    path=str(shots / f"admin-{language}-03-cancel-confirmation.png"), full_page=True
                )
                if language == "ja":
                    assert untranslated(page) == []
                page.click("a.smartpay-back")
                page.wait_for_selector("#result_list")
                assert Order.objects.filter(status=OrderStatus.CANCELED).count() == 0

                # The schedule page: its name in yen and its dunning state.
                page.goto(f"{base}/admin/smartpay/chargeschedule/")
                assert ("¥1,980 monthly" if language == "en" else "¥1,980 毎月") in page.inner_text(
                    "#result_list"
                )
                page.screenshot(path=str(shots / f"admin-{language}-list-chargeschedule.png"))
                no_horizontal_scroll(page)
                page.goto(f"{base}/admin/smartpay/chargeschedule/{schedule.pk}/change/")
                page.screenshot(path=str(shots / f"admin-{language}-04-schedule.png"), full_page=True)

                for name in (
                    "payment",
                    "refund",
                    "token",
                    "tokencharge",
                    "chargeschedule",
                    "checkoutsession",
                ):
                    page.goto(f"{base}/admin/smartpay/{name}/")
                    assert "hanako" in page.inner_text("#result_list") or "taro" in page.inner_text(
                        "#result_list"
                    )
                    page.screenshot(path=str(shots / f"admin-{language}-list-{name}.png"))
                    no_horizontal_scroll(page)

                if language == "ja":
                    for url in ("/admin/smartpay/order/", f"/admin/smartpay/order/{order.pk}/change/"):
                        page.goto(base + url)
                        assert untranslated(page) == [], url
                context.close()

            # A refund from the order page (English), pressed twice: one refund at Smartpay.
            page = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
            login(page, base)
            page.goto(f"{base}/admin/smartpay/order/{order.pk}/change/")
            page.click('button[value="refund_payments"]')
            page.wait_for_selector("#smartpay-confirm-form")
            assert page.input_value('input[name="_smartpay_submit"]') == "Yes, refund 1 payment"
            page.fill("#id_smartpay-amount", "1800")
            page.select_option("#id_smartpay-reason", "requested_by_customer")
            page.screenshot(path=str(shots / "admin-en-05-refund-confirmation.png"), full_page=True)
            page.dblclick('input[name="_smartpay_submit"]')
            page.wait_for_url(f"**/admin/smartpay/order/{order.pk}/change/")
            page.wait_for_selector("ul.messagelist")
            assert "Refunded ¥1,800 as refund" in page.inner_text("ul.messagelist")
            assert "-¥1,800" in page.inner_text("table.smartpay-money")
            page.screenshot(path=str(shots / "admin-en-06-refunded.png"), full_page=True)
        finally:
            browser.close()

    # One refund made in the set-up, one by the double click: the second click sent nothing new.
    assert len(mutating(simulator, "POST", "/v1/refunds", replayed=False)) == 2
    assert Refund.objects.filter(payment=paid.smartpay_id).count() == 1
    assert Payment.objects.get(pk=paid.pk).refunded_amount == 1800
    for name in ("01-orders", "02-order", "03-cancel-confirmation", "04-schedule"):
        for language in ("en", "ja"):
            assert (shots / f"admin-{language}-{name}.png").stat().st_size > 0
