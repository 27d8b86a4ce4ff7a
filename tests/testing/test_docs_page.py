"""The testing kit's page shows the merchant example test itself, so the documented test is one that runs."""

from __future__ import annotations

from pathlib import Path

from tests.docs.snippets import snippets_of

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "testing.rst"


def test_the_testing_page_includes_the_merchant_example_file():
    text = PAGE.read_text(encoding="utf-8")
    assert ".. literalinclude:: ../tests/testing/test_merchant_example.py" in text
    assert (ROOT / "tests" / "testing" / "test_merchant_example.py").exists()


def test_the_testing_page_tells_how_to_opt_in_to_the_plugin():
    codes = [snippet.code for snippet in snippets_of(PAGE)]
    assert 'pytest_plugins = ["django_smartpay.testing.pytest_plugin"]\n' in codes
