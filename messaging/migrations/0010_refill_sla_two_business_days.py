"""Refill requests are promised an answer within two business days (the clinic's commitment for
refills), not the one business day of clinical messages they fell back to: every organization
with a normal-urgency default policy gets a "refill" policy of 960 business minutes (two 8-hour
days), unless it already has one. Administrators change it in the admin like any policy."""

from django.db import migrations

REFILL_MINUTES = 2 * 480


def add_refill_policies(apps, schema_editor):  # type: ignore[no-untyped-def]
    SlaPolicy = apps.get_model("messaging", "SlaPolicy")
    configured = SlaPolicy.objects.filter(category__isnull=True, urgency="normal").values_list(
        "organization_id", flat=True
    )
    has_refill = set(
        SlaPolicy.objects.filter(category="refill", urgency="normal").values_list("organization_id", flat=True)
    )
    SlaPolicy.objects.bulk_create(
        SlaPolicy(
            organization_id=organization_id, category="refill", urgency="normal", first_response_minutes=REFILL_MINUTES
        )
        for organization_id in set(configured) - has_refill
    )


class Migration(migrations.Migration):
    dependencies = [("messaging", "0009_system_messages")]

    operations = [migrations.RunPython(add_refill_policies, migrations.RunPython.noop)]
