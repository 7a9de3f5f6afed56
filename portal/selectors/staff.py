"""Reads on the staff side of the core: patient search (audited: a result is a disclosure) and a
staff member's roles."""

from __future__ import annotations

from datetime import date

from django.db.models import Q, QuerySet

from portal import audit
from portal.access import Action, patients_for
from portal.models import AuditEvent, Patient, StaffMember, User

# How many patients a staff search shows; narrow the search to see others.
SEARCH_LIMIT = 25


def patient_search(*, actor: User, query: str, birth_date: date | None) -> list[Patient]:
    """Staff search by name, date of birth or MRN among the patients they may see.
    Each patient shown is audited: a search result is a disclosure."""
    found = patients_for(actor, Action.PROFILE).select_related("home_organization")
    query = query.strip()
    if not query and birth_date is None:
        return []
    if birth_date is not None:
        found = found.filter(birth_date=birth_date)
    for word in query.split():
        found = found.filter(
            Q(mrn__iexact=word)
            | Q(given_name__istartswith=word)
            | Q(family_name__istartswith=word)
            | Q(preferred_name__istartswith=word)
        )
    results = list(found.order_by("family_name", "given_name")[:SEARCH_LIMIT])
    audit.record_list(
        (audit.Line(patient.pk, obj=patient) for patient in results),
        actor=actor,
        acting_as=AuditEvent.ActingAs.STAFF,
        action=AuditEvent.Action.SEARCH,
    )
    return results


def staff_roles_of(user: User) -> QuerySet[StaffMember]:
    return StaffMember.objects.filter(user=user, is_active=True).select_related("organization")
