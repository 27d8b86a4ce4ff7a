from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from shop.views import api_docs_missing

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),  # the language switch posts to i18n/setlang/
    path("smartpay/", include("django_smartpay.urls")),
]
if not settings.OFFLINE_API_DOCS:
    # Without drf-spectacular-sidecar the docs page says how to get it (never a CDN copy).
    urlpatterns.append(path("api/smartpay/docs/", api_docs_missing, name="api-docs-missing"))
urlpatterns += [
    path("api/smartpay/", include("django_smartpay.contrib.rest_framework.urls")),
    path("api-auth/", include("rest_framework.urls")),  # log in / out links of the browsable API
    path("", include("shop.urls")),
]
