"""Sphinx configuration of the django-smartpay documentation.

Build: ``python -m sphinx -W --keep-going -n -b html docs docs/_build/html`` (what ``tox -e docs``
and ``.ci/run`` do).  Django is set up with the test settings, so autodoc can import the models,
the admin and the REST framework views.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

import django  # noqa: E402

django.setup()

import django_smartpay  # noqa: E402

project = "django-smartpay"
author = "django-smartpay contributors"
copyright = "django-smartpay contributors"  # noqa: A001 - Sphinx's name
release = django_smartpay.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.viewcode",
]
exclude_patterns = ["_build"]
# Every page is in the table of contents; nothing is orphaned.
root_doc = "index"
language = "en"
pygments_style = "sphinx"

html_theme = "furo"
html_title = f"django-smartpay {release}"
html_static_path: list[str] = []

autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_default_options = {"members": True, "show-inheritance": False}

# Nitpicky mode (-n) checks every cross-reference inside this project.  References to other
# projects' objects are not resolved (the build runs offline, without intersphinx inventories).
nitpick_ignore_regex = [
    (r"py:.*", r"(django|requests|celery|kombu|rest_framework|drf_spectacular|factory|pytest|_pytest)(\..*)?"),
    (r"py:.*", r"(typing|collections|datetime|dt|decimal|ipaddress|re|threading|enum|pathlib|abc)\..*"),
    (r"py:class", r"(Any|Callable|Iterator|Iterable|Mapping|Sequence|Final|TypeVar|M|T|Self|Network)"),
    (r"py:class", r"(str|int|float|bool|bytes|dict|list|tuple|set|frozenset|object|None|type)"),
    (r"py:class", r"(Exception|ValueError|KeyError|RuntimeError|TypeError)"),
    (r"py:class", r"(NoneType|Ellipsis|builtins\..*|_io\..*)"),
]
