"""Routes of the REST endpoints::

    path("api/smartpay/", include("django_smartpay.contrib.rest_framework.urls"))

URL names are namespaced ``smartpay-api`` (``smartpay-api:api-root``, ``smartpay-api:token-list``,
``smartpay-api:order-detail``, ``smartpay-api:chargeschedule-pause``, ``smartpay-api:schema``,
``smartpay-api:docs``, …).  The root lists the endpoints; ``schema/`` needs drf-spectacular and
``docs/`` (Swagger UI from local files) drf-spectacular-sidecar in ``INSTALLED_APPS`` too.
"""

from __future__ import annotations

from typing import Any

from django.urls import NoReverseMatch, path
from django.utils.html import format_html
from django.utils.translation import gettext as _
from rest_framework import permissions
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.routers import SimpleRouter
from rest_framework.views import APIView

from .schema import docs_view, schema_view
from .views import ChargeScheduleViewSet, OrderViewSet, TokenViewSet

app_name = "smartpay-api"

#: What the root lists: its key → the URL name in this namespace.
ROOT_LINKS = {
    "tokens": "token-list",
    "orders": "order-list",
    "schedules": "chargeschedule-list",
    "schema": "schema",
    "docs": "docs",
}


class APIRootView(APIView):
    """The endpoints of the django_smartpay REST API.

    Tokens, orders and charge schedules need a signed-in user, and list only that user's own.
    The schema link is the OpenAPI document; docs browses it.
    """

    permission_classes = [permissions.AllowAny]  # links only: the endpoints check for themselves
    schema = None  # not an endpoint of the OpenAPI document

    def get_view_name(self) -> str:
        return "django_smartpay REST API"

    def get_view_description(self, html: bool = False) -> str:
        text = _(
            "The endpoints of the django_smartpay REST API. Tokens, orders and charge schedules "
            "need a signed-in user and list only that user's own; “schema” is the OpenAPI "
            "document and “docs” browses it."
        )
        return format_html("<p>{}</p>", text) if html else str(text)

    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        namespace = request.resolver_match.namespace if request.resolver_match else app_name
        links = {}
        for key, name in ROOT_LINKS.items():
            try:
                links[key] = reverse(f"{namespace}:{name}", request=request)
            except NoReverseMatch:  # schema/ and docs/ are routed only with their packages
                continue
        return Response(links)


router = SimpleRouter()
router.register("tokens", TokenViewSet, basename="token")
router.register("orders", OrderViewSet, basename="order")
router.register("schedules", ChargeScheduleViewSet, basename="chargeschedule")

urlpatterns = [path("", APIRootView.as_view(), name="api-root"), *router.urls]
_schema = schema_view()
if _schema is not None:
    urlpatterns.append(path("schema/", _schema, name="schema"))
_docs = docs_view()
if _docs is not None:
    urlpatterns.append(path("docs/", _docs, name="docs"))
