"""The one parser and the one renderer of the REST endpoints: JSON in, JSON out, with no way to a 500.

REST framework's ``JSONParser`` reads a body of any size and lets a deeply nested array escape
as a ``RecursionError``; its ``JSONRenderer`` fails on a lone surrogate that an error message
echoes back ("… is not a valid choice"). Here both are a 4xx answer like any other bad input.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import IO, Any

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.parsers import JSONParser
from rest_framework.renderers import JSONRenderer

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


class ASCIIJSONRenderer(JSONRenderer):
    """REST framework's JSON with every non-ASCII character escaped."""

    ensure_ascii = True


class SafeJSONRenderer(JSONRenderer):
    """REST framework's JSON, escaped to ASCII when it holds text UTF-8 cannot encode."""

    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: Mapping[str, Any] | None = None,
    ) -> bytes:
        try:
            return super().render(data, accepted_media_type, renderer_context)
        except UnicodeEncodeError:
            return ASCIIJSONRenderer().render(data, accepted_media_type, renderer_context)


__all__ = ["MAX_BODY_BYTES", "ASCIIJSONRenderer", "BoundedJSONParser", "RequestTooLarge", "SafeJSONRenderer"]
