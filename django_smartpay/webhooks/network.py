"""The address a webhook came from, honouring ``SMARTPAY["WEBHOOK_TRUSTED_PROXIES"]``.

``X-Forwarded-For`` is written by whoever sent the request, so it is read only when
``REMOTE_ADDR`` is a trusted proxy, and then from the right: each trusted proxy
appended the address it received the request from, so the right-most address that is
not a trusted proxy is the real sender.  Anything to its left could be forged.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.http import HttpRequest

from django_smartpay import conf

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def _address(value: str | None) -> Address | None:
    if not value:
        return None
    if len(value) <= 64:  # an address, not a long forged header: cache it
        return _parsed(value)
    return _parse(value)


@lru_cache(maxsize=256)
def _parsed(value: str) -> Address | None:
    """:func:`_parse`, cached: the same few senders and proxies come back on every delivery."""
    return _parse(value)


def _parse(value: str) -> Address | None:
    try:
        return ipaddress.ip_address(value.strip())
    except ValueError:
        return None


def _trusted(address: Address, networks: tuple[Network, ...]) -> bool:
    return any(address in network for network in networks)


def client_address(request: HttpRequest) -> str | None:
    """The sender's IP address as text (``None`` when ``REMOTE_ADDR`` is not an address)."""
    remote = _address(request.META.get("REMOTE_ADDR"))
    networks = conf.trusted_proxies()
    if remote is None or not networks or not _trusted(remote, networks):
        return None if remote is None else str(remote)
    nearest = remote
    for hop in reversed(request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")):
        address = _address(hop)
        if address is None:
            break  # garbage: trust nothing to its left, keep the last proxy we trust
        if not _trusted(address, networks):
            return str(address)
        nearest = address
    return str(nearest)
