"""The shop's pages as people see them, in chromium: at 1280 and 390 px wide, in English and Japanese.

The shopper's account fits a phone (no sideways scrolling), confirmation pages ask before
anything happens, the language switch works, and the REST API's root and its documentation
(Swagger UI) load with no request leaving the shop.  Screenshots of each page go to
``$SMARTPAY_SCREENSHOTS`` (see ``conftest.SCREENSHOTS``).
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

from .catalogue import english_fragments, english_left_in, read_po
from .conftest import DemoShop, approve, shot

WIDE = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
SIZES = {"1280": WIDE, "390": PHONE}
LOCALES = {"en": "en-US", "ja": "ja-JP"}


@pytest.fixture(scope="module")
def shopper(demo_shop: DemoShop) -> dict[str, Any]:
    """A shopper with a subscription, a purchase and a saved payment method (cookies for a browser)."""
    http = demo_shop.signup("kaito")
    schedule_id, token_id = demo_shop.subscribe(http, "kaito")
    bought = demo_shop.post(http, "/buy/tea-set/", allow_redirects=False)
    assert http.get(approve(bought.headers["Location"]), timeout=30).status_code == 200
    cookies = [{"name": name, "value": value, "url": demo_shop.url} for name, value in http.cookies.items()]
    return {"cookies": cookies, "schedule": schedule_id, "token": token_id}


def _page(browser: Any, demo_shop: DemoShop, size: str, language: str, shopper: dict[str, Any] | None) -> Any:
    mobile = size == "390"
    context = browser.new_context(
        viewport=SIZES[size], locale=LOCALES[language], is_mobile=mobile, has_touch=mobile
    )
    if shopper is not None:
        context.add_cookies(shopper["cookies"])
    page = context.new_page()
    page.set_default_timeout(30_000)
    return page


def _no_sideways_scroll(page: Any) -> None:
    width, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width <= inner, f"{page.url} is {width} px wide in a {inner} px window"


@pytest.mark.browser
@pytest.mark.parametrize("language", ["en", "ja"])
@pytest.mark.parametrize("size", ["1280", "390"])
def test_the_shop_and_the_account_fit_the_screen(browser, demo_shop: DemoShop, shopper, size, language):
    fragments = english_fragments(read_po())
    page = _page(browser, demo_shop, size, language, shopper)
    for name, path in [
        ("home", "/"),
        ("account", "/account/"),
        ("confirm-cancel", f"/account/schedules/{shopper['schedule']}/cancel/"),
        ("confirm-remove", f"/account/tokens/{shopper['token']}/remove/"),
    ]:
        page.goto(demo_shop.url + path)
        assert page.get_attribute("html", "lang") == language
        _no_sideways_scroll(page)
        if language == "ja":
            assert english_left_in(page.inner_text("body"), fragments) == [], name
        shot(page, f"shop-{name}-{language}-{size}.png")
    # The account's dates do not break inside: each stays on one line.
    page.goto(demo_shop.url + "/account/")
    heights = page.eval_on_selector_all(".date", "nodes => nodes.map(n => n.getClientRects().length)")
    assert heights and set(heights) == {1}


@pytest.mark.browser
def test_the_language_switch(browser, demo_shop: DemoShop):
    page = _page(browser, demo_shop, "390", "en", None)
    page.goto(demo_shop.url + "/login/")
    assert page.inner_text("h1") == "Log in"
    page.click("#language-ja")
    page.wait_for_url(demo_shop.url + "/login/")
    assert page.get_attribute("html", "lang") == "ja"
    assert page.inner_text("h1") == "ログイン"
    _no_sideways_scroll(page)
    page.click("#language-en")
    page.wait_for_url(demo_shop.url + "/login/")
    assert page.inner_text("h1") == "Log in"


@pytest.mark.browser
def test_removing_a_payment_method_is_confirmed_in_the_browser(browser, demo_shop: DemoShop):
    http = demo_shop.signup("ren")
    schedule_id, token_id = demo_shop.subscribe(http, "ren")
    cookies = [{"name": name, "value": value, "url": demo_shop.url} for name, value in http.cookies.items()]
    page = _page(browser, demo_shop, "390", "en", {"cookies": cookies})
    page.goto(demo_shop.url + "/account/")
    page.click(f"#remove-{token_id}")
    page.wait_for_selector("#confirm-remove")
    assert page.is_visible(f"#replace-{schedule_id}")
    page.click("#confirm-no")  # "No, keep it": back, nothing removed
    page.wait_for_url(demo_shop.url + "/account/")
    assert page.get_attribute(f"#token-{token_id}", "data-status") == "active"
    page.click(f"#remove-{token_id}")
    page.click("#confirm-yes")  # "Remove it anyway"
    page.wait_for_url(demo_shop.url + "/account/")
    assert page.get_attribute(f"#schedule-{schedule_id}", "data-status") == "paused"
    assert page.is_visible(f"#update-payment-{schedule_id}")
    _no_sideways_scroll(page)
    shot(page, "shop-account-paused-en-390.png")


def _local_requests_only(page: Any, origin: str) -> list[str]:
    """Record every URL the page asks for; a request to anywhere else is aborted."""
    asked: list[str] = []

    def route(request_route: Any) -> None:
        url = request_route.request.url
        asked.append(url)
        if url.startswith(origin + "/"):
            request_route.continue_()
        else:
            request_route.abort()

    page.route("**/*", route)
    return asked


@pytest.mark.browser
@pytest.mark.parametrize("size", ["1280", "390"])
def test_the_api_root_and_its_documentation_work_offline(browser, demo_shop: DemoShop, shopper, size):
    page = _page(browser, demo_shop, size, "en", shopper)
    asked = _local_requests_only(page, demo_shop.url)
    page.goto(demo_shop.url + "/api/smartpay/")  # the browsable API root
    body = page.inner_text("body")
    for link in ("tokens", "orders", "schedules", "schema", "docs"):
        assert f"/api/smartpay/{link}/" in body
    shot(page, f"api-root-{size}.png")

    page.goto(demo_shop.url + "/")
    page.click("#api-docs-link")
    page.wait_for_url(demo_shop.url + "/api/smartpay/docs/")
    page.wait_for_selector(".swagger-ui .opblock")  # the operations, read from the schema
    operations = page.inner_text(".swagger-ui")
    assert "/api/smartpay/tokens/" in operations and "/api/smartpay/schedules/{id}/pause/" in operations
    shot(page, f"api-docs-{size}.png")
    outside = [url for url in asked if urlsplit(url).netloc != urlsplit(demo_shop.url).netloc]
    assert outside == []
    assert any("/static/drf_spectacular_sidecar/swagger-ui-dist/" in url for url in asked)


def test_the_docs_page_refers_to_local_files_only(demo_shop: DemoShop):
    page = requests.get(demo_shop.url + "/api/smartpay/docs/", timeout=10)
    assert page.status_code == 200
    urls = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert urls and all(url.startswith("/static/") for url in urls), urls
    assert "//" not in "".join(urls)
    settings = re.search(r"const swaggerSettings = (\{.*?\});", page.text, re.S)
    assert settings is not None and json.loads(settings.group(1))["validatorUrl"] is None
    root = requests.get(demo_shop.url + "/api/smartpay/", headers={"Accept": "application/json"}, timeout=10)
    assert root.json() == {
        name: f"{demo_shop.url}/api/smartpay/{name}/"
        for name in ("tokens", "orders", "schedules", "schema", "docs")
    }
