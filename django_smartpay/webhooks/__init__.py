"""Signed Smartpay webhooks: verify, record, apply exactly once, and signal.

Include ``django_smartpay.urls`` (the view is ``smartpay:webhook``) and register the
URL at Smartpay (``manage.py smartpay_webhooks register URL``, or
:func:`django_smartpay.services.create_webhook_endpoint`).  Modules:

- :mod:`.views` — the HTTP door (status codes, size limit, error bodies);
- :mod:`.verification` — the four headers and the signature, secrets chosen by
  ``Smartpay-Subscription-Id``;
- :mod:`.network` — the sender's address behind trusted proxies;
- :mod:`.envelope` — the event body;
- :mod:`.receiving` — the ``WebhookEvent`` row, exactly-once processing, signals;
- :mod:`.processing` — what each event type does (through :mod:`django_smartpay.sync`).

Settings: ``WEBHOOK_SECRETS``, ``WEBHOOK_TOLERANCE``, ``PROCESS_WEBHOOKS`` and
``WEBHOOK_TRUSTED_PROXIES`` (see :mod:`django_smartpay.conf`).  Signals:
``webhook_received``, ``webhook_processed``, ``webhook_failed`` (see
:mod:`django_smartpay.signals`).
"""
