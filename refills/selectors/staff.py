"""Staff reads: the refill queue of the staff member's clinic (sorted by the conversation's answer
time), and one request with its protocol checks and their evidence, the medicine's history across
sources and the patient's allergies. Audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import F, QuerySet
from django.http import Http404

from portal import audit
from portal.access import Access, Action
from portal.models import AuditEvent, StaffMember, User
from records.models import RecordItem
from records.selectors.patient import items_for_rules, visible_items
from refills import protocol_checks
from refills.models import DECIDABLE, RefillEvent, RefillRequest
from refills.protocol_checks import BLOOD_PRESSURE_CODES, Check

Kind = RecordItem.Kind


def queue(*, staff: StaffMember, actor: User, limit: int = 200) -> list[RefillRequest]:
    """Undecided requests of this clinic, the first due first; the prescriber's ones marked."""
    rows = list(
        RefillRequest.objects.filter(organization=staff.organization_id, status__in=DECIDABLE)
        .select_related("patient", "thread", "thread__owner__user", "protocol")
        .order_by(F("thread__first_response_due_at").asc(nulls_last=True), "created_at", "pk")[:limit]
    )
    audit.record_list(
        (audit.Line(row.patient_id, obj=row, confidential=row.confidential) for row in rows),
        actor=actor,
        acting_as=AuditEvent.ActingAs.STAFF,
        action=AuditEvent.Action.VIEW,
        scope=Action.REFILLS,
    )
    return rows


@dataclass(frozen=True)
class Review:
    request: RefillRequest
    checks: list[Check]
    history: list[RecordItem]
    allergies: list[RecordItem]
    events: list[RefillEvent]

    @property
    def all_passed(self) -> bool:
        return protocol_checks.all_passed(self.checks)


def staff_request(access: Access, request_id: int) -> QuerySet[RefillRequest]:
    access.require(Action.REFILLS, staff_side=True)
    return RefillRequest.objects.filter(pk=request_id, patient=access.patient)


def checks_for(
    request: RefillRequest, *, now: datetime, days_supply: int | None = None
) -> tuple[list[Check], list[RecordItem]]:
    """The protocol's checks for `request` (its days' supply, or `days_supply` for a change), with
    the medicine's prescriptions from every source (a system read: the caller audits its page)."""
    items = items_for_rules(
        request.patient_id,
        kinds=(Kind.VISIT, Kind.MEDICATION),
        codes=[*(request.protocol.lab_loinc_codes if request.protocol else []), *BLOOD_PRESSURE_CODES],
    )
    history = [
        i for i in items if i.kind == Kind.MEDICATION and (i.dedup_key or f"item:{i.pk}") == request.medication_key
    ]
    checks = protocol_checks.evaluate(
        protocol=request.protocol,
        history=history,
        items=[i for i in items if i.kind != Kind.MEDICATION],
        home=request.organization,
        days_supply=days_supply or request.days_supply,
        now=now,
    )
    return checks, history


def review(*, access: Access, actor: User, request_id: int, now: datetime) -> Review:
    request = (
        staff_request(access, request_id)
        .select_related(
            "patient", "organization", "pharmacy", "protocol", "thread", "thread__owner__user", "decided_by"
        )
        .first()
    )
    if request is None:
        raise Http404
    checks, history = checks_for(request, now=now)
    allergies = list(visible_items(access).filter(kind=Kind.ALLERGY).select_related("source").order_by("display"))
    events = list(RefillEvent.objects.filter(request=request).select_related("by"))
    audit.record_access(
        access, actor=actor, action=AuditEvent.Action.VIEW, obj=request, confidential=request.confidential
    )
    return Review(
        request,
        checks,
        sorted(history, key=lambda i: i.effective_at or datetime.min.replace(tzinfo=now.tzinfo), reverse=True),
        allergies,
        events,
    )


REFILL_ROLES = ("nurse", "medical_assistant", "physician")


def refill_staff(actor: User) -> StaffMember:
    """The actor's job at the clinic whose refill queue they work (404 for anyone without one)."""
    staff = (
        StaffMember.objects.select_related("organization")
        .filter(user=actor, is_active=True, role__in=REFILL_ROLES)
        .order_by("pk")
        .first()
    )
    if staff is None:
        raise Http404
    return staff


def request_patient_id(request_id: int) -> object:
    """Whose request this is (the access policy then decides); 404 for none."""
    patient_id = RefillRequest.objects.filter(pk=request_id).values_list("patient_id", flat=True).first()
    if patient_id is None:
        raise Http404
    return patient_id
