"""One permission per model: coupons and promotion codes stop sharing ``manage_promotions``.

Whoever held the old permission on a model (directly or through a group) is given the new
one of that model, and the old permission rows are deleted; reversing does the opposite.
"""

from django.conf import settings
from django.db import migrations

OLD = "manage_promotions"
#: model name -> (new codename, its name as 0005 writes it)
NEW = {
    "coupon": ("manage_coupon", "Can activate and deactivate coupons"),
    "promotioncode": ("manage_promotioncode", "Can activate and deactivate promotion codes"),
}


def _rename(apps, schema_editor, forward):
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    for model, (new, name) in NEW.items():
        content_type = ContentType.objects.using(db).filter(app_label="smartpay", model=model).first()
        if content_type is None:  # a fresh database: post_migrate creates the new permissions
            continue
        source, target = (OLD, new) if forward else (new, OLD)
        old = Permission.objects.using(db).filter(content_type=content_type, codename=source).first()
        if old is None:
            continue
        replacement, _ = Permission.objects.using(db).get_or_create(
            content_type=content_type, codename=target, defaults={"name": name}
        )
        replacement.group_set.add(*old.group_set.all())
        if hasattr(old, "user_set"):  # a user model with PermissionsMixin
            replacement.user_set.add(*old.user_set.all())
        old.delete()


def forwards(apps, schema_editor):
    _rename(apps, schema_editor, forward=True)


def backwards(apps, schema_editor):
    _rename(apps, schema_editor, forward=False)


class Migration(migrations.Migration):
    dependencies = [
        ("smartpay", "0004_drf"),
        ("auth", "0011_update_proxy_permissions"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="coupon",
            options={
                "permissions": [("manage_coupon", "Can activate and deactivate coupons")],
                "verbose_name": "coupon",
                "verbose_name_plural": "coupons",
            },
        ),
        migrations.AlterModelOptions(
            name="promotioncode",
            options={
                "permissions": [("manage_promotioncode", "Can activate and deactivate promotion codes")],
                "verbose_name": "promotion code",
                "verbose_name_plural": "promotion codes",
            },
        ),
        migrations.RunPython(forwards, backwards),
    ]
