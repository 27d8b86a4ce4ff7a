"""The client package: pure Python (no Django), complete exports, typed, modules of sane size."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import django_smartpay.client as client_package

CLIENT_DIR = Path(client_package.__file__).parent


def test_importing_the_client_imports_no_django():
    code = (
        "import sys, django_smartpay.client, django_smartpay.client.resources;"
        "loaded = sorted(m for m in sys.modules if m == 'django' or m.startswith('django.'));"
        "print(','.join(loaded))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == ""


def test_no_django_import_in_the_source():
    offenders = [
        str(path.relative_to(CLIENT_DIR))
        for path in CLIENT_DIR.rglob("*.py")
        if any(
            line.lstrip().startswith(("import django\n", "from django.", "import django."))
            or line.strip() == "import django"
            for line in path.read_text().splitlines(keepends=True)
        )
    ]
    assert offenders == []


def test_all_exports_exist():
    missing = [name for name in client_package.__all__ if not hasattr(client_package, name)]
    assert missing == []
    for name in (
        "SmartpayClient",
        "SmartpayError",
        "SmartpayValidationError",
        "WebhookSignatureError",
        "calculate_webhook_signature",
        "verify_webhook_signature",
        "verify_webhook",
        "paginate",
        "get_session_url",
        "CAPTURE_METHOD_MANUAL",
    ):
        assert name in client_package.__all__


def test_package_is_typed():
    assert (CLIENT_DIR.parent / "py.typed").is_file()


def test_no_module_over_600_lines():
    sizes = {
        str(path.relative_to(CLIENT_DIR)): len(path.read_text().splitlines())
        for path in CLIENT_DIR.rglob("*.py")
    }
    assert {name: size for name, size in sizes.items() if size > 600} == {}
