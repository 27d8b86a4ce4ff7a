"""Keyset (cursor) pagination of the REST lists, newest first, on a time column and the primary key.

Every list answers ``{"next", "previous", "results"}``; a page costs the same at any depth
because it is a ``WHERE (time, key) < cursor`` and never an ``OFFSET`` or a ``COUNT``. Cursors are
signed for one list and one user and hold only values the page already shows: a forged, altered
or borrowed cursor is a 400, never a 500.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, NamedTuple

from django.core import signing
from django.db import connections
from django.db.models import F, Model, Q, QuerySet
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.pagination import BasePagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

#: Rows per page when the request names no ``page_size`` (Smartpay's own default).
DEFAULT_PAGE_SIZE = 20
#: The largest ``page_size`` a request may ask for (Smartpay's own limit).
MAX_PAGE_SIZE = 100
CURSOR_SALT = "django_smartpay.contrib.rest_framework.cursor"


class Position(NamedTuple):
    """Where a page starts: after (``back`` false) or before (``back`` true) the row ``(time, key)``."""

    back: bool
    time: dt.datetime | None
    key: int | str


class TimeCursorPagination(BasePagination):
    """Newest first on the view's ``cursor_time_field``, ties broken by its unique ``cursor_key_field``.

    The key is a value the answer already shows (``smartpay_id``, or the ``pk`` of a schedule),
    so a cursor tells nothing more, not even how many rows other users have. A
    ``cursor_time_field`` of ``None`` orders by the key alone: for rows written here, whose
    primary key already follows their creation time, this walks the primary key index.

    ``?page_size=`` is a whole number from 1 to :data:`MAX_PAGE_SIZE`; ``?cursor=`` is an opaque
    value taken from ``next`` or ``previous``. Anything else is answered 400 with a message.
    """

    page_size = DEFAULT_PAGE_SIZE
    max_page_size = MAX_PAGE_SIZE
    page_size_query_param = "page_size"
    cursor_query_param = "cursor"
    time_field: str | None = None

    def paginate_queryset(
        self, queryset: QuerySet[Any] | Sequence[Any], request: Request, view: Any = None
    ) -> list[Any]:
        if not isinstance(queryset, QuerySet):
            raise TypeError("TimeCursorPagination pages a QuerySet, not a list")
        self.request = request
        self.size = self.get_page_size(request)
        self.field = getattr(view, "cursor_time_field", self.time_field)
        self.scope = self.cursor_scope(request, view)
        self.key = getattr(view, "cursor_key_field", "pk")
        self.nulls_largest = connections[queryset.db].features.nulls_order_largest
        position = self.decode_cursor(request)
        back = position is not None and position.back
        rows = list(
            queryset.filter(self.beyond(position)).order_by(*self.ordering(reverse=back))[: self.size + 1]
        )
        more = len(rows) > self.size
        rows = rows[: self.size]
        if back:
            rows.reverse()
        self.has_next = bool(rows) and (more if not back else True)
        self.has_previous = bool(rows) and (position is not None if not back else more)
        self.rows = rows
        return rows

    def get_paginated_response(self, data: Any) -> Response:
        return Response({"next": self.get_next_link(), "previous": self.get_previous_link(), "results": data})

    # --- request parameters ---------------------------------------------------------------

    def get_page_size(self, request: Request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not (raw.isascii() and raw.isdigit() and len(raw) <= 4 and 1 <= int(raw) <= self.max_page_size):
            raise exceptions.ValidationError(
                {
                    self.page_size_query_param: [
                        _("Enter a whole number from 1 to %(max)d.") % {"max": self.max_page_size}
                    ]
                }
            )
        return int(raw)

    def cursor_scope(self, request: Request, view: Any) -> str:
        """What a cursor is valid for: this list (``basename`` and URL arguments) of this user.

        Part of the signing salt, never of the cursor itself."""
        kwargs = sorted((getattr(view, "kwargs", None) or {}).items())
        user = getattr(request.user, "pk", None)
        return f"{getattr(view, 'basename', '')}|{kwargs}|{user}"

    def decode_cursor(self, request: Request) -> Position | None:
        raw = request.query_params.get(self.cursor_query_param)
        if raw is None:
            return None
        try:
            if len(raw) > 500:
                raise ValueError
            back, time, key = signing.loads(raw, salt=f"{CURSOR_SALT}|{self.scope}")
            if not isinstance(back, bool) or type(key) not in (int, str):
                raise ValueError
            moment = None if time is None else parse_datetime(time)
            if time is not None and (moment is None or moment.tzinfo is None):
                raise ValueError
        except (signing.BadSignature, ValueError, TypeError):
            raise exceptions.ValidationError(
                {self.cursor_query_param: [_("This cursor is not valid here; start again from the list.")]}
            ) from None
        return Position(back, moment, key)

    def encode_cursor(self, position: Position) -> str:
        time = None if position.time is None else position.time.isoformat()
        token = signing.dumps([position.back, time, position.key], salt=f"{CURSOR_SALT}|{self.scope}")
        url = self.request.build_absolute_uri()
        return replace_query_param(url, self.cursor_query_param, token)

    # --- keyset ---------------------------------------------------------------------------

    def ordering(self, *, reverse: bool = False) -> list[Any]:
        """The database's own order of nulls, so that an index on ``(…, time DESC, key DESC)`` serves it."""
        names = [self.key] if self.field is None else [self.field, self.key]
        return [F(name).asc() if reverse else F(name).desc() for name in names]

    def beyond(self, position: Position | None) -> Q:
        """The rows after ``position`` in the page's direction (every row without a position).

        Where rows without a time fall depends on the database (``nulls_order_largest``): first
        in a walk that meets the largest values first, last otherwise.
        """
        if position is None:
            return Q()
        op = "gt" if position.back else "lt"
        after_key = Q(**{f"{self.key}__{op}": position.key})
        if self.field is None:
            return after_key
        field, time = self.field, position.time
        null = Q(**{f"{field}__isnull": True})
        nulls_first = self.nulls_largest != position.back
        if time is None:
            return (null & after_key) | ~null if nulls_first else null & after_key
        later = Q(**{f"{field}__{op}e": time}) & ~(Q(**{field: time}) & ~after_key)
        return later if nulls_first else later | null

    def position_of(self, row: Model, *, back: bool) -> Position:
        return Position(
            back, None if self.field is None else getattr(row, self.field), getattr(row, self.key)
        )

    def get_next_link(self) -> str | None:
        if not self.has_next:
            return None
        return self.encode_cursor(self.position_of(self.rows[-1], back=False))

    def get_previous_link(self) -> str | None:
        if not self.has_previous:
            return None
        return self.encode_cursor(self.position_of(self.rows[0], back=True))

    # --- OpenAPI ----------------------------------------------------------------------------

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        link = {"type": "string", "nullable": True, "format": "uri"}
        return {
            "type": "object",
            "required": ["next", "previous", "results"],
            "properties": {"next": link, "previous": link, "results": schema},
        }

    def get_schema_operation_parameters(self, view: Any) -> list[Any]:
        return [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": str(_("The cursor of a page, from the next or previous link.")),
                "schema": {"type": "string"},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": str(_("Rows per page (default %(default)d).") % {"default": self.page_size}),
                "schema": {"type": "integer", "minimum": 1, "maximum": self.max_page_size},
            },
        ]


__all__ = ["DEFAULT_PAGE_SIZE", "MAX_PAGE_SIZE", "Position", "TimeCursorPagination"]
