"""Schedules keep their time zone and first period; a charge names its period by local date.

Existing schedules get the project's ``TIME_ZONE`` at migration time (their periods
were computed in it) and their next run as first period; existing charges get the
date of their period in that zone.
"""

from zoneinfo import ZoneInfo

from django.db import migrations, models

import django_smartpay.models.charges


def fill(apps, schema_editor):
    db = schema_editor.connection.alias
    ChargeSchedule = apps.get_model("smartpay", "ChargeSchedule")
    TokenCharge = apps.get_model("smartpay", "TokenCharge")
    ChargeSchedule.objects.using(db).update(anchor_at=models.F("next_run_at"))
    zones = dict(ChargeSchedule.objects.using(db).values_list("pk", "time_zone"))
    seen = set()
    charges = TokenCharge.objects.using(db).filter(schedule__isnull=False, period__isnull=False)
    for charge in charges.order_by("pk").only("pk", "schedule_id", "period").iterator():
        day = charge.period.astimezone(ZoneInfo(zones[charge.schedule_id])).date()
        if (charge.schedule_id, day) in seen:
            continue  # a period charged twice before this migration: the first one keeps the date
        seen.add((charge.schedule_id, day))
        TokenCharge.objects.using(db).filter(pk=charge.pk).update(period_date=day)


class Migration(migrations.Migration):
    dependencies = [
        ("smartpay", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="chargeschedule",
            name="time_zone",
            field=models.CharField(
                default=django_smartpay.models.charges.default_time_zone,
                editable=False,
                help_text="The zone whose calendar the periods follow; kept whatever TIME_ZONE says later.",
                max_length=64,
                verbose_name="time zone",
            ),
        ),
        migrations.AddField(
            model_name="chargeschedule",
            name="anchor_at",
            field=models.DateTimeField(null=True, editable=False),
        ),
        migrations.AddField(
            model_name="tokencharge",
            name="period_date",
            field=models.DateField(
                blank=True,
                help_text="The period's date in the schedule's time zone: at most one charge per date.",
                null=True,
                verbose_name="period date",
            ),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="chargeschedule",
            name="anchor_at",
            field=models.DateTimeField(
                null=True,
                blank=True,
                editable=False,
                help_text="The first period: its local time of day is the time of every period.",
                verbose_name="first period",
            ),
        ),
        migrations.RemoveConstraint(
            model_name="tokencharge",
            name="smartpay_charge_one_per_period",
        ),
        migrations.AddConstraint(
            model_name="tokencharge",
            constraint=models.UniqueConstraint(
                fields=("schedule", "period_date"), name="smartpay_charge_one_per_period_date"
            ),
        ),
    ]
