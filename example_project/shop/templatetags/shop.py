"""Template filters of the example shop."""

from django import template

register = template.Library()


@register.filter
def yen(amount: int | None) -> str:
    """``1234`` → ``¥1,234`` (yen have no minor unit)."""
    if amount is None or amount == "":
        return ""
    return f"¥{int(amount):,}"
