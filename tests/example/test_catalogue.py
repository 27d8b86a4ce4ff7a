"""The example shop speaks Japanese: a complete catalogue, compiled, and no English left on its pages.

The catalogue is ``example_project/shop/locale/ja/LC_MESSAGES/django.po``; its compiled
``django.mo`` is committed beside it (the demo needs no gettext tools to start).
"""

from __future__ import annotations

import gettext
import html
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from .catalogue import MO, PLACEHOLDER, SHOP, TAG, english_fragments, english_left_in, read_po
from .conftest import ROOT, DemoShop, approve

JAPANESE = {"Accept-Language": "ja"}


def test_every_entry_of_the_catalogue_is_translated():
    entries = read_po()
    assert len(entries) > 100
    untranslated = [entry.msgid for entry in entries if not entry.msgstr.strip() or entry.fuzzy]
    assert untranslated == []
    for entry in entries:
        assert sorted(PLACEHOLDER.findall(entry.msgstr)) == sorted(PLACEHOLDER.findall(entry.msgid)), entry
        assert len(TAG.findall(entry.msgstr)) == len(TAG.findall(entry.msgid)), entry


def test_the_catalogue_holds_every_string_of_the_shop(tmp_path: Path):
    """``makemessages`` over a copy of the app: a new or changed string shows up untranslated."""
    if shutil.which("xgettext") is None or shutil.which("msgmerge") is None:
        pytest.fail("GNU gettext is missing: apt-get install -y gettext")
    copy = tmp_path / "shop"
    shutil.copytree(SHOP, copy, ignore=shutil.ignore_patterns("__pycache__"))
    env = {
        **{key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"},
        "DJANGO_SETTINGS_MODULE": "demo_site.settings",
        "PYTHONPATH": str(ROOT / "example_project"),
        "DEMO_DATABASE": str(tmp_path / "unused.sqlite3"),
    }
    result = subprocess.run(
        [sys.executable, "-m", "django", "makemessages", "-l", "ja", "--no-obsolete", "--no-location"],
        cwd=copy,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    entries = read_po(copy / "locale" / "ja" / "LC_MESSAGES" / "django.po")
    missing = [entry.msgid for entry in entries if not entry.msgstr.strip() or entry.fuzzy]
    assert missing == [], "untranslated strings of the shop: run makemessages -l ja in example_project/shop"
    assert {(e.context, e.msgid) for e in entries} == {(e.context, e.msgid) for e in read_po()}  # none stale


def test_the_committed_mo_file_matches_the_catalogue():
    with MO.open("rb") as compiled:
        translations = gettext.GNUTranslations(compiled)
    stale = [
        entry.msgid
        for entry in read_po()
        if (
            translations.pgettext(entry.context, entry.msgid)
            if entry.context is not None
            else translations.gettext(entry.msgid)
        )
        != entry.msgstr
    ]
    assert stale == [], "compile it: msgfmt -o django.mo django.po (or manage.py compilemessages)"


def _visible(page: requests.Response) -> str:
    """The page's text as a reader sees it (no tags, no attribute values)."""
    body = page.text.split("<body>", 1)[-1]
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(TAG.sub(" ", body)))


def test_japanese_pages_show_no_english_interface_string(demo_shop: DemoShop):
    fragments = english_fragments(read_po())
    assert {"My account", "Confirmed — charged when it ships", "Yes, cancel my subscription"} <= fragments
    http = demo_shop.signup("hina")
    schedule_id, token_id = demo_shop.subscribe(http, "hina")
    bought = demo_shop.post(http, "/buy/tea-set/", allow_redirects=False)
    purchased = http.get(approve(bought.headers["Location"]), headers=JAPANESE, timeout=30)
    anonymous = requests.Session()
    pages = {
        "home (signed out)": anonymous.get(demo_shop.url + "/", headers=JAPANESE, timeout=10),
        "login": anonymous.get(demo_shop.url + "/login/", headers=JAPANESE, timeout=10),
        "signup": anonymous.get(demo_shop.url + "/signup/", headers=JAPANESE, timeout=10),
        "home": http.get(demo_shop.url + "/", headers=JAPANESE, timeout=10),
        "purchased": purchased,
        "account": http.get(demo_shop.url + "/account/", headers=JAPANESE, timeout=10),
        "cancel?": http.get(
            f"{demo_shop.url}/account/schedules/{schedule_id}/cancel/", headers=JAPANESE, timeout=10
        ),
        "remove?": http.get(
            f"{demo_shop.url}/account/tokens/{token_id}/remove/", headers=JAPANESE, timeout=10
        ),
        "checkout canceled": http.get(demo_shop.url + "/purchase/cancel/", headers=JAPANESE, timeout=10),
    }
    for name, page in pages.items():
        assert page.status_code == 200, name
        assert '<html lang="ja">' in page.text, name
        text = _visible(page)
        assert english_left_in(text, fragments) == [], name
    account = _visible(pages["account"])
    assert "抹茶クラブ — 毎月のお届け" in account and "茶器セット" in account
    assert "ご注文確定 — 発送時にお支払い" in account
    assert re.search(r"\d{4}年\d{1,2}月\d{1,2}日", account)  # dates the Japanese way
