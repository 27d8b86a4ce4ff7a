"""Django REST framework endpoints for the signed-in user's Smartpay objects.

Install with the ``drf`` extra (``djangorestframework`` and ``drf-spectacular``;
without REST framework, importing this package raises
:class:`~django.core.exceptions.ImproperlyConfigured` naming the ``pip install`` to run;
without drf-spectacular, everything but ``schema/`` works) and include the URLs::

    path("api/smartpay/", include("django_smartpay.contrib.rest_framework.urls"))

=======================================  ==========================================================
``GET tokens/``                          the user's tokens (deleted ones left out)
``GET tokens/{id}/``                     one token (``paytok_…``)
``POST tokens/{id}/disable/``            stop the token from being charged
``POST tokens/{id}/enable/``             allow a disabled token again
``DELETE tokens/{id}/``                  delete the token at Smartpay (final)
``POST tokens/checkout/``                start a token checkout: ``{"url": …}`` to redirect to
``GET orders/``, ``GET orders/{id}/``    the user's orders, payments and refunds nested (20 each)
``GET schedules/``                       the user's charge schedules, the 5 latest charges nested
``POST schedules/``                      charge one of the user's tokens on a schedule
``GET schedules/{id}/``                  one schedule
``POST schedules/{id}/pause/``           pause it (``resume/`` resumes it)
``POST schedules/{id}/cancel/``          cancel it for good
``GET schedules/{id}/charges/``          every charge of the schedule
``GET schema/``                          the OpenAPI 3 schema of these endpoints
=======================================  ==========================================================

Every endpoint requires an authenticated user and sees only that user's rows:
another user's object answers 404, exactly like one that does not exist.
Lists are paginated by a signed cursor (:mod:`.pagination`); there is no filter,
search or ordering parameter, and bodies are JSON only (:mod:`.media`).
Changes go through :mod:`django_smartpay.services` and
:mod:`django_smartpay.charging`; input out of range and their validation errors
answer 400, a refusal by Smartpay 409, a Smartpay worth retrying 503, and a
misconfigured key or an unexpected answer 502 (:func:`.views.api_exception`).

To change what a user may do (a fixed plan price instead of the amount in the
request, other permissions), subclass the view sets in :mod:`.views` and route
your subclasses with your own router.
"""

from django_smartpay import extras

# drf-spectacular only adds the schema endpoint (.schema): the rest works without it.
extras.require("drf", "django_smartpay.contrib.rest_framework", modules=("rest_framework",))
