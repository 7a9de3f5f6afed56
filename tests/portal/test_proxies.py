"""Proxy grants end to end through the services: invite, accept, revoke, end, renew."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from portal.access import Action, resolve
from portal.factories import PatientFactory, ProxyGrantFactory, StaffMemberFactory, UserFactory, born_years_ago
from portal.models import AuditEvent, ProxyGrant, Scope
from portal.services import proxies
from portal.services.errors import InvalidToken, InvalidTransition, ServiceError
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db
Status = ProxyGrant.Status


def _invite(patient, **overrides):
    access = resolve(overrides.pop("actor", patient.user), patient, Action.SHARING)
    fields = {"email": "Carer@Example.org", "name": "Sam Carer", "relationship": "son", "scopes": [Scope.RECORDS]}
    fields.update(overrides)
    return proxies.proxy_invite(access=access, actor=access.staff.user if access.staff else patient.user, **fields)


def test_invitation_email_has_a_link_and_no_health_details(
    django_capture_on_commit_callbacks, eager_tasks, patient
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        grant, token = _invite(patient)

    assert grant.status == Status.INVITED
    assert grant.invited_email == "carer@example.org"
    assert len(mail.outbox) == 1
    body = mail.outbox[0].body
    assert f"/invitations/{token}/" in body
    assert patient.family_name not in body and patient.given_name not in body
    assert mail.outbox[0].to == ["carer@example.org"]


def test_accepting_gives_access_and_spends_the_link(patient) -> None:
    grant, token = _invite(patient)
    carer = UserFactory()

    proxies.proxy_accept(token=token, user=carer)

    grant.refresh_from_db()
    assert (grant.status, grant.grantee, grant.token_hash) == (Status.ACTIVE, carer, None)
    assert resolve(carer, patient, Scope.RECORDS) is not None
    with pytest.raises(InvalidToken, match="not valid"):
        proxies.proxy_accept(token=token, user=UserFactory())


def test_expired_invitation_explains_itself(patient) -> None:
    grant, token = _invite(patient)
    ProxyGrant.objects.filter(pk=grant.pk).update(invitation_expires_at=timezone.now() - timedelta(seconds=1))

    with pytest.raises(InvalidToken, match="expired"):
        proxies.proxy_accept(token=token, user=UserFactory())


def test_revoke_is_immediate_and_audited(patient) -> None:
    grant = ProxyGrantFactory(patient=patient)
    access = resolve(patient.user, patient, Action.SHARING)

    proxies.proxy_revoke(access=access, actor=patient.user, grant_id=grant.pk)  # type: ignore[arg-type]

    assert resolve(grant.grantee, patient, Action.PROFILE) is None
    event = AuditEvent.objects.get(action=AuditEvent.Action.REVOKE)
    assert (event.object_id, event.actor_id) == (str(grant.pk), patient.user.pk)


def test_only_the_transition_map_moves_a_grant(patient) -> None:
    grant = ProxyGrantFactory(patient=patient, status=Status.REVOKED)
    access = resolve(patient.user, patient, Action.SHARING)

    with pytest.raises(InvalidTransition):
        proxies.proxy_revoke(access=access, actor=patient.user, grant_id=grant.pk)  # type: ignore[arg-type]


def test_the_database_refuses_an_active_grant_without_a_grantee(patient) -> None:
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        ProxyGrantFactory(patient=patient, grantee=None, accepted_at=None, invited_email="x@example.org")


def test_no_second_open_invitation_for_the_same_person(patient) -> None:
    _invite(patient)

    with pytest.raises(ServiceError, match="already has access") as refused:
        _invite(patient)
    assert refused.value.field == "email"


def test_a_child_under_12_cannot_be_shared_by_a_proxy_and_staff_make_the_guardian_grant() -> None:
    child = PatientFactory(birth_date=born_years_ago(8), user=None)
    nurse = StaffMemberFactory(organization=child.home_organization)

    grant, _token = _invite(child, actor=nurse.user, is_guardian=True)

    assert (grant.made_on_minor, grant.is_guardian, grant.granted_by) == (True, True, nurse.user)


def test_a_teen_may_invite_and_the_grant_is_marked_as_made_on_a_minor() -> None:
    teen = PatientFactory(birth_date=born_years_ago(16))

    grant, _token = _invite(teen)

    assert grant.made_on_minor is True


def test_sweep_ends_grants_by_date_by_age_and_by_invitation_expiry() -> None:
    dated = ProxyGrantFactory(ends_at=timezone.now() - timedelta(minutes=1))
    grown_up = ProxyGrantFactory(patient=PatientFactory(birth_date=born_years_ago(18)), made_on_minor=True)
    stale = ProxyGrantFactory(
        status=Status.INVITED,
        grantee=None,
        accepted_at=None,
        invited_email="late@example.org",
        invitation_expires_at=timezone.now() - timedelta(days=1),
    )
    untouched = ProxyGrantFactory()

    counts = proxies.proxy_grants_sweep()
    again = proxies.proxy_grants_sweep()

    assert counts == {"end_date": 1, "turned_18": 1, "invitation_expired": 1}
    assert again == {"end_date": 0, "turned_18": 0, "invitation_expired": 0}
    for grant, reason in ((dated, "end_date"), (grown_up, "turned_18"), (stale, "invitation_expired")):
        grant.refresh_from_db()
        assert (grant.status, grant.end_reason) == (Status.EXPIRED, reason)
    untouched.refresh_from_db()
    assert untouched.status == Status.ACTIVE


def test_an_adult_renews_a_grant_that_ended_at_18() -> None:
    adult = PatientFactory(birth_date=born_years_ago(18))
    old = ProxyGrantFactory(patient=adult, made_on_minor=True, scopes=[Scope.RECORDS, Scope.BILLING])
    proxies.proxy_grants_sweep()
    access = resolve(adult.user, adult, Action.SHARING)

    renewed = proxies.proxy_renew(access=access, actor=adult.user, grant_id=old.pk)  # type: ignore[arg-type]

    assert (renewed.status, renewed.made_on_minor, renewed.scopes) == (Status.ACTIVE, False, ["records", "billing"])
    assert resolve(old.grantee, adult, Scope.RECORDS) is not None
    with pytest.raises(ServiceError, match="already renewed"):
        proxies.proxy_renew(access=access, actor=adult.user, grant_id=old.pk)  # type: ignore[arg-type]


def test_sharing_page_form_keeps_what_was_typed_and_shows_errors(client, patient) -> None:
    sign_in(client, patient.user)

    response = client.post(f"/p/{patient.pk}/sharing/", {"name": "Sam Carer", "email": "not-an-email"})

    page = response.content.decode()
    assert response.status_code == 400
    assert 'value="Sam Carer"' in page
    assert "Enter a valid email address." in page
    assert "Choose at least one thing they can help with." in page
    assert ProxyGrant.objects.count() == 0


def test_caregiver_accepts_through_the_page_with_their_own_account(client, patient) -> None:
    _grant, token = _invite(patient)
    carer = UserFactory()

    anonymous_page = client.get(f"/invitations/{token}/")
    sign_in(client, carer)
    response = client.post(f"/invitations/{token}/", {"decision": "accept"})

    assert "Create an account" in anonymous_page.content.decode()
    assert response.status_code == 302
    assert response["Location"] == f"/p/{patient.pk}/"
    assert re.search(patient.family_name, client.get(response["Location"]).content.decode())


def test_used_invitation_link_explains_itself(client, patient) -> None:
    _grant, token = _invite(patient)
    proxies.proxy_accept(token=token, user=UserFactory())

    response = client.get(f"/invitations/{token}/")

    assert response.status_code == 410
    assert "Ask the person who invited you" in response.content.decode()


def test_sending_an_invitation_again_replaces_the_link(
    django_capture_on_commit_callbacks, eager_tasks, patient
) -> None:
    grant, old_token = _invite(patient)
    access = resolve(patient.user, patient, Action.SHARING)

    with django_capture_on_commit_callbacks(execute=True):
        proxies.proxy_reinvite(access=access, actor=patient.user, grant_id=grant.pk)

    new_token = re.search(r"/invitations/([^/]+)/", mail.outbox[-1].body).group(1)  # type: ignore[union-attr]
    with pytest.raises(InvalidToken):
        proxies.proxy_grant_for_token(old_token)
    assert proxies.proxy_grant_for_token(new_token).pk == grant.pk


def test_an_expired_invitation_can_be_sent_again_as_a_new_one(patient) -> None:
    grant, _token = _invite(patient)
    ProxyGrant.objects.filter(pk=grant.pk).update(invitation_expires_at=timezone.now() - timedelta(seconds=1))
    proxies.proxy_grants_sweep()
    access = resolve(patient.user, patient, Action.SHARING)

    fresh = proxies.proxy_reinvite(access=access, actor=patient.user, grant_id=grant.pk)

    assert fresh.pk != grant.pk
    assert (fresh.status, fresh.invited_email, fresh.scopes) == (Status.INVITED, grant.invited_email, grant.scopes)
