"""Good Faith Estimates (No Surprises Act, 45 CFR 149.610) for uninsured and self-pay patients.

When: a priced visit booked by such a patient (scheduling says a patient's inputs changed through
portal/briefing_inputs.py; a beat sweep catches any booking that said nothing), or on the patient's
request. Each makes a promise row (`EstimateDue`) with the rule's deadline on the clinic's business
calendar (messaging's; weekdays when the clinic has none):

- booked 10 or more business days ahead: within 3 business days of scheduling;
- booked 3 or more business days ahead: within 1 business day of scheduling;
- booked fewer than 3 business days ahead: the rule sets no deadline (we still issue one);
- on request: within 3 business days of the request.

"Business days ahead" counts the clinic's business days after the day of booking and before the
day of the visit. A deadline is the close of business on its day.

The estimate is issued at once when billing knows every fact it must print (the organization's
billing profile with TIN and NPI, the clinician's NPI); otherwise the promise stays open with the
reason, billing staff see it due, and the sweep flags it when late. An issued estimate is kept as
issued; a new version supersedes it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from uuid import UUID

from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from billing import notifications
from billing.clinic_day import clinic_date
from billing.models import (
    Account,
    BillingProfile,
    Charge,
    EstimateDue,
    GoodFaithEstimate,
    PriceListItem,
    PriceListService,
    ProviderBillingIdentity,
)
from messaging.calendar import ClinicCalendar
from messaging.selectors.calendar import assumed_calendar, clinic_calendar
from portal import audit
from portal.access import Access, Action
from portal.models import AuditEvent, Organization, Patient, StaffMember, User
from portal.queue import queue_task
from portal.services.errors import ServiceError
from scheduling.selectors import bookings

if TYPE_CHECKING:
    from scheduling.models import Appointment

PATIENT_TASK = "billing.estimates_for_patient"
# The dispute right the estimate must state: a bill this much over the estimate (per provider).
DISPUTE_THRESHOLD_CENTS = 40_000
# How far back the sweep looks for bookings nobody told billing about.
SWEEP_LOOKBACK = timedelta(days=14)
ELIGIBLE = (Account.Coverage.UNINSURED, Account.Coverage.SELF_PAY)


class EstimateIncomplete(Exception):
    """Billing lacks a fact the estimate must print (its message says which, for staff)."""


# The business calendar ---------------------------------------------------------------------


@dataclass(frozen=True)
class Deadline:
    due_at: datetime | None
    basis: str  # for staff, in English (kept with the promise)


def calendar_for(organization: Organization) -> tuple[ClinicCalendar, bool]:
    """The clinic's business calendar (messaging's), or weekdays if it has none (False)."""
    found = clinic_calendar(organization)
    return (found, True) if found is not None else (assumed_calendar(organization), False)


def is_business_day(calendar: ClinicCalendar, day: date) -> bool:
    return bool(calendar.intervals_on(day))


def business_days_between(calendar: ClinicCalendar, after: date, before: date) -> int:
    """Business days strictly after `after` and strictly before `before`."""
    count, day = 0, after + timedelta(days=1)
    while day < before:
        count += is_business_day(calendar, day)
        day += timedelta(days=1)
    return count


def business_day_after(calendar: ClinicCalendar, day: date, n: int) -> date:
    """The n-th business day after `day` (a year of closure is a broken calendar)."""
    found, limit = 0, day + timedelta(days=400)
    while found < n:
        day += timedelta(days=1)
        if day > limit:
            raise ValueError("the clinic's calendar has no business day within a year")
        found += is_business_day(calendar, day)
    return day


def close_of_business(calendar: ClinicCalendar, day: date) -> datetime:
    return calendar.intervals_on(day)[-1][1]


def deadline_for(
    *, organization: Organization, reason: str, requested_at: datetime, service_start: datetime | None
) -> Deadline:
    calendar, configured = calendar_for(organization)
    which = "the clinic's business calendar" if configured else "weekdays (the clinic has no business calendar)"
    asked_on = requested_at.astimezone(calendar.time_zone).date()
    if reason == EstimateDue.Reason.REQUESTED or service_start is None:
        days, why = 3, "requested"
    else:
        ahead = business_days_between(calendar, asked_on, service_start.astimezone(calendar.time_zone).date())
        if ahead >= 10:
            days, why = 3, f"booked {ahead} business days ahead"
        elif ahead >= 3:
            days, why = 1, f"booked {ahead} business days ahead"
        else:
            return Deadline(None, f"booked {ahead} business days ahead: no deadline; counted on {which}")
    due_day = business_day_after(calendar, asked_on, days)
    return Deadline(close_of_business(calendar, due_day), f"{why}: {days} business day(s), counted on {which}")


# Who gets one ------------------------------------------------------------------------------


def coverage_of(*, patient_id: UUID | str, organization_id: int) -> str:
    """The patient's coverage for this organization's care: what was said, else insured when an
    insurer is on file (a claim it answered or is working on), else uninsured."""
    said = (
        Account.objects.filter(patient_id=patient_id, organization_id=organization_id)
        .values_list("coverage", flat=True)
        .first()
    )
    if said and said != Account.Coverage.UNKNOWN:
        return said
    insured = (
        Charge.objects.filter(account__patient_id=patient_id)
        .filter(Q(status__in=[Charge.Status.ADJUDICATED, Charge.Status.WITH_INSURANCE]) | ~Q(insurer_name=""))
        .exists()
    )
    return Account.Coverage.INSURED if insured else Account.Coverage.UNINSURED


def gets_estimate(*, patient_id: UUID | str, organization_id: int) -> bool:
    return coverage_of(patient_id=patient_id, organization_id=organization_id) in ELIGIBLE


def priced_item(*, organization_id: int, visit_type_id: int) -> PriceListItem | None:
    return (
        PriceListItem.objects.filter(organization_id=organization_id, visit_type_id=visit_type_id, is_active=True)
        .prefetch_related("services")
        .first()
    )


def unestimated_bookings(
    *, since: datetime, now: datetime, patient_id: UUID | str | None = None
) -> QuerySet[Appointment]:
    """Visits booked since `since`, still ahead, of a priced visit type, with no promise yet (read
    through scheduling's selector)."""
    priced = PriceListItem.objects.filter(is_active=True).values("visit_type_id")
    promised = EstimateDue.objects.filter(appointment__isnull=False).values("appointment_id")
    return bookings.booked_visits(
        since=since, now=now, visit_type_ids=priced, excluding=promised, patient_id=patient_id
    )


def patient_changed(patient_id: UUID | str) -> None:
    """After the commit of any change of a patient's inputs (a visit booked among them): hand a
    worker the patient when one of their visits awaits its estimate. One query otherwise."""
    now = timezone.now()
    if unestimated_bookings(since=now - SWEEP_LOOKBACK, now=now, patient_id=patient_id).exists():
        queue_task(PATIENT_TASK, str(patient_id))


# Issuing -----------------------------------------------------------------------------------


def _codes(text: str) -> list[str]:
    return [code.strip().upper() for code in text.split(",") if code.strip()]


def _service(service: PriceListService) -> dict[str, Any]:
    return {
        "code": service.code,
        "description": service.description,
        "description_es": service.description_es or service.description,
        "diagnosis_codes": _codes(service.diagnosis_codes),
        "amount_cents": service.amount_cents,
    }


def build_content(due: EstimateDue, *, item: PriceListItem, now: datetime) -> dict[str, Any]:
    """Every element the rule requires, as it will be printed. Raises EstimateIncomplete."""
    profile = BillingProfile.objects.filter(organization_id=due.organization_id).first()
    if profile is None:
        raise EstimateIncomplete("The organization has no billing profile (legal name, TIN, NPI, address).")
    patient: Patient = due.patient
    facility = {
        "role": "facility",
        "name": profile.legal_name,
        "npi": profile.npi,
        "tin": profile.tin,
        "location": profile.address,
    }
    providers = [facility]
    service_start: str | None = None
    appointment: Appointment | None = due.appointment
    if appointment is not None:
        staff: StaffMember = appointment.provider
        identity = ProviderBillingIdentity.objects.filter(staff=staff).first()
        if identity is None:
            raise EstimateIncomplete(f"The clinician {staff.signature} has no NPI on file in billing.")
        providers.insert(
            0,
            {
                "role": "clinician",
                "name": staff.signature,
                "npi": identity.npi,
                "tin": identity.tin or profile.tin,
                "location": f"{appointment.location.name}, {appointment.location.address}",
            },
        )
        service_start = appointment.starts_at.isoformat()
    services = list(item.services.all())
    itemized = [_service(s) for s in services if not s.scheduled_separately]
    if not itemized:
        raise EstimateIncomplete("The visit type's price has no expected service.")
    for line in itemized:
        line["provider"] = 0
    separately = [_service(s) for s in services if s.scheduled_separately]
    visit_type = item.visit_type
    return {
        "patient": {
            "name": f"{patient.given_name} {patient.family_name}",
            "birth_date": patient.birth_date.isoformat(),
        },
        "primary_service": {
            "name": visit_type.name,
            "name_es": visit_type.name_es or visit_type.name,
            "code": itemized[0]["code"],
            "starts_at": service_start,
        },
        "providers": providers,
        "items": itemized,
        "scheduled_separately": separately,
        "total_cents": sum(line["amount_cents"] for line in itemized),
        "dispute_threshold_cents": DISPUTE_THRESHOLD_CENTS,
        "organization_phone": profile.phone,
        "requested": due.reason,
        "requested_at": due.requested_at.isoformat(),
        "issued_at": now.isoformat(),
    }


def _issue(due: EstimateDue, *, actor: User | None, acting_as: str, now: datetime) -> GoodFaithEstimate:
    """Issue (or, if one was issued, issue the next version of) the estimate for this promise."""
    item = priced_item(organization_id=due.organization_id, visit_type_id=due.visit_type_id)
    if item is None:
        raise EstimateIncomplete("The visit type has no active price.")
    content = build_content(due, item=item, now=now)
    previous: GoodFaithEstimate | None = due.estimate
    version = previous.version + 1 if previous else 1
    starts = due.appointment.starts_at if due.appointment is not None else None
    estimate = GoodFaithEstimate.objects.create(
        patient_id=due.patient_id,
        organization_id=due.organization_id,
        number=f"GFE-{due.pk}-{version}",
        version=version,
        supersedes=previous,
        service_date=clinic_date(due.organization, starts) if starts else None,
        total_cents=content["total_cents"],
        content=content,
        issued_at=now,
    )
    due.estimate, due.blocked_reason = estimate, ""
    due.save(update_fields=["estimate", "blocked_reason"])
    audit.record(
        actor=actor,
        patient=due.patient,
        action=AuditEvent.Action.CREATE,
        obj=estimate,
        acting_as=acting_as,
        scope=Action.BILLING,
    )
    # Only that an estimate is waiting, with a signed link: no amounts, no services.
    notifications.estimate_issued(patient=due.patient, estimate_id=estimate.pk)
    return estimate


def _try_issue(
    due: EstimateDue, *, actor: User | None, now: datetime, acting_as: str = AuditEvent.ActingAs.SYSTEM
) -> GoodFaithEstimate | None:
    try:
        with transaction.atomic():
            return _issue(due, actor=actor, acting_as=acting_as, now=now)
    except EstimateIncomplete as missing:
        if due.blocked_reason != str(missing):
            due.blocked_reason = str(missing)[:300]
            due.save(update_fields=["blocked_reason"])
        return None


def _promise(
    *,
    patient: Patient,
    organization: Organization,
    visit_type_id: int,
    reason: str,
    requested_at: datetime,
    appointment: Appointment | None,
    actor: User | None,
    request_key: str = "",
) -> EstimateDue:
    deadline = deadline_for(
        organization=organization,
        reason=reason,
        requested_at=requested_at,
        service_start=appointment.starts_at if appointment is not None else None,
    )
    return EstimateDue.objects.create(
        patient=patient,
        organization=organization,
        visit_type_id=visit_type_id,
        appointment=appointment,
        reason=reason,
        requested_at=requested_at,
        due_at=deadline.due_at,
        deadline_basis=deadline.basis[:200],
        request_key=request_key,
        created_by=actor,
    )


@transaction.atomic
def estimates_for_bookings(*, patient_id: UUID | str | None = None, now: datetime | None = None) -> int:
    """Promise (and issue when it can) an estimate for each visit booked lately by an uninsured or
    self-pay patient. Safe to run twice: a visit has at most one promise. Returns how many."""
    now = now or timezone.now()
    visits = unestimated_bookings(since=now - SWEEP_LOOKBACK, now=now, patient_id=patient_id)
    made = 0
    for appointment in visits.select_for_update(of=("self",), skip_locked=True):
        if not gets_estimate(patient_id=appointment.patient_id, organization_id=appointment.organization_id):
            continue
        due = _promise(
            patient=appointment.patient,
            organization=appointment.organization,
            visit_type_id=appointment.visit_type_id,
            reason=EstimateDue.Reason.BOOKED,
            requested_at=appointment.booked_at or now,
            appointment=appointment,
            actor=None,
        )
        _try_issue(due, actor=None, now=now)
        made += 1
    return made


def requestable_items(patient: Patient) -> list[PriceListItem]:
    """The priced visit types a patient may ask an estimate for: their clinic's."""
    return list(
        PriceListItem.objects.filter(organization_id=patient.home_organization_id, is_active=True)
        .select_related("visit_type")
        .order_by("visit_type__name")
    )


@transaction.atomic
def estimate_request(
    *, access: Access, actor: User, item_id: int, coverage: str, idempotency_key: str, now: datetime | None = None
) -> EstimateDue:
    """The patient (or a caregiver with the billing scope) asks for an estimate of a priced visit,
    saying they have no insurance or will not use it. Due within 3 business days. The same form
    key twice: the first request."""
    access.require(Action.BILLING, patient_side=True)
    now = now or timezone.now()
    key = idempotency_key.strip()[:64]
    if not key:
        raise ServiceError(_("Please try again."))
    earlier = EstimateDue.objects.filter(patient=access.patient, request_key=key).first()
    if earlier is not None:
        return earlier
    if coverage not in ELIGIBLE:
        raise ServiceError(_("Tell us whether you have insurance."), field="coverage")
    patient = access.patient
    item = next((found for found in requestable_items(patient) if found.pk == item_id), None)
    if item is None:
        raise ServiceError(_("Choose a visit from the list."), field="item")
    account, _created = Account.objects.get_or_create(patient=patient, organization_id=item.organization_id)
    if account.coverage != coverage:
        account.coverage = coverage
        account.save(update_fields=["coverage"])
        audit.record_access(
            access, actor=actor, action=AuditEvent.Action.UPDATE, object_type="billing.Coverage", object_id=account.pk
        )
    due = _promise(
        patient=patient,
        organization=item.organization,
        visit_type_id=item.visit_type_id,
        reason=EstimateDue.Reason.REQUESTED,
        requested_at=now,
        appointment=None,
        actor=actor,
        request_key=key,
    )
    audit.record_access(access, actor=actor, action=AuditEvent.Action.CREATE, obj=due)
    _try_issue(due, actor=actor, acting_as=access.acting_as, now=now)
    return due


@transaction.atomic
def estimate_issue_now(*, staff: StaffMember, actor: User, due_id: int, now: datetime | None = None) -> EstimateDue:
    """Billing staff issue a promised estimate (after completing the billing facts), or a new
    version superseding the last one (after a price changed). Their organization's only."""
    now = now or timezone.now()
    due = (
        EstimateDue.objects.select_for_update(of=("self",))
        .select_related("patient", "appointment__provider__user", "appointment__location", "estimate")
        .filter(pk=due_id, organization_id=staff.organization_id)
        .first()
    )
    if due is None:
        raise Http404
    try:
        with transaction.atomic():
            _issue(due, actor=actor, acting_as=AuditEvent.ActingAs.STAFF, now=now)
    except EstimateIncomplete as missing:
        raise ServiceError(str(missing)) from missing
    return due


@dataclass
class SweepResult:
    promised: int = 0
    issued: int = 0
    flagged: int = 0


def estimates_sweep(*, now: datetime | None = None) -> SweepResult:
    """Beat: promise estimates for bookings nobody told billing about, retry the open ones, and flag
    those past their deadline for billing staff (once each)."""
    now = now or timezone.now()
    result = SweepResult(promised=estimates_for_bookings(now=now))
    with transaction.atomic():
        open_dues = (
            EstimateDue.objects.select_for_update(of=("self",), skip_locked=True)
            .filter(estimate__isnull=True)
            .select_related("patient", "appointment__provider__user", "appointment__location")
        )
        for due in open_dues:
            result.issued += _try_issue(due, actor=None, now=now) is not None
        result.flagged = EstimateDue.objects.filter(
            estimate__isnull=True, flagged_late_at__isnull=True, due_at__lt=now
        ).update(flagged_late_at=now)
    return result
