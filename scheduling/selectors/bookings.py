"""What billing reads from scheduling: visits booked lately, for the Good Faith Estimates promised
to uninsured and self-pay patients (billing never queries scheduling's tables itself). Not audited
here: a worker reads them, and the estimate issued is audited where someone reads it."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from uuid import UUID

from django.db.models import QuerySet

from scheduling.models import Appointment


def booked_visits(
    *,
    since: datetime,
    now: datetime,
    visit_type_ids: Iterable[int] | QuerySet,
    excluding: Iterable[int] | QuerySet,
    patient_id: UUID | str | None = None,
) -> QuerySet[Appointment]:
    """Visits booked since `since` that are still ahead, of one of `visit_type_ids`, except the
    visits in `excluding` (both may be subqueries: one query in all), with the patient, clinic,
    clinician and place an estimate names."""
    visits = Appointment.objects.filter(
        status=Appointment.Status.BOOKED,
        booked_at__gte=since,
        during__startswith__gt=now,
        visit_type_id__in=visit_type_ids,
    ).exclude(pk__in=excluding)
    if patient_id is not None:
        visits = visits.filter(patient_id=patient_id)
    return visits.select_related("patient", "organization", "provider__user", "location")
