"""Every Python block of the documentation runs here, against the in-process simulator.

The blocks of one page run in order in one namespace (a page may build on its earlier
blocks), with the database (real commits, so signals and charges run as in production),
Celery eager and ``SMARTPAY`` pointing at the testing kit's simulator.  A block that
defines ``test_*`` functions is a test a merchant can copy: each of them is called with
its arguments taken from the pytest fixtures of the same names.  Blocks marked
``.. skip-snippet: <why>`` (settings fragments) are compiled only.
"""

from __future__ import annotations

import ast
import gc
import importlib.util
import inspect
from pathlib import Path
from typing import Any

import pytest

from tests.docs.snippets import ROOT, Snippet, pages, parse, requirements, snippets_of

PAGES = pages()


def documented_tests(snippets: list[Snippet]) -> list[str]:
    """The names of the ``test_*`` functions the runnable blocks define, in order."""
    names = []
    for snippet in snippets:
        if snippet.runnable:
            tree = ast.parse(snippet.code)
            names += [
                node.name
                for node in tree.body
                if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")
            ]
    return names


def run_page(snippets: list[Snippet], fixture: Any, test: str | None = None) -> dict[str, Any]:
    """Run a page's blocks in order, then call its documented test ``test`` (if given) with the
    pytest fixtures its arguments name (``fixture(name)`` gives one)."""
    namespace: dict[str, Any] = {"__name__": "docs_snippets"}
    for snippet in snippets:
        code = snippet.compiled()
        if snippet.runnable:
            exec(code, namespace)
    if test is not None:
        function = namespace[test]
        assert inspect.isfunction(function), test
        function(**{arg: fixture(arg) for arg in inspect.signature(function).parameters})
    return namespace


def _cases() -> list[Any]:
    """One case per page (its top-level code), and one per test a page documents, each with a
    fresh database and fresh fixtures, as pytest would run it in a merchant's project."""
    cases = []
    for page in PAGES:
        name = str(page.relative_to(ROOT))
        cases.append(pytest.param(page, None, id=name))
        cases += [
            pytest.param(page, test, id=f"{name}::{test}") for test in documented_tests(snippets_of(page))
        ]
    return cases


@pytest.mark.parametrize(("page", "test"), _cases())
@pytest.mark.django_db(transaction=True)
def test_every_snippet_runs(page: Path, test: str | None, request, smartpay_simulator, eager_celery):
    snippets = snippets_of(page)
    missing = [name for name in requirements(page) if importlib.util.find_spec(name) is None]
    if missing:
        # An optional part this checkout does not have: its page's blocks must still compile.
        for snippet in snippets:
            snippet.compiled()
        print(f"{page.name}: {len(snippets)} block(s) compiled only, {', '.join(missing)} is not here")
        return
    try:
        run_page(snippets, request.getfixturevalue, test)
    finally:
        # A page's receivers are weakly connected (some with a dispatch_uid) and its namespace is a
        # reference cycle: collect it now, so the next run of the page connects its own receivers.
        gc.collect()


def test_the_docs_have_runnable_snippets():
    found = [snippet for page in PAGES for snippet in snippets_of(page)]
    runnable = [snippet for snippet in found if snippet.runnable]
    assert len(runnable) >= 20, [snippet.name for snippet in found]
    assert len(runnable) > len(found) - len(runnable)


# --- the harness itself ------------------------------------------------------------------------

PAGE = """\
Title
=====

.. code-block:: python

    answer = 6 * 7

Some text.

.. skip-snippet: settings fragment

.. code-block:: python
   :caption: settings.py

    SMARTPAY = {"SECRET_KEY": undefined_name}

* A list item:

  .. code-block:: python

      assert answer == 42

      def test_uses_a_fixture(greeting):
          assert greeting == "hello"

.. code-block:: sh

    echo not python
"""


def test_parse_finds_python_blocks_with_their_lines_and_marks():
    found = parse(PAGE, Path("page.rst"))
    assert [(s.line, s.skip_reason) for s in found] == [(6, None), (15, "settings fragment"), (21, None)]
    assert found[1].code == 'SMARTPAY = {"SECRET_KEY": undefined_name}\n'
    assert found[2].code.startswith("assert answer == 42\n\ndef test_uses_a_fixture(greeting):\n")


def test_run_page_runs_blocks_in_order_and_calls_their_tests_with_fixtures():
    asked = []

    def fixture(name):
        asked.append(name)
        return "hello"

    snippets = parse(PAGE, Path("page.rst"))
    assert documented_tests(snippets) == ["test_uses_a_fixture"]
    namespace = run_page(snippets, fixture)
    assert namespace["answer"] == 42 and "SMARTPAY" not in namespace
    assert asked == []
    run_page(snippets, fixture, "test_uses_a_fixture")
    assert asked == ["greeting"]


def test_a_broken_snippet_fails_with_its_line():
    page = PAGE.replace("6 * 7", "6 * 7 + undefined_name")
    with pytest.raises(NameError) as failure:
        run_page(parse(page, Path("page.rst")), lambda name: "hello")
    assert failure.traceback[-1].lineno + 1 == 6  # pytest counts from 0


def test_a_failing_documented_test_fails():
    page = PAGE.replace('greeting == "hello"', 'greeting == "bye"')
    run_page(parse(page, Path("page.rst")), lambda name: "hello")  # defined, not called
    with pytest.raises(AssertionError):
        run_page(parse(page, Path("page.rst")), lambda name: "hello", "test_uses_a_fixture")


def test_a_fragment_that_does_not_compile_fails():
    page = PAGE.replace('{"SECRET_KEY": undefined_name}', '{"SECRET_KEY": }')
    with pytest.raises(SyntaxError) as failure:
        run_page(parse(page, Path("page.rst")), lambda name: "hello")
    assert failure.value.lineno == 15


def test_a_page_names_the_optional_modules_it_needs(tmp_path):
    page = tmp_path / "page.rst"
    page.write_text(".. snippet-requires: django_smartpay.contrib.smartypay\n\n" + PAGE, encoding="utf-8")
    assert requirements(page) == ["django_smartpay.contrib.smartypay"]
    assert requirements(ROOT / "README.rst") == []


def test_a_skip_mark_must_give_a_reason():
    with pytest.raises(ValueError, match="must say why"):
        parse(PAGE.replace("skip-snippet: settings fragment", "skip-snippet:"), Path("page.rst"))
