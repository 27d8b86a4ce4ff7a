"""The package's outer promises: its names, its layering, its example project."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import django_smartpay

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "django_smartpay"

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
    assert "py.typed" in (ROOT / "setup.cfg").read_text()


def test_readme_carries_the_two_commands_that_ci_runs():
    readme = (ROOT / "README.rst").read_text()
    assert "example_project/manage.py demo" in readme
    ci = (ROOT / ".ci" / "run").read_text()
    assert "README.rst" in ci and "-m pytest$" in ci


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
    import configparser
    import fnmatch

    from setuptools import find_packages

    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    include = config["options.packages.find"]["include"].split()
    shipped = set(find_packages(str(ROOT), include=include))
    on_disk = {
        ".".join(path.parent.relative_to(ROOT).parts)
        for path in PACKAGE.rglob("*.py")
        if "__pycache__" not in path.parts
    }
    assert on_disk - shipped == set(), "directories with Python code but no __init__.py, or not found"

    patterns = config["options.package_data"]["django_smartpay"].split()
    data_files = [
        path.relative_to(PACKAGE).as_posix()
        for path in PACKAGE.rglob("*")
        if path.is_file() and path.suffix not in (".py", ".pyc") and "__pycache__" not in path.parts
    ]
    assert data_files, "the package ships templates and translations"
    unshipped = [name for name in data_files if not any(fnmatch.fnmatch(name, p) for p in patterns)]
    assert unshipped == []


def _setup_cfg():
    import configparser

    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    return config


def _declared_requirements():
    """Runtime requirements of setup.cfg: install_requires and every published extra but ``dev``."""
    from packaging.requirements import Requirement

    config = _setup_cfg()
    lines = config["options"]["install_requires"].split("\n")
    for extra, text in config["options.extras_require"].items():
        if extra != "dev":
            lines += text.split("\n")
    return [Requirement(line) for line in lines if line.strip() and not line.strip().startswith("#")]


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
    """``tox -e lowest`` and CI test exactly the lower bounds setup.cfg promises."""
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
    import re

    from packaging.version import Version

    ci = (ROOT / ".ci" / "run").read_text()
    newest = Version(re.search(r"^DJANGO_NEWEST=(\S+)$", ci, re.MULTILINE).group(1))
    [django] = [r for r in _declared_requirements() if r.name == "Django"]
    assert newest in django.specifier
    assert newest.major >= 6
    # The next minor release is outside the bound until it has been tested.
    assert Version(f"{newest.major}.{newest.minor + 1}") not in django.specifier
    classifiers = _setup_cfg()["metadata"]["classifiers"]
    assert f"Framework :: Django :: {newest.major}.{newest.minor}" in classifiers
    assert f"django{newest.major}{newest.minor}" in (ROOT / "tox.ini").read_text()
