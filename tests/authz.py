"""The authorization-matrix harness: every patient-data URL, every kind of actor, one exact answer.

Later apps add their endpoints to ENDPOINTS (or their own list using `Endpoint`)
and run them through `check_endpoint`. The expectations here are written out
by hand, not computed from portal/access.py, so a change of policy has to be
made twice: once in the code and once here, on purpose.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from portal.factories import (
    CareTeamMembershipFactory,
    OrganizationFactory,
    PatientFactory,
    ProxyGrantFactory,
    StaffMemberFactory,
)
from portal.models import AuditEvent, Patient, ProxyGrant, Scope, StaffRole, UserSession
from tests.conftest import sign_in

ANONYMOUS = "anonymous"
SELF = "self"
PROXY_WITH_SCOPE = "proxy_with_scope"
PROXY_WITHOUT_SCOPE = "proxy_without_scope"
REVOKED_PROXY = "revoked_proxy"
EXPIRED_PROXY = "expired_proxy"
OTHER_PATIENT = "other_patient"
CLINIC_STAFF = "clinic_staff"
CARE_TEAM_STAFF = "care_team_staff"
OTHER_ORG_STAFF = "other_org_staff"
ADMINISTRATOR = "administrator"

ACTORS = [
    ANONYMOUS,
    SELF,
    PROXY_WITH_SCOPE,
    PROXY_WITHOUT_SCOPE,
    REVOKED_PROXY,
    EXPIRED_PROXY,
    OTHER_PATIENT,
    CLINIC_STAFF,
    CARE_TEAM_STAFF,
    OTHER_ORG_STAFF,
    ADMINISTRATOR,
]

# Who gets in, by the kind of access an endpoint needs.
STAFF = {CLINIC_STAFF, CARE_TEAM_STAFF}
# Actors with no standing relationship to the patient: not even the patient's name may reach them.
# (A proxy refused one page still sees whom they help in the header.)
STRANGERS = {ANONYMOUS, REVOKED_PROXY, EXPIRED_PROXY, OTHER_PATIENT, OTHER_ORG_STAFF, ADMINISTRATOR}
ALLOWED = {
    "profile": {SELF, PROXY_WITH_SCOPE, PROXY_WITHOUT_SCOPE} | STAFF,
    "scoped": {SELF, PROXY_WITH_SCOPE} | STAFF,
    "activity": {SELF, PROXY_WITH_SCOPE, PROXY_WITHOUT_SCOPE},
    "sharing": {SELF} | STAFF,
    "staff_only": STAFF,
}


@dataclass
class World:
    """One patient and everyone around them."""

    patient: Patient
    open_grant: ProxyGrant
    users: dict[str, Any] = field(default_factory=dict)
    items: dict[str, Any] = field(default_factory=dict)

    def client_for(self, actor: str) -> Client:
        client = Client()
        user = self.users.get(actor)
        if user is None:
            return client
        return sign_in(client, user, second_factor=actor in STAFF | {OTHER_ORG_STAFF, ADMINISTRATOR})


def build_world(scope: str) -> World:
    """A patient of a home clinic; proxies with and without `scope`; staff near and far."""
    home = OrganizationFactory()
    elsewhere = OrganizationFactory()
    # A name no page would contain by chance, so the no-leak checks cannot be fooled by a common word.
    patient = PatientFactory(home_organization=home, given_name="Quillon", family_name="Vexmoorhaven")
    other_scopes = [s for s in Scope.values if s != scope]
    users: dict[str, Any] = {SELF: patient.user, OTHER_PATIENT: PatientFactory(home_organization=home).user}
    users[PROXY_WITH_SCOPE] = ProxyGrantFactory(patient=patient, scopes=[scope]).grantee
    users[PROXY_WITHOUT_SCOPE] = ProxyGrantFactory(patient=patient, scopes=other_scopes).grantee
    users[REVOKED_PROXY] = ProxyGrantFactory(
        patient=patient, status=ProxyGrant.Status.REVOKED, ended_at=timezone.now()
    ).grantee
    # Past its end date but not yet swept: the policy must refuse it by time alone.
    users[EXPIRED_PROXY] = ProxyGrantFactory(patient=patient, ends_at=timezone.now()).grantee
    users[CLINIC_STAFF] = StaffMemberFactory(organization=home, role=StaffRole.NURSE).user
    specialist = StaffMemberFactory(organization=elsewhere, role=StaffRole.PHYSICIAN)
    CareTeamMembershipFactory(patient=patient, staff=specialist)
    users[CARE_TEAM_STAFF] = specialist.user
    users[OTHER_ORG_STAFF] = StaffMemberFactory(organization=elsewhere, role=StaffRole.NURSE).user
    users[ADMINISTRATOR] = StaffMemberFactory(organization=home, role=StaffRole.ADMINISTRATOR).user
    open_grant = ProxyGrantFactory(
        patient=patient,
        grantee=None,
        status=ProxyGrant.Status.INVITED,
        accepted_at=None,
        invited_email="invited@example.org",
    )
    return World(patient=patient, open_grant=open_grant, users=users)


@dataclass(frozen=True)
class Endpoint:
    name: str
    access: str  # a key of ALLOWED
    url: Callable[[World], str]
    method: str = "get"
    data: Callable[[World], dict[str, Any]] = lambda world: {}
    api: bool = False
    scope: str = Scope.RECORDS
    # Status for an allowed actor; denied ones get 404 (anonymous: login redirect, or 403 on the API).
    ok_status: int = 200
    # Pages that show no patient data write no audit event (the section placeholders).
    audited: bool = True
    # Data the endpoint needs to exist before it is asked (e.g. a result to chart).
    arrange: Callable[[World], Any] = lambda world: None
    # What an anonymous caller gets when not the default (login redirect, or 403 on the API):
    # e.g. 401 with a Bearer challenge on the FHIR API.
    anonymous_status: int | None = None

    def __str__(self) -> str:
        return self.name


def _p(name: str, **kwargs: Any) -> Callable[[World], str]:
    return lambda world: reverse(name, kwargs={"patient_id": world.patient.pk, **kwargs})


def _invite(world: World) -> dict[str, Any]:
    return {"name": "New Helper", "email": "helper@example.org", "relationship": "son", "scopes": ["records"]}


ENDPOINTS = [
    Endpoint("patient home", "profile", _p("patient_home")),
    *[
        Endpoint(f"section {slug}", "scoped", _p("section", slug=slug), scope=scope, audited=False)
        for slug, scope in [
            ("medications", Scope.REFILLS),
            ("billing", Scope.BILLING),
        ]
    ],
    Endpoint("activity", "activity", _p("activity")),
    Endpoint("sharing page", "sharing", _p("sharing")),
    Endpoint("sharing invite", "sharing", _p("sharing"), method="post", data=_invite, ok_status=302),
    Endpoint(
        "sharing revoke",
        "sharing",
        lambda world: reverse(
            "sharing_revoke", kwargs={"patient_id": world.patient.pk, "grant_id": world.open_grant.pk}
        ),
        method="post",
        ok_status=302,
    ),
    Endpoint(
        "sharing reinvite",
        "sharing",
        lambda world: reverse(
            "sharing_reinvite", kwargs={"patient_id": world.patient.pk, "grant_id": world.open_grant.pk}
        ),
        method="post",
        ok_status=302,
    ),
    Endpoint("staff patient page", "staff_only", _p("staff_patient")),
    Endpoint("staff guardian form", "staff_only", _p("staff_guardian_grant")),
    Endpoint("api patient", "profile", _p("api_patient"), api=True),
    Endpoint("api activity", "activity", _p("api_activity"), api=True),
    Endpoint("api proxy grants", "sharing", _p("api_proxy_grants"), api=True),
    Endpoint("api invite", "sharing", _p("api_proxy_grants"), method="post", data=_invite, api=True, ok_status=201),
    Endpoint(
        "api revoke",
        "sharing",
        lambda world: reverse(
            "api_proxy_grant_revoke", kwargs={"patient_id": world.patient.pk, "grant_id": world.open_grant.pk}
        ),
        method="post",
        api=True,
    ),
]


def _row_counts() -> dict[str, int]:
    """Rows of patient data and access. The actor's own signed-in-session row is theirs, not the patient's."""
    return {
        model._meta.label: model.objects.count()
        for label in ("portal", "messaging", "scheduling")
        for model in apps.get_app_config(label).get_models()
        if model is not UserSession
    }


def check_endpoint(endpoint: Endpoint, actor: str) -> None:
    """Ask `endpoint` as `actor` and assert the exact answer, the audit trail and that nothing leaked."""
    world = build_world(endpoint.scope)
    endpoint.arrange(world)
    client = world.client_for(actor)
    url = endpoint.url(world)
    allowed = actor in ALLOWED[endpoint.access]
    before = _row_counts()
    audit_before = AuditEvent.objects.count()
    mail.outbox.clear()
    kwargs: dict[str, Any] = {"content_type": "application/json"} if endpoint.api else {}
    payload = endpoint.data(world)
    response = getattr(client, endpoint.method)(url, payload, **kwargs)

    if allowed:
        assert response.status_code == endpoint.ok_status, (endpoint.name, actor, response.status_code)
        new_events = list(AuditEvent.objects.order_by("-id")[: AuditEvent.objects.count() - audit_before])
        if not endpoint.audited:
            assert new_events == []
            return
        assert new_events, f"{endpoint.name} as {actor} wrote no audit event"
        assert {event.actor_id for event in new_events} == {world.users[actor].pk}
        assert {event.patient_id for event in new_events} == {world.patient.pk}
        return

    if actor == ANONYMOUS:
        expected = endpoint.anonymous_status or (403 if endpoint.api else 302)
        assert response.status_code == expected, (endpoint.name, actor, response.status_code)
        if expected == 302:
            assert response["Location"].startswith(reverse("account_login"))
    else:
        assert response.status_code == 404, (endpoint.name, actor, response.status_code)
    if actor in STRANGERS:
        body = response.content.decode()
        assert world.patient.family_name not in body
        assert str(world.patient.pk) not in body.replace(url, "")
    assert _row_counts() == before, f"{endpoint.name} as {actor} wrote to the database"
    assert mail.outbox == []


def _a_result(world: World) -> None:
    from records.factories import RecordItemFactory

    world.items["result"] = RecordItemFactory(patient=world.patient, source=world.patient.home_organization)
    world.items["document"] = RecordItemFactory(
        patient=world.patient,
        source=world.patient.home_organization,
        kind="document",
        display="Visit note",
        code="11506-3",
        body="Seen today for a check-up.",
    )


def _a_document_file(world: World) -> None:
    from records.models import RecordAttachment

    _a_result(world)
    world.items["attachment"] = RecordAttachment.objects.create(
        item=world.items["document"], content_type="application/pdf", data=b"%PDF-1.3\n", size=9, sha256="0" * 64
    )


def _record(name: str, **kwargs: Any) -> Callable[[World], str]:
    return lambda world: reverse(name, kwargs={"patient_id": world.patient.pk, **kwargs})


ENDPOINTS += [
    Endpoint("record overview", "scoped", _record("record_overview"), arrange=_a_result),
    Endpoint("record results", "scoped", _record("record_results"), arrange=_a_result),
    Endpoint("record trend", "scoped", _record("record_trend", code="4548-4"), arrange=_a_result),
    *[
        Endpoint(f"record {page}", "scoped", _record("record_list", page=page), arrange=_a_result)
        for page in ("problems", "medications", "allergies", "immunizations", "visits", "procedures", "documents")
    ],
    Endpoint(
        "record document",
        "scoped",
        lambda world: reverse(
            "record_document", kwargs={"patient_id": world.patient.pk, "item_id": world.items["document"].pk}
        ),
        arrange=_a_result,
    ),
    Endpoint(
        "record attachment",
        "scoped",
        lambda world: reverse(
            "record_attachment",
            kwargs={
                "patient_id": world.patient.pk,
                "item_id": world.items["document"].pk,
                "attachment_id": world.items["attachment"].pk,
            },
        ),
        arrange=_a_document_file,
    ),
]


def _fhir(path: Callable[[World], str], **kwargs: Any) -> dict[str, Any]:
    return {"url": lambda world: f"/fhir/R4/{path(world)}", "api": True, "anonymous_status": 401, **kwargs}


ENDPOINTS += [
    Endpoint("fhir patient", "scoped", **_fhir(lambda world: f"Patient/{world.patient.pk}")),
    Endpoint(
        "fhir read",
        "scoped",
        **_fhir(lambda world: f"Observation/{world.items['result'].record_id}", arrange=_a_result),
    ),
    Endpoint(
        "fhir search", "scoped", **_fhir(lambda world: f"Observation?patient={world.patient.pk}", arrange=_a_result)
    ),
    Endpoint(
        "fhir everything", "scoped", **_fhir(lambda world: f"Patient/{world.patient.pk}/$everything", arrange=_a_result)
    ),
]


# Result release: the patient's own "see only after review" choices (the patient alone: not a
# caregiver, not staff), and a clinician's release of a held result.
ALLOWED["patient_only"] = {SELF}


def _a_held_result(world: World) -> None:
    from datetime import timedelta

    from records.factories import RecordItemFactory
    from records.models import RecordItem, ReleaseHold

    item = RecordItemFactory(
        patient=world.patient, source=world.patient.home_organization, release=RecordItem.Release.HELD
    )
    ReleaseHold.objects.create(item=item, release_due_at=timezone.now() + timedelta(hours=72))
    world.items["held"] = item


ENDPOINTS += [
    Endpoint("record release preferences", "patient_only", _record("record_release_preferences")),
    Endpoint(
        "record release preferences save",
        "patient_only",
        _record("record_release_preferences"),
        method="post",
        data=lambda world: {"after_review": ["hiv_sti", "genetic"]},
        ok_status=302,
    ),
    Endpoint(
        "staff release result",
        "staff_only",
        lambda world: reverse(
            "records_release", kwargs={"patient_id": world.patient.pk, "item_id": world.items["held"].pk}
        ),
        method="post",
        data=lambda world: {"comment": "Within the usual range."},
        ok_status=302,
        arrange=_a_held_result,
    ),
]


# Home readings and reported mistakes: the patient and caregivers with the records scope enter
# readings and report mistakes (staff read the readings but enter nothing); staff who may see the
# record set a patient's limits and close care tasks. The staff care-task queue is not about one
# patient: tests/records/test_corrections.py asks it as every actor.
ALLOWED["patient_side"] = {SELF, PROXY_WITH_SCOPE}


def _a_home_reading(world: World) -> None:
    from records.models import CareTask, HomeReading

    reading = HomeReading.objects.create(
        patient=world.patient,
        kind=HomeReading.Kind.BLOOD_PRESSURE,
        systolic=190,
        diastolic=100,
        taken_at=timezone.now(),
        entered_by=world.patient.user,
    )
    world.items["reading"] = reading
    world.items["reading_task"] = CareTask.objects.create(
        patient=world.patient, kind=CareTask.Kind.READING, reading=reading, created_by=world.patient.user
    )


def _an_allergy(world: World) -> None:
    from records.factories import RecordItemFactory
    from records.models import CareTask, RecordItem

    allergy = RecordItemFactory(
        patient=world.patient,
        source=world.patient.home_organization,
        kind=RecordItem.Kind.ALLERGY,
        display="Penicillin",
        code="7980",
    )
    world.items["allergy"] = allergy
    world.items["correction"] = CareTask.objects.create(
        patient=world.patient,
        kind=CareTask.Kind.CORRECTION,
        item=allergy,
        text="I am not allergic to penicillin.",
        created_by=world.patient.user,
    )


def _blood_pressure_form(world: World) -> dict[str, Any]:
    from datetime import timedelta
    from zoneinfo import ZoneInfo

    taken = timezone.localtime(timezone.now() - timedelta(hours=1), ZoneInfo(world.patient.home_organization.time_zone))
    return {"systolic": 128, "diastolic": 82, "taken_at": taken.strftime("%Y-%m-%dT%H:%M"), "note": ""}


def _with_item(name: str, key: str, kwarg: str) -> Callable[[World], str]:
    return lambda world: reverse(name, kwargs={"patient_id": world.patient.pk, kwarg: world.items[key].pk})


ENDPOINTS += [
    Endpoint("home readings", "scoped", _record("record_readings"), arrange=_a_home_reading),
    Endpoint(
        "home readings of a kind",
        "scoped",
        _record("record_reading_kind", slug="blood-pressure"),
        arrange=_a_home_reading,
    ),
    Endpoint("home reading", "scoped", _with_item("record_reading", "reading", "reading_id"), arrange=_a_home_reading),
    Endpoint(
        "home reading entry",
        "patient_side",
        _record("record_reading_kind", slug="blood-pressure"),
        method="post",
        data=_blood_pressure_form,
        ok_status=302,
    ),
    Endpoint(
        "correction form", "patient_side", _with_item("record_correction", "allergy", "item_id"), arrange=_an_allergy
    ),
    Endpoint(
        "correction send",
        "patient_side",
        _with_item("record_correction", "allergy", "item_id"),
        method="post",
        data=lambda world: {"text": "I stopped taking this in 2023."},
        ok_status=302,
        arrange=_an_allergy,
    ),
    Endpoint(
        "correction sent",
        "scoped",
        _with_item("record_correction_sent", "correction", "task_id"),
        arrange=_an_allergy,
    ),
    Endpoint("staff reading limits", "staff_only", _p("staff_reading_thresholds")),
    Endpoint(
        "staff reading limits save",
        "staff_only",
        _p("staff_reading_thresholds"),
        method="post",
        data=lambda world: {"systolic_high": "150"},
        ok_status=302,
    ),
    Endpoint(
        "staff care task done",
        "staff_only",
        lambda world: reverse("staff_care_task_done", kwargs={"task_id": world.items["reading_task"].pk}),
        method="post",
        data=lambda world: {f"task-{world.items['reading_task'].pk}-resolution": "Called the patient."},
        ok_status=302,
        arrange=_a_home_reading,
    ),
]


def _a_share_link(world: World) -> None:
    from datetime import timedelta

    from records.models import ShareLink

    _a_result(world)
    world.items["share_link"] = ShareLink.objects.create(
        patient=world.patient,
        created_by=world.patient.user,
        label="Dr. Patel",
        token_hash="0" * 64,
        kinds=["result"],
        expires_at=timezone.now() + timedelta(days=7),
    )


def _download_form(fmt: str) -> Callable[[World], dict[str, Any]]:
    return lambda world: {"format": fmt, "sections": ["results", "documents"]}


# Downloads: anyone who may read the record. Share links: the patient only (the public
# /shared/<token>/ page has no signed-in actor and is tested in tests/records/test_share_links.py).
ENDPOINTS += [
    Endpoint("record download page", "scoped", _record("record_download"), audited=False),
    Endpoint(
        "record download pdf",
        "scoped",
        _record("record_download"),
        method="post",
        data=_download_form("pdf"),
        arrange=_a_result,
    ),
    Endpoint(
        "record download fhir",
        "scoped",
        _record("record_download"),
        method="post",
        data=_download_form("fhir"),
        arrange=_a_result,
    ),
    Endpoint("record share links", "patient_only", _record("record_share"), arrange=_a_share_link),
    Endpoint(
        "record share link create",
        "patient_only",
        _record("record_share"),
        method="post",
        data=lambda world: {"label": "Dr. Patel", "sections": ["results"], "days": 7},
        arrange=_a_result,
    ),
    Endpoint(
        "record share link revoke",
        "patient_only",
        lambda world: reverse(
            "record_share_revoke", kwargs={"patient_id": world.patient.pk, "link_id": world.items["share_link"].pk}
        ),
        method="post",
        ok_status=302,
        arrange=_a_share_link,
    ),
]
