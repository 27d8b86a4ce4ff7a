from django.contrib.auth import views as auth_views
from django.urls import path, register_converter

from . import views


class ScheduleId:
    """A schedule's primary key: at most 18 digits, so that it always fits a 64-bit column."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


class TokenId:
    """A Smartpay token id: its characters only."""

    regex = "paytok_(?:test|live)_[0-9A-Za-z]{1,48}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(ScheduleId, "schedule")
register_converter(TokenId, "token")

app_name = "shop"
urlpatterns = [
    path("", views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(template_name="shop/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("signup/", views.signup, name="signup"),
    path("subscribe/", views.subscribe, name="subscribe"),
    path("subscribe/success/", views.subscribe_success, name="subscribe-success"),
    path("subscribe/cancel/", views.subscribe_cancel, name="subscribe-cancel"),
    path("buy/<slug:slug>/", views.buy, name="buy"),
    path("purchase/success/", views.purchase_success, name="purchase-success"),
    path("purchase/cancel/", views.purchase_cancel, name="purchase-cancel"),
    path("account/", views.account, name="account"),
    path("account/schedules/<schedule:pk>/cancel/", views.cancel_schedule, name="cancel-schedule"),
    path(
        "account/schedules/<schedule:pk>/payment-method/",
        views.update_payment_method,
        name="update-payment-method",
    ),
    path("account/payment-method/success/", views.payment_method_success, name="payment-method-success"),
    path("account/schedules/<schedule:pk>/renew-now/", views.renew_now, name="renew-now"),
    path("account/tokens/<token:smartpay_id>/remove/", views.remove_token, name="remove-token"),
]
