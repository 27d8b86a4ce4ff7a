"""A real browser on the checkout page: Approve lands on successUrl and activates the token."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import requests

from tests.browser import chromium_executable

from .conftest import REPO_ROOT, SECRET_KEY, ServerProcess

CHROMIUM = chromium_executable()  # $SMARTPAY_CHROMIUM or /usr/bin/chromium
KEY = {"Authorization": f"Basic {SECRET_KEY}"}  # the key the server process registers


@pytest.fixture
def screenshot_dir() -> Path:
    directory = REPO_ROOT / "test-results"
    directory.mkdir(exist_ok=True)
    return directory


@pytest.mark.browser
def test_token_checkout_in_chromium(screenshot_dir: Path) -> None:
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(
            f"{CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium) to run this test"
        )
    from playwright.sync_api import sync_playwright

    server = ServerProcess()
    try:
        success = server.origin + "/_simulator/return?outcome=success"
        cancel = server.origin + "/_simulator/return?outcome=cancel"
        session = requests.post(
            server.api_base + "/checkout-sessions",
            json={"mode": "token", "successUrl": success, "cancelUrl": cancel, "locale": "ja"},
            headers=KEY,
            timeout=5,
        ).json()
        token_id = session["token"]["id"]
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM,
                args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
                headless=True,
            )
            try:
                page = browser.new_page()
                page.goto(session["url"])
                assert "Smartpay Simulator Test Shop" in page.content()
                page.screenshot(path=str(screenshot_dir / "simulator-checkout-token.png"))
                page.click("#approve")
                page.wait_for_url(success)
                assert page.locator("#returned").inner_text() == "Returned"
                page.screenshot(path=str(screenshot_dir / "simulator-checkout-returned.png"))
            finally:
                browser.close()
        token = requests.get(server.api_base + f"/tokens/{token_id}", headers=KEY, timeout=5).json()
        assert token["status"] == "active"
    finally:
        server.stop()
    assert (screenshot_dir / "simulator-checkout-token.png").stat().st_size > 0
