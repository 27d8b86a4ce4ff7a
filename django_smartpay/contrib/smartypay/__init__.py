"""SmartyPay (smartypay.io) one-time payments: an optional app, separate from Smartpay.

SmartyPay is another provider (crypto and stablecoin payments) whose name resembles
Smartpay's.  Add ``"django_smartpay.contrib.smartypay"`` to ``INSTALLED_APPS`` only if you
want it: it has its own settings key (``SMARTYPAY``), checks (``smartypay.*``), tables and
migrations, and never touches the Smartpay tables.

``client`` and ``simulator`` import nothing from Django; this module imports nothing at all.
"""
