"""A testing kit for projects that use django_smartpay.

The kit needs the ``testing`` extra (``factory-boy``, ``pytest``, ``pytest-django``):
without it, importing :mod:`django_smartpay.testing` or any module in it raises
:class:`~django.core.exceptions.ImproperlyConfigured` naming the ``pip install`` to run.

- :mod:`django_smartpay.testing.factories`: factory-boy factories for every model,
  with consistent relations and ``data`` that matches the columns.
- :mod:`django_smartpay.testing.pytest_plugin`: pytest fixtures — an in-process
  Smartpay simulator wired to the ``SMARTPAY`` settings, webhook signing, and
  delivery of signed webhooks to your webhook view.  Opt in from your root
  ``conftest.py``::

      pytest_plugins = ["django_smartpay.testing.pytest_plugin"]

- :mod:`django_smartpay.testing.webhooks`: the same webhook helpers without pytest.
- :mod:`django_smartpay.testing.objects`: a model row rendered as the Smartpay API
  object it mirrors.

Nothing here is imported by the rest of the package.
"""

from django_smartpay import extras

extras.require("testing", "django_smartpay.testing")
