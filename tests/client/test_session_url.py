"""get_session_url: promotion-code merged into any existing query string."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from django_smartpay.client import SmartpayClient, SmartpayValidationError, get_session_url

BASE = "https://checkout.smartpay.co/checkout_test_hm3tau0XY7r3ULm06pHtr8.1nsIwu.9tR7VV"


@pytest.mark.parametrize(
    ("url", "code", "expected"),
    [
        (BASE, "SPRING", f"{BASE}?promotion-code=SPRING"),
        (f"{BASE}?demo=true", "SPRING", f"{BASE}?demo=true&promotion-code=SPRING"),
        (f"{BASE}?demo=true&promotion-code=OLD", "NEW", f"{BASE}?demo=true&promotion-code=NEW"),
        (f"{BASE}?promotion-code=OLD&x=1", "NEW", f"{BASE}?x=1&promotion-code=NEW"),
        (f"{BASE}?", "A", f"{BASE}?promotion-code=A"),
        (f"{BASE}?a=%20b&flag", "A", f"{BASE}?a=%20b&flag&promotion-code=A"),
        (f"{BASE}#top", "A", f"{BASE}?promotion-code=A#top"),
        (BASE, "10% OFF&more", f"{BASE}?promotion-code=10%25+OFF%26more"),
        (BASE, "春", f"{BASE}?promotion-code=%E6%98%A5"),
    ],
)
def test_merging(url, code, expected):
    result = get_session_url({"url": url}, code)
    assert result == expected
    assert result.count("?") == 1
    assert parse_qs(urlsplit(result).query)["promotion-code"] == [code]


@pytest.mark.parametrize("code", [None, ""])
def test_without_code_the_url_is_unchanged(code):
    assert get_session_url({"url": f"{BASE}?demo=true"}, code) == f"{BASE}?demo=true"


def test_accepts_a_url_string_and_is_a_static_client_method():
    assert get_session_url(BASE, "A") == f"{BASE}?promotion-code=A"
    assert SmartpayClient.get_session_url({"url": BASE}, "A") == f"{BASE}?promotion-code=A"
    client = SmartpayClient("sk_test_abc")
    assert client.get_session_url({"url": BASE}, promotion_code="A") == f"{BASE}?promotion-code=A"
    client.close()


@pytest.mark.parametrize("session", [{}, {"url": None}, {"url": ""}, {"id": "checkout_test_x"}, None, 42])
def test_session_without_url_is_refused(session):
    with pytest.raises(SmartpayValidationError) as info:
        get_session_url(session, "A")
    assert info.value.details == ["session.url is required"]


def test_non_string_code_is_refused():
    with pytest.raises(SmartpayValidationError):
        get_session_url(BASE, 123)  # type: ignore[arg-type]
