"""Every enum value and numeric limit of the Smartpay API, spelled as the API spells it.

The official SDKs ship ``CAPTURE_METHOD_AUTOMATIC = "autommatic"`` (sic) and name the
refund reasons ``REJECT_*``; we do neither (spec §4, §9 item 8).  Each enum also has a
tuple of its valid values, used by local validation.  Each is written once, here:
``__all__`` and :class:`ConstantsMixin` (class attributes of the client, as in the
official reference's ``Smartpay.CAPTURE_METHOD_MANUAL``) are derived from this module.
"""

from __future__ import annotations

import typing
from typing import Any, Final

from .defaults import DEFAULT_API_BASE as DEFAULT_API_BASE

# Shipping address type
ADDRESS_TYPE_HOME: Final = "home"
ADDRESS_TYPE_GIFT: Final = "gift"
ADDRESS_TYPE_LOCKER: Final = "locker"
ADDRESS_TYPE_OFFICE: Final = "office"
ADDRESS_TYPE_STORE: Final = "store"
ADDRESS_TYPES: Final = (
    ADDRESS_TYPE_HOME,
    ADDRESS_TYPE_GIFT,
    ADDRESS_TYPE_LOCKER,
    ADDRESS_TYPE_OFFICE,
    ADDRESS_TYPE_STORE,
)

# Capture method of a checkout session or token order
CAPTURE_METHOD_AUTOMATIC: Final = "automatic"
CAPTURE_METHOD_MANUAL: Final = "manual"
CAPTURE_METHODS: Final = (CAPTURE_METHOD_AUTOMATIC, CAPTURE_METHOD_MANUAL)

# Order status (union of the docs, GO and PY/NODE/PHP; spec §4)
ORDER_STATUS_REQUIRES_AUTHORIZATION: Final = "requires_authorization"
ORDER_STATUS_REQUIRES_CAPTURE: Final = "requires_capture"
ORDER_STATUS_SUCCEEDED: Final = "succeeded"
ORDER_STATUS_CANCELED: Final = "canceled"
ORDER_STATUS_REJECTED: Final = "rejected"
ORDER_STATUS_FAILED: Final = "failed"
ORDER_STATUS_PENDING: Final = "pending"
ORDER_STATUSES: Final = (
    ORDER_STATUS_REQUIRES_AUTHORIZATION,
    ORDER_STATUS_REQUIRES_CAPTURE,
    ORDER_STATUS_SUCCEEDED,
    ORDER_STATUS_CANCELED,
    ORDER_STATUS_REJECTED,
    ORDER_STATUS_FAILED,
    ORDER_STATUS_PENDING,
)

# Token status
TOKEN_STATUS_REQUIRES_AUTHORIZATION: Final = "requires_authorization"
TOKEN_STATUS_ACTIVE: Final = "active"
TOKEN_STATUS_REJECTED: Final = "rejected"
TOKEN_STATUS_DISABLED: Final = "disabled"
TOKEN_STATUS_DELETED: Final = "deleted"
TOKEN_STATUSES: Final = (
    TOKEN_STATUS_REQUIRES_AUTHORIZATION,
    TOKEN_STATUS_ACTIVE,
    TOKEN_STATUS_REJECTED,
    TOKEN_STATUS_DISABLED,
    TOKEN_STATUS_DELETED,
)

# What happens to the uncaptured remainder of an order after a payment (capture)
CANCEL_REMAINDER_AUTOMATIC: Final = "automatic"
CANCEL_REMAINDER_MANUAL: Final = "manual"
CANCEL_REMAINDERS: Final = (CANCEL_REMAINDER_AUTOMATIC, CANCEL_REMAINDER_MANUAL)

# Refund reason
REFUND_REQUEST_BY_CUSTOMER: Final = "requested_by_customer"
REFUND_FRAUDULENT: Final = "fraudulent"
REFUND_REASONS: Final = (REFUND_REQUEST_BY_CUSTOMER, REFUND_FRAUDULENT)

# Coupon discount type
COUPON_DISCOUNT_TYPE_AMOUNT: Final = "amount"
COUPON_DISCOUNT_TYPE_PERCENTAGE: Final = "percentage"
COUPON_DISCOUNT_TYPES: Final = (COUPON_DISCOUNT_TYPE_AMOUNT, COUPON_DISCOUNT_TYPE_PERCENTAGE)

# Payment status
PAYMENT_STATUS_PROCESSED: Final = "processed"
PAYMENT_STATUS_REFUNDED: Final = "refunded"
PAYMENT_STATUSES: Final = (PAYMENT_STATUS_PROCESSED, PAYMENT_STATUS_REFUNDED)

# Refund status
REFUND_STATUS_SUCCEEDED: Final = "succeeded"
REFUND_STATUS_FAILED: Final = "failed"
REFUND_STATUSES: Final = (REFUND_STATUS_SUCCEEDED, REFUND_STATUS_FAILED)

# Line item kind: discounts carry a positive amount and are subtracted
LINE_ITEM_KIND_PRODUCT: Final = "product"
LINE_ITEM_KIND_DISCOUNT: Final = "discount"
LINE_ITEM_KIND_TAX: Final = "tax"
LINE_ITEM_KINDS: Final = (LINE_ITEM_KIND_PRODUCT, LINE_ITEM_KIND_DISCOUNT, LINE_ITEM_KIND_TAX)

# Checkout page locale
LOCALE_EN: Final = "en"
LOCALE_JA: Final = "ja"
LOCALES: Final = (LOCALE_EN, LOCALE_JA)

# Currency (sent upper case; the client accepts lower case input)
CURRENCY_JPY: Final = "JPY"
CURRENCIES: Final = (CURRENCY_JPY,)

# Address country (informative: the client does not restrict countries)
COUNTRY_JP: Final = "JP"

# customerInfo.legalGender
LEGAL_GENDER_MALE: Final = "male"
LEGAL_GENDER_FEMALE: Final = "female"
LEGAL_GENDERS: Final = (LEGAL_GENDER_MALE, LEGAL_GENDER_FEMALE)

# Checkout session mode (absent for a standard order)
CHECKOUT_MODE_TOKEN: Final = "token"
CHECKOUT_MODES: Final = (CHECKOUT_MODE_TOKEN,)

# ``expand`` query parameter
EXPAND_ALL: Final = "all"
EXPAND_NO: Final = "no"
EXPAND_VALUES: Final = (EXPAND_ALL, EXPAND_NO)

# Webhook event names (spec §7.4).  Note the underscores of promotion_code.* and
# merchant_user.*, unlike the kebab-case URL paths.
EVENT_ORDER_AUTHORIZED: Final = "order.authorized"
EVENT_ORDER_REJECTED: Final = "order.rejected"
EVENT_ORDER_CANCELED: Final = "order.canceled"
EVENT_PAYMENT_CREATED: Final = "payment.created"
EVENT_REFUND_CREATED: Final = "refund.created"
EVENT_TOKEN_CREATED: Final = "token.created"
EVENT_TOKEN_APPROVED: Final = "token.approved"
EVENT_TOKEN_REJECTED: Final = "token.rejected"
EVENT_TOKEN_DISABLED: Final = "token.disabled"
EVENT_TOKEN_ENABLED: Final = "token.enabled"
EVENT_TOKEN_DELETED: Final = "token.deleted"
EVENT_TOKEN_USED: Final = "token.used"
EVENT_COUPON_CREATED: Final = "coupon.created"
EVENT_COUPON_UPDATED: Final = "coupon.updated"
EVENT_PROMOTION_CODE_CREATED: Final = "promotion_code.created"
EVENT_PROMOTION_CODE_UPDATED: Final = "promotion_code.updated"
EVENT_PAYOUT_GENERATED: Final = "payout.generated"
EVENT_PAYOUT_PAID: Final = "payout.paid"
EVENT_MERCHANT_USER_CREATED: Final = "merchant_user.created"
EVENT_MERCHANT_USER_PASSWORD_RESET: Final = "merchant_user.password_reset"
EVENTS: Final = (
    EVENT_ORDER_AUTHORIZED,
    EVENT_ORDER_REJECTED,
    EVENT_ORDER_CANCELED,
    EVENT_PAYMENT_CREATED,
    EVENT_REFUND_CREATED,
    EVENT_TOKEN_CREATED,
    EVENT_TOKEN_APPROVED,
    EVENT_TOKEN_REJECTED,
    EVENT_TOKEN_DISABLED,
    EVENT_TOKEN_ENABLED,
    EVENT_TOKEN_DELETED,
    EVENT_TOKEN_USED,
    EVENT_COUPON_CREATED,
    EVENT_COUPON_UPDATED,
    EVENT_PROMOTION_CODE_CREATED,
    EVENT_PROMOTION_CODE_UPDATED,
    EVENT_PAYOUT_GENERATED,
    EVENT_PAYOUT_PAID,
    EVENT_MERCHANT_USER_CREATED,
    EVENT_MERCHANT_USER_PASSWORD_RESET,
)

# Webhook request headers (spec §7.1)
HEADER_SIGNATURE: Final = "Smartpay-Signature"
HEADER_SIGNATURE_TIMESTAMP: Final = "Smartpay-Signature-Timestamp"
HEADER_EVENT_ID: Final = "Smartpay-Event-Id"
HEADER_SUBSCRIPTION_ID: Final = "Smartpay-Subscription-Id"

# Numeric limits (spec §2): the official Python SDK's schema types amounts as uint32 and
# quantities as uint16; counters stay within a PositiveIntegerField on every database.
MAX_AMOUNT: Final = 2**32 - 1
MAX_QUANTITY: Final = 2**16 - 1
MAX_POSITIVE_INTEGER: Final = 2**31 - 1
#: Largest N of "every N days/weeks/months" of a charge schedule (a year of days).
MAX_INTERVAL_COUNT: Final = 366


#: Every constant of this module (upper-case names), in the order they are written.
__all__ = [name for name in list(globals()) if name.isupper()]


class ConstantsMixin:
    """The constants above as class attributes (``SmartpayClient.CAPTURE_METHOD_MANUAL``)."""

    if typing.TYPE_CHECKING:

        def __getattr__(self, name: str) -> Any: ...


for _name in __all__:
    setattr(ConstantsMixin, _name, globals()[_name])
del _name
__all__ += ["ConstantsMixin"]
