"""Reads of scheduling data: a patient's visits (audited), and the waitlist's acceptance rate."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from portal import audit
from portal.access import Access
from portal.models import AuditEvent, User
from scheduling.ics import appointment_ics
from scheduling.models import Appointment, WaitlistOffer
from scheduling.services.common import require_scheduling


def patient_appointments(*, access: Access, actor: User, since: datetime) -> QuerySet[Appointment]:
    """The patient's visits from `since` on (held ones left out), with everything a list shows
    loaded in the same query. The read is audited once."""
    require_scheduling(access)
    audit.record_access(access, actor=actor, action=AuditEvent.Action.VIEW, object_type="scheduling.AppointmentList")
    return (
        Appointment.objects.filter(patient=access.patient, during__endswith__gte=since)
        .exclude(status__in=[Appointment.Status.HELD, Appointment.Status.EXPIRED])
        .select_related("visit_type__organization", "provider__user", "location")
        .order_by("during")
    )


def appointment_calendar_file(*, access: Access, actor: User, appointment_id: int, now: datetime) -> tuple[str, str]:
    """(file name, .ics text) of one of the patient's visits; audited as a download."""
    require_scheduling(access)
    appointment = (
        Appointment.objects.select_related("visit_type__organization", "location")
        .filter(pk=appointment_id, patient=access.patient)
        .exclude(status__in=[Appointment.Status.HELD, Appointment.Status.EXPIRED])
        .first()
    )
    if appointment is None:
        raise Http404
    audit.record_access(access, actor=actor, action=AuditEvent.Action.DOWNLOAD, obj=appointment)
    return f"appointment-{appointment.pk}.ics", appointment_ics(appointment, now=now)


def offer_acceptance(*, organization_id: int, since: datetime) -> dict[str, float | int]:
    """Of the waitlist offers sent since `since`: how many, how many accepted, and the rate."""
    counts = WaitlistOffer.objects.filter(
        entry__visit_type__organization_id=organization_id, sent_at__gte=since
    ).aggregate(sent=Count("pk"), accepted=Count("pk", filter=Q(status=WaitlistOffer.Status.ACCEPTED)))
    sent, accepted = counts["sent"], counts["accepted"]
    return {"sent": sent, "accepted": accepted, "rate": accepted / sent if sent else 0.0}
