"""Where the browser tests (marker ``browser``) find chromium, and what to say when it is missing.

They drive Debian's chromium (``/usr/bin/chromium``) through Playwright;
``SMARTPAY_CHROMIUM`` points them at another chromium executable.  Without one, the
suite skips them and says so (tests/conftest.py); under ``CI=true`` it refuses to run.
"""

from __future__ import annotations

import os

DEFAULT_CHROMIUM = "/usr/bin/chromium"
ENVIRONMENT_VARIABLE = "SMARTPAY_CHROMIUM"
#: How to enable the browser tests, for the report header and the skip reason.
HOW_TO_ENABLE = f"apt-get install -y chromium, or set {ENVIRONMENT_VARIABLE} to a chromium executable"


def chromium_executable() -> str:
    """The chromium the browser tests launch: ``$SMARTPAY_CHROMIUM``, else Debian's."""
    return os.environ.get(ENVIRONMENT_VARIABLE) or DEFAULT_CHROMIUM


def chromium_available() -> bool:
    path = chromium_executable()
    return os.path.isfile(path) and os.access(path, os.X_OK)
