"""The Japanese translation covers every string of the catalogue, and the admin speaks it."""

from __future__ import annotations

import ast
import gettext
import re
from pathlib import Path

import pytest
from django.urls import reverse

import django_smartpay

from .conftest import Admin, changelist

PO = Path(django_smartpay.__file__).parent / "locale" / "ja" / "LC_MESSAGES" / "django.po"


def entries(text: str) -> list[dict[str, object]]:
    """The entries of a .po file: their flags and their msgid/msgstr strings (continuations joined)."""
    found: list[dict[str, object]] = []
    for block in re.split(r"\n\s*\n", text.strip()):
        lines = block.splitlines()
        if all(line.startswith("#~") or line.startswith("#") for line in lines):
            continue  # obsolete or comment-only blocks
        entry: dict[str, object] = {"flags": set(), "strings": {}}
        key = None
        for line in lines:
            if line.startswith("#,"):
                entry["flags"] |= {flag.strip() for flag in line[2:].split(",")}
            elif line.startswith("#"):
                continue
            elif line.startswith('"'):
                entry["strings"][key] += ast.literal_eval(line)
            else:
                key, value = line.split(" ", 1)
                entry["strings"][key] = ast.literal_eval(value)
        found.append(entry)
    return found


def test_po_file_has_no_untranslated_or_fuzzy_entries():
    catalogue = entries(PO.read_text(encoding="utf-8"))
    assert len(catalogue) > 300
    fuzzy = [e["strings"]["msgid"] for e in catalogue if "fuzzy" in e["flags"]]
    untranslated = [
        e["strings"]["msgid"]
        for e in catalogue
        if e["strings"]["msgid"]
        and any(not value for key, value in e["strings"].items() if key.startswith("msgstr"))
    ]
    assert fuzzy == []
    assert untranslated == []
    assert_compiled(catalogue)


def assert_compiled(catalogue: list[dict[str, object]]) -> None:
    """The shipped .mo carries every translation of the .po (else: run compilemessages)."""
    with PO.with_suffix(".mo").open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)._catalog
    stale = [
        e["strings"]["msgid"]
        for e in catalogue
        if e["strings"]["msgid"]
        and "msgstr" in e["strings"]
        and compiled.get(_key(e["strings"])) != e["strings"]["msgstr"]
    ]
    assert stale == [], "django.mo is older than django.po: run compilemessages"


def _key(strings: dict) -> str:
    context = strings.get("msgctxt")
    return f"{context}\x04{strings['msgid']}" if context else strings["msgid"]


def test_the_checker_sees_problems():
    """The parser above finds an empty msgstr, an empty plural form and a fuzzy flag."""
    broken = (
        'msgid ""\nmsgstr ""\n"Language: ja\\n"\n\n'
        'msgid "Refund"\nmsgstr ""\n\n'
        'msgid "one"\nmsgid_plural "many"\nmsgstr[0] ""\n\n'
        '#, fuzzy, python-format\nmsgid "%(a)s"\nmsgstr "%(a)s"\n'
    )
    catalogue = entries(broken)
    assert [e["strings"]["msgid"] for e in catalogue if "fuzzy" in e["flags"]] == ["%(a)s"]
    empty = [
        e["strings"]["msgid"]
        for e in catalogue
        if e["strings"]["msgid"] and any(not v for k, v in e["strings"].items() if k.startswith("msgstr"))
    ]
    assert empty == ["Refund", "one"]


@pytest.mark.django_db
def test_admin_in_japanese(settings, shop, admin_client):
    settings.LANGUAGE_CODE = "ja"
    order = shop.order(3000)
    content = admin_client.get(changelist("order")).content.decode()
    assert '<option value="capture_orders">選択した注文を売上確定</option>' in content
    assert '<option value="sync_from_smartpay">Smartpay から同期</option>' in content
    assert "¥3,000" in content
    page = Admin(admin_client, "order", "capture_orders").select(order)
    text = page.content.decode()
    assert "注文の売上確定" in text  # the title
    assert "売上確定した金額が購入者に請求されます。" in text  # the warning
    assert "金額（円）" in text  # noqa: RUF001 - Japanese punctuation
    response = Admin(admin_client, "order", "capture_orders").submit(page, amount=5000)
    assert "¥5,000 は注文" in response.content.decode()  # the form error
    change = admin_client.get(reverse("admin:smartpay_order_change", args=[order.pk])).content.decode()
    assert "関連オブジェクト" in change
