"""Lines imported before results, visits and procedures had dedup keys get theirs, and the care
plans, goals, imaging studies and devices kept raw get (or refresh) their record line."""

from typing import Any

from django.db import migrations

BATCH = 1000
SHOWN_NOW = ("CarePlan", "Goal", "ImagingStudy", "Device")


def keys_for_events(apps: Any, schema_editor: Any) -> None:
    from records.dedup_keys import EVENT_PREFIX, event_key

    RecordItem = apps.get_model("records", "RecordItem")
    batch = []
    fields = ("code", "effective_at", "value_number", "value_text", "unit")
    rows = (
        RecordItem.objects.filter(kind__in=list(EVENT_PREFIX), effective_at__isnull=False, dedup_key="")
        .only("pk", "kind", "display", *fields)
        .iterator(chunk_size=BATCH)
    )
    for item in rows:
        item.dedup_key = event_key(item.kind, item.display, {name: getattr(item, name) for name in fields})
        batch.append(item)
        if len(batch) >= BATCH:
            RecordItem.objects.bulk_update(batch, ["dedup_key"])
            batch = []
    RecordItem.objects.bulk_update(batch, ["dedup_key"])


def lines_for_new_kinds(apps: Any, schema_editor: Any) -> None:
    from records.fhir.projection import ProjectionError, project

    SourceRecord = apps.get_model("records", "SourceRecord")
    RecordItem = apps.get_model("records", "RecordItem")
    new, changed = [], []
    updated_fields: set[str] = {"kind", "display"}
    records = SourceRecord.objects.filter(resource_type__in=SHOWN_NOW).select_related("item").iterator(chunk_size=BATCH)
    for record in records:
        try:
            projection = project(record.raw)
        except (ProjectionError, ValueError, TypeError, AttributeError):
            continue  # the import reports such a resource when it is sent again
        if projection is None:
            continue
        item = getattr(record, "item", None)
        if item is None:
            if record.patient_id is None:
                continue
            new.append(
                RecordItem(
                    record=record,
                    patient_id=record.patient_id,
                    source_id=record.source_id,
                    kind=projection.kind,
                    display=projection.display,
                    **projection.fields,
                )
            )
        else:
            item.kind, item.display = projection.kind, projection.display
            for name, value in projection.fields.items():
                setattr(item, name, value)
            updated_fields |= set(projection.fields)
            changed.append(item)
    RecordItem.objects.bulk_create(new, batch_size=BATCH)
    RecordItem.objects.bulk_update(changed, sorted(updated_fields), batch_size=BATCH)


class Migration(migrations.Migration):
    dependencies = [("records", "0008_record_item_goal_imaging_device")]

    operations = [
        migrations.RunPython(keys_for_events, migrations.RunPython.noop),
        migrations.RunPython(lines_for_new_kinds, migrations.RunPython.noop),
    ]
