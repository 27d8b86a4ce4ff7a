from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("smartpay/", include("django_smartpay.urls")),
    path("api/smartpay/", include("django_smartpay.contrib.rest_framework.urls")),
    path("", include("shop.urls")),
]
