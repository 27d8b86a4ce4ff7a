"""Fixtures of the SmartyPay tests: the app's opt-in fixtures, and a client built by hand."""

from __future__ import annotations

import pytest

from django_smartpay.contrib.smartypay.client import SmartyPayClient
from django_smartpay.contrib.smartypay.simulator import API_KEY, MERCHANT_ID, SECRET, SmartyPaySimulator
from django_smartpay.contrib.smartypay.testing import (  # noqa: F401 - fixtures, opted in here
    smartypay_client,
    smartypay_server,
    smartypay_simulator,
)


@pytest.fixture
def sim() -> SmartyPaySimulator:
    """A simulator of its own, without Django settings."""
    return SmartyPaySimulator(seed=7)


@pytest.fixture
def sleeps() -> list[float]:
    """The waits of ``smarty`` between attempts (recorded, never slept)."""
    return []


@pytest.fixture
def smarty(sim: SmartyPaySimulator, sleeps: list[float]) -> SmartyPayClient:
    """A client of ``sim`` with two retries whose waits are recorded in ``sleeps``."""
    return SmartyPayClient(
        API_KEY,
        SECRET,
        merchant_id=MERCHANT_ID,
        base_url=sim.base_url,
        session=sim.session(),
        max_retries=2,
        sleep=sleeps.append,
    )
