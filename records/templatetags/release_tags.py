"""Template filters for result release: the clinician's comment shown to the patient with a result."""

from __future__ import annotations

from django import template
from django.core.exceptions import ObjectDoesNotExist

from records.models import RecordItem

register = template.Library()


@register.filter
def release_comment(item: RecordItem | None) -> str:
    """The comment a clinician left when releasing `item`, or "" (most items were never held).
    Load the hold with the item (select_related("hold")) so this asks the database nothing."""
    if item is None:
        return ""
    try:
        hold = item.hold
    except ObjectDoesNotExist:
        return ""
    return hold.comment if hold.released_at is not None else ""
