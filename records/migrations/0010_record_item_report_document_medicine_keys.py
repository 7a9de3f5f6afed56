"""Reports and documents get the dedup key of an event with what they say (text and files), and a
medicine named without a code gets one by its name: the same one from two sources lists once."""

from typing import Any

from django.db import migrations

BATCH = 1000


def keys(apps: Any, schema_editor: Any) -> None:
    from records.dedup_keys import content_digest, event_key, thing_key

    RecordItem = apps.get_model("records", "RecordItem")
    RecordAttachment = apps.get_model("records", "RecordAttachment")
    fields = ("code", "effective_at", "value_number", "value_text", "unit")
    rows = (
        RecordItem.objects.filter(kind__in=["report", "document"])
        .only("pk", "kind", "display", "body", *fields)
        .iterator(chunk_size=BATCH)
    )

    def rekey(items: list[Any]) -> None:
        hashes: dict[int, list[str]] = {}
        files = RecordAttachment.objects.filter(item_id__in=[i.pk for i in items]).order_by("pk")
        for item_id, sha in files.values_list("item_id", "sha256"):
            hashes.setdefault(item_id, []).append(sha)
        for item in items:
            content = content_digest(item.body, hashes.get(item.pk, []))
            item.dedup_key = event_key(item.kind, item.display, {n: getattr(item, n) for n in fields}, content)
        RecordItem.objects.bulk_update(items, ["dedup_key"])

    batch: list[Any] = []
    for item in rows:
        batch.append(item)
        if len(batch) >= BATCH:
            rekey(batch)
            batch = []
    if batch:
        rekey(batch)
    batch = []
    for item in RecordItem.objects.filter(kind="medication", dedup_key="").only("pk", "display").iterator(BATCH):
        item.dedup_key = thing_key("medication", item.display)
        batch.append(item)
        if len(batch) >= BATCH:
            RecordItem.objects.bulk_update(batch, ["dedup_key"])
            batch = []
    RecordItem.objects.bulk_update(batch, ["dedup_key"])


class Migration(migrations.Migration):
    dependencies = [("records", "0009_record_item_event_keys_and_new_kinds")]

    operations = [migrations.RunPython(keys, migrations.RunPython.noop)]
