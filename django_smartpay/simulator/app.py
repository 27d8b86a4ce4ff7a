"""The WSGI application: routing, authentication, idempotency, faults and error rendering.

Request flow for ``/v1``: route → fault rule (an injected status answers before anything else)
→ authentication (``Basic <sk_…>``; ``Bearer`` only on the shopper endpoints) → body parsing →
idempotency → injected latency → business rule under the store lock → events → idempotency
record → ledger → (optionally) the response is dropped.  Responses are compact UTF-8 JSON.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Callable, Iterable
from typing import Any

from . import checkout_page, control, events, idempotency, shopper
from .context import Call, Ctx, Host
from .errors import ApiError, method_not_allowed, route_not_found
from .inputs import parse_json, query_params, read_body
from .ledger import MUTATING
from .resources import (
    checkout_sessions,
    coupons,
    orders,
    payments,
    promotion_codes,
    refunds,
    tokens,
    webhook_endpoints,
)
from .response import Response

#: WSGI environ key through which the in-process adapter passes the caller's read timeout.
READ_TIMEOUT_KEY = "smartpay_simulator.read_timeout"

_BASIC = re.compile(r"^(?i:basic) (sk_(?:test|live)_[0-9A-Za-z]+)$")

BASIC, BEARER, NONE = "basic", "bearer", "none"
#: Path starts under which the shopper (Bearer/no-auth) endpoints are also served without ``/v1``.
SHOPPER_ROOTS = ("/consumers/", "/orders/", "/tokens/")

#: (path template, method, handler, auth).  ``{id}`` is a path parameter.
ROUTES: list[tuple[str, str, Callable[..., Any], str]] = [
    ("checkout-sessions", "POST", checkout_sessions.create, BASIC),
    ("checkout-sessions", "GET", checkout_sessions.list_all, BASIC),
    ("checkout-sessions/{id}", "GET", checkout_sessions.retrieve, BASIC),
    ("orders", "POST", orders.create_with_token, BASIC),
    ("orders", "GET", orders.list_all, BASIC),
    ("orders/{id}", "GET", orders.retrieve, BASIC),
    ("orders/{id}/cancellation", "PUT", orders.cancellation, BASIC),
    ("orders/{id}/authorizations", "POST", shopper.authorize_order, BEARER),
    ("payments", "POST", payments.create, BASIC),
    ("payments", "GET", payments.list_all, BASIC),
    ("payments/{id}", "GET", payments.retrieve, BASIC),
    ("payments/{id}", "PATCH", payments.update, BASIC),
    ("refunds", "POST", refunds.create, BASIC),
    ("refunds", "GET", refunds.list_all, BASIC),
    ("refunds/{id}", "GET", refunds.retrieve, BASIC),
    ("refunds/{id}", "PATCH", refunds.update, BASIC),
    ("webhook-endpoints", "POST", webhook_endpoints.create, BASIC),
    ("webhook-endpoints", "GET", webhook_endpoints.list_all, BASIC),
    ("webhook-endpoints/{id}", "GET", webhook_endpoints.retrieve, BASIC),
    ("webhook-endpoints/{id}", "PATCH", webhook_endpoints.update, BASIC),
    ("webhook-endpoints/{id}", "DELETE", webhook_endpoints.delete, BASIC),
    ("coupons", "POST", coupons.create, BASIC),
    ("coupons", "GET", coupons.list_all, BASIC),
    ("coupons/{id}", "GET", coupons.retrieve, BASIC),
    ("coupons/{id}", "PATCH", coupons.update, BASIC),
    ("promotion-codes", "POST", promotion_codes.create, BASIC),
    ("promotion-codes", "GET", promotion_codes.list_all, BASIC),
    ("promotion-codes/{id}", "GET", promotion_codes.retrieve, BASIC),
    ("promotion-codes/{id}", "PATCH", promotion_codes.update, BASIC),
    ("tokens", "GET", tokens.list_all, BASIC),
    ("tokens/{id}", "GET", tokens.retrieve, BASIC),
    ("tokens/{id}", "DELETE", tokens.delete, BASIC),
    ("tokens/{id}/enable", "PUT", tokens.enable, BASIC),
    ("tokens/{id}/disable", "PUT", tokens.disable, BASIC),
    ("tokens/{id}/approve", "PUT", shopper.approve_token, BEARER),
    ("tokens/{id}/reject", "PUT", shopper.reject_token, BEARER),
    ("consumers/auth/login", "POST", shopper.login, NONE),
]


class _Body(list):
    """A one-chunk WSGI response body whose ``close()`` runs the after-response hook."""

    def __init__(self, body: bytes, after: Callable[[], None]) -> None:
        super().__init__([body])
        self._after = after

    def close(self) -> None:
        self._after()


class Pause:
    """Injected latency, slept once per request; ``timed_out`` when it outlasts the caller's read timeout."""

    __slots__ = ("done", "latency", "timed_out", "timeout")

    def __init__(self, latency: float, timeout: float | None) -> None:
        self.latency = latency
        self.timeout = timeout
        self.done = False
        self.timed_out = False

    def wait(self) -> None:
        if self.done or not self.latency:
            return
        self.done = True
        if self.timeout is not None and self.latency >= self.timeout:
            time.sleep(self.timeout)
            self.timed_out = True
        else:
            time.sleep(self.latency)


class Router:
    """Templates grouped by their first segment; a match yields (handler, auth, params)."""

    def __init__(self, routes: Iterable[tuple[str, str, Callable[..., Any], str]]) -> None:
        self._groups: dict[
            str, list[tuple[tuple[str | None, ...], dict[str, tuple[Callable[..., Any], str]]]]
        ] = {}
        for template, method, handler, auth in routes:
            parts = tuple(None if part == "{id}" else part for part in template.split("/"))
            group = self._groups.setdefault(parts[0] or "", [])
            for existing_parts, methods in group:
                if existing_parts == parts:
                    methods[method] = (handler, auth)
                    break
            else:
                group.append((parts, {method: (handler, auth)}))

    def match(self, method: str, path: str) -> tuple[Callable[..., Any], str, tuple[str, ...]]:
        segments = path[4:].rstrip("/").split("/") if path.startswith("/v1/") else []
        for parts, methods in self._groups.get(segments[0] if segments else "", ()):
            if len(parts) != len(segments):
                continue
            params = []
            for part, segment in zip(parts, segments, strict=True):
                if part is None:
                    params.append(segment)
                elif part != segment:
                    break
            else:
                if method not in methods:
                    raise method_not_allowed(method, path)
                handler, auth = methods[method]
                return handler, auth, tuple(params)
        raise route_not_found(method, path)


def fingerprint(body: Any) -> bytes:
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).digest()


class Application:
    """The simulator's WSGI callable."""

    def __init__(self, sim: Host) -> None:
        self.sim = sim
        self.router = Router(ROUTES)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        """Plain WSGI.  A generic server cannot drop a response, so ``drop_response`` is ignored here;
        due webhooks are delivered when the server closes the response (``auto_deliver_webhooks``).
        """
        response = self.handle(environ)
        start_response(response.status_line(), response.headers)
        return _Body(response.body, self.sim.after_request)

    def handle(self, environ: dict[str, Any]) -> Response:
        method = environ.get("REQUEST_METHOD", "GET").upper()
        path = environ.get("PATH_INFO") or "/"
        try:
            if path.startswith("/v1/"):
                return self.api(environ, method, path)
            if path.startswith("/checkout/"):
                return checkout_page.handle(self.sim, environ, method, path)
            if path == "/_simulator" or path.startswith("/_simulator/"):
                return control.handle(self.sim, environ, method, path)
            if path.startswith(SHOPPER_ROOTS):
                return self.shopper_at_root(environ, method, path)
            raise route_not_found(method, path)
        except ApiError as error:
            return Response.error(error)
        except Exception as exc:  # a simulator bug: answer like a server would, keep serving
            return Response.error(ApiError(500, "internal.error", f"{type(exc).__name__}: {exc}"))

    def shopper_at_root(self, environ: dict[str, Any], method: str, path: str) -> Response:
        """The shopper test endpoints at the host root too (the PHP SDK's harness posts there, §11)."""
        try:
            _, auth, _ = self.router.match(method, "/v1" + path)
        except ApiError:
            raise route_not_found(method, path) from None
        if auth == BASIC:  # the merchant API lives under /v1 only
            raise route_not_found(method, path)
        return self.api(environ, method, "/v1" + path)

    def api(self, environ: dict[str, Any], method: str, path: str) -> Response:
        sim = self.sim
        handler, auth, params = self.router.match(method, path)
        key = environ.get("HTTP_IDEMPOTENCY_KEY") or None
        fault = sim.faults.match(method, path)
        if fault is not None and fault.status is not None:
            if fault.latency:
                time.sleep(fault.latency)
            error = ApiError(fault.status, "simulator.fault", f"Fault injected by the simulator ({fault.id})")
            return self._logged(Response.error(error), method, path, key, None, fault=fault.id, error=error)
        pause = Pause(fault.latency if fault is not None else 0.0, environ.get(READ_TIMEOUT_KEY))
        try:
            response = self._process(environ, method, path, handler, auth, params, key, pause)
        except ApiError as error:  # an unreadable body
            response = self._logged(Response.error(error), method, path, key, None, error=error)
        pause.wait()
        response.timed_out = pause.timed_out
        response.drop = fault is not None and fault.drop_response
        return response

    def _process(
        self,
        environ: dict[str, Any],
        method: str,
        path: str,
        handler: Callable[..., Any],
        auth: str,
        params: tuple[str, ...],
        key: str | None,
        pause: Pause,
    ) -> Response:
        sim = self.sim
        account = None
        if auth == BASIC:
            match = _BASIC.match(environ.get("HTTP_AUTHORIZATION", ""))
            if match is None or not sim.knows_key(match.group(1)):
                return self._logged(Response.unauthorized(), method, path, key, None)
            account = sim.store.account(match.group(1))
        elif auth == BEARER:
            try:
                shopper.check_bearer(sim, environ.get("HTTP_AUTHORIZATION"))
            except shopper.Unauthorized:
                return self._logged(Response.unauthorized(), method, path, key, None)
        body = parse_json(read_body(environ)) if method in ("POST", "PATCH") else None
        call = Call(params, query_params(environ), body)
        record = None
        if account is not None and key is not None and method in idempotency.METHODS:
            try:
                record, stored = sim.idempotency.begin(account.key, key, method, path, fingerprint(body))
            except ApiError as error:
                return self._logged(Response.error(error), method, path, key, account.label, error=error)
            if record is None:
                replay = Response(
                    stored.status, stored.body, [*stored.headers, ("Idempotent-Replayed", "true")]
                )
                return self._logged(replay, method, path, key, account.label, replayed=True)
        pause.wait()  # inside the idempotency "in progress" window
        sim.faults.wait_at_holds(method, path)
        ctx: Ctx | None = None
        try:
            response, ctx = self._run(handler, auth, account, call)
        except ApiError as error:
            response = Response.error(error)
        except shopper.Unauthorized:
            response = Response.unauthorized()
        except Exception:
            if record is not None and account is not None and key is not None:
                sim.idempotency.abandon(account.key, key, record)
            raise
        if record is not None and account is not None and key is not None:
            if response.status >= 500:
                sim.idempotency.abandon(account.key, key, record)
            else:
                sim.idempotency.finish(account.key, key, record, response)
        touched = ctx.touched if ctx is not None else []
        return self._logged(response, method, path, key, account.label if account else None, touched=touched)

    def _run(
        self, handler: Callable[..., Any], auth: str, account: Any, call: Call
    ) -> tuple[Response, Ctx | None]:
        sim = self.sim
        with sim.store.lock:
            if auth == BASIC:
                ctx: Ctx | None = Ctx(sim, account)
                status, payload = handler(ctx, call)
            else:
                ctx, status, payload = handler(sim, call)
            if ctx is not None and ctx.events:
                events.commit(ctx)
            response = Response.empty(status) if payload is None else Response.json(status, payload)
        return response, ctx

    def _logged(
        self,
        response: Response,
        method: str,
        path: str,
        key: str | None,
        account: str | None,
        *,
        replayed: bool = False,
        touched: list[str] | None = None,
        fault: str | None = None,
        error: ApiError | None = None,
    ) -> Response:
        if method in MUTATING:
            error_code = error.code if error is not None else None
            if error_code is None and response.status >= 400 and response.body.startswith(b'{"statusCode"'):
                error_code = json.loads(response.body).get("errorCode")
            self.sim.ledger.record(
                time=self.sim.clock.now_ms(),
                method=method,
                path=path,
                idempotency_key=key,
                status=response.status,
                error_code=error_code,
                replayed=replayed,
                object_ids=touched,
                account=account,
                fault=fault,
            )
        return response
