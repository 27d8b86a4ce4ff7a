"""OpenAPI support through drf-spectacular (part of the ``drf`` extra), optional at import time.

Without drf-spectacular the endpoints work the same; only ``schema/`` is not routed and the
annotations below do nothing.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable
from types import ModuleType
from typing import Any

from django.apps import apps
from django.templatetags.static import static


def _optional(name: str) -> ModuleType | None:
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


_openapi: Any = _optional("drf_spectacular.openapi")
_utils: Any = _optional("drf_spectacular.utils")
_views: Any = _optional("drf_spectacular.views")

HAS_SPECTACULAR = _views is not None


def _unchanged(target: Any) -> Any:
    return target


def extend_schema(**kwargs: Any) -> Callable[[Any], Any]:
    """drf-spectacular's ``extend_schema``, based on its ``AutoSchema`` whatever the project's
    ``DEFAULT_SCHEMA_CLASS`` is (DRF's own inspector cannot carry these annotations)."""
    if _utils is None:
        return _unchanged
    annotate = _utils.extend_schema(**kwargs)

    def decorator(target: Any) -> Any:
        if callable(target) and not isinstance(target, type):
            context = getattr(target, "kwargs", None)
            if context is None:
                target.kwargs = context = {}
            context.setdefault("schema", _openapi.AutoSchema)
        return annotate(target)

    return decorator


def extend_schema_view(**kwargs: Any) -> Callable[[Any], Any]:
    """drf-spectacular's ``extend_schema_view`` (does nothing without drf-spectacular)."""
    return _unchanged if _utils is None else _utils.extend_schema_view(**kwargs)


def OpenApiResponse(*args: Any, **kwargs: Any) -> Any:
    """drf-spectacular's ``OpenApiResponse`` (``None`` without drf-spectacular)."""
    return None if _utils is None else _utils.OpenApiResponse(*args, **kwargs)


def view_schema() -> Any:
    """The schema inspector of every view: drf-spectacular's, whatever ``DEFAULT_SCHEMA_CLASS`` says."""
    return _openapi.AutoSchema() if _openapi is not None else None


def schema_view() -> Any:
    """The view serving the OpenAPI 3 document of these endpoints only (``None`` without drf-spectacular)."""
    if _views is None:
        return None
    return _views.SpectacularAPIView.as_view(
        custom_settings={
            "TITLE": "django_smartpay REST API",
            "DESCRIPTION": "The signed-in user's Smartpay tokens, orders and charge schedules.",
            "VERSION": "1",
            "PREPROCESSING_HOOKS": [f"{__name__}.only_these_endpoints"],
        },
    )


#: drf-spectacular-sidecar's copy of Swagger UI, served by ``staticfiles`` (no CDN).
SIDECAR_SWAGGER_UI = "drf_spectacular_sidecar/swagger-ui-dist/"


def has_offline_docs() -> bool:
    """True when :func:`docs_view` can serve Swagger UI from local files."""
    return _views is not None and apps.is_installed("drf_spectacular_sidecar")


def docs_view() -> Any:
    """Swagger UI of :func:`schema_view`'s document, its scripts and styles from drf-spectacular-sidecar.

    ``None`` unless drf-spectacular is installed and ``drf_spectacular_sidecar`` is in
    ``INSTALLED_APPS``.  The page refers to local static files only, whatever
    ``SPECTACULAR_SETTINGS`` says about CDNs, and Swagger UI's online validator is off.
    """
    if not has_offline_docs():
        return None

    class OfflineSwaggerView(_views.SpectacularSwaggerView):
        schema = None  # a page about the endpoints, not one of them

        def get(self, request: Any, *args: Any, **kwargs: Any) -> Any:
            response = super().get(request, *args, **kwargs)
            settings = response.data.get("settings") or "{}"
            settings = json.loads(settings) if isinstance(settings, str) else dict(settings)
            settings["validatorUrl"] = None  # the badge would be fetched from swagger.io
            response.data.update(
                swagger_ui_css=static(SIDECAR_SWAGGER_UI + "swagger-ui.css"),
                swagger_ui_bundle=static(SIDECAR_SWAGGER_UI + "swagger-ui-bundle.js"),
                swagger_ui_standalone=static(SIDECAR_SWAGGER_UI + "swagger-ui-standalone-preset.js"),
                favicon_href=static(SIDECAR_SWAGGER_UI + "favicon-32x32.png"),
                settings=json.dumps(settings),
            )
            return response

    return OfflineSwaggerView.as_view(url_name="smartpay-api:schema", title="django_smartpay REST API")


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
    "docs_view",
    "extend_schema",
    "extend_schema_view",
    "has_offline_docs",
    "only_these_endpoints",
    "schema_view",
    "view_schema",
]
