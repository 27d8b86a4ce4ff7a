from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SmartyPayConfig(AppConfig):
    name = "django_smartpay.contrib.smartypay"
    label = "smartypay"
    verbose_name = _("SmartyPay")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        """Register the ``smartypay`` checks and the settings receiver; nothing else at start-up."""
        from django.core.signals import setting_changed

        from . import checks, conf

        checks.register_checks()
        setting_changed.connect(
            conf.on_setting_changed, dispatch_uid="django_smartpay.contrib.smartypay.conf"
        )
