"""An option too big for a float is refused like any other out-of-range option (``ValueError``
naming it), not an ``OverflowError`` from inside the client."""

from __future__ import annotations

import pytest

from django_smartpay.client import SmartpayClient, defaults


@pytest.mark.parametrize("timeout", [10**400, (5, 10**400)], ids=["single", "pair"])
def test_a_timeout_too_big_for_a_float_is_a_value_error(timeout):
    with pytest.raises(ValueError, match="timeout"):
        SmartpayClient("sk_test_abc123", timeout=timeout)


def test_a_tolerance_too_big_for_a_float_is_a_value_error():
    with pytest.raises(ValueError):
        defaults.webhook_tolerance(10**400)
