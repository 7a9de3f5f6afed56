"""Reads the scheduling API needs beyond scheduling.selectors.patient: the visit types a patient
sees with their eligibility, open times, one visit with its open requests, the waitlist. Every read
goes through an Access for scheduling (portal.access) and is audited once."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from portal import audit
from portal.access import Access
from portal.models import AuditEvent, StaffMember, User
from portal.services.errors import ServiceError
from scheduling.models import Appointment, AppointmentRequest, VisitType, WaitlistEntry
from scheduling.selectors.patient import patient_appointments
from scheduling.services.common import require_scheduling
from scheduling.services.eligibility import Eligibility, check_eligibility
from scheduling.services.slots import Slot, SlotSearch, find_slots, local_date

View = AuditEvent.Action.VIEW
# The longest stretch of days one slot request may ask for (a phone shows a week or two at a time).
MAX_DAYS = 31
# Everything before this is "past" (the first visits any portal could hold are later).
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


def _visit_types(access: Access) -> QuerySet[VisitType]:
    """The visit types of the patient's home organization that are offered online."""
    return VisitType.objects.filter(organization_id=access.patient.home_organization_id, is_active=True).select_related(
        "organization"
    )


def visit_types_for(*, access: Access, actor: User, now: datetime) -> list[Eligibility]:
    """Each visit type with whether this patient may book or request it, and if not, why."""
    require_scheduling(access)
    rows = [
        check_eligibility(patient=access.patient, visit_type=visit_type, now=now)
        for visit_type in _visit_types(access).order_by("name")
    ]
    audit.record_access(access, actor=actor, action=View, object_type="scheduling.VisitTypeList")
    return rows


def open_slots(
    *, access: Access, actor: User, visit_type_id: int, first_day: date | None, days: int, now: datetime
) -> tuple[SlotSearch, date, date]:
    """Open times of a visit type the patient may book, from `first_day` (today when None) for
    `days` days, within the visit type's horizon; (search, first day, last day)."""
    require_scheduling(access)
    visit_type = _visit_types(access).filter(pk=visit_type_id).first()
    if visit_type is None:
        raise Http404
    eligibility = check_eligibility(patient=access.patient, visit_type=visit_type, now=now)
    if not eligibility.may_book:
        raise ServiceError(eligibility.reasons[0] if eligibility.reasons else _("This visit is not booked online."))
    today = local_date(visit_type, now)
    horizon = today + timedelta(days=visit_type.max_horizon_days)
    first_day = first_day or today
    if first_day < today:
        raise ServiceError(_("Choose a first day from today on."), field="from")
    if first_day > horizon:
        raise ServiceError(
            _("Times can be booked up to %(days)s days ahead.") % {"days": visit_type.max_horizon_days}, field="from"
        )
    last_day = first_day + timedelta(days=days - 1)
    if last_day > horizon:
        raise ServiceError(
            _("Times can be booked up to %(days)s days ahead: ask for fewer days.")
            % {"days": visit_type.max_horizon_days},
            field="days",
        )
    search = find_slots(
        visit_type=visit_type,
        now=now,
        patient=access.patient,
        provider_ids=eligibility.provider_ids,
        first_day=first_day,
        last_day=last_day,
    )
    audit.record_access(access, actor=actor, action=View, obj=visit_type)
    return search, first_day, last_day


def _with_open_requests(visits: QuerySet[Appointment]) -> QuerySet[Appointment]:
    """Each visit's requests the clinic has not handled (a late cancel or move), in one more query."""
    open_requests = AppointmentRequest.objects.filter(status=AppointmentRequest.Status.OPEN)
    return visits.prefetch_related(Prefetch("requests", queryset=open_requests, to_attr="open_requests"))


def appointments_for(*, access: Access, actor: User, past: bool, now: datetime) -> QuerySet[Appointment]:
    """Upcoming visits (soonest first) or past ones (latest first); audited as one list read."""
    if not past:
        return _with_open_requests(patient_appointments(access=access, actor=actor, since=now))
    visits = patient_appointments(access=access, actor=actor, since=EPOCH).filter(during__endswith__lt=now)
    return _with_open_requests(visits.order_by("-during"))


def appointment_detail(*, access: Access, appointment_id: int, actor: User | None = None) -> Appointment:
    """One of the patient's visits (not a lapsed hold) with its open requests. Audited as a view
    when `actor` is given; without one it is the answer to a write that was audited itself."""
    require_scheduling(access)
    appointment = (
        _with_open_requests(Appointment.objects.filter(pk=appointment_id, patient=access.patient))
        .exclude(status=Appointment.Status.EXPIRED)
        .select_related("visit_type__organization", "provider__user", "location")
        .first()
    )
    if appointment is None:
        raise Http404
    if actor is not None:
        audit.record_access(access, actor=actor, action=View, obj=appointment)
    return appointment


def waitlist_for(*, access: Access, actor: User) -> QuerySet[WaitlistEntry]:
    """The patient's places on waitlists that are still waiting."""
    require_scheduling(access)
    audit.record_access(access, actor=actor, action=View, object_type="scheduling.WaitlistEntryList")
    return (
        WaitlistEntry.objects.filter(patient=access.patient, status=WaitlistEntry.Status.ACTIVE)
        .select_related("visit_type__organization", "provider__user")
        .order_by("created_at", "pk")
    )


def slot_providers(slots: list[Slot]) -> dict[int, StaffMember]:
    """The providers a few slots name (for the times offered to the loser of a race), in one query."""
    ids = {slot.provider_id for slot in slots}
    return {staff.pk: staff for staff in StaffMember.objects.filter(pk__in=ids).select_related("user")} if ids else {}
