"""Signed Smartpay webhooks: the view verifies a delivery, then applies its event exactly once.

:mod:`.views` is the HTTP door, :mod:`.verification` decides whether a delivery is a genuine
and well-formed event (no database), and :mod:`.applying` stores and applies it through
:mod:`django_smartpay.sync`, sending the signals of :mod:`django_smartpay.signals` on commit.
"""
