"""README.rst shows the merchant example test verbatim, so the documented test is one that runs."""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = Path(__file__).with_name("test_merchant_example.py")


def _readme_block(after: str) -> str:
    lines = (ROOT / "README.rst").read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(after))
    start = next(i for i in range(start, len(lines)) if lines[i].startswith(".. code-block:: python")) + 2
    end = next(i for i in range(start, len(lines)) if lines[i] and not lines[i].startswith(" "))
    return textwrap.dedent("\n".join(lines[start:end])).strip()


def test_readme_shows_the_merchant_example_test():
    source = EXAMPLE.read_text(encoding="utf-8")
    docstring_end = ast.parse(source).body[0].end_lineno
    code = "\n".join(source.splitlines()[docstring_end:]).strip()
    assert _readme_block("A merchant's test") == code


def test_readme_tells_how_to_opt_in_to_the_plugin():
    assert _readme_block("**The pytest plugin** is opt-in") == (
        'pytest_plugins = ["django_smartpay.testing.pytest_plugin"]'
    )
