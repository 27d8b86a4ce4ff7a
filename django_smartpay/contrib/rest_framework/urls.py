"""Routes of the REST endpoints::

    path("api/smartpay/", include("django_smartpay.contrib.rest_framework.urls"))

URL names are namespaced ``smartpay-api`` (``smartpay-api:token-list``,
``smartpay-api:order-detail``, ``smartpay-api:chargeschedule-pause``,
``smartpay-api:schema``, …).
"""

from __future__ import annotations

from django.urls import path
from rest_framework.routers import SimpleRouter

from .schema import schema_view
from .views import ChargeScheduleViewSet, OrderViewSet, TokenViewSet

app_name = "smartpay-api"

router = SimpleRouter()
router.register("tokens", TokenViewSet, basename="token")
router.register("orders", OrderViewSet, basename="order")
router.register("schedules", ChargeScheduleViewSet, basename="chargeschedule")

urlpatterns = list(router.urls)
_schema = schema_view()
if _schema is not None:
    urlpatterns.append(path("schema/", _schema, name="schema"))
