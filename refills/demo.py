"""Refills' part of the demo clinic (registered with the portal's demo builders, after the
records, conversations and visits): the starter protocols (approved, for the demo only, by its
medical director: a real clinic's clinician approves them before go-live), three pharmacies, the
demo patients' preferred one, and requests in each state, made through the same services the pages
use: by protocol and by the physician, a denial, a visit needed with a bridge supply, a
cancellation, a renewal to the annual visit, and a pharmacy's own renewal request. The record
holds the rest of the medicine list's cases: another organization's medicine (Dorothy's
furosemide, from Riverside Cardiology) and a controlled one (Fatima's oxycodone). Idempotent: a
second run finds what the first made."""

from __future__ import annotations

from collections import Counter

from django.utils import timezone

from portal.access import Access, Action, resolve
from portal.demo_builders import DemoChanges, DemoClinic
from portal.models import StaffMember
from portal.services.errors import ServiceError
from refills.actions import MedicineAction
from refills.models import Pharmacy, PharmacyClient, PharmacyMessage, PreferredPharmacy, RefillRequest
from refills.selectors.patient import actions_by_key, alignment_plan
from refills.services import decisions
from refills.services.pharmacy import message_send
from refills.services.protocols import load_starter_protocols, protocols_approve
from refills.services.renewals import client_issue, renewal_from_pharmacy
from refills.services.requests import alignment_submit, clinic_today, pharmacy_prefer, request_cancel, request_submit

PHARMACIES = (
    ("Lakeside Community Pharmacy", "210 Shore Rd, Lakeside", "555-0131", "4412001"),
    ("Main Street Drugs", "48 Main St, Lakeside", "555-0177", "4412002"),
    ("Harbor 24-Hour Pharmacy", "9 Harbor Ave, Lakeside", "555-0190", "4412003"),
)
NURSE, PHYSICIAN = "ana.lopez@lakeside.example", "samuel.okafor@lakeside.example"
# What the demo does with each requestable medicine of these patients, in order.
STORIES = {
    "sarah.johnson@example.com": ("sent", "submitted", "in_review"),
    "lucia.hernandez@example.com": ("denied", "needs_visit", "changed", "cancelled"),
}
# A pharmacy's system asks to renew this patient's medicine (by RxNorm code).
PHARMACY_RENEWAL = ("LPC-100007", "314076", "demo-renewal-1")
DIRECTOR = "Samuel Okafor, MD (demo clinic's medical director; demo data only)"


def build_demo_refills(clinic: DemoClinic) -> DemoChanges:
    tally: Counter[str] = Counter()
    tally["RefillProtocol"] += load_starter_protocols()
    tally["RefillProtocol approved"] += protocols_approve(clinician=DIRECTOR, on=clinic.today)
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
    _align(clinic, pharmacies[0], nurse, tally)
    _pharmacy_asks(clinic, pharmacies[1], tally)
    return DemoChanges(created=tally)


def _align(clinic: DemoClinic, pharmacy: Pharmacy, nurse: StaffMember, tally: Counter[str]) -> None:
    """The first patient with an account (none of the stories above) whose long-term medicines the
    record lets renew to the annual visit does so; the nurse decides each by protocol."""
    made: list[RefillRequest] = []
    for patient in sorted(clinic.patients.values(), key=lambda p: p.mrn):
        user = patient.user
        if user is None or user.email in STORIES:
            continue
        access = resolve(user, patient, Action.REFILLS)
        if access is None:
            continue
        if RefillRequest.objects.filter(patient=patient, idempotency_key="demo-align").exists():
            return
        if not alignment_plan(access, today=clinic_today(access, timezone.now())).available:
            continue
        made = alignment_submit(access=access, actor=user, pharmacy_id=pharmacy.pk, idempotency_key="demo-align")
        break
    if not made:
        return
    patient = made[0].patient
    nurse_access = resolve(nurse.user, patient, Action.REFILLS)
    for request in made:
        if nurse_access is None or request.status != RefillRequest.Status.SUBMITTED:
            continue
        tally["RefillRequest"] += 1
        try:
            decisions.request_approve(access=nurse_access, actor=nurse.user, request_id=request.pk)
        except ServiceError:  # a check failed: it waits for the physician in the queue
            continue
        message_send(message_id=PharmacyMessage.objects.get(request=request).pk)


def _pharmacy_asks(clinic: DemoClinic, pharmacy: Pharmacy, tally: Counter[str]) -> None:
    mrn, rxnorm, message_id = PHARMACY_RENEWAL
    patient = clinic.patients.get(mrn)
    if patient is None:
        return
    client = PharmacyClient.objects.filter(pharmacy=pharmacy, organization=clinic.home, label="Demo").first()
    if client is None:
        client, _key = client_issue(pharmacy=pharmacy, organization_id=clinic.home.pk, label="Demo")
        tally["PharmacyClient"] += 1
    try:
        _request, created = renewal_from_pharmacy(
            client=client,
            message_id=message_id,
            family_name=patient.family_name,
            given_name=patient.given_name,
            birth_date=patient.birth_date,
            rxnorm_code=rxnorm,
            days_supply=90,
            note="Patient is out of refills.",
        )
    except ServiceError:  # the record offers no renewal of it now
        return
    tally["RefillRequest"] += int(created)


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
    elif story == "needs_visit":  # with a bridge supply until the visit, sent like an approval
        # A nurse gives it for a medicine her protocol covers; otherwise it is the physician's.
        by_nurse = not request.needs_prescriber
        decisions.request_needs_visit(
            access=nurse_access if by_nurse else doctor_access,
            actor=nurse.user if by_nurse else physician.user,
            request_id=request.pk,
            note="Due for a yearly check.",
            bridge_days_supply=30,
        )
        message_send(message_id=PharmacyMessage.objects.get(request=request).pk)
    elif story == "cancelled":
        request_cancel(access=access, actor=access.patient.user, request_id=request.pk)  # type: ignore[arg-type]
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
