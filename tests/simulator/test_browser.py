"""A real browser on the checkout page: the merchant, the address, both languages, the results.

Screenshots go to ``$SMARTPAY_SCREENSHOTS`` when it is set (else ``test-results/``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.browser import chromium_executable

from .conftest import ADDRESS, REPO_ROOT, SECRET_KEY, ServerProcess

CHROMIUM = chromium_executable()  # $SMARTPAY_CHROMIUM or /usr/bin/chromium
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
KEY = {"Authorization": f"Basic {SECRET_KEY}"}  # the key the server process registers
MERCHANT = "Matcha Club 抹茶倶楽部"


@pytest.fixture
def screenshot_dir() -> Path:
    directory = Path(os.environ.get("SMARTPAY_SCREENSHOTS") or REPO_ROOT / "test-results")
    directory.mkdir(parents=True, exist_ok=True)
    return directory


@pytest.fixture
def server() -> Iterator[ServerProcess]:
    process = ServerProcess("--merchant-name", MERCHANT)
    try:
        yield process
    finally:
        process.stop()


@pytest.fixture
def browser() -> Iterator[Any]:
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(
            f"{CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium) to run this test"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


def _session(server: ServerProcess, **fields: Any) -> dict[str, Any]:
    body = {
        "successUrl": server.origin + "/_simulator/return?outcome=success",
        "cancelUrl": server.origin + "/_simulator/return?outcome=cancel",
        **fields,
    }
    response = requests.post(server.api_base + "/checkout-sessions", json=body, headers=KEY, timeout=5)
    assert response.status_code == 200, response.text
    return response.json()


def _order_session(server: ServerProcess) -> dict[str, Any]:
    return _session(
        server,
        amount=5300,
        currency="JPY",
        items=[
            {"name": "Tea set 茶器セット", "amount": 4000, "currency": "JPY", "quantity": 1},
            {"name": "Sencha 煎茶 100g", "amount": 400, "currency": "JPY", "quantity": 2},
        ],
        shippingInfo={"address": ADDRESS, "feeAmount": 500, "feeCurrency": "JPY"},
        customerInfo={"emailAddress": "hanako@example.jp", "firstName": "花子", "lastName": "山田"},
    )


def _no_horizontal_scroll(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


@pytest.mark.browser
def test_token_checkout_in_chromium(browser: Any, server: ServerProcess, screenshot_dir: Path) -> None:
    session = _session(server, mode="token", locale="ja")
    token_id = session["token"]["id"]
    page = browser.new_page()
    page.set_default_timeout(30_000)
    page.goto(session["url"])
    assert page.locator("#merchant").inner_text() == MERCHANT
    assert page.locator("html").get_attribute("lang") == "ja"  # the session's locale
    page.screenshot(path=str(screenshot_dir / "simulator-checkout-token-ja.png"), full_page=True)
    page.check("#outcome-soft-decline")
    page.click("#approve")
    page.wait_for_url(session["url"] + "?lang=ja")
    assert page.locator("#result").inner_text() == "お支払い方法を登録しました"
    assert "ソフト拒否" in page.locator("#later-outcome").inner_text()
    page.screenshot(path=str(screenshot_dir / "simulator-checkout-token-saved-ja.png"), full_page=True)
    page.click("#continue")  # or wait: the page follows successUrl by itself after a few seconds
    page.wait_for_url(session["successUrl"])
    assert page.locator("#returned").inner_text() == "Returned"
    token = requests.get(server.api_base + f"/tokens/{token_id}", headers=KEY, timeout=5).json()
    assert token["status"] == "active"
    rule = requests.get(f"{server.origin}/_simulator/tokens/{token_id}/outcome", timeout=5).json()
    assert rule["outcome"] == "soft_decline"
    assert (screenshot_dir / "simulator-checkout-token-ja.png").stat().st_size > 0


@pytest.mark.browser
def test_order_checkout_in_english_and_japanese(
    browser: Any, server: ServerProcess, screenshot_dir: Path
) -> None:
    session = _order_session(server)
    for width, height, suffix in ((1280, 800, ""), (390, 844, "-390")):
        page = browser.new_page(viewport={"width": width, "height": height}, locale="en-US")
        page.goto(session["url"])
        assert page.locator("html").get_attribute("lang") == "en"
        assert page.locator("#merchant").inner_text() == MERCHANT
        assert page.locator("#total").inner_text() == "¥5,300"
        assert "105-6415 Japan" in page.locator("#shipping-address").inner_text()
        assert _no_horizontal_scroll(page)
        page.screenshot(path=str(screenshot_dir / f"simulator-checkout-order-en{suffix}.png"), full_page=True)
        page.click("#lang-ja")
        assert page.locator("html").get_attribute("lang") == "ja"
        assert page.locator("#approve").inner_text() == "承認する"
        assert page.locator("#shipping-address").inner_text().startswith("〒105-6415")
        assert _no_horizontal_scroll(page)
        page.screenshot(path=str(screenshot_dir / f"simulator-checkout-order-ja{suffix}.png"), full_page=True)
        page.close()

    page = browser.new_page(locale="ja-JP")  # Accept-Language: ja
    page.goto(session["url"])
    assert page.locator("#reject").inner_text() == "拒否する"
    page.click("#reject")
    page.wait_for_url(session["url"] + "?lang=ja")
    assert page.locator("#result").inner_text() == "お支払いは拒否されました"
    assert page.locator("#back").get_attribute("href") == session["cancelUrl"]
    page.screenshot(path=str(screenshot_dir / "simulator-checkout-rejected-ja.png"), full_page=True)
    page.click("#lang-en")
    assert page.locator("#result").inner_text() == "Payment rejected"
    assert "cancel" not in page.locator("main").inner_text().lower()
    page.screenshot(path=str(screenshot_dir / "simulator-checkout-rejected-en.png"), full_page=True)
    page.click("#back")
    page.wait_for_url(session["cancelUrl"])
    order = requests.get(server.api_base + f"/orders/{session['order']['id']}", headers=KEY, timeout=5).json()
    assert order["status"] == "rejected"


@pytest.mark.browser
def test_approved_order_goes_back_to_the_shop_by_itself(browser: Any, server: ServerProcess) -> None:
    session = _order_session(server)
    page = browser.new_page()
    page.set_default_timeout(30_000)
    page.goto(session["url"])
    page.click("#approve")
    page.wait_for_url(session["successUrl"])  # the result page follows successUrl after a few seconds
    order = requests.get(server.api_base + f"/orders/{session['order']['id']}", headers=KEY, timeout=5).json()
    assert order["status"] == "succeeded"
