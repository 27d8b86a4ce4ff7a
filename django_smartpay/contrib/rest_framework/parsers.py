"""The one request parser of the REST endpoints: JSON, bounded in size and depth.

REST framework's ``JSONParser`` reads a body of any size and lets a deeply nested array escape
as a ``RecursionError`` (a 500); here a body over :data:`MAX_BODY_BYTES` is a 413 and any
undecodable body a 400.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import IO, Any

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.parsers import JSONParser

#: The largest request body accepted (a schedule of 50 described items fits many times over).
MAX_BODY_BYTES = 256 * 1024


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = _("The request body is too large.")
    default_code = "too_large"


class BoundedJSONParser(JSONParser):
    """``application/json`` of at most :data:`MAX_BODY_BYTES`, nested no deeper than Python can parse."""

    max_bytes = MAX_BODY_BYTES

    def parse(
        self, stream: IO[Any], media_type: str | None = None, parser_context: Mapping[str, Any] | None = None
    ) -> Any:
        body = stream.read(self.max_bytes + 1)
        if len(body) > self.max_bytes:
            raise RequestTooLarge()
        try:
            return super().parse(io.BytesIO(body), media_type, parser_context)
        except RecursionError:
            raise exceptions.ParseError(_("JSON parse error - the body is nested too deeply.")) from None


__all__ = ["MAX_BODY_BYTES", "BoundedJSONParser", "RequestTooLarge"]
