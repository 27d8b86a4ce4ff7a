"""API errors raised by the simulator's business rules and rendered by :mod:`.app`.

The body shape is Smartpay's ``{"statusCode", "errorCode", "message", "details"}``
(spec §5); the codes follow spec §5 and the decisions of spec §11.
"""

from __future__ import annotations

from typing import Any

RESOURCE_CODES = {
    "checkoutSession": "checkout-session",
    "order": "order",
    "payment": "payment",
    "refund": "refund",
    "token": "token",
    "coupon": "coupon",
    "promotionCode": "promotion-code",
    "webhookEndpoint": "webhook-endpoint",
}


class ApiError(Exception):
    """An error response: HTTP status, Smartpay ``errorCode``, message and details."""

    def __init__(self, status: int, code: str, message: str, details: list[Any] | None = None) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.details = list(details or [])

    def body(self) -> dict[str, Any]:
        return {
            "statusCode": self.status,
            "errorCode": self.code,
            "message": self.message,
            "details": self.details,
        }


def invalid(details: list[str], message: str = "Input parameter or payload is invalid") -> ApiError:
    return ApiError(400, "request.invalid", message, details)


def malformed(detail: str) -> ApiError:
    return ApiError(400, "request.malformed", "Input payload in malformed, could not be decoded", [detail])


def not_found(object_name: str) -> ApiError:
    """404 ``<resource>.not-found`` for an object name such as ``promotionCode``."""
    resource = RESOURCE_CODES[object_name]
    return ApiError(404, f"{resource}.not-found", f"No {resource.replace('-', ' ')} was found")


def route_not_found(method: str, path: str) -> ApiError:
    return ApiError(404, "route.not-found", f"No route for {method} {path}")


def method_not_allowed(method: str, path: str) -> ApiError:
    return ApiError(405, "request.method-not-allowed", f"{method} is not allowed on {path}")
