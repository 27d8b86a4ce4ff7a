"""Python code blocks of the documentation (``docs/*.rst`` and ``README.rst``), read without Sphinx.

A block is a ``.. code-block:: python`` (or ``.. code:: python``) directive.  It is *runnable*
unless an rst comment right before it marks it as a fragment::

    .. skip-snippet: settings fragment

    .. code-block:: python

        SMARTPAY = {"SECRET_KEY": "sk_test_…"}

A fragment is only compiled (a settings excerpt, a piece of a urls.py); the reason is required.

A page about an optional part of the package names it in a comment of its own::

    .. snippet-requires: django_smartpay.contrib.smartypay

Its blocks run where that module exists (the complete package) and are only compiled where it
does not (a branch without it); the test report says which.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"

#: ``.. code-block:: python`` / ``.. code:: python`` / ``.. sourcecode:: python`` (python3 too).
DIRECTIVE = re.compile(r"^(?P<indent> *)\.\. (?:code-block|code|sourcecode):: *(?P<language>\S+) *$")
SKIP = re.compile(r"^ *\.\. skip-snippet: *(?P<reason>.*\S)? *$")
REQUIRES = re.compile(r"^\.\. snippet-requires: *(?P<module>[\w.]+) *$", flags=re.MULTILINE)
PYTHON = {"python", "python3", "py"}


@dataclass(frozen=True)
class Snippet:
    """One code block: where it starts (1-based line of its first code line) and its code."""

    path: Path
    line: int
    code: str
    skip_reason: str | None = None

    @property
    def runnable(self) -> bool:
        return self.skip_reason is None

    @property
    def name(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}"

    def compiled(self):
        """The block compiled with the rst's line numbers, so a traceback points at the page."""
        return compile("\n" * (self.line - 1) + self.code, str(self.path), "exec")


def pages() -> list[Path]:
    """Every page whose blocks the test suite runs."""
    return [*sorted(DOCS.glob("*.rst")), ROOT / "README.rst"]


def _skip_reason(lines: list[str], directive: int) -> str | None:
    """The reason of a ``.. skip-snippet:`` comment that is the element right before ``directive``."""
    index = directive - 1
    while index >= 0 and not lines[index].strip():
        index -= 1
    if index < 0:
        return None
    match = SKIP.match(lines[index])
    if not match:
        return None
    if not match.group("reason"):
        raise ValueError(f"line {index + 1}: a skip-snippet comment must say why the block cannot run")
    return match.group("reason")


def parse(text: str, path: Path) -> list[Snippet]:
    """The Python blocks of one rst text, in order."""
    lines = text.splitlines()
    snippets: list[Snippet] = []
    index = 0
    while index < len(lines):
        match = DIRECTIVE.match(lines[index])
        if not match or match.group("language").lower() not in PYTHON:
            index += 1
            continue
        indent = len(match.group("indent"))
        reason = _skip_reason(lines, index)
        index += 1
        # directive options (``:caption: …``), then a blank line, then the indented body
        while index < len(lines) and lines[index].strip().startswith(":") and lines[index].strip():
            index += 1
        body: list[str] = []
        first: int | None = None
        while index < len(lines):
            line = lines[index]
            if line.strip() and len(line) - len(line.lstrip()) <= indent:
                break
            if line.strip() and first is None:
                first = index
            if first is not None:
                body.append(line)
            index += 1
        if first is None:
            raise ValueError(f"{path}:{index}: an empty code block")
        code = textwrap.dedent("\n".join(body)).rstrip() + "\n"
        snippets.append(Snippet(path, first + 1, code, reason))
    return snippets


def snippets_of(path: Path) -> list[Snippet]:
    return parse(path.read_text(encoding="utf-8"), path)


def requirements(path: Path) -> list[str]:
    """The modules a page's blocks need (``.. snippet-requires: module``)."""
    return REQUIRES.findall(path.read_text(encoding="utf-8"))
