"""The package's outer promises: its names, its layering, its example project."""

from __future__ import annotations

import ast
import fnmatch
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import django_smartpay

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "django_smartpay"
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))

# The 36 operations of the seed API reference (its Express middleware is our webhook
# view) and the two aliases the issue asks for.
CLIENT_METHODS = """
create_checkout_session get_checkout_session list_checkout_sessions get_session_url
get_order create_order cancel_order list_orders
create_payment capture get_payment update_payment list_payments
create_refund refund get_refund update_refund list_refunds
create_webhook_endpoint get_webhook_endpoint update_webhook_endpoint delete_webhook_endpoint
list_webhook_endpoints calculate_webhook_signature verify_webhook_signature
create_coupon get_coupon update_coupon list_coupons
create_promotion_code get_promotion_code update_promotion_code list_promotion_codes
get_token list_tokens enable_token disable_token delete_token
""".split()


def test_version_is_a_release_string():
    parts = django_smartpay.__version__.split(".")
    assert len(parts) >= 3 and all(part.isdigit() for part in parts[:2])


def test_client_has_every_operation_of_the_seed_reference():
    from django_smartpay.client import SmartpayClient

    assert len(CLIENT_METHODS) == 38
    missing = [name for name in CLIENT_METHODS if not callable(getattr(SmartpayClient, name, None))]
    assert missing == []


def test_aliases_are_the_same_operations():
    from django_smartpay.client import SmartpayClient

    assert SmartpayClient.capture is SmartpayClient.create_payment
    assert SmartpayClient.refund is SmartpayClient.create_refund


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_client_and_simulator_sources_never_import_django():
    offenders = []
    for folder in ("client", "simulator"):
        for path in sorted((PACKAGE / folder).rglob("*.py")):
            bad = {
                name
                for name in _imported_modules(path)
                if name.split(".")[0] in ("django", "rest_framework", "celery")
            }
            if bad:
                offenders.append(f"{path.relative_to(ROOT)}: {sorted(bad)}")
    assert offenders == []


def test_client_and_simulator_import_without_django_loaded():
    code = (
        "import sys, django_smartpay.client, django_smartpay.simulator;"
        "loaded = sorted(m for m in sys.modules if m == 'django' or m.startswith('django.'));"
        "print(loaded); sys.exit(1 if loaded else 0)"
    )
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


def test_py_typed_is_shipped():
    assert (PACKAGE / "py.typed").exists()
    assert "py.typed" in PYPROJECT["tool"]["setuptools"]["package-data"]["django_smartpay"]


def _readme_commands() -> list[str]:
    readme = (ROOT / "README.rst").read_text(encoding="utf-8")
    return [line.strip() for line in readme.splitlines() if line.strip().startswith("python3 -m venv ")]


def test_readme_carries_the_two_commands_that_ci_runs():
    """Both install the dev dependency group with a pip that knows groups (a new venv's may not)."""
    demo, tests = _readme_commands()
    assert demo.endswith("example_project/manage.py demo") and tests.endswith("-m pytest")
    for command in (demo, tests):
        assert '-m pip install -U "pip>=25.1" && ' in command
        assert "-m pip install -e . --group dev && " in command
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    pattern = re.search(r"grep -E '([^']+)' README.rst", ci).group(1)
    assert [line for line in _readme_commands() if re.search(pattern, "    " + line)] == [tests]


def test_metadata_tells_the_truth():
    """PEP 621 metadata with a PEP 639 licence; development tools are PEP 735 groups, not an extra."""
    project = PYPROJECT["project"]
    assert project["license"] == "MIT" and project["license-files"] == ["LICENSE"]
    assert not [c for c in project["classifiers"] if c.startswith("License ::")]  # superseded by PEP 639
    assert project["dynamic"] == ["version"]
    assert PYPROJECT["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "django_smartpay.__version__"}
    assert {"Homepage", "Documentation", "Source", "Issues", "Changelog"} <= set(project["urls"])
    assert project["authors"]
    assert set(project["optional-dependencies"]) == {"celery", "drf", "testing"}
    assert any(r.startswith("setuptools>=77") for r in PYPROJECT["build-system"]["requires"])
    assert not (ROOT / "setup.cfg").exists() and not (ROOT / "setup.py").exists()

    groups = PYPROJECT["dependency-groups"]
    assert {"include-group": "docs"} in groups["dev"]
    assert {"sphinx>=8", "furo"} <= set(groups["docs"])
    dev = {_name(line) for line in groups["dev"] if isinstance(line, str)}
    # What the suite, the example project, lint, mypy and CI's build step import.
    assert {
        "celery",
        "djangorestframework",
        "drf-spectacular",
        "drf-spectacular-sidecar",
        "factory-boy",
    } <= dev
    assert {"pytest", "pytest-django", "playwright", "packaging", "build", "twine", "mypy", "ruff"} <= dev
    assert "setuptools" not in dev  # nothing in the suite needs it any more


def _name(requirement: str) -> str:
    from packaging.requirements import Requirement

    return Requirement(requirement).name.lower()


def test_sdist_holds_the_package_and_no_tests():
    """setuptools adds tests/test*.py to an sdist by default; they cannot run outside the repository."""
    manifest = (ROOT / "MANIFEST.in").read_text(encoding="utf-8").splitlines()
    assert "prune tests" in manifest
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "twine check --strict" in ci and "-m build" in ci and "would be ignored" in ci


def test_example_project_demo_sets_up_and_reaches_the_simulator(tmp_path):
    """``manage.py demo --no-serve`` migrates, creates logins, starts the simulator and stops."""
    env = dict(os.environ)
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.pop("DATABASE_URL", None)
    env["DEMO_DATABASE"] = str(tmp_path / "demo.sqlite3")
    env["SMARTPAY_SIMULATOR_PORT"] = str(_free_port())
    env["SMARTPAY_API_BASE"] = f"http://127.0.0.1:{env['SMARTPAY_SIMULATOR_PORT']}/v1"
    result = subprocess.run(
        [sys.executable, str(ROOT / "example_project" / "manage.py"), "demo", "--no-serve"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "admin / admin" in result.stdout
    assert env["SMARTPAY_API_BASE"] in result.stdout


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_every_subpackage_and_data_file_is_in_the_distribution():
    """The official SDK's wheel omits a subpackage; ours must ship every one, and its data."""
    include = PYPROJECT["tool"]["setuptools"]["packages"]["find"]["include"]
    with_code = {
        ".".join(path.parent.relative_to(ROOT).parts)
        for path in PACKAGE.rglob("*.py")
        if "__pycache__" not in path.parts
    }
    packages = {name for name in with_code if (ROOT / name.replace(".", "/") / "__init__.py").exists()}
    assert with_code - packages == set(), "directories with Python code but no __init__.py"
    assert [name for name in packages if not any(fnmatch.fnmatch(name, p) for p in include)] == []

    patterns = PYPROJECT["tool"]["setuptools"]["package-data"]["django_smartpay"]
    data_files = [
        path.relative_to(PACKAGE).as_posix()
        for path in PACKAGE.rglob("*")
        if path.is_file() and path.suffix not in (".py", ".pyc") and "__pycache__" not in path.parts
    ]
    assert data_files, "the package ships templates and translations"
    unshipped = [name for name in data_files if not any(fnmatch.fnmatch(name, p) for p in patterns)]
    assert unshipped == []


def _declared_requirements():
    """Runtime requirements of pyproject.toml: the dependencies and every published extra."""
    from packaging.requirements import Requirement

    project = PYPROJECT["project"]
    lines = list(project["dependencies"])
    for requirements in project["optional-dependencies"].values():
        lines += requirements
    return [Requirement(line) for line in lines]


def _pins(path: Path) -> dict:
    from packaging.utils import canonicalize_name
    from packaging.version import Version

    pins = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, version = line.split("==")
            pins[canonicalize_name(name)] = Version(version)
    return pins


def test_the_lowest_dependencies_env_pins_every_declared_lower_bound():
    """``tox -e lowest`` and CI test exactly the lower bounds pyproject.toml promises."""
    from packaging.utils import canonicalize_name
    from packaging.version import Version

    lower = {}
    for requirement in _declared_requirements():
        bounds = [spec.version for spec in requirement.specifier if spec.operator == ">="]
        assert bounds, f"{requirement} declares no lower bound"
        lower[canonicalize_name(requirement.name)] = Version(bounds[0])
    assert _pins(ROOT / ".ci" / "lowest-constraints.txt") == lower
    tox = (ROOT / "tox.ini").read_text()
    assert "PIP_CONSTRAINT = {toxinidir}/.ci/lowest-constraints.txt" in tox
    assert 'PIP_CONSTRAINT="$LOWEST"' in (ROOT / ".ci" / "run").read_text()


def test_ci_tests_the_newest_django_the_package_admits():
    from packaging.version import Version

    ci = (ROOT / ".ci" / "run").read_text()
    newest = Version(re.search(r"^DJANGO_NEWEST=(\S+)$", ci, re.MULTILINE).group(1))
    [django] = [r for r in _declared_requirements() if r.name == "Django"]
    assert newest in django.specifier
    assert newest.major >= 6
    # The next minor release is outside the bound until it has been tested.
    assert Version(f"{newest.major}.{newest.minor + 1}") not in django.specifier
    classifiers = PYPROJECT["project"]["classifiers"]
    assert f"Framework :: Django :: {newest.major}.{newest.minor}" in classifiers
    assert f"django{newest.major}{newest.minor}" in (ROOT / "tox.ini").read_text()
