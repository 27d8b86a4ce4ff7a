"""View sets of the signed-in user's tokens, orders and charge schedules (see the package docs).

Closed by default: JSON in and out only, no filter, search or ordering parameter (whatever the
project's ``REST_FRAMEWORK`` defaults say), every list paginated by a signed cursor.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import Serializer

from ... import charging, services
from ...errors_text import api_text, problem_texts, safe_code
from ...exceptions import SmartpayAuthenticationError, SmartpayError, SmartpayValidationError
from ...models import ChargeSchedule, Order, Payment, Refund, Token, TokenCharge, TokenStatus
from . import serializers as s
from .media import BoundedJSONParser, SafeJSONRenderer
from .pagination import TimeCursorPagination
from .schema import OpenApiResponse, extend_schema, extend_schema_view, view_schema

#: Ids in URLs: Smartpay's id characters only.
TOKEN_ID_PATTERN = r"paytok_(?:test|live)_[0-9A-Za-z]{1,48}"
ORDER_ID_PATTERN = r"order_(?:test|live)_[0-9A-Za-z]{1,48}"
#: Schedule ids: at most 18 digits, so any id in a URL fits a 64-bit integer column.
SCHEDULE_ID_PATTERN = r"[0-9]{1,18}"


class SmartpayRefused(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("Smartpay refused the request.")
    default_code = "smartpay_refused"


class SmartpayUnavailable(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = _("Smartpay cannot be reached right now. Please try again later.")
    default_code = "smartpay_unavailable"


class SmartpayBadGateway(exceptions.APIException):
    status_code = status.HTTP_502_BAD_GATEWAY
    default_detail = _("The payment service is not working as expected. Please contact the shop.")
    default_code = "smartpay_bad_gateway"


def api_exception(exc: SmartpayError) -> exceptions.APIException:
    """The REST answer to an error of a service (never a secret or a traceback).

    400: the request is invalid (:class:`SmartpayValidationError`, raised before anything is
    sent), one message per problem with its stable code; 503: worth retrying later
    (``exc.transient``: no answer, 5xx, 429, a request in progress); 502: the shop's configuration
    is wrong (an unknown key) or Smartpay answered something unexpected; 409: Smartpay refused
    the request (its 4xx).  Every message is in the request's language
    (:mod:`django_smartpay.errors_text`), never Smartpay's own English text.
    """
    if isinstance(exc, SmartpayValidationError):
        return exceptions.ValidationError(
            [exceptions.ErrorDetail(text, code=code) for code, text in problem_texts(exc)]
        )
    if exc.transient:
        return SmartpayUnavailable()
    if isinstance(exc, SmartpayAuthenticationError) or exc.status_code is None or exc.status_code >= 500:
        return SmartpayBadGateway()
    return SmartpayRefused(detail=api_text(exc), code=safe_code(exc.error_code))


class OwnObjectsMixin(viewsets.GenericViewSet):
    """Authenticated users only; ``get_queryset`` holds only the user's rows, so others' are 404.

    No filter backend (and so no ``?ordering=``, ``?search=`` or field lookups), JSON in and out
    only, whatever ``REST_FRAMEWORK`` sets for the project; lists are paginated by cursor.
    """

    permission_classes = [permissions.IsAuthenticated]
    parser_classes = [BoundedJSONParser]
    renderer_classes = [SafeJSONRenderer]
    filter_backends = []
    pagination_class = TimeCursorPagination
    #: The column lists are ordered by, newest first, and the unique column that breaks ties.
    cursor_time_field: str | None = "smartpay_created"
    cursor_key_field = "smartpay_id"
    schema = view_schema()

    def user_pk(self) -> int | str:
        """The signed-in user's primary key (the permission has refused anonymous requests)."""
        pk = self.request.user.pk
        if pk is None:
            raise exceptions.NotAuthenticated()
        return pk

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, SmartpayError):
            exc = api_exception(exc)
        return super().handle_exception(exc)


@extend_schema_view(
    list=extend_schema(summary=_("Your tokens (saved Smartpay payment methods)")),
    retrieve=extend_schema(summary=_("One of your tokens")),
    destroy=extend_schema(summary=_("Delete the token at Smartpay (final)")),
)
class TokenViewSet(
    OwnObjectsMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = s.TokenSerializer
    lookup_field = "smartpay_id"
    lookup_url_kwarg = "id"
    lookup_value_regex = TOKEN_ID_PATTERN

    def get_queryset(self) -> QuerySet[Token]:
        return (
            Token.objects.filter(user_id=self.user_pk())
            .exclude(status=TokenStatus.DELETED)
            .order_by("-smartpay_created", "-smartpay_id")
        )

    def perform_destroy(self, instance: Token) -> None:
        services.delete_token(instance)

    def _changed(self, token: Token) -> Response:
        return Response(self.get_serializer(token).data)

    @extend_schema(request=None, responses=s.TokenSerializer, summary=_("Stop the token from being charged"))
    @action(detail=True, methods=["post"])
    def disable(self, request: Request, id: str | None = None) -> Response:
        return self._changed(services.disable_token(self.get_object()))

    @extend_schema(request=None, responses=s.TokenSerializer, summary=_("Allow a disabled token again"))
    @action(detail=True, methods=["post"])
    def enable(self, request: Request, id: str | None = None) -> Response:
        return self._changed(services.enable_token(self.get_object()))

    @extend_schema(
        request=s.TokenCheckoutSerializer,
        responses={201: s.CheckoutSessionSerializer},
        summary=_("Start a token checkout; redirect the shopper to the returned url"),
    )
    @action(detail=False, methods=["post"], serializer_class=s.TokenCheckoutSerializer)
    def checkout(self, request: Request) -> Response:
        serializer = s.TokenCheckoutSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        session = services.create_token_checkout_session(user=request.user, **serializer.validated_data)
        return Response(s.CheckoutSessionSerializer(session).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(summary=_("Your orders, with their payments and refunds")),
    retrieve=extend_schema(summary=_("One of your orders")),
)
class OrderViewSet(OwnObjectsMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = s.OrderSerializer
    lookup_field = "smartpay_id"
    lookup_url_kwarg = "id"
    lookup_value_regex = ORDER_ID_PATTERN

    def get_queryset(self) -> QuerySet[Order]:
        limit = s.NESTED_LIMIT
        refunds = Refund.objects.order_by("smartpay_created", "pk")[:limit]
        payments = Payment.objects.order_by("smartpay_created", "pk").prefetch_related(
            Prefetch("refunds", queryset=refunds, to_attr="recent_refunds")
        )[:limit]
        return (
            Order.objects.filter(user_id=self.user_pk())
            .prefetch_related(Prefetch("payments", queryset=payments, to_attr="recent_payments"))
            .order_by("-smartpay_created", "-smartpay_id")
        )


@extend_schema_view(
    list=extend_schema(summary=_("Your charge schedules, with their charges")),
    retrieve=extend_schema(summary=_("One of your charge schedules")),
    create=extend_schema(
        request=s.ScheduleCreateSerializer,
        responses={201: s.ChargeScheduleSerializer},
        summary=_("Charge one of your tokens on a schedule"),
    ),
)
class ChargeScheduleViewSet(
    OwnObjectsMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = s.ChargeScheduleSerializer
    lookup_value_regex = SCHEDULE_ID_PATTERN
    #: Schedules and charges are written here: their primary key is their creation order.
    cursor_time_field = None
    cursor_key_field = "pk"

    def get_queryset(self) -> QuerySet[ChargeSchedule]:
        if self.action == "charges":
            return ChargeSchedule.objects.filter(token__user_id=self.user_pk())
        recent = TokenCharge.objects.order_by("-pk")[: s.RECENT_CHARGES]
        return (
            ChargeSchedule.objects.filter(token__user_id=self.user_pk())
            .prefetch_related(Prefetch("charges", queryset=recent, to_attr="recent_charges"))
            .order_by("-pk")
        )

    def get_serializer_class(self) -> type[Serializer[Any]]:
        if self.action == "create":
            return s.ScheduleCreateSerializer
        if self.action == "charges":
            return s.TokenChargeSerializer
        if self.action == "token":
            return s.ScheduleTokenSerializer
        return s.ChargeScheduleSerializer

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        schedule = self.create_schedule(dict(serializer.validated_data))
        return self._show(schedule.pk, status.HTTP_201_CREATED)

    def create_schedule(self, fields: dict[str, Any]) -> ChargeSchedule:
        """Create the schedule from validated fields (override to price it from your own plans)."""
        token = fields.pop("token")
        return charging.create_schedule(token, fields.pop("amount"), fields.pop("currency"), **fields)

    def _show(self, pk: int, code: int = status.HTTP_200_OK) -> Response:
        schedule = self.get_queryset().get(pk=pk)
        return Response(
            s.ChargeScheduleSerializer(schedule, context=self.get_serializer_context()).data, code
        )

    @extend_schema(
        request=None,
        responses=s.TokenChargeSerializer(many=True),
        summary=_("Every charge of the schedule, newest first"),
    )
    @action(detail=True, methods=["get"])
    def charges(self, request: Request, pk: str | None = None) -> Response:
        schedule = self.get_object()
        rows = TokenCharge.objects.filter(schedule=schedule)
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(request=None, responses=s.ChargeScheduleSerializer, summary=_("Pause the schedule"))
    @action(detail=True, methods=["post"])
    def pause(self, request: Request, pk: str | None = None) -> Response:
        return self._show(charging.pause_schedule(self.get_object()).pk)

    @extend_schema(request=None, responses=s.ChargeScheduleSerializer, summary=_("Resume a paused schedule"))
    @action(detail=True, methods=["post"])
    def resume(self, request: Request, pk: str | None = None) -> Response:
        return self._show(charging.resume_schedule(self.get_object()).pk)

    @extend_schema(
        request=None,
        responses={200: s.ChargeScheduleSerializer, 404: OpenApiResponse(description="Not yours")},
        summary=_("Cancel the schedule for good"),
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        return self._show(charging.cancel_schedule(self.get_object()).pk)

    @extend_schema(
        request=s.ScheduleTokenSerializer,
        responses={200: s.ChargeScheduleSerializer, 404: OpenApiResponse(description="Not yours")},
        summary=_("Pay the schedule with another of your tokens; an unpaid period is charged at once"),
    )
    @action(detail=True, methods=["post"])
    def token(self, request: Request, pk: str | None = None) -> Response:
        schedule = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self._show(charging.update_schedule_token(schedule, serializer.validated_data["token"]).pk)


__all__ = [
    "ChargeScheduleViewSet",
    "OrderViewSet",
    "OwnObjectsMixin",
    "SmartpayBadGateway",
    "SmartpayRefused",
    "SmartpayUnavailable",
    "TokenViewSet",
    "api_exception",
]
