"""Base62 with Smartpay's alphabet and the base-x leading-zero rule.

Smartpay writes webhook signing secrets in base62 with the alphabet upper case,
lower case, digits (``A`` = 0 … ``9`` = 61).  The official Node, PHP and Go SDKs
decode with base-x semantics: every leading ``A`` stands for one leading zero
byte and the rest is a big-endian integer.  (The official Python SDK drops those
zero bytes, which yields wrong keys; see spec §9 item 7.)
"""

from __future__ import annotations

ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
_INDEX = {char: value for value, char in enumerate(ALPHABET)}
_ZERO = ALPHABET[0]


def decode(text: str) -> bytes:
    """Decode ``text``; raise :class:`ValueError` on a character outside the alphabet.

    The error does not quote the character: ``text`` is usually a signing secret.
    """
    if not isinstance(text, str):
        raise TypeError("base62 text must be str")
    leading = len(text) - len(text.lstrip(_ZERO))
    number = 0
    for char in text[leading:]:
        try:
            number = number * 62 + _INDEX[char]
        except KeyError:
            raise ValueError("not a base62 string: a character is outside A-Z, a-z, 0-9") from None
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\x00" * leading + body


def encode(data: bytes) -> str:
    """Encode ``data`` so that :func:`decode` gives it back byte for byte."""
    leading = len(data) - len(data.lstrip(b"\x00"))
    number = int.from_bytes(data[leading:], "big")
    chars = []
    while number:
        number, rest = divmod(number, 62)
        chars.append(ALPHABET[rest])
    return _ZERO * leading + "".join(reversed(chars))
