"""The access policy, actor by actor, including time: end dates, age 12 and age 18."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.http import Http404
from django.utils import timezone

from portal.access import Action, access_patient, patients_for, resolve
from portal.factories import (
    CareTeamMembershipFactory,
    OrganizationFactory,
    PatientFactory,
    ProxyGrantFactory,
    StaffMemberFactory,
    UserFactory,
    born_years_ago,
)
from portal.models import AuditEvent, ProxyGrant, Scope, StaffRole

pytestmark = pytest.mark.django_db


def test_patient_may_do_everything_for_themself(patient) -> None:
    for action in [*Scope.values, Action.PROFILE, Action.ACTIVITY, Action.SHARING]:
        assert resolve(patient.user, patient, action).acting_as == AuditEvent.ActingAs.SELF  # type: ignore[union-attr]


def test_proxy_gets_only_the_scopes_granted(patient) -> None:
    carer = ProxyGrantFactory(patient=patient, scopes=[Scope.RECORDS, Scope.BILLING]).grantee

    allowed = {action for action in Scope.values if resolve(carer, patient, action) is not None}

    assert allowed == {Scope.RECORDS, Scope.BILLING}
    assert resolve(carer, patient, Action.PROFILE) is not None
    assert resolve(carer, patient, Action.SHARING) is None


def test_proxy_access_stops_at_the_end_date_before_any_sweep(patient) -> None:
    grant = ProxyGrantFactory(patient=patient, ends_at=timezone.now() + timedelta(minutes=1))
    assert resolve(grant.grantee, patient, Action.RECORDS) is not None

    grant.ends_at = timezone.now() - timedelta(seconds=1)
    grant.save()

    assert resolve(grant.grantee, patient, Action.RECORDS) is None
    assert list(patients_for(grant.grantee, Action.RECORDS)) == []


def test_grant_made_on_a_minor_stops_at_18() -> None:
    adult = PatientFactory(birth_date=born_years_ago(18, days=1))
    grant = ProxyGrantFactory(patient=adult, made_on_minor=True)

    assert resolve(grant.grantee, adult, Action.PROFILE) is None


def test_grant_made_on_a_minor_still_works_the_day_before_18() -> None:
    teen = PatientFactory(birth_date=born_years_ago(18, days=-1))
    grant = ProxyGrantFactory(patient=teen, made_on_minor=True)

    assert resolve(grant.grantee, teen, Action.PROFILE) is not None


@pytest.mark.parametrize(("age", "hidden"), [(8, False), (11, False), (12, True), (15, True), (17, True)])
def test_proxy_of_a_minor_hides_confidential_items_from_12(age: int, hidden: bool) -> None:
    child = PatientFactory(birth_date=born_years_ago(age))
    grant = ProxyGrantFactory(patient=child, is_guardian=True)

    assert access_patient(grant.grantee, child.pk, Action.RECORDS).hides_confidential is hidden


def test_the_patient_sees_their_own_confidential_items() -> None:
    teen = PatientFactory(birth_date=born_years_ago(15))

    assert access_patient(teen.user, teen.pk, Action.RECORDS).hides_confidential is False


def test_another_patient_gets_404_not_403(patient) -> None:
    stranger = PatientFactory().user

    with pytest.raises(Http404):
        access_patient(stranger, patient.pk, Action.PROFILE)


def test_unknown_or_malformed_patient_id_is_404(patient) -> None:
    for patient_id in ("00000000-0000-0000-0000-000000000000", "not-a-uuid", None):
        with pytest.raises(Http404):
            access_patient(patient.user, patient_id, Action.PROFILE)


@pytest.mark.parametrize(
    ("role", "actions"),
    [
        (StaffRole.PHYSICIAN, {*Scope.values, Action.PROFILE, Action.SHARING} - {Scope.BILLING}),
        (StaffRole.NURSE, {*Scope.values, Action.PROFILE, Action.SHARING} - {Scope.BILLING}),
        (
            StaffRole.MEDICAL_ASSISTANT,
            {Scope.RECORDS, Scope.MESSAGING, Scope.SCHEDULING, Scope.REFILLS, Action.PROFILE},
        ),
        (StaffRole.FRONT_DESK, {Scope.MESSAGING, Scope.SCHEDULING, Action.PROFILE, Action.SHARING}),
        (StaffRole.BILLING, {Scope.BILLING, Scope.MESSAGING, Action.PROFILE}),
        (StaffRole.ADMINISTRATOR, set()),
    ],
)
def test_staff_role_decides_the_actions(patient, role: str, actions: set[str]) -> None:
    staff = StaffMemberFactory(organization=patient.home_organization, role=role).user
    every_action = {*Scope.values, Action.PROFILE, Action.ACTIVITY, Action.SHARING}

    allowed = {action for action in every_action if resolve(staff, patient, action) is not None}

    assert allowed == actions


def test_staff_of_another_organization_reach_only_their_care_team_patients(patient) -> None:
    specialist = StaffMemberFactory(organization=OrganizationFactory(), role=StaffRole.PHYSICIAN)
    assert resolve(specialist.user, patient, Action.RECORDS) is None

    CareTeamMembershipFactory(patient=patient, staff=specialist)

    assert resolve(specialist.user, patient, Action.RECORDS).acting_as == AuditEvent.ActingAs.STAFF  # type: ignore[union-attr]
    assert list(patients_for(specialist.user, Action.RECORDS)) == [patient]


def test_inactive_staff_and_inactive_users_reach_nobody(patient) -> None:
    staff = StaffMemberFactory(organization=patient.home_organization, is_active=False)
    patient.user.is_active = False
    patient.user.save()

    assert resolve(staff.user, patient, Action.PROFILE) is None
    assert resolve(patient.user, patient, Action.PROFILE) is None


def test_patients_for_matches_resolve_for_every_actor(patient) -> None:
    others = PatientFactory.create_batch(3, home_organization=patient.home_organization)
    nurse = StaffMemberFactory(organization=patient.home_organization).user
    carer = ProxyGrantFactory(patient=patient, scopes=[Scope.MESSAGING]).grantee
    revoked = ProxyGrantFactory(patient=others[0], status=ProxyGrant.Status.REVOKED).grantee
    everyone = [patient, *others]

    for user in (patient.user, nurse, carer, revoked, UserFactory()):
        for action in (Scope.RECORDS, Scope.MESSAGING, Action.PROFILE):
            expected = {p.pk for p in everyone if resolve(user, p, action) is not None}
            assert set(patients_for(user, action).values_list("pk", flat=True)) == expected, (user, action)


def test_patients_for_is_one_query(django_assert_num_queries, patient) -> None:
    ProxyGrantFactory.create_batch(3, grantee=patient.user)
    with django_assert_num_queries(1):
        assert len(patients_for(patient.user, Scope.RECORDS)) == 4
