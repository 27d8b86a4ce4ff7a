"""The simulator's request handling: routes, basic auth, faults, injected error codes, control.

``/v1/payments`` (POST), ``/v1/payments/search`` (POST) and ``/v1/payments/{id}`` (GET) need
``Authorization: Basic base64(API_KEY:SECRET)``; anything else gets 401 ``Unauthorized``.
Error answers are ``{"code", "message"}`` with the documented HTTP status (the document
names a "standard error object" without showing it: this shape is the simulator's).
The control calls under ``/_smartypay/`` have no authentication (bind loopback only).

Faults reuse the Smartpay simulator's :class:`~django_smartpay.simulator.faults.Faults`:
an injected ``status`` answers before anything is processed; ``drop_response`` processes
the request and loses the answer; ``latency`` beyond the caller's read timeout is a timeout
after processing.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, Final, Protocol

from django_smartpay.simulator.app import READ_TIMEOUT_KEY, Pause
from django_smartpay.simulator.faults import Faults
from django_smartpay.simulator.response import Response

from .rules import ApiError, invalid
from .state import State

MAX_BODY_BYTES: Final = 1024 * 1024
CONTROL: Final = "/_smartypay/"


def error_response(error: ApiError) -> Response:
    return Response.json(error.status, error.body())


def read_json(environ: dict[str, Any]) -> Any:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > MAX_BODY_BYTES:
        raise ApiError(413, "RequestTooLarge", f"Request bodies are limited to {MAX_BODY_BYTES} bytes")
    raw = environ["wsgi.input"].read(length) if length > 0 else b""
    if not raw.strip():
        return None
    try:
        return json.loads(raw.decode("utf-8"), parse_constant=_refuse)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise invalid("The body is not valid JSON") from None


def _refuse(name: str) -> Any:
    raise ValueError(name)


def credentials(header: str) -> tuple[str, str] | None:
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "basic" or not token:
        return None
    try:
        decoded = base64.b64decode(token.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    api_key, colon, secret = decoded.partition(":")
    return (api_key, secret) if colon else None


class Host(Protocol):
    """What of :class:`~.simulator.SmartyPaySimulator` the application uses."""

    state: State
    faults: Faults
    requests: list[tuple[str, str, int]]

    def now(self) -> datetime: ...
    def advance(self, seconds: float) -> None: ...
    def payments(self) -> list[dict[str, Any]]: ...
    def set_status(
        self, payment_id: str, status: str, *, error_code: str | None = None
    ) -> dict[str, Any]: ...
    def inject_error(
        self, code: str, *, count: int = 1, method: str = "POST", path: str = "/v1/payments"
    ) -> None: ...
    def reset(self) -> None: ...


class Application:
    def __init__(self, sim: Host) -> None:
        self.sim = sim

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        """Plain WSGI (a generic server cannot drop a response: ``drop_response`` is ignored here)."""
        response = self.handle(environ)
        start_response(response.status_line(), response.headers)
        return [response.body]

    def handle(self, environ: dict[str, Any]) -> Response:
        method = str(environ.get("REQUEST_METHOD", "GET")).upper()
        path = environ.get("PATH_INFO") or "/"
        try:
            if path.startswith(CONTROL):
                return self.control(environ, method, path[len(CONTROL) :])
            return self.api(environ, method, path)
        except ApiError as error:
            return error_response(error)
        except Exception as exc:  # a simulator bug: answer like a server would, keep serving
            return error_response(ApiError(500, "InternalError", type(exc).__name__))

    def route(self, method: str, path: str) -> Callable[[str, Any], dict[str, Any]]:
        state = self.sim.state
        segments = path.rstrip("/").split("/")[1:] if path.startswith("/v1/") else []
        if segments == ["v1", "payments"]:
            allowed, handler = "POST", state.create
        elif segments == ["v1", "payments", "search"]:
            allowed, handler = "POST", state.search
        elif len(segments) == 3 and segments[:2] == ["v1", "payments"] and segments[2]:
            payment_id = segments[2]
            allowed, handler = "GET", lambda api_key, body: state.get(api_key, payment_id)
        else:
            raise ApiError(404, "RouteNotFound", f"No route for {method} {path}")
        if method != allowed:
            raise ApiError(405, "MethodNotAllowed", f"{method} is not allowed on {path}")
        return handler

    def api(self, environ: dict[str, Any], method: str, path: str) -> Response:
        """Answer an API call and record ``(method, path, status)`` in ``sim.requests``."""
        try:
            response = self.answer(environ, method, path)
        except ApiError as error:
            response = error_response(error)
        with self.sim.state.lock:
            self.sim.requests.append((method, path, response.status))
        return response

    def answer(self, environ: dict[str, Any], method: str, path: str) -> Response:
        sim = self.sim
        handler = self.route(method, path)
        fault = sim.faults.match(method, path)
        if fault is not None and fault.status is not None:
            return error_response(ApiError(fault.status, "SimulatorFault", f"Fault injected ({fault.id})"))
        given = credentials(environ.get("HTTP_AUTHORIZATION", ""))
        with sim.state.lock:
            known = given is not None and sim.state.authenticate(*given)
        if given is None or not known:
            response = error_response(ApiError(401, "Unauthorized", "The API key and secret were refused"))
            response.headers.append(("WWW-Authenticate", 'Basic realm="smartypay"'))
            return response
        body = read_json(environ) if method == "POST" else None
        pause = Pause(fault.latency if fault is not None else 0.0, environ.get(READ_TIMEOUT_KEY))
        pause.wait()
        with sim.state.lock:
            injection = sim.state.take_injection(method, path)
            if injection is not None:
                response = error_response(
                    ApiError(injection.status, injection.code, "Injected by the simulator")
                )
            else:
                sim.state.expire_due()
                try:
                    response = Response.json(200, handler(given[0], body))
                except ApiError as error:
                    response = error_response(error)
        response.timed_out = pause.timed_out
        response.drop = fault is not None and fault.drop_response
        return response

    def control(self, environ: dict[str, Any], method: str, path: str) -> Response:
        """``POST payments/{id}/status`` ``{"status", "errorCode"?}``; ``POST clock`` ``{"advanceSeconds"}``;
        ``POST errors`` ``{"code", "count"?}``; ``POST reset``; ``GET payments``."""
        sim = self.sim
        body = read_json(environ) if method == "POST" else None
        parts = path.strip("/").split("/")
        if method == "GET" and parts == ["payments"]:
            return Response.json(200, {"list": sim.payments()})
        if method != "POST" or not isinstance(body if body is not None else {}, dict):
            raise ApiError(404, "RouteNotFound", f"No control route for {method} {path}")
        body = body or {}
        if len(parts) == 3 and parts[0] == "payments" and parts[2] == "status":
            status, error_code = body.get("status"), body.get("errorCode")
            if not isinstance(status, str) or (error_code is not None and not isinstance(error_code, str)):
                raise invalid("status (and errorCode, if given) must be strings")
            return Response.json(200, sim.set_status(parts[1], status, error_code=error_code))
        if parts == ["clock"]:
            seconds = body.get("advanceSeconds")
            if isinstance(seconds, bool) or not isinstance(seconds, int | float) or not 0 <= seconds < 10**9:
                raise invalid("advanceSeconds must be a number >= 0")
            sim.advance(float(seconds))
            return Response.json(200, {"now": sim.now().isoformat()})
        if parts == ["errors"]:
            code, count = body.get("code"), body.get("count", 1)
            if (
                not isinstance(code, str)
                or isinstance(count, bool)
                or not isinstance(count, int)
                or count < 1
            ):
                raise invalid("code must be a documented error code and count a positive integer")
            try:
                sim.inject_error(code, count=count)
            except ValueError as exc:
                raise invalid(str(exc)) from None
            return Response.json(200, {"code": code, "count": count})
        if parts == ["reset"]:
            sim.reset()
            return Response.json(200, {"reset": True})
        raise ApiError(404, "RouteNotFound", f"No control route for {method} {path}")
