"""The test project's URLs plus the REST endpoints, where a merchant would put them."""

from django.urls import include, path

from tests.urls import urlpatterns as base

urlpatterns = [
    *base,
    path("api/smartpay/", include("django_smartpay.contrib.rest_framework.urls")),
]
