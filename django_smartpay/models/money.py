"""How an amount reads everywhere people see it: ``¥1,980`` (JPY has no minor unit)."""

from __future__ import annotations


def format_amount(amount: int | None, currency: str = "JPY") -> str:
    """``¥1,234`` (``-¥500`` below zero) for yen; ``1,234 USD`` for anything else; ``""`` for no amount."""
    if amount is None:
        return ""
    currency = (currency or "JPY").upper()
    if currency == "JPY":
        return f"-¥{-amount:,}" if amount < 0 else f"¥{amount:,}"
    return f"{amount:,} {currency}"
