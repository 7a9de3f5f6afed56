"""Reads for the patient's scheduling pages, each audited: the patient's visits (the API reads them
too), the appointments home, the visit types the patient's clinic offers, one visit type with its
open times, a hold to confirm, one visit and its calendar file, and what a signed link (a
reminder's, a waitlist offer's) names."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from portal import audit
from portal.access import Access, Action, resolve
from portal.models import AuditEvent, StaffMember, User
from portal.services.errors import InvalidToken
from portal.services.tokens import token_hash
from scheduling import links
from scheduling.forms.patient import slot_value
from scheduling.ics import appointment_ics
from scheduling.models import Appointment, AppointmentRequest, Location, VisitType, WaitlistEntry, WaitlistOffer
from scheduling.services.common import require_scheduling
from scheduling.services.eligibility import Eligibility, check_eligibility
from scheduling.services.slots import Slot, SlotSearch, find_slots, local_date

Status = Appointment.Status
# Days of open times searched for one page of the "find a time" list, and days with times shown.
SEARCH_DAYS = 14
DAYS_PER_PAGE = 3
# How far back the appointments home lists past visits.
PAST_DAYS = 365
UPCOMING = (Status.BOOKED, Status.ARRIVED)


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


@dataclass
class Home:
    upcoming: list[Appointment]
    # Called off, whenever they were for: neither coming up nor a visit that happened. Each with
    # the visit that took its place when it was moved (None when it was simply cancelled).
    cancelled: list[tuple[Appointment, Appointment | None]]
    past: list[Appointment]
    requests: list[AppointmentRequest]
    waitlist: list[WaitlistEntry]


def home(*, access: Access, actor: User, now: datetime) -> Home:
    """Five queries whatever the number of visits: visits, requests, waitlist, and the audit."""
    visits = list(patient_appointments(access=access, actor=actor, since=now - timedelta(days=PAST_DAYS)))
    upcoming = [visit for visit in visits if visit.status in UPCOMING and visit.ends_at > now]
    moved_to = {visit.rescheduled_from_id: visit for visit in visits if visit.rescheduled_from_id is not None}
    cancelled = [(visit, moved_to.get(visit.pk)) for visit in reversed(visits) if visit.status == Status.CANCELLED]
    past = [visit for visit in reversed(visits) if visit not in upcoming and visit.status != Status.CANCELLED]
    requests = list(
        AppointmentRequest.objects.filter(patient=access.patient, status=AppointmentRequest.Status.OPEN)
        .select_related("visit_type", "appointment")
        .order_by("created_at")
    )
    waitlist = list(
        WaitlistEntry.objects.filter(patient=access.patient, status=WaitlistEntry.Status.ACTIVE)
        .select_related("visit_type")
        .order_by("created_at")
    )
    return Home(upcoming, cancelled, past, requests, waitlist)


def _types(access: Access) -> QuerySet[VisitType]:
    # The visit types of the patient's own clinic: another clinic's are not theirs to book.
    return VisitType.objects.select_related("organization").filter(
        organization_id=access.patient.home_organization_id, is_active=True
    )


def visit_types(*, access: Access, now: datetime) -> list[tuple[VisitType, Eligibility | None]]:
    """The clinic's visit types; those booked by phone come with why (no query: the reason is the
    visit type's own). The others' rules are checked on their own page."""
    require_scheduling(access)
    return [
        (
            visit_type,
            check_eligibility(patient=access.patient, visit_type=visit_type, now=now) if _is_call(visit_type) else None,
        )
        for visit_type in _types(access).order_by("name")
    ]


def _is_call(visit_type: VisitType) -> bool:
    return visit_type.booking_mode == VisitType.BookingMode.CALL


@dataclass
class TypePage:
    visit_type: VisitType
    eligibility: Eligibility
    search: SlotSearch | None = None
    first_day: date | None = None
    last_day: date | None = None
    days: list[tuple[date, list[DayGroup]]] = field(default_factory=list)
    later: date | None = None
    entry: WaitlistEntry | None = None
    request: AppointmentRequest | None = None


@dataclass(frozen=True)
class SlotChoice:
    """An open time as a page offers it: the value its button sends, and whom and where."""

    value: str
    starts_at: datetime
    provider: StaffMember
    location: Location


@dataclass(frozen=True)
class DayGroup:
    """One provider's open times at one location on one day."""

    provider: StaffMember
    location: Location
    times: list[SlotChoice]


def _choice(slot: Slot, providers: dict[int, StaffMember], locations: dict[int, Location]) -> SlotChoice:
    return SlotChoice(
        slot_value(slot.provider_id, slot.location_id, slot.starts_at),
        slot.starts_at,
        providers[slot.provider_id],
        locations[slot.location_id],
    )


def group_days(search: SlotSearch, limit: int) -> list[tuple[date, list[DayGroup]]]:
    """The first `limit` days with open times; each day's times grouped by provider and location."""
    days = []
    for day in sorted(search.days)[:limit]:
        groups: dict[tuple[int, int], list[SlotChoice]] = {}
        for slot in search.days[day]:
            groups.setdefault((slot.provider_id, slot.location_id), []).append(
                _choice(slot, search.providers, search.locations)
            )
        days.append(
            (day, [DayGroup(search.providers[p], search.locations[loc], times) for (p, loc), times in groups.items()])
        )
    return days


def describe(slots: list[Slot]) -> list[SlotChoice]:
    """Times the services name (nearby alternatives, a chosen time), with their providers and
    locations: two queries, on the paths that show them."""
    providers = StaffMember.objects.select_related("user").in_bulk({slot.provider_id for slot in slots})
    locations = Location.objects.in_bulk({slot.location_id for slot in slots})
    return [
        _choice(slot, providers, locations)
        for slot in slots
        if slot.provider_id in providers and slot.location_id in locations
    ]


def open_times(
    visit_type: VisitType, patient_access: Access, eligibility: Eligibility, now: datetime, start: date | None
) -> TypePage:
    """Open times from `start` (or today), a page of days at a time: the slot search's four queries."""
    page = TypePage(visit_type=visit_type, eligibility=eligibility)
    today = local_date(visit_type, now)
    horizon = today + timedelta(days=visit_type.max_horizon_days)
    first = min(max(start or today, today), horizon)
    last = min(first + timedelta(days=SEARCH_DAYS - 1), horizon)
    search = find_slots(
        visit_type=visit_type,
        now=now,
        patient=patient_access.patient,
        provider_ids=eligibility.provider_ids,
        first_day=first,
        last_day=last,
    )
    page.search, page.first_day = search, first
    page.days = group_days(search, DAYS_PER_PAGE)
    shown_until = page.days[-1][0] if len(page.days) == DAYS_PER_PAGE else last
    page.last_day = shown_until
    if shown_until < horizon:
        page.later = shown_until + timedelta(days=1)
    return page


def visit_type_page(*, access: Access, actor: User, visit_type_id: int, now: datetime, start: date | None) -> TypePage:
    """One visit type for the patient: whether and how they may book it, and if they may, its open
    times, their waitlist entry and their open request. Constant in queries whatever the times."""
    require_scheduling(access)
    visit_type = _types(access).filter(pk=visit_type_id).first()
    if visit_type is None:
        raise Http404
    eligibility = check_eligibility(patient=access.patient, visit_type=visit_type, now=now)
    if eligibility.may_book:
        page = open_times(visit_type, access, eligibility, now, start)
        page.entry = WaitlistEntry.objects.filter(
            patient=access.patient, visit_type=visit_type, status=WaitlistEntry.Status.ACTIVE
        ).first()
    else:
        page = TypePage(visit_type=visit_type, eligibility=eligibility)
    if eligibility.may_request:
        page.request = AppointmentRequest.objects.filter(
            patient=access.patient,
            visit_type=visit_type,
            kind=AppointmentRequest.Kind.BOOK,
            status=AppointmentRequest.Status.OPEN,
        ).first()
    audit.record_access(access, actor=actor, action=AuditEvent.Action.VIEW, obj=visit_type)
    return page


def _visits(access: Access) -> QuerySet[Appointment]:
    return Appointment.objects.select_related("visit_type__organization", "provider__user", "location").filter(
        patient=access.patient
    )


def hold(*, access: Access, actor: User, hold_id: int) -> Appointment:
    """A time the patient holds (or held: a hold that ran out can still be confirmed if the time is open)."""
    require_scheduling(access)
    found = _visits(access).filter(pk=hold_id, source=Appointment.Source.SELF).first()
    if found is None or not access.is_patient_side:
        raise Http404
    audit.record_access(access, actor=actor, action=AuditEvent.Action.VIEW, obj=found)
    return found


def visit(*, access: Access, actor: User, appointment_id: int) -> tuple[Appointment, list[AppointmentRequest]]:
    """One of the patient's visits (not a hold) and its open requests to cancel or change it."""
    require_scheduling(access)
    found = _visits(access).filter(pk=appointment_id).exclude(status__in=[Status.HELD, Status.EXPIRED]).first()
    if found is None:
        raise Http404
    requests = list(found.requests.filter(status=AppointmentRequest.Status.OPEN))
    audit.record_access(access, actor=actor, action=AuditEvent.Action.VIEW, obj=found)
    return found, requests


def reminder_link_visit(token: str, purpose: str) -> Appointment:
    """The visit a reminder's confirm or cancel link names (read only: opening a link changes nothing)."""
    appointment_id = links.read_token(token, purpose)
    found = (
        Appointment.objects.select_related("visit_type__organization", "provider__user", "location")
        .filter(pk=appointment_id)
        .first()
    )
    if found is None:
        raise InvalidToken(_("This link is not valid or has run out."))
    return found


def offer_for(*, token: str, user: User) -> tuple[WaitlistOffer, Access]:
    """The waitlist offer a link names, for a signed-in patient or caregiver who may schedule for
    its patient; anyone else gets 404. Only the link actually sent opens it. Audited as a view."""
    try:
        offer_id = links.read_token(token, links.ACCEPT)
    except InvalidToken as error:
        raise Http404 from error
    offer = (
        WaitlistOffer.objects.select_related(
            "entry__patient__home_organization", "entry__visit_type__organization", "provider__user", "location"
        )
        .filter(pk=offer_id)
        .first()
    )
    if offer is None or not offer.token_hash or offer.token_hash != token_hash(token):
        raise Http404
    access = resolve(user, offer.entry.patient, Action.SCHEDULING)
    if access is None or not access.is_patient_side:
        raise Http404
    audit.record_access(access, actor=user, action=AuditEvent.Action.VIEW, obj=offer)
    return offer, access


def too_late_online(appointment: Appointment, now: datetime) -> bool:
    """Past the visit type's cut-off a patient's cancel or change becomes a request for staff."""
    return appointment.starts_at - now < timedelta(hours=appointment.visit_type.cancel_cutoff_hours)


def changeable(appointment: Appointment, now: datetime) -> bool:
    return appointment.status == Status.BOOKED and appointment.starts_at > now


def reschedule_page(
    *, access: Access, actor: User, appointment_id: int, now: datetime, start: date | None
) -> tuple[Appointment, TypePage | None]:
    """The visit to move and, while it may still be moved online, the open times of its type."""
    appointment, _requests = visit(access=access, actor=actor, appointment_id=appointment_id)
    if not changeable(appointment, now) or too_late_online(appointment, now):
        return appointment, None
    eligibility = check_eligibility(
        patient=access.patient, visit_type=appointment.visit_type, now=now, replacing=appointment.pk
    )
    return appointment, open_times(appointment.visit_type, access, eligibility, now, start)
