"""The package's import graph, read with ``ast``: no cycle, Django-free client and simulator,
lower layers that never reach up to the doors, and no import hidden in a function body."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import django_smartpay

PACKAGE = Path(django_smartpay.__file__).resolve().parent
ROOT_NAME = "django_smartpay"

#: Imports inside a function body that are there by design, with the reason for each.
FUNCTION_IMPORTS_ALLOWED = {
    ("django_smartpay.apps", "ready"): (
        "AppConfig.ready() is Django's documented place to import what needs the app registry "
        "(signal receivers, system checks)"
    ),
    ("django_smartpay.testing.pytest_plugin", "smartpay_simulator"): (
        "pytest imports a plugin before pytest-django configures settings: Django-dependent "
        "modules are imported when the fixture runs"
    ),
    ("django_smartpay.testing.pytest_plugin", "smartpay_client"): "as smartpay_simulator",
    ("django_smartpay.testing.pytest_plugin", "smartpay_sign_webhook"): "as smartpay_simulator",
    ("django_smartpay.testing.pytest_plugin", "smartpay_send_webhook"): "as smartpay_simulator",
    ("django_smartpay.testing.pytest_plugin", "smartpay_webhook_endpoint"): "as smartpay_simulator",
    ("django_smartpay.contrib.smartypay.apps", "ready"): "as django_smartpay.apps.ready",
}
#: Packages that import nothing of Django, and which of the package's own modules each may use.
#: The root package itself (``__version__``; Python runs it before any subpackage anyway) is allowed
#: as long as it imports nothing (checked below).
SELF_CONTAINED = {
    "django_smartpay.client": ("django_smartpay.client",),
    # The simulator speaks the client's wire format (base62 ids, constants, redaction), which is Django-free.
    "django_smartpay.simulator": ("django_smartpay.simulator", "django_smartpay.client"),
    # The optional SmartyPay app's client borrows the Smartpay transport's helpers and option ranges;
    # its simulator speaks its client's wire format and is served by the Smartpay simulator's
    # in-process adapter, server, faults and response objects.
    "django_smartpay.contrib.smartypay.client": (
        "django_smartpay.contrib.smartypay.client",
        "django_smartpay.client",
    ),
    "django_smartpay.contrib.smartypay.simulator": (
        "django_smartpay.contrib.smartypay.simulator",
        "django_smartpay.contrib.smartypay.client",
        "django_smartpay.simulator",
    ),
}
FRAMEWORKS = ("django", "rest_framework", "drf_spectacular", "celery")
#: The lower layers and the doors they must never import.
LOWER = (
    "django_smartpay.sync",
    "django_smartpay.sync_batch",
    "django_smartpay.sync_derived",
    "django_smartpay.sync_fields",
    "django_smartpay.charging",
    "django_smartpay.models",
    "django_smartpay.conf",
    "django_smartpay.settings_rules",
)
DOORS = (
    "django_smartpay.admin",
    "django_smartpay.contrib",
    "django_smartpay.webhooks.views",
    "django_smartpay.tasks",
    "django_smartpay.management",
    "django_smartpay.services",
)


@dataclass(frozen=True)
class Import:
    module: str  # the importing module
    target: str  # the imported module (a package's own module when ``from pkg import module``)
    line: int
    function: str | None  # the enclosing function, if any
    type_checking: bool  # inside ``if TYPE_CHECKING:``


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {
    _module_name(path): path for path in sorted(PACKAGE.rglob("*.py")) if "migrations" not in path.parts
}


def _base(module: str, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    package = module if MODULES[module].name == "__init__.py" else module.rpartition(".")[0]
    for _ in range(node.level - 1):
        package = package.rpartition(".")[0]
    return f"{package}.{node.module}" if node.module else package


def _imports(module: str) -> Iterator[Import]:
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))

    def visit(node: ast.AST, function: str | None, type_checking: bool) -> Iterator[Import]:
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(module, alias.name, node.lineno, function, type_checking)
        elif isinstance(node, ast.ImportFrom):
            base = _base(module, node)
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                target = submodule if submodule in MODULES else base
                yield Import(module, target, node.lineno, function, type_checking)
        for child in ast.iter_child_nodes(node):
            inner = function
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                inner = function or node.name
            checking = type_checking or (
                isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test) and child in node.body
            )
            yield from visit(child, inner, checking)

    yield from visit(tree, None, False)


IMPORTS = [item for module in MODULES for item in _imports(module)]


def _within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module, or a module importing itself (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in edges.get(node, ()):
            if nxt not in index:
                connect(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1 or node in edges.get(node, ()):
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            connect(node)
    return found


def test_the_graph_is_read():
    """The parser sees the package (guards the tests below against passing on an empty graph)."""
    assert "django_smartpay.services" in MODULES
    assert any(i.module == "django_smartpay.services" and i.target == "django_smartpay.sync" for i in IMPORTS)
    assert any(i.function == "ready" for i in IMPORTS)


def test_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycle():
    edges: dict[str, set[str]] = {}
    for item in IMPORTS:
        if not item.type_checking and item.target in MODULES and item.target != item.module:
            # A module's own ancestor packages are initialised first by Python; not an edge of the graph.
            if not _within(item.module, item.target):
                edges.setdefault(item.module, set()).add(item.target)
    assert _cycles(edges) == []


@pytest.mark.parametrize("package", sorted(SELF_CONTAINED))
def test_client_and_simulator_import_no_django_and_nothing_of_the_app(package):
    allowed = SELF_CONTAINED[package]
    wrong = [
        f"{item.module}:{item.line} imports {item.target}"
        for item in IMPORTS
        if _within(item.module, package)
        and (
            item.target.split(".")[0] in FRAMEWORKS
            or (
                _within(item.target, ROOT_NAME)
                and item.target != ROOT_NAME
                and not any(_within(item.target, ok) for ok in allowed)
            )
        )
    ]
    assert wrong == []


def test_the_root_package_imports_nothing():
    assert [item.target for item in IMPORTS if item.module == ROOT_NAME] == []


def test_lower_layers_never_import_the_doors():
    wrong = [
        f"{item.module}:{item.line} imports {item.target}"
        for item in IMPORTS
        if any(_within(item.module, low) for low in LOWER)
        and any(_within(item.target, door) for door in DOORS)
    ]
    assert wrong == []


def test_no_import_inside_a_function_except_the_documented_ones():
    found = {
        (item.module, item.function)
        for item in IMPORTS
        if item.function is not None and not item.type_checking
    }
    assert found - set(FUNCTION_IMPORTS_ALLOWED) == set()
    # An exception whose import is gone is removed from the list too.
    assert set(FUNCTION_IMPORTS_ALLOWED) - found == set()


SMARTYPAY = "django_smartpay.contrib.smartypay"
#: The SmartyPay app's own layers, lowest first: a module may import its own layer or lower ones only.
SMARTYPAY_LAYERS = (
    ("client", "simulator", "signals"),
    ("conf", "models"),
    ("sync",),
    ("services", "checks"),
    ("admin", "management", "apps", "testing"),
)


def _smartypay_layer(module: str) -> int | None:
    rest = module.removeprefix(SMARTYPAY + ".")
    if rest == module:
        return None
    head = rest.split(".")[0]
    return next((level for level, names in enumerate(SMARTYPAY_LAYERS) if head in names), None)


def test_smartypay_layers_point_down():
    modules = [name for name in MODULES if _within(name, SMARTYPAY) and name != SMARTYPAY]
    assert all(_smartypay_layer(name) is not None for name in modules), "every module has a layer"
    wrong = [
        f"{item.module}:{item.line} imports {item.target}"
        for item in IMPORTS
        if _smartypay_layer(item.module) is not None
        and _smartypay_layer(item.target) is not None
        and _smartypay_layer(item.target) > _smartypay_layer(item.module)
    ]
    assert wrong == []


def test_nothing_outside_the_optional_smartypay_app_imports_it():
    wrong = [
        f"{item.module}:{item.line} imports {item.target}"
        for item in IMPORTS
        if _within(item.target, SMARTYPAY) and not _within(item.module, SMARTYPAY)
    ]
    assert wrong == []
    assert [item.target for item in IMPORTS if item.module == SMARTYPAY] == []
