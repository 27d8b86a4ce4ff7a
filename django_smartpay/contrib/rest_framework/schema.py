"""OpenAPI support through drf-spectacular (part of the ``drf`` extra), optional at import time.

Without drf-spectacular the endpoints work the same; only ``schema/`` is not routed and the
annotations below do nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

try:
    from drf_spectacular import utils as _utils
    from drf_spectacular.openapi import AutoSchema
    from drf_spectacular.utils import OpenApiResponse, extend_schema_view
    from drf_spectacular.views import SpectacularAPIView

    def extend_schema(**kwargs: Any) -> Callable[[Any], Any]:
        """drf-spectacular's ``extend_schema``, based on its ``AutoSchema`` whatever the project's
        ``DEFAULT_SCHEMA_CLASS`` is (DRF's own inspector cannot carry these annotations)."""
        annotate = _utils.extend_schema(**kwargs)

        def decorator(target: Any) -> Any:
            if callable(target) and not isinstance(target, type):
                context = getattr(target, "kwargs", None)
                if context is None:
                    target.kwargs = context = {}
                context.setdefault("schema", AutoSchema)
            return annotate(target)

        return decorator

except ImportError:  # pragma: no cover - exercised in a subprocess by the tests
    AutoSchema = None
    SpectacularAPIView = None

    def extend_schema(*args: Any, **kwargs: Any) -> Callable[[Any], Any]:
        return lambda target: target

    def extend_schema_view(**kwargs: Any) -> Callable[[Any], Any]:
        return lambda target: target

    def OpenApiResponse(*args: Any, **kwargs: Any) -> None:
        return None


HAS_SPECTACULAR = SpectacularAPIView is not None


def view_schema() -> Any:
    """The schema inspector of every view: drf-spectacular's, whatever ``DEFAULT_SCHEMA_CLASS`` says."""
    return AutoSchema() if AutoSchema is not None else None


def schema_view() -> Any:
    """The view serving the OpenAPI 3 document of these endpoints only (``None`` without drf-spectacular)."""
    if SpectacularAPIView is None:
        return None
    return SpectacularAPIView.as_view(
        custom_settings={
            "TITLE": "django_smartpay REST API",
            "DESCRIPTION": "The signed-in user's Smartpay tokens, orders and charge schedules.",
            "VERSION": "1",
            "PREPROCESSING_HOOKS": [f"{__name__}.only_these_endpoints"],
        },
    )


def only_these_endpoints(endpoints: list[tuple[Any, ...]], **kwargs: Any) -> list[tuple[Any, ...]]:
    """drf-spectacular preprocessing hook: keep the endpoints of this package, at their real paths."""
    package = __name__.rpartition(".")[0]
    return [
        endpoint
        for endpoint in endpoints
        if getattr(getattr(endpoint[3], "cls", None), "__module__", "").startswith(package + ".")
    ]


__all__ = [
    "HAS_SPECTACULAR",
    "OpenApiResponse",
    "extend_schema",
    "extend_schema_view",
    "only_these_endpoints",
    "schema_view",
    "view_schema",
]
