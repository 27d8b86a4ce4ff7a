"""The pages state facts about the code: the files and names they cite exist, the settings reference
lists every key and every check, the README keeps the command line CI runs."""

from __future__ import annotations

import importlib
import re

import pytest

from django_smartpay import conf
from tests.docs.snippets import DOCS, ROOT

PACKAGE = ROOT / "django_smartpay"
LITERAL = re.compile(r"``([^`\s]+)``")


def _literals(page: str) -> list[str]:
    return LITERAL.findall((DOCS / page).read_text(encoding="utf-8"))


def _architecture_paths() -> list[str]:
    return [text for text in _literals("architecture.rst") if text.endswith((".py", "/")) and "<" not in text]


@pytest.mark.parametrize("path", _architecture_paths())
def test_architecture_cites_files_that_exist(path):
    base = ROOT if path.startswith("tests/") else PACKAGE
    found = [base / path, *(folder / path for folder in PACKAGE.rglob("*") if folder.is_dir())]
    assert any(candidate.exists() for candidate in found), path


NAMES = [text for text in _literals("architecture.rst") if re.fullmatch(r"[a-z_.]+\.[A-Z][A-Z_]+", text)]


@pytest.mark.parametrize("dotted", NAMES)
def test_architecture_cites_names_that_exist(dotted):
    module, _, name = dotted.rpartition(".")
    assert hasattr(importlib.import_module(f"django_smartpay.{module}"), name), dotted


def test_architecture_cites_the_recipes_names():
    assert len(NAMES) >= 8 and len(_architecture_paths()) >= 20


def test_the_settings_reference_lists_every_key_and_check():
    text = (DOCS / "settings.rst").read_text(encoding="utf-8")
    for key in conf.DEFAULTS:
        assert f"``{key}``" in text, key
    checks = set()
    for module in PACKAGE.glob("*.py"):  # the settings rules and the checks, wherever they live
        source = module.read_text(encoding="utf-8")
        checks |= {f"smartpay.E{int(number):03d}" for number in re.findall(r"Problem\(\s*(\d+)", source)}
        checks |= set(re.findall(r"smartpay\.[EW]\d{3}", source))
        checks |= {f"smartpay.W{int(n):03d}" for n in re.findall(r"_warning\(\s*(\d+)", source)}
    assert len(checks) >= 20
    for check in checks:
        assert f"``{check}``" in text, check


def test_the_settings_reference_lists_every_client_default():
    text = (DOCS / "settings.rst").read_text(encoding="utf-8")
    source = (PACKAGE / "client" / "defaults.py").read_text(encoding="utf-8")
    names = re.findall(r"^([A-Z][A-Z_]+): Final", source, flags=re.MULTILINE)
    assert len(names) >= 10
    for name in names:
        assert f"``{name}``" in text, name


def test_every_page_is_in_the_table_of_contents():
    index = (DOCS / "index.rst").read_text(encoding="utf-8")
    listed = set(re.findall(r"^   ([a-z-]+)$", index, flags=re.MULTILINE))
    pages = {page.stem for page in DOCS.glob("*.rst")} - {"index"}
    assert pages == listed


def test_the_readme_keeps_the_test_command_ci_runs():
    """``.ci/run`` takes the first indented ``python3 -m venv … -m pytest`` line of README.rst."""
    readme = (ROOT / "README.rst").read_text(encoding="utf-8")
    assert re.search(r"^ +python3 -m venv .+ -m pytest$", readme, flags=re.MULTILINE)
    assert re.search(r"^ +python3 -m venv .+ example_project/manage\.py demo$", readme, flags=re.MULTILINE)


def test_the_example_page_shows_the_readme_demo_command():
    readme = (ROOT / "README.rst").read_text(encoding="utf-8")
    demo = re.search(r"^ +(python3 -m venv .+ example_project/manage\.py demo)$", readme, flags=re.MULTILINE)
    assert demo and demo.group(1) in (DOCS / "example.rst").read_text(encoding="utf-8")
