"""Reading a WSGI request: body bytes, JSON (as strictly as ``JSON.parse``) and query parameters."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

from .errors import ApiError, malformed

MAX_BODY_BYTES = 1024 * 1024


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def parse_json(raw: bytes) -> Any:
    """``{}`` for an empty body; 400 ``request.malformed`` for anything JSON.parse would refuse."""
    if not raw.strip():
        return {}
    try:
        return json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise malformed(str(exc)) from None


def read_body(environ: dict[str, Any]) -> bytes:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length <= 0:
        return b""
    if length > MAX_BODY_BYTES:
        raise ApiError(413, "request.too-large", f"Request bodies are limited to {MAX_BODY_BYTES} bytes")
    return environ["wsgi.input"].read(length)


def query_params(environ: dict[str, Any]) -> dict[str, str]:
    query = environ.get("QUERY_STRING")
    return dict(parse_qsl(query, keep_blank_values=True)) if query else {}
