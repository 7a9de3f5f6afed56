"""Reads of patient data on the patient side (the patient and their caregivers): the overview, the
activity page, sharing, the header's switcher. Each read of a patient's data applies the access
policy and writes its read-audit event."""

from __future__ import annotations

from typing import Any

from django.db.models import BigIntegerField, Case, Count, F, Max, Q, QuerySet, Value, When
from django.db.models.functions import TruncDate
from django.utils import timezone

from portal import audit
from portal.access import Access, active_grants
from portal.models import AuditEvent, Patient, ProxyGrant, User


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


def people_i_act_for(user: User) -> list[Patient]:
    """Whom a person can switch between in the header: themself first, then those they help."""
    grants = active_grants().filter(grantee=user).values("patient")
    people = list(Patient.objects.filter(Q(user=user) | Q(pk__in=grants)))
    people.sort(key=lambda patient: (patient.user_id != user.pk, patient.family_name, patient.given_name))
    return people
