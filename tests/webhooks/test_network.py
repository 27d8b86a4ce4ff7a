"""The sender's address: ``X-Forwarded-For`` is read only behind a trusted proxy, from the right."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client, RequestFactory

from django_smartpay.exceptions import SmartpayConfigurationError
from django_smartpay.models import WebhookEvent
from django_smartpay.webhooks.network import client_address

from .conftest import Receiver, Shop


def address(settings: Any, remote: str, forwarded: str | None = None, proxies: Any = ()) -> str | None:
    settings.SMARTPAY = {**settings.SMARTPAY, "WEBHOOK_TRUSTED_PROXIES": list(proxies)}
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return client_address(RequestFactory().post("/", **meta))


def test_without_trusted_proxies_the_header_is_ignored(settings: Any) -> None:
    assert address(settings, "198.51.100.7", "203.0.113.1") == "198.51.100.7"


def test_an_untrusted_peer_cannot_forge_its_address(settings: Any) -> None:
    assert address(settings, "198.51.100.7", "203.0.113.1", ["10.0.0.0/8"]) == "198.51.100.7"


def test_behind_a_trusted_proxy_the_rightmost_untrusted_address_wins(settings: Any) -> None:
    proxies = ["10.0.0.0/8", "192.0.2.10"]
    assert address(settings, "10.0.0.1", "203.0.113.9", proxies) == "203.0.113.9"
    # The client wrote "1.2.3.4" itself; the proxies appended what they saw.
    assert address(settings, "10.0.0.1", "1.2.3.4, 203.0.113.9, 192.0.2.10", proxies) == "203.0.113.9"


def test_all_trusted_hops_give_the_leftmost(settings: Any) -> None:
    assert address(settings, "10.0.0.1", "10.1.1.1, 10.2.2.2", ["10.0.0.0/8"]) == "10.1.1.1"


def test_garbage_stops_at_the_nearest_trusted_proxy(settings: Any) -> None:
    assert address(settings, "10.0.0.1", "203.0.113.9, not-an-ip, 10.2.2.2", ["10.0.0.0/8"]) == "10.2.2.2"
    assert address(settings, "10.0.0.1", "", ["10.0.0.0/8"]) == "10.0.0.1"


def test_ipv6(settings: Any) -> None:
    assert address(settings, "fd00::1", "2001:db8::7", ["fd00::/8"]) == "2001:db8::7"


def test_no_usable_remote_address(settings: Any) -> None:
    assert address(settings, "", "203.0.113.9", ["10.0.0.0/8"]) is None


@pytest.mark.parametrize("proxies", [["10.0.0.0/33"], ["proxy.example"], "10.0.0.1"])
def test_a_bad_setting_is_a_configuration_error(settings: Any, proxies: Any) -> None:
    settings.SMARTPAY = {**settings.SMARTPAY, "WEBHOOK_TRUSTED_PROXIES": proxies}
    with pytest.raises(SmartpayConfigurationError, match="WEBHOOK_TRUSTED_PROXIES"):
        client_address(RequestFactory().post("/", REMOTE_ADDR="10.0.0.1"))


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("endpoint")
def test_the_event_row_records_the_sender_behind_the_proxy(
    settings: Any, shop: Shop, receiver: Receiver
) -> None:
    settings.SMARTPAY = {**settings.SMARTPAY, "WEBHOOK_TRUSTED_PROXIES": ["10.0.0.0/8"]}
    receiver.client = Client(REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.50")
    shop.token(approve=False)
    assert WebhookEvent.objects.get().remote_addr == "203.0.113.50"
