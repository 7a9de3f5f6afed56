"""The demo's bills: an insured balance built from a claim and its explanation of benefit imported
through records' importer (and a claim the insurer is still working on), a Spanish-speaking
self-pay patient's statement, and a statement already paid. Idempotent: the importer, the charge
sync, the self-pay reference and the payment's key each find what an earlier run made."""

from __future__ import annotations

import json
import tempfile
import uuid
from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from django.utils import translation
from django.utils.translation import gettext_lazy

from billing.gateway import TestGateway
from billing.models import (
    Account,
    BillingProfile,
    Charge,
    EstimateDue,
    Payment,
    PriceListItem,
    PriceListService,
    ProviderBillingIdentity,
    Statement,
)
from billing.services.charges import charge_self_pay_create, charges_sync
from billing.services.estimates import estimate_request
from billing.services.payments import payment_submit
from billing.services.plans import plan_create
from billing.services.statements import statement_issue
from portal.access import Access, Action
from portal.demo_builders import DemoChanges, DemoClinic
from portal.models import AuditEvent, Organization, Patient, StaffRole
from records.demo import patient_resource
from records.services.imports import import_run_create, import_run_execute
from scheduling.models import VisitType

NAMESPACE = uuid.UUID("3f7c1d2e-9a4b-4c1e-8f00-b1111ed00001")
ADJUDICATION = "https://bluebutton.cms.gov/resources/variables/"
CPT = "http://www.ama-assn.org/go/cpt"


def _id(*parts: object) -> str:
    return str(uuid.uuid5(NAMESPACE, "|".join(str(part) for part in parts)))


def _money(value: float) -> dict[str, Any]:
    return {"value": value, "currency": "USD"}


def _adjudication(code: str, value: float) -> dict[str, Any]:
    return {"category": {"coding": [{"code": f"{ADJUDICATION}{code}"}]}, "amount": _money(value)}


def _claim_pair(
    patient_ref: str, key: str, day: date, items: list[dict[str, Any]], answered: bool
) -> list[dict[str, Any]]:
    """A professional claim and, when `answered`, the insurer's explanation of benefit."""
    claim_id = _id(key, "claim")
    when = f"{day.isoformat()}T09:30:00-06:00"
    claim: dict[str, Any] = {
        "resourceType": "Claim",
        "id": claim_id,
        "status": "active",
        "type": {"coding": [{"code": "professional"}]},
        "use": "claim",
        "patient": {"reference": patient_ref},
        "billablePeriod": {"start": when, "end": when},
        "created": when,
        "insurance": [{"sequence": 1, "focal": True, "coverage": {"display": "Blue Lakes PPO"}}],
        "item": [
            {
                "sequence": n,
                "productOrService": {"coding": [{"system": CPT, "code": i["code"], "display": i["name"]}]},
                "net": _money(i["submitted"]),
            }
            for n, i in enumerate(items, start=1)
        ],
        "total": _money(sum(i["submitted"] for i in items)),
    }
    resources = [claim]
    if answered:
        resources.append(
            {
                "resourceType": "ExplanationOfBenefit",
                "id": _id(key, "eob"),
                "status": "active",
                "outcome": "complete",
                "use": "claim",
                "patient": {"reference": patient_ref},
                "insurer": {"display": "Blue Lakes PPO"},
                "claim": {"reference": f"urn:uuid:{claim_id}"},
                "created": when,
                "insurance": [{"focal": True, "coverage": {"display": "Blue Lakes PPO"}}],
                "item": [
                    {
                        "sequence": n,
                        "productOrService": claim["item"][n - 1]["productOrService"],
                        "net": _money(i["submitted"]),
                        "adjudication": [
                            _adjudication("line_sbmtd_chrg_amt", i["submitted"]),
                            _adjudication("line_alowd_chrg_amt", i["allowed"]),
                            _adjudication("line_prvdr_pmt_amt", i["paid"]),
                            _adjudication("line_coinsrnc_amt", i.get("coinsurance", 0)),
                            _adjudication("line_bene_ptb_ddctbl_amt", i.get("deductible", 0)),
                        ],
                    }
                    for n, i in enumerate(items, start=1)
                ],
                "total": [
                    {
                        "category": {"coding": [{"code": "submitted"}]},
                        "amount": _money(sum(i["submitted"] for i in items)),
                    }
                ],
                "payment": {"amount": _money(sum(i["paid"] for i in items))},
            }
        )
    return resources


def _import_claims(home: Organization, patient: Patient, today: date) -> None:
    patient_ref = f"urn:uuid:{_id(patient.mrn, 'patient')}"
    visit = [
        {
            "code": "99214",
            "name": "Office visit, established patient",
            "submitted": 185.0,
            "allowed": 140.0,
            "paid": 112.0,
            "coinsurance": 28.0,
        },
        {
            "code": "80053",
            "name": "Comprehensive metabolic panel (blood test)",
            "submitted": 48.0,
            "allowed": 30.0,
            "paid": 0.0,
            "deductible": 30.0,
        },
    ]
    follow_up = [{"code": "99213", "name": "Office visit, follow-up", "submitted": 130.0, "allowed": 0, "paid": 0}]
    resources = [{**patient_resource(home, patient), "id": _id(patient.mrn, "patient")}]
    resources += _claim_pair(patient_ref, f"{patient.mrn}|visit", today - timedelta(days=40), visit, answered=True)
    resources += _claim_pair(
        patient_ref, f"{patient.mrn}|follow-up", today - timedelta(days=6), follow_up, answered=False
    )
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"fullUrl": f"urn:uuid:{r['id']}", "resource": r} for r in resources],
    }
    with tempfile.TemporaryDirectory(prefix="demo-billing-") as folder:
        path = Path(folder) / f"demo-claims-{patient.mrn}.json"
        path.write_text(json.dumps(bundle), encoding="utf-8")
        import_run_execute(run_id=import_run_create(source=home, path=path).pk, path=path)


def _statement(account: Account, tally: Counter[str]) -> Statement | None:
    existing = Statement.objects.filter(account=account).first()
    if existing is not None:
        return existing
    made = statement_issue(account_id=account.pk)
    tally["Statement"] += int(made is not None)
    return made


# The follow-up visit's self-pay price (demo figures, not a fee schedule).
DEMO_PRICE = (
    (
        "99213",
        "Office visit, established patient",
        "Consulta en el consultorio, paciente establecido",
        "I10",
        12_000,
        False,
    ),
    ("36415", "Blood draw", "Extracción de sangre", "", 2_000, False),
    ("80053", "Metabolic panel (outside laboratory)", "Panel metabólico (laboratorio externo)", "I10", 3_500, True),
)


def _estimate(clinic: DemoClinic, patient: Patient, tally: Counter[str]) -> None:
    """The clinic's billing facts, the follow-up visit's price, and a Good Faith Estimate the
    self-pay patient asked for (her request's key finds it on a second run)."""
    home = clinic.home
    _profile, created = BillingProfile.objects.get_or_create(
        organization=home,
        defaults={
            "legal_name": f"{home.name} LLC",
            "tin": "36-1234567",
            "npi": "1234567893",
            "address": "100 Lake Street, Chicago, IL 60601",
            "phone": home.phone,
        },
    )
    tally["BillingProfile"] += int(created)
    for staff in clinic.staff.values():
        if staff.role == StaffRole.PHYSICIAN and staff.organization_id == home.pk:
            _identity, created = ProviderBillingIdentity.objects.get_or_create(
                staff=staff, defaults={"npi": "1245319599"}
            )
            tally["ProviderBillingIdentity"] += int(created)
    visit_type = VisitType.objects.filter(organization=home, name="Follow-up visit").first()
    if visit_type is None or patient.user is None:
        return
    item, created = PriceListItem.objects.get_or_create(organization=home, visit_type=visit_type)
    if created:
        tally["PriceListItem"] += 1
        for sequence, (code, text, text_es, codes, cents, apart) in enumerate(DEMO_PRICE, start=1):
            PriceListService.objects.create(
                item=item,
                sequence=sequence,
                code=code,
                description=text,
                description_es=text_es,
                diagnosis_codes=codes,
                amount_cents=cents,
                scheduled_separately=apart,
            )
    before = EstimateDue.objects.count()
    estimate_request(
        access=Access(patient, AuditEvent.ActingAs.SELF, Action.BILLING),
        actor=patient.user,
        item_id=item.pk,
        coverage=Account.Coverage.UNINSURED,
        idempotency_key=f"demo-{patient.mrn}-estimate",
    )
    tally["EstimateDue"] += EstimateDue.objects.count() - before


def _in(patient: Patient, words: Any) -> str:
    with translation.override(patient.preferred_language or "en"):
        return str(words)


def build_demo_billing(clinic: DemoClinic) -> DemoChanges:
    """Registered with the portal's demo builders (billing/apps.py)."""
    tally: Counter[str] = Counter()
    home, today = clinic.home, clinic.today
    charges_before = Charge.objects.count()
    sarah = clinic.patients.get("LPC-100001")
    if sarah is not None:
        _import_claims(home, sarah, today)
        charges_sync(patient_id=sarah.pk)
    lucia = clinic.patients.get("LPC-100002")
    if lucia is not None:
        charge_self_pay_create(
            patient_id=lucia.pk,
            organization_id=home.pk,
            # Stored words, as the clinic's billing system prints them: in the patient's language.
            service_display=_in(lucia, gettext_lazy("Office visit (self-pay)")),
            service_code="99213",
            amount_cents=12_000,
            service_date=today - timedelta(days=21),
            reference=f"demo-{lucia.mrn}-visit",
        )
    dorothy = clinic.patients.get("LPC-100006")
    if dorothy is not None:
        charge_self_pay_create(
            patient_id=dorothy.pk,
            organization_id=home.pk,
            service_display=_in(dorothy, gettext_lazy("Flu shot (self-pay)")),
            service_code="90686",
            amount_cents=4_500,
            service_date=today - timedelta(days=30),
            reference=f"demo-{dorothy.mrn}-flu",
        )
    tally["Charge"] += Charge.objects.count() - charges_before
    if lucia is not None:
        _estimate(clinic, lucia, tally)
    for account in Account.objects.filter(organization=home, patient__in=[p for p in (sarah, lucia, dorothy) if p]):
        statement = _statement(account, tally)
        if dorothy is not None and account.patient_id == dorothy.pk and statement is not None:
            # Paid in full at the front desk: the demo's paid statement.
            payment_submit(
                access=Access(dorothy, AuditEvent.ActingAs.SELF, Action.BILLING),
                actor=None,
                account_id=account.pk,
                purpose=Payment.Purpose.STATEMENT,
                statement_id=statement.pk,
                idempotency_key=f"demo-{dorothy.mrn}-paid",
                card=TestGateway().tokenize("4242424242424242"),
            )
        if lucia is not None and account.patient_id == lucia.pk and not account.plans.exists():
            # Lucia pays her self-pay visit in three months: the demo's payment plan.
            plan_create(
                access=Access(lucia, AuditEvent.ActingAs.SELF, Action.BILLING),
                actor=None,
                account_id=account.pk,
                monthly_cents=4_000,
                day_of_month=15,
                card=TestGateway().tokenize("4242424242424242"),
            )
            tally["PaymentPlan"] += 1
    return DemoChanges(created=tally)
