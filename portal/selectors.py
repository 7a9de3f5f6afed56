"""Every read of patient data in the portal core; each one applies the access policy
and writes its read-audit event."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import BigIntegerField, Case, Count, F, Max, Q, QuerySet, Value, When
from django.db.models.functions import TruncDate
from django.utils import timezone

from portal import audit
from portal.access import Access, Action, active_grants, patients_for
from portal.models import AuditEvent, Patient, ProxyGrant, StaffMember, User, UserSession

# How many patients a staff search shows; narrow the search to see others.
SEARCH_LIMIT = 25


def patient_overview(*, access: Access, actor: User) -> Patient:
    """The patient's home page; audited as a view of their profile."""
    audit.record_access(access, actor=actor, action=AuditEvent.Action.VIEW, obj=access.patient)
    return access.patient


# What the activity page's own reads are audited as.
ACTIVITY_LOG = "portal.ActivityLog"


def _visible_events(access: Access) -> QuerySet[AuditEvent]:
    """A caregiver sees only their own scopes, never confidential items, and never the sharing history."""
    events = AuditEvent.objects.filter(patient=access.patient)
    if access.grant is not None:
        events = events.filter(scope__in=access.grant.scopes)
    if access.hides_confidential:
        events = events.filter(confidential=False)
    return events


def activity_for(*, access: Access, actor: User) -> QuerySet[AuditEvent]:
    """Who viewed or changed what in this patient's care, every event (the API's list)."""
    events = _visible_events(access).select_related("actor")
    audit.record_access(access, actor=actor, action=AuditEvent.Action.VIEW, object_type=ACTIVITY_LOG)
    return events


def activity_lines(*, access: Access, actor: User) -> QuerySet[Any]:
    """The activity page's lines, newest first, as rows (dicts) grouped in the database so paging
    stays two queries: one person's views of one thing in one day (in the clinic's time zone)
    are one line with `times` and the `latest` moment; anything else stays a line of its own.
    Views of this history itself are left out: they would bury everything else."""
    rows = (
        _visible_events(access)
        .exclude(action=AuditEvent.Action.VIEW, object_type=ACTIVITY_LOG)
        .annotate(
            day=TruncDate("occurred_at", tzinfo=timezone.get_current_timezone()),
            single=Case(
                When(action=AuditEvent.Action.VIEW, then=Value(0)), default=F("pk"), output_field=BigIntegerField()
            ),
        )
        .values("actor_id", "acting_as", "action", "object_type", "object_id", "day", "single")
        .annotate(times=Count("pk"), latest=Max("occurred_at"), latest_id=Max("pk"))
        .order_by("-latest", "-latest_id")
    )
    audit.record_access(access, actor=actor, action=AuditEvent.Action.VIEW, object_type=ACTIVITY_LOG)
    return rows


def proxy_grants_for(*, access: Access, actor: User) -> QuerySet[ProxyGrant]:
    audit.record_access(access, actor=actor, action=AuditEvent.Action.VIEW, object_type="portal.ProxyGrantList")
    return ProxyGrant.objects.filter(patient=access.patient).select_related("grantee", "renewal")


def grants_held_by(user: User) -> QuerySet[ProxyGrant]:
    """The access a caregiver holds, for their own account page (their data, not the patient's)."""
    return active_grants().filter(grantee=user).select_related("patient")


def people_i_act_for(user: User) -> list[Patient]:
    """Whom a person can switch between in the header: themself first, then those they help."""
    grants = active_grants().filter(grantee=user).values("patient")
    people = list(Patient.objects.filter(Q(user=user) | Q(pk__in=grants)))
    people.sort(key=lambda patient: (patient.user_id != user.pk, patient.family_name, patient.given_name))
    return people


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


def sessions_of(user: User) -> QuerySet[UserSession]:
    return UserSession.objects.filter(user=user).order_by("-last_seen_at")
