"""Refills' part of the demo clinic (registered with the portal's demo builders, after the
records, conversations and visits): the starter protocols (still pending a clinician's approval),
three pharmacies, the demo patient's preferred one, and requests in each state, made through the
same services the pages use. Idempotent: a second run finds what the first made."""

from __future__ import annotations

from collections import Counter

from django.utils import timezone

from portal.access import Access, Action, resolve
from portal.demo_builders import DemoChanges, DemoClinic
from portal.models import StaffMember
from portal.services.errors import ServiceError
from refills.actions import MedicineAction
from refills.models import Pharmacy, PharmacyMessage, PreferredPharmacy, RefillRequest
from refills.selectors.patient import actions_by_key
from refills.services import decisions
from refills.services.pharmacy import message_send
from refills.services.protocols import load_starter_protocols
from refills.services.requests import clinic_today, pharmacy_prefer, request_submit

PHARMACIES = (
    ("Lakeside Community Pharmacy", "210 Shore Rd, Lakeside", "555-0131", "4412001"),
    ("Main Street Drugs", "48 Main St, Lakeside", "555-0177", "4412002"),
    ("Harbor 24-Hour Pharmacy", "9 Harbor Ave, Lakeside", "555-0190", "4412003"),
)
NURSE, PHYSICIAN = "ana.lopez@lakeside.example", "samuel.okafor@lakeside.example"
# What the demo does with each requestable medicine of these patients, in order.
STORIES = {
    "sarah.johnson@example.com": ("sent", "submitted", "in_review"),
    "lucia.hernandez@example.com": ("denied", "needs_visit", "changed"),
}


def build_demo_refills(clinic: DemoClinic) -> DemoChanges:
    tally: Counter[str] = Counter()
    tally["RefillProtocol"] += load_starter_protocols()
    pharmacies = []
    for name, address, phone, ncpdp in PHARMACIES:
        pharmacy, created = Pharmacy.objects.get_or_create(
            name=name, address=address, defaults={"phone": phone, "ncpdp_id": ncpdp}
        )
        pharmacies.append(pharmacy)
        tally["Pharmacy"] += int(created)
    nurse, physician = clinic.staff.get(NURSE), clinic.staff.get(PHYSICIAN)
    if nurse is None or physician is None:
        return DemoChanges(created=tally)
    for patient in clinic.patients.values():
        stories = STORIES.get(patient.user.email) if patient.user is not None else None
        access = resolve(patient.user, patient, Action.REFILLS) if stories and patient.user is not None else None
        if access is None or stories is None:
            continue
        if not PreferredPharmacy.objects.filter(patient=patient).exists():
            pharmacy_prefer(access=access, actor=access.patient.user, pharmacy_id=pharmacies[0].pk)  # type: ignore[arg-type]
            tally["PreferredPharmacy"] += 1
        if RefillRequest.objects.filter(patient=patient, idempotency_key__startswith="demo-").exists():
            continue
        actions = actions_by_key(access, today=clinic_today(access, timezone.now())).values()
        requestable = [m for m in actions if m.requestable]
        for story, medicine in zip(stories, requestable, strict=False):
            _tell(story, medicine, access, pharmacies[0], nurse, physician, tally)
    return DemoChanges(created=tally)


def _tell(
    story: str,
    medicine: MedicineAction,
    access: Access,
    pharmacy: Pharmacy,
    nurse: StaffMember,
    physician: StaffMember,
    tally: Counter[str],
) -> None:
    patient = access.patient
    (request,) = request_submit(
        access=access,
        actor=access.patient.user,  # type: ignore[arg-type]
        medication_keys=[medicine.key],
        pharmacy_id=pharmacy.pk,
        days_supply=90,
        note="",
        idempotency_key=f"demo-{story}",
    )
    tally["RefillRequest"] += 1
    nurse_access = resolve(nurse.user, patient, Action.REFILLS)
    doctor_access = resolve(physician.user, patient, Action.REFILLS)
    if nurse_access is None or doctor_access is None or story == "submitted":
        return
    if story == "in_review":
        decisions.request_take(access=nurse_access, actor=nurse.user, request_id=request.pk)
    elif story == "denied":
        decisions.request_deny(access=nurse_access, actor=nurse.user, request_id=request.pk, reason="needs_tests")
    elif story == "needs_visit":
        decisions.request_needs_visit(
            access=nurse_access, actor=nurse.user, request_id=request.pk, note="Due for a yearly check."
        )
    elif story == "changed":
        decisions.request_approve(
            access=doctor_access,
            actor=physician.user,
            request_id=request.pk,
            days_supply=30,
            change_note="30 days, until your visit.",
        )
        message_send(message_id=PharmacyMessage.objects.get(request=request).pk)
    elif story == "sent":
        # By protocol when every check passes; otherwise the physician approves.
        try:
            decisions.request_approve(access=nurse_access, actor=nurse.user, request_id=request.pk)
        except ServiceError:
            decisions.request_approve(access=doctor_access, actor=physician.user, request_id=request.pk)
        # The development gateway writes it to the console now (the worker finds it sent).
        message_send(message_id=PharmacyMessage.objects.get(request=request).pk)
