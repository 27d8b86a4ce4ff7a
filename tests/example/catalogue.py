"""The example shop's Japanese catalogue, read for the tests (a small PO reader, no dependency)."""

from __future__ import annotations

import ast
import html
import re
from dataclasses import dataclass
from pathlib import Path

from .conftest import ROOT

SHOP = ROOT / "example_project" / "shop"
PO = SHOP / "locale" / "ja" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
PLACEHOLDER = re.compile(r"%\(\w+\)s")
TAG = re.compile(r"<[^>]+>")


@dataclass
class Entry:
    msgid: str
    msgstr: str
    fuzzy: bool
    context: str | None = None


def read_po(path: Path = PO) -> list[Entry]:
    """The entries of a PO file (header left out); plural forms are not used by the shop."""
    entries: list[Entry] = []
    msgctxt: list[str] | None = None
    msgid: list[str] | None = None
    msgstr: list[str] | None = None
    current: list[str] | None = None
    fuzzy = False

    def close() -> None:
        nonlocal msgctxt, msgid, msgstr, fuzzy
        if msgid is not None and msgstr is not None and "".join(msgid):
            context = None if msgctxt is None else "".join(msgctxt)
            entries.append(Entry("".join(msgid), "".join(msgstr), fuzzy, context))
        msgctxt = msgid = msgstr = None
        fuzzy = False

    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#,") and "fuzzy" in line:
            close()
            fuzzy = True
        elif line.startswith("msgctxt "):
            if msgstr is not None:
                close()
            msgctxt = [ast.literal_eval(line[8:])]
            current = msgctxt
        elif line.startswith("msgid "):
            if msgstr is not None:
                close()
            msgid = [ast.literal_eval(line[6:])]
            current = msgid
        elif line.startswith("msgstr "):
            msgstr = [ast.literal_eval(line[7:])]
            current = msgstr
        elif line.startswith('"') and current is not None:
            current.append(ast.literal_eval(line))
        elif not line.strip():
            close()
    close()
    return entries


def english_fragments(entries: list[Entry]) -> set[str]:
    """The English words of the shop's interface: its msgids cut at placeholders and tags.

    Words the Japanese keeps as they are (``Smartpay``, ``REST API:``, the demo login ``admin``)
    are left out.
    """
    fragments = set()
    for entry in entries:
        if entry.msgstr == entry.msgid:
            continue
        for part in re.split(r"%\(\w+\)s|<[^>]+>", entry.msgid):
            part = html.unescape(part).strip(" .,:;()+/—-“”")
            if len(re.findall(r"[A-Za-z]", part)) >= 3 and part not in entry.msgstr:
                fragments.add(part)
    return fragments


def english_left_in(text: str, fragments: set[str]) -> list[str]:
    """The fragments found in ``text`` as whole words."""
    return sorted(
        fragment
        for fragment in fragments
        if re.search(r"(?<![A-Za-z])" + re.escape(fragment) + r"(?![A-Za-z])", text)
    )
