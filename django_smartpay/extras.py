"""The optional parts of django-smartpay and the extra that installs each.

A module that needs an extra calls :func:`require` before it imports anything of it, so
that a project without the extra gets one :class:`~django.core.exceptions.ImproperlyConfigured`
naming the ``pip install`` to run, instead of a bare ``ModuleNotFoundError`` from deep
inside an import (or, worse, after a row was written).
"""

from __future__ import annotations

import importlib.util

from django.core.exceptions import ImproperlyConfigured

#: Each extra and the top-level modules of the distributions it installs.
EXTRAS: dict[str, tuple[str, ...]] = {
    "celery": ("celery",),
    "drf": ("rest_framework", "drf_spectacular"),
    "testing": ("factory", "pytest", "pytest_django"),
}
#: The distribution behind each module, for the message.
DISTRIBUTIONS = {
    "celery": "celery",
    "rest_framework": "djangorestframework",
    "drf_spectacular": "drf-spectacular",
    "factory": "factory-boy",
    "pytest": "pytest",
    "pytest_django": "pytest-django",
}


def install_command(extra: str) -> str:
    """``pip install "django-smartpay[celery]"`` for ``extra="celery"``."""
    return f'pip install "django-smartpay[{extra}]"'


def missing(extra: str, modules: tuple[str, ...] | None = None) -> list[str]:
    """The distributions of ``extra`` that cannot be imported here (none: the extra is installed).

    ``modules`` limits the question to some of the extra's modules.
    """
    wanted = EXTRAS[extra] if modules is None else modules
    return [DISTRIBUTIONS[module] for module in wanted if not _importable(module)]


def installed(extra: str) -> bool:
    return not missing(extra)


def require(extra: str, feature: str, *, modules: tuple[str, ...] | None = None) -> None:
    """Raise :class:`ImproperlyConfigured` unless the distributions of ``extra`` are installed.

    ``feature`` says what needs it, e.g. ``"django_smartpay.tasks"``; ``modules`` names
    the ones it cannot work without, when that is not all of them.
    """
    absent = missing(extra, modules)
    if absent:
        raise ImproperlyConfigured(
            f"{feature} needs the {extra!r} extra of django-smartpay, and {', '.join(absent)} "
            f"{'is' if len(absent) == 1 else 'are'} not installed. Run: {install_command(extra)}"
        )


def _importable(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # a broken install, or a module without a spec
        return False
