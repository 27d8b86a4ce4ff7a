"""A local, stateful SmartyPay Payments API for tests and development (no Django import).

In-process::

    from django_smartpay.contrib.smartypay.simulator import SmartyPaySimulator
    sim = SmartyPaySimulator()          # API_KEY / SECRET / MERCHANT_ID of this package
    client = SmartyPayClient(API_KEY, SECRET, merchant_id=MERCHANT_ID,
                             base_url=sim.base_url, session=sim.session())
    sim.set_status(payment.id, "InProgress")

As a server: ``python -m django_smartpay.contrib.smartypay.simulator --port 8766``.
"""

from .rules import ApiError
from .simulator import API_KEY, MERCHANT_ID, SECRET, SmartyPaySimulator

__all__ = ["API_KEY", "MERCHANT_ID", "SECRET", "ApiError", "SmartyPaySimulator"]
