from datetime import date

from django.db import migrations, models
from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone


def _years_ago(today: date, years: int) -> date:
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


def flag_teens_own_threads(apps, schema_editor) -> None:  # type: ignore[no-untyped-def]
    """Threads written before the flag existed: a patient now 12-17 who started the thread herself
    (her own first message, which includes safety threads from her words) or a PHQ-9 alert."""
    Thread = apps.get_model("messaging", "Thread")
    Message = apps.get_model("messaging", "Message")
    today = timezone.localdate()
    first_author = Message.objects.filter(thread=OuterRef("pk")).order_by("created_at", "pk").values("acting_as")[:1]
    teens = Thread.objects.filter(
        patient__birth_date__lte=_years_ago(today, 12), patient__birth_date__gt=_years_ago(today, 18)
    ).annotate(first_author=Subquery(first_author))
    own = teens.filter(Q(first_author="self") | Q(idempotency_key__startswith="questionnaire-alert-"))
    Thread.objects.filter(pk__in=own.values("pk")).update(confidential=True)


class Migration(migrations.Migration):
    dependencies = [
        ("messaging", "0005_safety_routing"),
    ]

    operations = [
        migrations.AddField(
            model_name="thread",
            name="confidential",
            field=models.BooleanField(default=False, db_default=False),
        ),
        migrations.RunPython(flag_teens_own_threads, migrations.RunPython.noop),
    ]
