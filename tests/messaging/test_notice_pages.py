"""The signed link from a notification, and the staff Notifications page."""

from __future__ import annotations

import re
from datetime import timedelta
from unittest import mock
from urllib.parse import urlencode

import pytest
from django.template import Context, Template
from django.test import Client, RequestFactory
from django.urls import reverse

from messaging import links
from messaging.factories import ThreadFactory
from portal.factories import PatientFactory, ProxyGrantFactory, StaffMemberFactory
from portal.models import AuditEvent, Notice, ProxyGrant, Scope
from tests.conftest import sign_in
from tests.messaging.conftest import Clinic

pytestmark = pytest.mark.django_db


def link_for(user_id: int, thread_id: int) -> str:
    return links.link_path(user_id=user_id, thread_id=thread_id)


# -- /m/<token>/ ---------------------------------------------------------------------------------------------------


def test_the_link_takes_its_recipient_to_the_thread(client: Client) -> None:
    thread = ThreadFactory()
    sign_in(client, thread.patient.user)

    response = client.get(link_for(thread.patient.user.pk, thread.pk))

    assert (response.status_code, response["Location"]) == (302, f"/p/{thread.patient.pk}/messages/{thread.pk}/")


def test_a_caregiver_with_the_messaging_scope_is_taken_to_the_thread(client: Client) -> None:
    thread = ThreadFactory()
    carer = ProxyGrantFactory(patient=thread.patient, scopes=[Scope.MESSAGING]).grantee
    sign_in(client, carer)

    response = client.get(link_for(carer.pk, thread.pk))

    assert response["Location"] == f"/p/{thread.patient.pk}/messages/{thread.pk}/"


def test_an_anonymous_visitor_signs_in_first_and_comes_back(client: Client) -> None:
    thread = ThreadFactory()
    path = link_for(thread.patient.user.pk, thread.pk)

    response = client.get(path)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?{urlencode({'next': path}, safe='/')}"


def test_someone_else_signed_in_is_told_the_link_is_not_theirs_and_nothing_more(client: Client) -> None:
    thread = ThreadFactory(subject="Rash on my arm", patient__family_name="Vexmoorhaven")
    stranger = PatientFactory().user
    sign_in(client, stranger)

    response = client.get(link_for(thread.patient.user.pk, thread.pk))

    body = response.content.decode()
    assert response.status_code == 403
    assert "This link is for someone else" in body
    for secret in ("Rash", thread.patient.family_name, str(thread.patient.pk)):
        assert secret not in body


def test_an_expired_link_explains_and_offers_the_messages_list(client: Client) -> None:
    thread = ThreadFactory()
    sign_in(client, thread.patient.user)
    with mock.patch("django.core.signing.time.time", return_value=0):  # made long ago
        path = link_for(thread.patient.user.pk, thread.pk)

    response = client.get(path)

    assert response.status_code == 410
    assert "This link has expired" in response.content.decode()
    assert f'href="/p/{thread.patient.pk}/messages/"' in response.content.decode()


def test_a_link_still_good_a_day_before_it_expires(client: Client) -> None:
    thread = ThreadFactory()
    sign_in(client, thread.patient.user)
    with mock.patch("time.time") as clock:
        clock.return_value = 1_000_000_000
        path = link_for(thread.patient.user.pk, thread.pk)
        clock.return_value += (links.MAX_AGE - timedelta(days=1)).total_seconds()
        assert links.read_link(path.split("/")[2]).expired is False  # type: ignore[union-attr]
        clock.return_value += timedelta(days=2).total_seconds()
        assert links.read_link(path.split("/")[2]).expired is True  # type: ignore[union-attr]


def test_a_tampered_link_or_one_whose_access_ended_is_not_found(client: Client) -> None:
    thread = ThreadFactory()
    carer_grant = ProxyGrantFactory(patient=thread.patient, scopes=[Scope.MESSAGING])
    sign_in(client, carer_grant.grantee)
    path = link_for(carer_grant.grantee.pk, thread.pk)

    assert client.get(path[:-3] + "xx/").status_code == 404
    carer_grant.status = ProxyGrant.Status.REVOKED
    carer_grant.save()
    assert client.get(path).status_code == 404


# -- /staff/messaging/notices/ ---------------------------------------------------------------------------------


def staff_client(client: Client, clinic: Clinic) -> Client:
    return sign_in(client, clinic.nurse_ana.user, second_factor=True)


def test_my_notifications_newest_first_with_thread_and_patient(
    client: Client, clinic: Clinic, django_assert_num_queries
) -> None:
    older = clinic.start(subject="Rash on my arm")
    newer = clinic.start(subject="Cough for a week")
    staff_client(client, clinic)
    client.get(reverse("messaging_notices"))  # warm: session, second factor

    # session, user, device, staff role, notice count, notices page, their threads (the outbox's
    # rows name a thread by id), audit insert, unread count; the layout's people; saving the
    # session (3 with its savepoint).
    with django_assert_num_queries(14):
        response = client.get(reverse("messaging_notices"))
    for _ in range(5):
        clinic.start()
    with django_assert_num_queries(14):
        client.get(reverse("messaging_notices"))

    body = response.content.decode()
    assert body.index("Cough for a week") < body.index("Rash on my arm")
    assert clinic.patient.display_name in body
    assert "2 unread notifications." in body
    newest = Notice.objects.get(target_id=newer.pk, user=clinic.nurse_ana.user)
    assert reverse("messaging_notice_open", args=[newest.pk]) in body
    assert set(
        AuditEvent.objects.filter(actor=clinic.nurse_ana.user, action=AuditEvent.Action.VIEW).values_list(
            "object_id", flat=True
        )
    ) >= {str(older.pk), str(newer.pk)}


def test_opening_a_notification_marks_it_read_and_goes_to_the_staff_thread(client: Client, clinic: Clinic) -> None:
    thread = clinic.start()
    notice = Notice.objects.get(user=clinic.nurse_ana.user)
    staff_client(client, clinic)

    response = client.get(reverse("messaging_notice_open", args=[notice.pk]))

    assert (response.status_code, response["Location"]) == (302, f"/staff/messaging/{thread.pk}/")
    notice.refresh_from_db()
    assert notice.read_at is not None


def test_mark_one_then_all_read(client: Client, clinic: Clinic) -> None:
    clinic.start()
    clinic.start()
    first, second = Notice.objects.filter(user=clinic.nurse_ana.user)
    staff_client(client, clinic)

    assert client.post(reverse("messaging_notice_read", args=[first.pk])).status_code == 302
    assert list(Notice.objects.filter(user=clinic.nurse_ana.user, read_at__isnull=True)) == [second]
    assert client.post(reverse("messaging_notices_read_all")).status_code == 302
    assert Notice.objects.filter(user=clinic.nurse_ana.user, read_at__isnull=True).count() == 0
    assert Notice.objects.filter(user=clinic.nurse_ben.user, read_at__isnull=True).count() == 2


def test_someone_elses_notification_is_not_found(client: Client, clinic: Clinic) -> None:
    clinic.start()
    bens = Notice.objects.get(user=clinic.nurse_ben.user)
    staff_client(client, clinic)

    assert client.post(reverse("messaging_notice_read", args=[bens.pk])).status_code == 404
    assert client.get(reverse("messaging_notice_open", args=[bens.pk])).status_code == 404
    assert Notice.objects.get(pk=bens.pk).read_at is None


def test_staff_who_left_the_clinic_no_longer_see_its_patients(client: Client, clinic: Clinic) -> None:
    clinic.start(subject="Rash on my arm")
    clinic.nurse_ana.is_active = False
    clinic.nurse_ana.save()
    StaffMemberFactory(user=clinic.nurse_ana.user)  # still staff, elsewhere

    body = staff_client(client, clinic).get(reverse("messaging_notices")).content.decode()

    assert "Rash on my arm" not in body
    assert clinic.patient.family_name not in body


def test_patients_cannot_open_the_notifications_page(client: Client, clinic: Clinic) -> None:
    sign_in(client, clinic.patient.user)

    assert client.get(reverse("messaging_notices")).status_code == 404


def test_the_badge_counts_my_unread_notifications(clinic: Clinic) -> None:
    clinic.start()
    clinic.start()
    request = RequestFactory().get("/")
    request.user = clinic.nurse_ana.user
    template = Template("{% load notice_tags %}{% unread_notice_count as n %}[{{ n }}]")

    assert template.render(Context({"request": request})) == "[2]"
    Notice.objects.filter(user=clinic.nurse_ana.user).update(read_at=Notice.objects.first().created_at)
    assert template.render(Context({"request": request})) == "[0]"


def test_an_unread_notification_is_marked_unread_not_new_twice(client: Client, clinic: Clinic) -> None:
    clinic.start()

    body = staff_client(client, clinic).get(reverse("messaging_notices")).content.decode()

    assert "New New" not in " ".join(re.sub(r"<[^>]+>", " ", body).split())
    assert '<span class="badge badge--invited">Unread</span>' in body
