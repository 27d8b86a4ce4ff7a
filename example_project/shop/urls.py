from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

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
    path("account/schedules/<int:pk>/cancel/", views.cancel_schedule, name="cancel-schedule"),
    path(
        "account/schedules/<int:pk>/payment-method/",
        views.update_payment_method,
        name="update-payment-method",
    ),
    path("account/payment-method/success/", views.payment_method_success, name="payment-method-success"),
    path("account/schedules/<int:pk>/renew-now/", views.renew_now, name="renew-now"),
    path("account/tokens/<str:smartpay_id>/remove/", views.remove_token, name="remove-token"),
]
