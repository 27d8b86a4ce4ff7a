"""The checkout page's words in English and Japanese, how the page picks its language, and the merchant's name.

A tiny table instead of gettext: the simulator imports nothing of Django.  The language is,
in order: ``?lang=`` (the page's language switch), the checkout session's ``locale``, the
browser's ``Accept-Language``, then English.
"""

# The table uses full-width Japanese punctuation and the multiplication sign by design.
# ruff: noqa: RUF001

from __future__ import annotations

#: The name the checkout page shows when none is given (``merchant_name=``, ``--merchant-name``).
DEFAULT_MERCHANT_NAME = "Test Merchant"
MAX_MERCHANT_NAME_LENGTH = 100
LANGUAGES = ("en", "ja")
DEFAULT_LANGUAGE = "en"
#: How each language names itself on the switch.
LANGUAGE_NAMES = {"en": "English", "ja": "日本語"}

MESSAGES: dict[str, dict[str, str]] = {
    "en": {
        "title": "Smartpay checkout — {merchant}",
        "paying": "Checkout with Smartpay",
        "saving": "Save Smartpay as a payment method",
        "mode.test": "Test mode",
        "mode.live": "Live mode",
        "simulator": "Smartpay simulator: no real payment is made.",
        "language": "Language",
        "order": "Your order",
        "shipping": "Shipping",
        "promotion": "Promotion code",
        "total": "Total",
        "quantity": "{name} × {quantity}",
        "ship_to": "Shipping address",
        "token.explain": (
            "Save Smartpay as a payment method for this shop. Nothing is charged now: the shop can "
            "create orders with this saved method later, and you can ask it to remove it at any time."
        ),
        "outcome.legend": "Simulator: what the shop's later charges with this payment method answer",
        "outcome.approve": "Approved",
        "outcome.decline": "Declined",
        "outcome.soft_decline": "Soft-declined (the shop may retry)",
        "outcome.unusable": "Unusable (the payment method is disabled)",
        "button.approve": "Approve",
        "button.soft_decline": "Soft decline",
        "button.reject": "Reject",
        "soft_declined": "Your payment was declined. You may try again.",
        "result.approved.order": "Payment approved",
        "result.approved.token": "Payment method saved",
        "result.approved.body": "Smartpay approved this checkout. You are being taken back to {merchant}.",
        "result.approved.stay": "Smartpay approved this checkout.",
        "result.outcome": "Later charges with this payment method: {outcome} (simulator).",
        "result.rejected.order": "Payment rejected",
        "result.rejected.token": "Payment method not saved",
        "result.rejected.body": "This checkout was rejected. Nothing was charged.",
        "result.closed": "Checkout closed",
        "result.closed.body": "This checkout cannot be completed any more (status: {status}).",
        "continue": "Continue to {merchant}",
        "back": "Back to {merchant}",
        "not_found.title": "Checkout not found",
        "not_found.body": "This checkout link is not valid.",
        "conflict.title": "Checkout cannot change",
        "bad_action.title": "Unknown action",
        "bad_action.body": "Choose Approve or Reject.",
        "not_allowed.title": "Method not allowed",
        "promo.inactive": "This {label} is no longer active.",
        "promo.expired": "This {label} has expired.",
        "promo.redeemed": "This {label} has been fully redeemed.",
        "promo.too_late": "Promotion codes can only be applied before the order is confirmed.",
        "promo.unknown": "The promotion code {code} does not exist.",
        "promo.minimum": "This code needs an order of at least {minimum}.",
        "promo.currency": "This code cannot be used with this currency.",
        "label.promotion code": "promotion code",
        "label.coupon": "coupon",
    },
    "ja": {
        "title": "Smartpay チェックアウト — {merchant}",
        "paying": "Smartpay でお支払い",
        "saving": "Smartpay をお支払い方法として登録",
        "mode.test": "テストモード",
        "mode.live": "本番モード",
        "simulator": "Smartpay シミュレーター：実際のお支払いは発生しません。",
        "language": "言語",
        "order": "ご注文内容",
        "shipping": "送料",
        "promotion": "プロモーションコード",
        "total": "合計",
        "quantity": "{name} × {quantity}",
        "ship_to": "お届け先",
        "token.explain": (
            "Smartpay をこのショップのお支払い方法として登録します。今は請求されません。ショップは"
            "登録されたお支払い方法で後から注文を作成でき、いつでも削除を依頼できます。"
        ),
        "outcome.legend": "シミュレーター：このお支払い方法での今後の請求の結果",
        "outcome.approve": "承認",
        "outcome.decline": "拒否",
        "outcome.soft_decline": "ソフト拒否（ショップは再試行できます）",
        "outcome.unusable": "利用不可（お支払い方法が無効になります）",
        "button.approve": "承認する",
        "button.soft_decline": "ソフト拒否",
        "button.reject": "拒否する",
        "soft_declined": "お支払いが承認されませんでした。もう一度お試しいただけます。",
        "result.approved.order": "お支払いが承認されました",
        "result.approved.token": "お支払い方法を登録しました",
        "result.approved.body": "Smartpay がこのチェックアウトを承認しました。{merchant} に戻ります。",
        "result.approved.stay": "Smartpay がこのチェックアウトを承認しました。",
        "result.outcome": "このお支払い方法での今後の請求：{outcome}（シミュレーター）",
        "result.rejected.order": "お支払いは拒否されました",
        "result.rejected.token": "お支払い方法は登録されませんでした",
        "result.rejected.body": "このチェックアウトは拒否されました。請求はありません。",
        "result.closed": "チェックアウトは終了しています",
        "result.closed.body": "このチェックアウトはもう完了できません（ステータス：{status}）。",
        "continue": "{merchant} に進む",
        "back": "{merchant} に戻る",
        "not_found.title": "チェックアウトが見つかりません",
        "not_found.body": "このチェックアウトのリンクは無効です。",
        "conflict.title": "チェックアウトを変更できません",
        "bad_action.title": "不明な操作です",
        "bad_action.body": "「承認する」か「拒否する」を選んでください。",
        "not_allowed.title": "許可されていないメソッドです",
        "promo.inactive": "この{label}は現在有効ではありません。",
        "promo.expired": "この{label}は有効期限が切れています。",
        "promo.redeemed": "この{label}は利用上限に達しました。",
        "promo.too_late": "プロモーションコードは注文の確定前にのみ適用できます。",
        "promo.unknown": "プロモーションコード {code} は存在しません。",
        "promo.minimum": "このコードは {minimum} 以上のご注文でご利用いただけます。",
        "promo.currency": "このコードはこの通貨ではご利用いただけません。",
        "label.promotion code": "プロモーションコード",
        "label.coupon": "クーポン",
    },
}


def text(language: str, key: str, **params: object) -> str:
    """The message ``key`` in ``language`` (English when that language lacks it), formatted."""
    table = MESSAGES.get(language, MESSAGES[DEFAULT_LANGUAGE])
    template = table.get(key, MESSAGES[DEFAULT_LANGUAGE][key])
    return template.format(**params) if params else template


def _accepted(header: str) -> list[str]:
    """The primary language tags of an ``Accept-Language`` header, best first (q=0 dropped)."""
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")[:32]):
        tag, _, parameters = part.strip().partition(";")
        quality = 1.0
        name, _, value = parameters.strip().partition("=")
        if name.strip() == "q":
            try:
                quality = float(value)
            except ValueError:
                quality = 0.0
        if tag and quality > 0:
            ranked.append((-quality, position, tag.strip().split("-")[0].lower()))
    return [tag for _, _, tag in sorted(ranked)]


def choose(requested: str | None, locale: str | None, accept_language: str | None) -> str:
    """The page's language: ``?lang=``, else the session's ``locale``, else ``Accept-Language``."""
    for candidate in (requested, locale):
        if candidate in LANGUAGES:
            return candidate
    for tag in _accepted(accept_language or ""):
        if tag in LANGUAGES:
            return tag
    return DEFAULT_LANGUAGE


def check_merchant_name(name: object) -> str:
    """``name`` without surrounding blanks; :class:`ValueError` when empty, too long or not printable."""
    if not isinstance(name, str) or not name.strip():
        raise ValueError("merchant_name must be a non-empty string")
    name = name.strip()
    if len(name) > MAX_MERCHANT_NAME_LENGTH or not name.isprintable():
        raise ValueError(f"merchant_name must be at most {MAX_MERCHANT_NAME_LENGTH} printable characters")
    return name
