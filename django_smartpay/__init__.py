"""django_smartpay: a Django app for the Smartpay payments API (buy now, pay later, JPY).

Importing this package imports nothing from Django, so the API client
(:mod:`django_smartpay.client`) and the simulator (:mod:`django_smartpay.simulator`)
can be used without a configured Django project.
"""

__version__ = "0.1.0"
