"""`Patient/$everything` serves the patient's record once: the same item sent by several sources
(the same problem, medicine, result, visit: records/dedup_keys.py) is served from one of them.

Only copies from different sources are merged, pairing each source's first copy with the other
sources' first, its second with their second: a source's own two resources (two prescriptions of
one medicine, two readings) are never one. The copy served is the first the portal stored; its
`meta.tag` names every source that sent the item and, under urn:portal:merged, each copy it
stands for (`<Type>/<id>`, still readable on its own).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db import connection
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL

from records.models import RecordItem, SourceRecord

MERGED = "urn:portal:merged"
SOURCE_TAG = "urn:portal:source-organization"

_KEYED = """
WITH shown AS ({inner}),
keyed AS (
    SELECT id, CASE WHEN dedup_key = '' THEN 'line:' || id::text
        ELSE dedup_key || '#' || row_number() OVER (PARTITION BY dedup_key, source_id ORDER BY id)::text
        END AS copy_group
    FROM shown
)
"""


class MergedCopies:
    """The items of `items` grouped into one per thing across sources (two queries at most)."""

    def __init__(self, items: QuerySet[RecordItem]) -> None:
        inner = items.values("id", "dedup_key", "source_id").order_by()
        self.sql, self.params = inner.query.sql_with_params()

    def served(self) -> RawSQL:
        """The id of the item served for each thing (its first copy), as a subquery."""
        sql = _KEYED.format(inner=self.sql) + "SELECT min(id) FROM keyed GROUP BY copy_group"  # noqa: S608
        return RawSQL(sql, self.params)  # noqa: S611 - fixed SQL; values are parameters

    def copies_of(self, served_ids: list[int]) -> dict[int, list[SourceRecord]]:
        """For each served item, the other copies it stands for (their records, with their source)."""
        if not served_ids:
            return {}
        sql = _KEYED.format(inner=self.sql) + (  # noqa: S608 - fixed SQL; values are parameters
            "SELECT min(id) OVER (PARTITION BY copy_group), id FROM keyed WHERE copy_group IN "
            "(SELECT copy_group FROM keyed WHERE id = ANY(%s) AND copy_group NOT LIKE 'line:%%')"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [*self.params, served_ids])
            pairs = [(first, other) for first, other in cursor.fetchall() if first != other]
        if not pairs:
            return {}
        records = {
            record.item.pk: record
            for record in SourceRecord.objects.filter(item__id__in=[other for _first, other in pairs]).select_related(
                "source", "item"
            )
        }
        found: dict[int, list[SourceRecord]] = defaultdict(list)
        for first, other in pairs:
            found[first].append(records[other])
        return found


def tag_copies(resource: dict[str, Any], copies: list[SourceRecord]) -> None:
    """Name in `meta.tag` the other sources that sent this item, and each copy served as this one."""
    tags: list[dict[str, str]] = resource["meta"].setdefault("tag", [])
    for copy in sorted(copies, key=lambda record: record.pk):
        source = {"system": SOURCE_TAG, "code": copy.source.slug, "display": copy.source.name}
        if source not in tags:
            tags.append(source)
        tags.append(
            {
                "system": MERGED,
                "code": f"{copy.resource_type}/{copy.pk}",
                "display": f"The same item as sent by {copy.source.name}, served once",
            }
        )
