"""Share links: the patient makes an expiring, scoped link; whoever opens it enters the patient's
birth date and sees a read-only summary; every view is audited; wrong dates lock it; it can be
turned off at once; caregivers and staff cannot make one."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from portal.factories import PatientFactory, ProxyGrantFactory, StaffMemberFactory, born_years_ago
from portal.models import AuditEvent, Patient, Scope
from portal.services.tokens import new_token, token_hash
from records.factories import RecordItemFactory
from records.models import RecordItem, ShareLink
from records.services import sharing
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db
Kind = RecordItem.Kind


def _page(patient: Patient) -> str:
    return f"/p/{patient.pk}/record/share/"


def _create(client, patient: Patient, **fields) -> tuple[ShareLink, str]:
    """Make a link through the page; returns it and the path of the URL shown once."""
    data = {"label": "Dr. Patel, cardiology", "sections": ["results", "problems"], "days": 7, **fields}
    response = client.post(_page(patient), data)
    assert response.status_code == 200, response.content.decode()[:500]
    url = response.context["new_link"]["url"]
    path = re.sub(r"^https?://[^/]+", "", url)
    return ShareLink.objects.get(pk=response.context["new_link"]["link"].pk), path


def _record_for(patient: Patient) -> dict[str, RecordItem]:
    source = patient.home_organization
    return {
        "result": RecordItemFactory(patient=patient, source=source, display="Hemoglobin A1c", code="4548-4"),
        "problem": RecordItemFactory(patient=patient, source=source, kind=Kind.PROBLEM, display="Asthma", code="1"),
        "held": RecordItemFactory(
            patient=patient, source=source, display="Biopsy result", code="x1", release=RecordItem.Release.HELD
        ),
        "confidential": RecordItemFactory(
            patient=patient, source=source, kind=Kind.PROBLEM, display="Private problem", code="2", confidential=True
        ),
        "unshared": RecordItemFactory(patient=patient, source=source, kind=Kind.MEDICATION, display="Metformin"),
    }


@pytest.fixture
def shared(client, patient) -> tuple[Patient, ShareLink, str]:
    """A patient with a record and a fresh link for results and problems; the client signed out."""
    _record_for(patient)
    sign_in(client, patient.user)
    link, path = _create(client, patient)
    client.logout()
    return patient, link, path


def _open(client, path: str, birth_date) -> object:
    return client.post(path, {"birth_date": birth_date.isoformat() if hasattr(birth_date, "isoformat") else birth_date})


def test_a_link_is_shown_once_and_only_its_hash_is_stored(client, patient) -> None:
    sign_in(client, patient.user)

    link, path = _create(client, patient, days=10)

    token = path.rstrip("/").rsplit("/", 1)[-1]
    assert path == f"/shared/{token}/"
    assert link.token_hash == token_hash(token)
    assert token not in str(ShareLink.objects.filter(pk=link.pk).values().get())
    assert not AuditEvent.objects.filter(object_id__contains=token).exists()
    assert link.kinds == [Kind.RESULT, Kind.VITAL, Kind.OBSERVATION, Kind.REPORT, Kind.PROBLEM]
    assert link.expires_at - link.created_at == timedelta(days=10)
    assert link.label == "Dr. Patel, cardiology"
    page = client.get(_page(patient)).content.decode()
    assert token not in page
    assert "Dr. Patel, cardiology" in page


def test_making_a_link_is_audited_as_sharing_hidden_from_caregivers(client, patient) -> None:
    sign_in(client, patient.user)

    link, _path = _create(client, patient)

    event = AuditEvent.objects.get(action=AuditEvent.Action.SHARE)
    assert (event.actor_id, event.patient_id, event.object_type, event.object_id, event.scope) == (
        patient.user.pk,
        patient.pk,
        sharing.SHARE_LINK,
        str(link.pk),
        "",
    )


def test_the_right_birth_date_shows_the_chosen_parts_and_is_audited(client, shared) -> None:
    patient, link, path = shared

    response = _open(client, path, patient.birth_date)

    assert response.status_code == 200
    page = response.content.decode()
    assert f"{patient.given_name} {patient.family_name}" in page
    assert "Asthma" in page
    assert "Hemoglobin A1c" in page
    assert "Biopsy result" not in page  # held for review
    assert "Private problem" not in page  # confidential: never through a link
    assert "Metformin" not in page  # medications were not chosen
    event = AuditEvent.objects.get(action=AuditEvent.Action.VIEW, object_type=sharing.SHARE_LINK)
    assert (event.actor_id, event.acting_as, event.patient_id, event.object_id) == (
        None,
        AuditEvent.ActingAs.SHARE_LINK,
        patient.pk,
        str(link.pk),
    )


def test_the_patient_sees_each_view_on_the_activity_page_and_the_links_page(client, shared) -> None:
    patient, link, path = shared
    _open(client, path, patient.birth_date)
    _open(client, path, patient.birth_date)
    sign_in(client, patient.user)

    activity = client.get(f"/p/{patient.pk}/activity/").content.decode()
    links = client.get(_page(patient))

    # Both views of the link that day, as one line with its count.
    text = " ".join(re.sub(r"<[^>]+>", " ", activity).split())
    assert text.count("Someone with a share link viewed part of the health record. 2 times today") == 1
    assert "You made a link to share part of the health record." in activity
    (row,) = links.context["active"]
    assert (row.link.pk, row.views) == (link.pk, 2)
    assert row.last_viewed is not None


def test_the_public_pages_are_not_indexed_not_cached_and_carry_no_portal_navigation(client, shared) -> None:
    patient, _link, path = shared
    sign_in(client, patient.user)  # even the patient themself sees the bare page

    for response in (client.get(path), _open(client, path, patient.birth_date)):
        assert response.status_code == 200
        assert response["X-Robots-Tag"] == "noindex, nofollow"
        assert "no-store" in response["Cache-Control"]
        assert response["Referrer-Policy"] == "strict-origin"
        page = response.content.decode()
        assert '<meta name="robots" content="noindex, nofollow">' in page
        assert "main-nav" not in page
        assert f"/p/{patient.pk}/" not in page


def test_before_the_birth_date_the_page_shows_nothing_about_the_patient(client, shared) -> None:
    patient, link, path = shared

    page = client.get(path).content.decode()

    assert patient.family_name not in page
    assert link.label not in page
    assert "Asthma" not in page


def test_a_wrong_birth_date_says_so_and_counts(client, shared) -> None:
    patient, link, path = shared

    response = _open(client, path, patient.birth_date - timedelta(days=1))

    assert response.status_code == 400
    assert response.context["form"].errors["birth_date"] == [
        "That date of birth does not match. 4 more tries before the link locks."
    ]
    assert patient.family_name not in response.content.decode()
    link.refresh_from_db()
    assert link.failed_attempts == 1
    assert not AuditEvent.objects.filter(object_type=sharing.SHARE_LINK, action=AuditEvent.Action.VIEW).exists()


def test_a_date_that_is_not_a_date_does_not_count(client, shared) -> None:
    _patient, link, path = shared

    response = _open(client, path, "19/19/1980")

    assert response.status_code == 400
    assert response.context["form"].errors["birth_date"] == ["Enter a date, for example 1980-02-19."]
    link.refresh_from_db()
    assert link.failed_attempts == 0


def test_five_wrong_birth_dates_lock_the_link_even_for_the_right_one(client, shared) -> None:
    patient, link, path = shared
    wrong = patient.birth_date - timedelta(days=400)
    for _ in range(4):
        assert _open(client, path, wrong).status_code == 400

    fifth = _open(client, path, wrong)
    after = _open(client, path, patient.birth_date)

    assert fifth.status_code == 410
    assert "locked" in fifth.content.decode()
    assert after.status_code == 410
    assert "locked" in after.content.decode()
    assert client.get(path).status_code == 410
    link.refresh_from_db()
    assert link.failed_attempts == 5
    assert not AuditEvent.objects.filter(object_type=sharing.SHARE_LINK, action=AuditEvent.Action.VIEW).exists()
    sign_in(client, patient.user)
    (row,) = client.get(_page(patient)).context["ended"]
    assert row.status == sharing.Status.LOCKED


def test_an_expired_link_explains_itself(client, shared) -> None:
    patient, link, path = shared
    now = timezone.now()
    ShareLink.objects.filter(pk=link.pk).update(created_at=now - timedelta(days=8), expires_at=now - timedelta(days=1))

    for response in (client.get(path), _open(client, path, patient.birth_date)):
        assert response.status_code == 410
        assert "This link has expired." in response.content.decode()
        assert response["X-Robots-Tag"] == "noindex, nofollow"


def test_the_patient_turns_a_link_off_at_once(client, shared) -> None:
    patient, link, path = shared
    sign_in(client, patient.user)

    response = client.post(f"/p/{patient.pk}/record/share/{link.pk}/revoke/", follow=True)

    assert "no longer works" in response.content.decode()
    link.refresh_from_db()
    assert link.revoked_at is not None
    event = AuditEvent.objects.get(action=AuditEvent.Action.REVOKE)
    assert (event.actor_id, event.object_type, event.object_id) == (patient.user.pk, sharing.SHARE_LINK, str(link.pk))
    client.logout()
    opened = _open(client, path, patient.birth_date)
    assert opened.status_code == 410
    assert "turned it off" in opened.content.decode()


def test_an_unknown_link_is_not_found(client, db) -> None:
    response = client.get("/shared/not-a-real-token/")

    assert response.status_code == 404
    assert "This link is not valid." in response.content.decode()


def test_many_failures_from_one_address_are_refused_for_a_while(client, shared) -> None:
    patient, _link, path = shared
    for _ in range(sharing.ATTEMPTS_PER_ADDRESS):
        client.get("/shared/guessing/")

    response = _open(client, path, patient.birth_date)

    assert response.status_code == 429
    assert "Too many tries" in response.content.decode()
    assert not AuditEvent.objects.filter(object_type=sharing.SHARE_LINK, action=AuditEvent.Action.VIEW).exists()
    other_address = _open(client.__class__(REMOTE_ADDR="203.0.113.9"), path, patient.birth_date)
    assert other_address.status_code == 200


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"days": 0}, "days", "Choose from 1 to 30 days."),
        ({"days": 31}, "days", "Choose from 1 to 30 days."),
        ({"sections": []}, "sections", "Choose at least one part of your record to share."),
        ({"label": ""}, "label", "This field is required."),
    ],
)
def test_bad_choices_make_no_link(client, patient, fields, field, message) -> None:
    sign_in(client, patient.user)
    data = {"label": "Dr. Patel", "sections": ["results"], "days": 7, **fields}

    response = client.post(_page(patient), data)

    assert response.status_code == 400
    assert response.context["form"].errors[field] == [message]
    assert ShareLink.objects.count() == 0


def test_the_default_expiry_is_seven_days(client, patient) -> None:
    sign_in(client, patient.user)

    form = client.get(_page(patient)).context["form"]

    assert form["days"].initial == 7


def test_a_caregiver_cannot_make_see_or_turn_off_links(client, shared) -> None:
    patient, link, _path = shared
    caregiver = ProxyGrantFactory(patient=patient, scopes=list(Scope.values)).grantee
    sign_in(client, caregiver)

    listed = client.get(_page(patient))
    made = client.post(_page(patient), {"label": "x", "sections": ["results"], "days": 7})
    revoked = client.post(f"/p/{patient.pk}/record/share/{link.pk}/revoke/")

    assert (listed.status_code, made.status_code, revoked.status_code) == (404, 404, 404)
    assert ShareLink.objects.count() == 1
    link.refresh_from_db()
    assert link.revoked_at is None


def test_staff_cannot_make_links_for_a_patient(client, patient) -> None:
    nurse = StaffMemberFactory(organization=patient.home_organization).user
    sign_in(client, nurse, second_factor=True)

    response = client.post(_page(patient), {"label": "x", "sections": ["results"], "days": 7})

    assert response.status_code == 404
    assert ShareLink.objects.count() == 0


def test_a_teen_can_share_but_never_their_confidential_items(client) -> None:
    teen = PatientFactory(birth_date=born_years_ago(16))
    RecordItemFactory(patient=teen, source=teen.home_organization, kind=Kind.PROBLEM, display="Acne", code="1")
    RecordItemFactory(
        patient=teen, source=teen.home_organization, kind=Kind.PROBLEM, display="Private", code="2", confidential=True
    )
    sign_in(client, teen.user)
    _link, path = _create(client, teen, sections=["problems"])
    client.logout()

    page = _open(client, path, teen.birth_date).content.decode()

    assert "Acne" in page
    assert "Private" not in page


def test_the_service_refuses_a_caregiver_even_when_called_directly(patient) -> None:
    from portal.access import Action, resolve

    caregiver = ProxyGrantFactory(patient=patient, scopes=[Scope.RECORDS]).grantee
    access = resolve(caregiver, patient, Action.RECORDS)

    with pytest.raises(sharing.ServiceError):
        sharing.share_link_create(access=access, actor=caregiver, label="x", sections=["results"], days=7)
    assert ShareLink.objects.count() == 0


def _links(patient: Patient, n: int) -> None:
    now = timezone.now()
    for i in range(n):
        link = ShareLink.objects.create(
            patient=patient,
            created_by=patient.user,
            label=f"Doctor {i}",
            token_hash=new_token()[1],
            kinds=[Kind.PROBLEM],
            expires_at=now + timedelta(days=3),
        )
        AuditEvent.objects.create(
            patient=patient,
            action=AuditEvent.Action.VIEW,
            acting_as=AuditEvent.ActingAs.SHARE_LINK,
            object_type=sharing.SHARE_LINK,
            object_id=str(link.pk),
        )


def test_the_links_page_costs_the_same_queries_however_many_links(client, patient, django_assert_num_queries) -> None:
    sign_in(client, patient.user)
    _links(patient, 1)
    client.get(_page(patient))  # the first request of a session does one-off work
    with CaptureQueriesContext(connection) as one_link:
        client.get(_page(patient))
    _links(patient, 4)

    with django_assert_num_queries(len(one_link.captured_queries)):
        response = client.get(_page(patient))

    assert [row.views for row in response.context["active"]] == [1, 1, 1, 1, 1]
