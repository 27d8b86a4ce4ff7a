"""A faithful, stateful, local Smartpay for tests and development (stdlib + requests, no Django).

In-process::

    from django_smartpay.simulator import Simulator
    sim = Simulator(keys=["sk_test_anything"])  # unknown keys get 401, as from Smartpay
    http = sim.session()              # requests.Session routed to the WSGI app, no sockets
    http.get(sim.api_base + "/orders", headers={"Authorization": "Basic sk_test_anything"})

As a server: ``python -m django_smartpay.simulator --port 8765 --key sk_test_…`` (see :mod:`.server`).

It follows the project's ``spec/smartpay-api.md``, including every decision of its §11.  Where the
spec left a question open, the simulator decides as follows (details in the named module):

* Creates answer 200.  Unset optional scalar fields are omitted from objects (as in the official
  fixtures); arrays and ``metadata`` are always present.  Unknown body fields are dropped, never
  stored.  (:mod:`.validation`)
* A checkout ``amount`` need not equal Σ(sign·amount·quantity) + ``feeAmount`` unless
  ``strict_amounts``; item ``currency`` is required. (:mod:`.resources.checkout_sessions`)
* Unknown secret keys get 401 (``keys=``, ``register_key``, ``accept_any_key``); declines on demand
  (:mod:`.outcomes`); only HTTP 200 ends a webhook delivery (:mod:`.delivery`).
* Cancelling an already ``canceled`` order returns it unchanged (200); the 7-day expiry of an
  order emits ``order.canceled``; authorizing a decided order is 409 ``order.cannot-authorize``.
  (:mod:`.resources.orders`)
* Tokens: list shows ``active``/``disabled`` only; enable/disable of any other status is 404
  ``token.not-found``; approving/rejecting a decided token is 409 ``token.cannot-authorize``.
  (:mod:`.resources.tokens`)
* Refund ``reference``/``description`` are capped at 255 characters (no documented limit).
* Webhook endpoints return ``signingSecret`` on GET and list too. (:mod:`.resources.webhook_endpoints`)
* Promotion codes carry ``coupon``. (:mod:`.resources.promotion_codes`)
* Idempotency covers POST/PUT/PATCH (not DELETE); 2xx and 4xx answers are stored and replayed,
  5xx and injected faults are not. (:mod:`.idempotency`)
* ``nextPageToken`` is absent on the last page; page tokens are per account and per list.
  (:mod:`.listing`)
* Webhook attempts are due 0 s, 5 s, 30 s, 2 min, 10 min, 1 h after the event (÷ speed), then the
  delivery is ``failed``; endpoints are chosen when the event happens. (:mod:`.delivery`)
* No query parameters are added to ``successUrl``/``cancelUrl``; promotion codes apply when the
  checkout page is opened with ``?promotion-code=``. (:mod:`.checkout_page`, :mod:`.discounts`)
* Shopper endpoints answer with the updated object. (:mod:`.shopper`)
"""

from .errors import ApiError
from .simulator import Simulator

__all__ = ["ApiError", "Simulator"]
