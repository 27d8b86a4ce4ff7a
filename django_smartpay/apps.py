from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SmartpayConfig(AppConfig):
    name = "django_smartpay"
    label = "smartpay"
    verbose_name = _("Smartpay")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        """Register the system checks and the internal receivers; nothing else happens at start-up."""
        from django.core.signals import setting_changed

        from . import celery_checks, charging, checks, conf

        checks.register_checks()
        celery_checks.register_checks()
        charging.connect_receivers()
        setting_changed.connect(
            conf.on_setting_changed, dispatch_uid="django_smartpay.conf.on_setting_changed"
        )
