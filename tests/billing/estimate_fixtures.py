"""A clinic that prices a visit for self-pay patients and knows its billing facts: a billing profile,
a clinician's NPI, a weekday business calendar, and a follow-up visit's expected services."""

from __future__ import annotations

from dataclasses import dataclass

from billing.models import BillingProfile, PriceListItem, PriceListService, ProviderBillingIdentity
from messaging.factories import BusinessCalendarFactory
from portal.models import Organization, StaffMember
from scheduling.factories import VisitTypeFactory
from scheduling.models import VisitType


@dataclass
class PricedVisit:
    item: PriceListItem
    visit_type: VisitType
    profile: BillingProfile


def price_visit(
    organization: Organization, *, visit_type: VisitType | None = None, clinicians: tuple[StaffMember, ...] = ()
) -> PricedVisit:
    BusinessCalendarFactory(organization=organization)
    profile = BillingProfile.objects.create(
        organization=organization,
        legal_name="Lakeside Primary Care LLC",
        tin="36-1234567",
        npi="1234567893",
        address="100 Lake Street, Chicago, IL 60601",
        phone="(312) 555-0199",
    )
    for clinician in clinicians:
        ProviderBillingIdentity.objects.create(staff=clinician, npi="1987654325")
    visit_type = visit_type or VisitTypeFactory(
        organization=organization, name="Follow-up visit", name_es="Visita de seguimiento"
    )
    item = PriceListItem.objects.create(organization=organization, visit_type=visit_type)
    PriceListService.objects.create(
        item=item,
        sequence=1,
        code="99213",
        description="Office visit, established patient",
        description_es="Consulta en el consultorio, paciente establecido",
        diagnosis_codes="I10, E11.9",
        amount_cents=15_000,
    )
    PriceListService.objects.create(
        item=item,
        sequence=2,
        code="36415",
        description="Blood draw",
        description_es="Extraccion de sangre",
        amount_cents=2_500,
    )
    PriceListService.objects.create(
        item=item,
        sequence=3,
        code="80053",
        description="Metabolic panel (outside laboratory)",
        description_es="Panel metabolico (laboratorio externo)",
        diagnosis_codes="E11.9",
        amount_cents=4_000,
        scheduled_separately=True,
    )
    return PricedVisit(item=item, visit_type=visit_type, profile=profile)
