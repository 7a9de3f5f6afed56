"""The authorization-matrix harness: every patient-data URL, every kind of actor, one exact answer.

Later apps add their endpoints to ENDPOINTS (or their own list using `Endpoint`, in a module named
`test_authz*.py`) and run them through `check_endpoint`. The expectations here are written out
by hand, not computed from portal/access.py, so a change of policy has to be made twice: once in
the code and once here, on purpose.

Each endpoint names its route (`Url`): tests/portal/test_authz_matrix.py finds every URL that takes
a patient id and fails for any route no matrix asks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from unittest import mock

from celery import Celery
from celery.app.task import Task
from django.apps import apps
from django.conf import settings
from django.core import mail
from django.db import connection
from django.db.models import Model
from django.test import Client, TestCase
from django.urls import resolve, reverse
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
class Url:
    """A matrix URL: its route (the URL name, as `resolve().view_name` gives it) is known without a
    world, so the coverage test can list the routes asked; the path is built at test time."""

    route: str
    build: Callable[[World], str]

    def __call__(self, world: World) -> str:
        return self.build(world)


def patient_url(route: str, **kwargs: Callable[[World], Any]) -> Url:
    """`route` reversed with the world's patient id and each keyword computed from the world."""
    return Url(
        route,
        lambda world: reverse(
            route, kwargs={"patient_id": world.patient.pk, **{key: get(world) for key, get in kwargs.items()}}
        ),
    )


@dataclass(frozen=True)
class Endpoint:
    name: str
    access: str  # a key of ALLOWED
    url: Url
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
    # Actors the access policy lets in but the service turns away with a message (e.g. staff asking
    # to renew what only the patient may renew), and the status they get. Nothing may change.
    declined: Mapping[str, int] = field(default_factory=dict)

    @property
    def route(self) -> str:
        return self.url.route

    def __str__(self) -> str:
        return self.name


def _p(name: str, **kwargs: Any) -> Url:
    """`name` reversed with the patient's id and fixed keywords."""
    return patient_url(name, **{key: (lambda world, value=value: value) for key, value in kwargs.items()})


def _item(key: str) -> Callable[[World], Any]:
    """The id of `world.items[key]`, for a URL keyword."""
    return lambda world: world.items[key].pk


def _invite(world: World) -> dict[str, Any]:
    return {"name": "New Helper", "email": "helper@example.org", "relationship": "son", "scopes": ["records"]}


def _a_grant_ended_at_18(world: World) -> None:
    """A caregiver whose access ended when the (now adult) patient turned 18: the patient may renew it."""
    world.items["ended_at_18"] = ProxyGrantFactory(
        patient=world.patient,
        status=ProxyGrant.Status.EXPIRED,
        end_reason=ProxyGrant.EndReason.TURNED_18,
        ended_at=timezone.now(),
    )


def _without_account(world: World) -> None:
    """The clinic invites a patient who has no account yet; the SELF actor is then a former
    account holder, refused like anyone else who is not staff."""
    world.patient.user = None
    world.patient.save(update_fields=["user"])


ENDPOINTS = [
    Endpoint("patient home", "profile", _p("patient_home")),
    # The billing section's address is now billing's own home page (its matrix is billing's).
    # Arrived with refills: the section sends the patient side on to its pages (staff too, who then get 404 there).
    Endpoint(
        "section medications",
        "scoped",
        _p("section", slug="medications"),
        scope=Scope.REFILLS,
        audited=False,
        ok_status=302,
    ),
    Endpoint("activity", "activity", _p("activity")),
    Endpoint("sharing page", "sharing", _p("sharing")),
    Endpoint("sharing invite", "sharing", _p("sharing"), method="post", data=_invite, ok_status=302),
    Endpoint(
        "sharing revoke",
        "sharing",
        patient_url("sharing_revoke", grant_id=lambda world: world.open_grant.pk),
        method="post",
        ok_status=302,
    ),
    Endpoint(
        "sharing renew",
        "sharing",
        patient_url("sharing_renew", grant_id=_item("ended_at_18")),
        method="post",
        ok_status=302,
        arrange=_a_grant_ended_at_18,
        # Staff reach the sharing page, but only the patient renews: staff are told so and nothing changes.
        declined={CLINIC_STAFF: 302, CARE_TEAM_STAFF: 302},
    ),
    Endpoint(
        "sharing reinvite",
        "sharing",
        patient_url("sharing_reinvite", grant_id=lambda world: world.open_grant.pk),
        method="post",
        ok_status=302,
    ),
    Endpoint("staff patient page", "staff_only", _p("staff_patient")),
    Endpoint("staff guardian form", "staff_only", _p("staff_guardian_grant")),
    # A GET only goes back to the staff patient page; the POST sends the activation link.
    Endpoint("staff patient invite page", "staff_only", _p("staff_patient_invite"), ok_status=302, audited=False),
    Endpoint(
        "staff patient invite",
        "staff_only",
        _p("staff_patient_invite"),
        method="post",
        data=lambda world: {"email": "quillon@example.org"},
        ok_status=302,
        arrange=_without_account,
    ),
    # A GET only goes back to the staff patient page; the POST prints (200) or texts a desk code.
    Endpoint("staff desk code page", "staff_only", _p("staff_patient_desk_code"), ok_status=302, audited=False),
    Endpoint(
        "staff desk code printed",
        "staff_only",
        _p("staff_patient_desk_code"),
        method="post",
        data=lambda world: {"delivery": "print"},
        arrange=_without_account,
    ),
    Endpoint(
        "staff desk code texted",
        "staff_only",
        _p("staff_patient_desk_code"),
        method="post",
        data=lambda world: {"delivery": "text", "phone": "+15555550142"},
        ok_status=302,
        arrange=_without_account,
    ),
    Endpoint("api patient", "profile", _p("api_patient"), api=True),
    Endpoint("api activity", "activity", _p("api_activity"), api=True),
    Endpoint("api proxy grants", "sharing", _p("api_proxy_grants"), api=True),
    Endpoint("api invite", "sharing", _p("api_proxy_grants"), method="post", data=_invite, api=True, ok_status=201),
    Endpoint(
        "api revoke",
        "sharing",
        patient_url("api_proxy_grant_revoke", grant_id=lambda world: world.open_grant.pk),
        method="post",
        api=True,
    ),
]


def project_models() -> list[type[Model]]:
    """Every model of the project's own apps (portal, records, messaging, scheduling and any later
    one), found from django.apps so a new app is counted without being named here. Third-party
    apps (auth backends, OAuth tokens, Django's sessions) are not the project's data.

    Left out, on purpose:
    - AuditEvent: append-only, and where a refusal may one day legitimately be recorded;
      `check_endpoint` checks it on its own.
    - UserSession: the actor's own signed-in browser, touched by every request they make.
    """
    return [
        model
        for config in apps.get_app_configs()
        if (Path(settings.BASE_DIR) / config.name.partition(".")[0]).is_dir()
        for model in config.get_models()
        if model not in (AuditEvent, UserSession)
    ]


def database_rows() -> dict[str, str]:
    """A fingerprint of every row of every project table as it stands: a refusal must neither add,
    remove nor change one. One query: PostgreSQL hashes each table's sorted rows (a row's text
    form holds every column), so the comparison names the table that moved."""
    tables = [(model._meta.label, model._meta.db_table) for model in project_models()]
    quote = connection.ops.quote_name
    # Table names come from the models' metadata, quoted; the labels are parameters.
    union = " UNION ALL ".join(
        f"SELECT %s, (SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM {quote(table)} t)"  # noqa: S608
        for _label, table in tables
    )
    with connection.cursor() as cursor:
        cursor.execute(union, [label for label, _table in tables])
        return dict(cursor.fetchall())


@dataclass
class QueuedWork:
    """Work a request asked to happen later: Celery tasks and `transaction.on_commit` callbacks."""

    tasks: list[str] = field(default_factory=list)
    on_commit: list[Callable[[], Any]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.tasks or self.on_commit)


@contextmanager
def queued_work() -> Iterator[QueuedWork]:
    """Catch every Celery task queued (`delay`, `apply_async`, `send_task`) and every on-commit
    callback registered inside the block. Nothing is sent to a broker; the callbacks are run on
    leaving (the test's transaction never commits), so a task queued by one is caught too."""
    queued = QueuedWork()

    def apply_async(task: Task, *args: Any, **kwargs: Any) -> None:
        queued.tasks.append(task.name)

    def send_task(app: Celery, name: str, *args: Any, **kwargs: Any) -> None:
        queued.tasks.append(name)

    with (
        mock.patch.object(Task, "apply_async", autospec=True, side_effect=apply_async),
        mock.patch.object(Celery, "send_task", autospec=True, side_effect=send_task),
        TestCase.captureOnCommitCallbacks(execute=True) as callbacks,
    ):
        yield queued
    queued.on_commit = list(callbacks)


def check_endpoint(endpoint: Endpoint, actor: str) -> None:
    """Ask `endpoint` as `actor` and assert the exact answer, the audit trail and that nothing leaked."""
    world = build_world(endpoint.scope)
    endpoint.arrange(world)
    client = world.client_for(actor)
    url = endpoint.url(world)
    assert resolve(url.split("?")[0]).view_name == endpoint.route, f"{endpoint.name} does not ask {endpoint.route}"
    allowed = actor in ALLOWED[endpoint.access] and actor not in endpoint.declined
    before = database_rows()
    audit_before = AuditEvent.objects.count()
    mail.outbox.clear()
    kwargs: dict[str, Any] = {"content_type": "application/json"} if endpoint.api else {}
    payload = endpoint.data(world)
    if allowed:
        response = getattr(client, endpoint.method)(url, payload, **kwargs)
        assert response.status_code == endpoint.ok_status, (endpoint.name, actor, response.status_code)
        new_events = list(AuditEvent.objects.order_by("-id")[: AuditEvent.objects.count() - audit_before])
        if not endpoint.audited:
            assert new_events == []
            return
        assert new_events, f"{endpoint.name} as {actor} wrote no audit event"
        assert {event.actor_id for event in new_events} == {world.users[actor].pk}
        assert {event.patient_id for event in new_events} == {world.patient.pk}
        return

    with queued_work() as queued:
        response = getattr(client, endpoint.method)(url, payload, **kwargs)
    if actor in endpoint.declined:
        assert response.status_code == endpoint.declined[actor], (endpoint.name, actor, response.status_code)
    elif actor == ANONYMOUS:
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
    assert database_rows() == before, f"{endpoint.name} as {actor} wrote to the database"
    # No refusal is audited today; one that is will be an event of its own kind, checked here.
    assert AuditEvent.objects.count() == audit_before, f"{endpoint.name} as {actor} wrote an audit event"
    assert not queued, f"{endpoint.name} as {actor} queued work: {queued}"
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


ENDPOINTS += [
    Endpoint("record overview", "scoped", _p("record_overview"), arrange=_a_result),
    Endpoint("record results", "scoped", _p("record_results"), arrange=_a_result),
    Endpoint("record trend", "scoped", _p("record_trend", code="4548-4"), arrange=_a_result),
    Endpoint(
        "record trend of a result",
        "scoped",
        patient_url("record_result_trend", item_id=_item("result")),
        arrange=_a_result,
    ),
    *[
        Endpoint(f"record {page}", "scoped", _p("record_list", page=page), arrange=_a_result)
        for page in (
            "problems",
            "medications",
            "allergies",
            "immunizations",
            "visits",
            "procedures",
            "documents",
            "care-plans",
            "goals",
            "imaging",
            "devices",
        )
    ],
    Endpoint(
        "record document",
        "scoped",
        patient_url("record_document", item_id=_item("document")),
        arrange=_a_result,
    ),
    Endpoint(
        "record attachment",
        "scoped",
        patient_url("record_attachment", item_id=_item("document"), attachment_id=_item("attachment")),
        arrange=_a_document_file,
    ),
]


def _fhir(route: str, kwargs: Callable[[World], dict[str, Any]], query: str = "", **fields: Any) -> dict[str, Any]:
    """A FHIR API endpoint: `query` is formatted with the world (e.g. "?patient={world.patient.pk}")."""
    url = Url(route, lambda world: reverse(route, kwargs=kwargs(world)) + query.format(world=world))
    return {"url": url, "api": True, "anonymous_status": 401, **fields}


ENDPOINTS += [
    Endpoint(
        "fhir patient",
        "scoped",
        **_fhir("fhir_read", lambda world: {"resource_type": "Patient", "resource_id": world.patient.pk}),
    ),
    Endpoint(
        "fhir read",
        "scoped",
        **_fhir(
            "fhir_read",
            lambda world: {"resource_type": "Observation", "resource_id": world.items["result"].record_id},
            arrange=_a_result,
        ),
    ),
    Endpoint(
        "fhir search",
        "scoped",
        **_fhir(
            "fhir_search",
            lambda world: {"resource_type": "Observation"},
            "?patient={world.patient.pk}",
            arrange=_a_result,
        ),
    ),
    Endpoint(
        "fhir search including the patient",
        "scoped",
        **_fhir(
            "fhir_search",
            lambda world: {"resource_type": "Observation"},
            "?patient={world.patient.pk}&_include=Observation:patient",
            arrange=_a_result,
        ),
    ),
    Endpoint(
        "fhir everything",
        "scoped",
        **_fhir("fhir_everything", lambda world: {"patient_id": world.patient.pk}, arrange=_a_result),
    ),
]

# The types the record showed before the API served them: read and searched like the others.
FHIR_RECORD_LINES = {"Goal": "goal", "CarePlan": "care_plan", "ImagingStudy": "imaging", "Device": "device"}


def _a_line_of(resource_type: str) -> Callable[[World], None]:
    def arrange(world: World) -> None:
        from records.factories import RecordItemFactory

        world.items[resource_type] = RecordItemFactory(
            patient=world.patient,
            source=world.patient.home_organization,
            kind=FHIR_RECORD_LINES[resource_type],
            display=f"A {resource_type} of the record",
            record__resource_type=resource_type,
            code_system="",
            code="",
            category="",
            value_number=None,
            unit="",
        )

    return arrange


for _type in FHIR_RECORD_LINES:
    ENDPOINTS += [
        Endpoint(
            f"fhir read {_type}",
            "scoped",
            **_fhir(
                "fhir_read",
                lambda world, t=_type: {"resource_type": t, "resource_id": world.items[t].record_id},
                arrange=_a_line_of(_type),
            ),
        ),
        Endpoint(
            f"fhir search {_type}",
            "scoped",
            **_fhir(
                "fhir_search",
                lambda world, t=_type: {"resource_type": t},
                "?patient={world.patient.pk}",
                arrange=_a_line_of(_type),
            ),
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
    Endpoint("record release preferences", "patient_only", _p("record_release_preferences")),
    Endpoint(
        "record release preferences save",
        "patient_only",
        _p("record_release_preferences"),
        method="post",
        data=lambda world: {"after_review": ["hiv_sti", "genetic"]},
        ok_status=302,
    ),
    Endpoint(
        "record confidential",
        "staff_only",
        patient_url("record_confidential", item_id=_item("result")),
        method="post",
        data=lambda world: {"confidential": "1", "reason": "Asked by the patient at the visit."},
        ok_status=302,
        arrange=_a_result,
    ),
    Endpoint(
        "staff release result",
        "staff_only",
        patient_url("records_release", item_id=_item("held")),
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


ENDPOINTS += [
    Endpoint("home readings", "scoped", _p("record_readings"), arrange=_a_home_reading),
    Endpoint(
        "home readings of a kind",
        "scoped",
        _p("record_reading_kind", slug="blood-pressure"),
        arrange=_a_home_reading,
    ),
    Endpoint(
        "home reading", "scoped", patient_url("record_reading", reading_id=_item("reading")), arrange=_a_home_reading
    ),
    Endpoint(
        "home reading entry",
        "patient_side",
        _p("record_reading_kind", slug="blood-pressure"),
        method="post",
        data=_blood_pressure_form,
        ok_status=302,
    ),
    Endpoint(
        "correction form",
        "patient_side",
        patient_url("record_correction", item_id=_item("allergy")),
        arrange=_an_allergy,
    ),
    Endpoint(
        "correction send",
        "patient_side",
        patient_url("record_correction", item_id=_item("allergy")),
        method="post",
        data=lambda world: {"text": "I stopped taking this in 2023."},
        ok_status=302,
        arrange=_an_allergy,
    ),
    Endpoint(
        "correction sent",
        "scoped",
        patient_url("record_correction_sent", task_id=_item("correction")),
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
        Url(
            "staff_care_task_done",
            lambda world: reverse("staff_care_task_done", kwargs={"task_id": world.items["reading_task"].pk}),
        ),
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
    Endpoint("record download page", "scoped", _p("record_download"), audited=False),
    Endpoint(
        "record download pdf",
        "scoped",
        _p("record_download"),
        method="post",
        data=_download_form("pdf"),
        arrange=_a_result,
    ),
    Endpoint(
        "record download fhir",
        "scoped",
        _p("record_download"),
        method="post",
        data=_download_form("fhir"),
        arrange=_a_result,
    ),
    Endpoint("record share links", "patient_only", _p("record_share"), arrange=_a_share_link),
    Endpoint(
        "record share link create",
        "patient_only",
        _p("record_share"),
        method="post",
        data=lambda world: {"label": "Dr. Patel", "sections": ["results"], "days": 7},
        arrange=_a_result,
    ),
    Endpoint(
        "record share link revoke",
        "patient_only",
        patient_url("record_share_revoke", link_id=_item("share_link")),
        method="post",
        ok_status=302,
        arrange=_a_share_link,
    ),
]
