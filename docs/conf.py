"""Sphinx configuration of the django-smartpay documentation.

Build: ``python -m sphinx -W --keep-going -n -b html docs docs/_build/html`` (what ``tox -e docs``
and ``.ci/run`` do).  Django is set up with the test settings, so autodoc can import the models,
the admin and the REST framework views.
"""

from __future__ import annotations

import importlib
import inspect
import os
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

import django  # noqa: E402
from sphinx.util.nodes import make_refnode  # noqa: E402

django.setup()

import django_smartpay  # noqa: E402


def write_openapi_schema(target: Path) -> None:
    """The REST endpoints' OpenAPI document, as their schema view serves it, for the REST API page."""
    from django.test import RequestFactory, override_settings

    from django_smartpay.contrib.rest_framework.schema import schema_view

    view = schema_view()
    if view is None:
        raise RuntimeError('The REST API page needs drf-spectacular: pip install "django-smartpay[drf]"')
    with override_settings(ROOT_URLCONF="docs.urls"):
        response = view(RequestFactory().get("/api/smartpay/schema/", {"format": "json"}))
        response.render()
    if response.status_code != 200:
        raise RuntimeError(f"the OpenAPI schema view answered {response.status_code}")
    target.parent.mkdir(exist_ok=True)
    target.write_bytes(response.content)


write_openapi_schema(Path(__file__).with_name("_generated") / "openapi.json")

#: Modules the internals page leaves out: documented by hand elsewhere (the simulator's control API
#: is a table in testing.rst, and its docstring's table is not valid reStructuredText).
INTERNALS_LEFT_OUT = {"django_smartpay.simulator.control"}
INTERNALS_TITLES = {
    "admin": "Admin",
    "charging": "Charging",
    "client": "Client",
    "contrib": "Contrib apps",
    "models": "Models",
    "simulator": "Simulator",
    "tasks": "Celery tasks",
    "testing": "Testing kit",
    "webhooks": "Webhooks",
}


def write_internal_modules(target: Path) -> None:
    """Every module of the package that the API reference does not document, grouped by folder,
    each with its docstring (:doc:`internals`): a module added later appears without an edit."""
    package = ROOT / "django_smartpay"
    reference = (Path(__file__).with_name("reference.rst")).read_text(encoding="utf-8")
    documented = set(re.findall(r"automodule:: (\S+)", reference))
    groups: dict[str, list[str]] = {}
    for path in sorted(package.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        if "migrations" in parts or "management" in parts or parts[-1] == "__main__":
            continue
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        if name in documented or name in INTERNALS_LEFT_OUT:
            continue
        group = parts[1] if len(parts) > 2 else ""
        groups.setdefault(group, []).append(name)
    lines = []
    for group, names in groups.items():
        title = INTERNALS_TITLES.get(group, group.capitalize()) if group else "Core"
        lines += [title, "=" * len(title), ""]
        for name in names:
            lines += [f".. automodule:: {name}", "   :no-members:", ""]
    target.write_text("\n".join(lines), encoding="utf-8")


write_internal_modules(Path(__file__).with_name("_generated") / "internal-modules.rst")

project = "django-smartpay"
author = "django-smartpay contributors"
copyright = "django-smartpay contributors"
release = django_smartpay.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.viewcode",
]
exclude_patterns = ["_build", "_generated"]
# Every page is in the table of contents; nothing is orphaned.
root_doc = "index"
language = "en"
pygments_style = "sphinx"

html_theme = "furo"
html_title = f"django-smartpay {release}"
html_static_path: list[str] = []

autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_default_options = {"members": True}

# Nitpicky mode (-n) checks every cross-reference inside this project.  References to other
# projects' objects are not resolved (the build runs offline, without intersphinx inventories).
# "more than one target found" for a relative module name in a docstring (``.discounts``: the
# simulator's or the admin's?): Sphinx links the first; missing targets are still errors.
suppress_warnings = ["ref.python"]
nitpick_ignore_regex = [
    (
        r"py:.*",
        r"(django|requests|celery|kombu|rest_framework|drf_spectacular|factory|pytest|_pytest)(\..*)?",
    ),
    (r"py:.*", r"(typing|collections|datetime|dt|decimal|ipaddress|re|threading|enum|pathlib|abc)\..*"),
    (r"py:mod", r"(fnmatch|json|hmac|secrets|zoneinfo)"),
    # Type aliases in the client's signatures (client.defaults.Timeout, client.transport.Sleep).
    (r"py:class", r"(Timeout|Sleep)"),
    (r"py:class", r"(Any|Callable|Iterator|Iterable|Mapping|Sequence|Final|TypeVar|M|T|Self|Network)"),
    (r"py:class", r"(str|int|float|bool|bytes|dict|list|tuple|set|frozenset|object|None|type)"),
    (r"py:class", r"(Exception|ValueError|KeyError|RuntimeError|TypeError)"),
    (r"py:class", r"(NoneType|Ellipsis|builtins\..*|_io\..*)"),
]


def _canonical(target: str) -> str | None:
    """The defining module's name of a re-exported object (``django_smartpay.exceptions.SmartpayError``
    is ``django_smartpay.client.errors.SmartpayError``), or ``None``."""
    module_name, _, attribute = target.rpartition(".")
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        return None
    obj = getattr(module, attribute, None)
    qualname = getattr(obj, "__qualname__", None)
    home = getattr(obj, "__module__", None)
    return f"{home}.{qualname}" if qualname and home else None


def _lookup(path: str) -> tuple[object, str] | None:
    """The object a dotted path names (a module, or attributes of one) and the module holding it."""
    parts = path.split(".")
    for split in range(len(parts), 0, -1):
        module_name = ".".join(parts[:split])
        try:
            obj: object = importlib.import_module(module_name)
        except ImportError:
            continue
        holder = module_name
        for attribute in parts[split:]:
            if not hasattr(obj, attribute):
                return None
            obj = getattr(obj, attribute)
            if isinstance(obj, type(importlib)):
                holder = obj.__name__
        return obj, holder
    return None


def _existing(node, target: str) -> str | None:
    """The module of the package that really holds ``target`` as the reference's context reads it
    (``precedence`` in ``django_smartpay.sync_fields``), or ``None`` for a name that does not exist."""
    context = node.get("py:module") or "django_smartpay"
    klass = node.get("py:class")
    scopes = []
    module = context
    while module:
        scopes.append(module)
        module = module.rpartition(".")[0]
    candidates = [f"{context}.{klass}.{target}"] if klass else []
    candidates += [f"{scope}.{target}" for scope in scopes] + [target]
    for candidate in candidates:
        if not candidate.startswith("django_smartpay"):
            continue
        found = _lookup(candidate)
        if found is not None:
            return _home(*found)
    # A name used in a docstring that is shown under a re-exporting package (``CLOCK_SKEW`` of
    # ``charging.create_schedule``, defined in ``charging.schedules``): the one module defining it.
    head = target.split(".")[0]
    holders = [
        name
        for name, module in list(sys.modules.items())
        if name.startswith("django_smartpay") and head in vars(module)
    ]
    found = _lookup(f"{holders[0]}.{target}") if len(holders) == 1 else None
    return _home(*found) if found is not None else None


def _home(obj: object, holder: str) -> str | None:
    """The package module that defines ``obj`` (found in module ``holder``); ``None`` for an
    object of another library (``typing.Any`` imported by a module), which is not ours to link."""
    if inspect.ismodule(obj):
        home = obj.__name__
    elif inspect.isclass(obj) or inspect.isroutine(obj):
        home = getattr(obj, "__module__", "") or ""
    else:  # a constant or another value: where it was found
        home = holder
    return home if home.split(".")[0] == "django_smartpay" else None


def resolve_short_python_names(app, env, node, contnode):
    """Resolve docstring references that Sphinx's Python domain leaves open.

    1. A short or re-exported name (``SmartpayError``, ``.server``,
       ``django_smartpay.exceptions.SmartpayError``) of exactly one documented object links to it.
    2. A name that exists in the package but is not documented by itself (a helper of an internal
       module) links to the documented entry of its module (:doc:`internals`).

    Anything else — a name that does not exist, a typo, a renamed function — stays a nitpicky
    warning, which ``-W`` turns into a failed build.
    """
    if node.get("refdomain") != "py":
        return None
    target = node["reftarget"].lstrip(".~")
    domain = env.get_domain("py")
    candidates = [target]
    if target.startswith("django_smartpay."):
        canonical = _canonical(target)
        if canonical:
            candidates.insert(0, canonical)
    for candidate in candidates:
        found = [
            name
            for name, entry in domain.objects.items()
            if (name == candidate or name.endswith("." + candidate)) and not getattr(entry, "aliased", False)
        ]
        if len(found) == 1:
            entry = domain.objects[found[0]]
            return make_refnode(app.builder, node["refdoc"], entry.docname, entry.node_id, contnode, found[0])
    module = _existing(node, target)
    while module:
        entry = domain.objects.get(module)
        if entry is not None and entry.objtype == "module":
            return make_refnode(app.builder, node["refdoc"], entry.docname, entry.node_id, contnode, module)
        module = module.rpartition(".")[0]
    return None


def setup(app):
    app.connect("missing-reference", resolve_short_python_names)
