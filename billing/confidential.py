"""A teenager's confidential care on the bill, as a caregiver sees it.

A charge is confidential when records marks its visit confidential (a minor-consent rule or the
care team), or when one of its services is coded as care a minor consents to alone, unless the
care team decided to show that visit. For a caregiver who may not see confidential items
(`Access.hides_confidential`) such a charge reads as neutral "Clinic services": no service name,
code, provider, visit or claim type.

Why neutral rather than hidden: the caregiver is usually the guarantor and the insurance
policyholder, so the account's balance, the statement's total and the insurer's explanation of
benefits must agree with what they are asked to pay; dropping the amount would make the bill
wrong, while its words (and a provider's name) are what reveal the care. This is how large US
portals mask sensitive encounters on a guarantor's statement. The teenager, signed in, sees
everything.
"""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

from django.utils.translation import gettext

from billing.models import Charge, ChargeLine
from portal.access import Access
from records.selectors import claims as claims_selector


def confidential_charges(*, patient_id: UUID | str, charge_ids: Iterable[int]) -> set[int]:
    """Which of these charges are confidential care. Three queries (charges, their codes, the
    record's visits)."""
    ids = set(charge_ids)
    if not ids:
        return set()
    visits = {
        pk: (organization_id, encounter_ref)
        for pk, organization_id, encounter_ref in Charge.objects.filter(pk__in=ids).values_list(
            "pk", "account__organization_id", "encounter_ref"
        )
    }
    coded = {
        charge_id
        for charge_id, system, code in ChargeLine.objects.filter(charge_id__in=ids).values_list(
            "charge_id", "service_system", "service_code"
        )
        if claims_selector.sensitive_coding(system, code)
    }
    marked, shown = claims_selector.confidential_visits(patient_id=patient_id)
    return {
        pk for pk, visit in visits.items() if (visit[1] and visit in marked) or (pk in coded and visit not in shown)
    }


def mask_for(access: Access, charges: Iterable[Charge] = (), lines: Iterable[ChargeLine] = ()) -> set[int]:
    """Blank, in memory, what would reveal confidential care to this caregiver, on these charges
    (with their prefetched lines) and these lines; returns the masked charges' ids. Nothing is
    written; the patient and staff see the charges as they are."""
    if not access.hides_confidential:
        return set()
    charges, lines = list(charges), list(lines)
    hidden = confidential_charges(
        patient_id=access.patient.pk, charge_ids={c.pk for c in charges} | {line.charge_id for line in lines}
    )
    neutral = gettext("Clinic services")
    for charge in charges:
        if charge.pk in hidden:
            charge.provider_name = charge.encounter_ref = charge.claim_type = charge.eob_id = charge.claim_id = ""
            lines.extend(charge.lines.all())
    for line in lines:
        if line.charge_id in hidden:
            line.service_display, line.service_system, line.service_code = neutral, "", ""
            line.charge.provider_name = line.charge.encounter_ref = line.charge.claim_type = ""
    return hidden
