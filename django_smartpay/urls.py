"""URLs of django_smartpay: ``path("smartpay/", include("django_smartpay.urls"))``.

``smartpay:webhook`` — where Smartpay delivers webhooks (``POST`` only).  Register it
with its trailing slash (``https://shop.example/smartpay/webhook/``): Smartpay does not
follow the redirect ``APPEND_SLASH`` would answer.
"""

from django.urls import path

from .webhooks import views

app_name = "smartpay"

urlpatterns = [
    path("webhook/", views.webhook, name="webhook"),
]
