"""The URLs the OpenAPI schema of the REST API page is generated from (docs/conf.py)."""

from django.urls import include, path

urlpatterns = [
    path("smartpay/", include("django_smartpay.urls")),
    path("api/smartpay/", include("django_smartpay.contrib.rest_framework.urls")),
]
