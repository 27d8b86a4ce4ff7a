"""Opt-in pytest fixtures for the SmartyPay app (needs pytest-django).

Use them from a ``conftest.py``::

    pytest_plugins = ["django_smartpay.contrib.smartypay.testing"]

``smartypay_simulator``
    A fresh in-process :class:`~django_smartpay.contrib.smartypay.simulator.SmartyPaySimulator`;
    ``settings.SMARTYPAY`` points at it (its ``API_KEY``/``SECRET``/``MERCHANT_ID``, no
    retries) and ``conf.get_client()`` talks to it, so the services work unchanged.
``smartypay_client``
    The settings-built client, routed to ``smartypay_simulator``.
``smartypay_server``
    The simulator served on a loopback port (a :class:`~.simulator.server.RunningServer`:
    ``.sim``, ``.base_url``), for tests that need real sockets.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from . import conf
from .client import SmartyPayClient
from .simulator import API_KEY, MERCHANT_ID, SECRET, SmartyPaySimulator
from .simulator.server import RunningServer


@pytest.fixture
def smartypay_simulator(settings: Any) -> Iterator[SmartyPaySimulator]:
    sim = SmartyPaySimulator()
    session = sim.session()
    settings.SMARTYPAY = {
        "API_KEY": API_KEY,
        "SECRET": SECRET,
        "MERCHANT_ID": MERCHANT_ID,
        "BASE_URL": sim.base_url,
        "MAX_RETRIES": 0,
    }
    with conf.use_http_session(session):
        yield sim
    session.close()


@pytest.fixture
def smartypay_client(smartypay_simulator: SmartyPaySimulator) -> SmartyPayClient:
    return conf.get_client()


@pytest.fixture
def smartypay_server() -> Iterator[RunningServer]:
    with RunningServer() as server:
        yield server


__all__ = ["smartypay_client", "smartypay_server", "smartypay_simulator"]
