"""Two business days of a refill promise are two of the clinic's own business days: 0010 gave
each clinic 960 minutes (two 8-hour days), but a clinic open 08:00-17:00 has 9-hour days, so a
request at 08:00 Monday fell due at 16:00 Tuesday, short of the end of Tuesday. Each refill
policy still at 0010's 960 minutes becomes twice the clinic's business day (its longest
weekday's opening hours: 1080 minutes for 08:00-17:00, due at 17:00 Tuesday for a request at
08:00 Monday). A policy an administrator changed is left alone; so is a clinic without opening
hours. Running it again changes nothing."""

from django.db import migrations

from messaging.calendar import business_day_minutes

OLD_MINUTES = 960
DAYS = 2


def to_clinic_days(apps, schema_editor):  # type: ignore[no-untyped-def]
    SlaPolicy = apps.get_model("messaging", "SlaPolicy")
    BusinessHours = apps.get_model("messaging", "BusinessHours")
    for policy in SlaPolicy.objects.filter(category="refill", first_response_minutes=OLD_MINUTES):
        hours = BusinessHours.objects.filter(calendar__organization_id=policy.organization_id).values_list(
            "weekday", "opens", "closes"
        )
        day = business_day_minutes(hours)
        if day > 0:
            policy.first_response_minutes = DAYS * day
            policy.save(update_fields=["first_response_minutes"])


class Migration(migrations.Migration):
    dependencies = [("messaging", "0010_refill_sla_two_business_days")]

    operations = [migrations.RunPython(to_clinic_days, migrations.RunPython.noop)]
