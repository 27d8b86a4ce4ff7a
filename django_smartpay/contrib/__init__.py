"""Optional integrations of django_smartpay with other libraries.

Each subpackage needs its library (``rest_framework``: the ``drf`` extra) and is
never imported by the rest of django_smartpay.
"""
