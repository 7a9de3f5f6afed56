"""What the scheduling services share: the access check, settings with defaults, system audit events."""

from __future__ import annotations

from collections.abc import Iterable
from zoneinfo import ZoneInfo

from django.http import Http404

from portal import audit, dates
from portal.access import Access, Action
from portal.models import AuditEvent, Patient
from scheduling.models import Appointment, SchedulingSettings, VisitType

ActingAs = AuditEvent.ActingAs


def require_scheduling(access: Access) -> None:
    access.require(Action.SCHEDULING)


def require_staff(access: Access) -> None:
    access.require(Action.SCHEDULING, staff_side=True)


def locked_patient(access: Access) -> Patient:
    """The patient row, locked: one patient's bookings are decided one at a time, so two at once
    cannot both pass the limit of upcoming visits."""
    return Patient.objects.select_for_update().select_related("home_organization").get(pk=access.patient.pk)


def locked_appointment(access: Access, appointment_id: int) -> Appointment:
    require_scheduling(access)
    appointment = (
        Appointment.objects.select_for_update(of=("self",))
        .select_related("visit_type__organization", "location", "provider__user")
        .filter(pk=appointment_id, patient=access.patient)
        .first()
    )
    if appointment is None:
        raise Http404
    return appointment


def when(appointment: Appointment) -> str:
    """The visit's start at the clinic, in words ("Mon 2 Mar 2026, 9:00 a.m.")."""
    return dates.format_datetime(appointment.starts_at, zone=ZoneInfo(appointment.visit_type.organization.time_zone))


def load_visit_type(visit_type_id: int) -> VisitType:
    visit_type = VisitType.objects.select_related("organization").filter(pk=visit_type_id, is_active=True).first()
    if visit_type is None:
        raise Http404
    return visit_type


def settings_for(organization_id: int) -> SchedulingSettings:
    """The organization's settings, or the defaults (unsaved) when it has none."""
    found = SchedulingSettings.objects.filter(organization_id=organization_id).first()
    return found or SchedulingSettings(organization_id=organization_id)


def system_audit(objects: Iterable[Appointment], action: str = AuditEvent.Action.UPDATE) -> None:
    """Audit changes the portal made by itself (expiring holds), one event per appointment."""
    audit.record_list(
        (audit.Line(obj.patient_id, obj=obj) for obj in objects),
        actor=None,
        acting_as=ActingAs.SYSTEM,
        action=action,
        scope=Action.SCHEDULING,
    )
